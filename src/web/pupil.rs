//! Pupil handlers: parse the request, call one domain function, render. No JavaScript needed.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::Markup;
use zeroize::Zeroizing;

use crate::code::{CodeShapeError, PickupCode};
use crate::config::School;
use crate::conversation::MessageProblem;
use crate::conversation::{self, Conversation, Thread};
use crate::i18n::Lang;
use crate::intake::{self, Earlier, FileProblem, SubmissionToken};
use crate::ratelimit::RetryAfter;
use crate::ratelimit::Source;
use crate::report::{Category, DangerNow, ReportForm};
use crate::retention::{self, Policy};

use super::error::RefusedReport;
use super::form::{FormBody, is_urlencoded};
use super::peer::Peer;
use super::upload::{self, Admit, Broken, FileGate, Submitted};
use super::views::{self, CheckProblem, ConfirmProblem, FollowUp, Kept, Notice};
use super::{AppError, AppState, PagePath, lang_of};

/// How an empty report form may be cached: by this browser only, revalidated on every normal
/// visit, but kept for Back. Back from the confirmation then shows the very form that was
/// sent, with its submission token, so sending it again is a resubmission and not a second
/// report (Chromium restores the typed text but not a hidden field of a refetched page). The
/// empty form holds nothing of the pupil; every page that does stays `no-store`.
const FORM_CACHE: &str = "private, no-cache";

/// `GET /`: the form of the only school, or the list of schools.
pub async fn home(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&q, &headers);
    let config = state.config();
    match config.schools.as_slice() {
        [only] => empty_form(&state, lang, only),
        schools => views::school_list(lang, config.keyholders(), schools).into_response(),
    }
}

/// A new, empty report form with a fresh submission token.
fn empty_form(state: &AppState, lang: Lang, school: &School) -> Response {
    let page = views::report_form(
        lang,
        school,
        &ReportForm::default(),
        &[],
        state.config().evidence_file_mib,
        &SubmissionToken::generate().to_hex(),
    );
    ([(header::CACHE_CONTROL, FORM_CACHE)], page).into_response()
}

/// `GET /s/{school}`: the report form.
pub async fn report_form(
    State(state): State<AppState>,
    PagePath(slug): PagePath<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let lang = lang_of(&q, &headers);
    let config = state.config();
    let school = config
        .school(&slug)
        .ok_or(AppError::NotFound(lang, config.keyholders()))?;
    Ok(empty_form(&state, lang, school))
}

/// `POST /s/{school}/report`: validate, clean the evidence, seal and store durably, then show
/// the pickup code. Every refusal shows the form again with the text as typed.
pub async fn submit_report(
    State(state): State<AppState>,
    PagePath(slug): PagePath<String>,
    RawQuery(q): RawQuery,
    Peer(source): Peer,
    req: Request,
) -> Result<Markup, AppError> {
    let lang = lang_of(&q, req.headers());
    let config = state.config();
    let school = config
        .school(&slug)
        .ok_or(AppError::NotFound(lang, config.keyholders()))?;
    let mut gate = ReportGate {
        state: &state,
        source,
        school: &school.slug,
    };
    let submitted = upload::read(req, &state, source, &mut gate).await;
    let fields = &submitted.fields;
    let lang = fields.lang_or(lang);
    let form = ReportForm::from_fields(|name| fields.get(name));
    // The same form sent twice carries the same token, so it stands for the same code and the
    // same report (DESIGN.md "Idempotent submissions"). A client without one gets a fresh code.
    let token = SubmissionToken::parse(fields.get("t"));
    let code = token
        .as_ref()
        .map_or_else(PickupCode::generate, |t| t.code(&state.keys));
    // A refused form goes back with its token: nothing was stored under it.
    let token_hex = token.as_ref().map_or_else(
        || SubmissionToken::generate().to_hex(),
        SubmissionToken::to_hex,
    );
    let refuse = |form, notices| {
        AppError::ReportRefused(Box::new(RefusedReport {
            lang,
            school: school.clone(),
            form,
            notices,
            file_mib: state.config().evidence_file_mib,
            token: token_hex.clone(),
        }))
    };
    // Sent before: the same report shows its code again; another one is not stored over it.
    let resent = |form: ReportForm, earlier| match earlier {
        Earlier::Same => {
            let danger = matches!(
                DangerNow::from_slug(form.danger_now.trim()),
                Some(DangerNow::Yes | DangerNow::Unsure)
            );
            Ok(views::confirmation(
                lang,
                school.keyholders(),
                Some(&school.slug),
                &code.grouped(),
                danger,
                "",
                None,
            ))
        }
        _ => Err(AppError::ReportRefused(Box::new(RefusedReport {
            lang,
            school: school.clone(),
            form,
            notices: vec![Notice::AlreadySent],
            file_mib: state.config().evidence_file_mib,
            token: SubmissionToken::generate().to_hex(),
        }))),
    };
    match submitted.broken {
        Some(Broken::NotAForm) => return Err(refuse(form, vec![Notice::Unreadable])),
        Some(Broken::TooLarge) if form.description.is_empty() => {
            return Err(AppError::TooLarge(lang, school.keyholders()));
        }
        _ => {}
    }
    let mut notices = Vec::new();
    if fields.invalid_utf8 {
        notices.push(Notice::InvalidUtf8);
    }
    let valid = form.validate().map_err(|problems| {
        notices.extend(problems.into_iter().map(Notice::Problem));
    });
    let no_uploads =
        Category::from_slug(form.category.trim()).is_some_and(Category::forbids_upload);
    if no_uploads && submitted.has_files() {
        notices.push(Notice::FilesNotAllowed(submitted.file_names()));
    } else {
        notices.extend(submitted.refused.iter().cloned().map(Notice::File));
    }
    match submitted.broken {
        Some(Broken::TooLarge) => notices.push(Notice::TooLarge),
        Some(Broken::Unreadable) => notices.push(Notice::Unreadable),
        _ => {}
    }
    let had_files = submitted.has_files();
    let valid = match valid {
        Ok(valid) if notices.is_empty() => valid,
        _ => return Err(refuse(form, with_files_again(notices, had_files))),
    };
    // Before any limit is spent or an image decoded: a resubmission costs nothing.
    if token.is_some() {
        match intake::earlier(&state.store, &state.keys, &code, &valid).await {
            Ok(Earlier::Nothing) => {}
            Ok(earlier) => return resent(form, earlier),
            Err(e) => {
                tracing::error!(school = %school.slug, error = %e, "could not look up a resubmission");
                let notices = with_files_again(vec![Notice::Unavailable], had_files);
                return Err(refuse(form, notices));
            }
        }
    }
    // A source already over a limit had its files read past, never held. Images are counted
    // before they are decoded (decoding is the expensive part); the report only once everything
    // else passed, so fixing a mistake or a file costs no report.
    let counted = match submitted.limited {
        Some(wait) => Err(wait),
        None => state.limiters.uploads(source, submitted.files.len()),
    };
    if let Err(wait) = counted {
        let notices = with_files_again(vec![Notice::TooMany(wait)], had_files);
        return Err(refuse(form, notices));
    }
    let images = match state.images.clean(submitted.files, submitted.held).await {
        Ok(images) => images,
        Err(refused) => {
            let notices = refused.into_iter().map(Notice::File).collect();
            return Err(refuse(form, with_files_again(notices, had_files)));
        }
    };
    if let Err(wait) = state.limiters.report(source, &school.slug) {
        let notices = with_files_again(vec![Notice::TooMany(wait)], had_files);
        return Err(refuse(form, notices));
    }
    let danger = matches!(valid.danger_now, Some(DangerNow::Yes | DangerNow::Unsure));
    let again = token.is_some().then(|| form.clone());
    let sealed = intake::accept(
        &state.store,
        &state.keys,
        school,
        valid,
        lang,
        images,
        code.clone(),
    );
    match sealed.await {
        Ok(receipt) => {
            // Debug level: even "a report arrived" with a timestamp could be matched against a
            // school's network log, so default logs do not say it (SECURITY.md).
            tracing::debug!(school = %school.slug, "report accepted");
            Ok(views::confirmation(
                lang,
                school.keyholders(),
                Some(&school.slug),
                &receipt.code.grouped(),
                danger,
                "",
                None,
            ))
        }
        Err(e) if e.is_duplicate() => {
            // A double tap: the other request stored this code first. Compare with what it
            // stored, as for any resubmission.
            let form = again.expect("only a token's code can be stored twice");
            let valid = form
                .validate()
                .map_err(|_| AppError::Internal(lang, school.keyholders()))?;
            match intake::earlier(&state.store, &state.keys, &code, &valid).await {
                Ok(earlier) => resent(form, earlier),
                Err(e) => {
                    tracing::error!(school = %school.slug, error = %e, "could not look up a resubmission");
                    Err(AppError::Internal(lang, school.keyholders()))
                }
            }
        }
        Err(e) if e.is_busy() => {
            // Counted, and logged once a minute with every other such refusal.
            state.tally.busy();
            tracing::debug!(school = %school.slug, "report refused: the write queue is full");
            Err(refuse(
                form,
                with_files_again(vec![Notice::Busy], had_files),
            ))
        }
        Err(e) => {
            tracing::error!(school = %school.slug, error = %e, "report could not be stored");
            let notices = with_files_again(vec![Notice::Unavailable], had_files);
            Err(refuse(form, notices))
        }
    }
}

/// The report form's rule for files: none for the kinds of report that must never carry an
/// image, none from a source whose reports are being refused.
struct ReportGate<'a> {
    state: &'a AppState,
    source: Source,
    school: &'a str,
}

impl FileGate for ReportGate<'_> {
    async fn admit(&mut self, fields: &FormBody) -> Admit {
        let category = Category::from_slug(fields.get("category").trim());
        if category.is_some_and(Category::forbids_upload) {
            // Not even held in memory: a nude image of a minor must not be sent at all.
            return Admit::Refuse(FileProblem::NotAllowed);
        }
        match self
            .state
            .limiters
            .report_refusing(self.source, self.school)
        {
            Ok(()) => Admit::Files,
            Err(wait) => Admit::Limited(wait),
        }
    }
}

/// A refused form loses its files (a browser cannot be given them back): say so once. Never
/// where the files were refused for the kind of report: that pupil must not send them again.
fn with_files_again(mut notices: Vec<Notice>, had_files: bool) -> Vec<Notice> {
    let not_allowed = notices
        .iter()
        .any(|n| matches!(n, Notice::FilesNotAllowed(_)));
    if had_files && !not_allowed {
        notices.push(Notice::ChooseFilesAgain);
    }
    notices
}

/// The fields of a small pupil form (check, follow-up, confirm), and the language it asked for.
fn small_form(
    q: &Option<String>,
    headers: &HeaderMap,
    body: &Result<Bytes, BytesRejection>,
) -> (Lang, FormBody) {
    let fields = match (body, is_urlencoded(headers)) {
        (Ok(body), true) => FormBody::parse(body),
        _ => FormBody::parse(b""),
    };
    let lang = fields.lang_or(lang_of(q, headers));
    (lang, fields)
}

/// What came of looking up a typed code.
enum Lookup {
    Found(Thread),
    Refused(CheckProblem, Option<RetryAfter>),
}

/// Parses a typed code, applies the look-up limits and finds its report. A code that opens
/// nothing counts against its network's share and the global ceiling on failed look-ups.
async fn look_up(state: &AppState, source: Source, typed: &str) -> Result<Lookup, StoreFailure> {
    let code = match PickupCode::parse(typed) {
        Ok(code) => code,
        Err(e) => return Ok(Lookup::Refused(shape_problem(e), None)),
    };
    if let Err(wait) = state.limiters.code_check(source) {
        return Ok(Lookup::Refused(
            CheckProblem::TooMany(wait.secs()),
            Some(wait),
        ));
    }
    match conversation::locate(&state.store, &state.keys, &code).await {
        Ok(Some(thread)) => Ok(Lookup::Found(thread)),
        Ok(None) => {
            state.limiters.code_failed(source);
            Ok(Lookup::Refused(CheckProblem::NotFound, None))
        }
        Err(e) => {
            tracing::error!(error = %e, "could not look up a pickup code");
            Err(StoreFailure)
        }
    }
}

/// Looking a code up failed inside the server; already logged.
struct StoreFailure;

fn shape_problem(e: CodeShapeError) -> CheckProblem {
    CheckProblem::Shape(match e {
        CodeShapeError::Empty => ConfirmProblem::Empty,
        CodeShapeError::WrongLength(n) => ConfirmProblem::WrongLength(n),
        CodeShapeError::BadSymbol => ConfirmProblem::BadSymbol,
    })
}

/// 422 for a malformed code, 404 for one that opens nothing, 429 (with `Retry-After`) over a
/// limit.
fn refusal_status(problem: CheckProblem, wait: Option<RetryAfter>) -> (StatusCode, Option<String>) {
    match (problem, wait) {
        (_, Some(wait)) => (StatusCode::TOO_MANY_REQUESTS, Some(wait.secs().to_string())),
        (CheckProblem::Shape(_), None) => (StatusCode::UNPROCESSABLE_ENTITY, None),
        (_, None) => (StatusCode::NOT_FOUND, None),
    }
}

fn with_retry(status: StatusCode, retry: Option<String>, page: Markup) -> Response {
    match retry {
        Some(secs) => (status, [(axum::http::header::RETRY_AFTER, secs)], page).into_response(),
        None => (status, page).into_response(),
    }
}

/// The check form again with what went wrong, keeping what was typed.
fn check_refused(
    state: &AppState,
    lang: Lang,
    typed: &str,
    problem: CheckProblem,
    wait: Option<RetryAfter>,
    draft: Option<&str>,
) -> Response {
    let config = state.config();
    let shared = Policy::from_config(&config).shared();
    let (status, retry) = refusal_status(problem, wait);
    // A code that opens nothing belongs to no school: the footer says what the install can.
    let keys = config.keyholders();
    with_retry(
        status,
        retry,
        views::check_form(lang, keys, typed, Some(problem), draft, shared),
    )
}

/// `POST /check/confirm`: the pupil types the code back; we say whether it opens their report.
pub async fn confirm_code(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    Peer(source): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let (lang, fields) = small_form(&q, &headers, &body);
    let config = state.config();
    // The school the confirmation page was for, so the page that comes back says the same about
    // who holds a key; without it (an older page), what the install as a whole can say.
    let school = config.school(fields.get("school"));
    let keys = school.map_or_else(|| config.keyholders(), School::keyholders);
    let typed = fields.get("code");
    let shown = PickupCode::parse(fields.get("shown")).ok();
    let mismatch = match (PickupCode::parse(typed), &shown) {
        (Ok(code), Some(shown)) => code.normalised() != shown.normalised(),
        _ => false,
    };
    let (problem, wait) = if mismatch {
        (CheckProblem::Shape(ConfirmProblem::Mismatch), None)
    } else {
        match look_up(&state, source, typed).await {
            Ok(Lookup::Found(thread)) => {
                let keys = config.keyholders_of(thread.school());
                match thread.opens().await {
                    Ok(true) => return Ok(views::code_works(lang, keys).into_response()),
                    Ok(false) => (CheckProblem::NotFound, None),
                    Err(e) => {
                        tracing::error!(error = %e, "could not check a pickup code");
                        return Err(AppError::Internal(lang, keys));
                    }
                }
            }
            Ok(Lookup::Refused(problem, wait)) => (problem, wait),
            Err(StoreFailure) => return Err(AppError::Internal(lang, keys)),
        }
    };
    let confirm_problem = match problem {
        CheckProblem::Shape(p) => p,
        CheckProblem::NotFound => ConfirmProblem::Unknown,
        CheckProblem::TooMany(secs) => ConfirmProblem::TooMany(secs),
    };
    let page = match &shown {
        Some(code) => views::confirmation(
            lang,
            keys,
            school.map(|s| s.slug.as_str()),
            &code.grouped(),
            false,
            typed,
            Some(confirm_problem),
        ),
        None => views::confirm_without_code(lang, keys, typed, confirm_problem),
    };
    let (status, retry) = match refusal_status(problem, wait) {
        (StatusCode::NOT_FOUND, r) => (StatusCode::UNPROCESSABLE_ENTITY, r),
        other => other,
    };
    Ok(with_retry(status, retry, page))
}

/// `GET /check`: where a pupil enters their code. No code yet, so no school: the footer says
/// what the install as a whole can say about who holds a key.
pub async fn check_form(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Markup {
    let keys = state.config().keyholders();
    views::check_form(lang_of(&q, &headers), keys, "", None, None, None)
}

/// `POST /check`: open the conversation with the code.
pub async fn check(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    Peer(source): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let (lang, fields) = small_form(&q, &headers, &body);
    let config = state.config();
    let typed = fields.get("code");
    match look_up(&state, source, typed).await {
        Ok(Lookup::Found(thread)) => match conversation::read(&state.store, thread).await {
            Ok(conv) => Ok(views::conversation(
                lang,
                config.keyholders_of(&conv.school),
                &conv,
                typed,
                "",
                None,
                config.evidence_file_mib,
                &kept(&state, &conv).await,
            )
            .into_response()),
            Err(e) => {
                tracing::error!(error = %e, "could not open a conversation");
                Err(AppError::Internal(lang, config.keyholders()))
            }
        },
        Ok(Lookup::Refused(problem, wait)) => {
            Ok(check_refused(&state, lang, typed, problem, wait, None))
        }
        Err(StoreFailure) => Err(AppError::Internal(lang, config.keyholders())),
    }
}

/// `POST /check/message`: a pupil's follow-up, with any evidence images, sealed and stored
/// durably, then the conversation again. The typed text survives every refusal.
pub async fn follow_up(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    Peer(source): Peer,
    req: Request,
) -> Result<Response, AppError> {
    let asked = lang_of(&q, req.headers());
    let config = state.config();
    let mut gate = FollowUpGate {
        state: &state,
        source,
        looked_up: None,
    };
    let submitted = upload::read(req, &state, source, &mut gate).await;
    let fields = &submitted.fields;
    let lang = fields.lang_or(asked);
    // Copied out: the submission itself goes on to be cleaned and stored.
    let typed = Zeroizing::new(fields.get("code").to_owned());
    let draft = Zeroizing::new(fields.get("message").to_owned());
    let (typed, draft) = (typed.as_str(), draft.as_str());
    if submitted.broken == Some(Broken::TooLarge) && typed.is_empty() {
        return Err(AppError::TooLarge(lang, config.keyholders()));
    }
    // Looked up already when files came: before a byte of them was held.
    let looked_up = match gate.looked_up.take() {
        Some(looked_up) => looked_up,
        None => look_up(&state, source, typed).await,
    };
    let mut thread = match looked_up {
        Ok(Lookup::Found(thread)) => thread,
        Ok(Lookup::Refused(problem, wait)) => {
            return Ok(check_refused(
                &state,
                lang,
                typed,
                problem,
                wait,
                Some(draft),
            ));
        }
        Err(StoreFailure) => return Err(AppError::Internal(lang, config.keyholders())),
    };
    let outcome = follow_up_outcome(&state, source, &mut thread, submitted).await;
    let (status, retry, outcome) = match outcome {
        Ok(outcome) => outcome,
        Err(Gone) => {
            return Ok(check_refused(
                &state,
                lang,
                typed,
                CheckProblem::NotFound,
                None,
                Some(draft),
            ));
        }
    };
    let shown_draft = if outcome == FollowUp::Sent { "" } else { draft };
    match conversation::read(&state.store, thread).await {
        Ok(conv) => Ok(with_retry(
            status,
            retry,
            views::conversation(
                lang,
                config.keyholders_of(&conv.school),
                &conv,
                typed,
                shown_draft,
                Some(outcome),
                config.evidence_file_mib,
                &kept(&state, &conv).await,
            ),
        )),
        Err(e) => {
            tracing::error!(error = %e, "could not open a conversation");
            Err(AppError::Internal(lang, config.keyholders()))
        }
    }
}

/// The follow-up form's rule for files: only for a code that opens a report, whose kind takes
/// images and whose follow-ups are not being refused. The look-up is kept for the handler, so
/// a code is looked up (and counted) once.
struct FollowUpGate<'a> {
    state: &'a AppState,
    source: Source,
    looked_up: Option<Result<Lookup, StoreFailure>>,
}

impl FileGate for FollowUpGate<'_> {
    async fn admit(&mut self, fields: &FormBody) -> Admit {
        let looked_up = look_up(self.state, self.source, fields.get("code")).await;
        let admit = match &looked_up {
            Ok(Lookup::Found(thread)) if thread.forbids_upload().await => {
                Admit::Refuse(FileProblem::NotAllowed)
            }
            Ok(Lookup::Found(thread)) => {
                match self.state.limiters.message_refusing(thread.id().as_str()) {
                    Ok(()) => Admit::Files,
                    Err(wait) => Admit::Limited(wait),
                }
            }
            // Over the look-up limit: the pupil gets a page saying when to try again, so their
            // files are read past (unheld) rather than cut off mid-send.
            Ok(Lookup::Refused(_, Some(wait))) => Admit::Limited(*wait),
            // A code that opens nothing, or a failure: nothing sent after this is kept.
            _ => Admit::Stop,
        };
        self.looked_up = Some(looked_up);
        admit
    }
}

/// What the conversation page says about deletion. If the schedule cannot be read, the page
/// still shows the school's rule.
async fn kept(state: &AppState, conv: &Conversation) -> Kept {
    let policy = Policy::from_config(&state.config());
    let retention = policy.of(&conv.school);
    let schedule = match retention::schedules(&state.store, &policy, vec![conv.id.clone()]).await {
        Ok(mut all) => all.remove(&conv.id),
        Err(e) => {
            tracing::error!(error = %e, "could not read a case's retention");
            None
        }
    };
    let closed_deletes_on = schedule
        .filter(|s| s.closed_on.is_some() && !s.held)
        .and_then(|s| s.deletes_on);
    Kept {
        retention,
        closed_deletes_on,
    }
}

/// The report went away while the pupil was writing.
struct Gone;

/// Checks, cleans and stores one follow-up; says how it went, with the status to answer.
async fn follow_up_outcome(
    state: &AppState,
    source: Source,
    thread: &mut Thread,
    submitted: Submitted,
) -> Result<(StatusCode, Option<String>, FollowUp), Gone> {
    let refused = |status, outcome| Ok((status, None, outcome));
    let fields = &submitted.fields;
    if fields.invalid_utf8 {
        return refused(StatusCode::BAD_REQUEST, FollowUp::InvalidUtf8);
    }
    match submitted.broken {
        Some(Broken::TooLarge) => {
            return refused(StatusCode::PAYLOAD_TOO_LARGE, FollowUp::TooLarge);
        }
        Some(Broken::Unreadable | Broken::NotAForm) => {
            return refused(StatusCode::BAD_REQUEST, FollowUp::Unreadable);
        }
        None => {}
    }
    if submitted.has_files() && thread.forbids_upload().await {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            FollowUp::FilesNotAllowed(submitted.file_names()),
        );
    }
    if !submitted.refused.is_empty() {
        let status = if submitted.refused.iter().any(|r| r.why == FileProblem::Busy) {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return refused(status, FollowUp::Files(submitted.refused.clone()));
    }
    // A follow-up may be only images; without images it needs words.
    let text = match conversation::validate_message(fields.get("message")) {
        Ok(text) => text,
        Err(MessageProblem::Empty) if !submitted.files.is_empty() => String::new(),
        Err(p) => return refused(StatusCode::UNPROCESSABLE_ENTITY, FollowUp::Problem(p)),
    };
    // The same message sent again (a refresh, a double tap) is stored once: answer as if sent.
    match thread
        .repeats_last(&state.store, &text, submitted.files.len())
        .await
    {
        Ok(true) => return Ok((StatusCode::OK, None, FollowUp::Sent)),
        Ok(false) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not compare a follow-up with the last message");
            return refused(StatusCode::INTERNAL_SERVER_ERROR, FollowUp::Unavailable);
        }
    }
    // As for reports: images counted before decoding, the message once everything passed.
    let too_many = |wait: RetryAfter| {
        let secs = wait.secs();
        Ok((
            StatusCode::TOO_MANY_REQUESTS,
            Some(secs.to_string()),
            FollowUp::TooMany(secs),
        ))
    };
    let counted = match submitted.limited {
        Some(wait) => Err(wait),
        None => state.limiters.uploads(source, submitted.files.len()),
    };
    if let Err(wait) = counted {
        return too_many(wait);
    }
    let images = match state.images.clean(submitted.files, submitted.held).await {
        Ok(images) => images,
        Err(files) => return refused(StatusCode::UNPROCESSABLE_ENTITY, FollowUp::Files(files)),
    };
    if let Err(wait) = state.limiters.message(thread.id().as_str()) {
        return too_many(wait);
    }
    match conversation::add_pupil_message(&state.store, &state.config(), thread, text, images).await
    {
        Ok(true) => {
            tracing::debug!("follow-up accepted");
            Ok((StatusCode::OK, None, FollowUp::Sent))
        }
        Ok(false) => Err(Gone),
        Err(e) if e.is_busy() => {
            state.tally.busy();
            tracing::debug!("follow-up refused: the write queue is full");
            Ok((StatusCode::SERVICE_UNAVAILABLE, None, FollowUp::Busy))
        }
        Err(e) => {
            tracing::error!(error = %e, "a follow-up could not be stored");
            Ok((
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                FollowUp::Unavailable,
            ))
        }
    }
}
