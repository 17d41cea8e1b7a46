//! A one-time notice (`api::forms::Notice`): its message and, when there is one, the value to
//! copy in a read-only field.

use leptos::prelude::*;

use crate::api::forms::Notice;

#[component]
pub fn OnceNotice(notice: Notice) -> impl IntoView {
    view! {
        <div role="status" class="mt-4 rounded-xl border border-teal-300 bg-teal-50 p-4">
            <p class="text-teal-900">{notice.message}</p>
            {notice.copy.map(|copy| view! {
                <input readonly value=copy.text aria-label=copy.label class="mt-2 min-h-11 w-full rounded-lg border border-slate-300 bg-white px-2 font-mono text-xs" />
            })}
        </div>
    }
}
