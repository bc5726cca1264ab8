//! `fluister adviser init`: the adviser makes their own key, on their own computer; with
//! `--recovery`, the school board makes its recovery key and the page to print
//! (recovery.rs); `restore-key` makes a key file again from that page.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;

use crate::crypto;

/// The environment variable that supplies the passphrase without a prompt.
pub const PASSPHRASE_ENV: &str = "FLUISTER_PASSPHRASE";
/// Shortest passphrase accepted: the identity file is only as strong as it.
pub const PASSPHRASE_MIN_CHARS: usize = 10;

/// What went wrong, and what to try.
#[derive(Debug, thiserror::Error)]
pub enum AdviserError {
    #[error(
        "{0} already exists. Fluister never overwrites a key: reports encrypted to it could \
         not be opened any more. Choose another --identity path, or move the old file away first"
    )]
    Exists(String),
    #[error("no passphrase: run this in a terminal to be asked for one, or set {PASSPHRASE_ENV}")]
    NoPassphrase,
    #[error(
        "the passphrase is too short: use at least {PASSPHRASE_MIN_CHARS} characters (a short sentence works well)"
    )]
    ShortPassphrase,
    #[error("the two passphrases differ; nothing was written, try again")]
    PassphraseMismatch,
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: io::Error },
    #[error("{0}")]
    Crypto(#[from] crypto::EncryptFailed),
    #[error("nothing was written: {0}")]
    Typed(#[from] super::recovery::TypedKeyError),
    #[error("no key typed: type the groups from the recovery page, or pipe them in")]
    NothingTyped,
}

/// Whose key a passphrase protects, for the prompts.
#[derive(Debug, Clone, Copy)]
pub enum KeyKind {
    Adviser,
    Recovery,
}

/// `fluister adviser init`: makes a new identity, writes it passphrase-protected (mode 0600),
/// and returns the public recipient.
pub fn init(path: &Path) -> Result<x25519::Recipient, AdviserError> {
    let identity = x25519::Identity::generate();
    write_key(path, &identity, KeyKind::Adviser)?;
    Ok(identity.to_public())
}

/// `fluister adviser init --recovery`: as `init`, and answers the page to print as well.
pub fn init_recovery(
    path: &Path,
) -> Result<(x25519::Recipient, zeroize::Zeroizing<String>), AdviserError> {
    let identity = x25519::Identity::generate();
    write_key(path, &identity, KeyKind::Recovery)?;
    let page = super::recovery::page(&identity, &crate::date::today());
    Ok((identity.to_public(), page))
}

/// `fluister adviser restore-key`: the key typed back from a recovery page, written again
/// passphrase-protected. Nothing is written unless its checksum matches.
pub fn restore(path: &Path, typed: &str) -> Result<x25519::Recipient, AdviserError> {
    if typed.trim().is_empty() {
        return Err(AdviserError::NothingTyped);
    }
    let identity = super::recovery::parse_typed(typed)?;
    write_key(path, &identity, KeyKind::Recovery)?;
    Ok(identity.to_public())
}

/// Writes `identity` to `path` (never over an existing file), protected by a new passphrase.
fn write_key(path: &Path, identity: &x25519::Identity, kind: KeyKind) -> Result<(), AdviserError> {
    let shown = path.display().to_string();
    if path.exists() {
        return Err(AdviserError::Exists(shown));
    }
    let passphrase = new_passphrase(kind)?;
    let text = crypto::identity_file_text(identity, &crate::date::today());
    let sealed = crypto::encrypt_with_passphrase(passphrase, text.as_bytes())?;
    write_new_private(path, &sealed).map_err(|source| match source.kind() {
        io::ErrorKind::AlreadyExists => AdviserError::Exists(shown.clone()),
        _ => AdviserError::Write {
            path: shown.clone(),
            reason: source,
        },
    })?;
    Ok(())
}

fn new_passphrase(kind: KeyKind) -> Result<SecretString, AdviserError> {
    let prompt = match kind {
        KeyKind::Adviser => "New passphrase for your adviser key: ",
        KeyKind::Recovery => "New passphrase for the recovery key: ",
    };
    let passphrase = match std::env::var(PASSPHRASE_ENV) {
        Ok(p) => SecretString::from(p),
        Err(_) => {
            if !io::stdin().is_terminal() {
                return Err(AdviserError::NoPassphrase);
            }
            let first =
                rpassword::prompt_password(prompt).map_err(|_| AdviserError::NoPassphrase)?;
            let second = rpassword::prompt_password("The same passphrase again: ")
                .map_err(|_| AdviserError::NoPassphrase)?;
            if first != second {
                return Err(AdviserError::PassphraseMismatch);
            }
            SecretString::from(first)
        }
    };
    if passphrase.expose_secret().chars().count() < PASSPHRASE_MIN_CHARS {
        return Err(AdviserError::ShortPassphrase);
    }
    Ok(passphrase)
}

fn write_new_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
