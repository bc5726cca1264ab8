//! Reading a pupil's form that may carry evidence images: `multipart/form-data` from the report
//! and follow-up forms, or the plain urlencoded form. Text fields are always read (together
//! within the urlencoded form's limit), so a refused file never costs the pupil what they
//! typed; files are held in memory only within the configured size, and only while the
//! server's upload memory budget has room.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use zeroize::Zeroizing;

use crate::evidence::{FILES_MAX, ImageProblem};
use crate::intake::{FileProblem, FileRefused, Held, ImageWork, Upload};

use super::FORM_BODY_MAX;
use super::form::{FormBody, content_type_is, is_urlencoded};

/// The form field that carries evidence images (DESIGN.md).
pub const EVIDENCE_FIELD: &str = "evidence";

/// Most bytes kept of one text field. The longest text a pupil may send is 20,000 four-byte
/// characters (80 KB); anything longer is refused as too long by validation, with its first
/// part kept for the pupil.
const TEXT_FIELD_MAX: usize = 256 * 1024;

/// Most parts read from one form. A browser sends fewer than 20.
const PARTS_MAX: usize = 64;

/// The text fields of the report and follow-up forms; other parts are read past and dropped.
const TEXT_FIELDS: &[&str] = &[
    "lang",
    "category",
    "description",
    "where",
    "when",
    "involved",
    "danger_now",
    "code",
    "message",
    // The report form's submission token (DESIGN.md "Idempotent submissions").
    "t",
];

/// Longest file name shown back to the pupil.
const NAME_MAX_CHARS: usize = 60;

/// What could not be read of the form as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// Neither an urlencoded nor a multipart form.
    NotAForm,
    /// The body went over the size limit; what came before it was read.
    TooLarge,
    /// The body broke off or was malformed; what came before it was read.
    Unreadable,
}

/// A pupil's form as it arrived.
pub struct Submitted {
    pub fields: FormBody,
    /// Evidence files that fit, in the order sent.
    pub files: Vec<Upload>,
    /// Files refused while reading: too big, one too many, or no room to hold them.
    pub refused: Vec<FileRefused>,
    pub broken: Option<Broken>,
    /// The upload memory the files were counted against; it goes with them to be cleaned.
    pub held: Held,
}

impl Submitted {
    fn empty(broken: Option<Broken>) -> Submitted {
        Submitted {
            fields: FormBody::parse(b""),
            files: Vec::new(),
            refused: Vec::new(),
            broken,
            held: Held::default(),
        }
    }

    /// True when the pupil tried to send any file.
    pub fn has_files(&self) -> bool {
        !self.files.is_empty() || !self.refused.is_empty()
    }

    /// Every file the pupil sent, refused or not, by name.
    pub fn file_names(&self) -> Vec<String> {
        self.files
            .iter()
            .map(|f| f.name.clone())
            .chain(self.refused.iter().map(|r| r.file.clone()))
            .collect()
    }
}

/// Largest body accepted on a route that takes evidence: the text and `FILES_MAX` files. A
/// sixth file is refused by name while it is read, so allow for one more.
pub fn body_limit(file_bytes: usize) -> usize {
    FORM_BODY_MAX + (FILES_MAX + 1) * (file_bytes + 4096)
}

/// Reads the form of `req`, whichever encoding it came in.
pub async fn read(req: Request, images: &ImageWork) -> Submitted {
    if is_urlencoded(req.headers()) {
        return match axum::body::to_bytes(req.into_body(), FORM_BODY_MAX).await {
            Ok(body) => Submitted {
                fields: FormBody::parse(&body),
                ..Submitted::empty(None)
            },
            Err(e) => Submitted::empty(Some(body_error(&e))),
        };
    }
    if !content_type_is(req.headers(), "multipart/form-data") {
        return Submitted::empty(Some(Broken::NotAForm));
    }
    match Multipart::from_request(req, &()).await {
        Ok(multipart) => read_multipart(multipart, images).await,
        Err(_) => Submitted::empty(Some(Broken::Unreadable)),
    }
}

fn body_error(e: &axum::Error) -> Broken {
    // Over the limit shows as a `LengthLimitError` somewhere in the chain.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return Broken::TooLarge;
        }
        source = err.source();
    }
    Broken::Unreadable
}

async fn read_multipart(mut multipart: Multipart, images: &ImageWork) -> Submitted {
    let mut pairs = Vec::new();
    let mut invalid_utf8 = false;
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut held = Held::default();
    let mut text_bytes = 0usize;
    let mut sent_files = 0;
    let mut broken = None;
    for _ in 0..PARTS_MAX {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                broken = Some(multipart_error(e.status()));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        if name != EVIDENCE_FIELD {
            // Text: only the fields the pupil forms have, all of them together within the
            // urlencoded form's limit. Anything else is read past and dropped.
            let keep = TEXT_FIELDS.contains(&name.as_str());
            let mut bytes = Zeroizing::new(Vec::new());
            let mut outcome = None;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) if keep => {
                        text_bytes += chunk.len();
                        if text_bytes > FORM_BODY_MAX {
                            outcome = Some(Broken::TooLarge);
                            break;
                        }
                        let room = TEXT_FIELD_MAX.saturating_sub(bytes.len());
                        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(e) => {
                        outcome = Some(multipart_error(e.status()));
                        break;
                    }
                }
            }
            if keep {
                let value = match std::str::from_utf8(&bytes) {
                    Ok(s) => s.to_owned(),
                    Err(_) => {
                        invalid_utf8 = true;
                        String::from_utf8_lossy(&bytes).into_owned()
                    }
                };
                pairs.push((name, value));
            }
            if outcome.is_some() {
                broken = outcome;
                break;
            }
            continue;
        }
        // An evidence file. A browser sends a part with `filename=""` and no bytes for a file
        // input left empty (and the body may arrive as an empty chunk): that is no file at all.
        let mut first = None;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if chunk.is_empty() => continue,
                Ok(Some(chunk)) => first = Some(chunk),
                Ok(None) => {}
                Err(e) => broken = Some(multipart_error(e.status())),
            }
            break;
        }
        if broken.is_some() {
            break;
        }
        if first.is_none() && file_name.as_deref().unwrap_or("").is_empty() {
            continue;
        }
        sent_files += 1;
        let shown = shown_name(file_name.as_deref(), sent_files);
        let mut why = (sent_files > FILES_MAX).then_some(FileProblem::TooMany { max: FILES_MAX });
        let limit = images.file_bytes();
        let mut bytes = Zeroizing::new(Vec::new());
        let mut total = 0usize;
        loop {
            let chunk = match first.take() {
                Some(chunk) => chunk,
                None => match field.chunk().await {
                    Ok(Some(chunk)) => chunk,
                    Ok(None) => break,
                    Err(e) => {
                        let cut = multipart_error(e.status());
                        // A file cut off by the size limit is over the limit itself.
                        if cut == Broken::TooLarge && why.is_none() {
                            why = Some(too_big(total, limit));
                        }
                        broken = Some(cut);
                        break;
                    }
                },
            };
            total += chunk.len();
            if why.is_some() {
                continue;
            }
            if total > limit {
                bytes = Zeroizing::new(Vec::new());
                why = Some(too_big(total, limit));
            } else if !images.reserve(&mut held, chunk.len()) {
                bytes = Zeroizing::new(Vec::new());
                why = Some(FileProblem::Busy);
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        if let Some(FileProblem::Image(ImageProblem::TooBig { bytes, .. })) = &mut why {
            *bytes = total;
        }
        match why {
            Some(why) => refused.push(FileRefused { file: shown, why }),
            None if total == 0 => refused.push(FileRefused {
                file: shown,
                why: FileProblem::Image(ImageProblem::NotAnImage),
            }),
            None => files.push(Upload { name: shown, bytes }),
        }
        if broken.is_some() {
            break;
        }
    }
    if broken.is_none() && matches!(multipart.next_field().await, Ok(Some(_))) {
        broken = Some(Broken::Unreadable);
    }
    Submitted {
        fields: FormBody::from_pairs(pairs, invalid_utf8),
        files,
        refused,
        broken,
        held,
    }
}

fn too_big(bytes: usize, max: usize) -> FileProblem {
    FileProblem::Image(ImageProblem::TooBig { bytes, max })
}

fn multipart_error(status: StatusCode) -> Broken {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        Broken::TooLarge
    } else {
        Broken::Unreadable
    }
}

/// The file's name as the pupil knows it, for messages only (never stored): the last path part
/// (old browsers send `C:\fakepath\…`), without control characters, shortened; "file 3" when
/// there is none.
fn shown_name(sent: Option<&str>, nth: usize) -> String {
    let base = sent
        .unwrap_or("")
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    let base = base.trim();
    if base.is_empty() {
        return format!("#{nth}");
    }
    let mut shown: String = base.chars().take(NAME_MAX_CHARS).collect();
    if base.chars().count() > NAME_MAX_CHARS {
        shown.push('…');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_names_are_short_and_plain() {
        assert_eq!(
            shown_name(Some("C:\\fakepath\\IMG_1234.jpg"), 1),
            "IMG_1234.jpg"
        );
        assert_eq!(
            shown_name(Some("a/b/screen\u{7}shot.png"), 2),
            "screenshot.png"
        );
        assert_eq!(shown_name(None, 3), "#3");
        assert_eq!(shown_name(Some("   "), 4), "#4");
        let long = shown_name(Some(&"x".repeat(100)), 5);
        assert_eq!(long.chars().count(), NAME_MAX_CHARS + 1);
    }
}
