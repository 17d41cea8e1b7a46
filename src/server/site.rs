//! Where the Leptos site settings come from at run time.
//!
//! Under cargo-leptos (`run` and the browser tests) the `LEPTOS_*` variables it sets describe
//! the freshly built site. A release folder carries `Leptos.toml` next to the binary with its
//! production settings; `LEPTOS_*` variables still override single values.

use std::path::Path;

use leptos::config::{LeptosOptions, get_configuration};

pub const SITE_FILE: &str = "Leptos.toml";

pub fn load_site_options() -> Result<LeptosOptions, String> {
    let use_file =
        std::env::var_os("LEPTOS_OUTPUT_NAME").is_none() && Path::new(SITE_FILE).exists();
    let conf = if use_file {
        get_configuration(Some(SITE_FILE))
    } else {
        get_configuration(None)
    };
    conf.map(|conf| conf.leptos_options)
        .map_err(|err| format!("cannot read the Leptos site settings: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_site_file_describes_the_built_site() {
        let options = get_configuration(Some(SITE_FILE))
            .expect("Leptos.toml parses")
            .leptos_options;
        assert_eq!(&*options.output_name, "callbackcloser");
        assert_eq!(&*options.site_pkg_dir, "pkg");
        assert_eq!(options.env, leptos::config::Env::PROD);
    }
}
