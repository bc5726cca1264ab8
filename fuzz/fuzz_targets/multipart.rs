//! The pupil forms' body reader, `web::upload::read`, as `submit_report` and `follow_up` call it:
//! a real `AppState` (limiters, upload memory budget, `evidence_file_mib = 1` so a file over
//! the per-part limit stays cheap to make), the route's real body limit
//! (`DefaultBodyLimit::max(upload::body_limit(..))`), and a body that arrives in chunks the
//! input chooses. Both encodings: `multipart/form-data` and urlencoded.
//!
//! Input: byte 0 picks the content type (bits 0-1), the file gate's answer (bits 2-3) and
//! whether filler is spliced in (bit 4); byte 1 how many 64 KiB of filler; bytes 2-3 where;
//! bytes 4-11 the chunk sizes; the rest is the body. The multipart boundary is `fuzzboundary`.
//!
//! Checks: no panic; at most `FILES_MAX` files are taken, each non-empty and within the
//! per-part limit; none when the gate refused, limited or stopped; the gate is asked once at
//! most; every taken or refused file was sent; text fields together stay within the form limit.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use fluister::evidence::FILES_MAX;
use fluister::fuzz::{Admit, Broken, FileGate, Submitted, body_limit, read};
use fluister::intake::FileProblem;
use fluister::ratelimit::RetryAfter;
use fluister::web::AppState;
use fluister::web::form::FormBody;
use libfuzzer_sys::fuzz_target;
use tower::{Layer, ServiceExt};

const BOUNDARY: &str = "fuzzboundary";
const FILLER_UNIT: usize = 64 * 1024;

struct World {
    rt: tokio::runtime::Runtime,
    state: AppState,
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let rt = common::runtime();
    let adviser = age::x25519::Identity::generate().to_public();
    let mut config = common::config_with(common::data_dir("multipart"), adviser);
    config.evidence_file_mib = 1;
    let state = rt.block_on(async { common::app_state(config) });
    World { rt, state }
});

/// The gate of the input's choosing; counts how often it is asked.
struct Gate {
    answer: Admit,
    asked: usize,
}

impl FileGate for Gate {
    async fn admit(&mut self, _fields: &FormBody) -> Admit {
        self.asked += 1;
        self.answer
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 12 {
        return;
    }
    let world = &*WORLD;
    let flags = data[0];
    let content_type = match flags & 3 {
        0 => format!("multipart/form-data; boundary={BOUNDARY}"),
        1 => format!("Multipart/Form-Data; charset=utf-8; boundary=\"{BOUNDARY}\""),
        2 => "multipart/form-data".to_owned(),
        _ => "application/x-www-form-urlencoded".to_owned(),
    };
    let answer = match (flags >> 2) & 3 {
        0 => Admit::Files,
        1 => Admit::Refuse(FileProblem::NotAllowed),
        2 => Admit::Limited(RetryAfter(Duration::from_secs(60))),
        _ => Admit::Stop,
    };
    let mut body = data[12..].to_vec();
    if flags & 0x10 != 0 {
        let at = usize::from(u16::from_le_bytes([data[2], data[3]])).min(body.len());
        let filler = vec![b'a'; usize::from(data[1] % 112) * FILLER_UNIT];
        body.splice(at..at, filler);
    }
    let body = Body::new(common::chunks(body, &data[4..12]));
    let req = Request::builder()
        .method("POST")
        .uri("/s/demo/report")
        .header("content-type", content_type)
        .body(body)
        .expect("a request from parts that are all valid");

    let state = world.state.clone();
    let file_bytes = state.images.file_bytes();
    let service = tower::service_fn(move |req: Request| {
        let state = state.clone();
        async move {
            let source = state
                .limiters
                .source(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)));
            let mut gate = Gate { answer, asked: 0 };
            let submitted = read(req, &state, source, &mut gate).await;
            Ok::<(Submitted, usize), std::convert::Infallible>((submitted, gate.asked))
        }
    });
    let service = DefaultBodyLimit::max(body_limit(file_bytes)).layer(service);
    let Ok((submitted, asked)) = world.rt.block_on(service.oneshot(req));

    assert!(asked <= 1, "the gate is asked once at most");
    assert!(submitted.files.len() <= FILES_MAX);
    for file in &submitted.files {
        assert!(!file.bytes.is_empty());
        assert!(
            file.bytes.len() <= file_bytes,
            "a file over the per-part limit was kept"
        );
    }
    if !matches!(answer, Admit::Files) {
        assert!(
            submitted.files.is_empty(),
            "files kept past a gate that said no"
        );
    }
    if matches!(answer, Admit::Limited(_)) && asked == 1 {
        assert!(submitted.limited.is_some());
    }
    assert!(submitted.files.len() + submitted.refused.len() <= submitted.file_names().len());
    if submitted.files.len() + submitted.refused.len() > 0 {
        assert!(submitted.has_files());
    }
    if flags & 3 == 3 {
        assert!(submitted.files.is_empty() && !submitted.has_files());
    }
    if submitted.broken == Some(Broken::NotAForm) {
        panic!("every content type this target sends is a form");
    }
});
