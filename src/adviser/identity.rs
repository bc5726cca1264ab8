//! Opening the adviser's key file: passphrase-protected (as `init` writes it) or plain (the demo).

use std::fs;
use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use age::x25519;
use zeroize::Zeroizing;

use super::PASSPHRASE_ENV;
use crate::crypto;

/// Largest identity file we read: an age-keygen file is ~200 bytes, armored and
/// passphrase-protected ~600. Anything far bigger is not a key file.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Why the key could not be opened, and what to try.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "cannot read the identity file {path}: {cause}; check --identity / FLUISTER_IDENTITY \
         (make a key with `fluister adviser init`)"
    )]
    // Not named `source`: the cause is part of this one line, not a second line in the chain.
    Unreadable { path: PathBuf, cause: io::Error },
    #[error(
        "{path} is protected by a passphrase: run this in a terminal to be asked for it, or set \
         {PASSPHRASE_ENV}"
    )]
    NoPassphrase { path: PathBuf },
    #[error("wrong passphrase for {path}; try again")]
    WrongPassphrase { path: PathBuf },
    #[error(
        "{path} asks for more passphrase work than Fluister allows (scrypt work factor above {}); \
         it was not made by `fluister adviser init`",
        crypto::PASSPHRASE_MAX_WORK_FACTOR
    )]
    ExcessiveWork { path: PathBuf },
    #[error(
        "{path} holds no age identity (a line starting with AGE-SECRET-KEY-); check --identity / \
         FLUISTER_IDENTITY"
    )]
    NoIdentity { path: PathBuf },
    #[error(
        "{path} is an age file, but not one locked with a passphrase ({detail}); \
         point --identity at the key file `fluister adviser init` made"
    )]
    NotPassphraseFile { path: PathBuf, detail: String },
}

/// An identity file as read from disk, before it is unlocked.
///
/// Two steps, so that a user interface can ask for the passphrase only when one is needed.
pub struct KeyFile {
    path: PathBuf,
    contents: Zeroizing<Vec<u8>>,
}

impl KeyFile {
    /// Reads the identity file at `path`.
    pub fn read(path: &Path) -> Result<KeyFile, KeyError> {
        let unreadable = |cause| KeyError::Unreadable {
            path: path.to_owned(),
            cause,
        };
        let file = fs::File::open(path).map_err(unreadable)?;
        let mut contents = Zeroizing::new(Vec::new());
        io::Read::read_to_end(&mut io::Read::take(file, MAX_KEY_FILE), &mut contents)
            .map_err(unreadable)?;
        Ok(KeyFile {
            path: path.to_owned(),
            contents,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True for a passphrase-protected file (armored or binary age); false for a plain identity
    /// file like the demo install's `demo-adviser.key`.
    pub fn needs_passphrase(&self) -> bool {
        let start = self.contents.trim_ascii_start();
        start.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
            || start.starts_with(b"age-encryption.org/v1")
    }

    /// Unlocks the identity. `passphrase` is asked only for a protected file.
    pub fn unlock(
        self,
        passphrase: impl FnOnce(&Path) -> Result<SecretString, KeyError>,
    ) -> Result<AdviserKey, KeyError> {
        let path = self.path.clone();
        let identity = if self.needs_passphrase() {
            let plain = crypto::decrypt_with_passphrase(passphrase(&path)?, &self.contents)
                .map_err(|e| match e {
                    age::DecryptError::DecryptionFailed => {
                        KeyError::WrongPassphrase { path: path.clone() }
                    }
                    age::DecryptError::ExcessiveWork { .. } => {
                        KeyError::ExcessiveWork { path: path.clone() }
                    }
                    other => KeyError::NotPassphraseFile {
                        path: path.clone(),
                        detail: other.to_string(),
                    },
                })?;
            parse(&path, &plain)?
        } else {
            parse(&path, &self.contents)?
        };
        let recipient = identity.to_public();
        Ok(AdviserKey {
            identity,
            recipient,
        })
    }
}

fn parse(path: &Path, text: &[u8]) -> Result<x25519::Identity, KeyError> {
    std::str::from_utf8(text)
        .ok()
        .and_then(crypto::parse_identity_file)
        .ok_or_else(|| KeyError::NoIdentity {
            path: path.to_owned(),
        })
}

/// The passphrase for a command-line run: `FLUISTER_PASSPHRASE` if set, else a prompt on the
/// terminal (never echoed), else an error that says how to give one.
pub fn passphrase_from_env_or_prompt(path: &Path) -> Result<SecretString, KeyError> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(SecretString::from(p));
    }
    let no_passphrase = || KeyError::NoPassphrase {
        path: path.to_owned(),
    };
    if !io::stdin().is_terminal() {
        return Err(no_passphrase());
    }
    rpassword::prompt_password(format!("Passphrase for {}: ", path.display()))
        .map(SecretString::from)
        .map_err(|_| no_passphrase())
}

/// The adviser's unlocked identity. It lives in memory only and is zeroized on drop (age's
/// X25519 identity is); deliberately without `Debug` or `Display`.
pub struct AdviserKey {
    identity: x25519::Identity,
    recipient: x25519::Recipient,
}

impl AdviserKey {
    /// Reads and unlocks `path`, asking for a passphrase as a command-line run does.
    pub fn open(path: &Path) -> Result<AdviserKey, KeyError> {
        KeyFile::read(path)?.unlock(passphrase_from_env_or_prompt)
    }

    /// A key from an identity already in memory (the UI's and the tests' way in).
    pub fn from_identity(identity: x25519::Identity) -> AdviserKey {
        let recipient = identity.to_public();
        AdviserKey {
            identity,
            recipient,
        }
    }

    /// The public recipient (`age1…`): what the school's config lists.
    pub fn recipient(&self) -> &x25519::Recipient {
        &self.recipient
    }

    /// Decrypts an age file in memory.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, age::DecryptError> {
        crypto::decrypt(&self.identity, ciphertext)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    fn given(p: &str) -> impl FnOnce(&Path) -> Result<SecretString, KeyError> {
        let p = p.to_owned();
        move |_| Ok(SecretString::from(p))
    }

    #[test]
    fn a_plain_identity_file_needs_no_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let id = x25519::Identity::generate();
        let path = write(
            dir.path(),
            "demo.key",
            crypto::identity_file_text(&id, "2026-11-21").as_bytes(),
        );
        let file = KeyFile::read(&path).unwrap();
        assert!(!file.needs_passphrase());
        let key = file
            .unlock(|_| panic!("no passphrase is asked for a plain file"))
            .unwrap();
        assert_eq!(key.recipient().to_string(), id.to_public().to_string());
    }

    #[test]
    fn a_protected_file_opens_with_its_passphrase_only() {
        let dir = tempfile::tempdir().unwrap();
        let id = x25519::Identity::generate();
        let text = crypto::identity_file_text(&id, "2026-11-21");
        let sealed = crypto::encrypt_with_passphrase(
            SecretString::from("right one".to_owned()),
            text.as_bytes(),
        )
        .unwrap();
        let path = write(dir.path(), "a.key", &sealed);
        assert!(KeyFile::read(&path).unwrap().needs_passphrase());
        let key = KeyFile::read(&path)
            .unwrap()
            .unlock(given("right one"))
            .unwrap();
        let ct = crypto::encrypt(&[key.recipient()], b"hallo").unwrap();
        assert_eq!(&key.decrypt(&ct).unwrap()[..], b"hallo");
        let err = KeyFile::read(&path)
            .unwrap()
            .unlock(given("wrong one"))
            .err()
            .unwrap();
        assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!("wrong passphrase for {}; try again", path.display())
        );
    }

    #[test]
    fn missing_and_wrong_files_say_what_to_try() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.key");
        let err = KeyFile::read(&missing).err().unwrap();
        assert!(err.to_string().contains("--identity"), "{err}");
        let path = write(dir.path(), "notes.txt", b"just some notes\n");
        let err = KeyFile::read(&path)
            .unwrap()
            .unlock(given("x"))
            .err()
            .unwrap();
        assert!(matches!(err, KeyError::NoIdentity { .. }), "{err}");
        // An age file locked to a recipient, not a passphrase.
        let other = x25519::Identity::generate();
        let ct = crypto::encrypt(&[&other.to_public()], b"x").unwrap();
        let path = write(dir.path(), "x.age", &ct);
        let err = KeyFile::read(&path)
            .unwrap()
            .unlock(given("x"))
            .err()
            .unwrap();
        assert!(matches!(err, KeyError::NotPassphraseFile { .. }), "{err}");
    }
}
