use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::components::app_layout::AppLayout;

/// A page the viewer's role may not open: status 403 (web.md §2.1, W5).
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::FORBIDDEN);
    }
    view! {
        <Title text="No access" />
        <AppLayout>
            <h1 class="text-2xl font-bold">"You don't have access to this page"</h1>
            <p class="mt-2 text-slate-700">"Only the owner of the business can open it. Ask them if you need something changed."</p>
            <p class="mt-6">
                <a href="/app/leads" class="inline-flex min-h-11 items-center rounded-lg bg-teal-700 px-5 font-semibold text-white">
                    "Back to leads"
                </a>
            </p>
        </AppLayout>
    }
}
