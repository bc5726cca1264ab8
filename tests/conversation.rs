//! The conversation end to end over real HTTP: pupil reports, an adviser client (this test, with
//! the age crate and the demo key) signs in, reads, replies; the pupil reads and writes more.

mod common;

use common::*;
use serde_json::json;

const REPORT: &str = "SENTINEL-REPORT iemand bedreigt me na school";
const REPLY: &str = "SENTINEL-REPLY Dank je. Ik ga je helpen. Kun je zeggen welke dag?";
const FOLLOW_UP: &str = "SENTINEL-FOLLOWUP Het was dinsdag bij de fietsenstalling";
const NOTE: &str = "SENTINEL-NOTE mentor ingelicht";

fn report(server: &Server, school: &str, text: &str) -> String {
    let p = post_form(
        &server.url(&format!("/s/{school}/report")),
        &[
            ("category", "threat"),
            ("description", text),
            ("lang", "nl"),
        ],
    );
    assert_eq!(p.status, 200, "{}", p.body);
    p.pickup_code().unwrap()
}

/// A message document, padded and encrypted as an adviser's client does it.
fn seal_message(text: &str, recipients: &[age::x25519::Recipient]) -> Vec<u8> {
    let doc = serde_json::to_vec(&json!({ "version": 1, "text": text })).unwrap();
    let padded = fluister::crypto::pad_json(doc);
    let rs: Vec<&dyn age::Recipient> = recipients
        .iter()
        .map(|r| r as &dyn age::Recipient)
        .collect();
    fluister::crypto::encrypt(&rs, &padded).unwrap()
}

fn text_of(identity: &age::x25519::Identity, ct: &serde_json::Value) -> String {
    let plain = decrypt(identity, &unb64(ct)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    v.get("text")
        .or_else(|| v.get("description"))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn pupil_and_adviser_hold_a_conversation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let server = Server::start(&["--data-dir", dir.to_str().unwrap()], &dir);
    let code = report(&server, "demo", REPORT);
    let adviser = server.demo_identity();

    // The adviser's client signs in, lists, and decrypts the report on "their own computer".
    let token = sign_in(&server, &adviser);
    let list = get_auth(&server.url("/api/v1/reports?status=new"), &token).json();
    let items = list["reports"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(items[0]["school"], "demo");
    assert_eq!(text_of(&adviser, &items[0]["ciphertext"]), REPORT);
    let full = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    assert_eq!(full["messages"].as_array().unwrap().len(), 0);

    // Reply to the reporter and every adviser of the school, as the API says.
    let mut recipients: Vec<age::x25519::Recipient> = vec![
        full["reporter_recipient"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
    ];
    for r in full["adviser_recipients"].as_array().unwrap() {
        recipients.push(r.as_str().unwrap().parse().unwrap());
    }
    let posted = post_json(
        &server.url(&format!("/api/v1/reports/{id}/messages")),
        Some(&token),
        &json!({ "author": "adviser", "ciphertext": b64(&seal_message(REPLY, &recipients)) }),
    );
    assert_eq!(posted.status, 201, "{}", posted.body);
    assert_eq!(posted.json()["seq"], 1);
    let st = put_json(
        &server.url(&format!("/api/v1/reports/{id}/status")),
        &token,
        &json!({ "status": "open" }),
    );
    assert_eq!(st.status, 200, "{}", st.body);
    // A private note: advisers only.
    let advisers_only: Vec<age::x25519::Recipient> = recipients[1..].to_vec();
    let note = post_json(
        &server.url(&format!("/api/v1/reports/{id}/messages")),
        Some(&token),
        &json!({ "author": "note", "ciphertext": b64(&seal_message(NOTE, &advisers_only)) }),
    );
    assert_eq!(note.status, 201);

    // The pupil comes back with the code and sees the reply and the status, not the note.
    let page = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(REPORT));
    assert!(
        page.body
            .contains("SENTINEL-REPLY Dank je. Ik ga je helpen.")
    );
    assert!(page.body.contains("De school schreef op"));
    // The school's newest answer is the first thing under the title, before the whole thread
    // (the pupil came back for it), and the help box is one line after the form.
    let first = |needle: &str| page.body.find(needle).unwrap_or(usize::MAX);
    assert!(first("Nieuwste antwoord van school") < first("Het hele gesprek"));
    assert!(first("SENTINEL-REPLY") < first(REPORT));
    assert!(page.body.contains("help-line") && !page.body.contains("Wil je met iemand praten?"));
    assert!(page.body.contains("in behandeling"));
    assert!(!page.body.contains("SENTINEL-NOTE"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.header("set-cookie").is_none());

    // The pupil writes more.
    let page = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", FOLLOW_UP), ("lang", "nl")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Je bericht is verstuurd"));
    let first = |needle: &str| page.body.find(needle).unwrap_or(usize::MAX);
    assert!(first("Je bericht is verstuurd") < first("Het hele gesprek"));
    assert!(page.body.contains(FOLLOW_UP));
    assert!(page.body.contains("Jij schreef op"));

    // The adviser reads it.
    let full = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    let msgs = full["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[2]["author"], "pupil");
    assert!(fluister::date::is_date(
        msgs[2]["sent_on"].as_str().unwrap()
    ));
    assert_eq!(text_of(&adviser, &msgs[2]["ciphertext"]), FOLLOW_UP);
    assert_eq!(text_of(&adviser, &msgs[1]["ciphertext"]), NOTE);
    let list = get_auth(&server.url("/api/v1/reports?status=open"), &token).json();
    assert_eq!(list["reports"][0]["messages"], 3);
    assert!(list["reports"][0]["last_pupil_message"].is_string());

    // Every ciphertext in the database opens for the adviser.
    let db = server.db();
    let all: Vec<Vec<u8>> = db
        .prepare("SELECT ciphertext FROM reports UNION ALL SELECT ciphertext FROM messages")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 4);
    for ct in &all {
        assert!(decrypt(&adviser, ct).is_ok());
    }
    drop(db);
    // And with the reference `age` tool, where it is installed (CI installs it).
    if std::process::Command::new("age")
        .arg("--version")
        .output()
        .is_ok()
    {
        let file = tmp.path().join("one.age");
        for ct in &all {
            std::fs::write(&file, ct).unwrap();
            let out = std::process::Command::new("age")
                .args(["-d", "-i"])
                .arg(dir.join("demo-adviser.key"))
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(contains(&out.stdout, b"SENTINEL"));
        }
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the reference `age` tool"
        );
    }

    // Nothing of it in the data folder or the logs: no plaintext, no code, no address.
    let logs = server.stop();
    let forbidden: Vec<Vec<u8>> = vec![
        b"SENTINEL".to_vec(),
        b"127.0.0.1".to_vec(),
        code.clone().into_bytes(),
        code.replace('-', "").into_bytes(),
        token.clone().into_bytes(),
    ];
    for (path, bytes) in all_files(&dir) {
        for f in &forbidden {
            assert!(
                !contains(&bytes, f),
                "{} contains {:?}",
                path.display(),
                String::from_utf8_lossy(f)
            );
        }
    }
    for line in logs.lines().filter(|l| !l.contains("listening on")) {
        for f in &forbidden {
            assert!(!contains(line.as_bytes(), f), "log line: {line}");
        }
    }
}

#[test]
fn the_code_is_forgiving_but_exact() {
    let server = Server::demo();
    let code = report(&server, "demo", "vergevingsgezind");
    let forgiving = code
        .to_lowercase()
        .replace('-', "")
        .replace('0', "O")
        .replace('1', "l");
    for typed in [
        code.clone(),
        forgiving,
        format!("  {}  ", code.replace('-', " ")),
    ] {
        let p = post_form(&server.url("/check"), &[("code", &typed)]);
        assert_eq!(p.status, 200, "{typed}: {}", p.body);
        assert!(p.body.contains("vergevingsgezind"));
    }
    // One symbol changed: the same calm "not found", with what they typed kept.
    let mut chars: Vec<char> = code.chars().collect();
    chars[0] = if chars[0] == 'Z' { 'Y' } else { 'Z' };
    let wrong: String = chars.into_iter().collect();
    let p = post_form(&server.url("/check"), &[("code", &wrong), ("lang", "en")]);
    assert_eq!(p.status, 404);
    assert!(p.body.contains("We could not find this code"));
    assert!(p.body.contains(&format!("value=\"{wrong}\"")));
    assert!(!p.body.contains("vergevingsgezind"));
    // A malformed code says what is wrong with its shape.
    let p = post_form(&server.url("/check"), &[("code", "ABCD-EFGH-JKMN")]);
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Jij typte er 12"));
    let p = post_form(&server.url("/check"), &[("code", "ABCD-EFGH-JKMN-PQRU")]);
    assert_eq!(p.status, 422);
    assert!(p.body.contains("nooit in een code"));
    assert_eq!(get(&server.url("/check?lang=en")).status, 200);
}

#[test]
fn a_refused_follow_up_keeps_the_text_and_stores_nothing() {
    let server = Server::demo();
    let code = report(&server, "demo", "iets");
    let messages = || -> i64 {
        server
            .db()
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .unwrap()
    };
    let long = format!("{}EINDE", "b".repeat(20_000));
    let p = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", &long)],
    );
    assert_eq!(p.status, 422);
    assert!(
        p.body
            .contains("Je bericht heeft 20.005 tekens. Er mogen er 20.000 in.")
    );
    assert!(p.body.contains(&long), "the whole text is kept");
    let p = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", "  ")],
    );
    assert_eq!(p.status, 422);
    assert!(p.body.contains("Schrijf eerst een bericht"));
    let p = post_form(
        &server.url("/check/message"),
        &[
            ("code", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"),
            ("message", "mijn kostbare tekst"),
        ],
    );
    assert_eq!(p.status, 404);
    assert!(
        p.body.contains("mijn kostbare tekst"),
        "kept even for an unknown code"
    );
    assert!(p.body.contains("action=\"/check/message"));
    assert_eq!(messages(), 0);
}

fn two_schools(
    session_hours: &str,
) -> (
    tempfile::TempDir,
    Server,
    age::x25519::Identity,
    age::x25519::Identity,
) {
    let tmp = tempfile::tempdir().unwrap();
    let a = age::x25519::Identity::generate();
    let b = age::x25519::Identity::generate();
    let data = tmp.path().join("data");
    let config = tmp.path().join("f.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\nsession_hours = {session_hours}\n\
             [[school]]\nslug = \"a\"\nname = \"School A\"\nadvisers = [\"{}\"]\n\
             [[school]]\nslug = \"b\"\nname = \"School B\"\nadvisers = [\"{}\"]\n",
            data.display(),
            a.to_public(),
            b.to_public()
        ),
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    (tmp, server, a, b)
}

#[test]
fn sign_in_refuses_what_it_must_and_schools_stay_apart() {
    let (_tmp, server, a, b) = two_schools("8");
    report(&server, "a", "voor school A");
    report(&server, "b", "voor school B");
    let challenge = |r: &str| {
        post_json(
            &server.url("/api/v1/auth/challenge"),
            None,
            &json!({ "recipient": r }),
        )
    };
    let session = |r: &str, n: &str| {
        post_json(
            &server.url("/api/v1/auth/session"),
            None,
            &json!({ "recipient": r, "response": n }),
        )
    };
    let ra = a.to_public().to_string();

    // Unknown recipient.
    let stranger = age::x25519::Identity::generate().to_public().to_string();
    let p = challenge(&stranger);
    assert_eq!(p.status, 403);
    assert_eq!(p.json()["error"], "unknown_recipient");
    assert_eq!(challenge("not-a-recipient").status, 403);

    // Wrong nonce, then the right one, then the right one again.
    let c = challenge(&ra).json();
    let nonce = String::from_utf8(decrypt(&a, &unb64(&c["challenge"])).unwrap()).unwrap();
    let p = session(&ra, &"0".repeat(64));
    assert_eq!(p.status, 401);
    assert_eq!(p.json()["error"], "bad_response");
    let p = session(&ra, &nonce);
    assert_eq!(p.status, 200);
    let token_a = p.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(p.json()["schools"], json!(["a"]));
    let p = session(&ra, &nonce);
    assert_eq!(p.status, 401, "a nonce works once");
    // A nonce answered for another recipient.
    let c = challenge(&ra).json();
    let nonce = String::from_utf8(decrypt(&a, &unb64(&c["challenge"])).unwrap()).unwrap();
    assert_eq!(session(&b.to_public().to_string(), &nonce).status, 401);

    // No token, a wrong token.
    let p = get(&server.url("/api/v1/reports"));
    assert_eq!(p.status, 401);
    assert_eq!(p.json()["error"], "unauthorized");
    assert_eq!(get_auth(&server.url("/api/v1/reports"), "abc").status, 401);

    // School A's token sees only school A; B's report is "not found" whatever you do with it.
    let list = get_auth(&server.url("/api/v1/reports"), &token_a).json();
    let reports = list["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["school"], "a");
    let token_b = sign_in(&server, &b);
    let b_id = get_auth(&server.url("/api/v1/reports"), &token_b).json()["reports"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = get_auth(&server.url(&format!("/api/v1/reports/{b_id}")), &token_a);
    assert_eq!(p.status, 404);
    assert_eq!(p.json()["error"], "not_found");
    assert_eq!(
        get_auth(&server.url("/api/v1/reports/0123456789abcdef"), &token_a).body,
        p.body
    );
    let ct = seal_message("x", &[a.to_public()]);
    let p = post_json(
        &server.url(&format!("/api/v1/reports/{b_id}/messages")),
        Some(&token_a),
        &json!({ "ciphertext": b64(&ct) }),
    );
    assert_eq!(p.status, 404);
    let p = put_json(
        &server.url(&format!("/api/v1/reports/{b_id}/status")),
        &token_a,
        &json!({ "status": "closed" }),
    );
    assert_eq!(p.status, 404);
    let st: String = server
        .db()
        .query_row("SELECT status FROM reports WHERE school = 'b'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(st, "new");

    // Bad input to a real report: not age, unknown status.
    let a_id = reports[0]["id"].as_str().unwrap();
    let p = post_json(
        &server.url(&format!("/api/v1/reports/{a_id}/messages")),
        Some(&token_a),
        &json!({ "ciphertext": b64(b"hello, not encrypted") }),
    );
    assert_eq!(p.status, 400);
    assert_eq!(p.json()["error"], "not_age");
    let p = put_json(
        &server.url(&format!("/api/v1/reports/{a_id}/status")),
        &token_a,
        &json!({ "status": "done" }),
    );
    assert_eq!(p.status, 400);
    assert_eq!(p.json()["error"], "bad_status");
    let p = get(&server.url("/api/v1/auth/challenge"));
    assert_eq!(p.status, 405);
    assert_eq!(p.json()["error"], "method_not_allowed");
    assert_eq!(
        get(&server.url("/api/v1/nothing")).json()["error"],
        "not_found"
    );
}

#[test]
fn an_expired_token_is_refused() {
    // 0.0005 hours is 1.8 seconds.
    let (_tmp, server, a, _) = two_schools("0.0005");
    let token = sign_in(&server, &a);
    assert_eq!(get_auth(&server.url("/api/v1/reports"), &token).status, 200);
    std::thread::sleep(std::time::Duration::from_millis(2_000));
    let p = get_auth(&server.url("/api/v1/reports"), &token);
    assert_eq!(p.status, 401);
    assert_eq!(p.json()["error"], "unauthorized");
}
