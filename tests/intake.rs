//! Report intake over real HTTP against the real binary: privacy, durability, the code, and a
//! calm answer to every bad input.

mod common;

use common::*;
use fluister::code::PickupCode;
use fluister::crypto::ServerSecret;
use fluister::keys::{KeyVersion, Keys};

const SENTINEL: &str = "SENTINEL-7f3a9 they took my phone at the bike shed";
const SENTINEL_UA: &str = "SENTINEL-UA-Mozilla/5.0 (PupilPhone 12)";

fn report(server: &Server, description: &str) -> Page {
    post_raw(
        &server.url("/s/demo/report"),
        "application/x-www-form-urlencoded",
        SENTINEL_UA,
        &encode(&[
            ("category", "bullying"),
            ("description", description),
            ("where", "SENTINEL-WHERE groepsapp"),
            ("when", "gisteren"),
            ("involved", "SENTINEL-INVOLVED klas 2b"),
            ("danger_now", "no"),
            ("lang", "nl"),
        ]),
    )
}

fn stored_ciphertexts(server: &Server) -> Vec<Vec<u8>> {
    let db = server.db();
    let mut stmt = db.prepare("SELECT ciphertext FROM reports").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_report_leaves_no_trace_of_the_pupil_and_opens_for_the_adviser() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let server = Server::start(&["--data-dir", dir.to_str().unwrap()], &dir);
    let page = report(&server, SENTINEL);
    assert_eq!(page.status, 200, "{}", page.body);
    let code = page.pickup_code().expect("the confirmation shows a code");
    assert_eq!(code.len(), 19);
    assert!(page.header("set-cookie").is_none());

    // While running (the report may still be only in the -wal file) and after a clean stop.
    let forbidden: Vec<&[u8]> = vec![
        SENTINEL.as_bytes(),
        b"SENTINEL",
        b"127.0.0.1",
        SENTINEL_UA.as_bytes(),
        b"PupilPhone",
        b"referrer.example",
        code.as_bytes(),
        code.replace('-', "").as_bytes().to_vec().leak(),
    ];
    let check_files = |when: &str| {
        let files = all_files(&dir);
        assert!(files.iter().any(|(p, _)| p.ends_with("fluister.db")));
        for (path, bytes) in &files {
            for f in &forbidden {
                assert!(
                    !contains(bytes, f),
                    "{when}: {} contains {:?}",
                    path.display(),
                    String::from_utf8_lossy(f)
                );
            }
        }
    };
    check_files("running");

    let identity = server.demo_identity();
    let cts = stored_ciphertexts(&server);
    assert_eq!(cts.len(), 1);
    let plain = String::from_utf8(decrypt(&identity, &cts[0]).unwrap()).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&plain).unwrap();
    assert_eq!(doc["description"], SENTINEL);
    assert_eq!(doc["category"], "bullying");
    assert_eq!(doc["school"], "demo");
    assert_eq!(doc["where"], "SENTINEL-WHERE groepsapp");
    assert_eq!(doc["danger_now"], "no");

    // The pupil's own key (derived from the code and the server secret) opens it too.
    let secret: [u8; 32] = std::fs::read(server.data_dir.join("server-secret"))
        .unwrap()
        .try_into()
        .unwrap();
    let reporter = Keys::new(&ServerSecret::from_bytes(secret))
        .reporter_identity(&PickupCode::parse(&code).unwrap(), KeyVersion::V2);
    assert!(decrypt(&reporter, &cts[0]).unwrap().starts_with(b"{"));

    let logs = server.logs();
    let logs_after = server.stop();
    check_files("stopped");
    for l in [logs, logs_after] {
        assert!(
            l.contains("report accepted"),
            "the trace level logs say what happened: {l}"
        );
        for line in l.lines().filter(|line| !line.contains("listening on")) {
            for f in &forbidden {
                assert!(
                    !line.as_bytes().windows(f.len()).any(|w| w == *f),
                    "log line carries {:?}: {line}",
                    String::from_utf8_lossy(f)
                );
            }
        }
    }
}

/// Length of the age header (up to and including the MAC line); what follows is the payload,
/// whose size depends only on the plaintext's.
fn age_header_len(ct: &[u8]) -> usize {
    let mac = ct
        .windows(4)
        .position(|w| w == b"\n---")
        .expect("an age header ends with a MAC line");
    mac + 1 + ct[mac + 1..].iter().position(|&b| b == b'\n').unwrap() + 1
}

#[test]
fn dates_have_no_time_of_day_and_sizes_do_not_tell_length() {
    let server = Server::demo();
    assert_eq!(report(&server, "Ze pesten.").status, 200);
    assert_eq!(
        report(&server, &"Ze pesten me al weken. ".repeat(140)[..3000]).status,
        200
    );
    let db = server.db();
    let rows: Vec<(String, Vec<u8>)> = db
        .prepare("SELECT received_on, ciphertext FROM reports")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    for (date, _) in &rows {
        assert!(fluister::date::is_date(date), "{date}");
        assert_eq!(date.len(), 10, "a date and nothing more: {date}");
    }
    // Every text column in the table: nothing looks like a time of day.
    let texts: Vec<String> = db
        .prepare("SELECT id || school || received_on || status || reporter_recipient FROM reports")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in texts {
        assert!(!t.contains(':'), "{t}");
    }
    let (a, b) = (&rows[0].1, &rows[1].1);
    assert_eq!(
        a.len() - age_header_len(a),
        b.len() - age_header_len(b),
        "10 and 3,000 characters give the same payload size"
    );
    // age's random "grease" stanza makes the header vary a little, independent of content.
    assert!(
        a.len().abs_diff(b.len()) < 300,
        "{} vs {}",
        a.len(),
        b.len()
    );
}

#[test]
fn the_code_on_the_confirmation_page_works_when_typed_back() {
    let server = Server::demo();
    let page = report(&server, "Iemand zet nare dingen over mij online.");
    let code = page.pickup_code().unwrap();
    let confirm = server.url("/check/confirm");

    // Typed forgivingly: lower case, no dashes, O for 0, spaces.
    let typed = code.to_lowercase().replace('-', " ").replace('0', "o");
    let ok = post_form(
        &confirm,
        &[("code", &typed), ("shown", &code), ("lang", "nl")],
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Je code werkt"));

    // One symbol changed: refused, and the code is shown again to copy once more.
    let last = code.chars().last().unwrap();
    let wrong = format!(
        "{}{}",
        &code[..code.len() - 1],
        if last == 'A' { 'B' } else { 'A' }
    );
    let bad = post_form(
        &confirm,
        &[("code", &wrong), ("shown", &code), ("lang", "nl")],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("niet dezelfde code"), "{}", bad.body);
    assert_eq!(bad.pickup_code().as_deref(), Some(code.as_str()));
    assert!(
        bad.body.contains(&format!("value=\"{wrong}\"")),
        "what they typed is kept"
    );

    // Without the page that showed it: checked against the store alone.
    let alone = post_form(&confirm, &[("code", &code), ("lang", "en")]);
    assert_eq!(alone.status, 200);
    assert!(alone.body.contains("Your code works"));
    let unknown = post_form(&confirm, &[("code", &wrong), ("lang", "en")]);
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("cannot find this code"));
    assert!(unknown.pickup_code().is_none());

    let short = post_form(&confirm, &[("code", "ABCD-EFGH"), ("lang", "nl")]);
    assert_eq!(short.status, 422);
    assert!(
        short.body.contains("16 tekens") && short.body.contains("8"),
        "{}",
        short.body
    );
    for p in [&ok, &bad, &alone, &unknown] {
        assert_eq!(p.header("cache-control"), Some("no-store"));
    }
}

#[test]
fn every_bad_input_gets_a_calm_page_and_stores_nothing() {
    let server = Server::demo();
    let url = server.url("/s/demo/report");
    let form = "application/x-www-form-urlencoded";

    // Missing description: what else was typed comes back.
    let p = post_raw(
        &url,
        form,
        "t",
        &encode(&[
            ("category", "threat"),
            ("where", "Bij de kantine"),
            ("description", "  "),
        ]),
    );
    assert_eq!(p.status, 422);
    assert!(
        p.body
            .contains("Vertel in een paar woorden wat er is gebeurd")
    );
    assert!(p.body.contains("value=\"Bij de kantine\""));
    assert!(
        p.body
            .contains("value=\"threat\" id=\"cat-threat\" checked")
    );
    assert!(p.pickup_code().is_none());

    // Unknown category.
    let p = post_raw(
        &url,
        form,
        "t",
        &encode(&[
            ("category", "gossip"),
            ("description", "Mijn verhaal blijft staan"),
        ]),
    );
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Kies een onderwerp uit de lijst"));
    assert!(p.body.contains("Mijn verhaal blijft staan"));

    // Over the limit: the whole text comes back, with how long it is.
    let long = format!("{}EINDE", "a".repeat(20_000));
    let p = post_raw(
        &url,
        form,
        "t",
        &encode(&[
            ("category", "other"),
            ("description", &long),
            ("lang", "en"),
        ]),
    );
    assert_eq!(p.status, 422);
    assert!(
        p.body
            .contains("This text has 20,005 characters. It may have 20,000."),
        "{}",
        &p.body[..2000]
    );
    assert!(p.body.contains(&long));

    // Invalid UTF-8: the readable part comes back.
    let p = post_raw(
        &url,
        form,
        "t",
        b"category=bullying&description=Ze+pesten+%FF%FE+mij&lang=nl",
    );
    assert_eq!(p.status, 400);
    assert!(p.body.contains("kwam kapot aan"));
    assert!(p.body.contains("Ze pesten \u{fffd}\u{fffd} mij"));

    // Wrong content type.
    let p = post_raw(&url, "application/json", "t", br#"{"description":"x"}"#);
    assert_eq!(p.status, 415);
    assert!(p.body.contains("niet kunnen lezen"));
    assert!(p.body.contains("<form"), "the form is there to try again");

    // Body over the limit.
    let huge = encode(&[("description", &"x".repeat(600 * 1024))]);
    let p = post_raw(&format!("{url}?lang=en"), form, "t", &huge);
    assert_eq!(p.status, 413);
    assert!(p.body.contains("Your text is too long"));

    // Unknown school.
    let p = post_raw(
        &server.url("/s/nope/report"),
        form,
        "t",
        &encode(&[("description", "x")]),
    );
    assert_eq!(p.status, 404);
    assert!(p.body.contains("Deze pagina bestaat niet"));
    assert_eq!(get(&server.url("/s/nope")).status, 404);
    assert_eq!(get(&server.url("/nothing/here?lang=en")).status, 404);
    // A link broken in a chat app (a byte that is not UTF-8) is "page not found" too, as a page
    // in the pupil's language, never a bare error line.
    for path in ["/s/%FF", "/s/%C3%28/report", "/static/%FF?lang=en"] {
        let p = if path.ends_with("/report") {
            post_raw(
                &server.url(path),
                form,
                "t",
                &encode(&[("description", "x")]),
            )
        } else {
            get(&server.url(path))
        };
        assert_eq!(p.status, 404, "{path}");
        assert!(
            p.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let expected = if path.contains("lang=en") {
            "This page does not exist"
        } else {
            "Deze pagina bestaat niet"
        };
        assert!(p.body.contains(expected), "{path}: {}", p.body);
    }

    // Wrong method.
    let p = get(&url);
    assert_eq!(p.status, 405);
    assert!(p.body.contains("Dat kan zo niet"));
    let p = post_form(&server.url("/s/demo?lang=en"), &[("description", "x")]);
    assert_eq!(p.status, 405);
    assert!(p.body.contains("doesn't work like this"));

    assert_eq!(server.report_count(), 0, "no refused input left a row");
}

#[test]
fn a_storage_failure_shows_an_apology_keeps_the_text_and_no_code() {
    let server = Server::demo();
    // A real fault in the real database: every insert into reports aborts.
    let db = rusqlite::Connection::open(server.data_dir.join("fluister.db")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_insert BEFORE INSERT ON reports BEGIN SELECT RAISE(ABORT, 'disk trouble'); END;",
    )
    .unwrap();
    let p = report(&server, "Mijn tekst mag niet verloren gaan");
    assert_eq!(p.status, 500);
    assert!(p.pickup_code().is_none(), "never a code without a commit");
    assert!(p.body.contains("Je melding is NIET verstuurd"));
    assert!(p.body.contains("Mijn tekst mag niet verloren gaan"));
    assert_eq!(server.report_count(), 0);
    assert!(!server.logs().contains("Mijn tekst"));

    db.execute_batch("DROP TRIGGER fail_insert;").unwrap();
    let p = report(&server, "Mijn tekst mag niet verloren gaan");
    assert_eq!(p.status, 200);
    assert!(p.pickup_code().is_some());
    assert_eq!(server.report_count(), 1);
}

#[test]
fn pages_send_strict_headers_no_cookies_and_nothing_third_party() {
    let server = Server::demo();
    let confirmation = report(&server, "kop");
    let pages = [
        get(&server.url("/")),
        get(&server.url("/s/demo?lang=en")),
        get(&server.url("/nope")),
        confirmation,
    ];
    for p in &pages {
        let csp = p.header("content-security-policy").unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("script-src"));
        assert_eq!(p.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(p.header("x-content-type-options"), Some("nosniff"));
        // The empty form holds nothing of the pupil and is kept for Back (so the same token is
        // sent again); every other page, the confirmation first, is never stored.
        let is_empty_form = p.body.contains("name=\"t\"") && p.pickup_code().is_none();
        let expected = if is_empty_form {
            "private, no-cache"
        } else {
            "no-store"
        };
        assert_eq!(p.header("cache-control"), Some(expected));
        assert!(p.header("set-cookie").is_none());
        assert!(!p.body.contains("<script"), "no JavaScript on pupil pages");
        assert!(!p.body.contains(" style="), "no inline style under the CSP");
        assert!(!p.body.contains('⟦'), "a translation is missing");
        // Only links may point elsewhere; nothing is loaded from another host.
        for attr in ["src=\"", "<link rel=\"stylesheet\" href=\""] {
            for (i, _) in p.body.match_indices(attr) {
                assert!(p.body[i + attr.len()..].starts_with('/'), "{attr} at {i}");
            }
        }
    }
    let home = &pages[0].body;
    for needle in [
        "tel:112",
        "0800-0432",
        "0800-2000",
        "Demoschool",
        "name=\"description\"",
    ] {
        assert!(home.contains(needle), "{needle}");
    }
    let css_path = home
        .split("stylesheet\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let css = get(&server.url(css_path));
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(get(&server.url("/healthz")).body, "ok");
}

#[test]
fn the_form_carries_the_guidance_design_asks_for_in_both_languages() {
    let server = Server::demo();
    let nl = get(&server.url("/s/demo")).body;
    let en = get(&server.url("/s/demo?lang=en")).body;
    assert!(nl.contains("lang=\"nl\"") && en.contains("lang=\"en\""));
    for slug in [
        "bullying",
        "threat",
        "fight_filmed",
        "images_shared",
        "sextortion",
        "reputation",
        "hacked_account",
        "discrimination",
        "adult_contact",
        "other",
    ] {
        assert!(nl.contains(&format!("value=\"{slug}\"")), "{slug}");
    }
    assert!(nl.contains("Stuur de foto of het filmpje nooit door"));
    assert!(nl.contains("helpwanted.nl") && nl.contains("takeitdown.ncmec.org"));
    // Honest about outside help for a report about staff, in words a child can take in: the
    // legal terms are for the adviser's page, not the pupil's.
    assert!(nl.contains("hulp van buiten de school") && nl.contains("de politie"));
    assert!(nl.contains("vertelt je altijd eerst wat er gaat gebeuren"));
    assert!(!nl.contains("vertrouwensinspecteur") && !nl.contains("aangifteplicht"));
    assert!(en.contains("Never send the photo or video itself"));
    assert!(en.contains("help from outside the school"));
    assert!(
        nl.contains("href=\"/s/demo?lang=en\""),
        "a visible language switch"
    );
    assert!(en.contains("Who reads this?") && nl.contains("Wie leest dit?"));
}

#[test]
fn a_second_start_reuses_the_data_and_the_demo_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let args = ["--data-dir", dir.to_str().unwrap()];
    let server = Server::start(&args, &dir);
    let key_before = std::fs::read(dir.join("demo-adviser.key")).unwrap();
    let code = report(&server, "eerste start").pickup_code().unwrap();
    let logs = server.stop();
    assert!(logs.contains("DEMO INSTALL"), "a loud warning: {logs}");

    let server = Server::start(&args, &dir);
    assert_eq!(
        std::fs::read(dir.join("demo-adviser.key")).unwrap(),
        key_before
    );
    let ok = post_form(&server.url("/check/confirm"), &[("code", &code)]);
    assert_eq!(
        ok.status, 200,
        "the code from before the restart still works"
    );
    let cts = stored_ciphertexts(&server);
    assert!(decrypt(&server.demo_identity(), &cts[0]).is_ok());
}

#[test]
fn the_reference_age_tool_opens_a_stored_report() {
    let found = std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the reference `age` tool"
        );
        eprintln!("SKIPPED: the reference `age` tool is not installed (apt-get install age)");
        return;
    }
    let server = Server::demo();
    assert_eq!(report(&server, SENTINEL).status, 200);
    let ct = &stored_ciphertexts(&server)[0];
    let file = server.data_dir.parent().unwrap().join("report.age");
    std::fs::write(&file, ct).unwrap();
    let out = std::process::Command::new("age")
        .args(["-d", "-i"])
        .arg(server.data_dir.join("demo-adviser.key"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["description"], SENTINEL);
}
