//! The pupil's side of a conversation: open it with the pickup code, read it, write more.
//!
//! Every message is a small JSON document (`MessageDocument`), padded and age-encrypted to the
//! school's advisers and the reporter. Advisers' clients write the same format (docs/api.md).

use age::x25519;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::code::PickupCode;
use crate::config::Config;
use crate::crypto;
use crate::intake::Cleaned;
use crate::keys::Keys;
use crate::report::{AttachmentInfo, ReportDocument, clean_text};
use crate::store::{Author, NewMessage, ReportId, Status, Store, StoreError, StoredReport};

/// Most characters in one follow-up message.
pub const MESSAGE_MAX: usize = 20_000;

/// A message in the thread, as sealed.
#[derive(Serialize, Deserialize)]
pub struct MessageDocument {
    pub version: u32,
    pub text: String,
    /// The evidence images sealed with this message, in the order of their numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentInfo>,
}

impl MessageDocument {
    pub fn new(text: String) -> Self {
        MessageDocument {
            version: 1,
            text,
            attachments: Vec::new(),
        }
    }

    /// Reads a decrypted message; a client that sent plain UTF-8 text instead of the JSON
    /// document is still shown.
    pub fn from_plaintext(plain: &[u8]) -> Option<MessageDocument> {
        serde_json::from_slice(plain).ok().or_else(|| {
            std::str::from_utf8(plain)
                .ok()
                .map(|t| MessageDocument::new(t.trim_end().to_owned()))
        })
    }
}

/// What the pupil sees after entering their code.
pub struct Conversation {
    pub id: ReportId,
    /// The school's slug: its retention is what the pupil is told.
    pub school: String,
    pub status: Status,
    pub received_on: String,
    pub report: ReportDocument,
    pub messages: Vec<ShownMessage>,
}

/// One message as the pupil sees it. `text` is `None` when it could not be opened with the
/// pupil's key (an adviser client that forgot the reporter recipient).
pub struct ShownMessage {
    pub from_pupil: bool,
    pub sent_on: String,
    pub text: Option<String>,
    /// How many evidence images came with it.
    pub attachments: usize,
}

/// Why a follow-up was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    #[error("encryption failed: {0}")]
    Encrypt(#[from] crypto::EncryptFailed),
    #[error("the report could not be decrypted with the key derived from its code")]
    Undecryptable,
    #[error("a blocking task failed: {0}")]
    Join(String),
}

impl ConversationError {
    pub fn is_busy(&self) -> bool {
        matches!(self, ConversationError::Store(StoreError::Busy))
    }
}

/// Why a follow-up message cannot be sent as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageProblem {
    Empty,
    TooLong { chars: usize, max: usize },
}

/// Cleans and checks a follow-up message.
pub fn validate_message(text: &str) -> Result<String, MessageProblem> {
    let text = clean_text(text);
    let chars = text.chars().count();
    if chars == 0 {
        Err(MessageProblem::Empty)
    } else if chars > MESSAGE_MAX {
        Err(MessageProblem::TooLong {
            chars,
            max: MESSAGE_MAX,
        })
    } else {
        Ok(text)
    }
}

/// A report found by its pickup code, with the pupil's key: what every pupil action starts from.
pub struct Thread {
    report: StoredReport,
    identity: x25519::Identity,
}

impl Thread {
    pub fn id(&self) -> &ReportId {
        &self.report.id
    }

    /// The slug of the school the report went to.
    pub fn school(&self) -> &str {
        &self.report.school
    }

    /// The sealed report, opened with the pupil's key in memory; `None` if it cannot be read.
    pub async fn document(&self) -> Option<ReportDocument> {
        let identity = self.identity.clone();
        let ciphertext = self.report.ciphertext.clone();
        tokio::task::spawn_blocking(move || {
            crypto::decrypt(&identity, &ciphertext)
                .ok()
                .and_then(|plain| serde_json::from_slice::<ReportDocument>(&plain).ok())
        })
        .await
        .ok()
        .flatten()
    }

    /// True when this kind of report never takes images. The category is sealed, so this
    /// decrypts the report; one that cannot be read counts as "never".
    pub async fn forbids_upload(&self) -> bool {
        self.document()
            .await
            .is_none_or(|doc| doc.category.forbids_upload())
    }

    /// True when the newest message of the thread is the pupil's and says `text` with as many
    /// images: the same follow-up sent again (a refresh, Back and send, a double tap), which
    /// must not be stored twice (DESIGN.md "Idempotent submissions").
    pub async fn repeats_last(
        &self,
        store: &Store,
        text: &str,
        images: usize,
    ) -> Result<bool, ConversationError> {
        let messages = store.messages(self.report.id.clone()).await?;
        let Some(last) = messages.into_iter().next_back() else {
            return Ok(false);
        };
        if last.author != Author::Pupil {
            return Ok(false);
        }
        let identity = self.identity.clone();
        let text = Zeroizing::new(text.to_owned());
        tokio::task::spawn_blocking(move || {
            crypto::decrypt(&identity, &last.ciphertext)
                .ok()
                .and_then(|plain| MessageDocument::from_plaintext(&plain))
                .is_some_and(|doc| doc.text == *text && doc.attachments.len() == images)
        })
        .await
        .map_err(|e| ConversationError::Join(e.to_string()))
    }

    /// True when the pupil's key really decrypts the report: "your code works" is never a guess.
    pub async fn opens(self) -> Result<bool, ConversationError> {
        tokio::task::spawn_blocking(move || {
            crypto::decrypt(&self.identity, &self.report.ciphertext).is_ok()
        })
        .await
        .map_err(|e| ConversationError::Join(e.to_string()))
    }
}

/// The report this code opens, if any: found by the code's keyed hash and checked against the
/// recipient derived from it. An unknown code and a removed report look the same: `None`.
pub async fn locate(
    store: &Store,
    keys: &Keys,
    code: &PickupCode,
) -> Result<Option<Thread>, StoreError> {
    let Some((report, version)) = store.report_by_code(keys.lookup_hashes(code)).await? else {
        return Ok(None);
    };
    let identity = keys.reporter_identity(code, version);
    if identity.to_public().to_string() != report.reporter_recipient {
        return Ok(None);
    }
    Ok(Some(Thread { report, identity }))
}

/// The conversation of a pickup code, if it opens one.
pub async fn open(
    store: &Store,
    keys: &Keys,
    code: &PickupCode,
) -> Result<Option<Conversation>, ConversationError> {
    match locate(store, keys, code).await? {
        Some(thread) => Ok(Some(read(store, thread).await?)),
        None => Ok(None),
    }
}

/// Reads a thread: the report and every message the pupil may see (not the advisers' notes),
/// decrypted in memory only.
pub async fn read(store: &Store, thread: Thread) -> Result<Conversation, ConversationError> {
    let messages = store.messages(thread.report.id.clone()).await?;
    tokio::task::spawn_blocking(move || {
        let Thread { report, identity } = thread;
        let plain = crypto::decrypt(&identity, &report.ciphertext)
            .map_err(|_| ConversationError::Undecryptable)?;
        let document: ReportDocument =
            serde_json::from_slice(&plain).map_err(|_| ConversationError::Undecryptable)?;
        let messages = messages
            .into_iter()
            .filter(|m| m.author != Author::Note)
            .map(|m| {
                let doc = crypto::decrypt(&identity, &m.ciphertext)
                    .ok()
                    .and_then(|p| MessageDocument::from_plaintext(&p));
                ShownMessage {
                    from_pupil: m.author == Author::Pupil,
                    attachments: doc.as_ref().map_or(0, |d| d.attachments.len()),
                    text: doc.map(|d| d.text),
                    sent_on: m.sent_on,
                }
            })
            .collect();
        Ok(Conversation {
            id: report.id,
            school: report.school,
            status: report.status,
            received_on: report.received_on,
            report: document,
            messages,
        })
    })
    .await
    .map_err(|e| ConversationError::Join(e.to_string()))?
}

/// Adds a pupil's follow-up, with its cleaned evidence images, to a thread: sealed for the
/// school's advisers and the pupil, stored durably in one transaction. `Ok(false)` when the
/// report is gone or its school no longer configured.
pub async fn add_pupil_message(
    store: &Store,
    config: &Config,
    thread: &mut Thread,
    text: String,
    images: Cleaned,
) -> Result<bool, ConversationError> {
    let Some(school) = config.school(&thread.report.school) else {
        // A school removed from the config: nobody could read a message to it.
        return Ok(false);
    };
    // The advisers and the recovery key: everyone besides the pupil who reads the school's files.
    let advisers = school.sealing_recipients();
    let sealed_for = Some(school.fingerprint());
    let reporter = thread.identity.to_public();
    let (ciphertext, attachments) = tokio::task::spawn_blocking(move || {
        let recipients = crate::intake::recipients_for(&reporter, &advisers);
        let (infos, attachments) = crate::intake::seal_images(images, &recipients)?;
        let mut document = MessageDocument::new(text);
        document.attachments = infos;
        let padded = crypto::pad_json(serde_json::to_vec(&document).expect("a message serializes"));
        Ok::<_, crypto::EncryptFailed>((crypto::encrypt(&recipients, &padded)?, attachments))
    })
    .await
    .map_err(|e| ConversationError::Join(e.to_string()))??;
    let stored = store
        .insert_message(NewMessage {
            report: thread.report.id.clone(),
            author: Author::Pupil,
            sent_on: crate::date::today(),
            ciphertext,
            attachments,
            sealed_for,
        })
        .await?;
    if stored.is_some() && thread.report.status == Status::Closed {
        // The store reopened it; keep what the pupil is shown next in step.
        thread.report.status = Status::Open;
    }
    Ok(stored.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_checked_like_reports() {
        assert_eq!(validate_message("  \r\n "), Err(MessageProblem::Empty));
        assert_eq!(validate_message(" hoi\r\n").unwrap(), "hoi");
        assert!(matches!(
            validate_message(&"x".repeat(MESSAGE_MAX + 1)),
            Err(MessageProblem::TooLong { .. })
        ));
    }

    #[test]
    fn plain_text_messages_are_read_too() {
        let doc = MessageDocument::from_plaintext(b"{\"version\":1,\"text\":\"hoi\"}   ").unwrap();
        assert_eq!(doc.text, "hoi");
        assert_eq!(
            MessageDocument::from_plaintext(b"gewoon tekst\n")
                .unwrap()
                .text,
            "gewoon tekst"
        );
    }
}
