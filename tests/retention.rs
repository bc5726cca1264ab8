//! Retention from the outside: the real binary with its clock moved by libfaketime (`apt-get
//! install faketime`; .ci/run does), a real SQLite file and real age. A closed case past
//! `delete_closed_after_days` is gone from every file of the data folder, byte for byte, while
//! an open case and a held one stay; it goes without a restart (the daily task) and at start.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use age::x25519;
use common::*;
use serde_json::json;

/// The libfaketime library the `faketime` wrapper preloads, as it reports it itself.
fn faketime_library() -> String {
    let out = Command::new("faketime")
        .args(["-f", "+0d", "sh", "-c", "printf %s \"$LD_PRELOAD\""])
        .output()
        .expect("these tests move the clock with libfaketime: apt-get install faketime");
    let lib = String::from_utf8(out.stdout).unwrap();
    assert!(
        lib.contains("libfaketime"),
        "faketime did not say its library: {lib:?}"
    );
    lib
}

/// A config with one school whose adviser is `adviser`, keeping cases the default times.
fn config(dir: &Path, adviser: &x25519::Identity) -> PathBuf {
    config_for(dir, adviser, "")
}

/// One of the cases a test follows: its code, its id, and a piece of each of its stored age
/// files (report, messages, images) and of its lookup hash, as they sit in the data folder.
struct Case {
    code: String,
    id: String,
    pieces: Vec<Vec<u8>>,
}

/// Sends a report (with an evidence image when `image`), a pupil's follow-up, an adviser's
/// note; answers the code and the id.
fn case(server: &Server, adviser: &x25519::Identity, text: &str, image: bool) -> (String, String) {
    let before = server.report_ids();
    let page = if image {
        post_multipart(
            &server.url("/s/demo/report"),
            &[
                ("category", "fight_filmed"),
                ("description", text),
                ("lang", "nl"),
            ],
            &[("fight.jpg", &images::photo_jpeg(200, 150))],
        )
    } else {
        post_form(
            &server.url("/s/demo/report"),
            &[
                ("category", "bullying"),
                ("description", text),
                ("lang", "nl"),
            ],
        )
    };
    assert_eq!(page.status, 200, "{}", page.body);
    let code = page.pickup_code().unwrap();
    let id = server
        .report_ids()
        .into_iter()
        .find(|id| !before.contains(id))
        .unwrap();
    let follow = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", "nog iets"), ("lang", "nl")],
    );
    assert_eq!(follow.status, 200, "{}", follow.body);
    let token = sign_in(server, adviser);
    let note =
        fluister::crypto::encrypt(&[&adviser.to_public()], b"{\"version\":1,\"text\":\"n\"}")
            .unwrap();
    let posted = post_json(
        &server.url(&format!("/api/v1/reports/{id}/messages")),
        Some(&token),
        &json!({ "author": "note", "ciphertext": b64(&note) }),
    );
    assert_eq!(posted.status, 201, "{}", posted.body);
    (code, id)
}

/// 48 bytes from the middle of every age file and the lookup hash stored for report `id`.
fn pieces(server: &Server, id: &str) -> Vec<Vec<u8>> {
    let db = server.db();
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    for sql in [
        "SELECT ciphertext FROM reports WHERE id = ?1",
        "SELECT code_hash FROM reports WHERE id = ?1",
        "SELECT ciphertext FROM messages WHERE report_id = ?1",
        "SELECT ciphertext FROM attachments WHERE report_id = ?1",
    ] {
        let mut stmt = db.prepare(sql).unwrap();
        let rows = stmt
            .query_map([id], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        blobs.extend(rows);
    }
    blobs
        .into_iter()
        .map(|b| {
            let middle = b.len() / 2;
            let start = middle.saturating_sub(24).min(b.len().saturating_sub(48));
            b[start..(start + 48).min(b.len())].to_vec()
        })
        .collect()
}

/// Which of `pieces` some file of the data folder still holds, and in which file.
fn found(data_dir: &Path, pieces: &[Vec<u8>]) -> Vec<String> {
    let files = all_files(data_dir);
    let mut out = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        for (path, bytes) in &files {
            if contains(bytes, piece) {
                out.push(format!("piece {i} in {}", path.display()));
            }
        }
    }
    out
}

/// How many of `pieces` no file of the data folder holds.
fn missing(data_dir: &Path, pieces: &[Vec<u8>]) -> usize {
    let files = all_files(data_dir);
    pieces
        .iter()
        .filter(|p| !files.iter().any(|(_, bytes)| contains(bytes, p)))
        .count()
}

fn set_status(server: &Server, adviser: &x25519::Identity, id: &str, status: &str) {
    let token = sign_in(server, adviser);
    let page = put_json(
        &server.url(&format!("/api/v1/reports/{id}/status")),
        &token,
        &json!({ "status": status }),
    );
    assert_eq!(page.status, 200, "{}", page.body);
}

/// Three cases: one closed (to go), one closed but held, one open. Checks what the API says
/// about them, and that every piece of each is in the data folder now.
fn three_cases(server: &Server, adviser: &x25519::Identity) -> [Case; 3] {
    let (gone_code, gone_id) = case(server, adviser, "RETENTION-GONE filmpje", true);
    let (held_code, held_id) = case(server, adviser, "RETENTION-HELD bedreiging", false);
    let (open_code, open_id) = case(server, adviser, "RETENTION-OPEN pesten", true);
    set_status(server, adviser, &gone_id, "closed");
    set_status(server, adviser, &held_id, "closed");
    let token = sign_in(server, adviser);
    let held = put_json(
        &server.url(&format!("/api/v1/reports/{held_id}/hold")),
        &token,
        &json!({ "held": true }),
    );
    assert_eq!(held.status, 200, "{}", held.body);
    assert_eq!(held.json()["held"], true);
    assert!(held.json()["deletes_on"].is_null());
    let bad = put_json(
        &server.url(&format!("/api/v1/reports/{held_id}/hold")),
        &token,
        &json!({ "held": "yes" }),
    );
    assert_eq!(bad.json()["error"], "bad_json");
    let list = get_auth(&server.url("/api/v1/reports"), &token).json();
    let entry = |id: &str| {
        list["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    let today = entry(&gone_id)["closed_on"].as_str().unwrap().to_owned();
    let year_on = |date: &str| {
        let y: i32 = date[..4].parse().unwrap();
        format!("{}{}", y + 1, &date[4..])
    };
    // 365 days on, except across a 29 February.
    let gone_on = entry(&gone_id)["deletes_on"].as_str().unwrap().to_owned();
    assert!(gone_on <= year_on(&today) && gone_on > today, "{gone_on}");
    assert_eq!(entry(&held_id)["held"], true);
    assert!(entry(&held_id)["deletes_on"].is_null());
    assert!(entry(&open_id)["closed_on"].is_null());
    assert!(entry(&open_id)["deletes_on"].as_str().unwrap() > gone_on.as_str());

    let cases = [
        Case {
            pieces: pieces(server, &gone_id),
            code: gone_code,
            id: gone_id,
        },
        Case {
            pieces: pieces(server, &held_id),
            code: held_code,
            id: held_id,
        },
        Case {
            pieces: pieces(server, &open_id),
            code: open_code,
            id: open_id,
        },
    ];
    for c in &cases {
        // Report, hash, a follow-up and a note, and for two of them an image.
        assert!(c.pieces.len() >= 4);
        assert_eq!(
            missing(&server.data_dir, &c.pieces),
            0,
            "stored before the sweep"
        );
    }
    cases
}

/// After the sweep: the closed case is in no file, the others are whole, the log names no id,
/// and the pupils' pages say what they should.
fn check_after(server: &Server, [gone, held, open]: &[Case; 3]) {
    let left = found(&server.data_dir, &gone.pieces);
    assert!(
        left.is_empty(),
        "the deleted case is still on disk: {left:?}"
    );
    for c in [held, open] {
        assert_eq!(
            missing(&server.data_dir, &c.pieces),
            0,
            "case {} lost data",
            c.id
        );
    }
    let ids = server.report_ids();
    assert!(!ids.contains(&gone.id));
    assert!(ids.contains(&held.id) && ids.contains(&open.id));
    let logs = server.logs();
    assert!(!logs.contains(&gone.id), "the log names a deleted case");
    let page = post_form(
        &server.url("/check"),
        &[("code", &gone.code), ("lang", "nl")],
    );
    assert_eq!(page.status, 404);
    assert!(page.body.contains("misschien al gewist"), "{}", page.body);
    assert!(page.body.contains("365 dagen"), "{}", page.body);
    for c in [held, open] {
        let page = post_form(&server.url("/check"), &[("code", &c.code), ("lang", "nl")]);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Hoe lang bewaren we je melding?"));
    }
}

/// Waits until the server's log holds `needle`.
fn wait_for_log(server: &Server, needle: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !server.logs().contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in the log: {}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_closed_case_goes_from_every_file_a_year_on_without_a_restart() {
    let lib = faketime_library();
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let config = config(tmp.path(), &adviser);
    // The clock is whatever this file says, read again on every call.
    let clock = tmp.path().join("faketime.rc");
    std::fs::write(&clock, "+0d\n").unwrap();
    let mut command = Command::new(BIN);
    command
        .env("LD_PRELOAD", &lib)
        .env("FAKETIME_TIMESTAMP_FILE", &clock)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env_remove("FAKETIME");
    let server = Server::start_with(
        command,
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    let cases = three_cases(&server, &adviser);
    wait_for_log(&server, "retention sweep deleted=0", Duration::from_secs(5));

    // The adviser's command line shows the dates and the hold.
    let key = tmp.path().join("adviser.key");
    std::fs::write(
        &key,
        fluister::crypto::identity_file_text(&adviser, "2026-12-01").as_bytes(),
    )
    .unwrap();
    let adviser_cli = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("adviser")
            .args(args)
            .stdin(Stdio::null())
            .env("FLUISTER_SERVER", &server.base)
            .env("FLUISTER_IDENTITY", &key)
            .env("FLUISTER_CACHE_DIR", tmp.path().join("cache"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let inbox: serde_json::Value =
        serde_json::from_str(&adviser_cli(&["inbox", "--json"])).unwrap();
    let held = inbox
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cases[1].id.as_str())
        .unwrap();
    assert_eq!(held["held"], true);
    assert!(held["deletes_on"].is_null());
    let table = adviser_cli(&["inbox"]);
    assert!(
        table.contains("DELETED ON") && table.contains("held"),
        "{table}"
    );
    let said = adviser_cli(&["hold", &cases[2].id, "--release"]);
    assert!(
        said.contains("no longer on hold") && said.contains("deletes it"),
        "{said}"
    );
    let said = adviser_cli(&["hold", &cases[1].id]);
    assert!(said.contains("on legal hold"), "{said}");

    // A year and a day later, while the server runs.
    std::fs::write(&clock, "+366d\n").unwrap();
    wait_for_log(
        &server,
        "retention sweep deleted=1 kept_on_hold=1",
        Duration::from_secs(40),
    );
    check_after(&server, &cases);
    // The adviser's computer lets go of its encrypted copy at the next full inbox.
    let cached = |id: &str| {
        all_files(&tmp.path().join("cache"))
            .iter()
            .any(|(path, _)| path.components().any(|c| c.as_os_str() == id))
    };
    assert!(cached(&cases[0].id));
    let table = adviser_cli(&["inbox"]);
    assert!(!table.contains(&cases[0].id), "{table}");
    assert!(
        !cached(&cases[0].id),
        "the deleted case is still in the cache"
    );
    assert!(cached(&cases[1].id) && cached(&cases[2].id));
}

#[test]
fn a_closed_case_past_its_days_goes_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let config = config(tmp.path(), &adviser);
    let data = tmp.path().join("data");
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    let cases = three_cases(&server, &adviser);
    server.stop();

    // The library itself rather than the `faketime` wrapper, which would stand between the
    // test and the server (and outlive a kill).
    let mut command = Command::new(BIN);
    command
        .env("LD_PRELOAD", faketime_library())
        .env("FAKETIME", "+366d")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    let server = Server::start_with(
        command,
        "127.0.0.1:0",
        &["--config", config.to_str().unwrap()],
        &data,
    );
    // The sweep at start runs before the server listens.
    assert!(
        server
            .logs()
            .contains("retention sweep deleted=1 kept_on_hold=1"),
        "{}",
        server.logs()
    );
    check_after(&server, &cases);
}
