//! The makers camaudit can name: canonical names, home countries and corporate parents.
//!
//! A maker is the company that made the hardware. Names here are the only values
//! `Attribution::maker` ever takes, and the only names policy files may list.

use std::fmt;

/// A company that makes cameras, recorders or their network hardware.
///
/// The list is deliberately short: a maker is added when a signal can point at it (an IEEE
/// registration, a model family, a firmware format) or a policy list needs to name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Maker {
    // Headquartered in the People's Republic of China.
    Hikvision,
    Dahua,
    Uniview,
    Tvt,
    Tiandy,
    Kedacom,
    Sunell,
    Xiongmai,
    Milesight,
    Raysharp,
    Huawei,
    Zte,
    Hytera,
    Jovision,
    TpLink,
    Reolink,
    // Headquartered elsewhere.
    Axis,
    Bosch,
    HanwhaVision,
    Vivotek,
    GeoVision,
    Acti,
    Avtech,
    Pelco,
    Avigilon,
    MotorolaSolutions,
    Sony,
    Panasonic,
    Canon,
    Mobotix,
    Flir,
    DLink,
    Idis,
    Verkada,
    Ubiquiti,
    Honeywell,
    MarchNetworks,
    DigitalWatchdog,
    Vicon,
    MeritLilin,
    EverFocus,
    Zavio,
    Arecont,
    IqInvision,
    Genetec,
    Speco,
    Costar,
    Sentry360,
    ThreeXLogic,
}

struct Info {
    name: &'static str,
    /// ISO 3166 code of the headquarters, for explanations only: policy is decided by the
    /// lists, never by this field.
    country: &'static str,
    parent: Option<Maker>,
}

impl Maker {
    /// Every maker, in declaration order.
    pub const ALL: &'static [Self] = &[
        Self::Hikvision,
        Self::Dahua,
        Self::Uniview,
        Self::Tvt,
        Self::Tiandy,
        Self::Kedacom,
        Self::Sunell,
        Self::Xiongmai,
        Self::Milesight,
        Self::Raysharp,
        Self::Huawei,
        Self::Zte,
        Self::Hytera,
        Self::Jovision,
        Self::TpLink,
        Self::Reolink,
        Self::Axis,
        Self::Bosch,
        Self::HanwhaVision,
        Self::Vivotek,
        Self::GeoVision,
        Self::Acti,
        Self::Avtech,
        Self::Pelco,
        Self::Avigilon,
        Self::MotorolaSolutions,
        Self::Sony,
        Self::Panasonic,
        Self::Canon,
        Self::Mobotix,
        Self::Flir,
        Self::DLink,
        Self::Idis,
        Self::Verkada,
        Self::Ubiquiti,
        Self::Honeywell,
        Self::MarchNetworks,
        Self::DigitalWatchdog,
        Self::Vicon,
        Self::MeritLilin,
        Self::EverFocus,
        Self::Zavio,
        Self::Arecont,
        Self::IqInvision,
        Self::Genetec,
        Self::Speco,
        Self::Costar,
        Self::Sentry360,
        Self::ThreeXLogic,
    ];

    fn info(self) -> Info {
        let (name, country, parent) = match self {
            Self::Hikvision => ("Hikvision", "CN", None),
            Self::Dahua => ("Dahua", "CN", None),
            Self::Uniview => ("Uniview", "CN", None),
            Self::Tvt => ("TVT", "CN", None),
            Self::Tiandy => ("Tiandy", "CN", None),
            Self::Kedacom => ("Kedacom", "CN", None),
            Self::Sunell => ("Sunell", "CN", None),
            Self::Xiongmai => ("Xiongmai", "CN", None),
            Self::Milesight => ("Milesight", "CN", None),
            Self::Raysharp => ("Raysharp", "CN", None),
            Self::Huawei => ("Huawei", "CN", None),
            Self::Zte => ("ZTE", "CN", None),
            Self::Hytera => ("Hytera", "CN", None),
            Self::Jovision => ("Jovision", "CN", None),
            Self::TpLink => ("TP-Link", "CN", None),
            Self::Reolink => ("Reolink", "HK", None),
            Self::Axis => ("Axis", "SE", None),
            Self::Bosch => ("Bosch", "DE", None),
            Self::HanwhaVision => ("Hanwha Vision", "KR", None),
            Self::Vivotek => ("Vivotek", "TW", None),
            Self::GeoVision => ("GeoVision", "TW", None),
            Self::Acti => ("ACTi", "TW", None),
            Self::Avtech => ("AVTECH", "TW", None),
            Self::Pelco => ("Pelco", "US", Some(Self::MotorolaSolutions)),
            Self::Avigilon => ("Avigilon", "CA", Some(Self::MotorolaSolutions)),
            Self::MotorolaSolutions => ("Motorola Solutions", "US", None),
            Self::Sony => ("Sony", "JP", None),
            Self::Panasonic => ("Panasonic", "JP", None),
            Self::Canon => ("Canon", "JP", None),
            Self::Mobotix => ("Mobotix", "DE", None),
            Self::Flir => ("FLIR", "US", None),
            Self::DLink => ("D-Link", "TW", None),
            Self::Idis => ("IDIS", "KR", None),
            Self::Verkada => ("Verkada", "US", None),
            Self::Ubiquiti => ("Ubiquiti", "US", None),
            Self::Honeywell => ("Honeywell", "US", None),
            Self::MarchNetworks => ("March Networks", "CA", None),
            Self::DigitalWatchdog => ("Digital Watchdog", "US", None),
            Self::Vicon => ("Vicon", "US", None),
            Self::MeritLilin => ("Merit LILIN", "TW", None),
            Self::EverFocus => ("EverFocus", "TW", None),
            Self::Zavio => ("Zavio", "TW", None),
            Self::Arecont => ("Arecont Vision", "US", None),
            Self::IqInvision => ("IQinVision", "US", None),
            Self::Genetec => ("Genetec", "CA", None),
            Self::Speco => ("Speco", "US", None),
            Self::Costar => ("Costar", "US", None),
            Self::Sentry360 => ("Sentry360", "US", None),
            Self::ThreeXLogic => ("3xLOGIC", "US", None),
        };
        Info {
            name,
            country,
            parent,
        }
    }

    /// The canonical name written to `attribution.maker`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// ISO 3166 alpha-2 code of the maker's headquarters.
    pub fn country(self) -> &'static str {
        self.info().country
    }

    /// The group this maker belongs to, when that group is itself a maker here.
    pub fn parent(self) -> Option<Self> {
        self.info().parent
    }

    /// The top of this maker's corporate family (itself when it has no parent).
    pub fn family(self) -> Self {
        let mut m = self;
        // The table is two levels deep; the bound guards against a future cycle.
        for _ in 0..4 {
            match m.parent() {
                Some(p) => m = p,
                None => break,
            }
        }
        m
    }

    /// Looks a canonical name up, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Maker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for &m in Maker::ALL {
            assert!(
                seen.insert(m.name().to_ascii_lowercase()),
                "duplicate name {}",
                m.name()
            );
            assert_eq!(Maker::from_name(m.name()), Some(m));
            assert_eq!(Maker::from_name(&m.name().to_uppercase()), Some(m));
            assert_eq!(m.country().len(), 2);
        }
    }

    #[test]
    fn families_follow_parents() {
        let table = [
            (Maker::Pelco, Maker::MotorolaSolutions),
            (Maker::Avigilon, Maker::MotorolaSolutions),
            (Maker::Hikvision, Maker::Hikvision),
            (Maker::Vivotek, Maker::Vivotek),
        ];
        for (m, family) in table {
            assert_eq!(m.family(), family, "{m}");
        }
    }

    #[test]
    fn unknown_names_are_refused() {
        for name in [
            "",
            "Hikvisio",
            "Shanghai Dahua Scale Factory",
            "Dahua Scale",
        ] {
            assert_eq!(Maker::from_name(name), None, "{name}");
        }
    }
}
