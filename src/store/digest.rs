//! Queries for digests and overdue cases: what one school's digest counts, read in one
//! snapshot, and each address's mark of what its last digest counted (schema/0006_digests.sql).

use std::collections::{BTreeMap, HashMap};

use rusqlite::{Connection, params};

use super::{ReportId, Store, StoreError, Write};

/// What the last digest delivered to one address had counted: a date and two counts, never an
/// id. See schema/0006_digests.sql.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestMark {
    /// The day of that digest (or the day the address was first seen, before its first one).
    pub through_on: String,
    /// How many of the school's reports of `through_on` it had counted.
    pub reports: i64,
    /// How many of the school's pupil messages of `through_on` it had counted.
    pub pupil_messages: i64,
    /// The day the last digest was delivered; `None` before the first.
    pub sent_on: Option<String>,
}

/// What one school's digests count, read in one transaction so every figure and every mark
/// describes the same moment.
#[derive(Debug, Clone, Default)]
pub struct DigestSnapshot {
    /// Reports per arrival date, from the date asked for on.
    pub reports_by_date: BTreeMap<String, i64>,
    /// Pupil messages per date written, from the date asked for on.
    pub pupil_messages_by_date: BTreeMap<String, i64>,
    /// For each case not closed that waits for an adviser's reply: the date it has waited since.
    pub waiting_since: Vec<String>,
    /// Pupil messages, in cases not closed, with no adviser reply after them.
    pub unanswered_pupil_messages: i64,
    /// The marks of the school's addresses, by address.
    pub marks: HashMap<String, DigestMark>,
}

/// The date since which a report that is not closed waits for an adviser's reply: its own date
/// while no adviser has replied, else the date of the first pupil message after the last reply;
/// NULL when it waits for nothing. Notes are no reply: the pupil never sees them.
const WAITING_SINCE: &str = "
    CASE WHEN (SELECT max(a.seq) FROM messages a
               WHERE a.report_id = r.id AND a.author = 'adviser') IS NULL
         THEN r.received_on
         ELSE (SELECT min(p.sent_on) FROM messages p
               WHERE p.report_id = r.id AND p.author = 'pupil'
                 AND p.seq > (SELECT max(a.seq) FROM messages a
                              WHERE a.report_id = r.id AND a.author = 'adviser'))
    END";

/// Digest bookkeeping for the writer thread.
pub(super) enum DigestWrite {
    /// An address's starting point, written only when it has no mark yet.
    Start {
        school: String,
        address: String,
        mark: DigestMark,
    },
    /// What a digest just delivered to an address counted.
    Delivered {
        school: String,
        address: String,
        mark: DigestMark,
    },
    /// Forget the marks of every (school, address) pair not in this list: addresses taken out
    /// of the config leave nothing behind.
    KeepOnly(Vec<(String, String)>),
}

pub(super) fn apply(conn: &Connection, w: &DigestWrite) -> Result<(), StoreError> {
    match w {
        DigestWrite::Start {
            school,
            address,
            mark,
        } => {
            conn.execute(
                "INSERT INTO digests (school, address, through_on, reports_on, pupil_messages_on, sent_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (school, address) DO NOTHING",
                params![
                    school,
                    address,
                    mark.through_on,
                    mark.reports,
                    mark.pupil_messages,
                    mark.sent_on
                ],
            )?;
        }
        DigestWrite::Delivered {
            school,
            address,
            mark,
        } => {
            conn.execute(
                "INSERT INTO digests (school, address, through_on, reports_on, pupil_messages_on, sent_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (school, address) DO UPDATE SET
                     through_on = excluded.through_on,
                     reports_on = excluded.reports_on,
                     pupil_messages_on = excluded.pupil_messages_on,
                     sent_on = excluded.sent_on",
                params![
                    school,
                    address,
                    mark.through_on,
                    mark.reports,
                    mark.pupil_messages,
                    mark.sent_on
                ],
            )?;
        }
        DigestWrite::KeepOnly(pairs) => {
            let keep: Vec<String> = pairs.iter().map(|(s, a)| format!("{s}\n{a}")).collect();
            let keep = serde_json::to_string(&keep).expect("a list of strings serializes");
            conn.execute(
                "DELETE FROM digests
                 WHERE school || char(10) || address NOT IN (SELECT value FROM json_each(?1))",
                params![keep],
            )?;
        }
    }
    Ok(())
}

impl Store {
    /// Everything one school's digests count, as of now, in one snapshot. Per-date counts
    /// start at the earliest of `today` and the school's marks.
    pub async fn digest_snapshot(
        &self,
        school: String,
        today: String,
    ) -> Result<DigestSnapshot, StoreError> {
        self.read(move |conn| {
            let tx = conn.unchecked_transaction()?;
            let earliest: Option<String> = tx.query_row(
                "SELECT min(through_on) FROM digests WHERE school = ?1",
                params![school],
                |r| r.get(0),
            )?;
            let from = earliest.map_or(today.clone(), |e| e.min(today));
            let by_date = |sql: &str| -> rusqlite::Result<BTreeMap<String, i64>> {
                let mut stmt = tx.prepare_cached(sql)?;
                stmt.query_map(params![school, from], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect()
            };
            let reports_by_date = by_date(
                "SELECT received_on, count(*) FROM reports
                 WHERE school = ?1 AND received_on >= ?2 GROUP BY received_on",
            )?;
            let pupil_messages_by_date = by_date(
                "SELECT m.sent_on, count(*) FROM messages m JOIN reports r ON r.id = m.report_id
                 WHERE r.school = ?1 AND m.author = 'pupil' AND m.sent_on >= ?2
                 GROUP BY m.sent_on",
            )?;
            let waiting_since = tx
                .prepare_cached(&format!(
                    "SELECT waiting_since FROM (
                         SELECT {WAITING_SINCE} AS waiting_since FROM reports r
                         WHERE r.school = ?1 AND r.status <> 'closed')
                     WHERE waiting_since IS NOT NULL"
                ))?
                .query_map(params![school], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            let unanswered_pupil_messages = tx.query_row(
                "SELECT count(*) FROM messages p JOIN reports r ON r.id = p.report_id
                 WHERE r.school = ?1 AND r.status <> 'closed' AND p.author = 'pupil'
                   AND p.seq > coalesce((SELECT max(a.seq) FROM messages a
                                         WHERE a.report_id = r.id AND a.author = 'adviser'), 0)",
                params![school],
                |r| r.get(0),
            )?;
            let marks = tx
                .prepare_cached(
                    "SELECT address, through_on, reports_on, pupil_messages_on, sent_on
                     FROM digests WHERE school = ?1",
                )?
                .query_map(params![school], |r| {
                    Ok((
                        r.get(0)?,
                        DigestMark {
                            through_on: r.get(1)?,
                            reports: r.get(2)?,
                            pupil_messages: r.get(3)?,
                            sent_on: r.get(4)?,
                        },
                    ))
                })?
                .collect::<rusqlite::Result<HashMap<String, DigestMark>>>()?;
            tx.commit()?;
            Ok(DigestSnapshot {
                reports_by_date,
                pupil_messages_by_date,
                waiting_since,
                unanswered_pupil_messages,
                marks,
            })
        })
        .await
    }

    /// For each of these reports that is not closed and waits for an adviser's reply: the
    /// date it has waited since (the report's date while nobody replied, else the date of the
    /// first pupil message after the last reply).
    pub async fn waiting_since(
        &self,
        ids: Vec<ReportId>,
    ) -> Result<HashMap<ReportId, String>, StoreError> {
        let ids: Vec<String> = ids.into_iter().map(|i| i.0).collect();
        let ids = serde_json::to_string(&ids).expect("a list of strings serializes");
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT id, waiting_since FROM (
                     SELECT r.id, {WAITING_SINCE} AS waiting_since FROM reports r
                     WHERE r.id IN (SELECT value FROM json_each(?1)) AND r.status <> 'closed')
                 WHERE waiting_since IS NOT NULL"
            ))?;
            stmt.query_map(params![ids], |r| Ok((ReportId(r.get(0)?), r.get(1)?)))?
                .collect()
        })
        .await
    }

    /// Sets an address's starting mark unless it has one; durable when this returns.
    pub async fn start_digest_mark(
        &self,
        school: String,
        address: String,
        mark: DigestMark,
    ) -> Result<(), StoreError> {
        self.digest_write(DigestWrite::Start {
            school,
            address,
            mark,
        })
        .await
    }

    /// Records what the digest just delivered to an address counted; durable when this
    /// returns.
    pub async fn save_digest_mark(
        &self,
        school: String,
        address: String,
        mark: DigestMark,
    ) -> Result<(), StoreError> {
        self.digest_write(DigestWrite::Delivered {
            school,
            address,
            mark,
        })
        .await
    }

    /// Forgets the marks of every (school, address) pair the config no longer lists.
    pub async fn keep_digest_marks(&self, pairs: Vec<(String, String)>) -> Result<(), StoreError> {
        self.digest_write(DigestWrite::KeepOnly(pairs)).await
    }

    async fn digest_write(&self, w: DigestWrite) -> Result<(), StoreError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.send(Write::Digest(w, tx))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ServerSecret;
    use crate::keys::Keys;
    use crate::store::{Author, NewMessage, NewReport, Status};

    fn open(dir: &std::path::Path) -> Store {
        Store::open(dir, &Keys::new(&ServerSecret::from_bytes([7; 32]))).unwrap()
    }

    async fn report(store: &Store, hash: u8, school: &str, on: &str) -> ReportId {
        store
            .insert_report(NewReport {
                school: school.into(),
                received_on: on.into(),
                code_hash: [hash; 32],
                reporter_recipient: "age1example".into(),
                ciphertext: b"age-encryption.org/v1\nrest".to_vec(),
                attachments: Vec::new(),
                sealed_for: None,
            })
            .await
            .unwrap()
    }

    async fn message(store: &Store, id: &ReportId, author: Author, on: &str) {
        store
            .insert_message(NewMessage {
                report: id.clone(),
                author,
                sent_on: on.into(),
                ciphertext: b"age-encryption.org/v1\nmsg".to_vec(),
                attachments: Vec::new(),
                sealed_for: None,
            })
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn a_case_waits_from_the_first_pupil_word_after_the_last_reply() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        // Nobody replied: waits since it arrived, notes and later pupil messages or not.
        let silent = report(&store, 1, "a", "2026-11-02").await;
        message(&store, &silent, Author::Note, "2026-11-03").await;
        message(&store, &silent, Author::Pupil, "2026-11-04").await;
        // Replied to, then the pupil wrote twice: waits since the first of those.
        let talked = report(&store, 2, "a", "2026-11-01").await;
        message(&store, &talked, Author::Pupil, "2026-11-02").await;
        message(&store, &talked, Author::Adviser, "2026-11-05").await;
        message(&store, &talked, Author::Pupil, "2026-11-06").await;
        message(&store, &talked, Author::Pupil, "2026-11-08").await;
        // Replied to last: waits for nothing.
        let answered = report(&store, 3, "a", "2026-11-01").await;
        message(&store, &answered, Author::Pupil, "2026-11-01").await;
        message(&store, &answered, Author::Adviser, "2026-11-02").await;
        // Closed without a reply: the adviser dealt with it.
        let closed = report(&store, 4, "a", "2026-11-01").await;
        assert!(
            store
                .set_status(closed.clone(), Status::Closed)
                .await
                .unwrap()
        );
        // Another school.
        let other = report(&store, 5, "b", "2026-11-01").await;

        let all = vec![
            silent.clone(),
            talked.clone(),
            answered.clone(),
            closed.clone(),
            other.clone(),
        ];
        let waiting = store.waiting_since(all).await.unwrap();
        assert_eq!(waiting.get(&silent).map(String::as_str), Some("2026-11-02"));
        assert_eq!(waiting.get(&talked).map(String::as_str), Some("2026-11-06"));
        assert_eq!(waiting.get(&other).map(String::as_str), Some("2026-11-01"));
        assert!(!waiting.contains_key(&answered) && !waiting.contains_key(&closed));

        let snap = store
            .digest_snapshot("a".into(), "2026-11-02".into())
            .await
            .unwrap();
        let mut since = snap.waiting_since.clone();
        since.sort();
        assert_eq!(since, ["2026-11-02", "2026-11-06"]);
        // silent's pupil message and talked's last two.
        assert_eq!(snap.unanswered_pupil_messages, 3);
        assert_eq!(
            snap.reports_by_date.into_iter().collect::<Vec<_>>(),
            [("2026-11-02".to_owned(), 1)]
        );
        assert_eq!(
            snap.pupil_messages_by_date.into_iter().collect::<Vec<_>>(),
            [
                ("2026-11-02".to_owned(), 1),
                ("2026-11-04".to_owned(), 1),
                ("2026-11-06".to_owned(), 1),
                ("2026-11-08".to_owned(), 1)
            ]
        );
        assert!(snap.marks.is_empty());
    }

    #[tokio::test]
    async fn marks_start_once_move_on_delivery_and_go_with_their_address() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let mark = |on: &str, n, sent: Option<&str>| DigestMark {
            through_on: on.into(),
            reports: n,
            pupil_messages: 0,
            sent_on: sent.map(Into::into),
        };
        let (a, x, y) = ("a".to_owned(), "x@s.nl".to_owned(), "y@s.nl".to_owned());
        store
            .start_digest_mark(a.clone(), x.clone(), mark("2026-11-01", 1, None))
            .await
            .unwrap();
        // A second start keeps the first.
        store
            .start_digest_mark(a.clone(), x.clone(), mark("2026-11-02", 5, None))
            .await
            .unwrap();
        store
            .save_digest_mark(
                a.clone(),
                y.clone(),
                mark("2026-11-03", 2, Some("2026-11-03")),
            )
            .await
            .unwrap();
        let snap = store
            .digest_snapshot(a.clone(), "2026-11-05".into())
            .await
            .unwrap();
        assert_eq!(snap.marks[&x], mark("2026-11-01", 1, None));
        assert_eq!(snap.marks[&y], mark("2026-11-03", 2, Some("2026-11-03")));

        store
            .keep_digest_marks(vec![(a.clone(), y.clone())])
            .await
            .unwrap();
        let snap = store
            .digest_snapshot(a.clone(), "2026-11-01".into())
            .await
            .unwrap();
        assert_eq!(snap.marks.keys().collect::<Vec<_>>(), [&y]);
    }
}
