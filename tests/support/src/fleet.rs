//! Fleet specification: what each simulated camera is (vendor profile, identity, credentials,
//! behaviour), deterministic generation from a seed, and the JSON ground truth.
//!
//! The spec is plain data. It does not bind sockets (that is [`crate::sim`]) nor render
//! responses (that is [`crate::profile`]).

use std::collections::HashSet;
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::prng::SplitMix64;

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FleetError {
    #[error("address range from {base} for {count} cameras runs past 255.255.255.255")]
    AddressOverflow { base: Ipv4Addr, count: usize },
    #[error("could not make {what} unique for camera {index} after {attempts} attempts")]
    NotUnique {
        what: &'static str,
        index: usize,
        attempts: u32,
    },
    #[error("invalid vendor mix {input:?}: {reason}")]
    VendorMix { input: String, reason: String },
    #[error("fleet spec JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("duplicate camera address {0}")]
    DuplicateAddress(Ipv4Addr),
}

/// A vendor fixture family: which real captures a camera replays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// `hikvision-ds-2cd2012-i-*`, ProbeMatches of the DS-2CD3955FWD-IWS.
    Hikvision,
    /// `trendnet-tv-ip320pi-*` (Hikvision OEM firmware).
    TrendnetHikOem,
    /// `axis-q6045-e-*`, ProbeMatches and GetServices of the M2025-LE.
    Axis,
    /// `pelco-d6230l-*`.
    Pelco,
    /// Dahua single-line `s:`/`sc:` family with the DH-2H3400-ADP device information.
    Dahua,
    /// Amcrest (Dahua OEM) with the IP5M-T1277EW-AI device information.
    Amcrest,
    /// Unbranded Uniview OEM (`unbranded-gx728mf-ir28-*`).
    Generic,
    /// SUNBA on a Xiongmai XM530 board (`sunba-xm530-*`), ONVIF on port 8899 upstream.
    Sunba,
    /// Milesight (`milesight-ms-c8165-pe-*`).
    Milesight,
}

impl Profile {
    pub const ALL: [Self; 9] = [
        Self::Hikvision,
        Self::TrendnetHikOem,
        Self::Axis,
        Self::Pelco,
        Self::Dahua,
        Self::Amcrest,
        Self::Generic,
        Self::Sunba,
        Self::Milesight,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Hikvision => "hikvision",
            Self::TrendnetHikOem => "trendnet-hik-oem",
            Self::Axis => "axis",
            Self::Pelco => "pelco",
            Self::Dahua => "dahua",
            Self::Amcrest => "amcrest",
            Self::Generic => "generic",
            Self::Sunba => "sunba",
            Self::Milesight => "milesight",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown profile {s:?}"))
    }
}

/// How a camera guards its READ_SYSTEM operations (GetDeviceInformation, GetNetworkInterfaces,
/// GetScopes). PRE_AUTH operations are always anonymous.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AuthMode {
    None,
    /// WS-Security UsernameToken with PasswordDigest; failures get HTTP 400 `ter:NotAuthorized`.
    WsUsernameToken {
        user: String,
        pass: String,
    },
    /// HTTP Digest (RFC 7616) with realm `Login to <serial>`; `sha256` also offers SHA-256.
    Digest {
        user: String,
        pass: String,
        #[serde(default)]
        sha256: bool,
    },
}

impl AuthMode {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::WsUsernameToken { .. } => "ws-username-token",
            Self::Digest { .. } => "digest",
        }
    }

    /// `(user, password)` when the camera requires credentials.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        match self {
            Self::None => None,
            Self::WsUsernameToken { user, pass } | Self::Digest { user, pass, .. } => {
                Some((user, pass))
            }
        }
    }
}

// Design: credentials never reach Debug output or logs.
impl fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::WsUsernameToken { user, .. } => f
                .debug_struct("WsUsernameToken")
                .field("user", user)
                .field("pass", &"<redacted>")
                .finish(),
            Self::Digest { user, sha256, .. } => f
                .debug_struct("Digest")
                .field("user", user)
                .field("pass", &"<redacted>")
                .field("sha256", sha256)
                .finish(),
        }
    }
}

/// How a camera misbehaves (hostile or broken devices a scan must survive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Behaviour {
    Normal,
    /// Waits this long before answering each HTTP request.
    SlowHttp(#[serde(with = "duration_ms")] Duration),
    /// HTTP 200 whose body is broken XML.
    Malformed,
    /// `Content-Length: 4000`, then 500 bytes, then the connection closes.
    Truncated,
    /// A 2 MiB body.
    Oversized,
    /// Answers WS-Discovery; HTTP accepts connections and never answers.
    Silent,
    /// Answers WS-Discovery; the HTTP port is closed.
    NoHttp,
    /// ONVIF discovery off: no WS-Discovery answer, HTTP still answers.
    NoDiscovery,
    /// ONVIF switched off, as Hikvision and Dahua ship many models: no WS-Discovery answer and
    /// no device service (404); the vendor's own discovery (SADP, DHIP) and web identity pages
    /// still answer.
    OnvifOff,
}

impl Behaviour {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::SlowHttp(_) => "slow-http",
            Self::Malformed => "malformed",
            Self::Truncated => "truncated",
            Self::Oversized => "oversized",
            Self::Silent => "silent",
            Self::NoHttp => "no-http",
            Self::NoDiscovery => "no-discovery",
            Self::OnvifOff => "onvif-off",
        }
    }

    /// Answers WS-Discovery Probes.
    pub fn answers_discovery(&self) -> bool {
        !matches!(self, Self::NoDiscovery | Self::OnvifOff)
    }

    /// Serves the ONVIF device service.
    pub fn serves_onvif(&self) -> bool {
        !matches!(self, Self::OnvifOff)
    }

    pub fn serves_http(&self) -> bool {
        !matches!(self, Self::NoHttp)
    }
}

/// What a camera says it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub manufacturer: String,
    pub model: String,
    pub firmware: String,
    pub serial: String,
    #[serde(with = "mac_string")]
    pub mac: [u8; 6],
    pub hardware_id: String,
    pub hostname: String,
    /// WS-Discovery EndpointReference Address exactly as the device sends it
    /// (`urn:uuid:…` or `uuid:…`, depending on the family).
    pub endpoint: String,
}

impl Identity {
    /// `44:19:b6:a1:b2:c3`.
    pub fn mac_string(&self) -> String {
        format_mac(&self.mac)
    }
}

/// One simulated camera.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraSpec {
    pub ip: Ipv4Addr,
    pub profile: Profile,
    pub auth: AuthMode,
    pub behaviour: Behaviour,
    /// Delay before answering a Probe (SOAP-over-UDP APP_MAX_DELAY jitter).
    #[serde(with = "duration_ms", rename = "reply_delay_ms")]
    pub reply_delay: Duration,
    /// Camera clock = system clock + this.
    pub clock_skew_secs: i64,
    pub identity: Identity,
}

/// Which profiles a generated fleet contains, by relative weight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorMix(pub Vec<(Profile, u32)>);

impl Default for VendorMix {
    /// Roughly the share of ONVIF cameras on a mixed estate: Hikvision and Dahua families lead.
    fn default() -> Self {
        Self(vec![
            (Profile::Hikvision, 30),
            (Profile::TrendnetHikOem, 5),
            (Profile::Dahua, 15),
            (Profile::Amcrest, 8),
            (Profile::Axis, 12),
            (Profile::Pelco, 5),
            (Profile::Generic, 10),
            (Profile::Sunba, 7),
            (Profile::Milesight, 8),
        ])
    }
}

impl VendorMix {
    /// Every camera of one profile.
    pub fn only(profile: Profile) -> Self {
        Self(vec![(profile, 1)])
    }

    fn pick(&self, rng: &mut SplitMix64) -> Profile {
        let total: u64 = self.0.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut target = rng.below(total);
        for &(profile, weight) in &self.0 {
            if target < u64::from(weight) {
                return profile;
            }
            target -= u64::from(weight);
        }
        Profile::Hikvision
    }
}

impl FromStr for VendorMix {
    type Err = FleetError;

    /// `hikvision=30,dahua=20,axis` (weight defaults to 1).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| FleetError::VendorMix {
            input: s.to_owned(),
            reason,
        };
        let mut entries = Vec::new();
        for item in s.split(',').filter(|i| !i.trim().is_empty()) {
            let (name, weight) = item.split_once('=').unwrap_or((item, "1"));
            let profile = name.parse::<Profile>().map_err(err)?;
            let weight = weight
                .trim()
                .parse::<u32>()
                .map_err(|e| err(e.to_string()))?;
            entries.push((profile, weight));
        }
        if entries.iter().all(|&(_, w)| w == 0) {
            return Err(err("no profile with a positive weight".into()));
        }
        Ok(Self(entries))
    }
}

/// Knobs of [`FleetSpec::generate`].
#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// Share of cameras that require credentials (0.0–1.0).
    pub auth_ratio: f64,
    /// Upper bound of the per-camera Probe reply delay.
    pub max_delay: Duration,
    pub vendor_mix: VendorMix,
    /// How many cameras get a hostile [`Behaviour`] (cycling through every kind).
    pub hostile: usize,
}

impl Default for FleetOptions {
    fn default() -> Self {
        Self {
            auth_ratio: 0.2,
            max_delay: Duration::from_millis(500),
            vendor_mix: VendorMix::default(),
            hostile: 0,
        }
    }
}

/// A whole fleet; serialised, it is the ground truth a scan is compared against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSpec {
    pub seed: u64,
    pub cameras: Vec<CameraSpec>,
}

impl FleetSpec {
    /// A deterministic fleet of `n` cameras from `base` upwards (see [`ip_range`]).
    pub fn generate(
        n: usize,
        base: Ipv4Addr,
        seed: u64,
        opts: &FleetOptions,
    ) -> Result<Self, FleetError> {
        let ips = ip_range(base, n)?;
        let hostile = hostile_assignment(n, seed, opts.hostile);
        let mut unique = Uniqueness::default();
        let mut cameras = Vec::with_capacity(n);
        for (index, ip) in ips.into_iter().enumerate() {
            let mut rng = SplitMix64::for_camera(seed, index as u64);
            let profile = opts.vendor_mix.pick(&mut rng);
            let identity = unique.identity(profile, &mut rng, index)?;
            let auth = auth_mode(profile, &mut rng, opts.auth_ratio);
            let reply_delay = random_delay(&mut rng, opts.max_delay);
            let clock_skew_secs = clock_skew(&mut rng);
            let behaviour = hostile
                .get(index)
                .cloned()
                .flatten()
                .unwrap_or(Behaviour::Normal);
            cameras.push(CameraSpec {
                ip,
                profile,
                auth,
                behaviour,
                reply_delay,
                clock_skew_secs,
                identity,
            });
        }
        Ok(Self { seed, cameras })
    }

    pub fn to_json(&self) -> Result<String, FleetError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Parses and checks a spec (unique addresses).
    pub fn from_json(text: &str) -> Result<Self, FleetError> {
        let spec: Self = serde_json::from_str(text)?;
        let mut seen = HashSet::new();
        if let Some(dup) = spec.cameras.iter().find(|c| !seen.insert(c.ip)) {
            return Err(FleetError::DuplicateAddress(dup.ip));
        }
        Ok(spec)
    }

    /// Switches ONVIF off ([`Behaviour::OnvifOff`]) on every `n`th camera (the 1st, the
    /// `n+1`th, …) of the families with a vendor discovery protocol (Hikvision and Dahua, with
    /// their OEMs), counting per family; cameras with another behaviour keep it. Returns the
    /// addresses switched.
    pub fn switch_onvif_off(&mut self, n: usize) -> Vec<Ipv4Addr> {
        let mut seen = std::collections::HashMap::new();
        let mut out = Vec::new();
        for c in &mut self.cameras {
            let Some(family) = crate::vendor::protocol_of(c.profile) else {
                continue;
            };
            let k = seen.entry(family).or_insert(0usize);
            if *k % n.max(1) == 0 && c.behaviour == Behaviour::Normal {
                c.behaviour = Behaviour::OnvifOff;
                out.push(c.ip);
            }
            *k += 1;
        }
        out
    }

    pub fn camera(&self, ip: Ipv4Addr) -> Option<&CameraSpec> {
        self.cameras.iter().find(|c| c.ip == ip)
    }

    /// `hikvision=12 dahua=7 …` in profile order.
    pub fn profile_counts(&self) -> Vec<(Profile, usize)> {
        Profile::ALL
            .into_iter()
            .map(|p| (p, self.cameras.iter().filter(|c| c.profile == p).count()))
            .filter(|&(_, n)| n > 0)
            .collect()
    }
}

/// `count` host addresses from `base` upwards, skipping those ending in .0 and .255 so that no
/// camera sits on an address a /24-minded tool treats as network or broadcast.
pub fn ip_range(base: Ipv4Addr, count: usize) -> Result<Vec<Ipv4Addr>, FleetError> {
    let overflow = || FleetError::AddressOverflow { base, count };
    let mut out = Vec::with_capacity(count);
    let mut next = u32::from(base);
    while out.len() < count {
        let last = next & 0xff;
        if last != 0 && last != 0xff {
            out.push(Ipv4Addr::from(next));
        }
        if out.len() < count {
            next = next.checked_add(1).ok_or_else(overflow)?;
        }
    }
    Ok(out)
}

pub fn format_mac(mac: &[u8; 6]) -> String {
    let [a, b, c, d, e, f] = mac;
    format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}")
}

pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut out = [0u8; 6];
    let mut parts = text.split([':', '-']);
    for byte in &mut out {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(out)
}

const HOSTILE_CYCLE: [fn(&mut SplitMix64) -> Behaviour; 7] = [
    |rng| Behaviour::SlowHttp(Duration::from_millis(2000 + rng.below(8000))),
    |_| Behaviour::Malformed,
    |_| Behaviour::Truncated,
    |_| Behaviour::Oversized,
    |_| Behaviour::Silent,
    |_| Behaviour::NoHttp,
    |_| Behaviour::NoDiscovery,
];

/// Which cameras misbehave and how: `hostile` distinct indices, chosen by a partial
/// Fisher-Yates shuffle, get the hostile kinds in turn.
fn hostile_assignment(n: usize, seed: u64, hostile: usize) -> Vec<Option<Behaviour>> {
    let mut rng = SplitMix64::new(seed ^ 0x686f_7374_696c_6521);
    let mut order: Vec<usize> = (0..n).collect();
    let mut out = vec![None; n];
    for k in 0..hostile.min(n) {
        let remaining = (n - k) as u64;
        let j = k + usize::try_from(rng.below(remaining)).unwrap_or(0);
        order.swap(k, j);
        let make = HOSTILE_CYCLE[k % HOSTILE_CYCLE.len()];
        if let Some(slot) = order.get(k).and_then(|&i| out.get_mut(i)) {
            *slot = Some(make(&mut rng));
        }
    }
    out
}

fn auth_mode(profile: Profile, rng: &mut SplitMix64, ratio: f64) -> AuthMode {
    if rng.unit() >= ratio {
        return AuthMode::None;
    }
    let user = "admin".to_owned();
    let pass = format!("Cam-{}", rng.string_from(ALNUM, 10));
    let digest = match profile {
        // Hikvision firmware is the source of the 400 NotAuthorized capture.
        Profile::Hikvision | Profile::TrendnetHikOem => false,
        // Dahua's "Login to <serial>" realm is a digest realm.
        Profile::Dahua | Profile::Amcrest => true,
        _ => rng.below(2) == 0,
    };
    if digest {
        AuthMode::Digest {
            user,
            pass,
            sha256: rng.below(2) == 0,
        }
    } else {
        AuthMode::WsUsernameToken { user, pass }
    }
}

fn random_delay(rng: &mut SplitMix64, max: Duration) -> Duration {
    let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rng.below(max_ms.saturating_add(1)))
}

/// Most clocks are close; some drift inside the ±300 s token window, some far outside it.
fn clock_skew(rng: &mut SplitMix64) -> i64 {
    let roll = rng.unit();
    let magnitude = if roll < 0.7 {
        rng.below(6)
    } else if roll < 0.9 {
        30 + rng.below(260)
    } else {
        400 + rng.below(7200)
    };
    let magnitude = i64::try_from(magnitude).unwrap_or(0);
    if rng.below(2) == 0 {
        magnitude
    } else {
        -magnitude
    }
}

const ALNUM: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
const DIGITS: &[u8] = b"0123456789";
const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
const LOWER_HEX: &[u8] = b"0123456789abcdef";
const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Re-draws identities until MAC and serial are unique within the fleet.
#[derive(Default)]
struct Uniqueness {
    macs: HashSet<[u8; 6]>,
    serials: HashSet<String>,
}

impl Uniqueness {
    const ATTEMPTS: u32 = 64;

    fn identity(
        &mut self,
        profile: Profile,
        rng: &mut SplitMix64,
        index: usize,
    ) -> Result<Identity, FleetError> {
        for _ in 0..Self::ATTEMPTS {
            let identity = vendor_identity(profile, rng);
            if !self.macs.contains(&identity.mac) && !self.serials.contains(&identity.serial) {
                self.macs.insert(identity.mac);
                self.serials.insert(identity.serial.clone());
                return Ok(identity);
            }
        }
        Err(FleetError::NotUnique {
            what: "MAC and serial",
            index,
            attempts: Self::ATTEMPTS,
        })
    }
}

struct Catalogue {
    manufacturer: &'static str,
    /// (model, firmware, hardware id; empty = derived)
    models: &'static [(&'static str, &'static str, &'static str)],
    ouis: &'static [[u8; 3]],
}

fn catalogue(profile: Profile) -> Catalogue {
    match profile {
        Profile::Hikvision => Catalogue {
            manufacturer: "HIKVISION",
            models: &[
                ("DS-2CD2012-I", "V5.2.0 build 140721", "88"),
                ("DS-2CD2142FWD-I", "V5.4.5 build 170124", "88"),
                ("DS-2CD2385G1-I", "V5.6.2 build 190701", "88"),
                ("DS-2CD2043G0-I", "V5.5.82 build 190220", "88"),
                ("DS-2DE4A425IW-DE", "V5.6.15 build 200506", "88"),
                ("DS-2CD2T47G2-L", "V5.7.3 build 220112", "88"),
            ],
            ouis: &[[0x44, 0x19, 0xb6], [0xc0, 0x56, 0xe3]],
        },
        Profile::TrendnetHikOem => Catalogue {
            manufacturer: "TRENDnet",
            models: &[
                ("TV-IP320PI", "V5.3.4 build 160830", "88"),
                ("TV-IP314PI", "V5.3.4 build 160830", "88"),
                ("TV-IP325PI", "V5.4.1 build 170315", "88"),
            ],
            ouis: &[[0x3c, 0x8c, 0xf8]],
        },
        Profile::Axis => Catalogue {
            manufacturer: "AXIS",
            models: &[
                ("AXIS Q6045-E", "5.55.1.2", "1C9.2"),
                ("AXIS M2025-LE", "9.80.3.13", "727"),
                ("AXIS P1435-LE", "10.12.114", "7A4"),
                ("AXIS M3045-V", "9.80.1", "70E"),
            ],
            ouis: &[[0x00, 0x40, 0x8c], [0xac, 0xcc, 0x8e]],
        },
        Profile::Pelco => Catalogue {
            manufacturer: "Pelco",
            models: &[
                ("D6230L", "2.9.0.4.9340-A0.0", ""),
                ("IMP521-1ES", "2.9.0.4.9340-A0.0", ""),
            ],
            ouis: &[[0x00, 0x04, 0x7d]],
        },
        Profile::Dahua => Catalogue {
            manufacturer: "Dahua",
            models: &[
                (
                    "IPC-HDW1431T1-S4",
                    "2.800.0000000.13.R, Build Date 2021-01-12",
                    "1.00",
                ),
                (
                    "IPC-HFW2228M-I1-V2",
                    "2.800.0000008.0.R, Build Date 2020-11-05",
                    "1.00",
                ),
                (
                    "DH-2H3400-ADP",
                    "2.811.0000013.0.R, Build Date 2023-12-20",
                    "1.00",
                ),
                (
                    "IPC-HDW5421S",
                    "2.400.0000000.8.R, Build Date 2016-04-22",
                    "1.00",
                ),
            ],
            ouis: &[[0x08, 0xed, 0xed], [0x3c, 0xef, 0x8c]],
        },
        Profile::Amcrest => Catalogue {
            manufacturer: "Amcrest",
            models: &[
                ("IP5M-T1277EW-AI", "V2.800.00AC003.0.R", "1.00"),
                ("IP2M-841B", "V2.620.00AC000.0.R", "1.00"),
                ("IP5M-B1186E", "V2.800.00AC006.0.R", "1.00"),
                ("IP4M-1041B", "V2.800.00AC002.0.R", "1.00"),
            ],
            ouis: &[[0x9c, 0x8e, 0xcd]],
        },
        Profile::Generic => Catalogue {
            manufacturer: "NONE",
            models: &[
                ("GX728MF-IR28", "IPC_G6106-B0005P11D1812C03", ""),
                ("GX528-IR28", "IPC_G6106-B0005P11D1812C03", ""),
            ],
            // Uniview's own blocks: the unbranded units are Uniview OEM hardware.
            ouis: &[[0x48, 0xea, 0x63], [0x6c, 0xf1, 0x7e]],
        },
        Profile::Sunba => Catalogue {
            manufacturer: "H264",
            models: &[(
                "XM530_50X50-WG_8M",
                "V5.00.R02.L5330747.10010.349917..ONVIF 16.12",
                "00001",
            )],
            // Xiongmai has no IEEE block; 00:12:31 is what a real XM unit reported.
            ouis: &[[0x00, 0x12, 0x31]],
        },
        Profile::Milesight => Catalogue {
            manufacturer: "Milesight Technology Co.,Ltd.",
            models: &[
                ("MS-C8165-PE", "61.8.0.3-r8", "V1.0"),
                ("MS-C2964-RFPB", "45.8.0.3-r9", "V1.0"),
                ("MS-C5376-PA", "45.8.0.3-r6", "V1.0"),
            ],
            ouis: &[[0x1c, 0xc3, 0x16]],
        },
    }
}

fn vendor_identity(profile: Profile, rng: &mut SplitMix64) -> Identity {
    let cat = catalogue(profile);
    let &(model, firmware, hardware_id) = rng.pick(cat.models).unwrap_or(&("", "", ""));
    let oui = rng.pick(cat.ouis).copied().unwrap_or([0x02, 0, 0]);
    let tail: [u8; 3] = rng.bytes();
    let mac = [oui[0], oui[1], oui[2], tail[0], tail[1], tail[2]];
    let mac_plain_upper: String = mac.iter().map(|b| format!("{b:02X}")).collect();
    let mac_plain_lower = mac_plain_upper.to_ascii_lowercase();
    let serial = match profile {
        Profile::Hikvision | Profile::TrendnetHikOem => {
            format!(
                "{model}{}AAWR{}",
                build_date(rng),
                rng.string_from(DIGITS, 9)
            )
        }
        Profile::Axis => mac_plain_upper.clone(),
        Profile::Pelco => format!("J{}", rng.string_from(DIGITS, 6)),
        Profile::Dahua => format!(
            "{}PA{}{}",
            rng.string_from(UPPER_ALNUM, 7),
            rng.string_from(b"ABCDEFGHJKLMNPQRSTUVWXYZ", 1),
            rng.string_from(UPPER_ALNUM, 5)
        ),
        Profile::Amcrest => format!("AMC{}", rng.string_from(UPPER_HEX, 15)),
        Profile::Generic => format!("210235T8HQ{}", rng.string_from(DIGITS, 10)),
        Profile::Sunba => rng.string_from(LOWER_HEX, 16),
        Profile::Milesight => {
            format!(
                "EM{}V1{}",
                rng.string_from(DIGITS, 2),
                rng.string_from(DIGITS, 11)
            )
        }
    };
    let hardware_id = match profile {
        Profile::Pelco => format_mac(&mac),
        Profile::Generic => model.to_owned(),
        _ => hardware_id.to_owned(),
    };
    let hostname = match profile {
        Profile::Axis => format!("axis-{mac_plain_lower}"),
        Profile::Hikvision | Profile::TrendnetHikOem => "IPCamera".to_owned(),
        Profile::Dahua | Profile::Amcrest | Profile::Generic => "IPC".to_owned(),
        Profile::Sunba => "LocalHost".to_owned(),
        Profile::Pelco => format!("{model}-{serial}"),
        Profile::Milesight => "Camera".to_owned(),
    };
    let endpoint = endpoint_address(profile, rng, &mac_plain_lower, &mac_plain_upper);
    Identity {
        manufacturer: cat.manufacturer.to_owned(),
        model: model.to_owned(),
        firmware: firmware.to_owned(),
        serial,
        mac,
        hardware_id,
        hostname,
        endpoint,
    }
}

/// The EPR address in each family's own style: Hikvision uses a version-1 uuid whose node is
/// the MAC, the generic gSOAP cameras an upper-case MAC node, Dahua/Amcrest a bare `uuid:`.
fn endpoint_address(profile: Profile, rng: &mut SplitMix64, lower: &str, upper: &str) -> String {
    let head = rng.string_from(LOWER_HEX, 8);
    let mid = rng.string_from(LOWER_HEX, 4);
    let clock = format!(
        "{}{}",
        rng.string_from(b"89ab", 1),
        rng.string_from(LOWER_HEX, 3)
    );
    let random_node = rng.string_from(LOWER_HEX, 12);
    let v4 = rng.string_from(LOWER_HEX, 3);
    match profile {
        Profile::Hikvision | Profile::TrendnetHikOem | Profile::Pelco => {
            format!("urn:uuid:{head}-{mid}-11{}-{clock}-{lower}", &v4[..2])
        }
        Profile::Generic | Profile::Sunba => format!("urn:uuid:{head}-{mid}-21b2-{clock}-{upper}"),
        Profile::Dahua | Profile::Amcrest => {
            format!("uuid:{head}-{mid}-4{v4}-{clock}-{random_node}")
        }
        Profile::Axis | Profile::Milesight => {
            format!("urn:uuid:{head}-{mid}-4{v4}-{clock}-{random_node}")
        }
    }
}

fn build_date(rng: &mut SplitMix64) -> String {
    let year = 2014 + rng.below(9);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    format!("{year}{month:02}{day:02}")
}

mod duration_ms {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

mod mac_string {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(mac: &[u8; 6], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_mac(mac))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 6], D::Error> {
        let text = String::deserialize(d)?;
        super::parse_mac(&text).ok_or_else(|| D::Error::custom(format!("bad MAC {text:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(hostile: usize) -> FleetOptions {
        FleetOptions {
            hostile,
            ..FleetOptions::default()
        }
    }

    #[test]
    fn generation_is_deterministic_and_seed_sensitive() {
        let base = Ipv4Addr::new(10, 77, 0, 10);
        let a = FleetSpec::generate(200, base, 7, &opts(5)).unwrap();
        let b = FleetSpec::generate(200, base, 7, &opts(5)).unwrap();
        let c = FleetSpec::generate(200, base, 8, &opts(5)).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.cameras[0].identity, c.cameras[0].identity);
    }

    #[test]
    fn identities_are_unique_and_vendor_shaped() {
        let spec = FleetSpec::generate(
            2000,
            Ipv4Addr::new(10, 1, 0, 1),
            1,
            &FleetOptions::default(),
        )
        .unwrap();
        let macs: HashSet<_> = spec.cameras.iter().map(|c| c.identity.mac).collect();
        let serials: HashSet<_> = spec.cameras.iter().map(|c| &c.identity.serial).collect();
        let endpoints: HashSet<_> = spec.cameras.iter().map(|c| &c.identity.endpoint).collect();
        assert_eq!(macs.len(), 2000);
        assert_eq!(serials.len(), 2000);
        assert_eq!(endpoints.len(), 2000);
        for cam in &spec.cameras {
            let id = &cam.identity;
            match cam.profile {
                Profile::Hikvision => {
                    assert!(id.serial.starts_with(&id.model), "{}", id.serial);
                    assert_eq!(&id.serial[id.model.len() + 8..id.model.len() + 12], "AAWR");
                    assert!(
                        [[0x44, 0x19, 0xb6], [0xc0, 0x56, 0xe3]]
                            .contains(&[id.mac[0], id.mac[1], id.mac[2]])
                    );
                    assert!(id.endpoint.ends_with(&id.mac_string().replace(':', "")));
                }
                Profile::Dahua => {
                    assert_eq!(id.serial.len(), 15);
                    assert_eq!(&id.serial[7..9], "PA");
                }
                Profile::Axis => {
                    assert_eq!(id.serial, id.mac_string().replace(':', "").to_uppercase())
                }
                Profile::Pelco => {
                    assert_eq!(id.mac[..3], [0x00, 0x04, 0x7d]);
                    assert_eq!(id.hardware_id, id.mac_string());
                }
                Profile::Amcrest => assert!(id.serial.starts_with("AMC")),
                _ => {}
            }
        }
        let counts = spec.profile_counts();
        assert!(counts.len() >= 8, "{counts:?}");
    }

    #[test]
    fn hostile_count_and_kinds() {
        let spec = FleetSpec::generate(50, Ipv4Addr::new(127, 3, 1, 10), 3, &opts(14)).unwrap();
        let hostile: Vec<_> = spec
            .cameras
            .iter()
            .filter(|c| c.behaviour != Behaviour::Normal)
            .collect();
        assert_eq!(hostile.len(), 14);
        let kinds: HashSet<_> = hostile.iter().map(|c| c.behaviour.name()).collect();
        assert_eq!(kinds.len(), 7);
    }

    #[test]
    fn auth_ratio_is_respected_roughly() {
        let o = FleetOptions {
            auth_ratio: 0.2,
            ..FleetOptions::default()
        };
        let spec = FleetSpec::generate(1000, Ipv4Addr::new(10, 2, 0, 1), 11, &o).unwrap();
        let with_auth = spec
            .cameras
            .iter()
            .filter(|c| c.auth != AuthMode::None)
            .count();
        assert!((150..=250).contains(&with_auth), "{with_auth}");
        let all = FleetOptions {
            auth_ratio: 1.0,
            ..FleetOptions::default()
        };
        let spec = FleetSpec::generate(100, Ipv4Addr::new(10, 2, 0, 1), 11, &all).unwrap();
        assert!(spec.cameras.iter().all(|c| c.auth != AuthMode::None));
    }

    #[test]
    fn delays_stay_under_max() {
        let o = FleetOptions {
            max_delay: Duration::from_millis(120),
            ..FleetOptions::default()
        };
        let spec = FleetSpec::generate(500, Ipv4Addr::new(10, 3, 0, 1), 5, &o).unwrap();
        assert!(
            spec.cameras
                .iter()
                .all(|c| c.reply_delay <= Duration::from_millis(120))
        );
        assert!(
            spec.cameras
                .iter()
                .any(|c| c.reply_delay > Duration::from_millis(60))
        );
    }

    #[test]
    fn ip_range_skips_network_and_broadcast_octets() {
        let ips = ip_range(Ipv4Addr::new(10, 0, 0, 253), 4).unwrap();
        assert_eq!(
            ips,
            [
                Ipv4Addr::new(10, 0, 0, 253),
                Ipv4Addr::new(10, 0, 0, 254),
                Ipv4Addr::new(10, 0, 1, 1),
                Ipv4Addr::new(10, 0, 1, 2)
            ]
        );
        assert!(ip_range(Ipv4Addr::new(255, 255, 255, 250), 10).is_err());
    }

    #[test]
    fn json_round_trip_keeps_truth_and_debug_hides_passwords() {
        let o = FleetOptions {
            auth_ratio: 1.0,
            hostile: 7,
            ..FleetOptions::default()
        };
        let spec = FleetSpec::generate(30, Ipv4Addr::new(127, 9, 0, 10), 9, &o).unwrap();
        let json = spec.to_json().unwrap();
        let back = FleetSpec::from_json(&json).unwrap();
        assert_eq!(spec, back);
        let (_, pass) = spec.cameras[0].auth.credentials().unwrap();
        assert!(json.contains(pass), "truth carries credentials");
        assert!(!format!("{spec:?}").contains(pass), "Debug must not");
    }

    #[test]
    fn vendor_mix_parses() {
        let mix: VendorMix = "hikvision=3, axis".parse().unwrap();
        assert_eq!(mix.0, vec![(Profile::Hikvision, 3), (Profile::Axis, 1)]);
        assert!("nikon=3".parse::<VendorMix>().is_err());
        assert!("axis=0".parse::<VendorMix>().is_err());
    }
}
