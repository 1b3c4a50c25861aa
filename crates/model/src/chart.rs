//! The net worth chart's geometry, pure and native-testable (the wasm UI draws what this
//! computes): a real time axis with ticks at sensible dates and times for the span, a value
//! axis with round steps, and lines downsampled to the pixel width (M4: the first, lowest,
//! highest and last point of each pixel column, so no peak is lost).
//!
//! Floats are pixel positions only; the figures shown elsewhere are the exact decimals.

use crate::net_worth::EquityPoint;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Timelike, Utc};
use rust_decimal::prelude::ToPrimitive;
use std::fmt::Write;

/// One tick: where it is (pixels along its axis) and its label.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub at: f64,
    pub label: String,
}

/// A drawn chart: one SVG path per line (in the order given) and the axes' ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub paths: Vec<String>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    /// Points drawn, after downsampling (all lines).
    pub drawn: usize,
}

/// The plot area inside the SVG (room on the left for values, below for times).
pub const MARGIN_LEFT: f64 = 64.0;
pub const MARGIN_BOTTOM: f64 = 22.0;
pub const MARGIN_TOP: f64 = 8.0;
pub const MARGIN_RIGHT: f64 = 8.0;

/// Lays out `lines` (each oldest first) over `[start, end]` in a `width`×`height` SVG; tick
/// labels in the time zone `offset`.
pub fn layout(
    lines: &[&[EquityPoint]],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    width: f64,
    height: f64,
    offset: FixedOffset,
) -> Layout {
    let plot_w = (width - MARGIN_LEFT - MARGIN_RIGHT).max(1.0);
    let plot_h = (height - MARGIN_TOP - MARGIN_BOTTOM).max(1.0);
    let columns = plot_w.floor().max(1.0) as usize;
    let sampled: Vec<Vec<(f64, f64)>> = lines.iter().map(|l| m4(l, start, end, columns)).collect();
    let (mut lo, mut hi) = sampled
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let (y_lo, y_hi, step) = nice_range(lo, hi, 5);
    let y = |v: f64| MARGIN_TOP + plot_h - plot_h * (v - y_lo) / (y_hi - y_lo);
    let x = |col: f64| MARGIN_LEFT + col * plot_w / columns as f64;
    let mut drawn = 0;
    let paths = sampled
        .iter()
        .map(|pts| {
            drawn += pts.len();
            let mut d = String::with_capacity(pts.len() * 16);
            for (i, (c, v)) in pts.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if i == 0 { 'M' } else { 'L' },
                    x(*c),
                    y(*v)
                );
            }
            d
        })
        .collect();
    let span = (end - start).num_milliseconds().max(1) as f64;
    let max_x_ticks = ((plot_w / 90.0).floor() as usize).max(2);
    let x_ticks = time_ticks(start, end, max_x_ticks, offset)
        .into_iter()
        .map(|(t, label)| Tick {
            at: MARGIN_LEFT + plot_w * (t - start).num_milliseconds() as f64 / span,
            label,
        })
        .collect();
    let mut y_ticks = Vec::new();
    let mut v = y_lo;
    while v <= y_hi + step / 2.0 {
        y_ticks.push(Tick {
            at: y(v),
            label: value_label(v, step),
        });
        v += step;
    }
    Layout {
        width,
        height,
        paths,
        x_ticks,
        y_ticks,
        drawn,
    }
}

/// M4 downsampling to `columns` pixel columns over `[start, end]`: per column the first, the
/// lowest, the highest and the last point, in time order. Points before `start` are drawn at
/// the left edge (a line starts with the value it had), after `end` at the right edge.
/// Answers (column, value) pairs.
pub fn m4(
    points: &[EquityPoint],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    columns: usize,
) -> Vec<(f64, f64)> {
    let span = (end - start).num_milliseconds().max(1) as f64;
    let last_col = columns.saturating_sub(1);
    let mut out: Vec<(f64, f64)> = Vec::new();
    // The current column's (index, value) of first, min, max, last.
    let mut current: Option<(usize, [(usize, f64); 4])> = None;
    let flush = |out: &mut Vec<(f64, f64)>, col: usize, picks: [(usize, f64); 4]| {
        let mut picks = picks;
        picks.sort_by_key(|p| p.0);
        let mut last_i = usize::MAX;
        for (i, v) in picks {
            if i != last_i {
                out.push((col as f64, v));
                last_i = i;
            }
        }
    };
    for (i, p) in points.iter().enumerate() {
        let Some(v) = p.equity.to_f64() else { continue };
        let frac = (p.time - start).num_milliseconds() as f64 / span;
        let col = ((frac * columns as f64).floor().max(0.0) as usize).min(last_col);
        match &mut current {
            Some((c, picks)) if *c == col => {
                if v < picks[1].1 {
                    picks[1] = (i, v);
                }
                if v > picks[2].1 {
                    picks[2] = (i, v);
                }
                picks[3] = (i, v);
            }
            _ => {
                if let Some((c, picks)) = current.take() {
                    flush(&mut out, c, picks);
                }
                current = Some((col, [(i, v); 4]));
            }
        }
    }
    if let Some((c, picks)) = current {
        flush(&mut out, c, picks);
    }
    out
}

/// Round bounds around `[lo, hi]` and a step of 1, 2 or 5 × 10ⁿ giving at most about
/// `count` intervals.
pub fn nice_range(lo: f64, hi: f64, count: usize) -> (f64, f64, f64) {
    let (lo, hi) = if (hi - lo).abs() < f64::EPSILON {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.01 };
        (lo - pad, hi + pad)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((lo / step).floor() * step, (hi / step).ceil() * step, step)
}

/// A value axis label: grouped thousands, decimals only when the step needs them.
pub fn value_label(v: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10().floor()) as usize
    };
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A tick step: a fixed length, or whole months.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Hours(i64),
    Days(i64),
    Months(u32),
}

const STEPS: [Step; 15] = [
    Step::Hours(1),
    Step::Hours(3),
    Step::Hours(6),
    Step::Hours(12),
    Step::Days(1),
    Step::Days(2),
    Step::Days(7),
    Step::Days(14),
    Step::Months(1),
    Step::Months(3),
    Step::Months(6),
    Step::Months(12),
    Step::Months(24),
    Step::Months(60),
    Step::Months(120),
];

impl Step {
    fn approx_secs(self) -> i64 {
        match self {
            Step::Hours(h) => h * 3600,
            Step::Days(d) => d * 86_400,
            Step::Months(m) => i64::from(m) * 30 * 86_400,
        }
    }
}

/// Ticks on `[start, end]` at round local times: hours for a day, days for a week or a
/// month, months for a year, years beyond; at most `max` of them. Labels: `09:00` (or the date
/// at midnight), `Dec 4`, `Mar` (the year on January), `2026`.
pub fn time_ticks(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    max: usize,
    offset: FixedOffset,
) -> Vec<(DateTime<Utc>, String)> {
    let span = (end - start).num_seconds().max(1);
    let step = STEPS
        .into_iter()
        .find(|s| span / s.approx_secs() < max.max(1) as i64)
        .unwrap_or(Step::Months(120));
    let local_start = start.with_timezone(&offset);
    let mut out = Vec::new();
    match step {
        Step::Hours(h) => {
            let first = local_start
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .and_then(|m| offset.from_local_datetime(&m).single());
            let Some(mut t) = first else { return out };
            while t.with_timezone(&Utc) <= end {
                if t.with_timezone(&Utc) >= start {
                    let label = if t.hour() == 0 {
                        t.format("%b %-d").to_string()
                    } else {
                        t.format("%H:%M").to_string()
                    };
                    out.push((t.with_timezone(&Utc), label));
                }
                t += Duration::hours(h);
            }
        }
        Step::Days(d) => {
            let first = local_start
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .and_then(|m| offset.from_local_datetime(&m).single());
            let Some(mut t) = first else { return out };
            // Weekly ticks fall on Mondays.
            if d >= 7 {
                let back = i64::from(t.weekday().num_days_from_monday());
                t -= Duration::days(back);
            }
            while t.with_timezone(&Utc) <= end {
                if t.with_timezone(&Utc) >= start {
                    out.push((t.with_timezone(&Utc), t.format("%b %-d").to_string()));
                }
                t += Duration::days(d);
            }
        }
        Step::Months(m) => {
            let mut index = local_start.year() * 12 + local_start.month0() as i32;
            // Round up to a multiple of the step (quarters start in Jan, Apr, …).
            let m = m as i32;
            index = (index + m - 1).div_euclid(m) * m;
            loop {
                let (y, mo) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
                let Some(t) = NaiveDate::from_ymd_opt(y, mo, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|d| offset.from_local_datetime(&d).single())
                else {
                    break;
                };
                let utc = t.with_timezone(&Utc);
                if utc > end {
                    break;
                }
                if utc >= start {
                    let label = if m >= 12 || mo == 1 {
                        t.format("%Y").to_string()
                    } else {
                        t.format("%b").to_string()
                    };
                    out.push((utc, label));
                }
                index += m;
            }
        }
    }
    out
}

/// The layout as a standalone SVG document (what the benchmark measures end to end, and a
/// way to look at a chart outside the app).
pub fn to_svg(l: &Layout) -> String {
    let mut s = String::with_capacity(l.drawn * 14 + 1024);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}">"#,
        l.width, l.height
    );
    for t in &l.y_ticks {
        let _ = write!(
            s,
            r#"<line x1="{MARGIN_LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="silver"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            l.width - MARGIN_RIGHT,
            t.at,
            t.at,
            MARGIN_LEFT - 4.0,
            t.at + 4.0,
            t.label
        );
    }
    for t in &l.x_ticks {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            t.at,
            l.height - 6.0,
            t.label
        );
    }
    for d in &l.paths {
        let _ = write!(s, r#"<path d="{d}" fill="none" stroke="black"/>"#);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn utc() -> FixedOffset {
        FixedOffset::east_opt(0).unwrap()
    }

    fn labels(ticks: &[(DateTime<Utc>, String)]) -> Vec<&str> {
        ticks.iter().map(|t| t.1.as_str()).collect()
    }

    #[test]
    fn a_day_is_ticked_in_hours_and_midnight_shows_the_date() {
        let ticks = time_ticks(
            at("2026-12-03T15:10:00Z"),
            at("2026-12-04T15:10:00Z"),
            8,
            utc(),
        );
        assert_eq!(
            labels(&ticks),
            vec!["18:00", "Dec 4", "06:00", "12:00"],
            "six-hourly: the first step with fewer than 8 ticks"
        );
        assert_eq!(ticks[1].0, at("2026-12-04T00:00:00Z"));
    }

    #[test]
    fn a_week_is_ticked_in_days_and_a_month_on_mondays() {
        let week = time_ticks(
            at("2026-11-27T15:00:00Z"),
            at("2026-12-04T15:00:00Z"),
            8,
            utc(),
        );
        assert_eq!(
            labels(&week),
            vec![
                "Nov 28", "Nov 29", "Nov 30", "Dec 1", "Dec 2", "Dec 3", "Dec 4"
            ]
        );
        let month = time_ticks(
            at("2026-11-04T15:00:00Z"),
            at("2026-12-04T15:00:00Z"),
            8,
            utc(),
        );
        assert_eq!(labels(&month), vec!["Nov 9", "Nov 16", "Nov 23", "Nov 30"]);
        assert!(
            month
                .iter()
                .all(|(t, _)| t.weekday() == chrono::Weekday::Mon)
        );
    }

    #[test]
    fn a_year_is_ticked_in_months_with_the_year_on_january_and_years_beyond() {
        let year = time_ticks(
            at("2025-12-04T15:00:00Z"),
            at("2026-12-04T15:00:00Z"),
            8,
            utc(),
        );
        assert_eq!(labels(&year), vec!["2026", "Apr", "Jul", "Oct"], "quarters");
        let five = time_ticks(
            at("2021-12-04T15:00:00Z"),
            at("2026-12-04T15:00:00Z"),
            8,
            utc(),
        );
        assert_eq!(labels(&five), vec!["2022", "2023", "2024", "2025", "2026"]);
    }

    #[test]
    fn ticks_follow_the_time_zone() {
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        let ticks = time_ticks(
            at("2026-12-03T15:10:00Z"),
            at("2026-12-04T15:10:00Z"),
            8,
            tokyo,
        );
        // Midnight in Tokyo is 15:00 UTC.
        assert_eq!(ticks[0].0, at("2026-12-03T21:00:00Z"));
        assert_eq!(ticks[0].1, "06:00");
    }

    fn daily(n: usize, start: DateTime<Utc>) -> Vec<EquityPoint> {
        (0..n)
            .map(|i| EquityPoint {
                time: start + Duration::days(i as i64),
                equity: Decimal::from(((i * 7919) % 1000) as i64 + 100_000),
            })
            .collect()
    }

    #[test]
    fn m4_keeps_each_columns_extremes_and_ends() {
        let start = at("2021-01-01T00:00:00Z");
        let pts = daily(1826, start);
        let end = pts.last().unwrap().time;
        let out = m4(&pts, start, end, 100);
        assert!(out.len() <= 400, "at most 4 per column: {}", out.len());
        let max = pts
            .iter()
            .map(|p| p.equity)
            .max()
            .unwrap()
            .to_f64()
            .unwrap();
        let min = pts
            .iter()
            .map(|p| p.equity)
            .min()
            .unwrap()
            .to_f64()
            .unwrap();
        assert!(out.iter().any(|p| p.1 == max), "the peak survives");
        assert!(out.iter().any(|p| p.1 == min), "the trough survives");
        assert_eq!(out.first().unwrap().1, pts[0].equity.to_f64().unwrap());
        assert_eq!(out.last().unwrap().1, pts[1825].equity.to_f64().unwrap());
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
    }

    #[test]
    fn points_before_the_range_start_at_the_left_edge() {
        let start = at("2026-12-01T00:00:00Z");
        let pts = [
            EquityPoint {
                time: at("2026-11-01T00:00:00Z"),
                equity: Decimal::from(5),
            },
            EquityPoint {
                time: at("2026-12-02T00:00:00Z"),
                equity: Decimal::from(6),
            },
        ];
        let out = m4(&pts, start, at("2026-12-03T00:00:00Z"), 10);
        assert_eq!(out, vec![(0.0, 5.0), (5.0, 6.0)]);
    }

    #[test]
    fn value_axes_are_round_and_labelled_with_grouped_thousands() {
        assert_eq!(
            nice_range(100_123.0, 100_987.0, 5),
            (100_000.0, 101_000.0, 200.0)
        );
        assert_eq!(value_label(101_000.0, 200.0), "101,000");
        assert_eq!(value_label(-1_234.5, 0.5), "-1,234.5");
        let (lo, hi, _) = nice_range(50.0, 50.0, 5);
        assert!(lo < 50.0 && hi > 50.0, "a flat line gets room");
    }

    #[test]
    fn five_years_of_ten_accounts_lay_out_within_the_pixel_budget() {
        let start = at("2021-12-04T00:00:00Z");
        let lines: Vec<Vec<EquityPoint>> = (0..10).map(|_| daily(1827, start)).collect();
        let refs: Vec<&[EquityPoint]> = lines.iter().map(Vec::as_slice).collect();
        let l = layout(
            &refs,
            start,
            at("2026-12-04T00:00:00Z"),
            800.0,
            240.0,
            utc(),
        );
        assert_eq!(l.paths.len(), 10);
        let columns = (800.0 - MARGIN_LEFT - MARGIN_RIGHT) as usize;
        assert!(l.drawn <= 10 * 4 * columns, "{}", l.drawn);
        assert!(
            l.x_ticks
                .iter()
                .all(|t| t.at >= MARGIN_LEFT && t.at <= 800.0)
        );
        assert!(to_svg(&l).starts_with("<svg"));
    }
}
