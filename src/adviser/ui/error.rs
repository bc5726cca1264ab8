//! The UI's one error type: each variant says which status and page it becomes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use zeroize::Zeroizing;

use super::session::Csrf;
use super::views;
use crate::adviser::client::ClientError;
use crate::adviser::engine::Error as EngineError;
use crate::adviser::identity::KeyError;

/// Why a request was refused with 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// No session cookie, and no (unused) link token.
    NoSession,
    /// The `Host` header names something other than this server.
    Host,
    /// A form without this session's CSRF token.
    Csrf,
}

/// The unlock page, with what it must say.
pub(super) struct Unlock {
    pub(super) csrf: Csrf,
    /// The passphrase just typed was wrong.
    pub(super) wrong: bool,
    /// A reply or note that could not be sent, shown so it is not lost.
    pub(super) kept: Option<Zeroizing<String>>,
}

/// The one error type of the UI; each variant says which status and page it becomes.
pub(super) enum UiError {
    /// 403: see `Refusal`.
    Forbidden(Refusal),
    /// 404: no such page or report, or not one of this adviser's schools.
    NotFound,
    /// 400: a form that this UI did not make.
    BadForm,
    /// 413: a form over `FORM_MAX`.
    TooLarge,
    /// The key is locked: the unlock page (403 after a wrong passphrase).
    Locked(Box<Unlock>),
    /// The engine failed: its message says what went wrong and what to try.
    Engine {
        error: EngineError,
        kept: Option<Zeroizing<String>>,
    },
    /// 500: a background task died.
    Internal,
}

impl UiError {
    /// Keeps the text the adviser was sending on the page that explains the failure.
    pub(super) fn keeping(self, text: Zeroizing<String>) -> UiError {
        let kept = (!text.trim().is_empty()).then_some(text);
        match self {
            UiError::Locked(mut u) => {
                u.kept = kept;
                UiError::Locked(u)
            }
            UiError::Engine { error, .. } => UiError::Engine { error, kept },
            other => other,
        }
    }
}

impl From<EngineError> for UiError {
    fn from(error: EngineError) -> UiError {
        match error {
            EngineError::BadId(_)
            | EngineError::Client(
                ClientError::NotFound { .. } | ClientError::AttachmentNotFound { .. },
            ) => UiError::NotFound,
            error => UiError::Engine { error, kept: None },
        }
    }
}

impl From<KeyError> for UiError {
    fn from(e: KeyError) -> UiError {
        EngineError::Key(e).into()
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            UiError::Forbidden(why) => {
                (StatusCode::FORBIDDEN, views::forbidden(why)).into_response()
            }
            UiError::NotFound => (
                StatusCode::NOT_FOUND,
                views::failure(views::NOT_FOUND_TITLE, views::NOT_FOUND, None),
            )
                .into_response(),
            UiError::BadForm => (
                StatusCode::BAD_REQUEST,
                views::failure(views::BAD_FORM_TITLE, views::BAD_FORM, None),
            )
                .into_response(),
            UiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                views::failure(views::TOO_LARGE_TITLE, views::TOO_LARGE, None),
            )
                .into_response(),
            UiError::Locked(u) => {
                let status = if u.wrong {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::OK
                };
                let page = views::unlock(&u.csrf.0, u.wrong, u.kept.as_deref().map(|s| s.as_str()));
                (status, page).into_response()
            }
            UiError::Engine { error, kept } => {
                let status = match &error {
                    EngineError::Client(_) => StatusCode::BAD_GATEWAY,
                    EngineError::EmptyMessage | EngineError::LongMessage { .. } => {
                        StatusCode::UNPROCESSABLE_ENTITY
                    }
                    EngineError::AdvisersChanged(_) | EngineError::AdvisersChangedAgain { .. } => {
                        StatusCode::CONFLICT
                    }
                    _ => StatusCode::INTERNAL_SERVER_ERROR,
                };
                let page = views::failure(
                    views::ENGINE_TITLE,
                    &error.to_string(),
                    kept.as_deref().map(|s| s.as_str()),
                );
                (status, page).into_response()
            }
            UiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                views::failure(views::INTERNAL_TITLE, views::INTERNAL, None),
            )
                .into_response(),
        }
    }
}
