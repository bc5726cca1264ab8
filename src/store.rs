//! SQLite storage: migrations from `schema/`, one writer thread that commits durably in batches,
//! and small query functions behind newtypes.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use tokio::sync::oneshot;

use crate::keys::{KeyVersion, Keys, LookupHashes};

mod digest;
pub use digest::{DigestMark, DigestSnapshot};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "fluister.db";

/// Schema files, applied in order; `PRAGMA user_version` records how many have run.
/// Forward-only: never edit a file once it has shipped, add the next number instead.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_reports.sql",
        include_str!("../schema/0001_reports.sql"),
    ),
    (
        "0002_messages.sql",
        include_str!("../schema/0002_messages.sql"),
    ),
    (
        "0003_attachments.sql",
        include_str!("../schema/0003_attachments.sql"),
    ),
    (
        "0004_key_schedule_v2.sql",
        include_str!("../schema/0004_key_schedule_v2.sql"),
    ),
    (
        "0005_retention.sql",
        include_str!("../schema/0005_retention.sql"),
    ),
    (
        "0006_digests.sql",
        include_str!("../schema/0006_digests.sql"),
    ),
    ("0007_reseal.sql", include_str!("../schema/0007_reseal.sql")),
];
/// How many schema files this version knows: a database or backup with a higher
/// `user_version` was written by a newer Fluister.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();
/// The schema file after which every stored v1 lookup hash is wrapped (DESIGN.md "What went
/// wrong once"), in the same transaction.
const KEY_SCHEDULE_V2: usize = 4;
/// The schema file after which closed cases get a closing date and retention its start date.
const RETENTION: usize = 5;

/// Most writes waiting for the writer; past this a submission is told the server is busy
/// rather than queueing without bound.
const WRITE_QUEUE: usize = 4096;
/// Most writes committed in one transaction.
const BATCH_MAX: usize = 256;

/// An opaque report id: 16 random lower-case hex digits. Not secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportId(String);

impl ReportId {
    fn random() -> Self {
        let mut b = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut b);
        ReportId(b.iter().map(|x| format!("{x:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a report is in the adviser's handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    New,
    Open,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::New, Status::Open, Status::Closed]
            .into_iter()
            .find(|st| st.as_str() == s)
    }
}

impl ReportId {
    /// An id as typed by an adviser or taken from a URL; `None` if it cannot be one.
    pub fn parse(s: &str) -> Option<ReportId> {
        (s.len() == 16
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| ReportId(s.to_owned()))
    }
}

/// Who wrote a message. Notes are the advisers' own and never shown to the pupil.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    Pupil,
    Adviser,
    Note,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Pupil => "pupil",
            Author::Adviser => "adviser",
            Author::Note => "note",
        }
    }

    pub fn parse(s: &str) -> Option<Author> {
        [Author::Pupil, Author::Adviser, Author::Note]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A message to add to a report's conversation.
pub struct NewMessage {
    pub report: ReportId,
    pub author: Author,
    pub sent_on: String,
    pub ciphertext: Vec<u8>,
    /// Sealed evidence images that came with it, in order; stored in the same transaction.
    pub attachments: Vec<Vec<u8>>,
    /// The fingerprint of the recipient set it (and its images) was sealed for, besides the
    /// pupil (`recipients::fingerprint`); `None` when not known.
    pub sealed_for: Option<String>,
}

/// An attachment as listed: where it belongs and how big its ciphertext is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentEntry {
    /// 1, 2, 3 … within the report.
    pub n: i64,
    /// The message it came with; `None` for the report itself.
    pub message: Option<i64>,
    pub size: i64,
    /// The recipient set it was sealed for; `None` when not known.
    pub sealed_for: Option<String>,
}

/// A message as stored.
pub struct StoredMessage {
    pub seq: i64,
    pub author: Author,
    pub sent_on: String,
    pub ciphertext: Vec<u8>,
    /// The recipient set it was sealed for; `None` when not known.
    pub sealed_for: Option<String>,
}

/// A report in an adviser's list.
pub struct ReportSummary {
    pub report: StoredReport,
    /// The latest date anything happened: the report or its newest message.
    pub last_activity: String,
    /// How many messages follow the report (notes included).
    pub messages: i64,
    /// Date of the newest pupil message, if any, so a client can tell what is unread.
    pub last_pupil_message: Option<String>,
    /// How many evidence images the report and its messages carry.
    pub attachments: i64,
    /// True when the report, a message or an image of it was not sealed for its school's
    /// current recipient set (or it is not known what for): a reseal is due.
    pub reseal_due: bool,
}

/// A report to store: everything but the id, which the store makes.
pub struct NewReport {
    pub school: String,
    pub received_on: String,
    pub code_hash: [u8; 32],
    pub reporter_recipient: String,
    pub ciphertext: Vec<u8>,
    /// Sealed evidence images, in order; stored in the same transaction as the report.
    pub attachments: Vec<Vec<u8>>,
    /// The fingerprint of the recipient set it (and its images) was sealed for, besides the
    /// pupil (`recipients::fingerprint`).
    pub sealed_for: Option<String>,
}

/// A report row as stored.
pub struct StoredReport {
    pub id: ReportId,
    pub school: String,
    pub received_on: String,
    pub status: Status,
    pub reporter_recipient: String,
    pub ciphertext: Vec<u8>,
    /// The recipient set its ciphertext was sealed for; `None` when not known.
    pub sealed_for: Option<String>,
}

/// One stored age file of a report: the report itself, a message or an evidence image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Report,
    /// A message by its `seq`.
    Message(i64),
    /// An evidence image by its number `n`.
    Attachment(i64),
}

/// A stored item sealed again (DESIGN.md "Adviser lifecycle"): replaces the ciphertext only if
/// it is still the one the client read.
pub struct Replacement {
    pub report: ReportId,
    pub item: Item,
    /// SHA-256 of the ciphertext the client read and opened.
    pub read: [u8; 32],
    /// The new age file, checked by `reseal::check_file` before it gets here.
    pub ciphertext: Vec<u8>,
    /// The recipient set it is sealed for now.
    pub sealed_for: String,
}

/// What a replacement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replaced {
    /// Stored, in place of what the client read.
    Done,
    /// The stored item is no longer the one the client read: nothing was changed.
    Changed,
    /// There is no such item.
    Gone,
    /// The new file's length is not one the same plaintext sealed again can have: nothing was
    /// changed (`reseal::plausible_length`).
    Implausible { stored: usize, given: usize },
}

/// How much of a school is not sealed for its current recipient set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Due {
    /// Reports with at least one such item.
    pub reports: i64,
    /// Reports, messages and images together.
    pub items: i64,
}

/// Storage failures. Messages carry no report content.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database {path} was written by a newer Fluister (schema {found}, this one knows {known}); run the newer version or restore a backup"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },
    #[error("the write queue is full")]
    Busy,
    /// A report with this code's lookup hash is already stored: the same form sent twice.
    #[error("a report with this pickup code is already stored")]
    DuplicateCode,
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("a blocking task failed: {0}")]
    Join(String),
}

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Write {
    InsertReport(NewReport, Reply<ReportId>),
    /// Appends a message; answers with its sequence number, or `None` if the report is gone.
    InsertMessage(NewMessage, Reply<Option<i64>>),
    /// Sets a report's status; answers whether the report exists.
    SetStatus(ReportId, Status, Reply<bool>),
    /// Puts a report on legal hold or takes it off; answers whether the report exists.
    SetHold(ReportId, bool, Reply<bool>),
    /// Work that gets a transaction (or no transaction) of its own, never a batch's.
    Alone(Alone),
    /// Digest bookkeeping (store/digest.rs).
    Digest(digest::DigestWrite, Reply<()>),
    /// Replaces one stored item if it is still the one the client read.
    Replace(Box<Replacement>, Reply<Replaced>),
    /// Commit what came before, then stop the writer.
    Stop,
}

/// Decides, inside the deleting transaction, whether a case is still to be deleted.
pub type DeleteCheck = Box<dyn FnOnce(&RetentionFacts) -> bool + Send>;

/// Writes the writer runs one by one after a batch, each on its own.
enum Alone {
    /// Deletes a report with its messages and attachments in one transaction, if the check
    /// still says so once the row is read inside it; answers whether it deleted.
    DeleteIf(ReportId, DeleteCheck, Reply<bool>),
    /// Moves the WAL into the database file and truncates it; answers whether it completed.
    Checkpoint(Reply<bool>),
}

/// What retention decides by: the dates and flags the server keeps in clear, never content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionFacts {
    pub id: ReportId,
    pub school: String,
    pub status: Status,
    /// The date the case was closed; `None` unless it is closed.
    pub closed_on: Option<String>,
    /// On legal hold: never deleted.
    pub held: bool,
    /// The latest of the date it arrived and the date of its newest message (notes included).
    pub last_activity: String,
}

/// The database: one writer thread for every change, one reader connection for queries.
#[derive(Clone)]
pub struct Store {
    writer: mpsc::SyncSender<Write>,
    reader: Arc<Mutex<Connection>>,
    writer_thread: Arc<Mutex<Option<thread::JoinHandle<()>>>>,
}

impl Store {
    /// Opens (creating it if needed, mode 0600) the database in `data_dir` and applies the
    /// schema files it has not seen yet; `keys` wraps the lookup hashes of a data folder made
    /// by the flawed first version.
    pub fn open(data_dir: &Path, keys: &Keys) -> Result<Store, StoreError> {
        let path = data_dir.join(DB_FILE);
        create_private_file(&path).map_err(|e| {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("cannot create {}: {e}", path.display())),
            ))
        })?;
        let mut conn = open_connection(&path)?;
        migrate(&mut conn, &path, keys)?;
        let reader = open_connection(&path)?;
        let (tx, rx) = mpsc::sync_channel(WRITE_QUEUE);
        let handle = thread::Builder::new()
            .name("fluister-db-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .expect("the OS can start one thread");
        Ok(Store {
            writer: tx,
            reader: Arc::new(Mutex::new(reader)),
            writer_thread: Arc::new(Mutex::new(Some(handle))),
        })
    }

    /// Stores a new report and answers only once it is durably committed.
    pub async fn insert_report(&self, report: NewReport) -> Result<ReportId, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::InsertReport(report, tx))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Appends a message to a report's conversation, durably. `None` if the report is gone.
    /// A pupil writing to a closed report reopens it, so the advisers see it again.
    pub async fn insert_message(&self, message: NewMessage) -> Result<Option<i64>, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::InsertMessage(message, tx))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Sets a report's status, durably; false if there is no such report.
    pub async fn set_status(&self, id: ReportId, status: Status) -> Result<bool, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::SetStatus(id, status, tx))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Puts a report on legal hold (`true`) or takes it off, durably; false if there is no
    /// such report.
    pub async fn set_hold(&self, id: ReportId, held: bool) -> Result<bool, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::SetHold(id, held, tx))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Deletes a report, its messages and its attachments in one transaction of their own,
    /// if `check` still agrees once the row is read inside that transaction (a pupil may have
    /// written, or an adviser put it on hold, since it was chosen). Answers whether it deleted.
    /// `secure_delete` is on, so the freed cells and pages are zeroed; `checkpoint` then moves
    /// that into the database file.
    pub async fn delete_if(&self, id: ReportId, check: DeleteCheck) -> Result<bool, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::Alone(Alone::DeleteIf(id, check, tx)))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Checkpoints the WAL into the database file and truncates it to nothing, so no page
    /// written before (a deleted case's ciphertext included) stays in `fluister.db-wal`.
    /// False when a reader (a backup in progress) kept it from completing: try again later.
    pub async fn checkpoint(&self) -> Result<bool, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::Alone(Alone::Checkpoint(tx)))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// The retention facts of every report, or of the given ones.
    pub async fn retention_facts(
        &self,
        only: Option<Vec<ReportId>>,
    ) -> Result<Vec<RetentionFacts>, StoreError> {
        let only = only.map(|ids| {
            let ids: Vec<&str> = ids.iter().map(ReportId::as_str).collect();
            serde_json::to_string(&ids).expect("a list of strings serializes")
        });
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "{RETENTION_FACTS} WHERE ?1 IS NULL OR r.id IN (SELECT value FROM json_each(?1))"
            ))?;
            stmt.query_map(params![only], row_to_facts)?.collect()
        })
        .await
    }

    /// Replaces one stored item with a new sealing of it, in one transaction, only if the stored
    /// ciphertext is still the one the client read. The reporter's recipient is never touched.
    pub async fn replace(&self, replacement: Replacement) -> Result<Replaced, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Write::Replace(Box::new(replacement), tx))?;
        rx.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Whether the pupil may read an item (so it is sealed to the reporter too): the report and
    /// its images, and every message but a note with its images. `None` when there is no such
    /// item.
    pub async fn pupil_reads(&self, id: ReportId, item: Item) -> Result<Option<bool>, StoreError> {
        self.read(move |conn| {
            let id = id.as_str();
            match item {
                Item::Report => conn
                    .query_row("SELECT 1 FROM reports WHERE id = ?1", params![id], |_| {
                        Ok(true)
                    })
                    .optional(),
                Item::Message(seq) => conn
                    .query_row(
                        "SELECT author != 'note' FROM messages WHERE report_id = ?1 AND seq = ?2",
                        params![id, seq],
                        |r| r.get(0),
                    )
                    .optional(),
                Item::Attachment(n) => conn
                    .query_row(
                        "SELECT coalesce(m.author != 'note', 1) FROM attachments a
                         LEFT JOIN messages m ON m.report_id = a.report_id AND m.seq = a.message_seq
                         WHERE a.report_id = ?1 AND a.n = ?2",
                        params![id, n],
                        |r| r.get(0),
                    )
                    .optional(),
            }
        })
        .await
    }

    /// The date this install started keeping retention (schema/0005_retention.sql).
    pub async fn retention_started_on(&self) -> Result<String, StoreError> {
        self.read(|conn| conn.query_row("SELECT started_on FROM retention_start", [], |r| r.get(0)))
            .await
    }

    /// How many reports and items of `school` are not sealed for the set `fingerprint` names.
    pub async fn due(&self, school: String, fingerprint: String) -> Result<Due, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT count(DISTINCT report_id), count(*) FROM (
                     SELECT id AS report_id FROM reports
                      WHERE school = ?1 AND sealed_for IS NOT ?2
                     UNION ALL
                     SELECT m.report_id FROM messages m JOIN reports r ON r.id = m.report_id
                      WHERE r.school = ?1 AND m.sealed_for IS NOT ?2
                     UNION ALL
                     SELECT a.report_id FROM attachments a JOIN reports r ON r.id = a.report_id
                      WHERE r.school = ?1 AND a.sealed_for IS NOT ?2)",
                params![school, fingerprint],
                |row| {
                    Ok(Due {
                        reports: row.get(0)?,
                        items: row.get(1)?,
                    })
                },
            )
        })
        .await
    }

    fn send(&self, w: Write) -> Result<(), StoreError> {
        self.writer.try_send(w).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => StoreError::Busy,
            mpsc::TrySendError::Disconnected(_) => StoreError::WriterGone,
        })
    }

    /// The report a code's lookup hashes find, with the key version it was written under.
    /// One query for both versions, so a look-up costs the same whichever one matches.
    pub async fn report_by_code(
        &self,
        hashes: LookupHashes,
    ) -> Result<Option<(StoredReport, KeyVersion)>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, school, received_on, status, reporter_recipient, ciphertext, sealed_for,
                        key_version
                 FROM reports
                 WHERE (code_hash = ?1 AND key_version = 2) OR (code_hash = ?2 AND key_version = 1)",
                params![&hashes.v2[..], &hashes.v1[..]],
                |row| {
                    let version = KeyVersion::from_stored(row.get(7)?)
                        .expect("the query only matches versions 1 and 2");
                    Ok((row_to_report(row)?, version))
                },
            )
            .optional()
        })
        .await
    }

    /// One report by id.
    pub async fn report(&self, id: ReportId) -> Result<Option<StoredReport>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT id, school, received_on, status, reporter_recipient, ciphertext, sealed_for
                 FROM reports WHERE id = ?1",
                params![id.as_str()],
                row_to_report,
            )
            .optional()
        })
        .await
    }

    /// A report's messages in order.
    pub async fn messages(&self, id: ReportId) -> Result<Vec<StoredMessage>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, author, sent_on, ciphertext, sealed_for FROM messages
                 WHERE report_id = ?1 ORDER BY seq",
            )?;
            stmt.query_map(params![id.as_str()], |row| {
                let author: String = row.get(1)?;
                Ok(StoredMessage {
                    seq: row.get(0)?,
                    author: Author::parse(&author).unwrap_or(Author::Note),
                    sent_on: row.get(2)?,
                    ciphertext: row.get(3)?,
                    sealed_for: row.get(4)?,
                })
            })?
            .collect()
        })
        .await
    }

    /// Every attachment of a report, in order.
    pub async fn attachments(&self, id: ReportId) -> Result<Vec<AttachmentEntry>, StoreError> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT n, message_seq, length(ciphertext), sealed_for FROM attachments
                 WHERE report_id = ?1 ORDER BY n",
            )?;
            stmt.query_map(params![id.as_str()], |row| {
                Ok(AttachmentEntry {
                    n: row.get(0)?,
                    message: row.get(1)?,
                    size: row.get(2)?,
                    sealed_for: row.get(3)?,
                })
            })?
            .collect()
        })
        .await
    }

    /// One attachment's ciphertext.
    pub async fn attachment(&self, id: ReportId, n: i64) -> Result<Option<Vec<u8>>, StoreError> {
        self.read(move |conn| {
            conn.query_row(
                "SELECT ciphertext FROM attachments WHERE report_id = ?1 AND n = ?2",
                params![id.as_str(), n],
                |row| row.get(0),
            )
            .optional()
        })
        .await
    }

    /// One page of the reports of the given schools for the adviser API: those whose id sorts
    /// after `after`, in id order, at most `limit`, optionally only one status and only those
    /// with activity on or after `since` (a date). `schools` maps each slug to the fingerprint
    /// of its current recipient set, which decides each report's `reseal_due`.
    ///
    /// Id order because ids are random and never change: a report that gets a message or a new
    /// status while an adviser pages through keeps its place, so every report that exists from
    /// the first page to the last is listed exactly once, and the order tells nothing about
    /// when a report arrived. Activity order would move a case between pages mid-listing.
    pub async fn list_reports_page(
        &self,
        schools: BTreeMap<String, String>,
        status: Option<Status>,
        since: Option<String>,
        after: Option<ReportId>,
        limit: u32,
    ) -> Result<Vec<ReportSummary>, StoreError> {
        let schools = serde_json::to_string(&schools).expect("a map of strings serializes");
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT r.id, r.school, r.received_on, r.status, r.reporter_recipient, r.ciphertext,
                        r.sealed_for,
                        max(r.received_on, coalesce(max(m.sent_on), '')) AS last_activity,
                        count(m.seq),
                        max(CASE WHEN m.author = 'pupil' THEN m.sent_on END),
                        (SELECT count(*) FROM attachments a WHERE a.report_id = r.id),
                        (SELECT value FROM json_each(?1) WHERE key = r.school) AS current
                 FROM reports r LEFT JOIN messages m ON m.report_id = r.id
                 WHERE r.school IN (SELECT key FROM json_each(?1))
                   AND (?2 IS NULL OR r.status = ?2)
                   AND (?4 IS NULL OR r.id > ?4)
                 GROUP BY r.id
                 HAVING ?3 IS NULL OR last_activity >= ?3
                 ORDER BY r.id
                 LIMIT ?5",
            )?;
            // Per listed report: is any of its items sealed for another set than its school's?
            let mut due = conn.prepare_cached(
                "SELECT r.sealed_for IS NOT ?2
                     OR EXISTS (SELECT 1 FROM messages m
                                 WHERE m.report_id = ?1 AND m.sealed_for IS NOT ?2)
                     OR EXISTS (SELECT 1 FROM attachments a
                                 WHERE a.report_id = ?1 AND a.sealed_for IS NOT ?2)
                 FROM reports r WHERE r.id = ?1",
            )?;
            let rows = stmt.query_map(
                params![
                    schools,
                    status.map(Status::as_str),
                    since.as_deref(),
                    after.as_ref().map(ReportId::as_str),
                    limit
                ],
                |row| {
                    let current: String = row.get(11)?;
                    Ok((
                        ReportSummary {
                            report: row_to_report(row)?,
                            last_activity: row.get(7)?,
                            messages: row.get(8)?,
                            last_pupil_message: row.get(9)?,
                            attachments: row.get(10)?,
                            reseal_due: false,
                        },
                        current,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (mut summary, current) = row?;
                summary.reseal_due =
                    due.query_row(params![summary.report.id.as_str(), current], |r| r.get(0))?;
                out.push(summary);
            }
            Ok(out)
        })
        .await
    }

    /// Runs a query on the reader connection off the async runtime.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            f(&conn).map_err(StoreError::from)
        })
        .await
        .map_err(|e| StoreError::Join(e.to_string()))?
    }

    /// Commits everything queued so far and stops the writer; later writes fail with
    /// `WriterGone`. Waits for the writer thread to finish.
    pub fn close(&self) {
        let handle = self
            .writer_thread
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(h) = handle {
            let _ = self.writer.send(Write::Stop);
            let _ = h.join();
        }
    }
}

fn row_to_report(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredReport> {
    let status: String = row.get(3)?;
    Ok(StoredReport {
        id: ReportId(row.get(0)?),
        school: row.get(1)?,
        received_on: row.get(2)?,
        status: Status::parse(&status).unwrap_or(Status::New),
        reporter_recipient: row.get(4)?,
        ciphertext: row.get(5)?,
        sealed_for: row.get(6)?,
    })
}

/// The retention facts of reports; callers add the `WHERE`.
const RETENTION_FACTS: &str = "SELECT r.id, r.school, r.status, r.closed_on, r.held,
        max(r.received_on, coalesce((SELECT max(m.sent_on) FROM messages m WHERE m.report_id = r.id), ''))
 FROM reports r";

fn row_to_facts(row: &rusqlite::Row<'_>) -> rusqlite::Result<RetentionFacts> {
    let status: String = row.get(2)?;
    Ok(RetentionFacts {
        id: ReportId(row.get(0)?),
        school: row.get(1)?,
        status: Status::parse(&status).unwrap_or(Status::New),
        closed_on: row.get(3)?,
        held: row.get::<_, i64>(4)? != 0,
        last_activity: row.get(5)?,
    })
}

fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // SQLite gives -wal and -shm files the database file's mode, so 0600 here covers them.
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    // WAL with synchronous=FULL: a commit that returned survives a power cut (DESIGN.md).
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Sqlite(rusqlite::Error::InvalidQuery));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 5000;
         PRAGMA temp_store = MEMORY;
         PRAGMA secure_delete = ON;",
    )?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path, keys: &Keys) -> Result<(), StoreError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > MIGRATIONS.len() as i64 {
        return Err(StoreError::TooNew {
            path: path.to_owned(),
            found: version,
            known: MIGRATIONS.len(),
        });
    }
    // Rebuilding a table drops the old one; with foreign keys on that would cascade into the
    // rows being kept. SQLite ignores this pragma inside a transaction, so it is set around it.
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let mut scrub = false;
    let applied = (|| {
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            if i + 1 == RETENTION {
                let closed = start_retention(&tx, &crate::date::today())?;
                tracing::info!(
                    reports = closed,
                    "closed cases count their retention from today"
                );
            }
            if i + 1 == KEY_SCHEDULE_V2 {
                let wrapped = wrap_legacy_hashes(&tx, keys)?;
                tracing::info!(
                    reports = wrapped,
                    "moved reports to the corrected key schedule"
                );
                scrub = true;
            }
            let broken: Option<String> = tx
                .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()?;
            if let Some(table) = broken {
                return Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                    Some(format!("schema {name} broke a foreign key in {table}")),
                )));
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
            tracing::info!(schema = name, "applied database schema");
        }
        Ok::<_, StoreError>(())
    })();
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    applied?;
    if scrub {
        scrub_free_space(conn)?;
    }
    Ok(())
}

/// Replaces every raw v1 lookup hash (`HMAC(S, code)`, the reporter key's PRK) by its wrapped
/// form and marks the row as key version 1. Answers how many rows it moved.
fn wrap_legacy_hashes(tx: &rusqlite::Transaction<'_>, keys: &Keys) -> Result<usize, StoreError> {
    let raw: Vec<(String, Vec<u8>)> = tx
        .prepare("SELECT id, code_hash FROM reports WHERE key_version = 0")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut update =
        tx.prepare("UPDATE reports SET code_hash = ?2, key_version = 1 WHERE id = ?1")?;
    for (id, hash) in &raw {
        let hash: [u8; 32] = hash[..]
            .try_into()
            .expect("the schema checks that code_hash has 32 bytes");
        update.execute(params![id, &keys.wrap_legacy_hash(&hash)[..]])?;
    }
    Ok(raw.len())
}

/// Records the date retention starts and gives every case closed before it that date as its
/// closing date (schema/0005_retention.sql says why). Answers how many cases it dated.
fn start_retention(tx: &rusqlite::Transaction<'_>, today: &str) -> Result<usize, StoreError> {
    tx.execute(
        "INSERT INTO retention_start (one, started_on) VALUES (1, ?1)",
        params![today],
    )?;
    Ok(tx.execute(
        "UPDATE reports SET closed_on = ?1 WHERE status = 'closed'",
        params![today],
    )?)
}

/// Leaves no deleted or replaced content anywhere in the database's files: `secure_delete`
/// (set on every connection) zeroes freed cells, the checkpoint moves the WAL into the main
/// file and truncates it, and VACUUM rewrites the file without free pages.
fn scrub_free_space(conn: &Connection) -> Result<(), StoreError> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    conn.execute_batch("VACUUM")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The writer: takes what is queued, commits it in one transaction, answers each write after
/// the commit. One failing write rolls back only its own savepoint.
fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Write>) {
    let mut stopping = false;
    // Set after a replaced ciphertext was committed: its old version may still sit in the WAL.
    let mut scrub = false;
    while !stopping {
        let first = if scrub {
            match rx.recv_timeout(SCRUB_AFTER) {
                Ok(w) => w,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    scrub = !scrub_wal(&conn);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match rx.recv() {
                Ok(w) => w,
                Err(_) => break,
            }
        };
        let mut batch = vec![first];
        while batch.len() < BATCH_MAX {
            match rx.try_recv() {
                Ok(w) => batch.push(w),
                Err(_) => break,
            }
        }
        if let Some(i) = batch.iter().position(|w| matches!(w, Write::Stop)) {
            // Anything queued behind the stop was sent after close(): it is answered with
            // WriterGone when its reply sender is dropped.
            batch.truncate(i);
            stopping = true;
        }
        let (alone, batch): (Vec<Write>, Vec<Write>) = batch
            .into_iter()
            .partition(|w| matches!(w, Write::Alone(_)));
        if !batch.is_empty() && commit_batch(&mut conn, batch) {
            scrub = true;
        }
        for w in alone {
            if let Write::Alone(a) = w {
                run_alone(&mut conn, a);
            }
        }
    }
    if scrub {
        scrub_wal(&conn);
    }
}

/// How long the writer waits, after a replaced ciphertext, for writes to go quiet before it
/// moves the WAL into the database file and truncates it. A reseal replaces hundreds of items
/// in a burst; one checkpoint after it, not one per item.
const SCRUB_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Moves the WAL into the main file and truncates it, so a ciphertext that a reseal replaced
/// survives in no file of the data folder (`secure_delete` has zeroed its pages in the main
/// file). True when done; false when readers kept it from finishing (tried again later).
fn scrub_wal(conn: &Connection) -> bool {
    match checkpoint(conn) {
        Ok(done) => done,
        Err(e) => {
            tracing::warn!(error = %e, "could not checkpoint the WAL after a reseal; trying again");
            false
        }
    }
}

/// How long a checkpoint waits for readers (a backup) before it gives up for now. Short,
/// because while it waits it holds up every write.
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
/// The connection's usual wait for a lock (as `open_connection` sets it).
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn run_alone(conn: &mut Connection, work: Alone) {
    match work {
        Alone::DeleteIf(id, check, reply) => {
            let result = delete_if(conn, &id, check);
            if let Err(e) = &result {
                tracing::error!(error = %e, "a case could not be deleted");
            }
            drop(reply.send(result));
        }
        Alone::Checkpoint(reply) => drop(reply.send(checkpoint(conn))),
    }
}

fn delete_if(conn: &mut Connection, id: &ReportId, check: DeleteCheck) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let facts = tx
        .query_row(
            &format!("{RETENTION_FACTS} WHERE r.id = ?1"),
            params![id.as_str()],
            row_to_facts,
        )
        .optional()?;
    // Dropping the transaction rolls back the (read-only) nothing it did.
    let Some(facts) = facts else { return Ok(false) };
    if !check(&facts) {
        return Ok(false);
    }
    for sql in [
        "DELETE FROM attachments WHERE report_id = ?1",
        "DELETE FROM messages WHERE report_id = ?1",
        "DELETE FROM reports WHERE id = ?1",
    ] {
        tx.execute(sql, params![id.as_str()])?;
    }
    tx.commit()?;
    Ok(true)
}

fn checkpoint(conn: &Connection) -> Result<bool, StoreError> {
    conn.busy_timeout(CHECKPOINT_WAIT)?;
    let busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
    conn.busy_timeout(BUSY_WAIT)?;
    Ok(busy? == 0)
}

enum Done {
    Report(Reply<ReportId>, Result<ReportId, StoreError>),
    Message(Reply<Option<i64>>, Result<Option<i64>, StoreError>),
    Status(Reply<bool>, Result<bool, StoreError>),
    Unit(Reply<()>, Result<(), StoreError>),
    Replace(Reply<Replaced>, Result<Replaced, StoreError>),
}

/// Commits one batch; true when it replaced a stored ciphertext (so the writer scrubs the WAL
/// once things are quiet, see `writer_loop`).
fn commit_batch(conn: &mut Connection, batch: Vec<Write>) -> bool {
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a write transaction");
            for w in batch {
                let err = || StoreError::Sqlite(e.clone_lossy());
                match w {
                    Write::InsertReport(_, reply) => drop(reply.send(Err(err()))),
                    Write::InsertMessage(_, reply) => drop(reply.send(Err(err()))),
                    Write::SetStatus(_, _, reply) => drop(reply.send(Err(err()))),
                    Write::SetHold(_, _, reply) => drop(reply.send(Err(err()))),
                    Write::Digest(_, reply) => drop(reply.send(Err(err()))),
                    Write::Replace(_, reply) => drop(reply.send(Err(err()))),
                    // Never in a batch: writer_loop takes them out first.
                    Write::Alone(_) | Write::Stop => {}
                }
            }
            return false;
        }
    };
    let mut done = Vec::with_capacity(batch.len());
    for w in batch {
        match w {
            Write::InsertReport(report, reply) => {
                let result = in_savepoint(&tx, |sp| insert_report(sp, &report));
                done.push(Done::Report(reply, result));
            }
            Write::InsertMessage(message, reply) => {
                let result = in_savepoint(&tx, |sp| insert_message(sp, &message));
                done.push(Done::Message(reply, result));
            }
            Write::SetStatus(id, status, reply) => {
                let result = in_savepoint(&tx, |sp| set_status(sp, &id, status));
                done.push(Done::Status(reply, result));
            }
            Write::SetHold(id, held, reply) => {
                let result = in_savepoint(&tx, |sp| set_hold(sp, &id, held));
                done.push(Done::Status(reply, result));
            }
            Write::Digest(write, reply) => {
                let result = in_savepoint(&tx, |sp| digest::apply(sp, &write));
                done.push(Done::Unit(reply, result));
            }
            Write::Replace(replacement, reply) => {
                let result = in_savepoint(&tx, |sp| replace(sp, &replacement));
                done.push(Done::Replace(reply, result));
            }
            // Never in a batch: writer_loop takes them out first.
            Write::Alone(_) | Write::Stop => {}
        }
    }
    let replaced = done
        .iter()
        .any(|d| matches!(d, Done::Replace(_, Ok(Replaced::Done))));
    let committed = tx.commit();
    // Answers go out only now, after the commit: a caller never hears "done" for a write
    // that could still be lost.
    fn settle<T>(
        committed: &rusqlite::Result<()>,
        r: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match committed {
            Ok(()) => r,
            Err(e) => Err(StoreError::Sqlite(e.clone_lossy())),
        }
    }
    for d in done {
        match d {
            Done::Report(reply, r) => drop(reply.send(settle(&committed, r))),
            Done::Message(reply, r) => drop(reply.send(settle(&committed, r))),
            Done::Status(reply, r) => drop(reply.send(settle(&committed, r))),
            Done::Unit(reply, r) => drop(reply.send(settle(&committed, r))),
            Done::Replace(reply, r) => drop(reply.send(settle(&committed, r))),
        }
    }
    match committed {
        Ok(()) => replaced,
        Err(e) => {
            tracing::error!(error = %e, "a write transaction failed to commit");
            false
        }
    }
}

fn in_savepoint<T>(
    tx: &rusqlite::Transaction<'_>,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    tx.execute_batch("SAVEPOINT one")?;
    match f(tx) {
        Ok(v) => {
            tx.execute_batch("RELEASE one")?;
            Ok(v)
        }
        Err(e) => {
            tx.execute_batch("ROLLBACK TO one; RELEASE one")?;
            Err(e)
        }
    }
}

fn insert_report(conn: &Connection, r: &NewReport) -> Result<ReportId, StoreError> {
    // A fresh id on the rare collision; the code hash is unique by construction (80 bits).
    for _ in 0..3 {
        let id = ReportId::random();
        let inserted = match conn.execute(
            "INSERT INTO reports (id, school, received_on, status, code_hash, key_version, reporter_recipient, ciphertext, sealed_for)
             VALUES (?1, ?2, ?3, 'new', ?4, 2, ?5, ?6, ?7)
             ON CONFLICT (id) DO NOTHING",
            params![
                id.as_str(),
                r.school,
                r.received_on,
                &r.code_hash[..],
                r.reporter_recipient,
                r.ciphertext,
                r.sealed_for
            ],
        ) {
            // The only other unique column is code_hash: a submission token sent twice.
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                return Err(StoreError::DuplicateCode);
            }
            other => other?,
        };
        if inserted == 1 {
            insert_attachments(conn, &id, None, &r.attachments, r.sealed_for.as_deref())?;
            return Ok(id);
        }
    }
    Err(StoreError::Sqlite(rusqlite::Error::StatementChangedRows(0)))
}

fn insert_message(conn: &Connection, m: &NewMessage) -> Result<Option<i64>, StoreError> {
    let exists = conn
        .query_row(
            "SELECT 1 FROM reports WHERE id = ?1",
            params![m.report.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !exists {
        return Ok(None);
    }
    let seq: i64 = conn.query_row(
        "INSERT INTO messages (report_id, seq, author, sent_on, ciphertext, sealed_for)
         SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, ?4, ?5 FROM messages WHERE report_id = ?1
         RETURNING seq",
        params![
            m.report.as_str(),
            m.author.as_str(),
            m.sent_on,
            m.ciphertext,
            m.sealed_for
        ],
        |r| r.get(0),
    )?;
    insert_attachments(
        conn,
        &m.report,
        Some(seq),
        &m.attachments,
        m.sealed_for.as_deref(),
    )?;
    if m.author == Author::Pupil {
        conn.execute(
            "UPDATE reports SET status = 'open', closed_on = NULL WHERE id = ?1 AND status = 'closed'",
            params![m.report.as_str()],
        )?;
    }
    Ok(Some(seq))
}

/// Numbers attachments on from the report's last one, inside the caller's savepoint.
fn insert_attachments(
    conn: &Connection,
    report: &ReportId,
    message: Option<i64>,
    attachments: &[Vec<u8>],
    sealed_for: Option<&str>,
) -> Result<(), StoreError> {
    if attachments.is_empty() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO attachments (report_id, n, message_seq, ciphertext, sealed_for)
         SELECT ?1, coalesce(max(n), 0) + 1, ?2, ?3, ?4 FROM attachments WHERE report_id = ?1",
    )?;
    for ciphertext in attachments {
        stmt.execute(params![report.as_str(), message, ciphertext, sealed_for])?;
    }
    Ok(())
}

/// Replaces one item's ciphertext and `sealed_for` if its stored ciphertext still hashes to
/// what the client read, inside the caller's savepoint. `secure_delete` (set on every
/// connection) zeroes the old ciphertext's pages as they are freed.
fn replace(conn: &Connection, r: &Replacement) -> Result<Replaced, StoreError> {
    let id = r.report.as_str();
    let stored: Option<Vec<u8>> = match r.item {
        Item::Report => conn
            .query_row(
                "SELECT ciphertext FROM reports WHERE id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()?,
        Item::Message(seq) => conn
            .query_row(
                "SELECT ciphertext FROM messages WHERE report_id = ?1 AND seq = ?2",
                params![id, seq],
                |row| row.get(0),
            )
            .optional()?,
        Item::Attachment(n) => conn
            .query_row(
                "SELECT ciphertext FROM attachments WHERE report_id = ?1 AND n = ?2",
                params![id, n],
                |row| row.get(0),
            )
            .optional()?,
    };
    let Some(stored) = stored else {
        return Ok(Replaced::Gone);
    };
    let hash: [u8; 32] = Sha256::digest(&stored).into();
    if hash != r.read {
        return Ok(Replaced::Changed);
    }
    if !crate::reseal::plausible_length(stored.len(), r.ciphertext.len()) {
        return Ok(Replaced::Implausible {
            stored: stored.len(),
            given: r.ciphertext.len(),
        });
    }
    let changed = match r.item {
        Item::Report => conn.execute(
            "UPDATE reports SET ciphertext = ?2, sealed_for = ?3 WHERE id = ?1",
            params![id, r.ciphertext, r.sealed_for],
        )?,
        Item::Message(seq) => conn.execute(
            "UPDATE messages SET ciphertext = ?3, sealed_for = ?4
             WHERE report_id = ?1 AND seq = ?2",
            params![id, seq, r.ciphertext, r.sealed_for],
        )?,
        Item::Attachment(n) => conn.execute(
            "UPDATE attachments SET ciphertext = ?3, sealed_for = ?4
             WHERE report_id = ?1 AND n = ?2",
            params![id, n, r.ciphertext, r.sealed_for],
        )?,
    };
    debug_assert_eq!(changed, 1, "the row was read in this savepoint");
    Ok(Replaced::Done)
}

/// Sets the status; closing dates the case (once: closing a closed case again keeps its date),
/// any other status clears the date.
fn set_status(conn: &Connection, id: &ReportId, status: Status) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE reports SET status = ?2,
             closed_on = CASE WHEN ?2 <> 'closed' THEN NULL
                              WHEN status = 'closed' AND closed_on IS NOT NULL THEN closed_on
                              ELSE ?3 END
         WHERE id = ?1",
        params![id.as_str(), status.as_str(), crate::date::today()],
    )?;
    Ok(n == 1)
}

fn set_hold(conn: &Connection, id: &ReportId, held: bool) -> Result<bool, StoreError> {
    let n = conn.execute(
        "UPDATE reports SET held = ?2 WHERE id = ?1",
        params![id.as_str(), i64::from(held)],
    )?;
    Ok(n == 1)
}

trait CloneLossy {
    fn clone_lossy(&self) -> rusqlite::Error;
}

impl CloneLossy for rusqlite::Error {
    /// rusqlite errors are not `Clone`; a batch answers every write with the same failure.
    fn clone_lossy(&self) -> rusqlite::Error {
        match self {
            rusqlite::Error::SqliteFailure(e, m) => rusqlite::Error::SqliteFailure(*e, m.clone()),
            other => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(other.to_string()),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ServerSecret;

    fn open(dir: &Path) -> Store {
        Store::open(dir, &Keys::new(&ServerSecret::from_bytes([7; 32]))).unwrap()
    }

    /// The report stored under the v2 lookup hash `[hash; 32]`.
    async fn by_hash(store: &Store, hash: u8) -> Option<StoredReport> {
        let hashes = LookupHashes {
            v2: [hash; 32],
            v1: [hash; 32],
        };
        let found = store.report_by_code(hashes).await.unwrap();
        found.map(|(report, version)| {
            assert_eq!(version, KeyVersion::V2);
            report
        })
    }

    fn new_report(hash: u8) -> NewReport {
        NewReport {
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            code_hash: [hash; 32],
            reporter_recipient: "age1example".into(),
            ciphertext: b"age-encryption.org/v1\nrest".to_vec(),
            attachments: Vec::new(),
            sealed_for: None,
        }
    }

    /// The schools argument of `list_reports_page`: each slug with its current fingerprint.
    fn teams(slugs: &[&str]) -> BTreeMap<String, String> {
        slugs
            .iter()
            .map(|s| (s.to_string(), "0123456789abcdef".to_owned()))
            .collect()
    }

    #[tokio::test]
    async fn a_committed_report_is_found_by_its_hash_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let id = store.insert_report(new_report(1)).await.unwrap();
        assert_eq!(id.as_str().len(), 16);
        store.close();
        drop(store);
        let store = open(dir.path());
        let found = by_hash(&store, 1).await.unwrap();
        assert_eq!(found.id, id);
        assert_eq!(found.status, Status::New);
        assert!(by_hash(&store, 2).await.is_none());
    }

    #[tokio::test]
    async fn a_code_stored_twice_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let (a, b) = tokio::join!(
            store.insert_report(new_report(9)),
            store.insert_report(new_report(9))
        );
        assert!(a.is_ok());
        assert!(matches!(b, Err(StoreError::DuplicateCode)), "{b:?}");
        assert!(by_hash(&store, 9).await.is_some());
    }

    #[tokio::test]
    async fn a_failing_write_does_not_take_its_batch_down() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let mut bad = new_report(3);
        bad.received_on = "2026-11-21 10:00".into(); // a time of day: refused by the schema
        let (a, b, c) = tokio::join!(
            store.insert_report(new_report(4)),
            store.insert_report(bad),
            store.insert_report(new_report(5)),
        );
        assert!(a.is_ok() && c.is_ok());
        assert!(b.is_err());
        assert!(by_hash(&store, 3).await.is_none());
        assert!(by_hash(&store, 5).await.is_some());
    }

    #[tokio::test]
    async fn messages_are_numbered_in_order_and_pupils_reopen_closed_reports() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let id = store.insert_report(new_report(6)).await.unwrap();
        let msg = |author| NewMessage {
            report: id.clone(),
            author,
            sent_on: "2026-11-22".into(),
            ciphertext: b"age-encryption.org/v1\nmsg".to_vec(),
            attachments: Vec::new(),
            sealed_for: None,
        };
        assert_eq!(
            store.insert_message(msg(Author::Adviser)).await.unwrap(),
            Some(1)
        );
        assert!(store.set_status(id.clone(), Status::Closed).await.unwrap());
        assert_eq!(
            store.insert_message(msg(Author::Pupil)).await.unwrap(),
            Some(2)
        );
        let r = store.report(id.clone()).await.unwrap().unwrap();
        assert_eq!(r.status, Status::Open);
        let all = store.messages(id.clone()).await.unwrap();
        assert_eq!(all.iter().map(|m| m.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(all[1].author, Author::Pupil);

        let gone = ReportId::parse("0000000000000000").unwrap();
        let mut m = msg(Author::Adviser);
        m.report = gone.clone();
        assert_eq!(store.insert_message(m).await.unwrap(), None);
        assert!(!store.set_status(gone, Status::Open).await.unwrap());

        let list = store
            .list_reports_page(teams(&["demo"]), None, Some("2026-11-22".into()), None, 50)
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].last_activity, "2026-11-22");
        assert_eq!(list[0].messages, 2);
        assert_eq!(list[0].last_pupil_message.as_deref(), Some("2026-11-22"));
        let none = store
            .list_reports_page(teams(&["demo"]), Some(Status::Closed), None, None, 50)
            .await
            .unwrap();
        assert!(none.is_empty());
        let other = store
            .list_reports_page(teams(&["other"]), None, None, None, 50)
            .await
            .unwrap();
        assert!(other.is_empty());
    }

    #[tokio::test]
    async fn attachments_are_numbered_across_report_and_messages_and_stored_with_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let sealed = |tag: &str| format!("age-encryption.org/v1\n{tag}").into_bytes();
        let mut r = new_report(7);
        r.attachments = vec![sealed("a"), sealed("bb")];
        let id = store.insert_report(r).await.unwrap();
        let seq = store
            .insert_message(NewMessage {
                report: id.clone(),
                author: Author::Pupil,
                sent_on: "2026-11-22".into(),
                ciphertext: sealed("msg"),
                attachments: vec![sealed("ccc")],
                sealed_for: None,
            })
            .await
            .unwrap();
        assert_eq!(seq, Some(1));
        let listed = store.attachments(id.clone()).await.unwrap();
        let expect = |n, message, tag: &str| AttachmentEntry {
            n,
            message,
            size: sealed(tag).len() as i64,
            sealed_for: None,
        };
        assert_eq!(
            listed,
            [
                expect(1, None, "a"),
                expect(2, None, "bb"),
                expect(3, Some(1), "ccc")
            ]
        );
        assert_eq!(
            store.attachment(id.clone(), 3).await.unwrap(),
            Some(sealed("ccc"))
        );
        assert_eq!(store.attachment(id.clone(), 4).await.unwrap(), None);

        // One attachment that is not an age file: neither the report nor its other images stay.
        let mut bad = new_report(8);
        bad.attachments = vec![sealed("fine"), b"GIF89a plain image".to_vec()];
        assert!(store.insert_report(bad).await.is_err());
        assert!(by_hash(&store, 8).await.is_none());
        let stray: i64 = store
            .read(|c| c.query_row("SELECT count(*) FROM attachments", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(stray, 3);
    }

    #[tokio::test]
    async fn closing_dates_a_case_reopening_clears_it_and_a_checked_delete_takes_it_all() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let today = crate::date::today();
        assert_eq!(store.retention_started_on().await.unwrap(), today);
        let mut r = new_report(10);
        r.attachments = vec![b"age-encryption.org/v1\nimage".to_vec()];
        let id = store.insert_report(r).await.unwrap();
        let facts = |store: Store, id: ReportId| async move {
            store
                .retention_facts(Some(vec![id]))
                .await
                .unwrap()
                .remove(0)
        };
        let f = facts(store.clone(), id.clone()).await;
        assert_eq!((f.closed_on, f.held), (None, false));
        assert_eq!(f.last_activity, "2026-11-21");

        assert!(store.set_status(id.clone(), Status::Closed).await.unwrap());
        let f = facts(store.clone(), id.clone()).await;
        assert_eq!(f.closed_on.as_deref(), Some(today.as_str()));
        store
            .read({
                let id = id.clone();
                move |c| {
                    c.execute(
                        "UPDATE reports SET closed_on = '2026-01-01' WHERE id = ?1",
                        params![id.as_str()],
                    )
                }
            })
            .await
            .unwrap();
        // Closing a closed case again keeps the date it was closed.
        assert!(store.set_status(id.clone(), Status::Closed).await.unwrap());
        let f = facts(store.clone(), id.clone()).await;
        assert_eq!(f.closed_on.as_deref(), Some("2026-01-01"));
        // A pupil's message reopens it and clears the date.
        let msg = NewMessage {
            report: id.clone(),
            author: Author::Pupil,
            sent_on: "2026-11-25".into(),
            ciphertext: b"age-encryption.org/v1\nmsg".to_vec(),
            attachments: vec![b"age-encryption.org/v1\nmore".to_vec()],
            sealed_for: None,
        };
        store.insert_message(msg).await.unwrap();
        let f = facts(store.clone(), id.clone()).await;
        assert_eq!((f.status, f.closed_on.as_deref()), (Status::Open, None));
        assert_eq!(f.last_activity, "2026-11-25");

        assert!(store.set_hold(id.clone(), true).await.unwrap());
        assert!(facts(store.clone(), id.clone()).await.held);
        // The check sees the row as it is inside the transaction: held, so it stays.
        let kept = store
            .delete_if(id.clone(), Box::new(|f: &RetentionFacts| !f.held))
            .await
            .unwrap();
        assert!(!kept);
        assert!(store.set_hold(id.clone(), false).await.unwrap());
        assert!(
            store
                .delete_if(id.clone(), Box::new(|f: &RetentionFacts| !f.held))
                .await
                .unwrap()
        );
        assert!(store.report(id.clone()).await.unwrap().is_none());
        let left: i64 = store
            .read(|c| {
                c.query_row(
                    "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM attachments)",
                    [],
                    |r| r.get(0),
                )
            })
            .await
            .unwrap();
        assert_eq!(left, 0);
        assert!(store.checkpoint().await.unwrap());
        let wal = std::fs::metadata(dir.path().join("fluister.db-wal")).unwrap();
        assert_eq!(wal.len(), 0);
        assert!(!store.set_hold(id, true).await.unwrap());
    }

    #[tokio::test]
    async fn an_upgrade_dates_closed_cases_and_starts_retention_today() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            // A data folder as the version before retention left it, with a closed case.
            let mut conn = open_connection(&path).unwrap();
            conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
            let tx = conn.transaction().unwrap();
            for (_, sql) in &MIGRATIONS[..RETENTION - 1] {
                tx.execute_batch(sql).unwrap();
            }
            tx.execute(
                "INSERT INTO reports (id, school, received_on, status, code_hash, key_version,
                     reporter_recipient, ciphertext)
                 VALUES ('00000000000000aa', 'demo', '2020-01-01', 'closed', ?1, 2, 'age1x',
                     CAST('age-encryption.org/v1 x' AS BLOB))",
                params![&[3u8; 32][..]],
            )
            .unwrap();
            tx.pragma_update(None, "user_version", (RETENTION - 1) as i64)
                .unwrap();
            tx.commit().unwrap();
        }
        let store = open(dir.path());
        let today = crate::date::today();
        assert_eq!(store.retention_started_on().await.unwrap(), today);
        let facts = store.retention_facts(None).await.unwrap();
        assert_eq!(facts.len(), 1);
        assert_eq!(facts[0].closed_on.as_deref(), Some(today.as_str()));
        assert!(!facts[0].held);
    }

    #[tokio::test]
    async fn an_item_is_replaced_only_if_it_is_still_the_one_read_and_due_follows() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path());
        let old_set = "00000000000000aa".to_owned();
        let new_set = "00000000000000bb".to_owned();
        let sealed = |tag: &str| {
            let mut ct = b"age-encryption.org/v1\n".to_vec();
            ct.extend(tag.bytes().cycle().take(64 * 1024));
            ct
        };
        let hash = |ct: &[u8]| -> [u8; 32] { Sha256::digest(ct).into() };
        let mut r = new_report(11);
        r.sealed_for = Some(old_set.clone());
        r.ciphertext = sealed("report");
        r.attachments = vec![sealed("image")];
        let id = store.insert_report(r).await.unwrap();
        for author in [Author::Pupil, Author::Note] {
            store
                .insert_message(NewMessage {
                    report: id.clone(),
                    author,
                    sent_on: "2026-11-22".into(),
                    ciphertext: sealed(author.as_str()),
                    attachments: Vec::new(),
                    sealed_for: Some(old_set.clone()),
                })
                .await
                .unwrap();
        }
        let due = |fp: &str| store.due("demo".into(), fp.to_owned());
        assert_eq!(
            due(&new_set).await.unwrap(),
            Due {
                reports: 1,
                items: 4
            }
        );
        assert_eq!(due(&old_set).await.unwrap(), Due::default());
        let listed = |fp: &str| {
            let teams = BTreeMap::from([("demo".to_owned(), fp.to_owned())]);
            store.list_reports_page(teams, None, None, None, 10)
        };
        assert!(listed(&new_set).await.unwrap()[0].reseal_due);
        assert!(!listed(&old_set).await.unwrap()[0].reseal_due);

        // Who reads what: the pupil everything but the note.
        for (item, pupil) in [
            (Item::Report, Some(true)),
            (Item::Attachment(1), Some(true)),
            (Item::Message(1), Some(true)),
            (Item::Message(2), Some(false)),
            (Item::Message(3), None),
            (Item::Attachment(2), None),
        ] {
            assert_eq!(
                store.pupil_reads(id.clone(), item).await.unwrap(),
                pupil,
                "{item:?}"
            );
        }

        let replacement = |item, read: &[u8], ciphertext: Vec<u8>| Replacement {
            report: id.clone(),
            item,
            read: hash(read),
            ciphertext,
            sealed_for: new_set.clone(),
        };
        let stored = store.report(id.clone()).await.unwrap().unwrap().ciphertext;
        // Read something else than what is stored: nothing changes.
        let stale = replacement(Item::Report, b"another file", sealed("new report"));
        assert_eq!(store.replace(stale).await.unwrap(), Replaced::Changed);
        let fresh = replacement(Item::Report, &stored, sealed("new report"));
        assert_eq!(store.replace(fresh).await.unwrap(), Replaced::Done);
        let now = store.report(id.clone()).await.unwrap().unwrap();
        assert_eq!(now.ciphertext, sealed("new report"));
        assert_eq!(now.sealed_for.as_deref(), Some(new_set.as_str()));
        assert_eq!(
            now.reporter_recipient, "age1example",
            "the pupil's recipient stays"
        );
        // The same replacement again: the stored file is no longer the one it read.
        let again = replacement(Item::Report, &stored, sealed("newer report"));
        assert_eq!(store.replace(again).await.unwrap(), Replaced::Changed);
        let tiny = replacement(
            Item::Message(1),
            &sealed("pupil"),
            b"age-encryption.org/v1\n".to_vec(),
        );
        assert!(matches!(
            store.replace(tiny).await.unwrap(),
            Replaced::Implausible { .. }
        ));
        let gone = replacement(Item::Message(9), &sealed("pupil"), sealed("x"));
        assert_eq!(store.replace(gone).await.unwrap(), Replaced::Gone);
        for (item, tag) in [
            (Item::Message(1), "pupil"),
            (Item::Message(2), "note"),
            (Item::Attachment(1), "image"),
        ] {
            let r = replacement(item, &sealed(tag), sealed("again"));
            assert_eq!(store.replace(r).await.unwrap(), Replaced::Done, "{item:?}");
        }
        assert_eq!(due(&new_set).await.unwrap(), Due::default());
        assert!(!listed(&new_set).await.unwrap()[0].reseal_due);
        let messages = store.messages(id.clone()).await.unwrap();
        assert_eq!(messages[0].author, Author::Pupil, "the author stays");
        assert_eq!(messages[1].sealed_for.as_deref(), Some(new_set.as_str()));
        assert_eq!(
            store.attachment(id.clone(), 1).await.unwrap(),
            Some(sealed("again"))
        );
    }

    #[test]
    fn every_schema_file_is_embedded_in_order() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded: Vec<&str> = MIGRATIONS.iter().map(|(n, _)| *n).collect();
        assert_eq!(files, embedded);
        for (i, name) in embedded.iter().enumerate() {
            assert!(name.starts_with(&format!("{:04}_", i + 1)), "{name}");
        }
    }
}
