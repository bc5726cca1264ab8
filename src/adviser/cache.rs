//! The workstation's local cache: report and message ciphertext exactly as the server sent it,
//! and which messages the adviser has read. Never plaintext (DESIGN.md: "never have plaintext
//! written to disk unless they export on purpose").
//!
//! Layout below the root (`$FLUISTER_CACHE_DIR`, else `$XDG_DATA_HOME/fluister/cache`, else
//! `~/.local/share/fluister/cache`), folders mode 0700, files 0600:
//!
//! ```text
//! <host>-<port>/state.json          {"version":1,"seen":{"<report id>":<highest seq shown>}}
//! <host>-<port>/advisers.json       {"version":1,"schools":{"<slug>":["age1…",…]}} (pins.rs)
//! <host>-<port>/<report id>/report.age
//! <host>-<port>/<report id>/<seq>.age
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::client::ServerUrl;
use super::pins::AdviserSet;
use crate::store::ReportId;

/// Environment variable that puts the cache somewhere else (tests, an encrypted volume).
pub const CACHE_DIR_ENV: &str = "FLUISTER_CACHE_DIR";
const STATE_FILE: &str = "state.json";
/// Each school's pinned adviser set (public recipients only; see pins.rs).
pub const PINS_FILE: &str = "advisers.json";
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Why the cache could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(
        "no folder for the local cache: set {CACHE_DIR_ENV} (or HOME / XDG_DATA_HOME) to a folder \
         you can write"
    )]
    NoHome,
    #[error(
        "cannot write the local cache {path}: {cause}; set {CACHE_DIR_ENV} to a folder you can \
         write"
    )]
    // Not named `source`: the cause is part of this one line, not a second line in the chain.
    Write { path: PathBuf, cause: io::Error },
    #[error(
        "refused to cache {what}: it is not a binary age file, and the cache holds only ciphertext"
    )]
    NotAge { what: String },
    #[error(
        "cannot read the pinned adviser lists in {path} ({cause}); nothing was sealed. If you did \
         not change that file, something else did: ask your school's IT. To pin every school's \
         current advisers afresh, move the file away and run the command again"
    )]
    PinsUnreadable { path: PathBuf, cause: String },
}

/// Where the cache lives when nothing says otherwise.
pub fn default_root() -> Result<PathBuf, CacheError> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var(CACHE_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
    if let Some(data) = var("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(data.join("fluister").join("cache"));
    }
    let home = var("HOME").ok_or(CacheError::NoHome)?;
    Ok(PathBuf::from(home).join(".local/share/fluister/cache"))
}

#[derive(Serialize, Deserialize, Default)]
struct ReadState {
    version: u32,
    /// Per report id: the highest message `seq` the adviser has been shown.
    seen: BTreeMap<String, i64>,
}

/// The pinned adviser sets of one server's schools, as stored.
#[derive(Serialize, Deserialize, Default)]
struct PinFile {
    version: u32,
    /// Per school slug: its advisers' recipients, canonical and sorted (pins::AdviserSet).
    schools: BTreeMap<String, Vec<String>>,
}

/// The cache of one server.
pub struct Cache {
    dir: PathBuf,
    state: Mutex<ReadState>,
    /// Held while the pin file is read and rewritten, so two requests of the browser UI never
    /// lose each other's pin.
    pins: Mutex<()>,
}

impl Cache {
    /// Opens (and makes, mode 0700) the cache folder of `server` below `root`.
    pub fn open(root: &Path, server: &ServerUrl) -> Result<Cache, CacheError> {
        let dir = root.join(server.cache_name());
        make_private_dir(&dir)?;
        // The state only drives "unread" counts: if it is unreadable, starting afresh (all
        // unread) is the safe side, and the next write replaces it.
        let state = fs::read(dir.join(STATE_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Ok(Cache {
            dir,
            state: Mutex::new(state),
            pins: Mutex::new(()),
        })
    }

    /// The adviser set pinned for `school`, or `None` before its first use. Unlike the read
    /// state, a damaged pin file is an error and not a fresh start: starting afresh would
    /// silently trust whatever the server lists now, which is what pinning is there to stop.
    pub fn pinned_advisers(&self, school: &str) -> Result<Option<AdviserSet>, CacheError> {
        let _held = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self
            .read_pins()?
            .schools
            .get(school)
            .map(|list| AdviserSet::from_listed(list)))
    }

    /// Pins `advisers` as the set of `school`, replacing any earlier pin.
    pub fn pin_advisers(&self, school: &str, advisers: &AdviserSet) -> Result<(), CacheError> {
        let _held = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        let mut pins = self.read_pins()?;
        pins.version = 1;
        pins.schools.insert(
            school.to_owned(),
            advisers.iter().map(str::to_owned).collect(),
        );
        let bytes = serde_json::to_vec_pretty(&pins).expect("the pins serialize");
        write_private(&self.dir.join(PINS_FILE), &bytes)
    }

    fn read_pins(&self) -> Result<PinFile, CacheError> {
        let path = self.dir.join(PINS_FILE);
        let unreadable = |cause: String| CacheError::PinsUnreadable {
            path: path.clone(),
            cause,
        };
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(PinFile::default()),
            Err(e) => Err(unreadable(e.to_string())),
        }
    }

    /// Keeps a report's ciphertext as the server has it now.
    pub fn store_report(&self, id: &ReportId, ciphertext: &[u8]) -> Result<(), CacheError> {
        self.store(id, "report.age", ciphertext)
    }

    /// Keeps a message's ciphertext as the server has it now.
    pub fn store_message(
        &self,
        id: &ReportId,
        seq: i64,
        ciphertext: &[u8],
    ) -> Result<(), CacheError> {
        self.store(id, &format!("{seq}.age"), ciphertext)
    }

    /// Writes a ciphertext unless the same bytes are cached already. What a reseal replaced
    /// is replaced here too: the copy sealed for an earlier team (a removed adviser's key
    /// included) does not stay behind on this computer.
    fn store(&self, id: &ReportId, name: &str, ciphertext: &[u8]) -> Result<(), CacheError> {
        if !ciphertext.starts_with(AGE_MAGIC) {
            return Err(CacheError::NotAge {
                what: format!("{id}/{name}"),
            });
        }
        // `id` is a parsed ReportId (16 hex digits), so it is always one plain path component.
        let folder = self.dir.join(id.as_str());
        let path = folder.join(name);
        if fs::read(&path).is_ok_and(|cached| cached == ciphertext) {
            return Ok(());
        }
        make_private_dir(&folder)?;
        write_private(&path, ciphertext)
    }

    /// The highest message `seq` of report `id` the adviser has been shown (0: none).
    pub fn seen(&self, id: &ReportId) -> i64 {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.seen.get(id.as_str()).copied().unwrap_or(0)
    }

    /// Removes the cached ciphertext and read state of every report not in `keep`: the server
    /// no longer lists them, because retention deleted them (DESIGN.md "Retention": deletion is
    /// real, and a copy on an adviser's disk, sealed to their key, is a copy kept) or they left
    /// this adviser's schools. Only for a complete listing. Answers how many it removed.
    pub fn forget_all_but(&self, keep: &HashSet<ReportId>) -> Result<usize, CacheError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let mut removed = 0;
        let entries = fs::read_dir(&self.dir).map_err(|cause| CacheError::Write {
            path: self.dir.clone(),
            cause,
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(id) = name.to_str().and_then(ReportId::parse) else {
                continue;
            };
            if keep.contains(&id) || !entry.path().is_dir() {
                continue;
            }
            fs::remove_dir_all(entry.path()).map_err(|cause| CacheError::Write {
                path: entry.path(),
                cause,
            })?;
            removed += 1;
        }
        let before = state.seen.len();
        state
            .seen
            .retain(|id, _| ReportId::parse(id).is_some_and(|id| keep.contains(&id)));
        if state.seen.len() != before {
            state.version = 1;
            let bytes = serde_json::to_vec_pretty(&*state).expect("the read state serializes");
            write_private(&self.dir.join(STATE_FILE), &bytes)?;
        }
        Ok(removed)
    }

    /// Records that the adviser has been shown report `id` up to message `seq`. Never goes
    /// back: an older view opened later does not make messages unread again.
    pub fn mark_seen(&self, id: &ReportId, seq: i64) -> Result<(), CacheError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if seq <= state.seen.get(id.as_str()).copied().unwrap_or(0) {
            return Ok(());
        }
        state.seen.insert(id.as_str().to_owned(), seq);
        state.version = 1;
        let bytes = serde_json::to_vec_pretty(&*state).expect("the read state serializes");
        write_private(&self.dir.join(STATE_FILE), &bytes)
    }
}

fn make_private_dir(dir: &Path) -> Result<(), CacheError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|cause| CacheError::Write {
            path: dir.to_owned(),
            cause,
        })
}

/// Writes a file (mode 0600) whole or not at all: a temporary name first, then a rename, so an
/// interrupted run never leaves half a ciphertext or half a state file behind.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let tmp = path.with_extension(format!("tmp-{:016x}", rand::random::<u64>()));
    let result = (|| -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|cause| {
        let _ = fs::remove_file(&tmp);
        CacheError::Write {
            path: path.to_owned(),
            cause,
        }
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn cache(root: &Path) -> Cache {
        Cache::open(root, &ServerUrl::parse("http://127.0.0.1:8080").unwrap()).unwrap()
    }

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn ciphertext_is_kept_privately_once_and_plaintext_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let c = cache(root.path());
        let id = ReportId::parse("0123456789abcdef").unwrap();
        let ct = b"age-encryption.org/v1\n-> X25519 abc\n";
        c.store_report(&id, ct).unwrap();
        c.store_message(&id, 2, ct).unwrap();
        let folder = root.path().join("127.0.0.1-8080").join("0123456789abcdef");
        assert_eq!(fs::read(folder.join("report.age")).unwrap(), ct);
        assert_eq!(fs::read(folder.join("2.age")).unwrap(), ct);
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&folder.join("2.age")), 0o600);
        // A resealed report replaces the copy sealed for the earlier team.
        c.store_report(&id, b"age-encryption.org/v1\nother")
            .unwrap();
        assert_eq!(
            fs::read(folder.join("report.age")).unwrap(),
            b"age-encryption.org/v1\nother"
        );
        // Anything that is not an age file is never written.
        assert!(matches!(
            c.store_message(&id, 3, b"{\"text\":\"hallo\"}"),
            Err(CacheError::NotAge { .. })
        ));
        assert!(!folder.join("3.age").exists());
        assert_eq!(
            fs::read_dir(&folder).unwrap().count(),
            2,
            "no temporary files left"
        );
    }

    #[test]
    fn pins_are_kept_privately_per_school_and_a_damaged_file_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let c = cache(root.path());
        assert_eq!(c.pinned_advisers("demo").unwrap(), None, "first use");
        let a = age::x25519::Identity::generate().to_public().to_string();
        let b = age::x25519::Identity::generate().to_public().to_string();
        let set = AdviserSet::from_listed(&[b.clone(), a.clone()]);
        c.pin_advisers("demo", &set).unwrap();
        c.pin_advisers(
            "de-linde",
            &AdviserSet::from_listed(std::slice::from_ref(&a)),
        )
        .unwrap();
        let again = cache(root.path());
        assert_eq!(again.pinned_advisers("demo").unwrap(), Some(set));
        assert_eq!(
            again.pinned_advisers("de-linde").unwrap().map(|s| s.len()),
            Some(1)
        );
        assert_eq!(again.pinned_advisers("other").unwrap(), None);
        let path = root.path().join("127.0.0.1-8080").join(PINS_FILE);
        assert_eq!(mode(&path), 0o600);
        fs::write(&path, b"{not json").unwrap();
        let e = again.pinned_advisers("demo").unwrap_err();
        assert!(matches!(e, CacheError::PinsUnreadable { .. }), "{e}");
        assert!(e.to_string().contains("move the file away"), "{e}");
        assert!(again.pin_advisers("demo", &AdviserSet::default()).is_err());
    }

    #[test]
    fn read_state_survives_and_never_goes_back() {
        let root = tempfile::tempdir().unwrap();
        let id = ReportId::parse("0123456789abcdef").unwrap();
        let c = cache(root.path());
        assert_eq!(c.seen(&id), 0);
        c.mark_seen(&id, 3).unwrap();
        c.mark_seen(&id, 1).unwrap();
        let again = cache(root.path());
        assert_eq!(again.seen(&id), 3);
        let state = root.path().join("127.0.0.1-8080").join(STATE_FILE);
        assert_eq!(mode(&state), 0o600);
        // A damaged state file means "all unread", not a failure.
        fs::write(&state, b"{not json").unwrap();
        assert_eq!(cache(root.path()).seen(&id), 0);
    }
}
