//! The adviser API's request bodies through the real router (`web::app`), signed in as an
//! adviser of the school whose report the calls name: `auth/challenge`, `auth/session`,
//! `reports/{id}/messages`, `reports/{id}/status`, `reports/{id}/hold`, the reseal call
//! `PUT reports/{id}/ciphertext` (with a well-formed `If-Match` and the school's current
//! `Fluister-Sealed-For`, so the body reaches `reseal::check_file`), and the query string of
//! `GET reports`.
//!
//! Input: byte 0 picks the call, the rest is the body (or the query).
//!
//! Checks: no panic; never a 5xx but 503 (busy); every answer is JSON, and every refusal has
//! the `error` and `message` fields docs/api.md promises.
//!
//! Rate limits are raised so that the checks after them are reached; a posted message that
//! passes every check is stored, so the data folder is started afresh every few thousand.
#![no_main]

#[path = "../common/mod.rs"]
mod common;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fluister::code::PickupCode;
use fluister::config::Config;
use fluister::i18n::Lang;
use fluister::intake::{self, Cleaned};
use fluister::report::ReportForm;
use fluister::web::{AppState, app};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

/// Stored messages after which the data folder is made anew.
const FRESH_AFTER: usize = 2000;

struct World {
    rt: tokio::runtime::Runtime,
    state: AppState,
    app: Router,
    token: String,
    report: String,
    fingerprint: String,
    dir: PathBuf,
    stored: usize,
}

static WORLD: Mutex<Option<World>> = Mutex::new(None);

fn world() -> World {
    let rt = common::runtime();
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let dir = common::data_dir("api");
    let mut config: Config = common::config_with(dir.clone(), recipient.clone());
    let high = 1_000_000_000;
    config.limits.signins_per_source_per_minute = high;
    config.limits.signins_per_recipient_per_minute = high;
    config.limits.messages_per_report_per_hour = high;
    let state = rt.block_on(async { common::app_state(config.clone()) });
    // A report to address, stored as a pupil's would be.
    let school = &config.schools[0];
    let form = ReportForm {
        description: "fuzz".into(),
        ..ReportForm::default()
    };
    let valid = form.validate().ok().expect("a minimal report validates");
    let receipt = rt
        .block_on(intake::accept(
            &state.store,
            &state.keys,
            school,
            valid,
            Lang::default(),
            Cleaned::default(),
            PickupCode::generate(),
        ))
        .ok()
        .expect("the report is stored");
    // Signed in the way the workstation does it: answer the challenge with the key.
    let challenge = state
        .auth
        .challenge(&config, &recipient)
        .expect("a challenge");
    let mut nonce = String::new();
    age::Decryptor::new_buffered(&challenge[..])
        .expect("an age file")
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .expect("sealed to this key")
        .read_to_string(&mut nonce)
        .expect("a hex nonce");
    let (token, _) = state
        .auth
        .session(&config, &recipient.to_string(), &nonce)
        .ok()
        .expect("a session");
    World {
        app: app(state.clone()),
        rt,
        state,
        token: token.expose().to_owned(),
        report: receipt.id.as_str().to_owned(),
        fingerprint: school.fingerprint(),
        dir,
        stored: 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let mut guard = WORLD.lock().unwrap_or_else(|p| p.into_inner());
    let w = guard.get_or_insert_with(world);
    let id = &w.report;
    let (method, uri, body) = match pick % 7 {
        0 => ("POST", "/api/v1/auth/challenge".to_owned(), body.to_vec()),
        1 => ("POST", "/api/v1/auth/session".to_owned(), body.to_vec()),
        2 => (
            "POST",
            format!("/api/v1/reports/{id}/messages"),
            body.to_vec(),
        ),
        3 => ("PUT", format!("/api/v1/reports/{id}/status"), body.to_vec()),
        4 => ("PUT", format!("/api/v1/reports/{id}/hold"), body.to_vec()),
        5 => (
            "PUT",
            format!("/api/v1/reports/{id}/ciphertext"),
            body.to_vec(),
        ),
        _ => {
            let Ok(query) = std::str::from_utf8(body) else {
                return;
            };
            ("GET", format!("/api/v1/reports?{query}"), Vec::new())
        }
    };
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {}", w.token));
    req = match pick % 7 {
        5 => req
            .header("content-type", "application/octet-stream")
            .header("if-match", format!("\"{}\"", "0".repeat(64)))
            .header("fluister-sealed-for", w.fingerprint.as_str()),
        _ => req.header("content-type", "application/json"),
    };
    // A query the URI grammar refuses never reaches a server.
    let Ok(req) = req.body(Body::from(body)) else {
        return;
    };
    let res =
        w.rt.block_on(w.app.clone().oneshot(req))
            .expect("the router is infallible");
    let status = res.status();
    assert!(
        !status.is_server_error() || status == StatusCode::SERVICE_UNAVAILABLE,
        "{status} for call {}",
        pick % 7
    );
    let json = res
        .headers()
        .get("content-type")
        .is_some_and(|v| v == "application/json");
    assert!(json, "{status} without a JSON body");
    let bytes =
        w.rt.block_on(axum::body::to_bytes(res.into_body(), usize::MAX))
            .expect("an in-memory body");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("the body is JSON");
    if !status.is_success() {
        assert!(
            value["error"].is_string() && value["message"].is_string(),
            "{value}"
        );
    }
    if status == StatusCode::CREATED {
        w.stored += 1;
        if w.stored >= FRESH_AFTER
            && let Some(old) = guard.take()
        {
            old.state.store.close();
            let _ = std::fs::remove_dir_all(&old.dir);
        }
    }
});
