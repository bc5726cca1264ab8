//! Load tool: `cargo run --release --example load -- [--seconds N] [--connections N]`.
//!
//! Starts a Fluister server as a child process (this same binary, in server mode) on loopback
//! with a fresh data folder, drives it over real HTTP with keep-alive connections, and prints:
//! durable report intake per second with p50/p99 latency (4 KiB reports), the in-process floor
//! (derive key + age-encrypt + durable insert, no HTTP) and the HTTP/floor ratio, pickup checks
//! per second, refusals per second once limited, and the server's RSS idle and under load.
//! The generator shares the machine's cores with the server, so the figures are a lower bound.
//!
//! Long versions of the abuse tests in `tests/abuse.rs`:
//! `-- --flood ATTACKERS` (each loopback address sends 20x its limit while real pupils report)
//! and `-- --crash SECONDS` (kill -9 under load, restart, check every code that was shown).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fluister::config::{Config, School};
use fluister::crypto::ServerSecret;
use fluister::i18n::Lang;
use fluister::keys::{KeyVersion, Keys};
use fluister::report::ReportForm;
use fluister::store::Store;

const REPORT_CHARS: usize = 4096;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--floor-only") {
        println!("floor {:.0}/s", floor(5, 32));
        return;
    }
    if args.get(1).map(String::as_str) == Some("--child-server") {
        child_server(
            &args[2],
            &args[3],
            args.get(4).map(String::as_str) == Some("strict"),
        );
        return;
    }
    if args.iter().any(|a| a == "--flood") {
        flood(arg("--flood", 1000) as usize);
        return;
    }
    if args.iter().any(|a| a == "--crash") {
        crash(arg("--crash", 10));
        return;
    }
    let seconds = arg("--seconds", 10);
    let connections = arg("--connections", 32) as usize;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (mut child, addr) = start_child(dir.path(), "open");
    println!("Fluister load test: {connections} connections, {seconds} s per phase, loopback");
    println!(
        "server pid {}, data folder on {}",
        child.id(),
        dir.path().display()
    );
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "RSS idle                          {:>8.1} MiB",
        rss_mib(child.id())
    );

    let description = "Ze pesten me in de groepsapp en op het schoolplein. "
        .repeat(REPORT_CHARS / 50 + 1)[..REPORT_CHARS]
        .to_owned();
    let report_body = format!(
        "category=bullying&description={}&lang=nl",
        description.replace(' ', "+")
    );

    // Phase 1: durable intake.
    let peak = Arc::new(Mutex::new(0.0f64));
    let sampler = sample_rss(child.id(), peak.clone());
    let (n, lat, codes) = drive(addr, connections, seconds, move |_| {
        ("POST", "/s/demo/report".to_owned(), report_body.clone())
    });
    sampler.store(false, Ordering::Relaxed);
    let http_rate = n as f64 / seconds as f64;
    println!(
        "durable reports over HTTP          {:>8.0} /s   p50 {:.2} ms   p99 {:.2} ms",
        http_rate,
        pct(&lat, 50.0),
        pct(&lat, 99.0)
    );
    println!(
        "RSS under report load (peak)      {:>8.1} MiB",
        *peak.lock().unwrap()
    );

    // Phase 2: pickup checks (the type-back check: hash, key, lookup, decrypt).
    let codes = Arc::new(codes);
    let (n, lat, _) = drive(addr, connections, seconds, move |i| {
        let code = &codes[i % codes.len()];
        ("POST", "/check/confirm".to_owned(), format!("code={code}"))
    });
    println!(
        "pickup checks                      {:>8.0} /s   p50 {:.2} ms   p99 {:.2} ms",
        n as f64 / seconds as f64,
        pct(&lat, 50.0),
        pct(&lat, 99.0)
    );

    println!(
        "RSS after load                    {:>8.1} MiB",
        rss_mib(child.id())
    );
    let _ = child.kill();
    let _ = child.wait();

    // Phase 3: refusals, on a second server that allows one report an hour per address. All
    // traffic comes from one address, so after the first every submission is refused (429,
    // with the form and its text given back).
    let strict_dir = tempfile::tempdir().expect("a temporary folder");
    let (mut strict, addr) = start_child(strict_dir.path(), "strict");
    let (n, lat, _) = drive(addr, connections, seconds, |_| {
        (
            "POST",
            "/s/demo/report".to_owned(),
            "description=x".to_owned(),
        )
    });
    println!(
        "refusals (429, form kept)          {:>8.0} /s   p50 {:.2} ms   p99 {:.2} ms",
        n as f64 / seconds as f64,
        pct(&lat, 50.0),
        pct(&lat, 99.0)
    );
    let (n, lat, _) = drive(addr, connections, seconds, |_| {
        ("GET", "/s/demo".to_owned(), String::new())
    });
    println!(
        "baseline: the report form page     {:>8.0} /s   p50 {:.2} ms   p99 {:.2} ms",
        n as f64 / seconds as f64,
        pct(&lat, 50.0),
        pct(&lat, 99.0)
    );
    let _ = strict.kill();
    let _ = strict.wait();

    // The floor: the same work in-process, no HTTP.
    let floor = floor(seconds.min(10), connections);
    println!("in-process floor (key+encrypt+commit) {:>5.0} /s", floor);
    println!(
        "HTTP / floor                       {:>8.2}",
        http_rate / floor
    );
}

/// Starts this binary in server mode; waits until it listens.
fn start_child(dir: &std::path::Path, mode: &str) -> (Child, SocketAddr) {
    let exe = std::env::current_exe().expect("the load tool knows its own path");
    let mut child = Command::new(exe)
        .args(["--child-server", dir.to_str().unwrap(), "127.0.0.1:0", mode])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("the server prints its address");
    (child, line.trim().parse().expect("an address"))
}

/// Server mode: school `demo`, limits out of the way ("open") or one report an hour per address
/// ("strict"); prints the bound address on stdout.
fn child_server(dir: &str, listen: &str, strict: bool) {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let adviser = age::x25519::Identity::generate();
    let school = |slug: &str| School {
        slug: slug.into(),
        name: slug.into(),
        advisers: vec![adviser.to_public()],
        ..School::default()
    };
    let mut config = Config::with_schools(dir.into(), vec![school("demo")]);
    config.limits.reports_per_source_per_hour = 1_000_000_000;
    config.limits.reports_per_school_per_minute = 1_000_000_000;
    config.limits.checks_per_source_per_minute = 1_000_000_000;
    config.limits.failed_checks_per_minute = 1_000_000_000;
    config.limits.failed_checks_per_network_per_minute = 1_000_000_000;
    // Every load connection comes from 127.0.0.1.
    config.limits.connections_per_source = fluister::server::MAX_CONNECTIONS as u32;
    if strict {
        // One report an hour per address: after the first, every submission is refused.
        config.limits.reports_per_source_per_hour = 1;
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async move {
        let secret = Keys::new(&ServerSecret::load_or_create(&config.data_dir).expect("a secret"));
        let store = Store::open(&config.data_dir, &secret).expect("a store");
        let listener = tokio::net::TcpListener::bind(listen).await.expect("a port");
        println!("{}", listener.local_addr().unwrap());
        let state = fluister::web::AppState::new(config, secret, store);
        fluister::server::serve(listener, state, std::future::pending()).await;
    });
}

type Request = (&'static str, String, String);

/// Runs `connections` keep-alive clients for `seconds`; returns requests done, latencies (ms)
/// and the pickup codes seen.
fn drive(
    addr: SocketAddr,
    connections: usize,
    seconds: u64,
    make: impl Fn(usize) -> Request + Send + Sync + 'static + Clone,
) -> (usize, Vec<f64>, Vec<String>) {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let results = Arc::new(Mutex::new((0usize, Vec::new(), Vec::new())));
    let threads: Vec<_> = (0..connections)
        .map(|c| {
            let results = results.clone();
            let make = make.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream.set_nodelay(true).unwrap();
                let (mut n, mut lat, mut codes) = (0, Vec::new(), Vec::new());
                let mut i = c * 1_000_003;
                while Instant::now() < deadline {
                    let (method, path, body) = make(i);
                    i += 1;
                    let t = Instant::now();
                    let (status, page) = exchange(&mut stream, method, &path, &body);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    if status == 0 {
                        stream = TcpStream::connect(addr).expect("reconnect");
                        continue;
                    }
                    n += 1;
                    if let Some(rest) = page.split("id=\"pickup-code\"").nth(1)
                        && let (Some(a), Some(b)) = (rest.find('>'), rest.find("</output>"))
                    {
                        codes.push(rest[a + 1..b].to_owned());
                    }
                }
                let mut r = results.lock().unwrap();
                r.0 += n;
                r.1.extend(lat);
                r.2.extend(codes);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut r = std::mem::take(&mut *results.lock().unwrap());
    r.1.sort_by(|a, b| a.partial_cmp(b).unwrap());
    r
}

/// One request on a keep-alive connection; (0, "") if the connection broke.
fn exchange(stream: &mut TcpStream, method: &str, path: &str, body: &str) -> (u16, String) {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: load\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut reader = BufReader::new(&mut *stream);
    let mut status_line = String::new();
    if reader.read_line(&mut status_line).unwrap_or(0) == 0 {
        return (0, String::new());
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 {
            return (0, String::new());
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut page = vec![0; len];
    if reader.read_exact(&mut page).is_err() {
        return (0, String::new());
    }
    (status, String::from_utf8_lossy(&page).into_owned())
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p / 100.0).round() as usize]
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

/// Samples the child's RSS every 50 ms into `peak` until the returned flag is cleared.
fn sample_rss(pid: u32, peak: Arc<Mutex<f64>>) -> Arc<AtomicBool> {
    let running = Arc::new(AtomicBool::new(true));
    let flag = running.clone();
    std::thread::spawn(move || {
        while flag.load(Ordering::Relaxed) {
            let now = rss_mib(pid);
            let mut p = peak.lock().unwrap();
            *p = p.max(now);
            drop(p);
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    running
}

/// Reports per second through `intake::accept` alone: key derivation, sealing and the durable
/// commit, with `concurrency` submissions in flight.
fn floor(seconds: u64, concurrency: usize) -> f64 {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async move {
        let secret = Arc::new(Keys::new(
            &ServerSecret::load_or_create(dir.path()).expect("a secret"),
        ));
        let store = Store::open(dir.path(), &secret).expect("a store");
        let school = Arc::new(School {
            slug: "demo".into(),
            name: "demo".into(),
            advisers: vec![age::x25519::Identity::generate().to_public()],
            ..School::default()
        });
        let form = ReportForm {
            category: "bullying".into(),
            description: "x".repeat(REPORT_CHARS),
            ..ReportForm::default()
        };
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (store, secret, school, form) =
                    (store.clone(), secret.clone(), school.clone(), form.clone());
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        let valid = form.validate().map_err(|_| "invalid").expect("valid");
                        fluister::intake::accept(
                            &store,
                            &secret,
                            &school,
                            valid,
                            Lang::Nl,
                            Default::default(),
                            fluister::code::PickupCode::generate(),
                        )
                        .await
                        .expect("stored");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.unwrap();
        }
        store.close();
        total as f64 / seconds as f64
    })
}

/// One request from a chosen loopback source address; the status code (0 if it failed).
fn request_from(
    source: std::net::Ipv4Addr,
    addr: SocketAddr,
    path: &str,
    body: &str,
) -> (u16, String) {
    let socket = match socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None) {
        Ok(s) => s,
        Err(_) => return (0, String::new()),
    };
    if socket
        .bind(&SocketAddr::new(source.into(), 0).into())
        .is_err()
        || socket.connect(&addr.into()).is_err()
    {
        return (0, String::new());
    }
    let mut stream: TcpStream = socket.into();
    exchange(&mut stream, "POST", path, body)
}

/// The long flood: `attackers` loopback addresses (127.1.0.1 upwards) each send 20 reports
/// against a limit of one an hour, while 20 real pupils report from 127.0.0.x.
fn flood(attackers: usize) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (mut child, addr) = start_child(dir.path(), "strict");
    let started = Instant::now();
    let per_thread = attackers.div_ceil(8);
    let counts = Arc::new(Mutex::new((0u64, 0u64, 0u64)));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let counts = counts.clone();
            std::thread::spawn(move || {
                for a in t * per_thread..((t + 1) * per_thread).min(attackers) {
                    let ip =
                        std::net::Ipv4Addr::new(127, 1 + (a / 250) as u8, (a % 250) as u8 + 1, 1);
                    for _ in 0..20 {
                        let (status, _) =
                            request_from(ip, addr, "/s/demo/report", "description=spam");
                        let mut c = counts.lock().unwrap();
                        match status {
                            200 => c.0 += 1,
                            429 => c.1 += 1,
                            _ => c.2 += 1,
                        }
                    }
                }
            })
        })
        .collect();
    let mut legit_ok = 0;
    for i in 0..20u8 {
        let (status, _) = request_from(
            std::net::Ipv4Addr::new(127, 0, 0, 10 + i),
            addr,
            "/s/demo/report",
            "description=een+echte+melding",
        );
        legit_ok += usize::from(status == 200);
        std::thread::sleep(Duration::from_millis(100));
    }
    let rss = rss_mib(child.id());
    for t in threads {
        t.join().unwrap();
    }
    let (accepted, refused, failed) = *counts.lock().unwrap();
    println!(
        "flood: {attackers} attacking addresses x 20 reports in {:.1} s: {refused} refused, \
         {accepted} accepted (one per address), {failed} failed; real pupils {legit_ok}/20 \
         accepted; server RSS {rss:.1} MiB",
        started.elapsed().as_secs_f64()
    );
    let _ = child.kill();
    let _ = child.wait();
}

/// The long crash test: 16 clients submit for `seconds`, the server is killed with SIGKILL,
/// restarted on the same folder, and every code a client saw must open its report.
fn crash(seconds: u64) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let (mut child, addr) = start_child(dir.path(), "open");
    let codes = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let body = "category=bullying&description=melding+voor+de+crashtest";
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (codes, stop) = (codes.clone(), stop.clone());
            std::thread::spawn(move || {
                let Ok(mut stream) = TcpStream::connect(addr) else {
                    return;
                };
                while !stop.load(Ordering::Relaxed) {
                    let (status, page) = exchange(&mut stream, "POST", "/s/demo/report", body);
                    if status != 200 {
                        return;
                    }
                    if let Some(rest) = page.split("id=\"pickup-code\"").nth(1)
                        && let (Some(a), Some(b)) = (rest.find('>'), rest.find("</output>"))
                    {
                        codes.lock().unwrap().push(rest[a + 1..b].to_owned());
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    let _ = child.kill();
    let _ = child.wait();
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let codes = codes.lock().unwrap().clone();
    // Reopening the store runs SQLite's WAL recovery, as a restarted server does.
    let secret = Keys::new(&ServerSecret::load_or_create(dir.path()).expect("the secret"));
    let store = Store::open(dir.path(), &secret).expect("the store reopens");
    store.close();
    let db = rusqlite::Connection::open(dir.path().join("fluister.db")).expect("the database");
    let lost = codes
        .iter()
        .filter(|c| {
            let code = fluister::code::PickupCode::parse(c).expect("a code");
            let ct: Option<Vec<u8>> = db
                .query_row(
                    "SELECT ciphertext FROM reports WHERE code_hash = ?1",
                    [&secret.lookup_hash(&code)[..]],
                    |r| r.get(0),
                )
                .ok();
            !ct.is_some_and(|ct| {
                fluister::crypto::decrypt(&secret.reporter_identity(&code, KeyVersion::V2), &ct)
                    .is_ok()
            })
        })
        .count();
    println!(
        "crash: kill -9 after {seconds} s of load; {} codes shown, {lost} lost after restart",
        codes.len()
    );
}
