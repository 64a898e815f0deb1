//! ONVIF scopes: `onvif://www.onvif.org/<key>/<value>` URIs, percent-decoded into fields.

use percent_encoding::percent_decode_str;

use super::{MAX_SCOPES, MAX_URI_CHARS};
use crate::onvif::MAX_FIELD_CHARS;
use crate::xml;

const ONVIF_SCOPE_PREFIX: &str = "onvif://www.onvif.org/";

/// ONVIF scopes, percent-decoded (RFC 3986; invalid UTF-8 replaced).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scopes {
    pub name: Option<String>,
    pub hardware: Option<String>,
    pub mac: Option<String>,
    pub serial: Option<String>,
    pub location: Vec<String>,
    pub profiles: Vec<String>,
    pub types: Vec<String>,
    /// Every other scope, decoded, as `(key path, value)` e.g. `("extension/unique_identifier", "1")`
    /// or `("", uri)` for non-onvif schemes.
    pub other: Vec<(String, String)>,
}

impl Scopes {
    /// Decodes at most [`MAX_SCOPES`] scopes.
    ///
    /// - Known keys match case-insensitively: `name`, `hardware`, `mac`/`macaddress`,
    ///   `serialnumber`/`serial`, `location`, `profile`, `type`. Their value is everything after
    ///   the key (`location/country/china` → `country/china`), decoded after splitting, so an
    ///   encoded `%2F` stays inside the value. The first non-empty `name`/`hardware`/`mac`/
    ///   `serial` wins; empty values are `None` / skipped.
    /// - Other onvif scopes split at the last `/`: `extension/unique_identifier/1` →
    ///   `("extension/unique_identifier", "1")`; key case is kept (`Model`, `acc/mfr`).
    /// - Other schemes (`urn:…`, `flir://…`) are kept verbatim as `("", uri)`.
    /// - Values are trimmed, control characters removed, capped at
    ///   [`MAX_FIELD_CHARS`](crate::onvif::MAX_FIELD_CHARS) characters.
    pub fn parse(raw: &[String]) -> Self {
        let mut scopes = Self::default();
        for scope in raw.iter().take(MAX_SCOPES) {
            scopes.add(scope.trim_matches([' ', '\t', '\r', '\n']));
        }
        scopes
    }

    fn add(&mut self, scope: &str) {
        if scope.is_empty() || scope.chars().count() > MAX_URI_CHARS {
            return;
        }
        let Some(path) = strip_onvif_prefix(scope) else {
            self.other.push((String::new(), scope.to_owned()));
            return;
        };
        let (key, value) = path.split_once('/').unwrap_or((path, ""));
        let mut lower = [0u8; 16];
        let key_lower = lower
            .get_mut(..key.len())
            .map(|buf| {
                buf.copy_from_slice(key.as_bytes());
                buf.make_ascii_lowercase();
                &*buf
            })
            .unwrap_or_default();
        let single = match key_lower {
            b"name" => Some(&mut self.name),
            b"hardware" => Some(&mut self.hardware),
            b"mac" | b"macaddress" => Some(&mut self.mac),
            b"serialnumber" | b"serial" => Some(&mut self.serial),
            b"location" => return push_decoded(&mut self.location, value),
            b"profile" => return push_decoded(&mut self.profiles, value),
            b"type" => return push_decoded(&mut self.types, value),
            _ => None,
        };
        if let Some(slot) = single {
            if slot.is_none() {
                *slot = decode(value);
            }
            return;
        }
        let (key_path, value) = path.rsplit_once('/').unwrap_or((path, ""));
        let key_path = decode(key_path).unwrap_or_default();
        self.other
            .push((key_path, decode(value).unwrap_or_default()));
    }
}

fn strip_onvif_prefix(scope: &str) -> Option<&str> {
    let head = scope.get(..ONVIF_SCOPE_PREFIX.len())?;
    head.eq_ignore_ascii_case(ONVIF_SCOPE_PREFIX)
        .then(|| scope.get(ONVIF_SCOPE_PREFIX.len()..))?
}

fn push_decoded(list: &mut Vec<String>, value: &str) {
    if let Some(value) = decode(value) {
        list.push(value);
    }
}

/// Percent-decodes (invalid UTF-8 replaced) and cleans a value; `None` when empty.
fn decode(value: &str) -> Option<String> {
    let decoded = percent_decode_str(value).decode_utf8_lossy();
    xml::clean_value(&decoded, MAX_FIELD_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTIVENDOR: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json"
    ));

    fn parse(list: &[&str]) -> Scopes {
        let raw: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
        Scopes::parse(&raw)
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn keys_values_and_decoding() {
        let s = parse(&[
            "onvif://www.onvif.org/Name/Xu%e1%ba%a5t%20c%e1%ba%a3nh",
            "onvif://www.onvif.org/name/second-name-ignored",
            "onvif://www.onvif.org/MAC/58:50:ed:1f:e3:85",
            "ONVIF://WWW.ONVIF.ORG/hardware/TC-C32TS%20SPEC%3AI8%2FA",
            "onvif://www.onvif.org/SerialNumber/",
            "onvif://www.onvif.org/serial/K816600858",
            "onvif://www.onvif.org/location/country/china",
            "onvif://www.onvif.org/location/",
            "onvif://www.onvif.org/Profile/Q/FactoryDefault",
            "onvif://www.onvif.org/type/ptz",
            "onvif://www.onvif.org/extension/unique_identifier/1",
            "onvif://www.onvif.org/acc/firmware/version/v3.12%202017-06-",
            "onvif://www.onvif.org/bad/%ff%fe",
            "onvif://www.onvif.org/lonely",
            "urn:schemas-pelco-com:onvif:extensions:1",
            "flir://www.flir.com/security/quasar/gen2/quadhd",
            "   ",
        ]);
        assert_eq!(s.name.as_deref(), Some("Xuất cảnh"));
        assert_eq!(s.mac.as_deref(), Some("58:50:ed:1f:e3:85"));
        assert_eq!(s.hardware.as_deref(), Some("TC-C32TS SPEC:I8/A"));
        assert_eq!(
            s.serial.as_deref(),
            Some("K816600858"),
            "empty SerialNumber skipped"
        );
        assert_eq!(s.location, ["country/china"]);
        assert_eq!(s.profiles, ["Q/FactoryDefault"]);
        assert_eq!(s.types, ["ptz"]);
        assert_eq!(
            s.other,
            [
                pair("extension/unique_identifier", "1"),
                pair("acc/firmware/version", "v3.12 2017-06-"),
                pair("bad", "\u{FFFD}\u{FFFD}"),
                pair("lonely", ""),
                pair("", "urn:schemas-pelco-com:onvif:extensions:1"),
                pair("", "flir://www.flir.com/security/quasar/gen2/quadhd"),
            ]
        );
    }

    #[test]
    fn empty_values_are_none() {
        let s = parse(&[
            "onvif://www.onvif.org/mac",
            "onvif://www.onvif.org/macaddress/",
            "onvif://www.onvif.org/name/%20%09",
            "onvif://www.onvif.org/hardware/%00",
        ]);
        assert_eq!(s, Scopes::default());
    }

    #[test]
    fn caps() {
        let many: Vec<String> = (0..500)
            .map(|i| format!("onvif://www.onvif.org/type/t{i}"))
            .collect();
        assert_eq!(Scopes::parse(&many).types.len(), MAX_SCOPES);
        let long = format!("onvif://www.onvif.org/name/{}", "a".repeat(MAX_URI_CHARS));
        assert_eq!(parse(&[&long]).name, None, "over-long URIs are dropped");
        let wide = format!("onvif://www.onvif.org/name/{}", "b".repeat(600));
        assert_eq!(parse(&[&wide]).name.map(|n| n.len()), Some(MAX_FIELD_CHARS));
    }

    /// Every device of the multivendor capture decodes; its model is the `hardware` scope.
    #[test]
    fn multivendor_scope_lists() {
        let text = std::str::from_utf8(MULTIVENDOR)
            .unwrap()
            .trim_start_matches('\u{feff}');
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let devices = json["Devices"].as_array().unwrap();
        assert_eq!(devices.len(), 8);
        let names = [
            Some("ONVIF_ICAMERA"),
            Some("FLIR CM-6204-11-I K816600858"),
            Some("Geovision"),
            Some("Panasonic"),
            Some("acc/Xuất cảnh 4"),
            Some("TC-C32TS SPEC:I8/A/E/Y/M/H/2.7-13.5mm"),
            Some("STD"),
            Some("ArielFHDIPCamera"),
        ];
        for (device, name) in devices.iter().zip(names) {
            let raw: Vec<String> = device["Scopes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect();
            let scopes = Scopes::parse(&raw);
            assert_eq!(
                scopes.hardware.as_deref(),
                device["ExpectedModel"].as_str(),
                "{raw:?}"
            );
            assert_eq!(scopes.name.as_deref(), name);
            let decoded = usize::from(scopes.name.is_some())
                + usize::from(scopes.hardware.is_some())
                + usize::from(scopes.mac.is_some())
                + usize::from(scopes.serial.is_some())
                + scopes.location.len()
                + scopes.profiles.len()
                + scopes.types.len()
                + scopes.other.len();
            assert!(decoded <= raw.len());
            assert!(
                decoded + 2 >= raw.len(),
                "at most duplicates/empties dropped: {raw:?}"
            );
        }
    }

    #[test]
    fn flir_vendor_keys_kept() {
        let text = std::str::from_utf8(MULTIVENDOR)
            .unwrap()
            .trim_start_matches('\u{feff}');
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        let raw: Vec<String> = json["Devices"][1]["Scopes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect();
        let scopes = Scopes::parse(&raw);
        assert!(scopes.other.contains(&pair("manufacturer", "FLIR Systems")));
        assert!(scopes.other.contains(&pair("acc/mfr", "FLIR Systems")));
        assert!(scopes.other.contains(&pair("acc/mac", "00-1b-d8-80-cd-6c")));
        assert!(
            scopes
                .other
                .contains(&pair("", "dvtel://www.dvtel.com/quasar/gen2/quadhd"))
        );
        assert_eq!(scopes.location, ["country/America", "country/America"]);
    }
}
