//! Model-number families: the naming schemes that give a maker away (DS-2CD… is Hikvision,
//! IPC-HFW… is Dahua, IPC2122… is Uniview), including the OEM series known to be one maker's
//! hardware (LTS CMIP, Amcrest IPnM).

use super::pattern::{P, Upper};
use super::{Trait, strong, weak};
use crate::makers::Maker;

/// Dahua IPC series letters after `IPC-` (HFW bullets, HDW/HDBW domes, EW/EB fisheyes …).
const DAHUA_IPC: &[&[u8]] = &[
    b"HFW", b"HDW", b"HDBW", b"HUM", b"HDPW", b"HFS", b"EBW", b"EB", b"EW", b"PFW", b"PDBW",
    b"PDW", b"MFW", b"MBW", b"HFB", b"HMW", b"AW",
];

/// Recognises the model family of `model` (an ONVIF model, a hardware scope, a vendor reply).
pub(crate) fn family(model: &str) -> Option<Trait> {
    let up = Upper::<64>::new(model);
    let m = up.bytes();
    let p = P::new(m);
    hikvision(p).or_else(|| dahua(p)).or_else(|| others(p))
}

fn hikvision(p: P<'_>) -> Option<Trait> {
    const H: Maker = Maker::Hikvision;
    if p.lit(b"DS-").and_then(|p| p.one_of(b"26789K")).is_some() {
        return Some(strong(H, "Hikvision DS- model number"));
    }
    if p.lit(b"IDS-").and_then(|p| p.one_of(b"2679")).is_some() {
        return Some(strong(H, "Hikvision iDS- model number"));
    }
    if p.lit(b"HW")
        .and_then(|p| p.one_of(b"IPNTDK"))
        .and_then(|p| p.lit(b"-"))
        .is_some()
    {
        return Some(strong(H, "HiWatch (Hikvision) HW?- model number").branded("HiWatch"));
    }
    if p.lit(b"IPC-")
        .and_then(|p| p.one_of(b"BTD"))
        .and_then(|p| p.digits(3, 3))
        .and_then(|p| p.lit(b"H"))
        .is_some()
    {
        return Some(strong(H, "HiLook (Hikvision) IPC-B/T/D###H model number").branded("HiLook"));
    }
    if p.lit(b"CS-")
        .and_then(|p| p.upper(1, 4))
        .and_then(|p| p.alnum(1, 8))
        .is_some()
    {
        return Some(strong(H, "EZVIZ (Hikvision) CS- model number").branded("EZVIZ"));
    }
    if p.lit(b"CMIP").and_then(|p| p.digits(1, 5)).is_some() {
        return Some(strong(H, "LTS CMIP series, Hikvision OEM hardware").branded("LTS"));
    }
    None
}

fn dahua(p: P<'_>) -> Option<Trait> {
    const D: Maker = Maker::Dahua;
    if p.any(&[b"DH-", b"DHI-"]).is_some() {
        return Some(strong(D, "Dahua DH-/DHI- model number"));
    }
    if let Some(q) = p.lit(b"IPC-") {
        if q.any(DAHUA_IPC).is_some() {
            return Some(strong(D, "Dahua IPC- series model number"));
        }
        if q.one_of(b"ACFKS").and_then(|q| q.digits(1, 2)).is_some() {
            return Some(strong(D, "Dahua/Imou consumer IPC- model number"));
        }
        if q.one_of(b"TB").and_then(|q| q.digits(4, 4)).is_some() {
            return Some(strong(D, "Dahua IPC-T/B#### model number"));
        }
        if q.lit(b"COLOR").is_some() {
            return Some(
                strong(D, "EmpireTech IPC-Color series, Dahua OEM hardware").branded("EmpireTech"),
            );
        }
    }
    // PTZ domes: SD49225XA, SD22404T, SD1A203T, SD6AL245U (not Vivotek's SD9364).
    let sd = p.lit(b"SD").and_then(|q| q.digits(1, 1));
    if sd
        .and_then(|q| q.upper(1, 2))
        .and_then(|q| q.digits(3, 3))
        .is_some()
        || sd
            .and_then(|q| q.digits(4, 4))
            .and_then(|q| q.upper(1, 2))
            .is_some()
    {
        return Some(strong(D, "Dahua SD PTZ model number"));
    }
    // Uniview recorders are NVR3xx-…; Dahua's are NVR4108…, NVR608H….
    if p.lit(b"NVR")
        .and_then(|q| q.digits(3, 3))
        .and_then(|q| q.lit(b"-"))
        .is_some()
    {
        return Some(strong(Maker::Uniview, "Uniview NVR###- model number"));
    }
    let nvr = p.lit(b"NVR");
    if nvr.and_then(|q| q.digits(4, 4)).is_some()
        || nvr
            .and_then(|q| q.digits(3, 3))
            .and_then(|q| q.upper(1, 2))
            .is_some()
    {
        return Some(strong(D, "Dahua NVR model number"));
    }
    if p.any(&[b"XVR", b"HCVR", b"VTO", b"VTH"])
        .and_then(|q| q.digits(1, 4))
        .is_some()
        || p.any(&[b"TPC-", b"HAC-"]).is_some()
    {
        return Some(strong(
            D,
            "Dahua recorder, intercom or thermal model number",
        ));
    }
    if p.lit(b"IP")
        .and_then(|q| q.one_of(b"23458"))
        .and_then(|q| q.lit(b"M-"))
        .is_some()
    {
        return Some(strong(D, "Amcrest IPnM series, Dahua OEM hardware").branded("Amcrest"));
    }
    if p.lit(b"LN")
        .and_then(|q| q.one_of(b"BEZ"))
        .and_then(|q| q.digits(1, 4))
        .is_some()
    {
        return Some(
            weak(D, "Lorex LNB/LNE/LNZ series, mostly Dahua OEM hardware").branded("Lorex"),
        );
    }
    None
}

fn others(p: P<'_>) -> Option<Trait> {
    if p.lit(b"IPC")
        .and_then(|q| q.digits(3, 4))
        .and_then(|q| q.upper(1, 3))
        .is_some()
    {
        return Some(strong(Maker::Uniview, "Uniview IPC#### model number"));
    }
    if p.lit(b"TC-")
        .and_then(|q| {
            q.any(&[b"NC", b"NH"])
                .or_else(|| q.one_of(b"ACHR").and_then(|q| q.digits(1, 1)))
                .or_else(|| q.digits(4, 4))
        })
        .is_some()
    {
        return Some(strong(Maker::Tiandy, "Tiandy TC- model number"));
    }
    if p.lit(b"TD-").and_then(|q| q.digits(4, 4)).is_some() {
        return Some(strong(Maker::Tvt, "TVT TD-#### model number"));
    }
    if p.lit(b"MS-")
        .and_then(|q| q.one_of(b"CN"))
        .and_then(|q| q.digits(4, 4))
        .is_some()
    {
        return Some(strong(Maker::Milesight, "Milesight MS-C/MS-N model number"));
    }
    if p.lit(b"SN-IP").is_some() {
        return Some(strong(Maker::Sunell, "Sunell SN-IP model number"));
    }
    if p.lit(b"XM").and_then(|q| q.digits(3, 3)).is_some() {
        return Some(strong(Maker::Xiongmai, "Xiongmai XM### board"));
    }
    if p.one_of(b"XQPLTAS")
        .and_then(|q| q.lit(b"N"))
        .and_then(|q| q.one_of(b"DVOBPFEMTL"))
        .and_then(|q| q.lit(b"-"))
        .is_some()
        || p.one_of(b"XQPAHS").and_then(|q| q.lit(b"RN-")).is_some()
    {
        return Some(strong(Maker::HanwhaVision, "Hanwha (Wisenet) model number"));
    }
    if p.lit(b"GV-").is_some() {
        return Some(strong(Maker::GeoVision, "GeoVision GV- model number"));
    }
    if p.lit(b"SNC-").is_some() {
        return Some(strong(Maker::Sony, "Sony SNC- model number"));
    }
    if p.lit(b"WV-").is_some() {
        return Some(strong(Maker::Panasonic, "Panasonic/i-PRO WV- model number"));
    }
    if p.lit(b"VB-").is_some() {
        return Some(strong(Maker::Canon, "Canon VB- model number"));
    }
    if p.lit(b"MX-").is_some() {
        return Some(strong(Maker::Mobotix, "Mobotix MX- model number"));
    }
    if p.lit(b"DCS-").is_some() {
        return Some(strong(Maker::DLink, "D-Link DCS- model number"));
    }
    if p.any(&[b"RLC-", b"RLN"]).is_some() {
        return Some(strong(Maker::Reolink, "Reolink RLC/RLN model number"));
    }
    if p.any(&[b"VIGI ", b"TL-SC", b"TAPO "]).is_some() {
        return Some(strong(Maker::TpLink, "TP-Link VIGI/Tapo model name"));
    }
    if p.any(&[b"AXIS "]).is_some() {
        return Some(strong(Maker::Axis, "AXIS model name"));
    }
    if p.lit(b"N")
        .and_then(|q| q.upper(2, 2))
        .and_then(|q| q.lit(b"-"))
        .and_then(|q| q.digits(4, 5))
        .is_some()
        || p.any(&[b"FLEXIDOME", b"AUTODOME", b"DINION", b"MIC IP"])
            .is_some()
    {
        return Some(strong(Maker::Bosch, "Bosch model number"));
    }
    // Avigilon: 2.0-H3M-DO1, 4.0C-H5A-BO1.
    if p.digits(1, 2)
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 1))
        .map(|q| q.opt(|q| q.lit(b"C")))
        .and_then(|q| q.lit(b"-H"))
        .and_then(|q| q.digits(1, 1))
        .is_some()
    {
        return Some(strong(Maker::Avigilon, "Avigilon #.#-H# model number"));
    }
    if p.any(&[
        b"IB", b"FD", b"IP", b"MD", b"FE", b"CC", b"IT", b"TB", b"MA", b"SD", b"AF", b"AD", b"BD",
        b"BS", b"CD", b"CU",
    ])
    .and_then(|q| q.digits(4, 4))
    .and_then(|q| q.end_or(b"-ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    .is_some()
    {
        return Some(weak(
            Maker::Vivotek,
            "Vivotek model number (two letters and four digits)",
        ));
    }
    if p.any(&[b"AVM", b"AVN", b"AVZ", b"AVH", b"DGM", b"DGC"])
        .and_then(|q| q.digits(1, 4))
        .is_some()
    {
        return Some(weak(Maker::Avtech, "AVTECH model number"));
    }
    if p.any(&[
        b"IMP", b"IXE", b"IXP", b"IBP", b"IBE", b"IWP", b"IWE", b"IME", b"IMM", b"IJP", b"IMS",
        b"IBD", b"IXD", b"SRX",
    ])
    .and_then(|q| q.digits(3, 4))
    .is_some()
    {
        return Some(weak(Maker::Pelco, "Pelco Sarix model number"));
    }
    if p.any(&[b"KCM-", b"TCM-", b"ACM-"])
        .and_then(|q| q.digits(4, 4))
        .is_some()
        || p.one_of(b"ABEIZ")
            .and_then(|q| q.digits(2, 3))
            .and_then(|q| q.end_or(b"-"))
            .is_some()
    {
        return Some(weak(Maker::Acti, "ACTi model number"));
    }
    if p.any(&[b"CM-", b"CB-", b"CF-", b"CP-"])
        .and_then(|q| q.digits(4, 4))
        .is_some()
    {
        return Some(weak(Maker::Flir, "FLIR Saros/Quasar model number"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Strength;

    #[test]
    fn real_model_numbers() {
        // Models from protocol/fixtures/real and from the sources cited in
        // tests/data/identities.toml.
        let table: &[(&str, Option<(Maker, Strength)>)] = &[
            ("DS-2CD2012-I", Some((Maker::Hikvision, Strength::Strong))),
            ("DS-2DF7276-AEL", Some((Maker::Hikvision, Strength::Strong))),
            (
                "DS-7608NXI-I2/8P/S",
                Some((Maker::Hikvision, Strength::Strong)),
            ),
            (
                "iDS-7208HQHI-M1(A)/S(C)",
                Some((Maker::Hikvision, Strength::Strong)),
            ),
            ("HWP-N4215IH-DE", Some((Maker::Hikvision, Strength::Strong))),
            ("IPC-B140H-M", Some((Maker::Hikvision, Strength::Strong))),
            ("CS-C6TC-32WFR", Some((Maker::Hikvision, Strength::Strong))),
            ("CMIP7352W", Some((Maker::Hikvision, Strength::Strong))),
            ("IPC-HFW2228M-I1-V2", Some((Maker::Dahua, Strength::Strong))),
            ("IPC-HDW1025C", Some((Maker::Dahua, Strength::Strong))),
            ("IPC-AW46WN-S2", Some((Maker::Dahua, Strength::Strong))),
            ("IPC-A26Z", Some((Maker::Dahua, Strength::Strong))),
            ("IPC-T5442T-ZE", Some((Maker::Dahua, Strength::Strong))),
            ("IPC-Color4M-TZ", Some((Maker::Dahua, Strength::Strong))),
            ("DH-2H3400-ADP", Some((Maker::Dahua, Strength::Strong))),
            (
                "DHI-NVR4108HS-8P-4KS2",
                Some((Maker::Dahua, Strength::Strong)),
            ),
            ("SD49825GB-HNR", Some((Maker::Dahua, Strength::Strong))),
            ("SD1A203T-GN", Some((Maker::Dahua, Strength::Strong))),
            ("XVR5108C-X", Some((Maker::Dahua, Strength::Strong))),
            ("IP5M-T1179E", Some((Maker::Dahua, Strength::Strong))),
            ("IP2M-841B", Some((Maker::Dahua, Strength::Strong))),
            ("LNB8005-C", Some((Maker::Dahua, Strength::Weak))),
            ("IPC6322SR-X22P-D", Some((Maker::Uniview, Strength::Strong))),
            ("NVR301-04E", Some((Maker::Uniview, Strength::Strong))),
            ("TC-C32TS", Some((Maker::Tiandy, Strength::Strong))),
            ("TC-2808AN-HD", Some((Maker::Tiandy, Strength::Strong))),
            ("MS-C8165-PE", Some((Maker::Milesight, Strength::Strong))),
            (
                "XM530_50X50-WG_8M",
                Some((Maker::Xiongmai, Strength::Strong)),
            ),
            ("XND-C9083RV", Some((Maker::HanwhaVision, Strength::Strong))),
            (
                "PNM-C7083RVD",
                Some((Maker::HanwhaVision, Strength::Strong)),
            ),
            ("PRN-4011", Some((Maker::HanwhaVision, Strength::Strong))),
            ("GV-UNP2500", Some((Maker::GeoVision, Strength::Strong))),
            ("WV-V1330LK", Some((Maker::Panasonic, Strength::Strong))),
            ("2.0-H3M-DO1", Some((Maker::Avigilon, Strength::Strong))),
            (
                "FLEXIDOME indoor 5100i IR",
                Some((Maker::Bosch, Strength::Strong)),
            ),
            ("NBE-3702-AL", Some((Maker::Bosch, Strength::Strong))),
            ("DCS-6511", Some((Maker::DLink, Strength::Strong))),
            ("RLC-411WS", Some((Maker::Reolink, Strength::Strong))),
            ("FD8182", Some((Maker::Vivotek, Strength::Weak))),
            ("IB9381-HT", Some((Maker::Vivotek, Strength::Weak))),
            ("SD9364-EHL", Some((Maker::Vivotek, Strength::Weak))),
            ("A310", Some((Maker::Acti, Strength::Weak))),
            ("CM-6204-11-I", Some((Maker::Flir, Strength::Weak))),
            // Nothing to recognise: placeholders, SoC names, other makers' schemes.
            ("M2025-LE", None),
            ("TV-IP320PI", None),
            ("ENP1A14-IR/25X", None),
            ("EYEPLUS_DEV", None),
            ("IPC-model", None),
            ("MODEL", None),
            ("Camera", None),
            ("", None),
        ];
        for &(model, want) in table {
            assert_eq!(
                family(model).map(|t| (t.maker, t.strength)),
                want,
                "{model}"
            );
        }
    }
}
