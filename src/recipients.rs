//! Who a school's files are sealed to besides the pupil: its advisers and, when it has one, its
//! recovery key (DESIGN.md "Adviser lifecycle"), as one set with a short fingerprint.
//!
//! The fingerprint names exactly one set of public recipients. The server stores with each
//! report, message and image the fingerprint of the set it was sealed for (`sealed_for`), so a
//! reseal can tell what still needs doing without reading any age header, and the workstation
//! pins a school's set under the same name (`adviser::pins`). Public keys only: nothing in it is
//! secret, and it leads to no key.

use age::x25519;
use sha2::{Digest, Sha256};

/// Hex digits of a fingerprint: 64 bits, plenty to tell a school's teams apart.
pub const FINGERPRINT_LEN: usize = 16;

/// A recipient as age writes it (lower case, no white space), or the trimmed text when it is
/// not an age X25519 recipient, so that spelling never counts as a difference.
pub fn canonical(recipient: &str) -> String {
    let r = recipient.trim();
    r.parse::<x25519::Recipient>()
        .map(|p| p.to_string())
        .unwrap_or_else(|_| r.to_owned())
}

/// The fingerprint of a set of recipients: SHA-256 over the canonical recipients, sorted,
/// without repeats, each followed by a newline; the first 8 bytes as 16 lower-case hex digits.
/// Order, spelling and repeats do not change it.
pub fn fingerprint<S: AsRef<str>>(recipients: impl IntoIterator<Item = S>) -> String {
    let mut all: Vec<String> = recipients
        .into_iter()
        .map(|r| canonical(r.as_ref()))
        .collect();
    all.sort();
    all.dedup();
    let mut h = Sha256::new();
    for r in &all {
        h.update(r.as_bytes());
        h.update(b"\n");
    }
    h.finalize()[..FINGERPRINT_LEN / 2]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// True for a string that can be a fingerprint: 16 lower-case hex digits.
pub fn is_fingerprint(s: &str) -> bool {
    s.len() == FINGERPRINT_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_spelling_and_repeats_do_not_change_the_fingerprint() {
        let a = x25519::Identity::generate().to_public().to_string();
        let b = x25519::Identity::generate().to_public().to_string();
        let fp = fingerprint([&a, &b]);
        assert!(is_fingerprint(&fp), "{fp}");
        assert_eq!(
            fp,
            fingerprint([b.to_uppercase(), format!(" {a}\n"), a.clone()])
        );
        assert_ne!(fp, fingerprint([&a]));
        let c = x25519::Identity::generate().to_public().to_string();
        assert_ne!(fp, fingerprint([&a, &c]));
        assert!(!is_fingerprint("0123456789ABCDEF"));
        assert!(!is_fingerprint("0123"));
    }

    #[test]
    fn the_example_in_docs_api_md_is_right() {
        // docs/api.md section 7 shows this set, and the shell line that computes its name.
        let fp = fingerprint([
            "age1dkmqfpxlxe2gsgdt5ugha0t724utl7hfqn4hx7347rs48ppcrdpqr9q9qt",
            "age14ytsf4kznmumyzwz3e0rfdkpelzv843hzdj7ve8neq9qs34wzfjqz7z59y",
        ]);
        assert_eq!(fp, "7e998f8606ef5900");
        assert!(include_str!("../docs/api.md").contains(&format!("\"fingerprint\": \"{fp}\"")));
    }
}
