//! The adviser workstation's engine: sign in, list, read, open evidence images, reply, note,
//! set status. Plain structs in and out, no printing, so the command line and a browser UI share
//! it; the export (export.rs) and the reseal (reseal.rs) build on it.
//!
//! Everything is decrypted in memory on the adviser's computer and everything the adviser
//! writes is encrypted here before it leaves (DESIGN.md, docs/api.md sections 4 and 5).
//! Evidence images are fetched when asked for and never cached, not even as ciphertext: an
//! image may turn out to be one nobody should keep (a nude image of a minor), and a copy that
//! sits next to the key that opens it is a copy kept.

use std::collections::HashSet;
use std::path::Path;

use age::x25519;
use serde::{Serialize, Serializer};
use zeroize::Zeroizing;

use super::cache::{self, Cache, CacheError};
use super::client::{
    AttachmentListing, Client, ClientError, DueListing, ListEntry, ReportDetail, ServerUrl, Team,
};
use super::identity::{AdviserKey, KeyError};
use super::pins::{AdviserChange, AdviserSet};
use crate::conversation::{self, MessageDocument, MessageProblem};
use crate::crypto;
use crate::evidence::MediaType;
use crate::report::{AttachmentInfo, Category, DangerNow, ReportDocument};
use crate::retention::Schedule;
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
    #[error(
        "nothing was sent: {0}. Replies and notes are sealed to every adviser the server lists, \
         so a key added without the school's knowledge could read them. Check with a colleague \
         or your school's IT that this change is real, then accept the new list: \
         --accept-new-advisers on the command line, or the button on the case page in \
         `fluister adviser ui`"
    )]
    AdvisersChanged(AdviserChange),
    #[error(
        "nothing was accepted: the advisers the server lists for school {school} changed again \
         after you were shown them; look at the list now shown and accept that one if it is right"
    )]
    AdvisersChangedAgain { school: String },
    #[error(
        "attachment {n} of report {id} does not open with your key: it was encrypted to the \
         advisers the school had when it arrived; a colleague who was an adviser then can open it"
    )]
    AttachmentLocked { id: String, n: u32 },
    #[error(
        "the server's fingerprint of the advisers of school {school} does not match their list \
         ({detail}); nothing was sealed. Tell your school's IT"
    )]
    TeamMismatch { school: String, detail: String },
    #[error(
        "the advisers of school {school} changed on the server while the reseal ran; what was \
         sealed so far is kept. Run the reseal again (it goes on where this one stopped)"
    )]
    TeamChangedDuringReseal { school: String },
    #[error("{school:?} is not one of your schools here; yours are: {yours}")]
    NotYourSchool { school: String, yours: String },
    #[error(
        "the {item} of report {id} does not open with your key, so it was not sealed again: it \
         was sealed before your key joined the school. Ask a colleague who can open it, or the \
         school board with the recovery key, to run the reseal"
    )]
    ResealLocked { id: String, item: String },
    #[error(
        "the {item} of report {id} is damaged (not a readable age file) and was left as it is; \
         tell your school's IT, a backup may hold an intact copy"
    )]
    ResealDamaged { id: String, item: String },
    #[error(
        "attachment {n} of report {id} is not the image its report says ({why}); nothing of it \
         was shown or written; tell your school's IT"
    )]
    AttachmentDamaged {
        id: String,
        n: u32,
        why: &'static str,
    },
}

/// Which reports the inbox lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboxFilter {
    /// Only reports with this status; `None` for all.
    pub status: Option<Status>,
}

/// Why a sealed report or message did not open on this computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unopened {
    /// It was not sealed to this key: the adviser joined the school after it was written. A
    /// colleague who was an adviser then can read it.
    NotForYourKey,
    /// It is damaged: not a readable age file, or not a document this version can read.
    Damaged,
}

impl Unopened {
    fn of(e: &age::DecryptError) -> Unopened {
        match e {
            age::DecryptError::NoMatchingKeys => Unopened::NotForYourKey,
            _ => Unopened::Damaged,
        }
    }
}

/// The inbox: every case the server listed, and what could not be listed at all.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    /// Most recent activity first. A case that does not open, or whose conversation could not
    /// be fetched, is here too and says why (`unopened`, `conversation_error`).
    pub cases: Vec<CaseSummary>,
    /// Entries of the server's list that are not readable as a case: named here so that one
    /// broken entry never hides the others.
    pub unlisted: Vec<Unlisted>,
    /// Each school's team now, and how much of it is still sealed for an earlier one.
    pub teams: Vec<TeamView>,
}

/// Someone besides the pupil who can read a school's files: an adviser, or the school board's
/// recovery key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reader {
    pub recipient: String,
    /// The name the school's config gives them.
    pub name: Option<String>,
    /// True for the school board's recovery key.
    pub recovery: bool,
    /// True for this adviser's own key.
    pub you: bool,
}

impl Reader {
    /// A short English label: the name, or the start and end of the key.
    pub fn label(&self) -> String {
        match (&self.name, self.recovery) {
            (_, true) => "the school board's recovery key".to_owned(),
            (Some(name), false) => name.clone(),
            (None, false) => format!("an adviser without a name ({})", short_key(&self.recipient)),
        }
    }
}

/// `age1abcd…wxyz`: enough of a key to tell it from another on a screen.
pub fn short_key(recipient: &str) -> String {
    let chars: Vec<char> = recipient.chars().collect();
    if chars.len() <= 14 {
        return recipient.to_owned();
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A school's team as the server lists it now: who reads its files, the fingerprint of that
/// set, how much is still sealed for an earlier set, and how it differs from the set this
/// computer pinned.
#[derive(Debug, Clone, Serialize)]
pub struct TeamView {
    pub school: String,
    pub readers: Vec<Reader>,
    pub fingerprint: String,
    /// Reports and items not sealed for this team (zero on a case page, where it is not asked).
    pub due: DueListing,
    /// Set when the server's list differs from the one pinned here: nothing is sealed for the
    /// school until the adviser accepts it.
    pub change: Option<AdviserChange>,
}

impl TeamView {
    /// True when a reseal is due for this school.
    pub fn reseal_due(&self) -> bool {
        self.due.items > 0
    }
}

impl Inbox {
    /// True when every case was listed and opened as far as this key allows.
    pub fn all_well(&self) -> bool {
        self.unlisted.is_empty()
            && self
                .cases
                .iter()
                .all(|c| c.unopened != Some(Unopened::Damaged) && c.conversation_error.is_none())
    }
}

/// An entry of the server's list that could not be read as a case.
#[derive(Debug, Clone)]
pub struct Unlisted {
    /// Its report id, when the entry carried a valid one.
    pub id: Option<ReportId>,
    /// What was wrong with it, in the client's words.
    pub detail: String,
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
    /// The language the pupil wrote in (`None` when the report does not open).
    pub lang: Option<crate::i18n::Lang>,
    /// The latest of `received_on` and the date of the newest message.
    pub last_activity: String,
    /// Messages after the report, notes included.
    pub messages: i64,
    /// Evidence images of the report and its messages together.
    pub attachments: u32,
    /// Pupil messages this adviser has not been shown yet (`show` marks them read).
    pub unread: i64,
    /// True while the pupil has waited the school's `reply_within_days` or longer for a reply.
    pub overdue: bool,
    /// The date it became overdue, while it is.
    pub overdue_since: Option<String>,
    /// False when the report did not open: `unopened` says why.
    pub readable: bool,
    /// Why the report did not open (`None` when it did).
    pub unopened: Option<Unopened>,
    /// Set when the case's conversation could not be fetched, so `unread` is not known (0 is
    /// shown): what went wrong. The rest of the line is still right.
    pub conversation_error: Option<String>,
    /// When the server deletes the case (`deletes_on`), or that it is `held`.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// True when part of the case is still sealed for an earlier team of its school (or it is
    /// not known what for): `reseal` seals it for the current one.
    pub reseal_due: bool,
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
    /// The report as the pupil wrote it; `None` when it does not open (`unopened` says why).
    pub report: Option<ReportDocument>,
    /// Why the report did not open.
    pub unopened: Option<Unopened>,
    pub messages: Vec<CaseMessage>,
    /// The evidence images of the report and its messages, by number.
    pub attachments: Vec<CaseAttachment>,
    /// Set when the school's advisers, as the server lists them now, differ from the set this
    /// computer pinned: nothing is sealed for this case until the adviser accepts the change.
    pub advisers_changed: Option<AdviserChange>,
    /// When the server deletes the case (`deletes_on`), or that it is `held`.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// Who besides the pupil reads the school's files now (`None` from a server that does not
    /// say).
    pub team: Option<TeamView>,
    /// True when part of this case is still sealed for an earlier team (or it is not known for
    /// which): the team above cannot all read it until a reseal.
    pub reseal_due: bool,
}

impl Case {
    /// The `seq` of the newest message (0 without messages).
    pub fn last_seq(&self) -> i64 {
        self.messages.iter().map(|m| m.seq).max().unwrap_or(0)
    }

    /// Attachment number `n`, if the case has one.
    pub fn attachment(&self, n: u32) -> Option<&CaseAttachment> {
        self.attachments.iter().find(|a| a.n == n)
    }
}

/// One evidence image of a case: where it came with and what its sealed document says it is.
#[derive(Debug, Clone, Serialize)]
pub struct CaseAttachment {
    /// 1, 2, 3 … across the report and its messages.
    pub n: u32,
    /// The message it came with; `None` for the report itself.
    pub message: Option<i64>,
    /// What the sealed report or message says about it: `None` when that does not open with
    /// this key, or does not describe this image (a server and a document that disagree).
    #[serde(rename = "type")]
    pub media_type: Option<MediaType>,
    /// The image's length before padding.
    pub bytes: Option<usize>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Length of its ciphertext on the server.
    pub size: u64,
}

impl CaseAttachment {
    fn new(
        listing: &AttachmentListing,
        message: Option<i64>,
        info: Option<&AttachmentInfo>,
    ) -> Self {
        CaseAttachment {
            n: listing.n,
            message,
            media_type: info.map(|i| i.media_type),
            bytes: info.map(|i| i.bytes),
            width: info.map(|i| i.width),
            height: info.map(|i| i.height),
            size: listing.size,
        }
    }

    /// What the sealed document says, when it says it.
    pub fn info(&self) -> Option<AttachmentInfo> {
        Some(AttachmentInfo {
            media_type: self.media_type?,
            bytes: self.bytes?,
            width: self.width?,
            height: self.height?,
        })
    }

    /// A file name for it, e.g. `0123456789abcdef-3.jpg`, when its type is known.
    pub fn file_name(&self, id: &ReportId, media_type: MediaType) -> String {
        format!("{id}-{}.{}", self.n, media_type.extension())
    }
}

/// An evidence image, decrypted in memory and cut to its real length.
pub struct OpenedAttachment {
    pub n: u32,
    pub media_type: MediaType,
    /// The image file, exactly: its padding is cut off when the sealed document gave its
    /// length. Zeroized when dropped.
    pub bytes: Zeroizing<Vec<u8>>,
    /// False when the sealed document did not describe it: the type was read from the image's
    /// first bytes and the padding (zero bytes, which viewers ignore) was left on.
    pub described: bool,
}

/// One message of a case.
#[derive(Serialize)]
pub struct CaseMessage {
    pub seq: i64,
    /// `pupil`, `adviser` (a reply the pupil sees) or `note` (advisers only).
    #[serde(serialize_with = "author")]
    pub author: Author,
    pub sent_on: String,
    /// `None` when it does not open (`unopened` says why).
    pub text: Option<String>,
    /// Why it did not open.
    pub unopened: Option<Unopened>,
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
    /// True when it was encrypted to the school board's recovery key too.
    pub recovery: bool,
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

    /// The reports of this adviser's schools, most recent activity first. A case that does
    /// not open, or whose conversation cannot be fetched, is listed with the reason instead of
    /// failing the whole inbox; only a failure that concerns every case (the server gone, the
    /// sign-in refused, the cache unwritable) is an error.
    pub fn inbox(&self, filter: InboxFilter) -> Result<Inbox, Error> {
        let entries = self.call(|c| c.reports(filter.status))?;
        // A whole listing names every case the server still keeps for this adviser: the cache
        // lets go of the rest (deleted by retention). Only when every entry carried its id.
        let listed: Option<HashSet<ReportId>> = filter
            .status
            .is_none()
            .then(|| {
                entries
                    .iter()
                    .map(|e| match e {
                        ListEntry::Report(l) => Some(l.id.clone()),
                        ListEntry::Unreadable { id, .. } => id.clone(),
                    })
                    .collect()
            })
            .flatten();
        if let Some(listed) = &listed {
            self.cache.forget_all_but(listed)?;
        }
        let mut inbox = Inbox::default();
        for entry in entries {
            let l = match entry {
                ListEntry::Report(l) => l,
                ListEntry::Unreadable { id, detail } => {
                    inbox.unlisted.push(Unlisted { id, detail });
                    continue;
                }
            };
            self.keep(self.cache.store_report(&l.id, &l.ciphertext))?;
            let report = self.open_report(&l.ciphertext);
            let seen = self.cache.seen(&l.id);
            // Message numbers run 1..=messages, so only a report with messages past the last
            // one shown, and a pupil message among them, needs its conversation fetched.
            let mut unread = 0;
            let mut conversation_error = None;
            if l.messages > seen && l.last_pupil_message.is_some() {
                match self.call(|c| c.report(&l.id)) {
                    Ok(detail) => {
                        self.cache_conversation(&detail)?;
                        unread = detail
                            .messages
                            .iter()
                            .filter(|m| m.author == Author::Pupil && m.seq > seen)
                            .count() as i64;
                    }
                    Err(e) if concerns_every_case(&e) => return Err(e),
                    Err(e) => conversation_error = Some(e.to_string()),
                }
            }
            inbox.cases.push(CaseSummary {
                reseal_due: l.reseal_due,
                attachments: l.attachments,
                category: report.as_ref().ok().map(|r| r.category),
                danger_now: report.as_ref().ok().and_then(|r| r.danger_now),
                lang: report.as_ref().ok().map(|r| r.lang),
                readable: report.is_ok(),
                unopened: report.as_ref().err().copied(),
                conversation_error,
                id: l.id,
                school: l.school,
                received_on: l.received_on,
                status: l.status,
                last_activity: l.last_activity,
                messages: l.messages,
                unread,
                schedule: l.schedule,
                overdue: l.overdue_since.is_some(),
                overdue_since: l.overdue_since,
            });
        }
        // The server lists in id order (stable while paging); people want activity order.
        inbox.cases.sort_by(|a, b| {
            b.last_activity
                .cmp(&a.last_activity)
                .then_with(|| b.received_on.cmp(&a.received_on))
                .then_with(|| a.id.as_str().cmp(b.id.as_str()))
        });
        for school in &self.schools {
            match self.team(school) {
                Ok(team) => inbox.teams.push(team),
                Err(e) if concerns_every_case(&e) => return Err(e),
                // A server that predates teams, or one school's answer that cannot be read:
                // the inbox stands without it.
                Err(_) => {}
            }
        }
        Ok(inbox)
    }

    /// A school's team now, from `GET schools/{school}/recipients`, checked: the fingerprint
    /// must be the one of the listed recipients, and it is compared with the set pinned here
    /// (pinned now on the school's first use).
    pub fn team(&self, school: &str) -> Result<TeamView, Error> {
        let listed = self.call(|c| c.recipients(school))?;
        let mut view = self.team_view(school, &listed.team)?;
        view.due = listed.due;
        Ok(view)
    }

    /// `team` as a view of this adviser's: the readers by name, checked against its
    /// fingerprint and against the pinned set.
    pub(super) fn team_view(&self, school: &str, team: &Team) -> Result<TeamView, Error> {
        let fingerprint = crate::recipients::fingerprint(&team.recipients);
        if fingerprint != team.fingerprint {
            return Err(Error::TeamMismatch {
                school: school.to_owned(),
                detail: format!("{} given, {fingerprint} computed", team.fingerprint),
            });
        }
        let own = self.key.recipient().to_string();
        let recovery = team.recovery.as_deref().map(crate::recipients::canonical);
        let readers = team
            .recipients
            .iter()
            .map(|r| {
                let recipient = crate::recipients::canonical(r);
                let name = team
                    .advisers
                    .iter()
                    .find(|a| crate::recipients::canonical(&a.recipient) == recipient)
                    .and_then(|a| a.name.clone());
                Reader {
                    recovery: recovery.as_deref() == Some(recipient.as_str()),
                    you: recipient == own,
                    name,
                    recipient,
                }
            })
            .collect();
        let change = self.pin_check(school, &AdviserSet::from_listed(&team.recipients))?;
        Ok(TeamView {
            school: school.to_owned(),
            readers,
            fingerprint,
            due: DueListing::default(),
            change,
        })
    }

    /// One case, report and whole conversation, decrypted. Does not mark it read: call
    /// `mark_read` once the adviser has actually been shown it.
    pub fn case(&self, id: &str) -> Result<Case, Error> {
        let id = parse_id(id)?;
        let detail = self.call(|c| c.report(&id))?;
        self.cache_conversation(&detail)?;
        let advisers_changed = self.check_advisers(&detail)?;
        let report = self.open_report(&detail.ciphertext);
        let mut attachments = described(
            &detail.attachments,
            None,
            report.as_ref().ok().map(|r| &r.attachments[..]),
        );
        let mut messages = Vec::with_capacity(detail.messages.len());
        for m in &detail.messages {
            let doc = self
                .key
                .decrypt(&m.ciphertext)
                .map_err(|e| Unopened::of(&e))
                .and_then(|p| MessageDocument::from_plaintext(&p).ok_or(Unopened::Damaged));
            attachments.extend(described(
                &m.attachments,
                Some(m.seq),
                doc.as_ref().ok().map(|d| &d.attachments[..]),
            ));
            messages.push(CaseMessage {
                seq: m.seq,
                author: m.author,
                sent_on: m.sent_on.clone(),
                unopened: doc.as_ref().err().copied(),
                text: doc.ok().map(|d| d.text),
            });
        }
        attachments.sort_by_key(|a| a.n);
        let team = match &detail.team {
            Some(t) => Some(self.team_view(&detail.school, t)?),
            None => None,
        };
        let reseal_due = team.as_ref().is_some_and(|t| {
            let current = |s: &Option<String>| s.as_deref() == Some(t.fingerprint.as_str());
            !current(&detail.sealed_for)
                || detail.attachments.iter().any(|a| !current(&a.sealed_for))
                || detail.messages.iter().any(|m| {
                    !current(&m.sealed_for) || m.attachments.iter().any(|a| !current(&a.sealed_for))
                })
        });
        Ok(Case {
            team,
            reseal_due,
            unopened: report.as_ref().err().copied(),
            report: report.ok(),
            id: detail.id,
            school: detail.school,
            received_on: detail.received_on,
            status: detail.status,
            messages,
            attachments,
            advisers_changed,
            schedule: detail.schedule,
        })
    }

    /// Fetches evidence image `n` of `case`, decrypts it in memory and cuts off its padding.
    /// The result starts with the signature of the type its sealed document gives, or it is
    /// refused. Nothing of it touches the disk.
    pub fn open_attachment(&self, case: &Case, n: u32) -> Result<OpenedAttachment, Error> {
        let id = &case.id;
        let Some(listed) = case.attachment(n) else {
            return Err(ClientError::AttachmentNotFound {
                id: id.to_string(),
                n,
            }
            .into());
        };
        let ciphertext = self.call(|c| c.attachment(id, n))?;
        let plain = self
            .key
            .decrypt(&ciphertext)
            .map_err(|_| Error::AttachmentLocked {
                id: id.to_string(),
                n,
            })?;
        trimmed(plain, listed.info())
            .map_err(|why| Error::AttachmentDamaged {
                id: id.to_string(),
                n,
                why,
            })
            .map(|(media_type, bytes, described)| OpenedAttachment {
                n,
                media_type,
                bytes,
                described,
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

    /// Accepts the adviser set the server lists now for the school of report `id` and pins it,
    /// after the adviser has checked the change. `seen`, when given, is the fingerprint of the
    /// list the adviser was shown (`AdviserChange::fingerprint`): if the server's list changed
    /// again since, nothing is pinned. Returns the change it accepted, or `None` when the list
    /// was the pinned one (or pinned now on first use).
    pub fn accept_advisers(
        &self,
        id: &str,
        seen: Option<&str>,
    ) -> Result<Option<AdviserChange>, Error> {
        let id = parse_id(id)?;
        let detail = self.call(|c| c.report(&id))?;
        let Some(change) = self.check_advisers(&detail)? else {
            return Ok(None);
        };
        if seen.is_some_and(|fp| fp != change.fingerprint) {
            return Err(Error::AdvisersChangedAgain {
                school: detail.school,
            });
        }
        let current = AdviserSet::from_listed(&detail.adviser_recipients);
        self.cache.pin_advisers(&detail.school, &current)?;
        Ok(Some(change))
    }

    /// Sets a report's status.
    pub fn set_status(&self, id: &str, status: Status) -> Result<(), Error> {
        let id = parse_id(id)?;
        self.call(|c| c.put_status(&id, status))
    }

    /// Puts a case on legal hold (`true`: the server never deletes it) or takes it off;
    /// answers its retention as it is now.
    pub fn set_hold(&self, id: &str, held: bool) -> Result<Schedule, Error> {
        let id = parse_id(id)?;
        self.call(|c| c.put_hold(&id, held))
    }

    fn send(&self, id: &str, text: &str, author: Author) -> Result<Sent, Error> {
        let id = parse_id(id)?;
        let text = conversation::validate_message(text).map_err(|p| match p {
            MessageProblem::Empty => Error::EmptyMessage,
            MessageProblem::TooLong { chars, max } => Error::LongMessage { chars, max },
        })?;
        // Fresh from the server just before sending: who reads this case now, and whether
        // that is still the set of advisers this computer pinned for the school.
        let detail = self.call(|c| c.report(&id))?;
        if let Some(change) = self.check_advisers(&detail)? {
            return Err(Error::AdvisersChanged(change));
        }
        let readers = Readers::of(&detail, self.key.recipient(), author)?;
        let padded = crypto::pad_json(
            serde_json::to_vec(&MessageDocument::new(text)).expect("a message serializes"),
        );
        let ciphertext = crypto::encrypt(&readers.list(), &padded)?;
        // Which set (besides the pupil) it is sealed for, so a reseal knows it is done.
        let sealed_for =
            crate::recipients::fingerprint(readers.advisers.iter().map(ToString::to_string));
        let seq = self.call(|c| c.post_message(&id, author, &ciphertext, &sealed_for))?;
        self.cache.store_message(&id, seq, &ciphertext)?;
        let recovery = detail
            .team
            .as_ref()
            .and_then(|t| t.recovery.as_deref())
            .map(crate::recipients::canonical)
            .is_some_and(|r| readers.advisers.iter().any(|a| a.to_string() == r));
        Ok(Sent {
            seq,
            to_pupil: readers.reporter.is_some(),
            advisers: readers.advisers.len() - usize::from(recovery),
            recovery,
        })
    }

    /// The unlocked key, for the reseal (reseal.rs).
    pub(super) fn key(&self) -> &AdviserKey {
        &self.key
    }

    /// The local cache, for the reseal (reseal.rs).
    pub(super) fn cache(&self) -> &Cache {
        &self.cache
    }

    /// One API call; when the token has expired (or the server restarted), signs in again
    /// once and repeats it. Safe for posts too: the server checks the token before anything.
    pub(super) fn call<T>(
        &self,
        f: impl Fn(&Client) -> Result<T, ClientError>,
    ) -> Result<T, Error> {
        match f(&self.client) {
            Err(ClientError::Unauthorized { .. }) => {
                self.client.sign_in(&self.key)?;
                Ok(f(&self.client)?)
            }
            other => Ok(other?),
        }
    }

    /// Compares the advisers the server lists for the report's school with the set pinned on
    /// this computer; on the school's first use, pins them. `Some` when they differ.
    fn check_advisers(&self, detail: &ReportDetail) -> Result<Option<AdviserChange>, Error> {
        self.pin_check(
            &detail.school,
            &AdviserSet::from_listed(&detail.adviser_recipients),
        )
    }

    /// Compares `current` (what the server lists for `school` now: its advisers and recovery
    /// key) with the set pinned here; on the school's first use, pins it. `Some` when they
    /// differ.
    pub(super) fn pin_check(
        &self,
        school: &str,
        current: &AdviserSet,
    ) -> Result<Option<AdviserChange>, Error> {
        match self.cache.pinned_advisers(school)? {
            Some(pinned) => Ok(current.change_from(&pinned, school)),
            None => {
                self.cache.pin_advisers(school, current)?;
                Ok(None)
            }
        }
    }

    fn open_report(&self, ciphertext: &[u8]) -> Result<ReportDocument, Unopened> {
        let plain = self.key.decrypt(ciphertext).map_err(|e| Unopened::of(&e))?;
        serde_json::from_slice(&plain).map_err(|_| Unopened::Damaged)
    }

    fn cache_conversation(&self, detail: &ReportDetail) -> Result<(), Error> {
        self.keep(self.cache.store_report(&detail.id, &detail.ciphertext))?;
        for m in &detail.messages {
            self.keep(self.cache.store_message(&detail.id, m.seq, &m.ciphertext))?;
        }
        Ok(())
    }

    /// The outcome of caching one item. The cache refuses anything that is not an age file;
    /// such an item is damaged, is shown as damaged, and must not stop the other cases. A
    /// cache that cannot be written at all is still an error.
    fn keep(&self, cached: Result<(), CacheError>) -> Result<(), Error> {
        match cached {
            Err(CacheError::NotAge { .. }) => Ok(()),
            other => Ok(other?),
        }
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

/// Pairs the attachments the server lists for the report or one message with what its sealed
/// document says, the i-th with the i-th. A document that cannot be read, or lists fewer,
/// leaves the rest undescribed rather than guessed.
fn described(
    listed: &[AttachmentListing],
    message: Option<i64>,
    infos: Option<&[AttachmentInfo]>,
) -> Vec<CaseAttachment> {
    let infos = infos.unwrap_or_default();
    listed
        .iter()
        .enumerate()
        .map(|(i, l)| CaseAttachment::new(l, message, infos.get(i)))
        .collect()
}

/// Cuts a decrypted attachment to the length its sealed document gives and checks it is the
/// type the document names. Without a description, the type comes from the first bytes and
/// nothing is cut. Returns the type, the image, and whether it was described.
fn trimmed(
    mut plain: Zeroizing<Vec<u8>>,
    info: Option<AttachmentInfo>,
) -> Result<(MediaType, Zeroizing<Vec<u8>>, bool), &'static str> {
    let Some(info) = info else {
        let media_type = MediaType::sniff(&plain).ok_or("it is neither a PNG nor a JPEG image")?;
        return Ok((media_type, plain, false));
    };
    if plain.len() < info.bytes {
        return Err("it is shorter than the report says");
    }
    plain.truncate(info.bytes);
    match MediaType::sniff(&plain) {
        Some(t) if t == info.media_type => Ok((t, plain, true)),
        Some(_) => Err("it is a different type of image than the report says"),
        None => Err("it is neither a PNG nor a JPEG image"),
    }
}

/// True for a failure that is not about one case but about all of them: the server cannot
/// be reached or refuses the sign-in, the key or the cache is unusable. The inbox stops on
/// these; any other failure is named next to the one case it concerns.
fn concerns_every_case(e: &Error) -> bool {
    match e {
        Error::Client(c) => !matches!(
            c,
            ClientError::NotFound { .. } | ClientError::BadAnswer { .. } | ClientError::Api { .. }
        ),
        Error::Cache(CacheError::NotAge { .. }) => false,
        Error::Key(_) | Error::Cache(_) => true,
        _ => false,
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

/// An evidence image in a few English words, e.g. `photo (JPEG 480×640, 41 KB)`.
pub fn attachment_label(a: &CaseAttachment) -> String {
    match a.info() {
        Some(i) => {
            let (kind, format) = match i.media_type {
                MediaType::Jpeg => ("photo", "JPEG"),
                MediaType::Png => ("image", "PNG"),
            };
            format!(
                "{kind} ({format} {}×{}, {})",
                i.width,
                i.height,
                size_label(i.bytes as u64)
            )
        }
        None => format!(
            "image (not described in its sealed document; {} encrypted)",
            size_label(a.size)
        ),
    }
}

/// Where an evidence image came with: `with the report` or `with message 3`.
pub fn attachment_place(a: &CaseAttachment) -> String {
    match a.message {
        None => "with the report".to_owned(),
        Some(seq) => format!("with message {seq}"),
    }
}

/// A byte count for people: `850 bytes`, `41 KB`, `2.3 MB`.
pub fn size_label(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} KB", bytes.div_ceil(1_000)),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
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
            team: None,
            ciphertext: Vec::new(),
            sealed_for: None,
            attachments: Vec::new(),
            messages: Vec::new(),
            schedule: Default::default(),
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

    fn info(media_type: MediaType, bytes: usize) -> AttachmentInfo {
        AttachmentInfo {
            media_type,
            bytes,
            width: 4,
            height: 3,
        }
    }

    #[test]
    fn an_attachment_is_cut_to_its_length_and_must_be_the_type_it_claims() {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(b"IHDR...IEND");
        let len = png.len();
        let mut padded = png.clone();
        padded.resize(64 * 1024, 0);

        let (t, bytes, described) = trimmed(
            Zeroizing::new(padded.clone()),
            Some(info(MediaType::Png, len)),
        )
        .unwrap();
        assert_eq!((t, &bytes[..], described), (MediaType::Png, &png[..], true));

        // Without a description: sniffed, and the padding stays on.
        let (t, bytes, described) = trimmed(Zeroizing::new(padded.clone()), None).unwrap();
        assert_eq!(
            (t, bytes.len(), described),
            (MediaType::Png, 64 * 1024, false)
        );

        // A PNG that the document calls a JPEG, a length past the end, and no image at all.
        for (plain, info) in [
            (padded.clone(), Some(info(MediaType::Jpeg, len))),
            (padded.clone(), Some(info(MediaType::Png, 64 * 1024 + 1))),
            (
                b"<html>hello</html>".to_vec(),
                Some(info(MediaType::Png, 5)),
            ),
            (vec![0; 100], None),
        ] {
            assert!(trimmed(Zeroizing::new(plain), info).is_err());
        }
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0];
        assert_eq!(
            trimmed(
                Zeroizing::new(jpeg.to_vec()),
                Some(info(MediaType::Jpeg, 6))
            )
            .unwrap()
            .0,
            MediaType::Jpeg
        );
    }

    #[test]
    fn listed_attachments_are_paired_with_their_descriptions_in_order() {
        let listed = [
            AttachmentListing {
                n: 3,
                size: 70_000,
                sealed_for: None,
            },
            AttachmentListing {
                n: 4,
                size: 90_000,
                sealed_for: None,
            },
        ];
        let infos = [info(MediaType::Jpeg, 100)];
        let out = described(&listed, Some(2), Some(&infos));
        assert_eq!(out[0].n, 3);
        assert_eq!(out[0].message, Some(2));
        assert_eq!(out[0].info(), Some(infos[0].clone()));
        assert_eq!(out[1].info(), None, "fewer descriptions than images");
        assert_eq!(out[1].size, 90_000);
        let unreadable = described(&listed, None, None);
        assert!(unreadable.iter().all(|a| a.info().is_none()));
        let id = ReportId::parse("0123456789abcdef").unwrap();
        assert_eq!(
            out[0].file_name(&id, MediaType::Jpeg),
            "0123456789abcdef-3.jpg"
        );
    }

    #[test]
    fn attachments_are_named_for_people() {
        let listing = AttachmentListing {
            n: 1,
            size: 70_123,
            sealed_for: None,
        };
        let photo = CaseAttachment::new(&listing, None, Some(&info(MediaType::Jpeg, 41_200)));
        assert_eq!(attachment_label(&photo), "photo (JPEG 4×3, 42 KB)");
        assert_eq!(attachment_place(&photo), "with the report");
        let unknown = CaseAttachment::new(&listing, Some(3), None);
        assert!(attachment_label(&unknown).contains("not described"));
        assert_eq!(attachment_place(&unknown), "with message 3");
        assert_eq!(size_label(999), "999 bytes");
        assert_eq!(size_label(2_345_678), "2.3 MB");
    }

    #[test]
    fn only_failures_that_concern_every_case_stop_the_inbox() {
        let server = || "http://127.0.0.1:1".to_owned();
        let one_case = [
            Error::Client(ClientError::NotFound { id: "x".into() }),
            Error::Client(ClientError::BadAnswer {
                server: server(),
                detail: "a message that is not base64".into(),
            }),
            Error::Client(ClientError::Api {
                server: server(),
                status: 500,
                code: "internal".into(),
                message: "try again later".into(),
            }),
            Error::Cache(CacheError::NotAge { what: "x".into() }),
        ];
        for e in &one_case {
            assert!(!concerns_every_case(e), "{e}");
        }
        let every_case = [
            Error::Client(ClientError::Unreachable {
                server: server(),
                detail: "connection refused".into(),
            }),
            Error::Client(ClientError::Unauthorized { server: server() }),
            Error::Cache(CacheError::NoHome),
        ];
        for e in &every_case {
            assert!(concerns_every_case(e), "{e}");
        }
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
