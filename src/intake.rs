//! Accepting a report: seal it for the school's advisers and the pupil, commit it durably, and
//! only then hand back the pickup code.

use std::sync::Arc;

use age::x25519;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use zeroize::Zeroizing;

use crate::code::PickupCode;
use crate::config::School;
use crate::crypto::{self, ServerSecret};
use crate::evidence::{self, CleanImage, ImageLimits, ImageProblem};
use crate::i18n::Lang;
use crate::report::{AttachmentInfo, ReportDocument, ValidReport};
use crate::store::{NewReport, ReportId, Store, StoreError};

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
    /// True when the server is only overloaded and trying again soon will likely work.
    pub fn is_busy(&self) -> bool {
        matches!(self, IntakeError::Store(StoreError::Busy))
    }
}

/// Seals and stores one report with its cleaned evidence images. The code exists only in this
/// call's result: it is never written anywhere, and the caller shows it only because this
/// returned `Ok` after the commit (report and images in one transaction).
pub async fn accept(
    store: &Store,
    secret: &ServerSecret,
    school: &School,
    report: ValidReport,
    lang: Lang,
    images: Vec<CleanImage>,
) -> Result<Receipt, IntakeError> {
    let received_on = crate::date::today();
    let code = PickupCode::generate();
    let code_hash = secret.code_hash(&code);
    let reporter = secret.reporter_identity(&code).to_public();
    let slug = school.slug.clone();
    let advisers = school.advisers.clone();
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
        })
        .await?;
    Ok(Receipt { code, id })
}

/// Serializes, pads and encrypts a report document to the advisers and the reporter.
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
    images: Vec<CleanImage>,
    recipients: &[&dyn age::Recipient],
) -> Result<(Vec<AttachmentInfo>, Vec<Vec<u8>>), crypto::EncryptFailed> {
    let mut infos = Vec::with_capacity(images.len());
    let mut sealed = Vec::with_capacity(images.len());
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRefused {
    pub file: String,
    pub why: FileProblem,
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
    /// The server is handling as many uploads as it can hold in memory.
    Busy,
}

/// How many uploads may be held in memory at once. Each holds at most `FILES_MAX` files of
/// the configured size.
pub const UPLOADS_AT_ONCE: usize = 4;

/// The image workshop: who may hold an upload in memory, and the decoders, one per core, off
/// the async runtime.
pub struct ImageWork {
    limits: ImageLimits,
    uploads: Arc<Semaphore>,
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
            uploads: Arc::new(Semaphore::new(UPLOADS_AT_ONCE)),
            decoders: Arc::new(Semaphore::new(cores)),
        }
    }

    pub fn file_bytes(&self) -> usize {
        self.limits.file_bytes
    }

    /// A place to hold one upload's files in memory, or `None` while all are taken.
    pub fn upload_slot(&self) -> Option<OwnedSemaphorePermit> {
        self.uploads.clone().try_acquire_owned().ok()
    }

    /// Cleans every file (decode under limits, turn upright, re-encode without metadata), one
    /// decoder per core. Either every image, or every file that was refused and why.
    pub async fn clean(&self, files: Vec<Upload>) -> Result<Vec<CleanImage>, Vec<FileRefused>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let busy = |files: &[Upload]| {
            files
                .iter()
                .map(|f| FileRefused {
                    file: f.name.clone(),
                    why: FileProblem::Busy,
                })
                .collect::<Vec<_>>()
        };
        let Ok(_decoder) = self.decoders.clone().acquire_owned().await else {
            return Err(busy(&files));
        };
        let limits = self.limits;
        let names: Vec<String> = files.iter().map(|f| f.name.clone()).collect();
        let outcome = tokio::task::spawn_blocking(move || {
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
                Ok(images)
            } else {
                Err(refused)
            }
        })
        .await;
        outcome.unwrap_or_else(|e| {
            tracing::error!(error = %e, "an image decoder task failed");
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
