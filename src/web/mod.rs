//! The HTTP edge: state, router, security headers and static files. Handlers stay thin.

mod api;
mod error;
pub mod form;
mod peer;
mod pupil;
mod team;
// Reachable from `crate::fuzz` only; the handlers are its callers.
pub(crate) mod upload;
mod views;

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};

pub use error::AppError;

use crate::auth::Auth;
use crate::config::Config;
use crate::i18n::Lang;
use crate::intake::ImageWork;
use crate::keys::Keys;
use crate::ratelimit::Limiters;
use crate::store::Store;

/// Largest form body accepted. A 20,000-character description of four-byte characters,
/// percent-encoded, is 240 KB; this leaves room for the other fields.
pub const FORM_BODY_MAX: usize = 512 * 1024;

/// Where the adviser API lives (docs/api.md).
pub const API_BASE: &str = "/api/v1";

/// The health check for monitoring: `GET` answers `ok` (docs/api.md section 6).
pub const HEALTHZ: &str = "/healthz";

/// Every operation docs/openapi.yaml must describe, as (method, path): the adviser API's
/// routes under `API_BASE`, and the health check. The router is built from the same table
/// (`api::ROUTES`); tests/openapi.rs holds the description to it both ways.
pub fn documented_routes() -> Vec<(axum::http::Method, String)> {
    api::ROUTES
        .iter()
        .map(|r| (r.method.clone(), format!("{API_BASE}{}", r.path)))
        .chain([(axum::http::Method::GET, HEALTHZ.to_owned())])
        .collect()
}

/// Everything a handler needs, cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    /// The configuration: read once at start, its schools again on SIGHUP (`reload_schools`).
    /// Read through `AppState::config`.
    config: RwLock<Arc<Config>>,
    pub keys: Keys,
    pub store: Store,
    pub auth: Auth,
    pub limiters: Limiters,
    pub images: ImageWork,
    pub tally: Tally,
}

/// Refusals counted for one log line a minute (`server::maintain`), never a line each: even a
/// line per refused report would let whoever reads the logs count and time reports.
#[derive(Default)]
pub struct Tally {
    busy: AtomicU64,
    connections_refused: AtomicU64,
}

impl Tally {
    /// A submission refused because the database write queue was full.
    pub fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection closed at once: its source had as many open as it may.
    pub fn connection_refused(&self) {
        self.connections_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// The counts since the last call: (busy, connections refused).
    pub fn take(&self) -> (u64, u64) {
        (
            self.busy.swap(0, Ordering::Relaxed),
            self.connections_refused.swap(0, Ordering::Relaxed),
        )
    }
}

impl AppState {
    pub fn new(config: Config, keys: Keys, store: Store) -> Self {
        let ttl = std::time::Duration::from_secs_f64(config.session_hours * 3600.0);
        let limiters = Limiters::new(&config.limits, config.tor, &config.shared_networks);
        let images = ImageWork::new(config.evidence_file_mib as usize * 1024 * 1024);
        AppState(Arc::new(Inner {
            config: RwLock::new(Arc::new(config)),
            keys,
            store,
            auth: Auth::new(ttl),
            limiters,
            images,
            tally: Tally::default(),
        }))
    }
}

impl AppState {
    /// The configuration now. A request reads it once and keeps that snapshot, so one request
    /// never sees two versions of a school.
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Takes the schools (slugs, names, advisers, recovery keys) of a freshly loaded config;
    /// every other setting keeps its value from the start. Sessions follow at once: each
    /// request re-checks its adviser against the schools (`auth::Auth::verify`). Answers the
    /// names of the settings that changed but wait for a restart.
    pub fn reload_schools(&self, fresh: Config) -> Vec<&'static str> {
        let mut config = self.config.write().unwrap_or_else(|p| p.into_inner());
        let old = config.as_ref();
        let mut waiting = Vec::new();
        if old.listen != fresh.listen {
            waiting.push("listen");
        }
        if old.data_dir != fresh.data_dir {
            waiting.push("data_dir");
        }
        if old.session_hours != fresh.session_hours {
            waiting.push("session_hours");
        }
        if old.limits != fresh.limits {
            waiting.push("limits");
        }
        if old.tor != fresh.tor || old.shared_networks != fresh.shared_networks {
            waiting.push("tor / shared_networks");
        }
        if old.evidence_file_mib != fresh.evidence_file_mib {
            waiting.push("evidence_file_mib");
        }
        if old.trusted_proxies != fresh.trusted_proxies {
            waiting.push("trusted_proxies");
        }
        let next = Config {
            schools: fresh.schools,
            ..old.clone()
        };
        *config = Arc::new(next);
        waiting
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The whole application, apart from serving, so tests can drive it directly.
pub fn app(state: AppState) -> Router {
    // The two forms that take evidence images read their own bodies (web/upload.rs) within
    // this limit; every other body stays within FORM_BODY_MAX.
    let uploads = DefaultBodyLimit::max(upload::body_limit(state.images.file_bytes()));
    Router::new()
        .route("/", get(pupil::home))
        .route("/s/{school}", get(pupil::report_form))
        .route(
            "/s/{school}/report",
            post(pupil::submit_report).layer(uploads),
        )
        .route("/check", get(pupil::check_form).post(pupil::check))
        .route("/check/message", post(pupil::follow_up).layer(uploads))
        .route("/check/confirm", post(pupil::confirm_code))
        .nest(API_BASE, api::router())
        .route("/static/{file}", get(static_file))
        .route(HEALTHZ, get(|| async { "ok" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(FORM_BODY_MAX))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// The language of a page: the pupil's choice in `?lang=` first; without one, the best language
/// we speak from the browser's `Accept-Language`; Dutch otherwise. The header is read for this
/// request only: never stored, never logged, never put in a cookie (DESIGN.md "Languages").
pub fn lang_of(query: &Option<String>, headers: &HeaderMap) -> Lang {
    let q = form::FormBody::parse(query.as_deref().unwrap_or("").as_bytes());
    Lang::parse(q.get("lang"))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::negotiate)
        })
        .unwrap_or_default()
}

/// No such page. Under `API_BASE` (also `/api/v1` and `/api/v1/` themselves, which the nested
/// API router does not see), the API's JSON `not_found`, never a pupil's HTML page.
async fn not_found(
    State(state): State<AppState>,
    uri: Uri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    let api = path
        .strip_prefix(API_BASE)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if api {
        return api::ApiError::NotFound.into_response();
    }
    AppError::NotFound(lang_of(&q, &headers), state.config().keyholders()).into_response()
}

/// A path parameter of a pupil page (a school's slug, an asset's name). A segment that is not
/// valid UTF-8 (`/s/%FF`) names no page, so it gets the calm "page not found" page in the
/// pupil's language, not axum's plain-text 400.
pub struct PagePath<T>(pub T);

impl<T> axum::extract::FromRequestParts<AppState> for PagePath<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, AppError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(PagePath(value)),
            Err(_) => {
                let query = parts.uri.query().map(str::to_owned);
                let lang = lang_of(&query, &parts.headers);
                Err(AppError::NotFound(lang, state.config().keyholders()))
            }
        }
    }
}

async fn method_not_allowed(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> AppError {
    AppError::MethodNotAllowed(lang_of(&q, &headers), state.config().keyholders())
}

/// Content-Security-Policy: nothing from anywhere but Fluister itself, no script at all.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// One place sets every security header, on every response.
async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CSP);
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("cross-origin-resource-policy"),
        "same-origin",
    );
    set(
        h,
        header::HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    );
    // Pages may hold a pickup code or a pupil's words: nothing is kept in any cache unless a
    // handler said otherwise (only the versioned static files do).
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    // A page without `?lang=` speaks the browser's language: no cache may hand it to another.
    h.append(header::VARY, HeaderValue::from_static("Accept-Language"));
    // No cookies, ever (DESIGN.md invariant 1).
    h.remove(header::SET_COOKIE);
    res
}

/// A static file embedded in the binary.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

static ASSETS: &[Asset] = &[Asset {
    name: "style.css",
    content_type: "text/css; charset=utf-8",
    bytes: include_bytes!("../../static/style.css"),
}];

/// A short hash of every asset, put in their URLs so they can be cached for a year.
static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut h = Sha256::new();
    for a in ASSETS {
        h.update(a.bytes);
    }
    h.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
});

/// The URL of an embedded asset, with its version.
pub fn asset_url(name: &str) -> String {
    format!("/static/{name}?v={}", *ASSET_VERSION)
}

async fn static_file(
    State(state): State<AppState>,
    PagePath(file): PagePath<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.bytes,
        )
            .into_response(),
        None => {
            AppError::NotFound(lang_of(&q, &headers), state.config().keyholders()).into_response()
        }
    }
}
