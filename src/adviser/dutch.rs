//! Dutch words for what an adviser reads outside the terminal: the browser workstation and the
//! export for the school's incident file (the command line speaks English to IT).

use super::engine::{CaseAttachment, size_label};
use crate::evidence::MediaType;
use crate::report::{Category, DangerNow};
use crate::store::Status;

pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::New => "nieuw",
        Status::Open => "open",
        Status::Closed => "gesloten",
    }
}

/// Short Dutch names for the adviser (the pupil form words them for pupils).
pub fn category_label(c: Category) -> &'static str {
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

pub fn danger_label(d: Option<DangerNow>) -> &'static str {
    match d {
        Some(DangerNow::Yes) => "Ja",
        Some(DangerNow::Unsure) => "Weet niet",
        Some(DangerNow::No) => "Nee",
        None => "Niet ingevuld",
    }
}

/// What an evidence image is, e.g. `foto (JPEG 1600×1200, 410 KB)`.
pub fn attachment_label(a: &CaseAttachment) -> String {
    match a.info() {
        Some(i) => {
            let (kind, format) = match i.media_type {
                MediaType::Jpeg => ("foto", "JPEG"),
                MediaType::Png => ("afbeelding", "PNG"),
            };
            format!(
                "{kind} ({format} {}×{}, {})",
                i.width,
                i.height,
                size_label(i.bytes as u64)
            )
        }
        None => "afbeelding (niet te openen met deze sleutel)".to_owned(),
    }
}

/// Where an image came: with the report or with a message.
pub fn attachment_place(a: &CaseAttachment) -> String {
    match a.message {
        None => "bij de melding".to_owned(),
        Some(seq) => format!("bij bericht {seq}"),
    }
}
