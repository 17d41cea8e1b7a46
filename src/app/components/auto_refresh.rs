//! Pages that change on their own (the lead list, a lead) refresh every 15 s while visible,
//! without a full reload (web.md §6.2, §6.3): the page is fetched again and the element marked
//! `data-refresh-region` is swapped. Nothing happens while the person is typing in that region.

use leptos::prelude::*;

/// Seconds between refreshes.
pub const REFRESH_SECONDS: u64 = 15;

/// `seconds` overrides the 15 s (the phone simulator watches texts arrive).
#[island]
pub fn AutoRefresh(#[prop(optional)] seconds: Option<u64>) -> impl IntoView {
    let seconds = seconds.unwrap_or(REFRESH_SECONDS);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| refresh::start(seconds));
    view! { <span hidden data-auto-refresh=seconds></span> }
}

#[cfg(feature = "hydrate")]
mod refresh {
    use std::time::Duration;

    use leptos::{prelude::*, task::spawn_local};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{DomParser, Element, RequestInit, Response, SupportedType};

    const REGION: &str = "[data-refresh-region]";

    pub fn start(seconds: u64) {
        set_interval(
            || {
                spawn_local(async {
                    if let Err(err) = refresh().await {
                        leptos::logging::warn!("refresh failed: {err:?}");
                    }
                })
            },
            Duration::from_secs(seconds),
        );
    }

    /// Someone is typing or choosing inside the region: leave it alone.
    fn busy(region: &Element) -> bool {
        let document = document();
        let focused = document.active_element().is_some_and(|active| {
            region.contains(Some(&active))
                && matches!(active.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        });
        let drafting = region
            .query_selector_all("textarea")
            .ok()
            .is_some_and(|areas| {
                (0..areas.length()).any(|i| {
                    areas
                        .item(i)
                        .and_then(|n| n.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                        .is_some_and(|area| !area.value().is_empty())
                })
            });
        focused || drafting
    }

    async fn refresh() -> Result<(), JsValue> {
        let document = document();
        let Some(region) = document.query_selector(REGION)? else {
            return Ok(());
        };
        if document.hidden() || busy(&region) {
            return Ok(());
        }
        let window = window();
        let init = RequestInit::new();
        let headers = web_sys::Headers::new()?;
        headers.set("Accept", "text/html")?;
        init.set_headers(&headers);
        let href = window.location().href()?;
        let response: Response = JsFuture::from(window.fetch_with_str_and_init(&href, &init))
            .await?
            .dyn_into()?;
        if !response.ok() || response.redirected() {
            return Ok(());
        }
        let html = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        let fresh = DomParser::new()?.parse_from_string(&html, SupportedType::TextHtml)?;
        if let Some(new_region) = fresh.query_selector(REGION)?
            && !busy(&region)
        {
            region.set_inner_html(&new_region.inner_html());
        }
        Ok(())
    }
}
