//! The reply box's live count (web.md §6.3): characters and SMS segments as the owner types
//! (GSM-7 160 per segment, 153 when split; otherwise 70 / 67). Without JavaScript the server
//! shows the rule instead of a count.

use leptos::prelude::*;

/// `12 characters · 1 text` for what is typed so far.
pub fn describe(text: &str) -> String {
    let characters = text.chars().count();
    let segments = crate::domain::gsm7::segments(text);
    let texts = if segments == 1 {
        "1 text".to_owned()
    } else {
        format!("{segments} texts")
    };
    format!("{characters} of 1600 characters · {texts}")
}

/// Wraps the reply form; counts the `textarea` inside it on every keystroke.
#[island]
pub fn ReplyCounter(children: Children) -> impl IntoView {
    // Without JavaScript this line never changes, so it starts with the rule, not a count.
    let (count, set_count) =
        signal("Up to 1600 characters; long replies go out as several texts.".to_owned());
    view! {
        <div on:input=move |event: leptos::ev::Event| {
            if let Some(text) = typed(&event) {
                set_count.set(describe(&text));
            }
        }>
            {children()}
            <p class="text-sm text-slate-600" aria-live="polite" data-testid="segment-count">{count}</p>
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn typed(event: &leptos::ev::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    event
        .target()?
        .dyn_into::<web_sys::HtmlTextAreaElement>()
        .ok()
        .map(|area| area.value())
}

#[cfg(not(feature = "hydrate"))]
fn typed(_event: &leptos::ev::Event) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(describe(""), "0 of 1600 characters · 0 texts");
        assert_eq!(describe("On my way"), "9 of 1600 characters · 1 text");
        assert_eq!(
            describe(&"a".repeat(161)),
            "161 of 1600 characters · 2 texts"
        );
        assert_eq!(describe("😀 soon"), "6 of 1600 characters · 1 text");
    }
}
