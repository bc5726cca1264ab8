//! Accepting a report: seal it for the school's advisers and the pupil, commit it durably, and
//! only then hand back the pickup code.

use age::x25519;

use crate::code::PickupCode;
use crate::config::School;
use crate::crypto::{self, ServerSecret};
use crate::i18n::Lang;
use crate::report::{ReportDocument, ValidReport};
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

/// Seals and stores one report. The code exists only in this call's result: it is never
/// written anywhere, and the caller shows it only because this returned `Ok` after the commit.
pub async fn accept(
    store: &Store,
    secret: &ServerSecret,
    school: &School,
    report: ValidReport,
    lang: Lang,
) -> Result<Receipt, IntakeError> {
    let received_on = crate::date::today();
    let code = PickupCode::generate();
    let code_hash = secret.code_hash(&code);
    let reporter = secret.reporter_identity(&code).to_public();
    let document = ReportDocument::new(&school.slug, report, lang, received_on.clone());
    let advisers = school.advisers.clone();
    let reporter_recipient = reporter.to_string();
    // Serializing and encrypting ~16 KiB costs a fraction of a millisecond, but it is CPU work
    // and stays off the async workers.
    let ciphertext = tokio::task::spawn_blocking(move || seal(&document, &advisers, &reporter))
        .await
        .map_err(|e| IntakeError::Join(e.to_string()))??;
    let id = store
        .insert_report(NewReport {
            school: school.slug.clone(),
            received_on,
            code_hash,
            reporter_recipient,
            ciphertext,
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
