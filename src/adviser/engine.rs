//! The adviser workstation's engine: sign in, list, read, reply, note, set status, export.
//! Plain structs in and out, no printing, so the command line and a browser UI share it.
//!
//! Everything is decrypted in memory on the adviser's computer and everything the adviser
//! writes is encrypted here before it leaves (DESIGN.md, docs/api.md sections 4 and 5).

use std::path::Path;

use age::x25519;
use serde::{Serialize, Serializer};

use super::cache::{self, Cache, CacheError};
use super::client::{Client, ClientError, ReportDetail, ServerUrl};
use super::identity::{AdviserKey, KeyError};
use crate::conversation::{self, MessageDocument, MessageProblem};
use crate::crypto;
use crate::report::{Category, DangerNow, ReportDocument};
use crate::store::{Author, ReportId, Status};

/// What went wrong, and what to try. One line each, for a person.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(
        "{0:?} is not a report id: ids are 16 characters 0-9 and a-f, as `fluister adviser inbox` \
         lists them"
    )]
    BadId(String),
    #[error("nothing was sent: the message is empty")]
    EmptyMessage,
    #[error("nothing was sent: the message has {chars} characters, at most {max} fit in one")]
    LongMessage { chars: usize, max: usize },
    #[error(
        "nothing was sent: the server lists {recipient:?} as a reader of report {id}, which is not \
         an age recipient; tell your school's IT"
    )]
    BadRecipient { id: String, recipient: String },
    #[error(transparent)]
    Encrypt(#[from] crypto::EncryptFailed),
}

/// Which reports the inbox lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxFilter {
    /// Only reports with this status; `None` for all.
    pub status: Option<Status>,
}

/// One line of the inbox.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    #[serde(serialize_with = "display")]
    pub id: ReportId,
    pub school: String,
    pub received_on: String,
    #[serde(serialize_with = "status")]
    pub status: Status,
    /// `None` when the report does not open with this key (see `readable`).
    pub category: Option<Category>,
    pub danger_now: Option<DangerNow>,
    /// The latest of `received_on` and the date of the newest message.
    pub last_activity: String,
    /// Messages after the report, notes included.
    pub messages: i64,
    /// Pupil messages this adviser has not been shown yet (`show` marks them read).
    pub unread: i64,
    /// False when the report was not encrypted to this key: its adviser was added to the
    /// school after the report arrived.
    pub readable: bool,
}

/// A whole case, decrypted in memory.
#[derive(Serialize)]
pub struct Case {
    #[serde(serialize_with = "display")]
    pub id: ReportId,
    pub school: String,
    pub received_on: String,
    #[serde(serialize_with = "status")]
    pub status: Status,
    /// The report as the pupil wrote it; `None` when it does not open with this key.
    pub report: Option<ReportDocument>,
    pub messages: Vec<CaseMessage>,
}

impl Case {
    /// The `seq` of the newest message (0 without messages).
    pub fn last_seq(&self) -> i64 {
        self.messages.iter().map(|m| m.seq).max().unwrap_or(0)
    }
}

/// One message of a case.
#[derive(Serialize)]
pub struct CaseMessage {
    pub seq: i64,
    /// `pupil`, `adviser` (a reply the pupil sees) or `note` (advisers only).
    #[serde(serialize_with = "author")]
    pub author: Author,
    pub sent_on: String,
    /// `None` when it does not open with this key.
    pub text: Option<String>,
}

/// What `reply` and `note` did.
#[derive(Debug, Clone, Copy)]
pub struct Sent {
    /// The new message's number in the conversation.
    pub seq: i64,
    /// True when the pupil can read it (a reply); never for a note.
    pub to_pupil: bool,
    /// How many advisers' keys it was encrypted to.
    pub advisers: usize,
}

/// A signed-in adviser workstation for one server.
pub struct Workstation {
    client: Client,
    key: AdviserKey,
    cache: Cache,
    schools: Vec<String>,
}

impl Workstation {
    /// Signs in to `server` with `key`, with the cache in its usual place.
    pub fn open(server: &str, key: AdviserKey) -> Result<Workstation, Error> {
        Workstation::open_with_cache(server, key, &cache::default_root()?)
    }

    /// Signs in to `server` with `key`, with the cache below `cache_root`.
    pub fn open_with_cache(
        server: &str,
        key: AdviserKey,
        cache_root: &Path,
    ) -> Result<Workstation, Error> {
        let server = ServerUrl::parse(server)?;
        let cache = Cache::open(cache_root, &server)?;
        let client = Client::new(server);
        let schools = client.sign_in(&key)?;
        Ok(Workstation {
            client,
            key,
            cache,
            schools,
        })
    }

    pub fn server(&self) -> &ServerUrl {
        self.client.server()
    }

    /// This adviser's public recipient.
    pub fn recipient(&self) -> &x25519::Recipient {
        self.key.recipient()
    }

    /// The slugs of the schools this key is an adviser of.
    pub fn schools(&self) -> &[String] {
        &self.schools
    }

    /// The reports of this adviser's schools, most recent activity first.
    pub fn inbox(&self, filter: InboxFilter) -> Result<Vec<CaseSummary>, Error> {
        let listings = self.call(|c| c.reports(filter.status))?;
        let mut out = Vec::with_capacity(listings.len());
        for l in listings {
            self.cache.store_report(&l.id, &l.ciphertext)?;
            let report = self.open_report(&l.ciphertext);
            let seen = self.cache.seen(&l.id);
            // Message numbers run 1..=messages, so only a report with messages past the last
            // one shown, and a pupil message among them, needs its conversation fetched.
            let unread = if l.messages > seen && l.last_pupil_message.is_some() {
                let detail = self.call(|c| c.report(&l.id))?;
                self.cache_conversation(&detail)?;
                detail
                    .messages
                    .iter()
                    .filter(|m| m.author == Author::Pupil && m.seq > seen)
                    .count() as i64
            } else {
                0
            };
            out.push(CaseSummary {
                category: report.as_ref().map(|r| r.category),
                danger_now: report.as_ref().and_then(|r| r.danger_now),
                readable: report.is_some(),
                id: l.id,
                school: l.school,
                received_on: l.received_on,
                status: l.status,
                last_activity: l.last_activity,
                messages: l.messages,
                unread,
            });
        }
        Ok(out)
    }

    /// One case, report and whole conversation, decrypted. Does not mark it read: call
    /// `mark_read` once the adviser has actually been shown it.
    pub fn case(&self, id: &str) -> Result<Case, Error> {
        let id = parse_id(id)?;
        let detail = self.call(|c| c.report(&id))?;
        self.cache_conversation(&detail)?;
        let messages = detail
            .messages
            .iter()
            .map(|m| CaseMessage {
                seq: m.seq,
                author: m.author,
                sent_on: m.sent_on.clone(),
                text: self
                    .key
                    .decrypt(&m.ciphertext)
                    .ok()
                    .and_then(|p| MessageDocument::from_plaintext(&p))
                    .map(|d| d.text),
            })
            .collect();
        Ok(Case {
            report: self.open_report(&detail.ciphertext),
            id: detail.id,
            school: detail.school,
            received_on: detail.received_on,
            status: detail.status,
            messages,
        })
    }

    /// Records that the adviser has been shown `case`: its pupil messages are no longer unread.
    pub fn mark_read(&self, case: &Case) -> Result<(), Error> {
        Ok(self.cache.mark_seen(&case.id, case.last_seq())?)
    }

    /// Replies to the pupil: encrypted here for the pupil first, then every adviser of the
    /// school, and stored on the server.
    pub fn reply(&self, id: &str, text: &str) -> Result<Sent, Error> {
        self.send(id, text, Author::Adviser)
    }

    /// Adds a private note: encrypted here for the school's advisers only, never the pupil.
    pub fn note(&self, id: &str, text: &str) -> Result<Sent, Error> {
        self.send(id, text, Author::Note)
    }

    /// Sets a report's status.
    pub fn set_status(&self, id: &str, status: Status) -> Result<(), Error> {
        let id = parse_id(id)?;
        self.call(|c| c.put_status(&id, status))
    }

    /// The case as one self-contained HTML page for the school's incident file. The caller
    /// decides where it goes: it is plaintext.
    pub fn export_html(&self, id: &str) -> Result<String, Error> {
        let case = self.case(id)?;
        Ok(super::export::render(
            &case,
            &super::export::Context {
                server: self.server().as_str(),
                exported_on: &crate::date::today(),
                exported_by: &self.recipient().to_string(),
            },
        ))
    }

    fn send(&self, id: &str, text: &str, author: Author) -> Result<Sent, Error> {
        let id = parse_id(id)?;
        let text = conversation::validate_message(text).map_err(|p| match p {
            MessageProblem::Empty => Error::EmptyMessage,
            MessageProblem::TooLong { chars, max } => Error::LongMessage { chars, max },
        })?;
        // Fresh from the server just before sending: who reads this case now.
        let detail = self.call(|c| c.report(&id))?;
        let readers = Readers::of(&detail, self.key.recipient(), author)?;
        let padded = crypto::pad_json(
            serde_json::to_vec(&MessageDocument::new(text)).expect("a message serializes"),
        );
        let ciphertext = crypto::encrypt(&readers.list(), &padded)?;
        let seq = self.call(|c| c.post_message(&id, author, &ciphertext))?;
        self.cache.store_message(&id, seq, &ciphertext)?;
        Ok(Sent {
            seq,
            to_pupil: readers.reporter.is_some(),
            advisers: readers.advisers.len(),
        })
    }

    /// One API call; when the token has expired (or the server restarted), signs in again
    /// once and repeats it. Safe for posts too: the server checks the token before anything.
    fn call<T>(&self, f: impl Fn(&Client) -> Result<T, ClientError>) -> Result<T, Error> {
        match f(&self.client) {
            Err(ClientError::Unauthorized { .. }) => {
                self.client.sign_in(&self.key)?;
                Ok(f(&self.client)?)
            }
            other => Ok(other?),
        }
    }

    fn open_report(&self, ciphertext: &[u8]) -> Option<ReportDocument> {
        let plain = self.key.decrypt(ciphertext).ok()?;
        serde_json::from_slice(&plain).ok()
    }

    fn cache_conversation(&self, detail: &ReportDetail) -> Result<(), Error> {
        self.cache.store_report(&detail.id, &detail.ciphertext)?;
        for m in &detail.messages {
            self.cache.store_message(&detail.id, m.seq, &m.ciphertext)?;
        }
        Ok(())
    }
}

/// Who a message is encrypted to.
struct Readers {
    reporter: Option<x25519::Recipient>,
    advisers: Vec<x25519::Recipient>,
}

impl Readers {
    /// A reply goes to the pupil and every adviser of the school; a note to the advisers only.
    /// This adviser is always among them, so they can read what they wrote.
    fn of(
        detail: &ReportDetail,
        own: &x25519::Recipient,
        author: Author,
    ) -> Result<Readers, Error> {
        let parse = |r: &str| {
            r.trim()
                .parse::<x25519::Recipient>()
                .map_err(|_| Error::BadRecipient {
                    id: detail.id.to_string(),
                    recipient: r.to_owned(),
                })
        };
        let mut advisers = Vec::with_capacity(detail.adviser_recipients.len() + 1);
        for r in &detail.adviser_recipients {
            let r = parse(r)?;
            if !advisers
                .iter()
                .any(|a: &x25519::Recipient| a.to_string() == r.to_string())
            {
                advisers.push(r);
            }
        }
        if !advisers.iter().any(|a| a.to_string() == own.to_string()) {
            advisers.push(own.clone());
        }
        let reporter = match author {
            Author::Note => None,
            _ => Some(parse(&detail.reporter_recipient)?),
        };
        Ok(Readers { reporter, advisers })
    }

    /// The recipients in age's order: the reporter first (intake::recipients_for says why).
    fn list(&self) -> Vec<&dyn age::Recipient> {
        match &self.reporter {
            Some(reporter) => crate::intake::recipients_for(reporter, &self.advisers),
            None => self
                .advisers
                .iter()
                .map(|a| a as &dyn age::Recipient)
                .collect(),
        }
    }
}

/// A report id as typed; checked before any request, so a typo costs no sign-in.
pub fn parse_id(id: &str) -> Result<ReportId, Error> {
    ReportId::parse(id.trim()).ok_or_else(|| Error::BadId(id.to_owned()))
}

/// A short English label for a category, for the adviser's screens and exports.
pub fn category_label(c: Category) -> &'static str {
    match c {
        Category::Bullying => "Bullying",
        Category::Threat => "Threat",
        Category::FightFilmed => "Fight filmed",
        Category::ImagesShared => "Nude images shared",
        Category::Sextortion => "Sextortion",
        Category::Reputation => "Reputation, fake accounts",
        Category::HackedAccount => "Hacked account",
        Category::Discrimination => "Discrimination",
        Category::AdultContact => "Adult crossing a line",
        Category::Other => "Other",
    }
}

/// The answer to "is someone in danger right now?", in words.
pub fn danger_label(d: Option<DangerNow>) -> &'static str {
    match d {
        Some(DangerNow::Yes) => "Yes",
        Some(DangerNow::Unsure) => "Not sure",
        Some(DangerNow::No) => "No",
        None => "Not answered",
    }
}

fn display<T: std::fmt::Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn status<S: Serializer>(v: &Status, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

fn author<S: Serializer>(v: &Author, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(reporter: &x25519::Identity, advisers: &[&x25519::Identity]) -> ReportDetail {
        ReportDetail {
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::New,
            reporter_recipient: reporter.to_public().to_string(),
            adviser_recipients: advisers.iter().map(|a| a.to_public().to_string()).collect(),
            ciphertext: Vec::new(),
            messages: Vec::new(),
        }
    }

    #[test]
    fn a_reply_reaches_pupil_and_advisers_a_note_only_advisers() {
        let pupil = x25519::Identity::generate();
        let me = x25519::Identity::generate();
        let colleague = x25519::Identity::generate();
        let d = detail(&pupil, &[&me, &colleague]);

        let reply = Readers::of(&d, &me.to_public(), Author::Adviser).unwrap();
        assert_eq!(reply.advisers.len(), 2, "no duplicate of my own key");
        let ct = crypto::encrypt(&reply.list(), b"reply").unwrap();
        for who in [&pupil, &me, &colleague] {
            assert_eq!(&crypto::decrypt(who, &ct).unwrap()[..], b"reply");
        }

        let note = Readers::of(&d, &me.to_public(), Author::Note).unwrap();
        assert!(note.reporter.is_none());
        let ct = crypto::encrypt(&note.list(), b"note").unwrap();
        assert!(
            crypto::decrypt(&pupil, &ct).is_err(),
            "the pupil never reads a note"
        );
        assert!(crypto::decrypt(&colleague, &ct).is_ok());
    }

    #[test]
    fn the_writer_can_always_read_what_they_wrote() {
        let pupil = x25519::Identity::generate();
        let me = x25519::Identity::generate();
        let d = detail(&pupil, &[]);
        let note = Readers::of(&d, &me.to_public(), Author::Note).unwrap();
        let ct = crypto::encrypt(&note.list(), b"x").unwrap();
        assert!(crypto::decrypt(&me, &ct).is_ok());
    }

    #[test]
    fn a_garbled_recipient_sends_nothing() {
        let pupil = x25519::Identity::generate();
        let me = x25519::Identity::generate();
        let mut d = detail(&pupil, &[&me]);
        d.adviser_recipients.push("age1nonsense".into());
        assert!(matches!(
            Readers::of(&d, &me.to_public(), Author::Adviser),
            Err(Error::BadRecipient { .. })
        ));
    }

    #[test]
    fn a_workstation_can_be_shared_between_threads() {
        // A browser UI serves requests from several threads over one signed-in workstation.
        fn shareable<T: Send + Sync>() {}
        shareable::<Workstation>();
    }

    #[test]
    fn ids_are_checked_before_any_request() {
        assert!(parse_id(" 0123456789abcdef ").is_ok());
        for bad in ["../../etc", "0123456789ABCDEF", "123", ""] {
            let e = parse_id(bad).err().unwrap();
            assert!(e.to_string().contains("is not a report id"), "{e}");
        }
    }
}
