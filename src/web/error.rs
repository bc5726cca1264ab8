//! The one error type of the web layer; each variant says which status and page it becomes.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::{Keyholders, School};
use crate::i18n::Lang;
use crate::intake::FileProblem;
use crate::report::ReportForm;

use super::views::{self, Notice};

/// Seconds a pupil is asked to wait when the server is overloaded.
const BUSY_RETRY_SECONDS: &str = "60";

/// Each page-only variant carries the language and, for the footer, who holds a key as the
/// install as a whole can say it (`Config::keyholders`): an error page belongs to no school, so
/// "not yours" and "not found" still look the same.
pub enum AppError {
    /// 404: no such page or school. Also what "not yours" looks like from outside.
    NotFound(Lang, Keyholders),
    /// 405: the page exists, but not for this method.
    MethodNotAllowed(Lang, Keyholders),
    /// 413: the body is over the limit; it was not read, so there is nothing to put back.
    TooLarge(Lang, Keyholders),
    /// The report form shown again with what the pupil typed and what went wrong; the status
    /// follows from the notices (see `RefusedReport::status`).
    ReportRefused(Box<RefusedReport>),
    /// 500: something broke. Logged once where it happened, without anything about the pupil.
    Internal(Lang, Keyholders),
}

pub struct RefusedReport {
    pub lang: Lang,
    pub school: School,
    pub form: ReportForm,
    pub notices: Vec<Notice>,
    /// The largest evidence file, for the form's hint.
    pub file_mib: u32,
    /// The submission token the form goes back with (DESIGN.md "Idempotent submissions").
    pub token: String,
}

impl RefusedReport {
    fn status(&self) -> StatusCode {
        let has = |f: fn(&Notice) -> bool| self.notices.iter().any(f);
        if has(|n| matches!(n, Notice::AlreadySent)) {
            StatusCode::CONFLICT
        } else if has(|n| matches!(n, Notice::TooMany(_))) {
            StatusCode::TOO_MANY_REQUESTS
        } else if has(|n| matches!(n, Notice::Unavailable)) {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if has(|n| {
            matches!(n, Notice::Busy) || matches!(n, Notice::File(f) if f.why == FileProblem::Busy)
        }) {
            StatusCode::SERVICE_UNAVAILABLE
        } else if has(|n| matches!(n, Notice::TooLarge)) {
            StatusCode::PAYLOAD_TOO_LARGE
        } else if has(|n| matches!(n, Notice::Unreadable)) {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        } else if has(|n| matches!(n, Notice::InvalidUtf8)) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound(lang, keys) => (
                StatusCode::NOT_FOUND,
                views::message(lang, keys, "error-not-found-title", "error-not-found"),
            )
                .into_response(),
            AppError::MethodNotAllowed(lang, keys) => (
                StatusCode::METHOD_NOT_ALLOWED,
                views::message(lang, keys, "error-method-title", "error-method"),
            )
                .into_response(),
            AppError::TooLarge(lang, keys) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                views::message(lang, keys, "error-too-large-title", "error-too-large"),
            )
                .into_response(),
            AppError::ReportRefused(r) => {
                let status = r.status();
                let page = views::report_form(
                    r.lang, &r.school, &r.form, &r.notices, r.file_mib, &r.token,
                );
                let wait = r.notices.iter().find_map(|n| match n {
                    Notice::TooMany(wait) => Some(wait.secs().to_string()),
                    _ => None,
                });
                match (status, wait) {
                    (StatusCode::TOO_MANY_REQUESTS, Some(secs)) => {
                        (status, [(header::RETRY_AFTER, secs)], page).into_response()
                    }
                    (StatusCode::SERVICE_UNAVAILABLE, _) => {
                        (status, [(header::RETRY_AFTER, BUSY_RETRY_SECONDS)], page).into_response()
                    }
                    _ => (status, page).into_response(),
                }
            }
            AppError::Internal(lang, keys) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                views::message(lang, keys, "error-internal-title", "error-internal"),
            )
                .into_response(),
        }
    }
}
