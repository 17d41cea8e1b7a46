//! One-time notices: a message (and a value to copy) shown on the next view of one page, then
//! gone — how invitation links and webhook signing secrets are shown exactly once.

use crate::{
    api::{
        error::AppError,
        forms::{CopyValue, NOTICE_KEY, Notice},
    },
    server::{auth::viewer::auth_session, errors::internal},
};

/// Shows `message` once on `page`; `copy` is `(label, value)`.
pub async fn show_once(
    page: &str,
    message: String,
    copy: Option<(&str, String)>,
) -> Result<(), AppError> {
    let session = auth_session().await?.session;
    let notice = Notice {
        page: page.to_owned(),
        message,
        copy: copy.map(|(label, text)| CopyValue {
            label: label.to_owned(),
            text,
        }),
    };
    session.insert(NOTICE_KEY, notice).await.map_err(internal)
}
