//! What the device calls itself: the ONVIF manufacturer and the WS-Discovery scopes.

use std::borrow::Cow;

use super::{Group, Hit, Strength, bounded, model};
use crate::brands::{self, Brand, Relation};
use crate::makers::Maker;

/// The brand a device presented, as found in one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BrandSeen {
    pub(crate) display: String,
    pub(crate) known: Option<&'static Brand>,
}

/// The evidence a brand gives about the maker.
pub(crate) fn brand_hit(signal: &'static str, value: &str, brand: &'static Brand) -> Hit {
    let hit = Hit::new(signal, value, Group::Identity);
    let d = brand.display;
    match brand.relation {
        Relation::Own(m) => hit
            .pointing(m, Strength::Strong)
            .detail("the maker's own name"),
        Relation::Subsidiary(m) => hit.pointing(m, Strength::Strong).detail(format!(
            "{d} is a {m} subsidiary or sub-brand (source: {})",
            brand.source
        )),
        Relation::Oem(m) => hit.pointing(m, Strength::Weak).detail(format!(
            "{d} sells cameras made mostly by {m} (source: {})",
            brand.source
        )),
        Relation::Reseller => hit.detail(format!(
            "{d} sells cameras from several makers; the label alone names none"
        )),
        Relation::Placeholder => hit.detail("a firmware placeholder that names no company"),
    }
}

/// The ONVIF `Manufacturer` (or another field where the device states its maker).
pub(crate) fn manufacturer(
    signal: &'static str,
    value: &str,
    hits: &mut Vec<Hit>,
) -> Option<BrandSeen> {
    let value = bounded(value);
    match brands::recognise(value) {
        Some(b) => {
            hits.push(brand_hit(signal, value, b));
            (b.relation != Relation::Placeholder).then(|| BrandSeen {
                display: b.display.to_owned(),
                known: Some(b),
            })
        }
        None => {
            hits.push(Hit::new(signal, value, Group::Identity));
            Some(BrandSeen {
                display: brands::clean_display(value),
                known: None,
            })
        }
    }
}

/// Facts read from ONVIF scope URIs.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    pub(crate) brand: Option<BrandSeen>,
    china: bool,
    nvt: bool,
    unique_id: bool,
}

/// Most scopes examined per device.
const MAX_SCOPES: usize = 64;

/// Reads `onvif://www.onvif.org/<key>/<value>` scopes: name and manufacturer scopes as brand
/// evidence, hardware scopes as model numbers, and the scope set Dahua firmware announces.
pub(crate) fn scopes(raw: &[String], hits: &mut Vec<Hit>) -> Scopes {
    let mut out = Scopes::default();
    for scope in raw.iter().take(MAX_SCOPES) {
        let scope = bounded(scope);
        let Some(rest) = strip_prefix_ci(scope, "onvif://www.onvif.org/") else {
            continue;
        };
        let (key, value) = rest.split_once('/').unwrap_or((rest, ""));
        let value = percent_decode(value);
        let is = |k: &str| key.eq_ignore_ascii_case(k);
        if is("name") || is("manufacturer") || is("mfr") {
            name_scope(&value, hits, &mut out);
        } else if is("hardware") || is("model") {
            if let Some(t) = model::family(&value) {
                hits.push(
                    Hit::new("model-family", &value, Group::Model)
                        .pointing(t.maker, t.strength)
                        .detail(t.label),
                );
            }
        } else if is("location") {
            out.china |= value.eq_ignore_ascii_case("country/china");
        } else if is("type") {
            out.nvt |= value == "Network_Video_Transmitter";
        } else if is("extension") {
            out.unique_id |= value.starts_with("unique_identifier");
        }
    }
    if out.china && out.nvt && out.unique_id {
        hits.push(
            Hit::new(
                "scope-set",
                "location/country/china type/Network_Video_Transmitter extension/unique_identifier",
                Group::Stack,
            )
            .pointing(Maker::Dahua, Strength::Strong)
            .detail("the scope set Dahua firmware announces, kept by its OEM firmware"),
        );
    }
    out
}

fn name_scope(value: &str, hits: &mut Vec<Hit>, out: &mut Scopes) {
    match brands::recognise(value) {
        Some(b) if b.relation != Relation::Placeholder => {
            hits.push(brand_hit("scope-name", value, b));
            if out.brand.is_none() {
                out.brand = Some(BrandSeen {
                    display: b.display.to_owned(),
                    known: Some(b),
                });
            }
        }
        Some(_) => {}
        // A name scope that is not a brand is often the model number.
        None => {
            let first = value.split_whitespace().next().unwrap_or_default();
            if let Some(t) = model::family(first) {
                hits.push(
                    Hit::new("model-family", value, Group::Model)
                        .pointing(t.maker, t.strength)
                        .detail(t.label),
                );
            }
        }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Percent-decodes a scope value (invalid escapes are kept as written; invalid UTF-8 is
/// replaced). Borrows when there is nothing to decode.
pub(crate) fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn dahua_scope_set_from_the_real_hello() {
        // protocol/fixtures/real/dahua-ipc-hfw2228m-i1-v2-hello.xml
        let raw = s(&[
            "onvif://www.onvif.org/location/country/china",
            "onvif://www.onvif.org/name/Dahua",
            "onvif://www.onvif.org/hardware/IPC-HFW2228M-I1-V2",
            "onvif://www.onvif.org/Profile/Streaming",
            "onvif://www.onvif.org/type/Network_Video_Transmitter",
            "onvif://www.onvif.org/extension/unique_identifier",
        ]);
        let mut hits = Vec::new();
        let out = scopes(&raw, &mut hits);
        assert_eq!(out.brand.map(|b| b.display), Some("Dahua".to_owned()));
        let signals: Vec<_> = hits.iter().map(|h| (h.signal, h.indicates)).collect();
        assert_eq!(
            signals,
            [
                ("scope-name", Some(Maker::Dahua)),
                ("model-family", Some(Maker::Dahua)),
                ("scope-set", Some(Maker::Dahua)),
            ]
        );
    }

    #[test]
    fn percent_encoded_names_and_non_brand_names() {
        // hikvision-ds-2cd3955fwd-iws-probematch.xml, trendnet-tv-ip320pi-getscopes.xml,
        // scopes-multivendor-flir-geovision-panasonic-avigilon-tiandy.json.
        let raw = s(&[
            "onvif://www.onvif.org/name/HIKVISION%20DS-2CD3955FWD-IWS",
            "onvif://www.onvif.org/name/TV-IP320PI",
            "onvif://www.onvif.org/name/TC-C32TS%20SPEC%3AI8%2FA%2FE%2FY%2FM%2FH%2F2.7-13.5mm",
            "onvif://www.onvif.org/name/ONVIF_ICAMERA",
            "onvif://www.onvif.org/location/",
            "http:123",
        ]);
        let mut hits = Vec::new();
        let out = scopes(&raw, &mut hits);
        assert_eq!(out.brand.map(|b| b.display), Some("Hikvision".to_owned()));
        let got: Vec<_> = hits
            .iter()
            .map(|h| (h.signal, h.value.as_str(), h.indicates))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "scope-name",
                    "HIKVISION DS-2CD3955FWD-IWS",
                    Some(Maker::Hikvision)
                ),
                (
                    "model-family",
                    "TC-C32TS SPEC:I8/A/E/Y/M/H/2.7-13.5mm",
                    Some(Maker::Tiandy)
                ),
            ]
        );
    }

    #[test]
    fn manufacturer_strings() {
        let table: &[(&str, Option<&str>, Option<Maker>, Strength)] = &[
            (
                "HIKVISION",
                Some("Hikvision"),
                Some(Maker::Hikvision),
                Strength::Strong,
            ),
            ("TRENDnet", Some("TRENDnet"), None, Strength::Weak),
            (
                "EZVIZ",
                Some("EZVIZ"),
                Some(Maker::Hikvision),
                Strength::Strong,
            ),
            (
                "Intelbras",
                Some("Intelbras"),
                Some(Maker::Dahua),
                Strength::Weak,
            ),
            ("ONVIF", None, None, Strength::Weak),
            ("EYEPLUS", Some("EYEPLUS"), None, Strength::Weak),
        ];
        for &(value, brand, maker, strength) in table {
            let mut hits = Vec::new();
            let seen = manufacturer("onvif-manufacturer", value, &mut hits);
            assert_eq!(seen.map(|b| b.display).as_deref(), brand, "{value}");
            assert_eq!(hits.len(), 1);
            assert_eq!(
                (hits[0].indicates, hits[0].strength),
                (maker, strength),
                "{value}"
            );
        }
    }

    #[test]
    fn percent_decode_is_total() {
        assert_eq!(percent_decode("Xu%e1%ba%a5t%20c%e1%ba%a3nh"), "Xuất cảnh");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
