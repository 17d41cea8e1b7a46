use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::layout::PublicLayout;

/// Any path without a page: status 404 (web.md §2.1, §11).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <PublicLayout>
            <h1 class="text-3xl font-bold">"Page not found"</h1>
            <p class="mt-4 text-slate-700">"The page you asked for does not exist or has moved."</p>
            <p class="mt-6">
                <a href="/" class="inline-flex min-h-11 items-center rounded-lg bg-teal-700 px-5 font-semibold text-white hover:bg-teal-800">
                    "Go to the home page"
                </a>
            </p>
        </PublicLayout>
    }
}
