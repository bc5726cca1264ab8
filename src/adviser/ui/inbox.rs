//! The inbox page: every case of the adviser's schools, unread first.

use axum::extract::{RawQuery, State};
use maud::Markup;

use super::session::{Csrf, query_param};
use super::views::{self, Flash};
use super::{UiError, UiState, blocking};
use crate::adviser::engine::{CaseSummary, InboxFilter};
use crate::store::Status;

/// The inbox order: someone in danger now first, then overdue cases (a pupil has waited too
/// long), then unread pupil messages, then the newest activity.
pub(super) fn inbox_order(cases: &mut [CaseSummary]) {
    cases.sort_by(|a, b| {
        views::in_danger(b)
            .cmp(&views::in_danger(a))
            .then_with(|| b.overdue.cmp(&a.overdue))
            .then_with(|| (b.unread > 0).cmp(&(a.unread > 0)))
            .then_with(|| b.last_activity.cmp(&a.last_activity))
            .then_with(|| b.received_on.cmp(&a.received_on))
    });
}

/// `GET /`: the inbox, optionally filtered by `?status=`.
pub(super) async fn inbox(
    State(state): State<UiState>,
    csrf: Csrf,
    RawQuery(q): RawQuery,
) -> Result<Markup, UiError> {
    let filter = query_param(q.as_deref(), "status").and_then(|s| Status::parse(&s));
    let flash = query_param(q.as_deref(), "flash").and_then(|f| Flash::from_param(&f));
    let ws = state.workstation(&csrf).await?;
    let mut inbox = blocking(move || Ok(ws.inbox(InboxFilter { status: filter })?)).await?;
    inbox_order(&mut inbox.cases);
    Ok(views::inbox(&state.frame(&csrf), &inbox, filter, flash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danger_then_overdue_then_unread_cases_come_first_then_the_newest_activity() {
        let row = |id: &str, activity: &str, unread| CaseSummary {
            overdue: false,
            overdue_since: None,
            schedule: Default::default(),
            id: crate::store::ReportId::parse(id).unwrap(),
            school: "demo".into(),
            received_on: "2026-01-01".into(),
            status: Status::Open,
            category: None,
            danger_now: None,
            lang: None,
            last_activity: activity.into(),
            messages: 1,
            attachments: 0,
            unread,
            readable: true,
            unopened: None,
            conversation_error: None,
            reseal_due: false,
        };
        let mut cases = vec![
            row("000000000000000a", "2026-03-01", 0),
            row("000000000000000b", "2026-01-05", 2),
            row("000000000000000c", "2026-04-01", 0),
            row("000000000000000d", "2026-02-01", 1),
            CaseSummary {
                overdue: true,
                overdue_since: Some("2026-01-06".into()),
                ..row("000000000000000e", "2026-01-01", 0)
            },
            CaseSummary {
                danger_now: Some(crate::report::DangerNow::Unsure),
                ..row("000000000000000f", "2025-12-01", 0)
            },
            CaseSummary {
                danger_now: Some(crate::report::DangerNow::Yes),
                status: Status::Closed,
                ..row("0000000000000010", "2025-11-01", 0)
            },
        ];
        inbox_order(&mut cases);
        let ids: Vec<String> = cases.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(
            ids,
            [
                "000000000000000f",
                "000000000000000e",
                "000000000000000d",
                "000000000000000b",
                "000000000000000c",
                "000000000000000a",
                "0000000000000010"
            ]
        );
    }
}
