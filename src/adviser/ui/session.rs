//! Who may use the UI, checked in front of every route: the `Host` header, the one-time link
//! traded for a session cookie, this session's CSRF token on every form; and the headers every
//! response carries. mod.rs says which threats each answers.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{Refusal, UiError, UiState};
use crate::web::form::FormBody;

/// A random 256-bit value as 64 hex characters: the link token, the session cookie, the CSRF
/// token. Zeroized on drop, compared in constant time; deliberately without `Debug`.
pub(super) struct Secret(Zeroizing<String>);

impl Secret {
    pub(super) fn random() -> Secret {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
        Secret(Zeroizing::new(
            bytes.iter().map(|b| format!("{b:02x}")).collect(),
        ))
    }

    pub(super) fn expose(&self) -> &str {
        &self.0
    }

    pub(super) fn matches(&self, given: &str) -> bool {
        self.0.as_bytes().ct_eq(given.as_bytes()).into()
    }
}

/// In front of every route: the right `Host`, then the session (or the link token, which is
/// traded for one and leaves the address bar).
pub(super) async fn guard(State(state): State<UiState>, mut req: Request, next: Next) -> Response {
    if !state.host_ok(req.headers()) {
        return UiError::Forbidden(Refusal::Host).into_response();
    }
    let token = query_param(req.uri().query(), "token");
    if let Some(csrf) = state.session_csrf(req.headers()) {
        state.touch();
        if token.is_some() {
            return Redirect::to("/").into_response();
        }
        req.extensions_mut().insert(csrf);
        return next.run(req).await;
    }
    let at_link = req.method() == Method::GET && req.uri().path() == "/";
    match token.filter(|_| at_link).and_then(|t| state.trade(&t)) {
        Some(cookie) => {
            let set_cookie = format!(
                "{}={}; HttpOnly; SameSite=Strict; Path=/",
                state.cookie_name, *cookie
            );
            let mut res = Redirect::to("/").into_response();
            match HeaderValue::from_str(&set_cookie) {
                Ok(v) => {
                    res.headers_mut().insert(header::SET_COOKIE, v);
                    tracing::info!("browser session started");
                    res
                }
                Err(_) => UiError::Internal.into_response(),
            }
        }
        None => UiError::Forbidden(Refusal::NoSession).into_response(),
    }
}

/// Content-Security-Policy: nothing from anywhere but this server, no script at all. Images
/// come from `/case/{id}/attachments/{n}` on this server only.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Every response gets the same strict headers; nothing is cached (pages hold plaintext).
pub(super) async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// This session's CSRF token, put there by `guard`; no handler runs without it.
#[derive(Clone)]
pub(super) struct Csrf(pub(super) Zeroizing<String>);

impl<S: Send + Sync> FromRequestParts<S> for Csrf {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Csrf, UiError> {
        parts
            .extensions
            .get::<Csrf>()
            .cloned()
            .ok_or(UiError::Forbidden(Refusal::NoSession))
    }
}

/// A posted form whose `csrf` field matched this session's token. Values are zeroized when
/// dropped: they hold replies and the passphrase.
pub(super) struct CheckedForm {
    pub(super) csrf: Csrf,
    fields: FormBody,
}

impl CheckedForm {
    /// The first value of `name` ("" when absent), taken out of the form.
    pub(super) fn take(&mut self, name: &str) -> Zeroizing<String> {
        self.fields.take(name).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequest<S> for CheckedForm {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<CheckedForm, UiError> {
        let csrf = req
            .extensions()
            .get::<Csrf>()
            .cloned()
            .ok_or(UiError::Forbidden(Refusal::NoSession))?;
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => UiError::TooLarge,
                _ => UiError::BadForm,
            })?;
        let fields = FormBody::parse(&body);
        let given = fields.get("csrf");
        let csrf_ok: bool = csrf.0.as_bytes().ct_eq(given.as_bytes()).into();
        if !csrf_ok {
            return Err(UiError::Forbidden(Refusal::Csrf));
        }
        Ok(CheckedForm { csrf, fields })
    }
}

/// The first value of `name` in a query string.
pub(super) fn query_param(query: Option<&str>, name: &str) -> Option<Zeroizing<String>> {
    FormBody::parse(query?.as_bytes()).take(name)
}

/// The value of cookie `name`, from any `Cookie` header.
pub(super) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_queries_decode_as_browsers_encode() {
        let f = FormBody::parse(b"csrf=ab12&message=Kom+je%20morgen%3F%0Aja&empty=&bad=%FF");
        assert_eq!(f.get("csrf"), "ab12");
        assert_eq!(f.get("message"), "Kom je morgen?\nja");
        assert_eq!(f.get("empty"), "");
        assert_eq!(f.get("bad"), "\u{fffd}");
        assert_eq!(
            query_param(Some("status=closed&flash=reply"), "flash")
                .as_deref()
                .map(|s| s.as_str()),
            Some("reply")
        );
        assert!(query_param(Some("tokens=1"), "token").is_none());
        assert!(query_param(None, "token").is_none());
    }

    #[test]
    fn secrets_compare_whole() {
        let s = Secret::random();
        assert_eq!(s.expose().len(), 64);
        assert!(s.matches(s.expose()));
        assert!(!s.matches(""));
        assert!(!s.matches(&s.expose()[..32]));
        assert_ne!(Secret::random().expose(), s.expose());
    }
}
