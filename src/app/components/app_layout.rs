//! The frame of signed-in pages: business name, navigation (a bottom bar on phones), demo
//! banner.

use leptos::prelude::*;

use crate::{
    PRODUCT_NAME,
    api::viewer::{Viewer, get_viewer},
    app::components::layout::DemoBanner,
};

/// Pages in the navigation, with whether agents see them.
const NAV: [(&str, &str, bool); 9] = [
    ("/app/leads", "Leads", true),
    ("/app/insights", "Insights", true),
    ("/app/numbers", "Numbers", true),
    ("/app/billing", "Billing", false),
    ("/app/settings", "Settings", false),
    ("/app/team", "Team", false),
    ("/app/integrations", "Integrations", false),
    ("/app/account", "Account", true),
    ("/sign-out", "Sign out", true),
];

#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let viewer = Resource::new(|| (), |_| get_viewer());
    view! {
        <DemoBanner />
        <Suspense fallback=|| ()>
            {move || {
                let viewer = viewer.get().and_then(Result::ok).flatten();
                view! { <AppHeader viewer /> }
            }}
        </Suspense>
        <main class="mx-auto w-full max-w-5xl px-4 pb-24 pt-6 sm:pb-10">{children()}</main>
    }
}

#[component]
fn AppHeader(viewer: Option<Viewer>) -> impl IntoView {
    let owner = viewer.as_ref().is_some_and(Viewer::is_owner);
    let in_business = viewer.as_ref().is_some_and(|v| v.business.is_some());
    let business_name = viewer
        .as_ref()
        .and_then(|v| v.business.as_ref())
        .map(|b| b.name.clone())
        .unwrap_or_else(|| PRODUCT_NAME.to_owned());
    let links: Vec<_> = NAV
        .iter()
        .filter(|(href, _, for_agents)| {
            (owner || *for_agents)
                && (in_business || !href.starts_with("/app/") || *href == "/app/account")
        })
        .map(|(href, label, _)| (*href, *label))
        .collect();
    let bottom: Vec<_> = links
        .iter()
        .filter(|(href, _)| matches!(*href, "/app/leads" | "/app/numbers"))
        .copied()
        .collect();
    let more: Vec<_> = links
        .iter()
        .filter(|(href, _)| !matches!(*href, "/app/leads" | "/app/numbers"))
        .copied()
        .collect();
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl items-center justify-between gap-2 px-4 py-2">
                <a href="/app" class="flex min-h-11 min-w-0 items-center gap-2 font-bold text-teal-800">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    <span class="truncate">{business_name}</span>
                </a>
                <nav aria-label="Main" class="hidden items-center gap-1 text-sm sm:flex">
                    {links
                        .iter()
                        .map(|(href, label)| view! {
                            <a href=*href class="flex min-h-11 items-center px-3 text-slate-700 hover:text-teal-800">{*label}</a>
                        })
                        .collect_view()}
                </nav>
            </div>
        </header>
        <nav
            aria-label="Main"
            class="fixed inset-x-0 bottom-0 z-10 flex justify-around border-t border-slate-200 bg-white text-sm sm:hidden"
        >
            {bottom
                .iter()
                .map(|(href, label)| view! {
                    <a href=*href class="flex min-h-12 flex-1 items-center justify-center text-slate-800">{*label}</a>
                })
                .collect_view()}
            <details class="relative flex-1">
                <summary class="flex min-h-12 cursor-pointer list-none items-center justify-center text-slate-800">
                    "More"
                </summary>
                <div class="absolute bottom-12 right-2 w-48 rounded-lg border border-slate-200 bg-white py-1 shadow-lg">
                    {more
                        .iter()
                        .map(|(href, label)| view! {
                            <a href=*href class="flex min-h-11 items-center px-4 text-slate-800 hover:bg-slate-50">{*label}</a>
                        })
                        .collect_view()}
                </div>
            </details>
        </nav>
    }
}

/// A page heading with an optional line under it.
#[component]
pub fn PageTitle(
    title: &'static str,
    #[prop(optional)] lead: Option<&'static str>,
) -> impl IntoView {
    view! {
        <h1 class="text-2xl font-bold">{title}</h1>
        {lead.map(|lead| view! { <p class="mt-1 text-slate-700">{lead}</p> })}
    }
}
