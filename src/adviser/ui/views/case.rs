//! The case page: facts, what the law asks, the report, the conversation, the evidence images
//! and what the adviser can do next.

use maud::{Markup, html};

use super::{
    Draft, Flash, Frame, Pad, category_label, csrf_field, danger_flag, deletion_cell, flash_box,
    kept_text, layout, or_blank, status_label,
};
use crate::adviser::engine::{CaseAttachment, Error as EngineError, size_label};
use crate::adviser::names;
use crate::adviser::pins::AdviserChange;
use crate::adviser::{Case, CaseMessage, Unopened};
use crate::evidence::MediaType;
use crate::i18n::{Lang, t};
use crate::report::{Category, DangerNow, ReportDocument};
use crate::retention::Schedule;
use crate::store::{Author, Status};

/// One case: facts, what the law asks, the report, the conversation and what to do next.
pub fn case(
    frame: &Frame<'_>,
    case: &Case,
    flash: Option<Flash>,
    draft: Option<&Draft<'_>>,
) -> Markup {
    case_page(frame, case, flash, draft, None)
}

/// The first replies offered in the pupil's language, by their Fluent key (issue 14).
pub const FIRST_REPLIES: [&str; 4] = ["reply-thanks", "reply-read", "reply-when", "reply-next"];

/// The case page with the reply box holding a ready-made first reply (`?template=KEY`), in the
/// pupil's language, for the adviser to edit or send.
pub fn case_with_template(
    frame: &Frame<'_>,
    case: &Case,
    flash: Option<Flash>,
    template: &str,
) -> Markup {
    let text = case
        .report
        .as_ref()
        .filter(|_| FIRST_REPLIES.contains(&template))
        .map(|r| t(r.lang, template));
    case_page(frame, case, flash, None, text.as_deref())
}

fn case_page(
    frame: &Frame<'_>,
    case: &Case,
    flash: Option<Flash>,
    draft: Option<&Draft<'_>>,
    prefill: Option<&str>,
) -> Markup {
    let base = format!("/case/{}", case.id);
    let draft_for = |pad: Pad| draft.filter(|d| d.pad == pad);
    let content = html! {
        p { a href="/" { "← Inbox" } }
        h1 { "Melding: " (names::spoken(&case.id)) " " span.muted.id-digits { "(" (case.id) ")" } }
        (flash_box(flash))
        @if let Some(change) = &case.advisers_changed {
            (advisers_changed(frame, &base, change))
        }
        dl.facts {
            dt { "School" } dd { (case.school) }
            dt { "Ontvangen" } dd { (case.received_on) }
            dt { "Status" } dd { span class={ "status status-" (case.status.as_str()) } { (status_label(case.status)) } }
            dt { "Wordt gewist" } dd { (deletion_cell(&case.schedule)) }
            @if let Some(r) = &case.report {
                dt { "Categorie" } dd { (category_label(r.category)) }
                dt { "Nu in gevaar" } dd { (danger_flag(r.danger_now)) }
                dt { "Taal van de leerling" } dd { (r.lang.dutch_name()) " (" (r.lang.code()) ")" }
            }
            dt { "Afbeeldingen" }
            dd {
                @if case.attachments.is_empty() { "geen" }
                @else { a href="#afbeeldingen" { (case.attachments.len()) " (hieronder, vaag tot je ze toont)" } }
            }
        }
        (super::team::case_team(frame, case))
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
            (first_replies(case, &base))
            (writing_form(frame, &format!("{base}/reply"), "reply-text", draft_for(Pad::Reply), prefill, "Versleutel en verstuur"))
        }
        section.write.note-pad aria-labelledby="note-title" {
            h2 #note-title { "Privénotitie" }
            p.hint { "Alleen voor de adviseurs van de school. De leerling kan dit nooit lezen." }
            (writing_form(frame, &format!("{base}/note"), "note-text", draft_for(Pad::Note), None, "Bewaar notitie"))
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
        (hold_pad(frame, &base, &case.schedule))
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

/// Short first replies in the pupil's own language, each with its Dutch meaning, to put in the
/// reply box and edit (issue 14): a pupil who reads little Dutch hears back in their language.
fn first_replies(case: &Case, base: &str) -> Markup {
    let Some(report) = &case.report else {
        return html! {};
    };
    let lang = report.lang;
    html! {
        details.first-replies {
            summary { "Kant-en-klare eerste antwoorden in het " (lang.dutch_name()) }
            ul {
                @for key in FIRST_REPLIES {
                    li {
                        p lang=(lang.code()) dir=(lang.dir()) { (t(lang, key)) }
                        @if lang != Lang::Nl { p.muted { "Betekent: " (t(Lang::Nl, key)) } }
                        a href={ (base) "?template=" (key) "#reply-text" } { "Zet in het antwoordvak" }
                    }
                }
            }
        }
    }
}

fn writing_form(
    frame: &Frame<'_>,
    action: &str,
    id: &str,
    draft: Option<&Draft<'_>>,
    prefill: Option<&str>,
    button: &str,
) -> Markup {
    // After a refusal the page comes back scrolled to what went wrong: the action's fragment
    // names the problem line, which exists only then (no script needed).
    let problem_id = format!("{id}-problem");
    html! {
        form method="post" action={ (action) "#" (problem_id) } accept-charset="utf-8" {
            (csrf_field(frame.csrf))
            @if let Some(d) = draft {
                p.problem id=(problem_id) role="alert" { (problem_text(d.problem)) }
            }
            textarea id=(id) name="message" rows="6" aria-label=(button) {
                @if let Some(d) = draft { (d.text) } @else if let Some(p) = prefill { (p) }
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

/// The case page's box for the legal hold: when the case goes, and the one button that
/// changes it.
fn hold_pad(frame: &Frame<'_>, base: &str, s: &Schedule) -> Markup {
    html! {
        section.hold-pad aria-labelledby="hold-title" {
            h2 #hold-title { "Bewaren" }
            @if s.held {
                p {
                    "Deze melding staat op " strong { "legal hold" } ": de server wist hem niet, \
                     hoe oud hij ook wordt. Hef de hold op als de politie, de inspectie of de \
                     rechter hem niet meer nodig heeft."
                }
            } @else {
                p {
                    "De server wist deze melding met het hele gesprek en de afbeeldingen op "
                    strong { (s.deletes_on.as_deref().unwrap_or("een datum die de server niet noemde")) }
                    ". Een nieuw bericht of heropenen schuift die datum op. Moet de school de \
                     melding langer bewaren, voor de politie, de inspectie of een rechter? Zet \
                     hem dan op legal hold."
                }
            }
            form method="post" action={ (base) "/hold" } {
                (csrf_field(frame.csrf))
                @if s.held {
                    button.secondary type="submit" name="held" value="0" { "Hef de legal hold op" }
                } @else {
                    button.secondary type="submit" name="held" value="1" { "Zet op legal hold (niet wissen)" }
                }
            }
        }
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
            schedule: Default::default(),
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::Open,
            report: Some(ReportDocument {
                lang: crate::i18n::Lang::Ar,
                ..report(Category::AdultContact, Some(DangerNow::Yes))
            }),
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
        // The pupil's language by name, for an adviser who may not read it.
        assert!(
            html.contains("<dd>Arabisch (ar)</dd>"),
            "the pupil's language"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;img src=https://evil.example/x.png&gt;"));
        assert!(html.contains("&lt;/textarea&gt;&lt;b&gt;hoi&lt;/b&gt;"));
        assert!(
            html.contains("&lt;/textarea&gt;kept</textarea>"),
            "the draft is kept"
        );
        assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("style="));
        let forms = html.matches("<form ").count();
        assert_eq!(forms, 7, "lock, stop, reply, note, status, hold and export");
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
            schedule: Default::default(),
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
            schedule: Default::default(),
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
        assert_eq!(forms, 6, "lock, stop, accept, status, hold and export");
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
    fn first_replies_are_offered_in_the_pupils_language_with_their_dutch_meaning() {
        let case = Case {
            schedule: Default::default(),
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::New,
            report: Some(ReportDocument {
                lang: crate::i18n::Lang::Uk,
                ..report(Category::Bullying, None)
            }),
            unopened: None,
            messages: Vec::new(),
            attachments: Vec::new(),
            advisers_changed: None,
            team: None,
            reseal_due: false,
        };
        let page = case_page(&case, None);
        assert!(
            page.contains("Kant-en-klare eerste antwoorden in het Oekraïens"),
            "{page}"
        );
        assert!(page.contains("Дякую за твоє повідомлення"), "{page}");
        assert!(
            page.contains("Betekent: Dank je wel dat je dit hebt gemeld"),
            "{page}"
        );
        assert!(page.contains("?template=reply-thanks#reply-text"), "{page}");
        let filled = super::case_with_template(&frame(), &case, None, "reply-when").into_string();
        let box_start = filled.find("id=\"reply-text\"").unwrap();
        assert!(
            filled[box_start..].contains("Я напишу тобі знову"),
            "{filled}"
        );
        // An unknown key fills nothing: the box holds only what the adviser types.
        let other = super::case_with_template(&frame(), &case, None, "../etc").into_string();
        let box_start = other.find("id=\"reply-text\"").unwrap();
        assert!(other[box_start..].contains("></textarea>"), "{other}");
    }
}
