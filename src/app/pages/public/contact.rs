//! `/contact`: how to reach support (web.md §2.1).

use leptos::prelude::*;
use leptos_meta::Title;

use super::legal::SupportEmail;
use crate::app::components::layout::{PublicLayout, TextSection};

#[component]
pub fn ContactPage() -> impl IntoView {
    view! {
        <Title text="Contact" />
        <PublicLayout>
            <article class="max-w-3xl leading-relaxed text-slate-800">
                <h1 class="text-3xl font-bold text-slate-900">"Contact"</h1>
                <TextSection title="Support">
                    <p>"Email " <SupportEmail /> ". We answer on business days, usually within a few hours."</p>
                    <p>
                        "For a problem with a lead or a text, include your business name and the time of the call; never send passwords or card numbers by email."
                    </p>
                </TextSection>
                <TextSection title="Got a text from a business?">
                    <p>
                        "Reply STOP to that text to stop all messages from that business, or HELP for help. To reach the business itself, call the number the text came from."
                    </p>
                </TextSection>
            </article>
        </PublicLayout>
    }
}
