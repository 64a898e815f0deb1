//! Firmware version formats that belong to one maker's build system.

use super::pattern::P;
use super::{Trait, strong, weak};
use crate::makers::Maker;

/// Recognises the firmware version format of `fw`.
pub(crate) fn format(fw: &str) -> Option<Trait> {
    let s = super::bounded(fw).as_bytes();
    let p = P::new(s);
    hikvision(p)
        .or_else(|| dahua(p))
        .or_else(|| uniview(p))
        .or_else(|| xiongmai(p))
        .or_else(|| others(p))
}

/// `V5.5.0 build 170725`, `V5.6.2build 190701` (SADP writes no space).
fn hikvision(p: P<'_>) -> Option<Trait> {
    p.lit(b"V")?
        .digits(1, 2)?
        .lit(b".")?
        .digits(1, 2)?
        .lit(b".")?
        .digits(1, 3)?
        .many_of(b" ", 0, 2)?
        .lit(b"build")?
        .many_of(b" ", 0, 2)?
        .digits(6, 6)?
        .end_or(b" ,;_")?;
    Some(strong(
        Maker::Hikvision,
        "Hikvision firmware 'V#.#.# build yymmdd'",
    ))
}

/// `2.800.0000000.13.R`, `V2.800.00AC003.0.R`, `3.142.15OG003.0.R`,
/// `2.420.Dahua 00.14.R, build: 2016-06-18`, GB28181's `V2.420.14.R.2016-06-18`.
fn dahua(p: P<'_>) -> Option<Trait> {
    let p = p
        .opt(|p| p.lit(b"V"))
        .one_of(b"1234")?
        .lit(b".")?
        .digits(3, 3)?
        .lit(b".")?;
    let long = p
        .alnum(0, 7)
        .and_then(|q| q.opt(|q| q.lit(b" ")).alnum(0, 7))
        .filter(|q| (7..=8).contains(&(q.pos() - p.pos())))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 2))
        .and_then(|q| q.lit(b".R"));
    let short = p.digits(1, 2).and_then(|q| q.lit(b".R."));
    long.or(short)?;
    Some(strong(Maker::Dahua, "Dahua firmware '#.###.#######.#.R'"))
}

/// `IPC_G6106-B0005P11D1812C03`, `QIPC-B2202.3.73.C06290.NB.230628`, `HCMN-B2201.6.9.220415`.
fn uniview(p: P<'_>) -> Option<Trait> {
    p.many_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", 2, 16)?
        .lit(b"-B")?
        .digits(4, 4)?
        .one_of(b".P")?;
    Some(strong(Maker::Uniview, "Uniview firmware '<board>-B####'"))
}

/// `V5.00.R02.000529B2.10010.040600.0020000`, `V4.02.R11.00001906.10012.230100.00000`.
fn xiongmai(p: P<'_>) -> Option<Trait> {
    p.lit(b"V")?
        .digits(1, 1)?
        .lit(b".")?
        .digits(2, 2)?
        .lit(b".R")?
        .digits(2, 2)?
        .lit(b".")?
        .alnum(8, 8)?
        .lit(b".")?
        .digits(5, 5)?
        .lit(b".")?;
    Some(strong(
        Maker::Xiongmai,
        "Xiongmai firmware 'V#.##.R##.<board id>.#####'",
    ))
}

fn others(p: P<'_>) -> Option<Trait> {
    // Hanwha: 2.11.01_20211210_R251.
    if p.digits(1, 1)
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(2, 2))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(2, 2))
        .and_then(|q| q.lit(b"_"))
        .and_then(|q| q.digits(8, 8))
        .and_then(|q| q.lit(b"_R"))
        .is_some()
    {
        return Some(strong(
            Maker::HanwhaVision,
            "Hanwha firmware '#.##.##_yyyymmdd_R###'",
        ));
    }
    // Vivotek: IB8369-VVTK-0102a.
    if p.upper(2, 2)
        .and_then(|q| q.digits(4, 4))
        .and_then(|q| q.many_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ-", 0, 8))
        .is_some()
        && find(p.rest(), b"-VVTK-")
    {
        return Some(strong(
            Maker::Vivotek,
            "Vivotek firmware '<model>-VVTK-####'",
        ));
    }
    // Reolink: v2.0.0.1389_18081408, v3.1.0.3429_2404181313.
    if p.lit(b"v")
        .and_then(|q| q.digits(1, 1))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 2))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 2))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(3, 4))
        .and_then(|q| q.lit(b"_"))
        .and_then(|q| q.digits(8, 10))
        .and_then(|q| q.end())
        .is_some()
    {
        return Some(strong(
            Maker::Reolink,
            "Reolink firmware 'v#.#.#.####_yymmddhh'",
        ));
    }
    // Milesight: 61.8.0.3-r8.
    if p.digits(2, 2)
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 2))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 2))
        .and_then(|q| q.lit(b"."))
        .and_then(|q| q.digits(1, 3))
        .and_then(|q| q.lit(b"-r"))
        .and_then(|q| q.digits(1, 3))
        .is_some()
    {
        return Some(weak(Maker::Milesight, "Milesight firmware '##.#.#.#-r#'"));
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_firmware_versions() {
        // Versions from protocol/fixtures/real and the sources in tests/data/identities.toml.
        let table: &[(&str, Option<Maker>)] = &[
            ("V5.2.0 build 140721", Some(Maker::Hikvision)),
            ("V5.5.31 build 180903", Some(Maker::Hikvision)),
            ("V5.6.2build 190701", Some(Maker::Hikvision)),
            ("V5.3.4 build 160830", Some(Maker::Hikvision)),
            ("V5.7.1 build 250227", Some(Maker::Hikvision)),
            ("2.800.0000000.13.R", Some(Maker::Dahua)),
            ("V2.800.00AC003.0.R", Some(Maker::Dahua)),
            (
                "2.811.0000013.0.R, Build Date 2023-12-20",
                Some(Maker::Dahua),
            ),
            ("2.420.Dahua 00.14.R, build: 2016-06-18", Some(Maker::Dahua)),
            ("3.142.15OG003.0.R", Some(Maker::Dahua)),
            ("2.000.00IB004.0.R", Some(Maker::Dahua)),
            ("V2.420.14.R.2016-06-18", Some(Maker::Dahua)),
            ("IPC_G6106-B0005P11D1812C03", Some(Maker::Uniview)),
            ("QIPC-B2202.3.73.C06290.NB.230628", Some(Maker::Uniview)),
            ("HCMN-B2201.6.9.220415", Some(Maker::Uniview)),
            (
                "V5.00.R02.000529B2.10010.040600.0020000",
                Some(Maker::Xiongmai),
            ),
            (
                "V5.00.R02.L5330747.10010.349917..ONVIF 16.12",
                Some(Maker::Xiongmai),
            ),
            (
                "V5.00.R02.000659N7.10010.140d00..ONVIF 16.12",
                Some(Maker::Xiongmai),
            ),
            ("2.11.01_20211210_R251", Some(Maker::HanwhaVision)),
            ("v2.0.0.1389_18081408", Some(Maker::Reolink)),
            ("v3.1.0.3429_2404181313", Some(Maker::Reolink)),
            ("61.8.0.3-r8", Some(Maker::Milesight)),
            ("IB8369-VVTK-0102a", Some(Maker::Vivotek)),
            // Generic or other makers' schemes: no verdict.
            ("9.80.3.13", None),
            ("5.55.1.2", None),
            ("2.9.0.4.9340-A0.0", None),
            ("8.71.0066", None),
            ("1.16.00", None),
            ("V1.04.10-190309", None),
            ("5.6.1.1127", None),
            ("V5.6.2", None),
            ("2.400.0.8", None),
            ("", None),
        ];
        for &(fw, want) in table {
            assert_eq!(format(fw).map(|t| t.maker), want, "{fw}");
        }
    }
}
