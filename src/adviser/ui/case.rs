//! A case's pages and forms: the case itself, its evidence images, a reply, a note, its
//! status, accepting a changed adviser list, and the export.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use super::session::{CheckedForm, Csrf, query_param};
use super::views::{self, Draft, Flash, Pad};
use super::{UiError, UiState, blocking, to_case};
use crate::adviser::engine::{self, Error as EngineError};
use crate::store::Status;

/// `GET /case/{id}`: the whole case, decrypted; marked read once it has been rendered.
pub(super) async fn case(
    State(state): State<UiState>,
    csrf: Csrf,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Markup, UiError> {
    engine::parse_id(&id)?;
    let flash = query_param(q.as_deref(), "flash").and_then(|f| Flash::from_param(&f));
    let template = query_param(q.as_deref(), "template");
    let ws = state.workstation(&csrf).await?;
    let s = state.clone();
    blocking(move || {
        let case = ws.case(&id)?;
        let page = match &template {
            Some(key) => views::case_with_template(&s.frame(&csrf), &case, flash, key),
            None => views::case(&s.frame(&csrf), &case, flash, None),
        };
        ws.mark_read(&case)?;
        Ok(page)
    })
    .await
}

/// `GET /case/{id}/attachments/{n}`: one evidence image, decrypted in memory for the case
/// page's `<img>`. `guard` has checked the Host and the session cookie; `security_headers` adds
/// `no-store` and `nosniff`. The type is the one the image's sealed document names, checked
/// against its first bytes by the engine.
pub(super) async fn attachment(
    State(state): State<UiState>,
    csrf: Csrf,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, UiError> {
    engine::parse_id(&id)?;
    let n: u32 = n.parse().ok().filter(|n| *n > 0).ok_or(UiError::NotFound)?;
    let ws = state.workstation(&csrf).await?;
    let image = blocking(move || {
        let case = ws.case(&id)?;
        Ok(ws.open_attachment(&case, n)?)
    })
    .await?;
    let content_type = image.media_type.mime();
    // The bytes stay in their zeroizing buffer until the response body is dropped.
    let body = Bytes::from_owner(image.bytes);
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// `POST /case/{id}/reply`: encrypted here for the pupil and the school's advisers.
pub(super) async fn reply(
    State(state): State<UiState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, UiError> {
    send(state, id, form, Pad::Reply).await
}

/// `POST /case/{id}/note`: encrypted here for the school's advisers only.
pub(super) async fn note(
    State(state): State<UiState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, UiError> {
    send(state, id, form, Pad::Note).await
}

pub(super) async fn send(
    state: UiState,
    id: String,
    mut form: CheckedForm,
    pad: Pad,
) -> Result<Response, UiError> {
    engine::parse_id(&id)?;
    let text = form.take("message");
    let csrf = form.csrf;
    let ws = match state.workstation(&csrf).await {
        Ok(ws) => ws,
        Err(e) => return Err(e.keeping(text)),
    };
    let s = state.clone();
    blocking(move || {
        let sent = match pad {
            Pad::Reply => ws.reply(&id, &text),
            Pad::Note => ws.note(&id, &text),
        };
        match sent {
            Ok(_) => {
                let flash = match pad {
                    Pad::Reply => Flash::Replied,
                    Pad::Note => Flash::Noted,
                };
                Ok(to_case(&id, flash))
            }
            // Shown again with the text kept and what to change; a changed adviser list shows
            // its warning there, with the text kept beside it (409: nothing was sealed).
            Err(
                e @ (EngineError::EmptyMessage
                | EngineError::LongMessage { .. }
                | EngineError::AdvisersChanged(_)),
            ) => {
                let case = ws
                    .case(&id)
                    .map_err(|e| UiError::from(e).keeping(text.clone()))?;
                let draft = Draft {
                    pad,
                    text: &text,
                    problem: &e,
                };
                let page = views::case(&s.frame(&csrf), &case, None, Some(&draft));
                let status = match e {
                    EngineError::AdvisersChanged(_) => StatusCode::CONFLICT,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                Ok((status, page).into_response())
            }
            Err(e) => Err(UiError::from(e).keeping(text)),
        }
    })
    .await
}

/// `POST /case/{id}/status`.
pub(super) async fn set_status(
    State(state): State<UiState>,
    Path(id): Path<String>,
    mut form: CheckedForm,
) -> Result<Response, UiError> {
    engine::parse_id(&id)?;
    let status = Status::parse(&form.take("status")).ok_or(UiError::BadForm)?;
    let ws = state.workstation(&form.csrf).await?;
    blocking(move || {
        ws.set_status(&id, status)?;
        Ok(to_case(&id, Flash::Status(status)))
    })
    .await
}

/// `POST /case/{id}/hold`: `held=1` puts the case on legal hold, `held=0` takes it off.
pub(super) async fn set_hold(
    State(state): State<UiState>,
    Path(id): Path<String>,
    mut form: CheckedForm,
) -> Result<Response, UiError> {
    engine::parse_id(&id)?;
    let held = match form.take("held").as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(UiError::BadForm),
    };
    let ws = state.workstation(&form.csrf).await?;
    blocking(move || {
        ws.set_hold(&id, held)?;
        Ok(to_case(&id, Flash::Hold(held)))
    })
    .await
}

/// `POST /case/{id}/advisers`: the adviser has checked the school's changed adviser list and
/// accepts it. The form carries the fingerprint of the list it showed, so a list that changed
/// again in the meantime is not accepted in its place.
pub(super) async fn accept_advisers(
    State(state): State<UiState>,
    Path(id): Path<String>,
    mut form: CheckedForm,
) -> Result<Response, UiError> {
    engine::parse_id(&id)?;
    let seen = form.take("fingerprint");
    if seen.is_empty() {
        return Err(UiError::BadForm);
    }
    let ws = state.workstation(&form.csrf).await?;
    blocking(move || {
        ws.accept_advisers(&id, Some(&seen))?;
        Ok(to_case(&id, Flash::AdvisersAccepted))
    })
    .await
}

/// `POST /case/{id}/export`: the case as one HTML file, downloaded as an attachment. It is
/// plaintext on purpose; the case page says so next to the button.
pub(super) async fn export(
    State(state): State<UiState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, UiError> {
    let id = engine::parse_id(&id)?.to_string();
    let ws = state.workstation(&form.csrf).await?;
    let html = blocking({
        let id = id.clone();
        move || {
            let case = ws.case(&id)?;
            Ok(crate::adviser::export::render_now(
                &case,
                ws.server().as_str(),
                ws.recipient(),
            ))
        }
    })
    .await?;
    // `id` is 16 characters 0-9a-f (checked above), so the file name needs no quoting.
    let disposition = format!("attachment; filename=\"fluister-case-{id}.html\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        html,
    )
        .into_response())
}
