//! The adviser lifecycle (issue 13, DESIGN.md "Adviser lifecycle"): the school board's recovery
//! key, the reseal when advisers come and go (while a pupil keeps writing, and after an
//! interruption), sessions that follow the config, and settings that spare the adviser every
//! option. The real binary against a real server, with real SQLite and real age.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use age::x25519;
use common::*;
use fluister::code::PickupCode;
use fluister::keys::{KeyVersion, Keys};

const PASSPHRASE: &str = "correct horse battery";
const SCHOOL: &str = "de-linde";

/// One key holder at a command line: their key, the server, their own cache and settings.
struct Cli {
    identity: PathBuf,
    server: String,
    home: PathBuf,
    passphrase: Option<&'static str>,
}

impl Cli {
    fn new(tmp: &Path, name: &str, identity: &Path, server: &str) -> Cli {
        Cli {
            identity: identity.to_owned(),
            server: server.to_owned(),
            home: tmp.join(format!("home-{name}")),
            passphrase: None,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("adviser")
            .args(args)
            .stdin(Stdio::null())
            .env("FLUISTER_SERVER", &self.server)
            .env("FLUISTER_IDENTITY", &self.identity)
            .env("FLUISTER_CACHE_DIR", self.home.join("cache"))
            .env("FLUISTER_SETTINGS", self.home.join("settings.toml"))
            .env_remove("FLUISTER_PASSPHRASE");
        if let Some(p) = self.passphrase {
            cmd.env("FLUISTER_PASSPHRASE", p);
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Runs a command that must succeed; returns (stdout, stderr).
    fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "adviser {args:?} failed: {}",
            stderr(&out)
        );
        (String::from_utf8(out.stdout.clone()).unwrap(), stderr(&out))
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A new identity in an unprotected key file (as the demo writes one), so commands need no
/// passphrase.
fn plain_key(dir: &Path, name: &str) -> (x25519::Identity, PathBuf) {
    let identity = x25519::Identity::generate();
    let path = dir.join(format!("{name}.key"));
    std::fs::write(
        &path,
        fluister::crypto::identity_file_text(&identity, "2026-12-01").as_bytes(),
    )
    .unwrap();
    (identity, path)
}

/// An adviser entry of the config, with a name.
fn named(identity: &x25519::Identity, name: &str) -> String {
    format!(
        "{{ key = \"{}\", name = \"{name}\" }}",
        identity.to_public()
    )
}

/// Writes `<tmp>/fluister.toml` for one school with these advisers (TOML entries) and recovery
/// key; limits raised for tests that write and sign in more than a person would.
fn write_config(tmp: &Path, advisers: &[String], recovery: Option<&str>) -> PathBuf {
    let config = tmp.join("fluister.toml");
    let recovery = recovery
        .map(|r| format!("recovery = \"{r}\"\n"))
        .unwrap_or_default();
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n\
             [limits]\nsignins_per_source_per_minute = 1000\n\
             signins_per_recipient_per_minute = 1000\nreports_per_source_per_hour = 1000\n\
             checks_per_source_per_minute = 10000\nmessages_per_report_per_hour = 10000\n\
             uploads_per_source_per_hour = 1000\n\
             [[school]]\nslug = \"{SCHOOL}\"\nname = \"De Linde\"\nadvisers = [{}]\n{recovery}",
            tmp.join("data").display(),
            advisers.join(", ")
        ),
    )
    .unwrap();
    config
}

fn start(tmp: &Path, address: &str) -> Server {
    let config = tmp.join("fluister.toml");
    Server::start_at(
        address,
        &["--config", config.to_str().unwrap()],
        &tmp.join("data"),
    )
}

/// A pupil's report, with a photo when `image`; returns the pickup code.
fn report(server: &Server, description: &str, image: bool) -> String {
    let fields = [
        ("lang", "nl"),
        ("category", "fight_filmed"),
        ("description", description),
    ];
    let page = if image {
        post_multipart(
            &server.url(&format!("/s/{SCHOOL}/report")),
            &fields,
            &[("fight.jpg", &images::photo_jpeg(160, 120))],
        )
    } else {
        post_form(&server.url(&format!("/s/{SCHOOL}/report")), &fields)
    };
    assert_eq!(page.status, 200, "{}", page.body);
    page.pickup_code().unwrap()
}

/// A pupil's follow-up, with a screenshot when `image`; true when it was stored.
fn follow_up(base: &str, code: &str, text: &str, image: bool) -> bool {
    let url = format!("{base}/check/message");
    let fields = [("code", code), ("message", text), ("lang", "nl")];
    let page = if image {
        post_multipart(
            &url,
            &fields,
            &[("later.png", &images::png_with_text(90, 160))],
        )
    } else {
        post_form(&url, &fields)
    };
    page.status == 200
}

/// The conversation page a pupil sees with their code.
fn pupil_page(server: &Server, code: &str) -> String {
    let page = post_form(&server.url("/check"), &[("code", code), ("lang", "nl")]);
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

/// One stored age file, as the database holds it.
struct Stored {
    what: String,
    report: String,
    /// False for a note (and its images): the pupil never reads it.
    pupil_reads: bool,
    ciphertext: Vec<u8>,
    sealed_for: Option<String>,
}

/// Every report, message and image the server holds.
fn stored(server: &Server) -> Vec<Stored> {
    let db = server.db();
    let mut out = Vec::new();
    let mut q = |sql: &str| {
        let mut stmt = db.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok(Stored {
                    what: r.get(0)?,
                    report: r.get(1)?,
                    pupil_reads: r.get(2)?,
                    ciphertext: r.get(3)?,
                    sealed_for: r.get(4)?,
                })
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    };
    q("SELECT 'report ' || id, id, 1, ciphertext, sealed_for FROM reports");
    q(
        "SELECT author || ' message ' || seq, report_id, author != 'note', ciphertext, sealed_for
       FROM messages",
    );
    q("SELECT 'image ' || a.n, a.report_id, coalesce(m.author != 'note', 1), a.ciphertext,
              a.sealed_for
       FROM attachments a LEFT JOIN messages m ON m.report_id = a.report_id AND m.seq = a.message_seq");
    out
}

/// The fingerprint the server stores with a file sealed for these keys.
fn fingerprint(keys: &[&x25519::Identity]) -> String {
    fluister::recipients::fingerprint(keys.iter().map(|k| k.to_public().to_string()))
}

/// The pupil's identity for a (version 2) pickup code, derived as the server does.
fn pupil_identity(server: &Server, code: &str) -> x25519::Identity {
    let secret = fluister::crypto::ServerSecret::load_or_create(&server.data_dir).unwrap();
    Keys::new(&secret).reporter_identity(&PickupCode::parse(code).unwrap(), KeyVersion::V2)
}

fn report_of(server: &Server, code: &str) -> String {
    let db = server.db();
    let secret = fluister::crypto::ServerSecret::load_or_create(&server.data_dir).unwrap();
    let hash = Keys::new(&secret).lookup_hash(&PickupCode::parse(code).unwrap());
    db.query_row(
        "SELECT id FROM reports WHERE code_hash = ?1",
        [&hash[..]],
        |r| r.get(0),
    )
    .unwrap()
}

/// Writes `data` as the flawed first version did (schema 0001-0003, the v1 lookup hash and
/// reporter key, DESIGN.md "What went wrong once"), with one report sealed to `advisers`, a
/// pupil follow-up and a note; the server migrates it on start. Returns its pickup code.
fn legacy_folder(data: &Path, advisers: &[x25519::Recipient]) -> String {
    use hkdf::Hkdf;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    std::fs::create_dir_all(data).unwrap();
    std::fs::set_permissions(data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let secret: [u8; 32] = rand::random();
    let secret_path = data.join("server-secret");
    std::fs::write(&secret_path, secret).unwrap();
    std::fs::set_permissions(&secret_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let db = rusqlite::Connection::open(data.join("fluister.db")).unwrap();
    std::fs::set_permissions(
        data.join("fluister.db"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    db.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
        .unwrap();
    for sql in [
        include_str!("../schema/0001_reports.sql"),
        include_str!("../schema/0002_messages.sql"),
        include_str!("../schema/0003_attachments.sql"),
    ] {
        db.execute_batch(sql).unwrap();
    }
    db.pragma_update(None, "user_version", 3).unwrap();
    let code = PickupCode::generate();
    let mut okm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(&secret), code.normalised().as_bytes())
        .expand(b"fluister reporter key v1", &mut okm)
        .unwrap();
    let reporter = fluister::crypto::identity_from_bytes(&okm).to_public();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret).unwrap();
    mac.update(code.normalised().as_bytes());
    let hash: [u8; 32] = mac.finalize().into_bytes().into();
    let form = fluister::report::ReportForm {
        category: "bullying".into(),
        description: "SENTINEL-LEGACY al weken".into(),
        ..Default::default()
    };
    let valid = form.validate().map_err(|_| "valid").unwrap();
    let doc = fluister::report::ReportDocument::new(
        SCHOOL,
        valid,
        fluister::i18n::Lang::Nl,
        "2026-11-20".into(),
        Vec::new(),
    );
    let ciphertext = fluister::intake::seal(&doc, advisers, &reporter).unwrap();
    let id = format!("{:016x}", rand::random::<u64>());
    db.execute(
        "INSERT INTO reports (id, school, received_on, status, code_hash, reporter_recipient, ciphertext)
         VALUES (?1, ?2, '2026-11-20', 'open', ?3, ?4, ?5)",
        rusqlite::params![id, SCHOOL, &hash[..], reporter.to_string(), ciphertext],
    )
    .unwrap();
    let seal = |text: &str, to: Vec<&dyn age::Recipient>| {
        let doc =
            serde_json::to_vec(&fluister::conversation::MessageDocument::new(text.into())).unwrap();
        fluister::crypto::encrypt(&to, &fluister::crypto::pad_json(doc)).unwrap()
    };
    let mut everyone: Vec<&dyn age::Recipient> = vec![&reporter];
    everyone.extend(advisers.iter().map(|a| a as &dyn age::Recipient));
    let only_advisers: Vec<&dyn age::Recipient> =
        advisers.iter().map(|a| a as &dyn age::Recipient).collect();
    for (seq, author, ct) in [
        (1, "pupil", seal("SENTINEL-LEGACY-FOLLOWUP", everyone)),
        (2, "note", seal("SENTINEL-LEGACY-NOTE", only_advisers)),
    ] {
        db.execute(
            "INSERT INTO messages (report_id, seq, author, sent_on, ciphertext)
             VALUES (?1, ?2, ?3, '2026-11-21', ?4)",
            rusqlite::params![id, seq, author, ct],
        )
        .unwrap();
    }
    code.grouped()
}

#[test]
fn after_the_team_changes_a_reseal_moves_every_case_to_the_new_team_while_the_pupil_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let (a, _) = plain_key(tmp, "a");
    let (b, b_key) = plain_key(tmp, "b");
    let (c, c_key) = plain_key(tmp, "c");
    let legacy = legacy_folder(&tmp.join("data"), &[a.to_public(), b.to_public()]);
    let address = free_loopback_address();
    write_config(
        tmp,
        &[named(&a, "Mevr. Aydin"), named(&b, "Dhr. Bakker")],
        None,
    );
    let server = start(tmp, &address);
    let codes = [
        report(&server, "SENTINEL-ONE filmpje in de kantine", true),
        report(&server, "SENTINEL-TWO ze schelden", false),
    ];
    assert!(follow_up(
        &server.base,
        &codes[0],
        "SENTINEL-FOLLOWUP",
        true
    ));
    let bakker = Cli::new(tmp, "b", &b_key, &server.base);
    for id in server.report_ids() {
        bakker.ok(&["reply", &id, "--message", "SENTINEL-REPLY kom je langs?"]);
        bakker.ok(&["note", &id, "SENTINEL-NOTE mentor gebeld"]);
    }
    let before = stored(&server);
    assert!(before.len() >= 13, "{}", before.len());
    for item in &before {
        assert!(decrypt(&a, &item.ciphertext).is_ok(), "{}", item.what);
    }
    server.stop();

    // The school swaps adviser A for adviser C.
    write_config(
        tmp,
        &[named(&b, "Dhr. Bakker"), named(&c, "Mevr. Claes")],
        None,
    );
    let server = start(tmp, &address);
    let refused = post_json(
        &server.url("/api/v1/auth/challenge"),
        None,
        &serde_json::json!({ "recipient": a.to_public().to_string() }),
    );
    assert_eq!(refused.status, 403, "A signs in nowhere any more");
    let (_, warning) = bakker.ok(&["inbox"]);
    assert!(
        warning.contains("Reseal due for school de-linde: 3 cases"),
        "{warning}"
    );

    // The new adviser cannot reseal what was never sealed to them: nothing changes, and the
    // run says who can.
    let claes = Cli::new(tmp, "c", &c_key, &server.base);
    let early = claes.run(&["reseal", "--accept-new-advisers"]);
    assert!(!early.status.success());
    let told = stderr(&early);
    assert!(
        told.contains("5 items of report")
            && told.contains("they do not open with your key")
            && told.contains("the school board with the recovery key")
            && told.contains("run `fluister adviser reseal` again"),
        "{told}"
    );
    assert!(
        String::from_utf8_lossy(&early.stdout).contains("0 items sealed again"),
        "{}",
        String::from_utf8_lossy(&early.stdout)
    );
    assert_eq!(stored(&server).len(), before.len());
    for item in stored(&server) {
        assert!(
            decrypt(&a, &item.ciphertext).is_ok(),
            "untouched: {}",
            item.what
        );
    }

    // The pupil keeps writing while B reseals.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(Vec::new()));
    let writer = {
        let (stop, sent, base, code) = (
            stop.clone(),
            sent.clone(),
            server.base.clone(),
            codes[0].clone(),
        );
        std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let text = format!("SENTINEL-DURING-{i}");
                if follow_up(&base, &code, &text, i % 4 == 0) {
                    sent.lock().unwrap().push(text);
                }
                i += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while sent.lock().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "the pupil could not write");
        std::thread::sleep(Duration::from_millis(10));
    }
    let during = sent.lock().unwrap().len();
    let resealed = bakker.run(&["reseal", "--accept-new-advisers"]);
    let written_meanwhile = sent.lock().unwrap().len() - during;
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let sent = sent.lock().unwrap().clone();
    assert!(resealed.status.success(), "{}", stderr(&resealed));
    let summary = String::from_utf8(resealed.stdout.clone()).unwrap();
    assert!(
        summary.contains("School de-linde: 3 cases;") && summary.contains(", 0 failed."),
        "{summary}"
    );
    let told = stderr(&resealed);
    for text in [
        "Accepted a new adviser list for school de-linde",
        "case 3 of 3 done",
        "Backups of the server made before this reseal still open",
    ] {
        assert!(told.contains(text), "{text} missing: {told}");
    }
    assert!(
        !sent.is_empty() && written_meanwhile + during >= 2,
        "{sent:?}"
    );

    // A second run finds nothing left to do.
    let (again, _) = bakker.ok(&["reseal"]);
    assert!(again.contains("0 items sealed again"), "{again}");

    // Every file the server holds: C opens it, A does not, and it is marked as sealed for B+C.
    let now = stored(&server);
    let current = fingerprint(&[&b, &c]);
    for item in &now {
        assert!(decrypt(&c, &item.ciphertext).is_ok(), "C: {}", item.what);
        assert!(decrypt(&b, &item.ciphertext).is_ok(), "B: {}", item.what);
        assert!(decrypt(&a, &item.ciphertext).is_err(), "A: {}", item.what);
        assert_eq!(
            item.sealed_for.as_deref(),
            Some(current.as_str()),
            "{}",
            item.what
        );
    }
    // The pupil's own key still opens what the pupil reads, and never a note.
    for code in &codes {
        let pupil = pupil_identity(&server, code);
        let id = report_of(&server, code);
        for item in now.iter().filter(|i| i.report == id) {
            assert_eq!(
                decrypt(&pupil, &item.ciphertext).is_ok(),
                item.pupil_reads,
                "{}",
                item.what
            );
        }
    }
    // No pupil message is lost: every follow-up is stored and shown with the code.
    let first = report_of(&server, &codes[0]);
    let pupil_messages = now
        .iter()
        .filter(|i| i.report == first && i.what.starts_with("pupil message"))
        .count();
    assert_eq!(pupil_messages, 1 + sent.len());
    let page = pupil_page(&server, &codes[0]);
    for text in sent.iter().map(String::as_str).chain([
        "SENTINEL-ONE",
        "SENTINEL-FOLLOWUP",
        "SENTINEL-REPLY",
    ]) {
        assert!(page.contains(text), "{text} missing from the pupil's page");
    }
    assert!(!page.contains("SENTINEL-NOTE"));
    // The legacy (version 1) code still opens its conversation.
    let page = pupil_page(&server, &legacy);
    assert!(page.contains("SENTINEL-LEGACY al weken"), "{page}");
    assert!(page.contains("SENTINEL-LEGACY-FOLLOWUP") && !page.contains("SENTINEL-LEGACY-NOTE"));

    // C reads every old case, and sees who else can.
    let (list, warning) = claes.ok(&["inbox", "--json"]);
    assert!(!warning.contains("Reseal due"), "{warning}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    assert_eq!(list.len(), 3);
    for case in &list {
        assert_eq!(case["readable"], true, "{case}");
        assert_eq!(case["reseal_due"], false, "{case}");
        let id = case["id"].as_str().unwrap();
        let (shown, _) = claes.ok(&["show", id]);
        assert!(shown.contains("SENTINEL-"), "{shown}");
        assert!(
            shown.contains(
                "Readers:      the pupil (except notes), Dhr. Bakker, Mevr. Claes (you) — now"
            ),
            "{shown}"
        );
    }
    let legacy_id = report_of_legacy(&server);
    let (shown, _) = claes.ok(&["show", &legacy_id]);
    assert!(shown.contains("SENTINEL-LEGACY-NOTE"), "{shown}");

    // Nothing of the files as they were sealed before survives anywhere in the data folder.
    let data = server.data_dir.clone();
    server.stop();
    let files = all_files(&data);
    for item in &before {
        let header = &item.ciphertext[22..86];
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, header),
                "{} of the old team survives in {}",
                item.what,
                path.display()
            );
        }
    }
}

/// The id of the one report stored under key version 1.
fn report_of_legacy(server: &Server) -> String {
    server
        .db()
        .query_row("SELECT id FROM reports WHERE key_version = 1", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn an_interrupted_reseal_is_finished_by_the_next_run_and_the_api_checks_each_replacement() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let (a, _) = plain_key(tmp, "a");
    let (b, b_key) = plain_key(tmp, "b");
    let (c, _) = plain_key(tmp, "c");
    let address = free_loopback_address();
    write_config(tmp, &[named(&a, "A"), named(&b, "B")], None);
    let server = start(tmp, &address);
    let mut codes = Vec::new();
    for i in 0..8 {
        let code = report(&server, &format!("SENTINEL-CASE-{i}"), false);
        assert!(follow_up(&server.base, &code, "SENTINEL-MORE", false));
        codes.push(code);
    }
    let b_cli = Cli::new(tmp, "b", &b_key, &server.base);
    let ids = server.report_ids();
    b_cli.ok(&["note", &ids[0], "SENTINEL-NOTE"]);
    server.stop();
    write_config(tmp, &[named(&b, "B"), named(&c, "C")], None);
    let server = start(tmp, &address);
    let current = fingerprint(&[&b, &c]);

    // One report sealed again by hand, through the API as docs/api.md describes it.
    let token = sign_in(&server, &b);
    let team = get_auth(
        &server.url(&format!("/api/v1/schools/{SCHOOL}/recipients")),
        &token,
    )
    .json();
    assert_eq!(team["fingerprint"], current.as_str());
    assert_eq!(team["due"]["reports"], 8);
    let names: Vec<&str> = team["advisers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["B", "C"]);
    let id = &ids[1];
    let detail = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    let old = unb64(&detail["ciphertext"]);
    let plain = decrypt(&b, &old).unwrap();
    let reporter: x25519::Recipient = detail["reporter_recipient"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (bp, cp) = (b.to_public(), c.to_public());
    let sealed = |to: Vec<&dyn age::Recipient>| fluister::crypto::encrypt(&to, &plain).unwrap();
    let right = sealed(vec![&reporter, &bp, &cp]);
    let sha = |bytes: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(bytes)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    };
    let put = |if_match: Option<String>, sealed_for: &str, body: &[u8]| {
        let agent = ureq::Agent::new_with_config(
            ureq::config::Config::builder()
                .http_status_as_error(false)
                .build(),
        );
        let mut req = agent
            .put(server.url(&format!("/api/v1/reports/{id}/ciphertext")))
            .header("Authorization", format!("Bearer {token}"))
            .header("Fluister-Sealed-For", sealed_for)
            .content_type("application/octet-stream");
        if let Some(m) = if_match {
            req = req.header("If-Match", m);
        }
        let mut res = req.send(body).unwrap();
        let status = res.status().as_u16();
        let body: serde_json::Value =
            serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
        (status, body["error"].as_str().unwrap_or("").to_owned())
    };
    let quoted = format!("\"{}\"", sha(&old));
    assert_eq!(
        put(None, &current, &right),
        (428, "precondition_required".into())
    );
    assert_eq!(
        put(
            Some(format!("\"{}\"", sha(b"another file"))),
            &current,
            &right
        ),
        (412, "changed".into())
    );
    assert_eq!(
        put(Some(quoted.clone()), &fingerprint(&[&a, &b]), &right),
        (409, "stale_team".into())
    );
    assert_eq!(
        put(Some(quoted.clone()), &current, b"{\"text\":\"plain\"}"),
        (400, "not_age".into())
    );
    assert_eq!(
        put(Some(quoted.clone()), &current, &sealed(vec![&bp, &cp])),
        (400, "wrong_recipients".into()),
        "the report without the pupil"
    );
    assert_eq!(
        put(Some(quoted.clone()), &current, &right),
        (200, String::new())
    );
    assert_eq!(
        put(Some(quoted), &current, &right),
        (412, "changed".into()),
        "what was read is gone"
    );

    // A real run, killed after its first case.
    let mut child = b_cli
        .command(&["reseal", "--accept-new-advisers"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("case 1 of 8 done") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.contains("case 1 of 8 done"), "{seen}");
    // A replacement the server had read whole before the kill still commits; let it.
    std::thread::sleep(Duration::from_millis(300));
    let left = stored(&server)
        .iter()
        .filter(|i| i.sealed_for.as_deref() != Some(current.as_str()))
        .count();

    assert!(left > 0, "the kill came after the run had finished");
    // The next run finishes the job, skipping what is done.
    let (summary, _) = b_cli.ok(&["reseal"]);
    assert!(
        summary.contains(&format!("{left} items sealed again"))
            || summary.contains(&format!("{left} item sealed again")),
        "{left} left: {summary}"
    );
    assert!(summary.contains(", 0 failed."), "{summary}");
    for item in stored(&server) {
        assert_eq!(
            item.sealed_for.as_deref(),
            Some(current.as_str()),
            "{}",
            item.what
        );
        assert!(decrypt(&c, &item.ciphertext).is_ok(), "{}", item.what);
        assert!(decrypt(&a, &item.ciphertext).is_err(), "{}", item.what);
    }
    for code in &codes {
        assert!(pupil_page(&server, code).contains("SENTINEL-MORE"));
    }
}

#[test]
fn the_recovery_key_opens_everything_and_reseals_after_a_lost_key() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let usb = tmp.join("usb");

    // The board makes its key, with a page to print.
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(BIN)
            .arg("adviser")
            .args(args)
            .env("FLUISTER_PASSPHRASE", PASSPHRASE)
            .env("FLUISTER_SETTINGS", tmp.join("board-settings.toml"))
            .env_remove("FLUISTER_IDENTITY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    };
    let key = usb.join("recovery.key");
    let made = run(
        &["init", "--recovery", "--identity", key.to_str().unwrap()],
        None,
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let page = String::from_utf8(made.stdout.clone()).unwrap();
    for text in [
        "FLUISTER RECOVERY KEY",
        "AGE-SECRET-KEY-1",
        "safe",
        "second person",
        "fluister adviser reseal",
        "fluister adviser restore-key",
    ] {
        assert!(page.contains(text), "{text} missing: {page}");
    }
    let recipient = page
        .lines()
        .find_map(|l| l.trim().strip_prefix("recovery = \""))
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    assert!(stderr(&made).contains(&recipient));
    assert!(
        !tmp.join("board-settings.toml").exists(),
        "not this computer's key"
    );
    let file = std::fs::read(&key).unwrap();
    assert!(file.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!contains(&file, b"AGE-SECRET-KEY"));

    // Typed back from the page, it is the same key; a typing error is caught.
    let groups: Vec<String> = page
        .lines()
        .skip_while(|l| l.trim() != "AGE-SECRET-KEY-1")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim().split_once("  ").unwrap().1.to_owned())
        .collect();
    assert_eq!(groups.len(), 3, "{page}");
    let typed_key = tmp.join("typed.key");
    let mut wrong = groups.join("\n");
    let swap = wrong.find(|ch: char| ch.is_ascii_alphanumeric()).unwrap() + 2;
    let was = wrong.as_bytes()[swap];
    wrong.replace_range(swap..=swap, if was == b'Q' { "P" } else { "Q" });
    let refused = run(
        &["restore-key", "--identity", typed_key.to_str().unwrap()],
        Some(&wrong),
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("checksum"),
        "{}",
        stderr(&refused)
    );
    assert!(!typed_key.exists(), "nothing written");
    let restored = run(
        &["restore-key", "--identity", typed_key.to_str().unwrap()],
        Some(&groups.join("\n")),
    );
    assert!(restored.status.success(), "{}", stderr(&restored));
    assert_eq!(
        String::from_utf8(restored.stdout).unwrap().trim(),
        recipient
    );
    let board = fluister::crypto::parse_identity_file(
        std::str::from_utf8(
            &fluister::crypto::decrypt_with_passphrase(
                age::secrecy::SecretString::from(PASSPHRASE.to_owned()),
                &std::fs::read(&typed_key).unwrap(),
            )
            .unwrap(),
        )
        .unwrap(),
    )
    .unwrap();

    // A school with one adviser and the recovery key: everything is sealed to it too.
    let (a, a_key) = plain_key(tmp, "a");
    let (c, c_key) = plain_key(tmp, "c");
    let address = free_loopback_address();
    write_config(tmp, &[named(&a, "Mevr. Aydin")], Some(&recipient));
    let server = start(tmp, &address);
    let code = report(&server, "SENTINEL-REPORT gefilmd", true);
    assert!(follow_up(&server.base, &code, "SENTINEL-FOLLOWUP", true));
    let aydin = Cli::new(tmp, "a", &a_key, &server.base);
    let id = server.report_ids().remove(0);
    let (replied, _) = aydin.ok(&["reply", &id, "--message", "SENTINEL-REPLY"]);
    assert!(
        replied.contains("the pupil and 1 adviser and the school board's recovery key"),
        "{replied}"
    );
    aydin.ok(&["note", &id, "SENTINEL-NOTE"]);
    let items = stored(&server);
    assert_eq!(items.len(), 1 + 3 + 2, "report, three messages, two images");
    let with_recovery = fingerprint(&[&a, &board]);
    for item in &items {
        assert!(decrypt(&board, &item.ciphertext).is_ok(), "{}", item.what);
        assert_eq!(item.sealed_for.as_deref(), Some(with_recovery.as_str()));
    }
    let (_, warning) = aydin.ok(&["inbox"]);
    assert!(!warning.contains("Reseal due"), "{warning}");
    let (shown, _) = aydin.ok(&["show", &id]);
    assert!(
        shown.contains("Mevr. Aydin (you), the school board's recovery key — now"),
        "{shown}"
    );
    server.stop();

    // Adviser A loses their key. IT puts the new adviser C in; the board reseals.
    write_config(tmp, &[named(&c, "Mevr. Claes")], Some(&recipient));
    let server = start(tmp, &address);
    let mut board_cli = Cli::new(tmp, "board", &typed_key, &server.base);
    board_cli.passphrase = Some(PASSPHRASE);
    let (summary, _) = board_cli.ok(&["reseal", "--school", SCHOOL, "--accept-new-advisers"]);
    assert!(
        summary.contains("1 case; 6 items sealed again") && summary.contains(", 0 failed."),
        "{summary}"
    );
    for item in stored(&server) {
        assert!(decrypt(&c, &item.ciphertext).is_ok(), "{}", item.what);
        assert!(decrypt(&board, &item.ciphertext).is_ok(), "{}", item.what);
        assert!(decrypt(&a, &item.ciphertext).is_err(), "{}", item.what);
    }
    let claes = Cli::new(tmp, "c", &c_key, &server.base);
    let (shown, _) = claes.ok(&["show", &id]);
    for text in [
        "SENTINEL-REPORT",
        "SENTINEL-FOLLOWUP",
        "SENTINEL-REPLY",
        "SENTINEL-NOTE",
    ] {
        assert!(shown.contains(text), "{text} missing: {shown}");
    }
    assert!(pupil_page(&server, &code).contains("SENTINEL-REPLY"));
    let out = board_cli.run(&["reseal", "--school", "elders"]);
    assert!(
        stderr(&out).contains("\"elders\" is not one of your schools here; yours are: de-linde")
    );
}

#[test]
fn a_removed_adviser_is_signed_out_by_a_reload_or_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let (a, _) = plain_key(tmp, "a");
    let (b, _) = plain_key(tmp, "b");
    let address = free_loopback_address();
    write_config(tmp, &[named(&a, "A"), named(&b, "B")], None);
    let server = start(tmp, &address);
    report(&server, "SENTINEL-R", false);
    let (ta, tb) = (sign_in(&server, &a), sign_in(&server, &b));
    let reports = server.url("/api/v1/reports");
    assert_eq!(get_auth(&reports, &ta).status, 200);
    let wait_for_log = |server: &Server, text: &str, times: usize| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while server.logs().matches(text).count() < times {
            assert!(Instant::now() < deadline, "{text}: {}", server.logs());
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    // SIGHUP: the config without A is read again; A's token stops at once, B's goes on.
    write_config(tmp, &[named(&b, "B")], None);
    server.hangup();
    wait_for_log(&server, "reloaded the schools", 1);
    let refused = get_auth(&reports, &ta);
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(get_auth(&reports, &tb).status, 200);
    let challenge = post_json(
        &server.url("/api/v1/auth/challenge"),
        None,
        &serde_json::json!({ "recipient": a.to_public().to_string() }),
    );
    assert_eq!(challenge.status, 403);
    // A broken config on SIGHUP changes nothing and says why.
    std::fs::write(tmp.join("fluister.toml"), "data_dir = [").unwrap();
    server.hangup();
    wait_for_log(&server, "the config was not reloaded", 1);
    assert_eq!(get_auth(&reports, &tb).status, 200);

    // A restart with A removed: A's old token and A's key are refused.
    write_config(tmp, &[named(&b, "B")], None);
    server.stop();
    let server = start(tmp, &address);
    assert_eq!(get_auth(&reports, &ta).status, 401);
    let challenge = post_json(
        &server.url("/api/v1/auth/challenge"),
        None,
        &serde_json::json!({ "recipient": a.to_public().to_string() }),
    );
    assert_eq!(challenge.status, 403);
    let tb = sign_in(&server, &b);
    assert_eq!(get_auth(&reports, &tb).status, 200);
}

#[test]
fn init_saves_the_server_and_key_so_every_command_needs_no_options() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let address = free_loopback_address();
    let url = format!("http://{address}");
    let settings = tmp.join("config/fluister/adviser.toml");
    let bare = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.arg("adviser")
            .args(args)
            .stdin(Stdio::null())
            .env_remove("FLUISTER_SERVER")
            .env_remove("FLUISTER_IDENTITY")
            .env("FLUISTER_SETTINGS", &settings)
            .env("XDG_DATA_HOME", tmp.join("data-home"))
            .env("FLUISTER_CACHE_DIR", tmp.join("cache"))
            .env("FLUISTER_PASSPHRASE", PASSPHRASE);
        cmd.output().unwrap()
    };

    // Before anything is saved, a command says how to give or save what it needs.
    let out = bare(&["inbox"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("which Fluister server?")
            && stderr(&out).contains("fluister adviser setup --server"),
        "{}",
        stderr(&out)
    );

    // `init --server`: the key in the user's data folder, both saved.
    let out = bare(&["init", "--server", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recipient = String::from_utf8(out.stdout.clone())
        .unwrap()
        .trim()
        .to_owned();
    let key = tmp.join("data-home/fluister/adviser.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let saved = std::fs::read_to_string(&settings).unwrap();
    assert!(
        saved.contains(&format!("server = \"{url}\""))
            && saved.contains(&format!("identity = \"{}\"", key.display())),
        "{saved}"
    );
    assert!(
        stderr(&out).contains(settings.to_str().unwrap()),
        "{}",
        stderr(&out)
    );

    // The school lists the key; `inbox` needs no options at all.
    let data = tmp.join("data");
    std::fs::write(
        tmp.join("fluister.toml"),
        format!(
            "data_dir = \"{}\"\n[[school]]\nslug = \"{SCHOOL}\"\nname = \"De Linde\"\nadvisers = [\"{recipient}\"]\n",
            data.display()
        ),
    )
    .unwrap();
    let server = start(tmp, &address);
    report(&server, "SENTINEL-SETTINGS", false);
    let out = bare(&["inbox", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["readable"], true);
    // An option still wins over the settings.
    let out = bare(&["inbox", "--server", "http://127.0.0.1:9"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("127.0.0.1:9"), "{}", stderr(&out));

    // `setup` shows what is saved, checks what it is given, and changes one setting.
    let out = bare(&["setup"]);
    let shown = String::from_utf8(out.stdout).unwrap();
    assert!(
        shown.contains(&url) && shown.contains(key.to_str().unwrap()),
        "{shown}"
    );
    let out = bare(&[
        "setup",
        "--identity",
        tmp.join("nope.key").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("nope.key"), "{}", stderr(&out));
    let out = bare(&["setup", "--server", "fluister.school.nl"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("https://"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&settings).unwrap(),
        saved,
        "unchanged"
    );
    drop(server);
}
