//! Calendar dates for storage: the day only, as a Dutch school counts it (Europe/Amsterdam).
//!
//! DESIGN.md invariant 3: a stored time of day could be matched against a school's network log,
//! so storage only ever sees `YYYY-MM-DD`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// Today's date in the Netherlands.
pub fn today() -> String {
    format_date(amsterdam_date(OffsetDateTime::now_utc()))
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// True for a string of the shape `YYYY-MM-DD` that is a real date.
pub fn is_date(s: &str) -> bool {
    parse_date(s).is_some()
}

/// A string of the shape `YYYY-MM-DD` as a date, if it is a real one.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let m = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(y as i32, m, u8::try_from(d).ok()?).ok()
}

/// The date `days` after the date `YYYY-MM-DD`, written the same way.
pub fn add_days(date: &str, days: i64) -> Option<String> {
    let d = parse_date(date)?.checked_add(time::Duration::days(days))?;
    Some(format_date(d))
}

/// The calendar date in Europe/Amsterdam at the instant `now`.
///
/// The EU rule: summer time (UTC+2) from 01:00 UTC on the last Sunday of March to 01:00 UTC on
/// the last Sunday of October; UTC+1 otherwise. No tz database needed for one zone.
pub fn amsterdam_date(now: OffsetDateTime) -> Date {
    now.to_offset(amsterdam_offset(now)).date()
}

/// Europe/Amsterdam's offset from UTC at the instant `now` (the rule above).
pub fn amsterdam_offset(now: OffsetDateTime) -> UtcOffset {
    let now = now.to_offset(UtcOffset::UTC);
    let year = now.year();
    let start = last_sunday(year, Month::March)
        .with_hms(1, 0, 0)
        .expect("01:00:00 is a valid time")
        .assume_utc();
    let end = last_sunday(year, Month::October)
        .with_hms(1, 0, 0)
        .expect("01:00:00 is a valid time")
        .assume_utc();
    let hours = if now >= start && now < end { 2 } else { 1 };
    UtcOffset::from_hms(hours, 0, 0).expect("+1 and +2 hours are valid offsets")
}

/// The instant at which clocks in Amsterdam show `time` on `date`. A time that happens twice
/// (the hour repeated in October) is its first; a time that never happens (the hour skipped in
/// March) is taken as an hour later, when the clocks have caught up.
pub fn amsterdam_instant(date: Date, time: Time) -> OffsetDateTime {
    let local = PrimitiveDateTime::new(date, time);
    let winter = UtcOffset::from_hms(1, 0, 0).expect("+1 hour is a valid offset");
    let summer = UtcOffset::from_hms(2, 0, 0).expect("+2 hours is a valid offset");
    for offset in [summer, winter] {
        let instant = local.assume_offset(offset);
        if amsterdam_offset(instant) == offset {
            return instant.to_offset(UtcOffset::UTC);
        }
    }
    local.assume_offset(winter).to_offset(UtcOffset::UTC)
}

fn last_sunday(year: i32, month: Month) -> Date {
    let last_day = time::util::days_in_month(month, year);
    let mut d = Date::from_calendar_date(year, month, last_day).expect("last day of a month");
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day().expect("within the calendar range");
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn late_evening_utc_is_already_tomorrow_in_amsterdam() {
        // Winter: UTC+1.
        let d = amsterdam_date(datetime!(2026-11-21 23:30 UTC));
        assert_eq!(format_date(d), "2026-11-22");
        let d = amsterdam_date(datetime!(2026-11-21 22:59 UTC));
        assert_eq!(format_date(d), "2026-11-21");
        // Summer: UTC+2.
        let d = amsterdam_date(datetime!(2026-06-10 22:30 UTC));
        assert_eq!(format_date(d), "2026-06-11");
        let d = amsterdam_date(datetime!(2026-06-10 21:59 UTC));
        assert_eq!(format_date(d), "2026-06-10");
    }

    #[test]
    fn switches_on_the_last_sundays() {
        // 2026: summer time starts 29 March, ends 25 October, at 01:00 UTC.
        assert_eq!(last_sunday(2026, Month::March).day(), 29);
        assert_eq!(last_sunday(2026, Month::October).day(), 25);
        assert_eq!(
            format_date(amsterdam_date(datetime!(2026-03-29 22:30 UTC))),
            "2026-03-30"
        );
        assert_eq!(
            format_date(amsterdam_date(datetime!(2026-10-25 22:30 UTC))),
            "2026-10-25"
        );
    }

    #[test]
    fn clock_times_become_instants_across_both_switches() {
        let at = |d: &str, h, m| {
            amsterdam_instant(parse_date(d).unwrap(), Time::from_hms(h, m, 0).unwrap())
        };
        assert_eq!(at("2026-11-21", 8, 0), datetime!(2026-11-21 07:00 UTC));
        assert_eq!(at("2026-06-10", 8, 0), datetime!(2026-06-10 06:00 UTC));
        assert_eq!(at("2026-06-10", 0, 30), datetime!(2026-06-09 22:30 UTC));
        // 29 March 2026: 02:30 never shows; 25 October: 02:30 shows twice.
        assert_eq!(at("2026-03-29", 2, 30), datetime!(2026-03-29 01:30 UTC));
        assert_eq!(at("2026-03-29", 3, 30), datetime!(2026-03-29 01:30 UTC));
        assert_eq!(at("2026-10-25", 2, 30), datetime!(2026-10-25 00:30 UTC));
        assert_eq!(at("2026-10-25", 3, 30), datetime!(2026-10-25 02:30 UTC));
    }

    #[test]
    fn days_are_added_across_months_and_years() {
        assert_eq!(add_days("2026-11-28", 5).as_deref(), Some("2026-12-03"));
        assert_eq!(add_days("2026-12-30", 5).as_deref(), Some("2027-01-04"));
        assert_eq!(add_days("2028-02-27", 2).as_deref(), Some("2028-02-29"));
        assert_eq!(add_days("2026-02-30", 1), None);
    }

    #[test]
    fn dates_are_recognised() {
        assert!(is_date(&today()));
        assert!(is_date("2026-02-28"));
        assert!(!is_date("2026-02-30"));
        assert!(!is_date("2026-11-21T10:00"));
        assert!(!is_date("2026-11-21 10:00:00"));
    }
}
