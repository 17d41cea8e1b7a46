//! `/app/team` (web.md §6.7): members and roles, invitation links, reset links for agents.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

use crate::{
    api::{
        forms::{Notice, take_form_flash, take_notice},
        team::{
            ChangeMemberRole, CreateResetLink, InviteMember, MemberView, RemoveMember,
            RevokeInvitation, TeamPage, get_team_page,
        },
        viewer::Role,
    },
    app::{
        components::{
            app_layout::{AppLayout, PageTitle},
            form::{FormMessage, FormState, Select, SmartForm},
            notice::OnceNotice,
        },
        current_page,
    },
};

#[component]
pub fn TeamPage() -> impl IntoView {
    let data = Resource::new(current_page, |page| async move {
        let form = FormState(take_form_flash(page.clone()).await.ok().flatten());
        let notice = take_notice(page).await.ok().flatten();
        (form, notice, get_team_page().await)
    });
    view! {
        <Title text="Team" />
        <AppLayout>
            <PageTitle title="Team" lead="Owners can do everything; agents work leads but cannot change billing, numbers, team or integrations." />
            <Suspense fallback=|| ()>
                {move || data.get().map(|(form, notice, page)| match page {
                    Ok(page) => view! { <TeamBody page form notice /> }.into_any(),
                    Err(err) => view! { <p class="mt-4 text-red-700">{err.to_string()}</p> }.into_any(),
                })}
            </Suspense>
        </AppLayout>
    }
}

#[component]
fn TeamBody(page: TeamPage, form: FormState, notice: Option<Notice>) -> impl IntoView {
    let message = form.message();
    let roles = || {
        vec![
            ("agent".to_owned(), "Agent".to_owned()),
            ("owner".to_owned(), "Owner".to_owned()),
        ]
    };
    view! {
        {notice.map(|notice| view! { <OnceNotice notice /> })}
        <FormMessage message=message />
        <ul class="mt-4 space-y-3">
            {page.members.into_iter().map(|member| view! { <MemberRow member /> }).collect_view()}
        </ul>
        <section class="mt-8 rounded-xl border border-slate-200 bg-white p-4">
            <h2 class="text-lg font-semibold">"Invite someone"</h2>
            <p class="mt-1 text-sm text-slate-700">"You get a link to send them. It works once and expires in 7 days."</p>
            <SmartForm>
                <form method="post" action=InviteMember::PATH class="mt-3 flex flex-wrap items-end gap-3">
                    <FormMessage />
                    <Select label="Role" name="role" options=roles() />
                    <button type="submit" class="min-h-11 rounded-lg bg-teal-700 px-4 font-semibold text-white">"Create invitation link"</button>
                </form>
            </SmartForm>
            {(!page.invitations.is_empty()).then(|| view! {
                <p class="mt-3 text-sm text-slate-600">
                    {format!("{} open invitation(s); each expires 7 days after it was made.", page.invitations.len())}
                </p>
                <ul class="mt-2 space-y-2">
                    {page.invitations.into_iter().map(|invitation| view! {
                        <li class="flex flex-wrap items-center justify-between gap-2 text-sm">
                            <span>{format!("{} · expires {}", invitation.role.label(), invitation.expires_at.format("%b %-d, %H:%M UTC"))}</span>
                            <form method="post" action=RevokeInvitation::PATH>
                                <input type="hidden" name="invitation_id" value=invitation.id.to_string() />
                                <button type="submit" class="min-h-11 rounded-lg border border-slate-300 px-3 font-medium">"Revoke"</button>
                            </form>
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[component]
fn MemberRow(member: MemberView) -> impl IntoView {
    let id = member.id.to_string();
    let (other_role, other_label) = match member.role {
        Role::Owner => ("agent", "Make agent"),
        Role::Agent => ("owner", "Make owner"),
    };
    let you = member.is_you.then_some(" (you)");
    let is_agent = member.role == Role::Agent;
    let button = "min-h-11 rounded-lg border border-slate-300 px-3 text-sm font-medium";
    let (role_id, reset_id, remove_id) = (id.clone(), id.clone(), id);
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-4">
            <p class="font-semibold">{member.email.clone()} {you}</p>
            <p class="text-sm text-slate-700">{member.role.label()}</p>
            <div class="mt-2 flex flex-wrap gap-2">
                <SmartForm>
                    <form method="post" action=ChangeMemberRole::PATH>
                        <FormMessage />
                        <input type="hidden" name="member_id" value=role_id />
                        <input type="hidden" name="role" value=other_role />
                        <button type="submit" class=button>{other_label}</button>
                    </form>
                </SmartForm>
                {is_agent.then(|| {
                    let id = reset_id.clone();
                    view! {
                        <SmartForm>
                            <form method="post" action=CreateResetLink::PATH>
                                <FormMessage />
                                <input type="hidden" name="member_id" value=id />
                                <button type="submit" class=button>"Reset link"</button>
                            </form>
                        </SmartForm>
                    }
                })}
                <SmartForm>
                    <form method="post" action=RemoveMember::PATH>
                        <FormMessage />
                        <input type="hidden" name="member_id" value=remove_id />
                        <button type="submit" class="min-h-11 rounded-lg border border-red-300 px-3 text-sm font-medium text-red-800">"Remove"</button>
                    </form>
                </SmartForm>
            </div>
        </li>
    }
}
