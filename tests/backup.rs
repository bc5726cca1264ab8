//! `fluister backup` and `fluister restore` with the real binary, a real server under load, real
//! SQLite files and real age: every code handed out before a backup began opens its report on
//! a server started on the restored folder; a damaged or foreign backup writes nothing; a
//! restore never touches an existing folder; a stolen restored folder opens nothing.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use age::x25519;
use common::thief::{loot, what_opens};
use common::*;

const PASSPHRASE: &str = "the board keeps this one offline";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::null())
        .env_remove("FLUISTER_PASSPHRASE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A passphrase-protected backup key made as a board would (`fluister adviser init`):
/// (recipient, identity file).
fn backup_key(dir: &Path) -> (String, PathBuf) {
    let path = dir.join("keys/backup.key");
    let out = run(
        &["adviser", "init", "--identity", path.to_str().unwrap()],
        &[("FLUISTER_PASSPHRASE", PASSPHRASE)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let recipient = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    (recipient, path)
}

/// A config whose backups go to `recipient`, with limits that let one test address post and
/// check hundreds of reports.
fn config(dir: &Path, adviser: &x25519::Identity, recipient: &str) -> PathBuf {
    config_for(
        dir,
        adviser,
        &format!(
            "backup_recipients = [\"{recipient}\"]\n[limits]\nreports_per_source_per_hour = \
             100000\nreports_per_school_per_minute = 100000\nchecks_per_source_per_minute = \
             100000\nfailed_checks_per_minute = 100000"
        ),
    )
}

fn backup(config: &Path, out: &Path) -> Output {
    run(
        &[
            "backup",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    )
}

fn restore(file: &Path, key: &Path, data_dir: &Path, passphrase: &str) -> Output {
    run(
        &[
            "restore",
            file.to_str().unwrap(),
            "--identity",
            key.to_str().unwrap(),
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
        &[("FLUISTER_PASSPHRASE", passphrase)],
    )
}

/// Sends one report; answers its pickup code.
fn report(server_base: &str, description: &str) -> String {
    let page = post_form(
        &format!("{server_base}/s/demo/report"),
        &[
            ("category", "bullying"),
            ("description", description),
            ("lang", "nl"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    page.pickup_code().expect("a confirmation shows a code")
}

/// The names of the files in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_backup_taken_under_load_restores_every_code_handed_out_before_it() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let (recipient, key) = backup_key(tmp.path());
    let config = config(tmp.path(), &adviser, &recipient);
    let server = Server::start(
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    let mut handed_out: Vec<(String, String, Instant)> = (0..20)
        .map(|i| {
            let text = format!("BACKUP-EARLY-{i} iemand pakt mijn spullen af");
            (report(&server.base, &text), text, Instant::now())
        })
        .collect();

    // Two pupils keep reporting while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..2)
        .map(|t| {
            let (stop, base) = (stop.clone(), server.base.clone());
            std::thread::spawn(move || {
                let mut sent = Vec::new();
                for i in 0..2000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let text = format!("BACKUP-LOAD-{t}-{i} het gebeurt elke pauze");
                    sent.push((report(&base, &text), text, Instant::now()));
                }
                sent
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    let out_dir = tmp.path().join("backups");
    std::fs::create_dir(&out_dir).unwrap();
    let file = out_dir.join("fluister-2026-12-01.age");
    let began = Instant::now();
    let made = backup(&config, &file);
    let ended = Instant::now();
    assert!(made.status.success(), "{}", stderr(&made));
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(
        said.contains("reports") && said.contains("fluister restore"),
        "{said}"
    );
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for thread in load {
        handed_out.extend(thread.join().unwrap());
    }
    let before = handed_out.iter().filter(|(_, _, at)| *at < began).count();
    let after = handed_out.iter().filter(|(_, _, at)| *at > ended).count();
    assert!(
        before > 20 && after > 0,
        "reports kept coming around the backup: {before} before, {after} after"
    );
    eprintln!(
        "backup took {:?}; {} reports in all, {before} handed out before it began",
        ended - began,
        handed_out.len()
    );

    // One age file, and nothing else, in the folder; none beside the database either.
    assert_eq!(names(&out_dir), ["fluister-2026-12-01.age"]);
    assert_eq!(mode(&file), 0o600);
    let sealed = std::fs::read(&file).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    let secret = std::fs::read(server.data_dir.join("server-secret")).unwrap();
    assert!(!contains(&sealed, &secret));
    assert!(!contains(&sealed, b"SQLite format 3"));
    assert!(
        names(&server.data_dir).iter().all(|n| [
            "fluister.db",
            "fluister.db-wal",
            "fluister.db-shm",
            "server-secret"
        ]
        .contains(&n.as_str())),
        "{:?}",
        names(&server.data_dir)
    );
    server.stop();

    let restored = tmp.path().join("restored/data");
    let done = restore(&file, &key, &restored, PASSPHRASE);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(String::from_utf8_lossy(&done.stdout).contains("Restored"));
    assert_eq!(mode(&restored), 0o700);
    assert_eq!(names(&restored), ["fluister.db", "server-secret"]);
    for name in ["fluister.db", "server-secret"] {
        assert_eq!(mode(&restored.join(name)), 0o600, "{name}");
    }
    let again = Server::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
        &restored,
    );
    let mut checked = 0;
    for (code, text, at) in &handed_out {
        if *at >= began {
            continue;
        }
        let page = post_form(&again.url("/check"), &[("code", code), ("lang", "nl")]);
        assert_eq!(page.status, 200, "{code}: {}", page.body);
        assert!(
            page.body.contains(text.as_str()),
            "{code} opens its own report"
        );
        checked += 1;
    }
    assert!(again.report_count() >= checked as i64);
    eprintln!("{checked} codes opened their reports on the restored install");
}

#[test]
fn a_damaged_or_foreign_backup_writes_nothing_and_restore_never_touches_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let (recipient, key) = backup_key(tmp.path());
    let config = config(tmp.path(), &adviser, &recipient);
    let server = Server::start(
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    let code = report(&server.base, "BACKUP-ONE de groepsapp");
    let file = tmp.path().join("one.age");
    let made = backup(&config, &file);
    assert!(made.status.success(), "{}", stderr(&made));

    // Never over an existing file.
    let before = std::fs::read(&file).unwrap();
    let twice = backup(&config, &file);
    assert!(!twice.status.success());
    assert!(
        stderr(&twice).contains("already exists") && stderr(&twice).contains("one.age"),
        "{}",
        stderr(&twice)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // No recipients: the setting is named and no file appears.
    let bare = tmp.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    let no_recipients = config_for(&bare, &adviser, "");
    let data_line = format!("data_dir = \"{}\"", server.data_dir.display());
    let text = std::fs::read_to_string(&no_recipients).unwrap();
    let first = text.lines().next().unwrap().to_owned();
    std::fs::write(&no_recipients, text.replace(&first, &data_line)).unwrap();
    let refused = backup(&no_recipients, &bare.join("x.age"));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("backup_recipients"),
        "{}",
        stderr(&refused)
    );
    assert!(!bare.join("x.age").exists());

    let target = tmp.path().join("new");
    // A key that is not a backup recipient.
    let stranger = tmp.path().join("stranger.key");
    let id = x25519::Identity::generate();
    std::fs::write(
        &stranger,
        fluister::crypto::identity_file_text(&id, "2026-12-01").as_bytes(),
    )
    .unwrap();
    let wrong = restore(&file, &stranger, &target, "");
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("not encrypted to this key"),
        "{}",
        stderr(&wrong)
    );
    // The right key with the wrong passphrase.
    let wrong = restore(&file, &key, &target, "not the passphrase at all");
    assert!(
        stderr(&wrong).contains("wrong passphrase"),
        "{}",
        stderr(&wrong)
    );
    // One byte changed in the middle, and a file cut short.
    let mut flipped = before.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    std::fs::write(tmp.path().join("flipped.age"), &flipped).unwrap();
    let cut = &before[..before.len() - 100];
    std::fs::write(tmp.path().join("cut.age"), cut).unwrap();
    for name in ["flipped.age", "cut.age"] {
        let damaged = restore(&tmp.path().join(name), &key, &target, PASSPHRASE);
        assert!(!damaged.status.success());
        assert!(
            stderr(&damaged).contains("damaged") && stderr(&damaged).contains(name),
            "{}",
            stderr(&damaged)
        );
    }
    assert!(!target.exists(), "a failed restore wrote nothing");

    // Never into an existing folder, empty or the live one; the folder is named.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for existing in [&empty, &server.data_dir] {
        let files = names(existing);
        let refused = restore(&file, &key, existing, PASSPHRASE);
        assert!(!refused.status.success());
        let said = stderr(&refused);
        assert!(
            said.contains("already exists") && said.contains(existing.to_str().unwrap()),
            "{said}"
        );
        assert_eq!(names(existing), files);
    }
    // The live server is untouched and still answers the code.
    let page = post_form(&server.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert_eq!(page.status, 200);
}

#[test]
fn a_restored_folder_opens_nothing_for_a_thief_without_a_code() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = x25519::Identity::generate();
    let (recipient, key) = backup_key(tmp.path());
    let config = config(tmp.path(), &adviser, &recipient);
    let server = Server::start(
        &["--config", config.to_str().unwrap()],
        &tmp.path().join("data"),
    );
    let photo = images::photo_jpeg(160, 120);
    let with_image = post_multipart(
        &server.url("/s/demo/report"),
        &[
            ("category", "fight_filmed"),
            ("description", "BACKUP-THIEF filmpje"),
            ("lang", "nl"),
        ],
        &[("fight.jpg", &photo)],
    );
    assert_eq!(with_image.status, 200, "{}", with_image.body);
    let code = with_image.pickup_code().unwrap();
    report(&server.base, "BACKUP-THIEF twee");
    let follow = post_form(
        &server.url("/check/message"),
        &[
            ("code", &code),
            ("message", "BACKUP-THIEF nog iets"),
            ("lang", "nl"),
        ],
    );
    assert_eq!(follow.status, 200, "{}", follow.body);
    let file = tmp.path().join("b.age");
    assert!(backup(&config, &file).status.success());
    server.stop();
    let restored = tmp.path().join("restored");
    let done = restore(&file, &key, &restored, PASSPHRASE);
    assert!(done.status.success(), "{}", stderr(&done));

    for with_secret in [false, true] {
        let stolen = loot(&restored, with_secret, &[adviser.to_public()]);
        assert!(stolen.ciphertexts.len() >= 4, "the folder holds age files");
        let opened = what_opens(&stolen, &[]);
        assert!(opened.is_empty(), "with secret {with_secret}: {opened:#?}");
    }
    let again = Server::start(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            restored.to_str().unwrap(),
        ],
        &restored,
    );
    let page = post_form(&again.url("/check"), &[("code", &code), ("lang", "nl")]);
    assert!(page.body.contains("BACKUP-THIEF nog iets"), "{}", page.body);
}
