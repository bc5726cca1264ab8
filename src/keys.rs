//! The key schedule: every key the server derives from its secret, each under its own label.
//!
//! The rule (DESIGN.md "Key schedule"): no value the server stores may equal a secret key or be
//! one public step away from one. The first version broke it: the stored lookup hash
//! `HMAC(S, code)` *was* the reporter key's HKDF PRK, so the database alone opened every report.
//! Now the server secret `S` only ever feeds HKDF-Extract, and each purpose gets its own subkey:
//!
//! ```text
//! PRK            = HKDF-Extract(salt = "fluister", IKM = S)
//! K_<purpose>    = HKDF-Expand(PRK, info = "fluister v2 <purpose>", 32 bytes)
//! lookup hash    = HMAC-SHA256(K_code_lookup, normalised code)               (stored)
//! reporter key   = HKDF-SHA256(salt = K_reporter_salt, IKM = normalised code,
//!                              info = "fluister v2 reporter key")           (never stored)
//! ```
//!
//! Reports written before the fix (key version 1) keep their v1 reporter key, which only the
//! code opens; their stored hash is wrapped once more as `HMAC(K_legacy_lookup, HMAC(S, code))`
//! so it is no longer that key's PRK. That is the one place the raw secret is still used, and it
//! is kept inside this module.

use age::x25519;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::code::PickupCode;
use crate::crypto::{ServerSecret, identity_from_bytes};

/// HKDF-Extract salt for the subkeys of the server secret.
pub const SUBKEY_SALT: &[u8] = b"fluister";
/// HKDF `info` of the reporter key of a report written with key version 2.
pub const REPORTER_KEY_INFO: &[u8] = b"fluister v2 reporter key";
/// HKDF `info` of the reporter key of a report written by the flawed first version.
pub const LEGACY_REPORTER_KEY_INFO: &[u8] = b"fluister reporter key v1";

/// What a subkey of the server secret is for. Each has its own label, so no two purposes can
/// ever share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Keys the lookup hash stored with each report.
    CodeLookup,
    /// Salts the HKDF that turns a pickup code into the reporter's age identity.
    ReporterSalt,
    /// Turns a report form's submission token into its pickup code (idempotent forms).
    Submission,
    /// Wraps the lookup hashes of reports written by the flawed first version.
    LegacyLookup,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [
        Purpose::CodeLookup,
        Purpose::ReporterSalt,
        Purpose::Submission,
        Purpose::LegacyLookup,
    ];

    /// The HKDF `info` label of this purpose's subkey.
    pub fn label(self) -> &'static [u8] {
        match self {
            Purpose::CodeLookup => b"fluister v2 code lookup",
            Purpose::ReporterSalt => b"fluister v2 reporter salt",
            Purpose::Submission => b"fluister v2 submission",
            Purpose::LegacyLookup => b"fluister v2 legacy lookup",
        }
    }
}

/// Every salt and `info` label this crate feeds to HKDF. The thief's test (tests/thief.rs)
/// applies each to every stored value, so a new derivation is tried the day it is added.
pub fn labels() -> Vec<&'static [u8]> {
    let mut all = vec![SUBKEY_SALT, REPORTER_KEY_INFO, LEGACY_REPORTER_KEY_INFO];
    all.extend(Purpose::ALL.iter().map(|p| p.label()));
    all
}

/// How the reporter key of a stored report is derived from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyVersion {
    /// Written by the flawed first version; the lookup hash has since been wrapped.
    V1 = 1,
    /// The corrected schedule.
    V2 = 2,
}

impl KeyVersion {
    pub fn from_stored(n: i64) -> Option<KeyVersion> {
        match n {
            1 => Some(KeyVersion::V1),
            2 => Some(KeyVersion::V2),
            _ => None,
        }
    }
}

/// The two hashes a code may be stored under; a look-up tries both in one query.
pub struct LookupHashes {
    pub v2: [u8; 32],
    pub v1: [u8; 32],
}

/// A 32-byte subkey. Deliberately without `Debug`; zeroized on drop.
struct Subkey(Zeroizing<[u8; 32]>);

impl Subkey {
    fn hmac(&self, message: &[u8]) -> [u8; 32] {
        hmac(&self.0[..], message)
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// An age identity from HKDF-SHA256 (extract with `salt`, expand with `info`) over `ikm`.
fn hkdf_identity(salt: &[u8], ikm: &[u8], info: &[u8]) -> x25519::Identity {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    let mut okm = Zeroizing::new([0u8; 32]);
    hk.expand(info, &mut okm[..])
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    identity_from_bytes(&okm)
}

/// Every key the server uses, derived once at start from the server secret.
pub struct Keys {
    code_lookup: Subkey,
    reporter_salt: Subkey,
    submission: Subkey,
    legacy_lookup: Subkey,
    /// The raw secret, needed only because the v1 derivations used it directly. Nothing new is
    /// ever derived from it.
    v1_root: Zeroizing<[u8; 32]>,
}

impl Keys {
    /// The one function that reads the server secret: each purpose's subkey from its label.
    pub fn new(secret: &ServerSecret) -> Keys {
        let hk = Hkdf::<Sha256>::new(Some(SUBKEY_SALT), secret.expose());
        let subkey = |purpose: Purpose| {
            let mut k = Zeroizing::new([0u8; 32]);
            hk.expand(purpose.label(), &mut k[..])
                .expect("32 bytes is a valid HKDF-SHA256 output length");
            Subkey(k)
        };
        Keys {
            code_lookup: subkey(Purpose::CodeLookup),
            reporter_salt: subkey(Purpose::ReporterSalt),
            submission: subkey(Purpose::Submission),
            legacy_lookup: subkey(Purpose::LegacyLookup),
            v1_root: Zeroizing::new(*secret.expose()),
        }
    }

    /// The lookup hash stored with a new report: `HMAC(K_code_lookup, code)`.
    pub fn lookup_hash(&self, code: &PickupCode) -> [u8; 32] {
        self.code_lookup.hmac(code.normalised().as_bytes())
    }

    /// Both hashes a code's report may be stored under (v2, and v1 as wrapped by the migration).
    pub fn lookup_hashes(&self, code: &PickupCode) -> LookupHashes {
        let raw_v1 = Zeroizing::new(hmac(&self.v1_root[..], code.normalised().as_bytes()));
        LookupHashes {
            v2: self.lookup_hash(code),
            v1: self.wrap_legacy_hash(&raw_v1),
        }
    }

    /// What the migration stores in place of a v1 lookup hash `h = HMAC(S, code)`:
    /// `HMAC(K_legacy_lookup, h)`, which no longer leads to the v1 reporter key.
    pub fn wrap_legacy_hash(&self, h: &[u8; 32]) -> [u8; 32] {
        self.legacy_lookup.hmac(&h[..])
    }

    /// The reporter's age identity for a report of the given key version. Never stored; the
    /// code's 80 bits make key stretching unnecessary (DESIGN.md).
    pub fn reporter_identity(&self, code: &PickupCode, version: KeyVersion) -> x25519::Identity {
        let code = code.normalised().as_bytes();
        match version {
            KeyVersion::V2 => hkdf_identity(&self.reporter_salt.0[..], code, REPORTER_KEY_INFO),
            KeyVersion::V1 => hkdf_identity(&self.v1_root[..], code, LEGACY_REPORTER_KEY_INFO),
        }
    }

    /// The pickup code a report form's submission token stands for: `HMAC(K_submission, t)`
    /// cut to 80 bits, so the same form sent twice carries the same code (DESIGN.md
    /// "Idempotent submissions").
    pub fn submission_code(&self, token: &[u8]) -> PickupCode {
        let mac = Zeroizing::new(self.submission.hmac(token));
        let mut bits = Zeroizing::new([0u8; 10]);
        bits.copy_from_slice(&mac[..10]);
        PickupCode::from_bits(&bits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> Keys {
        Keys::new(&ServerSecret::from_bytes([byte; 32]))
    }

    fn code(s: &str) -> PickupCode {
        PickupCode::parse(s).unwrap()
    }

    #[test]
    fn no_two_purposes_share_a_label_or_a_subkey() {
        let k = keys(7);
        let subkeys = [
            &k.code_lookup.0,
            &k.reporter_salt.0,
            &k.submission.0,
            &k.legacy_lookup.0,
        ];
        for (i, a) in subkeys.iter().enumerate() {
            assert_ne!(a[..], k.v1_root[..]);
            for b in &subkeys[i + 1..] {
                assert_ne!(a[..], b[..]);
            }
        }
        let mut labels = labels();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), 3 + Purpose::ALL.len());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        /// For any server secret: the subkeys of different purposes differ from each other and
        /// from the secret, and what one purpose computes for an input is not what another
        /// computes for the same input (a stored lookup hash is not a submission code's MAC).
        #[test]
        fn no_secret_makes_two_purposes_share_a_subkey(
            secret in proptest::prelude::any::<[u8; 32]>(),
            code_bits in proptest::prelude::any::<[u8; 10]>(),
        ) {
            let k = Keys::new(&ServerSecret::from_bytes(secret));
            let subkeys = [
                &k.code_lookup.0[..],
                &k.reporter_salt.0[..],
                &k.submission.0[..],
                &k.legacy_lookup.0[..],
            ];
            for (i, a) in subkeys.iter().enumerate() {
                proptest::prop_assert_ne!(*a, &secret[..]);
                for b in &subkeys[i + 1..] {
                    proptest::prop_assert_ne!(a, b);
                }
            }
            let c = PickupCode::from_bits(&code_bits);
            let input = c.normalised().as_bytes();
            let macs = [
                k.code_lookup.hmac(input),
                k.reporter_salt.hmac(input),
                k.submission.hmac(input),
                k.legacy_lookup.hmac(input),
                hmac(&secret, input),
            ];
            for (i, a) in macs.iter().enumerate() {
                for b in &macs[i + 1..] {
                    proptest::prop_assert_ne!(a, b);
                }
            }
            // The reporter's key is neither the lookup hash nor derivable by HKDF from it.
            let reporter = k.reporter_identity(&c, KeyVersion::V2).to_public().to_string();
            let stored = k.lookup_hash(&c);
            let mut okm = [0u8; 32];
            Hkdf::<Sha256>::from_prk(&stored)
                .unwrap()
                .expand(REPORTER_KEY_INFO, &mut okm)
                .unwrap();
            proptest::prop_assert_ne!(identity_from_bytes(&okm).to_public().to_string(), reporter);
        }
    }

    #[test]
    fn the_stored_hash_is_not_the_reporter_keys_prk() {
        // The flaw of the first version, stated as a test: HKDF-Extract(salt, IKM) is
        // HMAC(salt, IKM), so a stored HMAC under the reporter key's salt opens the report.
        let k = keys(7);
        let c = code("7KQM-9XTR-2HVD-P4WA");
        let stored = k.lookup_hash(&c);
        let from_stored = Hkdf::<Sha256>::from_prk(&stored).unwrap();
        let mut okm = [0u8; 32];
        from_stored.expand(REPORTER_KEY_INFO, &mut okm).unwrap();
        let real = k
            .reporter_identity(&c, KeyVersion::V2)
            .to_public()
            .to_string();
        assert_ne!(identity_from_bytes(&okm).to_public().to_string(), real);
        // The v1 PRK is exactly HMAC(S, code); what the migration stores is not.
        let v1_prk = hmac(&[7u8; 32], c.normalised().as_bytes());
        let v1 = Hkdf::<Sha256>::from_prk(&v1_prk).unwrap();
        v1.expand(LEGACY_REPORTER_KEY_INFO, &mut okm).unwrap();
        let v1_real = k
            .reporter_identity(&c, KeyVersion::V1)
            .to_public()
            .to_string();
        assert_eq!(identity_from_bytes(&okm).to_public().to_string(), v1_real);
        assert_ne!(k.lookup_hashes(&c).v1, v1_prk);
        assert_eq!(k.lookup_hashes(&c).v1, k.wrap_legacy_hash(&v1_prk));
    }

    #[test]
    fn derivations_depend_on_code_secret_and_version() {
        let c = code("7KQM-9XTR-2HVD-P4WA");
        let same = code("7kqm9xtr2hvdp4wa");
        let other = code("7KQM-9XTR-2HVD-P4WB");
        let k = keys(7);
        let public =
            |k: &Keys, c: &PickupCode, v| k.reporter_identity(c, v).to_public().to_string();
        let a = public(&k, &c, KeyVersion::V2);
        assert!(a.starts_with("age1"));
        assert_eq!(a, public(&k, &same, KeyVersion::V2));
        assert_ne!(a, public(&k, &other, KeyVersion::V2));
        assert_ne!(a, public(&keys(8), &c, KeyVersion::V2));
        assert_ne!(a, public(&k, &c, KeyVersion::V1));
        assert_eq!(k.lookup_hash(&c), k.lookup_hash(&same));
        assert_ne!(k.lookup_hash(&c), k.lookup_hash(&other));
        assert_ne!(k.lookup_hash(&c), keys(8).lookup_hash(&c));
        assert_ne!(k.lookup_hashes(&c).v1, k.lookup_hashes(&c).v2);
    }

    #[test]
    fn a_submission_token_always_gives_the_same_code() {
        let k = keys(7);
        let a = k.submission_code(b"0123456789abcdef");
        assert_eq!(
            a.normalised(),
            k.submission_code(b"0123456789abcdef").normalised()
        );
        assert_ne!(
            a.normalised(),
            k.submission_code(b"0123456789abcdeg").normalised()
        );
        assert_ne!(
            a.normalised(),
            keys(8).submission_code(b"0123456789abcdef").normalised()
        );
        assert_eq!(
            PickupCode::parse(&a.grouped()).unwrap().normalised(),
            a.normalised()
        );
    }
}
