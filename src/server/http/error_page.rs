//! Plain HTML error pages for responses made outside Leptos (the panic guard, plain-form
//! failures): the status, a heading, never internal details (web.md §11).

use axum::{
    body::Body,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

pub fn error_page(status: StatusCode, heading: &str, detail: Option<&str>) -> Response {
    let detail = detail
        .map(|text| format!("<p>{}</p>", escape(text)))
        .unwrap_or_default();
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/pkg/callbackcloser.css\"></head>\
         <body class=\"error-page\"><main><h1>{title}</h1>{detail}\
         <p><a href=\"/app\">Back to the app</a> · <a href=\"/\">Home page</a></p></main></body></html>",
        title = escape(heading),
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        Body::from(body),
    )
        .into_response()
}

/// The heading web.md §11 gives each status.
pub fn heading_for(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "You don't have access to this page",
        404 => "Page not found",
        413 => "That was too much to send",
        429 => "Too many requests",
        _ => "Something went wrong",
    }
}

pub fn escape(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_escaping() {
        assert_eq!(
            heading_for(StatusCode::FORBIDDEN),
            "You don't have access to this page"
        );
        assert_eq!(heading_for(StatusCode::NOT_FOUND), "Page not found");
        assert_eq!(
            escape("<b>\"x\" & y</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"
        );
        let page = error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests",
            Some("<later>"),
        );
        assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
