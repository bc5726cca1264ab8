//! The adviser UI's pages as maud functions, in Dutch (advisers are Dutch school staff). Views
//! only render; maud escapes every value, and there is no script and no inline style.

//!
//! One file per group of pages: this one the layout, the pages every session may see (unlock,
//! refusals, failures) and the small parts the others share; `inbox`, `case` and `team` (who
//! reads a school's files, the reseal).

mod case;
mod inbox;
mod team;

use maud::{DOCTYPE, Markup, html};

use super::Refusal;
use crate::adviser::engine::Error as EngineError;
use crate::report::DangerNow;
use crate::retention::Schedule;
use crate::store::Status;

pub(super) use crate::adviser::dutch::{category_label, status_label};
pub use case::{case, case_with_template};
pub use inbox::{in_danger, inbox};
pub use team::resealed;

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
pub const INTERNAL: &str = "Er ging iets mis op deze computer. Probeer het opnieuw; lukt het niet, stop dan de \
     werkplek (knop Stoppen) en start hem opnieuw.";

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
    /// Put on legal hold (`true`) or taken off.
    Hold(bool),
}

/// When the server deletes a case: a date, or that it is held.
pub(super) fn deletion_cell(s: &Schedule) -> Markup {
    html! {
        @match (&s.deletes_on, s.held) {
            (_, true) => span.flag.held { "legal hold" },
            (Some(on), false) => (on),
            (None, false) => span.muted { "onbekend" },
        }
    }
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
            Flash::Hold(true) => "held",
            Flash::Hold(false) => "released",
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
            Flash::Hold(true),
            Flash::Hold(false),
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
            Flash::Hold(true) => "De melding staat op legal hold: de server wist hem niet tot \
                                  je de hold opheft."
                .into(),
            Flash::Hold(false) => "De legal hold is opgeheven: de melding wordt weer gewist \
                                   op de gewone datum."
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
                        form.lock method="post" action="/quit" {
                            (csrf_field(f.csrf))
                            button.secondary type="submit" { "Stoppen" }
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
            "Start de Fluister-werkplek opnieuw (via de snelkoppeling of het menu): die opent \
             deze pagina zelf, met een nieuwe link. Een link werkt één keer, in één browser. \
             Zegt deze pagina dit terwijl je de link net voor het eerst opende? Dan heeft \
             iemand anders op deze computer hem gebruikt: stop de werkplek en start hem \
             opnieuw."
        }
        Refusal::Host => {
            "Deze pagina opent alleen op deze computer zelf (127.0.0.1 of localhost), met de \
             link die de werkplek opende."
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

/// After "Stoppen": the workstation has ended; nothing more answers here.
pub fn stopped() -> Markup {
    layout(
        "Gestopt",
        None,
        html! {
            h1 { "Fluister adviseur is gestopt" }
            p {
                "Je sleutel is uit het geheugen gehaald en dit programma is gestopt. Je kunt dit \
                 tabblad sluiten. Start de werkplek opnieuw met de snelkoppeling of met "
                code { "fluister adviser ui" } "."
            }
        },
    )
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

fn or_blank(s: &str) -> &str {
    if s.is_empty() { "(niet ingevuld)" } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

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
