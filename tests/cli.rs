//! The real binary from the command line: config validation and `fluister adviser init`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use age::secrecy::SecretString;
use common::*;

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

/// `fluister adviser init` with a passphrase from the environment; returns (recipient, file).
fn init(dir: &std::path::Path, passphrase: &str) -> (String, std::path::PathBuf) {
    let path = dir.join("keys/adviser.key");
    // init saves the key's path in the user's settings: here, in the test's folder.
    let settings = dir.join("settings.toml");
    let out = run(
        &["adviser", "init", "--identity", path.to_str().unwrap()],
        &[
            ("FLUISTER_PASSPHRASE", passphrase),
            ("FLUISTER_SETTINGS", settings.to_str().unwrap()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let recipient = stdout.lines().last().unwrap().to_owned();
    (recipient, path)
}

#[test]
fn adviser_init_makes_a_passphrase_protected_key_that_works() {
    let tmp = tempfile::tempdir().unwrap();
    let (recipient, path) = init(tmp.path(), "correct horse battery");
    assert!(recipient.starts_with("age1"), "{recipient}");
    let r: age::x25519::Recipient = recipient.parse().unwrap();

    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let file = std::fs::read(&path).unwrap();
    assert!(file.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(
        !contains(&file, b"AGE-SECRET-KEY"),
        "the secret is not in the clear"
    );

    // The right passphrase opens it, to an identity matching the printed recipient.
    let plain = fluister::crypto::decrypt_with_passphrase(
        SecretString::from("correct horse battery".to_owned()),
        &file,
    )
    .unwrap();
    let identity =
        fluister::crypto::parse_identity_file(std::str::from_utf8(&plain).unwrap()).unwrap();
    assert_eq!(identity.to_public().to_string(), recipient);
    // A wrong one does not.
    assert!(
        fluister::crypto::decrypt_with_passphrase(
            SecretString::from("wrong horse battery".to_owned()),
            &file
        )
        .is_err()
    );
    // And the recipient really encrypts to that identity.
    let ct = fluister::crypto::encrypt(&[&r], b"hallo").unwrap();
    assert_eq!(decrypt(&identity, &ct).unwrap(), b"hallo");

    // Never overwrites.
    let again = run(
        &["adviser", "init", "--identity", path.to_str().unwrap()],
        &[("FLUISTER_PASSPHRASE", "another passphrase")],
    );
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&path).unwrap(), file);
}

#[test]
fn adviser_init_explains_a_missing_or_short_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a.key");
    let out = run(
        &["adviser", "init", "--identity", path.to_str().unwrap()],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("FLUISTER_PASSPHRASE"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &["adviser", "init", "--identity", path.to_str().unwrap()],
        &[("FLUISTER_PASSPHRASE", "short")],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("too short"), "{}", stderr(&out));
    assert!(!path.exists(), "nothing half-written stays behind");
}

/// Runs `age -d -i KEY FILE` with a passphrase typed at its prompt: age reads passphrases only
/// from a terminal, so `script` gives it one.
fn age_decrypt_with_key_file(
    key: &std::path::Path,
    file: &std::path::Path,
    passphrase: &str,
) -> Output {
    use std::io::Write;
    let mut child = Command::new("script")
        .args([
            "-qec",
            &format!("age -d -i {} {}", key.display(), file.display()),
            "/dev/null",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    writeln!(stdin, "{passphrase}").unwrap();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    out
}

#[test]
fn the_reference_age_tool_opens_reports_with_the_adviser_key_file() {
    let have = |tool: &str| Command::new(tool).arg("--version").output().is_ok();
    if !have("age") || !have("script") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the reference `age` tool"
        );
        eprintln!("SKIPPED: the reference `age` tool (or `script`) is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (recipient, key) = init(tmp.path(), "correct horse battery");
    let r: age::x25519::Recipient = recipient.parse().unwrap();
    let file = tmp.path().join("report.age");
    std::fs::write(
        &file,
        fluister::crypto::encrypt(&[&r], b"SENTINEL-REPORT").unwrap(),
    )
    .unwrap();

    let out = age_decrypt_with_key_file(&key, &file, "correct horse battery");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && shown.contains("SENTINEL-REPORT"),
        "{shown}"
    );
    let out = age_decrypt_with_key_file(&key, &file, "wrong horse battery");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("SENTINEL-REPORT"));
    assert!(!out.status.success());
}

fn write_config(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("fluister.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn a_bad_config_refuses_to_start_and_names_the_school_and_setting() {
    let tmp = tempfile::tempdir().unwrap();
    let (recipient, _) = init(tmp.path(), "correct horse battery");
    let data = tmp.path().join("data");
    let data = data.to_str().unwrap();
    let cases = [
        (
            format!(
                "data_dir = \"{data}\"\n[[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\nadvisers = [\"age1notarecipient\"]\n"
            ),
            vec!["de-linde", "advisers[0]", "not an age recipient"],
        ),
        (
            format!(
                "data_dir = \"{data}\"\n[[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\nadvisers = []\n"
            ),
            vec!["de-linde", "advisers is empty"],
        ),
        (
            format!(
                "data_dir = \"{data}\"\n[[school]]\nslug = \"a\"\nname = \"A\"\nadvisers = [\"{recipient}\"]\n[[school]]\nslug = \"a\"\nname = \"B\"\nadvisers = [\"{recipient}\"]\n"
            ),
            vec!["school #2", "\"a\"", "slug is used by another school"],
        ),
        (
            format!(
                "data_dir = \"{data}\"\n[[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\nadvisers = [\"{recipient}\"]\nadvisors = []\n"
            ),
            vec!["de-linde", "unknown setting \"advisors\""],
        ),
        (
            format!(
                "data_dir = \"{data}\"\nport = 80\n[[school]]\nslug = \"x\"\nname = \"X\"\nadvisers = [\"{recipient}\"]\n"
            ),
            vec!["unknown setting \"port\""],
        ),
        (
            format!(
                "data_dir = \"{data}\"\n[[school]]\nslug = \"De Linde\"\nname = \"X\"\nadvisers = [\"{recipient}\"]\n"
            ),
            vec!["De Linde", "slug may only hold"],
        ),
        ("[[school]\n".to_owned(), vec!["not valid TOML"]),
    ];
    for (text, needles) in cases {
        let config = write_config(tmp.path(), &text);
        let out = run(
            &["serve", "--config", &config, "--listen", "127.0.0.1:0"],
            &[],
        );
        assert!(!out.status.success(), "started with:\n{text}");
        let err = stderr(&out);
        for n in needles {
            assert!(err.contains(n), "{n:?} missing from {err}");
        }
        assert!(!std::path::Path::new(data).join("fluister.db").exists());
    }
}

#[test]
fn a_good_config_serves_every_school_to_its_own_advisers() {
    let tmp = tempfile::tempdir().unwrap();
    let (recipient, key) = init(tmp.path(), "correct horse battery");
    let other = age::x25519::Identity::generate();
    let data = tmp.path().join("data");
    let config = write_config(
        tmp.path(),
        &format!(
            "data_dir = \"{}\"\n[[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\nadvisers = [\"{recipient}\"]\n\
             [[school]]\nslug = \"het-baken\"\nname = \"Het Baken\"\nadvisers = [\"{}\"]\n",
            data.display(),
            other.to_public()
        ),
    );
    let server = Server::start(&["--config", &config], &data);
    let home = get(&server.url("/"));
    assert!(home.body.contains("href=\"/s/de-linde?lang=nl\"") && home.body.contains("Het Baken"));
    assert!(
        !server.logs().contains("DEMO"),
        "no demo warning with a config"
    );
    let page = post_form(
        &server.url("/s/het-baken/report"),
        &[("category", "threat"), ("description", "Voor Het Baken")],
    );
    assert_eq!(page.status, 200);
    let ct: Vec<u8> = server
        .db()
        .query_row(
            "SELECT ciphertext FROM reports WHERE school = 'het-baken'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(decrypt(&other, &ct).is_ok(), "Het Baken's adviser opens it");
    let plain = fluister::crypto::decrypt_with_passphrase(
        SecretString::from("correct horse battery".to_owned()),
        &std::fs::read(key).unwrap(),
    )
    .unwrap();
    let linde =
        fluister::crypto::parse_identity_file(std::str::from_utf8(&plain).unwrap()).unwrap();
    assert!(decrypt(&linde, &ct).is_err(), "De Linde's adviser does not");
}

/// Info item: a data folder that other users of the machine can read or enter is refused, and
/// the message names the setting and the fix.
#[test]
fn a_data_folder_open_to_other_users_refuses_to_start() {
    let tmp = tempfile::tempdir().unwrap();
    let adviser = age::x25519::Identity::generate();
    let config = config_for(tmp.path(), &adviser, "");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Spawned, not run: a server that did start would never exit by itself.
    let mut child = Command::new(BIN)
        .args(["serve", "--config", config.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started on a data folder open to other users");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    for needle in [
        "data_dir",
        "mode 755",
        &format!("chmod 700 {}", data.display()),
    ] {
        assert!(err.contains(needle), "{needle:?} missing from {err}");
    }
    assert!(!data.join("server-secret").exists() && !data.join("fluister.db").exists());
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let server = Server::start(&["--config", config.to_str().unwrap()], &data);
    assert_eq!(get(&server.url("/healthz")).status, 200);
}
