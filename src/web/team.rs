//! The adviser API's calls for the adviser lifecycle (DESIGN.md, docs/api.md section 3): who a
//! school's files are sealed to now, and replacing one stored item by a new sealing of it, only
//! if it is still the one the client read. The server never sees plaintext here either.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::School;
use crate::recipients;
use crate::reseal::{self, FileProblem};
use crate::store::{Item, Replaced, Replacement};

use super::AppState;
use super::api::{Adviser, ApiError, ApiPath, json_body};

/// The header that names the recipient set a replacement is sealed for.
pub const SEALED_FOR_HEADER: &str = "fluister-sealed-for";

/// A school's current recipients as the API shows them: the advisers (with the names the config
/// gives them), the recovery key, all of them as the list to seal to, and its fingerprint.
pub fn team_json(school: &School) -> serde_json::Value {
    let advisers: Vec<_> = school
        .advisers
        .iter()
        .map(|a| json!({ "recipient": a.to_string(), "name": school.adviser_name(a) }))
        .collect();
    let recipients: Vec<String> = school
        .sealing_recipients()
        .iter()
        .map(ToString::to_string)
        .collect();
    json!({
        "advisers": advisers,
        "recovery": school.recovery.as_ref().map(ToString::to_string),
        "recipients": recipients,
        "fingerprint": school.fingerprint(),
    })
}

/// `GET schools/{school}/recipients`: the school's team now, and how much of it is still sealed
/// for another set (`due`).
pub async fn recipients(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath(slug): ApiPath<String>,
) -> Result<Response, ApiError> {
    if !adviser.0.schools.contains(&slug) {
        return Err(ApiError::NotFound);
    }
    let config = state.config();
    let school = config.school(&slug).ok_or(ApiError::NotFound)?;
    let due = state.store.due(slug.clone(), school.fingerprint()).await?;
    let mut body = team_json(school);
    body["school"] = json!(slug);
    body["due"] = json!({ "reports": due.reports, "items": due.items });
    Ok(json_body(&body))
}

/// `PUT reports/{id}/ciphertext`: the report itself, sealed again.
pub async fn replace_report(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    replace(state, adviser, &id, Item::Report, &headers, body).await
}

/// `PUT reports/{id}/messages/{seq}/ciphertext`: one message, sealed again.
pub async fn replace_message(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath((id, seq)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let seq = number(&seq)?;
    replace(state, adviser, &id, Item::Message(seq), &headers, body).await
}

/// `PUT reports/{id}/attachments/{n}`: one evidence image, sealed again.
pub async fn replace_attachment(
    State(state): State<AppState>,
    adviser: Adviser,
    ApiPath((id, n)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let n = number(&n)?;
    replace(state, adviser, &id, Item::Attachment(n), &headers, body).await
}

/// A message's or image's number from the path: 1, 2, 3 …; anything else is not an item.
fn number(s: &str) -> Result<i64, ApiError> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(ApiError::NotFound)
}

/// The replacement of one item: checked for its report's school, its `If-Match` and
/// `Fluister-Sealed-For`, its shape, then stored in one transaction if the stored item is
/// still the one read.
async fn replace(
    state: AppState,
    adviser: Adviser,
    id: &str,
    item: Item,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let report = adviser.report(&state, id).await?;
    let read = if_match(headers)?;
    let sealed_for = headers
        .get(SEALED_FOR_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| recipients::is_fingerprint(v))
        .ok_or_else(bad_sealed_for)?
        .to_owned();
    let config = state.config();
    let school = config.school(&report.school).ok_or(ApiError::NotFound)?;
    if sealed_for != school.fingerprint() {
        return Err(ApiError::StaleTeam);
    }
    let team = school.sealing_recipients().len();
    let pupil_reads = state
        .store
        .pupil_reads(report.id.clone(), item)
        .await?
        .ok_or(ApiError::NotFound)?;
    let body = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::BadRequest("bad_body", "could not read the request body".into())
        }
    })?;
    let max = match item {
        Item::Attachment(_) => reseal::ATTACHMENT_CIPHERTEXT_MAX,
        _ => reseal::DOCUMENT_CIPHERTEXT_MAX,
    };
    let ciphertext = body.to_vec();
    let (ciphertext, checked) = tokio::task::spawn_blocking(move || {
        let checked = reseal::check_file(&ciphertext, max, team, pupil_reads);
        (ciphertext, checked)
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    checked.map_err(|p| {
        let code = match p {
            FileProblem::TooLarge { .. } => "too_large",
            FileProblem::NotAge | FileProblem::Passphrase => "not_age",
            FileProblem::Recipients { .. } => "wrong_recipients",
        };
        ApiError::BadRequest(code, p.to_string())
    })?;
    let sha256 = sha256_hex(&ciphertext);
    let replaced = state
        .store
        .replace(Replacement {
            report: report.id,
            item,
            read,
            ciphertext,
            sealed_for: sealed_for.clone(),
        })
        .await?;
    match replaced {
        Replaced::Done => {
            tracing::debug!("a stored item was sealed again");
            Ok(json_body(
                &json!({ "sha256": sha256, "sealed_for": sealed_for }),
            ))
        }
        Replaced::Changed => Err(ApiError::Changed),
        Replaced::Gone => Err(ApiError::NotFound),
        Replaced::Implausible { stored, given } => Err(ApiError::BadRequest(
            "implausible_length",
            format!(
                "the new file has {given} bytes and the stored one {stored}: sealed again, the \
                 same padded plaintext differs by at most {} bytes (only its header changes)",
                reseal::LENGTH_SLACK
            ),
        )),
    }
}

/// The SHA-256 that `If-Match` names: `"` 64 lower-case hex digits `"`, as an entity tag.
fn if_match(headers: &HeaderMap) -> Result<[u8; 32], ApiError> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
        return Err(ApiError::PreconditionRequired);
    };
    let bad = || {
        ApiError::BadRequest(
            "bad_if_match",
            "If-Match must be the SHA-256 of the ciphertext you read as 64 lower-case hex \
             digits in double quotes"
                .into(),
        )
    };
    let hex = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix('"'))
        .and_then(|v| v.strip_suffix('"'))
        .filter(|v| v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
        .ok_or_else(bad)?;
    let mut out = [0u8; 32];
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16).expect("checked as hex above");
        out[i] = (digit(pair[0]) * 16 + digit(pair[1])) as u8;
    }
    Ok(out)
}

/// The error for a `sealed_for` that cannot be a fingerprint.
pub fn bad_sealed_for() -> ApiError {
    ApiError::BadRequest(
        "bad_sealed_for",
        "sealed_for (Fluister-Sealed-For) must be the fingerprint of the recipient set, 16 \
         lower-case hex digits, as GET schools/{school}/recipients gives it"
            .into(),
    )
}

/// SHA-256 of a ciphertext as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_a_quoted_sha256_and_nothing_else() {
        let hash = sha256_hex(b"age-encryption.org/v1\n");
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(axum::http::header::IF_MATCH, v.parse().unwrap());
            if_match(&h)
        };
        let bytes: [u8; 32] = Sha256::digest(b"age-encryption.org/v1\n").into();
        assert_eq!(with(&format!("\"{hash}\"")).unwrap(), bytes);
        for bad in [
            hash.clone(),
            format!("W/\"{hash}\""),
            format!("\"{}\"", hash.to_uppercase()),
            format!("\"{}\"", &hash[1..]),
            "*".to_owned(),
        ] {
            assert!(
                matches!(with(&bad), Err(ApiError::BadRequest("bad_if_match", _))),
                "{bad}"
            );
        }
        assert!(matches!(
            if_match(&HeaderMap::new()),
            Err(ApiError::PreconditionRequired)
        ));
    }
}
