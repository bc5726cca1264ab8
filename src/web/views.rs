//! Pupil pages as maud functions: a layout and small partials. Views only render; every word
//! comes from the translation layer.

use fluent_bundle::FluentValue;
use maud::{DOCTYPE, Markup, html};

use crate::code::PickupCode;
use crate::config::{Keyholders, School};
use crate::conversation::{Conversation, MessageProblem};
use crate::evidence::{FILES_MAX, ImageProblem};
use crate::i18n::{Lang, t, t_args};
use crate::intake::{FileProblem, FileRefused};
use crate::ratelimit::RetryAfter;
use crate::report::{Category, DangerNow, Field, Problem, ReportForm};
use crate::retention::Retention;
use crate::store::Status;

use super::asset_url;

/// Something the report form must tell the pupil when it is shown again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A field to fix.
    Problem(Problem),
    /// Some of the text arrived as broken bytes.
    InvalidUtf8,
    /// The body was not a form we can read.
    Unreadable,
    /// Storing or encrypting failed: nothing was sent.
    Unavailable,
    /// The server is overloaded: nothing was sent.
    Busy,
    /// Over a rate limit: nothing was sent; try again after the wait.
    TooMany(RetryAfter),
    /// An evidence file that could not be taken, and why.
    File(FileRefused),
    /// Files sent with a kind of report that never takes images; their names.
    FilesNotAllowed(Vec<String>),
    /// The whole form was over the size limit; the text that came before it is kept.
    TooLarge,
    /// Files are lost when a form is refused: the pupil must choose them again.
    ChooseFilesAgain,
    /// This form was already sent once, with other text (Back, then an edit): the earlier
    /// report is with the school; sending now makes a new report with a new code.
    AlreadySent,
}

/// The page frame with the help box as one line of numbers: every page but the report form.
fn layout(
    lang: Lang,
    keys: Keyholders,
    title: &str,
    switch_path: Option<&str>,
    content: Markup,
) -> Markup {
    page(lang, keys, title, switch_path, help_line(lang), content)
}

/// The frame of the pages where a pupil starts: the whole help box, before the form.
fn start_layout(
    lang: Lang,
    keys: Keyholders,
    title: &str,
    switch_path: Option<&str>,
    content: Markup,
) -> Markup {
    page(lang, keys, title, switch_path, help_box(lang), content)
}

/// The page frame: language switch, help, content, footer. `switch_path` is the address the
/// language switch links to (with `?lang=` added); pages that answer a POST have none. `keys`
/// is who holds a key to the pupil's report, as the footer promises it.
fn page(
    lang: Lang,
    keys: Keyholders,
    title: &str,
    switch_path: Option<&str>,
    help: Markup,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) dir=(lang.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                title { (title) " · " (t(lang, "site-name")) }
                link rel="stylesheet" href=(asset_url("style.css"));
            }
            body {
                header.top {
                    a.brand href={ "/?lang=" (lang.code()) } { (t(lang, "site-name")) }
                    span.tagline { (t(lang, "site-tagline")) }
                    a.check-link href={ "/check?lang=" (lang.code()) } { (t(lang, "nav-check")) }
                    @if let Some(path) = switch_path {
                        nav.lang aria-label=(t(lang, "lang-switch-label")) {
                            @for other in Lang::ALL {
                                @if other == lang {
                                    span aria-current="true" lang=(other.code()) dir=(other.dir()) { (other.own_name()) }
                                } @else {
                                    a href={ (path) "?lang=" (other.code()) } hreflang=(other.code()) lang=(other.code()) dir=(other.dir()) {
                                        (other.own_name())
                                    }
                                }
                            }
                        }
                    }
                }
                (help)
                main { (content) }
                footer { p { (t(lang, footer_privacy(keys))) } }
            }
        }
    }
}

/// The footer's promise: who has the key to a report. A school whose board keeps a recovery key
/// must not be said to give the key to its advisers only (DESIGN.md "Adviser lifecycle").
fn footer_privacy(keys: Keyholders) -> &'static str {
    match keys {
        Keyholders::Advisers => "footer-privacy",
        Keyholders::AdvisersAndBoard => "footer-privacy-spare-key",
        Keyholders::Varies => "footer-privacy-spare-key-some",
    }
}

/// Where to go when someone is in danger now, in one line: on every page after the form, so
/// what the pupil came back for is on the first screen and the numbers still are.
fn help_line(lang: Lang) -> Markup {
    html! {
        aside.help.help-line aria-label=(t(lang, "help-title")) {
            // Each name with its number is one isolated unit (`bdi`), so in Arabic the Dutch
            // names and the numbers do not run together into one left-to-right stretch.
            p {
                bdi { strong { (t(lang, "help-line-danger")) " " a dir="ltr" href="tel:112" { "112" } } }
                " · " bdi { (t(lang, "help-line-kindertelefoon")) " " a dir="ltr" href="tel:08000432" { "0800-0432" } }
                " · " bdi { (t(lang, "help-line-veilig-thuis")) " " a dir="ltr" href="tel:08002000" { "0800-2000" } }
            }
        }
    }
}

/// Where to go when someone is in danger now, in full: where a pupil starts.
fn help_box(lang: Lang) -> Markup {
    html! {
        aside.help aria-labelledby="help-title" {
            h2 #help-title { (t(lang, "help-title")) }
            ul {
                li { strong { (t(lang, "help-112")) " " a dir="ltr" href="tel:112" { "112" } } }
                li {
                    (t(lang, "help-kindertelefoon")) " " a dir="ltr" href="tel:08000432" { "0800-0432" }
                    " · " a href="https://www.kindertelefoon.nl/" rel="noreferrer" { "kindertelefoon.nl" }
                }
                li { (t(lang, "help-veilig-thuis")) " " a dir="ltr" href="tel:08002000" { "0800-2000" } }
            }
        }
    }
}

/// The list of schools, when an install serves more than one.
pub fn school_list(lang: Lang, keys: Keyholders, schools: &[School]) -> Markup {
    let content = html! {
        h1 { (t(lang, "home-title")) }
        p { (t(lang, "home-intro")) }
        ul.schools {
            @for s in schools {
                li { a href={ "/s/" (s.slug) "?lang=" (lang.code()) } { (s.name) } }
            }
        }
    };
    start_layout(lang, keys, &t(lang, "home-title"), Some("/"), content)
}

/// The report form, empty or with what the pupil typed and what to fix.
pub fn report_form(
    lang: Lang,
    school: &School,
    form: &ReportForm,
    notices: &[Notice],
    file_mib: u32,
    token: &str,
) -> Markup {
    let name = || [("school", FluentValue::from(school.name.as_str()))];
    let title = t_args(lang, "form-title", &name());
    let keys = school.keyholders();
    let who_reads = match keys {
        Keyholders::AdvisersAndBoard => "form-who-reads-spare-key",
        _ => "form-who-reads",
    };
    let problem_for = |field: Field| {
        notices.iter().find_map(|n| match n {
            Notice::Problem(p) if p.field() == field => Some(problem_text(lang, p)),
            _ => None,
        })
    };
    let content = html! {
        h1 { (title) }
        p.intro { (t(lang, "form-intro")) " " (t_args(lang, who_reads, &name())) }
        @if !notices.is_empty() {
            section.notices role="alert" aria-labelledby="notices-title" {
                h2 #notices-title { (t(lang, notices_title(notices))) }
                ul { @for n in notices { li { (notice_text(lang, n)) } } }
            }
        }
        form.report method="post" action={ "/s/" (school.slug) "/report?lang=" (lang.code()) }
            enctype="multipart/form-data" accept-charset="utf-8" {
            input type="hidden" name="lang" value=(lang.code());
            // The submission token: the same form sent twice is one report (DESIGN.md).
            input type="hidden" name="t" value=(token);
            @let category_problem = problem_for(Field::Category);
            fieldset.categories aria-describedby=(described_by("category", category_problem.is_some())) {
                legend { (t(lang, "field-category")) }
                p.hint #category-hint { (t(lang, "field-category-hint")) }
                @if let Some(msg) = category_problem { p.error #category-error { (msg) } }
                @for c in Category::ALL {
                    label.choice {
                        input type="radio" name="category" value=(c.slug()) id={ "cat-" (c.slug()) }
                            checked[form.category == c.slug()];
                        span { (t(lang, &format!("category-{}", c.slug().replace('_', "-")))) }
                    }
                }
            }
            (image_note(lang))
            (adult_note(lang))
            (text_field(lang, "description", Field::Description, &form.description, true, problem_for(Field::Description)))
            (input_field(lang, "where", &form.where_, problem_for(Field::Where)))
            (input_field(lang, "when", &form.when, problem_for(Field::When)))
            (text_field(lang, "involved", Field::Involved, &form.involved, false, problem_for(Field::Involved)))
            (evidence_field(lang, file_mib))
            @let danger_problem = problem_for(Field::DangerNow);
            fieldset.danger aria-describedby=[danger_problem.as_ref().map(|_| "danger-error")] {
                legend { (t(lang, "field-danger")) }
                @if let Some(msg) = danger_problem { p.error #danger-error { (msg) } }
                @for d in DangerNow::ALL {
                    label.choice.inline {
                        input type="radio" name="danger_now" value=(d.slug()) id={ "danger-" (d.slug()) }
                            checked[form.danger_now == d.slug()];
                        span { (t(lang, &format!("danger-{}", d.slug()))) }
                    }
                }
                p.note.note-danger { (t(lang, "danger-yes-hint")) }
            }
            section.next {
                p { (t(lang, "form-what-next")) }
                p { (kept_rule(lang, school.retention)) }
            }
            button type="submit" { (t(lang, "form-submit")) }
        }
    };
    start_layout(
        lang,
        keys,
        &title,
        Some(&format!("/s/{}", school.slug)),
        content,
    )
}

fn notices_title(notices: &[Notice]) -> &'static str {
    if notices.iter().any(|n| matches!(n, Notice::AlreadySent)) {
        "notices-title-already-sent"
    } else if notices
        .iter()
        .any(|n| matches!(n, Notice::Unavailable | Notice::Busy | Notice::TooMany(_)))
    {
        "notices-title-not-sent"
    } else {
        "notices-title-fix"
    }
}

/// Guidance for nude images: never upload, say where it is, and where to get it taken down.
fn image_note(lang: Lang) -> Markup {
    html! {
        section.note.note-images aria-labelledby="note-images-title" {
            h2 #note-images-title { (t(lang, "note-images-title")) }
            p { (t(lang, "note-images")) }
            p {
                (t(lang, "note-images-help")) " "
                a href="https://www.helpwanted.nl/" rel="noreferrer" { "Helpwanted" }
                " · "
                a href="https://takeitdown.ncmec.org/" rel="noreferrer" { "Take It Down" }
            }
        }
    }
}

/// The upload field for evidence, with the line that a nude image must never be sent. Hidden by
/// CSS for the categories that take no images; the server refuses them there anyway.
fn evidence_field(lang: Lang, file_mib: u32) -> Markup {
    let hint = t_args(
        lang,
        "field-evidence-hint",
        &[("files", FILES_MAX.into()), ("mib", file_mib.into())],
    );
    html! {
        div.field.evidence {
            (field_label(lang, "evidence", true))
            p.hint #evidence-hint { (hint) }
            p.never-nude { (t(lang, "evidence-never-nude")) }
            input #evidence type="file" name="evidence" multiple
                accept="image/jpeg,image/png,image/webp,image/gif"
                aria-describedby="evidence-hint";
        }
    }
}

/// The honest note on the school's duties when an adult crossed a line.
fn adult_note(lang: Lang) -> Markup {
    html! {
        section.note.note-adult aria-labelledby="note-adult-title" {
            h2 #note-adult-title { (t(lang, "note-adult-title")) }
            p { (t(lang, "note-adult")) }
        }
    }
}

fn field_label(lang: Lang, name: &str, optional: bool) -> Markup {
    html! {
        label for=(name) {
            (t(lang, &format!("field-{name}")))
            @if optional { " " span.optional { (t(lang, "optional")) } }
        }
    }
}

fn text_field(
    lang: Lang,
    name: &str,
    _field: Field,
    value: &str,
    required: bool,
    problem: Option<String>,
) -> Markup {
    html! {
        div.field.error[problem.is_some()] {
            (field_label(lang, name, !required))
            p.hint id={ (name) "-hint" } { (t(lang, &format!("field-{name}-hint"))) }
            @if let Some(msg) = &problem { p.error id={ (name) "-error" } { (msg) } }
            textarea id=(name) name=(name) dir="auto" rows=(if required { 8 } else { 3 })
                required[required] aria-describedby=(described_by(name, problem.is_some()))
                aria-invalid=[problem.as_ref().map(|_| "true")] { (value) }
        }
    }
}

fn input_field(lang: Lang, name: &str, value: &str, problem: Option<String>) -> Markup {
    html! {
        div.field.error[problem.is_some()] {
            (field_label(lang, name, true))
            p.hint id={ (name) "-hint" } { (t(lang, &format!("field-{name}-hint"))) }
            @if let Some(msg) = &problem { p.error id={ (name) "-error" } { (msg) } }
            input type="text" id=(name) name=(name) dir="auto" value=(value)
                aria-describedby=(described_by(name, problem.is_some()))
                aria-invalid=[problem.as_ref().map(|_| "true")];
        }
    }
}

/// The ids that describe field `name`: its error first when it has one (so a screen reader
/// says what to fix on reaching the field, WCAG 3.3.1), then its hint.
fn described_by(name: &str, error: bool) -> String {
    if error {
        format!("{name}-error {name}-hint")
    } else {
        format!("{name}-hint")
    }
}

fn problem_text(lang: Lang, p: &Problem) -> String {
    match p {
        Problem::DescriptionMissing => t(lang, "problem-description-missing"),
        Problem::TooLong { chars, max, .. } => t_args(
            lang,
            "problem-too-long",
            &[
                ("chars", lang.number(*chars).into()),
                ("max", lang.number(*max).into()),
            ],
        ),
        Problem::UnknownCategory => t(lang, "problem-unknown-category"),
        Problem::UnknownDangerAnswer => t(lang, "problem-unknown-danger"),
    }
}

fn notice_text(lang: Lang, n: &Notice) -> String {
    match n {
        Notice::Problem(p) => {
            let field = t(lang, field_message(p.field()));
            format!("{field}: {}", problem_text(lang, p))
        }
        Notice::InvalidUtf8 => t(lang, "problem-invalid-utf8"),
        Notice::Unreadable => t(lang, "problem-unreadable"),
        Notice::Unavailable => t(lang, "problem-unavailable"),
        Notice::Busy => t(lang, "problem-busy"),
        Notice::TooMany(wait) => too_many(lang, wait.secs()),
        Notice::File(refused) => file_problem_text(lang, refused),
        Notice::FilesNotAllowed(names) => files_not_allowed(lang, names),
        Notice::TooLarge => t(lang, "problem-too-large"),
        Notice::ChooseFilesAgain => t(lang, "files-again"),
        Notice::AlreadySent => t(lang, "already-sent"),
    }
}

/// What is wrong with one file, naming it.
fn file_problem_text(lang: Lang, refused: &FileRefused) -> String {
    let file = || ("file", FluentValue::from(refused.file.as_str()));
    // "1,5 MB" in Dutch, "1.5 MB" in English.
    let mb = |bytes: usize| FluentValue::from(lang.decimal(bytes as f64 / 1_048_576.0));
    match refused.why {
        FileProblem::Image(ImageProblem::NotAnImage) => {
            t_args(lang, "problem-file-not-image", &[file()])
        }
        FileProblem::Image(ImageProblem::TooBig { bytes, max }) => t_args(
            lang,
            "problem-file-too-big",
            &[
                file(),
                ("size", mb(bytes)),
                ("max", (max / 1_048_576).into()),
            ],
        ),
        FileProblem::Image(ImageProblem::TooManyPixels { .. }) => {
            t_args(lang, "problem-file-too-many-pixels", &[file()])
        }
        FileProblem::Image(ImageProblem::Unreadable) => {
            t_args(lang, "problem-file-unreadable", &[file()])
        }
        FileProblem::TooMany { max } => t_args(
            lang,
            "problem-file-too-many",
            &[file(), ("max", max.into())],
        ),
        FileProblem::NotAllowed => files_not_allowed(lang, std::slice::from_ref(&refused.file)),
        FileProblem::Busy => t_args(lang, "problem-file-busy", &[file()]),
    }
}

fn files_not_allowed(lang: Lang, names: &[String]) -> String {
    t_args(
        lang,
        "problem-files-not-allowed",
        &[("files", names.join(", ").into())],
    )
}

fn field_message(field: Field) -> &'static str {
    match field {
        Field::Category => "field-category",
        Field::Description => "field-description",
        Field::Where => "field-where",
        Field::When => "field-when",
        Field::Involved => "field-involved",
        Field::DangerNow => "field-danger",
    }
}

/// What the type-back step found wrong with the code a pupil typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmProblem {
    Empty,
    WrongLength(usize),
    BadSymbol,
    /// Well formed, but not the code shown.
    Mismatch,
    /// Well formed, but no report has it.
    Unknown,
    /// Over a look-up limit; seconds to wait.
    TooMany(u64),
}

/// The confirmation page: the code (shown once), how to keep it, and the type-back step.
/// `school` is the slug of the school the report went to, when known: the type-back form
/// carries it, so the page that comes back says the same as this one about who holds a key.
pub fn confirmation(
    lang: Lang,
    keys: Keyholders,
    school: Option<&str>,
    code_grouped: &str,
    danger: bool,
    typed: &str,
    problem: Option<ConfirmProblem>,
) -> Markup {
    let pattern = PickupCode::parse(code_grouped)
        .ok()
        .map(|c| c.typed_pattern());
    let content = html! {
        h1 { (t(lang, "done-title")) }
        @if danger { p.alert role="alert" { strong { (t(lang, "done-danger")) } " " a dir="ltr" href="tel:112" { "112" } } }
        // Typing the code back proves it was kept only if it is not on the screen meanwhile: the
        // checkbox hides it and shows the type-back box (CSS only, no script; without the style
        // sheet both simply stay visible). A wrong try comes back with the code hidden.
        input #kept.kept-toggle type="checkbox" checked[problem.is_some()];
        div.code-step {
            p { (t(lang, "done-code-intro")) }
            p.code-box { output #pickup-code dir="ltr" for="typed-code" { (code_grouped) } }
            section.keep {
                h2 { (t(lang, "done-keep-title")) }
                ul {
                    li { (t(lang, "done-keep-1")) }
                    li { (t(lang, "done-keep-2")) }
                    li { (t(lang, "done-keep-3")) }
                }
            }
        }
        label.kept-label for="kept" {
            span.show-when-unchecked { (t(lang, "done-kept")) }
            span.show-when-checked { (t(lang, "done-show-again")) }
        }
        section.confirm aria-labelledby="confirm-title" {
            h2 #confirm-title { (t(lang, "confirm-title")) }
            // The browser checks the typed code against the pattern: when it matches, the style
            // sheet shows "your code works" and hides the button, so nothing is sent and Back
            // never meets a page to send again. The form is the fallback for browsers that do
            // not check patterns: the server then checks the code (/check/confirm).
            form method="post" action={ "/check/confirm?lang=" (lang.code()) } {
                input type="hidden" name="lang" value=(lang.code());
                input type="hidden" name="shown" value=(code_grouped);
                @if let Some(slug) = school { input type="hidden" name="school" value=(slug); }
                div.field.typed-back.error[problem.is_some()] {
                    label for="typed-code" { (t(lang, "confirm-label")) }
                    @if let Some(p) = problem { p.error #typed-code-error role="alert" { (confirm_problem_text(lang, p)) } }
                    input #typed-code type="text" dir="ltr" name="code" value=(typed) autocomplete="off"
                        autocapitalize="characters" spellcheck="false" inputmode="text" required
                        pattern=[pattern.as_deref()] title=(t(lang, "confirm-pattern-hint"))
                        aria-invalid=[problem.map(|_| "true")]
                        aria-describedby=[problem.map(|_| "typed-code-error")];
                    div.works role="status" {
                        p.ok { strong { (t(lang, "confirm-ok-title")) "." } " " (t(lang, "confirm-ok")) }
                        p { (t(lang, "confirm-come-back")) }
                        p { a href={ "/?lang=" (lang.code()) } { (t(lang, "back-home")) } }
                    }
                    button type="submit" { (t(lang, "confirm-submit")) }
                }
            }
        }
    };
    layout(lang, keys, &t(lang, "done-title"), None, content)
}

/// The answer to a code typed back without the page that showed it (no code to show again).
pub fn confirm_without_code(
    lang: Lang,
    keys: Keyholders,
    typed: &str,
    problem: ConfirmProblem,
) -> Markup {
    let content = html! {
        h1 { (t(lang, "confirm-title")) }
        form method="post" action={ "/check/confirm?lang=" (lang.code()) } {
            input type="hidden" name="lang" value=(lang.code());
            div.field.error {
                label for="typed-code" { (t(lang, "confirm-label")) }
                p.error #typed-code-error role="alert" { (confirm_problem_text(lang, problem)) }
                input #typed-code type="text" dir="ltr" name="code" value=(typed) autocomplete="off"
                    autocapitalize="characters" spellcheck="false" aria-invalid="true"
                    aria-describedby="typed-code-error";
            }
            button type="submit" { (t(lang, "confirm-submit")) }
        }
    };
    layout(lang, keys, &t(lang, "confirm-title"), None, content)
}

fn confirm_problem_text(lang: Lang, p: ConfirmProblem) -> String {
    match p {
        ConfirmProblem::Empty => t(lang, "confirm-empty"),
        ConfirmProblem::WrongLength(n) => {
            t_args(lang, "confirm-wrong-length", &[("count", n.into())])
        }
        ConfirmProblem::BadSymbol => t(lang, "confirm-bad-symbol"),
        ConfirmProblem::Mismatch => t(lang, "confirm-mismatch"),
        ConfirmProblem::Unknown => t(lang, "confirm-unknown"),
        ConfirmProblem::TooMany(secs) => too_many(lang, secs),
    }
}

/// The code typed back opens the report.
pub fn code_works(lang: Lang, keys: Keyholders) -> Markup {
    let content = html! {
        h1 { (t(lang, "confirm-ok-title")) }
        p.ok role="status" { (t(lang, "confirm-ok")) }
        p { (t(lang, "confirm-come-back")) }
        p { a href={ "/?lang=" (lang.code()) } { (t(lang, "back-home")) } }
    };
    layout(lang, keys, &t(lang, "confirm-ok-title"), None, content)
}

/// A calm page for anything that is not a form: a title, a sentence, the way home.
pub fn message(lang: Lang, keys: Keyholders, title_id: &str, body_id: &str) -> Markup {
    let title = t(lang, title_id);
    let content = html! {
        h1 { (title) }
        p { (t(lang, body_id)) }
        p { a href={ "/?lang=" (lang.code()) } { (t(lang, "back-home")) } }
    };
    layout(lang, keys, &title, None, content)
}

/// A date as a pupil reads it: "21 november 2026".
pub fn long_date(lang: Lang, iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return iso.to_owned();
    };
    match (m.parse::<u8>(), d.parse::<u8>()) {
        (Ok(m @ 1..=12), Ok(d)) => format!("{d} {} {y}", t(lang, &format!("month-{m}"))),
        _ => iso.to_owned(),
    }
}

/// How long a school keeps a case, in one or two plain sentences.
fn kept_rule(lang: Lang, r: Retention) -> String {
    t_args(
        lang,
        "kept-rule",
        &[
            ("closed", r.closed_days.into()),
            ("inactive", r.inactive_days.into()),
        ],
    )
}

/// What the conversation page says about deletion: the school's rule, and for a closed case
/// the date it goes. Whether a case is on legal hold is not the pupil's to read here.
pub struct Kept {
    pub retention: Retention,
    /// The date a closed case will be deleted; `None` for an open or held case.
    pub closed_deletes_on: Option<String>,
}

/// What went wrong when opening a conversation or sending a follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckProblem {
    /// The typed code has the wrong shape.
    Shape(ConfirmProblem),
    /// Well formed, but it opens nothing.
    NotFound,
    /// Over a look-up limit; seconds to wait.
    TooMany(u64),
}

/// `GET /check`, and the same page with what went wrong. With a `draft`, the page also holds the
/// follow-up the pupil was writing, so it is never lost. `shared` is the retention every school
/// has, when they all have the same: a code that opens nothing may be one whose case was
/// deleted, and the page says so with the numbers (the server keeps nothing of a deleted case
/// that could tell it from a mistyped code).
pub fn check_form(
    lang: Lang,
    keys: Keyholders,
    typed: &str,
    problem: Option<CheckProblem>,
    draft: Option<&str>,
    shared: Option<Retention>,
) -> Markup {
    let action = if draft.is_some() {
        "/check/message"
    } else {
        "/check"
    };
    let content = html! {
        h1 { (t(lang, "check-title")) }
        p { (t(lang, "check-intro")) }
        form.check method="post" action={ (action) "?lang=" (lang.code()) } accept-charset="utf-8" {
            input type="hidden" name="lang" value=(lang.code());
            div.field.error[problem.is_some()] {
                label for="code" { (t(lang, "check-label")) }
                @if let Some(p) = problem {
                    p.error #code-error role="alert" {
                        @match p {
                            CheckProblem::Shape(shape) => (confirm_problem_text(lang, shape)),
                            CheckProblem::NotFound => {
                                (t(lang, "check-not-found")) " " (maybe_deleted(lang, shared))
                            }
                            CheckProblem::TooMany(secs) => (too_many(lang, secs)),
                        }
                    }
                }
                input #code type="text" dir="ltr" name="code" value=(typed) autocomplete="off"
                    autocapitalize="characters" spellcheck="false" required
                    aria-invalid=[problem.map(|_| "true")]
                    aria-describedby=[problem.map(|_| "code-error")];
            }
            @if let Some(draft) = draft {
                p.note { (t(lang, "check-draft-kept")) }
                div.field {
                    label for="message" { (t(lang, "conv-message-label")) }
                    textarea #message name="message" dir="auto" rows="6" { (draft) }
                }
                button type="submit" { (t(lang, "conv-send")) }
            } @else {
                button type="submit" { (t(lang, "check-submit")) }
            }
        }
        p.hint { (t(lang, "check-lost")) }
    };
    layout(lang, keys, &t(lang, "check-title"), Some("/check"), content)
}

fn maybe_deleted(lang: Lang, shared: Option<Retention>) -> String {
    match shared {
        Some(r) => t_args(
            lang,
            "check-maybe-deleted",
            &[
                ("closed", r.closed_days.into()),
                ("inactive", r.inactive_days.into()),
            ],
        ),
        None => t(lang, "check-maybe-deleted-varies"),
    }
}

/// The outcome of a follow-up, shown above the message box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowUp {
    Sent,
    Problem(MessageProblem),
    InvalidUtf8,
    Unavailable,
    Busy,
    /// Over the per-report message limit; seconds to wait.
    TooMany(u64),
    /// Evidence files that could not be taken.
    Files(Vec<FileRefused>),
    /// Files sent for a kind of report that never takes images; their names.
    FilesNotAllowed(Vec<String>),
    /// The whole message was over the size limit.
    TooLarge,
    /// The form could not be read.
    Unreadable,
}

/// The pupil's conversation: their report, the messages, the status, and a box to write more.
/// The code travels in a hidden field (POST only, never in a URL) because there is no session.
#[expect(
    clippy::too_many_arguments,
    reason = "each is one thing the page shows; a struct of them would only rename the list"
)]
pub fn conversation(
    lang: Lang,
    keys: Keyholders,
    conv: &Conversation,
    typed_code: &str,
    draft: &str,
    follow_up: Option<FollowUp>,
    file_mib: u32,
    kept: &Kept,
) -> Markup {
    let doc = &conv.report;
    let date = |d: &str| [("date", FluentValue::from(long_date(lang, d)))];
    let status = match conv.status {
        Status::New => "status-new",
        Status::Open => "status-open",
        Status::Closed => "status-closed",
    };
    let category = format!("category-{}", doc.category.slug().replace('_', "-"));
    let answered = conv.messages.iter().any(|m| !m.from_pupil);
    // What the pupil came back for goes on the first screen: the outcome of what they just sent,
    // then the school's newest answer. The whole conversation follows in order.
    let newest_answer = conv
        .messages
        .iter()
        .rev()
        .find(|m| !m.from_pupil && m.text.as_deref().is_some_and(|t| !t.is_empty()));
    let problem = follow_up.as_ref().filter(|f| **f != FollowUp::Sent);
    let content = html! {
        h1 { (t(lang, "conv-title")) }
        @if follow_up == Some(FollowUp::Sent) { p.ok role="status" { (t(lang, "conv-sent")) } }
        @if problem.is_some() {
            p.error role="alert" { (t(lang, "conv-not-sent")) " " a href="#write-title" { (t(lang, "conv-to-message")) } }
        }
        p.status { (t(lang, "conv-status")) " " strong { (t(lang, status)) } }
        @if let Some(m) = newest_answer {
            article.message.from-school.newest aria-labelledby="newest-title" {
                h2 #newest-title { (t_args(lang, "conv-newest", &date(&m.sent_on))) }
                p.text dir="auto" { (m.text.as_deref().unwrap_or_default()) }
                (attachments_line(lang, m.attachments))
            }
            p { a href="#write-title" { (t(lang, "conv-to-message")) } }
        }
        h2.thread-title { (t(lang, "conv-thread")) }
        article.message.from-pupil {
            h2 { (t_args(lang, "conv-your-report", &date(&conv.received_on))) }
            p { strong { (t(lang, &category)) } }
            p.text dir="auto" { (doc.description) }
            dl {
                @for (label, value) in [("field-where", &doc.where_), ("field-when", &doc.when), ("field-involved", &doc.involved)] {
                    @if !value.is_empty() { dt { (t(lang, label)) } dd dir="auto" { (value) } }
                }
            }
            (attachments_line(lang, doc.attachments.len()))
        }
        @for m in &conv.messages {
            article.message.from-pupil[m.from_pupil].from-school[!m.from_pupil] {
                h2 { (t_args(lang, if m.from_pupil { "conv-from-pupil" } else { "conv-from-school" }, &date(&m.sent_on))) }
                @match &m.text {
                    Some(text) if text.is_empty() => {},
                    Some(text) => p.text dir="auto" { (text) },
                    None => p.hint { (t(lang, "conv-unreadable")) },
                }
                (attachments_line(lang, m.attachments))
            }
        }
        @if !answered { p.note { (t(lang, "conv-no-answer")) } }
        section.kept {
            @if let Some(on) = &kept.closed_deletes_on {
                p { (t_args(lang, "conv-kept-closed", &date(on))) }
            }
            p.hint { (kept_rule(lang, kept.retention)) }
        }
        section.write aria-labelledby="write-title" {
            h2 #write-title { (t(lang, "conv-write-title")) }
            @match &follow_up {
                Some(FollowUp::Sent) => {},
                Some(FollowUp::Problem(p)) => p.error role="alert" { (message_problem_text(lang, *p)) },
                Some(FollowUp::InvalidUtf8) => p.error role="alert" { (t(lang, "problem-invalid-utf8")) },
                Some(FollowUp::Unavailable) => p.error role="alert" { (t(lang, "message-unavailable")) },
                Some(FollowUp::Busy) => p.error role="alert" { (t(lang, "message-busy")) },
                Some(FollowUp::TooMany(secs)) => p.error role="alert" { (too_many(lang, *secs)) " " (t(lang, "too-many-kept")) },
                Some(FollowUp::Files(refused)) => div.error role="alert" {
                    @for r in refused { p { (file_problem_text(lang, r)) } }
                    p { (t(lang, "files-again")) }
                },
                Some(FollowUp::FilesNotAllowed(names)) => div.error role="alert" {
                    p { (files_not_allowed(lang, names)) }
                    p { (t(lang, "too-many-kept")) }
                },
                Some(FollowUp::TooLarge) => div.error role="alert" {
                    p { (t(lang, "problem-too-large")) }
                    p { (t(lang, "files-again")) }
                },
                Some(FollowUp::Unreadable) => p.error role="alert" { (t(lang, "problem-unreadable")) },
                None => {}
            }
            form method="post" action={ "/check/message?lang=" (lang.code()) }
                enctype="multipart/form-data" accept-charset="utf-8" {
                input type="hidden" name="lang" value=(lang.code());
                input type="hidden" name="code" value=(typed_code);
                div.field {
                    label for="message" { (t(lang, "conv-message-label")) }
                    textarea #message name="message" dir="auto" rows="6" { (draft) }
                }
                @if !doc.category.forbids_upload() { (evidence_field(lang, file_mib)) }
                button type="submit" { (t(lang, "conv-send")) }
            }
        }
        p.hint { (t(lang, "conv-leave")) }
    };
    layout(lang, keys, &t(lang, "conv-title"), None, content)
}

/// "2 pictures attached", or nothing.
fn attachments_line(lang: Lang, count: usize) -> Markup {
    html! {
        @if count > 0 {
            p.attachments { (t_args(lang, "conv-attachments", &[("count", count.into())])) }
        }
    }
}

fn message_problem_text(lang: Lang, p: MessageProblem) -> String {
    match p {
        MessageProblem::Empty => t(lang, "message-empty"),
        MessageProblem::TooLong { chars, max } => t_args(
            lang,
            "message-too-long",
            &[
                ("chars", lang.number(chars).into()),
                ("max", lang.number(max).into()),
            ],
        ),
    }
}

/// "Wait N minutes and try again", rounded up to whole minutes.
fn too_many(lang: Lang, secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    t_args(lang, "too-many", &[("minutes", minutes.into())])
}
