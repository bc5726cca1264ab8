//! The shipped reverse-proxy configs in front of a real Fluister. Debian's nginx runs
//! `deploy/nginx/fluister.conf` itself (only its TLS lines and ports changed, see
//! `nginx_test_conf`): pupils connecting from different loopback addresses reach their own
//! per-source limits, an `X-Forwarded-For` a pupil sends changes nothing, and after the run no
//! file nginx wrote names a pupil's address. Debian's Caddy runs `deploy/caddy/Caddyfile` the
//! same way (`caddy_test_file`), and is also checked with `caddy validate`.
//! Without nginx or caddy these are skipped, loudly; with `CI=true` that fails.

mod common;

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const NGINX: &str = "/usr/sbin/nginx";

/// Pupil A, pupil B, and a pupil on a network the config trusts (`trusted_proxies` covering a
/// school LAN that also reaches nginx directly). None of them may appear in nginx's files.
const PUPIL_A: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const PUPIL_B: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);
const ON_TRUSTED_LAN: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 4);
/// Talks only to the control server, whose logging is nginx's default: it must show up.
const CONTROL: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 5);

/// Reports one address may send per hour in these tests.
const PER_SOURCE: usize = 3;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// True when `tool` is installed; otherwise says so loudly, or fails under `CI=true`.
fn installed(test: &str, tool: &str, check: &mut Command) -> bool {
    if check
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        return true;
    }
    let line = format!("DEPLOY TESTS SKIPPED: {test}: no {tool}, run `apt-get install {tool}`");
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
        "{line} (CI=true: the proxy tests must run in CI)"
    );
    let _ = writeln!(std::io::stderr(), "\n{line}\n");
    false
}

/// The shipped nginx config, made runnable without certificates, by these rules only:
/// every line starting with `ssl_` is dropped; every `listen [::]…` line is dropped (the test
/// is IPv4 loopback); `listen 443 …` becomes `listen 127.0.0.1:<tls_port> default_server` (plain
/// HTTP), `listen 80` becomes `listen 127.0.0.1:<redirect_port>`; Fluister's default address
/// 127.0.0.1:8080 becomes the test server's; a log file under /var/log/nginx/ (none is
/// shipped) would go to the prefix's `logs/`, where the test reads it. Everything else runs as
/// shipped.
fn nginx_test_conf(
    shipped: &str,
    tls_port: u16,
    redirect_port: u16,
    fluister: &str,
    logs: &Path,
) -> String {
    let mut out = String::new();
    let (mut tls, mut plain, mut upstream) = (0, 0, 0);
    for line in shipped.lines() {
        let t = line.trim_start();
        if t.starts_with("ssl_") || t.starts_with("listen [::]") {
            continue;
        }
        if t.starts_with("listen 443 ") {
            tls += 1;
            out.push_str(&format!(
                "    listen 127.0.0.1:{tls_port} default_server;\n"
            ));
        } else if t == "listen 80;" {
            plain += 1;
            out.push_str(&format!("    listen 127.0.0.1:{redirect_port};\n"));
        } else {
            if t.starts_with("proxy_pass ") {
                upstream += line.matches("127.0.0.1:8080").count();
            }
            let line = line
                .replace("127.0.0.1:8080", fluister)
                .replace("/var/log/nginx/", &format!("{}/", logs.display()));
            out.push_str(&line);
            out.push('\n');
        }
    }
    assert_eq!(
        (tls, plain, upstream),
        (1, 1, 1),
        "the shipped config changed shape: one TLS listen, one plain listen, one proxy_pass \
         to 127.0.0.1:8080 expected; update nginx_test_conf and its doc"
    );
    let code = out
        .lines()
        .map(|l| l.split('#').next().unwrap())
        .collect::<String>();
    assert!(!code.contains("ssl"), "a TLS line survived: {out}");
    out
}

fn free_port() -> u16 {
    free_loopback_address()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// nginx in the foreground, one process (no workers to outlive it), with everything it writes
/// in its own prefix folder. Killed when dropped.
struct Nginx {
    child: Child,
    prefix: tempfile::TempDir,
    port: u16,
    redirect_port: u16,
    control_port: u16,
}

impl Nginx {
    fn start(fluister: &str) -> Nginx {
        let prefix = tempfile::tempdir().unwrap();
        let p = prefix.path();
        fs::create_dir(p.join("logs")).unwrap();
        let (port, redirect_port, control_port) = (free_port(), free_port(), free_port());
        let shipped = fs::read_to_string(root().join("deploy/nginx/fluister.conf")).unwrap();
        fs::write(
            p.join("fluister.conf"),
            nginx_test_conf(&shipped, port, redirect_port, fluister, &p.join("logs")),
        )
        .unwrap();
        // What Debian's nginx.conf does (an access log for the whole http block, a main error
        // log), only more talkative (`info`), so that a site that does not turn them off is
        // caught. The control server is such a site.
        let d = p.display();
        fs::write(
            p.join("nginx.conf"),
            format!(
                "master_process off;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log info;\n\
                 events {{ worker_connections 256; }}\n\
                 http {{\n\
                 access_log {d}/logs/access.log combined;\n\
                 client_body_temp_path {d}/client_body_temp;\n\
                 proxy_temp_path {d}/proxy_temp;\n\
                 fastcgi_temp_path {d}/fastcgi_temp;\n\
                 uwsgi_temp_path {d}/uwsgi_temp;\n\
                 scgi_temp_path {d}/scgi_temp;\n\
                 include {d}/fluister.conf;\n\
                 server {{ listen 127.0.0.1:{control_port}; root {d}/control; }}\n\
                 }}\n"
            ),
        )
        .unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(p)
            .arg("-c")
            .arg(p.join("nginx.conf"))
            .arg("-e")
            .arg(p.join("logs/startup-error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(fs::File::create(p.join("logs/stdout")).unwrap())
            .stderr(fs::File::create(p.join("logs/stderr")).unwrap())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            child,
            prefix,
            port,
            redirect_port,
            control_port,
        };
        nginx.wait_listening();
        nginx
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in [self.port, self.redirect_port, self.control_port] {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            while std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("nginx exited with {status}: {}", self.files_text());
                }
                assert!(
                    Instant::now() < deadline,
                    "nginx did not listen: {}",
                    self.files_text()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops nginx as `nginx -s stop` would (its log lines are written as they happen; a
    /// graceful quit sometimes waited seconds for nothing).
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every file below the prefix (logs, pid, temp folders), as text, for messages.
    fn files_text(&self) -> String {
        all_files(self.prefix.path())
            .into_iter()
            .map(|(p, b)| format!("== {}\n{}", p.display(), String::from_utf8_lossy(&b)))
            .collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One report sent to nginx from `from`, with extra header lines: the status.
fn report(nginx: &str, from: Ipv4Addr, headers: &[(&str, &str)], n: usize) -> u16 {
    let body = encode(&[("description", &format!("Melding {n} via nginx"))]);
    raw_request_with(from, nginx, "POST", "/s/demo/report", headers, &body)
        .unwrap()
        .0
}

/// A request whose headers announce a body of `length` bytes, none of which is sent: the
/// status nginx answers with.
fn announce_body(from: Ipv4Addr, port: u16, length: u64) -> u16 {
    let mut stream = connect_from(from, SocketAddr::from((Ipv4Addr::LOCALHOST, port))).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /s/demo/report HTTP/1.1\r\nHost: meld.school.nl\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
    .unwrap();
    // Only the status line: nginx answers at once, then lingers a few seconds for a body
    // that never comes before it closes.
    let mut response = Vec::new();
    let mut byte = [0u8; 1];
    while !response.ends_with(b"\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        response.push(byte[0]);
    }
    String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Fluister as docs/running.md configures it behind a proxy on the same machine
/// (`trusted_proxies = ["127.0.0.1"]`), plus the trusted school LAN of the third pupil, with
/// `PER_SOURCE` reports per address per hour.
fn fluister_behind_a_proxy() -> (tempfile::TempDir, Server) {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = age::x25519::Identity::generate();
    let config = config_for(
        tmp.path(),
        &adviser,
        &format!(
            "trusted_proxies = [\"127.0.0.1\", \"{ON_TRUSTED_LAN}\"]\n[limits]\n\
             reports_per_source_per_hour = {PER_SOURCE}"
        ),
    );
    let server = Server::start(
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    (tmp, server)
}

/// Through the proxy at `base`, in front of `server` (trusted_proxies = 127.0.0.1 and the
/// trusted LAN, `PER_SOURCE` reports per address): each pupil reaches their own limit, and what
/// a pupil writes in X-Forwarded-For changes nothing.
fn pupils_reach_their_own_limits(base: &str, server: &Server) {
    let base = base.to_owned();
    // Pupil A claims, each time, to be pupil B: the claim is not believed, so A spends A's
    // own budget, and then a claim to be someone new does not buy A another report.
    for n in 0..PER_SOURCE {
        let status = report(&base, PUPIL_A, &[("X-Forwarded-For", "127.0.0.3")], n);
        assert_eq!(status, 200, "pupil A's report {n}");
    }
    assert_eq!(
        report(&base, PUPIL_A, &[("X-Forwarded-For", "198.51.100.7")], 9),
        429,
        "pupil A is over the limit, whatever address A claims"
    );
    assert_eq!(
        report(
            &base,
            PUPIL_A,
            &[("X-Forwarded-For", "198.51.100.8, 127.0.0.1")],
            10
        ),
        429,
        "a claimed chain through the proxy itself changes nothing either"
    );
    // Pupil B has their whole budget: Fluister saw A's address, not nginx's and not B's.
    for n in 0..PER_SOURCE {
        assert_eq!(report(&base, PUPIL_B, &[], n), 200, "pupil B's report {n}");
    }
    assert_eq!(report(&base, PUPIL_B, &[], 9), 429, "and then B is limited");

    // A pupil whose own address is trusted (their LAN is in trusted_proxies) sends a new
    // X-Forwarded-For with every report. nginx replaces the header, so Fluister never sees
    // the claims and counts them all as one source. (Appended, each claim would be a new
    // pupil to Fluister and this one would never be limited.)
    for n in 0..PER_SOURCE {
        let claim = format!("203.0.113.{n}");
        let status = report(&base, ON_TRUSTED_LAN, &[("X-Forwarded-For", &claim)], n);
        assert_eq!(status, 200, "report {n} from the trusted LAN");
    }
    assert_eq!(
        report(
            &base,
            ON_TRUSTED_LAN,
            &[("X-Forwarded-For", "203.0.113.99")],
            9
        ),
        429,
        "a new claimed address per report does not escape the limit"
    );
    assert_eq!(server.report_count(), 3 * PER_SOURCE as i64);
}

#[test]
fn nginx_in_front_keeps_pupils_apart_and_logs_no_address() {
    if !installed(
        "nginx_in_front_keeps_pupils_apart_and_logs_no_address",
        "nginx",
        Command::new(NGINX).arg("-v"),
    ) {
        return;
    }
    let (_tmp, server) = fluister_behind_a_proxy();
    let mut nginx = Nginx::start(&server.addr().to_string());
    let base = nginx.base();

    pupils_reach_their_own_limits(&base, &server);

    // Things nginx itself refuses or answers, each of which would name the pupil in a log
    // that is not turned off: a body over client_max_body_size (61 MiB) and the plain-HTTP
    // redirect.
    assert_eq!(announce_body(PUPIL_A, nginx.port, 70_000_000), 413);
    assert_eq!(
        raw_request_from(
            PUPIL_B,
            &format!("http://127.0.0.1:{}", nginx.redirect_port),
            "GET",
            "/s/demo",
            b""
        )
        .unwrap()
        .0,
        301
    );
    // The control: a site with nginx's default logging, asked for a file it does not have
    // (an access line, and an error line "open() … failed …, client: <address>").
    assert_eq!(
        raw_request_from(
            CONTROL,
            &format!("http://127.0.0.1:{}", nginx.control_port),
            "GET",
            "/missing",
            b""
        )
        .unwrap()
        .0,
        404
    );

    nginx.stop();
    let files = all_files(nginx.prefix.path());
    let logs = nginx.files_text();
    for pupil in [PUPIL_A, PUPIL_B, ON_TRUSTED_LAN] {
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, pupil.to_string().as_bytes()),
                "{} names pupil {pupil}:\n{logs}",
                path.display()
            );
        }
    }
    // The check above can see an address: the control site's lines name theirs.
    let named = |file: &str| {
        fs::read_to_string(nginx.prefix.path().join("logs").join(file))
            .unwrap()
            .contains(&CONTROL.to_string())
    };
    assert!(named("access.log"), "the control request is in access.log");
    assert!(
        named("error.log"),
        "the control's missing file is in error.log"
    );
    // Fluister itself logs no address either, even at trace level.
    let fluister_logs = server.stop();
    for pupil in [PUPIL_A, PUPIL_B, ON_TRUSTED_LAN] {
        assert!(
            !fluister_logs.contains(&pupil.to_string()),
            "{fluister_logs}"
        );
    }
}

#[test]
fn nginx_test_conf_keeps_the_shipped_directives() {
    let shipped = fs::read_to_string(root().join("deploy/nginx/fluister.conf")).unwrap();
    let conf = nginx_test_conf(&shipped, 1, 2, "127.0.0.1:3", Path::new("/logs"));
    let directives = |text: &str| {
        text.lines()
            .map(|l| l.split('#').next().unwrap().trim().to_owned())
            .filter(|l| !l.is_empty() && !l.starts_with("listen") && !l.starts_with("ssl_"))
            .map(|l| {
                l.replace("127.0.0.1:8080", "127.0.0.1:3")
                    .replace("/var/log/nginx/", "/logs/")
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        directives(&conf),
        directives(&shipped),
        "only listen and ssl_ lines may differ"
    );
}

/// The Caddyfile is valid for Debian's Caddy and says what docs/running.md says it does:
/// no access or error logger that names a client, and an X-Forwarded-For set to the client's
/// address alone.
#[test]
fn caddyfile_validates_and_names_no_client() {
    if !installed(
        "caddyfile_validates_and_names_no_client",
        "caddy",
        Command::new("caddy").arg("version"),
    ) {
        return;
    }
    let caddyfile = root().join("deploy/caddy/Caddyfile");
    let home = tempfile::tempdir().unwrap();
    let caddy = |verb: &str| {
        Command::new("caddy")
            .args([verb, "--adapter", "caddyfile", "--config"])
            .arg(&caddyfile)
            // Caddy keeps certificates and state under $HOME / XDG: not the real ones.
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let out = caddy("validate");
    assert!(
        out.status.success(),
        "caddy validate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = caddy("adapt");
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let default_log = &json["logging"]["logs"]["default"];
    let excluded: Vec<&str> = default_log["exclude"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    for logger in ["http.log.access", "http.log.error"] {
        assert!(
            excluded.contains(&logger),
            "{logger} is not excluded: {json}"
        );
    }
    let servers = json["apps"]["http"]["servers"].as_object().unwrap();
    for (name, server) in servers {
        assert!(
            server.get("logs").is_none(),
            "server {name} writes an access log: {server}"
        );
    }
    let text = json.to_string();
    assert!(
        text.contains(r#""X-Forwarded-For":["{http.request.remote.host}"]"#),
        "X-Forwarded-For is set to the client's address alone: {text}"
    );
    assert!(text.contains(r#""dial":"127.0.0.1:8080""#), "{text}");
}

/// The shipped Caddyfile, made runnable on loopback without certificates, by these rules only:
/// the site `meld.school.nl` becomes `http://127.0.0.1:<port>` (plain HTTP, so no certificate);
/// the global options get `admin off` (no admin endpoint on the shared port 2019); Fluister's
/// default address 127.0.0.1:8080 becomes the test server's; and a control site that logs its
/// requests to `control_log` is added, whose lines must name its client. Everything else runs as
/// shipped.
fn caddy_test_file(
    shipped: &str,
    port: u16,
    control_port: u16,
    fluister: &str,
    control_log: &Path,
) -> String {
    let (mut site, mut global, mut upstream) = (0, 0, 0);
    let mut out = String::new();
    for line in shipped.lines() {
        if line == "meld.school.nl {" {
            site += 1;
            out.push_str(&format!("http://127.0.0.1:{port} {{\n"));
        } else if line == "{" && global == 0 && site == 0 {
            global += 1;
            out.push_str("{\n\tadmin off\n");
        } else {
            if line
                .trim_start()
                .starts_with("reverse_proxy 127.0.0.1:8080")
            {
                upstream += 1;
            }
            out.push_str(&line.replace("127.0.0.1:8080", fluister));
            out.push('\n');
        }
    }
    assert_eq!(
        (site, global, upstream),
        (1, 1, 1),
        "the shipped Caddyfile changed shape: update caddy_test_file and its doc"
    );
    out.push_str(&format!(
        "\nhttp://127.0.0.1:{control_port} {{\n\tlog {{\n\t\toutput file {}\n\t}}\n\t\
         respond \"control\"\n}}\n",
        control_log.display()
    ));
    out
}

/// `caddy run` in the foreground, its log (stderr and stdout) in a file, its state under a
/// temporary home. Killed when dropped.
struct Caddy {
    child: Child,
    dir: tempfile::TempDir,
}

impl Caddy {
    fn start(fluister: &str, port: u16, control_port: u16) -> Caddy {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let shipped = fs::read_to_string(root().join("deploy/caddy/Caddyfile")).unwrap();
        let file = d.join("Caddyfile");
        fs::write(
            &file,
            caddy_test_file(
                &shipped,
                port,
                control_port,
                fluister,
                &d.join("control-access.log"),
            ),
        )
        .unwrap();
        let log = fs::File::create(d.join("caddy.log")).unwrap();
        let child = Command::new("caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&file)
            .env("HOME", d)
            .env("XDG_DATA_HOME", d.join("data"))
            .env("XDG_CONFIG_HOME", d.join("config"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("caddy starts");
        let mut caddy = Caddy { child, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in [port, control_port] {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            while std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
                if let Ok(Some(status)) = caddy.child.try_wait() {
                    panic!("caddy exited with {status}: {}", caddy.log());
                }
                assert!(
                    Instant::now() < deadline,
                    "caddy did not listen: {}",
                    caddy.log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        caddy
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("caddy.log")).unwrap_or_default()
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn caddy_in_front_keeps_pupils_apart_and_logs_no_address() {
    if !installed(
        "caddy_in_front_keeps_pupils_apart_and_logs_no_address",
        "caddy",
        Command::new("caddy").arg("version"),
    ) {
        return;
    }
    let (_tmp, server) = fluister_behind_a_proxy();
    let (port, control_port) = (free_port(), free_port());
    let mut caddy = Caddy::start(&server.addr().to_string(), port, control_port);
    let base = format!("http://127.0.0.1:{port}");
    pupils_reach_their_own_limits(&base, &server);

    // What Caddy refuses itself, or fails at, each logged with the whole request by
    // http.log.error unless it is excluded: a body over max_size, and Fluister gone.
    let big = vec![b'x'; 62 * 1024 * 1024];
    let refused = raw_request_from(PUPIL_A, &base, "POST", "/s/demo/report", &big)
        .map(|(status, _)| status)
        .unwrap_or(0);
    assert!(
        refused == 413 || refused == 0,
        "a body over 61 MiB is refused: {refused}"
    );
    let fluister_logs = server.stop();
    assert_eq!(
        raw_request_from(PUPIL_B, &base, "GET", "/s/demo", b"")
            .unwrap()
            .0,
        502,
        "Fluister is down"
    );
    assert_eq!(
        raw_request_from(
            CONTROL,
            &format!("http://127.0.0.1:{control_port}"),
            "GET",
            "/",
            b""
        )
        .unwrap()
        .0,
        200
    );
    caddy.stop();
    // Everything Caddy wrote: its own log (stderr, what the journal would get), its state.
    let log = caddy.log();
    for pupil in [PUPIL_A, PUPIL_B, ON_TRUSTED_LAN] {
        for (path, bytes) in all_files(caddy.dir.path()) {
            assert!(
                !contains(&bytes, pupil.to_string().as_bytes()),
                "{} names pupil {pupil}:\n{log}",
                path.display()
            );
        }
        assert!(
            !fluister_logs.contains(&pupil.to_string()),
            "{fluister_logs}"
        );
    }
    // The check above can see an address: the control site's access log names its client.
    let control = fs::read_to_string(caddy.dir.path().join("control-access.log")).unwrap();
    assert!(control.contains(&CONTROL.to_string()), "{control}");
}
