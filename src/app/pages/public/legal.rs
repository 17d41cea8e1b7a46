//! `/terms`, `/privacy`, `/refund` (web.md §2.1). The SMS sections are what carriers look for
//! when a business registers its texting campaign (A2P 10DLC).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    PRODUCT_NAME,
    app::{
        components::layout::{PublicLayout, TextSection},
        use_site_info,
    },
};

const UPDATED: &str = "Last updated: November 22, 2026";

/// The support address from the configuration, as a mailto link.
#[component]
pub fn SupportEmail() -> impl IntoView {
    let site = use_site_info();
    view! {
        <Suspense fallback=|| "our support address">
            {move || {
                site.get()
                    .and_then(Result::ok)
                    .map(|info| {
                        let href = format!("mailto:{}", info.support_email);
                        view! {
                            <a href=href class="font-medium text-teal-800 underline">
                                {info.support_email}
                            </a>
                        }
                    })
            }}
        </Suspense>
    }
}

#[component]
fn LegalPage(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <PublicLayout>
            <article class="max-w-3xl leading-relaxed text-slate-800">
                <h1 class="text-3xl font-bold text-slate-900">{title}</h1>
                <p class="mt-2 text-sm text-slate-600">{UPDATED}</p>
                {children()}
            </article>
        </PublicLayout>
    }
}

#[component]
pub fn TermsPage() -> impl IntoView {
    view! {
        <LegalPage title="Terms of Service">
            <TextSection title="The service">
                <p>
                    {PRODUCT_NAME}
                    " gives a business one or more tracking phone numbers that forward calls to the business's phone. When a call is missed, the service texts the caller on the business's behalf, asks a few questions about the job, records the call and the conversation, and alerts the business owner."
                </p>
                <p>
                    "By creating an account you agree to these terms on behalf of your business. You must be authorised to act for that business and at least 18 years old."
                </p>
            </TextSection>
            <TextSection title="Your responsibilities">
                <ul class="list-disc space-y-2 pl-6">
                    <li>"Use the service only to reply to people who called or texted your business, and only about their request."</li>
                    <li>"Do not use it for marketing blasts, debt collection, or any message that needs prior written consent you do not have."</li>
                    <li>"Honour opt-outs. The service stops texting anyone who replies STOP; do not contact them by text through other means for the same purpose."</li>
                    <li>"If you turn on call recording, keep the spoken disclosure on, and follow the recording laws of the places you operate and your callers are in."</li>
                    <li>"Keep your account credentials private. You are responsible for what people you invite do in your account."</li>
                </ul>
            </TextSection>
            <TextSection title="SMS Terms">
                <p>
                    "When someone calls a business that uses " {PRODUCT_NAME}
                    " and the call is missed, or when someone texts the business's number, they may receive text messages from that business about their call or message: a first reply, a few short questions about the job (service, urgency, ZIP code, best time to call and name), a confirmation, and replies typed by the business."
                </p>
                <p>
                    "Message frequency varies with the conversation; a typical conversation is four to seven messages. Msg & data rates may apply."
                </p>
                <p>
                    "Reply STOP to stop receiving messages from that business; you will get one confirmation and no further texts. Reply START to opt back in. Reply HELP for help. Carriers are not liable for delayed or undelivered messages."
                </p>
            </TextSection>
            <TextSection title="Plans, billing and cancellation">
                <p>
                    "Texting requires an active subscription. Plans renew monthly and include a number of conversations per month; calls and leads are recorded whether or not a plan is active. You can change or cancel your plan at any time from the billing page; a cancellation takes effect at the end of the paid period. See the "
                    <a href="/refund" class="text-teal-800 underline">"Refund Policy"</a> "."
                </p>
            </TextSection>
            <TextSection title="Availability and liability">
                <p>
                    "We work to keep the service available and to deliver every message, but phone networks and carriers are outside our control. The service is provided as is; to the extent the law allows, our liability is limited to the fees you paid in the three months before the claim."
                </p>
            </TextSection>
            <TextSection title="Ending your account">
                <p>
                    "You may delete your business at any time from its settings: texting stops at once, your subscription is canceled, your numbers are released and your data is deleted after 30 days, except opt-out records and the audit log, which are kept for 24 months as proof of consent. We may suspend accounts that break these terms or the law."
                </p>
            </TextSection>
            <TextSection title="Contact">
                <p>"Questions about these terms: " <SupportEmail /> "."</p>
            </TextSection>
        </LegalPage>
    }
}

#[component]
pub fn PrivacyPage() -> impl IntoView {
    view! {
        <LegalPage title="Privacy Policy">
            <TextSection title="Who we are">
                <p>
                    {PRODUCT_NAME}
                    " provides missed-call text-back and call tracking to small service businesses. For callers, the business you called decides how your information is used; we process it on that business's behalf."
                </p>
            </TextSection>
            <TextSection title="What we collect">
                <ul class="list-disc space-y-2 pl-6">
                    <li>"Business owners and staff: name, email address, a securely hashed password, and the business's settings and phone numbers."</li>
                    <li>"Callers: the phone number, the time and outcome of each call, call recordings when the business turns recording on (with a spoken notice), and the text messages exchanged, including the answers you give (service, urgency, ZIP code, best time, name)."</li>
                    <li>"Billing: handled by Stripe. We never see or store card numbers."</li>
                </ul>
            </TextSection>
            <TextSection title="SMS and mobile information">
                <p>
                    "Texts are sent only to people who called or texted the business, and only about that call or message: a first reply after a missed call, short questions about the job, a confirmation, and replies from the business. Message frequency varies with the conversation; Msg & data rates may apply."
                </p>
                <p>
                    "To opt out, reply STOP to any message; you will receive one confirmation and no further texts from that business. Reply START to opt back in and HELP for help."
                </p>
                <p class="font-medium">
                    "Mobile information, including phone numbers and SMS consent, is never shared with or sold to third parties or affiliates for marketing or promotional purposes. We share it only with the phone carrier and messaging provider needed to deliver the messages."
                </p>
            </TextSection>
            <TextSection title="How we use information">
                <p>
                    "To run the service for the business: forward and log calls, send and record texts, alert the owner, show leads in the dashboard, and bill the subscription. We do not use caller information for our own marketing and we do not sell personal information."
                </p>
            </TextSection>
            <TextSection title="Service providers">
                <p>
                    "Twilio (calls and texts), Stripe (payments) and our hosting provider process data for us under contracts that limit its use to providing the service. A business may also connect Airtable or its own systems, which then receive its lead data."
                </p>
            </TextSection>
            <TextSection title="Retention and security">
                <p>
                    "Raw technical payloads are kept for 30 days. Leads, calls and messages are kept until the business deletes its account; they are then deleted after 30 days, except opt-out records and the audit log, which are kept for 24 months as proof of consent. Data is encrypted in transit; passwords are hashed; stored integration keys are encrypted."
                </p>
            </TextSection>
            <TextSection title="Your choices">
                <p>
                    "Callers can reply STOP at any time. To see, correct or delete information about you, contact the business you called, or write to " <SupportEmail /> " and we will pass your request on."
                </p>
            </TextSection>
        </LegalPage>
    }
}

#[component]
pub fn RefundPage() -> impl IntoView {
    view! {
        <LegalPage title="Refund Policy">
            <TextSection title="Monthly plans">
                <p>
                    "Plans are billed monthly in advance. You can cancel at any time from the billing page; the plan stays active until the end of the period you paid for and is not renewed."
                </p>
            </TextSection>
            <TextSection title="When we refund">
                <ul class="list-disc space-y-2 pl-6">
                    <li>"If you cancel within 14 days of your first payment and have started fewer than 20 conversations, we refund that first payment in full."</li>
                    <li>"If the service was unavailable for more than 24 hours in a billing period, we credit or refund that period in proportion."</li>
                    <li>"If you were charged twice or charged after canceling, we refund the extra charge."</li>
                </ul>
                <p>"Other charges are not refundable, including for conversations already started and phone numbers already purchased."</p>
            </TextSection>
            <TextSection title="How to ask">
                <p>
                    "Write to " <SupportEmail />
                    " from the email address of your account with the business name and the charge date. Refunds go back to the original payment method within 5–10 business days."
                </p>
            </TextSection>
        </LegalPage>
    }
}
