//! Server configuration: the TOML file, its validation, and the no-config demo install.
//!
//! A misconfigured server refuses to start, and the message names the school and the setting.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use age::x25519;
use serde::Deserialize;

use crate::crypto;
use crate::net::Network;
use crate::ratelimit::{Limits, SHARED_SCALE};
use crate::retention::Retention;

mod mail;
pub use mail::{Mail, MailCredentials, MailLanguage, MailTls, PASSWORD_ENV, SendAt};

/// Adviser sign-in lifetime when the config does not say.
pub const DEFAULT_SESSION_HOURS: f64 = 8.0;
/// Longest adviser sign-in allowed: a week.
const MAX_SESSION_HOURS: f64 = 168.0;

/// Listen address when neither `--listen` nor the config says one.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Data folder of the demo install when `--data-dir` is not given.
pub const DEFAULT_DEMO_DATA_DIR: &str = "fluister-data";
/// File name of the demo adviser's unencrypted identity inside the data folder.
pub const DEMO_KEY_FILE: &str = "demo-adviser.key";

/// A validated configuration, ready to serve.
#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub schools: Vec<School>,
    /// True for the no-config demo install.
    pub demo: bool,
    /// How long an adviser's sign-in lasts, in hours.
    pub session_hours: f64,
    /// Rate limits per concern.
    pub limits: Limits,
    /// Reverse proxies whose `X-Forwarded-For` is believed. Their connections are not capped
    /// per source: every pupil behind them arrives through them.
    pub trusted_proxies: Vec<Network>,
    /// Networks where many pupils share one address (a school's NAT): their per-source limits
    /// are `SHARED_SCALE` times the configured ones.
    pub shared_networks: Vec<Network>,
    /// Every pupil arrives through a Tor onion service (from loopback): per-source limits off.
    pub tor: bool,
    /// The largest evidence image a pupil may send, in MiB.
    pub evidence_file_mib: u32,
    /// Who can open `fluister backup` files: the board's or host's age recipients.
    pub backup_recipients: Vec<x25519::Recipient>,
    /// The relay digests go through; `None` when no digests are sent.
    pub mail: Option<Mail>,
}

/// One school: its slug (used in URLs), its display name, its advisers' recipients and its
/// optional recovery key.
#[derive(Clone, Debug)]
pub struct School {
    pub slug: String,
    pub name: String,
    pub advisers: Vec<x25519::Recipient>,
    /// How long the school keeps its cases.
    pub retention: Retention,
    /// Where this school's digests go (DESIGN.md "Notifications"); empty for none.
    pub notify: Vec<lettre::Address>,
    /// Days a pupil may wait for an adviser's reply before the case is overdue.
    pub reply_within_days: u32,
    /// The names the school gave its advisers in the config (`{ key = "age1…", name = "…" }`),
    /// by canonical recipient. Shown to the advisers, never to pupils.
    pub adviser_names: BTreeMap<String, String>,
    /// The school board's offline recovery key (`recovery = "age1…"`): every file of the school
    /// is sealed to it too, so a lost adviser key loses nothing (DESIGN.md "Adviser lifecycle").
    pub recovery: Option<x25519::Recipient>,
}

/// Who holds a key that opens a pupil's report besides the pupil's own code: what the pupil pages
/// may promise about it. Follows the config as it is now (a reload changes it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyholders {
    /// Only the school's advisers.
    Advisers,
    /// The advisers, and the school board with its offline recovery key (`recovery`).
    AdvisersAndBoard,
    /// A page for no school in particular, on an install where some schools have a recovery key
    /// and some do not.
    Varies,
}

/// Days a pupil may wait for a reply when the config does not say.
pub const DEFAULT_REPLY_WITHIN_DAYS: u32 = 5;
/// The longest `reply_within_days` allowed: a school year of waiting is no deadline.
const MAX_REPLY_WITHIN_DAYS: i64 = 365;

impl Default for School {
    fn default() -> Self {
        School {
            slug: String::new(),
            name: String::new(),
            advisers: Vec::new(),
            notify: Vec::new(),
            reply_within_days: DEFAULT_REPLY_WITHIN_DAYS,
            retention: Retention::default(),
            adviser_names: BTreeMap::new(),
            recovery: None,
        }
    }
}

impl School {
    /// Everyone besides the pupil that a report, message, note or image of this school is
    /// sealed to: the advisers, then the recovery key.
    pub fn sealing_recipients(&self) -> Vec<x25519::Recipient> {
        self.advisers
            .iter()
            .chain(self.recovery.as_ref())
            .cloned()
            .collect()
    }

    /// The fingerprint of `sealing_recipients` (see `recipients::fingerprint`): what a file
    /// sealed for this school's current team is stored with.
    pub fn fingerprint(&self) -> String {
        crate::recipients::fingerprint(self.sealing_recipients().iter().map(ToString::to_string))
    }

    /// Who holds a key to this school's reports.
    pub fn keyholders(&self) -> Keyholders {
        match self.recovery {
            Some(_) => Keyholders::AdvisersAndBoard,
            None => Keyholders::Advisers,
        }
    }

    /// The name the config gives this adviser, if any.
    pub fn adviser_name(&self, recipient: &x25519::Recipient) -> Option<&str> {
        self.adviser_names
            .get(&recipient.to_string())
            .map(String::as_str)
    }

    /// True when `recipient` (canonical) may sign in for this school: one of its advisers, or
    /// its recovery key (the board reseals with it after a lost key).
    pub fn signs_in(&self, recipient: &str) -> bool {
        self.sealing_recipients()
            .iter()
            .any(|r| r.to_string() == recipient)
    }
}

impl Config {
    /// A configuration with these schools and every other setting at its default.
    pub fn with_schools(data_dir: PathBuf, schools: Vec<School>) -> Config {
        Config {
            listen: DEFAULT_LISTEN
                .parse()
                .expect("the default listen address parses"),
            data_dir,
            schools,
            demo: false,
            session_hours: DEFAULT_SESSION_HOURS,
            limits: Limits::default(),
            trusted_proxies: Vec::new(),
            shared_networks: Vec::new(),
            tor: false,
            evidence_file_mib: DEFAULT_EVIDENCE_FILE_MIB,
            backup_recipients: Vec::new(),
            mail: None,
        }
    }

    pub fn school(&self, slug: &str) -> Option<&School> {
        self.schools.iter().find(|s| s.slug == slug)
    }

    /// Who holds a key, said for a page that belongs to no school in particular (the list of
    /// schools, `/check` before a code is typed, an error): what every school has in common,
    /// or `Varies`. On a one-school install that is exactly that school.
    pub fn keyholders(&self) -> Keyholders {
        let mut kinds = self.schools.iter().map(School::keyholders);
        let first = kinds.next().unwrap_or(Keyholders::Advisers);
        if kinds.all(|k| k == first) {
            first
        } else {
            Keyholders::Varies
        }
    }

    /// Who holds a key to the reports of the school `slug`; for a school no longer configured,
    /// what the install as a whole can say.
    pub fn keyholders_of(&self, slug: &str) -> Keyholders {
        self.school(slug)
            .map_or_else(|| self.keyholders(), School::keyholders)
    }
}

/// Why the server will not start; every message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("the config file {path} is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error("config {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Listen(String),
    #[error("data folder {path}: {source}")]
    DataDir { path: PathBuf, source: io::Error },
    #[error(
        "data folder {} (data_dir) is open to other users of this machine (mode {mode:03o}); it \
         holds the database and server-secret. Fix it with `chmod 700 {}` and keep it owned by \
         the user that runs fluister",
        .path.display(),
        .path.display()
    )]
    DataDirOpen { path: PathBuf, mode: u32 },
    #[error("demo adviser key {path}: {message}")]
    DemoKey { path: PathBuf, message: String },
}

/// The default largest evidence image, in MiB: a phone photo is 2-6 MiB.
pub const DEFAULT_EVIDENCE_FILE_MIB: u32 = 10;
/// The largest `evidence_file_mib` allowed: five of these are held in memory per upload.
const MAX_EVIDENCE_FILE_MIB: u32 = 50;

const TOP_KEYS: [&str; 11] = [
    "listen",
    "data_dir",
    "session_hours",
    "trusted_proxies",
    "shared_networks",
    "tor",
    "evidence_file_mib",
    "limits",
    "school",
    "backup_recipients",
    "mail",
];
const LIMIT_KEYS: [&str; 10] = [
    "reports_per_source_per_hour",
    "reports_per_school_per_minute",
    "checks_per_source_per_minute",
    "failed_checks_per_minute",
    "failed_checks_per_network_per_minute",
    "messages_per_report_per_hour",
    "uploads_per_source_per_hour",
    "signins_per_source_per_minute",
    "signins_per_recipient_per_minute",
    "connections_per_source",
];
const SCHOOL_KEYS: [&str; 8] = [
    "slug",
    "name",
    "advisers",
    "recovery",
    "delete_closed_after_days",
    "delete_inactive_after_days",
    "notify",
    "reply_within_days",
];
const ADVISER_KEYS: [&str; 2] = ["key", "name"];
/// Longest adviser name: a name and a role, e.g. "Mevr. A. Jansen (vertrouwenspersoon)".
const ADVISER_NAME_MAX: usize = 80;

/// Shortest prefix accepted in `shared_networks`: a school's network, not a slice of the
/// internet whose every address would get ten times the limits.
const SHARED_MIN_PREFIX_V4: u8 = 16;
const SHARED_MIN_PREFIX_V6: u8 = 32;

#[derive(Deserialize)]
struct RawConfig {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    session_hours: Option<f64>,
    #[serde(default)]
    trusted_proxies: Vec<String>,
    #[serde(default)]
    shared_networks: Vec<String>,
    #[serde(default)]
    tor: bool,
    evidence_file_mib: Option<u32>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    school: Vec<RawSchool>,
    #[serde(default)]
    backup_recipients: Vec<String>,
    mail: Option<mail::RawMail>,
}

#[derive(Deserialize, Default)]
struct RawLimits {
    reports_per_source_per_hour: Option<u32>,
    reports_per_school_per_minute: Option<u32>,
    checks_per_source_per_minute: Option<u32>,
    failed_checks_per_minute: Option<u32>,
    failed_checks_per_network_per_minute: Option<u32>,
    messages_per_report_per_hour: Option<u32>,
    uploads_per_source_per_hour: Option<u32>,
    signins_per_source_per_minute: Option<u32>,
    signins_per_recipient_per_minute: Option<u32>,
    connections_per_source: Option<u32>,
}

fn validate_limits(raw: RawLimits) -> Result<Limits, String> {
    let d = Limits::default();
    let pick = |name: &str, v: Option<u32>, default: u32| match v {
        Some(0) => Err(format!(
            "limits.{name} = 0 would refuse everyone; use at least 1 (the default is {default})"
        )),
        Some(n) => Ok(n),
        None => Ok(default),
    };
    let failed_checks_per_minute = pick(
        "failed_checks_per_minute",
        raw.failed_checks_per_minute,
        d.failed_checks_per_minute,
    )?;
    // Unset, a network's share follows the global ceiling: a tenth of it.
    let failed_checks_per_network_per_minute = pick(
        "failed_checks_per_network_per_minute",
        raw.failed_checks_per_network_per_minute,
        (failed_checks_per_minute / 10).max(1),
    )?;
    if failed_checks_per_network_per_minute > failed_checks_per_minute {
        return Err(format!(
            "limits.failed_checks_per_network_per_minute = {failed_checks_per_network_per_minute} \
             is more than limits.failed_checks_per_minute = {failed_checks_per_minute}: one \
             network could then close look-ups for everyone. Use at most \
             {failed_checks_per_minute} (unset, it is a tenth of failed_checks_per_minute)"
        ));
    }
    let connections_per_source = pick(
        "connections_per_source",
        raw.connections_per_source,
        d.connections_per_source,
    )?;
    let most = u32::try_from(crate::server::MAX_CONNECTIONS).unwrap_or(u32::MAX);
    if connections_per_source > most {
        return Err(format!(
            "limits.connections_per_source = {connections_per_source} is more than the server \
             serves at once ({most}); use 1 to {most} (the default is {})",
            d.connections_per_source
        ));
    }
    Ok(Limits {
        reports_per_source_per_hour: pick(
            "reports_per_source_per_hour",
            raw.reports_per_source_per_hour,
            d.reports_per_source_per_hour,
        )?,
        reports_per_school_per_minute: pick(
            "reports_per_school_per_minute",
            raw.reports_per_school_per_minute,
            d.reports_per_school_per_minute,
        )?,
        checks_per_source_per_minute: pick(
            "checks_per_source_per_minute",
            raw.checks_per_source_per_minute,
            d.checks_per_source_per_minute,
        )?,
        failed_checks_per_minute,
        failed_checks_per_network_per_minute,
        messages_per_report_per_hour: pick(
            "messages_per_report_per_hour",
            raw.messages_per_report_per_hour,
            d.messages_per_report_per_hour,
        )?,
        uploads_per_source_per_hour: pick(
            "uploads_per_source_per_hour",
            raw.uploads_per_source_per_hour,
            d.uploads_per_source_per_hour,
        )?,
        signins_per_source_per_minute: pick(
            "signins_per_source_per_minute",
            raw.signins_per_source_per_minute,
            d.signins_per_source_per_minute,
        )?,
        signins_per_recipient_per_minute: pick(
            "signins_per_recipient_per_minute",
            raw.signins_per_recipient_per_minute,
            d.signins_per_recipient_per_minute,
        )?,
        connections_per_source,
    })
}

/// The `shared_networks` list: networks of a school's size, each at most once.
fn validate_shared_networks(raw: &[String]) -> Result<Vec<Network>, String> {
    let mut networks = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let at = format!("shared_networks[{i}] = \"{s}\"");
        let Some(net) = Network::parse(s) else {
            return Err(format!(
                "{at} is not a network, e.g. \"192.0.2.0/24\" or \"2001:db8::/48\""
            ));
        };
        let (min, family) = if net.is_ipv4() {
            (SHARED_MIN_PREFIX_V4, "IPv4")
        } else {
            (SHARED_MIN_PREFIX_V6, "IPv6")
        };
        if net.prefix() < min {
            return Err(format!(
                "{at} is too wide: every address in it gets {SHARED_SCALE} times the per-source \
                 limits. List the school's own network, at most a /{min} for {family}"
            ));
        }
        if networks.contains(&net) {
            return Err(format!("{at} is listed twice"));
        }
        networks.push(net);
    }
    Ok(networks)
}

#[derive(Deserialize)]
struct RawSchool {
    slug: Option<String>,
    name: Option<String>,
    /// Each entry a recipient string or `{ key = "age1…", name = "…" }`: read by hand in
    /// `validate_advisers`, so a mistake gets a message that names the entry.
    advisers: Option<Vec<toml::Value>>,
    recovery: Option<String>,
    delete_closed_after_days: Option<i64>,
    delete_inactive_after_days: Option<i64>,
    notify: Option<Vec<String>>,
    reply_within_days: Option<i64>,
}

/// Loads and validates a config file; `listen` and `data_dir` from the command line win.
pub fn load(
    path: &Path,
    listen: Option<&str>,
    data_dir: Option<&Path>,
) -> Result<Config, ConfigError> {
    let text = fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path, listen, data_dir)
}

/// Validates config text; `path` is only for messages.
pub fn parse(
    text: &str,
    path: &Path,
    listen: Option<&str>,
    data_dir: Option<&Path>,
) -> Result<Config, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message,
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Toml {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
    check_keys(&table, path)?;
    let raw: RawConfig = table
        .try_into()
        .map_err(|e: toml::de::Error| ConfigError::Toml {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })?;

    let listen = parse_listen(listen.or(raw.listen.as_deref()).unwrap_or(DEFAULT_LISTEN))?;
    let data_dir = match (data_dir, raw.data_dir) {
        (Some(d), _) => d.to_owned(),
        (None, Some(d)) if !d.as_os_str().is_empty() => d,
        _ => {
            return Err(invalid(
                "data_dir is missing: add `data_dir = \"/var/lib/fluister\"` (the folder for the \
                 database and the server secret) or pass --data-dir"
                    .into(),
            ));
        }
    };
    let session_hours = raw.session_hours.unwrap_or(DEFAULT_SESSION_HOURS);
    if !(session_hours > 0.0 && session_hours <= MAX_SESSION_HOURS) {
        return Err(invalid(format!(
            "session_hours = {session_hours}: an adviser sign-in must last more than 0 and at \
             most {MAX_SESSION_HOURS} hours"
        )));
    }
    let limits = validate_limits(raw.limits).map_err(&invalid)?;
    let evidence_file_mib = raw.evidence_file_mib.unwrap_or(DEFAULT_EVIDENCE_FILE_MIB);
    if !(1..=MAX_EVIDENCE_FILE_MIB).contains(&evidence_file_mib) {
        return Err(invalid(format!(
            "evidence_file_mib = {evidence_file_mib}: the largest evidence image must be 1 to \
             {MAX_EVIDENCE_FILE_MIB} MiB (the default is {DEFAULT_EVIDENCE_FILE_MIB})"
        )));
    }
    let shared_networks = validate_shared_networks(&raw.shared_networks).map_err(&invalid)?;
    let mut trusted_proxies = Vec::new();
    for (i, p) in raw.trusted_proxies.iter().enumerate() {
        trusted_proxies.push(Network::parse(p).ok_or_else(|| {
            invalid(format!(
                "trusted_proxies[{i}] = \"{p}\" is not an address or network, e.g. \"127.0.0.1\" \
                 or \"10.0.0.0/8\""
            ))
        })?);
    }
    let mail = raw
        .mail
        .map(|m| mail::validate(m, std::env::var(PASSWORD_ENV).ok()))
        .transpose()
        .map_err(&invalid)?;
    if raw.school.is_empty() {
        return Err(invalid(
            "no school configured: add a [[school]] with slug, name and advisers".into(),
        ));
    }
    let mut schools = Vec::new();
    let mut slugs = HashSet::new();
    for (i, s) in raw.school.into_iter().enumerate() {
        let school = validate_school(i + 1, s).map_err(&invalid)?;
        if !slugs.insert(school.slug.clone()) {
            return Err(invalid(format!(
                "school #{} (slug \"{}\"): slug is used by another school too; every school \
                 needs its own slug",
                i + 1,
                school.slug
            )));
        }
        if mail.is_none() && !school.notify.is_empty() {
            return Err(invalid(format!(
                "school #{} (slug \"{}\"): notify lists addresses but there is no [mail] \
                 section to send digests through; add [mail] with relay, from and send_at",
                i + 1,
                school.slug
            )));
        }
        schools.push(school);
    }
    let backup_recipients = crate::backup::parse_recipients(&raw.backup_recipients)
        .map_err(|e| invalid(format!("backup_recipients{e}")))?;
    Ok(Config {
        listen,
        data_dir,
        schools,
        demo: false,
        session_hours,
        limits,
        trusted_proxies,
        shared_networks,
        tor: raw.tor,
        evidence_file_mib,
        backup_recipients,
        mail,
    })
}

fn check_keys(table: &toml::Table, path: &Path) -> Result<(), ConfigError> {
    let invalid = |message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message,
    };
    for key in table.keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            return Err(invalid(format!(
                "unknown setting \"{key}\"; the settings are {}",
                TOP_KEYS.join(", ")
            )));
        }
    }
    if let Some(limits) = table.get("limits") {
        let Some(limits) = limits.as_table() else {
            return Err(invalid("limits must be a [limits] table".into()));
        };
        for key in limits.keys() {
            if !LIMIT_KEYS.contains(&key.as_str()) {
                return Err(invalid(format!(
                    "unknown setting \"limits.{key}\"; the limits are {}",
                    LIMIT_KEYS.join(", ")
                )));
            }
        }
    }
    if let Some(mail) = table.get("mail") {
        let Some(mail) = mail.as_table() else {
            return Err(invalid("mail must be a [mail] table".into()));
        };
        for key in mail.keys() {
            if !mail::MAIL_KEYS.contains(&key.as_str()) {
                return Err(invalid(format!(
                    "unknown setting \"mail.{key}\"; the settings of [mail] are {}",
                    mail::MAIL_KEYS.join(", ")
                )));
            }
        }
    }
    if let Some(schools) = table.get("school") {
        let Some(schools) = schools.as_array() else {
            return Err(invalid("school must be a list of [[school]] tables".into()));
        };
        for (i, school) in schools.iter().enumerate() {
            let Some(school) = school.as_table() else {
                return Err(invalid(format!(
                    "school #{} must be a [[school]] table",
                    i + 1
                )));
            };
            let slug = school.get("slug").and_then(|s| s.as_str()).unwrap_or("?");
            for key in school.keys() {
                if !SCHOOL_KEYS.contains(&key.as_str()) {
                    return Err(invalid(format!(
                        "school #{} (slug \"{slug}\"): unknown setting \"{key}\"; the settings \
                         of a school are {}",
                        i + 1,
                        SCHOOL_KEYS.join(", ")
                    )));
                }
            }
        }
    }
    Ok(())
}

fn validate_school(n: usize, raw: RawSchool) -> Result<School, String> {
    let slug = raw.slug.unwrap_or_default();
    let at = format!("school #{n} (slug \"{slug}\")");
    if slug.is_empty() {
        return Err(format!(
            "school #{n}: slug is missing; add e.g. slug = \"de-linde\""
        ));
    }
    if slug.len() > 40
        || slug.starts_with('-')
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(format!(
            "{at}: slug may only hold a-z, 0-9 and '-' (at most 40, not starting with '-'); \
             it appears in the pupils' address /s/<slug>"
        ));
    }
    let name = raw.name.unwrap_or_default().trim().to_owned();
    if name.is_empty() {
        return Err(format!("{at}: name is missing; it is what pupils see"));
    }
    let advisers_raw = raw.advisers.unwrap_or_default();
    if advisers_raw.is_empty() {
        return Err(format!(
            "{at}: advisers is empty; add the recipient (age1…) each adviser got from \
             `fluister adviser init`, or no one could read this school's reports"
        ));
    }
    let (advisers, adviser_names) = validate_advisers(&at, &advisers_raw)?;
    let recovery = match raw.recovery.as_deref().map(str::trim) {
        None => None,
        Some(r) => {
            let recovery = parse_recipient(&at, "recovery", r, "fluister adviser init --recovery")?;
            if advisers
                .iter()
                .any(|a| a.to_string() == recovery.to_string())
            {
                return Err(format!(
                    "{at}: recovery = \"{r}\" is also listed under advisers. The recovery key \
                     belongs to the school board and is kept offline: make it apart with \
                     `fluister adviser init --recovery`"
                ));
            }
            Some(recovery)
        }
    };
    let retention =
        Retention::from_settings(raw.delete_closed_after_days, raw.delete_inactive_after_days)
            .map_err(|e| format!("{at}: {e}"))?;
    let mut notify = Vec::new();
    for (j, a) in raw.notify.unwrap_or_default().iter().enumerate() {
        let address: lettre::Address = a.trim().parse().map_err(|e| {
            format!(
                "{at}: notify[{j}] = \"{a}\" is not an e-mail address ({e}); list one plain \
                 address per adviser, e.g. \"mentor@school.nl\""
            )
        })?;
        if notify.contains(&address) {
            return Err(format!("{at}: notify[{j}] = \"{a}\" is listed twice"));
        }
        notify.push(address);
    }
    let reply_within_days = match raw.reply_within_days {
        None => DEFAULT_REPLY_WITHIN_DAYS,
        Some(d @ 1..=MAX_REPLY_WITHIN_DAYS) => d as u32,
        Some(d) => {
            return Err(format!(
                "{at}: reply_within_days = {d}: a pupil's wait for a reply before the case is \
                 overdue must be 1 to {MAX_REPLY_WITHIN_DAYS} days (the default is \
                 {DEFAULT_REPLY_WITHIN_DAYS})"
            ));
        }
    };
    Ok(School {
        slug,
        name,
        advisers,
        retention,
        notify,
        reply_within_days,
        adviser_names,
        recovery,
    })
}

/// The `advisers` list: each entry a recipient string, or a table with `key` and an optional
/// `name`. Answers the recipients in order and the names by canonical recipient.
fn validate_advisers(
    at: &str,
    raw: &[toml::Value],
) -> Result<(Vec<x25519::Recipient>, BTreeMap<String, String>), String> {
    let mut advisers = Vec::new();
    let mut names = BTreeMap::new();
    let mut seen = HashSet::new();
    for (j, entry) in raw.iter().enumerate() {
        let setting = format!("advisers[{j}]");
        let (key, name) = match entry {
            toml::Value::String(key) => (key.as_str(), None),
            toml::Value::Table(t) => {
                if let Some(unknown) = t.keys().find(|k| !ADVISER_KEYS.contains(&k.as_str())) {
                    return Err(format!(
                        "{at}: {setting} has an unknown setting \"{unknown}\"; an adviser is \
                         {{ key = \"age1…\", name = \"…\" }}"
                    ));
                }
                let Some(key) = t.get("key").and_then(toml::Value::as_str) else {
                    return Err(format!(
                        "{at}: {setting} has no key; write {{ key = \"age1…\", name = \"…\" }} \
                         with the recipient the adviser got from `fluister adviser init`"
                    ));
                };
                let name = match t.get("name") {
                    None => None,
                    Some(toml::Value::String(n)) => Some(validate_adviser_name(at, &setting, n)?),
                    Some(_) => {
                        return Err(format!(
                            "{at}: {setting}: name must be text, e.g. \"Mevr. Jansen\""
                        ));
                    }
                };
                (key, name)
            }
            _ => {
                return Err(format!(
                    "{at}: {setting} must be a recipient \"age1…\" or {{ key = \"age1…\", name = \"…\" }}"
                ));
            }
        };
        let key = key.trim();
        let recipient = parse_recipient(at, &setting, key, "fluister adviser init")?;
        if !seen.insert(recipient.to_string()) {
            return Err(format!("{at}: {setting} = \"{key}\" is listed twice"));
        }
        if let Some(name) = name {
            names.insert(recipient.to_string(), name);
        }
        advisers.push(recipient);
    }
    Ok((advisers, names))
}

/// An adviser's name as the school wrote it: one line of at most `ADVISER_NAME_MAX` characters.
fn validate_adviser_name(at: &str, setting: &str, name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!(
            "{at}: {setting}: name is empty; leave it out or give the name colleagues know, e.g. \
             \"Mevr. Jansen\""
        ));
    }
    if name.chars().count() > ADVISER_NAME_MAX || name.chars().any(char::is_control) {
        return Err(format!(
            "{at}: {setting}: name must be one line of at most {ADVISER_NAME_MAX} characters"
        ));
    }
    Ok(name.to_owned())
}

/// A recipient from the config; a secret key or anything but an age X25519 recipient is
/// refused with what to do. `made_by` names the command that makes the right kind of key.
fn parse_recipient(
    at: &str,
    setting: &str,
    r: &str,
    made_by: &str,
) -> Result<x25519::Recipient, String> {
    if r.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") {
        return Err(format!(
            "{at}: {setting} is a SECRET key, not a recipient. Remove it from this file now, make \
             a new key with `{made_by}` on the key holder's own computer, and put only its age1… \
             recipient here"
        ));
    }
    r.parse::<x25519::Recipient>().map_err(|e| {
        format!(
            "{at}: {setting} = \"{r}\" is not an age recipient ({e}); it should look like age1… \
             as printed by `{made_by}`"
        )
    })
}

fn parse_listen(s: &str) -> Result<SocketAddr, ConfigError> {
    s.parse().map_err(|_| {
        ConfigError::Listen(format!(
            "listen = \"{s}\" is not an address with a port, e.g. \"127.0.0.1:8080\" or \"[::1]:8080\""
        ))
    })
}

/// The demo install: one school `demo` whose adviser key lives, unencrypted, in the data folder.
///
/// The key is made on the first start and reused after, so a demo keeps working across restarts.
pub fn demo(listen: Option<&str>, data_dir: Option<&Path>) -> Result<Config, ConfigError> {
    let listen = parse_listen(listen.unwrap_or(DEFAULT_LISTEN))?;
    let data_dir = data_dir
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DEMO_DATA_DIR));
    ensure_data_dir(&data_dir)?;
    let recipient = ensure_demo_key(&data_dir.join(DEMO_KEY_FILE))?;
    let school = School {
        slug: "demo".into(),
        name: "Demoschool".into(),
        advisers: vec![recipient],
        ..School::default()
    };
    Ok(Config {
        listen,
        demo: true,
        ..Config::with_schools(data_dir, vec![school])
    })
}

/// Creates the data folder (mode 0700) if it is not there yet, and refuses one that other users
/// of the machine can read, enter or write: it holds the server secret, and whoever has that
/// and the database is one pickup code away from a report.
pub fn ensure_data_dir(dir: &Path) -> Result<(), ConfigError> {
    let io_err = |source| ConfigError::DataDir {
        path: dir.to_owned(),
        source,
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err)?;
    let mode = fs::metadata(dir).map_err(io_err)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::DataDirOpen {
            path: dir.to_owned(),
            mode,
        });
    }
    Ok(())
}

fn ensure_demo_key(path: &Path) -> Result<x25519::Recipient, ConfigError> {
    let err = |message: String| ConfigError::DemoKey {
        path: path.to_owned(),
        message,
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            let identity = crypto::parse_identity_file(&text).ok_or_else(|| {
                err("holds no age identity; delete it to have a new demo key made".into())
            })?;
            Ok(identity.to_public())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let identity = x25519::Identity::generate();
            let text = crypto::identity_file_text(&identity, &crate::date::today());
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| err(e.to_string()))?;
            file.write_all(text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| err(e.to_string()))?;
            Ok(identity.to_public())
        }
        Err(e) => Err(err(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R1: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

    fn parse_str(text: &str) -> Result<Config, String> {
        parse(text, Path::new("test.toml"), None, None).map_err(|e| e.to_string())
    }

    fn school(extra: &str) -> String {
        format!(
            "data_dir = \"/tmp/x\"\n[[school]]\nslug = \"de-linde\"\nname = \"De Linde\"\n{extra}"
        )
    }

    #[test]
    fn a_good_config_loads() {
        let c = parse_str(&school(&format!("advisers = [\"{R1}\"]"))).unwrap();
        assert_eq!(c.schools[0].slug, "de-linde");
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert!(!c.demo);
    }

    #[test]
    fn errors_name_the_school_and_the_setting() {
        let e = parse_str(&school("advisers = [\"age1nope\"]")).unwrap_err();
        assert!(e.contains("de-linde") && e.contains("advisers[0]"), "{e}");
        let e = parse_str(&school("advisers = []")).unwrap_err();
        assert!(
            e.contains("de-linde") && e.contains("advisers is empty"),
            "{e}"
        );
        let e = parse_str(&school(&format!("advisers = [\"{R1}\"]\nadviser = 1"))).unwrap_err();
        assert!(
            e.contains("de-linde") && e.contains("unknown setting \"adviser\""),
            "{e}"
        );
        let e = parse_str(&format!(
            "{}\n[[school]]\nslug = \"de-linde\"\nname = \"Twee\"\nadvisers = [\"{R1}\"]",
            school(&format!("advisers = [\"{R1}\"]"))
        ))
        .unwrap_err();
        assert!(e.contains("school #2") && e.contains("slug is used"), "{e}");
        let e = parse_str(&school("advisers = [\"AGE-SECRET-KEY-1QQQ\"]")).unwrap_err();
        assert!(e.contains("SECRET key"), "{e}");
        let e = parse_str(&format!(
            "listen = \"nowhere\"\n{}",
            school(&format!("advisers = [\"{R1}\"]"))
        ))
        .unwrap_err();
        assert!(e.contains("listen"), "{e}");
        let e = parse_str(&format!(
            "session_hours = 0\n{}",
            school(&format!("advisers = [\"{R1}\"]"))
        ))
        .unwrap_err();
        assert!(e.contains("session_hours"), "{e}");
        let ok = school(&format!("advisers = [\"{R1}\"]"));
        let e = parse_str(&format!("trusted_proxies = [\"10.0.0.0/33\"]\n{ok}")).unwrap_err();
        assert!(e.contains("trusted_proxies[0]"), "{e}");
        let e = parse_str(&format!("{ok}\n[limits]\nchecks_per_minute = 3")).unwrap_err();
        assert!(e.contains("limits.checks_per_minute"), "{e}");
        let e = parse_str(&format!("{ok}\n[limits]\nfailed_checks_per_minute = 0")).unwrap_err();
        assert!(e.contains("limits.failed_checks_per_minute"), "{e}");
        let e = parse_str(&format!("evidence_file_mib = 0\n{ok}")).unwrap_err();
        assert!(e.contains("evidence_file_mib = 0"), "{e}");
        let e = parse_str(&format!("evidence_file_mib = 51\n{ok}")).unwrap_err();
        assert!(e.contains("1 to 50 MiB"), "{e}");
        let e = parse_str(&school(&format!(
            "advisers = [\"{R1}\"]\ndelete_closed_after_days = 0"
        )))
        .unwrap_err();
        assert!(
            e.contains("de-linde") && e.contains("delete_closed_after_days = 0"),
            "{e}"
        );
        let e = parse_str(&school(&format!(
            "advisers = [\"{R1}\"]\ndelete_inactive_after_days = -1"
        )))
        .unwrap_err();
        assert!(
            e.contains("de-linde") && e.contains("delete_inactive_after_days = -1"),
            "{e}"
        );
        let e = parse_str(&format!("backup_recipients = [\"age1nope\"]\n{ok}")).unwrap_err();
        assert!(e.contains("backup_recipients[0]"), "{e}");
        let e = parse_str(&format!("backup_recipients = [\"{R1}\", \"{R1}\"]\n{ok}")).unwrap_err();
        assert!(
            e.contains("backup_recipients[1]") && e.contains("twice"),
            "{e}"
        );
        let e = parse_str(&format!(
            "backup_recipients = [\"AGE-SECRET-KEY-1QQ\"]\n{ok}"
        ))
        .unwrap_err();
        assert!(e.contains("SECRET key"), "{e}");
        let e = parse_str("data_dir = \"/x\"").unwrap_err();
        assert!(e.contains("no school"), "{e}");
        let e = parse_str(&format!(
            "colour = \"red\"\n{}",
            school(&format!("advisers = [\"{R1}\"]"))
        ))
        .unwrap_err();
        assert!(e.contains("unknown setting \"colour\""), "{e}");
    }

    #[test]
    fn the_pages_say_the_board_holds_a_key_only_where_it_does() {
        let board = x25519::Identity::generate().to_public();
        let with = School {
            slug: "linde".into(),
            recovery: Some(board),
            ..School::default()
        };
        let without = School {
            slug: "eik".into(),
            ..School::default()
        };
        assert_eq!(with.keyholders(), Keyholders::AdvisersAndBoard);
        assert_eq!(without.keyholders(), Keyholders::Advisers);
        let install = |schools: Vec<School>| Config::with_schools("/x".into(), schools);
        let one = install(vec![with.clone()]);
        assert_eq!(one.keyholders(), Keyholders::AdvisersAndBoard);
        let both = install(vec![with.clone(), with.clone()]);
        assert_eq!(both.keyholders(), Keyholders::AdvisersAndBoard);
        let none = install(vec![without.clone()]);
        assert_eq!(none.keyholders(), Keyholders::Advisers);
        let mixed = install(vec![without, with]);
        assert_eq!(mixed.keyholders(), Keyholders::Varies);
        assert_eq!(mixed.keyholders_of("linde"), Keyholders::AdvisersAndBoard);
        assert_eq!(mixed.keyholders_of("eik"), Keyholders::Advisers);
        assert_eq!(mixed.keyholders_of("gone"), Keyholders::Varies);
    }

    #[test]
    fn advisers_may_have_names_and_a_school_a_recovery_key() {
        let r2 = x25519::Identity::generate().to_public().to_string();
        let rec = x25519::Identity::generate().to_public().to_string();
        let c = parse_str(&school(&format!(
            "advisers = [{{ key = \"{R1}\", name = \" Mevr. Jansen \" }}, \"{r2}\"]\n\
             recovery = \"{}\"",
            rec.to_uppercase()
        )))
        .unwrap();
        let s = &c.schools[0];
        assert_eq!(s.advisers.len(), 2);
        assert_eq!(s.adviser_name(&s.advisers[0]), Some("Mevr. Jansen"));
        assert_eq!(s.adviser_name(&s.advisers[1]), None);
        assert_eq!(s.recovery.as_ref().unwrap().to_string(), rec);
        let sealing: Vec<String> = s
            .sealing_recipients()
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(sealing, [R1.to_owned(), r2.clone(), rec.clone()]);
        assert_eq!(
            s.fingerprint(),
            crate::recipients::fingerprint([&rec, R1, &r2])
        );
        assert!(s.signs_in(&rec) && s.signs_in(R1));
        let without = parse_str(&school(&format!("advisers = [\"{R1}\", \"{r2}\"]"))).unwrap();
        assert_ne!(without.schools[0].fingerprint(), s.fingerprint());
        assert!(without.schools[0].recovery.is_none());

        for (extra, says) in [
            (
                format!("advisers = [\"{R1}\"]\nrecovery = \"age1nope\""),
                "recovery = \"age1nope\" is not an age recipient",
            ),
            (
                format!("advisers = [\"{R1}\"]\nrecovery = \"AGE-SECRET-KEY-1QQQ\""),
                "recovery is a SECRET key",
            ),
            (
                format!("advisers = [\"{R1}\"]\nrecovery = \"{R1}\""),
                "is also listed under advisers",
            ),
            (
                "advisers = [{ name = \"Jansen\" }]".to_owned(),
                "advisers[0] has no key",
            ),
            (
                format!("advisers = [{{ key = \"{R1}\", naam = \"Jansen\" }}]"),
                "advisers[0] has an unknown setting \"naam\"",
            ),
            (
                format!("advisers = [{{ key = \"{R1}\", name = \"\" }}]"),
                "advisers[0]: name is empty",
            ),
            (
                format!("advisers = [{{ key = \"{R1}\", name = \"a\\nb\" }}]"),
                "one line of at most 80 characters",
            ),
            (
                format!("advisers = [\"{R1}\", {{ key = \"{R1}\" }}]"),
                "advisers[1] = \"age1",
            ),
            (
                "advisers = [7]".to_owned(),
                "advisers[0] must be a recipient",
            ),
        ] {
            let e = parse_str(&school(&extra)).unwrap_err();
            assert!(e.contains("de-linde") && e.contains(says), "{says}: {e}");
        }
    }

    #[test]
    fn shared_networks_and_the_new_limits_are_checked_at_start() {
        let ok = school(&format!("advisers = [\"{R1}\"]"));
        let c = parse_str(&format!(
            "shared_networks = [\"192.0.2.0/24\", \"2001:db8::/48\"]\n{ok}"
        ))
        .unwrap();
        assert_eq!(c.shared_networks.len(), 2);
        assert!(c.shared_networks[0].contains("192.0.2.77".parse().unwrap()));
        for (bad, says) in [
            (
                "\"192.0.2.0/33\"",
                "shared_networks[0] = \"192.0.2.0/33\" is not a network",
            ),
            (
                "\"school\"",
                "shared_networks[0] = \"school\" is not a network",
            ),
            ("\"10.0.0.0/8\"", "at most a /16 for IPv4"),
            ("\"::/0\"", "at most a /32 for IPv6"),
            (
                "\"192.0.2.0/24\", \"192.0.2.0/24\"",
                "shared_networks[1] = \"192.0.2.0/24\" is listed twice",
            ),
        ] {
            let e = parse_str(&format!("shared_networks = [{bad}]\n{ok}")).unwrap_err();
            assert!(e.contains(says), "{e}");
        }
        // A network's share of failed look-ups follows the global ceiling unless set.
        let c = parse_str(&format!("{ok}\n[limits]\nfailed_checks_per_minute = 50")).unwrap();
        assert_eq!(c.limits.failed_checks_per_network_per_minute, 5);
        assert_eq!(c.limits.connections_per_source, 128);
        let e = parse_str(&format!(
            "{ok}\n[limits]\nfailed_checks_per_minute = 50\nfailed_checks_per_network_per_minute = 60"
        ))
        .unwrap_err();
        assert!(
            e.contains("limits.failed_checks_per_network_per_minute = 60"),
            "{e}"
        );
        let e = parse_str(&format!("{ok}\n[limits]\nconnections_per_source = 0")).unwrap_err();
        assert!(e.contains("limits.connections_per_source = 0"), "{e}");
        let e = parse_str(&format!("{ok}\n[limits]\nconnections_per_source = 5000")).unwrap_err();
        assert!(
            e.contains("limits.connections_per_source = 5000") && e.contains("1 to 2048"),
            "{e}"
        );
    }

    #[test]
    fn a_data_folder_open_to_others_is_refused_with_the_fix() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        ensure_data_dir(&dir).unwrap();
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for mode in [0o755, 0o750, 0o701, 0o770] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            let e = ensure_data_dir(&dir).unwrap_err().to_string();
            assert!(
                e.contains("data_dir")
                    && e.contains(&format!("mode {mode:03o}"))
                    && e.contains(&format!("chmod 700 {}", dir.display())),
                "{e}"
            );
        }
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        ensure_data_dir(&dir).unwrap();
    }

    #[test]
    fn digests_and_deadlines_are_validated_per_school() {
        let ok = format!("advisers = [\"{R1}\"]");
        let c = parse_str(&school(&ok)).unwrap();
        assert!(c.mail.is_none() && c.schools[0].notify.is_empty());
        assert_eq!(c.schools[0].reply_within_days, DEFAULT_REPLY_WITHIN_DAYS);

        let mail =
            "\n[mail]\nrelay = \"smtp.school.nl\"\nfrom = \"f@school.nl\"\nsend_at = [\"08:00\"]";
        let c = parse_str(&format!(
            "{}{mail}",
            school(&format!(
                "{ok}\nnotify = [\"a@school.nl\"]\nreply_within_days = 3"
            ))
        ))
        .unwrap();
        assert_eq!(c.schools[0].notify[0].to_string(), "a@school.nl");
        assert_eq!(c.schools[0].reply_within_days, 3);
        assert_eq!(c.mail.unwrap().port, 587);

        let e = parse_str(&school(&format!("{ok}\nnotify = [\"a@school.nl\"]"))).unwrap_err();
        assert!(e.contains("de-linde") && e.contains("no [mail]"), "{e}");
        let e = parse_str(&format!(
            "{}{mail}",
            school(&format!("{ok}\nnotify = [\"niet-een-adres\"]"))
        ))
        .unwrap_err();
        assert!(e.contains("de-linde") && e.contains("notify[0]"), "{e}");
        let e = parse_str(&format!(
            "{}{mail}",
            school(&format!("{ok}\nnotify = [\"a@s.nl\", \"a@s.nl\"]"))
        ))
        .unwrap_err();
        assert!(e.contains("notify[1]") && e.contains("twice"), "{e}");
        for bad in ["0", "-2", "366"] {
            let e = parse_str(&school(&format!("{ok}\nreply_within_days = {bad}"))).unwrap_err();
            assert!(
                e.contains("de-linde") && e.contains(&format!("reply_within_days = {bad}")),
                "{e}"
            );
        }
        let e = parse_str(&format!("{}{mail}\nport = 25", school(&ok))).unwrap_err();
        assert!(e.contains("unknown setting \"mail.port\""), "{e}");
        let e = parse_str(&format!(
            "{}{mail}\nusername = \"u\"\npassword = \"p\"",
            school(&ok)
        ))
        .unwrap_err();
        assert!(e.contains("mail.password:"), "{e}");
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let text = include_str!("../docs/fluister.example.toml");
        parse(text, Path::new("example"), None, None).unwrap();
    }

    #[test]
    fn demo_reuses_its_key() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("data");
        let a = demo(None, Some(&dir)).unwrap();
        let b = demo(None, Some(&dir)).unwrap();
        assert_eq!(
            a.schools[0].advisers[0].to_string(),
            b.schools[0].advisers[0].to_string()
        );
    }
}
