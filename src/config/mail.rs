//! The `[mail]` section: the school's SMTP relay for digests, validated at start.
//!
//! The relay password never comes from the config file itself (it would end up in backups,
//! tickets and screen shares): it comes from `FLUISTER_SMTP_PASSWORD` or from a file only
//! Fluister's user can read (DESIGN.md "Notifications").

use std::fmt;
use std::fs;
use std::io::Read;
use std::net::IpAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use lettre::message::Mailbox;
use serde::Deserialize;
use zeroize::Zeroizing;

/// The environment variable that may hold the relay's password.
pub const PASSWORD_ENV: &str = "FLUISTER_SMTP_PASSWORD";

/// The settings of `[mail]`, for messages naming the unknown one.
pub const MAIL_KEYS: [&str; 8] = [
    "relay",
    "tls",
    "from",
    "send_at",
    "username",
    "password_file",
    "password",
    "language",
];

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587 by default).
    StartTls,
    /// TLS from the first byte ("SMTPS", port 465 by default).
    Tls,
    /// No encryption at all: only for a relay on this machine (port 25 by default).
    None,
}

impl MailTls {
    fn default_port(self) -> u16 {
        match self {
            MailTls::StartTls => 587,
            MailTls::Tls => 465,
            MailTls::None => 25,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MailTls::StartTls => "starttls",
            MailTls::Tls => "tls",
            MailTls::None => "none",
        }
    }
}

/// The language digests are written in: the install's language for staff mail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MailLanguage {
    #[default]
    Dutch,
    English,
}

/// A time of day in Europe/Amsterdam at which digests go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SendAt {
    pub hour: u8,
    pub minute: u8,
}

impl SendAt {
    /// `"HH:MM"`, 00:00 to 23:59, two digits each.
    pub fn parse(s: &str) -> Option<SendAt> {
        let (h, m) = s.split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (hour, minute) = (h.parse().ok()?, m.parse().ok()?);
        (hour < 24 && minute < 60).then_some(SendAt { hour, minute })
    }
}

impl fmt::Display for SendAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// A user name and password for the relay. The password is zeroized when dropped and never
/// printed.
#[derive(Clone)]
pub struct MailCredentials {
    pub username: String,
    pub password: Zeroizing<String>,
}

impl fmt::Debug for MailCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailCredentials")
            .field("username", &self.username)
            .field("password", &"(hidden)")
            .finish()
    }
}

/// A validated `[mail]` section.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The relay's host name or address, without port.
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    pub from: Mailbox,
    /// Sorted, no repeats.
    pub send_at: Vec<SendAt>,
    pub language: MailLanguage,
    pub credentials: Option<MailCredentials>,
}

impl Mail {
    /// `host:port` as people write it, for messages.
    pub fn relay(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[derive(Deserialize)]
pub(super) struct RawMail {
    relay: Option<String>,
    tls: Option<String>,
    from: Option<String>,
    send_at: Option<Vec<String>>,
    username: Option<String>,
    password_file: Option<PathBuf>,
    // Only so that a password written here is named and refused, never used.
    password: Option<toml::Value>,
    language: Option<String>,
}

/// Validates `[mail]`; `env_password` is the value of `FLUISTER_SMTP_PASSWORD`, if set.
pub(super) fn validate(raw: RawMail, env_password: Option<String>) -> Result<Mail, String> {
    if raw.password.is_some() {
        return Err(format!(
            "mail.password: the relay's password never goes in the config file (it ends up in \
             backups and screen shares). Remove it, and put it in the environment variable \
             {PASSWORD_ENV} or in a file only Fluister's user can read (chmod 600) named by \
             mail.password_file"
        ));
    }
    let tls = match raw.tls.as_deref() {
        None | Some("starttls") => MailTls::StartTls,
        Some("tls") => MailTls::Tls,
        Some("none") => MailTls::None,
        Some(other) => {
            return Err(format!(
                "mail.tls = \"{other}\": use \"starttls\" (the default, port 587), \"tls\" (port \
                 465) or, for a relay on this machine only, \"none\""
            ));
        }
    };
    let relay = raw.relay.unwrap_or_default();
    let (host, port) = parse_relay(relay.trim()).ok_or_else(|| {
        format!(
            "mail.relay = \"{relay}\" is not host[:port], e.g. \"smtp.school.nl\" or \
             \"smtp.school.nl:587\""
        )
    })?;
    let port = port.unwrap_or(tls.default_port());
    if tls == MailTls::None && !is_loopback(&host) {
        return Err(format!(
            "mail.tls = \"none\" would send the digests and the relay's password unencrypted to \
             \"{host}\"; it is only allowed for a relay on this machine (localhost, 127.0.0.1, \
             ::1). Use tls = \"starttls\" (port 587) or tls = \"tls\" (port 465)"
        ));
    }
    let from = raw.from.unwrap_or_default();
    if from.trim().is_empty() {
        return Err(
            "mail.from is missing: the sender of the digests, e.g. \"fluister@school.nl\"".into(),
        );
    }
    let from: Mailbox = from.trim().parse().map_err(|e| {
        format!(
            "mail.from = \"{from}\" is not an e-mail address ({e}), e.g. \"fluister@school.nl\""
        )
    })?;
    let send_at_raw = raw.send_at.unwrap_or_default();
    if send_at_raw.is_empty() {
        return Err(
            "mail.send_at is missing or empty: the times of day (Europe/Amsterdam) digests go \
             out, e.g. [\"08:00\", \"12:30\", \"16:00\"]"
                .into(),
        );
    }
    let mut send_at = Vec::new();
    for (i, s) in send_at_raw.iter().enumerate() {
        let t = SendAt::parse(s.trim()).ok_or_else(|| {
            format!(
                "mail.send_at[{i}] = \"{s}\" is not a time of day as HH:MM (00:00 to 23:59), \
                 e.g. \"08:00\""
            )
        })?;
        if send_at.contains(&t) {
            return Err(format!("mail.send_at[{i}] = \"{s}\" is listed twice"));
        }
        send_at.push(t);
    }
    send_at.sort();
    let language = match raw.language.as_deref() {
        None | Some("nl") => MailLanguage::Dutch,
        Some("en") => MailLanguage::English,
        Some(other) => {
            return Err(format!(
                "mail.language = \"{other}\": digests are written in \"nl\" (the default) or \"en\""
            ));
        }
    };
    let password = match (env_password, raw.password_file) {
        (Some(_), Some(file)) => {
            return Err(format!(
                "mail.password_file ({}) and the environment variable {PASSWORD_ENV} are both \
                 set; use one of them",
                file.display()
            ));
        }
        (Some(p), None) if p.is_empty() => {
            return Err(format!(
                "the environment variable {PASSWORD_ENV} is set but empty; unset it or put the \
                 relay's password in it"
            ));
        }
        (Some(p), None) => Some(Zeroizing::new(p)),
        (None, Some(file)) => Some(read_password_file(&file)?),
        (None, None) => None,
    };
    let username = raw.username.map(|u| u.trim().to_owned());
    let credentials = match (username, password) {
        (Some(u), _) if u.is_empty() => {
            return Err("mail.username is empty; remove it or give the relay's user name".into());
        }
        (Some(username), Some(password)) => Some(MailCredentials { username, password }),
        (Some(_), None) => {
            return Err(format!(
                "mail.username is set but there is no password: put it in the environment \
                 variable {PASSWORD_ENV} or in a file only Fluister's user can read, named by \
                 mail.password_file"
            ));
        }
        (None, Some(_)) => {
            return Err(
                "a relay password is given but mail.username is not; add the relay's user name"
                    .into(),
            );
        }
        (None, None) => None,
    };
    Ok(Mail {
        host,
        port,
        tls,
        from,
        send_at,
        language,
        credentials,
    })
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; the port is `None` when not given.
fn parse_relay(s: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        v6.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (v6.to_owned(), port)
    } else {
        match s.split_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (s.to_owned(), None),
        }
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && (host.parse::<IpAddr>().is_ok()
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !host_ok {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p > 0)?),
    };
    Some((host, port))
}

/// True for a relay on this machine: `localhost` or a loopback address.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The password from `path`, refused when anyone but its owner may read it.
/// The most a password file may hold.
const PASSWORD_FILE_MAX: u64 = 4096;

fn read_password_file(path: &Path) -> Result<Zeroizing<String>, String> {
    let shown = path.display();
    let meta = fs::metadata(path)
        .map_err(|e| format!("mail.password_file = \"{shown}\" cannot be read: {e}"))?;
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "mail.password_file = \"{shown}\" can be read by other users (mode {mode:04o}); \
             make it readable by Fluister's user only: chmod 600 {shown}"
        ));
    }
    // Read at most a little more than a password can be, so a config naming a huge or endless
    // file (a device, something in /proc) is refused instead of read into memory.
    let mut text = Zeroizing::new(String::new());
    fs::File::open(path)
        .and_then(|f| f.take(PASSWORD_FILE_MAX + 1).read_to_string(&mut text))
        .map_err(|e| format!("mail.password_file = \"{shown}\" cannot be read: {e}"))?;
    if text.len() as u64 > PASSWORD_FILE_MAX {
        return Err(format!(
            "mail.password_file = \"{shown}\" is larger than {PASSWORD_FILE_MAX} bytes; it should \
             hold only the relay's password"
        ));
    }
    let password = text.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(format!(
            "mail.password_file = \"{shown}\" is empty; put the relay's password in it"
        ));
    }
    Ok(Zeroizing::new(password.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn raw(extra: &str) -> RawMail {
        let text = format!(
            "relay = \"smtp.school.nl\"\nfrom = \"f@school.nl\"\nsend_at = [\"16:00\", \"08:00\"]\n{extra}"
        );
        toml::from_str(&text).unwrap()
    }

    fn check(extra: &str) -> Result<Mail, String> {
        validate(raw(extra), None)
    }

    #[test]
    fn starttls_on_587_is_the_default_and_times_are_sorted() {
        let m = check("").unwrap();
        assert_eq!((m.tls, m.port), (MailTls::StartTls, 587));
        assert_eq!(m.relay(), "smtp.school.nl:587");
        assert_eq!(
            m.send_at
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["08:00", "16:00"]
        );
        assert_eq!(m.language, MailLanguage::Dutch);
        assert!(m.credentials.is_none());
        let m = check("tls = \"tls\"").unwrap();
        assert_eq!((m.tls, m.port), (MailTls::Tls, 465));
        let m = validate(
            toml::from_str(
                "relay = \"[::1]:2525\"\ntls = \"none\"\nfrom = \"f@school.nl\"\nsend_at = [\"08:00\"]",
            )
            .unwrap(),
            None,
        )
        .unwrap();
        assert_eq!((m.host.as_str(), m.port), ("::1", 2525));
        assert_eq!(m.relay(), "[::1]:2525");
    }

    #[test]
    fn plain_smtp_is_refused_unless_the_relay_is_on_this_machine() {
        let e = check("tls = \"none\"").unwrap_err();
        assert!(
            e.contains("mail.tls = \"none\"") && e.contains("smtp.school.nl"),
            "{e}"
        );
        for local in ["localhost", "127.0.0.1:25", "127.0.0.53", "[::1]"] {
            let r: RawMail = toml::from_str(&format!(
                "relay = \"{local}\"\ntls = \"none\"\nfrom = \"f@school.nl\"\nsend_at = [\"08:00\"]"
            ))
            .unwrap();
            assert!(validate(r, None).is_ok(), "{local}");
        }
        for remote in ["10.0.0.1", "[2001:db8::1]:25", "localhost.evil.nl"] {
            let r: RawMail = toml::from_str(&format!(
                "relay = \"{remote}\"\ntls = \"none\"\nfrom = \"f@school.nl\"\nsend_at = [\"08:00\"]"
            ))
            .unwrap();
            assert!(validate(r, None).is_err(), "{remote}");
        }
    }

    #[test]
    fn a_password_in_the_file_itself_is_refused_by_name() {
        let e = check("username = \"u\"\npassword = \"geheim\"").unwrap_err();
        assert!(
            e.starts_with("mail.password:") && e.contains(PASSWORD_ENV),
            "{e}"
        );
        assert!(!e.contains("geheim"), "{e}");
    }

    #[test]
    fn the_password_comes_from_the_environment_or_a_private_file() {
        let m = validate(raw("username = \"u\""), Some("uit-env".into())).unwrap();
        let c = m.credentials.unwrap();
        assert_eq!((c.username.as_str(), c.password.as_str()), ("u", "uit-env"));
        assert!(!format!("{c:?}").contains("uit-env"));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp-password");
        fs::write(&file, "uit-bestand\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let extra = format!("username = \"u\"\npassword_file = \"{}\"", file.display());
        let m = check(&extra).unwrap();
        assert_eq!(m.credentials.unwrap().password.as_str(), "uit-bestand");

        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        let e = check(&extra).unwrap_err();
        assert!(
            e.contains("mail.password_file") && e.contains("chmod 600"),
            "{e}"
        );

        fs::set_permissions(&file, fs::Permissions::from_mode(0o600)).unwrap();
        let e = validate(raw(&extra), Some("x".into())).unwrap_err();
        assert!(e.contains("both"), "{e}");
        let e = check("username = \"u\"").unwrap_err();
        assert!(e.contains("no password"), "{e}");
        let e = validate(raw(""), Some("x".into())).unwrap_err();
        assert!(e.contains("mail.username is not"), "{e}");
        let e = check("password_file = \"/nonexistent/pw\"\nusername = \"u\"").unwrap_err();
        assert!(e.contains("mail.password_file"), "{e}");
        // A file that is not a password (noticed while fuzzing the config parser: it was read whole,
        // however big): refused after the first few KiB, naming the setting. /proc/self/pagemap
        // is owner-only and, read whole, gigabytes long.
        fs::write(&file, "x".repeat(5000)).unwrap();
        let e = check(&extra).unwrap_err();
        assert!(
            e.contains("mail.password_file") && e.contains("larger than"),
            "{e}"
        );
        let endless = "username = \"u\"\npassword_file = \"/proc/self/pagemap\"";
        let e = check(endless).unwrap_err();
        assert!(e.contains("mail.password_file"), "{e}");
    }

    #[test]
    fn every_mistake_names_its_setting() {
        for (extra, named) in [
            ("tls = \"ssl\"", "mail.tls"),
            ("language = \"de\"", "mail.language"),
            ("username = \"\"", "mail.username"),
        ] {
            let e = check(extra).unwrap_err();
            assert!(e.contains(named), "{extra}: {e}");
        }
        let bad = |text: &str| validate(toml::from_str(text).unwrap(), None).unwrap_err();
        let e = bad("relay = \"smtp school\"\nfrom = \"f@s.nl\"\nsend_at = [\"08:00\"]");
        assert!(e.contains("mail.relay"), "{e}");
        let e = bad("relay = \"smtp.s.nl:0\"\nfrom = \"f@s.nl\"\nsend_at = [\"08:00\"]");
        assert!(e.contains("mail.relay"), "{e}");
        let e = bad("from = \"f@s.nl\"\nsend_at = [\"08:00\"]");
        assert!(e.contains("mail.relay"), "{e}");
        let e = bad("relay = \"smtp.s.nl\"\nsend_at = [\"08:00\"]");
        assert!(e.contains("mail.from"), "{e}");
        let e = bad("relay = \"smtp.s.nl\"\nfrom = \"niet een adres\"\nsend_at = [\"08:00\"]");
        assert!(e.contains("mail.from"), "{e}");
        let e = bad("relay = \"smtp.s.nl\"\nfrom = \"f@s.nl\"");
        assert!(e.contains("mail.send_at"), "{e}");
        let e = bad("relay = \"smtp.s.nl\"\nfrom = \"f@s.nl\"\nsend_at = [\"08:00\", \"8:30\"]");
        assert!(e.contains("mail.send_at[1]"), "{e}");
        let e = bad("relay = \"smtp.s.nl\"\nfrom = \"f@s.nl\"\nsend_at = [\"24:00\"]");
        assert!(e.contains("mail.send_at[0]"), "{e}");
        let e = bad("relay = \"smtp.s.nl\"\nfrom = \"f@s.nl\"\nsend_at = [\"08:00\", \"08:00\"]");
        assert!(e.contains("twice"), "{e}");
    }
}
