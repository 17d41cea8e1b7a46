//! Who may open which page (web.md §2.1, §4). Runs before Leptos renders: redirects are
//! answered here (303); a page the role may not see is rendered by Leptos as the 403 page, told
//! so by a request extension.

use crate::domain::url::encode_component;
use axum::{
    extract::Request,
    http::Method,
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};

use super::{AuthSession, User};
use crate::api::viewer::Role;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Sign-in and sign-up: signed-in users go to the app.
    Visitors,
    /// `/app`: sends each user where they belong.
    Redirector,
    /// Onboarding: signed in, not yet in a business.
    NoBusinessYet,
    /// Signed in, with or without a business (account, invitation acceptance).
    SignedIn,
    Member,
    Owner,
}

/// The rule of a page path, `None` for public pages.
pub fn page_access(path: &str) -> Option<Access> {
    let path = path.trim_end_matches('/');
    Some(match path {
        "/sign-in" | "/sign-up" => Access::Visitors,
        "/app" => Access::Redirector,
        "/app/onboarding" => Access::NoBusinessYet,
        "/app/account" | "/app/team/accept" => Access::SignedIn,
        "/app/settings"
        | "/app/billing"
        | "/app/team"
        | "/app/integrations"
        | "/app/leads/export.csv" => Access::Owner,
        p if p.starts_with("/app/") => Access::Member,
        _ => return None,
    })
}

/// What the gate decided for a page view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Render,
    Redirect(String),
    /// Render the 403 page.
    Forbidden,
}

pub fn decide(access: Access, user: Option<&User>, path_and_query: &str) -> Verdict {
    let Some(user) = user else {
        return match access {
            Access::Visitors => Verdict::Render,
            _ => Verdict::Redirect(format!(
                "/sign-in?next={}",
                encode_component(path_and_query)
            )),
        };
    };
    let role = user.membership().map(|(_, role)| role);
    match (access, role) {
        (Access::Visitors, _) => Verdict::Redirect("/app".into()),
        (Access::Redirector, None) | (Access::Member | Access::Owner, None) => {
            Verdict::Redirect("/app/onboarding".into())
        }
        (Access::Redirector, Some(_)) | (Access::NoBusinessYet, Some(_)) => {
            Verdict::Redirect("/app/leads".into())
        }
        (Access::Owner, Some(Role::Agent)) => Verdict::Forbidden,
        _ => Verdict::Render,
    }
}

/// Set on requests whose page must be replaced by the 403 page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageForbidden;

pub async fn gate(mut request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let Some(access) = page_access(request.uri().path()) else {
        return next.run(request).await;
    };
    let user = request
        .extensions()
        .get::<AuthSession>()
        .and_then(|auth| auth.user.clone());
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    match decide(access, user.as_ref(), &path_and_query) {
        Verdict::Render => next.run(request).await,
        Verdict::Redirect(to) => Redirect::to(&to).into_response(),
        Verdict::Forbidden => {
            request.extensions_mut().insert(PageForbidden);
            next.run(request).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_rules() {
        assert_eq!(page_access("/"), None);
        assert_eq!(page_access("/terms"), None);
        assert_eq!(page_access("/sign-in"), Some(Access::Visitors));
        assert_eq!(page_access("/app"), Some(Access::Redirector));
        assert_eq!(page_access("/app/"), Some(Access::Redirector));
        assert_eq!(page_access("/app/leads"), Some(Access::Member));
        assert_eq!(page_access("/app/leads/7b0e"), Some(Access::Member));
        assert_eq!(page_access("/app/numbers"), Some(Access::Member));
        assert_eq!(page_access("/app/billing"), Some(Access::Owner));
        assert_eq!(page_access("/app/leads/export.csv"), Some(Access::Owner));
        assert_eq!(page_access("/app/account"), Some(Access::SignedIn));
        assert_eq!(page_access("/application"), None);
    }

    #[test]
    fn signed_out_visitors_are_sent_to_sign_in_with_the_page_to_return_to() {
        // W1
        assert_eq!(
            decide(Access::Member, None, "/app/leads?status=new"),
            Verdict::Redirect("/sign-in?next=%2Fapp%2Fleads%3Fstatus%3Dnew".into())
        );
        // W21 (signed out)
        assert_eq!(
            decide(Access::Owner, None, "/app/leads/export.csv"),
            Verdict::Redirect("/sign-in?next=%2Fapp%2Fleads%2Fexport.csv".into())
        );
        assert_eq!(decide(Access::Visitors, None, "/sign-in"), Verdict::Render);
    }
}
