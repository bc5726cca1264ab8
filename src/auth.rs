//! Adviser sign-in by key challenge: no passwords on the server.
//!
//! The client names its recipient; the server answers with a random nonce age-encrypted to it
//! (only for recipients configured for some school); the client decrypts it and trades it for a
//! short-lived bearer token bound to the schools that recipient serves. Nonces and tokens live
//! in memory only, as hashes, and a restart signs every adviser out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use age::x25519;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::config::Config;
use crate::crypto;

/// How long a challenge can be answered.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(120);
/// Most open challenges kept; past this the oldest expired ones are dropped, then new ones
/// are refused, so a flood of challenge requests cannot grow memory without bound.
const MAX_CHALLENGES: usize = 10_000;

/// A signed-in adviser: who, for which schools, until when.
#[derive(Clone, Debug)]
pub struct Session {
    pub recipient: String,
    pub schools: Vec<String>,
    pub expires: Instant,
}

struct Challenge {
    recipient: String,
    expires: Instant,
}

/// Why sign-in failed. The messages are for the adviser's client.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("this recipient is not an adviser of any school on this server")]
    UnknownRecipient,
    #[error("the answer does not match an open challenge (wrong, already used or expired)")]
    BadResponse,
    #[error("too many open challenges; try again in a minute")]
    Busy,
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

/// Challenges and sessions, in memory.
pub struct Auth {
    session_ttl: Duration,
    challenges: Mutex<HashMap<[u8; 32], Challenge>>,
    sessions: Mutex<HashMap<[u8; 32], Session>>,
}

fn hash(s: &[u8]) -> [u8; 32] {
    Sha256::digest(s).into()
}

fn random_hex(bytes: usize) -> Zeroizing<String> {
    let mut b = Zeroizing::new(vec![0u8; bytes]);
    rand::rngs::OsRng.fill_bytes(&mut b);
    Zeroizing::new(b.iter().map(|x| format!("{x:02x}")).collect())
}

impl Auth {
    pub fn new(session_ttl: Duration) -> Self {
        Auth {
            session_ttl,
            challenges: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The schools a recipient is an adviser of, by slug.
    pub fn schools_of(config: &Config, recipient: &str) -> Vec<String> {
        config
            .schools
            .iter()
            .filter(|s| s.advisers.iter().any(|a| a.to_string() == recipient))
            .map(|s| s.slug.clone())
            .collect()
    }

    /// A fresh challenge for `recipient`: the age ciphertext of a random nonce.
    pub fn challenge(&self, config: &Config, recipient: &str) -> Result<Vec<u8>, AuthError> {
        let parsed: x25519::Recipient = recipient
            .trim()
            .parse()
            .map_err(|_| AuthError::UnknownRecipient)?;
        let recipient = parsed.to_string();
        if Self::schools_of(config, &recipient).is_empty() {
            return Err(AuthError::UnknownRecipient);
        }
        let nonce = random_hex(32);
        let ciphertext =
            crypto::encrypt(&[&parsed], nonce.as_bytes()).map_err(|_| AuthError::Encrypt)?;
        let now = Instant::now();
        let mut challenges = self.challenges.lock().unwrap_or_else(|p| p.into_inner());
        if challenges.len() >= MAX_CHALLENGES {
            challenges.retain(|_, c| c.expires > now);
            if challenges.len() >= MAX_CHALLENGES {
                return Err(AuthError::Busy);
            }
        }
        challenges.insert(
            hash(nonce.as_bytes()),
            Challenge {
                recipient,
                expires: now + CHALLENGE_TTL,
            },
        );
        Ok(ciphertext)
    }

    /// Trades a decrypted nonce for a token. Each nonce works once, within its lifetime, and
    /// only for the recipient it was made for.
    pub fn session(
        &self,
        config: &Config,
        recipient: &str,
        response: &str,
    ) -> Result<(Token, Session), AuthError> {
        let key = hash(response.trim().as_bytes());
        let challenge = self
            .challenges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key)
            .ok_or(AuthError::BadResponse)?;
        let recipient = recipient.trim();
        let same: bool = challenge
            .recipient
            .as_bytes()
            .ct_eq(recipient.as_bytes())
            .into();
        if !same || challenge.expires <= Instant::now() {
            return Err(AuthError::BadResponse);
        }
        let schools = Self::schools_of(config, recipient);
        if schools.is_empty() {
            return Err(AuthError::UnknownRecipient);
        }
        let token = random_hex(32);
        let session = Session {
            recipient: challenge.recipient,
            schools,
            expires: Instant::now() + self.session_ttl,
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        sessions.retain(|_, s| s.expires > now);
        sessions.insert(hash(token.as_bytes()), session.clone());
        Ok((Token(token), session))
    }

    /// The session a bearer token belongs to, if it is valid and not expired. Tokens are kept
    /// as hashes, so the lookup compares hashes, never the token itself.
    pub fn verify(&self, token: &str) -> Option<Session> {
        let mut key = hash(token.trim().as_bytes());
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        let found = match sessions.get(&key) {
            Some(s) if s.expires > Instant::now() => Some(s.clone()),
            Some(_) => {
                sessions.remove(&key);
                None
            }
            None => None,
        };
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
        let r = id.to_public().to_string();
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        let (token, session) = auth.session(&config, &r, &nonce).unwrap();
        assert_eq!(session.schools, ["a"]);
        assert_eq!(auth.verify(token.expose()).unwrap().recipient, r);
        assert_eq!(
            auth.session(&config, &r, &nonce).err(),
            Some(AuthError::BadResponse),
            "single use"
        );
        assert!(auth.verify("not a token").is_none());
    }

    #[test]
    fn wrong_answers_unknown_recipients_and_expiry_are_refused() {
        let (config, id) = setup();
        let auth = Auth::new(Duration::from_millis(30));
        let r = id.to_public().to_string();
        let stranger = x25519::Identity::generate().to_public().to_string();
        assert_eq!(
            auth.challenge(&config, &stranger).err(),
            Some(AuthError::UnknownRecipient)
        );
        assert_eq!(
            auth.challenge(&config, "age1garbage").err(),
            Some(AuthError::UnknownRecipient)
        );
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        assert_eq!(
            auth.session(&config, &r, "00ff").err(),
            Some(AuthError::BadResponse)
        );
        assert_eq!(
            auth.session(&config, &stranger, &nonce).err(),
            Some(AuthError::BadResponse),
            "a nonce is bound to its recipient"
        );
        let nonce = answer(&id, &auth.challenge(&config, &r).unwrap());
        let (token, _) = auth.session(&config, &r, &nonce).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        assert!(auth.verify(token.expose()).is_none(), "expired");
    }
}
