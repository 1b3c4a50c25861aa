//! The engine's clock type, alone so that every engine module can name it without importing
//! the order vocabulary (`types`), and timestamps written and read as text without chrono's
//! formatter and parser.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{IntoDeserializer, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, always UTC.
pub type Timestamp = DateTime<Utc>;

/// A timestamp as the 30 ASCII bytes of `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (Alpaca's form),
/// for years 0 to 9999 and no leap second (`None` otherwise: chrono's own rules apply there).
/// The date comes from the day number in one step (Howard Hinnant's `civil_from_days`): asking
/// chrono for year, month and day one by one cost each answer a few hundred instructions per
/// timestamp. The last day's date is kept for the next timestamp: a page of minute
/// bars has 390 to a day, and working the date out once per day instead of per bar was a
/// tenth of a 10,000-bar page's time.
#[derive(Default)]
pub(crate) struct Rfc3339Days {
    /// The day number and its `YYYY-MM-DD`.
    last: Option<(i64, [u8; 10])>,
}

impl Rfc3339Days {
    pub(crate) fn bytes(&mut self, t: Timestamp) -> Option<[u8; 30]> {
        let nanos = t.timestamp_subsec_nanos();
        if nanos > 999_999_999 {
            return None; // a leap second
        }
        let secs = t.timestamp();
        let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let mut b = *b"0000-00-00T00:00:00.000000000Z";
        match self.last {
            Some((last, date)) if last == days => b[..10].copy_from_slice(&date),
            _ => {
                let (year, month, day) = civil_from_days(days);
                let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
                digits(&mut b[0..4], year);
                digits(&mut b[5..7], month);
                digits(&mut b[8..10], day);
                let mut date = [0; 10];
                date.copy_from_slice(&b[..10]);
                self.last = Some((days, date));
            }
        }
        // `of_day` is in 0..86_400.
        let of_day = of_day as u32;
        digits(&mut b[11..13], of_day / 3600);
        digits(&mut b[14..16], of_day / 60 % 60);
        digits(&mut b[17..19], of_day % 60);
        digits(&mut b[20..29], nanos);
        Some(b)
    }
}

/// (year, month, day) of the proleptic Gregorian calendar for days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of the 400-year era, 0..146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `v` in decimal, zero-padded to fill `out` (its high digits dropped if it does not fit).
/// Two digits per division, from a table (timestamps are most of an answer's digits).
pub(crate) fn digits(out: &mut [u8], mut v: u32) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
                                2021222324252627282930313233343536373839\
                                4041424344454647484950515253545556575859\
                                6061626364656667686970717273747576777879\
                                8081828384858687888990919293949596979899";
    let mut rest = out;
    while let [head @ .., a, b] = rest {
        let pair = (v % 100) as usize * 2;
        (*a, *b) = (PAIRS[pair], PAIRS[pair + 1]);
        v /= 100;
        rest = head;
    }
    if let [d] = rest {
        *d = b'0' + (v % 10) as u8;
    }
}

/// Serializes a timestamp exactly as chrono's own `Serialize` does (`…T15:00:00.000001Z`: the
/// fraction in groups of three digits, none when whole), without its formatter: timestamps
/// were a fifth of a snapshot's encoding through `fmt`. For `#[serde(serialize_with)]`.
pub(crate) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    let Some(mut b) = Rfc3339Days::default().bytes(*t) else {
        return t.serialize(s);
    };
    let nanos = t.timestamp_subsec_nanos();
    let end = if nanos == 0 {
        19
    } else if nanos.is_multiple_of(1_000_000) {
        23
    } else if nanos.is_multiple_of(1_000) {
        26
    } else {
        29
    };
    b[end] = b'Z';
    match std::str::from_utf8(&b[..=end]) {
        Ok(text) => s.serialize_str(text),
        Err(_) => t.serialize(s),
    }
}

/// The instant `text` names if it is in the form `serialize` writes for years 0 to 9999
/// (`YYYY-MM-DDTHH:MM:SS`, a fraction of 1 to 9 digits or none, `Z`); `None` for anything else,
/// which chrono then reads by its own rules (offsets, leap seconds, other years, errors).
fn parse_utc(text: &[u8]) -> Option<Timestamp> {
    let num = |digits: &[u8]| -> Option<u32> {
        digits.iter().try_fold(0u32, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
        })
    };
    let (head, tail) = text.split_at_checked(19)?;
    if [head[4], head[7], head[10], head[13], head[16]] != *b"--T::" {
        return None;
    }
    let nanos = match tail {
        [b'Z'] => 0,
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => {
            num(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let (hour, minute, second) = (
        num(&head[11..13])?,
        num(&head[14..16])?,
        num(&head[17..19])?,
    );
    if second > 59 {
        return None; // a leap second: chrono's rules
    }
    NaiveDate::from_ymd_opt(
        num(&head[..4])? as i32,
        num(&head[5..7])?,
        num(&head[8..10])?,
    )?
    .and_hms_nano_opt(hour, minute, second, nanos)
    .map(|t| t.and_utc())
}

/// Reads a timestamp exactly as chrono's own `Deserialize` does, without its parser for the
/// form `serialize` writes: parsing them through chrono was a seventh of a restart's reading of
/// an image. For `#[serde(deserialize_with)]`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    struct Text;
    impl Visitor<'_> for Text {
        type Value = Timestamp;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an RFC 3339 date and time")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Timestamp, E> {
            match parse_utc(text.as_bytes()) {
                Some(t) => Ok(t),
                None => Timestamp::deserialize(text.into_deserializer()),
            }
        }
    }
    d.deserialize_str(Text)
}

/// `serialize` and `deserialize` for an optional timestamp (as chrono's: `None` as serde's
/// none).
pub(crate) mod option {
    use super::Timestamp;
    use serde::de::Visitor;
    use serde::{Deserializer, Serializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        struct Maybe;
        impl<'de> Visitor<'de> for Maybe {
            type Value = Option<Timestamp>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an RFC 3339 date and time or nothing")
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                super::deserialize(d).map(Some)
            }
        }
        d.deserialize_option(Maybe)
    }

    pub(crate) fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&super::Text(t)),
            None => s.serialize_none(),
        }
    }
}

/// A borrowed timestamp that serializes through `serialize`, where a value rather than a
/// `serialize_with` function is needed (`serialize_some`, a hand-written struct's field).
pub(crate) struct Text<'a>(pub(crate) &'a Timestamp);

impl Serialize for Text<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(self.0, s)
    }
}

/// Timestamps that test text forms against chrono's: the ends of its fast range (years 0 and
/// 9999), beyond it, a leap second, every fraction length, 2,000 odd instants between 1970 and
/// 2100 and 20,000 whole seconds from -100 to 10099, leap days and the ends of days.
#[cfg(test)]
pub(crate) fn sample_times() -> Vec<Timestamp> {
    use chrono::TimeZone;
    let mut cases: Vec<Timestamp> = vec![
        Utc.with_ymd_and_hms(2026, 12, 5, 3, 4, 5).unwrap(),
        Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(-1, 6, 15, 12, 0, 0).unwrap(),
        Utc.timestamp_opt(1_700_000_000, 1).unwrap(),
        Utc.timestamp_opt(1_700_000_000, 999_999_999).unwrap(),
        Utc.timestamp_opt(1_700_000_000, 120_000_000).unwrap(),
        Utc.timestamp_opt(1_700_000_000, 120_500_000).unwrap(),
        Utc.timestamp_opt(1_700_000_000, 120_500_001).unwrap(),
        Utc.timestamp_opt(1_700_000_000, 1_000).unwrap(),
        // A leap second: chrono writes it as second 60.
        Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
    ];
    // Spread over the years the sandbox sees, odd nanoseconds included.
    let mut x: i64 = 1;
    for _ in 0..2_000 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let secs = x.rem_euclid(4_102_444_800); // 1970 to 2100
        let nanos = u32::try_from(x.rem_euclid(1_000_000_000)).unwrap();
        cases.push(Utc.timestamp_opt(secs, nanos).unwrap());
    }
    // Every year from -100 to 10099 (the byte path covers 0 to 9999), leap days and
    // the ends of days, months and centuries.
    const YEAR_0: i64 = -62_167_219_200;
    const YEAR_10100: i64 = 256_557_974_400;
    for _ in 0..20_000 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let secs = (YEAR_0 - 3_155_760_000) + x.rem_euclid(YEAR_10100 - YEAR_0 + 3_155_760_000);
        cases.push(Utc.timestamp_opt(secs, 0).unwrap());
    }
    for (y, m, d) in [
        (0, 2, 29),
        (1900, 2, 28),
        (1900, 3, 1),
        (2000, 2, 29),
        (2100, 3, 1),
        (1969, 12, 31),
        (9999, 12, 31),
    ] {
        let day = Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
        cases.push(day);
        cases.push(day - chrono::Duration::nanoseconds(1));
        cases.push(day + chrono::Duration::nanoseconds(86_400_000_000_000 - 1));
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_fill_their_width_zero_padded_and_keep_the_low_ones() {
        for width in 1..=10 {
            for v in [
                0,
                7,
                42,
                100,
                999,
                1_000,
                123_456_789,
                999_999_999,
                u32::MAX,
            ] {
                let mut out = vec![b'x'; width];
                digits(&mut out, v);
                let full = format!("{v:0>10}");
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    full[10 - width..],
                    "{v} in {width}"
                );
            }
        }
    }

    /// Every text chrono reads or refuses, ours reads to the same instant or refuses too:
    /// the forms `serialize` writes for the sample instants, every fraction length, and odd
    /// ones (offsets, lower case, leap seconds, impossible dates, other years, garbage).
    #[test]
    fn timestamps_read_as_chrono_reads_them() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Fast {
            #[serde(deserialize_with = "deserialize")]
            at: Timestamp,
            #[serde(deserialize_with = "option::deserialize")]
            maybe: Option<Timestamp>,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Chrono {
            at: Timestamp,
            maybe: Option<Timestamp>,
        }
        let mut texts: Vec<String> = Vec::new();
        for t in sample_times() {
            let written = serde_json::to_value(t)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned();
            // The same second with every fraction length, 1 to 10 digits.
            if let Some(whole) = written.get(..19) {
                let nanos = format!("{:09}", t.timestamp_subsec_nanos());
                for n in 1..=9 {
                    texts.push(format!("{whole}.{}Z", &nanos[..n]));
                }
                texts.push(format!("{whole}.{nanos}0Z"));
            }
            texts.push(written);
        }
        for odd in [
            "2026-12-05T03:04:05+02:00",
            "2026-12-05T03:04:05.5-00:30",
            "2026-12-05t03:04:05z",
            "2026-12-05 03:04:05Z",
            "2016-12-31T23:59:60Z",
            "2016-12-31T23:59:60.5Z",
            "2026-12-05T03:04:05.Z",
            "2026-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-12-00T00:00:00Z",
            "2026-12-05T24:00:00Z",
            "2026-12-05T23:60:00Z",
            "+10000-01-01T00:00:00Z",
            "-0001-06-15T12:00:00Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "",
            "Z",
            "2026-12-05T03:04:05",
            "2026-12-05T03:04:05ZZ",
            "2026-12-05T03:04:05.+1Z",
            "2026-12-05T03:04:0\u{ff15}Z",
            " 2026-12-05T03:04:05Z",
            "2026/12/05T03:04:05Z",
            "20261205T030405Z",
        ] {
            texts.push(odd.to_owned());
        }
        let mut read = 0;
        for text in &texts {
            for maybe in [None, Some(text)] {
                let value = serde_json::json!({ "at": text, "maybe": maybe });
                let json = value.to_string();
                match (
                    serde_json::from_str::<Fast>(&json),
                    serde_json::from_str::<Chrono>(&json),
                ) {
                    (Ok(f), Ok(c)) => {
                        assert_eq!((f.at, f.maybe), (c.at, c.maybe), "{json}");
                        read += 1;
                    }
                    (Err(_), Err(_)) => {}
                    (f, c) => panic!("{json}: ours {f:?}, chrono's {c:?}"),
                }
                let packed = rmp_serde::to_vec_named(&value).unwrap();
                assert_eq!(
                    rmp_serde::from_slice::<Fast>(&packed)
                        .ok()
                        .map(|f| (f.at, f.maybe)),
                    rmp_serde::from_slice::<Chrono>(&packed)
                        .ok()
                        .map(|c| (c.at, c.maybe)),
                    "{text}"
                );
            }
        }
        assert!(read > texts.len(), "{read} of {} read", 2 * texts.len());
    }

    #[test]
    fn timestamps_serialize_as_chrono_serializes_them() {
        #[derive(Serialize)]
        struct Fast {
            #[serde(serialize_with = "serialize")]
            at: Timestamp,
            #[serde(serialize_with = "option::serialize")]
            maybe: Option<Timestamp>,
        }
        #[derive(Serialize)]
        struct Chrono {
            at: Timestamp,
            maybe: Option<Timestamp>,
        }
        for t in sample_times() {
            for maybe in [Some(t), None] {
                let fast = serde_json::to_string(&Fast { at: t, maybe }).unwrap();
                assert_eq!(
                    fast,
                    serde_json::to_string(&Chrono { at: t, maybe }).unwrap()
                );
                let named = rmp_serde::to_vec_named(&Fast { at: t, maybe }).unwrap();
                assert_eq!(
                    named,
                    rmp_serde::to_vec_named(&Chrono { at: t, maybe }).unwrap()
                );
            }
        }
    }
}
