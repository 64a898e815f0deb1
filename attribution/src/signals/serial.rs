//! Serial-number layouts and hardware ids that belong to one maker's factory.

use super::pattern::P;
use super::{Trait, strong, weak};
use crate::makers::Maker;

/// Hikvision region codes after the manufacturing date in a serial number.
const HIK_REGIONS: &[&[u8]] = &[b"AAWR", b"CCWR", b"CCCH", b"AACH", b"BBWR"];

/// A recognised serial layout, with the parts worth naming in evidence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SerialTrait {
    pub(crate) t: Trait,
    pub(crate) detail: String,
}

/// Recognises the serial-number layout of `serial`.
pub(crate) fn layout(serial: &str) -> Option<SerialTrait> {
    let s = super::bounded(serial);
    hikvision(s).or_else(|| dahua(s)).or_else(|| uniview(s))
}

/// `<model><yyyymmdd><region><9+ chars>`: DS-2CD2012-I20140721AAWR... ,
/// CS-C6TC-32WFR0120170327CCCH738231995 (EZVIZ), CMIP7352W20170428AAWR756864499 (LTS).
fn hikvision(s: &str) -> Option<SerialTrait> {
    let b = s.as_bytes();
    for i in 0..b.len().saturating_sub(8 + 4 + 9 - 1) {
        let Some(date) = b.get(i..i + 8) else { break };
        if !date.iter().all(u8::is_ascii_digit) || !plausible_date(date) {
            continue;
        }
        let rest = P::new(b.get(i + 8..).unwrap_or_default());
        let Some(number) = rest.any(HIK_REGIONS) else {
            continue;
        };
        if number.alnum(9, 32).and_then(|q| q.end()).is_none() {
            continue;
        }
        let prefix = s.get(..i).unwrap_or_default();
        let region = s.get(i + 8..i + 12).unwrap_or_default();
        let d = s.get(i..i + 8).unwrap_or_default();
        let detail = format!(
            "Hikvision serial layout: '{prefix}' + date {}-{}-{} + region {region} + unit number",
            d.get(..4).unwrap_or_default(),
            d.get(4..6).unwrap_or_default(),
            d.get(6..).unwrap_or_default()
        );
        return Some(SerialTrait {
            t: strong(Maker::Hikvision, "Hikvision serial layout"),
            detail,
        });
    }
    None
}

fn plausible_date(d: &[u8]) -> bool {
    let num = |r: std::ops::Range<usize>| {
        d.get(r)
            .map(|x| x.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0')))
            .unwrap_or(0)
    };
    (2005..=2039).contains(&num(0..4))
        && (1..=12).contains(&num(4..6))
        && (1..=31).contains(&num(6..8))
}

/// 15 upper-case alphanumerics with a `PA`/`PH`/`ZA` pair at offset 7: 2J01018PAA00813,
/// 6C01E93PAG69A7D, BA07995PHA29A85, 4X7C5A1ZAG21L3F.
fn dahua(s: &str) -> Option<SerialTrait> {
    let b = s.as_bytes();
    let shape = b.len() == 15
        && b.iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    let pair = b.get(7..9)?;
    if !shape || !matches!(pair, b"PA" | b"PH" | b"ZA") {
        return None;
    }
    Some(SerialTrait {
        t: weak(Maker::Dahua, "Dahua serial layout"),
        detail: "Dahua serial layout: 15 characters with a factory code at position 8".to_owned(),
    })
}

/// 20 characters starting 2102: 210235T8HQ3197000191, 210231T2H63235000045.
fn uniview(s: &str) -> Option<SerialTrait> {
    P::new(s.as_bytes())
        .lit(b"2102")?
        .digits(2, 2)?
        .alnum(14, 14)?
        .end()?;
    Some(SerialTrait {
        t: weak(Maker::Uniview, "Uniview serial layout"),
        detail: "Uniview serial layout: 20 characters from 2102 (the BOM-code scheme Uniview shares with Huawei and H3C)"
            .to_owned(),
    })
}

/// Recognises a hardware id: Hikvision firmware reports the constant `88`.
pub(crate) fn hardware_id(id: &str) -> Option<Trait> {
    (id.trim() == "88").then_some(weak(
        Maker::Hikvision,
        "Hikvision firmware reports HardwareId 88",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_serial_numbers() {
        // Serials from protocol/fixtures/real and the sources in tests/data/identities.toml.
        let table: &[(&str, Option<Maker>)] = &[
            (
                "DS-2CD3T45P1-I20210803AACH248538890",
                Some(Maker::Hikvision),
            ),
            ("DS-2DF7286-A20140705CCWR471699220B", Some(Maker::Hikvision)),
            (
                "CS-C6TC-32WFR0120170327CCCH738231995",
                Some(Maker::Hikvision),
            ),
            ("CMIP7352W20170428AAWR756864499", Some(Maker::Hikvision)),
            (
                "ENP1A14-IR/25X20190430AAWRD14878498W",
                Some(Maker::Hikvision),
            ),
            ("DFI6256TE20190608AAWRD26707311", Some(Maker::Hikvision)),
            (
                "DS-7816H-SNH1620140125AACH450813722WCVU",
                Some(Maker::Hikvision),
            ),
            ("2J01018PAA00813", Some(Maker::Dahua)),
            ("BA07995PHA29A85", Some(Maker::Dahua)),
            ("4X7C5A1ZAG21L3F", Some(Maker::Dahua)),
            ("210235T8HQ3197000191", Some(Maker::Uniview)),
            ("210231T2H63235000045", Some(Maker::Uniview)),
            // Serial = MAC (Axis), masked, placeholders, other layouts.
            ("00408CFAB754", None),
            ("999999999999", None),
            ("12345679890", None),
            ("AMC094B09882D5F152", None),
            ("ZR5K70GR700007A", None),
            ("J250117", None),
            ("DS-2CD2042WD20190101", None),
            ("", None),
        ];
        for &(serial, want) in table {
            assert_eq!(layout(serial).map(|t| t.t.maker), want, "{serial}");
        }
        let d = layout("CMIP7352W20170428AAWR756864499").unwrap().detail;
        assert_eq!(
            d,
            "Hikvision serial layout: 'CMIP7352W' + date 2017-04-28 + region AAWR + unit number"
        );
    }

    #[test]
    fn hardware_ids() {
        assert_eq!(hardware_id("88").map(|t| t.maker), Some(Maker::Hikvision));
        for id in ["1.00", "727", "1C9.2", "F000B543", "880", ""] {
            assert_eq!(hardware_id(id), None, "{id}");
        }
    }
}
