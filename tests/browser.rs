//! The browser suite in `tests/browser/` (node's test runner, playwright-core, axe-core) against
//! this build's binary in Debian's Chromium: pupil pages with JavaScript off, the adviser
//! workstation, WCAG 2.1 AA on every page. Where Chromium, Node.js or the suite's packages are
//! missing it is skipped, loudly; in CI (`CI=true`) that is a failure.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_fluister");
/// Debian's Chromium (`apt-get install chromium`); the suite never downloads a browser.
const CHROMIUM: &str = "/usr/bin/chromium";
/// The suite takes about four minutes on two cores; past this something hangs.
const LIMIT: Duration = Duration::from_secs(12 * 60);
/// The oldest Node.js whose test runner has everything the suite uses (`--test-concurrency`).
const NODE_MAJOR_MIN: u32 = 20;

#[test]
fn pupil_and_adviser_pages_in_a_real_browser() {
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var_os("FLUISTER_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM));
    if let Err(missing) = ready(&suite, &chromium) {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let line = format!(
            "BROWSER TESTS SKIPPED: {}, run `{}`",
            missing.why, missing.fix
        );
        assert!(!ci, "{line} (CI=true: the browser suite must run in CI)");
        // Straight to the terminal: the test harness captures `eprintln!` of passing tests,
        // and a skipped suite must not look like a passing one.
        let banner = "!".repeat(line.len().min(100));
        let _ = writeln!(std::io::stderr(), "\n{banner}\n{line}\n{banner}\n");
        return;
    }

    let started = Instant::now();
    let mut child = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .current_dir(&suite)
        .env("FLUISTER_BIN", BIN)
        .env("FLUISTER_CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node starts");
    let output = Output::collect(&mut child);
    let status = wait_at_most(&mut child, LIMIT);
    let took = started.elapsed().as_secs();
    let output = output.text();
    match status {
        Some(status) if status.success() => {
            eprintln!("browser suite passed in {took} s:\n{output}");
        }
        Some(status) => panic!("the browser suite failed ({status}) after {took} s:\n{output}"),
        None => panic!("the browser suite took longer than {LIMIT:?} and was stopped:\n{output}"),
    }
}

/// What is missing, and the command that installs it.
struct Missing {
    why: String,
    fix: &'static str,
}

fn ready(suite: &Path, chromium: &Path) -> Result<(), Missing> {
    if !chromium.exists() {
        return Err(Missing {
            why: format!("no Chromium at {}", chromium.display()),
            fix: "apt-get install chromium",
        });
    }
    let node = Command::new("node").arg("--version").output();
    let version = match node {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => {
            return Err(Missing {
                why: "no Node.js (`node`)".into(),
                fix: "apt-get install nodejs npm",
            });
        }
    };
    let major: Option<u32> = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok());
    if major.is_none_or(|m| m < NODE_MAJOR_MIN) {
        return Err(Missing {
            why: format!("Node.js {version} is older than {NODE_MAJOR_MIN}"),
            fix: "apt-get install nodejs npm (from a Debian release with Node.js 20 or later)",
        });
    }
    let modules = suite.join("node_modules");
    for file in ["playwright-core/package.json", "axe-core/axe.min.js"] {
        if !modules.join(file).exists() {
            return Err(Missing {
                why: format!("{} is not installed", modules.join(file).display()),
                fix: "cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund",
            });
        }
    }
    Ok(())
}

/// The child's stdout and stderr, interleaved as they come.
struct Output {
    text: Arc<Mutex<String>>,
    /// How many of the two streams have reached their end.
    closed: Arc<AtomicUsize>,
}

impl Output {
    fn collect(child: &mut Child) -> Output {
        let output = Output {
            text: Arc::new(Mutex::new(String::new())),
            closed: Arc::new(AtomicUsize::new(0)),
        };
        let streams: [Box<dyn Read + Send>; 2] = [
            Box::new(child.stdout.take().expect("piped stdout")),
            Box::new(child.stderr.take().expect("piped stderr")),
        ];
        for mut stream in streams {
            let (sink, closed) = (output.text.clone(), output.closed.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
                closed.fetch_add(1, Ordering::SeqCst);
            });
        }
        output
    }

    /// Everything written, once both streams closed (or after a few seconds, should something
    /// the suite started still hold them open).
    fn text(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.closed.load(Ordering::SeqCst) < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.text.lock().unwrap().clone()
    }
}

/// Waits for the child; past `limit`, asks it to stop (so Playwright closes Chromium), then
/// kills it. `None` when it had to be stopped.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("waiting for node") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    std::thread::sleep(Duration::from_secs(5));
    let _ = child.kill();
    let _ = child.wait();
    None
}
