//! MAC prefix lookup: the built-in IEEE table of camera makers and brand owners, and an
//! optional full IEEE registry loaded at run time for everyone else.
//!
//! Matching is by exact registered name (see `scripts/refresh-oui`), never by substring, and
//! the most specific assignment wins: MA-S (36 bits), then MA-M (28), then MA-L (24).

use std::collections::HashMap;
use std::fmt;

use camaudit_protocol::mac::Mac;

use crate::makers::Maker;
use crate::oui_table::{ORGS, PREFIXES, SOURCE_DATE};

/// Date of the IEEE files the built-in table was generated from (`scripts/refresh-oui`).
pub const TABLE_DATE: &str = SOURCE_DATE;

/// A curated IEEE registrant (generated into `oui_table.rs`).
pub(crate) struct Org {
    pub(crate) name: &'static str,
    pub(crate) role: OrgRole,
    pub(crate) note: Option<&'static str>,
}

/// What a curated registration says about a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OrgRole {
    /// The registrant made the hardware.
    Maker(Maker),
    /// The registrant sells under this brand; the hardware is often an OEM's.
    Brand(&'static str),
}

/// The IEEE registry an assignment comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Registry {
    /// MA-L, 24-bit prefix (the classic OUI).
    MaL,
    /// MA-M, 28-bit prefix.
    MaM,
    /// MA-S, 36-bit prefix (also the old IAB blocks).
    MaS,
}

impl Registry {
    pub fn bits(self) -> u8 {
        match self {
            Self::MaL => 24,
            Self::MaM => 28,
            Self::MaS => 36,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MaL => "MA-L",
            Self::MaM => "MA-M",
            Self::MaS => "MA-S",
        }
    }

    fn from_bits(bits: u8) -> Option<Self> {
        match bits {
            24 => Some(Self::MaL),
            28 => Some(Self::MaM),
            36 => Some(Self::MaS),
            _ => None,
        }
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One assignment that covers a MAC address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OuiEntry<'a> {
    pub registry: Registry,
    /// The registered organisation name, exactly as IEEE spells it.
    pub organization: &'a str,
    /// The maker, when the organisation is a curated camera maker.
    pub maker: Option<Maker>,
    /// The brand, when the organisation is a curated brand owner (hardware often an OEM's).
    pub brand: Option<&'static str>,
    pub(crate) note: Option<&'static str>,
}

const PROBE_ORDER: [u8; 3] = [36, 28, 24];

fn mask(mac: u64, bits: u8) -> u64 {
    let shift = 48u32.saturating_sub(u32::from(bits));
    (mac >> shift) << shift
}

fn curated(name: &str) -> Option<&'static Org> {
    ORGS.iter().find(|o| o.name == name)
}

fn entry_for<'a>(
    registry: Registry,
    organization: &'a str,
    org: Option<&'static Org>,
) -> OuiEntry<'a> {
    let (maker, brand) = match org.map(|o| o.role) {
        Some(OrgRole::Maker(m)) => (Some(m), None),
        Some(OrgRole::Brand(b)) => (None, Some(b)),
        None => (None, None),
    };
    OuiEntry {
        registry,
        organization,
        maker,
        brand,
        note: org.and_then(|o| o.note),
    }
}

/// Looks a MAC up in the built-in table of curated registrants.
///
/// Locally administered and group addresses carry no OUI and return `None`.
pub fn lookup(mac: &Mac) -> Option<OuiEntry<'static>> {
    if mac.is_local() || mac.is_multicast() {
        return None;
    }
    let value = mac.as_u64();
    for bits in PROBE_ORDER {
        let key = (mask(value, bits), bits);
        if let Ok(i) = PREFIXES.binary_search_by(|&(p, b, _)| (p, b).cmp(&key)) {
            let org = PREFIXES
                .get(i)
                .and_then(|&(_, _, o)| ORGS.get(usize::from(o)))?;
            let registry = Registry::from_bits(bits)?;
            return Some(entry_for(registry, org.name, Some(org)));
        }
    }
    None
}

/// The prefix of `mac` that `registry` assigns, as text: `44:19:b6`, `40:2c:76:1`.
pub(crate) fn prefix_text(mac: &Mac, registry: Registry) -> String {
    let nibbles = usize::from(registry.bits() / 4);
    let mut out = String::with_capacity(nibbles + nibbles / 2);
    for (i, byte) in mac.0.iter().enumerate() {
        for (j, nibble) in [byte >> 4, byte & 0x0f].into_iter().enumerate() {
            let n = i * 2 + j;
            if n >= nibbles {
                return out;
            }
            if n > 0 && n % 2 == 0 {
                out.push(':');
            }
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

/// Why an IEEE registry file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OuiError {
    #[error("IEEE registry file too large: {len} bytes (limit {max})")]
    TooLarge { len: usize, max: usize },
    #[error("IEEE registry file has too many rows (limit {max})")]
    TooManyRows { max: usize },
    #[error("IEEE registry file: header is not 'Registry,Assignment,Organization Name,...'")]
    BadHeader,
    #[error("IEEE registry file, record {record}: {reason}")]
    BadRow { record: usize, reason: &'static str },
}

/// A full IEEE registry (any mix of `oui.csv`, `mam.csv`, `oui36.csv`, `iab.csv`), loaded at
/// run time so that devices of makers outside the built-in table get their registrant named.
///
/// Registrants outside the curated list are named in evidence but never become a maker: a
/// NIC's registrant is often a module vendor, not the camera's maker.
#[derive(Clone, Debug, Default)]
pub struct OuiRegistry {
    /// (prefix left-aligned to 48 bits, bits, index into `orgs`), sorted after every load.
    entries: Vec<(u64, u8, u32)>,
    orgs: Vec<String>,
    org_index: HashMap<String, u32>,
}

impl OuiRegistry {
    /// Largest file accepted by one call (the 2022 `oui.csv` is 3 MB).
    pub const MAX_INPUT: usize = 32 << 20;
    /// Most assignments held in total.
    pub const MAX_ROWS: usize = 400_000;

    pub fn new() -> Self {
        Self::default()
    }

    /// Parses the contents of one IEEE CSV file.
    pub fn from_csv(text: &str) -> Result<Self, OuiError> {
        let mut r = Self::new();
        r.extend_csv(text)?;
        Ok(r)
    }

    /// Adds the contents of another IEEE CSV file.
    pub fn extend_csv(&mut self, text: &str) -> Result<(), OuiError> {
        if text.len() > Self::MAX_INPUT {
            return Err(OuiError::TooLarge {
                len: text.len(),
                max: Self::MAX_INPUT,
            });
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = CsvRecords::new(text);
        let header = records
            .next()
            .ok_or(OuiError::BadHeader)?
            .map_err(|_| OuiError::BadHeader)?;
        if header.first().map(|s| s.trim()) != Some("Registry")
            || header.get(1).map(|s| s.trim()) != Some("Assignment")
        {
            return Err(OuiError::BadHeader);
        }
        for (n, record) in records.enumerate() {
            let number = n + 2;
            let fields = record.map_err(|reason| OuiError::BadRow {
                record: number,
                reason,
            })?;
            if fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let (Some(reg), Some(hex), Some(org)) = (fields.first(), fields.get(1), fields.get(2))
            else {
                return Err(OuiError::BadRow {
                    record: number,
                    reason: "fewer than 3 fields",
                });
            };
            let bits: u8 = match reg.trim() {
                "MA-L" => 24,
                "MA-M" => 28,
                "MA-S" | "IAB" => 36,
                // Other registries (CID) do not identify hardware makers.
                _ => continue,
            };
            let hex = hex.trim();
            if hex.len() * 4 != usize::from(bits) {
                return Err(OuiError::BadRow {
                    record: number,
                    reason: "assignment length does not match its registry",
                });
            }
            let value = u64::from_str_radix(hex, 16).map_err(|_| OuiError::BadRow {
                record: number,
                reason: "assignment is not hexadecimal",
            })?;
            if self.entries.len() >= Self::MAX_ROWS {
                return Err(OuiError::TooManyRows {
                    max: Self::MAX_ROWS,
                });
            }
            let org_id = self.intern(org.trim());
            self.entries
                .push((value << (48 - u32::from(bits)), bits, org_id));
        }
        self.entries.sort_unstable();
        self.entries.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        Ok(())
    }

    fn intern(&mut self, org: &str) -> u32 {
        if let Some(&i) = self.org_index.get(org) {
            return i;
        }
        // Bounded by MAX_ROWS, so the index always fits.
        let i = u32::try_from(self.orgs.len()).unwrap_or(u32::MAX);
        self.orgs.push(org.to_owned());
        self.org_index.insert(org.to_owned(), i);
        i
    }

    /// Number of assignments held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The most specific assignment covering `mac`.
    pub fn lookup(&self, mac: &Mac) -> Option<OuiEntry<'_>> {
        if mac.is_local() || mac.is_multicast() {
            return None;
        }
        let value = mac.as_u64();
        for bits in PROBE_ORDER {
            let key = (mask(value, bits), bits);
            if let Ok(i) = self.entries.binary_search_by(|&(p, b, _)| (p, b).cmp(&key)) {
                let (_, _, org_id) = *self.entries.get(i)?;
                let name = self.orgs.get(usize::try_from(org_id).ok()?)?;
                return Some(entry_for(Registry::from_bits(bits)?, name, curated(name)));
            }
        }
        None
    }
}

/// A bounded RFC 4180 record reader: quoted fields may hold commas, doubled quotes and newlines.
struct CsvRecords<'a> {
    rest: &'a str,
}

const MAX_FIELDS: usize = 16;
const MAX_FIELD_LEN: usize = 4096;

impl<'a> CsvRecords<'a> {
    fn new(text: &'a str) -> Self {
        Self { rest: text }
    }

    fn record(&mut self) -> Result<Vec<String>, &'static str> {
        let mut fields = Vec::with_capacity(4);
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = self.rest.char_indices().peekable();
        let mut end = self.rest.len();
        while let Some((i, c)) = chars.next() {
            if quoted {
                if c == '"' {
                    if chars.peek().map(|&(_, n)| n) == Some('"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    field.push(c);
                }
            } else {
                match c {
                    '"' if field.is_empty() => quoted = true,
                    ',' => fields.push(std::mem::take(&mut field)),
                    '\r' if chars.peek().map(|&(_, n)| n) == Some('\n') => {}
                    '\n' => {
                        end = i + 1;
                        break;
                    }
                    _ => field.push(c),
                }
            }
            if field.len() > MAX_FIELD_LEN {
                return Err("field longer than 4096 bytes");
            }
            if fields.len() >= MAX_FIELDS {
                return Err("more than 16 fields");
            }
        }
        if quoted {
            return Err("unterminated quoted field");
        }
        fields.push(field);
        self.rest = self.rest.get(end..).unwrap_or("");
        Ok(fields)
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = Result<Vec<String>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let r = self.record();
        if r.is_err() {
            // A malformed record ends the file: the caller reports it.
            self.rest = "";
        }
        Some(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> Mac {
        Mac::parse(s).unwrap()
    }

    #[test]
    fn built_in_table_maps_exact_registrants() {
        // (MAC, registry, registered name, maker, brand) — values from the IEEE 2022 CSVs and
        // from the real captures named in protocol/fixtures/real/SOURCES.md.
        let table = [
            (
                "44:19:b6:3e:ba:a1",
                Registry::MaL,
                "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                Some(Maker::Hikvision),
                None,
            ),
            (
                "54:c4:15:9a:38:74",
                Registry::MaL,
                "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                Some(Maker::Hikvision),
                None,
            ),
            (
                "58:8f:cf:00:00:01",
                Registry::MaL,
                "Hangzhou Ezviz Software Co.,Ltd.",
                Some(Maker::Hikvision),
                None,
            ),
            (
                "24:b1:05:00:00:01",
                Registry::MaL,
                "Prama Hikvision India Private Limited",
                Some(Maker::Hikvision),
                None,
            ),
            (
                "08:ed:ed:87:42:7a",
                Registry::MaL,
                "Zhejiang Dahua Technology Co., Ltd.",
                Some(Maker::Dahua),
                None,
            ),
            (
                "e4:24:6c:00:00:01",
                Registry::MaL,
                "Zhejiang Dahua Technology Co., Ltd.",
                Some(Maker::Dahua),
                None,
            ),
            (
                "90:6a:94:00:00:01",
                Registry::MaL,
                "hangzhou huacheng network technology co., ltd",
                Some(Maker::Dahua),
                None,
            ),
            (
                "00:40:8c:fa:b7:54",
                Registry::MaL,
                "AXIS COMMUNICATIONS AB",
                Some(Maker::Axis),
                None,
            ),
            (
                "b8:a4:4f:26:43:7d",
                Registry::MaL,
                "Axis Communications AB",
                Some(Maker::Axis),
                None,
            ),
            (
                "00:09:18:6b:71:d7",
                Registry::MaL,
                "SAMSUNG TECHWIN CO.,LTD",
                Some(Maker::HanwhaVision),
                None,
            ),
            (
                "00:02:d1:00:00:01",
                Registry::MaL,
                "Vivotek, Inc.",
                Some(Maker::Vivotek),
                None,
            ),
            (
                "00:13:e2:00:00:01",
                Registry::MaL,
                "GeoVision Inc.",
                Some(Maker::GeoVision),
                None,
            ),
            (
                "00:04:7d:0e:b8:5c",
                Registry::MaL,
                "Motorola Solutions Inc.",
                Some(Maker::MotorolaSolutions),
                None,
            ),
            (
                "ec:71:db:aa:59:cf",
                Registry::MaL,
                "Reolink Innovation Limited",
                Some(Maker::Reolink),
                None,
            ),
            (
                "f0:7d:68:09:9f:ca",
                Registry::MaL,
                "D-Link Corporation",
                Some(Maker::DLink),
                None,
            ),
            (
                "58:e8:76:01:00:00",
                Registry::MaM,
                "Zhuhai Raysharp Technology Co.,Ltd",
                Some(Maker::Raysharp),
                None,
            ),
            (
                "10:dc:b6:50:00:00",
                Registry::MaM,
                "Milesight Taiwan",
                Some(Maker::Milesight),
                None,
            ),
            (
                "3c:8c:f8:00:00:01",
                Registry::MaL,
                "TRENDnet, Inc.",
                None,
                Some("TRENDnet"),
            ),
            (
                "14:2f:fd:02:1a:36",
                Registry::MaL,
                "LT SECURITY INC",
                None,
                Some("LTS"),
            ),
            (
                "9c:8e:cd:00:00:01",
                Registry::MaL,
                "Amcrest Technologies",
                None,
                Some("Amcrest"),
            ),
        ];
        for (m, registry, org, maker, brand) in table {
            let e = lookup(&mac(m)).unwrap_or_else(|| panic!("{m} not found"));
            assert_eq!(
                (e.registry, e.organization, e.maker, e.brand),
                (registry, org, maker, brand),
                "{m}"
            );
        }
    }

    #[test]
    fn traps_and_unknown_prefixes_do_not_map() {
        // 40:2c:76:1 Shanghai Dahua Scale Factory (MA-M), 7c:82:74 Shenzhen Hikeen,
        // 44:6f:d8:a Zhejiang Hikailink (MA-M), 00:23:2e Kedah Electronics Engineering,
        // 70:b3:d5:98:7 AXIS CORPORATION (Japan, MA-S), 50:62:55:7 AVTECH Software (US, MA-M),
        // 78:a5:dd Shenzhen Smarteye (the generic 631GA camera).
        for m in [
            "40:2c:76:10:00:01",
            "7c:82:74:00:00:01",
            "44:6f:d8:a0:00:01",
            "00:23:2e:00:00:01",
            "70:b3:d5:98:70:01",
            "50:62:55:70:00:01",
            "78:a5:dd:0f:95:93",
        ] {
            assert_eq!(lookup(&mac(m)), None, "{m}");
        }
    }

    #[test]
    fn local_and_group_addresses_have_no_oui() {
        // 44:19:b6 with the locally-administered bit, and with the group bit.
        assert_eq!(lookup(&mac("46:19:b6:00:00:01")), None);
        assert_eq!(lookup(&mac("45:19:b6:00:00:01")), None);
    }

    #[test]
    fn prefix_text_follows_the_registry_length() {
        let m = mac("40:2c:76:1a:bc:de");
        assert_eq!(prefix_text(&m, Registry::MaL), "40:2c:76");
        assert_eq!(prefix_text(&m, Registry::MaM), "40:2c:76:1");
        assert_eq!(prefix_text(&m, Registry::MaS), "40:2c:76:1a:b");
    }

    #[test]
    fn table_is_sorted_and_indexes_are_valid() {
        assert!(PREFIXES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            PREFIXES
                .iter()
                .all(|&(_, b, o)| Registry::from_bits(b).is_some() && usize::from(o) < ORGS.len())
        );
        // Every curated maker family the issue asks for has assignments in the table.
        for maker in [
            Maker::Hikvision,
            Maker::Dahua,
            Maker::Uniview,
            Maker::Tvt,
            Maker::Tiandy,
            Maker::Sunell,
            Maker::Kedacom,
            Maker::Raysharp,
            Maker::Hytera,
            Maker::Huawei,
            Maker::Zte,
            Maker::Milesight,
            Maker::Reolink,
            Maker::TpLink,
            Maker::Axis,
            Maker::Bosch,
            Maker::HanwhaVision,
            Maker::Vivotek,
            Maker::GeoVision,
            Maker::Acti,
            Maker::MotorolaSolutions,
            Maker::Sony,
            Maker::Panasonic,
            Maker::Canon,
            Maker::Mobotix,
            Maker::Flir,
        ] {
            let n = PREFIXES
                .iter()
                .filter(|&&(_, _, o)| {
                    ORGS.get(usize::from(o)).map(|g| g.role) == Some(OrgRole::Maker(maker))
                })
                .count();
            assert!(n > 0, "{maker} has no assignment");
        }
    }

    // Rows copied from the Debian ieee-data 2022 files, with IEEE's CRLF line ends and one
    // real quoted address that spans two lines (Aviva Links).
    const SAMPLE_OUI: &str = "Registry,Assignment,Organization Name,Organization Address\r\n\
MA-L,4419B6,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",\"No.469,Jianghui Road Hangzhou Zhejiang CN 310052 \"\r\n\
MA-L,C404D8,Aviva Links Inc.,\"160 E Tasman Dr\nSTE 102 SAN JOSE CA US 95134 \"\r\n\
MA-L,00232E,\"Kedah Electronics Engineering, LLC\",\"Zelenograd, 445 Moscow  RU 124498 \"\r\n\
MA-L,7C8274,\"Shenzhen Hikeen Technology CO.,LTD\",\"15rd floor,unit1,Building A of Kexing Science Park Shenzhen GuangDong CN 518057 \"\r\n\
MA-L,402C76,IEEE Registration Authority,445 Hoes Lane Piscataway NJ US 08554 \r\n";
    const SAMPLE_MAM: &str = "Registry,Assignment,Organization Name,Organization Address\r\n\
MA-M,402C761,Shanghai Dahua Scale Factory,\"No.1013 Wangqiao Road,Pudong New District Shanghai Shanghai CN 201201 \"\r\n\
MA-M,446FD8A,\"ZHEJIANG HIKAILINK TECHNOLOGY Co., Ltd\",\"Room 116, 1 / F, building 2, No. 87, Hexi, Changfeng street, Wuzhen Town, Tongxiang City Jiaxing City Zhejiang CN China \"\r\n";

    #[test]
    fn runtime_registry_names_others_but_never_makes_them_makers() {
        let mut r = OuiRegistry::from_csv(SAMPLE_OUI).unwrap();
        r.extend_csv(SAMPLE_MAM).unwrap();
        assert_eq!(r.len(), 7);
        let table: &[(&str, Registry, &str, Option<Maker>)] = &[
            (
                "44:19:b6:00:00:01",
                Registry::MaL,
                "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                Some(Maker::Hikvision),
            ),
            (
                "00:23:2e:00:00:01",
                Registry::MaL,
                "Kedah Electronics Engineering, LLC",
                None,
            ),
            (
                "7c:82:74:00:00:01",
                Registry::MaL,
                "Shenzhen Hikeen Technology CO.,LTD",
                None,
            ),
            (
                "40:2c:76:10:00:01",
                Registry::MaM,
                "Shanghai Dahua Scale Factory",
                None,
            ),
            // Outside the MA-M block the IEEE RA's own MA-L record answers.
            (
                "40:2c:76:20:00:01",
                Registry::MaL,
                "IEEE Registration Authority",
                None,
            ),
            (
                "44:6f:d8:a0:00:01",
                Registry::MaM,
                "ZHEJIANG HIKAILINK TECHNOLOGY Co., Ltd",
                None,
            ),
            ("c4:04:d8:00:00:01", Registry::MaL, "Aviva Links Inc.", None),
        ];
        for &(m, registry, org, maker) in table {
            let e = r.lookup(&mac(m)).unwrap_or_else(|| panic!("{m}"));
            assert_eq!(
                (e.registry, e.organization, e.maker),
                (registry, org, maker),
                "{m}"
            );
        }
        assert_eq!(r.lookup(&mac("00:11:22:33:44:55")), None);
    }

    #[test]
    fn bad_registry_files_are_typed_errors() {
        let table: &[(&str, OuiError)] = &[
            ("", OuiError::BadHeader),
            ("Name,Value\n", OuiError::BadHeader),
            (
                "Registry,Assignment,Organization Name\nMA-L,4419B\n",
                OuiError::BadRow {
                    record: 2,
                    reason: "fewer than 3 fields",
                },
            ),
            (
                "Registry,Assignment,Organization Name\nMA-L,4419B,X\n",
                OuiError::BadRow {
                    record: 2,
                    reason: "assignment length does not match its registry",
                },
            ),
            (
                "Registry,Assignment,Organization Name\nMA-L,4419BZ,X\n",
                OuiError::BadRow {
                    record: 2,
                    reason: "assignment is not hexadecimal",
                },
            ),
            (
                "Registry,Assignment,Organization Name\nMA-L,4419B6,\"X\n",
                OuiError::BadRow {
                    record: 2,
                    reason: "unterminated quoted field",
                },
            ),
        ];
        for (text, want) in table {
            assert_eq!(OuiRegistry::from_csv(text).unwrap_err(), *want, "{text:?}");
        }
        let big = "x".repeat(OuiRegistry::MAX_INPUT + 1);
        assert!(matches!(
            OuiRegistry::from_csv(&big),
            Err(OuiError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_full_debian_registry_loads_when_installed() {
        // Optional: exercises the parser on the real files when the ieee-data package is there.
        let dir = std::path::Path::new("/usr/share/ieee-data");
        let mut r = OuiRegistry::new();
        for f in ["oui.csv", "mam.csv", "oui36.csv"] {
            let Ok(text) = std::fs::read_to_string(dir.join(f)) else {
                return;
            };
            r.extend_csv(&text).unwrap();
        }
        assert!(r.len() > 40_000, "{}", r.len());
        let e = r.lookup(&mac("40:2c:76:10:00:01")).unwrap();
        assert_eq!(
            (e.organization, e.maker),
            ("Shanghai Dahua Scale Factory", None)
        );
        let e = r.lookup(&mac("44:19:b6:00:00:01")).unwrap();
        assert_eq!(e.maker, Some(Maker::Hikvision));
    }
}
