//! Backups: one age file with a consistent copy of the database and the server secret, and a new
//! data folder made from one (DESIGN.md "Backups").
//!
//! `backup` copies the live database with SQLite's online backup API in one step, which reads
//! one snapshot while the server keeps writing (WAL), into an in-memory database; serializes
//! that in memory; and streams it, with the server secret, into age encryption to the install's
//! `backup_recipients`. Nothing unencrypted is ever written to disk, not even for a moment.
//!
//! The plaintext inside the age file (docs/backup.md):
//!
//! ```text
//! "fluister-backup 1\n"                       magic and format version
//! entry*                                      u8 name length (1-255), name (ASCII),
//!                                             u64 big-endian length, that many bytes
//! 0x00                                        end: a name length of 0, nothing after it
//! ```
//!
//! Entries: `made-on` (the date, `YYYY-MM-DD`), `server-secret` (32 bytes) and `fluister.db`
//! (the SQLite database image). A reader refuses unknown names, a missing entry, and anything
//! after the end.
//!
//! `restore` decrypts and checks everything in memory (age's authentication, the format, SQLite's
//! integrity check, the schema version) before it creates anything, and then makes only a new
//! folder: it never touches an existing one.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use age::x25519;
use rand::RngCore;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::adviser::AdviserKey;
use crate::crypto::{self, SecretError, ServerSecret};
use crate::store::{DB_FILE, SCHEMA_VERSION};

/// The first line of the plaintext: what it is, and the version of the format.
const MAGIC: &[u8] = b"fluister-backup 1\n";
const MADE_ON: &str = "made-on";
const SECRET: &str = "server-secret";
const DATABASE: &str = "fluister.db";
/// How often a snapshot is tried again while the database is locked (a migration running).
const BUSY_TRIES: u32 = 100;

/// What went wrong with a backup, and what to do.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "backup_recipients is empty in the config: add the age1… recipient of every key that may \
         restore a backup (the school board's or the host's, made with `fluister adviser init` or \
         age-keygen and kept offline), then run the backup again"
    )]
    NoRecipients,
    #[error(
        "{0} already exists; a backup never overwrites a file: choose another name, e.g. one \
         with today's date"
    )]
    OutExists(PathBuf),
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(
        "cannot read the database {path}: {detail}; check that data_dir (or --data-dir) is the \
         folder the server uses"
    )]
    Database { path: PathBuf, detail: String },
    #[error(
        "the database {path} has schema {found}, this Fluister knows {known}: back it up with \
         the Fluister that serves it"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    #[error("cannot write {path}: {cause}; nothing was kept")]
    Write { path: PathBuf, cause: io::Error },
    #[error(transparent)]
    Encrypt(#[from] crypto::EncryptFailed),
}

/// What went wrong with a restore, and what to do. Every failure before `Write` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "{0} already exists; a restore never touches an existing folder: give --data-dir a new \
         path (e.g. {0}-restored), then point data_dir at it"
    )]
    Exists(PathBuf),
    #[error("cannot read {path}: {cause}")]
    Read { path: PathBuf, cause: io::Error },
    #[error(
        "{path} is not encrypted to this key ({recipient}): use the identity of one of the \
         install's backup_recipients; nothing was written"
    )]
    WrongKey { path: PathBuf, recipient: String },
    #[error(
        "{path} is damaged or not a Fluister backup ({detail}); nothing was written. Try an \
         older backup"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "{path} holds schema {found}, this Fluister knows {known}: restore it with the newer \
         Fluister that made it; nothing was written"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    #[error("cannot write the new data folder {path}: {cause}; what was written was removed")]
    Write { path: PathBuf, cause: String },
}

/// Checks `backup_recipients` from the config: age X25519 recipients, no secret key, none
/// twice. The error starts with the entry, e.g. `[1] = "…" is …` (the caller names the list).
pub fn parse_recipients(list: &[String]) -> Result<Vec<x25519::Recipient>, String> {
    let mut out: Vec<x25519::Recipient> = Vec::with_capacity(list.len());
    for (i, r) in list.iter().enumerate() {
        let r = r.trim();
        if r.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
            return Err(format!(
                "[{i}] is a SECRET key, not a recipient. Remove it from this file now, make a new \
                 backup key, and put only its age1… recipient here"
            ));
        }
        let recipient = r.parse::<x25519::Recipient>().map_err(|e| {
            format!(
                "[{i}] = \"{r}\" is not an age recipient ({e}); it should look like age1… as \
                 printed by `fluister adviser init` or age-keygen"
            )
        })?;
        if out.iter().any(|o| o.to_string() == recipient.to_string()) {
            return Err(format!("[{i}] = \"{r}\" is listed twice"));
        }
        out.push(recipient);
    }
    Ok(out)
}

/// What a backup holds, as `backup` reports it.
#[derive(Debug, Clone)]
pub struct Made {
    pub made_on: String,
    pub reports: i64,
    /// Size of the database image, in bytes.
    pub database_bytes: usize,
    pub recipients: usize,
}

/// Writes a backup of the data folder `data_dir` to `out`, encrypted to `recipients`. `out`
/// appears whole or not at all (written beside it under another name, then linked into place),
/// and is never overwritten.
pub fn backup(
    data_dir: &Path,
    recipients: &[x25519::Recipient],
    out: &Path,
) -> Result<Made, BackupError> {
    if recipients.is_empty() {
        return Err(BackupError::NoRecipients);
    }
    if fs::symlink_metadata(out).is_ok() {
        return Err(BackupError::OutExists(out.to_owned()));
    }
    let secret = ServerSecret::load(data_dir)?;
    let path = data_dir.join(DB_FILE);
    let db_err = |e: rusqlite::Error| BackupError::Database {
        path: path.clone(),
        detail: e.to_string(),
    };
    let mut copy = snapshot(&path).map_err(db_err)?;
    let found: i64 = copy
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db_err)?;
    if found < 1 {
        return Err(BackupError::Database {
            path,
            detail: "it holds no Fluister schema".into(),
        });
    }
    if found > SCHEMA_VERSION as i64 {
        return Err(BackupError::TooNew {
            path,
            found,
            known: SCHEMA_VERSION,
        });
    }
    let reports: i64 = copy
        .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))
        .map_err(db_err)?;
    let made_on = crate::date::today();
    let image = copy.serialize(rusqlite::MAIN_DB).map_err(db_err)?;
    let made = Made {
        made_on: made_on.clone(),
        reports,
        database_bytes: image.len(),
        recipients: recipients.len(),
    };
    let entries: [(&str, &[u8]); 3] = [
        (MADE_ON, made_on.as_bytes()),
        (SECRET, &secret.for_backup()[..]),
        (DATABASE, &image),
    ];
    write_whole(out, |file| {
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| io::Error::other(e.to_string()))?;
        let mut writer = encryptor.wrap_output(BufWriter::new(file))?;
        write_container(&mut writer, &entries)?;
        // Without finish() the last chunk is never written and the file is truncated.
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })?;
    Ok(made)
}

/// A consistent copy of the database at `path` in memory: the backup API in one step reads a
/// single snapshot, and in WAL mode the server's writers carry on meanwhile.
fn snapshot(path: &Path) -> rusqlite::Result<Connection> {
    // No CREATE flag: a wrong data_dir is an error, not a new empty database.
    let source = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(Duration::from_secs(10))?;
    source.pragma_update(None, "query_only", true)?;
    let page_size: i64 = source.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    let mut copy = Connection::open_in_memory()?;
    // An in-memory copy must have the source's page size or the backup API refuses.
    copy.pragma_update(None, "page_size", page_size)?;
    {
        let backup = Backup::new(&source, &mut copy)?;
        let mut tries = 0;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                StepResult::Busy | StepResult::Locked if tries < BUSY_TRIES => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(100));
                }
                StepResult::Busy | StepResult::Locked => {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                        Some("the database stayed locked for 10 seconds; try again".into()),
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(copy)
}

/// Writes `out` through `fill` into a new private file beside it, then links it into place, so
/// `out` is whole or absent and never replaces a file that appeared meanwhile.
fn write_whole(
    out: &Path,
    fill: impl FnOnce(fs::File) -> io::Result<()>,
) -> Result<(), BackupError> {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    let mut tag = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut tag);
    let tag: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    let partial = out.with_file_name(format!(".{name}.partial-{tag}"));
    let write_err = |cause| BackupError::Write {
        path: out.to_owned(),
        cause,
    };
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(write_err)?;
    let linked = fill(file).and_then(|()| fs::hard_link(&partial, out));
    let _ = fs::remove_file(&partial);
    match linked {
        Ok(()) => {
            if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                crypto::sync_dir(dir).map_err(write_err)?;
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Err(BackupError::OutExists(out.to_owned()))
        }
        Err(e) => Err(write_err(e)),
    }
}

fn write_container(w: &mut impl Write, entries: &[(&str, &[u8])]) -> io::Result<()> {
    w.write_all(MAGIC)?;
    for (name, bytes) in entries {
        let len = u8::try_from(name.len()).expect("entry names are short");
        w.write_all(&[len])?;
        w.write_all(name.as_bytes())?;
        w.write_all(&(bytes.len() as u64).to_be_bytes())?;
        w.write_all(bytes)?;
    }
    w.write_all(&[0])
}

/// What a backup file holds, read and checked in memory.
struct Contents<'a> {
    made_on: String,
    secret: ServerSecret,
    database: &'a [u8],
}

/// Reads the plaintext of a backup; the error says what is wrong with it.
fn read_container(plain: &[u8]) -> Result<Contents<'_>, String> {
    let mut rest = plain
        .strip_prefix(MAGIC)
        .ok_or("it does not start as a Fluister backup")?;
    let (mut made_on, mut secret, mut database) = (None, None, None);
    loop {
        let (&len, after) = rest.split_first().ok_or("it ends too early")?;
        rest = after;
        if len == 0 {
            break;
        }
        let name = rest.get(..len as usize).ok_or("it ends inside a name")?;
        rest = &rest[len as usize..];
        let size = rest.get(..8).ok_or("it ends inside a length")?;
        let size = u64::from_be_bytes(size.try_into().expect("8 bytes"));
        rest = &rest[8..];
        let bytes = usize::try_from(size)
            .ok()
            .and_then(|n| rest.get(..n))
            .ok_or("it ends inside an entry")?;
        rest = &rest[bytes.len()..];
        match name {
            n if n == MADE_ON.as_bytes() => {
                made_on = Some(
                    std::str::from_utf8(bytes)
                        .ok()
                        .filter(|d| crate::date::is_date(d))
                        .ok_or("its date is not a date")?
                        .to_owned(),
                )
            }
            n if n == SECRET.as_bytes() => {
                let bytes: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| "its server secret is not 32 bytes")?;
                secret = Some(ServerSecret::from_bytes(bytes));
            }
            n if n == DATABASE.as_bytes() => database = Some(bytes),
            other => {
                return Err(format!(
                    "it holds an entry \"{}\" this Fluister does not know; restore it with the \
                     Fluister that made it",
                    String::from_utf8_lossy(other)
                ));
            }
        }
    }
    if !rest.is_empty() {
        return Err("something follows its end".into());
    }
    Ok(Contents {
        made_on: made_on.ok_or("it has no date")?,
        secret: secret.ok_or("it has no server secret")?,
        database: database.ok_or("it has no database")?,
    })
}

/// What `restore` made.
#[derive(Debug, Clone)]
pub struct Restored {
    pub made_on: String,
    pub reports: i64,
}

/// Makes the new data folder `data_dir` (mode 0700; its files 0600) from the backup `file`,
/// opened with `key`. Everything is checked before anything is created; an existing
/// `data_dir` is refused.
pub fn restore(file: &Path, key: &AdviserKey, data_dir: &Path) -> Result<Restored, RestoreError> {
    if fs::symlink_metadata(data_dir).is_ok() {
        return Err(RestoreError::Exists(data_dir.to_owned()));
    }
    let damaged = |detail: String| RestoreError::Damaged {
        path: file.to_owned(),
        detail,
    };
    let ciphertext = fs::read(file).map_err(|cause| RestoreError::Read {
        path: file.to_owned(),
        cause,
    })?;
    let plain = key.decrypt(&ciphertext).map_err(|e| match e {
        age::DecryptError::NoMatchingKeys => RestoreError::WrongKey {
            path: file.to_owned(),
            recipient: key.recipient().to_string(),
        },
        other => damaged(format!("age: {other}")),
    })?;
    let contents = read_container(&plain).map_err(damaged)?;
    let reports = check_database(contents.database).map_err(|e| match e {
        Checked::TooNew(found) => RestoreError::TooNew {
            path: file.to_owned(),
            found,
            known: SCHEMA_VERSION,
        },
        Checked::Bad(detail) => damaged(detail),
    })?;
    write_folder(data_dir, &contents).map_err(|cause| {
        // Only what this restore made goes: the folder did not exist before it.
        let _ = fs::remove_dir_all(data_dir);
        RestoreError::Write {
            path: data_dir.to_owned(),
            cause,
        }
    })?;
    Ok(Restored {
        made_on: contents.made_on,
        reports,
    })
}

/// Bytes 18 and 19 of an SQLite database header: the file format's write and read versions,
/// 2 in WAL mode.
const WAL_FLAGS: std::ops::Range<usize> = 18..20;

#[derive(Debug)]
enum Checked {
    TooNew(i64),
    Bad(String),
}

/// Opens the database image in memory, read-only, and checks it whole: SQLite's integrity
/// check, a Fluister schema this version knows. Answers how many reports it holds.
fn check_database(image: &[u8]) -> Result<i64, Checked> {
    let bad = |e: rusqlite::Error| Checked::Bad(format!("its database: {e}"));
    let mut db = Connection::open_in_memory().map_err(bad)?;
    // The image is of a WAL database (header bytes 18 and 19 are 2), which an in-memory
    // database cannot open; it is read here as the same pages in rollback mode (1). The file
    // written later keeps the image as it is.
    let header = image
        .get(..WAL_FLAGS.start)
        .filter(|h| h.starts_with(b"SQLite format 3\0"))
        .ok_or_else(|| Checked::Bad("its database is not an SQLite database".into()))?;
    let rest = image.get(WAL_FLAGS.end..).unwrap_or_default();
    let as_rollback = io::Read::chain(io::Read::chain(header, &[1u8, 1][..]), rest);
    db.deserialize_read_exact(rusqlite::MAIN_DB, as_rollback, image.len(), true)
        .map_err(bad)?;
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(bad)?;
    if integrity != "ok" {
        return Err(Checked::Bad(format!(
            "its database fails SQLite's integrity check: {integrity}"
        )));
    }
    let found: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(bad)?;
    if found > SCHEMA_VERSION as i64 {
        return Err(Checked::TooNew(found));
    }
    if found < 1 {
        return Err(Checked::Bad("its database holds no Fluister schema".into()));
    }
    db.query_row("SELECT count(*) FROM reports", [], |r| r.get(0))
        .map_err(bad)
}

/// Creates `data_dir` (0700, failing if it appeared meanwhile) with the server secret and the
/// database (0600, synced).
fn write_folder(data_dir: &Path, contents: &Contents<'_>) -> Result<(), String> {
    if let Some(parent) = data_dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    // Not recursive: creating fails if the folder exists, so two restores cannot share one.
    fs::DirBuilder::new()
        .mode(0o700)
        .create(data_dir)
        .map_err(|e| e.to_string())?;
    contents
        .secret
        .write_new(data_dir)
        .map_err(|e| e.to_string())?;
    let path = data_dir.join(DB_FILE);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    file.write_all(contents.database)
        .and_then(|()| file.sync_all())
        .and_then(|()| crypto::sync_dir(data_dir))
        .map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn container(entries: &[(&str, &[u8])]) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::new());
        write_container(&mut *out, entries).unwrap();
        out
    }

    /// The reason a container is refused; the contents hold a secret, so they have no `Debug`.
    fn refused(read: Result<Contents<'_>, String>) -> String {
        match read {
            Ok(_) => panic!("the container was accepted"),
            Err(e) => e,
        }
    }

    #[test]
    fn the_container_reads_back_and_refuses_anything_else() {
        let secret = [7u8; 32];
        let good = container(&[
            (MADE_ON, b"2026-12-01"),
            (SECRET, &secret),
            (DATABASE, b"db bytes"),
        ]);
        let c = read_container(&good).unwrap();
        assert_eq!(c.made_on, "2026-12-01");
        assert_eq!(c.secret.for_backup(), &secret);
        assert_eq!(c.database, b"db bytes");

        let mut trailing = good.to_vec();
        trailing.push(1);
        assert!(refused(read_container(&trailing)).contains("follows"));
        for cut in [0, 5, MAGIC.len() + 3, good.len() - 1] {
            assert!(read_container(&good[..cut]).is_err(), "cut at {cut}");
        }
        let unknown = container(&[(MADE_ON, b"2026-12-01"), ("photos", b"x")]);
        assert!(refused(read_container(&unknown)).contains("photos"));
        let short = container(&[
            (MADE_ON, b"2026-12-01"),
            (SECRET, b"short"),
            (DATABASE, b""),
        ]);
        assert!(refused(read_container(&short)).contains("32 bytes"));
        let missing = container(&[(MADE_ON, b"2026-12-01"), (SECRET, &secret)]);
        assert!(refused(read_container(&missing)).contains("no database"));
    }

    #[test]
    fn recipients_are_checked() {
        let r = x25519::Identity::generate().to_public().to_string();
        assert_eq!(parse_recipients(std::slice::from_ref(&r)).unwrap().len(), 1);
        assert!(
            parse_recipients(&[r.clone(), r])
                .unwrap_err()
                .contains("[1]")
        );
        assert!(
            parse_recipients(&["AGE-SECRET-KEY-1XYZ".into()])
                .unwrap_err()
                .contains("SECRET")
        );
        assert!(
            parse_recipients(&["age1nope".into()])
                .unwrap_err()
                .starts_with("[0]")
        );
    }

    #[test]
    fn a_live_database_is_copied_whole_and_checks_out() {
        let dir = tempfile::tempdir().unwrap();
        let keys = crate::keys::Keys::new(&ServerSecret::from_bytes([1; 32]));
        let store = crate::store::Store::open(dir.path(), &keys).unwrap();
        store.close();
        let copy = snapshot(&dir.path().join(DB_FILE)).unwrap();
        let mut copy = copy;
        let image = copy.serialize(rusqlite::MAIN_DB).unwrap().to_vec();
        assert_eq!(check_database(&image).unwrap(), 0);
        // A page of garbage where a table's root page was, and an image cut short.
        let mut broken = image.clone();
        broken[4096..8192].fill(0xAB);
        assert!(check_database(&broken).is_err());
        assert!(check_database(&image[..4096]).is_err());
        assert!(check_database(b"not a database at all").is_err());
    }
}
