//! The Leptos UI, rendered on the server and hydrated in the browser.

pub mod components;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::{
    PRODUCT_NAME,
    api::site::{SiteInfo, get_site_info},
};
use pages::{
    account::AccountPage,
    auth::{ResetPasswordPage, SignInPage, SignOutPage, SignUpPage},
    billing::BillingPage,
    forbidden::Forbidden,
    insights::InsightsPage,
    integrations::IntegrationsPage,
    lead::LeadPage,
    leads::LeadsPage,
    not_found::NotFound,
    numbers::NumbersPage,
    onboarding::OnboardingPage,
    public::{
        contact::ContactPage,
        home::HomePage,
        legal::{PrivacyPage, RefundPage, TermsPage},
    },
    settings::SettingsPage,
    simulator::SimulatorPage,
    team::TeamPage,
};

/// The HTML document around every page. On the server it also issues the per-response script
/// nonce and the Content-Security-Policy that allows exactly that nonce.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::http::page_headers::apply();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#0f766e" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Deployment facts (support email, demo mode, plan quotas) every page may show.
#[derive(Clone, Copy)]
pub struct SiteInfoResource(pub Resource<Result<SiteInfo, ServerFnError>>);

pub fn use_site_info() -> Resource<Result<SiteInfo, ServerFnError>> {
    expect_context::<SiteInfoResource>().0
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(SiteInfoResource(Resource::new(|| (), |_| get_site_info())));

    view! {
        <Stylesheet id="leptos" href="/pkg/callbackcloser.css" />
        <Title formatter=|title: String| {
            if title.is_empty() { PRODUCT_NAME.to_string() } else { format!("{title} · {PRODUCT_NAME}") }
        } />
        <Meta
            name="description"
            content="Missed a call? CallbackCloser texts the caller back within seconds, asks what they need and alerts you with the details."
        />
        <Router>
            {if page_forbidden() { view! { <Forbidden /> }.into_any() } else { view! { <Pages /> }.into_any() }}
        </Router>
    }
}

/// This page's path and query, as the browser requested it.
pub fn current_page() -> String {
    let location = leptos_router::hooks::use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    if search.is_empty() {
        path
    } else {
        format!("{path}?{search}")
    }
}

/// Whether the page gate refused this page to the viewer's role (rendered as the 403 page).
fn page_forbidden() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts
                .extensions
                .get::<crate::server::auth::gate::PageForbidden>()
                .is_some()
        })
    }
    #[cfg(not(feature = "ssr"))]
    false
}

/// Every page, by path.
#[component]
fn Pages() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
                <Route path=path!("/") view=HomePage ssr=SsrMode::InOrder />
                <Route path=path!("/terms") view=TermsPage ssr=SsrMode::InOrder />
                <Route path=path!("/privacy") view=PrivacyPage ssr=SsrMode::InOrder />
                <Route path=path!("/refund") view=RefundPage ssr=SsrMode::InOrder />
                <Route path=path!("/contact") view=ContactPage ssr=SsrMode::InOrder />
                <Route path=path!("/sign-up") view=SignUpPage ssr=SsrMode::InOrder />
                <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::InOrder />
                <Route path=path!("/sign-out") view=SignOutPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/onboarding") view=OnboardingPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/leads") view=LeadsPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/leads/:id") view=LeadPage ssr=SsrMode::Async />
                <Route path=path!("/app/account") view=AccountPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/numbers") view=NumbersPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/billing") view=BillingPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/insights") view=InsightsPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/settings") view=SettingsPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/team") view=TeamPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/integrations") view=IntegrationsPage ssr=SsrMode::InOrder />
                <Route path=path!("/app/simulator") view=SimulatorPage ssr=SsrMode::Async />
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::InOrder />
            </Routes>
    }
}
