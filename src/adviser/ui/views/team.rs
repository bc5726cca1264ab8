//! The team of a school: who besides the pupil reads its files (by the names the school gave
//! them), when a reseal is due and the button for it, and what a reseal did.

use maud::{Markup, html};

use super::{Frame, csrf_field, layout};
use crate::adviser::Case;
use crate::adviser::engine::{Reader, TeamView, short_key};
use crate::adviser::reseal::{Outcome, locked_per_report};

/// A reader in a few Dutch words: the name the school gave them, or part of the key.
fn reader_label(r: &Reader) -> Markup {
    html! {
        @if r.recovery {
            "de herstelsleutel van het schoolbestuur (offline, in de kluis)"
        } @else if let Some(name) = &r.name {
            (name)
        } @else {
            "adviseur zonder naam in de configuratie (" code { (short_key(&r.recipient)) } ")"
        }
        @if r.you { " (jij)" }
    }
}

/// A recipient from an adviser-list change, by name when the team lists it.
fn change_label(team: &TeamView, recipient: &str) -> Markup {
    match team.readers.iter().find(|r| r.recipient == recipient) {
        Some(r) => html! { (reader_label(r)) " · " code { (short_key(recipient)) } },
        None => html! { code { (recipient) } },
    }
}

fn readers_list(team: &TeamView) -> Markup {
    html! {
        ul.readers {
            @for r in &team.readers { li { (reader_label(r)) } }
        }
    }
}

/// The reseal button for `team`'s school. When the list differs from the one pinned here, the
/// form carries the fingerprint of exactly the list shown, so pressing it accepts that list
/// and no other.
fn reseal_form(frame: &Frame<'_>, team: &TeamView, label: &str) -> Markup {
    html! {
        form.reseal method="post" action="/reseal" {
            (csrf_field(frame.csrf))
            input type="hidden" name="school" value=(team.school);
            @if let Some(change) = &team.change {
                input type="hidden" name="fingerprint" value=(change.fingerprint);
            }
            button type="submit" { (label) }
        }
        p.hint {
            "Dit kan even duren: elke melding van de school wordt op deze computer geopend en \
             opnieuw versleuteld, en alleen vervangen als niemand hem intussen veranderde. Laat \
             dit venster open. Afgebroken? Druk later nog eens: wat al klaar is, wordt \
             overgeslagen."
        }
    }
}

/// Above the inbox: each school whose team changed or whose cases are (partly) still sealed
/// for an earlier team, with what that means and the button.
pub fn team_notices(frame: &Frame<'_>, teams: &[TeamView]) -> Markup {
    html! {
        @for team in teams.iter().filter(|t| t.reseal_due() || t.change.is_some()) {
            section.duty.team-notice role="status" aria-labelledby={ "team-" (team.school) } {
                @if team.change.is_some() {
                    h2 id={ "team-" (team.school) } { "Het adviseursteam van school " (team.school) " is veranderd" }
                } @else {
                    h2 id={ "team-" (team.school) } { "Opnieuw versleutelen nodig voor school " (team.school) }
                }
                @if team.reseal_due() {
                    p {
                        strong {
                            (team.due.reports)
                            @if team.due.reports == 1 { " melding" } @else { " meldingen" }
                            " (" (team.due.items) " onderdelen)"
                        }
                        " zijn nog versleuteld voor een eerder team van adviseurs, of het is niet \
                         bekend voor welk. Een nieuwe adviseur kan ze pas lezen, en een vertrokken \
                         adviseur kan de kopieën op de server pas niet meer openen, als ze opnieuw \
                         zijn versleuteld voor het huidige team."
                    }
                }
                p { "Het huidige team, naast de leerling:" }
                (readers_list(team))
                @if let Some(change) = &team.change {
                    p {
                        "Deze computer kende een andere lijst. Vraag een collega of de IT van je \
                         school of deze wijziging klopt voordat je verdergaat: een sleutel die \
                         zonder medeweten van de school is toegevoegd, kan na het opnieuw \
                         versleutelen alles lezen."
                    }
                    @if !change.added.is_empty() {
                        h3 { "Nieuw op de lijst" }
                        ul.recipients { @for r in &change.added { li { (change_label(team, r)) } } }
                    }
                    @if !change.removed.is_empty() {
                        h3 { "Niet meer op de lijst" }
                        ul.recipients { @for r in &change.removed { li { code { (r) } } } }
                    }
                    (reseal_form(frame, team, "Nagevraagd: accepteer dit team en versleutel opnieuw"))
                } @else if team.reseal_due() {
                    (reseal_form(frame, team, "Versleutel opnieuw voor het huidige team"))
                }
            }
        }
    }
}

/// On the case page: who can read this case, and whether part of it still waits for a reseal.
pub fn case_team(frame: &Frame<'_>, case: &Case) -> Markup {
    let Some(team) = &case.team else {
        return html! {};
    };
    html! {
        section.team aria-labelledby="team-title" {
            h2 #team-title { "Wie kan deze melding lezen" }
            p { "De leerling met de ophaalcode (privénotities niet), en:" }
            (readers_list(team))
            @if case.reseal_due {
                p.warning {
                    "Een deel van deze melding is nog versleuteld voor een eerder team van \
                     adviseurs (of het is niet bekend voor welk): wie hierboven nieuw is, kan dat \
                     deel nog niet lezen, en wie het team verliet, zou een kopie ervan nog kunnen \
                     openen."
                }
                @if team.change.is_some() {
                    p { "Accepteer eerst de nieuwe adviseurslijst bovenaan deze pagina." }
                } @else {
                    (reseal_form(frame, team, "Versleutel de meldingen van deze school opnieuw"))
                }
            }
        }
    }
}

/// What a reseal did, school by school.
pub fn resealed(frame: &Frame<'_>, outcomes: &[Outcome]) -> Markup {
    let complete = outcomes.iter().all(Outcome::complete);
    let title = if complete {
        "Opnieuw versleuteld"
    } else {
        "Niet alles is opnieuw versleuteld"
    };
    let content = html! {
        h1 { (title) }
        @for o in outcomes {
            section.resealed aria-label={ "School " (o.school) } {
                h2 { "School " (o.school) }
                @if let Some(change) = &o.accepted {
                    p { "Het nieuwe team is op deze computer vastgelegd (" (change.summary()) ")." }
                }
                dl.facts {
                    dt { "Meldingen bekeken" } dd { (o.cases) }
                    dt { "Opnieuw versleuteld" } dd { (o.resealed) " onderdelen" }
                    dt { "Al voor het huidige team" } dd { (o.current) " onderdelen (overgeslagen)" }
                    dt { "Intussen veranderd" } dd { (o.changed) " onderdelen (overgeslagen)" }
                    dt { "Mislukt" } dd { (o.failed.len()) }
                }
                @let locked = locked_per_report(&o.failed);
                @if !o.failed.is_empty() {
                    ul.problems {
                        @for (report, n) in &locked {
                            li {
                                "Melding " span.id { (report) } ": " (n)
                                @if *n == 1 { " onderdeel gaat" } @else { " onderdelen gaan" }
                                " niet open met jouw sleutel: ze zijn versleuteld voordat jij in \
                                 het team kwam."
                            }
                        }
                        @for f in o.failed.iter().filter(|f| !f.locked) {
                            li {
                                (f.item) " van melding " (f.report.as_deref().unwrap_or("?")) ": " (f.why)
                            }
                        }
                    }
                }
            }
        }
        @if !complete {
            p.warning {
                "Druk in de inbox nog eens op de knop om af te maken wat nog niet gelukt is. Wat \
                 niet met jouw sleutel opengaat, kan een collega die het wel kan openen, of het \
                 schoolbestuur met de herstelsleutel, opnieuw versleutelen."
            }
        }
        p {
            "Back-ups van de server van vóór dit moment gaan nog open met de sleutels waarvoor de \
             meldingen toen versleuteld waren. Is een sleutel gestolen en niet alleen kwijt, laat \
             de IT die back-ups dan vernietigen."
        }
        p { a href="/" { "Terug naar de inbox" } }
    };
    layout(title, Some(frame), content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adviser::client::DueListing;
    use crate::adviser::pins::AdviserChange;
    use crate::adviser::reseal::Failure;

    fn frame() -> Frame<'static> {
        Frame {
            csrf: "c5rf",
            server: "https://fluister.example",
            lockable: false,
        }
    }

    fn team(due: u64, change: bool) -> TeamView {
        let reader = |recipient: &str, name: Option<&str>, recovery, you| Reader {
            recipient: recipient.into(),
            name: name.map(Into::into),
            recovery,
            you,
        };
        TeamView {
            school: "de-linde".into(),
            readers: vec![
                reader("age1bakker", Some("Dhr. <b>Bakker</b>"), false, true),
                reader("age1claesclaesclaesclaes", None, false, false),
                reader("age1board", None, true, false),
            ],
            fingerprint: "00112233aabbccdd".into(),
            due: DueListing {
                reports: due,
                items: due * 3,
            },
            change: change.then(|| AdviserChange {
                school: "de-linde".into(),
                added: vec!["age1claesclaesclaesclaes".into()],
                removed: vec!["age1aydin".into()],
                fingerprint: "00112233aabbccdd".into(),
            }),
        }
    }

    #[test]
    fn a_changed_team_is_named_and_its_button_accepts_exactly_the_list_shown() {
        let html = team_notices(&frame(), &[team(2, true)]).into_string();
        for text in [
            "Het adviseursteam van school de-linde is veranderd",
            "2 meldingen (6 onderdelen)",
            "Dhr. &lt;b&gt;Bakker&lt;/b&gt; (jij)",
            "adviseur zonder naam in de configuratie (<code>age1clae…laes</code>)",
            "de herstelsleutel van het schoolbestuur",
            "Nieuw op de lijst",
            "<code>age1aydin</code>",
            r#"<form class="reseal" method="post" action="/reseal">"#,
            r#"<input type="hidden" name="csrf" value="c5rf">"#,
            r#"<input type="hidden" name="school" value="de-linde">"#,
            r#"<input type="hidden" name="fingerprint" value="00112233aabbccdd">"#,
            "Nagevraagd: accepteer dit team en versleutel opnieuw",
        ] {
            assert!(html.contains(text), "{text} missing: {html}");
        }
        assert!(!html.contains("/case/"), "no case links outside the list");
        // Due without a change: the plain button, no fingerprint; neither: nothing at all.
        let html = team_notices(&frame(), &[team(1, false)]).into_string();
        assert!(html.contains("1 melding (3 onderdelen)"), "{html}");
        assert!(html.contains("Versleutel opnieuw voor het huidige team"));
        assert!(!html.contains("fingerprint"));
        assert_eq!(team_notices(&frame(), &[team(0, false)]).into_string(), "");
    }

    #[test]
    fn the_result_says_what_was_done_and_what_is_left() {
        let done = Outcome {
            school: "de-linde".into(),
            cases: 3,
            resealed: 9,
            current: 2,
            ..Outcome::default()
        };
        let html = resealed(&frame(), std::slice::from_ref(&done)).into_string();
        assert!(html.contains("<h1>Opnieuw versleuteld</h1>"), "{html}");
        assert!(html.contains("9 onderdelen") && html.contains("Back-ups"));
        let mut left = done;
        left.failed.push(Failure {
            report: Some("0123456789abcdef".into()),
            item: "message 2".into(),
            why: "damaged <here>".into(),
            locked: false,
        });
        for item in ["report", "message 1"] {
            left.failed.push(Failure {
                report: Some("fedcba9876543210".into()),
                item: item.into(),
                why: "does not open".into(),
                locked: true,
            });
        }
        let html = resealed(&frame(), &[left]).into_string();
        assert!(html.contains("Niet alles is opnieuw versleuteld"), "{html}");
        assert!(html.contains("message 2 van melding 0123456789abcdef: damaged &lt;here&gt;"));
        assert!(
            html.contains("fedcba9876543210</span>: 2 onderdelen gaan niet open met jouw sleutel"),
            "{html}"
        );
    }
}
