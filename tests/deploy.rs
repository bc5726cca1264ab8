//! The shipped systemd units (`deploy/systemd/`) as systemd and a host would run them:
//! `systemd-analyze verify` finds nothing to say, `systemd-analyze security --offline` scores each
//! service no worse than the exposure committed here (docs/running.md gives the score and what
//! it still flags), the data folder systemd makes is one Fluister accepts, and the backup unit's
//! own command, run as written, makes dated backups that restore and prunes only old ones.
//! Without `systemd-analyze` the systemd checks are skipped, loudly; with `CI=true` that fails.

mod common;

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use age::secrecy::ExposeSecret;
use common::*;

const UNITS: [&str; 3] = [
    "fluister.service",
    "fluister-backup.service",
    "fluister-backup.timer",
];

/// The worst overall exposure each service may score (`systemd-analyze security`, 0.0 is
/// fully locked down, 10.0 is not at all). Raising one of these needs a reason in
/// docs/running.md.
const MAX_EXPOSURE: [(&str, f64); 2] =
    [("fluister.service", 1.1), ("fluister-backup.service", 0.2)];

/// Where the units expect the binary (docs/running.md installs it there).
const INSTALLED_BIN: &str = "/usr/local/bin/fluister";
const INSTALLED_CONFIG: &str = "/etc/fluister/fluister.toml";
const INSTALLED_BACKUPS: &str = "/var/lib/fluister-backups";

fn unit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/systemd")
}

fn unit_text(name: &str) -> String {
    fs::read_to_string(unit_dir().join(name)).unwrap()
}

/// True when `systemd-analyze` can run; otherwise says so loudly, or fails under `CI=true`.
fn systemd_analyze(test: &str) -> bool {
    let ok = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    let line =
        format!("DEPLOY TESTS SKIPPED: {test}: no systemd-analyze, run `apt-get install systemd`");
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
        "{line} (CI=true: the unit checks must run in CI)"
    );
    // Straight to the terminal: the harness captures the output of passing tests.
    let _ = writeln!(std::io::stderr(), "\n{line}\n");
    false
}

/// The units as shipped, in a fresh folder. Only the binary's path changes, to this build:
/// `verify` checks that `ExecStart` names an executable.
fn staged() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for unit in UNITS {
        let text = unit_text(unit).replace(INSTALLED_BIN, BIN);
        fs::write(dir.path().join(unit), text).unwrap();
    }
    dir
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

#[test]
fn units_pass_systemd_verify() {
    if !systemd_analyze("units_pass_systemd_verify") {
        return;
    }
    let dir = staged();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(UNITS.map(|u| dir.path().join(u)))
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    // Unknown keys are only warnings (exit 0): any line about our files is a finding. Lines
    // about the host's own units are not ours to judge.
    let findings: Vec<&str> = stderr
        .lines()
        .filter(|l| UNITS.iter().any(|u| l.contains(u)) || l.contains("fluister"))
        .collect();
    assert!(
        out.status.success() && findings.is_empty(),
        "systemd-analyze verify: {}\n{stderr}",
        out.status
    );
}

/// `systemd-analyze security --offline=true --threshold=N UNIT`: the overall exposure, and
/// every line it still flags (✗).
fn security(unit: &Path, max: f64) -> (Output, f64, Vec<String>) {
    let threshold = (max * 10.0).round() as u32;
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(format!("--threshold={threshold}"))
        .arg(unit)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let score = stdout
        .lines()
        .find_map(|l| l.split("Overall exposure level for ").nth(1))
        .and_then(|rest| rest.split(": ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no overall exposure in:\n{stdout}{}", text(&out.stderr)));
    let flagged = stdout
        .lines()
        .filter(|l| l.starts_with('✗'))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    (out, score, flagged)
}

#[test]
fn services_are_no_more_exposed_than_committed() {
    if !systemd_analyze("services_are_no_more_exposed_than_committed") {
        return;
    }
    let dir = staged();
    for (unit, max) in MAX_EXPOSURE {
        let (out, score, flagged) = security(&dir.path().join(unit), max);
        eprintln!(
            "{unit}: overall exposure {score} (at most {max})\n  {}",
            flagged.join("\n  ")
        );
        assert!(
            score <= max && out.status.success(),
            "{unit}: systemd-analyze security scores {score}, worse than the committed {max}; \
             it flags:\n  {}\n{}",
            flagged.join("\n  "),
            text(&out.stderr)
        );
    }
}

/// The value of `key=` in a unit's text (the last one, as systemd reads it).
fn setting(unit: &str, key: &str) -> String {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .next_back()
        .unwrap_or_else(|| panic!("no {key}= in the unit"))
        .trim()
        .to_owned()
}

#[test]
fn the_data_folder_systemd_makes_is_one_fluister_accepts() {
    let unit = unit_text("fluister.service");
    let state = setting(&unit, "StateDirectory");
    let mode = u32::from_str_radix(&setting(&unit, "StateDirectoryMode"), 8).unwrap();
    assert!(
        setting(&unit, "ExecStart").contains(&format!("--config {INSTALLED_CONFIG}")),
        "the server reads the config the docs install"
    );
    assert!(
        INSTALLED_CONFIG.starts_with(&format!(
            "/etc/{}/",
            setting(&unit, "ConfigurationDirectory")
        )),
        "the config lies in the ConfigurationDirectory"
    );
    // The example config (what docs/running.md copies) points data_dir at the StateDirectory.
    let example = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/fluister.example.toml"),
    )
    .unwrap();
    assert!(
        example
            .lines()
            .any(|l| l == format!("data_dir = \"/var/lib/{state}\"")),
        "docs/fluister.example.toml: data_dir must be /var/lib/{state}"
    );

    // A folder made the way systemd makes it, with the unit's mode: the server starts on it.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    fs::create_dir(&data).unwrap();
    fs::set_permissions(&data, fs::Permissions::from_mode(mode)).unwrap();
    let adviser = age::x25519::Identity::generate();
    let config = config_for(tmp.path(), &adviser, "");
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    assert_eq!(get(&server.url("/healthz")).status, 200);
    drop(server);

    // And the check is real: the same folder with one group bit is refused.
    fs::set_permissions(&data, fs::Permissions::from_mode(mode | 0o050)).unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a folder open to the group is refused"
    );
    assert!(
        text(&out.stderr).contains("chmod 700"),
        "{}",
        text(&out.stderr)
    );
}

/// The shell script of the backup unit's `ExecStart=/bin/sh -c '…'`, as systemd hands it to
/// `sh`: continuation lines joined with a space, `%%` and `$$` made `%` and `$`.
fn backup_script() -> String {
    let unit = unit_text("fluister-backup.service").replace("\\\n", " ");
    let exec = setting(&unit, "ExecStart");
    let script = exec
        .strip_prefix("/bin/sh -c '")
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or_else(|| panic!("ExecStart is not /bin/sh -c '…': {exec}"));
    assert!(!script.contains('\\'), "no escapes for systemd to unquote");
    // Every % and $ is systemd-escaped: the script relies on no specifier and no variable that
    // systemd would fill in.
    let unescaped = script.replace("%%", "").replace("$$", "");
    assert!(
        !unescaped.contains('%') && !unescaped.contains('$'),
        "an unescaped % or $ in the backup script: {script}"
    );
    script.replace("%%", "%").replace("$$", "$")
}

fn set_age(path: &Path, days: u64) {
    let when = SystemTime::now() - Duration::from_secs(days * 24 * 3600);
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn backup_unit_writes_dated_backups_that_restore_and_prunes_only_old_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let backup_key = age::x25519::Identity::generate();
    let key_file = tmp.path().join("backup.key");
    fs::write(&key_file, backup_key.to_string().expose_secret()).unwrap();
    let adviser = age::x25519::Identity::generate();
    let config = config_for(
        tmp.path(),
        &adviser,
        &format!("backup_recipients = [\"{}\"]", backup_key.to_public()),
    );
    let data = tmp.path().join("data");
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    let page = post_form(
        &server.url("/s/demo/report"),
        &[("description", "Er wordt iemand gepest in de kantine.")],
    );
    let code = page.pickup_code().expect("a pickup code");

    let backups = tmp.path().join("backups");
    fs::create_dir(&backups).unwrap();
    let file = |name: &str, days: u64| {
        let p = backups.join(name);
        fs::write(&p, b"an older backup").unwrap();
        set_age(&p, days);
        p
    };
    let stale = file("fluister-2026-10-01.age", 31);
    let recent = file("fluister-2026-11-20.age", 11);
    let foreign = file("notes.txt", 100);
    let partial_old = file(".fluister-2026-10-31.age.partial-0a1b2c", 2);
    let partial_new = file(".fluister-2026-12-01.age.partial-3d4e5f", 0);

    let mut script = backup_script();
    for (installed, here) in [
        (INSTALLED_BIN, BIN.to_owned()),
        (INSTALLED_CONFIG, config.display().to_string()),
        (INSTALLED_BACKUPS, backups.display().to_string()),
    ] {
        assert!(script.contains(installed), "the script names {installed}");
        script = script.replace(installed, &here);
    }
    let run = || {
        let out = Command::new("/bin/sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the backup unit's command failed: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    };
    let first = run();
    let today = text(&Command::new("date").arg("+%F").output().unwrap().stdout)
        .trim()
        .to_owned();
    let dated = backups.join(format!("fluister-{today}.age"));
    assert!(dated.exists(), "{}", text(&first.stderr));
    run();
    let second = backups.join(format!("fluister-{today}-2.age"));
    assert!(
        second.exists(),
        "a second run the same day never overwrites"
    );

    assert!(!stale.exists(), "a backup older than 30 days is deleted");
    assert!(recent.exists(), "a backup of 11 days ago is kept");
    assert!(
        foreign.exists(),
        "files that are not backups are left alone"
    );
    assert!(
        !partial_old.exists(),
        "a partial file a crash left is cleaned"
    );
    assert!(
        partial_new.exists(),
        "a partial file of a running backup is not"
    );
    for f in [&dated, &second] {
        let mode = fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }

    // The dated file is a real backup: it restores, and the code opens its report there.
    drop(server);
    let restored = tmp.path().join("restored");
    let out = Command::new(BIN)
        .arg("restore")
        .arg(&dated)
        .arg("--identity")
        .arg(&key_file)
        .arg("--data-dir")
        .arg(&restored)
        .env_remove("FLUISTER_PASSPHRASE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let server = Server::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
        &restored,
    );
    let page = post_form(&server.url("/check"), &[("code", &code)]);
    assert_eq!(page.status, 200);
    assert!(page.body.contains("kantine"), "{}", page.body);
}
