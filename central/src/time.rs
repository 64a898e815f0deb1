//! Instants as whole UTC seconds: parsing RFC 3339 and calendar dates, formatting, day arithmetic.
//!
//! The ledger never reads a clock: every instant comes from a payload, an action or the caller.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, UtcOffset};

pub const DAY: i64 = 86_400;
pub const WEEK: i64 = 7 * DAY;

/// Seconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Ts(pub i64);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    #[error("{input:?} is not an RFC 3339 time or a YYYY-MM-DD date")]
    Unparsable { input: String },
}

impl Ts {
    /// RFC 3339 (`2026-11-29T06:00:00Z`, any offset) or a bare date, which means its midnight UTC.
    pub fn parse(s: &str) -> Result<Self, TimeError> {
        let s = s.trim();
        if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
            return Ok(Self(t.unix_timestamp()));
        }
        parse_date(s)
            .map(|d| Self(d.midnight().assume_utc().unix_timestamp()))
            .ok_or_else(|| TimeError::Unparsable {
                input: s.chars().take(64).collect(),
            })
    }

    /// A bare date means the end of that day (its last second), so `--as-at 2027-03-31` includes
    /// everything that happened on the 31st.
    pub fn parse_end_of_day(s: &str) -> Result<Self, TimeError> {
        let t = Self::parse(s)?;
        if parse_date(s.trim()).is_some() {
            Ok(Self(t.0 + DAY - 1))
        } else {
            Ok(t)
        }
    }

    /// Midnight UTC at the start of this instant's day.
    pub fn day_start(self) -> Self {
        Self(self.0.div_euclid(DAY) * DAY)
    }

    pub fn plus_days(self, days: i64) -> Self {
        Self(self.0.saturating_add(days.saturating_mul(DAY)))
    }

    pub fn rfc3339(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => t
                .to_offset(UtcOffset::UTC)
                .format(&Rfc3339)
                .unwrap_or_else(|_| self.0.to_string()),
            Err(_) => self.0.to_string(),
        }
    }

    /// `YYYY-MM-DD` of this instant's UTC day.
    pub fn date(self) -> String {
        match OffsetDateTime::from_unix_timestamp(self.0) {
            Ok(t) => {
                let d = t.date();
                format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
            }
            Err(_) => self.0.to_string(),
        }
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier), rounded down.
    pub fn days_until(self, later: Self) -> i64 {
        (later.0 - self.0).div_euclid(DAY)
    }
}

fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.splitn(3, '-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    if s.len() != 10 {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

impl<'de> Deserialize<'de> for Ts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_times_and_dates() {
        let cases = [
            ("2026-11-29T06:00:00Z", 1_795_932_000),
            ("2026-11-29T07:00:00+01:00", 1_795_932_000),
            ("2026-11-29", 1_795_910_400),
            ("1970-01-01", 0),
        ];
        for (input, want) in cases {
            assert_eq!(Ts::parse(input), Ok(Ts(want)), "{input}");
        }
        assert_eq!(
            Ts::parse_end_of_day("2026-11-29"),
            Ok(Ts(1_795_910_400 + DAY - 1))
        );
        assert_eq!(
            Ts::parse_end_of_day("2026-11-29T06:00:00Z"),
            Ok(Ts(1_795_932_000))
        );
        for bad in ["", "2026-13-01", "2026-02-30", "yesterday", "2026-1-1"] {
            assert!(Ts::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_and_counts_days() {
        let t = Ts(1_795_932_000);
        assert_eq!(t.rfc3339(), "2026-11-29T06:00:00Z");
        assert_eq!(t.date(), "2026-11-29");
        assert_eq!(t.day_start(), Ts(1_795_910_400));
        assert_eq!(t.days_until(t.plus_days(10)), 10);
        assert_eq!(t.plus_days(10).days_until(t), -10);
    }
}
