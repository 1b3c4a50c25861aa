//! When the market is open. The default calendar never closes (a sandbox that works at 3 a.m.);
//! `Nyse` has regular hours in New York time, weekends, holidays and early closes.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::time::Timestamp;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CalendarKind {
    /// Sessions are UTC days back to back: always open, day orders expire at midnight UTC.
    #[default]
    Always,
    Nyse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub date: NaiveDate,
    pub open: Timestamp,
    pub close: Timestamp,
}

/// NYSE full-day closures, 2025–2028 (published by NYSE; extend yearly).
const NYSE_HOLIDAYS: &[(i32, u32, u32)] = &[
    (2025, 1, 1),
    (2025, 1, 9),
    (2025, 1, 20),
    (2025, 2, 17),
    (2025, 4, 18),
    (2025, 5, 26),
    (2025, 6, 19),
    (2025, 7, 4),
    (2025, 9, 1),
    (2025, 11, 27),
    (2025, 12, 25),
    (2026, 1, 1),
    (2026, 1, 19),
    (2026, 2, 16),
    (2026, 4, 3),
    (2026, 5, 25),
    (2026, 6, 19),
    (2026, 7, 3),
    (2026, 9, 7),
    (2026, 11, 26),
    (2026, 12, 25),
    (2027, 1, 1),
    (2027, 1, 18),
    (2027, 2, 15),
    (2027, 3, 26),
    (2027, 5, 31),
    (2027, 6, 18),
    (2027, 7, 5),
    (2027, 9, 6),
    (2027, 11, 25),
    (2027, 12, 24),
    (2028, 1, 17),
    (2028, 2, 21),
    (2028, 4, 14),
    (2028, 5, 29),
    (2028, 6, 19),
    (2028, 7, 4),
    (2028, 9, 4),
    (2028, 11, 23),
    (2028, 12, 25),
];

/// Days the NYSE closes at 13:00 New York time.
const NYSE_EARLY_CLOSES: &[(i32, u32, u32)] = &[
    (2025, 7, 3),
    (2025, 11, 28),
    (2025, 12, 24),
    (2026, 11, 27),
    (2026, 12, 24),
    (2027, 11, 26),
    (2028, 7, 3),
    (2028, 11, 24),
];

fn listed(list: &[(i32, u32, u32)], date: NaiveDate) -> bool {
    list.iter()
        .any(|&(y, m, d)| date.year() == y && date.month() == m && date.day() == d)
}

/// Hours New York is behind UTC on `date`: daylight time runs from the second Sunday of March
/// to the first Sunday of November (US rules since 2007). Sessions never straddle 2 a.m.
fn new_york_offset_hours(date: NaiveDate) -> i64 {
    let nth_sunday = |month: u32, n: u32| -> NaiveDate {
        NaiveDate::from_weekday_of_month_opt(date.year(), month, Weekday::Sun, n as u8)
            .unwrap_or(date)
    };
    let dst_start = nth_sunday(3, 2);
    let dst_end = nth_sunday(11, 1);
    if date >= dst_start && date < dst_end {
        4
    } else {
        5
    }
}

fn new_york(date: NaiveDate, hour: u32, minute: u32) -> Timestamp {
    let local = date.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN));
    Utc.from_utc_datetime(&local) + Duration::hours(new_york_offset_hours(date))
}

impl std::str::FromStr for CalendarKind {
    type Err = String;

    /// `always` or `nyse`, as `--calendar` takes them.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "always" => Ok(Self::Always),
            "nyse" => Ok(Self::Nyse),
            other => Err(format!(
                "unknown calendar {other:?}: expected always or nyse"
            )),
        }
    }
}

impl std::fmt::Display for CalendarKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Always => "always",
            Self::Nyse => "nyse",
        })
    }
}

/// Midnight in New York on `date`, where Alpaca stamps daily and longer bars.
pub fn new_york_midnight(date: NaiveDate) -> Timestamp {
    new_york(date, 0, 0)
}

/// The NYSE regular session on `date`, if any (generated history follows it whatever the
/// sandbox's own calendar).
pub fn new_york_session(date: NaiveDate) -> Option<Session> {
    CalendarKind::Nyse.session_on(date)
}

/// A UTC instant as New York wall-clock time (for `GET /v2/calendar`).
pub fn new_york_local(t: Timestamp) -> chrono::NaiveDateTime {
    (t - Duration::hours(new_york_offset_hours(t.date_naive()))).naive_utc()
}

impl CalendarKind {
    pub fn is_continuous(self) -> bool {
        self == Self::Always
    }

    /// The session held on `date`, if the market opens that day.
    pub fn session_on(self, date: NaiveDate) -> Option<Session> {
        match self {
            Self::Always => {
                let open = Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN));
                Some(Session {
                    date,
                    open,
                    close: open + Duration::days(1),
                })
            }
            Self::Nyse => {
                if matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
                    || listed(NYSE_HOLIDAYS, date)
                {
                    return None;
                }
                let close_hour = if listed(NYSE_EARLY_CLOSES, date) {
                    13
                } else {
                    16
                };
                Some(Session {
                    date,
                    open: new_york(date, 9, 30),
                    close: new_york(date, close_hour, 0),
                })
            }
        }
    }

    /// The session in progress at `now`, or else the next one to open.
    pub fn current_or_next(self, now: Timestamp) -> Session {
        // Start a day early: a New York session's UTC date can differ from its own date.
        let mut date = now.date_naive() - Duration::days(1);
        // A year of closures in a row cannot happen; the bound only guards the loop.
        for _ in 0..400 {
            if let Some(s) = self.session_on(date)
                && now < s.close
            {
                return s;
            }
            date += Duration::days(1);
        }
        let open = now + Duration::days(1);
        Session {
            date: open.date_naive(),
            open,
            close: open + Duration::days(1),
        }
    }

    pub fn is_open(self, now: Timestamp) -> bool {
        let s = self.current_or_next(now);
        s.open <= now && now < s.close
    }

    /// The next opening strictly after `now` (what Alpaca's clock calls `next_open`).
    pub fn next_open(self, now: Timestamp) -> Timestamp {
        let s = self.current_or_next(now);
        if s.open > now {
            s.open
        } else {
            self.current_or_next(s.close).open
        }
    }

    pub fn next_close(self, now: Timestamp) -> Timestamp {
        self.current_or_next(now).close
    }

    /// Sessions whose date lies in `[start, end]`, for `GET /v2/calendar`.
    pub fn sessions_between(self, start: NaiveDate, end: NaiveDate) -> Vec<Session> {
        let mut out = Vec::new();
        let mut date = start;
        while date <= end && out.len() < 5000 {
            if let Some(s) = self.session_on(date) {
                out.push(s);
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        out
    }

    /// The date of the session `n` sessions before `date` (for the 5-day day-trade window).
    /// The extended-hours day in progress at `now`, or the next one: `[start, end)`. NYSE:
    /// pre-market from 04:00, after-hours to 20:00 New York time (17:00 on an early close,
    /// four hours after it). The continuous calendar has none beyond its sessions.
    pub fn extended_day(self, now: Timestamp) -> (Timestamp, Timestamp) {
        match self {
            Self::Always => {
                let s = self.current_or_next(now);
                (s.open, s.close)
            }
            Self::Nyse => {
                let mut date = new_york_local(now).date() - Duration::days(1);
                for _ in 0..400 {
                    if let Some(s) = self.session_on(date) {
                        let start = new_york(date, 4, 0);
                        let end = s.close + Duration::hours(4);
                        if now < end {
                            return (start, end);
                        }
                    }
                    date += Duration::days(1);
                }
                let s = self.current_or_next(now);
                (s.open, s.close)
            }
        }
    }

    /// Whether `now` is within extended hours (pre-market, regular or after-hours).
    pub fn in_extended_hours(self, now: Timestamp) -> bool {
        let (start, end) = self.extended_day(now);
        start <= now && now < end
    }

    pub fn sessions_back(self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut d = date;
        let mut seen = 0;
        for _ in 0..400 {
            if seen >= n {
                break;
            }
            d -= Duration::days(1);
            if self.session_on(d).is_some() {
                seen += 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn t(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn extended_hours_run_from_4_to_20_new_york_time() {
        let c = CalendarKind::Nyse;
        // Monday 2026-11-30, EST (UTC-5): 04:00 = 09:00Z, 20:00 = 01:00Z the next day.
        assert_eq!(
            c.extended_day(t("2026-11-30T08:00:00Z")),
            (t("2026-11-30T09:00:00Z"), t("2026-12-01T01:00:00Z"))
        );
        assert!(!c.in_extended_hours(t("2026-11-30T08:59:59Z")));
        assert!(c.in_extended_hours(t("2026-11-30T09:00:00Z")));
        assert!(c.in_extended_hours(t("2026-12-01T00:59:59Z")));
        assert!(!c.in_extended_hours(t("2026-12-01T01:00:00Z")));
        // Friday 2026-11-27 closes at 13:00: after-hours end at 17:00 (22:00Z).
        assert!(c.in_extended_hours(t("2026-11-27T21:59:00Z")));
        assert!(!c.in_extended_hours(t("2026-11-27T22:00:00Z")));
        // Saturday: none; the next is Monday's.
        assert_eq!(
            c.extended_day(t("2026-11-28T15:00:00Z")).0,
            t("2026-11-30T09:00:00Z")
        );
    }

    #[test]
    fn calendar_names_parse_as_the_cli_spells_them() {
        assert_eq!("nyse".parse::<CalendarKind>(), Ok(CalendarKind::Nyse));
        assert_eq!(" Always".parse::<CalendarKind>(), Ok(CalendarKind::Always));
        assert!("lse".parse::<CalendarKind>().is_err());
        assert_eq!(CalendarKind::Nyse.to_string(), "nyse");
    }

    #[test]
    fn always_is_open_and_rolls_at_midnight_utc() {
        let c = CalendarKind::Always;
        assert!(c.is_open(t("2026-11-29T03:00:00Z")));
        assert_eq!(
            c.next_close(t("2026-11-29T03:00:00Z")),
            t("2026-11-30T00:00:00Z")
        );
        assert_eq!(
            c.next_open(t("2026-11-29T03:00:00Z")),
            t("2026-11-30T00:00:00Z")
        );
    }

    #[test]
    fn nyse_regular_hours_in_winter_and_summer() {
        let c = CalendarKind::Nyse;
        // Monday 2026-11-30, EST (UTC-5): 14:30–21:00 UTC.
        assert!(!c.is_open(t("2026-11-30T14:29:59Z")));
        assert!(c.is_open(t("2026-11-30T14:30:00Z")));
        assert!(!c.is_open(t("2026-11-30T21:00:00Z")));
        // Wednesday 2026-07-15, EDT (UTC-4): 13:30–20:00 UTC.
        assert!(c.is_open(t("2026-07-15T13:30:00Z")));
        assert!(!c.is_open(t("2026-07-15T20:00:00Z")));
    }

    #[test]
    fn nyse_weekends_holidays_and_early_closes() {
        let c = CalendarKind::Nyse;
        // Sunday 2026-11-29 → opens Monday.
        assert!(!c.is_open(t("2026-11-29T15:00:00Z")));
        assert_eq!(
            c.next_open(t("2026-11-29T15:00:00Z")),
            t("2026-11-30T14:30:00Z")
        );
        // Thanksgiving 2026-11-26 closed; the day after closes at 13:00 EST = 18:00 UTC.
        assert!(!c.is_open(t("2026-11-26T15:00:00Z")));
        assert_eq!(
            c.next_close(t("2026-11-27T15:00:00Z")),
            t("2026-11-27T18:00:00Z")
        );
        assert_eq!(
            c.sessions_between(
                NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
                NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
            )
            .len(),
            4
        );
    }
}
