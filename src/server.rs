//! Serving: open the data folder, the store and the secret, accept connections under limits,
//! and shut down cleanly.
//!
//! Our own accept loop (instead of `axum::serve`) gives what a public reporting service needs
//! against slow-loris and floods: a header read timeout, a body read timeout, a cap on open
//! connections in all and per source, and a graceful shutdown that lets in-flight submissions
//! finish.

use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::config::{self, Config};
use crate::crypto::ServerSecret;
use crate::keys::Keys;
use crate::net;
use crate::notify;
use crate::ratelimit::Claim;
use crate::retention;
use crate::store::Store;
use crate::web::{AppState, app};

/// Time a client gets to send its request headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client gets to send a request body before its size buys it more (see `TimedBody`).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Most connections served at once; more wait in the kernel's accept queue. One source may hold
/// `limits.connections_per_source` of them (see `serve`).
pub const MAX_CONNECTIONS: usize = 2048;
/// How long shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// How long shutdown waits for a digest round under way.
const DIGEST_GRACE: Duration = Duration::from_secs(60);
/// How often the rate limiter drops expired state (and rotates its key when due).
const MAINTENANCE_EVERY: Duration = Duration::from_secs(60);

/// Loads the config file again: what SIGHUP does (`reload_on_hangup`).
pub type Reload = Box<dyn Fn() -> Result<Config, config::ConfigError> + Send + Sync>;

/// Start-up steps, each failing with a message that says what to fix. With `reload`, SIGHUP
/// reads the config file again and takes its schools (advisers, recovery keys, names).
pub async fn run(config: Config, reload: Option<Reload>) -> anyhow::Result<()> {
    config::ensure_data_dir(&config.data_dir)?;
    let keys = Keys::new(&ServerSecret::load_or_create(&config.data_dir)?);
    let store = Store::open(&config.data_dir, &keys)?;
    // Retention: a sweep before the first request, then one on every new date.
    let policy = retention::Policy::from_config(&config);
    let today = crate::date::today();
    let swept = retention::sweep_and_log(&store, &policy, &today).await;
    if config.demo {
        warn_demo(&config);
    }
    // Before the first pupil can arrive: an address new to the config hears of everything
    // from here on.
    let now = time::OffsetDateTime::now_utc();
    if let Err(e) = notify::enroll(&config, &store, now, true).await {
        tracing::error!(error = %e, "digests: cannot record the configured addresses");
    }
    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {}: {e}; choose another address with --listen or `listen` in the config",
            config.listen
        )
    })?;
    // The server's own address: the only address that ever reaches a log.
    let bound = listener.local_addr()?;
    let schools: Vec<&str> = config.schools.iter().map(|s| s.slug.as_str()).collect();
    tracing::info!(schools = ?schools, "listening on http://{bound}");
    let sweeping = tokio::spawn(retention::run_daily(
        store.clone(),
        policy,
        swept.ok().map(|_| today),
    ));
    let (stop_digests, stop) = watch::channel(false);
    let digests = tokio::spawn(notify::schedule(config.clone(), store.clone(), stop));
    let state = AppState::new(config, keys, store.clone());
    let maintenance = tokio::spawn(maintain(state.clone()));
    let hangup = tokio::spawn(reload_on_hangup(state.clone(), reload));
    serve(listener, state, shutdown_signal()).await;
    maintenance.abort();
    sweeping.abort();
    // A digest round under way finishes (and records what it delivered) before the store closes.
    let _ = stop_digests.send(true);
    if tokio::time::timeout(DIGEST_GRACE, digests).await.is_err() {
        tracing::warn!("a digest round was still running at shutdown; it may repeat next time");
    }
    hangup.abort();
    // Every request has finished; commit anything still queued before exiting.
    store.close();
    tracing::info!("stopped");
    Ok(())
}

/// Serves `state` on `listener` until `shutdown` completes, then waits (a bounded time) for
/// open connections to finish what they are doing.
///
/// A source (the keyed hash of the socket's address, nothing else is kept) with
/// `limits.connections_per_source` connections open has any further one closed at once, so
/// one host cannot take the slots everyone shares. A configured trusted proxy is not capped:
/// every pupil behind it arrives on its connections (the proxy should cap its own clients).
pub async fn serve(listener: TcpListener, state: AppState, shutdown: impl Future<Output = ()>) {
    let router = app(state.clone());
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let ip = peer.ip();
        let slot = if net::in_any(&state.config().trusted_proxies, ip) {
            Claim::default()
        } else {
            match state.limiters.connection(state.limiters.source(ip)) {
                Some(slot) => slot,
                None => {
                    // Closed before a byte is read; counted for the minute's log line.
                    state.tally.connection_refused();
                    drop(stream);
                    continue;
                }
            }
        };
        let router = router.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let (mut parts, body) = req.into_parts();
                parts.extensions.insert(ConnectInfo::<SocketAddr>(peer));
                let req = Request::from_parts(parts, axum::body::Body::new(TimedBody::new(body)));
                router.clone().oneshot(req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let mut conn = pin!(conn);
            let stopping = async move {
                // The guard `wait_for` returns is not Send; drop it before awaiting again.
                let _ = stop.wait_for(|s| *s).await.map(|_| ());
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                () = stopping => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // All permits back means every connection has closed.
    let all = u32::try_from(MAX_CONNECTIONS).expect("the connection cap fits in u32");
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open at shutdown");
    }
}

/// Bytes of body that buy one more second past `BODY_TIMEOUT`: a photo upload from a phone on a
/// slow connection (256 kbit/s) still arrives, a client dribbling bytes does not.
const BODY_BYTES_PER_SECOND: u64 = 32 * 1024;
/// The longest any body may take, however fast it keeps coming.
const BODY_TIMEOUT_MAX: Duration = Duration::from_secs(600);

pin_project_lite::pin_project! {
    /// A request body that fails once its deadline has passed without it being complete, so a
    /// client dribbling a body byte by byte cannot hold a connection and a worker forever. The
    /// deadline is `BODY_TIMEOUT`, pushed back by one second for every `BODY_BYTES_PER_SECOND`
    /// that arrive, but never more than `BODY_TIMEOUT` ahead of now (a burst cannot buy a long
    /// silence) and never past `BODY_TIMEOUT_MAX` in all.
    struct TimedBody {
        #[pin]
        inner: Incoming,
        #[pin]
        deadline: tokio::time::Sleep,
        latest: tokio::time::Instant,
    }
}

impl TimedBody {
    fn new(inner: Incoming) -> Self {
        let now = tokio::time::Instant::now();
        TimedBody {
            inner,
            deadline: tokio::time::sleep_until(now + BODY_TIMEOUT),
            latest: now + BODY_TIMEOUT_MAX,
        }
    }
}

/// The body took too long to arrive.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
struct BodyTimeout;

impl http_body::Body for TimedBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            if let Some(Ok(data)) = frame.as_ref().map(|r| r.as_ref().map(|f| f.data_ref())) {
                let len = data.map_or(0, |d| d.len() as u64);
                let extra = Duration::from_secs_f64(len as f64 / BODY_BYTES_PER_SECOND as f64);
                // Never more than BODY_TIMEOUT ahead of now: a burst buys no long silence.
                let now = tokio::time::Instant::now();
                let later = (this.deadline.deadline() + extra)
                    .min(now + BODY_TIMEOUT)
                    .min(*this.latest);
                this.deadline.as_mut().reset(later);
            }
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        match this.deadline.poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyTimeout.into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Periodic upkeep of in-memory state.
async fn maintain(state: AppState) {
    let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
    loop {
        tick.tick().await;
        let live = state.limiters.maintain();
        tracing::trace!(live, "rate limiter maintained");
        // Refusals as one count a minute: a line each would time the submissions.
        let (busy, connections) = state.tally.take();
        if busy > 0 {
            tracing::warn!(
                refused = busy,
                "submissions refused in the last minute: the database write queue was full"
            );
        }
        if connections > 0 {
            tracing::warn!(
                refused = connections,
                "connections closed in the last minute: their address had \
                 limits.connections_per_source open already"
            );
        }
    }
}

/// On SIGHUP (`systemctl reload`, `kill -HUP`): reads the config file again and, when it is
/// valid, takes its schools, so an adviser removed from a school can do nothing more there from
/// the next request on (DESIGN.md "Adviser lifecycle"). An invalid file changes nothing and says
/// why; settings other than the schools wait for a restart, and the log says which.
async fn reload_on_hangup(state: AppState, reload: Option<Reload>) {
    let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
    else {
        return;
    };
    while hangups.recv().await.is_some() {
        let Some(reload) = &reload else {
            tracing::warn!("SIGHUP: the demo install has no config file to reload");
            continue;
        };
        match reload() {
            Ok(fresh) => {
                let slugs: Vec<String> = fresh.schools.iter().map(|s| s.slug.clone()).collect();
                let waiting = state.reload_schools(fresh);
                tracing::info!(schools = ?slugs, "SIGHUP: reloaded the schools from the config");
                if !waiting.is_empty() {
                    tracing::warn!(
                        settings = ?waiting,
                        "SIGHUP: these settings changed in the config but take effect only at \
                         the next restart"
                    );
                }
            }
            Err(e) => tracing::error!(
                "SIGHUP: the config was not reloaded, the server keeps the one it has: {e}"
            ),
        }
    }
}

fn warn_demo(config: &Config) {
    let key = config.data_dir.join(config::DEMO_KEY_FILE);
    tracing::warn!(
        "DEMO INSTALL: the adviser key {} is stored UNENCRYPTED next to the reports. \
         Fine for trying Fluister; never for real pupils. A real install uses a config file, \
         and each adviser makes their own key on their own computer with `fluister adviser init`.",
        key.display()
    );
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
