//! Pupil handlers: parse the request, call one domain function, render. No JavaScript needed.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use crate::code::{CodeShapeError, PickupCode};
use crate::conversation::{self, Thread};
use crate::i18n::Lang;
use crate::intake;
use crate::ratelimit::RetryAfter;
use crate::report::{DangerNow, ReportForm};

use super::error::RefusedReport;
use super::form::{FormBody, is_urlencoded};
use super::peer::Peer;
use super::views::{self, CheckProblem, ConfirmProblem, FollowUp, Notice};
use super::{AppError, AppState, lang_of};

/// `GET /`: the form of the only school, or the list of schools.
pub async fn home(State(state): State<AppState>, RawQuery(q): RawQuery) -> Markup {
    let lang = lang_of(&q);
    match state.config.schools.as_slice() {
        [only] => views::report_form(lang, only, &ReportForm::default(), &[]),
        schools => views::school_list(lang, schools),
    }
}

/// `GET /s/{school}`: the report form.
pub async fn report_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Markup, AppError> {
    let lang = lang_of(&q);
    let school = state.config.school(&slug).ok_or(AppError::NotFound(lang))?;
    Ok(views::report_form(
        lang,
        school,
        &ReportForm::default(),
        &[],
    ))
}

/// `POST /s/{school}/report`: validate, seal and store durably, then show the pickup code.
pub async fn submit_report(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(q): RawQuery,
    Peer(source): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Markup, AppError> {
    let lang = lang_of(&q);
    let school = state.config.school(&slug).ok_or(AppError::NotFound(lang))?;
    let refuse = |lang, form, notices| {
        AppError::ReportRefused(Box::new(RefusedReport {
            lang,
            school: school.clone(),
            form,
            notices,
        }))
    };
    if !is_urlencoded(&headers) {
        return Err(refuse(
            lang,
            ReportForm::default(),
            vec![Notice::Unreadable],
        ));
    }
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(lang)
        } else {
            refuse(lang, ReportForm::default(), vec![Notice::Unreadable])
        }
    })?;
    let fields = FormBody::parse(&body);
    let lang = match fields.get("lang") {
        "" => lang,
        l => Lang::from_param(Some(l)),
    };
    let form = ReportForm {
        category: fields.get("category").to_owned(),
        description: fields.get("description").to_owned(),
        where_: fields.get("where").to_owned(),
        when: fields.get("when").to_owned(),
        involved: fields.get("involved").to_owned(),
        danger_now: fields.get("danger_now").to_owned(),
    };
    if fields.invalid_utf8 {
        return Err(refuse(lang, form, vec![Notice::InvalidUtf8]));
    }
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(problems) => {
            let notices = problems.into_iter().map(Notice::Problem).collect();
            return Err(refuse(lang, form, notices));
        }
    };
    // Counted only for reports that would be stored, so fixing a mistake costs nothing.
    if let Err(wait) = state.limiters.report(source, &school.slug) {
        return Err(refuse(lang, form, vec![Notice::TooMany(wait)]));
    }
    let danger = matches!(valid.danger_now, Some(DangerNow::Yes | DangerNow::Unsure));
    match intake::accept(&state.store, &state.secret, school, valid, lang).await {
        Ok(receipt) => {
            // Debug level: even "a report arrived" with a timestamp could be matched against a
            // school's network log, so default logs do not say it (SECURITY.md).
            tracing::debug!(school = %school.slug, "report accepted");
            Ok(views::confirmation(
                lang,
                &receipt.code.grouped(),
                danger,
                "",
                None,
            ))
        }
        Err(e) if e.is_busy() => {
            tracing::warn!(school = %school.slug, "report refused: the write queue is full");
            Err(refuse(lang, form, vec![Notice::Busy]))
        }
        Err(e) => {
            tracing::error!(school = %school.slug, error = %e, "report could not be stored");
            Err(refuse(lang, form, vec![Notice::Unavailable]))
        }
    }
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
    let lang = match fields.get("lang") {
        "" => lang_of(q),
        l => Lang::from_param(Some(l)),
    };
    (lang, fields)
}

/// What came of looking up a typed code.
enum Lookup {
    Found(Thread),
    Refused(CheckProblem, Option<RetryAfter>),
}

/// Parses a typed code, applies the look-up limits and finds its report. A code that opens
/// nothing counts against the global ceiling on failed look-ups.
async fn look_up(
    state: &AppState,
    source: crate::ratelimit::Source,
    typed: &str,
) -> Result<Lookup, StoreFailure> {
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
    match conversation::locate(&state.store, &state.secret, &code).await {
        Ok(Some(thread)) => Ok(Lookup::Found(thread)),
        Ok(None) => {
            state.limiters.code_failed();
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
    lang: Lang,
    typed: &str,
    problem: CheckProblem,
    wait: Option<RetryAfter>,
    draft: Option<&str>,
) -> Response {
    let (status, retry) = refusal_status(problem, wait);
    with_retry(
        status,
        retry,
        views::check_form(lang, typed, Some(problem), draft),
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
            Ok(Lookup::Found(thread)) => match thread.opens().await {
                Ok(true) => return Ok(views::code_works(lang).into_response()),
                Ok(false) => (CheckProblem::NotFound, None),
                Err(e) => {
                    tracing::error!(error = %e, "could not check a pickup code");
                    return Err(AppError::Internal(lang));
                }
            },
            Ok(Lookup::Refused(problem, wait)) => (problem, wait),
            Err(StoreFailure) => return Err(AppError::Internal(lang)),
        }
    };
    let confirm_problem = match problem {
        CheckProblem::Shape(p) => p,
        CheckProblem::NotFound => ConfirmProblem::Unknown,
        CheckProblem::TooMany(secs) => ConfirmProblem::TooMany(secs),
    };
    let page = match &shown {
        Some(code) => {
            views::confirmation(lang, &code.grouped(), false, typed, Some(confirm_problem))
        }
        None => views::confirm_without_code(lang, typed, confirm_problem),
    };
    let (status, retry) = match refusal_status(problem, wait) {
        (StatusCode::NOT_FOUND, r) => (StatusCode::UNPROCESSABLE_ENTITY, r),
        other => other,
    };
    Ok(with_retry(status, retry, page))
}

/// `GET /check`: where a pupil enters their code.
pub async fn check_form(RawQuery(q): RawQuery) -> Markup {
    views::check_form(lang_of(&q), "", None, None)
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
    let typed = fields.get("code");
    match look_up(&state, source, typed).await {
        Ok(Lookup::Found(thread)) => match conversation::read(&state.store, thread).await {
            Ok(conv) => Ok(views::conversation(lang, &conv, typed, "", None).into_response()),
            Err(e) => {
                tracing::error!(error = %e, "could not open a conversation");
                Err(AppError::Internal(lang))
            }
        },
        Ok(Lookup::Refused(problem, wait)) => Ok(check_refused(lang, typed, problem, wait, None)),
        Err(StoreFailure) => Err(AppError::Internal(lang)),
    }
}

/// `POST /check/message`: a pupil's follow-up, sealed and stored durably, then the
/// conversation again. The typed text survives every refusal.
pub async fn follow_up(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    Peer(source): Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    if let Err(rejection) = &body
        && rejection.status() == StatusCode::PAYLOAD_TOO_LARGE
    {
        return Err(AppError::TooLarge(lang_of(&q)));
    }
    let (lang, fields) = small_form(&q, &headers, &body);
    let typed = fields.get("code");
    let draft = fields.get("message");
    let mut thread = match look_up(&state, source, typed).await {
        Ok(Lookup::Found(thread)) => thread,
        Ok(Lookup::Refused(problem, wait)) => {
            return Ok(check_refused(lang, typed, problem, wait, Some(draft)));
        }
        Err(StoreFailure) => return Err(AppError::Internal(lang)),
    };
    // Decide the outcome first, then show the conversation once with it.
    let mut retry = None;
    let (status, keep_draft, outcome) = if fields.invalid_utf8 {
        (StatusCode::BAD_REQUEST, true, FollowUp::InvalidUtf8)
    } else {
        match conversation::validate_message(draft) {
            Err(p) => (StatusCode::UNPROCESSABLE_ENTITY, true, FollowUp::Problem(p)),
            Ok(text) => match state.limiters.message(thread.id().as_str()) {
                Err(wait) => {
                    retry = Some(wait.secs().to_string());
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        true,
                        FollowUp::TooMany(wait.secs()),
                    )
                }
                Ok(()) => {
                    match conversation::add_pupil_message(
                        &state.store,
                        &state.config,
                        &mut thread,
                        text,
                    )
                    .await
                    {
                        Ok(true) => {
                            tracing::debug!("follow-up accepted");
                            (StatusCode::OK, false, FollowUp::Sent)
                        }
                        Ok(false) => {
                            return Ok(check_refused(
                                lang,
                                typed,
                                CheckProblem::NotFound,
                                None,
                                Some(draft),
                            ));
                        }
                        Err(e) if e.is_busy() => {
                            tracing::warn!("follow-up refused: the write queue is full");
                            (StatusCode::SERVICE_UNAVAILABLE, true, FollowUp::Busy)
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "a follow-up could not be stored");
                            (
                                StatusCode::INTERNAL_SERVER_ERROR,
                                true,
                                FollowUp::Unavailable,
                            )
                        }
                    }
                }
            },
        }
    };
    let shown_draft = if keep_draft { draft } else { "" };
    match conversation::read(&state.store, thread).await {
        Ok(conv) => Ok(with_retry(
            status,
            retry,
            views::conversation(lang, &conv, typed, shown_draft, Some(outcome)),
        )),
        Err(e) => {
            tracing::error!(error = %e, "could not open a conversation");
            Err(AppError::Internal(lang))
        }
    }
}
