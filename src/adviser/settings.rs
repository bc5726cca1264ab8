//! The adviser's own settings on this computer: which Fluister server and which key file, saved
//! by `fluister adviser init` and `setup`, so every adviser command, and a desktop shortcut to
//! `fluister adviser ui`, needs no options. `--server`/`--identity` and `FLUISTER_SERVER`/
//! `FLUISTER_IDENTITY` still win over it.
//!
//! One small TOML file per user, in the usual place for the system (the `dirs` crate's logic,
//! written out here): `$XDG_CONFIG_HOME/fluister/adviser.toml` (else `~/.config/…`) on Linux and
//! other Unix systems, `~/Library/Application Support/Fluister/adviser.toml` on macOS,
//! `%APPDATA%\Fluister\adviser.toml` on Windows; `FLUISTER_SETTINGS` names another file. It holds
//! an address and a path, nothing secret; it is still written readable by its owner only.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variable naming the settings file (tests, a second profile).
pub const SETTINGS_ENV: &str = "FLUISTER_SETTINGS";
/// File name of the settings inside the per-user configuration folder.
pub const SETTINGS_FILE: &str = "adviser.toml";
/// File name of an adviser key made without `--identity`, in the per-user data folder.
pub const DEFAULT_KEY_FILE: &str = "adviser.key";

/// What is saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The Fluister server, as pupils open it, e.g. `https://fluister.school.nl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The adviser's key file, made with `fluister adviser init`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<PathBuf>,
}

/// Why the settings could not be used, and what to try.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error(
        "no folder for your Fluister settings: set {SETTINGS_ENV} to a file, or HOME (APPDATA on \
         Windows)"
    )]
    NoHome,
    #[error(
        "cannot read your Fluister settings {path} ({cause}); fix the file, or save it anew with \
         `fluister adviser setup --server URL --identity FILE`"
    )]
    Unreadable { path: PathBuf, cause: String },
    #[error(
        "cannot save your Fluister settings in {path}: {cause}; set {SETTINGS_ENV} to a file you can write"
    )]
    Write { path: PathBuf, cause: io::Error },
    #[error(
        "which Fluister server? Give --server https://… (the address pupils open), set \
         FLUISTER_SERVER, or save it once with `fluister adviser setup --server https://…`"
    )]
    NoServer,
    #[error(
        "which adviser key? Give --identity FILE, set FLUISTER_IDENTITY, or save it once with \
         `fluister adviser setup --identity FILE` (make a key with `fluister adviser init`)"
    )]
    NoIdentity,
}

/// The server and key file a command uses: `--server`/`--identity` (or their environment
/// variables, which clap has already read into `connection`), else the saved settings. The
/// settings file is read only when something is missing, so a damaged one never stops a
/// command that names both.
pub fn resolve(connection: &crate::cli::Connection) -> Result<(String, PathBuf), SettingsError> {
    let saved = if connection.server.is_some() && connection.identity.is_some() {
        Settings::default()
    } else {
        load()?
    };
    let server = connection
        .server
        .clone()
        .or(saved.server)
        .ok_or(SettingsError::NoServer)?;
    let identity = connection
        .identity
        .clone()
        .or(saved.identity)
        .ok_or(SettingsError::NoIdentity)?;
    Ok((server, identity))
}

fn var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_…_HOME` when it is set and absolute (the XDG spec says a relative one is invalid),
/// else `$HOME/<fallback>`.
fn xdg(name: &str, fallback: &str) -> Option<PathBuf> {
    var(name)
        .filter(|p| p.is_absolute())
        .or_else(|| var("HOME").map(|h| h.join(fallback)))
}

/// The per-user folder for Fluister's settings.
fn config_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library/Application Support/Fluister"))
    } else if cfg!(windows) {
        var("APPDATA").map(|a| a.join("Fluister"))
    } else {
        xdg("XDG_CONFIG_HOME", ".config").map(|d| d.join("fluister"))
    }
}

/// The per-user folder for Fluister's data (the key made without `--identity`).
fn data_dir() -> Option<PathBuf> {
    if cfg!(target_os = "macos") || cfg!(windows) {
        config_dir()
    } else {
        xdg("XDG_DATA_HOME", ".local/share").map(|d| d.join("fluister"))
    }
}

/// Where the settings are read from and saved to.
pub fn path() -> Result<PathBuf, SettingsError> {
    if let Some(p) = var(SETTINGS_ENV) {
        return Ok(p);
    }
    config_dir()
        .map(|d| d.join(SETTINGS_FILE))
        .ok_or(SettingsError::NoHome)
}

/// Where `fluister adviser init` puts a key when no `--identity` is given.
pub fn default_key_path() -> Result<PathBuf, SettingsError> {
    data_dir()
        .map(|d| d.join(DEFAULT_KEY_FILE))
        .ok_or(SettingsError::NoHome)
}

/// The saved settings; empty ones when nothing was saved yet.
pub fn load() -> Result<Settings, SettingsError> {
    load_from(&path()?)
}

fn load_from(path: &Path) -> Result<Settings, SettingsError> {
    let unreadable = |cause: String| SettingsError::Unreadable {
        path: path.to_owned(),
        cause,
    };
    match fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| unreadable(e.message().to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Settings::default()),
        Err(e) => Err(unreadable(e.to_string())),
    }
}

/// Saves what `update` sets over what was saved before; answers the file's path.
pub fn update(update: &Settings) -> Result<PathBuf, SettingsError> {
    let path = path()?;
    let mut settings = load_from(&path)?;
    if update.server.is_some() {
        settings.server.clone_from(&update.server);
    }
    if update.identity.is_some() {
        settings.identity.clone_from(&update.identity);
    }
    save_to(&path, &settings)?;
    Ok(path)
}

fn save_to(path: &Path, settings: &Settings) -> Result<(), SettingsError> {
    let write_err = |cause| SettingsError::Write {
        path: path.to_owned(),
        cause,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(write_err)?;
    }
    let text = format!(
        "# Fluister adviser settings, saved by `fluister adviser init` / `setup`.\n\
         # --server / --identity and FLUISTER_SERVER / FLUISTER_IDENTITY win over these.\n{}",
        toml::to_string(settings).expect("the settings serialize")
    );
    // Whole or not at all: a temporary name first, then a rename.
    let tmp = path.with_extension(format!("tmp-{:016x}", rand::random::<u64>()));
    let written = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    written.map_err(|cause| {
        let _ = fs::remove_file(&tmp);
        write_err(cause)
    })
}

/// `path` made absolute against the current folder, so saved settings work from anywhere (a
/// desktop shortcut starts in another folder than the terminal did).
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn settings_are_saved_privately_merged_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/adviser.toml");
        assert_eq!(load_from(&path).unwrap(), Settings::default());
        let first = Settings {
            server: Some("https://fluister.school.nl".into()),
            identity: Some("/home/a/adviser.key".into()),
        };
        save_to(&path, &first).unwrap();
        assert_eq!(load_from(&path).unwrap(), first);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Fluister adviser settings"), "{text}");

        fs::write(&path, "server = 7\n").unwrap();
        let e = load_from(&path).unwrap_err().to_string();
        assert!(e.contains("fluister adviser setup"), "{e}");
        fs::write(&path, "colour = \"red\"\n").unwrap();
        assert!(load_from(&path).is_err(), "an unknown setting is a mistake");
    }
}
