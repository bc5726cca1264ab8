//! `fluister adviser init`: the adviser makes their own key, on their own computer.

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
}

/// `fluister adviser init`: makes a new identity, writes it passphrase-protected (mode 0600),
/// and returns the public recipient.
pub fn init(path: &Path) -> Result<x25519::Recipient, AdviserError> {
    let shown = path.display().to_string();
    if path.exists() {
        return Err(AdviserError::Exists(shown));
    }
    let passphrase = new_passphrase()?;
    let identity = x25519::Identity::generate();
    let text = crypto::identity_file_text(&identity, &crate::date::today());
    let sealed = crypto::encrypt_with_passphrase(passphrase, text.as_bytes())?;
    write_new_private(path, &sealed).map_err(|source| match source.kind() {
        io::ErrorKind::AlreadyExists => AdviserError::Exists(shown.clone()),
        _ => AdviserError::Write {
            path: shown.clone(),
            reason: source,
        },
    })?;
    Ok(identity.to_public())
}

fn new_passphrase() -> Result<SecretString, AdviserError> {
    let passphrase = match std::env::var(PASSPHRASE_ENV) {
        Ok(p) => SecretString::from(p),
        Err(_) => {
            if !io::stdin().is_terminal() {
                return Err(AdviserError::NoPassphrase);
            }
            let first = rpassword::prompt_password("New passphrase for your adviser key: ")
                .map_err(|_| AdviserError::NoPassphrase)?;
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
