//! The thief with the disk (DESIGN.md "Key schedule"): take every value a data folder stores,
//! apply every derivation the crate knows to each, and see whether any result is a key that
//! opens an age file of the folder.
//!
//! An X25519 identity opens an age file exactly when its public key is one of the file's
//! recipients, so a candidate key is judged by its public key against every recipient the thief
//! can see (the advisers' from the config, the reporters' from the database); a match is then
//! confirmed by really decrypting. That keeps tens of thousands of candidates cheap.

use std::collections::BTreeSet;
use std::path::Path;

use age::x25519;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::decrypt;

const AGE_MAGIC: &[u8] = b"age-encryption.org/v1";

/// What a stolen data folder holds, as the thief reads it.
pub struct Loot {
    /// Every value of every column of every row, and every other file whole.
    pub values: Vec<Vec<u8>>,
    /// Every stored age file.
    pub ciphertexts: Vec<Vec<u8>>,
    /// Every public recipient the thief can see.
    pub recipients: BTreeSet<String>,
    /// The server secret, when the thief took it too.
    pub secret: Option<[u8; 32]>,
}

/// Reads a copy of `data_dir` (so SQLite's recovery cannot change the evidence) the way a thief
/// would: every table, every row, every column; other files whole. `server-secret` only when
/// `with_secret`. `public` are recipients the thief knows anyway (the config is public).
pub fn loot(data_dir: &Path, with_secret: bool, public: &[x25519::Recipient]) -> Loot {
    let copy = tempfile::tempdir().unwrap();
    let mut values = Vec::new();
    let mut secret = None;
    for (path, bytes) in super::all_files(data_dir) {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "server-secret" {
            if with_secret {
                secret = Some(bytes[..].try_into().expect("32 bytes"));
                values.push(bytes.clone());
            }
        } else if !name.starts_with("fluister.db") {
            values.push(bytes.clone());
        }
        std::fs::write(copy.path().join(&name), &bytes).unwrap();
    }
    let db = rusqlite::Connection::open(copy.path().join("fluister.db")).unwrap();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in &tables {
        let mut stmt = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                use rusqlite::types::ValueRef;
                match row.get_ref(i).unwrap() {
                    ValueRef::Null => {}
                    ValueRef::Integer(n) => {
                        values.push(n.to_string().into_bytes());
                        values.push(n.to_le_bytes().to_vec());
                        values.push(n.to_be_bytes().to_vec());
                    }
                    ValueRef::Real(f) => values.push(f.to_string().into_bytes()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => values.push(t.to_vec()),
                }
            }
        }
    }
    let ciphertexts = values
        .iter()
        .filter(|v| v.starts_with(AGE_MAGIC))
        .cloned()
        .collect();
    let mut recipients: BTreeSet<String> = public.iter().map(|r| r.to_string()).collect();
    for v in &values {
        if let Some(r) = std::str::from_utf8(v)
            .ok()
            .and_then(|s| s.trim().parse::<x25519::Recipient>().ok())
        {
            recipients.insert(r.to_string());
        }
    }
    Loot {
        values,
        ciphertexts,
        recipients,
        secret,
    }
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn expand(prk: &[u8; 32], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::from_prk(prk)
        .unwrap()
        .expand(info, &mut out)
        .unwrap();
    out
}

/// Every 32-byte key the thief can make from `values` with the crate's derivations: HMAC (which
/// is HKDF-Extract) keyed by every label, by the secret and every subkey of it, and keyed by the
/// value itself; SHA-256; the value as it is; then HKDF-Expand of each of those under every
/// label the crate uses. Plus any stored text that is itself an age identity.
pub fn candidate_keys(values: &[Vec<u8>], secret: Option<&[u8; 32]>) -> Vec<x25519::Identity> {
    let labels = fluister::keys::labels();
    let mut keys: Vec<Vec<u8>> = labels.iter().map(|l| l.to_vec()).collect();
    keys.push(Vec::new());
    if let Some(s) = secret {
        keys.push(s.to_vec());
        for salt in &labels {
            let prk = hmac(salt, s);
            keys.push(prk.to_vec());
            for info in &labels {
                keys.push(expand(&prk, info).to_vec());
            }
        }
        for info in &labels {
            keys.push(expand(s, info).to_vec());
        }
    }
    let mut first: BTreeSet<[u8; 32]> = BTreeSet::new();
    let mut identities = Vec::new();
    for v in values {
        if let Ok(id) = std::str::from_utf8(v)
            .unwrap_or("")
            .trim()
            .parse::<x25519::Identity>()
        {
            identities.push(id);
        }
        if let Ok(raw) = <[u8; 32]>::try_from(&v[..]) {
            first.insert(raw);
        }
        first.insert(Sha256::digest(v).into());
        for k in &keys {
            first.insert(hmac(k, v));
            first.insert(hmac(v, k));
        }
    }
    let mut all: BTreeSet<[u8; 32]> = first.clone();
    for x in &first {
        for info in &labels {
            all.insert(expand(x, info));
        }
    }
    identities.extend(all.iter().map(fluister::crypto::identity_from_bytes));
    identities
}

/// What the thief opened: one line per key that matched a recipient, naming how many stored
/// age files it decrypts. Empty when the folder keeps its promise.
pub fn what_opens(loot: &Loot, extra_values: &[Vec<u8>]) -> Vec<String> {
    let mut values = loot.values.clone();
    values.extend_from_slice(extra_values);
    let mut found = Vec::new();
    for id in candidate_keys(&values, loot.secret.as_ref()) {
        let public = id.to_public().to_string();
        if loot.recipients.contains(&public) {
            let opened = loot
                .ciphertexts
                .iter()
                .filter(|ct| decrypt(&id, ct).is_ok())
                .count();
            found.push(format!(
                "a derived key for {public} opens {opened} of {} age files",
                loot.ciphertexts.len()
            ));
        }
    }
    found
}
