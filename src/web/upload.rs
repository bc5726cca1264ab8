//! Reading a pupil's form that may carry evidence images: `multipart/form-data` from the report
//! and follow-up forms, or the plain urlencoded form. Text fields are always read (together
//! within the urlencoded form's limit), so a refused file never costs the pupil what they
//! typed.
//!
//! Before the first byte of a file is held, the form's own gate decides from the text fields
//! read so far (the pupil forms send every field that matters before the files) whether files
//! may be taken at all: for a follow-up, whether the code opens a report; for both forms,
//! whether the source is over a limit already. A source whose budget of images is spent has
//! every file read past unheld; the rest are held only within the configured size, the
//! source's share of upload memory, and the server's whole budget. One address can so never
//! make an honest pupil's photo "busy" on its own. (The images are counted against that budget
//! by the handlers, once the form is otherwise fine and before they are decoded, so a form
//! refused for a mistake costs no images.)

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::StatusCode;
use zeroize::Zeroizing;

use crate::evidence::{FILES_MAX, ImageProblem};
use crate::intake::{FileProblem, FileRefused, Held, Upload};
use crate::ratelimit::{RetryAfter, Source};

use super::form::{FormBody, content_type_is, is_urlencoded};
use super::{AppState, FORM_BODY_MAX};

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

/// What a form's gate says about its files, asked once, when the first file arrives.
#[derive(Clone, Copy)]
pub enum Admit {
    /// Take them, each within the per-source and server-wide budgets.
    Files,
    /// Take none; each is refused for this reason. The text after them is still read.
    Refuse(FileProblem),
    /// The source is over a limit: take none (the form will be refused as "too many"). The text
    /// after them is still read.
    Limited(RetryAfter),
    /// Read no further: the form is refused whatever follows (a code that opens nothing).
    Stop,
}

/// A form's own rules for its files, applied before any of their bytes are held.
pub trait FileGate: Send {
    /// Decides from the text fields read so far.
    fn admit(&mut self, fields: &FormBody) -> impl Future<Output = Admit> + Send;
}

/// A pupil's form as it arrived.
pub struct Submitted {
    pub fields: FormBody,
    /// Evidence files that fit, in the order sent.
    pub files: Vec<Upload>,
    /// Files refused while reading: too big, one too many, no room to hold them, or not taken
    /// for this kind of report.
    pub refused: Vec<FileRefused>,
    pub broken: Option<Broken>,
    /// Set when files went unread because the source is over a limit.
    pub limited: Option<RetryAfter>,
    /// How many files the pupil sent, taken or not.
    sent: usize,
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
            limited: None,
            sent: 0,
            held: Held::default(),
        }
    }

    /// True when the pupil tried to send any file.
    pub fn has_files(&self) -> bool {
        self.sent > 0
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

/// Reads the form of `req` from `source`, whichever encoding it came in; `gate` decides on its
/// files.
pub async fn read(
    req: Request,
    state: &AppState,
    source: Source,
    gate: &mut impl FileGate,
) -> Submitted {
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
        Ok(multipart) => read_multipart(multipart, state, source, gate).await,
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

async fn read_multipart(
    mut multipart: Multipart,
    state: &AppState,
    source: Source,
    gate: &mut impl FileGate,
) -> Submitted {
    let images = &state.images;
    let limiters = &state.limiters;
    let mut pairs = Vec::new();
    let mut invalid_utf8 = false;
    let mut files = Vec::new();
    let mut refused = Vec::new();
    let mut held = Held::default();
    let mut text_bytes = 0usize;
    let mut sent_files = 0;
    let mut broken = None;
    let mut admit = None;
    let mut limited = None;
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
        if admit.is_none() {
            let so_far = FormBody::from_pairs(pairs.clone(), invalid_utf8);
            let decided = gate.admit(&so_far).await;
            if let Admit::Limited(wait) = decided {
                limited = Some(wait);
            }
            admit = Some(decided);
        }
        // Refused with a reason the pupil is told, or read past unrecorded (over a limit).
        let mut why = None;
        let mut unread = false;
        match admit {
            Some(Admit::Stop) => {
                return Submitted {
                    fields: FormBody::from_pairs(pairs, invalid_utf8),
                    sent: sent_files,
                    ..Submitted::empty(None)
                };
            }
            Some(Admit::Refuse(problem)) => why = Some(problem),
            Some(Admit::Limited(_)) => unread = true,
            Some(Admit::Files) | None if sent_files > FILES_MAX => {
                why = Some(FileProblem::TooMany { max: FILES_MAX });
            }
            Some(Admit::Files) | None => {
                if let Err(wait) = limiters.uploads_refusing(source) {
                    limited = Some(wait);
                    admit = Some(Admit::Limited(wait));
                    unread = true;
                }
            }
        }
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
            if why.is_some() || unread {
                continue;
            }
            if total > limit {
                bytes = Zeroizing::new(Vec::new());
                why = Some(too_big(total, limit));
            } else if !limiters.upload_memory(source, held.source_share(), chunk.len())
                || !images.reserve(&mut held, chunk.len())
            {
                // The source's share or the server's budget is full.
                bytes = Zeroizing::new(Vec::new());
                why = Some(FileProblem::Busy);
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        if unread {
            if broken.is_some() {
                break;
            }
            continue;
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
        limited,
        sent: sent_files,
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
