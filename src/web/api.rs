//! The adviser API (`/api/v1`, JSON): sign-in by key challenge, reports and messages as age
//! ciphertext. The server never sees plaintext here: advisers' clients encrypt and decrypt.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::{self, AuthError, Session};
use crate::ratelimit::RetryAfter;
use crate::reseal;
use crate::retention::{self, Policy, Schedule};
use crate::store::{Author, NewMessage, ReportId, ReportSummary, Status, StoreError, StoredReport};

use super::AppState;
use super::peer::Peer;
use super::team;

/// Largest message ciphertext an adviser's client may post (a padded 20,000-character message
/// of four-byte characters is 128 KiB, plus the age header).
pub const MESSAGE_CIPHERTEXT_MAX: usize = 160 * 1024;

/// Largest sign-in body: a recipient (62 characters) and a nonce (64) in JSON are under 200
/// bytes. Anything bigger is refused before it is read whole, let alone parsed.
pub const AUTH_BODY_MAX: usize = 4 * 1024;

/// One operation of the adviser API: a method on a path under `/api/v1`, and how it is served.
pub struct Route {
    pub method: Method,
    /// The path under `/api/v1` with axum's `{name}` parameters, spelled as docs/openapi.yaml
    /// spells it.
    pub path: &'static str,
    /// The handler (with its body limit) for this method on this path.
    endpoint: fn(MethodFilter) -> MethodRouter<AppState>,
}

/// Every operation of the adviser API. `router` serves exactly these and nothing else, and
/// tests/openapi.rs checks docs/openapi.yaml against this table both ways, so the description
/// cannot drift from what is served: a route is added here or not at all.
pub static ROUTES: &[Route] = &[
    Route {
        method: Method::POST,
        path: "/auth/challenge",
        endpoint: |m| on(m, challenge).layer(DefaultBodyLimit::max(AUTH_BODY_MAX)),
    },
    Route {
        method: Method::POST,
        path: "/auth/session",
        endpoint: |m| on(m, session).layer(DefaultBodyLimit::max(AUTH_BODY_MAX)),
    },
    Route {
        method: Method::GET,
        path: "/reports",
        endpoint: |m| on(m, list_reports),
    },
    Route {
        method: Method::GET,
        path: "/reports/{id}",
        endpoint: |m| on(m, get_report),
    },
    Route {
        method: Method::POST,
        path: "/reports/{id}/messages",
        endpoint: |m| on(m, post_message),
    },
    Route {
        method: Method::PUT,
        path: "/reports/{id}/status",
        endpoint: |m| on(m, put_status),
    },
    Route {
        method: Method::PUT,
        path: "/reports/{id}/hold",
        endpoint: |m| on(m, put_hold),
    },
    Route {
        method: Method::GET,
        path: "/reports/{id}/attachments/{n}",
        endpoint: |m| on(m, get_attachment),
    },
    Route {
        method: Method::PUT,
        path: "/reports/{id}/attachments/{n}",
        endpoint: |m| {
            on(m, team::replace_attachment)
                .layer(DefaultBodyLimit::max(reseal::ATTACHMENT_CIPHERTEXT_MAX))
        },
    },
    Route {
        method: Method::PUT,
        path: "/reports/{id}/ciphertext",
        endpoint: |m| {
            on(m, team::replace_report)
                .layer(DefaultBodyLimit::max(reseal::DOCUMENT_CIPHERTEXT_MAX))
        },
    },
    Route {
        method: Method::PUT,
        path: "/reports/{id}/messages/{seq}/ciphertext",
        endpoint: |m| {
            on(m, team::replace_message)
                .layer(DefaultBodyLimit::max(reseal::DOCUMENT_CIPHERTEXT_MAX))
        },
    },
    Route {
        method: Method::GET,
        path: "/schools/{school}/recipients",
        endpoint: |m| on(m, team::recipients),
    },
];

/// The API router, built from `ROUTES` alone: each operation is registered with the method its
/// entry names (axum merges the methods of one path, and panics on a duplicate).
pub fn router() -> Router<AppState> {
    let router = ROUTES.iter().fold(Router::new(), |router, route| {
        let filter = MethodFilter::try_from(route.method.clone())
            .expect("the API uses standard methods only");
        router.route(route.path, (route.endpoint)(filter))
    });
    // After the routes: the 405 fallback is set on the paths registered so far.
    router
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// API errors: a stable `error` code for programs and a `message` for people.
#[derive(Debug)]
pub enum ApiError {
    BadRequest(&'static str, String),
    /// 412: a replacement for an item that changed since the client read it.
    Changed,
    /// 428: a replacement without `If-Match`.
    PreconditionRequired,
    /// 409: a replacement sealed for another recipient set than the school's current one.
    StaleTeam,
    Unauthorized,
    UnknownRecipient,
    BadResponse,
    NotFound,
    MethodNotAllowed,
    TooLarge,
    TooMany(RetryAfter),
    Busy,
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = match &self {
            ApiError::TooMany(wait) => Some(*wait),
            _ => None,
        };
        let (status, code, message) = match self {
            ApiError::BadRequest(code, message) => (StatusCode::BAD_REQUEST, code, message),
            ApiError::Changed => (
                StatusCode::PRECONDITION_FAILED,
                "changed",
                "the stored item is no longer the one you read (someone sealed it again \
                 meanwhile); read it again and decide anew"
                    .into(),
            ),
            ApiError::PreconditionRequired => (
                StatusCode::PRECONDITION_REQUIRED,
                "precondition_required",
                "send If-Match: \"<SHA-256 of the ciphertext you read, 64 hex digits>\", so \
                 nothing written meanwhile is replaced"
                    .into(),
            ),
            ApiError::StaleTeam => (
                StatusCode::CONFLICT,
                "stale_team",
                "the school's recipients are not the set this file says it is sealed for; get \
                 GET schools/{school}/recipients again and seal to those"
                    .into(),
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "sign in again: the bearer token is missing, wrong or expired".into(),
            ),
            ApiError::UnknownRecipient => (
                StatusCode::FORBIDDEN,
                "unknown_recipient",
                AuthError::UnknownRecipient.to_string(),
            ),
            ApiError::BadResponse => (
                StatusCode::UNAUTHORIZED,
                "bad_response",
                AuthError::BadResponse.to_string(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such report (or not one of your schools')".into(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this path does not take that method; see docs/api.md".into(),
            ),
            ApiError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is too large".into(),
            ),
            ApiError::TooMany(wait) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                format!(
                    "too many sign-in attempts; try again in {} seconds",
                    wait.secs()
                ),
            ),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the server is busy; try again in a minute".into(),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "something went wrong on the server; try again later".into(),
            ),
        };
        let body = json!({ "error": code, "message": message });
        let mut res = (status, json_body(&body)).into_response();
        if let Some(wait) = retry {
            res.headers_mut()
                .insert(header::RETRY_AFTER, wait.secs().into());
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if matches!(e, StoreError::Busy) {
            return ApiError::Busy;
        }
        tracing::error!(error = %e, "adviser API storage error");
        ApiError::Internal
    }
}

pub(super) fn json_body(value: &impl Serialize) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).expect("API values serialize"),
    )
        .into_response()
}

/// Parses a JSON body ourselves, so a bad one gets our error shape, not a plain-text rejection.
fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest("bad_body", "could not read the request body".into())
        }
    })?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest("bad_json", format!("the JSON body is not valid: {e}")))
}

/// A signed-in adviser, from `Authorization: Bearer <token>`, bound to the schools that still
/// list their key (`auth::Auth::verify`).
pub struct Adviser(pub(super) Session);

/// Length of a bearer token: `auth` hands out 32 random bytes as lower-case hex.
const TOKEN_HEX_LEN: usize = 64;

/// The token of an `Authorization` value written exactly as docs/api.md section 2 documents
/// it: `Bearer`, one space, 64 lower-case hex digits, nothing else. Any other spelling (a
/// lower-case scheme, two spaces, a tab, trailing text) is refused rather than tidied up, so
/// the server accepts one form only and every client is held to the same contract.
fn bearer_token(value: &str) -> Option<&str> {
    let token = value.strip_prefix("Bearer ")?;
    let shaped = token.len() == TOKEN_HEX_LEN
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    shaped.then_some(token)
}

impl FromRequestParts<AppState> for Adviser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or(ApiError::Unauthorized)?;
        state
            .auth
            .verify(&state.config(), token)
            .map(Adviser)
            .ok_or(ApiError::Unauthorized)
    }
}

/// Path parameters (a report id, an item's number, a school's slug). A segment that is not
/// valid UTF-8 (`%FF`) names nothing that exists, so it is answered like any unknown id:
/// `404 not_found` in the API's JSON, not axum's plain-text 400.
pub struct ApiPath<T>(pub T);

impl<T> FromRequestParts<AppState> for ApiPath<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|_| ApiError::NotFound)
    }
}

impl Adviser {
    /// The report, if it exists and belongs to one of this adviser's schools. "Not yours" and
    /// "not there" are the same answer.
    pub(super) async fn report(
        &self,
        state: &AppState,
        id: &str,
    ) -> Result<StoredReport, ApiError> {
        let id = ReportId::parse(id).ok_or(ApiError::NotFound)?;
        match state.store.report(id).await? {
            Some(r) if self.0.schools.contains(&r.school) => Ok(r),
            _ => Err(ApiError::NotFound),
        }
    }
}

#[derive(Deserialize)]
struct ChallengeRequest {
    recipient: String,
}

/// `POST auth/challenge {"recipient"}` → `{"challenge": base64 age file, "expires_in"}`.
///
/// Counted per source first; then only a recipient that parses and is some school's adviser
/// reaches the per-recipient budget, and that budget is the recipient's *from this source*
/// (`Limiters::signin_challenge`): whoever knows an adviser's public recipient can spend their
/// own budget for it, never the adviser's.
async fn challenge(
    State(state): State<AppState>,
    Peer(source): Peer,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: ChallengeRequest = parse(body)?;
    state.limiters.signin(source).map_err(ApiError::TooMany)?;
    let recipient =
        auth::parse_recipient(&req.recipient).map_err(|_| ApiError::UnknownRecipient)?;
    if !auth::Auth::is_adviser(&state.config(), &recipient) {
        return Err(ApiError::UnknownRecipient);
    }
    state
        .limiters
        .signin_challenge(source, &recipient)
        .map_err(ApiError::TooMany)?;
    let ciphertext = state
        .auth
        .challenge(&state.config(), &recipient)
        .map_err(|e| match e {
            AuthError::UnknownRecipient => ApiError::UnknownRecipient,
            _ => ApiError::Internal,
        })?;
    Ok(json_body(&json!({
        "challenge": B64.encode(ciphertext),
        "expires_in": crate::auth::CHALLENGE_TTL.as_secs(),
    })))
}

#[derive(Deserialize)]
struct SessionRequest {
    recipient: String,
    response: String,
}

/// `POST auth/session {"recipient", "response"}` → `{"token", "expires_in", "schools"}`.
///
/// A right answer always goes through: it takes the adviser's key, and counting it would let
/// strangers at the adviser's address keep them out. A wrong one counts against the source.
async fn session(
    State(state): State<AppState>,
    Peer(source): Peer,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let answered = parse::<SessionRequest>(body).and_then(|req| {
        state
            .auth
            .session(&state.config(), &req.recipient, &req.response)
            .map_err(|e| match e {
                AuthError::UnknownRecipient => ApiError::UnknownRecipient,
                _ => ApiError::BadResponse,
            })
    });
    let (token, session) = match answered {
        Ok(signed_in) => signed_in,
        Err(e) => {
            state.limiters.signin(source).map_err(ApiError::TooMany)?;
            return Err(e);
        }
    };
    tracing::info!(schools = ?session.schools, "adviser signed in");
    let expires_in = session
        .expires
        .saturating_duration_since(std::time::Instant::now())
        .as_secs();
    Ok(json_body(&json!({
        "token": token.expose(),
        "expires_in": expires_in,
        "schools": session.schools,
    })))
}

/// Reports per page of `GET reports` when the client does not say.
pub const PAGE_DEFAULT: u32 = 50;
/// Most reports one page of `GET reports` holds: each carries its whole report ciphertext
/// (~22 KB of base64), so 200 make an answer of a few megabytes.
pub const PAGE_MAX: u32 = 200;

#[derive(Deserialize)]
struct ListQuery {
    status: Option<String>,
    since: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

/// `GET reports[?status=new|open|closed][&since=YYYY-MM-DD][&limit=N][&after=CURSOR]`: one
/// page of reports in id order, and the cursor of the next page (`null` after the last).
async fn list_reports(
    State(state): State<AppState>,
    adviser: Adviser,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) =
        query.map_err(|_| ApiError::BadRequest("bad_query", "unknown query parameters".into()))?;
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::BadRequest("bad_status", "status must be new, open or closed".into())
        })?),
    };
    let since = match q.since {
        None => None,
        Some(s) if crate::date::is_date(&s) => Some(s),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "bad_since",
                "since must be a date, YYYY-MM-DD".into(),
            ));
        }
    };
    let limit = match q.limit.as_deref() {
        None | Some("") => PAGE_DEFAULT,
        Some(n) => n
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=PAGE_MAX).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(
                    "bad_limit",
                    format!("limit must be a whole number from 1 to {PAGE_MAX}"),
                )
            })?,
    };
    // The cursor is the last id of the previous page; documented as opaque so it may change.
    let after = match q.after.as_deref() {
        None | Some("") => None,
        Some(a) => Some(ReportId::parse(a).ok_or_else(|| {
            ApiError::BadRequest(
                "bad_after",
                "after must be the `next` value of the previous page".into(),
            )
        })?),
    };
    // Each school with the fingerprint of its current recipient set, for `reseal_due`.
    let config = state.config();
    let schools = adviser
        .0
        .schools
        .iter()
        .filter_map(|slug| config.school(slug))
        .map(|s| (s.slug.clone(), s.fingerprint()))
        .collect();
    // One more than asked, to know whether another page follows without a trailing empty one.
    let mut reports = state
        .store
        .list_reports_page(schools, status, since, after, limit + 1)
        .await?;
    let next = if reports.len() > limit as usize {
        reports.truncate(limit as usize);
        reports.last().map(|s| s.report.id.as_str().to_owned())
    } else {
        None
    };
    let overdue = overdue_since(&state, &reports).await?;
    let items: Vec<_> = reports
        .into_iter()
        .map(|s| {
            let overdue_since = overdue.get(&s.report.id);
            json!({
                "id": s.report.id.as_str(),
                "school": s.report.school,
                "received_on": s.report.received_on,
                "status": s.report.status.as_str(),
                "last_activity": s.last_activity,
                "messages": s.messages,
                "last_pupil_message": s.last_pupil_message,
                "attachments": s.attachments,
                "overdue": overdue_since.is_some(),
                "overdue_since": overdue_since,
                "reseal_due": s.reseal_due,
                "reporter_recipient": s.report.reporter_recipient,
                "ciphertext": B64.encode(&s.report.ciphertext),
            })
        })
        .collect();
    let items = with_schedules(&state, items).await?;
    Ok(json_body(&json!({ "reports": items, "next": next })))
}

/// The date each listed case became overdue (DESIGN.md "Notifications"), for those that are:
/// waiting for an adviser's reply `reply_within_days` of its school or longer.
async fn overdue_since(
    state: &AppState,
    reports: &[ReportSummary],
) -> Result<HashMap<ReportId, String>, ApiError> {
    let ids = reports.iter().map(|s| s.report.id.clone()).collect();
    let waiting = state.store.waiting_since(ids).await?;
    let today = crate::date::today();
    let config = state.config();
    Ok(reports
        .iter()
        .filter_map(|s| {
            let days = config.school(&s.report.school)?.reply_within_days;
            let on = crate::notify::overdue_on(waiting.get(&s.report.id)?, days)?;
            (on <= today).then(|| (s.report.id.clone(), on))
        })
        .collect())
}

/// `GET reports/{id}`: the report, its messages and every recipient a reply must go to.
async fn get_report(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let report = adviser.report(&state, &id).await?;
    let messages = state.store.messages(report.id.clone()).await?;
    let attachments = state.store.attachments(report.id.clone()).await?;
    let listed = |message: Option<i64>| {
        attachments
            .iter()
            .filter(|a| a.message == message)
            .map(|a| json!({ "n": a.n, "size": a.size, "sealed_for": a.sealed_for }))
            .collect::<Vec<_>>()
    };
    let config = state.config();
    let school = config.school(&report.school);
    // Everyone besides the pupil that a reply or note must reach: the advisers and, when the
    // school has one, its recovery key.
    let recipients: Vec<String> = school
        .map(|s| {
            s.sealing_recipients()
                .iter()
                .map(ToString::to_string)
                .collect()
        })
        .unwrap_or_default();
    let messages: Vec<_> = messages
        .into_iter()
        .map(|m| {
            json!({
                "seq": m.seq,
                "author": m.author.as_str(),
                "sent_on": m.sent_on,
                "ciphertext": B64.encode(&m.ciphertext),
                "sealed_for": m.sealed_for,
                "attachments": listed(Some(m.seq)),
            })
        })
        .collect();
    let body = json!({
        "id": report.id.as_str(),
        "school": report.school,
        "received_on": report.received_on,
        "status": report.status.as_str(),
        "reporter_recipient": report.reporter_recipient,
        "adviser_recipients": recipients,
        "team": school.map(team::team_json),
        "ciphertext": B64.encode(&report.ciphertext),
        "sealed_for": report.sealed_for,
        "attachments": listed(None),
        "messages": messages,
    });
    let body = with_schedules(&state, vec![body]).await?.remove(0);
    Ok(json_body(&body))
}

/// Adds each report's retention (`closed_on`, `held`, `deletes_on`) to its JSON object.
async fn with_schedules(
    state: &AppState,
    mut items: Vec<serde_json::Value>,
) -> Result<Vec<serde_json::Value>, ApiError> {
    let ids = items
        .iter()
        .filter_map(|i| i["id"].as_str().and_then(ReportId::parse))
        .collect();
    let policy = Policy::from_config(&state.config());
    let schedules = retention::schedules(&state.store, &policy, ids).await?;
    for item in &mut items {
        let schedule = item["id"]
            .as_str()
            .and_then(ReportId::parse)
            .and_then(|id| schedules.get(&id));
        if let (Some(object), Some(s)) = (item.as_object_mut(), schedule) {
            let Schedule {
                closed_on,
                held,
                deletes_on,
            } = s;
            object.insert("closed_on".into(), json!(closed_on));
            object.insert("held".into(), json!(held));
            object.insert("deletes_on".into(), json!(deletes_on));
        }
    }
    Ok(items)
}

/// `GET reports/{id}/attachments/{n}`: one evidence image, as the raw binary age file it is
/// stored as (`… | age -d -i adviser.key > image`). What it is (type, length before padding)
/// is in the sealed report or message it came with.
async fn get_attachment(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath((id, n)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    let report = adviser.report(&state, &id).await?;
    let n: i64 = n.parse().map_err(|_| ApiError::NotFound)?;
    let ciphertext = state
        .store
        .attachment(report.id, n)
        .await?
        .ok_or(ApiError::NotFound)?;
    // What `If-Match` of a replacement names (docs/api.md): hashed off the async workers, as an
    // image may be tens of megabytes.
    let (ciphertext, etag) = tokio::task::spawn_blocking(move || {
        let etag = format!("\"{}\"", team::sha256_hex(&ciphertext));
        (ciphertext, etag)
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::ETAG, etag),
        ],
        ciphertext,
    )
        .into_response())
}

#[derive(Deserialize)]
struct MessageRequest {
    #[serde(default = "default_author")]
    author: String,
    ciphertext: String,
    /// The fingerprint of the recipient set (besides the pupil) the client sealed it to; absent
    /// when the client does not say, and then a reseal treats it as due.
    #[serde(default)]
    sealed_for: Option<String>,
}

fn default_author() -> String {
    "adviser".into()
}

/// `POST reports/{id}/messages {"author": "adviser"|"note", "ciphertext": base64 age file}`.
/// The server checks the shape (an age file within the size limit) and stores it as-is.
async fn post_message(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath(id): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: MessageRequest = parse(body)?;
    let report = adviser.report(&state, &id).await?;
    let author = match Author::parse(&req.author) {
        Some(a @ (Author::Adviser | Author::Note)) => a,
        _ => {
            return Err(ApiError::BadRequest(
                "bad_author",
                "author must be adviser or note".into(),
            ));
        }
    };
    let ciphertext = B64
        .decode(req.ciphertext.trim())
        .map_err(|_| ApiError::BadRequest("bad_ciphertext", "ciphertext must be base64".into()))?;
    if let Some(fp) = &req.sealed_for
        && !crate::recipients::is_fingerprint(fp)
    {
        return Err(team::bad_sealed_for());
    }
    if ciphertext.len() > MESSAGE_CIPHERTEXT_MAX {
        return Err(ApiError::BadRequest(
            "too_large",
            format!("a message may be at most {MESSAGE_CIPHERTEXT_MAX} bytes of ciphertext"),
        ));
    }
    if !ciphertext.starts_with(b"age-encryption.org/v1\n")
        || age::Decryptor::new_buffered(&ciphertext[..]).is_err()
    {
        return Err(ApiError::BadRequest(
            "not_age",
            "ciphertext must be a binary age file (not armored)".into(),
        ));
    }
    let seq = state
        .store
        .insert_message(NewMessage {
            report: report.id,
            author,
            sent_on: crate::date::today(),
            ciphertext,
            attachments: Vec::new(),
            sealed_for: req.sealed_for,
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut res = json_body(&json!({ "seq": seq }));
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

#[derive(Deserialize)]
struct StatusRequest {
    status: String,
}

/// `PUT reports/{id}/status {"status": "new"|"open"|"closed"}`.
async fn put_status(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath(id): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: StatusRequest = parse(body)?;
    let status = Status::parse(&req.status).ok_or_else(|| {
        ApiError::BadRequest("bad_status", "status must be new, open or closed".into())
    })?;
    let report = adviser.report(&state, &id).await?;
    if !state.store.set_status(report.id.clone(), status).await? {
        return Err(ApiError::NotFound);
    }
    Ok(json_body(
        &json!({ "id": report.id.as_str(), "status": status.as_str() }),
    ))
}

#[derive(Deserialize)]
struct HoldRequest {
    held: bool,
}

/// `PUT reports/{id}/hold {"held": true|false}`: a legal hold keeps the case from the
/// retention sweep until it is taken off.
async fn put_hold(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath(id): ApiPath<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let req: HoldRequest = parse(body)?;
    let report = adviser.report(&state, &id).await?;
    if !state.store.set_hold(report.id.clone(), req.held).await? {
        return Err(ApiError::NotFound);
    }
    // A school, never a case: the log names no report.
    tracing::debug!(held = req.held, school = %report.school, "legal hold changed");
    let body = json!({ "id": report.id.as_str() });
    let body = with_schedules(&state, vec![body]).await?.remove(0);
    Ok(json_body(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_bearer_form_is_read() {
        let token = "a28cf0e91d480b7e8f4d377cff9e510b80d0b583bf289ce0b3fc2814e1ea9935";
        assert_eq!(bearer_token(&format!("Bearer {token}")), Some(token));
        for bad in [
            format!("bearer {token}"),
            format!("BEARER {token}"),
            format!("Bearer  {token}"),
            format!("Bearer\t{token}"),
            format!(" Bearer {token}"),
            format!("Bearer {token} "),
            format!("Bearer {token}x"),
            format!("Bearer {}", token.to_ascii_uppercase()),
            format!("Bearer {}", &token[1..]),
            format!("Basic {token}"),
            token.to_owned(),
            "Bearer ".to_owned(),
        ] {
            assert_eq!(bearer_token(&bad), None, "{bad:?}");
        }
    }
}
