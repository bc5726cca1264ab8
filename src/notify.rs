//! Digests by e-mail and overdue cases (DESIGN.md "Notifications"): at the times in
//! `[mail] send_at`, each address of a school hears, in counts only, what arrived since its last
//! digest and how many cases are overdue. Nothing new, no mail.
//!
//! A digest names no category, no id, no link with an id and nothing a pupil wrote, and has no
//! Reply-To; its subject never changes. Mails go out only at the configured times, so a mail's
//! timestamp tells no more than the window something arrived in.
//!
//! Exactly once per address: each address keeps a mark of what its last delivered digest
//! counted (store/digest.rs). A digest that is not delivered (relay down, refused) leaves the
//! mark where it was, so the next time in `send_at` counts it again, together with what came
//! after; a delivered one moves the mark, so nothing is counted twice. The one gap: the process
//! dying between the relay's "accepted" and the mark's commit sends that digest again.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::ops::Bound;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, Transport};
use time::{OffsetDateTime, Time};
use tokio::sync::watch;

use crate::config::{Config, Mail, MailLanguage, MailTls, School};
use crate::crypto::{SERVER_SECRET_FILE, ServerSecret};
use crate::date;
use crate::keys::Keys;
use crate::store::{self, DigestMark, DigestSnapshot, Store, StoreError};

/// How long one conversation with the relay may take before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest sleep between looks at the wall clock while waiting for the next digest time, so a
/// clock set by NTP or a resumed machine is noticed.
const CLOCK_CHECK: Duration = Duration::from_secs(30);
/// The lock file in the data folder that keeps a digest round of the server and one of
/// `fluister notify --now` from running at once (which could send a digest twice).
pub const LOCK_FILE: &str = "digest.lock";

/// Why a round of digests could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("no [mail] section in the config: add one with relay, from and send_at")]
    NoMail,
    #[error(
        "no database in {0}: start the server once with this config (`fluister serve --config …`), \
         then try again"
    )]
    NoDatabase(PathBuf),
    #[error("the digest lock {path}: {source}")]
    Lock { path: PathBuf, source: io::Error },
    #[error("the server secret: {0}")]
    Secret(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the relay settings: {0}")]
    Relay(String),
}

/// What one address's digest counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figures {
    /// Reports that arrived since the address's last digest.
    pub new_reports: i64,
    /// Pupil messages that arrived since the address's last digest.
    pub new_pupil_messages: i64,
    /// Pupil messages, in cases not closed, with no adviser reply after them, now.
    pub unanswered_pupil_messages: i64,
    /// Cases waiting `reply_within_days` or longer for an adviser's reply, now.
    pub overdue_cases: i64,
}

impl Figures {
    /// What a digest to an address with `mark` counts in `snapshot` on `today`.
    pub fn count(
        snapshot: &DigestSnapshot,
        mark: &DigestMark,
        today: &str,
        reply_within_days: u32,
    ) -> Figures {
        Figures {
            new_reports: since(&snapshot.reports_by_date, &mark.through_on, mark.reports),
            new_pupil_messages: since(
                &snapshot.pupil_messages_by_date,
                &mark.through_on,
                mark.pupil_messages,
            ),
            unanswered_pupil_messages: snapshot.unanswered_pupil_messages,
            overdue_cases: snapshot
                .waiting_since
                .iter()
                .filter(|w| is_overdue(w, reply_within_days, today))
                .count() as i64,
        }
    }

    /// Whether a digest goes out: something arrived since the last one, or cases are overdue
    /// and the address has had no digest yet today (overdue cases alone remind once a day).
    pub fn is_due(&self, mark: &DigestMark, today: &str) -> bool {
        self.new_reports > 0
            || self.new_pupil_messages > 0
            || (self.overdue_cases > 0 && mark.sent_on.as_deref() != Some(today))
    }
}

/// Items counted per date, minus the `counted` of them on `through_on` an earlier digest saw.
fn since(by_date: &BTreeMap<String, i64>, through_on: &str, counted: i64) -> i64 {
    let on = by_date.get(through_on).copied().unwrap_or(0);
    let after: i64 = by_date
        .range::<str, _>((Bound::Excluded(through_on), Bound::Unbounded))
        .map(|(_, n)| n)
        .sum();
    // Fewer than counted only if cases of that day were deleted since: nothing of them is new.
    after + (on - counted).max(0)
}

/// The mark a digest made now would leave: today and how many of today's items it saw.
fn mark_now(snapshot: &DigestSnapshot, today: &str, sent_on: Option<&str>) -> DigestMark {
    DigestMark {
        through_on: today.to_owned(),
        reports: snapshot.reports_by_date.get(today).copied().unwrap_or(0),
        pupil_messages: snapshot
            .pupil_messages_by_date
            .get(today)
            .copied()
            .unwrap_or(0),
        sent_on: sent_on.map(str::to_owned),
    }
}

/// The date a case waiting since `waiting_since` is, or becomes, overdue: `reply_within_days`
/// later. `None` only for a stored date that is not one.
pub fn overdue_on(waiting_since: &str, reply_within_days: u32) -> Option<String> {
    date::add_days(waiting_since, i64::from(reply_within_days))
}

/// True when a case waiting since `waiting_since` is overdue on `today`.
pub fn is_overdue(waiting_since: &str, reply_within_days: u32, today: &str) -> bool {
    overdue_on(waiting_since, reply_within_days).is_some_and(|on| on.as_str() <= today)
}

/// What happened for one address in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The relay accepted the digest.
    Sent,
    /// Nothing arrived since the last digest and nothing is overdue: no mail.
    NothingNew,
    /// Not delivered; the next round counts it again. Says why, for a person.
    Failed(String),
}

/// One address's result in a round.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub school: String,
    pub address: String,
    pub outcome: Outcome,
}

/// Gives every configured address that has no mark yet a mark of now, so it hears of what
/// arrives from now on (not of every report the school ever had). Run when the server starts,
/// before it listens, and before every round. With `forget_others` (only the server's start,
/// whose config is the install's), also forgets the marks of addresses and schools taken out
/// of the config; `notify --now` with another config file must not wipe the server's marks.
pub async fn enroll(
    config: &Config,
    store: &Store,
    now: OffsetDateTime,
    forget_others: bool,
) -> Result<(), NotifyError> {
    let today = date::format_date(date::amsterdam_date(now));
    if forget_others {
        let pairs = config
            .schools
            .iter()
            .flat_map(|s| s.notify.iter().map(|a| (s.slug.clone(), a.to_string())))
            .collect();
        store.keep_digest_marks(pairs).await?;
    }
    for school in config.schools.iter().filter(|s| !s.notify.is_empty()) {
        let snapshot = store
            .digest_snapshot(school.slug.clone(), today.clone())
            .await?;
        for address in &school.notify {
            let address = address.to_string();
            if !snapshot.marks.contains_key(&address) {
                let mark = mark_now(&snapshot, &today, None);
                store
                    .start_digest_mark(school.slug.clone(), address, mark)
                    .await?;
            }
        }
    }
    Ok(())
}

/// One round: every address of every school gets the digest due at `now`, or none when
/// nothing is new. Take the lock (`lock`) first.
pub async fn round(
    config: &Config,
    store: &Store,
    now: OffsetDateTime,
) -> Result<Vec<Delivery>, NotifyError> {
    let mail = config.mail.as_ref().ok_or(NotifyError::NoMail)?;
    enroll(config, store, now, false).await?;
    let relay = Relay::new(mail)?;
    let today = date::format_date(date::amsterdam_date(now));
    let mut out = Vec::new();
    // Once the relay cannot be reached at all, the rest of the round is not tried: each would
    // wait for the same time-out. Their marks stay, so the next round has them.
    let mut unreachable: Option<String> = None;
    for school in config.schools.iter().filter(|s| !s.notify.is_empty()) {
        let snapshot = store
            .digest_snapshot(school.slug.clone(), today.clone())
            .await?;
        for address in &school.notify {
            let key = address.to_string();
            let Some(mark) = snapshot.marks.get(&key) else {
                // Enrolled above; only a concurrent config change could get here.
                continue;
            };
            let figures = Figures::count(&snapshot, mark, &today, school.reply_within_days);
            let outcome = if !figures.is_due(mark, &today) {
                Outcome::NothingNew
            } else if let Some(why) = &unreachable {
                Outcome::Failed(format!("not tried: {why}"))
            } else {
                let message = compose(mail, school, address, &figures)?;
                match relay.send(message).await {
                    Ok(()) => {
                        let mark = mark_now(&snapshot, &today, Some(&today));
                        if let Err(e) = store
                            .save_digest_mark(school.slug.clone(), key.clone(), mark)
                            .await
                        {
                            // Delivered, but the next round will not know: it may repeat it.
                            tracing::error!(
                                school = %school.slug,
                                error = %e,
                                "a digest was delivered but could not be recorded"
                            );
                        }
                        Outcome::Sent
                    }
                    Err(failure) => {
                        if failure.relay_wide {
                            unreachable = Some(failure.why.clone());
                        }
                        Outcome::Failed(failure.why)
                    }
                }
            };
            out.push(Delivery {
                school: school.slug.clone(),
                address: key,
                outcome,
            });
        }
    }
    Ok(out)
}

/// `fluister notify --now`: opens the install's data folder (never creating one), waits for a
/// round of the running server to finish, and runs one round now.
pub async fn now(config: &Config) -> Result<Vec<Delivery>, NotifyError> {
    if config.mail.is_none() {
        return Err(NotifyError::NoMail);
    }
    let db = config.data_dir.join(store::DB_FILE);
    if !db.exists() || !config.data_dir.join(SERVER_SECRET_FILE).exists() {
        return Err(NotifyError::NoDatabase(config.data_dir.clone()));
    }
    let secret = ServerSecret::load_or_create(&config.data_dir)
        .map_err(|e| NotifyError::Secret(e.to_string()))?;
    let store = Store::open(&config.data_dir, &Keys::new(&secret))?;
    let _lock = lock(&config.data_dir).await?;
    let result = round(config, &store, OffsetDateTime::now_utc()).await;
    store.close();
    result
}

/// Connects to the relay, starts TLS and signs in as a digest would, then says goodbye
/// without sending: `fluister notify --now` reports this when no digest was due.
pub async fn check_relay(mail: &Mail) -> Result<(), String> {
    let relay = Relay::new(mail).map_err(|e| e.to_string())?;
    let transport = relay.transport.clone();
    let tls = mail.tls;
    let name = mail.relay();
    tokio::task::spawn_blocking(move || match transport.test_connection() {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("relay {name} did not answer NOOP")),
        Err(e) => Err(explain(&name, tls, &e)),
    })
    .await
    .map_err(|e| e.to_string())?
}

/// The digest lock, held until dropped. Waits while another process holds it.
pub async fn lock(data_dir: &Path) -> Result<File, NotifyError> {
    let path = data_dir.join(LOCK_FILE);
    let dir = data_dir.to_owned();
    let shown = path.clone();
    tokio::task::spawn_blocking(move || -> io::Result<File> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)?;
        // Made by `sudo fluister notify`? Give it the data folder's owner, so the server (which
        // runs as that owner) can still open it.
        let (mine, folder) = (file.metadata()?, fs::metadata(&dir)?);
        if mine.uid() != folder.uid() {
            let _ = std::os::unix::fs::fchown(&file, Some(folder.uid()), Some(folder.gid()));
        }
        file.lock()?;
        Ok(file)
    })
    .await
    .map_err(|e| NotifyError::Lock {
        path: shown.clone(),
        source: io::Error::other(e.to_string()),
    })?
    .map_err(|source| NotifyError::Lock {
        path: shown,
        source,
    })
}

/// Sends rounds at the times in `send_at` until `stop` turns true; a round under way is
/// finished first, so no delivered digest goes unrecorded. A failing relay or database never
/// stops the server: each round logs one line, with no address of a pupil and nothing of what
/// was counted.
pub async fn schedule(config: Config, store: Store, mut stop: watch::Receiver<bool>) {
    let Some(mail) = config.mail.clone() else {
        return;
    };
    let times: Vec<String> = mail.send_at.iter().map(ToString::to_string).collect();
    tracing::info!(
        relay = %mail.relay(),
        tls = mail.tls.as_str(),
        "digests go out at {} (Europe/Amsterdam)",
        times.join(", ")
    );
    loop {
        let (slot, at) = next_slot(OffsetDateTime::now_utc(), &mail);
        loop {
            let left = at - OffsetDateTime::now_utc();
            if left <= time::Duration::ZERO {
                break;
            }
            let step = Duration::try_from(left)
                .unwrap_or(CLOCK_CHECK)
                .min(CLOCK_CHECK);
            tokio::select! {
                () = tokio::time::sleep(step) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
        let result = match lock(&config.data_dir).await {
            Ok(_lock) => round(&config, &store, OffsetDateTime::now_utc()).await,
            Err(e) => Err(e),
        };
        log_round(&slot.to_string(), &result);
    }
}

/// The one log line of a round (at info level and above).
fn log_round(slot: &str, result: &Result<Vec<Delivery>, NotifyError>) {
    match result {
        Err(e) => tracing::error!(
            "digests at {slot}: the round failed ({e}); the next time in send_at tries again"
        ),
        Ok(deliveries) => {
            let sent = deliveries
                .iter()
                .filter(|d| d.outcome == Outcome::Sent)
                .count();
            let failed: Vec<&str> = deliveries
                .iter()
                .filter_map(|d| match &d.outcome {
                    Outcome::Failed(why) => Some(why.as_str()),
                    _ => None,
                })
                .collect();
            match failed.first() {
                // How many went out tells that something arrived in the window before this
                // time: like "report accepted", only at debug level (README, "Logs").
                None => {
                    tracing::info!("digests at {slot}: done");
                    tracing::debug!("digests at {slot}: {sent} sent");
                }
                Some(why) => tracing::warn!(
                    "digests at {slot}: {} of {} not sent ({why}); the next time in send_at \
                     sends them",
                    failed.len(),
                    failed.len() + sent
                ),
            }
        }
    }
}

/// The next time in `send_at` strictly after `now`, and the instant it happens.
pub fn next_slot(now: OffsetDateTime, mail: &Mail) -> (crate::config::SendAt, OffsetDateTime) {
    let today = date::amsterdam_date(now);
    let mut day = today;
    loop {
        for slot in &mail.send_at {
            let time = Time::from_hms(slot.hour, slot.minute, 0).expect("send_at is validated");
            let at = date::amsterdam_instant(day, time);
            if at > now {
                return (*slot, at);
            }
        }
        day = day.next_day().expect("within the calendar range");
    }
}

/// The relay, as lettre's blocking transport (one connection per mail).
struct Relay {
    transport: SmtpTransport,
    name: String,
    tls: MailTls,
}

/// Why a mail did not go out; `relay_wide` when the relay itself failed (not reached, no
/// TLS), so trying the next address would only wait again.
struct Failure {
    why: String,
    relay_wide: bool,
}

impl Relay {
    fn new(mail: &Mail) -> Result<Relay, NotifyError> {
        let err = |e: lettre::transport::smtp::Error| NotifyError::Relay(e.to_string());
        let builder = match mail.tls {
            MailTls::StartTls => SmtpTransport::starttls_relay(&mail.host).map_err(err)?,
            MailTls::Tls => SmtpTransport::relay(&mail.host).map_err(err)?,
            // Validated: only a relay on this machine.
            MailTls::None => SmtpTransport::builder_dangerous(&mail.host),
        };
        let mut builder = builder.port(mail.port).timeout(Some(SMTP_TIMEOUT));
        if let Some(c) = &mail.credentials {
            builder = builder.credentials(Credentials::new(
                c.username.clone(),
                c.password.as_str().to_owned(),
            ));
        }
        Ok(Relay {
            transport: builder.build(),
            name: mail.relay(),
            tls: mail.tls,
        })
    }

    async fn send(&self, message: Message) -> Result<(), Failure> {
        let transport = self.transport.clone();
        let sent = tokio::task::spawn_blocking(move || transport.send(&message)).await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(Failure {
                why: explain(&self.name, self.tls, &e),
                relay_wide: e.status().is_none(),
            }),
            Err(e) => Err(Failure {
                why: format!("the sending task failed: {e}"),
                relay_wide: true,
            }),
        }
    }
}

/// A relay failure in words an IT person can act on.
fn explain(relay: &str, tls: MailTls, e: &lettre::transport::smtp::Error) -> String {
    let detail = e.to_string();
    if detail.contains("STARTTLS is not supported") {
        return format!(
            "relay {relay} does not offer STARTTLS, and with tls = \"starttls\" nothing is sent \
             unencrypted; turn STARTTLS on at the relay, or use tls = \"tls\" if it listens for \
             TLS (port 465)"
        );
    }
    if e.status().is_some_and(|c| c.to_string() == "535") {
        return format!(
            "relay {relay} refused the sign-in ({detail}); check mail.username and the password"
        );
    }
    if e.is_tls() {
        return format!(
            "relay {relay}: the TLS connection failed ({detail}); check the relay's name and \
             certificate, and tls = \"{}\"",
            tls.as_str()
        );
    }
    if e.is_timeout() {
        return format!(
            "relay {relay} did not answer in {} s ({detail})",
            SMTP_TIMEOUT.as_secs()
        );
    }
    format!("relay {relay}: {detail}")
}

/// The digest for one address: counts only, a fixed subject, no Reply-To.
pub fn compose(
    mail: &Mail,
    school: &School,
    address: &Address,
    figures: &Figures,
) -> Result<Message, NotifyError> {
    let (subject, body) = text(
        mail.language,
        &school.name,
        school.reply_within_days,
        figures,
    );
    // A random Message-ID at the sender's domain: relays and spam filters want one, and it
    // names neither this machine nor anything counted.
    let mut random = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
    let id: String = random.iter().map(|b| format!("{b:02x}")).collect();
    Message::builder()
        .message_id(Some(format!("<{id}@{}>", mail.from.email.domain())))
        .from(mail.from.clone())
        .to(Mailbox::new(None, address.clone()))
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| NotifyError::Relay(format!("cannot build the digest mail: {e}")))
}

/// The subject and body of a digest. Nothing in it depends on a report but the four counts;
/// lines stay short so the mail goes as plain 7-bit text.
pub fn text(
    language: MailLanguage,
    school_name: &str,
    reply_within_days: u32,
    f: &Figures,
) -> (&'static str, String) {
    let days = reply_within_days;
    match language {
        MailLanguage::Dutch => (
            "Fluister: overzicht",
            format!(
                "Fluister, {school_name}\n\
                 \n\
                 Sinds het vorige overzicht:\n\
                 - nieuwe meldingen: {}\n\
                 - nieuwe berichten van leerlingen: {}\n\
                 \n\
                 Nu:\n\
                 - berichten van leerlingen zonder antwoord: {}\n\
                 - zaken {days} dagen of langer zonder antwoord: {}\n\
                 \n\
                 Lees en beantwoord ze op je eigen computer:\n\
                 fluister adviser ui (of fluister adviser inbox).\n\
                 \n\
                 Dit overzicht noemt met opzet geen inhoud, categorie of\n\
                 kenmerk van een melding. Het is automatisch verstuurd;\n\
                 een antwoord erop leest niemand.\n",
                f.new_reports, f.new_pupil_messages, f.unanswered_pupil_messages, f.overdue_cases
            ),
        ),
        MailLanguage::English => (
            "Fluister: summary",
            format!(
                "Fluister, {school_name}\n\
                 \n\
                 Since the previous summary:\n\
                 - new reports: {}\n\
                 - new messages from pupils: {}\n\
                 \n\
                 Now:\n\
                 - messages from pupils without a reply: {}\n\
                 - cases without a reply for {days} days or more: {}\n\
                 \n\
                 Read and answer them on your own computer:\n\
                 fluister adviser ui (or fluister adviser inbox).\n\
                 \n\
                 This summary deliberately names no content, category or\n\
                 detail of any report. It was sent automatically; nobody\n\
                 reads replies to it.\n",
                f.new_reports, f.new_pupil_messages, f.unanswered_pupil_messages, f.overdue_cases
            ),
        ),
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Sent => f.write_str("sent"),
            Outcome::NothingNew => f.write_str("nothing new, no mail"),
            Outcome::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn snapshot(
        reports: &[(&str, i64)],
        messages: &[(&str, i64)],
        waiting: &[&str],
    ) -> DigestSnapshot {
        DigestSnapshot {
            reports_by_date: reports.iter().map(|(d, n)| (d.to_string(), *n)).collect(),
            pupil_messages_by_date: messages.iter().map(|(d, n)| (d.to_string(), *n)).collect(),
            waiting_since: waiting.iter().map(|d| d.to_string()).collect(),
            unanswered_pupil_messages: 2,
            marks: Default::default(),
        }
    }

    fn mark(on: &str, reports: i64, messages: i64, sent: Option<&str>) -> DigestMark {
        DigestMark {
            through_on: on.into(),
            reports,
            pupil_messages: messages,
            sent_on: sent.map(Into::into),
        }
    }

    #[test]
    fn what_arrived_later_on_the_marks_day_and_after_it_is_new_and_only_that() {
        // Two reports on the 21st were in the 08:00 digest; a third came that afternoon, one
        // more on the 22nd. A message of the 20th predates the mark.
        let s = snapshot(
            &[("2026-11-21", 3), ("2026-11-22", 1)],
            &[("2026-11-21", 1), ("2026-11-22", 2)],
            &[],
        );
        let m = mark("2026-11-21", 2, 1, Some("2026-11-21"));
        let f = Figures::count(&s, &m, "2026-11-22", 5);
        assert_eq!((f.new_reports, f.new_pupil_messages), (2, 2));
        assert!(f.is_due(&m, "2026-11-22"));
        // The digest delivered now leaves a mark that makes the same snapshot count nothing.
        let after = mark_now(&s, "2026-11-22", Some("2026-11-22"));
        assert_eq!(after, mark("2026-11-22", 1, 2, Some("2026-11-22")));
        let f = Figures::count(&s, &after, "2026-11-22", 5);
        assert_eq!((f.new_reports, f.new_pupil_messages), (0, 0));
        assert!(!f.is_due(&after, "2026-11-22"));
    }

    #[test]
    fn overdue_cases_remind_once_a_day_and_count_in_every_digest() {
        let s = snapshot(&[], &[], &["2026-11-16", "2026-11-17", "2026-11-20"]);
        // reply_within_days = 5: waiting since the 16th is overdue on the 21st.
        let f = Figures::count(
            &s,
            &mark("2026-11-21", 0, 0, Some("2026-11-20")),
            "2026-11-21",
            5,
        );
        assert_eq!(f.overdue_cases, 1);
        assert!(f.is_due(&mark("2026-11-21", 0, 0, Some("2026-11-20")), "2026-11-21"));
        assert!(!f.is_due(&mark("2026-11-21", 0, 0, Some("2026-11-21")), "2026-11-21"));
        let f = Figures::count(&s, &mark("2026-11-22", 0, 0, None), "2026-11-22", 5);
        assert_eq!(f.overdue_cases, 2);
        assert!(is_overdue("2026-11-20", 1, "2026-11-21"));
        assert!(!is_overdue("2026-11-21", 1, "2026-11-21"));
        assert_eq!(overdue_on("2026-11-28", 5).as_deref(), Some("2026-12-03"));
    }

    #[test]
    fn the_next_time_is_found_in_amsterdam_and_never_now() {
        let mail = Mail {
            host: "localhost".into(),
            port: 25,
            tls: MailTls::None,
            from: "f@s.nl".parse().unwrap(),
            send_at: vec![
                crate::config::SendAt::parse("08:00").unwrap(),
                crate::config::SendAt::parse("16:00").unwrap(),
            ],
            language: MailLanguage::Dutch,
            credentials: None,
        };
        let (slot, at) = next_slot(datetime!(2026-11-21 06:59 UTC), &mail);
        assert_eq!(
            (slot.to_string(), at),
            ("08:00".into(), datetime!(2026-11-21 07:00 UTC))
        );
        // Exactly at a time: the next one.
        let (_, at) = next_slot(datetime!(2026-11-21 07:00 UTC), &mail);
        assert_eq!(at, datetime!(2026-11-21 15:00 UTC));
        // After the last one of the day: tomorrow's first, in summer time.
        let (_, at) = next_slot(datetime!(2026-06-10 14:30 UTC), &mail);
        assert_eq!(at, datetime!(2026-06-11 06:00 UTC));
    }

    #[test]
    fn a_digest_holds_counts_only_in_either_language() {
        let f = Figures {
            new_reports: 2,
            new_pupil_messages: 1,
            unanswered_pupil_messages: 3,
            overdue_cases: 1,
        };
        let (subject, body) = text(MailLanguage::Dutch, "De Linde", 5, &f);
        assert_eq!(subject, "Fluister: overzicht");
        assert!(
            body.contains("nieuwe meldingen: 2")
                && body.contains("5 dagen of langer zonder antwoord: 1")
        );
        let (subject, body) = text(MailLanguage::English, "De Linde", 5, &f);
        assert_eq!(subject, "Fluister: summary");
        assert!(body.contains("new reports: 2") && body.contains("for 5 days or more: 1"));
        // The subject is the same whatever the counts.
        assert_eq!(
            text(MailLanguage::English, "X", 1, &Figures::default()).0,
            subject
        );
    }
}
