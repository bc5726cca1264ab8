//! `fluister adviser ui`: the workstation in the adviser's browser, served on 127.0.0.1 only.
//!
//! Who could reach it, and what stops them:
//! - other users and programs on this computer can connect to a loopback port: nothing answers
//!   without the session cookie that the one-time link printed in the terminal trades for;
//! - a web page the adviser has open can make the browser send requests here: the cookie is
//!   `SameSite=Strict`, every form carries this session's CSRF token (checked in constant time)
//!   and the page may not be framed;
//! - DNS rebinding (a name of the attacker's resolving to 127.0.0.1) would make such a page
//!   same-origin: the `Host` header must name this port on 127.0.0.1 or localhost;
//! - a computer left unlocked: after `--idle-minutes` without a request the unlocked key is
//!   dropped from memory and the passphrase is asked again.
//!
//! Plaintext lives only in memory and in the pages and images sent to the browser (all
//! `no-store`); the cache on disk stays ciphertext, as for the command line. Evidence images are
//! decrypted per request for the case page's `<img>` and shown blurred until the adviser
//! reveals one (views.rs says how, without script).

mod handoff;
mod views;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use anyhow::Context as _;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Path, RawQuery, Request, State,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use rand::RngCore;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::PASSPHRASE_ENV;
use super::cache;
use super::client::{ClientError, ServerUrl};
use super::engine::{self, CaseSummary, Error as EngineError, InboxFilter, Workstation};
use super::identity::{AdviserKey, KeyError, KeyFile};
use crate::cli::UiArgs;
use crate::store::Status;
use crate::web::form::FormBody;

use views::{Draft, Flash, Frame, Pad};

/// Environment variable that stops `ui` from opening a browser (tests, remote shells), as
/// `--no-browser` does.
pub const NO_BROWSER_ENV: &str = "FLUISTER_NO_BROWSER";
/// Largest form accepted: a reply of 20,000 four-byte characters, percent-encoded, is 240 KB.
const FORM_MAX: usize = 512 * 1024;
/// How often the idle lock looks at the clock, at most.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(15);

/// Runs `fluister adviser ui` until Ctrl-C.
pub fn run(args: UiArgs) -> anyhow::Result<()> {
    // Checked before anything listens, so a typo fails here and not in the browser.
    let (server, identity) = super::settings::resolve(&args.connection)?;
    let server = ServerUrl::parse(&server)?;
    let lockable = KeyFile::read(&identity)?.needs_passphrase() && passphrase_env().is_none();
    let cache_root = cache::default_root()?;
    if server.is_plain_http_over_network() {
        eprintln!(
            "warning: {} is plain HTTP over the network, so your sign-in token travels readable \
             (reports stay encrypted). A real school's server needs https://.",
            server.as_str()
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, args.port))
            .await
            .with_context(|| {
                format!(
                    "cannot listen on 127.0.0.1:{}; choose another --port (0 picks a free one)",
                    args.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let token = Secret::random();
        let url = format!("http://127.0.0.1:{port}/?token={}", token.expose());
        let state = UiState::new(Settings {
            port,
            server: server.as_str().to_owned(),
            identity,
            cache_root,
            idle: Duration::from_secs(args.idle_minutes * 60),
            lockable,
            token,
        });
        println!("Open {url}");
        eprintln!(
            "The link works once, in one browser. If it says it was already used and you did not \
             open it, someone else on this computer did: stop with Ctrl-C and start again.\n\
             The workstation locks after {} minutes without use. Ctrl-C stops it.",
            args.idle_minutes
        );
        if !args.no_browser && std::env::var_os(NO_BROWSER_ENV).is_none() {
            hand_to_browser(&state, &url);
        }
        let idle = tokio::spawn(lock_when_idle(state.clone()));
        axum::serve(listener, app(state))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        idle.abort();
        Ok(())
    })
}

/// Opens the link in the desktop's browser through a private file (handoff.rs says why not
/// on the command line); the printed link is the fallback. The file is kept until the link
/// has been used.
fn hand_to_browser(state: &UiState, url: &str) {
    match handoff::LinkFile::write(url) {
        Ok(file) => {
            if handoff::open_in_browser(file.path()) {
                *lock(&state.link_file) = Some(file);
            } else {
                eprintln!("Could not start your browser: open the link above yourself.");
            }
        }
        Err(e) => eprintln!(
            "Could not hand the link to your browser privately ({e}): open the link above \
             yourself."
        ),
    }
}

fn passphrase_env() -> Option<SecretString> {
    std::env::var(PASSPHRASE_ENV).ok().map(SecretString::from)
}

/// A random 256-bit value as 64 hex characters: the link token, the session cookie, the CSRF
/// token. Zeroized on drop, compared in constant time; deliberately without `Debug`.
struct Secret(Zeroizing<String>);

impl Secret {
    fn random() -> Secret {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
        Secret(Zeroizing::new(
            bytes.iter().map(|b| format!("{b:02x}")).collect(),
        ))
    }

    fn expose(&self) -> &str {
        &self.0
    }

    fn matches(&self, given: &str) -> bool {
        self.0.as_bytes().ct_eq(given.as_bytes()).into()
    }
}

/// What `run` decided before serving.
struct Settings {
    port: u16,
    server: String,
    identity: PathBuf,
    cache_root: PathBuf,
    idle: Duration,
    /// True when the browser asks for the passphrase, so "lock now" means something.
    lockable: bool,
    token: Secret,
}

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
struct UiState(Arc<Inner>);

struct Inner {
    server: String,
    identity: PathBuf,
    cache_root: PathBuf,
    idle: Duration,
    lockable: bool,
    /// The two `Host` values a request may carry.
    hosts: [String; 2],
    cookie_name: String,
    /// The private page that hands the link to the browser, deleted once the link is used.
    link_file: Mutex<Option<handoff::LinkFile>>,
    door: Mutex<Door>,
    desk: Mutex<Desk<Arc<Workstation>>>,
}

/// Who may come in: the link token until it is used, then the one session it made.
struct Door {
    token: Option<Secret>,
    session: Option<Session>,
}

struct Session {
    cookie: Secret,
    csrf: Secret,
}

/// The unlocked workstation, if any, and when the adviser last did something. Generic only so
/// the idle rule can be tested without a server.
struct Desk<W> {
    workstation: Option<W>,
    last_request: Instant,
}

impl<W> Desk<W> {
    /// Drops the workstation (and with it the key) once it has been idle for `idle`; true when
    /// it did. Requests still running keep their own handle until they finish.
    fn lock_if_idle(&mut self, now: Instant, idle: Duration) -> bool {
        let idle_too_long = now.saturating_duration_since(self.last_request) >= idle;
        if self.workstation.is_some() && idle_too_long {
            self.workstation = None;
            true
        } else {
            false
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl std::ops::Deref for UiState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl UiState {
    fn new(s: Settings) -> UiState {
        UiState(Arc::new(Inner {
            server: s.server,
            identity: s.identity,
            cache_root: s.cache_root,
            idle: s.idle,
            lockable: s.lockable,
            hosts: [
                format!("127.0.0.1:{}", s.port),
                format!("localhost:{}", s.port),
            ],
            // Cookies are not kept apart by port: the port in the name keeps two workstations,
            // or this one and a Fluister server on the same machine, from mixing them up.
            cookie_name: format!("fluister_ui_{}", s.port),
            link_file: Mutex::new(None),
            door: Mutex::new(Door {
                token: Some(s.token),
                session: None,
            }),
            desk: Mutex::new(Desk {
                workstation: None,
                last_request: Instant::now(),
            }),
        }))
    }

    /// True when `Host` names this server as the link did (DNS-rebinding defence).
    fn host_ok(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        host == self.hosts[0] || host.eq_ignore_ascii_case(&self.hosts[1])
    }

    /// This session's CSRF token when `headers` carry its cookie.
    fn session_csrf(&self, headers: &HeaderMap) -> Option<Csrf> {
        let cookie = cookie(headers, &self.cookie_name)?;
        let door = lock(&self.door);
        let session = door.session.as_ref()?;
        session
            .cookie
            .matches(cookie)
            .then(|| Csrf(Zeroizing::new(session.csrf.expose().to_owned())))
    }

    /// Trades the link token, once, for a new session; returns the session cookie's value.
    fn trade(&self, token: &str) -> Option<Zeroizing<String>> {
        let mut door = lock(&self.door);
        if !door.token.as_ref().is_some_and(|t| t.matches(token)) {
            return None;
        }
        door.token = None;
        // The link is spent: the page that carried it has done its work.
        *lock(&self.link_file) = None;
        let session = Session {
            cookie: Secret::random(),
            csrf: Secret::random(),
        };
        let value = Zeroizing::new(session.cookie.expose().to_owned());
        door.session = Some(session);
        Some(value)
    }

    /// Records a request, locking first if the workstation had been idle too long.
    fn touch(&self) {
        let now = Instant::now();
        let mut desk = lock(&self.desk);
        if desk.lock_if_idle(now, self.idle) {
            tracing::info!(
                "locked after {} minutes without use",
                self.idle.as_secs() / 60
            );
        }
        desk.last_request = now;
    }

    fn frame<'a>(&'a self, csrf: &'a Csrf) -> Frame<'a> {
        Frame {
            csrf: &csrf.0,
            server: &self.server,
            lockable: self.lockable,
        }
    }

    /// The unlocked workstation. Opens it without asking when the key needs no passphrase
    /// (the demo key) or FLUISTER_PASSPHRASE is set; otherwise the unlock page.
    async fn workstation(&self, csrf: &Csrf) -> Result<Arc<Workstation>, UiError> {
        if let Some(ws) = lock(&self.desk).workstation.clone() {
            return Ok(ws);
        }
        let state = self.clone();
        let csrf = csrf.clone();
        blocking(move || {
            let file = KeyFile::read(&state.identity)?;
            let passphrase = passphrase_env();
            if file.needs_passphrase() && passphrase.is_none() {
                return Err(UiError::Locked(Box::new(Unlock {
                    csrf,
                    wrong: false,
                    kept: None,
                })));
            }
            let key = file.unlock(|path| {
                passphrase.ok_or_else(|| KeyError::NoPassphrase {
                    path: path.to_owned(),
                })
            })?;
            state.sign_in(key)
        })
        .await
    }

    /// Signs in with an unlocked key and keeps the workstation. Blocking.
    fn sign_in(&self, key: AdviserKey) -> Result<Arc<Workstation>, UiError> {
        let ws = Arc::new(Workstation::open_with_cache(
            &self.server,
            key,
            &self.cache_root,
        )?);
        let mut desk = lock(&self.desk);
        desk.workstation = Some(ws.clone());
        desk.last_request = Instant::now();
        tracing::info!("unlocked and signed in to {}", self.server);
        Ok(ws)
    }

    fn lock_now(&self) {
        lock(&self.desk).workstation = None;
    }
}

/// Drops the key from memory once the adviser has left it alone for the idle time, whether or
/// not another request ever comes.
async fn lock_when_idle(state: UiState) {
    let mut tick = tokio::time::interval((state.idle / 4).min(IDLE_CHECK_EVERY));
    loop {
        tick.tick().await;
        if lock(&state.desk).lock_if_idle(Instant::now(), state.idle) {
            tracing::info!(
                "locked after {} minutes without use",
                state.idle.as_secs() / 60
            );
        }
    }
}

/// The UI application, apart from serving.
fn app(state: UiState) -> Router {
    Router::new()
        .route("/", get(inbox))
        .route("/unlock", post(unlock))
        .route("/lock", post(lock_handler))
        .route("/case/{id}", get(case))
        .route("/case/{id}/reply", post(reply))
        .route("/case/{id}/note", post(note))
        .route("/case/{id}/status", post(set_status))
        .route("/case/{id}/advisers", post(accept_advisers))
        .route("/case/{id}/export", post(export))
        .route("/case/{id}/attachments/{n}", get(attachment))
        .route("/static/adviser.css", get(stylesheet))
        .fallback(|| async { UiError::NotFound })
        .method_not_allowed_fallback(|| async { UiError::NotFound })
        .layer(DefaultBodyLimit::max(FORM_MAX))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(middleware::map_response(security_headers))
        .with_state(state)
}

/// In front of every route: the right `Host`, then the session (or the link token, which is
/// traded for one and leaves the address bar).
async fn guard(State(state): State<UiState>, mut req: Request, next: Next) -> Response {
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
async fn security_headers(mut res: Response) -> Response {
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
struct Csrf(Zeroizing<String>);

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
struct CheckedForm {
    csrf: Csrf,
    fields: FormBody,
}

impl CheckedForm {
    /// The first value of `name` ("" when absent), taken out of the form.
    fn take(&mut self, name: &str) -> Zeroizing<String> {
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
fn query_param(query: Option<&str>, name: &str) -> Option<Zeroizing<String>> {
    FormBody::parse(query?.as_bytes()).take(name)
}

/// The value of cookie `name`, from any `Cookie` header.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Runs blocking engine work (network, scrypt, files) off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, UiError> + Send + 'static,
) -> Result<T, UiError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|_| {
        tracing::error!("a workstation task failed");
        Err(UiError::Internal)
    })
}

/// The inbox order: unread pupil messages first, then the newest activity.
fn inbox_order(cases: &mut [CaseSummary]) {
    cases.sort_by(|a, b| {
        (b.unread > 0)
            .cmp(&(a.unread > 0))
            .then_with(|| b.last_activity.cmp(&a.last_activity))
            .then_with(|| b.received_on.cmp(&a.received_on))
    });
}

/// `GET /`: the inbox, optionally filtered by `?status=`.
async fn inbox(
    State(state): State<UiState>,
    csrf: Csrf,
    RawQuery(q): RawQuery,
) -> Result<Markup, UiError> {
    let filter = query_param(q.as_deref(), "status").and_then(|s| Status::parse(&s));
    let flash = query_param(q.as_deref(), "flash").and_then(|f| Flash::from_param(&f));
    let ws = state.workstation(&csrf).await?;
    let mut inbox = blocking(move || Ok(ws.inbox(InboxFilter { status: filter })?)).await?;
    inbox_order(&mut inbox.cases);
    Ok(views::inbox(&state.frame(&csrf), &inbox, filter, flash))
}

/// `GET /case/{id}`: the whole case, decrypted; marked read once it has been rendered.
async fn case(
    State(state): State<UiState>,
    csrf: Csrf,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Markup, UiError> {
    engine::parse_id(&id)?;
    let flash = query_param(q.as_deref(), "flash").and_then(|f| Flash::from_param(&f));
    let ws = state.workstation(&csrf).await?;
    let s = state.clone();
    blocking(move || {
        let case = ws.case(&id)?;
        let page = views::case(&s.frame(&csrf), &case, flash, None);
        ws.mark_read(&case)?;
        Ok(page)
    })
    .await
}

/// `GET /case/{id}/attachments/{n}`: one evidence image, decrypted in memory for the case
/// page's `<img>`. `guard` has checked the Host and the session cookie; `security_headers` adds
/// `no-store` and `nosniff`. The type is the one the image's sealed document names, checked
/// against its first bytes by the engine.
async fn attachment(
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
async fn reply(
    State(state): State<UiState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, UiError> {
    send(state, id, form, Pad::Reply).await
}

/// `POST /case/{id}/note`: encrypted here for the school's advisers only.
async fn note(
    State(state): State<UiState>,
    Path(id): Path<String>,
    form: CheckedForm,
) -> Result<Response, UiError> {
    send(state, id, form, Pad::Note).await
}

async fn send(
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
async fn set_status(
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

/// `POST /case/{id}/advisers`: the adviser has checked the school's changed adviser list and
/// accepts it. The form carries the fingerprint of the list it showed, so a list that changed
/// again in the meantime is not accepted in its place.
async fn accept_advisers(
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
async fn export(
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
            Ok(super::export::render_now(
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

/// `POST /unlock`: the passphrase, typed in the browser; the key is opened in memory.
async fn unlock(State(state): State<UiState>, mut form: CheckedForm) -> Result<Response, UiError> {
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
async fn lock_handler(State(state): State<UiState>, _form: CheckedForm) -> Response {
    state.lock_now();
    tracing::info!("locked by the adviser");
    Redirect::to("/").into_response()
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_bytes!("../../../static/adviser.css").as_slice(),
    )
        .into_response()
}

/// 303 back to a case with a message saying what happened.
fn to_case(id: &str, flash: Flash) -> Response {
    Redirect::to(&format!("/case/{id}?flash={}", flash.param())).into_response()
}

/// Why a request was refused with 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No session cookie, and no (unused) link token.
    NoSession,
    /// The `Host` header names something other than this server.
    Host,
    /// A form without this session's CSRF token.
    Csrf,
}

/// The unlock page, with what it must say.
struct Unlock {
    csrf: Csrf,
    /// The passphrase just typed was wrong.
    wrong: bool,
    /// A reply or note that could not be sent, shown so it is not lost.
    kept: Option<Zeroizing<String>>,
}

/// The one error type of the UI; each variant says which status and page it becomes.
enum UiError {
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
    fn keeping(self, text: Zeroizing<String>) -> UiError {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn state(port: u16) -> UiState {
        UiState::new(Settings {
            port,
            server: "http://127.0.0.1:8080".into(),
            identity: PathBuf::from("/nonexistent/adviser.key"),
            cache_root: PathBuf::from("/nonexistent/cache"),
            idle: Duration::from_secs(60),
            lockable: true,
            token: Secret::random(),
        })
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_this_port_on_loopback_is_an_acceptable_host() {
        let s = state(4242);
        let ok = |v: &str| s.host_ok(&headers(&[(header::HOST, v)]));
        assert!(ok("127.0.0.1:4242"));
        assert!(ok("localhost:4242"));
        assert!(ok("LocalHost:4242"));
        for bad in [
            "evil.example:4242",
            "127.0.0.1:4243",
            "127.0.0.1",
            "localhost",
            "127.0.0.1:4242.evil.example",
            "[::1]:4242",
            "",
        ] {
            assert!(!ok(bad), "{bad}");
        }
        assert!(!s.host_ok(&HeaderMap::new()), "no Host at all");
    }

    #[test]
    fn the_link_token_makes_one_session_once() {
        let s = state(1);
        let token = lock(&s.door).token.as_ref().unwrap().expose().to_owned();
        assert!(s.trade("0".repeat(64).as_str()).is_none());
        assert!(s.trade(&token[..63]).is_none(), "a prefix is not the token");
        let cookie = s.trade(&token).expect("the right token opens");
        assert!(s.trade(&token).is_none(), "and only once");
        let with = |v: &str| headers(&[(header::COOKIE, v)]);
        let name = &s.cookie_name;
        assert!(
            s.session_csrf(&with(&format!("other=1; {name}={}", *cookie)))
                .is_some()
        );
        assert!(
            s.session_csrf(&with(&format!("{name}=x{}", *cookie)))
                .is_none()
        );
        assert!(
            s.session_csrf(&with(&format!("fluister_ui_2={}", *cookie)))
                .is_none()
        );
        assert!(s.session_csrf(&HeaderMap::new()).is_none());
    }

    #[test]
    fn an_idle_workstation_is_locked_and_a_busy_one_is_not() {
        let idle = Duration::from_secs(15 * 60);
        let t0 = Instant::now();
        let mut desk = Desk {
            workstation: Some(Arc::new(())),
            last_request: t0,
        };
        assert!(!desk.lock_if_idle(t0 + Duration::from_secs(14 * 60), idle));
        assert!(desk.workstation.is_some());
        assert!(desk.lock_if_idle(t0 + idle, idle));
        assert!(desk.workstation.is_none(), "the key is gone");
        assert!(
            !desk.lock_if_idle(t0 + 2 * idle, idle),
            "nothing left to lock"
        );
        // A clock that seems to go backwards never locks early.
        let mut desk = Desk {
            workstation: Some(()),
            last_request: t0 + idle,
        };
        assert!(!desk.lock_if_idle(t0, idle));
    }

    #[test]
    fn unread_cases_come_first_then_the_newest_activity() {
        let row = |id: &str, activity: &str, unread| CaseSummary {
            id: crate::store::ReportId::parse(id).unwrap(),
            school: "demo".into(),
            received_on: "2026-01-01".into(),
            status: Status::Open,
            category: None,
            danger_now: None,
            last_activity: activity.into(),
            messages: 1,
            attachments: 0,
            unread,
            readable: true,
            unopened: None,
            conversation_error: None,
            reseal_due: false,
        };
        let mut cases = vec![
            row("000000000000000a", "2026-03-01", 0),
            row("000000000000000b", "2026-01-05", 2),
            row("000000000000000c", "2026-04-01", 0),
            row("000000000000000d", "2026-02-01", 1),
        ];
        inbox_order(&mut cases);
        let ids: Vec<String> = cases.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(
            ids,
            [
                "000000000000000d",
                "000000000000000b",
                "000000000000000c",
                "000000000000000a"
            ]
        );
    }

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
