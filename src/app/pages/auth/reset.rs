use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

use super::{AuthCard, form_state};
use crate::{
    api::auth::ResetPassword,
    app::components::form::{Field, FormMessage, SmartForm, SubmitButton},
};

/// `/reset-password?token=` (web.md §2.1); invalid links never get here (410 page).
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    let state = form_state();
    view! {
        <AuthCard title="Choose a new password">
            <Suspense fallback=|| ()>
                {move || {
                    let form = state.get().unwrap_or_default();
                    let token = token.clone();
                    view! {
                        <SmartForm>
                            <form method="post" action=ResetPassword::PATH class="mt-6 space-y-4" novalidate>
                                <FormMessage message=form.message() />
                                <input type="hidden" name="token" value=token />
                                <Field label="New password" name="password" kind="password" autocomplete="new-password"
                                    required=true error=form.error("password") hint="At least 10 characters." />
                                <SubmitButton label="Set password" />
                            </form>
                        </SmartForm>
                    }
                }}
            </Suspense>
        </AuthCard>
    }
}
