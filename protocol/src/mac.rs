//! MAC addresses: parsing the many spellings cameras use, and the canonical forms camaudit prints.
//!
//! Cameras write MACs as `44:19:b6:3e:ba:a1`, `00:40:8C:FA:B7:54`, `00047D0EB85C` or, in SADP,
//! `58-50-ed-1f-e3-85`. [`Mac::parse`] accepts all of them and nothing else.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 48-bit IEEE MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

/// Why a string is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MacError {
    #[error("not a MAC address: expected 12 hex digits, optionally separated by ':', '-' or '.'")]
    Invalid,
}

impl Mac {
    /// Parses `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` or `aabbccddeeff`
    /// (any case, surrounding whitespace ignored).
    pub fn parse(s: &str) -> Result<Self, MacError> {
        let s = s.trim();
        if s.len() > 17 {
            return Err(MacError::Invalid);
        }
        let mut out = [0u8; 6];
        let mut nibbles = 0usize;
        let mut sep: Option<u8> = None;
        for &b in s.as_bytes() {
            let v = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                b':' | b'-' | b'.' => {
                    // One separator style per address.
                    match sep {
                        Some(s) if s != b => return Err(MacError::Invalid),
                        _ => sep = Some(b),
                    }
                    continue;
                }
                _ => return Err(MacError::Invalid),
            };
            if nibbles >= 12 {
                return Err(MacError::Invalid);
            }
            out[nibbles / 2] = (out[nibbles / 2] << 4) | v;
            nibbles += 1;
        }
        if nibbles != 12 {
            return Err(MacError::Invalid);
        }
        Ok(Self(out))
    }

    /// Lowercase hex without separators: the device key of DESIGN.md section 2.
    pub fn key(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The 24-bit organisationally unique identifier as an integer (`0x4419b6`).
    pub fn oui24(&self) -> u32 {
        u32::from_be_bytes([0, self.0[0], self.0[1], self.0[2]])
    }

    /// The whole address as an integer, for MA-M (28-bit) and MA-S (36-bit) prefix matching.
    pub fn as_u64(&self) -> u64 {
        self.0.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    }

    /// True for locally administered (randomised or software-assigned) addresses, whose OUI
    /// means nothing.
    pub fn is_local(&self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// True for group (multicast) addresses, which no camera NIC has.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 0x01 != 0
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for Mac {
    type Err = MacError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mac {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling_seen_on_cameras() {
        let want = Mac([0x44, 0x19, 0xb6, 0x3e, 0xba, 0xa1]);
        for s in ["44:19:b6:3e:ba:a1", "44:19:B6:3E:BA:A1", "44-19-b6-3e-ba-a1", "4419b63ebaa1", " 4419.b63e.baa1 "] {
            assert_eq!(Mac::parse(s), Ok(want), "{s}");
        }
        assert_eq!(want.key(), "4419b63ebaa1");
        assert_eq!(want.to_string(), "44:19:b6:3e:ba:a1");
        assert_eq!(want.oui24(), 0x4419b6);
    }

    #[test]
    fn rejects_garbage() {
        // EYEPLUS sent a list of half-MACs (home-assistant/core#63399).
        for s in ["", "41a0bc:41a0bd:41a0be", "44:19:b6:3e:ba", "44:19:b6:3e:ba:a1:00", "zz:19:b6:3e:ba:a1", "44:19-b6:3e:ba:a1"] {
            assert!(Mac::parse(s).is_err(), "{s}");
        }
    }
}
