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
//! reveals one (views/case.rs says how, without script).
//!
//! Files: this one runs the UI and holds its state and router; `session` checks who may come
//! in; `error` is the one error type; the handlers are grouped by page (`inbox`, `case`,
//! `team` for the reseal, `unlock` for unlocking, locking and stopping), and `views/` renders.

mod case;
mod error;
mod handoff;
mod inbox;
mod session;
mod team;
mod unlock;
mod views;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderMap, header};
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use zeroize::Zeroizing;

use super::PASSPHRASE_ENV;
use super::cache;
use super::client::ServerUrl;
use super::engine::Workstation;
use super::identity::{AdviserKey, KeyError, KeyFile};
use crate::cli::UiArgs;

use error::{Refusal, UiError, Unlock};
use session::{Csrf, Secret, cookie};
use views::{Flash, Frame};

/// Environment variable that stops `ui` from opening a browser (tests, remote shells), as
/// `--no-browser` does.
pub const NO_BROWSER_ENV: &str = "FLUISTER_NO_BROWSER";
/// Largest form accepted: a reply of 20,000 four-byte characters, percent-encoded, is 240 KB.
const FORM_MAX: usize = 512 * 1024;
/// How often the idle lock looks at the clock, at most.
const IDLE_CHECK_EVERY: Duration = Duration::from_secs(15);

/// Runs `fluister adviser ui` until Ctrl-C or the page's "Stoppen" button.
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
             The workstation locks after {} minutes without use. Ctrl-C (or \"Stoppen\" in the \
             browser) stops it.",
            args.idle_minutes
        );
        if !args.no_browser && std::env::var_os(NO_BROWSER_ENV).is_none() {
            hand_to_browser(&state, &url);
        }
        let idle = tokio::spawn(lock_when_idle(state.clone()));
        let stop = state.clone();
        axum::serve(listener, app(state))
            .with_graceful_shutdown(async move {
                // Started from a desktop shortcut there is no terminal for Ctrl-C: the page's
                // "Stoppen" button ends it too.
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    () = stop.quit.notified() => {}
                }
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
    /// Set by the "Stoppen" button: the server finishes what it is doing and ends.
    quit: tokio::sync::Notify,
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
            quit: tokio::sync::Notify::new(),
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
        .route("/", get(inbox::inbox))
        .route("/unlock", post(unlock::unlock))
        .route("/lock", post(unlock::lock_handler))
        .route("/quit", post(unlock::quit))
        .route("/reseal", post(team::reseal))
        .route("/case/{id}", get(case::case))
        .route("/case/{id}/reply", post(case::reply))
        .route("/case/{id}/note", post(case::note))
        .route("/case/{id}/status", post(case::set_status))
        .route("/case/{id}/hold", post(case::set_hold))
        .route("/case/{id}/advisers", post(case::accept_advisers))
        .route("/case/{id}/export", post(case::export))
        .route("/case/{id}/attachments/{n}", get(case::attachment))
        .route("/static/adviser.css", get(stylesheet))
        .fallback(|| async { UiError::NotFound })
        .method_not_allowed_fallback(|| async { UiError::NotFound })
        .layer(DefaultBodyLimit::max(FORM_MAX))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::guard,
        ))
        .layer(middleware::map_response(session::security_headers))
        .with_state(state)
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

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

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
}
