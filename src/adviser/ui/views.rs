//! The adviser UI's pages as maud functions, in Dutch (advisers are Dutch school staff). Views
//! only render; maud escapes every value, and there is no script and no inline style.

use maud::{DOCTYPE, Markup, html};

use super::Refusal;
use crate::adviser::engine::{CaseAttachment, Error as EngineError, size_label};
use crate::adviser::pins::AdviserChange;
use crate::adviser::{Case, CaseMessage, CaseSummary, Inbox, Unopened};
use crate::evidence::MediaType;
use crate::report::{Category, DangerNow, ReportDocument};
use crate::store::{Author, Status};

const STYLESHEET: &str = "/static/adviser.css";

pub const NOT_FOUND_TITLE: &str = "Niet gevonden";
pub const NOT_FOUND: &str = "Deze pagina of melding bestaat niet, of hoort niet bij jouw scholen.";
pub const BAD_FORM_TITLE: &str = "Formulier niet herkend";
pub const BAD_FORM: &str = "Dit formulier komt niet van deze pagina. Ga terug, laad de pagina opnieuw en probeer het nog eens.";
pub const TOO_LARGE_TITLE: &str = "Te lang";
pub const TOO_LARGE: &str =
    "Er is niets verstuurd: de tekst is te lang. Eén bericht mag 20.000 tekens hebben.";
pub const ENGINE_TITLE: &str = "Dat lukte niet";
pub const INTERNAL_TITLE: &str = "Er ging iets mis";
pub const INTERNAL: &str = "Er ging iets mis op deze computer. Probeer het opnieuw; lukt het niet, stop dan het \
     programma (Ctrl-C) en start het opnieuw.";

/// What every page of a session needs.
pub struct Frame<'a> {
    /// This session's CSRF token: a hidden field in every form.
    pub csrf: &'a str,
    /// The Fluister server the workstation talks to.
    pub server: &'a str,
    /// True when the browser asked for the passphrase, so "Vergrendel" means something.
    pub lockable: bool,
}

/// Which of the case page's two writing boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    Reply,
    Note,
}

/// Text that was not sent, shown again in its box with what to change.
pub struct Draft<'a> {
    pub pad: Pad,
    pub text: &'a str,
    pub problem: &'a EngineError,
}

/// What the page after a redirect confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Replied,
    Noted,
    Status(Status),
    AdvisersAccepted,
}

impl Flash {
    /// The value for `?flash=`: a fixed word, so no text of a request ever reaches a page.
    pub fn param(self) -> &'static str {
        match self {
            Flash::Replied => "reply",
            Flash::Noted => "note",
            Flash::Status(Status::New) => "status-new",
            Flash::Status(Status::Open) => "status-open",
            Flash::Status(Status::Closed) => "status-closed",
            Flash::AdvisersAccepted => "advisers",
        }
    }

    pub fn from_param(p: &str) -> Option<Flash> {
        [
            Flash::Replied,
            Flash::Noted,
            Flash::Status(Status::New),
            Flash::Status(Status::Open),
            Flash::Status(Status::Closed),
            Flash::AdvisersAccepted,
        ]
        .into_iter()
        .find(|f| f.param() == p)
    }

    fn text(self) -> String {
        match self {
            Flash::Replied => "Je antwoord is op deze computer versleuteld en verstuurd. De \
                               leerling leest het met de ophaalcode."
                .into(),
            Flash::Noted => "Je notitie is versleuteld opgeslagen, alleen voor de adviseurs van \
                             de school."
                .into(),
            Flash::Status(s) => format!("De status is nu: {}.", status_label(s)),
            Flash::AdvisersAccepted => "De nieuwe adviseurslijst is op deze computer vastgelegd. \
                                        Antwoorden en notities worden voortaan voor deze \
                                        adviseurs versleuteld."
                .into(),
        }
    }
}

fn layout(title: &str, frame: Option<&Frame<'_>>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="nl" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta name="robots" content="noindex, nofollow";
                title { (title) " · Fluister adviseur" }
                link rel="stylesheet" href=(STYLESHEET);
            }
            body {
                header.top {
                    a.brand href="/" { "Fluister" }
                    span.role { "adviseur" }
                    @if let Some(f) = frame {
                        span.server { "server: " (f.server) }
                        @if f.lockable {
                            form.lock method="post" action="/lock" {
                                (csrf_field(f.csrf))
                                button.secondary type="submit" { "Vergrendel" }
                            }
                        }
                    }
                }
                main { (content) }
                footer {
                    p {
                        "Meldingen worden op deze computer ontsleuteld en alleen in het geheugen \
                         bewaard. Op schijf staat alleen versleutelde tekst, tot je zelf exporteert."
                    }
                }
            }
        }
    }
}

fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// The 403 page: it says how to get in, nothing more.
pub fn forbidden(why: Refusal) -> Markup {
    let text = match why {
        Refusal::NoSession => {
            "Open de link die `fluister adviser ui` in de terminal liet zien. Een link werkt één \
             keer, in één browser. Zegt deze pagina dat terwijl je de link net voor het eerst \
             opende? Dan heeft iemand anders op deze computer hem gebruikt: stop het programma \
             (Ctrl-C) en start het opnieuw."
        }
        Refusal::Host => {
            "Deze pagina opent alleen via 127.0.0.1 of localhost, met de link uit de terminal."
        }
        Refusal::Csrf => {
            "Dit formulier komt niet van deze pagina, dus er is niets gedaan. Ga terug, laad de \
             pagina opnieuw en probeer het nog eens."
        }
    };
    layout(
        "Geen toegang",
        None,
        html! {
            h1 { "Geen toegang" }
            p { (text) }
        },
    )
}

/// A page that says what went wrong, keeping unsent text so it can be copied.
pub fn failure(title: &str, message: &str, kept: Option<&str>) -> Markup {
    layout(
        title,
        None,
        html! {
            h1 { (title) }
            p.problem role="alert" { (message) }
            (kept_text(kept))
            p { a href="/" { "Terug naar de inbox" } }
        },
    )
}

fn kept_text(kept: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = kept {
            section.kept {
                h2 { "Je tekst is niet verstuurd" }
                p.hint { "Kopieer hem voordat je verdergaat; hij wordt nergens bewaard." }
                textarea readonly rows="6" aria-label="Niet verstuurde tekst" { (text) }
            }
        }
    }
}

/// The unlock form: the key file is protected by a passphrase.
pub fn unlock(csrf: &str, wrong: bool, kept: Option<&str>) -> Markup {
    layout(
        "Ontgrendel",
        None,
        html! {
            h1 { "Ontgrendel je adviseurssleutel" }
            p {
                "Je sleutel is beveiligd met een wachtwoord. Na het ontgrendelen blijft hij alleen \
                 in het geheugen van dit programma, tot je vergrendelt of een tijd niets doet."
            }
            @if wrong {
                p.problem role="alert" {
                    "Dat wachtwoord klopt niet. Er is niets geopend; probeer het rustig opnieuw."
                }
            }
            (kept_text(kept))
            form.unlock method="post" action="/unlock" {
                (csrf_field(csrf))
                label for="passphrase" { "Wachtwoord van je sleutel" }
                input #passphrase type="password" name="passphrase" autocomplete="current-password"
                    required autofocus;
                button type="submit" { "Ontgrendel" }
            }
        },
    )
}

/// The inbox: a filter by status, what could not be opened, and one row per report.
pub fn inbox(
    frame: &Frame<'_>,
    inbox: &Inbox,
    filter: Option<Status>,
    flash: Option<Flash>,
) -> Markup {
    let cases = &inbox.cases;
    let filters = [
        (None, "Alle"),
        (Some(Status::New), "Nieuw"),
        (Some(Status::Open), "Open"),
        (Some(Status::Closed), "Gesloten"),
    ];
    let content = html! {
        h1 { "Inbox" }
        (flash_box(flash))
        nav.filter aria-label="Filter op status" {
            @for (status, label) in filters {
                @let href = match status {
                    Some(s) => format!("/?status={}", s.as_str()),
                    None => "/".to_owned(),
                };
                @if status == filter {
                    a href=(href) aria-current="page" { (label) }
                } @else {
                    a href=(href) { (label) }
                }
            }
        }
        (inbox_troubles(inbox))
        @if cases.is_empty() && inbox.unlisted.is_empty() {
            p.empty {
                @match filter {
                    Some(s) => { "Geen meldingen met status " (status_label(s)) "." }
                    None => "Nog geen meldingen.",
                }
            }
        } @else if !cases.is_empty() {
            table.inbox {
                thead {
                    tr {
                        th scope="col" { "Melding" }
                        th scope="col" { "Ontvangen" }
                        th scope="col" { "School" }
                        th scope="col" { "Categorie" }
                        th scope="col" { "Nu in gevaar" }
                        th scope="col" { "Status" }
                        th scope="col" { "Laatste activiteit" }
                        th scope="col" { "Afbeeldingen" }
                        th scope="col" { "Ongelezen" }
                    }
                }
                tbody {
                    @for c in cases {
                        tr class=[(c.unread > 0).then_some("unread")] {
                            td { a.id href={ "/case/" (c.id) } { (c.id) } }
                            td { (c.received_on) }
                            td { (c.school) }
                            td {
                                @match (c.category, c.unopened) {
                                    (Some(cat), _) => (category_label(cat)),
                                    (None, Some(Unopened::Damaged)) => span.muted { "(beschadigd)" },
                                    (None, _) => span.muted { "(niet voor jouw sleutel)" },
                                }
                            }
                            td { @if c.readable { (danger_flag(c.danger_now)) } @else { "?" } }
                            td { span class={ "status status-" (c.status.as_str()) } { (status_label(c.status)) } }
                            td { (c.last_activity) }
                            td.count { (c.attachments) }
                            td.count { @if c.unread > 0 { strong { (c.unread) } } @else { "0" } }
                        }
                    }
                }
            }
        }
    };
    layout("Inbox", Some(frame), content)
}

/// The cases that could not be listed or opened in full, each by its id with a calm sentence,
/// above the list of everything that could.
fn inbox_troubles(inbox: &Inbox) -> Markup {
    let damaged: Vec<&CaseSummary> = inbox
        .cases
        .iter()
        .filter(|c| c.unopened == Some(Unopened::Damaged))
        .collect();
    let unfetched: Vec<&CaseSummary> = inbox
        .cases
        .iter()
        .filter(|c| c.conversation_error.is_some())
        .collect();
    html! {
        @if !inbox.all_well() {
            section.trouble role="alert" aria-labelledby="trouble-title" {
                h2 #trouble-title { "Niet alles kon worden geopend" }
                p { "De andere meldingen staan gewoon in de lijst hieronder." }
                ul {
                    @for c in &damaged {
                        li {
                            "Melding " a.id href={ "/case/" (c.id) } { (c.id) }
                            " kon niet worden geopend: de opgeslagen, versleutelde tekst is \
                             beschadigd. Wat nog leesbaar is, zie je als je hem opent. Meld het \
                             aan de IT van je school; een back-up kan een gave kopie hebben."
                        }
                    }
                    @for c in &unfetched {
                        li {
                            "Van melding " a.id href={ "/case/" (c.id) } { (c.id) }
                            " konden de berichten niet worden opgehaald, dus het aantal \
                             ongelezen berichten is onbekend. Open de melding om het opnieuw te \
                             proberen. (" (c.conversation_error.as_deref().unwrap_or_default()) ")"
                        }
                    }
                    @for u in &inbox.unlisted {
                        li {
                            @match &u.id {
                                Some(id) => { "De server gaf melding " span.id { (id) } }
                                None => "De server gaf een regel zonder geldig meldingsnummer",
                            }
                            ", maar die is niet te lezen als melding. Meld het aan de IT van je \
                             school. (" (u.detail) ")"
                        }
                    }
                }
            }
        }
    }
}

fn flash_box(flash: Option<Flash>) -> Markup {
    html! {
        @if let Some(f) = flash {
            p.flash role="status" { (f.text()) }
        }
    }
}

fn danger_flag(d: Option<DangerNow>) -> Markup {
    html! {
        @match d {
            Some(DangerNow::Yes) => span.flag.danger { "Ja" },
            Some(DangerNow::Unsure) => span.flag.unsure { "Weet niet" },
            Some(DangerNow::No) => "Nee",
            None => span.muted { "Niet ingevuld" },
        }
    }
}

/// One case: facts, what the law asks, the report, the conversation and what to do next.
pub fn case(
    frame: &Frame<'_>,
    case: &Case,
    flash: Option<Flash>,
    draft: Option<&Draft<'_>>,
) -> Markup {
    let base = format!("/case/{}", case.id);
    let draft_for = |pad: Pad| draft.filter(|d| d.pad == pad);
    let content = html! {
        p { a href="/" { "← Inbox" } }
        h1 { "Melding " (case.id) }
        (flash_box(flash))
        @if let Some(change) = &case.advisers_changed {
            (advisers_changed(frame, &base, change))
        }
        dl.facts {
            dt { "School" } dd { (case.school) }
            dt { "Ontvangen" } dd { (case.received_on) }
            dt { "Status" } dd { span class={ "status status-" (case.status.as_str()) } { (status_label(case.status)) } }
            @if let Some(r) = &case.report {
                dt { "Categorie" } dd { (category_label(r.category)) }
                dt { "Nu in gevaar" } dd { (danger_flag(r.danger_now)) }
                dt { "Taal van de leerling" } dd { (r.lang.code()) }
            }
            dt { "Afbeeldingen" }
            dd {
                @if case.attachments.is_empty() { "geen" }
                @else { a href="#afbeeldingen" { (case.attachments.len()) " (hieronder, vaag tot je ze toont)" } }
            }
        }
        @match &case.report {
            Some(r) => {
                @for duty in duties(r) { (duty_note(duty)) }
                section.report aria-labelledby="report-title" {
                    h2 #report-title { "Wat er gebeurde" }
                    p.text dir="auto" { (r.description) }
                    dl.facts {
                        dt { "Waar" } dd.text dir="auto" { (or_blank(&r.where_)) }
                        dt { "Wanneer" } dd.text dir="auto" { (or_blank(&r.when)) }
                        dt { "Wie zijn erbij betrokken" } dd.text dir="auto" { (or_blank(&r.involved)) }
                    }
                    (image_links(&case.attachments, None))
                }
            }
            None if case.unopened == Some(Unopened::Damaged) => p.problem role="alert" {
                "Deze melding kon niet worden geopend: de opgeslagen, versleutelde tekst is \
                 beschadigd. Wat nog leesbaar is, staat hieronder. Meld het aan de IT van je \
                 school; een back-up kan een gave kopie hebben."
            },
            None => p.problem {
                "Deze melding gaat niet open met jouw sleutel: hij is versleuteld voor de adviseurs \
                 die de school had toen hij binnenkwam. Een collega die toen adviseur was, kan hem lezen."
            },
        }
        section.conversation aria-labelledby="conversation-title" {
            h2 #conversation-title { "Gesprek" }
            @if case.messages.is_empty() {
                p.muted { "Nog geen berichten na de melding." }
            }
            @for m in &case.messages { (message(m, &case.attachments)) }
        }
        @if !case.attachments.is_empty() {
            (evidence_section(case))
        }
        @if case.advisers_changed.is_some() {
            section.write aria-labelledby="write-title" {
                h2 #write-title { "Antwoord en privénotitie" }
                p.warning {
                    "Versturen kan pas weer als je de nieuwe adviseurslijst bovenaan deze pagina \
                     hebt nagevraagd en geaccepteerd. Tot dan wordt er voor deze melding niets \
                     versleuteld."
                }
                (kept_text(draft.map(|d| d.text)))
            }
        } @else {
        section.write aria-labelledby="reply-title" {
            h2 #reply-title { "Antwoord aan de leerling" }
            p.hint {
                "Wordt op deze computer versleuteld voor de leerling en alle adviseurs van de school. \
                 De leerling leest het met de ophaalcode."
            }
            (writing_form(frame, &format!("{base}/reply"), "reply-text", draft_for(Pad::Reply), "Versleutel en verstuur"))
        }
        section.write.note-pad aria-labelledby="note-title" {
            h2 #note-title { "Privénotitie" }
            p.hint { "Alleen voor de adviseurs van de school. De leerling kan dit nooit lezen." }
            (writing_form(frame, &format!("{base}/note"), "note-text", draft_for(Pad::Note), "Bewaar notitie"))
        }
        }
        section.status-pad aria-labelledby="status-title" {
            h2 #status-title { "Status" }
            form method="post" action={ (base) "/status" } {
                (csrf_field(frame.csrf))
                @for s in [Status::New, Status::Open, Status::Closed] {
                    @if s == case.status {
                        button.secondary type="submit" name="status" value=(s.as_str()) disabled { (status_label(s)) " (nu)" }
                    } @else {
                        button.secondary type="submit" name="status" value=(s.as_str()) { "Zet op " (status_label(s)) }
                    }
                }
            }
        }
        section.export aria-labelledby="export-title" {
            h2 #export-title { "Exporteren voor het incidentendossier" }
            p.warning {
                strong { "Let op: " }
                "de export is een HTML-bestand met de hele melding in leesbare tekst, niet versleuteld. \
                 Bewaar het alleen in het incidentendossier van de school en verwijder andere kopieën, \
                 ook uit je map Downloads. De afbeeldingen zitten er niet in; de export noemt ze \
                 alleen."
            }
            form method="post" action={ (base) "/export" } {
                (csrf_field(frame.csrf))
                button.secondary type="submit" { "Download export (HTML)" }
            }
        }
    };
    layout(&format!("Melding {}", case.id), Some(frame), content)
}

/// The warning shown when the school's advisers, as the server lists them now, are not the
/// set this computer pinned (pins.rs): who was added and removed, why it matters, and one
/// button that accepts exactly the list shown.
fn advisers_changed(frame: &Frame<'_>, base: &str, change: &AdviserChange) -> Markup {
    html! {
        section.duty.duty-danger #adviseurs role="alert" aria-labelledby="advisers-title" {
            h2 #advisers-title { "Let op: de adviseurslijst van deze school is veranderd" }
            p {
                "De server noemt nu andere adviseurs voor school " strong { (change.school) }
                " dan deze computer vastlegde toen je de school voor het eerst zag. Antwoorden en \
                 notities worden versleuteld voor iedere adviseur op die lijst: een sleutel die \
                 zonder medeweten van de school is toegevoegd, kan ze lezen. Daarom versleutelt \
                 deze computer niets voor deze melding tot je de nieuwe lijst accepteert."
            }
            @if !change.added.is_empty() {
                h3 { "Toegevoegd" }
                ul.recipients { @for r in &change.added { li { code { (r) } } } }
            }
            @if !change.removed.is_empty() {
                h3 { "Niet meer op de lijst" }
                ul.recipients { @for r in &change.removed { li { code { (r) } } } }
            }
            p {
                "Vraag een collega of de IT van je school of deze wijziging klopt, bijvoorbeeld \
                 door de sleutels hierboven te vergelijken met wat nieuwe collega's van "
                code { "fluister adviser init" } " kregen. Klopt het, accepteer dan de nieuwe lijst."
            }
            form method="post" action={ (base) "/advisers" } {
                (csrf_field(frame.csrf))
                input type="hidden" name="fingerprint" value=(change.fingerprint);
                button type="submit" { "Nagevraagd: accepteer de nieuwe adviseurslijst" }
            }
        }
    }
}

fn writing_form(
    frame: &Frame<'_>,
    action: &str,
    id: &str,
    draft: Option<&Draft<'_>>,
    button: &str,
) -> Markup {
    html! {
        form method="post" action=(action) accept-charset="utf-8" {
            (csrf_field(frame.csrf))
            @if let Some(d) = draft {
                p.problem role="alert" { (problem_text(d.problem)) }
            }
            textarea id=(id) name="message" rows="6" aria-label=(button) {
                @if let Some(d) = draft { (d.text) }
            }
            button type="submit" { (button) }
        }
    }
}

fn problem_text(e: &EngineError) -> String {
    match e {
        EngineError::EmptyMessage => "Er is niets verstuurd: het bericht is leeg.".into(),
        EngineError::LongMessage { chars, max } => format!(
            "Er is niets verstuurd: het bericht heeft {chars} tekens en er passen er {max} in \
             één bericht. Maak het korter of verdeel het over twee berichten."
        ),
        other => other.to_string(),
    }
}

/// The pupil's evidence images, each blurred until the adviser chooses to see it, with what
/// to do when one is a nude image of a minor.
///
/// The reveal is a checkbox and its label, styled with `:checked` (static/adviser.css): it
/// needs no script, which the CSP forbids, and no request, so no "revealed" state lands in an
/// address, the history or a log; every page load starts blurred again (`autocomplete="off"`
/// stops browsers restoring the tick), and a second click blurs the image again.
fn evidence_section(case: &Case) -> Markup {
    html! {
        section.evidence #afbeeldingen aria-labelledby="evidence-title" {
            h2 #evidence-title { "Afbeeldingen van de leerling" }
            p.hint {
                "Elke afbeelding is vaag tot je op “Toon afbeelding” klikt. Ze worden alleen in het \
                 geheugen ontsleuteld en nergens op deze computer bewaard."
            }
            section.duty.evidence-note role="note" {
                h3 { "Blijkt een afbeelding een naaktfoto van een minderjarige?" }
                p {
                    "Stuur hem niet door, download hem niet en maak er geen screenshot van: een \
                     seksuele afbeelding van een minderjarige bezitten of verspreiden is strafbaar, \
                     ook als bewijs. Volg het protocol van je school: neem contact op met Helpwanted \
                     (helpwanted.nl) of de politie (0900-8844). Verwijder daarna elke kopie, ook \
                     bestanden die je met " code { "fluister adviser attachments" } " hebt opgeslagen."
                }
                p.source { "Bron: art. 252 Wetboek van Strafrecht; Helpwanted.nl (Offlimits)." }
            }
            @for a in &case.attachments {
                (evidence(case, a))
            }
        }
    }
}

fn evidence(case: &Case, a: &CaseAttachment) -> Markup {
    let opens = match a.message {
        None => case.report.is_some(),
        Some(seq) => case
            .messages
            .iter()
            .any(|m| m.seq == seq && m.text.is_some()),
    };
    let place = match a.message {
        None => "bij de melding".to_owned(),
        Some(seq) => format!("bij bericht {seq}"),
    };
    let what = match a.info() {
        Some(i) => format!(
            "{} {}×{}, {}",
            match i.media_type {
                MediaType::Jpeg => "foto (JPEG)",
                MediaType::Png => "afbeelding (PNG)",
            },
            i.width,
            i.height,
            size_label(i.bytes as u64)
        ),
        None => format!(
            "niet beschreven in het versleutelde bericht, {} versleuteld",
            size_label(a.size)
        ),
    };
    let toggle = format!("toon-{}", a.n);
    html! {
        figure.evidence id={ "afbeelding-" (a.n) } {
            figcaption { strong { "Afbeelding " (a.n) } " · " (place) " · " (what) }
            @if opens {
                input.reveal type="checkbox" id=(toggle) autocomplete="off";
                label.reveal-button for=(toggle) {
                    span.when-blurred { "Toon afbeelding " (a.n) }
                    span.when-shown { "Maak weer vaag" }
                }
                div.blur {
                    img src={ "/case/" (case.id) "/attachments/" (a.n) }
                        alt={ "Afbeelding " (a.n) " van de leerling" }
                        width=[a.width] height=[a.height] loading="lazy";
                }
            } @else {
                p.muted { "Deze afbeelding gaat niet open met jouw sleutel." }
            }
        }
    }
}

/// Links to the images that came with the report (`None`) or one message.
fn image_links(attachments: &[CaseAttachment], with: Option<i64>) -> Markup {
    let images: Vec<u32> = attachments
        .iter()
        .filter(|a| a.message == with)
        .map(|a| a.n)
        .collect();
    html! {
        @if !images.is_empty() {
            p.meta {
                @if images.len() == 1 { "1 afbeelding: " } @else { (images.len()) " afbeeldingen: " }
                @for (i, n) in images.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href={ "#afbeelding-" (n) } { "afbeelding " (n) }
                }
            }
        }
    }
}

fn message(m: &CaseMessage, attachments: &[CaseAttachment]) -> Markup {
    let (class, who) = match m.author {
        Author::Pupil => ("pupil", "Leerling"),
        Author::Adviser => ("adviser", "Adviseur · antwoord, de leerling ziet dit"),
        Author::Note => (
            "note",
            "Privénotitie · alleen adviseurs, de leerling ziet dit nooit",
        ),
    };
    html! {
        article class={ "message " (class) } {
            p.meta { strong { (who) } " · " time datetime=(m.sent_on) { (m.sent_on) } " · bericht " (m.seq) }
            @match (&m.text, m.unopened) {
                (Some(text), _) => p.text dir="auto" { (text) },
                (None, Some(Unopened::Damaged)) => p.muted { "Dit bericht is beschadigd en kon niet worden geopend." },
                (None, _) => p.muted { "Dit bericht gaat niet open met jouw sleutel." },
            }
            (image_links(attachments, Some(m.seq)))
        }
    }
}

/// A legal or safety duty the adviser must see before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// A staff member or other adult crossing a line: the school's duty to report.
    Meldplicht,
    /// Nude images of a minor: never handle the images themselves.
    Images { sextortion: bool },
    /// The pupil said someone is (maybe) in danger now.
    DangerNow(DangerNow),
}

/// The duties a report calls for, most urgent first.
pub fn duties(r: &ReportDocument) -> Vec<Duty> {
    let mut out = Vec::new();
    if let Some(d @ (DangerNow::Yes | DangerNow::Unsure)) = r.danger_now {
        out.push(Duty::DangerNow(d));
    }
    match r.category {
        Category::AdultContact => out.push(Duty::Meldplicht),
        Category::ImagesShared => out.push(Duty::Images { sextortion: false }),
        Category::Sextortion => out.push(Duty::Images { sextortion: true }),
        _ => {}
    }
    out
}

fn duty_note(duty: Duty) -> Markup {
    let (title, text, source): (&str, String, &str) = match duty {
        Duty::DangerNow(d) => (
            "Misschien nu in gevaar: handel vandaag",
            format!(
                "{} Antwoord vandaag en wacht niet af: bij acuut gevaar bel 112. Gaat het om \
                 huiselijk geweld of kindermishandeling, volg dan de meldcode van je school en \
                 overleg met Veilig Thuis (0800-2000).",
                if d == DangerNow::Yes {
                    "De leerling zegt dat iemand nu in gevaar is."
                } else {
                    "De leerling weet niet zeker of iemand nu in gevaar is."
                }
            ),
            "Wet verplichte meldcode huiselijk geweld en kindermishandeling; Veilig Thuis.",
        ),
        Duty::Meldplicht => (
            "Meld- en aangifteplicht",
            "Gaat dit over iemand die op school werkt of er taken heeft? Meld het dan meteen aan \
             het bevoegd gezag (het schoolbestuur); als vertrouwenspersoon kun je je hier niet op \
             geheimhouding beroepen. Het bestuur overlegt met de vertrouwensinspecteur \
             (0900-111 3 111) en doet aangifte bij de politie als er een redelijk vermoeden van \
             een zedenmisdrijf is."
                .into(),
            "meld- en aangifteplicht bij zedenmisdrijven, Inspectie van het Onderwijs \
             (vertrouwensinspecteurs).",
        ),
        Duty::Images { sextortion } => (
            "Naaktbeelden: nooit doorsturen, kopiëren of bewaren",
            format!(
                "Vraag niet om de beelden, stuur ze niet door en bewaar ze niet, ook niet als \
                 screenshot of bewijs: een seksuele afbeelding van een minderjarige bezitten of \
                 verspreiden is strafbaar. Noteer alleen waar ze staan (app, groep, account). \
                 Helpwanted helpt ze offline te halen; overweeg aangifte bij de politie \
                 (0900-8844).{}",
                if sextortion {
                    " Bij afpersing: niet betalen en niet meer reageren."
                } else {
                    ""
                }
            ),
            "art. 252 Wetboek van Strafrecht; Helpwanted.nl (Offlimits, voorheen Expertisebureau \
             Online Kindermisbruik).",
        ),
    };
    let class = match duty {
        Duty::DangerNow(_) => "duty duty-danger",
        _ => "duty",
    };
    html! {
        section class=(class) role="note" {
            h2 { (title) }
            p { (text) }
            p.source { "Bron: " (source) }
        }
    }
}

fn or_blank(s: &str) -> &str {
    if s.is_empty() { "(niet ingevuld)" } else { s }
}

fn status_label(s: Status) -> &'static str {
    match s {
        Status::New => "nieuw",
        Status::Open => "open",
        Status::Closed => "gesloten",
    }
}

/// Short Dutch names for the adviser (the pupil form words them for pupils).
fn category_label(c: Category) -> &'static str {
    match c {
        Category::Bullying => "Pesten",
        Category::Threat => "Bedreiging",
        Category::FightFilmed => "Gefilmde vechtpartij",
        Category::ImagesShared => "Naaktbeelden gedeeld",
        Category::Sextortion => "Sextortion (afpersing met naaktbeelden)",
        Category::Reputation => "Reputatie, nepaccounts",
        Category::HackedAccount => "Gehackt account",
        Category::Discrimination => "Discriminatie",
        Category::AdultContact => "Volwassene gaat over een grens",
        Category::Other => "Anders",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ReportId;

    fn report(category: Category, danger: Option<DangerNow>) -> ReportDocument {
        ReportDocument {
            version: 1,
            school: "demo".into(),
            category,
            description: "<script>alert(1)</script>\nregel twee".into(),
            where_: "<img src=https://evil.example/x.png>".into(),
            when: String::new(),
            involved: "\"twee\" & jongens".into(),
            danger_now: danger,
            lang: crate::i18n::Lang::Nl,
            attachments: Vec::new(),
            received_on: "2026-11-21".into(),
        }
    }

    fn frame() -> Frame<'static> {
        Frame {
            csrf: "c5rf",
            server: "https://fluister.example",
            lockable: true,
        }
    }

    #[test]
    fn each_category_and_danger_answer_gets_its_duties() {
        assert!(duties(&report(Category::Bullying, Some(DangerNow::No))).is_empty());
        assert!(duties(&report(Category::Bullying, None)).is_empty());
        assert_eq!(
            duties(&report(Category::AdultContact, None)),
            [Duty::Meldplicht]
        );
        assert_eq!(
            duties(&report(Category::ImagesShared, Some(DangerNow::Unsure))),
            [
                Duty::DangerNow(DangerNow::Unsure),
                Duty::Images { sextortion: false }
            ]
        );
        assert_eq!(
            duties(&report(Category::Sextortion, Some(DangerNow::Yes))),
            [
                Duty::DangerNow(DangerNow::Yes),
                Duty::Images { sextortion: true }
            ]
        );
    }

    #[test]
    fn a_case_page_escapes_everything_and_every_form_carries_the_csrf_token() {
        let case = Case {
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::Open,
            report: Some(report(Category::AdultContact, Some(DangerNow::Yes))),
            unopened: None,
            messages: vec![
                CaseMessage {
                    seq: 1,
                    author: Author::Pupil,
                    sent_on: "2026-11-22".into(),
                    text: Some("</textarea><b>hoi</b>".into()),
                    unopened: None,
                },
                CaseMessage {
                    seq: 2,
                    author: Author::Note,
                    sent_on: "2026-11-23".into(),
                    text: None,
                    unopened: None,
                },
            ],
            attachments: Vec::new(),
            advisers_changed: None,
            team: None,
            reseal_due: false,
        };
        let empty = EngineError::EmptyMessage;
        let draft = Draft {
            pad: Pad::Note,
            text: "</textarea>kept",
            problem: &empty,
        };
        let html = case_page(&case, Some(&draft));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=https://evil.example/x.png&gt;"));
        assert!(html.contains("&lt;/textarea&gt;&lt;b&gt;hoi&lt;/b&gt;"));
        assert!(
            html.contains("&lt;/textarea&gt;kept</textarea>"),
            "the draft is kept"
        );
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("style="));
        let forms = html.matches("<form ").count();
        assert_eq!(forms, 5, "lock, reply, note, status and export");
        assert_eq!(
            html.matches(r#"<input type="hidden" name="csrf" value="c5rf">"#)
                .count(),
            forms
        );
        for text in [
            "vertrouwensinspecteur",
            "0900-111 3 111",
            "112",
            "Veilig Thuis (0800-2000)",
            "Privénotitie",
            "niet versleuteld",
            "het bericht is leeg",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        assert!(
            !html.contains("art. 252"),
            "no image note for adult contact"
        );
    }

    #[test]
    fn evidence_images_are_blurred_behind_a_checkbox_with_the_note_beside_them() {
        let attachment = |n, message, info: bool| CaseAttachment {
            n,
            message,
            media_type: info.then_some(MediaType::Jpeg),
            bytes: info.then_some(41_000),
            width: info.then_some(480),
            height: info.then_some(640),
            size: 70_000,
        };
        let case = Case {
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::Open,
            report: Some(report(Category::Bullying, None)),
            unopened: None,
            messages: vec![
                CaseMessage {
                    seq: 1,
                    author: Author::Pupil,
                    sent_on: "2026-11-22".into(),
                    text: Some("nog een".into()),
                    unopened: None,
                },
                CaseMessage {
                    seq: 2,
                    author: Author::Pupil,
                    sent_on: "2026-11-23".into(),
                    text: None,
                    unopened: None,
                },
            ],
            attachments: vec![
                attachment(1, None, true),
                attachment(2, Some(1), false),
                attachment(3, Some(2), false),
            ],
            advisers_changed: None,
            team: None,
            reseal_due: false,
        };
        let html = case_page(&case, None);
        for n in [1, 2] {
            assert!(html.contains(&format!(
                r#"<input class="reveal" type="checkbox" id="toon-{n}" autocomplete="off"><label class="reveal-button" for="toon-{n}">"#
            )), "{html}");
            assert!(html.contains(&format!(
                r#"<img src="/case/0123456789abcdef/attachments/{n}" alt="Afbeelding {n} van de leerling""#
            )));
        }
        assert!(html.contains(r#"width="480" height="640""#));
        assert!(html.contains("foto (JPEG) 480×640, 41 KB"));
        assert!(html.contains("niet beschreven in het versleutelde bericht"));
        // Message 2 does not open with this key, so neither does its image: no broken <img>.
        assert!(!html.contains("/attachments/3"));
        assert!(html.contains("Deze afbeelding gaat niet open met jouw sleutel."));
        assert!(html.contains(r##"<a href="#afbeelding-2">afbeelding 2</a>"##));
        for text in [
            "naaktfoto van een minderjarige",
            "Stuur hem niet door, download hem niet en maak er geen screenshot van",
            "Helpwanted",
            "politie",
            "fluister adviser attachments",
        ] {
            assert!(html.contains(text), "{text} missing");
        }
        assert!(!html.contains("<script") && !html.contains("style="));
    }

    #[test]
    fn a_changed_adviser_list_is_shown_and_nothing_can_be_sealed_until_accepted() {
        let case = Case {
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::Open,
            unopened: None,
            report: Some(report(Category::Bullying, None)),
            messages: Vec::new(),
            attachments: Vec::new(),
            advisers_changed: Some(AdviserChange {
                school: "demo".into(),
                added: vec!["age1added".into()],
                removed: vec!["age1removed".into()],
                fingerprint: "00112233aabbccdd".into(),
            }),
            team: None,
            reseal_due: false,
        };
        let refused = EngineError::AdvisersChanged(case.advisers_changed.clone().unwrap());
        let draft = Draft {
            pad: Pad::Reply,
            text: "mijn antwoord",
            problem: &refused,
        };
        let html = case_page(&case, Some(&draft));
        for text in [
            "de adviseurslijst van deze school is veranderd",
            "<li><code>age1added</code></li>",
            "<li><code>age1removed</code></li>",
            r#"<form method="post" action="/case/0123456789abcdef/advisers">"#,
            r#"<input type="hidden" name="fingerprint" value="00112233aabbccdd">"#,
            "Versturen kan pas weer",
            "mijn antwoord</textarea>",
        ] {
            assert!(html.contains(text), "{text} missing: {html}");
        }
        assert!(!html.contains("/reply\""), "no reply form");
        assert!(!html.contains("/note\""), "no note form");
        let forms = html.matches("<form ").count();
        assert_eq!(forms, 4, "lock, accept, status and export");
        assert_eq!(
            html.matches(r#"<input type="hidden" name="csrf" value="c5rf">"#)
                .count(),
            forms
        );
    }

    fn case_page(case: &Case, draft: Option<&Draft<'_>>) -> String {
        super::case(&frame(), case, None, draft).into_string()
    }

    #[test]
    fn flash_words_round_trip_and_nothing_else_is_a_flash() {
        for f in [
            Flash::Replied,
            Flash::Noted,
            Flash::Status(Status::Closed),
            Flash::AdvisersAccepted,
        ] {
            assert_eq!(Flash::from_param(f.param()), Some(f));
        }
        assert_eq!(Flash::from_param("<b>gehackt</b>"), None);
    }
}
