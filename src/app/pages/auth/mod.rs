//! Sign-up, sign-in, sign-out and password reset pages (web.md §2.1, §3).

mod reset;

pub use reset::ResetPasswordPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::{
        auth::{SignIn, SignOut, SignUp},
        forms::take_form_flash,
        team::preview_invitation,
    },
    app::{
        components::{
            form::{Field, FormMessage, FormState, SmartForm, SubmitButton},
            layout::PublicLayout,
        },
        current_page,
    },
};
use leptos::server_fn::ServerFn;

use crate::domain::url::encode_component;

/// The `next` query parameter, carried through as a hidden field.
fn next_param() -> Option<String> {
    use_query_map().get_untracked().get("next")
}

/// The flash of this page, if the last plain submit was refused.
pub(super) fn form_state() -> Resource<FormState> {
    Resource::new(current_page, |page| async move {
        FormState(take_form_flash(page).await.ok().flatten())
    })
}

#[component]
pub(super) fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <PublicLayout>
            <div class="mx-auto max-w-md rounded-xl border border-slate-200 bg-white p-6">
                <h1 class="text-2xl font-bold">{title}</h1>
                {children()}
            </div>
        </PublicLayout>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let next = next_param();
    let invite = use_query_map().get_untracked().get("invite");
    let joining = Resource::new(
        move || invite.clone(),
        |invite| async move {
            match invite {
                Some(token) => Some(
                    preview_invitation(token.clone())
                        .await
                        .ok()
                        .flatten()
                        .ok_or(token),
                ),
                None => None,
            }
        },
    );
    let sign_in_href = match &next {
        Some(next) => format!("/sign-in?next={}", encode_component(next)),
        None => "/sign-in".to_owned(),
    };
    let state = form_state();
    view! {
        <AuthCard title="Create your account">
            <Suspense fallback=|| ()>
                {move || joining.get().map(|joining| match joining {
                    Some(Ok(preview)) => view! {
                        <p class="mt-2 text-slate-700">{format!("You are joining {} as {}.", preview.business, preview.role.label().to_lowercase())}</p>
                    }.into_any(),
                    Some(Err(_)) => view! {
                        <p class="mt-2 font-medium text-red-800">"This invitation is no longer valid. Ask the owner for a new link, or create your own business below."</p>
                    }.into_any(),
                    None => view! {
                        <p class="mt-2 text-slate-700">"Set up missed-call text-back for your business in a few minutes."</p>
                    }.into_any(),
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || {
                    let form = state.get().unwrap_or_default();
                    let next = next.clone();
                    let invite = use_query_map().get_untracked().get("invite");
                    view! {
                        <SmartForm>
                            <form method="post" action=SignUp::PATH class="mt-6 space-y-4" novalidate>
                                <FormMessage message=form.message() />
                                <Field label="Email" name="email" kind="email" autocomplete="email" required=true
                                    value=form.value("email") error=form.error("email") />
                                <Field label="Password" name="password" kind="password" autocomplete="new-password"
                                    required=true error=form.error("password")
                                    hint="At least 10 characters. Avoid common passwords." />
                                <input type="hidden" name="next" value=next />
                                <input type="hidden" name="invite" value=invite />
                                <SubmitButton label="Create account" />
                            </form>
                        </SmartForm>
                    }
                }}
            </Suspense>
            <p class="mt-6 text-sm text-slate-700">
                "Already have an account? " <a href=sign_in_href class="font-medium text-teal-800 underline">"Sign in"</a>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = next_param();
    let reset_done = use_query_map().get_untracked().get("reset").is_some();
    let sign_up_href = match &next {
        Some(next) => format!("/sign-up?next={}", encode_component(next)),
        None => "/sign-up".to_owned(),
    };
    let state = form_state();
    let site = crate::app::use_site_info();
    view! {
        <AuthCard title="Sign in">
            <Suspense fallback=|| ()>
                {move || {
                    site.get().and_then(Result::ok).and_then(|info| info.demo_login).map(|login| view! {
                        <p role="note" class="mt-2 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
                            <strong>"Demo login: "</strong>
                            <span data-demo-email>{login.email}</span>
                            " / "
                            <span data-demo-password>{login.password}</span>
                        </p>
                    })
                }}
            </Suspense>
            {reset_done.then(|| view! {
                <p role="status" class="mt-2 rounded-lg bg-teal-50 px-3 py-2 text-teal-900">"Password set. Sign in with your new password."</p>
            })}
            <Suspense fallback=|| ()>
                {move || {
                    let form = state.get().unwrap_or_default();
                    let next = next.clone();
                    view! {
                        <SmartForm>
                            <form method="post" action=SignIn::PATH class="mt-6 space-y-4" novalidate>
                                <FormMessage message=form.message() />
                                <Field label="Email" name="email" kind="email" autocomplete="email" required=true
                                    value=form.value("email") error=form.error("email") />
                                <Field label="Password" name="password" kind="password"
                                    autocomplete="current-password" required=true error=form.error("password") />
                                <input type="hidden" name="next" value=next />
                                <SubmitButton label="Sign in" />
                            </form>
                        </SmartForm>
                    }
                }}
            </Suspense>
            <p class="mt-6 text-sm text-slate-700">
                "New here? " <a href=sign_up_href class="font-medium text-teal-800 underline">"Create an account"</a>
            </p>
            <p class="mt-2 text-sm text-slate-600">
                "Forgot your password? Ask the owner of your business for a reset link."
            </p>
        </AuthCard>
    }
}

/// GET never signs out: this page asks, the button posts.
#[component]
pub fn SignOutPage() -> impl IntoView {
    view! {
        <AuthCard title="Sign out">
            <p class="mt-2 text-slate-700">"Sign out of CallbackCloser on this device?"</p>
            <SmartForm>
                <form method="post" action=SignOut::PATH class="mt-6 space-y-4">
                    <FormMessage />
                    <SubmitButton label="Sign out" />
                </form>
            </SmartForm>
        </AuthCard>
    }
}
