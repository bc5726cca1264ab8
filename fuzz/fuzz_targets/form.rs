//! The urlencoded pupil forms as the handlers read them: `web::form::FormBody::parse` (our own
//! parser; axum's `Form` is not used), then what `submit_report`, `check`, `follow_up` and
//! `confirm_code` do with the fields: `ReportForm::validate`, `validate_message`,
//! `PickupCode::parse`, `SubmissionToken::parse` and the `lang` field.
//!
//! Checks: no panic; a form that validates has a non-empty description, every field within
//! its limit and without control characters but newline and tab, and cleaning it again changes
//! nothing; an accepted message likewise; taking a field leaves it empty.
#![no_main]

use fluister::code::PickupCode;
use fluister::conversation::{MessageProblem, validate_message};
use fluister::i18n::Lang;
use fluister::intake::SubmissionToken;
use fluister::report::{
    DESCRIPTION_MAX, INVOLVED_MAX, ReportForm, WHEN_MAX, WHERE_MAX, clean_text,
};
use fluister::web::form::FormBody;
use libfuzzer_sys::fuzz_target;

fn clean_within(text: &str, max: usize) {
    assert!(text.chars().count() <= max);
    assert!(
        text.chars()
            .all(|c| c == '\n' || c == '\t' || !c.is_control())
    );
    assert_eq!(clean_text(text), text, "cleaning is idempotent");
}

fuzz_target!(|data: &[u8]| {
    let mut fields = FormBody::parse(data);
    let _ = fields.lang_or(Lang::default());
    // The report form, read as `submit_report` reads it.
    let form = ReportForm::from_fields(|name| fields.get(name));
    match form.validate() {
        Ok(valid) => {
            assert!(!valid.description.is_empty());
            clean_within(&valid.description, DESCRIPTION_MAX);
            clean_within(&valid.where_, WHERE_MAX);
            clean_within(&valid.when, WHEN_MAX);
            clean_within(&valid.involved, INVOLVED_MAX);
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
    let _ = SubmissionToken::parse(fields.get("t"));
    // The check, confirm and follow-up forms.
    let _ = PickupCode::parse(fields.get("code"));
    let _ = PickupCode::parse(fields.get("shown"));
    match validate_message(fields.get("message")) {
        Ok(text) => {
            assert!(!text.is_empty());
            clean_within(&text, fluister::conversation::MESSAGE_MAX);
        }
        Err(MessageProblem::Empty) => assert!(clean_text(fields.get("message")).is_empty()),
        Err(MessageProblem::TooLong { chars, max }) => assert!(chars > max),
    }
    // `follow_up` takes the text out of the form; what is left is empty.
    let had = !fields.get("message").is_empty();
    let taken = fields.take("message");
    assert_eq!(taken.is_some_and(|t| !t.is_empty()), had);
    assert_eq!(fields.get("message"), "");
});
