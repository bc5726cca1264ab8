//! Key material and age encryption: the server secret file, age identities, padding.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

/// File name of the server secret inside the data folder.
pub const SERVER_SECRET_FILE: &str = "server-secret";

/// The 32 random bytes every server key is derived from (see `keys`).
///
/// Without it no pickup code opens anything, so it belongs in every backup (DESIGN.md).
pub struct ServerSecret(Zeroizing<[u8; 32]>);

/// What can go wrong with the server secret file; each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the server secret {path} has {len} bytes, expected 32; restore it from a backup \
         (without it no pickup code opens anything)"
    )]
    WrongLength { path: PathBuf, len: usize },
    #[error(
        "the server secret {path} can be read by other users (mode {mode:o}); \
         run `chmod 600 {path}` and start again"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("cannot read or create the server secret {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "there is no server secret {path}: check that data_dir (or --data-dir) is the folder \
         the server uses"
    )]
    Missing { path: PathBuf },
    #[error(
        "the server secret {path} already exists; a restore never overwrites one: choose a new \
         data folder"
    )]
    Exists { path: PathBuf },
}

impl ServerSecret {
    /// Loads `<data_dir>/server-secret`, creating it (mode 0600) with fresh random bytes on the
    /// first start.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, SecretError> {
        let path = data_dir.join(SERVER_SECRET_FILE);
        let io_err = |source| SecretError::Io {
            path: path.clone(),
            source,
        };
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut file) => {
                let mut bytes = Zeroizing::new([0u8; 32]);
                rand::rngs::OsRng.fill_bytes(&mut bytes[..]);
                file.write_all(&bytes[..]).map_err(io_err)?;
                file.sync_all().map_err(io_err)?;
                sync_dir(data_dir).map_err(io_err)?;
                Ok(ServerSecret(bytes))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Self::read(&path),
            Err(e) => Err(io_err(e)),
        }
    }

    /// Loads `<data_dir>/server-secret`, which must exist (for `fluister backup`).
    pub fn load(data_dir: &Path) -> Result<Self, SecretError> {
        let path = data_dir.join(SERVER_SECRET_FILE);
        if !path.exists() {
            return Err(SecretError::Missing { path });
        }
        Self::read(&path)
    }

    fn read(path: &Path) -> Result<Self, SecretError> {
        let io_err = |source| SecretError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = fs::File::open(path).map_err(io_err)?;
        let mode = file.metadata().map_err(io_err)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(SecretError::TooOpen {
                path: path.to_owned(),
                mode,
            });
        }
        let mut buf = Zeroizing::new(Vec::with_capacity(33));
        Read::by_ref(&mut file)
            .take(33)
            .read_to_end(&mut buf)
            .map_err(io_err)?;
        let bytes: [u8; 32] = buf[..].try_into().map_err(|_| SecretError::WrongLength {
            path: path.to_owned(),
            len: buf.len(),
        })?;
        Ok(ServerSecret(Zeroizing::new(bytes)))
    }

    /// Writes this secret as `<data_dir>/server-secret` (mode 0600, synced), which must not
    /// exist yet: how `fluister restore` puts a backed-up secret into a new data folder.
    pub fn write_new(&self, data_dir: &Path) -> Result<(), SecretError> {
        let path = data_dir.join(SERVER_SECRET_FILE);
        let io_err = |source| SecretError::Io {
            path: path.clone(),
            source,
        };
        let mut file = match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(SecretError::Exists { path });
            }
            Err(e) => return Err(io_err(e)),
        };
        file.write_all(&self.0[..]).map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        sync_dir(data_dir).map_err(io_err)
    }

    /// A secret from given bytes, for tests and benchmarks.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ServerSecret(Zeroizing::new(bytes))
    }

    /// The raw bytes, for the key schedule only (`keys::Keys::new`): nothing else may use the
    /// secret directly (DESIGN.md "Key schedule").
    pub(crate) fn expose(&self) -> &[u8; 32] {
        &self.0
    }

    /// The raw bytes, for `backup` only: the secret is carried whole inside the age-encrypted
    /// backup, never derived from or written anywhere else.
    pub(crate) fn for_backup(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Turns 32 secret bytes into an age X25519 identity.
///
/// age has no `from_bytes`; its identities are Bech32 strings with the HRP `AGE-SECRET-KEY-`,
/// so we encode, upper-case and parse, exactly as age's own `to_string()` writes them.
pub fn identity_from_bytes(bytes: &[u8; 32]) -> x25519::Identity {
    let hrp = bech32::Hrp::parse("age-secret-key-").expect("the age HRP is valid");
    let mut encoded = bech32::encode::<bech32::Bech32>(hrp, bytes)
        .expect("32 bytes are within Bech32's length limit");
    encoded.make_ascii_uppercase();
    let identity = encoded
        .parse::<x25519::Identity>()
        .expect("a Bech32 AGE-SECRET-KEY string of 32 bytes is a valid identity");
    encoded.zeroize();
    identity
}

/// Smallest padded size; a 3,000-character report fits in it, so short and long reports of a
/// normal size look the same on disk.
pub const MIN_PADDED: usize = 16 * 1024;

/// The size a plaintext of `len` bytes is padded to: 16 KiB, then powers of two.
pub fn padded_len(len: usize) -> usize {
    len.max(MIN_PADDED).next_power_of_two()
}

/// Pads a JSON document with trailing spaces up to its size bucket.
///
/// JSON allows trailing white space, so the decrypted file is still a valid document and
/// `age -d` shows an adviser readable text.
pub fn pad_json(mut doc: Vec<u8>) -> Zeroizing<Vec<u8>> {
    let target = padded_len(doc.len() + 1);
    doc.push(b'\n');
    doc.resize(target, b' ');
    Zeroizing::new(doc)
}

/// Encrypts `plaintext` into a standard binary age file for every recipient given.
pub fn encrypt(
    recipients: &[&dyn age::Recipient],
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptFailed> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().copied())
        .map_err(|e| EncryptFailed(e.to_string()))?;
    let mut out = Vec::with_capacity(plaintext.len() + 1024);
    let mut writer = encryptor
        .wrap_output(&mut out)
        .map_err(|e| EncryptFailed(e.to_string()))?;
    writer
        .write_all(plaintext)
        .map_err(|e| EncryptFailed(e.to_string()))?;
    // Without finish() the last chunk is never written and the file is truncated.
    writer.finish().map_err(|e| EncryptFailed(e.to_string()))?;
    Ok(out)
}

/// Encryption failed; the message holds no plaintext.
#[derive(Debug, thiserror::Error)]
#[error("age encryption failed: {0}")]
pub struct EncryptFailed(String);

/// Decrypts a binary or armored age file with one identity, in memory.
pub fn decrypt(
    identity: &dyn age::Identity,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let reader = age::armor::ArmoredReader::new(ciphertext);
    let decryptor = age::Decryptor::new_buffered(reader)?;
    let mut stream = decryptor.decrypt(std::iter::once(identity))?;
    let mut out = Zeroizing::new(Vec::new());
    stream.read_to_end(&mut out)?;
    Ok(out)
}

/// Work factor for passphrase-protected identity files: scrypt log_n 18 costs ~0.7 s and
/// 256 MiB here, a fair price for an adviser's unlock and a high one for a thief's guesses.
pub const PASSPHRASE_WORK_FACTOR: u8 = 18;
/// The most work a passphrase file may ask of us, so a hostile file cannot demand hours.
pub const PASSPHRASE_MAX_WORK_FACTOR: u8 = 22;

/// Encrypts `plaintext` with a passphrase in age's own scrypt format, armored.
pub fn encrypt_with_passphrase(
    passphrase: SecretString,
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptFailed> {
    let mut recipient = age::scrypt::Recipient::new(passphrase);
    // age calibrates on every call (it picked log_n 19, 1.4 s, here); fix it instead.
    recipient.set_work_factor(PASSPHRASE_WORK_FACTOR);
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as _))
        .map_err(|e| EncryptFailed(e.to_string()))?;
    let mut out = Vec::new();
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| EncryptFailed(e.to_string()))?;
    let mut writer = encryptor
        .wrap_output(armored)
        .map_err(|e| EncryptFailed(e.to_string()))?;
    writer
        .write_all(plaintext)
        .map_err(|e| EncryptFailed(e.to_string()))?;
    writer
        .finish()
        .and_then(|armored| armored.finish())
        .map_err(|e| EncryptFailed(e.to_string()))?;
    Ok(out)
}

/// Decrypts a passphrase-protected age file, refusing files that demand excessive work.
pub fn decrypt_with_passphrase(
    passphrase: SecretString,
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let mut identity = age::scrypt::Identity::new(passphrase);
    identity.set_max_work_factor(PASSPHRASE_MAX_WORK_FACTOR);
    decrypt(&identity, ciphertext)
}

/// The standard age identity file text (as `age-keygen` writes it) for one identity.
pub fn identity_file_text(identity: &x25519::Identity, created_on: &str) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "# created: {created_on}\n# public key: {}\n{}\n",
        identity.to_public(),
        identity.to_string().expose_secret()
    ))
}

/// Reads the first X25519 identity from an identity file's text (comments and blank lines
/// skipped), as `age -i` does.
pub fn parse_identity_file(text: &str) -> Option<x25519::Identity> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find_map(|l| l.parse::<x25519::Identity>().ok())
}

/// fsyncs a directory so a file just created in it survives a power cut.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_round_trips_for_every_recipient() {
        let adviser = x25519::Identity::generate();
        let reporter = x25519::Identity::generate();
        let (ra, rr) = (adviser.to_public(), reporter.to_public());
        let ct = encrypt(&[&ra, &rr], b"hello").unwrap();
        assert!(ct.starts_with(b"age-encryption.org/v1\n"));
        assert_eq!(&decrypt(&adviser, &ct).unwrap()[..], b"hello");
        assert_eq!(&decrypt(&reporter, &ct).unwrap()[..], b"hello");
        assert!(decrypt(&x25519::Identity::generate(), &ct).is_err());
    }

    #[test]
    fn padding_makes_buckets() {
        assert_eq!(padded_len(10), MIN_PADDED);
        assert_eq!(padded_len(MIN_PADDED), MIN_PADDED);
        assert_eq!(padded_len(MIN_PADDED + 1), 2 * MIN_PADDED);
        let doc = pad_json(b"{\"a\":1}".to_vec());
        assert_eq!(doc.len(), MIN_PADDED);
        let v: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn identity_file_text_parses_back() {
        let id = x25519::Identity::generate();
        let text = identity_file_text(&id, "2026-11-21");
        let back = parse_identity_file(&text).unwrap();
        assert_eq!(back.to_public().to_string(), id.to_public().to_string());
    }

    #[test]
    fn server_secret_is_made_once_with_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let first = ServerSecret::load_or_create(dir.path()).unwrap();
        let second = ServerSecret::load_or_create(dir.path()).unwrap();
        assert_eq!(first.expose(), second.expose());
        let mode = fs::metadata(dir.path().join(SERVER_SECRET_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        fs::write(dir.path().join(SERVER_SECRET_FILE), b"short").unwrap();
        assert!(matches!(
            ServerSecret::load_or_create(dir.path()),
            Err(SecretError::WrongLength { len: 5, .. })
        ));
    }
}
