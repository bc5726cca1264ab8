//! A case as one self-contained HTML page for the school's incident file: no scripts, no
//! external resources, every value escaped (maud does), readable in any browser offline. It is
//! given a finished case and renders it; it never fetches anything itself.

use age::x25519;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::dutch::{
    attachment_label, attachment_place, category_label, danger_label, status_label,
};
use super::engine::{Case, CaseMessage, Unopened};
use super::names;
use crate::store::Author;

/// Who exported, from where and when: part of the record.
pub struct Context<'a> {
    pub server: &'a str,
    pub exported_on: &'a str,
    /// The exporting adviser's public recipient (`age1…`).
    pub exported_by: &'a str,
}

/// A case as one self-contained HTML page for the school's incident file, exported today by
/// `exported_by` from `server`. The caller decides where it goes: it is plaintext.
pub fn render_now(case: &Case, server: &str, exported_by: &x25519::Recipient) -> String {
    render(
        case,
        &Context {
            server,
            exported_on: &crate::date::today(),
            exported_by: &exported_by.to_string(),
        },
    )
}

/// The page's only styling. Inline, because the file must stand alone; the page's
/// Content-Security-Policy allows exactly this and nothing that loads or runs.
const STYLE: &str = "\
body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#111}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}\
.confidential{border:2px solid #a00;padding:.5rem 1rem;color:#a00;font-weight:bold}\
table{border-collapse:collapse}th,td{text-align:left;vertical-align:top;padding:.2rem 1rem .2rem 0}\
.text{white-space:pre-wrap;overflow-wrap:anywhere}\
.message{border-left:4px solid #888;padding:.2rem 1rem;margin:1rem 0}\
.pupil{border-color:#06c}.adviser{border-color:#080}.note{border-color:#b80;background:#fff8e6}\
.missing{color:#a00;font-style:italic}\
@media print{.message{break-inside:avoid}}";

/// Renders `case` as a complete HTML document.
pub fn render(case: &Case, ctx: &Context<'_>) -> String {
    let title = format!("Fluister-melding {} ({})", names::spoken(&case.id), case.id);
    let page = html! {
        (DOCTYPE)
        html lang="nl" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy"
                    content="default-src 'none'; style-src 'unsafe-inline'";
                meta name="referrer" content="no-referrer";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                p.confidential {
                    "Vertrouwelijk. Dit bestand bevat de melding van een leerling als leesbare \
                     tekst. Bewaar het alleen in het incidentendossier van de school en wis \
                     andere kopieën."
                }
                (facts(case, ctx))
                h2 { "Melding" }
                (report(case))
                h2 { "Gesprek" }
                @if case.messages.is_empty() {
                    p { "Geen berichten na de melding." }
                }
                @for m in &case.messages {
                    (message(m))
                }
                (attachments(case))
            }
        }
    };
    page.into_string()
}

fn facts(case: &Case, ctx: &Context<'_>) -> Markup {
    html! {
        table {
            tr { th { "Melding" } td { (names::spoken(&case.id)) " (" (case.id) ")" } }
            tr { th { "School" } td { (case.school) } }
            tr { th { "Ontvangen op" } td { (case.received_on) } }
            tr { th { "Status" } td { (status_label(case.status)) } }
            @if let Some(r) = &case.report {
                tr {
                    th { "Onderwerp" }
                    td { (category_label(r.category)) " (" (r.category.slug()) ")" }
                }
                tr { th { "Nu iemand in gevaar" } td { (danger_label(r.danger_now)) } }
                tr { th { "Taal van de leerling" } td { (r.lang.code()) } }
            }
            tr { th { "Berichten" } td { (case.messages.len()) } }
            tr { th { "Geëxporteerd op" } td { (ctx.exported_on) } }
            tr { th { "Geëxporteerd door" } td { "adviseurssleutel " code { (ctx.exported_by) } } }
            tr { th { "Server" } td { (ctx.server) } }
        }
    }
}

fn report(case: &Case) -> Markup {
    let Some(r) = &case.report else {
        if case.unopened == Some(Unopened::Damaged) {
            return html! {
                p.missing {
                    "Deze melding kon niet worden geopend: de opgeslagen, versleutelde tekst is \
                     beschadigd. De ICT van de school vindt misschien een gave kopie in een \
                     back-up."
                }
            };
        }
        return html! {
            p.missing {
                "Deze melding is niet versleuteld voor de sleutel van wie exporteert (de \
                 sleutel is waarschijnlijk na de melding aan de school toegevoegd, en er is nog \
                 niet opnieuw versleuteld). Vraag een collega die hem wel kan openen om hem te \
                 exporteren."
            }
        };
    };
    html! {
        h3 { "Wat er is gebeurd" }
        p.text { (r.description) }
        table {
            tr { th { "Waar" } td.text { (or_blank(&r.where_)) } }
            tr { th { "Wanneer" } td.text { (or_blank(&r.when)) } }
            tr { th { "Wie zijn erbij betrokken" } td.text { (or_blank(&r.involved)) } }
        }
    }
}

/// The evidence images, listed and never embedded: this file goes into the incident file, and
/// an image may be one nobody should keep.
fn attachments(case: &Case) -> Markup {
    html! {
        h2 { "Afbeeldingen als bewijs" }
        @if case.attachments.is_empty() {
            p { "Geen." }
        } @else {
            p {
                "De leerling stuurde " (case.attachments.len())
                @if case.attachments.len() == 1 { " afbeelding" } @else { " afbeeldingen" }
                ". Ze staan niet in dit bestand. Een adviseur van de school kan ze bekijken in \
                 de Fluister-werkplek, of ontsleuteld opslaan met "
                code { "fluister adviser attachments " (case.id) " --out MAP" } "."
            }
            table {
                tr { th { "Nr." } th { "Wat" } th { "Kwam" } }
                @for a in &case.attachments {
                    tr { td { (a.n) } td { (attachment_label(a)) } td { (attachment_place(a)) } }
                }
            }
            p.confidential {
                "Blijkt een afbeelding een naaktbeeld van een minderjarige: stuur hem niet door, \
                 zet hem niet in het incidentendossier, volg het protocol van de school (neem \
                 contact op met Helpwanted of de politie) en wis elke kopie."
            }
        }
    }
}

fn message(m: &CaseMessage) -> Markup {
    let (class, who) = match m.author {
        Author::Pupil => ("pupil", "Leerling"),
        Author::Adviser => ("adviser", "Adviseur (antwoord, de leerling ziet het)"),
        Author::Note => (
            "note",
            "Privénotitie (alleen adviseurs, de leerling ziet het nooit)",
        ),
    };
    html! {
        div class={ "message " (class) } {
            p { strong { (who) } " · " (m.sent_on) " · bericht " (m.seq) }
            @match (&m.text, m.unopened) {
                (Some(text), _) => p.text { (text) },
                (None, Some(Unopened::Damaged)) => p.missing { "Dit bericht is beschadigd en kon niet worden geopend." },
                (None, _) => p.missing { "Dit bericht opent niet met de sleutel van wie exporteert." },
            }
        }
    }
}

fn or_blank(s: &str) -> &str {
    if s.is_empty() { "(niet ingevuld)" } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Category, DangerNow, ReportDocument};
    use crate::store::{ReportId, Status};

    fn case() -> Case {
        Case {
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            received_on: "2026-11-21".into(),
            status: Status::Open,
            unopened: None,
            report: Some(ReportDocument {
                version: 1,
                school: "demo".into(),
                category: Category::Threat,
                description: "<script>alert(1)</script> & \"quotes\"\nline two".into(),
                where_: "<img src=https://evil.example/x.png>".into(),
                when: String::new(),
                involved: "two boys".into(),
                danger_now: Some(DangerNow::Unsure),
                lang: crate::i18n::Lang::Nl,
                attachments: Vec::new(),
                received_on: "2026-11-21".into(),
            }),
            messages: vec![
                CaseMessage {
                    seq: 1,
                    author: Author::Note,
                    sent_on: "2026-11-22".into(),
                    text: Some("mentor informed </style><style>".into()),
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
            attachments: vec![crate::adviser::engine::CaseAttachment {
                n: 1,
                message: Some(2),
                media_type: Some(crate::evidence::MediaType::Png),
                bytes: Some(12_000),
                width: Some(90),
                height: Some(160),
                size: 70_000,
            }],
            advisers_changed: None,
            schedule: Default::default(),
            team: None,
            reseal_due: false,
        }
    }

    #[test]
    fn everything_is_escaped_and_nothing_loads_or_runs() {
        let html = render(
            &case(),
            &Context {
                server: "https://fluister.example",
                exported_on: "2026-11-24",
                exported_by: "age1example",
            },
        );
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(
            html.contains("<html lang=\"nl\">"),
            "the export speaks Dutch"
        );
        assert!(
            html.contains(&names::spoken(&case().id)),
            "named as advisers say it"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
        assert!(html.contains("&lt;img src=https://evil.example/x.png&gt;"));
        assert!(html.contains("mentor informed &lt;/style&gt;"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<link"), "no element loads anything");
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains("default-src 'none'"));
        assert!(html.contains("Bedreiging (threat)"));
        assert!(html.contains("Weet niet"));
        assert!(html.contains("Privénotitie"));
        assert!(html.contains("opent niet"));
        assert!(html.contains("(niet ingevuld)"));
        assert!(html.contains("2026-11-24"));
        assert!(html.contains("afbeelding (PNG 90×160, 12 KB)"));
        assert!(html.contains("bij bericht 2"));
        assert!(html.contains("fluister adviser attachments 0123456789abcdef --out MAP"));
        assert!(html.contains("Helpwanted"));
    }
}
