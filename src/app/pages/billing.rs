//! `/app/billing` (billing.md §4, §5.3): status, plan, usage, the automation status, the plan
//! cards and the portal. Every button is a plain form, so it works without JavaScript.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::billing::{
        BillingPage, OpenPortal, PlanCard, StartCheckout, error_text, get_billing_page,
    },
    app::components::app_layout::{AppLayout, PageTitle},
    domain::billing::SubscriptionStatus,
};

/// The return from Checkout refreshes every 3 s, ten times at most (30 s).
const MAX_REFRESHES: u32 = 10;

#[derive(Clone, Debug, Default)]
struct Query {
    plan: Option<String>,
    checkout: Option<String>,
    session_id: Option<String>,
    error: Option<String>,
    refreshes: u32,
}

#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let query = Query {
        plan: query.get("plan"),
        checkout: query.get("checkout"),
        session_id: query.get("session_id"),
        error: query.get("error"),
        refreshes: query
            .get("refresh")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    };
    let (plan, session_id) = (query.plan.clone(), query.session_id.clone());
    let page = Resource::new(
        || (),
        move |_| get_billing_page(plan.clone(), session_id.clone()),
    );
    view! {
        <Title text="Billing" />
        <AppLayout>
            <PageTitle title="Billing" lead="Your plan, this month's conversations and your payment details." />
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading billing…"</p> }>
                {move || {
                    let query = query.clone();
                    page.get().map(move |result| match result {
                        Ok(page) => view! { <BillingBody page query /> }.into_any(),
                        Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                    })
                }}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn BillingBody(page: BillingPage, query: Query) -> impl IntoView {
    let active = page.status == SubscriptionStatus::Active;
    view! {
        <Notices page=page.clone() query />
        <section class="mt-4 rounded-xl border border-slate-200 bg-white p-4" aria-labelledby="plan-heading">
            <h2 id="plan-heading" class="sr-only">"Current plan"</h2>
            <div class="flex flex-wrap items-center gap-3">
                <span class=status_class(page.status) data-testid="billing-status">{page.status.label()}</span>
                <span class="text-lg font-semibold" data-testid="plan-label">{page.plan_label.clone()}</span>
            </div>
            {page.period_end.filter(|_| active).map(|end| view! {
                <p class="mt-2 text-slate-700">"Current period ends " {end.format("%B %-d, %Y").to_string()}</p>
            })}
            {page.usage_line.clone().map(|line| view! {
                <p class="mt-2 text-slate-700" data-testid="usage-line">"Conversations this month: " {line}</p>
            })}
            <p
                role="status"
                class=if page.automation_paused { "mt-3 rounded-lg bg-amber-50 px-3 py-2 text-amber-900" } else { "mt-3 rounded-lg bg-teal-50 px-3 py-2 text-teal-900" }
                data-testid="automation-status"
            >
                {page.automation_message.clone()}
            </p>
            {page.usage_warning.clone().map(|warning| view! {
                <p role="status" class="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-amber-900">{warning}</p>
            })}
            {page.has_customer.then(|| view! {
                <form method="post" action=OpenPortal::PATH class="mt-4">
                    <button type="submit" class="inline-flex min-h-11 items-center rounded-lg border border-slate-300 bg-white px-4 font-semibold text-slate-800 hover:bg-slate-50">
                        "Manage billing"
                    </button>
                </form>
            })}
        </section>
        <h2 class="mt-8 text-lg font-semibold">"Plans"</h2>
        <div class="mt-3 grid gap-4 sm:grid-cols-2">
            {page.plans.iter().cloned().map(|card| {
                view! { <PlanCardView card nonce=page.nonce.clone() demo=page.demo_mode /> }
            }).collect_view()}
        </div>
    }
}

#[component]
fn Notices(page: BillingPage, query: Query) -> impl IntoView {
    let active = page.status == SubscriptionStatus::Active;
    let returned = query.checkout.as_deref() == Some("success");
    let still_waiting = returned && !active && query.refreshes < MAX_REFRESHES;
    let refresh = still_waiting.then(|| {
        let mut target = format!(
            "/app/billing?checkout=success&refresh={}",
            query.refreshes + 1
        );
        if let Some(id) = &query.session_id {
            target.push_str(&format!(
                "&session_id={}",
                crate::domain::url::encode_component(id)
            ));
        }
        // In the body on purpose: the head is already sent when this part renders, and browsers
        // honour a refresh wherever it appears.
        view! { <meta http-equiv="refresh" content=format!("3;url={target}") /> }
    });
    let notice = |text: String| {
        view! { <p role="status" class="mt-4 rounded-lg bg-teal-50 px-3 py-2 text-teal-900">{text}</p> }
    };
    let warning = |text: String| {
        view! { <p role="alert" class="mt-4 rounded-lg bg-amber-50 px-3 py-2 text-amber-900">{text}</p> }
    };
    let success = (returned && active).then(|| {
        view! {
            <section role="status" class="mt-4 rounded-xl border border-teal-200 bg-teal-50 p-4 text-teal-900">
                <p class="font-semibold">"Your plan is active. Missed callers now get a text within seconds."</p>
                <p class="mt-2">"Next steps:"</p>
                <ol class="mt-1 list-decimal space-y-1 pl-6">
                    <li><a href="/app/numbers" class="underline">"Buy your tracking number"</a></li>
                    <li>"Make a test call from another phone and let it ring out."</li>
                </ol>
            </section>
        }
    });
    let activating = (returned && !active).then(|| {
        notice(
            "Payment received - activating your plan. This page refreshes automatically."
                .to_owned(),
        )
    });
    let canceled = (query.checkout.as_deref() == Some("canceled"))
        .then(|| notice("Checkout canceled. You can restart anytime.".to_owned()));
    let error = query
        .error
        .as_deref()
        .and_then(error_text)
        .map(|text| warning(text.to_owned()));
    let status_notice = match page.status {
        SubscriptionStatus::PastDue => Some("Your last payment failed. Update your card in Manage billing; texting is paused until payment succeeds."),
        SubscriptionStatus::Canceled => Some("Your subscription is canceled; choose a plan to resume texting."),
        _ => None,
    }
    .map(|text| warning(text.to_owned()));
    view! { {refresh} {success} {activating} {canceled} {error} {status_notice} }
}

#[component]
fn PlanCardView(card: PlanCard, nonce: String, demo: bool) -> impl IntoView {
    let border = if card.selected {
        "rounded-xl border-2 border-teal-600 bg-white p-4"
    } else {
        "rounded-xl border border-slate-200 bg-white p-4"
    };
    let label = card.tier.label();
    let button = if card.current {
        view! { <p class="mt-4 font-semibold text-teal-800">"Current plan"</p> }.into_any()
    } else if !card.available {
        view! {
            <button type="button" disabled class="mt-4 inline-flex min-h-11 items-center rounded-lg bg-slate-200 px-4 font-semibold text-slate-600">
                "Not available"
            </button>
        }
            .into_any()
    } else {
        let text = if demo {
            "Activate plan (demo)"
        } else {
            "Choose"
        };
        view! {
            <form method="post" action=StartCheckout::PATH class="mt-4">
                <input type="hidden" name="plan" value=card.tier.key() />
                <input type="hidden" name="nonce" value=nonce />
                <button
                    type="submit"
                    autofocus=card.selected
                    aria-label=format!("{text}: {label}")
                    class="inline-flex min-h-11 w-full items-center justify-center rounded-lg bg-teal-700 px-5 font-semibold text-white hover:bg-teal-800 sm:w-auto"
                >
                    {text}
                </button>
            </form>
        }
            .into_any()
    };
    view! {
        <article class=border aria-label=format!("{label} plan") data-plan=card.tier.key()>
            {card.selected.then(|| view! {
                <p class="mb-2 inline-block rounded bg-teal-700 px-2 py-0.5 text-xs font-semibold text-white">"Selected plan"</p>
            })}
            <h3 class="text-lg font-semibold">{label}</h3>
            <p class="mt-1 text-slate-700">{format!("{} conversations a month", card.conversations)}</p>
            {button}
        </article>
    }
}

fn status_class(status: SubscriptionStatus) -> &'static str {
    match status {
        SubscriptionStatus::Active => {
            "rounded bg-teal-100 px-2 py-0.5 text-sm font-semibold text-teal-900"
        }
        SubscriptionStatus::PastDue => {
            "rounded bg-amber-100 px-2 py-0.5 text-sm font-semibold text-amber-900"
        }
        _ => "rounded bg-slate-100 px-2 py-0.5 text-sm font-semibold text-slate-800",
    }
}
