//! The reseal from the browser: the inbox's and the case page's button seals every case of one
//! school again for its current team (adviser/reseal.rs does the work, on this computer).

use axum::extract::State;
use maud::Markup;

use super::session::CheckedForm;
use super::views;
use super::{UiError, UiState, blocking};
use crate::adviser::reseal::Accept;

/// `POST /reseal` (`school`, and `fingerprint` when the adviser accepts a changed list they
/// were shown): seals the school's cases again and shows what was done. Sending it again is
/// harmless: what is already sealed for the current team is skipped.
pub(super) async fn reseal(
    State(state): State<UiState>,
    mut form: CheckedForm,
) -> Result<Markup, UiError> {
    let school = form.take("school");
    if school.is_empty() {
        return Err(UiError::BadForm);
    }
    let shown = form.take("fingerprint");
    let csrf = form.csrf;
    let ws = state.workstation(&csrf).await?;
    let s = state.clone();
    blocking(move || {
        let accept = if shown.is_empty() {
            Accept::Nothing
        } else {
            Accept::Shown(&shown)
        };
        let outcomes = ws.reseal(Some(&school), false, accept, &mut |_| {})?;
        tracing::info!("resealed from the browser");
        Ok(views::resealed(&s.frame(&csrf), &outcomes))
    })
    .await
}
