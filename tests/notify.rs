//! Digests by e-mail against a real SMTP server (aiosmtpd from PyPI, over TCP on loopback,
//! writing what it receives into a Maildir): counts only, nothing twice, a relay that is down
//! retried at the next time, STARTTLS never silently dropped. No mocked transport.
//!
//! Without aiosmtpd (`python3 -m pip install aiosmtpd`) these tests say loudly that they were
//! skipped; in CI (`CI=true`, where .ci/run installs it) a missing server is a failure.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fluister::store::{NewReport, Store};
use time::OffsetDateTime;

/// aiosmtpd on 127.0.0.1:`port`, storing every message it accepts in a Maildir; killed on drop.
struct Smtp {
    child: Child,
    maildir: PathBuf,
}

/// The Python that has aiosmtpd: `FLUISTER_TEST_PYTHON`, else `python3`. `None` (and a loud
/// line) when there is none outside CI; a panic in CI.
fn smtp_python(test: &str) -> Option<String> {
    let python = std::env::var("FLUISTER_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    let why = format!(
        "{test}: no SMTP server to test against: `{python} -c 'import aiosmtpd'` failed. \
         Install it with `{python} -m pip install aiosmtpd` (.ci/run does)."
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}");
    }
    eprintln!("\n!!!!! SKIPPED {why}\n");
    None
}

impl Smtp {
    fn start(python: &str, port: u16, maildir: &Path) -> Smtp {
        let child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Smtp {
            child,
            maildir: maildir.to_owned(),
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every message in a Maildir, as (headers, decoded body).
fn received(maildir: &Path) -> Vec<Mail> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else {
            continue;
        };
        for e in entries {
            let raw = std::fs::read_to_string(e.unwrap().path()).unwrap();
            out.push(Mail::parse(&raw));
        }
    }
    out
}

struct Mail {
    raw: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Mail {
    fn parse(raw: &str) -> Mail {
        let raw = raw.replace("\r\n", "\n");
        let (head, body) = raw.split_once("\n\n").unwrap();
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                headers.last_mut().unwrap().1.push_str(line.trim());
            } else if let Some((k, v)) = line.split_once(':') {
                headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let qp = headers
            .iter()
            .any(|(k, v)| k == "content-transfer-encoding" && v == "quoted-printable");
        let body = if qp { unquote(body) } else { body.to_owned() };
        Mail {
            raw: raw.clone(),
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Quoted-printable to text (soft line breaks and =XX escapes).
fn unquote(s: &str) -> String {
    let s = s.replace("=\n", "");
    let mut bytes = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            bytes.push(v);
            i += 3;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    String::from_utf8(bytes).unwrap()
}

fn free_port() -> u16 {
    free_loopback_address()
        .rsplit_once(':')
        .unwrap()
        .1
        .parse()
        .unwrap()
}

/// A config for school `demo` (name "De Linde") with its digests going to `notify`.
fn write_config(
    dir: &Path,
    adviser: &age::x25519::Identity,
    mail: &str,
    notify: &[&str],
) -> PathBuf {
    let path = dir.join("fluister.toml");
    let notify: Vec<String> = notify.iter().map(|a| format!("\"{a}\"")).collect();
    std::fs::write(
        &path,
        format!(
            "data_dir = \"{}\"\n\
             [mail]\n{mail}\n\
             [[school]]\nslug = \"demo\"\nname = \"De Linde\"\nadvisers = [\"{}\"]\n\
             notify = [{}]\nreply_within_days = 5\n",
            dir.join("data").display(),
            adviser.to_public(),
            notify.join(", ")
        ),
    )
    .unwrap();
    path
}

fn notify_now(config: &Path) -> Output {
    Command::new(BIN)
        .args(["notify", "--config", config.to_str().unwrap(), "--now"])
        .stdin(Stdio::null())
        .env_remove("FLUISTER_SMTP_PASSWORD")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Sends a report through the pupil form; returns its pickup code.
fn report(server: &Server, description: &str) -> String {
    let page = post_form(
        &server.url("/s/demo/report"),
        &[
            ("category", "threat"),
            ("description", description),
            ("where", "SENTINEL-WHERE Instagram"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    page.pickup_code().expect("a pickup code")
}

/// Stores a report dated `days_ago` straight into the data folder, as if it had arrived then
/// (the server dates what arrives today, and a test cannot wait a week).
fn plant_old_report(data: &Path, days_ago: i64) -> String {
    let keys =
        fluister::keys::Keys::new(&fluister::crypto::ServerSecret::load_or_create(data).unwrap());
    let store = Store::open(data, &keys).unwrap();
    let on = fluister::date::add_days(&fluister::date::today(), -days_ago).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let mut hash = [0u8; 32];
    hash[..8].copy_from_slice(&(days_ago as u64).to_le_bytes());
    hash[31] = 0xd1;
    let id = runtime
        .block_on(store.insert_report(NewReport {
            school: "demo".into(),
            received_on: on,
            code_hash: hash,
            reporter_recipient: age::x25519::Identity::generate().to_public().to_string(),
            ciphertext: age_looking_garbage(),
            attachments: Vec::new(),
            sealed_for: None,
        }))
        .unwrap();
    store.close();
    id.to_string()
}

/// What a digest must never hold: anything from a report, any id, any link, any category.
fn assert_counts_only(mail: &Mail, ids: &[String], codes: &[String]) {
    for forbidden in [
        "SENTINEL",
        "threat",
        "bedreigd",
        "Bedreiging",
        "Instagram",
        "http",
        "/s/demo",
    ] {
        assert!(
            !mail.raw.contains(forbidden) && !mail.body.contains(forbidden),
            "the digest holds {forbidden:?}:\n{}",
            mail.raw
        );
    }
    for id in ids {
        assert!(
            !mail.raw.contains(id.as_str()),
            "the digest holds report id {id}"
        );
    }
    for code in codes {
        let bare = code.replace('-', "");
        assert!(!mail.raw.contains(code.as_str()) && !mail.raw.contains(&bare));
    }
    assert_eq!(mail.header("reply-to"), None, "{}", mail.raw);
    assert_eq!(mail.header("subject"), Some("Fluister: overzicht"));
}

#[test]
fn notify_now_delivers_counts_only_to_every_address_and_nothing_twice() {
    let Some(python) =
        smtp_python("notify_now_delivers_counts_only_to_every_address_and_nothing_twice")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let smtp = Smtp::start(&python, port, &tmp.path().join("maildir"));
    let adviser = age::x25519::Identity::generate();
    let config = write_config(
        tmp.path(),
        &adviser,
        &format!(
            "relay = \"127.0.0.1:{port}\"\ntls = \"none\"\n\
             from = \"Fluister <fluister@school.test>\"\nsend_at = [\"{}\"]",
            far_time()
        ),
        &["mentor@school.test", "ib@school.test"],
    );
    let data = tmp.path().join("data");
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);

    // Two reports today, a follow-up from one pupil, and a case that has waited six days.
    let code = report(&server, "SENTINEL-ONE ze dreigen me op te wachten");
    let other = report(&server, "SENTINEL-TWO iemand zet foto's online");
    let page = post_form(
        &server.url("/check/message"),
        &[
            ("code", &code),
            ("message", "SENTINEL-FOLLOWUP nog een keer"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    plant_old_report(&data, 6);
    let ids: Vec<String> = {
        let db = server.db();
        let mut stmt = db.prepare("SELECT id FROM reports").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(ids.len(), 3);

    // While the server runs, as an IT person would.
    let out = notify_now(&config);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("demo mentor@school.test: sent"), "{said}");
    assert!(said.contains("demo ib@school.test: sent"), "{said}");

    let mails = received(&smtp.maildir);
    assert_eq!(mails.len(), 2, "one mail per address");
    let mut to: Vec<&str> = mails
        .iter()
        .map(|m| m.header("x-rcptto").unwrap())
        .collect();
    to.sort();
    assert_eq!(to, ["ib@school.test", "mentor@school.test"]);
    for mail in &mails {
        assert_counts_only(mail, &ids, &[code.clone(), other.clone()]);
        assert_eq!(mail.header("from"), Some("Fluister <fluister@school.test>"));
        for line in [
            "Fluister, De Linde",
            "- nieuwe meldingen: 2",
            "- nieuwe berichten van leerlingen: 1",
            "- berichten van leerlingen zonder antwoord: 1",
            "- zaken 5 dagen of langer zonder antwoord: 1",
        ] {
            assert!(mail.body.contains(line), "{line:?} missing:\n{}", mail.body);
        }
        // One address per mail: nobody sees who else is told.
        assert_eq!(mail.header("to"), mail.header("x-rcptto"));
    }

    // The same again: nothing new, no mail, and the relay is checked without sending.
    let out = notify_now(&config);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("demo mentor@school.test: nothing new, no mail"),
        "{said}"
    );
    assert!(said.contains("the settings work"), "{said}");
    assert_eq!(received(&smtp.maildir).len(), 2, "nothing sent twice");

    // A new pupil message is new for both, and the overdue case is still counted.
    let page = post_form(
        &server.url("/check/message"),
        &[
            ("code", &other),
            ("message", "SENTINEL-THREE nog iets"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(page.status, 200);
    let out = notify_now(&config);
    assert!(out.status.success(), "{}", text(&out));
    let mails = received(&smtp.maildir);
    assert_eq!(mails.len(), 4);
    let newest: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.body.contains("- nieuwe meldingen: 0"))
        .collect();
    assert_eq!(newest.len(), 2, "both addresses hear of the message once");
    for mail in newest {
        assert_counts_only(mail, &ids, &[code.clone(), other.clone()]);
        assert!(mail.body.contains("- nieuwe berichten van leerlingen: 1"));
        assert!(
            mail.body
                .contains("- berichten van leerlingen zonder antwoord: 2")
        );
        assert!(
            mail.body
                .contains("- zaken 5 dagen of langer zonder antwoord: 1")
        );
    }
    let logs = server.stop();
    for forbidden in ["SENTINEL", "@school.test"] {
        assert!(
            !logs.contains(forbidden),
            "the log holds {forbidden}:\n{logs}"
        );
    }
}

/// The Amsterdam clock time `minutes` from now (rounded up to a whole minute, at least 20 s
/// away), as "HH:MM", and the instant it happens.
fn minute_ahead(minutes: i64) -> (String, OffsetDateTime) {
    let now = OffsetDateTime::now_utc() + time::Duration::seconds(20);
    let local = now.to_offset(fluister::date::amsterdam_offset(now));
    let next = local
        .replace_second(0)
        .unwrap()
        .replace_nanosecond(0)
        .unwrap()
        + time::Duration::minutes(minutes);
    (format!("{:02}:{:02}", next.hour(), next.minute()), next)
}

/// A time in send_at that will not come while a test runs, so only `notify --now` sends.
fn far_time() -> String {
    minute_ahead(12 * 60).0
}

fn wait_until(at: OffsetDateTime) {
    let left = at - OffsetDateTime::now_utc();
    if left > time::Duration::ZERO {
        std::thread::sleep(Duration::try_from(left).unwrap());
    }
}

/// Polls the server's log for a line holding `needle`, for up to 30 s.
fn log_line(server: &Server, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(l) = server.logs().lines().find(|l| l.contains(needle)) {
            return l.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no log line with {needle:?}:\n{}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_relay_that_is_down_is_tried_again_at_the_next_time_and_nothing_is_lost_or_doubled() {
    let Some(python) = smtp_python(
        "a_relay_that_is_down_is_tried_again_at_the_next_time_and_nothing_is_lost_or_doubled",
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let (first, first_at) = minute_ahead(1);
    let (second, second_at) = minute_ahead(2);
    let adviser = age::x25519::Identity::generate();
    let config = write_config(
        tmp.path(),
        &adviser,
        &format!(
            "relay = \"127.0.0.1:{port}\"\ntls = \"none\"\nfrom = \"fluister@school.test\"\n\
             send_at = [\"{first}\", \"{second}\"]\nlanguage = \"en\""
        ),
        &["mentor@school.test"],
    );
    let data = tmp.path().join("data");
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    let code = report(&server, "SENTINEL-DOWN voor de eerste keer");

    // The first time comes with no relay listening: the server logs one line and goes on.
    wait_until(first_at);
    let line = log_line(&server, &format!("digests at {first}"));
    assert!(
        line.contains("1 of 1 not sent") && line.contains("refused"),
        "{line}"
    );
    assert_eq!(
        server
            .logs()
            .matches(&format!("digests at {first}"))
            .count(),
        1,
        "one line"
    );
    assert_eq!(
        get(&server.url("/healthz")).status,
        200,
        "the server keeps running"
    );

    // The relay comes back and another report arrives before the next time.
    let smtp = Smtp::start(&python, port, &tmp.path().join("maildir"));
    let second_code = report(&server, "SENTINEL-UP voor de tweede keer");
    wait_until(second_at);
    let line = log_line(&server, &format!("digests at {second}: done"));
    assert!(!line.contains("not sent"), "{line}");

    let mails = received(&smtp.maildir);
    assert_eq!(mails.len(), 1, "one digest with both reports");
    let ids: Vec<String> = {
        let db = server.db();
        let mut stmt = db.prepare("SELECT id FROM reports").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let mail = &mails[0];
    assert_eq!(mail.header("subject"), Some("Fluister: summary"));
    assert!(mail.body.contains("- new reports: 2"), "{}", mail.body);
    assert_eq!(mail.header("reply-to"), None);
    for id in &ids {
        assert!(!mail.raw.contains(id.as_str()));
    }
    for c in [&code, &second_code] {
        assert!(!mail.raw.contains(c.as_str()));
    }
    assert!(!mail.raw.contains("SENTINEL") && !mail.raw.contains("threat"));

    // Nothing left to send: not now, and not twice.
    let out = notify_now(&config);
    assert!(
        text(&out).contains("demo mentor@school.test: nothing new, no mail"),
        "{}",
        text(&out)
    );
    assert_eq!(received(&smtp.maildir).len(), 1);
    let logs = server.stop();
    assert!(!logs.contains("SENTINEL") && !ids.iter().any(|id| logs.contains(id.as_str())));
}

#[test]
fn starttls_is_the_default_and_a_relay_without_it_gets_nothing() {
    let Some(python) = smtp_python("starttls_is_the_default_and_a_relay_without_it_gets_nothing")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    // aiosmtpd without a certificate offers no STARTTLS: a plain-only relay.
    let smtp = Smtp::start(&python, port, &tmp.path().join("maildir"));
    let adviser = age::x25519::Identity::generate();
    let config = write_config(
        tmp.path(),
        &adviser,
        &format!(
            "relay = \"127.0.0.1:{port}\"\nfrom = \"fluister@school.test\"\nsend_at = [\"{}\"]",
            far_time()
        ),
        &["mentor@school.test"],
    );
    let data = tmp.path().join("data");
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    report(&server, "SENTINEL-PLAIN niet onversleuteld versturen");

    let out = notify_now(&config);
    let said = text(&out);
    assert!(!out.status.success(), "{said}");
    assert!(
        said.contains("demo mentor@school.test: failed: relay 127.0.0.1")
            && said.contains("does not offer STARTTLS"),
        "{said}"
    );
    assert!(
        received(&smtp.maildir).is_empty(),
        "nothing went out in plain text"
    );
    drop(server);
}

#[test]
fn a_misconfigured_mail_section_stops_the_server_and_names_the_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = age::x25519::Identity::generate();
    let serve = |mail: &str| {
        let config = write_config(tmp.path(), &adviser, mail, &["mentor@school.test"]);
        let out = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--config",
                config.to_str().unwrap(),
            ])
            .stdin(Stdio::null())
            .env_remove("FLUISTER_SMTP_PASSWORD")
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let base = "from = \"f@school.test\"\nsend_at = [\"08:00\"]";
    let e = serve(&format!(
        "relay = \"smtp.school.test\"\ntls = \"none\"\n{base}"
    ));
    assert!(
        e.contains("mail.tls = \"none\"") && e.contains("smtp.school.test"),
        "{e}"
    );
    let e = serve(&format!(
        "relay = \"smtp.school.test\"\nusername = \"u\"\npassword = \"hunter2\"\n{base}"
    ));
    assert!(
        e.contains("mail.password:") && !e.contains("hunter2"),
        "{e}"
    );
    let pw = tmp.path().join("smtp-password");
    std::fs::write(&pw, "hunter2\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
    let e = serve(&format!(
        "relay = \"smtp.school.test\"\nusername = \"u\"\npassword_file = \"{}\"\n{base}",
        pw.display()
    ));
    assert!(
        e.contains("mail.password_file") && e.contains("chmod 600"),
        "{e}"
    );
    // A password file that is not one: owner-only but endless (/proc/self/pagemap is gigabytes
    // when read whole). The server refuses at once, naming the setting, instead of reading it.
    let e = serve(&format!(
        "relay = \"smtp.school.test\"\nusername = \"u\"\npassword_file = \"/proc/self/pagemap\"\n{base}"
    ));
    assert!(e.contains("mail.password_file"), "{e}");
    let e = serve("relay = \"smtp.school.test\"\nfrom = \"f@school.test\"\nsend_at = [\"8h\"]");
    assert!(e.contains("mail.send_at[0]"), "{e}");

    // notify never makes a data folder of its own: the server does.
    let config = write_config(
        tmp.path(),
        &adviser,
        &format!("relay = \"smtp.school.test\"\n{base}"),
        &["mentor@school.test"],
    );
    let out = notify_now(&config);
    assert!(!out.status.success());
    assert!(text(&out).contains("no database"), "{}", text(&out));
    assert!(!tmp.path().join("data").exists());
}
