//! Sealing a stored item again for its school's current recipients (DESIGN.md "Adviser
//! lifecycle"): what the server checks of a replacement it cannot read.
//!
//! An adviser's workstation opens each report, message and image, seals it again to the school's
//! advisers and recovery key as they are now (and the pupil's recipient for what the pupil may
//! read), and uploads it. The server never sees the plaintext, so it checks what it can: the new
//! file is a binary age file sealed to recipients (not a passphrase), with exactly one X25519
//! stanza per key it must reach, of a length the same padded plaintext can have; and the stored
//! item is still the one the client read (`store::Replacement`). The workstation's side is
//! `adviser::reseal`.

use crate::evidence::OUTPUT_BYTES_MAX;

/// Largest replacement for a report or a message. A report of the longest texts in four-byte
/// characters, escaped, pads to 256 KiB; this leaves room for any header.
pub const DOCUMENT_CIPHERTEXT_MAX: usize = 1024 * 1024;
/// Largest replacement for an evidence image: the largest cleaned image, padded (under 12%), in
/// age's 64 KiB chunks (16 bytes each), with room for the header.
pub const ATTACHMENT_CIPHERTEXT_MAX: usize = OUTPUT_BYTES_MAX * 5 / 4 + 1024 * 1024;
/// How far a sealed-again file's length may differ from the stored one's. The plaintext is the
/// same, so only the header changes: about 100 bytes per X25519 recipient, plus age's random
/// "grease" stanza of up to a few hundred bytes.
pub const LENGTH_SLACK: usize = 16 * 1024;

/// The first bytes of every binary age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";
/// The most of a file read looking for the end of its header: room for hundreds of stanzas.
const HEADER_MAX: usize = 64 * 1024;

/// Why a replacement file is refused. Messages are for the client's author.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    #[error("the new file is over {max} bytes")]
    TooLarge { max: usize },
    #[error(
        "the new file is not a binary age file with a readable header (armored age is not taken)"
    )]
    NotAge,
    #[error("the new file is locked with a passphrase; seal it to the school's recipients")]
    Passphrase,
    #[error(
        "the new file is sealed to {found} X25519 recipients, but this item must reach {expected}: \
         every recipient of the school's current set{}",
        if *.pupil { " and the pupil's recipient" } else { ", and never the pupil (a note)" }
    )]
    Recipients {
        expected: usize,
        found: usize,
        pupil: bool,
    },
}

/// Checks a replacement for an item: at most `max` bytes, a binary age file for recipients,
/// with one X25519 stanza for each of the `team` keys of the school's current set, plus one for
/// the pupil when `pupil_reads`.
pub fn check_file(
    ciphertext: &[u8],
    max: usize,
    team: usize,
    pupil_reads: bool,
) -> Result<(), FileProblem> {
    if ciphertext.len() > max {
        return Err(FileProblem::TooLarge { max });
    }
    if !ciphertext.starts_with(AGE_MAGIC) {
        return Err(FileProblem::NotAge);
    }
    let decryptor = age::Decryptor::new_buffered(ciphertext).map_err(|_| FileProblem::NotAge)?;
    if decryptor.is_scrypt() {
        return Err(FileProblem::Passphrase);
    }
    let found = x25519_stanzas(ciphertext).ok_or(FileProblem::NotAge)?;
    let expected = team + usize::from(pupil_reads);
    if found != expected {
        return Err(FileProblem::Recipients {
            expected,
            found,
            pupil: pupil_reads,
        });
    }
    Ok(())
}

/// True when a file of `given` bytes can be the same padded plaintext as a stored one of
/// `stored` bytes, sealed to other recipients.
pub fn plausible_length(stored: usize, given: usize) -> bool {
    stored.abs_diff(given) <= LENGTH_SLACK
}

/// How many X25519 recipient stanzas an age file's header holds: the lines starting `-> X25519 `
/// before the header's closing `--- ` line. A stanza's body is base64, so no body line can
/// start with `-> `. `None` when no end of the header is found.
fn x25519_stanzas(ciphertext: &[u8]) -> Option<usize> {
    let header = &ciphertext[..ciphertext.len().min(HEADER_MAX)];
    let mut count = 0;
    for line in header.split(|b| *b == b'\n').skip(1) {
        if line.starts_with(b"--- ") {
            return Some(count);
        }
        if line.starts_with(b"-> X25519 ") {
            count += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use age::x25519;

    use super::*;

    fn sealed_to(n: usize) -> Vec<u8> {
        let keys: Vec<x25519::Recipient> = (0..n)
            .map(|_| x25519::Identity::generate().to_public())
            .collect();
        let rs: Vec<&dyn age::Recipient> = keys.iter().map(|r| r as _).collect();
        crate::crypto::encrypt(&rs, &crate::crypto::pad_json(b"{}".to_vec())).unwrap()
    }

    #[test]
    fn a_replacement_must_reach_exactly_the_team_and_the_pupil_when_the_pupil_reads_it() {
        let three = sealed_to(3);
        assert_eq!(check_file(&three, DOCUMENT_CIPHERTEXT_MAX, 2, true), Ok(()));
        assert_eq!(
            check_file(&three, DOCUMENT_CIPHERTEXT_MAX, 3, false),
            Ok(())
        );
        assert_eq!(
            check_file(&three, DOCUMENT_CIPHERTEXT_MAX, 3, true),
            Err(FileProblem::Recipients {
                expected: 4,
                found: 3,
                pupil: true
            })
        );
        let e = check_file(&three, DOCUMENT_CIPHERTEXT_MAX, 2, false).unwrap_err();
        assert!(e.to_string().contains("never the pupil"), "{e}");
        assert_eq!(
            check_file(&three, 100, 2, true),
            Err(FileProblem::TooLarge { max: 100 })
        );
    }

    #[test]
    fn anything_but_a_binary_age_file_for_recipients_is_refused() {
        let plain = b"{\"version\":1,\"text\":\"hallo\"}".to_vec();
        assert_eq!(
            check_file(&plain, 1 << 20, 1, false),
            Err(FileProblem::NotAge)
        );
        let mut garbage = AGE_MAGIC.to_vec();
        garbage.extend_from_slice(b"-> X25519 abc\nnonsense");
        assert_eq!(
            check_file(&garbage, 1 << 20, 1, false),
            Err(FileProblem::NotAge)
        );
        let locked = crate::crypto::encrypt_with_passphrase(
            age::secrecy::SecretString::from("a long passphrase".to_owned()),
            b"x",
        )
        .unwrap();
        // Armored, so not binary age; its binary form is refused as a passphrase file.
        assert_eq!(
            check_file(&locked, 1 << 20, 1, false),
            Err(FileProblem::NotAge)
        );
        let mut binary = Vec::new();
        std::io::copy(
            &mut age::armor::ArmoredReader::new(&locked[..]),
            &mut binary,
        )
        .unwrap();
        assert_eq!(
            check_file(&binary, 1 << 20, 0, false),
            Err(FileProblem::Passphrase)
        );
    }

    #[test]
    fn a_sealed_again_file_differs_from_the_stored_one_only_by_its_header() {
        let one = sealed_to(1);
        let twelve = sealed_to(12);
        assert!(plausible_length(one.len(), twelve.len()));
        assert!(!plausible_length(one.len(), one.len() + 2 * LENGTH_SLACK));
        assert!(!plausible_length(one.len(), 100));
    }
}
