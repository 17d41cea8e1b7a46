//! `/app/account`: password and sessions (web.md §2.1, §3.2).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        account::{ChangePassword, SignOutOtherSessions},
        forms::take_form_flash,
        viewer::get_viewer,
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            form::{Field, FormMessage, FormState, SmartForm, SubmitButton},
        },
        current_page,
    },
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let done = use_query_map().get_untracked().get("done");
    let notice = match done.as_deref() {
        Some("password") => Some("Your password was changed. Other devices have been signed out."),
        Some("sessions") => Some("All your other sessions have been signed out."),
        _ => None,
    };
    let data = Resource::new(current_page, |page| async move {
        let form = FormState(take_form_flash(page).await.ok().flatten());
        let email = get_viewer()
            .await
            .ok()
            .flatten()
            .map(|v| v.email)
            .unwrap_or_default();
        (form, email)
    });
    view! {
        <Title text="Your account" />
        <AppLayout>
            <PageTitle title="Your account" />
            {notice.map(|text| view! {
                <p role="status" class="mt-4 rounded-lg bg-teal-50 px-3 py-2 text-teal-900">{text}</p>
            })}
            <Suspense fallback=|| ()>
                {move || data.get().map(|(form, email)| view! {
                    <p class="mt-2 text-slate-700">"Signed in as " <strong>{email}</strong></p>
                    <section class="mt-8 max-w-md">
                        <h2 class="text-lg font-semibold">"Change password"</h2>
                        <SmartForm>
                            <form method="post" action=ChangePassword::PATH class="mt-3 space-y-4" novalidate>
                                <FormMessage message=form.message() />
                                <Field label="Current password" name="current_password" kind="password"
                                    autocomplete="current-password" required=true error=form.error("current_password") />
                                <Field label="New password" name="new_password" kind="password" autocomplete="new-password"
                                    required=true error=form.error("new_password") hint="At least 10 characters." />
                                <SubmitButton label="Change password" />
                            </form>
                        </SmartForm>
                    </section>
                })}
            </Suspense>
            <section class="mt-10 max-w-md">
                <h2 class="text-lg font-semibold">"Other devices"</h2>
                <p class="mt-1 text-slate-700">"Lost a phone or signed in somewhere shared? End every other session."</p>
                <SmartForm>
                    <form method="post" action=SignOutOtherSessions::PATH class="mt-3 space-y-3">
                        <FormMessage />
                        <SubmitButton label="Sign out other sessions" />
                    </form>
                </SmartForm>
            </section>
            <p class="mt-10"><a href="/sign-out" class="text-teal-800 underline">"Sign out"</a></p>
        </AppLayout>
    }
}
