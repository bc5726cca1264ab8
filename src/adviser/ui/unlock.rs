//! Unlocking the key with its passphrase in the browser, locking it again, and stopping the
//! workstation (there may be no terminal for Ctrl-C: it was started from a desktop shortcut).

use age::secrecy::SecretString;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use maud::Markup;

use super::session::CheckedForm;
use super::views;
use super::{KeyError, KeyFile, UiError, UiState, Unlock, blocking};

/// `POST /unlock`: the passphrase, typed in the browser; the key is opened in memory.
pub(super) async fn unlock(
    State(state): State<UiState>,
    mut form: CheckedForm,
) -> Result<Response, UiError> {
    let passphrase = form.take("passphrase");
    let csrf = form.csrf;
    let s = state.clone();
    blocking(move || {
        let file = KeyFile::read(&s.identity)?;
        let key = file.unlock(|_| Ok(SecretString::from(passphrase.to_string())));
        match key {
            Ok(key) => {
                s.sign_in(key)?;
                Ok(Redirect::to("/").into_response())
            }
            Err(KeyError::WrongPassphrase { .. }) => Err(UiError::Locked(Box::new(Unlock {
                csrf,
                wrong: true,
                kept: None,
            }))),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// `POST /lock`: drops the key from memory now; `/` then asks for the passphrase.
pub(super) async fn lock_handler(State(state): State<UiState>, _form: CheckedForm) -> Response {
    state.lock_now();
    tracing::info!("locked by the adviser");
    Redirect::to("/").into_response()
}

/// `POST /quit`: drops the key and stops the workstation once this page is sent.
pub(super) async fn quit(State(state): State<UiState>, _form: CheckedForm) -> Markup {
    state.lock_now();
    state.quit.notify_one();
    tracing::info!("stopped from the browser");
    views::stopped()
}
