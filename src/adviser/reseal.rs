//! The reseal on the adviser's computer (DESIGN.md "Adviser lifecycle"): every report, message,
//! note and image of a school, opened here and sealed again for the school's current advisers
//! and recovery key, and for the pupil too unless it is a note, then put back on the server
//! only if nobody changed it meanwhile.
//!
//! The server marks each stored file with the fingerprint of the set it was sealed for, so a
//! file already sealed for the current set is skipped without being fetched or opened, and a
//! second run finishes what an interrupted one left. Plaintext lives in memory only, one item
//! at a time. The server's side is `crate::reseal` and `web::team`.

use age::x25519;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::client::{ClientError, ListEntry, Replace, ReportDetail, ReportListing};
use super::engine::{Error, TeamView, Workstation};
use super::pins::{AdviserChange, AdviserSet};
use crate::crypto;
use crate::store::{Author, Item, ReportId};

/// Which changed adviser lists a reseal may accept (and pin) before it seals to them.
#[derive(Debug, Clone, Copy)]
pub enum Accept<'a> {
    /// None: a school whose list differs from the pinned one stops the reseal.
    Nothing,
    /// Whatever the server lists now (`--accept-new-advisers`).
    Any,
    /// Exactly the list with this fingerprint, the one the adviser was shown (the UI's button).
    Shown(&'a str),
}

/// Where a reseal is, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub school: &'a str,
    /// Cases looked at so far, of `cases`.
    pub case: usize,
    pub cases: usize,
    /// Items dealt with so far (sealed again, skipped or failed), of about `items`.
    pub item: usize,
    pub items: usize,
}

/// One item that could not be sealed again, and why, in words for the adviser.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// The report, when the server's list named one.
    pub report: Option<String>,
    /// `report`, `message 3`, `image 2`.
    pub item: String,
    pub why: String,
    /// True when it does not open with this key (it was sealed before the key joined): a
    /// colleague who can open it, or the recovery key, must reseal it. Shown grouped per case.
    pub locked: bool,
}

/// Locked items grouped per report, in order: (report, how many).
pub fn locked_per_report(failed: &[Failure]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for f in failed.iter().filter(|f| f.locked) {
        let report = f.report.clone().unwrap_or_default();
        match out.iter_mut().find(|(r, _)| *r == report) {
            Some((_, n)) => *n += 1,
            None => out.push((report, 1)),
        }
    }
    out
}

/// What a reseal did for one school.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    pub school: String,
    /// The school's current set, which everything is sealed for now.
    pub fingerprint: String,
    /// Cases looked at.
    pub cases: usize,
    /// Items sealed again and stored.
    pub resealed: usize,
    /// Items skipped because they were already sealed for the current set.
    pub current: usize,
    /// Items skipped because they changed on the server since they were read (another
    /// adviser's reseal): a second run checks them.
    pub changed: usize,
    pub failed: Vec<Failure>,
    /// A change of the school's list that was accepted (and pinned) for this reseal.
    pub accepted: Option<AdviserChange>,
}

impl Outcome {
    /// True when every item is sealed for the current set (as far as this run could tell).
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.changed == 0
    }
}

/// The pupil's part of an item: whether the pupil reads it, so it is sealed to them too.
fn pupil_reads(detail: &ReportDetail, item: Item) -> bool {
    let author_of = |seq: i64| {
        detail
            .messages
            .iter()
            .find(|m| m.seq == seq)
            .map(|m| m.author)
    };
    match item {
        Item::Report => true,
        Item::Message(seq) => author_of(seq) != Some(Author::Note),
        Item::Attachment(n) => {
            let with = detail
                .messages
                .iter()
                .find(|m| m.attachments.iter().any(|a| i64::from(a.n) == n));
            with.is_none_or(|m| m.author != Author::Note)
        }
    }
}

fn item_label(item: Item) -> String {
    match item {
        Item::Report => "report".to_owned(),
        Item::Message(seq) => format!("message {seq}"),
        Item::Attachment(n) => format!("image {n}"),
    }
}

/// How many items a listed case has: the report, its messages, its images.
fn items_of(l: &ReportListing) -> usize {
    1 + usize::try_from(l.messages).unwrap_or(0) + l.attachments as usize
}

/// The SHA-256 of a ciphertext as the API's `If-Match` names it.
fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Workstation {
    /// Seals every case of `school` (or of every school of this adviser) again for its current
    /// team. `all` seals again also what is marked as sealed for the current set. A school
    /// whose list differs from the one pinned here is resealed only if `accept` allows, and
    /// then that list is pinned first. Calls `progress` after every item.
    pub fn reseal(
        &self,
        school: Option<&str>,
        all: bool,
        accept: Accept<'_>,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<Vec<Outcome>, Error> {
        let schools: Vec<String> = match school {
            Some(s) if self.schools().iter().any(|mine| mine == s) => vec![s.to_owned()],
            Some(s) => {
                return Err(Error::NotYourSchool {
                    school: s.to_owned(),
                    yours: self.schools().join(", "),
                });
            }
            None => self.schools().to_vec(),
        };
        // Every school's list is checked (and accepted) before anything is sealed.
        let mut teams = Vec::new();
        for s in &schools {
            let listed = self.call(|c| c.recipients(s))?;
            let view = self.team_view(s, &listed.team)?;
            let accepted = match (&view.change, accept) {
                (None, _) => None,
                (Some(change), Accept::Any) => Some(change.clone()),
                (Some(change), Accept::Shown(fp)) if fp == change.fingerprint => {
                    Some(change.clone())
                }
                (Some(_), Accept::Shown(_)) => {
                    return Err(Error::AdvisersChangedAgain { school: s.clone() });
                }
                (Some(change), Accept::Nothing) => {
                    return Err(Error::AdvisersChanged(change.clone()));
                }
            };
            if accepted.is_some() {
                let set = AdviserSet::from_listed(&listed.team.recipients);
                self.cache().pin_advisers(s, &set)?;
            }
            let recipients = listed
                .team
                .recipients
                .iter()
                .map(|r| {
                    r.trim()
                        .parse::<x25519::Recipient>()
                        .map_err(|_| Error::BadRecipient {
                            id: format!("of school {s}"),
                            recipient: r.clone(),
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            teams.push((view, recipients, accepted));
        }
        let entries = self.call(|c| c.reports(None))?;
        let mut outcomes = Vec::new();
        for (team, recipients, accepted) in teams {
            let mut outcome = Outcome {
                school: team.school.clone(),
                fingerprint: team.fingerprint.clone(),
                accepted,
                ..Outcome::default()
            };
            self.reseal_school(&team, &recipients, &entries, all, &mut outcome, progress)?;
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    fn reseal_school(
        &self,
        team: &TeamView,
        recipients: &[x25519::Recipient],
        entries: &[ListEntry],
        all: bool,
        outcome: &mut Outcome,
        progress: &mut dyn FnMut(Progress<'_>),
    ) -> Result<(), Error> {
        let school = team.school.as_str();
        let cases: Vec<&ReportListing> = entries
            .iter()
            .filter_map(|e| match e {
                ListEntry::Report(l) if l.school == school => Some(l),
                _ => None,
            })
            .collect();
        for e in entries {
            if let ListEntry::Unreadable { id, detail } = e {
                outcome.failed.push(Failure {
                    report: id.as_ref().map(ToString::to_string),
                    item: "listing".into(),
                    why: format!("the server's list entry could not be read ({detail})"),
                    locked: false,
                });
            }
        }
        let items: usize = cases.iter().map(|l| items_of(l)).sum();
        let mut done = 0;
        for (i, listing) in cases.iter().enumerate() {
            outcome.cases += 1;
            if !all && !listing.reseal_due {
                // The server says every item of it is sealed for the current set.
                outcome.current += items_of(listing);
                done += items_of(listing);
            } else {
                match self.reseal_case(&listing.id, team, recipients, all, outcome) {
                    Ok(n) => done += n,
                    Err(e) if concerns_the_run(&e) => return Err(e),
                    Err(e) => {
                        done += items_of(listing);
                        outcome.failed.push(Failure {
                            report: Some(listing.id.to_string()),
                            item: "case".into(),
                            why: e.to_string(),
                            locked: false,
                        });
                    }
                }
            }
            progress(Progress {
                school,
                case: i + 1,
                cases: cases.len(),
                item: done.min(items),
                items,
            });
        }
        Ok(())
    }

    /// Seals one case again, item by item; answers how many items it dealt with.
    fn reseal_case(
        &self,
        id: &ReportId,
        team: &TeamView,
        recipients: &[x25519::Recipient],
        all: bool,
        outcome: &mut Outcome,
    ) -> Result<usize, Error> {
        let detail = self.call(|c| c.report(id))?;
        let reporter = detail
            .reporter_recipient
            .trim()
            .parse::<x25519::Recipient>();
        let mut todo: Vec<(Item, Option<&str>)> =
            vec![(Item::Report, detail.sealed_for.as_deref())];
        for a in &detail.attachments {
            todo.push((Item::Attachment(i64::from(a.n)), a.sealed_for.as_deref()));
        }
        for m in &detail.messages {
            todo.push((Item::Message(m.seq), m.sealed_for.as_deref()));
            for a in &m.attachments {
                todo.push((Item::Attachment(i64::from(a.n)), a.sealed_for.as_deref()));
            }
        }
        for (item, sealed_for) in &todo {
            if !all && *sealed_for == Some(team.fingerprint.as_str()) {
                outcome.current += 1;
                continue;
            }
            let pupil = pupil_reads(&detail, *item);
            let reporter = match (&reporter, pupil) {
                (Ok(r), true) => Some(r),
                (Err(_), true) => {
                    return Err(Error::BadRecipient {
                        id: id.to_string(),
                        recipient: detail.reporter_recipient.clone(),
                    });
                }
                (_, false) => None,
            };
            match self.reseal_item(&detail, *item, reporter, recipients, &team.fingerprint) {
                Ok(Replace::Done) => outcome.resealed += 1,
                Ok(Replace::Changed) => outcome.changed += 1,
                Err(e) if concerns_the_run(&e) => return Err(e),
                Err(e) => outcome.failed.push(Failure {
                    report: Some(id.to_string()),
                    item: item_label(*item),
                    locked: matches!(e, Error::ResealLocked { .. }),
                    why: e.to_string(),
                }),
            }
        }
        Ok(todo.len())
    }

    /// Opens one item, seals it for `recipients` (and the reporter, when given) and replaces
    /// it on the server if it is still the one read.
    fn reseal_item(
        &self,
        detail: &ReportDetail,
        item: Item,
        reporter: Option<&x25519::Recipient>,
        recipients: &[x25519::Recipient],
        fingerprint: &str,
    ) -> Result<Replace, Error> {
        let id = &detail.id;
        let fetched;
        let old: &[u8] = match item {
            Item::Report => &detail.ciphertext,
            Item::Message(seq) => detail
                .messages
                .iter()
                .find(|m| m.seq == seq)
                .map(|m| &m.ciphertext[..])
                .expect("the item list is made from these messages"),
            Item::Attachment(n) => {
                let n = u32::try_from(n).expect("attachment numbers come from u32");
                fetched = self.call(|c| c.attachment(id, n))?;
                &fetched
            }
        };
        let plain = self.key().decrypt(old).map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::ResealLocked {
                id: id.to_string(),
                item: item_label(item),
            },
            _ => Error::ResealDamaged {
                id: id.to_string(),
                item: item_label(item),
            },
        })?;
        // The reporter first, as the server seals (intake::recipients_for says why).
        let list: Vec<&dyn age::Recipient> = reporter
            .into_iter()
            .map(|r| r as &dyn age::Recipient)
            .chain(recipients.iter().map(|r| r as &dyn age::Recipient))
            .collect();
        let sealed = crypto::encrypt(&list, &plain)?;
        drop(plain);
        let read = sha256_hex(old);
        let outcome = self
            .call(|c| c.replace(id, item, &read, fingerprint, &sealed))
            .map_err(|e| match e {
                Error::Client(ClientError::Api { code, .. }) if code == "stale_team" => {
                    Error::TeamChangedDuringReseal {
                        school: detail.school.clone(),
                    }
                }
                other => other,
            })?;
        if outcome == Replace::Done {
            // The local cache keeps what the server has now, not the copy for the old team.
            match item {
                Item::Report => self.cache().store_report(id, &sealed)?,
                Item::Message(seq) => self.cache().store_message(id, seq, &sealed)?,
                Item::Attachment(_) => {}
            }
        }
        Ok(outcome)
    }
}

/// True for a failure that stops the whole reseal rather than one item: the server gone or
/// refusing the sign-in, the cache unusable, the team changed underway.
fn concerns_the_run(e: &Error) -> bool {
    match e {
        Error::TeamChangedDuringReseal { .. } => true,
        Error::Client(c) => !matches!(
            c,
            ClientError::NotFound { .. }
                | ClientError::AttachmentNotFound { .. }
                | ClientError::BadAnswer { .. }
                | ClientError::Api { .. }
        ),
        Error::Key(_) => true,
        Error::Cache(super::cache::CacheError::NotAge { .. }) => false,
        Error::Cache(_) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adviser::client::{AttachmentListing, MessageListing};
    use crate::store::Status;

    #[test]
    fn notes_and_their_images_are_never_sealed_to_the_pupil() {
        let message = |seq, author, n: u32| MessageListing {
            seq,
            author,
            sent_on: "2026-11-22".into(),
            ciphertext: Vec::new(),
            sealed_for: None,
            attachments: vec![AttachmentListing {
                n,
                size: 1,
                sealed_for: None,
            }],
        };
        let detail = ReportDetail {
            schedule: Default::default(),
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::Open,
            reporter_recipient: "age1x".into(),
            adviser_recipients: Vec::new(),
            team: None,
            ciphertext: Vec::new(),
            sealed_for: None,
            attachments: vec![AttachmentListing {
                n: 1,
                size: 1,
                sealed_for: None,
            }],
            messages: vec![
                message(1, Author::Pupil, 2),
                message(2, Author::Adviser, 3),
                message(3, Author::Note, 4),
            ],
        };
        for (item, pupil) in [
            (Item::Report, true),
            (Item::Attachment(1), true),
            (Item::Message(1), true),
            (Item::Attachment(2), true),
            (Item::Message(2), true),
            (Item::Message(3), false),
            (Item::Attachment(4), false),
        ] {
            assert_eq!(pupil_reads(&detail, item), pupil, "{item:?}");
        }
    }
}
