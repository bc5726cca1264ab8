//! The adviser workstation from the command line: the real `fluister adviser …` binary against a
//! real server, as an adviser would use it, with the pupil on the other side over HTTP.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::images;
use common::*;

const REPORT: &str = "SENTINEL-REPORT ze pesten me elke pauze bij de kluisjes";
const WHERE: &str = "SENTINEL-WHERE kluisjes tweede verdieping";
const FOLLOW_UP: &str = "SENTINEL-FOLLOWUP vandaag weer";
const REPLY: &str = "SENTINEL-REPLY Dank je. Kom je morgen langs bij kamer 12?";
const NOTE: &str = "SENTINEL-NOTE mentor ingelicht, niet aan leerling vertellen";
const FROM_FILE: &str = "SENTINEL-FILE Ik heb met je mentor gesproken.";
const FROM_EDITOR: &str = "SENTINEL-EDITOR Geschreven in de editor.";
const PASSPHRASE: &str = "correct horse battery";

/// One adviser's command line: their key, their server, their cache folder.
#[derive(Clone)]
struct Adviser {
    identity: PathBuf,
    server: String,
    cache: PathBuf,
    passphrase: Option<String>,
}

impl Adviser {
    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// `fluister adviser <args>` without a terminal, as a script would run it.
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(BIN);
        cmd.arg("adviser")
            .args(args)
            .stdin(Stdio::null())
            .env("FLUISTER_SERVER", &self.server)
            .env("FLUISTER_IDENTITY", &self.identity)
            .env("FLUISTER_CACHE_DIR", &self.cache)
            .env_remove("FLUISTER_PASSPHRASE")
            .env_remove("EDITOR")
            .env_remove("VISUAL");
        if let Some(p) = &self.passphrase {
            cmd.env("FLUISTER_PASSPHRASE", p);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// Runs a command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "adviser {args:?} failed: {}",
            stderr(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail with one line on stderr; returns that line.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "adviser {args:?} succeeded");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        err
    }

    fn inbox_json(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = vec!["inbox", "--json"];
        all.extend_from_slice(args);
        serde_json::from_str::<serde_json::Value>(&self.ok(&all))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `fluister adviser init` with a passphrase from the environment; returns the recipient.
fn init_key(path: &Path) -> String {
    let out = Command::new(BIN)
        .args(["adviser", "init", "--identity", path.to_str().unwrap()])
        .env("FLUISTER_PASSPHRASE", PASSPHRASE)
        // init saves the key's path in the user's settings: here, next to the key.
        .env("FLUISTER_SETTINGS", path.with_extension("settings.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// An unprotected identity file, as the demo install writes one.
fn plain_key(path: &Path, identity: &age::x25519::Identity) {
    std::fs::write(
        path,
        fluister::crypto::identity_file_text(identity, "2026-11-21").as_bytes(),
    )
    .unwrap();
}

/// A server for one school whose advisers are `advisers`. Sign-in limits are raised: every
/// command of this test signs in anew, more often than an adviser at a keyboard would; so are
/// report limits, for tests that need more reports than one address may send in an hour.
fn school_server(tmp: &Path, advisers: &[&str]) -> Server {
    school_server_at(tmp, "127.0.0.1:0", advisers)
}

/// `school_server` listening on `listen`, so a restarted server keeps its address (and the
/// adviser's cache, which is kept per address, stays the same).
fn school_server_at(tmp: &Path, listen: &str, advisers: &[&str]) -> Server {
    let data = tmp.join("data");
    let config = tmp.join("fluister.toml");
    let list: Vec<String> = advisers.iter().map(|a| format!("\"{a}\"")).collect();
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\
             [limits]\nsignins_per_source_per_minute = 1000\nsignins_per_recipient_per_minute = 1000\n\
             reports_per_source_per_hour = 1000\nreports_per_school_per_minute = 1000\n\
             [[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\nadvisers = [{}]\n",
            data.display(),
            list.join(", ")
        ),
    )
    .unwrap();
    Server::start_at(listen, &["--config", config.to_str().unwrap()], &data)
}

/// A pupil's report over HTTP; returns the pickup code.
fn pupil_reports(server: &Server, school: &str) -> String {
    let page = post_form(
        &server.url(&format!("/s/{school}/report")),
        &[
            ("category", "bullying"),
            ("description", REPORT),
            ("where", WHERE),
            ("danger_now", "unsure"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    page.pickup_code().unwrap()
}

/// The ciphertext of message `seq` of the only report, from the server's database.
fn stored_message(server: &Server, seq: i64) -> Vec<u8> {
    server
        .db()
        .query_row(
            "SELECT ciphertext FROM messages WHERE seq = ?1",
            [seq],
            |r| r.get(0),
        )
        .unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn an_adviser_handles_a_case_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("keys/adviser.key");
    let recipient = init_key(&key);
    let colleague = age::x25519::Identity::generate();
    let server = school_server(
        tmp.path(),
        &[&recipient, &colleague.to_public().to_string()],
    );
    let adviser = Adviser {
        identity: key,
        server: server.base.clone(),
        cache: tmp.path().join("cache"),
        passphrase: Some(PASSPHRASE.into()),
    };
    let code = pupil_reports(&server, "de-linde");

    // The inbox lists it, as a table and as JSON.
    let table = adviser.ok(&["inbox"]);
    let header = table.lines().next().unwrap();
    for column in [
        "ID", "RECEIVED", "SCHOOL", "CATEGORY", "STATUS", "ACTIVITY", "UNREAD",
    ] {
        assert!(header.contains(column), "{table}");
    }
    let row = table.lines().nth(1).unwrap();
    for cell in ["de-linde", "Bullying", "Not sure", "new"] {
        assert!(row.contains(cell), "{cell} missing: {table}");
    }
    let list = adviser.inbox_json(&[]);
    assert_eq!(list.len(), 1);
    let case = &list[0];
    let id = case["id"].as_str().unwrap().to_owned();
    assert!(fluister::store::ReportId::parse(&id).is_some(), "{id}");
    assert!(row.starts_with(&id));
    assert_eq!(case["school"], "de-linde");
    assert!(fluister::date::is_date(
        case["received_on"].as_str().unwrap()
    ));
    assert_eq!(case["last_activity"], case["received_on"]);
    assert_eq!(case["category"], "bullying");
    assert_eq!(case["status"], "new");
    assert_eq!(case["danger_now"], "unsure");
    assert_eq!(case["unread"], 0);

    // The pupil writes more: one unread, until the adviser has been shown it.
    let page = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", FOLLOW_UP), ("lang", "nl")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(adviser.inbox_json(&[])[0]["unread"], 1);
    let shown = adviser.ok(&["show", &id]);
    for text in [REPORT, WHERE, FOLLOW_UP, "Bullying (bullying)", "Pupil"] {
        assert!(shown.contains(text), "{text} missing: {shown}");
    }
    assert_eq!(
        adviser.inbox_json(&[])[0]["unread"],
        0,
        "show marks it read"
    );

    // A reply, encrypted on this computer: the pupil reads it with their code.
    let sent = adviser.ok(&["reply", &id, "--message", REPLY]);
    assert!(
        sent.contains("Reply sent") && sent.contains("the pupil and 2 advisers"),
        "{sent}"
    );
    let page = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(page.body.contains(REPLY), "{}", page.body);

    // A private note: in `show`, never on the pupil's page, and not even decryptable by them.
    let noted = adviser.ok(&["note", &id, NOTE]);
    assert!(noted.contains("Private note") && noted.contains("the pupil cannot read it"));
    let shown = adviser.ok(&["show", &id]);
    assert!(
        shown.contains(NOTE) && shown.contains("PRIVATE NOTE"),
        "{shown}"
    );
    assert!(shown.contains(REPLY));
    let page = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(page.body.contains(REPLY));
    assert!(!page.body.contains("SENTINEL-NOTE"), "{}", page.body);
    let secret = fluister::crypto::ServerSecret::load_or_create(&server.data_dir).unwrap();
    let pupil = fluister::keys::Keys::new(&secret).reporter_identity(
        &fluister::code::PickupCode::parse(&code).unwrap(),
        fluister::keys::KeyVersion::V2,
    );
    assert!(
        decrypt(&pupil, &stored_message(&server, 2)).is_ok(),
        "reply"
    );
    assert!(
        decrypt(&pupil, &stored_message(&server, 3)).is_err(),
        "note"
    );
    for seq in [2, 3] {
        let plain = decrypt(&colleague, &stored_message(&server, seq)).unwrap();
        assert!(contains(&plain, b"SENTINEL-"), "the colleague reads it");
    }

    // `show --json`: one object with the report and the whole conversation.
    let json: serde_json::Value =
        serde_json::from_str(&adviser.ok(&["show", &id, "--json"])).unwrap();
    assert_eq!(json["id"], id.as_str());
    assert_eq!(json["report"]["description"], REPORT);
    assert_eq!(json["report"]["where"], WHERE);
    let authors: Vec<&str> = json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["pupil", "adviser", "note"]);
    assert_eq!(json["messages"][1]["text"], REPLY);

    // Replies from a file and from the editor; the editor's plaintext file is gone afterwards.
    let file = tmp.path().join("reply.txt");
    std::fs::write(&file, FROM_FILE).unwrap();
    adviser.ok(&["reply", &id, "--file", file.to_str().unwrap()]);
    let record = tmp.path().join("editor-was-given");
    let editor = tmp.path().join("fake-editor");
    std::fs::write(
        &editor,
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{}'\nprintf '%s' '{FROM_EDITOR}' > \"$1\"\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = adviser.run_with(&["reply", &id], &[("EDITOR", editor.to_str().unwrap())]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("plaintext"), "{}", stderr(&out));
    let scratch = std::fs::read_to_string(&record).unwrap();
    assert!(scratch.contains("fluister-reply-"), "{scratch}");
    assert!(!Path::new(&scratch).exists(), "{scratch} was deleted");
    let err = adviser.fails(&["reply", &id]);
    assert!(err.contains("--message") && err.contains("--file"), "{err}");
    let page = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(page.body.contains(FROM_FILE) && page.body.contains(FROM_EDITOR));

    // Status.
    let done = adviser.ok(&["status", &id, "closed"]);
    assert!(
        done.contains(&format!("Report {id} is now closed.")),
        "{done}"
    );
    let closed = adviser.ok(&["inbox", "--status", "closed"]);
    assert!(closed.lines().nth(1).unwrap().starts_with(&id), "{closed}");
    assert!(closed.contains("closed"));
    assert_eq!(
        adviser.ok(&["inbox", "--status", "new"]).trim(),
        "No new reports."
    );
    assert!(adviser.inbox_json(&["--status", "open"]).is_empty());

    // Export: a self-contained HTML file, plaintext on purpose, with a warning; never overwritten.
    let html_path = tmp.path().join("incident/case.html");
    std::fs::create_dir_all(html_path.parent().unwrap()).unwrap();
    let out = adviser.run(&["export", &id, "--out", html_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warning = stderr(&out);
    assert!(
        warning.contains("WARNING")
            && warning.contains("PLAINTEXT")
            && warning.contains(html_path.to_str().unwrap()),
        "{warning}"
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    for text in [
        REPORT,
        WHERE,
        FOLLOW_UP,
        REPLY,
        NOTE,
        "Privénotitie",
        "gesloten",
    ] {
        assert!(html.contains(text), "{text} missing from the export");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("<script")
            && !html.contains("<link")
            && !html.contains("http-equiv=\"refresh\"")
    );
    assert_eq!(mode(&html_path), 0o600);
    let err = adviser.fails(&["export", &id, "--out", html_path.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&html_path).unwrap(), html);

    // The local cache holds ciphertext only, privately: every report and message as an age
    // file, a read state, and not one word of the conversation.
    let files = all_files(&adviser.cache);
    let ages: Vec<&(PathBuf, Vec<u8>)> = files
        .iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "age"))
        .collect();
    let paths: Vec<&PathBuf> = files.iter().map(|(p, _)| p).collect();
    assert_eq!(
        ages.len(),
        1 + 5,
        "the report and its five messages: {paths:?}"
    );
    for (path, bytes) in &files {
        assert!(
            !contains(bytes, b"SENTINEL"),
            "{} holds plaintext",
            path.display()
        );
        assert_eq!(mode(path), 0o600, "{}", path.display());
        if path.extension().is_some_and(|e| e == "age") {
            assert!(
                bytes.starts_with(b"age-encryption.org/v1\n"),
                "{}",
                path.display()
            );
        } else {
            // The read state, and the school's pinned advisers (public recipients).
            assert!(
                path.ends_with("state.json") || path.ends_with("advisers.json"),
                "{}",
                path.display()
            );
        }
        let mut dir = path.parent().unwrap();
        while dir != adviser.cache {
            assert_eq!(mode(dir), 0o700, "{}", dir.display());
            dir = dir.parent().unwrap();
        }
    }
}

#[test]
fn the_demo_key_needs_no_passphrase() {
    let server = Server::demo();
    let tmp = tempfile::tempdir().unwrap();
    pupil_reports(&server, "demo");
    let adviser = Adviser {
        identity: server.data_dir.join("demo-adviser.key"),
        server: server.base.clone(),
        cache: tmp.path().join("cache"),
        passphrase: None,
    };
    let list = adviser.inbox_json(&[]);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["school"], "demo");
    let shown = adviser.ok(&["show", list[0]["id"].as_str().unwrap()]);
    assert!(shown.contains(REPORT), "{shown}");
}

#[test]
fn errors_say_what_went_wrong_and_what_to_try() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::demo();
    let demo = Adviser {
        identity: server.data_dir.join("demo-adviser.key"),
        server: server.base.clone(),
        cache: tmp.path().join("cache"),
        passphrase: None,
    };

    // A passphrase-protected key: wrong passphrase, none at all.
    let key = tmp.path().join("adviser.key");
    init_key(&key);
    let mut locked = Adviser {
        identity: key.clone(),
        passphrase: Some("wrong horse battery".into()),
        ..demo.clone()
    };
    let err = locked.fails(&["inbox"]);
    assert!(
        err.contains(&format!(
            "wrong passphrase for {}; try again",
            key.display()
        )),
        "{err}"
    );
    locked.passphrase = None;
    let err = locked.fails(&["inbox"]);
    assert!(err.contains("FLUISTER_PASSPHRASE"), "{err}");

    // No key file.
    let missing = Adviser {
        identity: tmp.path().join("nope.key"),
        ..demo.clone()
    };
    let err = missing.fails(&["inbox"]);
    assert!(
        err.contains("cannot read the identity file") && err.contains("--identity"),
        "{err}"
    );

    // Nothing listens there.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let nowhere = format!("http://127.0.0.1:{closed_port}");
    let unreachable = Adviser {
        server: nowhere.clone(),
        ..demo.clone()
    };
    let err = unreachable.fails(&["inbox"]);
    assert!(
        err.contains(&format!("cannot reach {nowhere}"))
            && err.contains("check --server / FLUISTER_SERVER and that the server runs"),
        "{err}"
    );

    // A key no school lists.
    let stranger = age::x25519::Identity::generate();
    let stranger_key = tmp.path().join("stranger.key");
    plain_key(&stranger_key, &stranger);
    let unknown = Adviser {
        identity: stranger_key,
        ..demo.clone()
    };
    let err = unknown.fails(&["inbox"]);
    assert!(
        err.contains(&format!(
            "this key is not an adviser key of any school on {}; ask IT to add your recipient {} \
             to the config",
            server.base,
            stranger.to_public()
        )),
        "{err}"
    );

    // Reports that are not there, or ids that cannot be one.
    let err = demo.fails(&["show", "0123456789abcdef"]);
    assert!(
        err.contains("report 0123456789abcdef not found (or not one of your schools')"),
        "{err}"
    );
    let err = demo.fails(&["status", "0123456789abcdef", "open"]);
    assert!(err.contains("not found"), "{err}");
    let err = demo.fails(&["show", "../../etc/passwd"]);
    assert!(err.contains("is not a report id"), "{err}");
    let err = demo.fails(&["inbox", "--server", "fluister.example.nl"]);
    assert!(err.contains("https://"), "{err}");
}

#[test]
fn an_expired_sign_in_is_renewed_and_older_reports_are_named_not_guessed() {
    let tmp = tempfile::tempdir().unwrap();
    let early = age::x25519::Identity::generate();
    let late = age::x25519::Identity::generate();
    let data = tmp.path().join("data");
    let config = tmp.path().join("fluister.toml");
    let write_config = |advisers: &[&age::x25519::Identity]| {
        let list: Vec<String> = advisers
            .iter()
            .map(|a| format!("\"{}\"", a.to_public()))
            .collect();
        std::fs::write(
            &config,
            format!(
                "data_dir = \"{}\"\nsession_hours = 0.0005\n\
                 [[school]]\nslug = \"a\"\nname = \"A\"\nadvisers = [{}]\n",
                data.display(),
                list.join(", ")
            ),
        )
        .unwrap();
    };
    // A report from before the second adviser joined the school.
    write_config(&[&early]);
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    pupil_reports(&server, "a");
    server.stop();
    write_config(&[&early, &late]);
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);

    let ws = fluister::adviser::Workstation::open_with_cache(
        &server.base,
        fluister::adviser::AdviserKey::from_identity(late),
        &tmp.path().join("cache"),
    )
    .unwrap();
    // 0.0005 hours is 1.8 seconds: the token dies, the engine signs in again by itself.
    std::thread::sleep(std::time::Duration::from_millis(2_000));
    let inbox = ws.inbox(Default::default()).unwrap().cases;
    assert_eq!(inbox.len(), 1);
    assert!(!inbox[0].readable, "encrypted before this adviser joined");
    assert_eq!(inbox[0].category, None);
    let signed_in = server.logs().matches("adviser signed in").count();
    assert_eq!(signed_in, 2, "{}", server.logs());
    let case = ws.case(&inbox[0].id.to_string()).unwrap();
    assert!(case.report.is_none());
    // A note still reaches every current adviser, the early one included.
    let sent = ws.note(&inbox[0].id.to_string(), "gezien").unwrap();
    assert_eq!((sent.to_pupil, sent.advisers), (false, 2));
    assert!(decrypt(&early, &stored_message(&server, 1)).is_ok());
}

/// A report with a phone photo and a screenshot, and a follow-up with one more screenshot, all
/// posted as a pupil's browser does. Returns the pickup code.
fn pupil_reports_with_images(server: &Server, school: &str) -> String {
    let page = post_multipart(
        &server.url(&format!("/s/{school}/report")),
        &[
            ("lang", "nl"),
            ("category", "bullying"),
            ("description", REPORT),
            ("where", WHERE),
        ],
        &[
            ("IMG_0001.jpg", &images::jpeg_with_exif(64, 48)),
            ("Screenshot.png", &images::png_with_text(120, 80)),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let code = page.pickup_code().unwrap();
    let page = post_multipart(
        &server.url("/check/message"),
        &[("code", &code), ("message", FOLLOW_UP), ("lang", "nl")],
        &[("later.png", &images::png_with_text(90, 160))],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    code
}

#[test]
fn evidence_images_are_listed_saved_privately_and_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = age::x25519::Identity::generate();
    let key = tmp.path().join("adviser.key");
    plain_key(&key, &identity);
    let server = school_server(tmp.path(), &[&identity.to_public().to_string()]);
    let adviser = Adviser {
        identity: key,
        server: server.base.clone(),
        cache: tmp.path().join("cache"),
        passphrase: None,
    };
    pupil_reports_with_images(&server, "de-linde");

    // The inbox counts the images, in the table and (a field added, none renamed) in JSON.
    let list = adviser.inbox_json(&[]);
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(list[0]["attachments"], 3);
    assert_eq!(list[0]["category"], "bullying");
    let table = adviser.ok(&["inbox"]);
    let header = table.lines().next().unwrap();
    let row = table.lines().nth(1).unwrap();
    let at = header.find("IMAGES").expect(&table);
    assert_eq!(&row[at..at + 1], "3", "{table}");

    // `show` lists them: number, what, where they came with, and how to save them.
    let shown = adviser.ok(&["show", &id]);
    for text in [
        format!(
            "Attachments (3; save them with `fluister adviser attachments {id} --out FOLDER`):"
        ),
        "1. photo (JPEG 48×64, ".into(),
        "2. image (PNG 120×80, ".into(),
        "3. image (PNG 90×160, ".into(),
        "1 image (attachment 3)".into(),
    ] {
        assert!(shown.contains(&text), "{text} missing: {shown}");
    }
    let line = |n: &str| {
        shown
            .lines()
            .find(|l| l.trim_start().starts_with(n))
            .unwrap()
    };
    assert!(line("1. ").ends_with("with the report"), "{shown}");
    assert!(line("2. ").ends_with("with the report"), "{shown}");
    assert!(line("3. ").ends_with("with message 1"), "{shown}");
    let json: serde_json::Value =
        serde_json::from_str(&adviser.ok(&["show", &id, "--json"])).unwrap();
    let listed = json["attachments"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0]["n"], 1);
    assert_eq!(listed[0]["message"], serde_json::Value::Null);
    assert_eq!(listed[0]["type"], "image/jpeg");
    assert_eq!(
        (listed[0]["width"].as_u64(), listed[0]["height"].as_u64()),
        (Some(48), Some(64))
    );
    assert_eq!(listed[2]["message"], 1);
    assert_eq!(listed[2]["type"], "image/png");
    assert!(listed[2]["size"].as_u64().unwrap() >= 64 * 1024, "padded");
    assert_eq!(json["report"]["attachments"].as_array().unwrap().len(), 2);

    // Saved into a new private folder, exactly the images the API holds, with a warning.
    let out = tmp.path().join("evidence/case");
    let run = adviser.run(&["attachments", &id, "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", stderr(&run));
    let warning = stderr(&run);
    let said = String::from_utf8(run.stdout).unwrap();
    for text in [
        "PLAINTEXT",
        "encrypted disk",
        "do not forward",
        "delete them when the case is done",
        "nude image of a minor",
        "Helpwanted",
        "police",
    ] {
        assert!(warning.contains(text), "{text} missing: {warning}");
    }
    assert!(said.contains("Saved 3 of 3 images"), "{said}");
    assert_eq!(mode(&out), 0o700);
    let expected = [(1, "jpg", 48, 64), (2, "png", 120, 80), (3, "png", 90, 160)];
    for (n, ext, width, height) in expected {
        let path = out.join(format!("{id}-{n}.{ext}"));
        assert!(said.contains(path.to_str().unwrap()), "{said}");
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        let bytes = std::fs::read(&path).unwrap();
        images::assert_clean(&bytes);
        for s in images::SENTINELS {
            assert!(!contains(&bytes, s), "{}", path.display());
        }
        assert!(!contains(&bytes, b"SENTINEL"));
        let picture = image::load_from_memory(&bytes).unwrap();
        assert_eq!((picture.width(), picture.height()), (width, height));
        let (by_hand, media_type) = open_attachment_by_hand(&server, &identity, &id, n);
        assert_eq!(
            bytes, by_hand,
            "attachment {n}: cut to its length, nothing else"
        );
        assert_eq!(
            media_type,
            if ext == "jpg" {
                "image/jpeg"
            } else {
                "image/png"
            }
        );
    }
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 3);

    // A second run overwrites nothing and names the file in the way.
    let before = std::fs::read(out.join(format!("{id}-2.png"))).unwrap();
    let err = adviser.fails(&["attachments", &id, "--out", out.to_str().unwrap()]);
    assert!(
        err.contains(&format!("{}/{id}-1.jpg already exists", out.display())),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out.join(format!("{id}-2.png"))).unwrap(),
        before
    );

    // Unknown, malformed or missing: clear errors, and no folder made.
    let nowhere = tmp.path().join("nowhere");
    let err = adviser.fails(&[
        "attachments",
        "0123456789abcdef",
        "--out",
        nowhere.to_str().unwrap(),
    ]);
    assert!(
        err.contains("report 0123456789abcdef not found (or not one of your schools')"),
        "{err}"
    );
    let err = adviser.fails(&["attachments", "../etc", "--out", nowhere.to_str().unwrap()]);
    assert!(err.contains("is not a report id"), "{err}");
    assert!(!nowhere.exists());
    let file = tmp.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let err = adviser.fails(&["attachments", &id, "--out", file.to_str().unwrap()]);
    assert!(err.contains("is not a folder"), "{err}");
    let out = adviser.run(&["attachments", &id]);
    assert!(!out.status.success() && stderr(&out).contains("--out"));

    // A report without images says so and writes nothing.
    pupil_reports(&server, "de-linde");
    let plain_id = adviser
        .inbox_json(&[])
        .iter()
        .find(|c| c["attachments"] == 0)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let said = adviser.ok(&["attachments", &plain_id, "--out", nowhere.to_str().unwrap()]);
    assert_eq!(
        said.trim(),
        format!("Report {plain_id} has no evidence images.")
    );
    assert!(!nowhere.exists());
    assert!(
        adviser
            .ok(&["show", &plain_id])
            .contains("Attachments:  none")
    );

    // The engine refuses a number the case does not have, before asking the server.
    let ws = fluister::adviser::Workstation::open_with_cache(
        &server.base,
        fluister::adviser::AdviserKey::from_identity(identity.clone()),
        &adviser.cache,
    )
    .unwrap();
    let case = ws.case(&id).unwrap();
    let err = ws.open_attachment(&case, 9).err().unwrap().to_string();
    assert!(
        err.contains(&format!("report {id} has no attachment 9")),
        "{err}"
    );

    // The cache saw every report and message, and holds no image: ciphertext only.
    let opened: Vec<Vec<u8>> = expected
        .iter()
        .map(|(n, ..)| open_attachment_by_hand(&server, &identity, &id, *n).0)
        .collect();
    for (path, bytes) in all_files(&adviser.cache) {
        assert!(
            !bytes.starts_with(b"\x89PNG") && !bytes.starts_with(&[0xFF, 0xD8]),
            "{}",
            path.display()
        );
        for image in &opened {
            let middle = &image[image.len() / 2..image.len() / 2 + 32];
            assert!(!contains(&bytes, middle), "{}", path.display());
        }
        assert!(!contains(&bytes, b"SENTINEL"), "{}", path.display());
    }
}

/// An adviser with an unprotected key on a fresh one-school server.
fn adviser_on_school_server(tmp: &Path) -> (Server, Adviser, age::x25519::Identity) {
    let identity = age::x25519::Identity::generate();
    let key = tmp.join("adviser.key");
    plain_key(&key, &identity);
    let server = school_server(tmp, &[&identity.to_public().to_string()]);
    let adviser = Adviser {
        identity: key,
        server: server.base.clone(),
        cache: tmp.join("cache"),
        passphrase: None,
    };
    (server, adviser, identity)
}

/// The id of the report a pupil just sent: the one `before` did not have.
fn new_report_id(server: &Server, before: &[String]) -> String {
    let mut fresh: Vec<String> = server
        .report_ids()
        .into_iter()
        .filter(|id| !before.contains(id))
        .collect();
    assert_eq!(fresh.len(), 1, "{fresh:?}");
    fresh.remove(0)
}

#[test]
fn an_inbox_longer_than_one_page_lists_every_case() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, adviser, _) = adviser_on_school_server(tmp.path());
    // The workstation asks for pages of 100: this takes a second page, and the server's
    // default page (50) would take three.
    for _ in 0..105 {
        pupil_reports(&server, "de-linde");
    }
    let listed: Vec<String> = adviser
        .inbox_json(&[])
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 105, "each case once");
    assert_eq!(sorted, server.report_ids(), "every case of the school");
    let table = adviser.ok(&["inbox"]);
    assert_eq!(table.lines().count(), 1 + 105, "{table}");
    assert_eq!(table.matches("Bullying").count(), 105);
}

#[test]
fn a_damaged_case_is_named_and_the_others_stay_visible() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, adviser, _) = adviser_on_school_server(tmp.path());
    let code = pupil_reports(&server, "de-linde");
    let good = new_report_id(&server, &[]);
    let page = post_form(
        &server.url("/check/message"),
        &[("code", &code), ("message", FOLLOW_UP), ("lang", "nl")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    pupil_reports(&server, "de-linde");
    let garbled = new_report_id(&server, std::slice::from_ref(&good));
    pupil_reports(&server, "de-linde");
    let not_age = new_report_id(&server, &[good.clone(), garbled.clone()]);
    // Damage in the real database file: a report that still starts like an age file, one
    // that is no age file at all, and the good case's follow-up.
    server.damage("reports", &garbled, None, &age_looking_garbage());
    server.damage("reports", &not_age, None, b"DAMAGED PAGE, not an age file");
    server.damage("messages", &good, Some(1), b"DAMAGED PAGE, not an age file");

    // The inbox lists all three and succeeds; the two that do not open are named, by id,
    // with what to try, and are not mistaken for reports meant for another key.
    let out = adviser.run(&["inbox"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(table.lines().count(), 4, "{table}");
    let row = |id: &str| table.lines().find(|l| l.starts_with(id)).unwrap();
    assert!(row(&good).contains("Bullying"), "{table}");
    for id in [&garbled, &not_age] {
        assert!(row(id).contains("(damaged)"), "{table}");
        assert!(!row(id).contains("not for your key"), "{table}");
    }
    let said = stderr(&out);
    for id in [&garbled, &not_age] {
        assert!(
            said.contains(&format!(
                "Report {id} could not be opened: its stored ciphertext is damaged"
            )),
            "{said}"
        );
    }
    assert!(said.contains("school's IT"), "{said}");
    assert!(!said.contains(&good), "the good case is fine: {said}");

    let list = adviser.inbox_json(&[]);
    assert_eq!(list.len(), 3);
    let entry = |id: &str| list.iter().find(|c| c["id"] == id).unwrap().clone();
    assert_eq!(entry(&good)["category"], "bullying");
    assert_eq!(entry(&good)["unopened"], serde_json::Value::Null);
    assert_eq!(entry(&good)["unread"], 1, "its conversation was still read");
    for id in [&garbled, &not_age] {
        assert_eq!(entry(id)["unopened"], "damaged");
        assert_eq!(entry(id)["category"], serde_json::Value::Null);
        assert_eq!(entry(id)["readable"], false);
    }

    // `show` of a damaged case says so and shows the rest; the good case shows its report and
    // names the one damaged message.
    let shown = adviser.ok(&["show", &garbled]);
    assert!(
        shown.contains("This report could not be opened: its stored ciphertext is damaged"),
        "{shown}"
    );
    let shown = adviser.ok(&["show", &good]);
    assert!(shown.contains(REPORT), "{shown}");
    assert!(
        shown.contains("(this message is damaged and could not be opened)"),
        "{shown}"
    );

    // The cache kept what is ciphertext and refused the rest.
    for (path, bytes) in all_files(&adviser.cache) {
        assert!(!contains(&bytes, b"DAMAGED PAGE"), "{}", path.display());
    }
}

#[test]
fn a_changed_adviser_list_is_refused_until_the_adviser_accepts_it() {
    let tmp = tempfile::tempdir().unwrap();
    let me = age::x25519::Identity::generate();
    let colleague = age::x25519::Identity::generate();
    let stranger = age::x25519::Identity::generate();
    let [me_r, colleague_r, stranger_r] =
        [&me, &colleague, &stranger].map(|i| i.to_public().to_string());
    let key = tmp.path().join("adviser.key");
    plain_key(&key, &me);
    let address = free_loopback_address();
    let server = school_server_at(tmp.path(), &address, &[&me_r, &colleague_r]);
    let adviser = Adviser {
        identity: key,
        server: server.base.clone(),
        cache: tmp.path().join("cache"),
        passphrase: None,
    };
    pupil_reports(&server, "de-linde");
    let id = server.report_ids().remove(0);

    // First use pins the school's two advisers, quietly; sealing to them works.
    let out = adviser.run(&["show", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("WARNING"), "{}", stderr(&out));
    adviser.ok(&["note", &id, NOTE]);
    let pins = std::fs::read_to_string(
        adviser
            .cache
            .join(address.replace(':', "-"))
            .join("advisers.json"),
    )
    .unwrap();
    assert!(
        pins.contains(&me_r) && pins.contains(&colleague_r),
        "{pins}"
    );
    server.stop();

    // The server's config gains a key. Nothing is sealed to it without the adviser's word.
    let server = school_server_at(tmp.path(), &address, &[&me_r, &colleague_r, &stranger_r]);
    let messages = || -> i64 {
        server
            .db()
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(messages(), 1);
    let err = adviser.fails(&["reply", &id, "--message", REPLY]);
    for text in [
        "nothing was sent",
        "school de-linde",
        &format!("added: {stranger_r}"),
        "--accept-new-advisers",
        "colleague or your school's IT",
    ] {
        assert!(err.contains(text), "{text} missing: {err}");
    }
    let err = adviser.fails(&["note", &id, NOTE]);
    assert!(err.contains(&format!("added: {stranger_r}")), "{err}");
    assert_eq!(messages(), 1, "nothing was stored");

    // The case can still be read, with a loud warning.
    let out = adviser.run(&["show", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warning = stderr(&out);
    assert!(
        warning.contains("WARNING") && warning.contains(&stranger_r),
        "{warning}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(REPORT));

    // Accepting says what it accepted, and the reply is sealed to the new list.
    let out = adviser.run(&["reply", &id, "--message", REPLY, "--accept-new-advisers"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "Accepted a new adviser list for school de-linde (added: {stranger_r})"
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("the pupil and 3 advisers"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(decrypt(&stranger, &stored_message(&server, 2)).is_ok());
    // The pin moved with it: the next note needs no flag, and the flag on an unchanged list
    // accepts nothing.
    adviser.ok(&["note", &id, NOTE]);
    let out = adviser.run(&["note", &id, NOTE, "--accept-new-advisers"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("Accepted"), "{}", stderr(&out));
    server.stop();

    // A key leaving the list is a change too.
    let server = school_server_at(tmp.path(), &address, &[&me_r, &colleague_r]);
    let err = adviser.fails(&["note", &id, NOTE]);
    assert!(err.contains(&format!("removed: {stranger_r}")), "{err}");
    drop(server);
}
