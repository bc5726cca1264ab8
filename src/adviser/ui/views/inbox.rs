//! The inbox page: what could not be opened, a filter by status, one row per case.

use maud::{Markup, html};

use super::{
    Flash, Frame, category_label, danger_flag, deletion_cell, flash_box, layout, status_label,
};
use crate::adviser::names;
use crate::adviser::{CaseSummary, Inbox, Unopened};
use crate::report::DangerNow;
use crate::store::Status;

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
        (super::team::team_notices(frame, &inbox.teams))
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
                        th scope="col" { "Taal" }
                        th scope="col" { "Status" }
                        th scope="col" { "Te laat" }
                        th scope="col" { "Laatste activiteit" }
                        th scope="col" { "Afbeeldingen" }
                        th scope="col" { "Ongelezen" }
                        th scope="col" { "Wordt gewist" }
                    }
                }
                tbody {
                    @for c in cases {
                        // data-label: on a phone the rows become cards, each cell with its name.
                        tr class=[row_class(c)] {
                            td.name {
                                a.id href={ "/case/" (c.id) } { (names::spoken(&c.id)) }
                                " " span.muted.id-digits { (&c.id.as_str()[..4]) }
                                @if in_danger(c) { " " span.flag.danger { "iemand in gevaar" } }
                                @if c.reseal_due { " " span.flag.unsure { "vorig team" } }
                            }
                            td data-label="Ontvangen" { (c.received_on) }
                            td data-label="School" { (c.school) }
                            td data-label="Categorie" {
                                @match (c.category, c.unopened) {
                                    (Some(cat), _) => (category_label(cat)),
                                    (None, Some(Unopened::Damaged)) => span.muted { "(beschadigd)" },
                                    (None, _) => span.muted { "(niet voor jouw sleutel)" },
                                }
                            }
                            td data-label="Nu in gevaar" { @if c.readable { (danger_flag(c.danger_now)) } @else { "?" } }
                            td data-label="Taal" { @if let Some(l) = c.lang { (l.dutch_name()) } @else { "?" } }
                            td data-label="Status" { span class={ "status status-" (c.status.as_str()) } { (status_label(c.status)) } }
                            td data-label="Te laat" {
                                @if let Some(since) = &c.overdue_since {
                                    span.overdue { "sinds " (since) }
                                } @else {
                                    span.muted { "nee" }
                                }
                            }
                            td data-label="Laatste activiteit" { (c.last_activity) }
                            td.count data-label="Afbeeldingen" { (c.attachments) }
                            td.count data-label="Ongelezen" { @if c.unread > 0 { strong { (c.unread) } } @else { "0" } }
                            td data-label="Wordt gewist" { (deletion_cell(&c.schedule)) }
                        }
                    }
                }
            }
        }
    };
    layout("Inbox", Some(frame), content)
}

/// A row's class: someone in danger now, a pupil waiting too long, and unread messages stand
/// out.
fn row_class(c: &CaseSummary) -> Option<String> {
    let classes: Vec<&str> = [
        (in_danger(c), "danger"),
        (c.overdue, "overdue"),
        (c.unread > 0, "unread"),
    ]
    .into_iter()
    .filter_map(|(on, class)| on.then_some(class))
    .collect();
    (!classes.is_empty()).then(|| classes.join(" "))
}

/// True when the pupil said someone is in danger now (yes or not sure) and the case is not
/// closed: those come first and are marked.
pub fn in_danger(c: &CaseSummary) -> bool {
    c.status != Status::Closed && matches!(c.danger_now, Some(DangerNow::Yes | DangerNow::Unsure))
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
