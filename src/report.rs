//! The report a pupil writes: categories, validation of what they typed, the sealed document.

use serde::{Deserialize, Serialize};

use crate::evidence::{CleanImage, MediaType};
use crate::i18n::Lang;

/// Most characters in "what happened".
pub const DESCRIPTION_MAX: usize = 20_000;
/// Most characters in "where" (app, platform or place).
pub const WHERE_MAX: usize = 500;
/// Most characters in "when".
pub const WHEN_MAX: usize = 200;
/// Most characters in "who is involved".
pub const INVOLVED_MAX: usize = 2_000;

/// What happened, as DESIGN.md's category slugs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Bullying,
    Threat,
    FightFilmed,
    ImagesShared,
    Sextortion,
    Reputation,
    HackedAccount,
    Discrimination,
    AdultContact,
    Other,
}

impl Category {
    /// Every category, in the order the form shows them.
    pub const ALL: [Category; 10] = [
        Category::Bullying,
        Category::Threat,
        Category::FightFilmed,
        Category::ImagesShared,
        Category::Sextortion,
        Category::Reputation,
        Category::HackedAccount,
        Category::Discrimination,
        Category::AdultContact,
        Category::Other,
    ];

    /// The slug used in forms and in the sealed document.
    pub fn slug(self) -> &'static str {
        match self {
            Category::Bullying => "bullying",
            Category::Threat => "threat",
            Category::FightFilmed => "fight_filmed",
            Category::ImagesShared => "images_shared",
            Category::Sextortion => "sextortion",
            Category::Reputation => "reputation",
            Category::HackedAccount => "hacked_account",
            Category::Discrimination => "discrimination",
            Category::AdultContact => "adult_contact",
            Category::Other => "other",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// Categories where a pupil must never upload an image: possessing or forwarding a nude
    /// image of a minor is a crime, so the form asks where it is instead.
    pub fn forbids_upload(self) -> bool {
        matches!(
            self,
            Category::ImagesShared | Category::Sextortion | Category::AdultContact
        )
    }
}

/// The answer to "is someone in danger right now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DangerNow {
    Yes,
    No,
    Unsure,
}

impl DangerNow {
    pub const ALL: [DangerNow; 3] = [DangerNow::Yes, DangerNow::Unsure, DangerNow::No];

    pub fn slug(self) -> &'static str {
        match self {
            DangerNow::Yes => "yes",
            DangerNow::No => "no",
            DangerNow::Unsure => "unsure",
        }
    }

    pub fn from_slug(slug: &str) -> Option<DangerNow> {
        DangerNow::ALL.into_iter().find(|d| d.slug() == slug)
    }
}

/// What the pupil typed, exactly as typed, so that any refusal can put it back in the form.
#[derive(Default, Clone)]
pub struct ReportForm {
    pub category: String,
    pub description: String,
    pub where_: String,
    pub when: String,
    pub involved: String,
    pub danger_now: String,
}

/// A field of the report form, for naming the field a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Category,
    Description,
    Where,
    When,
    Involved,
    DangerNow,
}

/// Something about the form a pupil must fix before the report can be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// "What happened" is empty.
    DescriptionMissing,
    /// A field is longer than its limit; `chars` is how long it is.
    TooLong {
        field: Field,
        chars: usize,
        max: usize,
    },
    /// The category is not one the form offers.
    UnknownCategory,
    /// The danger answer is not one the form offers.
    UnknownDangerAnswer,
}

impl Problem {
    /// The field to mark in the form.
    pub fn field(&self) -> Field {
        match self {
            Problem::DescriptionMissing => Field::Description,
            Problem::TooLong { field, .. } => *field,
            Problem::UnknownCategory => Field::Category,
            Problem::UnknownDangerAnswer => Field::DangerNow,
        }
    }
}

/// A form that passed validation, with its text cleaned.
pub struct ValidReport {
    pub category: Category,
    pub description: String,
    pub where_: String,
    pub when: String,
    pub involved: String,
    pub danger_now: Option<DangerNow>,
}

impl ReportForm {
    /// The form as sent, each field read by its name in the HTML form (`where`, not `where_`);
    /// a field left out is empty. The one place that knows the names, for the handler and the
    /// fuzz target alike.
    pub fn from_fields<'a>(field: impl Fn(&str) -> &'a str) -> ReportForm {
        ReportForm {
            category: field("category").to_owned(),
            description: field("description").to_owned(),
            where_: field("where").to_owned(),
            when: field("when").to_owned(),
            involved: field("involved").to_owned(),
            danger_now: field("danger_now").to_owned(),
        }
    }

    /// Checks every field and returns either the clean report or every problem at once, so a
    /// pupil fixes the form in one go.
    pub fn validate(&self) -> Result<ValidReport, Vec<Problem>> {
        let mut problems = Vec::new();
        let category = match self.category.trim() {
            // A pupil who skips the question still gets their report through.
            "" => Some(Category::Other),
            slug => Category::from_slug(slug),
        };
        if category.is_none() {
            problems.push(Problem::UnknownCategory);
        }
        let danger_now = match self.danger_now.trim() {
            "" => Some(None),
            slug => DangerNow::from_slug(slug).map(Some),
        };
        if danger_now.is_none() {
            problems.push(Problem::UnknownDangerAnswer);
        }
        let description = clean_text(&self.description);
        if description.is_empty() {
            problems.push(Problem::DescriptionMissing);
        }
        let mut limited = |field, text: &str, max| {
            let text = clean_text(text);
            let chars = text.chars().count();
            if chars > max {
                problems.push(Problem::TooLong { field, chars, max });
            }
            text
        };
        let description = limited(Field::Description, &description, DESCRIPTION_MAX);
        let where_ = limited(Field::Where, &self.where_, WHERE_MAX);
        let when = limited(Field::When, &self.when, WHEN_MAX);
        let involved = limited(Field::Involved, &self.involved, INVOLVED_MAX);
        match (category, danger_now) {
            (Some(category), Some(danger_now)) if problems.is_empty() => Ok(ValidReport {
                category,
                description,
                where_,
                when,
                involved,
                danger_now,
            }),
            _ => Err(problems),
        }
    }
}

/// Line endings made `\n`, control characters other than newline and tab removed, outer white
/// space trimmed.
pub fn clean_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter(|&c| c == '\n' || c == '\t' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

/// The sealed report: serialized as JSON, padded and age-encrypted. Nothing of it is stored in
/// the clear.
#[derive(Serialize, Deserialize)]
pub struct ReportDocument {
    /// Format version, so later readers can tell documents apart.
    pub version: u32,
    pub school: String,
    pub category: Category,
    pub description: String,
    #[serde(rename = "where")]
    pub where_: String,
    pub when: String,
    pub involved: String,
    pub danger_now: Option<DangerNow>,
    pub lang: Lang,
    /// The evidence images sealed with this report, in the order of their numbers.
    #[serde(default)]
    pub attachments: Vec<AttachmentInfo>,
    pub received_on: String,
}

/// What the sealed document says about one evidence image, so an adviser's client can name the
/// file and cut the padding off. The pupil's file name is not kept: phones put the date and time
/// of day, and sometimes the device, in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    /// `image/png` or `image/jpeg`.
    #[serde(rename = "type")]
    pub media_type: MediaType,
    /// The image's length before padding.
    pub bytes: usize,
    pub width: u32,
    pub height: u32,
}

impl AttachmentInfo {
    pub fn of(image: &CleanImage) -> Self {
        AttachmentInfo {
            media_type: image.media_type,
            bytes: image.bytes.len(),
            width: image.width,
            height: image.height,
        }
    }
}

impl ReportDocument {
    pub fn new(
        school: &str,
        report: ValidReport,
        lang: Lang,
        received_on: String,
        attachments: Vec<AttachmentInfo>,
    ) -> Self {
        ReportDocument {
            version: 1,
            school: school.to_owned(),
            category: report.category,
            description: report.description,
            where_: report.where_,
            when: report.when,
            involved: report.involved,
            danger_now: report.danger_now,
            lang,
            attachments,
            received_on,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a report document always serializes")
    }

    /// True when `report` says exactly what this stored report says: the same form sent again
    /// (a refresh or a double tap), not an edited one.
    pub fn same_report(&self, report: &ValidReport) -> bool {
        self.category == report.category
            && self.description == report.description
            && self.where_ == report.where_
            && self.when == report.when
            && self.involved == report.involved
            && self.danger_now == report.danger_now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(description: &str) -> ReportForm {
        ReportForm {
            category: "bullying".into(),
            description: description.into(),
            ..ReportForm::default()
        }
    }

    #[test]
    fn a_plain_report_is_valid() {
        let r = form("  Ze pesten me in de groepsapp.\r\n")
            .validate()
            .ok()
            .unwrap();
        assert_eq!(r.category, Category::Bullying);
        assert_eq!(r.description, "Ze pesten me in de groepsapp.");
        assert_eq!(r.danger_now, None);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let f = ReportForm {
            category: "nonsense".into(),
            description: "   ".into(),
            where_: "x".repeat(WHERE_MAX + 1),
            danger_now: "maybe".into(),
            ..ReportForm::default()
        };
        let problems = f.validate().err().unwrap();
        assert!(problems.contains(&Problem::UnknownCategory));
        assert!(problems.contains(&Problem::DescriptionMissing));
        assert!(problems.contains(&Problem::UnknownDangerAnswer));
        assert!(problems.contains(&Problem::TooLong {
            field: Field::Where,
            chars: WHERE_MAX + 1,
            max: WHERE_MAX
        }));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(form(&"é".repeat(DESCRIPTION_MAX)).validate().is_ok());
        assert!(form(&"é".repeat(DESCRIPTION_MAX + 1)).validate().is_err());
    }

    #[test]
    fn missing_category_is_other() {
        let f = ReportForm {
            description: "iets".into(),
            ..ReportForm::default()
        };
        assert_eq!(f.validate().ok().unwrap().category, Category::Other);
    }

    #[test]
    fn slugs_round_trip_and_upload_rules_match_design() {
        for c in Category::ALL {
            assert_eq!(Category::from_slug(c.slug()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.slug()));
        }
        let forbidden: Vec<_> = Category::ALL
            .into_iter()
            .filter(|c| c.forbids_upload())
            .map(Category::slug)
            .collect();
        assert_eq!(forbidden, ["images_shared", "sextortion", "adult_contact"]);
    }

    #[test]
    fn the_largest_report_fits_the_largest_bucket() {
        let f = ReportForm {
            category: "other".into(),
            description: "\u{1F600}".repeat(DESCRIPTION_MAX),
            where_: "\"".repeat(WHERE_MAX),
            when: "\\".repeat(WHEN_MAX),
            involved: "\u{1F600}".repeat(INVOLVED_MAX),
            danger_now: "yes".into(),
        };
        let doc = ReportDocument::new(
            "demo",
            f.validate().ok().unwrap(),
            Lang::Nl,
            "2026-11-21".into(),
            Vec::new(),
        );
        assert!(doc.to_json().len() < 128 * 1024);
    }
}
