//! Vendor discovery and identity pages of the Hikvision and Dahua families: which camera speaks
//! SADP or DHIP, recognising their requests, and the replies and web identity pages, each a
//! real capture with the camera's identity substituted (as [`crate::profile`] does for ONVIF).
//!
//! Requests are untrusted: they are size-capped, parsed with bounded readers, and anything but
//! the read-only search (`inquiry`, `DHDiscover.search`) is logged and never answered.

use std::net::Ipv4Addr;
use std::sync::OnceLock;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::fleet::Profile;
use crate::stats::Datagram;
use crate::template::{Field, Piece, Sub, Template, TemplateError, sub};

use Field::*;
use Piece::{F, Lit as L};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../protocol/fixtures/real/",
            $name
        ))
    };
}

/// A vendor discovery protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// Hikvision SADP, UDP 37020, group 239.255.255.250.
    Sadp,
    /// Dahua DHIP, UDP 37810, group 239.255.255.251.
    Dhip,
}

impl Protocol {
    pub const ALL: [Self; 2] = [Self::Sadp, Self::Dhip];

    pub fn port(self) -> u16 {
        match self {
            Self::Sadp => 37020,
            Self::Dhip => 37810,
        }
    }

    pub fn group(self) -> Ipv4Addr {
        match self {
            Self::Sadp => Ipv4Addr::new(239, 255, 255, 250),
            Self::Dhip => Ipv4Addr::new(239, 255, 255, 251),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sadp => "SADP",
            Self::Dhip => "DHIP",
        }
    }
}

/// The vendor protocol a profile's firmware answers (OEM firmware included).
pub fn protocol_of(profile: Profile) -> Option<Protocol> {
    match profile {
        Profile::Hikvision | Profile::TrendnetHikOem => Some(Protocol::Sadp),
        Profile::Dahua | Profile::Amcrest => Some(Protocol::Dhip),
        _ => None,
    }
}

/// Whether a profile's firmware answers a search to the protocol's multicast group rather than
/// to the asking socket (synthesised: no capture shows where replies go; UniversalScanner listens
/// on both, so the simulator exercises both, with the OEM firmware taking the group).
pub fn replies_to_group(profile: Profile) -> bool {
    matches!(profile, Profile::TrendnetHikOem | Profile::Amcrest)
}

/// Largest request read.
const MAX_REQUEST: usize = 8 * 1024;
const MAX_ELEMENTS: usize = 64;
const MAX_VALUE: usize = 128;
const DHIP_HEADER: usize = 32;

/// A request a camera answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Search {
    /// SADP `inquiry`; the reply echoes the Uuid.
    SadpInquiry {
        uuid: String,
    },
    DhipSearch,
}

/// What a datagram on a vendor socket is (for the log), and the search to answer, if it is one.
pub(crate) fn classify(protocol: Protocol, bytes: &[u8]) -> (Datagram, Option<Search>) {
    let malformed = |error: &str| Datagram::Malformed {
        error: error.to_owned(),
    };
    if bytes.len() > MAX_REQUEST {
        return (malformed("datagram too large"), None);
    }
    match protocol {
        Protocol::Sadp => match sadp_probe(bytes) {
            Ok((uuid, types)) => {
                let search = match (&uuid, &types) {
                    (Some(u), Some(t)) if t == "inquiry" => {
                        Some(Search::SadpInquiry { uuid: u.clone() })
                    }
                    _ => None,
                };
                (Datagram::Sadp { uuid, types }, search)
            }
            Err(e) => (malformed(&e), None),
        },
        Protocol::Dhip => match dhip_method(bytes) {
            Ok(method) => {
                let search =
                    (method.as_deref() == Some("DHDiscover.search")).then_some(Search::DhipSearch);
                (Datagram::Dhip { method }, search)
            }
            Err(e) => (malformed(&e), None),
        },
    }
}

/// `<Probe><Uuid>…</Uuid><Types>…</Types></Probe>`: the Uuid and Types texts.
fn sadp_probe(bytes: &[u8]) -> Result<(Option<String>, Option<String>), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
    let mut reader = Reader::from_str(text.trim_start_matches('\u{feff}').trim_start());
    let mut path: Vec<String> = Vec::new();
    let (mut uuid, mut types) = (None, None);
    for _ in 0..MAX_ELEMENTS * 4 {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::DocType(_) => return Err("DTD refused".into()),
            Event::Start(e) => {
                if path.len() >= 4 {
                    return Err("nested too deep".into());
                }
                path.push(e.local_name().into_inner().to_owned());
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let value: String = t.xml10_content().trim().chars().take(MAX_VALUE).collect();
                match path.as_slice() {
                    [root, leaf] if root == "Probe" && leaf == "Uuid" => uuid = Some(value),
                    [root, leaf] if root == "Probe" && leaf == "Types" => types = Some(value),
                    _ => {}
                }
            }
            Event::Eof => {
                return if uuid.is_some() || types.is_some() {
                    Ok((uuid, types))
                } else {
                    Err("not a SADP <Probe>".into())
                };
            }
            _ => {}
        }
    }
    Err("too many XML events".into())
}

/// The `method` of a DHIP datagram (32-byte header with the `DHIP` magic, then JSON).
fn dhip_method(bytes: &[u8]) -> Result<Option<String>, String> {
    let (header, body) = bytes
        .split_at_checked(DHIP_HEADER)
        .ok_or_else(|| "shorter than the DHIP header".to_owned())?;
    if header.get(4..8) != Some(b"DHIP".as_slice()) {
        return Err("no DHIP magic".into());
    }
    let claimed = header
        .get(16..20)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_le_bytes);
    let len = usize::try_from(claimed)
        .unwrap_or(usize::MAX)
        .min(body.len());
    let body = body.get(..len).unwrap_or_default();
    let value: serde_json::Value = serde_json::Deserializer::from_slice(body)
        .into_iter()
        .next()
        .ok_or_else(|| "empty DHIP body".to_owned())?
        .map_err(|e| e.to_string())?;
    Ok(value
        .get("method")
        .and_then(|m| m.as_str())
        .map(|m| m.chars().take(MAX_VALUE).collect()))
}

/// The 32-byte header of a DHIP datagram carrying `len` body bytes.
pub(crate) fn dhip_header(len: usize) -> [u8; DHIP_HEADER] {
    let mut h = [0u8; DHIP_HEADER];
    let len = u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes();
    h[..4].copy_from_slice(&0x20u32.to_le_bytes());
    h[4..8].copy_from_slice(b"DHIP");
    h[16..20].copy_from_slice(&len);
    h[24..28].copy_from_slice(&len);
    h
}

/// A web identity page.
pub(crate) struct Page {
    pub(crate) path: &'static str,
    pub(crate) content_type: &'static str,
    pub(crate) body: Template,
}

/// The compiled vendor replies of one profile.
pub(crate) struct VendorTemplates {
    /// The SADP `<ProbeMatch>` or the DHIP JSON body.
    pub(crate) reply: Option<Template>,
    pub(crate) page: Option<Page>,
}

impl VendorTemplates {
    /// The page served at `path`, if any.
    pub(crate) fn page(&self, path: &str) -> Option<&Page> {
        self.page.as_ref().filter(|p| p.path == path)
    }
}

/// Vendor templates of every profile, compiled once per process.
pub(crate) fn templates(
    profile: Profile,
) -> Result<&'static VendorTemplates, &'static TemplateError> {
    static ALL: OnceLock<Result<Vec<VendorTemplates>, TemplateError>> = OnceLock::new();
    let all = ALL
        .get_or_init(|| Profile::ALL.into_iter().map(build).collect())
        .as_ref()?;
    let index = Profile::ALL.iter().position(|&p| p == profile).unwrap_or(0);
    // `all` has one entry per Profile::ALL member by construction.
    Ok(&all[index])
}

fn t(name: &'static str, src: &'static str, subs: &[Sub]) -> Result<Template, TemplateError> {
    Template::compile(name, src, subs, false)
}

const ISAPI_PATH: &str = "/ISAPI/System/deviceInfo";
const MAGICBOX_PATH: &str = "/cgi-bin/magicBox.cgi?action=getSystemInfo";

fn build(profile: Profile) -> Result<VendorTemplates, TemplateError> {
    let (reply, page) = match profile {
        Profile::Hikvision => (Some(hikvision_sadp()?), Some(isapi_genuine()?)),
        Profile::TrendnetHikOem => (Some(ezviz_style_sadp()?), Some(isapi_trimmed()?)),
        Profile::Dahua => (Some(dahua_dhip()?), Some(magicbox_dahua()?)),
        Profile::Amcrest => (Some(amcrest_dhip()?), Some(magicbox_amcrest()?)),
        _ => (None, None),
    };
    Ok(VendorTemplates { reply, page })
}

/// The DS-2CD2385G1-I's reply (tab-indented, `flase` typos, Salt and DetailOEMCode).
fn hikvision_sadp() -> Result<Template, TemplateError> {
    t(
        "hikvision sadp",
        fixture!("hikvision-ds-2cd2385g1-i-sadp-probematch.xml"),
        &[
            sub("e8ecfe09-90e4-44c0-842b-703f46b58c81", &[F(RelatesTo)]),
            sub(">DS-2CD2385G1-I<", &[L(">"), F(Model), L("<")]),
            sub("DS-2CD2385G1-I20200414AAWRE33842150", &[F(Serial)]),
            sub("58-50-ed-1f-e3-85", &[F(MacLowerDash)]),
            sub("192.168.124.40", &[F(Ip)]),
            sub("192.168.124.1", &[F(Gateway)]),
            sub("<HttpPort>80<", &[L("<HttpPort>"), F(HttpPort), L("<")]),
            sub("V5.6.2build 190701", &[F(SadpFirmware)]),
            sub(
                "d8eebc414effc857bed4c3cc203c8b4413f60b00a9f4acc410084358d5fd3f91",
                &[F(Salt)],
            ),
        ],
    )
}

/// The short one-line variant of EZVIZ and imitating firmware (no HttpPort, DeviceType, Salt),
/// standing in for TRENDnet's Hikvision OEM firmware (synthesised: no TRENDnet SADP capture).
fn ezviz_style_sadp() -> Result<Template, TemplateError> {
    t(
        "trendnet sadp",
        fixture!("ezviz-cs-c6tc-32wfr-sadp-probematch.xml"),
        &[
            sub("00000000-0DE1-48DB-97E3-40B106467932", &[F(RelatesTo)]),
            sub(">CS-C6TC-32WFR<", &[L(">"), F(Model), L("<")]),
            sub("CS-C6TC-32WFR0120170327CCCH738231995", &[F(Serial)]),
            sub("54-c4-15-9a-38-74", &[F(MacLowerDash)]),
            sub("172.20.20.100", &[F(Ip)]),
            sub("172.20.20.254", &[F(Gateway)]),
            sub("V5.2.3build 180804", &[F(SadpFirmware)]),
        ],
    )
}

/// The IPC-HDW1431T1-S4's reply (Vendor/Manufacturer `Private`, escaped slashes).
fn dahua_dhip() -> Result<Template, TemplateError> {
    Ok(t(
        "dahua dhip",
        fixture!("dahua-ipc-hdw1431t1-s4-dhip-notifydevinfo.json"),
        &[
            sub("08:ed:ed:87:42:7a", &[F(MacLowerColon)]),
            sub("IPC-HDW1431T1-S4", &[F(Model)]),
            sub("6C01E93PAG69A7D", &[F(Serial)]),
            sub("2.800.0000000.13.R", &[F(FirmwareShort)]),
            sub("192.168.124.17", &[F(Ip)]),
            sub("192.168.124.1", &[F(Gateway)]),
            sub("\"HttpPort\":80", &[L("\"HttpPort\":"), F(HttpPort)]),
            sub("fe80::0aed:edff:fe87:427a", &[L("fe80::"), F(Eui64Iid)]),
        ],
    )?
    .json())
}

/// The IPC-HDW5421S's reply (spaced `"key" : value` style), with the OEM's name as Vendor
/// (synthesised: no Amcrest DHIP capture).
fn amcrest_dhip() -> Result<Template, TemplateError> {
    Ok(t(
        "amcrest dhip",
        fixture!("dahua-ipc-hdw5421s-dhip-notifydevinfo.json"),
        &[
            sub("4c:11:bf:c2:0b:9d", &[F(MacLowerColon)]),
            sub("IPC-HDW5421S", &[F(Model)]),
            sub("1F006E4PAX00075", &[F(Serial)]),
            sub("\"Dahua\"", &[L("\""), F(Manufacturer), L("\"")]),
            sub("2.400.0.8", &[F(FirmwareShort)]),
            sub("218.5.136.140", &[F(Ip)]),
            sub("218.5.136.1\"", &[F(Gateway), L("\"")]),
            sub("\"HttpPort\" : 80", &[L("\"HttpPort\" : "), F(HttpPort)]),
            sub("2001:250:3000:1::1:1", &[L("::")]),
            sub("2001:250:3000:1::1:2\\/112", &[L("\\/0")]),
            sub("fe80::4e11:bfff:fec2:0b9d", &[L("fe80::"), F(Eui64Iid)]),
        ],
    )?
    .json())
}

/// A genuine DS-2CD2386G2-IU's deviceInfo (hikvision.com namespace, `OEMCode` 1).
fn isapi_genuine() -> Result<Page, TemplateError> {
    Ok(Page {
        path: ISAPI_PATH,
        content_type: "application/xml",
        body: t(
            "hikvision isapi",
            fixture!("hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml"),
            &[
                sub(">DS-2CD2386G2-IU<", &[L(">"), F(Model), L("<")]),
                sub("DS-2CD2386G2-IU00000000AAWRJ00000000", &[F(Serial)]),
                sub("a6:63:9e:f8:01:09", &[F(MacLowerColon)]),
                sub(">V5.7.18<", &[L(">"), F(FirmwareVersion), L("<")]),
                sub(">build 240826<", &[L(">"), F(FirmwareBuild), L("<")]),
            ],
        )?,
    })
}

/// An OEM's trimmed deviceInfo (no namespace, no manufacturer, no OEMCode; LTS capture).
fn isapi_trimmed() -> Result<Page, TemplateError> {
    Ok(Page {
        path: ISAPI_PATH,
        content_type: "application/xml",
        body: t(
            "trendnet isapi",
            fixture!("lts-cmip7352w-isapi-deviceinfo-trimmed.xml"),
            &[
                sub(">CMIP7352W<", &[L(">"), F(Model), L("<")]),
                sub("CMIP7352W20170428AAWR756864499", &[F(Serial)]),
                sub("14:2f:fd:02:1a:36", &[F(MacLowerColon)]),
                sub(">V5.6.2<", &[L(">"), F(FirmwareVersion), L("<")]),
            ],
        )?,
    })
}

fn magicbox_dahua() -> Result<Page, TemplateError> {
    Ok(Page {
        path: MAGICBOX_PATH,
        content_type: "text/plain",
        body: t(
            "dahua magicbox",
            crlf(fixture!("dahua-ipc-hdw5831r-ze-magicbox-getsysteminfo.txt")),
            &[
                sub("deviceType=IPC-HDW5831R-ZE", &[L("deviceType="), F(Model)]),
                sub("4X7C5A1ZAG21L3F", &[F(Serial)]),
                // Genuine units: the firmware family is the model's own.
                sub("IPC-HDW5830R-Z", &[F(Model)]),
            ],
        )?,
    })
}

/// Amcrest keeps the Dahua model behind its own name in `updateSerial` (left as captured).
fn magicbox_amcrest() -> Result<Page, TemplateError> {
    Ok(Page {
        path: MAGICBOX_PATH,
        content_type: "text/plain",
        body: t(
            "amcrest magicbox",
            crlf(fixture!("amcrest-ip4m-1041b-magicbox-getsysteminfo.txt")),
            &[
                sub("IP4M-1041B", &[F(Model)]),
                sub("serialNumber=12345", &[L("serialNumber="), F(Serial)]),
            ],
        )?,
    })
}

/// The captures keep LF line ends as their sources printed them; devices send CRLF.
fn crlf(text: &'static str) -> &'static str {
    // Once per profile per process (OnceLock): templates live as long as the program.
    Box::leak(text.replace('\n', "\r\n").into_boxed_str())
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::fleet::{FleetOptions, FleetSpec, Identity, VendorMix};
    use crate::template::RenderCtx;

    /// Values no capture contains.
    fn identity(profile: Profile) -> Identity {
        let opts = FleetOptions {
            vendor_mix: VendorMix::only(profile),
            ..Default::default()
        };
        let spec = FleetSpec::generate(1, Ipv4Addr::new(10, 99, 1, 2), 5, &opts).unwrap();
        Identity {
            manufacturer: "ZZ \"Corp\"".into(),
            model: "ZZ-M1".into(),
            firmware: "V9.9.9 build 991231".into(),
            serial: "ZZSERIAL0042".into(),
            mac: [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee],
            ..spec.cameras[0].identity.clone()
        }
    }

    fn ctx(identity: &Identity) -> RenderCtx<'_> {
        RenderCtx {
            identity,
            ip: Ipv4Addr::new(10, 99, 1, 2),
            http_port: 8080,
            relates_to: "ABCDEF01-2345-6789-ABCD-EF0123456789",
            reply_message_id: "",
            message_number: 0,
            now: time::OffsetDateTime::now_utc(),
        }
    }

    const CAPTURED: &[&str] = &[
        "DS-2CD2385G1-I",
        "58-50-ed",
        "192.168.124",
        "e8ecfe09",
        "d8eebc41",
        "CS-C6TC",
        "54-c4-15",
        "172.20.20",
        "0DE1-48DB",
        "6C01E93PAG69A7D",
        "08:ed:ed",
        "IPC-HDW1431T1-S4",
        "IPC-HDW5421S",
        "1F006E4PAX00075",
        "4c:11:bf",
        "218.5.136",
        "2001:250",
        "DS-2CD2386G2-IU",
        "a6:63:9e",
        "V5.7.18",
        "CMIP7352W",
        "14:2f:fd",
        "IPC-HDW5831R-ZE",
        "4X7C5A1ZAG21L3F",
        "IP4M-1041B",
    ];

    #[test]
    fn replies_and_pages_substitute_identity_and_stay_well_formed() {
        for profile in Profile::ALL {
            let v = templates(profile).unwrap();
            assert_eq!(
                v.reply.is_some(),
                protocol_of(profile).is_some(),
                "{profile}"
            );
            let id = identity(profile);
            let ctx = ctx(&id);
            let mut rendered = Vec::new();
            if let Some(r) = &v.reply {
                rendered.push(("reply", r.render(&ctx)));
            }
            if let Some(p) = &v.page {
                rendered.push(("page", p.body.render(&ctx)));
            }
            for (what, text) in rendered {
                for captured in CAPTURED {
                    assert!(
                        !text.contains(captured),
                        "{profile} {what} still has {captured}"
                    );
                }
                assert!(text.contains("ZZ-M1"), "{profile} {what} model: {text}");
                assert!(text.contains("ZZSERIAL0042"), "{profile} {what} serial");
                match (protocol_of(profile), what) {
                    (Some(Protocol::Sadp), "reply") => {
                        assert!(text.contains("02-aa-bb-cc-dd-ee"), "{text}");
                        assert!(text.contains("V9.9.9build 991231"), "{text}");
                        assert!(text.contains("ABCDEF01-2345-6789-ABCD-EF0123456789"));
                        assert!(text.contains("10.99.1.2"));
                        assert!(sadp_probe(b"<Probe/>").is_err());
                    }
                    (Some(Protocol::Dhip), "reply") => {
                        let v: serde_json::Value = serde_json::from_str(&text)
                            .unwrap_or_else(|e| panic!("{profile}: {e}: {text}"));
                        let info = &v["params"]["deviceInfo"];
                        assert_eq!(v["mac"], "02:aa:bb:cc:dd:ee");
                        assert_eq!(info["SerialNo"], "ZZSERIAL0042");
                        assert_eq!(info["Version"], "V9.9.9 build 991231");
                        assert_eq!(info["HttpPort"], 8080);
                        assert_eq!(info["IPv4Address"]["IPAddress"], "10.99.1.2");
                    }
                    (Some(Protocol::Sadp), "page") => {
                        assert!(text.contains("<firmwareVersion>V9.9.9<"), "{text}");
                        assert!(text.contains("02:aa:bb:cc:dd:ee"));
                    }
                    _ => assert!(text.contains("\r\nserialNumber=ZZSERIAL0042\r\n"), "{text}"),
                }
            }
        }
        // A manufacturer with quotes stays one JSON string.
        let id = identity(Profile::Amcrest);
        let body = templates(Profile::Amcrest)
            .unwrap()
            .reply
            .as_ref()
            .unwrap()
            .render(&ctx(&id));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["params"]["deviceInfo"]["Vendor"], "ZZ \"Corp\"");
    }

    #[test]
    fn only_the_read_only_searches_are_answered() {
        let dhip = |body: &str| [dhip_header(body.len()).as_slice(), body.as_bytes()].concat();
        let cases: Vec<(Protocol, Vec<u8>, bool, &str)> = vec![
            (
                Protocol::Sadp,
                b"<?xml version=\"1.0\" encoding=\"utf-8\"?><Probe><Uuid>AB-12</Uuid>\
                  <Types>inquiry</Types></Probe>"
                    .to_vec(),
                true,
                "sadp",
            ),
            (
                Protocol::Sadp,
                b"<Probe><Uuid>AB-12</Uuid><Types>reboot</Types></Probe>".to_vec(),
                false,
                "sadp",
            ),
            (
                Protocol::Sadp,
                fixture!("hikvision-ds-2cd2385g1-i-sadp-probematch.xml")
                    .as_bytes()
                    .to_vec(),
                false,
                "malformed",
            ),
            (
                Protocol::Sadp,
                b"<!DOCTYPE x><Probe/>".to_vec(),
                false,
                "malformed",
            ),
            (
                Protocol::Dhip,
                dhip(r#"{"method":"DHDiscover.search","params":{"mac":"","uni":1}}"#),
                true,
                "dhip",
            ),
            (
                Protocol::Dhip,
                dhip(r#"{"method":"DHDiscover.setConfig","params":{}}"#),
                false,
                "dhip",
            ),
            (Protocol::Dhip, b"DHIP".to_vec(), false, "malformed"),
            (
                Protocol::Dhip,
                vec![b'x'; MAX_REQUEST + 1],
                false,
                "malformed",
            ),
        ];
        for (protocol, bytes, answered, kind) in cases {
            let (datagram, search) = classify(protocol, &bytes);
            assert_eq!(search.is_some(), answered, "{datagram:?}");
            let got = match datagram {
                Datagram::Sadp { .. } => "sadp",
                Datagram::Dhip { .. } => "dhip",
                Datagram::Malformed { .. } => "malformed",
                _ => "other",
            };
            assert_eq!(
                got,
                kind,
                "{protocol:?} {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        let (_, search) = classify(
            Protocol::Sadp,
            b"<Probe><Uuid>AB-12</Uuid><Types>inquiry</Types></Probe>",
        );
        assert_eq!(
            search,
            Some(Search::SadpInquiry {
                uuid: "AB-12".into()
            })
        );
    }
}
