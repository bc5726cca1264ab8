//! Retention: how long each school keeps a case, the date a case will be deleted, and the sweep
//! that deletes expired cases for real (DESIGN.md "Retention").
//!
//! A case is deleted `delete_closed_after_days` after the date it was closed, or
//! `delete_inactive_after_days` after its last activity (the day it arrived or its newest
//! message, notes included), whichever comes first, unless an adviser put it on legal hold.
//! The inactivity clock never starts before the day this install started keeping retention
//! (schema/0005_retention.sql), so an upgrade deletes nothing on the spot.
//!
//! The sweep runs at start and then once a day, shortly after midnight in the Netherlands.
//! Each case goes in one transaction of its own with `secure_delete` on, and afterwards the WAL
//! is checkpointed and truncated, so no ciphertext of a deleted case stays in any file of the
//! data folder. The log says how many cases went, never which.

use std::collections::HashMap;
use std::time::Duration;

use time::{Date, Month};

use crate::config::Config;
use crate::date;
use crate::store::{ReportId, RetentionFacts, Status, Store, StoreError};

/// Days a closed case is kept when the school's config does not say.
pub const DEFAULT_CLOSED_DAYS: u32 = 365;
/// Days a case without activity is kept when the school's config does not say.
pub const DEFAULT_INACTIVE_DAYS: u32 = 730;
/// The longest either period may be: a hundred years is "keep it", and keeps date sums sane.
const MAX_DAYS: i64 = 36_500;
/// How often the daily task looks at the date. Often enough that a sweep starts within
/// seconds after midnight, and after the clock was set or a suspended machine woke up.
const DATE_CHECK_EVERY: Duration = Duration::from_secs(10);
/// How long to wait before trying again after a sweep failed.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(300);

/// One school's retention periods, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Days after the date a case was closed.
    pub closed_days: u32,
    /// Days after a case's last activity.
    pub inactive_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            closed_days: DEFAULT_CLOSED_DAYS,
            inactive_days: DEFAULT_INACTIVE_DAYS,
        }
    }
}

impl Retention {
    /// The periods from a school's config, each at least one day; the error names the
    /// setting and says what to write (the caller adds which school).
    pub fn from_settings(closed: Option<i64>, inactive: Option<i64>) -> Result<Retention, String> {
        let pick = |name: &str, value: Option<i64>, default: u32, after: &str| match value {
            None => Ok(default),
            Some(n) if (1..=MAX_DAYS).contains(&n) => {
                Ok(u32::try_from(n).expect("at most MAX_DAYS"))
            }
            Some(n) => Err(format!(
                "{name} = {n}: a case is deleted this many days after {after}; use a whole \
                 number from 1 to {MAX_DAYS} (the default is {default})"
            )),
        };
        Ok(Retention {
            closed_days: pick(
                "delete_closed_after_days",
                closed,
                DEFAULT_CLOSED_DAYS,
                "it was closed",
            )?,
            inactive_days: pick(
                "delete_inactive_after_days",
                inactive,
                DEFAULT_INACTIVE_DAYS,
                "its last message (or its arrival)",
            )?,
        })
    }

    /// The date a case will be deleted (`YYYY-MM-DD`): the sweep of that day removes it.
    /// `None` for a case on hold, or one whose stored dates cannot be read (never deleted on a
    /// guess). `started_on` is the day this install started keeping retention.
    pub fn deletes_on(&self, facts: &RetentionFacts, started_on: &str) -> Option<String> {
        if facts.held {
            return None;
        }
        let last = parse_date(&facts.last_activity)?.max(parse_date(started_on)?);
        let inactive = add_days(last, self.inactive_days)?;
        let closed = match (facts.status, &facts.closed_on) {
            (Status::Closed, Some(on)) => Some(add_days(parse_date(on)?, self.closed_days)?),
            _ => None,
        };
        let on = closed.map_or(inactive, |c| c.min(inactive));
        Some(date::format_date(on))
    }
}

/// `YYYY-MM-DD` as a date.
fn parse_date(s: &str) -> Option<Date> {
    if !date::is_date(s) {
        return None;
    }
    let year = s[0..4].parse().ok()?;
    let month = Month::try_from(s[5..7].parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year, month, s[8..10].parse().ok()?).ok()
}

fn add_days(d: Date, days: u32) -> Option<Date> {
    d.checked_add(time::Duration::days(i64::from(days)))
}

/// Every school's retention, as the sweep and the views need it.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    by_school: HashMap<String, Retention>,
}

impl Policy {
    pub fn from_config(config: &Config) -> Policy {
        Policy {
            by_school: config
                .schools
                .iter()
                .map(|s| (s.slug.clone(), s.retention))
                .collect(),
        }
    }

    /// The retention of `school`. A school no longer in the config keeps the defaults: its
    /// cases are deleted on the usual terms rather than kept for ever.
    pub fn of(&self, school: &str) -> Retention {
        self.by_school.get(school).copied().unwrap_or_default()
    }

    /// The one retention every school shares, when they all share one; what a page that does
    /// not know the pupil's school (a code that opens nothing) can say.
    pub fn shared(&self) -> Option<Retention> {
        let mut all = self.by_school.values();
        let first = *all.next()?;
        all.all(|r| *r == first).then_some(first)
    }
}

/// A case's retention as advisers see it (the adviser API, the inbox). Every field is
/// optional when read, so a client still reads a server from before retention.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Schedule {
    /// The date the case was closed; `None` unless it is closed.
    pub closed_on: Option<String>,
    /// On legal hold: never deleted until taken off.
    pub held: bool,
    /// The date it will be deleted; `None` while it is held.
    pub deletes_on: Option<String>,
}

/// The schedules of the given reports, by id (a report that is gone has none).
pub async fn schedules(
    store: &Store,
    policy: &Policy,
    ids: Vec<ReportId>,
) -> Result<HashMap<ReportId, Schedule>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let started_on = store.retention_started_on().await?;
    Ok(store
        .retention_facts(Some(ids))
        .await?
        .into_iter()
        .map(|f| {
            let schedule = Schedule {
                deletes_on: policy.of(&f.school).deletes_on(&f, &started_on),
                closed_on: f.closed_on,
                held: f.held,
            };
            (f.id, schedule)
        })
        .collect())
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Cases deleted.
    pub deleted: usize,
    /// Cases past their date but on hold, so kept.
    pub held: usize,
    /// False when the WAL could not be truncated yet (a reader, such as a backup, was busy):
    /// the daily task tries again.
    pub checkpointed: bool,
}

/// Deletes every case whose date has come by `today` and that is not on hold, one transaction
/// each, then truncates the WAL.
pub async fn sweep(store: &Store, policy: &Policy, today: &str) -> Result<Swept, StoreError> {
    let started_on = store.retention_started_on().await?;
    let mut swept = Swept {
        checkpointed: true,
        ..Swept::default()
    };
    for facts in store.retention_facts(None).await? {
        let retention = policy.of(&facts.school);
        let due = move |f: &RetentionFacts, started_on: &str, today: &str| {
            retention
                .deletes_on(f, started_on)
                .is_some_and(|on| on.as_str() <= today)
        };
        if facts.held {
            let unheld = RetentionFacts {
                held: false,
                ..facts.clone()
            };
            if due(&unheld, &started_on, today) {
                swept.held += 1;
            }
            continue;
        }
        if !due(&facts, &started_on, today) {
            continue;
        }
        // Checked again inside the deleting transaction: the pupil may have written, or an
        // adviser put the case on hold, since it was read here.
        let (s, t) = (started_on.clone(), today.to_owned());
        let check = Box::new(move |now: &RetentionFacts| due(now, &s, &t));
        if store.delete_if(facts.id, check).await? {
            swept.deleted += 1;
        }
    }
    if swept.deleted > 0 {
        swept.checkpointed = store.checkpoint().await?;
    }
    Ok(swept)
}

/// Sweeps at start, then on every new date (Europe/Amsterdam), for as long as the server runs.
/// `last` is the date of a sweep already done, if any.
pub async fn run_daily(store: Store, policy: Policy, mut last: Option<String>) {
    let mut tick = tokio::time::interval(DATE_CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut checkpoint_due = false;
    let mut wait_until = tokio::time::Instant::now();
    loop {
        tick.tick().await;
        if tokio::time::Instant::now() < wait_until {
            continue;
        }
        let today = date::today();
        if last.as_deref() != Some(today.as_str()) {
            match sweep_and_log(&store, &policy, &today).await {
                Ok(swept) => {
                    last = Some(today);
                    checkpoint_due = !swept.checkpointed;
                }
                Err(()) => wait_until = tokio::time::Instant::now() + RETRY_AFTER_FAILURE,
            }
        } else if checkpoint_due {
            checkpoint_due = !matches!(store.checkpoint().await, Ok(true));
            if !checkpoint_due {
                tracing::info!("retention: the write-ahead log is truncated now");
            }
        }
    }
}

/// One sweep, logged as counts for the day (never an id). `Err` is already logged.
pub async fn sweep_and_log(store: &Store, policy: &Policy, today: &str) -> Result<Swept, ()> {
    match sweep(store, policy, today).await {
        Ok(swept) => {
            tracing::info!(
                deleted = swept.deleted,
                kept_on_hold = swept.held,
                date = today,
                "retention sweep"
            );
            if !swept.checkpointed {
                tracing::warn!(
                    "retention: the write-ahead log could not be truncated yet (a backup may be \
                     reading); trying again shortly"
                );
            }
            Ok(swept)
        }
        Err(e) => {
            tracing::error!(error = %e, "retention sweep failed; trying again in 5 minutes");
            Err(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: Status, closed_on: Option<&str>, last: &str, held: bool) -> RetentionFacts {
        RetentionFacts {
            id: ReportId::parse("0123456789abcdef").unwrap(),
            school: "demo".into(),
            status,
            closed_on: closed_on.map(str::to_owned),
            held,
            last_activity: last.into(),
        }
    }

    #[test]
    fn settings_are_checked_and_errors_name_them() {
        assert_eq!(
            Retention::from_settings(None, None).unwrap(),
            Retention::default()
        );
        let r = Retention::from_settings(Some(30), Some(60)).unwrap();
        assert_eq!((r.closed_days, r.inactive_days), (30, 60));
        let e = Retention::from_settings(Some(0), None).unwrap_err();
        assert!(e.contains("delete_closed_after_days = 0"), "{e}");
        let e = Retention::from_settings(None, Some(-5)).unwrap_err();
        assert!(e.contains("delete_inactive_after_days = -5"), "{e}");
        assert!(Retention::from_settings(Some(MAX_DAYS + 1), None).is_err());
    }

    #[test]
    fn a_closed_case_goes_a_set_number_of_days_after_closing() {
        let r = Retention::default();
        let f = facts(Status::Closed, Some("2026-12-01"), "2026-11-20", false);
        assert_eq!(
            r.deletes_on(&f, "2026-01-01").as_deref(),
            Some("2027-12-01")
        );
        // Inactivity comes first when it is shorter.
        let short = Retention {
            closed_days: 365,
            inactive_days: 100,
        };
        assert_eq!(
            short.deletes_on(&f, "2026-01-01").as_deref(),
            Some("2027-02-28")
        );
    }

    #[test]
    fn an_open_case_goes_after_inactivity_counted_from_no_earlier_than_the_start() {
        let r = Retention::default();
        let f = facts(Status::Open, None, "2020-01-01", false);
        assert_eq!(
            r.deletes_on(&f, "2026-12-01").as_deref(),
            Some("2028-11-30")
        );
        let f = facts(Status::New, None, "2027-03-01", false);
        assert_eq!(
            r.deletes_on(&f, "2026-12-01").as_deref(),
            Some("2029-02-28")
        );
    }

    #[test]
    fn held_and_unreadable_cases_have_no_date() {
        let r = Retention::default();
        assert_eq!(
            r.deletes_on(
                &facts(Status::Closed, Some("2026-12-01"), "2026-12-01", true),
                "2026-01-01"
            ),
            None
        );
        assert_eq!(
            r.deletes_on(
                &facts(Status::Open, None, "2026-13-01", false),
                "2026-01-01"
            ),
            None
        );
    }

    #[test]
    fn a_shared_retention_is_only_one_every_school_has() {
        let mut p = Policy::default();
        assert_eq!(p.shared(), None);
        p.by_school.insert("a".into(), Retention::default());
        p.by_school.insert("b".into(), Retention::default());
        assert_eq!(p.shared(), Some(Retention::default()));
        p.by_school.insert(
            "c".into(),
            Retention {
                closed_days: 30,
                inactive_days: 730,
            },
        );
        assert_eq!(p.shared(), None);
        assert_eq!(p.of("gone"), Retention::default());
    }
}
