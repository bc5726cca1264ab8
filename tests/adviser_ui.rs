//! The adviser's browser UI: the real `fluister adviser ui` against a real server, driven over
//! plain HTTP as the adviser's browser would, and as another program on the computer or a
//! hostile web page would try.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::images;
use common::*;

const REPORT: &str = "SENTINEL-UI-REPORT ze dreigen mijn foto door te sturen";
const ADULT: &str = "SENTINEL-UI-ADULT de gymleraar stuurt me berichten";
const REPLY: &str = "SENTINEL-UI-REPLY Dank je. Kom je morgen langs bij kamer 12?";
const NOTE: &str = "SENTINEL-UI-NOTE mentor gebeld, niet aan leerling vertellen";
const PASSPHRASE: &str = "correct horse battery";

/// A running `fluister adviser ui`, killed when dropped.
struct Ui {
    child: Child,
    /// The link it printed: `http://127.0.0.1:PORT/?token=…`.
    link: String,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Ui {
    /// Starts the UI as an adviser would, with no passphrase in the environment and no browser.
    fn start(server: &str, identity: &Path, cache: &Path) -> Ui {
        Ui::launch(
            server,
            identity,
            cache,
            &[],
            &[("FLUISTER_NO_BROWSER", "1")],
        )
    }

    /// Starts the UI with extra arguments and environment, and without FLUISTER_NO_BROWSER
    /// unless `env` sets it.
    fn launch(
        server: &str,
        identity: &Path,
        cache: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Ui {
        let mut child = Command::new(BIN)
            .args(["adviser", "ui", "--server", server, "--identity"])
            .arg(identity)
            .args(args)
            .env_remove("FLUISTER_NO_BROWSER")
            .envs(env.iter().copied())
            .env("FLUISTER_CACHE_DIR", cache)
            .env_remove("FLUISTER_PASSPHRASE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the fluister binary starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let link = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) if line.starts_with("Open http://127.0.0.1:") => {
                    break line["Open ".len()..].trim().to_owned();
                }
                Ok(_) => continue,
                Err(_) => panic!(
                    "the ui printed no link: {}",
                    stderr.lock().unwrap().as_str()
                ),
            }
        };
        let port = link["http://127.0.0.1:".len()..]
            .split('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            link.starts_with(&format!("http://127.0.0.1:{port}/?token=")),
            "{link}"
        );
        Ui {
            child,
            link,
            port,
            stderr,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Opens the printed link as the browser does: the token buys a session cookie and the
    /// page moves to `/` without it.
    fn open_link(&self) -> Browser {
        let page = get_with(&self.link, &[]);
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.header("location"), Some("/"));
        let set_cookie = page
            .header("set-cookie")
            .expect("a session cookie")
            .to_owned();
        let attributes: Vec<&str> = set_cookie.split(';').map(str::trim).collect();
        for a in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(attributes.contains(&a), "{a} missing: {set_cookie}");
        }
        assert!(
            !set_cookie.contains("Secure") && !set_cookie.contains("Max-Age"),
            "plain http on loopback, gone with the browser session: {set_cookie}"
        );
        Browser {
            base: self.url(""),
            cookie: attributes[0].to_owned(),
        }
    }

    /// Kills the UI (as closing its terminal would) and returns what it wrote to stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The adviser's browser: the UI's address and its session cookie.
struct Browser {
    base: String,
    cookie: String,
}

impl Browser {
    fn get(&self, path: &str) -> Page {
        get_with(&format!("{}{path}", self.base), &[("Cookie", &self.cookie)])
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        post_form_with(
            &format!("{}{path}", self.base),
            &[("Cookie", &self.cookie)],
            fields,
        )
    }
}

/// The CSRF token in a page's forms.
fn csrf_of(page: &Page) -> String {
    let marker = r#"name="csrf" value=""#;
    let start = page.body.find(marker).expect("a form with a CSRF token") + marker.len();
    page.body[start..start + 64].to_owned()
}

/// The report ids an inbox page links to, in order.
fn case_ids(page: &Page) -> Vec<String> {
    page.body
        .match_indices(r#"href="/case/"#)
        .map(|(i, m)| page.body[i + m.len()..i + m.len() + 16].to_owned())
        .collect()
}

/// A pupil's report over HTTP; returns the pickup code.
fn pupil_reports(server: &Server, school: &str, fields: &[(&str, &str)]) -> String {
    let mut all = vec![("lang", "nl")];
    all.extend_from_slice(fields);
    let page = post_form(&server.url(&format!("/s/{school}/report")), &all);
    assert_eq!(page.status, 200, "{}", page.body);
    page.pickup_code().unwrap()
}

fn message_count(server: &Server) -> i64 {
    server
        .db()
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap()
}

/// The cache holds ciphertext only: not one word of any report or message.
fn assert_no_plaintext(cache: &Path) {
    let files = all_files(cache);
    assert!(!files.is_empty(), "the session used the cache");
    for (path, bytes) in files {
        assert!(
            !contains(&bytes, b"SENTINEL"),
            "{} holds plaintext",
            path.display()
        );
    }
}

#[test]
fn an_adviser_handles_a_case_in_the_browser_and_nobody_else_can() {
    let server = Server::demo();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let code = pupil_reports(
        &server,
        "demo",
        &[
            ("category", "sextortion"),
            ("description", REPORT),
            ("danger_now", "unsure"),
        ],
    );
    let ui = Ui::start(
        &server.base,
        &server.data_dir.join("demo-adviser.key"),
        &cache,
    );

    // (1) Without the link or a session, nothing answers: not the inbox, not a case, not even
    // the stylesheet, not a guessed token.
    for path in [
        "/".to_owned(),
        "/static/adviser.css".to_owned(),
        "/case/0123456789abcdef".to_owned(),
        format!("/?token={}", "0".repeat(64)),
    ] {
        let page = get_with(&ui.url(&path), &[]);
        assert_eq!(page.status, 403, "{path}");
        assert!(page.body.contains("Geen toegang"), "{}", page.body);
        assert!(page.header("set-cookie").is_none());
    }
    let page = post_form_with(&ui.url("/unlock"), &[], &[("passphrase", "x")]);
    assert_eq!(page.status, 403);

    // (2) A page whose name resolves to 127.0.0.1 (DNS rebinding) cannot use even a valid
    // link: the Host header gives it away. The link stays valid for the adviser.
    let evil_host = format!("evil.example:{}", ui.port);
    for host in [evil_host.as_str(), "127.0.0.1:1"] {
        let page = get_with(&ui.link, &[("Host", host)]);
        assert_eq!(page.status, 403, "{host}");
        assert!(page.header("set-cookie").is_none(), "{host}");
    }

    // (4) The link buys one session, once.
    let browser = ui.open_link();
    assert_eq!(get_with(&ui.link, &[]).status, 403, "the link works once");
    let page = get_with(
        &ui.url("/"),
        &[("Cookie", &browser.cookie), ("Host", &evil_host)],
    );
    assert_eq!(
        page.status, 403,
        "a valid cookie does not excuse a foreign Host"
    );
    let page = get_with(&ui.url("/"), &[("Cookie", "fluister_ui_1=nope")]);
    assert_eq!(page.status, 403);

    // The inbox lists the report, with strict headers.
    let inbox = browser.get("/");
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    let csp = inbox.header("content-security-policy").unwrap();
    for part in [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{part} missing: {csp}");
    }
    assert!(
        !csp.contains("data:"),
        "images come from this server only: {csp}"
    );
    assert_eq!(inbox.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(inbox.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(inbox.header("cache-control"), Some("no-store"));
    assert!(!inbox.body.contains("<script"), "no JavaScript");
    // The pupil wrote in Dutch: the inbox names the language (issue 14).
    for text in [
        "Sextortion",
        "demo",
        "Weet niet",
        "nieuw",
        "<td data-label=\"Taal\">Nederlands</td>",
    ] {
        assert!(inbox.body.contains(text), "{text} missing: {}", inbox.body);
    }
    let ids = case_ids(&inbox);
    assert_eq!(ids.len(), 1, "{}", inbox.body);
    let id = ids[0].clone();
    let css = browser.get("/static/adviser.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));

    // The case, decrypted on this computer, with what the law asks of the adviser.
    let case = browser.get(&format!("/case/{id}"));
    assert_eq!(case.status, 200, "{}", case.body);
    for text in [
        REPORT,
        "art. 252 Wetboek van Strafrecht",
        "Helpwanted",
        "112",
    ] {
        assert!(case.body.contains(text), "{text} missing: {}", case.body);
    }
    let csrf = csrf_of(&case);

    // (3) A post without this session's CSRF token does nothing.
    let reply_path = format!("/case/{id}/reply");
    let wrong = "f".repeat(64);
    for fields in [
        vec![("message", REPLY)],
        vec![("message", REPLY), ("csrf", wrong.as_str())],
        vec![("message", REPLY), ("csrf", "")],
    ] {
        let page = browser.post(&reply_path, &fields);
        assert_eq!(page.status, 403, "{fields:?}");
    }
    let page = browser.post(
        &format!("/case/{id}/status"),
        &[("status", "closed"), ("csrf", &wrong)],
    );
    assert_eq!(page.status, 403);
    assert_eq!(message_count(&server), 0, "nothing was posted");

    // An empty reply is refused and nothing is sent.
    let page = browser.post(&reply_path, &[("message", "  "), ("csrf", &csrf)]);
    assert_eq!(page.status, 422);
    assert!(page.body.contains("het bericht is leeg"), "{}", page.body);
    assert_eq!(message_count(&server), 0);

    // A reply, encrypted here: the pupil reads it with their code.
    let page = browser.post(&reply_path, &[("message", REPLY), ("csrf", &csrf)]);
    assert_eq!(page.status, 303, "{}", page.body);
    let back = page.header("location").unwrap().to_owned();
    assert_eq!(back, format!("/case/{id}?flash=reply"));
    let case = browser.get(&back);
    assert!(case.body.contains(REPLY) && case.body.contains("versleuteld en verstuurd"));
    let pupil = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(pupil.body.contains(REPLY), "{}", pupil.body);

    // A private note: on the case page, marked as such, never on the pupil's.
    let page = browser.post(
        &format!("/case/{id}/note"),
        &[("message", NOTE), ("csrf", &csrf)],
    );
    assert_eq!(page.status, 303);
    let case = browser.get(&format!("/case/{id}"));
    assert!(case.body.contains(NOTE) && case.body.contains("Privénotitie"));
    assert!(case.body.contains(r#"class="message note""#));
    assert!(case.body.contains(r#"class="message adviser""#));
    let pupil = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(!pupil.body.contains("SENTINEL-UI-NOTE"));

    // Status.
    let page = browser.post(
        &format!("/case/{id}/status"),
        &[("status", "closed"), ("csrf", &csrf)],
    );
    assert_eq!(page.status, 303);
    assert_eq!(
        page.header("location"),
        Some(format!("/case/{id}?flash=status-closed").as_str())
    );
    assert_eq!(case_ids(&browser.get("/?status=closed")), vec![id.clone()]);
    assert!(case_ids(&browser.get("/?status=new")).is_empty());
    let case = browser.get(page.header("location").unwrap());
    assert!(
        case.body.contains("De status is nu: gesloten."),
        "{}",
        case.body
    );
    assert!(case.body.contains("gesloten (nu)"));

    // Legal hold: on, shown, and off again; a form that is not the page's is refused.
    assert!(case.body.contains("Zet op legal hold"));
    let hold = format!("/case/{id}/hold");
    let page = browser.post(&hold, &[("held", "1"), ("csrf", &wrong)]);
    assert_eq!(page.status, 403);
    let page = browser.post(&hold, &[("held", "maybe"), ("csrf", &csrf)]);
    assert_eq!(page.status, 400);
    let page = browser.post(&hold, &[("held", "1"), ("csrf", &csrf)]);
    assert_eq!(page.status, 303);
    let held = browser.get(page.header("location").unwrap());
    assert!(held.body.contains("staat op legal hold"), "{}", held.body);
    assert!(held.body.contains("Hef de legal hold op"));
    assert!(browser.get("/").body.contains("legal hold"));
    let page = browser.post(&hold, &[("held", "0"), ("csrf", &csrf)]);
    assert_eq!(page.status, 303);
    let released = browser.get(page.header("location").unwrap());
    assert!(
        released.body.contains("De server wist deze melding"),
        "{}",
        released.body
    );

    // Export: an HTML attachment, plaintext on purpose, and the page says so.
    assert!(case.body.contains("niet versleuteld"));
    let export = browser.post(&format!("/case/{id}/export"), &[("csrf", &csrf)]);
    assert_eq!(export.status, 200);
    assert_eq!(
        export.header("content-disposition"),
        Some(format!("attachment; filename=\"fluister-case-{id}.html\"").as_str())
    );
    assert!(
        export
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(export.body.starts_with("<!DOCTYPE html>"));
    for text in [REPORT, REPLY, NOTE] {
        assert!(export.body.contains(text), "{text} missing from the export");
    }
    let page = browser.post(&format!("/case/{id}/export"), &[]);
    assert_eq!(page.status, 403, "no export without the CSRF token either");

    // A report about an adult at school shows the duty to report.
    pupil_reports(
        &server,
        "demo",
        &[("category", "adult_contact"), ("description", ADULT)],
    );
    let adult = case_ids(&browser.get("/"))
        .into_iter()
        .find(|i| *i != id)
        .expect("the second report");
    let case = browser.get(&format!("/case/{adult}"));
    for text in [
        ADULT,
        "vertrouwensinspecteur",
        "0900-111 3 111",
        "bevoegd gezag",
    ] {
        assert!(case.body.contains(text), "{text} missing: {}", case.body);
    }

    let log = ui.stop();
    assert!(!log.contains("SENTINEL"), "the ui logs no content: {log}");
    assert_no_plaintext(&cache);
}

#[test]
fn a_protected_key_is_unlocked_in_the_browser() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("adviser.key");
    let out = Command::new(BIN)
        .args(["adviser", "init", "--identity"])
        .arg(&key)
        .env("FLUISTER_PASSPHRASE", PASSPHRASE)
        .env("FLUISTER_SETTINGS", tmp.path().join("settings.toml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recipient = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let data = tmp.path().join("data");
    let config = tmp.path().join("fluister.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\n[[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\n\
             advisers = [\"{recipient}\"]\n",
            data.display()
        ),
    )
    .unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    pupil_reports(
        &server,
        "de-linde",
        &[("category", "bullying"), ("description", REPORT)],
    );
    let cache = tmp.path().join("cache");
    let ui = Ui::start(&server.base, &key, &cache);
    let browser = ui.open_link();

    // The first page asks for the passphrase and shows nothing of any report.
    let page = browser.get("/");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(r#"type="password" name="passphrase""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("de-linde") && !page.body.contains("SENTINEL"));
    let csrf = csrf_of(&page);

    // A wrong passphrase is refused calmly, with the form again.
    let page = browser.post(
        "/unlock",
        &[("passphrase", "wrong horse battery"), ("csrf", &csrf)],
    );
    assert_eq!(page.status, 403);
    assert!(
        page.body.contains("Dat wachtwoord klopt niet"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"name="passphrase""#));
    // The right one without the CSRF token opens nothing.
    let page = browser.post("/unlock", &[("passphrase", PASSPHRASE)]);
    assert_eq!(page.status, 403);
    assert!(
        browser.get("/").body.contains(r#"name="passphrase""#),
        "still locked"
    );

    // The right passphrase opens the inbox.
    let page = browser.post("/unlock", &[("passphrase", PASSPHRASE), ("csrf", &csrf)]);
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.header("location"), Some("/"));
    let inbox = browser.get("/");
    assert!(inbox.body.contains("de-linde") && inbox.body.contains("Pesten"));
    let id = case_ids(&inbox).pop().expect("the report is listed");
    assert!(browser.get(&format!("/case/{id}")).body.contains(REPORT));

    // Locking drops the key: the passphrase is asked again, and works again.
    let page = browser.post("/lock", &[("csrf", &csrf)]);
    assert_eq!(page.status, 303);
    let page = browser.get(&format!("/case/{id}"));
    assert!(page.body.contains(r#"name="passphrase""#) && !page.body.contains(REPORT));
    let page = browser.post("/unlock", &[("passphrase", PASSPHRASE), ("csrf", &csrf)]);
    assert_eq!(page.status, 303);
    assert!(browser.get(&format!("/case/{id}")).body.contains(REPORT));

    let log = ui.stop();
    assert!(!log.contains(PASSPHRASE), "{log}");
    assert_no_plaintext(&cache);
}

#[test]
fn evidence_images_are_shown_blurred_from_memory_and_only_to_the_session() {
    let server = Server::demo();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let page = post_multipart(
        &server.url("/s/demo/report"),
        &[
            ("lang", "nl"),
            ("category", "fight_filmed"),
            ("description", REPORT),
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
        &[
            ("code", &code),
            ("message", "SENTINEL-UI-FOLLOWUP"),
            ("lang", "nl"),
        ],
        &[("later.png", &images::png_with_text(90, 160))],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let ui = Ui::start(
        &server.base,
        &server.data_dir.join("demo-adviser.key"),
        &cache,
    );
    let browser = ui.open_link();
    let inbox = browser.get("/");
    assert!(inbox.body.contains("Afbeeldingen"), "{}", inbox.body);
    let id = case_ids(&inbox).pop().unwrap();

    // The case page: every image behind its own "show" checkbox, blurred by the stylesheet,
    // with what to do about a nude image of a minor right beside them.
    let case = browser.get(&format!("/case/{id}"));
    assert_eq!(case.status, 200, "{}", case.body);
    for n in 1..=3 {
        for markup in [
            format!(
                r#"<input class="reveal" type="checkbox" id="toon-{n}" autocomplete="off"><label class="reveal-button" for="toon-{n}">"#
            ),
            format!(r#"<div class="blur"><img src="/case/{id}/attachments/{n}""#),
            format!(r#"<figure class="evidence" id="afbeelding-{n}">"#),
        ] {
            assert!(
                case.body.contains(&markup),
                "{markup} missing: {}",
                case.body
            );
        }
    }
    for text in [
        "naaktfoto van een minderjarige",
        "Stuur hem niet door, download hem niet en maak er geen screenshot van",
        "Helpwanted",
        "politie (0900-8844)",
        "fluister adviser attachments",
        "foto (JPEG) 48×64",
        "bij bericht 1",
    ] {
        assert!(case.body.contains(text), "{text} missing: {}", case.body);
    }
    assert!(!case.body.contains("<script"));
    let css = browser.get("/static/adviser.css").body;
    for rule in [
        "filter: blur(",
        "input.reveal:checked ~ .blur img { filter: none;",
    ] {
        assert!(css.contains(rule), "{rule} missing from the stylesheet");
    }

    // Each image comes decrypted from the workstation's memory: the exact image, its own
    // type, never stored by the browser, never sniffed.
    let cookie = [("Cookie", browser.cookie.as_str())];
    let mut shown = Vec::new();
    for (n, mime, width, height) in [
        (1, "image/jpeg", 48, 64),
        (2, "image/png", 120, 80),
        (3, "image/png", 90, 160),
    ] {
        let url = ui.url(&format!("/case/{id}/attachments/{n}"));
        let (status, headers, body) = get_bytes_with(&url, &cookie);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let header = |h: &str| headers.get(h).and_then(|v| v.to_str().ok()).unwrap_or("");
        assert_eq!(header("content-type"), mime);
        assert_eq!(header("cache-control"), "no-store");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-security-policy").contains("default-src 'none'"));
        images::assert_clean(&body);
        let picture = image::load_from_memory(&body).unwrap();
        assert_eq!((picture.width(), picture.height()), (width, height));
        let (by_hand, _) = open_attachment_by_hand(&server, &server.demo_identity(), &id, n);
        assert_eq!(body, by_hand, "attachment {n}");

        // Nobody else: no cookie, a wrong cookie, a foreign Host.
        let evil_host = format!("evil.example:{}", ui.port);
        for headers in [
            vec![],
            vec![("Cookie", "fluister_ui_1=nope")],
            vec![
                ("Cookie", browser.cookie.as_str()),
                ("Host", evil_host.as_str()),
            ],
        ] {
            let (status, headers, body) = get_bytes_with(&url, &headers);
            assert_eq!(status, 403);
            assert!(
                headers
                    .get("content-type")
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("text/html")
            );
            assert!(!body.starts_with(&by_hand[..8]));
        }
        shown.push(by_hand);
    }
    for path in [
        format!("/case/{id}/attachments/4"),
        format!("/case/{id}/attachments/0"),
        format!("/case/{id}/attachments/x"),
        "/case/0123456789abcdef/attachments/1".to_owned(),
    ] {
        assert_eq!(browser.get(&path).status, 404, "{path}");
    }

    // The export lists the images without them.
    let csrf = csrf_of(&case);
    let export = browser.post(&format!("/case/{id}/export"), &[("csrf", &csrf)]);
    assert_eq!(export.status, 200);
    assert!(
        export.body.contains("Afbeeldingen als bewijs"),
        "{}",
        export.body
    );
    assert!(
        export
            .body
            .contains(&format!("fluister adviser attachments {id} --out MAP"))
    );
    assert!(!export.body.contains("<img"));

    let log = ui.stop();
    assert!(!log.contains("SENTINEL"), "{log}");
    // On disk, ciphertext only: no image file, no image bytes.
    assert_no_plaintext(&cache);
    for (path, bytes) in all_files(&cache) {
        assert!(
            !bytes.starts_with(b"\x89PNG") && !bytes.starts_with(&[0xFF, 0xD8]),
            "{}",
            path.display()
        );
        for image in &shown {
            let middle = &image[image.len() / 2..image.len() / 2 + 32];
            assert!(!contains(&bytes, middle), "{}", path.display());
            assert!(!contains(&bytes, &image[..32]), "{}", path.display());
        }
    }
}

#[test]
fn a_damaged_case_is_named_in_the_browser_and_the_others_stay_visible() {
    let server = Server::demo();
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    pupil_reports(
        &server,
        "demo",
        &[("category", "bullying"), ("description", REPORT)],
    );
    let good = server.report_ids().remove(0);
    pupil_reports(
        &server,
        "demo",
        &[("category", "threat"), ("description", ADULT)],
    );
    let broken = server
        .report_ids()
        .into_iter()
        .find(|id| *id != good)
        .unwrap();
    // A damaged page in the real database file: the report is no age file any more.
    server.damage("reports", &broken, None, b"DAMAGED PAGE, not an age file");

    let ui = Ui::start(
        &server.base,
        &server.data_dir.join("demo-adviser.key"),
        &cache,
    );
    let browser = ui.open_link();
    let inbox = browser.get("/");
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    // The good case is listed as ever; the broken one is named by id, calmly, with what to do.
    assert!(inbox.body.contains("Pesten"), "{}", inbox.body);
    assert!(
        inbox.body.contains("Niet alles kon worden geopend"),
        "{}",
        inbox.body
    );
    assert!(
        inbox.body.contains(&format!(
            r#"Melding <a class="id" href="/case/{broken}">{broken}</a> kon niet worden geopend: de opgeslagen, versleutelde tekst is beschadigd."#
        )),
        "{}",
        inbox.body
    );
    assert!(inbox.body.contains("IT van je school"));
    assert!(inbox.body.contains("(beschadigd)"));
    assert!(!inbox.body.contains("(niet voor jouw sleutel)"));
    let ids = case_ids(&inbox);
    assert!(ids.contains(&good) && ids.contains(&broken), "{ids:?}");

    // Its page opens and says what happened; the good case reads as ever.
    let page = browser.get(&format!("/case/{broken}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "Deze melding kon niet worden geopend: de opgeslagen, versleutelde tekst is beschadigd."
        ),
        "{}",
        page.body
    );
    let page = browser.get(&format!("/case/{good}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(REPORT), "{}", page.body);
}

#[test]
fn a_changed_adviser_list_is_shown_and_nothing_is_sealed_until_it_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let me = age::x25519::Identity::generate();
    let stranger = age::x25519::Identity::generate();
    let key = tmp.path().join("adviser.key");
    std::fs::write(
        &key,
        fluister::crypto::identity_file_text(&me, "2026-11-21").as_bytes(),
    )
    .unwrap();
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
                "data_dir = \"{}\"\n[[school]]\nslug = \"demo\"\nname = \"Demo\"\nadvisers = [{}]\n",
                data.display(),
                list.join(", ")
            ),
        )
        .unwrap();
    };
    // One address throughout: the workstation keeps its pins per server address.
    let address = free_loopback_address();
    let start = || Server::start_at(&address, &["--config", config.to_str().unwrap()], &data);
    write_config(&[&me]);
    let server = start();
    pupil_reports(
        &server,
        "demo",
        &[("category", "bullying"), ("description", REPORT)],
    );
    let id = server.report_ids().remove(0);
    let ui = Ui::start(&server.base, &key, &tmp.path().join("cache"));
    let browser = ui.open_link();
    let case_path = format!("/case/{id}");

    // First use pins the school's advisers: no warning, the writing boxes are there.
    let page = browser.get(&case_path);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        !page
            .body
            .contains("adviseurslijst van deze school is veranderd")
    );
    assert!(
        page.body
            .contains(&format!(r#"action="{case_path}/reply#reply-text-problem""#))
    );
    server.stop();

    // The server comes back with a key added to the school.
    write_config(&[&me, &stranger]);
    let server = start();
    let page = browser.get(&case_path);
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "Let op: de adviseurslijst van deze school is veranderd",
        &format!("<li><code>{}</code></li>", stranger.to_public()),
        "Versturen kan pas weer",
    ] {
        assert!(page.body.contains(text), "{text} missing: {}", page.body);
    }
    assert!(!page.body.contains(&format!(r#"action="{case_path}/reply"#)));
    assert!(!page.body.contains(&format!(r#"action="{case_path}/note"#)));
    let csrf = csrf_of(&page);

    // A reply posted anyway (from a tab opened before) is refused, its text kept, nothing sealed.
    let refused = browser.post(
        &format!("{case_path}/reply"),
        &[("csrf", &csrf), ("message", REPLY)],
    );
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains(REPLY), "the text is kept");
    assert!(
        refused
            .body
            .contains("adviseurslijst van deze school is veranderd")
    );
    assert_eq!(message_count(&server), 0);

    // Accepting needs the list that was shown: a different fingerprint accepts nothing.
    let accept = format!("{case_path}/advisers");
    let wrong = browser.post(
        &accept,
        &[("csrf", &csrf), ("fingerprint", "0000000000000000")],
    );
    assert_eq!(wrong.status, 409, "{}", wrong.body);
    assert!(
        wrong.body.contains("nothing was accepted"),
        "{}",
        wrong.body
    );
    assert!(
        browser
            .get(&case_path)
            .body
            .contains("Versturen kan pas weer")
    );

    let marker = r#"name="fingerprint" value=""#;
    let at = page.body.find(marker).unwrap() + marker.len();
    let fingerprint = &page.body[at..at + 16];
    let accepted = browser.post(&accept, &[("csrf", &csrf), ("fingerprint", fingerprint)]);
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let location = accepted.header("location").unwrap().to_owned();
    assert_eq!(location, format!("{case_path}?flash=advisers"));
    let page = browser.get(&location);
    assert!(
        page.body
            .contains("De nieuwe adviseurslijst is op deze computer vastgelegd.")
    );
    assert!(!page.body.contains("Versturen kan pas weer"));

    // Now the reply goes out, sealed to the list the adviser accepted.
    let sent = browser.post(
        &format!("{case_path}/reply"),
        &[("csrf", &csrf), ("message", REPLY)],
    );
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(message_count(&server), 1);
    let stored: Vec<u8> = server
        .db()
        .query_row("SELECT ciphertext FROM messages", [], |r| r.get(0))
        .unwrap();
    assert!(decrypt(&stranger, &stored).is_ok());
    ui.stop();
}

/// A stand-in for the desktop's `xdg-open` in `dir`: it records the arguments it was given,
/// the modes of the file and folder it was pointed at, and what a browser would read there.
fn fake_opener(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!(
            "#!/bin/sh\n\
             stat -c '%a' \"$1\" \"$(dirname \"$1\")\" > '{dir}/modes'\n\
             cat \"$1\" > '{dir}/page'\n\
             printf '%s\\n' \"$@\" > '{dir}/args.tmp' && mv '{dir}/args.tmp' '{dir}/args'\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn the_browser_is_handed_the_link_through_a_private_file_never_argv() {
    let server = Server::demo();
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("opener");
    std::fs::create_dir_all(&record).unwrap();
    let bin = fake_opener(&record);
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [
        ("PATH", path.as_str()),
        ("XDG_RUNTIME_DIR", runtime.to_str().unwrap()),
    ];
    let key = server.data_dir.join("demo-adviser.key");
    let ui = Ui::launch(&server.base, &key, &tmp.path().join("cache"), &[], &env);
    let token = ui.link.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(token.len(), 64);

    // The opener is started with one argument, a file path; the token is in none of its
    // arguments, which every user of the computer could read in `ps`.
    let args_file = record.join("args");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !args_file.exists() {
        assert!(Instant::now() < deadline, "the opener was never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let args = std::fs::read_to_string(&args_file).unwrap();
    assert!(
        !args.contains(&token),
        "the token is on a command line: {args}"
    );
    assert!(!args.contains("token"), "{args}");
    let lines: Vec<&str> = args.lines().collect();
    assert_eq!(lines.len(), 1, "{args}");
    let page_path = Path::new(lines[0]);
    assert!(page_path.starts_with(&runtime), "{args}");
    assert!(page_path.extension().is_some_and(|e| e == "html"), "{args}");

    // Only this user can read the file or open its folder, and it leads to the link.
    let modes = std::fs::read_to_string(record.join("modes")).unwrap();
    assert_eq!(modes.split_whitespace().collect::<Vec<_>>(), ["600", "700"]);
    let page = std::fs::read_to_string(record.join("page")).unwrap();
    assert!(
        page.contains(&format!(
            r#"http-equiv="refresh" content="0;url={}""#,
            ui.link
        )),
        "{page}"
    );

    // Once the link is used, the file and its folder are gone.
    assert!(page_path.exists());
    let browser = ui.open_link();
    assert!(!page_path.exists(), "the page outlived the link");
    assert!(!page_path.parent().unwrap().exists());
    assert_eq!(browser.get("/").status, 200);
    ui.stop();
}

#[test]
fn with_no_browser_only_the_link_is_printed() {
    let server = Server::demo();
    let tmp = tempfile::tempdir().unwrap();
    let record = tmp.path().join("opener");
    std::fs::create_dir_all(&record).unwrap();
    let bin = fake_opener(&record);
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let env = [
        ("PATH", path.as_str()),
        ("XDG_RUNTIME_DIR", runtime.to_str().unwrap()),
    ];
    let key = server.data_dir.join("demo-adviser.key");
    let ui = Ui::launch(
        &server.base,
        &key,
        &tmp.path().join("cache"),
        &["--no-browser"],
        &env,
    );
    // The link is printed and works; nothing was opened and no file was written.
    let browser = ui.open_link();
    assert_eq!(browser.get("/").status, 200);
    std::thread::sleep(Duration::from_millis(300));
    assert!(!record.join("args").exists(), "the opener was started");
    assert_eq!(std::fs::read_dir(&runtime).unwrap().count(), 0);
    ui.stop();
}

/// The value of the hidden field `name` in a page's first form that has one.
fn hidden(page: &Page, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page.body.find(&marker).expect("the hidden field") + marker.len();
    let end = page.body[start..].find('"').unwrap();
    page.body[start..start + end].to_owned()
}

#[test]
fn a_changed_team_is_resealed_from_the_browser_and_every_case_names_its_readers() {
    let tmp = tempfile::tempdir().unwrap();
    let [a, b, c] = [(); 3].map(|()| age::x25519::Identity::generate());
    let key = tmp.path().join("b.key");
    std::fs::write(
        &key,
        fluister::crypto::identity_file_text(&b, "2026-12-01").as_bytes(),
    )
    .unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("fluister.toml");
    let write_config = |advisers: &[(&age::x25519::Identity, &str)]| {
        let list: Vec<String> = advisers
            .iter()
            .map(|(a, name)| format!("{{ key = \"{}\", name = \"{name}\" }}", a.to_public()))
            .collect();
        std::fs::write(
            &config,
            format!(
                "data_dir = \"{}\"\n[[school]]\nslug = \"demo\"\nname = \"Demo\"\nadvisers = [{}]\n",
                data.display(),
                list.join(", ")
            ),
        )
        .unwrap();
    };
    let address = free_loopback_address();
    let start = || Server::start_at(&address, &["--config", config.to_str().unwrap()], &data);
    write_config(&[(&a, "Mevr. Aydin"), (&b, "Dhr. Bakker")]);
    let server = start();
    for description in [REPORT, ADULT] {
        pupil_reports(
            &server,
            "demo",
            &[("category", "bullying"), ("description", description)],
        );
    }
    let ids = server.report_ids();
    let ui = Ui::start(&server.base, &key, &tmp.path().join("cache"));
    let browser = ui.open_link();

    // Every case says who besides the pupil can read it, by the names the school gave.
    let page = browser.get(&format!("/case/{}", ids[0]));
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "Wie kan deze melding lezen",
        "Mevr. Aydin",
        "Dhr. Bakker (jij)",
    ] {
        assert!(page.body.contains(text), "{text} missing: {}", page.body);
    }
    assert!(!browser.get("/").body.contains("Het adviseursteam"));
    server.stop();

    // The school swaps Aydin for Claes: the inbox says so and offers the reseal.
    write_config(&[(&b, "Dhr. Bakker"), (&c, "Mevr. Claes")]);
    let server = start();
    let inbox = browser.get("/");
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    for text in [
        "Het adviseursteam van school demo is veranderd",
        "2 meldingen",
        "Mevr. Claes",
        "vorig team",
        "Nagevraagd: accepteer dit team en versleutel opnieuw",
    ] {
        assert!(inbox.body.contains(text), "{text} missing: {}", inbox.body);
    }
    assert_eq!(case_ids(&inbox).len(), 2, "the notice links no case");
    let csrf = csrf_of(&inbox);
    let fingerprint = hidden(&inbox, "fingerprint");
    let page = browser.get(&format!("/case/{}", ids[0]));
    assert!(
        page.body.contains("nog versleuteld voor een eerder team"),
        "{}",
        page.body
    );

    // A list other than the one shown is not accepted.
    let refused = browser.post(
        "/reseal",
        &[
            ("csrf", &csrf),
            ("school", "demo"),
            ("fingerprint", "0000000000000000"),
        ],
    );
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(message_count(&server), 0);
    let page = browser.post(
        "/reseal",
        &[
            ("csrf", &csrf),
            ("school", "demo"),
            ("fingerprint", &fingerprint),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("<h1>Opnieuw versleuteld</h1>"),
        "{}",
        page.body
    );
    let db = server.db();
    let stored: Vec<Vec<u8>> = db
        .prepare("SELECT ciphertext FROM reports")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len(), 2);
    for ct in &stored {
        assert!(decrypt(&c, ct).is_ok() && decrypt(&a, ct).is_err());
    }
    let inbox = browser.get("/");
    assert!(!inbox.body.contains("Het adviseursteam"), "{}", inbox.body);
    assert!(!inbox.body.contains("vorig team"));
    let page = browser.get(&format!("/case/{}", ids[1]));
    assert!(page.body.contains("Mevr. Claes") && !page.body.contains("Mevr. Aydin"));
    assert!(!page.body.contains("eerder team"));

    // "Stoppen" ends the workstation: there may be no terminal for Ctrl-C.
    let page = browser.post("/quit", &[("csrf", &csrf)]);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Fluister adviseur is gestopt"),
        "{}",
        page.body
    );
    let mut ui = ui;
    let deadline = Instant::now() + Duration::from_secs(10);
    while ui.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the ui did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);
}
