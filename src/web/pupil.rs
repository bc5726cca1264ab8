//! Pupil handlers: parse the request, call one domain function, render. No JavaScript needed.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::Markup;

use crate::code::{CodeShapeError, PickupCode};
use crate::conversation::{self, ConversationError};
use crate::i18n::Lang;
use crate::intake;
use crate::report::{DangerNow, ReportForm};

use super::error::RefusedReport;
use super::form::{FormBody, is_urlencoded};
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

/// `POST /check/confirm`: the pupil types the code back; we say whether it opens their report.
pub async fn confirm_code(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let mut lang = lang_of(&q);
    let fields = match (&body, is_urlencoded(&headers)) {
        (Ok(body), true) => FormBody::parse(body),
        _ => FormBody::parse(b""),
    };
    if !fields.get("lang").is_empty() {
        lang = Lang::from_param(Some(fields.get("lang")));
    }
    let typed = fields.get("code");
    let shown = PickupCode::parse(fields.get("shown")).ok();
    let problem = match PickupCode::parse(typed) {
        Err(CodeShapeError::Empty) => ConfirmProblem::Empty,
        Err(CodeShapeError::WrongLength(n)) => ConfirmProblem::WrongLength(n),
        Err(CodeShapeError::BadSymbol) => ConfirmProblem::BadSymbol,
        Ok(code)
            if shown
                .as_ref()
                .is_some_and(|s| s.normalised() != code.normalised()) =>
        {
            ConfirmProblem::Mismatch
        }
        Ok(code) => match intake::code_opens_report(&state.store, &state.secret, &code).await {
            Ok(true) => return Ok(views::code_works(lang).into_response()),
            Ok(false) => ConfirmProblem::Unknown,
            Err(e) => {
                tracing::error!(error = %e, "could not check a pickup code");
                return Err(AppError::Internal(lang));
            }
        },
    };
    let page = match &shown {
        Some(code) => views::confirmation(lang, &code.grouped(), false, typed, Some(problem)),
        None => views::confirm_without_code(lang, typed, problem),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
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

fn shape_problem(e: CodeShapeError) -> CheckProblem {
    CheckProblem::Shape(match e {
        CodeShapeError::Empty => ConfirmProblem::Empty,
        CodeShapeError::WrongLength(n) => ConfirmProblem::WrongLength(n),
        CodeShapeError::BadSymbol => ConfirmProblem::BadSymbol,
    })
}

/// The check form again with what went wrong; 422 for a malformed code, 404 for an unknown one.
fn check_refused(lang: Lang, typed: &str, problem: CheckProblem, draft: Option<&str>) -> Response {
    let status = match problem {
        CheckProblem::Shape(_) => StatusCode::UNPROCESSABLE_ENTITY,
        CheckProblem::NotFound => StatusCode::NOT_FOUND,
    };
    (status, views::check_form(lang, typed, Some(problem), draft)).into_response()
}

/// `GET /check`: where a pupil enters their code.
pub async fn check_form(RawQuery(q): RawQuery) -> Markup {
    views::check_form(lang_of(&q), "", None, None)
}

/// `POST /check`: open the conversation with the code.
pub async fn check(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let (lang, fields) = small_form(&q, &headers, &body);
    let typed = fields.get("code");
    let code = match PickupCode::parse(typed) {
        Ok(code) => code,
        Err(e) => return Ok(check_refused(lang, typed, shape_problem(e), None)),
    };
    match conversation::open(&state.store, &state.secret, &code).await {
        Ok(Some(conv)) => Ok(views::conversation(lang, &conv, typed, "", None).into_response()),
        Ok(None) => Ok(check_refused(lang, typed, CheckProblem::NotFound, None)),
        Err(e) => {
            tracing::error!(error = %e, "could not open a conversation");
            Err(AppError::Internal(lang))
        }
    }
}

/// `POST /check/message`: a pupil's follow-up, sealed and stored durably, then the
/// conversation again. The typed text survives every refusal.
pub async fn follow_up(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
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
    let code = match PickupCode::parse(typed) {
        Ok(code) => code,
        Err(e) => return Ok(check_refused(lang, typed, shape_problem(e), Some(draft))),
    };
    // Decide the outcome first, then show the conversation once with it.
    let (status, keep_draft, outcome) = if fields.invalid_utf8 {
        (StatusCode::BAD_REQUEST, true, FollowUp::InvalidUtf8)
    } else {
        match conversation::validate_message(draft) {
            Err(p) => (StatusCode::UNPROCESSABLE_ENTITY, true, FollowUp::Problem(p)),
            Ok(text) => {
                let added = conversation::add_pupil_message(
                    &state.store,
                    &state.secret,
                    &state.config,
                    &code,
                    text,
                )
                .await;
                match added {
                    Ok(true) => {
                        tracing::debug!("follow-up accepted");
                        (StatusCode::OK, false, FollowUp::Sent)
                    }
                    Ok(false) => {
                        return Ok(check_refused(
                            lang,
                            typed,
                            CheckProblem::NotFound,
                            Some(draft),
                        ));
                    }
                    Err(e) if e.is_busy() => {
                        tracing::warn!("follow-up refused: the write queue is full");
                        (StatusCode::SERVICE_UNAVAILABLE, true, FollowUp::Busy)
                    }
                    Err(e) => {
                        log_follow_up_failure(&e);
                        (
                            StatusCode::INTERNAL_SERVER_ERROR,
                            true,
                            FollowUp::Unavailable,
                        )
                    }
                }
            }
        }
    };
    let shown_draft = if keep_draft { draft } else { "" };
    match conversation::open(&state.store, &state.secret, &code).await {
        Ok(Some(conv)) => Ok((
            status,
            views::conversation(lang, &conv, typed, shown_draft, Some(outcome)),
        )
            .into_response()),
        Ok(None) => Ok(check_refused(
            lang,
            typed,
            CheckProblem::NotFound,
            Some(draft),
        )),
        Err(e) => {
            tracing::error!(error = %e, "could not open a conversation");
            Err(AppError::Internal(lang))
        }
    }
}

fn log_follow_up_failure(e: &ConversationError) {
    tracing::error!(error = %e, "a follow-up could not be stored");
}
