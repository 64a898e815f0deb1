//! Civil date-times as ONVIF devices state them, and their conversion to Unix seconds.

/// A date and time as the device stated it (no clock involved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl DateTime {
    /// Seconds since the Unix epoch, or `None` when the fields are out of range
    /// (year outside 1..=9999, an impossible month/day, hour > 23, minute > 59, second > 59).
    pub fn unix_seconds(&self) -> Option<i64> {
        if !(1..=9999).contains(&self.year)
            || !(1..=12).contains(&self.month)
            || self.day == 0
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 23
            || self.minute > 59
            || self.second > 59
        {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        let secs =
            i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second);
        Some(days * 86_400 + secs)
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
/// Inputs are range-checked by the caller, so nothing here can overflow.
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(year: i32, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> DateTime {
        DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    #[test]
    fn unix_seconds_table() {
        let cases = [
            (dt(1970, 1, 1, 0, 0, 0), Some(0)),
            (dt(1969, 12, 31, 23, 59, 59), Some(-1)),
            (dt(2000, 2, 29, 12, 0, 0), Some(951_825_600)),
            (dt(2010, 9, 16, 7, 50, 45), Some(1_284_623_445)),
            (dt(2018, 2, 27, 18, 10, 11), Some(1_519_755_011)),
            (dt(2038, 1, 19, 3, 14, 8), Some(2_147_483_648)),
            (dt(9999, 12, 31, 23, 59, 59), Some(253_402_300_799)),
            (dt(1, 1, 1, 0, 0, 0), Some(-62_135_596_800)),
            (dt(1900, 2, 29, 0, 0, 0), None),
            (dt(2023, 2, 29, 0, 0, 0), None),
            (dt(2024, 4, 31, 0, 0, 0), None),
            (dt(2024, 13, 1, 0, 0, 0), None),
            (dt(2024, 0, 1, 0, 0, 0), None),
            (dt(2024, 1, 0, 0, 0, 0), None),
            (dt(2024, 1, 1, 24, 0, 0), None),
            (dt(2024, 1, 1, 0, 60, 0), None),
            (dt(2024, 1, 1, 0, 0, 60), None),
            (dt(0, 1, 1, 0, 0, 0), None),
            (dt(i32::MAX, 1, 1, 0, 0, 0), None),
            (dt(i32::MIN, 1, 1, 0, 0, 0), None),
        ];
        for (input, want) in cases {
            assert_eq!(input.unix_seconds(), want, "{input:?}");
        }
    }
}
