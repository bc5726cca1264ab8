//! What the targets that drive the server share: a real `AppState` over a data folder of its
//! own, and a request body that arrives in the chunks the input chooses.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use fluister::config::{Config, School};
use fluister::crypto::ServerSecret;
use fluister::keys::Keys;
use fluister::store::Store;
use fluister::web::AppState;

/// A data folder for one fuzzing process, in the temporary folder (tmpfs where there is one,
/// so the store's `fsync`s cost little).
pub fn data_dir(target: &str) -> PathBuf {
    let base = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!(
        "fluister-fuzz-{target}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    fluister::config::ensure_data_dir(&dir).expect("a fresh temporary data folder");
    dir
}

/// The state the real server builds at start (`server::run`): keys from a fresh server secret,
/// the store with its schema, limiters and the image workshop from `config`.
pub fn app_state(config: Config) -> AppState {
    let keys = Keys::new(&ServerSecret::load_or_create(&config.data_dir).expect("server secret"));
    let store = Store::open(&config.data_dir, &keys).expect("store");
    AppState::new(config, keys, store)
}

/// One school, `demo`, with this adviser.
pub fn config_with(data_dir: PathBuf, adviser: age::x25519::Recipient) -> Config {
    let school = School {
        slug: "demo".into(),
        name: "Demo".into(),
        advisers: vec![adviser],
        ..School::default()
    };
    Config::with_schools(data_dir, vec![school])
}

/// A request body that hands over its bytes in the given chunks, the way a slow or odd client
/// splits them across TCP reads (multipart boundaries split across chunks included).
pub struct Chunked(pub VecDeque<Bytes>);

impl http_body::Body for Chunked {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.0.pop_front().map(|b| Ok(http_body::Frame::data(b))))
    }
}

/// Splits `body` at the cut points the input gives (each byte of `cuts` a distance, 0 meaning
/// "the rest in one piece").
pub fn chunks(body: Vec<u8>, cuts: &[u8]) -> Chunked {
    let body = Bytes::from(body);
    let mut out = VecDeque::new();
    let mut at = 0;
    for &c in cuts {
        if c == 0 || at >= body.len() {
            break;
        }
        let end = (at + usize::from(c)).min(body.len());
        out.push_back(body.slice(at..end));
        at = end;
    }
    if at < body.len() {
        out.push_back(body.slice(at..));
    }
    Chunked(out)
}

/// A current-thread runtime, as the tests use; one per process.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
