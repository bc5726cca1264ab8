//! Adviser sign-in by key challenge: no passwords on the server.
//!
//! The client names its recipient; the server answers with a nonce age-encrypted to it (only for
//! recipients configured for some school); the client decrypts it and trades it for a
//! short-lived bearer token bound to the schools that recipient serves.
//!
//! A challenge is kept nowhere. Its nonce carries its own expiry and a MAC over the recipient
//! under a key that lives only in memory, so asking for challenges (anyone may, for any
//! adviser's public recipient) costs the server no memory and cannot crowd out the adviser's
//! own. A nonce that was answered is remembered until it expires, so it works once; only a right
//! answer adds one, and a right answer takes the adviser's key. Tokens live in memory only, as
//! hashes. A restart signs every adviser out and voids every open challenge.
//!
//! Sessions follow the config (issue 13): every request re-checks the session's recipient
//! against the schools as configured now, so an adviser removed from a school (the server
//! restarted, or reloaded on SIGHUP) can do nothing more there from that request on.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use age::x25519;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::config::Config;
use crate::crypto;

/// How long a challenge can be answered.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(120);

/// The longest recipient or answer worth reading: an age X25519 recipient is 62 characters and
/// a nonce 64. The API refuses bodies past a few KiB before they are parsed (web/api.rs).
const FIELD_MAX: usize = 256;

/// Label of the challenge MAC, so its key could never be confused with another use.
const CHALLENGE_LABEL: &[u8] = b"fluister sign-in challenge v1";

/// A nonce: 8 random bytes, the expiry (milliseconds since the server started, big-endian) and
/// 16 bytes of MAC; sent as 64 lower-case hex characters.
const NONCE_LEN: usize = 32;

/// A signed-in adviser: who, for which schools, until when.
#[derive(Clone, Debug)]
pub struct Session {
    pub recipient: String,
    pub schools: Vec<String>,
    pub expires: Instant,
}

/// Why sign-in failed. The messages are for the adviser's client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("this recipient is not an adviser of any school on this server")]
    UnknownRecipient,
    #[error("the answer does not match an open challenge (wrong, already used or expired)")]
    BadResponse,
    #[error("could not encrypt the challenge")]
    Encrypt,
}

/// A bearer token, shown once to the client. No `Debug` or `Display`.
pub struct Token(Zeroizing<String>);

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Answered challenges and sessions, in memory.
pub struct Auth {
    session_ttl: Duration,
    challenge_ttl: Duration,
    /// The challenge MAC key: random per process, never stored, never derived from the server
    /// secret (nothing that outlives the process needs it).
    key: Zeroizing<[u8; 32]>,
    started: Instant,
    /// MACs of answered nonces, until their expiry (milliseconds since `started`).
    answered: Mutex<HashMap<[u8; 16], u64>>,
    sessions: Mutex<HashMap<[u8; 32], Session>>,
}

fn hash(s: &[u8]) -> [u8; 32] {
    Sha256::digest(s).into()
}

fn hex(bytes: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(bytes.iter().map(|x| format!("{x:02x}")).collect())
}

fn random_hex(bytes: usize) -> Zeroizing<String> {
    let mut b = Zeroizing::new(vec![0u8; bytes]);
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex(&b)
}

/// The bytes of a nonce as sent back, or `None` when it is not 64 hex characters.
fn unhex_nonce(s: &str) -> Option<Zeroizing<[u8; NONCE_LEN]>> {
    let s = s.as_bytes();
    if s.len() != 2 * NONCE_LEN {
        return None;
    }
    let mut out = Zeroizing::new([0u8; NONCE_LEN]);
    for (i, pair) in s.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(out)
}

/// Parses a recipient as an adviser's client sends it. The result is the canonical key: every
/// spelling of one key (upper case, white space around it) is the same recipient.
pub fn parse_recipient(s: &str) -> Result<x25519::Recipient, AuthError> {
    if s.len() > FIELD_MAX {
        return Err(AuthError::UnknownRecipient);
    }
    s.trim().parse().map_err(|_| AuthError::UnknownRecipient)
}

impl Auth {
    pub fn new(session_ttl: Duration) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(&mut key[..]);
        Auth {
            session_ttl,
            challenge_ttl: CHALLENGE_TTL,
            key,
            started: Instant::now(),
            answered: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The schools a recipient (in its canonical spelling) may sign in for, by slug: those that
    /// list it as an adviser or as their recovery key.
    pub fn schools_of(config: &Config, recipient: &str) -> Vec<String> {
        config
            .schools
            .iter()
            .filter(|s| s.signs_in(recipient))
            .map(|s| s.slug.clone())
            .collect()
    }

    /// True when some school lists this recipient as an adviser or recovery key.
    pub fn is_adviser(config: &Config, recipient: &x25519::Recipient) -> bool {
        !Self::schools_of(config, &recipient.to_string()).is_empty()
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn mac(&self, recipient: &str, random: &[u8], expiry: &[u8]) -> [u8; 16] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key[..])
            .expect("HMAC takes any key length");
        mac.update(CHALLENGE_LABEL);
        mac.update(&(recipient.len() as u64).to_be_bytes());
        mac.update(recipient.as_bytes());
        mac.update(random);
        mac.update(expiry);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    /// A fresh challenge for `recipient`: the age ciphertext of a nonce only this server can
    /// have made, for this recipient, within `CHALLENGE_TTL`.
    pub fn challenge(
        &self,
        config: &Config,
        recipient: &x25519::Recipient,
    ) -> Result<Vec<u8>, AuthError> {
        if !Self::is_adviser(config, recipient) {
            return Err(AuthError::UnknownRecipient);
        }
        let mut nonce = Zeroizing::new([0u8; NONCE_LEN]);
        rand::rngs::OsRng.fill_bytes(&mut nonce[..8]);
        let expiry = self
            .now_ms()
            .saturating_add(u64::try_from(self.challenge_ttl.as_millis()).unwrap_or(u64::MAX));
        nonce[8..16].copy_from_slice(&expiry.to_be_bytes());
        let mac = self.mac(&recipient.to_string(), &nonce[..8], &nonce[8..16]);
        nonce[16..].copy_from_slice(&mac);
        let text = hex(&nonce[..]);
        crypto::encrypt(&[recipient], text.as_bytes()).map_err(|_| AuthError::Encrypt)
    }

    /// Trades a decrypted nonce for a token. Each nonce works once, within its lifetime, and
    /// only for the recipient it was made for.
    pub fn session(
        &self,
        config: &Config,
        recipient: &str,
        response: &str,
    ) -> Result<(Token, Session), AuthError> {
        // The nonce is checked first: an unknown recipient with a wrong nonce is a wrong answer.
        let recipient = parse_recipient(recipient)
            .map_err(|_| AuthError::BadResponse)?
            .to_string();
        let nonce = unhex_nonce(response.trim()).ok_or(AuthError::BadResponse)?;
        let expected = self.mac(&recipient, &nonce[..8], &nonce[8..16]);
        let genuine: bool = expected.ct_eq(&nonce[16..]).into();
        let expiry = u64::from_be_bytes(nonce[8..16].try_into().expect("eight bytes"));
        let now = self.now_ms();
        if !genuine || expiry <= now {
            return Err(AuthError::BadResponse);
        }
        {
            let mut answered = self.answered.lock().unwrap_or_else(|p| p.into_inner());
            answered.retain(|_, until| *until > now);
            if answered.insert(expected, expiry).is_some() {
                return Err(AuthError::BadResponse);
            }
        }
        let schools = Self::schools_of(config, &recipient);
        if schools.is_empty() {
            return Err(AuthError::UnknownRecipient);
        }
        let token = random_hex(32);
        let session = Session {
            recipient,
            schools,
            expires: Instant::now() + self.session_ttl,
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(hash(token.as_bytes()), session.clone());
        Ok((Token(token), session))
    }

    /// The session a bearer token belongs to, if it is valid and not expired, bound to the
    /// schools of its sign-in that `config` still lists its recipient for. A session left with
    /// no school is ended. Tokens are kept as hashes, so the lookup compares hashes, never the
    /// token itself.
    pub fn verify(&self, config: &Config, token: &str) -> Option<Session> {
        let mut key = hash(token.trim().as_bytes());
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let found = match sessions.get_mut(&key) {
            Some(s) if s.expires > Instant::now() => {
                let now = Self::schools_of(config, &s.recipient);
                s.schools.retain(|school| now.contains(school));
                (!s.schools.is_empty()).then(|| s.clone())
            }
            _ => None,
        };
        if found.is_none() {
            sessions.remove(&key);
        }
        key.zeroize();
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::School;

    fn setup() -> (Config, x25519::Identity) {
        let id = x25519::Identity::generate();
        let config = Config::with_schools(
            "/tmp".into(),
            vec![School {
                slug: "a".into(),
                name: "A".into(),
                advisers: vec![id.to_public()],
                ..School::default()
            }],
        );
        (config, id)
    }

    fn answer(id: &x25519::Identity, ct: &[u8]) -> String {
        String::from_utf8(crypto::decrypt(id, ct).unwrap().to_vec()).unwrap()
    }

    #[test]
    fn a_decrypted_challenge_buys_one_session() {
        let (config, id) = setup();
        let auth = Auth::new(Duration::from_secs(60));
        let r = id.to_public();
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        assert_eq!(nonce.len(), 64);
        assert!(
            nonce
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        let (token, session) = auth.session(&config, &r.to_string(), &nonce).unwrap();
        assert_eq!(session.schools, ["a"]);
        assert_eq!(
            auth.verify(&config, token.expose()).unwrap().recipient,
            r.to_string()
        );
        assert_eq!(
            auth.session(&config, &r.to_string(), &nonce).err(),
            Some(AuthError::BadResponse),
            "single use"
        );
        assert!(auth.verify(&config, "not a token").is_none());
    }

    #[test]
    fn every_spelling_of_a_recipient_is_the_same_adviser() {
        let (config, id) = setup();
        let auth = Auth::new(Duration::from_secs(60));
        let lower = id.to_public().to_string();
        let upper = parse_recipient(&format!("  {}\n", lower.to_uppercase())).unwrap();
        assert_eq!(upper.to_string(), lower, "parsed to the canonical key");
        let nonce = answer(&id, &auth.challenge(&config, &upper).unwrap());
        let (_, session) = auth
            .session(&config, &lower.to_uppercase(), &nonce)
            .unwrap();
        assert_eq!(session.recipient, lower);
        assert_eq!(
            parse_recipient(&"age1".repeat(100)).err(),
            Some(AuthError::UnknownRecipient),
            "a long string is refused before it is parsed"
        );
    }

    #[test]
    fn wrong_answers_unknown_recipients_and_expiry_are_refused() {
        let (config, id) = setup();
        let auth = Auth::new(Duration::from_millis(30));
        let r = id.to_public();
        let stranger = x25519::Identity::generate().to_public();
        assert_eq!(
            auth.challenge(&config, &stranger).err(),
            Some(AuthError::UnknownRecipient)
        );
        assert_eq!(
            parse_recipient("age1garbage").err(),
            Some(AuthError::UnknownRecipient)
        );
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        for wrong in ["00ff", "", &"zz".repeat(32), &"00".repeat(32)] {
            assert_eq!(
                auth.session(&config, &r.to_string(), wrong).err(),
                Some(AuthError::BadResponse),
                "{wrong}"
            );
        }
        assert_eq!(
            auth.session(&config, &stranger.to_string(), &nonce).err(),
            Some(AuthError::BadResponse),
            "a nonce is bound to its recipient"
        );
        // A nonce whose expiry was moved on no longer carries a valid MAC.
        let mut forged = nonce.clone().into_bytes();
        forged[16] = if forged[16] == b'f' { b'e' } else { b'f' };
        let forged = String::from_utf8(forged).unwrap();
        assert_eq!(
            auth.session(&config, &r.to_string(), &forged).err(),
            Some(AuthError::BadResponse),
            "a nonce cannot be altered"
        );
        let (token, _) = auth.session(&config, &r.to_string(), &nonce).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(auth.verify(&config, token.expose()).is_none(), "expired");
    }

    #[test]
    fn a_session_follows_the_config_and_the_recovery_key_signs_in_too() {
        let (mut config, id) = setup();
        let colleague = x25519::Identity::generate();
        let board = x25519::Identity::generate();
        config.schools[0].advisers.push(colleague.to_public());
        config.schools[0].recovery = Some(board.to_public());
        config.schools.push(School {
            slug: "b".into(),
            name: "B".into(),
            advisers: vec![id.to_public()],
            ..School::default()
        });
        let auth = Auth::new(Duration::from_secs(60));
        let sign_in = |who: &x25519::Identity, config: &Config| {
            let r = who.to_public();
            let nonce = answer(who, &auth.challenge(config, &r).unwrap());
            auth.session(config, &r.to_string(), &nonce).unwrap()
        };
        let (mine, session) = sign_in(&id, &config);
        assert_eq!(session.schools, ["a", "b"]);
        let (theirs, _) = sign_in(&colleague, &config);
        let (boards, session) = sign_in(&board, &config);
        assert_eq!(
            session.schools,
            ["a"],
            "the recovery key signs in for its school"
        );

        // School a drops this adviser: the session keeps only school b, at once.
        config.schools[0]
            .advisers
            .retain(|a| a.to_string() != id.to_public().to_string());
        assert_eq!(auth.verify(&config, mine.expose()).unwrap().schools, ["b"]);
        // Dropped everywhere: the token is dead, and stays dead if the key comes back.
        config.schools[1].advisers.clear();
        assert!(auth.verify(&config, mine.expose()).is_none());
        config.schools[1].advisers.push(id.to_public());
        assert!(
            auth.verify(&config, mine.expose()).is_none(),
            "ended for good"
        );
        assert!(auth.verify(&config, theirs.expose()).is_some());
        config.schools[0].recovery = None;
        assert!(auth.verify(&config, boards.expose()).is_none());
    }

    #[test]
    fn a_challenge_expires() {
        let (config, id) = setup();
        let mut auth = Auth::new(Duration::from_secs(60));
        auth.challenge_ttl = Duration::from_millis(20);
        let r = id.to_public();
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(
            auth.session(&config, &r.to_string(), &nonce).err(),
            Some(AuthError::BadResponse)
        );
    }

    #[test]
    fn only_answered_nonces_are_remembered() {
        let (config, id) = setup();
        let auth = Auth::new(Duration::from_secs(60));
        let r = id.to_public();
        for _ in 0..1000 {
            auth.challenge(&config, &r).unwrap();
            let _ = auth.session(&config, &r.to_string(), &"ab".repeat(32));
        }
        assert_eq!(auth.answered.lock().unwrap().len(), 0, "nothing kept");
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        auth.session(&config, &r.to_string(), &nonce).unwrap();
        assert_eq!(auth.answered.lock().unwrap().len(), 1);
    }
}
