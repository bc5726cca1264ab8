//! Accepting a report: seal it for the school's advisers and the pupil, commit it durably, and
//! only then hand back the pickup code.

use std::sync::Arc;

use age::x25519;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

use crate::code::PickupCode;
use crate::config::School;
use crate::crypto;
use crate::evidence::{self, CleanImage, ImageLimits, ImageProblem};
use crate::i18n::Lang;
use crate::keys::{KeyVersion, Keys};
use crate::report::{AttachmentInfo, ReportDocument, ValidReport};
use crate::store::{NewReport, ReportId, Store, StoreError};

/// The hidden random token a report form carries (DESIGN.md "Idempotent submissions"): 128
/// bits made when the form is rendered, never stored. The report's pickup code is derived from
/// it, so the same form sent twice stands for the same report. Deliberately without `Debug`.
pub struct SubmissionToken(Zeroizing<[u8; 16]>);

impl SubmissionToken {
    /// Hex digits in the form field.
    pub const HEX_LEN: usize = 32;

    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 16]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes[..]);
        SubmissionToken(bytes)
    }

    /// The token from the form field; `None` for anything but 32 hex digits (a client that
    /// sent none gets a random code and no protection against sending twice).
    pub fn parse(field: &str) -> Option<Self> {
        let field = field.trim().as_bytes();
        if field.len() != Self::HEX_LEN {
            return None;
        }
        let mut bytes = Zeroizing::new([0u8; 16]);
        for (i, pair) in field.chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16);
            bytes[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
        }
        Some(SubmissionToken(bytes))
    }

    /// The value for the form's hidden field.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The pickup code of the report this form makes.
    pub fn code(&self, keys: &Keys) -> PickupCode {
        keys.submission_code(&self.0[..])
    }
}

/// What a submission's code already stands for.
pub enum Earlier {
    /// Nothing yet: store the report.
    Nothing,
    /// This very report, already stored: show its confirmation again, store nothing.
    Same,
    /// A different report under this code (Back, an edit, send again): store nothing, and give
    /// the pupil the form back with their text and a fresh token.
    Different,
}

/// Looks up the report a submission's code stands for and compares it, in memory, with what
/// was sent now.
pub async fn earlier(
    store: &Store,
    keys: &Keys,
    code: &PickupCode,
    report: &ValidReport,
) -> Result<Earlier, StoreError> {
    let Some(thread) = crate::conversation::locate(store, keys, code).await? else {
        return Ok(Earlier::Nothing);
    };
    Ok(match thread.document().await {
        Some(doc) if doc.same_report(report) => Earlier::Same,
        _ => Earlier::Different,
    })
}

/// What the pupil gets back: their code, shown once.
pub struct Receipt {
    pub code: PickupCode,
    pub id: ReportId,
}

/// Why a report could not be accepted. No variant carries report content.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("encryption failed: {0}")]
    Encrypt(#[from] crypto::EncryptFailed),
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    #[error("sealing task failed: {0}")]
    Join(String),
}

impl IntakeError {
    /// True when a report with this code was stored meanwhile (a double tap): see `earlier`.
    pub fn is_duplicate(&self) -> bool {
        matches!(self, IntakeError::Store(StoreError::DuplicateCode))
    }
}

impl IntakeError {
    /// True when the server is only overloaded and trying again soon will likely work.
    pub fn is_busy(&self) -> bool {
        matches!(self, IntakeError::Store(StoreError::Busy))
    }
}

/// Seals and stores one report with its cleaned evidence images under `code` (from the form's
/// submission token, or fresh). The code is never written anywhere, and the caller shows it
/// only because this returned `Ok` after the commit (report and images in one transaction).
pub async fn accept(
    store: &Store,
    keys: &Keys,
    school: &School,
    report: ValidReport,
    lang: Lang,
    images: Cleaned,
    code: PickupCode,
) -> Result<Receipt, IntakeError> {
    let received_on = crate::date::today();
    let code_hash = keys.lookup_hash(&code);
    let reporter = keys.reporter_identity(&code, KeyVersion::V2).to_public();
    let slug = school.slug.clone();
    // The advisers and the recovery key: everyone besides the pupil who reads the school's files.
    let advisers = school.sealing_recipients();
    let sealed_for = Some(school.fingerprint());
    let reporter_recipient = reporter.to_string();
    let day = received_on.clone();
    // Serializing and encrypting ~16 KiB costs a fraction of a millisecond, but it is CPU work
    // and stays off the async workers (images cost more).
    let (ciphertext, attachments) = tokio::task::spawn_blocking(move || {
        let recipients = recipients_for(&reporter, &advisers);
        let (infos, attachments) = seal_images(images, &recipients)?;
        let document = ReportDocument::new(&slug, report, lang, day, infos);
        let padded = crypto::pad_json(document.to_json());
        Ok::<_, crypto::EncryptFailed>((crypto::encrypt(&recipients, &padded)?, attachments))
    })
    .await
    .map_err(|e| IntakeError::Join(e.to_string()))??;
    let id = store
        .insert_report(NewReport {
            school: school.slug.clone(),
            received_on,
            code_hash,
            reporter_recipient,
            ciphertext,
            attachments,
            sealed_for,
        })
        .await?;
    Ok(Receipt { code, id })
}

/// Serializes, pads and encrypts a report document to the advisers (with any recovery key) and
/// the reporter.
pub fn seal(
    document: &ReportDocument,
    advisers: &[x25519::Recipient],
    reporter: &x25519::Recipient,
) -> Result<Vec<u8>, crypto::EncryptFailed> {
    let padded = crypto::pad_json(document.to_json());
    crypto::encrypt(&recipients_for(reporter, advisers), &padded)
}

/// Pads and encrypts each cleaned image to `recipients`, one age file per image, and says what
/// the sealed document should list about each.
pub fn seal_images(
    cleaned: Cleaned,
    recipients: &[&dyn age::Recipient],
) -> Result<(Vec<AttachmentInfo>, Vec<Vec<u8>>), crypto::EncryptFailed> {
    let Cleaned { images, held } = cleaned;
    let mut infos = Vec::with_capacity(images.len());
    let mut sealed = Vec::with_capacity(images.len());
    // The upload memory is given back once the images are sealed (end of this function).
    let _held = held;
    for image in images {
        infos.push(AttachmentInfo::of(&image));
        let padded = Zeroizing::new(evidence::pad(image.bytes));
        sealed.push(crypto::encrypt(recipients, &padded)?);
    }
    Ok((infos, sealed))
}

/// An evidence file as it arrived: a name to show back to the pupil (never stored) and its
/// bytes, wiped from memory when dropped.
pub struct Upload {
    pub name: String,
    pub bytes: Zeroizing<Vec<u8>>,
}

/// One file that could not be taken, by the name the pupil knows it by.
#[derive(Clone, PartialEq, Eq)]
pub struct FileRefused {
    pub file: String,
    pub why: FileProblem,
}

impl std::fmt::Debug for FileRefused {
    /// Without the file name: it is the pupil's, and a debug line must never carry it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRefused")
            .field("why", &self.why)
            .finish_non_exhaustive()
    }
}

/// Why a file could not be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileProblem {
    /// Not an image we take, too big, a decompression bomb, or damaged.
    Image(ImageProblem),
    /// More files than a report or message may carry.
    TooMany { max: usize },
    /// This kind of report never takes images (a nude image of a minor must not be sent).
    NotAllowed,
    /// The server holds as many uploads in memory as it may.
    Busy,
}

/// Memory all uploads together may hold while they arrive and are cleaned, counted as their
/// bytes come in. A client has to send (and keep sending, see `server::TimedBody`) whatever it
/// wants held, and past this budget further files are refused as "busy" with the text kept.
pub const UPLOAD_MEMORY: usize = 256 * 1024 * 1024;

/// The unit the upload budget is counted in.
const KIB: usize = 1024;

/// Upload memory held for one submission: its part of the server's budget, and of its source's
/// share (`ratelimit::UPLOAD_MEMORY_PER_SOURCE`). It travels with the files into the blocking
/// tasks that clean and seal them, so it is released only when that work is done, even when the
/// client has gone away.
#[derive(Default)]
pub struct Held(Option<OwnedSemaphorePermit>, crate::ratelimit::Claim);

impl Held {
    /// The source's share of upload memory, counted by the limiter and released with the rest.
    pub fn source_share(&mut self) -> &mut crate::ratelimit::Claim {
        &mut self.1
    }
}

/// A submission's cleaned images, still holding the submission's upload memory.
#[derive(Default)]
pub struct Cleaned {
    pub images: Vec<CleanImage>,
    held: Held,
}

/// The image workshop: the upload memory budget, and the decoders, one per core, off the
/// async runtime.
pub struct ImageWork {
    limits: ImageLimits,
    memory: Arc<Semaphore>,
    decoders: Arc<Semaphore>,
}

impl ImageWork {
    pub fn new(file_bytes: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        ImageWork {
            limits: ImageLimits {
                file_bytes,
                ..ImageLimits::default()
            },
            memory: Arc::new(Semaphore::new(UPLOAD_MEMORY / KIB)),
            decoders: Arc::new(Semaphore::new(cores)),
        }
    }

    pub fn file_bytes(&self) -> usize {
        self.limits.file_bytes
    }

    /// Counts `bytes` more of upload memory for `held`; false when the budget is spent.
    pub fn reserve(&self, held: &mut Held, bytes: usize) -> bool {
        let Ok(n) = u32::try_from(bytes.div_ceil(KIB)) else {
            return false;
        };
        if n == 0 {
            return true;
        }
        match self.memory.clone().try_acquire_many_owned(n) {
            Ok(permit) => {
                match &mut held.0 {
                    Some(all) => all.merge(permit),
                    None => held.0 = Some(permit),
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Cleans every file (decode under limits, turn upright, re-encode without metadata), one
    /// decoder per core. Either every image, or every file that was refused and why. The
    /// decoder and the upload memory stay taken until the work is done, even if the request
    /// is dropped halfway.
    pub async fn clean(&self, files: Vec<Upload>, held: Held) -> Result<Cleaned, Vec<FileRefused>> {
        if files.is_empty() {
            return Ok(Cleaned {
                images: Vec::new(),
                held,
            });
        }
        let decoder = self
            .decoders
            .clone()
            .acquire_owned()
            .await
            .expect("the decoder semaphore is never closed");
        let limits = self.limits;
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        let outcome = tokio::task::spawn_blocking(move || {
            let _decoder = decoder;
            let mut images = Vec::with_capacity(files.len());
            let mut refused = Vec::new();
            for file in files {
                match evidence::clean(&file.bytes, &limits) {
                    Ok(image) => images.push(image),
                    Err(problem) => refused.push(FileRefused {
                        file: file.name.clone(),
                        why: FileProblem::Image(problem),
                    }),
                }
            }
            if refused.is_empty() {
                Ok(Cleaned { images, held })
            } else {
                Err(refused)
            }
        })
        .await;
        outcome.unwrap_or_else(|_| {
            // The panic message is left out: it could quote what it was working on.
            tracing::error!("an image decoder task panicked");
            Err(names
                .into_iter()
                .map(|file| FileRefused {
                    file,
                    why: FileProblem::Image(ImageProblem::Unreadable),
                })
                .collect())
        })
    }
}

/// Everyone a report or message is sealed for. The reporter comes first: an age identity tries
/// the stanzas in order, one X25519 operation each, so the server-side check of a pickup code
/// (on the hot path) pays for one stanza, not one per adviser. Advisers decrypt on their own
/// computers, where one extra attempt costs nothing that matters.
pub fn recipients_for<'a>(
    reporter: &'a x25519::Recipient,
    advisers: &'a [x25519::Recipient],
) -> Vec<&'a dyn age::Recipient> {
    std::iter::once(reporter as &dyn age::Recipient)
        .chain(advisers.iter().map(|r| r as &dyn age::Recipient))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn upload_memory_is_held_until_the_cleaned_images_are_sealed() {
        let work = ImageWork::new(1024);
        let mut held = Held::default();
        assert!(work.reserve(&mut held, UPLOAD_MEMORY - KIB));
        assert!(work.reserve(&mut held, 1), "one more KiB fits");
        assert!(
            !work.reserve(&mut Held::default(), 1),
            "the budget is spent"
        );
        assert!(
            work.reserve(&mut Held::default(), 0),
            "nothing costs nothing"
        );
        // Cleaning takes the memory along and keeps it until the images are sealed.
        let cleaned = work.clean(Vec::new(), held).await.ok().unwrap();
        assert!(!work.reserve(&mut Held::default(), 1));
        let reporter = age::x25519::Identity::generate().to_public();
        let (infos, sealed) = seal_images(cleaned, &recipients_for(&reporter, &[])).unwrap();
        assert!(infos.is_empty() && sealed.is_empty());
        assert!(
            work.reserve(&mut Held::default(), UPLOAD_MEMORY),
            "all given back"
        );
    }

    #[test]
    fn a_refused_file_never_shows_its_name_in_debug_output() {
        let refused = FileRefused {
            file: "IMG_20261121_143055.jpg".into(),
            why: FileProblem::Busy,
        };
        let shown = format!("{refused:?}");
        assert!(shown.contains("Busy") && !shown.contains("IMG_"), "{shown}");
    }
}
