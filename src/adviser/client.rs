//! A blocking client for the adviser API (docs/api.md): sign-in by key challenge, reports,
//! messages and status, with errors that say what to try. It moves ciphertext only.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::json;
use ureq::http::{Response, Uri};
use zeroize::Zeroizing;

use super::identity::AdviserKey;
use crate::retention::Schedule;
use crate::store::{Author, Item, ReportId, Status};

/// Longest a whole request may take, connecting included. Reports are ~22 KB of base64 each,
/// so a page of the list (`PAGE_SIZE`, ~2 MB) arrives well within it on a school's network.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest wait for a connection, so a wrong address fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest answer read: a page of reports or a long conversation, not an endless stream.
const MAX_ANSWER: u64 = 256 * 1024 * 1024;
/// Largest attachment read. The server never seals a cleaned image over
/// `evidence::OUTPUT_BYTES_MAX` (64 MiB); Padmé padding adds under 12% and age 16 bytes per
/// 64 KiB, so this leaves room for all of that.
pub const MAX_ATTACHMENT: u64 = (crate::evidence::OUTPUT_BYTES_MAX as u64) * 5 / 4 + 1024 * 1024;
/// Longest an attachment download may take: tens of megabytes over a school's Wi-Fi.
pub const ATTACHMENT_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Reports asked for per page of `GET reports`: half the server's most (`web::api::PAGE_MAX`),
/// so one page stays a few megabytes and well within `REQUEST_TIMEOUT`.
const PAGE_SIZE: u32 = 100;
/// Most pages followed for one list: 100,000 reports, far past any school. A server that keeps
/// handing out new cursors beyond that is not behaving, and the adviser is told.
const MAX_PAGES: usize = 1_000;
/// The first bytes of every binary age file.
const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// Why a call failed, worded for the adviser at the command line.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "{given:?} is not a server address ({why}); give the address pupils open, e.g. \
         https://fluister.school.nl, with --server / FLUISTER_SERVER"
    )]
    BadServer { given: String, why: &'static str },
    #[error(
        "cannot reach {server}: {detail}; check --server / FLUISTER_SERVER and that the server runs"
    )]
    Unreachable { server: String, detail: String },
    #[error(
        "this key is not an adviser key of any school on {server}; ask IT to add your recipient \
         {recipient} to the config"
    )]
    UnknownRecipient { server: String, recipient: String },
    #[error("report {id} not found (or not one of your schools')")]
    NotFound { id: String },
    #[error(
        "report {id} has no attachment {n} (or is not one of your schools'); `fluister adviser \
         show {id}` lists its attachments"
    )]
    AttachmentNotFound { id: String, n: u32 },
    #[error("{server} did not accept the sign-in token; run the command again")]
    Unauthorized { server: String },
    #[error("{server} redirects to {location}; use that address with --server / FLUISTER_SERVER")]
    Redirect { server: String, location: String },
    #[error(
        "{server} answered HTTP {status}, which is not the Fluister adviser API; check --server / \
         FLUISTER_SERVER (the address pupils open) and that Fluister runs behind it"
    )]
    NotFluister { server: String, status: u16 },
    #[error("{server} refused ({code}): {message}")]
    Api {
        server: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error(
        "{server} sent an answer this client cannot read ({detail}); is it a Fluister server of \
         the same version?"
    )]
    BadAnswer { server: String, detail: String },
}

/// A server address, checked: `http(s)://host[:port][/path]`.
#[derive(Debug, Clone)]
pub struct ServerUrl {
    base: String,
    host: String,
    port: u16,
    path: String,
    https: bool,
}

impl ServerUrl {
    pub fn parse(given: &str) -> Result<ServerUrl, ClientError> {
        let bad = |why| ClientError::BadServer {
            given: given.to_owned(),
            why,
        };
        let trimmed = given.trim().trim_end_matches('/');
        let uri: Uri = trimmed.parse().map_err(|_| bad("it does not parse"))?;
        let https = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("https") => true,
            Some(s) if s.eq_ignore_ascii_case("http") => false,
            Some(_) => return Err(bad("it must start with https:// or http://")),
            None => return Err(bad("it has no https:// or http:// in front")),
        };
        let host = uri.host().filter(|h| !h.is_empty()).ok_or(bad("no host"))?;
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            return Err(bad(
                "it holds a user name; Fluister signs in with your key instead",
            ));
        }
        if uri.query().is_some() || trimmed.contains('#') {
            return Err(bad("it has a ? or # part"));
        }
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let path = uri.path().trim_end_matches('/').to_owned();
        Ok(ServerUrl {
            base: trimmed.to_owned(),
            host: host.to_ascii_lowercase(),
            port,
            path,
            https,
        })
    }

    /// The address as given (without a trailing slash), for messages.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// True for plain HTTP to anything but this computer or an onion service: the bearer token
    /// would cross the network readable (ciphertext stays safe either way).
    pub fn is_plain_http_over_network(&self) -> bool {
        let local = matches!(self.host.as_str(), "localhost" | "[::1]")
            || self.host.starts_with("127.")
            || self.host.ends_with(".onion");
        !self.https && !local
    }

    /// A folder name for this server's cache: `host-port`, plus the path if Fluister is served
    /// below one, in characters safe on every file system.
    pub fn cache_name(&self) -> String {
        let raw = format!("{}-{}{}", self.host, self.port, self.path);
        raw.chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' => c,
                _ => '_',
            })
            .collect()
    }

    fn api(&self, path: &str) -> String {
        format!("{}/api/v1/{path}", self.base)
    }
}

/// One report in the list, as the server keeps it: what is in clear, and the ciphertext.
#[derive(Deserialize)]
pub struct ReportListing {
    #[serde(deserialize_with = "de_report_id")]
    pub id: ReportId,
    pub school: String,
    pub received_on: String,
    #[serde(deserialize_with = "de_status")]
    pub status: Status,
    pub last_activity: String,
    /// How many messages follow the report (notes included); their `seq` run 1..=messages.
    pub messages: i64,
    pub last_pupil_message: Option<String>,
    /// How many evidence images the report and its messages carry (0 from a server that
    /// predates them).
    #[serde(default)]
    pub attachments: u32,
    /// The date the case became overdue (no adviser reply for the school's
    /// `reply_within_days`), while it is; `None` otherwise and from older servers.
    #[serde(default)]
    pub overdue_since: Option<String>,
    /// True when an item of the report is not sealed for its school's current advisers and
    /// recovery key (false from a server that predates the reseal).
    #[serde(default)]
    pub reseal_due: bool,
    #[serde(deserialize_with = "de_base64")]
    pub ciphertext: Vec<u8>,
    /// When the server deletes it, or that it is held.
    #[serde(flatten)]
    pub schedule: Schedule,
}

/// One entry of the report list: a report, or why it could not be read.
pub enum ListEntry {
    Report(ReportListing),
    /// The server listed something that is not a readable report. `id` is given when the entry
    /// carries a valid report id.
    Unreadable {
        id: Option<ReportId>,
        detail: String,
    },
}

impl ListEntry {
    fn read(value: serde_json::Value) -> ListEntry {
        let id = value
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(ReportId::parse);
        match serde_json::from_value::<ReportListing>(value) {
            Ok(r) => ListEntry::Report(r),
            Err(e) => ListEntry::Unreadable {
                id,
                detail: shortened(&e.to_string()),
            },
        }
    }
}

/// One evidence image as the server lists it: its number within the report and the length of
/// its ciphertext. What it is (type, dimensions) is sealed in the report or message it came
/// with.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AttachmentListing {
    /// 1, 2, 3 … across the report and its messages: the `{n}` of its address.
    #[serde(deserialize_with = "de_attachment_number")]
    pub n: u32,
    /// Length of the age file.
    pub size: u64,
    /// The fingerprint of the recipient set it was sealed for (`None`: not known).
    #[serde(default)]
    pub sealed_for: Option<String>,
}

/// One adviser of a school's team, by the name the school's config gives them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TeamAdviser {
    pub recipient: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// Who a school's files are sealed to now, besides the pupil (docs/api.md, `team`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Team {
    pub advisers: Vec<TeamAdviser>,
    #[serde(default)]
    pub recovery: Option<String>,
    /// Every recipient to seal to: the advisers and the recovery key.
    pub recipients: Vec<String>,
    /// `recipients::fingerprint` of `recipients`, as the server computed it.
    pub fingerprint: String,
}

/// How much of a school is not yet sealed for its current team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct DueListing {
    pub reports: u64,
    pub items: u64,
}

/// `GET schools/{school}/recipients`.
#[derive(Debug, Clone, Deserialize)]
pub struct SchoolTeam {
    pub school: String,
    #[serde(flatten)]
    pub team: Team,
    #[serde(default)]
    pub due: DueListing,
}

/// What a replacement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Stored.
    Done,
    /// The stored item is no longer the one read (412 `changed`): nothing was replaced.
    Changed,
}

/// One report with its whole conversation and everyone a reply must be encrypted to.
#[derive(Deserialize)]
pub struct ReportDetail {
    #[serde(deserialize_with = "de_report_id")]
    pub id: ReportId,
    pub school: String,
    pub received_on: String,
    #[serde(deserialize_with = "de_status")]
    pub status: Status,
    pub reporter_recipient: String,
    pub adviser_recipients: Vec<String>,
    /// The school's team now (absent from a server that predates it).
    #[serde(default)]
    pub team: Option<Team>,
    #[serde(deserialize_with = "de_base64")]
    pub ciphertext: Vec<u8>,
    /// The recipient set the report was sealed for (`None`: not known).
    #[serde(default)]
    pub sealed_for: Option<String>,
    /// The report's own evidence images, in order.
    #[serde(default)]
    pub attachments: Vec<AttachmentListing>,
    pub messages: Vec<MessageListing>,
    /// When the server deletes it, or that it is held.
    #[serde(flatten)]
    pub schedule: Schedule,
}

/// One message of a conversation, still encrypted.
#[derive(Deserialize)]
pub struct MessageListing {
    pub seq: i64,
    #[serde(deserialize_with = "de_author")]
    pub author: Author,
    pub sent_on: String,
    #[serde(deserialize_with = "de_base64")]
    pub ciphertext: Vec<u8>,
    /// The recipient set it was sealed for (`None`: not known).
    #[serde(default)]
    pub sealed_for: Option<String>,
    /// The evidence images that came with this message, in order.
    #[serde(default)]
    pub attachments: Vec<AttachmentListing>,
}

/// The adviser API over one server, holding the bearer token of the current sign-in.
pub struct Client {
    agent: ureq::Agent,
    server: ServerUrl,
    token: Mutex<Option<Zeroizing<String>>>,
}

impl Client {
    pub fn new(server: ServerUrl) -> Client {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(REQUEST_TIMEOUT))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            // API errors are JSON bodies we read and explain, not transport failures.
            .http_status_as_error(false)
            // A redirect is reported, not followed: the adviser should configure the real
            // address rather than send their token through a hop.
            .max_redirects(0)
            .user_agent(concat!("fluister/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            agent: ureq::Agent::new_with_config(config),
            server,
            token: Mutex::new(None),
        }
    }

    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    /// Signs in by key challenge (docs/api.md section 2) and keeps the token. Returns the slugs
    /// of the schools the key is an adviser of.
    pub fn sign_in(&self, key: &AdviserKey) -> Result<Vec<String>, ClientError> {
        let recipient = key.recipient().to_string();
        let unknown = |e: ClientError| match e {
            ClientError::Api { code, .. } if code == "unknown_recipient" => {
                ClientError::UnknownRecipient {
                    server: self.server.base.clone(),
                    recipient: recipient.clone(),
                }
            }
            other => other,
        };
        #[derive(Deserialize)]
        struct Challenge {
            #[serde(deserialize_with = "de_base64")]
            challenge: Vec<u8>,
        }
        let challenge: Challenge = self
            .post("auth/challenge", &json!({ "recipient": recipient }), false)
            .map_err(unknown)?;
        let nonce = key.decrypt(&challenge.challenge).map_err(|e| {
            self.bad_answer(format!("the challenge does not open with your key: {e}"))
        })?;
        let nonce = std::str::from_utf8(&nonce)
            .map_err(|_| self.bad_answer("the challenge is not text".into()))?;
        #[derive(Deserialize)]
        struct Session {
            token: String,
            schools: Vec<String>,
        }
        let session: Session = self
            .post(
                "auth/session",
                &json!({ "recipient": recipient, "response": nonce }),
                false,
            )
            .map_err(unknown)?;
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = Some(Zeroizing::new(session.token));
        Ok(session.schools)
    }

    /// `GET reports`, optionally only those with one status: every page, in the server's
    /// order. An entry that cannot be read as a report (a server bug, a damaged row) comes
    /// back as `ListEntry::Unreadable` instead of failing the whole list, so one broken case
    /// never hides the others.
    pub fn reports(&self, status: Option<Status>) -> Result<Vec<ListEntry>, ClientError> {
        #[derive(Deserialize)]
        struct Page {
            reports: Vec<serde_json::Value>,
            /// Absent from a server that predates pages: then the first answer is the list.
            #[serde(default)]
            next: Option<String>,
        }
        let mut out = Vec::new();
        let mut seen_ids = HashSet::new();
        let mut cursors = HashSet::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut path = format!("reports?limit={PAGE_SIZE}");
            if let Some(s) = status {
                path.push_str(&format!("&status={}", s.as_str()));
            }
            if let Some(a) = &after {
                path.push_str(&format!(
                    "&after={}",
                    utf8_percent_encode(a, NON_ALPHANUMERIC)
                ));
            }
            let page: Page = self.get(&path)?;
            for value in page.reports {
                let entry = ListEntry::read(value);
                // A server that lists a report on two pages must not make it show twice.
                if let ListEntry::Report(r) = &entry
                    && !seen_ids.insert(r.id.clone())
                {
                    continue;
                }
                out.push(entry);
            }
            match page.next {
                None => return Ok(out),
                // The cursor is opaque, but one handed out twice would loop for ever.
                Some(next) if !cursors.insert(next.clone()) => {
                    return Err(self.bad_answer(format!("page cursor {next:?} came back twice")));
                }
                Some(next) => after = Some(next),
            }
        }
        Err(self.bad_answer(format!(
            "more than {MAX_PAGES} pages of {PAGE_SIZE} reports"
        )))
    }

    /// `GET reports/{id}`.
    pub fn report(&self, id: &ReportId) -> Result<ReportDetail, ClientError> {
        let detail: ReportDetail = self
            .get(&format!("reports/{id}"))
            .map_err(|e| not_found(e, id))?;
        if detail.id != *id {
            return Err(self.bad_answer(format!("asked for report {id}, got {}", detail.id)));
        }
        Ok(detail)
    }

    /// `GET reports/{id}/attachments/{n}`: one evidence image as the binary age file the server
    /// stores, padded and still encrypted.
    pub fn attachment(&self, id: &ReportId, n: u32) -> Result<Vec<u8>, ClientError> {
        let token = self.bearer()?;
        let res = self
            .agent
            .get(self.server.api(&format!("reports/{id}/attachments/{n}")))
            .config()
            .timeout_global(Some(ATTACHMENT_TIMEOUT))
            .build()
            .header("Authorization", token.as_str())
            .call();
        let body = self
            .answer_bytes(res, MAX_ATTACHMENT)
            .map_err(|e| match e {
                ClientError::Api { code, .. } if code == "not_found" => {
                    ClientError::AttachmentNotFound {
                        id: id.to_string(),
                        n,
                    }
                }
                other => other,
            })?;
        if !body.starts_with(AGE_MAGIC) {
            return Err(self.bad_answer(format!(
                "attachment {n} of report {id} is not a binary age file"
            )));
        }
        Ok(body)
    }

    /// `POST reports/{id}/messages`: stores an age file encrypted on this computer for the set
    /// `sealed_for` names. Returns the new message's `seq`.
    pub fn post_message(
        &self,
        id: &ReportId,
        author: Author,
        ciphertext: &[u8],
        sealed_for: &str,
    ) -> Result<i64, ClientError> {
        #[derive(Deserialize)]
        struct Posted {
            seq: i64,
        }
        let body = json!({
            "author": author.as_str(),
            "ciphertext": B64.encode(ciphertext),
            "sealed_for": sealed_for,
        });
        let posted: Posted = self
            .post(&format!("reports/{id}/messages"), &body, true)
            .map_err(|e| not_found(e, id))?;
        Ok(posted.seq)
    }

    /// `PUT reports/{id}/hold`: puts the report on legal hold or takes it off; answers the
    /// report's retention as it is now.
    pub fn put_hold(&self, id: &ReportId, held: bool) -> Result<Schedule, ClientError> {
        let req = self
            .agent
            .put(self.server.api(&format!("reports/{id}/hold")))
            .header("Authorization", self.bearer()?.as_str());
        self.send_json(req, &json!({ "held": held }))
            .map_err(|e| not_found(e, id))
    }

    /// `GET schools/{school}/recipients`: who the school's files are sealed to now, and how
    /// much is not yet.
    pub fn recipients(&self, school: &str) -> Result<SchoolTeam, ClientError> {
        let slug = utf8_percent_encode(school, NON_ALPHANUMERIC);
        let team: SchoolTeam = self.get(&format!("schools/{slug}/recipients"))?;
        if team.school != school {
            return Err(self.bad_answer(format!(
                "asked for the recipients of school {school}, got {}",
                team.school
            )));
        }
        Ok(team)
    }

    /// Replaces one stored item by `ciphertext`, sealed for the set `sealed_for` names, only
    /// if the server still holds the file whose SHA-256 is `read` (docs/api.md, "Sealing
    /// again").
    pub fn replace(
        &self,
        id: &ReportId,
        item: Item,
        read: &str,
        sealed_for: &str,
        ciphertext: &[u8],
    ) -> Result<Replace, ClientError> {
        let (path, timeout) = match item {
            Item::Report => (format!("reports/{id}/ciphertext"), REQUEST_TIMEOUT),
            Item::Message(seq) => (
                format!("reports/{id}/messages/{seq}/ciphertext"),
                REQUEST_TIMEOUT,
            ),
            Item::Attachment(n) => (format!("reports/{id}/attachments/{n}"), ATTACHMENT_TIMEOUT),
        };
        let res = self
            .agent
            .put(self.server.api(&path))
            .config()
            .timeout_global(Some(timeout))
            .build()
            .header("Authorization", self.bearer()?.as_str())
            .header("If-Match", format!("\"{read}\""))
            .header("Fluister-Sealed-For", sealed_for)
            .content_type("application/octet-stream")
            .send(ciphertext);
        match self.answer_bytes(res, MAX_ANSWER) {
            Ok(_) => Ok(Replace::Done),
            Err(ClientError::Api { code, .. }) if code == "changed" => Ok(Replace::Changed),
            Err(e) => Err(not_found(e, id)),
        }
    }

    /// `PUT reports/{id}/status`.
    pub fn put_status(&self, id: &ReportId, status: Status) -> Result<(), ClientError> {
        let req = self
            .agent
            .put(self.server.api(&format!("reports/{id}/status")))
            .header("Authorization", self.bearer()?.as_str());
        let _: serde_json::Value = self
            .send_json(req, &json!({ "status": status.as_str() }))
            .map_err(|e| not_found(e, id))?;
        Ok(())
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let token = self.bearer()?;
        let res = self
            .agent
            .get(self.server.api(path))
            .header("Authorization", token.as_str())
            .call();
        self.answer(res)
    }

    /// POSTs JSON; `auth` says whether the bearer token goes along.
    fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        auth: bool,
    ) -> Result<T, ClientError> {
        let mut req = self.agent.post(self.server.api(path));
        if auth {
            req = req.header("Authorization", self.bearer()?.as_str());
        }
        self.send_json(req, body)
    }

    fn send_json<T: DeserializeOwned>(
        &self,
        req: ureq::RequestBuilder<ureq::typestate::WithBody>,
        body: &serde_json::Value,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_vec(body).expect("a JSON value serializes");
        self.answer(req.content_type("application/json").send(&body[..]))
    }

    /// `Bearer <token>`, or `Unauthorized` before the first sign-in.
    fn bearer(&self) -> Result<Zeroizing<String>, ClientError> {
        match &*self.token.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(t) => Ok(Zeroizing::new(format!("Bearer {}", t.as_str()))),
            None => Err(ClientError::Unauthorized {
                server: self.server.base.clone(),
            }),
        }
    }

    /// Reads an answer: the JSON of a success, or the API's `{"error","message"}` as a typed
    /// error.
    fn answer<T: DeserializeOwned>(
        &self,
        res: Result<Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ClientError> {
        let body = self.answer_bytes(res, MAX_ANSWER)?;
        serde_json::from_slice(&body).map_err(|e| self.bad_answer(e.to_string()))
    }

    /// Reads an answer of at most `limit` bytes: the body of a success, or the API's
    /// `{"error","message"}` as a typed error.
    fn answer_bytes(
        &self,
        res: Result<Response<ureq::Body>, ureq::Error>,
        limit: u64,
    ) -> Result<Vec<u8>, ClientError> {
        let server = || self.server.base.clone();
        let unreachable = |e: ureq::Error| match e {
            ureq::Error::BodyExceedsLimit(n) => {
                self.bad_answer(format!("an answer larger than {n} bytes"))
            }
            other => ClientError::Unreachable {
                server: server(),
                detail: transport_detail(&other),
            },
        };
        let mut res = res.map_err(unreachable)?;
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = res
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(unreachable)?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        if (300..400).contains(&status) {
            return Err(ClientError::Redirect {
                server: server(),
                location: location.unwrap_or_else(|| "an address it does not name".into()),
            });
        }
        #[derive(Deserialize)]
        struct ApiError {
            error: String,
            message: String,
        }
        match serde_json::from_slice::<ApiError>(&body) {
            Ok(e) if e.error == "unauthorized" => {
                Err(ClientError::Unauthorized { server: server() })
            }
            Ok(e) => Err(ClientError::Api {
                server: server(),
                status,
                code: e.error,
                message: e.message,
            }),
            Err(_) => Err(ClientError::NotFluister {
                server: server(),
                status,
            }),
        }
    }

    fn bad_answer(&self, detail: String) -> ClientError {
        ClientError::BadAnswer {
            server: self.server.base.clone(),
            detail,
        }
    }
}

/// A parser's complaint cut to a readable length: serde quotes the offending value, which
/// may be a whole ciphertext.
fn shortened(detail: &str) -> String {
    const MAX: usize = 160;
    match detail.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &detail[..cut]),
        None => detail.to_owned(),
    }
}

/// A report call's `not_found` names the report.
fn not_found(e: ClientError, id: &ReportId) -> ClientError {
    match e {
        ClientError::Api { code, .. } if code == "not_found" => {
            ClientError::NotFound { id: id.to_string() }
        }
        other => other,
    }
}

/// The useful part of a transport error: ureq's own text, plus the operating system's reason
/// (e.g. "Connection refused") where there is one.
fn transport_detail(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) => io.to_string(),
        ureq::Error::HostNotFound => "the host name is not known (check the spelling)".into(),
        ureq::Error::Timeout(_) => {
            format!("no answer within {} seconds", REQUEST_TIMEOUT.as_secs())
        }
        other => other.to_string(),
    }
}

// The string deserializers take owned strings: list entries are read one by one from
// `serde_json::Value`s (`ListEntry::read`), which cannot lend a `&str`.

fn de_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = String::deserialize(d)?;
    B64.decode(s.trim()).map_err(D::Error::custom)
}

/// Ids become folder names in the cache, so only real report ids are accepted from a server.
fn de_report_id<'de, D: Deserializer<'de>>(d: D) -> Result<ReportId, D::Error> {
    let s = String::deserialize(d)?;
    ReportId::parse(&s).ok_or_else(|| D::Error::custom(format!("{s:?} is not a report id")))
}

/// Attachment numbers name files on the adviser's disk, so only 1, 2, 3 … are accepted.
fn de_attachment_number<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let n = u32::deserialize(d)?;
    if n == 0 {
        return Err(D::Error::custom("attachment number 0"));
    }
    Ok(n)
}

fn de_status<'de, D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
    let s = String::deserialize(d)?;
    Status::parse(&s).ok_or_else(|| D::Error::custom(format!("unknown status {s:?}")))
}

fn de_author<'de, D: Deserializer<'de>>(d: D) -> Result<Author, D::Error> {
    let s = String::deserialize(d)?;
    Author::parse(&s).ok_or_else(|| D::Error::custom(format!("unknown author {s:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_checked_and_named_for_the_cache() {
        let s = ServerUrl::parse("https://Fluister.School.nl/").unwrap();
        assert_eq!(s.as_str(), "https://Fluister.School.nl");
        assert_eq!(s.cache_name(), "fluister.school.nl-443");
        assert_eq!(
            s.api("reports"),
            "https://Fluister.School.nl/api/v1/reports"
        );
        assert!(!s.is_plain_http_over_network());
        let s = ServerUrl::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(s.cache_name(), "127.0.0.1-8080");
        assert!(!s.is_plain_http_over_network());
        let s = ServerUrl::parse("http://[::1]:9000/fluister/").unwrap();
        assert_eq!(s.cache_name(), "___1_-9000_fluister");
        assert!(
            ServerUrl::parse("http://school.example")
                .unwrap()
                .is_plain_http_over_network()
        );
        for bad in [
            "fluister.school.nl",
            "ftp://x",
            "https://user:pw@x",
            "https://x/?a=b",
            "",
        ] {
            let e = ServerUrl::parse(bad).err().unwrap();
            assert!(e.to_string().contains("--server"), "{e}");
        }
    }

    #[test]
    fn attachment_listings_are_read_and_only_real_numbers_accepted() {
        let detail = |attachments: &str| {
            format!(
                r#"{{"id":"0123456789abcdef","school":"demo","received_on":"2026-11-21",
                "status":"new","reporter_recipient":"age1x","adviser_recipients":[],
                "ciphertext":"","messages":[{{"seq":1,"author":"pupil","sent_on":"2026-11-22",
                "ciphertext":"","attachments":[{{"n":3,"size":70123}}]}}]{attachments}}}"#
            )
        };
        let d: ReportDetail =
            serde_json::from_str(&detail(r#","attachments":[{"n":1,"size":65600}]"#)).unwrap();
        assert_eq!(
            d.attachments,
            [AttachmentListing {
                n: 1,
                size: 65_600,
                sealed_for: None
            }]
        );
        assert_eq!(d.messages[0].attachments[0].n, 3);
        // A server from before evidence images lists none.
        let d: ReportDetail = serde_json::from_str(&detail("")).unwrap();
        assert!(d.attachments.is_empty());
        for bad in [
            r#","attachments":[{"n":0,"size":1}]"#,
            r#","attachments":[{"n":-1,"size":1}]"#,
            r#","attachments":[{"n":"../x","size":1}]"#,
        ] {
            assert!(
                serde_json::from_str::<ReportDetail>(&detail(bad)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn one_unreadable_list_entry_leaves_the_others_and_is_named() {
        let entry = |id: &str, status: &str| {
            json!({
                "id": id, "school": "demo", "received_on": "2026-11-21", "status": status,
                "last_activity": "2026-11-21", "messages": 0, "last_pupil_message": null,
                "attachments": 0, "reporter_recipient": "age1x",
                "ciphertext": B64.encode(AGE_MAGIC),
            })
        };
        let read = |v| match ListEntry::read(v) {
            ListEntry::Report(r) => Ok(r.id.to_string()),
            ListEntry::Unreadable { id, detail } => Err((id.map(|i| i.to_string()), detail)),
        };
        assert_eq!(
            read(entry("0123456789abcdef", "open")),
            Ok("0123456789abcdef".into())
        );
        let (id, detail) = read(entry("0123456789abcdef", "lost")).unwrap_err();
        assert_eq!(id.as_deref(), Some("0123456789abcdef"));
        assert!(detail.contains("unknown status"), "{detail}");
        let (id, _) = read(entry("../../etc", "new")).unwrap_err();
        assert_eq!(id, None, "only a real id is named");
        let mut long = entry("0123456789abcdef", "new");
        long["ciphertext"] = json!(7u32.to_string().repeat(10_000) + "!");
        let (_, detail) = read(long).unwrap_err();
        assert!(detail.chars().count() <= 161, "{detail}");
    }

    #[test]
    fn a_closed_port_is_unreachable_with_advice() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let client = Client::new(ServerUrl::parse(&format!("http://127.0.0.1:{port}")).unwrap());
        let key = AdviserKey::from_identity(age::x25519::Identity::generate());
        let e = client.sign_in(&key).err().unwrap();
        assert!(matches!(e, ClientError::Unreachable { .. }), "{e}");
        assert!(e.to_string().contains("FLUISTER_SERVER"), "{e}");
    }
}
