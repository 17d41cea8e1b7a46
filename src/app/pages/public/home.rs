//! `/`: what the product does, how it works, pricing and questions (web.md §2.1).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::app::{components::layout::PublicLayout, use_site_info};

/// Monthly prices are marketing copy; quotas come from the configuration.
const STARTER_PRICE: &str = "$49";
const PRO_PRICE: &str = "$129";

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <PublicLayout>
            <Hero />
            <HowItWorks />
            <MissedCallCalculator />
            <Features />
            <Pricing />
            <Faq />
        </PublicLayout>
    }
}

#[component]
fn Hero() -> impl IntoView {
    view! {
        <section class="py-6 sm:py-12">
            <p class="text-sm font-semibold uppercase tracking-wide text-teal-700">
                "For plumbers, HVAC, electricians, cleaners and every trade that runs on the phone"
            </p>
            <h1 class="mt-3 text-4xl font-extrabold leading-tight sm:text-5xl">
                "Missed a call? We text them back before they call your competitor."
            </h1>
            <p class="mt-4 max-w-2xl text-lg text-slate-700">
                "When you can't pick up, CallbackCloser texts the caller within seconds from your business number, "
                "asks what they need, and sends you the details so you can call back and book the job."
            </p>
            <div class="mt-6 flex flex-col gap-3 sm:flex-row">
                <a
                    href="/buy?plan=starter"
                    class="inline-flex min-h-11 items-center justify-center rounded-lg bg-teal-700 px-6 font-semibold text-white hover:bg-teal-800"
                >
                    "Get started"
                </a>
                <a
                    href="#how-it-works"
                    class="inline-flex min-h-11 items-center justify-center rounded-lg border border-slate-300 bg-white px-6 font-semibold text-slate-800 hover:border-teal-700"
                >
                    "See how it works"
                </a>
            </div>
        </section>
    }
}

#[component]
fn HowItWorks() -> impl IntoView {
    let steps = [
        (
            "Calls ring your phone as usual",
            "Put your CallbackCloser number on your ads, truck and website. Every call forwards to the phone you already answer, and every call is logged by source.",
        ),
        (
            "Missed? The caller gets a text in seconds",
            "No answer, busy, voicemail or a hang-up while it rings: we text the caller from the same number, in your business's name, and ask what they need, how urgent it is, the ZIP code and the best time to call.",
        ),
        (
            "You get the details and book the job",
            "An alert with the caller's answers lands on your phone with a link to the lead. Reply from the app, listen to the recording, and mark the job booked.",
        ),
    ];
    view! {
        <section id="how-it-works" class="mt-10">
            <h2 class="text-2xl font-bold">"How it works"</h2>
            <ol class="mt-4 grid gap-4 sm:grid-cols-3">
                {steps
                    .into_iter()
                    .enumerate()
                    .map(|(index, (title, text))| {
                        view! {
                            <li class="rounded-xl border border-slate-200 bg-white p-5">
                                <span class="inline-flex h-8 w-8 items-center justify-center rounded-full bg-teal-700 font-bold text-white">
                                    {index + 1}
                                </span>
                                <h3 class="mt-3 font-semibold">{title}</h3>
                                <p class="mt-2 text-slate-700">{text}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

/// Money at risk per month from missed calls, assuming half of the callers would have booked.
pub fn monthly_value_at_risk(missed_per_week: u32, average_job: u32) -> u64 {
    // 52 weeks / 12 months, halved: × 52 / 24.
    u64::from(missed_per_week) * u64::from(average_job) * 52 / 24
}

/// `1950` → `$1,950`.
pub fn dollars(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    for (index, ch) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("${out}")
}

/// An island: the only part of the page that ships to the browser. Its buttons do nothing
/// until the bundle has hydrated it.
#[island]
fn MissedCallCalculator() -> impl IntoView {
    let missed = RwSignal::new(5u32);
    let job = RwSignal::new(300u32);
    let at_risk = move || dollars(monthly_value_at_risk(missed.get(), job.get()));
    view! {
        <section class="mt-10 rounded-xl border border-teal-200 bg-teal-50 p-5" aria-labelledby="calculator-title">
            <h2 id="calculator-title" class="text-2xl font-bold">"What do missed calls cost you?"</h2>
            <div class="mt-4 grid gap-4 sm:grid-cols-2">
                <Stepper
                    label="Missed calls per week"
                    value=missed
                    step=1
                    min=0
                    max=200
                    id="missed-calls"
                    format=|v| v.to_string()
                />
                <Stepper
                    label="Average job value"
                    value=job
                    step=50
                    min=50
                    max=20_000
                    id="job-value"
                    format=|v| dollars(u64::from(v))
                />
            </div>
            <p class="mt-4 text-lg" aria-live="polite">
                "About " <strong id="value-at-risk" class="text-2xl text-teal-800">{at_risk}</strong>
                " a month in jobs, if half of those callers would have booked."
            </p>
        </section>
    }
}

#[component]
fn Stepper(
    label: &'static str,
    value: RwSignal<u32>,
    step: u32,
    min: u32,
    max: u32,
    id: &'static str,
    format: fn(u32) -> String,
) -> impl IntoView {
    let button = "inline-flex h-11 w-11 items-center justify-center rounded-lg border border-slate-300 bg-white text-xl font-bold hover:border-teal-700";
    view! {
        <div>
            <p class="text-sm font-medium text-slate-700" id=format!("{id}-label")>{label}</p>
            <div class="mt-1 flex items-center gap-3">
                <button
                    type="button"
                    class=button
                    aria-label=format!("Decrease {}", label.to_lowercase())
                    id=format!("{id}-less")
                    on:click=move |_| value.update(|v| *v = v.saturating_sub(step).max(min))
                >
                    "−"
                </button>
                <output id=format!("{id}-value") class="min-w-16 text-center text-xl font-semibold" aria-labelledby=format!("{id}-label")>
                    {move || format(value.get())}
                </output>
                <button
                    type="button"
                    class=button
                    aria-label=format!("Increase {}", label.to_lowercase())
                    id=format!("{id}-more")
                    on:click=move |_| value.update(|v| *v = (*v + step).min(max))
                >
                    "+"
                </button>
            </div>
        </div>
    }
}

#[component]
fn Features() -> impl IntoView {
    let features = [
        (
            "Catches voicemail too",
            "Optional call screening (\"press 1 to accept\") makes a voicemail pickup count as missed, so those callers get a text as well.",
        ),
        (
            "Speaks for your business",
            "Texts come from your tracking number in your business's name. Callers can reply STOP at any time and are never texted again.",
        ),
        (
            "Knows which ads work",
            "One number per source (search ads, truck wrap, yard signs) shows where every call and job came from.",
        ),
        (
            "Your phone is the dashboard",
            "Every lead with its answers, the call recording and the whole conversation, built for a phone screen between jobs.",
        ),
    ];
    view! {
        <section class="mt-10">
            <h2 class="text-2xl font-bold">"Built for the way you work"</h2>
            <ul class="mt-4 grid gap-4 sm:grid-cols-2">
                {features
                    .into_iter()
                    .map(|(title, text)| {
                        view! {
                            <li class="rounded-xl border border-slate-200 bg-white p-5">
                                <h3 class="font-semibold">{title}</h3>
                                <p class="mt-2 text-slate-700">{text}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Pricing() -> impl IntoView {
    let site = use_site_info();
    let quotas = move || {
        site.get()
            .and_then(Result::ok)
            .map(|info| (info.starter_conversations, info.pro_conversations))
            .unwrap_or((200, 1000))
    };
    view! {
        <section id="pricing" class="mt-10">
            <h2 class="text-2xl font-bold">"Pricing"</h2>
            <p class="mt-2 text-slate-700">
                "Calls and leads are always recorded. A plan turns on the texting: each missed caller we start a conversation with counts once a month."
            </p>
            <Suspense fallback=|| view! { <p class="mt-4 text-slate-600">"Loading plans…"</p> }>
                {move || {
                    let (starter, pro) = quotas();
                    view! {
                        <div class="mt-4 grid gap-4 sm:grid-cols-2">
                            <PlanCard
                                name="Starter"
                                plan="starter"
                                price=STARTER_PRICE
                                conversations=starter
                                pitch="For a one-truck business that misses a few calls a day."
                            />
                            <PlanCard
                                name="Pro"
                                plan="pro"
                                price=PRO_PRICE
                                conversations=pro
                                pitch="For busy crews, several numbers and every ad source."
                            />
                        </div>
                    }
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn PlanCard(
    name: &'static str,
    plan: &'static str,
    price: &'static str,
    conversations: u32,
    pitch: &'static str,
) -> impl IntoView {
    view! {
        <article class="flex flex-col rounded-xl border border-slate-200 bg-white p-5">
            <h3 class="text-lg font-bold">{name}</h3>
            <p class="mt-2">
                <span class="text-3xl font-extrabold">{price}</span>
                <span class="text-slate-600">" / month"</span>
            </p>
            <p class="mt-2 font-medium">{format!("{conversations} conversations a month")}</p>
            <p class="mt-2 flex-1 text-slate-700">{pitch}</p>
            <a
                href=format!("/buy?plan={plan}")
                class="mt-4 inline-flex min-h-11 items-center justify-center rounded-lg bg-teal-700 px-5 font-semibold text-white hover:bg-teal-800"
            >
                {format!("Choose {name}")}
            </a>
        </article>
    }
}

#[component]
fn Faq() -> impl IntoView {
    let questions = [
        (
            "What counts as a conversation?",
            "A missed caller we start texting. Answered calls, repeat calls from the same person, your alerts and STOP/HELP replies are free.",
        ),
        (
            "Do I need a new phone number?",
            "You get a tracking number that forwards to the phone you already use. Keep your number on the truck if you like and add tracking numbers for your ads.",
        ),
        (
            "What if a caller doesn't want texts?",
            "Every first text says how to opt out. A caller who replies STOP is never texted again by your business, and you see that on the lead.",
        ),
        (
            "What happens when I reach my monthly limit?",
            "Calls and leads are still recorded and flagged, and you get one text about it. Upgrade or wait for the next month, then start those follow-ups with one tap.",
        ),
        (
            "Can I cancel?",
            "Yes, at any time from the billing page. Texting stops at the end of the period you paid for.",
        ),
    ];
    view! {
        <section class="mt-10">
            <h2 class="text-2xl font-bold">"Questions"</h2>
            <div class="mt-4 space-y-2">
                {questions
                    .into_iter()
                    .map(|(question, answer)| {
                        view! {
                            <details class="rounded-lg border border-slate-200 bg-white px-4">
                                <summary class="flex min-h-11 cursor-pointer items-center font-semibold">{question}</summary>
                                <p class="pb-4 text-slate-700">{answer}</p>
                            </details>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_at_risk_and_dollar_formatting() {
        assert_eq!(monthly_value_at_risk(5, 300), 3250);
        assert_eq!(monthly_value_at_risk(0, 300), 0);
        assert_eq!(dollars(3250), "$3,250");
        assert_eq!(dollars(999), "$999");
        assert_eq!(dollars(1_000_000), "$1,000,000");
        assert_eq!(dollars(0), "$0");
    }
}
