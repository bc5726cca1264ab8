//! Test support: the real `fluister` binary on a free port, a plain HTTP client, and readers for
//! the data folder. No mocks: real SQLite, real age, real HTTP.
#![allow(dead_code)]

pub mod images;
pub mod thief;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use age::x25519;

pub const BIN: &str = env!("CARGO_BIN_EXE_fluister");

/// A running `fluister serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub data_dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    logs: Arc<Mutex<String>>,
}

impl Server {
    /// The demo install in a fresh temporary data folder.
    pub fn demo() -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let data_dir = tmp.path().join("data");
        let mut s = Server::start(&["--data-dir", data_dir.to_str().unwrap()], &data_dir);
        s._tmp = Some(tmp);
        s
    }

    /// `fluister serve --listen 127.0.0.1:0 <args>`, with every log level captured.
    pub fn start(args: &[&str], data_dir: &Path) -> Server {
        Server::start_logging("127.0.0.1:0", args, data_dir, Some("trace"))
    }

    /// `fluister serve --listen <listen> <args>`: for a test that restarts a server at the
    /// address a client already knows (the adviser's cache is kept per address).
    pub fn start_at(listen: &str, args: &[&str], data_dir: &Path) -> Server {
        Server::start_logging(listen, args, data_dir, Some("trace"))
    }

    /// As `start_at`, logging at `level` (`RUST_LOG`), or at the binary's default when `None`.
    pub fn start_logging(
        listen: &str,
        args: &[&str],
        data_dir: &Path,
        level: Option<&str>,
    ) -> Server {
        let mut command = Command::new(BIN);
        match level {
            Some(level) => command.env("RUST_LOG", level),
            None => command.env_remove("RUST_LOG"),
        };
        Server::start_with(command, listen, args, data_dir)
    }

    /// `fluister serve …` as `command` runs it: the binary itself, or a wrapper such as
    /// `faketime` in front of it, with whatever environment the test set.
    pub fn start_with(
        mut command: Command,
        listen: &str,
        args: &[&str],
        data_dir: &Path,
    ) -> Server {
        let mut child = command
            .arg("serve")
            .args(["--listen", listen])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the fluister binary starts");
        let logs = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let logs = logs.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let mut l = logs.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let base = loop {
            if let Some(addr) = logs
                .lock()
                .unwrap()
                .lines()
                .find_map(|l| l.split("listening on ").nth(1))
                .and_then(|rest| rest.split_whitespace().next())
            {
                break addr.to_owned();
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("server exited with {status}: {}", logs.lock().unwrap());
            }
            assert!(
                Instant::now() < deadline,
                "server did not start: {}",
                logs.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server {
            child,
            base,
            data_dir: data_dir.to_owned(),
            _tmp: None,
            logs,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's address, for raw sockets.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.base.trim_start_matches("http://").parse().unwrap()
    }

    /// The server's resident memory now, in bytes (Linux).
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .expect("VmRSS in /proc/<pid>/status");
        kb * 1024
    }

    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    /// The demo adviser's identity, read as an adviser would.
    pub fn demo_identity(&self) -> x25519::Identity {
        let text = std::fs::read_to_string(self.data_dir.join("demo-adviser.key")).unwrap();
        text.lines()
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap()
            .parse()
            .unwrap()
    }

    /// A read-only connection to the database.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.data_dir.join("fluister.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap()
    }

    pub fn report_count(&self) -> i64 {
        self.db()
            .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))
            .unwrap()
    }

    /// Stops the server with SIGTERM and waits for it, so its files are complete.
    pub fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.logs()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response, read whole.
pub struct Page {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The pickup code on a confirmation page.
    pub fn pickup_code(&self) -> Option<String> {
        let start = self.body.find("<output id=\"pickup-code\"")?;
        let rest = &self.body[start..];
        let open = rest.find('>')? + 1;
        let close = rest.find("</output>")?;
        Some(rest[open..close].to_owned())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::config::Config::builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build(),
    )
}

fn read(res: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Page {
    let mut res = res.expect("the server answers");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res
        .body_mut()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_to_string()
        .unwrap();
    Page {
        status,
        headers,
        body,
    }
}

pub fn get(url: &str) -> Page {
    read(agent().get(url).call())
}

/// POSTs an urlencoded form as a browser would.
pub fn post_form(url: &str, fields: &[(&str, &str)]) -> Page {
    read(agent().post(url).send_form(fields.iter().copied()))
}

/// POSTs raw bytes with the given content type and user agent.
pub fn post_raw(url: &str, content_type: &str, user_agent: &str, body: &[u8]) -> Page {
    read(
        agent()
            .post(url)
            .header("User-Agent", user_agent)
            .header("Referer", "http://referrer.example/SENTINEL-REFERRER")
            .content_type(content_type)
            .send(body),
    )
}

/// Form-encodes fields for `post_raw`.
pub fn encode(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (k, v) in fields {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out.into_bytes()
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decrypts an age file with one identity.
pub fn decrypt(identity: &dyn age::Identity, ciphertext: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let d = age::Decryptor::new_buffered(ciphertext).map_err(|e| e.to_string())?;
    let mut r = d
        .decrypt(std::iter::once(identity))
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Every file below `dir`, with its bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn with_token(
    req: ureq::RequestBuilder<ureq::typestate::WithBody>,
    token: Option<&str>,
) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
    match token {
        Some(t) => req.header("Authorization", format!("Bearer {t}")),
        None => req,
    }
}

/// POSTs JSON, with a bearer token if given.
pub fn post_json(url: &str, token: Option<&str>, body: &serde_json::Value) -> Page {
    let req = with_token(agent().post(url), token).content_type("application/json");
    read(req.send(serde_json::to_vec(body).unwrap()))
}

/// PUTs JSON with a bearer token.
pub fn put_json(url: &str, token: &str, body: &serde_json::Value) -> Page {
    let req = with_token(agent().put(url), Some(token)).content_type("application/json");
    read(req.send(serde_json::to_vec(body).unwrap()))
}

/// GETs with a bearer token.
pub fn get_auth(url: &str, token: &str) -> Page {
    read(
        agent()
            .get(url)
            .header("Authorization", format!("Bearer {token}"))
            .call(),
    )
}

impl Page {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Base64 of a binary age file, as the API carries it.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub fn unb64(s: &serde_json::Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.as_str().unwrap())
        .unwrap()
}

/// Signs in by key challenge as an adviser client would; returns the bearer token.
pub fn sign_in(server: &Server, identity: &age::x25519::Identity) -> String {
    let recipient = identity.to_public().to_string();
    let c = post_json(
        &server.url("/api/v1/auth/challenge"),
        None,
        &serde_json::json!({ "recipient": recipient }),
    );
    assert_eq!(c.status, 200, "{}", c.body);
    let nonce = decrypt(identity, &unb64(&c.json()["challenge"])).unwrap();
    let s = post_json(
        &server.url("/api/v1/auth/session"),
        None,
        &serde_json::json!({ "recipient": recipient, "response": String::from_utf8(nonce).unwrap() }),
    );
    assert_eq!(s.status, 200, "{}", s.body);
    s.json()["token"].as_str().unwrap().to_owned()
}

/// A minimal HTTP/1.1 exchange from a chosen loopback source address (to play many pupils or
/// attackers on one machine): returns the status and the body. Loopback only.
pub fn raw_request_from(
    source: std::net::Ipv4Addr,
    server: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    raw_request_with(source, server, method, path, &[], body)
}

/// A TCP connection to `server` from a chosen loopback source address. Loopback only.
pub fn connect_from(
    source: std::net::Ipv4Addr,
    server: std::net::SocketAddr,
) -> std::io::Result<std::net::TcpStream> {
    assert!(
        source.is_loopback(),
        "load tests only use loopback addresses"
    );
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&std::net::SocketAddr::new(source.into(), 0).into())?;
    socket.connect_timeout(&server.into(), Duration::from_secs(5))?;
    Ok(socket.into())
}

/// As `raw_request_from`, with extra header lines (`("X-Forwarded-For", "…")`) and, unless one
/// of them says otherwise, an urlencoded body.
pub fn raw_request_with(
    source: std::net::Ipv4Addr,
    server: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    use std::io::Write;
    let addr: std::net::SocketAddr = server.trim_start_matches("http://").parse().unwrap();
    let mut stream = connect_from(source, addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    read_response(&mut stream)
}

/// Reads a response to its end (the request said `Connection: close`): status and body. A
/// connection closed without a response gives status 0.
pub fn read_response(stream: &mut std::net::TcpStream) -> std::io::Result<(u16, String)> {
    use std::io::Read;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

impl Server {
    /// Sends SIGHUP, as `systemctl reload` does: the server reads its config file again.
    pub fn hangup(&self) {
        let status = Command::new("kill")
            .args(["-HUP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Kills the server with SIGKILL, as a power cut or an OOM kill would.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a config for one school whose adviser is `adviser`, with extra top-level lines.
pub fn config_for(dir: &Path, adviser: &age::x25519::Identity, extra: &str) -> PathBuf {
    let path = dir.join("fluister.toml");
    let data = dir.join("data");
    std::fs::write(
        &path,
        format!(
            "data_dir = \"{}\"\n{extra}\n[[school]]\nslug = \"demo\"\nname = \"Demoschool\"\nadvisers = [\"{}\"]\n",
            data.display(),
            adviser.to_public()
        ),
    )
    .unwrap();
    path
}

/// A GET with chosen headers (Host, Cookie, …), never following redirects: how the adviser UI
/// tests play a browser, and an attacker.
pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Page {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.call())
}

/// An urlencoded POST with chosen headers, never following redirects.
pub fn post_form_with(url: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Page {
    let mut req = agent().post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    read(req.send_form(fields.iter().copied()))
}

/// A `multipart/form-data` body as a browser sends it: text fields, then files under one field
/// name. Returns the content type (with its boundary) and the body.
pub fn multipart(
    fields: &[(&str, &str)],
    file_field: &str,
    files: &[(&str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----fluister-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; \
                 filename=\"{file_name}\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// POSTs a multipart form with evidence files (field `evidence`), as the report and follow-up
/// forms do.
pub fn post_multipart(url: &str, fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Page {
    let (content_type, body) = multipart(fields, "evidence", files);
    read(
        agent()
            .post(url)
            .content_type(&content_type)
            .send(&body[..]),
    )
}

/// A GET with chosen headers whose body is read as bytes (an image, an age file), never
/// following redirects: status, headers, body.
pub fn get_bytes_with(
    url: &str,
    headers: &[(&str, &str)],
) -> (u16, ureq::http::HeaderMap, Vec<u8>) {
    let mut req = agent().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut res = req.call().expect("the server answers");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res
        .body_mut()
        .with_config()
        .limit(80 * 1024 * 1024)
        .read_to_vec()
        .unwrap();
    (status, headers, body)
}

/// Evidence image `n` of report `id` opened the way docs/api.md describes, straight from the
/// API and independent of the adviser workstation: the sealed report or message that lists it
/// gives its length; the decrypted file is cut to that length. Returns the image and its type.
pub fn open_attachment_by_hand(
    server: &Server,
    identity: &age::x25519::Identity,
    id: &str,
    n: u64,
) -> (Vec<u8>, String) {
    let token = sign_in(server, identity);
    let report = get_auth(&server.url(&format!("/api/v1/reports/{id}")), &token).json();
    let mut holders = vec![(&report["attachments"], &report["ciphertext"])];
    for m in report["messages"].as_array().unwrap() {
        holders.push((&m["attachments"], &m["ciphertext"]));
    }
    let (i, ciphertext) = holders
        .iter()
        .find_map(|(list, ct)| {
            let i = list.as_array()?.iter().position(|a| a["n"] == n)?;
            Some((i, *ct))
        })
        .unwrap_or_else(|| panic!("attachment {n} is not listed: {report}"));
    let doc: serde_json::Value =
        serde_json::from_slice(&decrypt(identity, &unb64(ciphertext)).unwrap()).unwrap();
    let info = &doc["attachments"][i];
    let (status, headers, sealed) = get_bytes_with(
        &server.url(&format!("/api/v1/reports/{id}/attachments/{n}")),
        &[("Authorization", &format!("Bearer {token}"))],
    );
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").unwrap(),
        "application/octet-stream"
    );
    let mut plain = decrypt(identity, &sealed).unwrap();
    plain.truncate(info["bytes"].as_u64().unwrap() as usize);
    (plain, info["type"].as_str().unwrap().to_owned())
}

impl Server {
    /// Every report id in the database, sorted.
    pub fn report_ids(&self) -> Vec<String> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT id FROM reports ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Overwrites one stored ciphertext in the real database file, as a damaged disk or a
    /// broken copy would leave it: `table` is `reports` (by `id`) or `messages` (by report id
    /// and `seq`). Bytes that are not an age file are written past the schema's CHECK, which
    /// a damaged page never asked.
    pub fn damage(&self, table: &str, id: &str, seq: Option<i64>, bytes: &[u8]) {
        let db = rusqlite::Connection::open(self.data_dir.join("fluister.db")).unwrap();
        db.busy_timeout(Duration::from_secs(10)).unwrap();
        db.pragma_update(None, "ignore_check_constraints", true)
            .unwrap();
        let changed = match (table, seq) {
            ("reports", None) => db.execute(
                "UPDATE reports SET ciphertext = ?1 WHERE id = ?2",
                rusqlite::params![bytes, id],
            ),
            ("messages", Some(seq)) => db.execute(
                "UPDATE messages SET ciphertext = ?1 WHERE report_id = ?2 AND seq = ?3",
                rusqlite::params![bytes, id, seq],
            ),
            other => panic!("cannot damage {other:?}"),
        }
        .unwrap();
        assert_eq!(changed, 1, "{table} {id} {seq:?}");
    }
}

/// Bytes that begin like a binary age file and are garbage after its first line.
pub fn age_looking_garbage() -> Vec<u8> {
    let mut out = b"age-encryption.org/v1\n".to_vec();
    out.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    out
}

/// A loopback address with a port that was free a moment ago.
pub fn free_loopback_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}
