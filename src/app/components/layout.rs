//! The frame of public pages: header, demo-mode banner, footer.

use leptos::prelude::*;

use crate::{PRODUCT_NAME, app::use_site_info};

#[component]
pub fn PublicLayout(children: Children) -> impl IntoView {
    view! {
        <DemoBanner />
        <header class="border-b border-slate-200 bg-white">
            <nav class="mx-auto flex max-w-5xl items-center justify-between gap-2 px-4 py-2" aria-label="Main">
                <a href="/" class="flex min-h-11 items-center gap-2 text-lg font-bold text-teal-800">
                    <img src="/favicon.svg" alt="" width="28" height="28" />
                    {PRODUCT_NAME}
                </a>
                <div class="flex items-center gap-1 text-sm">
                    <a href="/#how-it-works" class="hidden min-h-11 items-center px-3 text-slate-700 hover:text-teal-800 sm:flex">
                        "How it works"
                    </a>
                    <a href="/#pricing" class="flex min-h-11 items-center px-3 text-slate-700 hover:text-teal-800">
                        "Pricing"
                    </a>
                </div>
            </nav>
        </header>
        <main class="mx-auto w-full max-w-5xl px-4 py-8">{children()}</main>
        <Footer />
    }
}

/// "Demo mode" on every page when calls, texts and payments are simulated (operations.md §3.3).
#[component]
pub fn DemoBanner() -> impl IntoView {
    let site = use_site_info();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                site.get()
                    .and_then(Result::ok)
                    .filter(|info| info.demo_mode)
                    .map(|_| {
                        view! {
                            <p class="bg-amber-100 px-4 py-2 text-center text-sm text-amber-900" role="status">
                                <strong>"Demo mode: "</strong>
                                "calls, texts and payments are simulated. Nothing reaches a real phone or card. "
                                <a href="/app/simulator" class="font-semibold underline">"Open the phone simulator"</a>
                            </p>
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="mt-12 border-t border-slate-200 bg-white">
            <div class="mx-auto flex max-w-5xl flex-col gap-4 px-4 py-6 text-sm text-slate-600 sm:flex-row sm:items-center sm:justify-between">
                <p>{PRODUCT_NAME} " — missed calls into booked jobs."</p>
                <nav aria-label="Legal" class="flex flex-wrap gap-x-1">
                    <FooterLink href="/terms" label="Terms" />
                    <FooterLink href="/privacy" label="Privacy" />
                    <FooterLink href="/refund" label="Refunds" />
                    <FooterLink href="/contact" label="Contact" />
                </nav>
            </div>
        </footer>
    }
}

#[component]
fn FooterLink(href: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <a href=href class="flex min-h-11 items-center px-2 underline-offset-4 hover:text-teal-800 hover:underline">
            {label}
        </a>
    }
}

/// A titled section of a text page.
#[component]
pub fn TextSection(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <section class="mt-8 space-y-3">
            <h2 class="text-xl font-semibold text-slate-900">{title}</h2>
            {children()}
        </section>
    }
}
