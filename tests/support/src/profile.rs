//! Vendor profiles: which captured response each simulated camera replays for each request,
//! and where in each capture the device's own identity sits.
//!
//! Every response is a real capture from `protocol/fixtures/real/` with only identity values
//! (serial, model, firmware, MAC, IP, uuid, clock) substituted. Where a family has no capture
//! of a response, it is synthesised inside that family's own captured envelope (same preamble,
//! prefixes, header and line style); each such place says "synthesised" below.

use std::sync::OnceLock;

use crate::fleet::Profile;
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

/// A device-service operation the simulator answers (the read-only set of DESIGN.md 6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    GetSystemDateAndTime,
    GetCapabilities,
    GetServices,
    GetHostname,
    GetDeviceInformation,
    GetNetworkInterfaces,
    GetScopes,
}

impl Operation {
    pub const ALL: [Self; 7] = [
        Self::GetSystemDateAndTime,
        Self::GetCapabilities,
        Self::GetServices,
        Self::GetHostname,
        Self::GetDeviceInformation,
        Self::GetNetworkInterfaces,
        Self::GetScopes,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::GetSystemDateAndTime => "GetSystemDateAndTime",
            Self::GetCapabilities => "GetCapabilities",
            Self::GetServices => "GetServices",
            Self::GetHostname => "GetHostname",
            Self::GetDeviceInformation => "GetDeviceInformation",
            Self::GetNetworkInterfaces => "GetNetworkInterfaces",
            Self::GetScopes => "GetScopes",
        }
    }

    pub fn from_local_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }

    /// READ_SYSTEM operations; the others are PRE_AUTH (ONVIF default access policy).
    pub fn needs_auth(self) -> bool {
        matches!(
            self,
            Self::GetDeviceInformation | Self::GetNetworkInterfaces | Self::GetScopes
        )
    }
}

/// How a family's web server frames its HTTP answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HttpStyle {
    /// Hikvision `App-webs/`: status line without reason phrase, `Date`, `Server`,
    /// `Connection: close`, `Content-Length`, `Content-Type` (from the captured `.http` files).
    AppWebs,
    /// Everything else: `HTTP/1.1 200 OK`, `Content-Type`, `Content-Length`, `Connection`.
    Plain { server: Option<&'static str> },
}

pub(crate) struct Fault {
    pub(crate) status: u16,
    pub(crate) body: Template,
}

/// Compiled responses of one profile.
pub(crate) struct ProfileTemplates {
    pub(crate) probe_matches: Template,
    pub(crate) date_time: Template,
    pub(crate) capabilities: Template,
    pub(crate) services: Template,
    pub(crate) hostname: Template,
    pub(crate) device_information: Template,
    pub(crate) network_interfaces: Template,
    pub(crate) scopes: Template,
    pub(crate) not_supported: Fault,
    pub(crate) http: HttpStyle,
}

impl ProfileTemplates {
    pub(crate) fn operation(&self, op: Operation) -> &Template {
        match op {
            Operation::GetSystemDateAndTime => &self.date_time,
            Operation::GetCapabilities => &self.capabilities,
            Operation::GetServices => &self.services,
            Operation::GetHostname => &self.hostname,
            Operation::GetDeviceInformation => &self.device_information,
            Operation::GetNetworkInterfaces => &self.network_interfaces,
            Operation::GetScopes => &self.scopes,
        }
    }
}

/// The real Hikvision `ter:NotAuthorized` answer (HTTP 400), sent by every WS-token camera.
pub(crate) fn not_authorized_body() -> &'static str {
    let http = fixture!("hikvision-fault-notauthorized-http400.http");
    http.split_once("\r\n\r\n").map_or(http, |(_, body)| body)
}

/// Templates of every profile, compiled once per process.
pub(crate) fn templates(
    profile: Profile,
) -> Result<&'static ProfileTemplates, &'static TemplateError> {
    static ALL: OnceLock<Result<Vec<ProfileTemplates>, TemplateError>> = OnceLock::new();
    let all = ALL
        .get_or_init(|| Profile::ALL.into_iter().map(build).collect())
        .as_ref()?;
    let index = Profile::ALL.iter().position(|&p| p == profile).unwrap_or(0);
    // `all` has one entry per Profile::ALL member by construction.
    Ok(&all[index])
}

fn build(profile: Profile) -> Result<ProfileTemplates, TemplateError> {
    match profile {
        Profile::Hikvision => hikvision(),
        Profile::TrendnetHikOem => trendnet(),
        Profile::Axis => axis(),
        Profile::Pelco => pelco(),
        Profile::Dahua => dahua(false),
        Profile::Amcrest => dahua(true),
        Profile::Generic => generic(),
        Profile::Sunba => sunba(),
        Profile::Milesight => milesight(),
    }
}

fn t(name: &'static str, src: &'static str, subs: &[Sub]) -> Result<Template, TemplateError> {
    Template::compile(name, src, subs, false)
}

fn dt(name: &'static str, src: &'static str, subs: &[Sub]) -> Result<Template, TemplateError> {
    Template::compile(name, src, subs, true)
}

fn leak(text: String) -> &'static str {
    // Once per profile per process (OnceLock): templates live as long as the program.
    Box::leak(text.into_boxed_str())
}

/// Placeholders used by synthesised bodies.
const SYNTH: &[Sub] = &[
    sub("@HOSTPORT@", &[F(HostPort)]),
    sub("@IPPORT@", &[F(IpPort)]),
    sub("@IP@", &[F(Ip)]),
    sub("@MAC@", &[F(MacLowerColon)]),
    sub("@EUI@", &[F(Eui64Iid)]),
    sub("@HOSTNAME@", &[F(Hostname)]),
    sub("@MANU@", &[F(PctManufacturer)]),
    sub("@MODEL@", &[F(PctModel)]),
];

/// A synthesised response: `inner` placed in the Body of `envelope` (a capture of the same
/// family), so preamble, prefixes, header and line style are the family's own.
fn synth(
    name: &'static str,
    envelope: &'static str,
    inner: &str,
    date_time: bool,
) -> Result<Template, TemplateError> {
    let shape = |what| TemplateError::Shape {
        template: name,
        what,
    };
    let open_end = envelope
        .find(":Body>")
        .map(|i| i + ":Body>".len())
        .ok_or_else(|| shape("Body"))?;
    let close_tag = envelope.rfind(":Body>").ok_or_else(|| shape("Body end"))?;
    let close_start = envelope[..close_tag]
        .rfind("</")
        .ok_or_else(|| shape("Body end tag"))?;
    let text = format!(
        "{}{}{}",
        &envelope[..open_end],
        inner,
        &envelope[close_start..]
    );
    let subs: Vec<Sub> = SYNTH
        .iter()
        .filter(|s| text.contains(s.needle))
        .copied()
        .collect();
    Template::compile(name, leak(text), &subs, date_time)
}

/// The namespace prefix of a capture's envelope (`env`, `SOAP-ENV`, `s`).
fn env_prefix(envelope: &str) -> &str {
    envelope
        .find(":Body>")
        .and_then(|end| {
            envelope[..end]
                .rfind('<')
                .map(|start| &envelope[start + 1..end])
        })
        .unwrap_or("s")
}

/// Text between the first `open` and the next `close`, as a needle into the same capture.
fn between(src: &'static str, open: &str, close: &str) -> Option<&'static str> {
    let start = src.find(open)? + open.len();
    let len = src[start..].find(close)?;
    src.get(start..start + len)
}

fn whole(
    name: &'static str,
    src: &'static str,
    open: &str,
    close: &str,
    with: &'static [Piece],
) -> Result<Sub, TemplateError> {
    let needle = between(src, open, close).ok_or(TemplateError::Shape {
        template: name,
        what: "element to replace",
    })?;
    Ok(sub(needle, with))
}

/// GetServices listing the device, media and events services at the family's own paths.
fn services_inner(host: &str, sep: &str, media: &str, events: &str) -> String {
    let mut out = format!("<tds:GetServicesResponse>{sep}");
    let services = [
        (NS_DEVICE, "/onvif/device_service"),
        (NS_MEDIA, media),
        (NS_EVENTS, events),
    ];
    for (namespace, path) in services {
        out.push_str(&format!(
            "<tds:Service><tds:Namespace>{namespace}</tds:Namespace>\
             <tds:XAddr>http://{host}{path}</tds:XAddr><tds:Version><tt:Major>2</tt:Major>\
             <tt:Minor>40</tt:Minor></tds:Version></tds:Service>{sep}"
        ));
    }
    out.push_str("</tds:GetServicesResponse>");
    out
}

const NS_DEVICE: &str = "http://www.onvif.org/ver10/device/wsdl";
const NS_MEDIA: &str = "http://www.onvif.org/ver10/media/wsdl";
const NS_EVENTS: &str = "http://www.onvif.org/ver10/events/wsdl";

const HOSTNAME_INNER: &str = "<tds:GetHostnameResponse><tds:HostnameInformation>\
    <tt:FromDHCP>false</tt:FromDHCP><tt:Name>@HOSTNAME@</tt:Name>\
    </tds:HostnameInformation></tds:GetHostnameResponse>";

const NETWORK_INTERFACES_INNER: &str = "<tds:GetNetworkInterfacesResponse>\
    <tds:NetworkInterfaces token=\"eth0\"><tt:Enabled>true</tt:Enabled><tt:Info>\
    <tt:Name>eth0</tt:Name><tt:HwAddress>@MAC@</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>\
    <tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>@IP@</tt:Address>\
    <tt:PrefixLength>24</tt:PrefixLength></tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config>\
    </tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>";

fn scopes_inner(items: &[(&str, &str)]) -> String {
    let mut out = String::from("<tds:GetScopesResponse>");
    for (def, item) in items {
        out.push_str(&format!(
            "<tds:Scopes><tt:ScopeDef>{def}</tt:ScopeDef><tt:ScopeItem>{item}</tt:ScopeItem></tds:Scopes>"
        ));
    }
    out.push_str("</tds:GetScopesResponse>");
    out
}

/// A date/time answer; the literal values only fix the UTC-to-local offset.
fn date_time_inner(tz: &str, local_hour: u8) -> String {
    format!(
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>\
         <tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>\
         <tt:TimeZone><tt:TZ>{tz}</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>0</tt:Hour>\
         <tt:Minute>0</tt:Minute><tt:Second>0</tt:Second></tt:Time><tt:Date><tt:Year>2024</tt:Year>\
         <tt:Month>1</tt:Month><tt:Day>2</tt:Day></tt:Date></tt:UTCDateTime><tt:LocalDateTime>\
         <tt:Time><tt:Hour>{local_hour}</tt:Hour><tt:Minute>0</tt:Minute><tt:Second>0</tt:Second>\
         </tt:Time><tt:Date><tt:Year>2024</tt:Year><tt:Month>1</tt:Month><tt:Day>2</tt:Day>\
         </tt:Date></tt:LocalDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )
}

fn fault_inner(env: &str) -> String {
    format!(
        "<{env}:Fault><{env}:Code><{env}:Value>{env}:Receiver</{env}:Value><{env}:Subcode>\
         <{env}:Value>ter:ActionNotSupported</{env}:Value></{env}:Subcode></{env}:Code>\
         <{env}:Reason><{env}:Text xml:lang=\"en\">Optional Action Not Implemented</{env}:Text>\
         </{env}:Reason></{env}:Fault>"
    )
}

/// Hikvision's ProbeMatches capture sits in a C comment with one leading space per line.
fn hikvision_probe_matches() -> &'static str {
    static STRIPPED: OnceLock<&'static str> = OnceLock::new();
    STRIPPED.get_or_init(|| {
        let src = fixture!("hikvision-ds-2cd3955fwd-iws-probematch.xml");
        leak(
            src.split_inclusive('\n')
                .map(|l| l.strip_prefix(' ').unwrap_or(l))
                .collect(),
        )
    })
}

const HIK_PROBE_HEAD: [Sub; 4] = [
    sub("18ec6401-3aa0-11b5-83f6-b4a3820fd92d", &[F(Uuid)]),
    sub("uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649", &[F(RelatesTo)]),
    sub(
        "MessageNumber=\"11682\"",
        &[L("MessageNumber=\""), F(MessageNumber), L("\"")],
    ),
    sub(
        "http://192.168.0.218/",
        &[L("http://"), F(HostPort), L("/")],
    ),
];

fn hikvision() -> Result<ProfileTemplates, TemplateError> {
    let probe = hikvision_probe_matches();
    let mut probe_subs = HIK_PROBE_HEAD.to_vec();
    probe_subs.extend([
        sub("b6a3:82ff:fe0f:d92d", &[F(Eui64Iid)]),
        sub("hardware/DS-2CD3955FWD-IWS", &[L("hardware/"), F(PctModel)]),
        sub(
            "name/HIKVISION%20DS-2CD3955FWD-IWS",
            &[L("name/"), F(PctManufacturer), L("%20"), F(PctModel)],
        ),
    ]);
    let envelope = fixture!("hikvision-ds-2cd2012-i-getdeviceinformation.xml");
    let fault = fixture!("hikvision-fault-actionnotsupported-http500.http");
    let fault = fault.split_once("\r\n\r\n").map_or(fault, |(_, body)| body);
    Ok(ProfileTemplates {
        probe_matches: t("hikvision probe", probe, &probe_subs)?,
        date_time: dt(
            "hikvision gsdt",
            fixture!("hikvision-ds-2cd2012-i-getsystemdateandtime.xml"),
            &[],
        )?,
        capabilities: t(
            "hikvision caps",
            fixture!("hikvision-ds-2cd2012-i-getcapabilities.xml"),
            &[sub("10.10.1.65", &[F(HostPort)])],
        )?,
        // Synthesised: no Hikvision GetServices capture; paths from its GetCapabilities.
        services: synth(
            "hikvision services",
            envelope,
            &services_inner("@HOSTPORT@", "\n", "/onvif/Media", "/onvif/Events"),
            false,
        )?,
        // Synthesised: no Hikvision GetHostname capture.
        hostname: synth("hikvision hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "hikvision devinfo",
            envelope,
            &[
                sub(">HIKVISION<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">DS-2CD2012-I<", &[L(">"), F(Model), L("<")]),
                sub("V5.2.0 build 140721", &[F(Firmware)]),
                sub("DS-2CD2012-I20150201CCWR501088621", &[F(Serial)]),
                sub(">88<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?,
        network_interfaces: t(
            "hikvision netif",
            fixture!("hikvision-ds-2cd2012-i-getnetworkinterfaces.xml"),
            &[
                sub("10.10.1.65", &[F(Ip)]),
                sub("c0:56:e3:f9:55:68", &[F(MacLowerColon)]),
                sub("c256:e3ff:fef9:5568", &[F(Eui64Iid)]),
            ],
        )?,
        scopes: t(
            "hikvision scopes",
            fixture!("hikvision-ds-2cd2012-i-getscopes.xml"),
            &[
                sub("hardware/DS-2CD2012-I", &[L("hardware/"), F(PctModel)]),
                sub(
                    "name/HIKVISION%20DS-2CD2012-I",
                    &[L("name/"), F(PctManufacturer), L("%20"), F(PctModel)],
                ),
            ],
        )?,
        not_supported: Fault {
            status: 500,
            body: t("hikvision fault", fault, &[])?,
        },
        http: HttpStyle::AppWebs,
    })
}

fn trendnet() -> Result<ProfileTemplates, TemplateError> {
    // Synthesised from Hikvision's capture (same OEM firmware, no TRENDnet ProbeMatches
    // capture): the scope list is TRENDnet's own, from its GetScopes capture.
    let probe = hikvision_probe_matches();
    let mut probe_subs = HIK_PROBE_HEAD.to_vec();
    probe_subs.push(sub("b6a3:82ff:fe0f:d92d", &[F(Eui64Iid)]));
    probe_subs.push(whole(
        "trendnet probe",
        probe,
        "<d:Scopes>",
        "</d:Scopes>",
        &[
            L(
                "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming \
               onvif://www.onvif.org/Profile/G onvif://www.onvif.org/hardware/",
            ),
            F(PctModel),
            L(" onvif://www.onvif.org/name/"),
            F(PctModel),
            L(" onvif://www.onvif.org/location/"),
        ],
    )?);
    let envelope = fixture!("trendnet-tv-ip320pi-getdeviceinformation.xml");
    Ok(ProfileTemplates {
        probe_matches: t("trendnet probe", probe, &probe_subs)?,
        date_time: dt(
            "trendnet gsdt",
            fixture!("trendnet-tv-ip320pi-getsystemdateandtime.xml"),
            &[],
        )?,
        capabilities: t(
            "trendnet caps",
            fixture!("trendnet-tv-ip320pi-getcapabilities.xml"),
            &[sub("10.10.1.67", &[F(HostPort)])],
        )?,
        // Synthesised: no GetServices capture; paths from its GetCapabilities.
        services: synth(
            "trendnet services",
            envelope,
            &services_inner("@HOSTPORT@", "\n", "/onvif/Media", "/onvif/Events"),
            false,
        )?,
        // Synthesised: no GetHostname capture.
        hostname: synth("trendnet hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "trendnet devinfo",
            envelope,
            &[
                sub(">TRENDnet<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">TV-IP320PI<", &[L(">"), F(Model), L("<")]),
                sub("V5.3.4 build 160830", &[F(Firmware)]),
                sub("TV-IP320PI20161206AAWR863642784", &[F(Serial)]),
                sub(">88<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?,
        network_interfaces: t(
            "trendnet netif",
            fixture!("trendnet-tv-ip320pi-getnetworkinterfaces.xml"),
            &[
                sub("10.10.1.67", &[F(Ip)]),
                sub("3c:8c:f8:a1:32:dc", &[F(MacLowerColon)]),
                sub("3e8c:f8ff:fea1:32dc", &[F(Eui64Iid)]),
            ],
        )?,
        scopes: t(
            "trendnet scopes",
            fixture!("trendnet-tv-ip320pi-getscopes.xml"),
            &[
                sub("hardware/TV-IP320PI", &[L("hardware/"), F(PctModel)]),
                sub("name/TV-IP320PI", &[L("name/"), F(PctModel)]),
            ],
        )?,
        not_supported: Fault {
            status: 500,
            body: t(
                "trendnet fault",
                fixture!("trendnet-tv-ip320pi-fault-actionnotsupported.xml"),
                &[],
            )?,
        },
        http: HttpStyle::AppWebs,
    })
}

/// The Axis M2025-LE ProbeMatches (gSOAP) with everything but the scopes substituted.
fn axis_probe_subs(scopes: Option<Sub>) -> Vec<Sub> {
    let mut subs = vec![
        sub("3ea96f68-b845-4c0b-87cf-eee904c4be65", &[F(Uuid)]),
        sub("f0a90683-02ff-4f05-98fe-537b6c9486e4", &[F(ReplyMessageId)]),
        sub("uuid:63a205c4-7eae-4dd5-99dc-75e38ff576b3", &[F(RelatesTo)]),
        sub(
            "MessageNumber=\"6\"",
            &[L("MessageNumber=\""), F(MessageNumber), L("\"")],
        ),
        sub(
            "http://192.168.0.209/",
            &[L("http://"), F(HostPort), L("/")],
        ),
        sub("https://192.168.0.209/", &[L("https://"), F(Ip), L("/")]),
        sub("169.254.251.249", &[F(LinkLocalV4)]),
    ];
    match scopes {
        Some(s) => subs.push(s),
        None => subs.extend([
            sub("hardware/M2025-LE", &[L("hardware/"), F(PctAxisHardware)]),
            sub("name/AXIS%20M2025-LE", &[L("name/"), F(PctModel)]),
        ]),
    }
    subs
}

fn axis() -> Result<ProfileTemplates, TemplateError> {
    let envelope = fixture!("axis-q6045-e-getdeviceinformation.xml");
    Ok(ProfileTemplates {
        probe_matches: t(
            "axis probe",
            fixture!("axis-m2025-le-probematch.xml"),
            &axis_probe_subs(None),
        )?,
        date_time: dt(
            "axis gsdt",
            fixture!("axis-q6045-e-getsystemdateandtime.xml"),
            &[],
        )?,
        capabilities: t(
            "axis caps",
            fixture!("axis-q6045-e-getcapabilities.xml"),
            &[sub("192.168.0.19", &[F(HostPort)])],
        )?,
        services: t(
            "axis services",
            fixture!("axis-m2025-le-getservices.xml"),
            &[sub("192.168.0.209", &[F(HostPort)])],
        )?,
        // Synthesised: no Axis GetHostname capture.
        hostname: synth("axis hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "axis devinfo",
            envelope,
            &[
                sub(">AXIS<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">AXIS Q6045-E<", &[L(">"), F(Model), L("<")]),
                sub(">5.55.1.2<", &[L(">"), F(Firmware), L("<")]),
                sub("00408CFAB754", &[F(Serial)]),
                sub(">1C9.2<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?,
        network_interfaces: t(
            "axis netif",
            fixture!("axis-q6045-e-getnetworkinterfaces.xml"),
            &[
                sub("192.168.0.19", &[F(Ip)]),
                sub("10.10.1.20", &[F(Ip)]),
                sub("169.254.138.132", &[F(LinkLocalV4)]),
                sub("00:40:8C:FA:B7:54", &[F(MacUpperColon)]),
                sub("240:8cff:fefa:b754", &[F(Eui64Iid)]),
            ],
        )?,
        scopes: t(
            "axis scopes",
            fixture!("axis-q6045-e-getscopes.xml"),
            &[
                sub("hardware/Q6045-E", &[L("hardware/"), F(PctAxisHardware)]),
                sub("name/AXIS%20Q6045-E", &[L("name/"), F(PctModel)]),
            ],
        )?,
        not_supported: Fault {
            status: 400,
            body: t(
                "axis fault",
                fixture!("axis-q6045-e-fault-sender-empty-reason.xml"),
                &[],
            )?,
        },
        http: HttpStyle::Plain { server: None },
    })
}

fn pelco() -> Result<ProfileTemplates, TemplateError> {
    // Synthesised: no Pelco ProbeMatches capture; the Axis one is the same gSOAP stack, with
    // Pelco's own scope list from its GetScopes capture.
    let probe = fixture!("axis-m2025-le-probematch.xml");
    let scopes = whole(
        "pelco probe",
        probe,
        "<d:Scopes>",
        "</d:Scopes>",
        &[
            L(
                "onvif://www.onvif.org/Profile/G onvif://www.onvif.org/Profile/Q/FactoryDefault \
               onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/hardware/",
            ),
            F(PctModel),
            L(" onvif://www.onvif.org/type/Network_Video_Transmitter \
               onvif://www.onvif.org/type/audio_encoder onvif://www.onvif.org/type/ptz \
               onvif://www.onvif.org/type/video_encoder urn:schemas-pelco-com:onvif:extensions:1 \
               onvif://www.onvif.org/location/country/usa onvif://www.onvif.org/name/"),
            F(PctModel),
            L("-"),
            F(PctSerial),
        ],
    )?;
    let envelope = fixture!("pelco-d6230l-getdeviceinformation.xml");
    Ok(ProfileTemplates {
        probe_matches: t("pelco probe", probe, &axis_probe_subs(Some(scopes)))?,
        date_time: dt(
            "pelco gsdt",
            fixture!("pelco-d6230l-getsystemdateandtime.xml"),
            &[],
        )?,
        capabilities: t(
            "pelco caps",
            fixture!("pelco-d6230l-getcapabilities.xml"),
            &[sub("10.10.1.66", &[F(HostPort)])],
        )?,
        // Synthesised: no Pelco GetServices capture; paths from its GetCapabilities.
        services: synth(
            "pelco services",
            envelope,
            &services_inner(
                "@HOSTPORT@",
                "\n",
                "/onvif/media_service",
                "/onvif/eventing_service",
            ),
            false,
        )?,
        // Synthesised: no Pelco GetHostname capture.
        hostname: synth("pelco hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "pelco devinfo",
            envelope,
            &[
                sub(">Pelco<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">D6230L<", &[L(">"), F(Model), L("<")]),
                sub("2.9.0.4.9340-A0.0", &[F(Firmware)]),
                sub(">J250117<", &[L(">"), F(Serial), L("<")]),
                sub(">00:04:7d:0e:b8:5c<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?,
        network_interfaces: t(
            "pelco netif",
            fixture!("pelco-d6230l-getnetworkinterfaces.xml"),
            &[
                sub("10.10.1.66", &[F(Ip)]),
                sub("00047D0EB85C", &[F(MacUpperPlain)]),
                sub("204:7dff:fe0e:b85c", &[F(Eui64Iid)]),
            ],
        )?,
        scopes: t(
            "pelco scopes",
            fixture!("pelco-d6230l-getscopes.xml"),
            &[
                sub("hardware/D6230L", &[L("hardware/"), F(PctModel)]),
                sub(
                    "name/D6230L-J250117",
                    &[L("name/"), F(PctModel), L("-"), F(PctSerial)],
                ),
            ],
        )?,
        not_supported: Fault {
            status: 500,
            body: t(
                "pelco fault",
                fixture!("pelco-d6230l-fault-actionnotsupported.xml"),
                &[],
            )?,
        },
        http: HttpStyle::Plain {
            server: Some("ev-compat"),
        },
    })
}

/// Dahua and its Amcrest OEM: single-line `s:`/`sc:` family.
fn dahua(amcrest: bool) -> Result<ProfileTemplates, TemplateError> {
    // Synthesised responses below use the single-line GetCapabilities capture as envelope.
    let envelope = fixture!("dahua-getcapabilities-singleline.xml");
    let env = env_prefix(envelope);
    let device_information = if amcrest {
        t(
            "amcrest devinfo",
            fixture!("amcrest-ip5m-t1277ew-ai-getdeviceinformation.xml"),
            &[
                sub(">Amcrest<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">IP5M-T1277EW-AI<", &[L(">"), F(Model), L("<")]),
                sub("V2.800.00AC003.0.R", &[F(Firmware)]),
                sub("AMC094B09882D5F152", &[F(Serial)]),
                sub(">1.00<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?
    } else {
        t(
            "dahua devinfo",
            fixture!("dahua-dh-2h3400-adp-getdeviceinformation.xml"),
            &[
                sub(">Dahua<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">DH-2H3400-ADP<", &[L(">"), F(Model), L("<")]),
                sub("2.811.0000013.0.R, Build Date 2023-12-20", &[F(Firmware)]),
                sub("BA07995PHA29A85", &[F(Serial)]),
                sub(">1.00<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?
    };
    let fault = fault_inner(env).replacen(
        "<s:Value>ter:",
        "<s:Value xmlns:ter=\"http://www.onvif.org/ver10/error\">ter:",
        1,
    );
    Ok(ProfileTemplates {
        probe_matches: t(
            "dahua probe",
            fixture!("amcrest-ip2m-841b-probematch-singleline.xml"),
            &[
                sub("8eceb0ca-564e-4436-bec5-e63ea243c529", &[F(Uuid)]),
                sub("uuid:Device", &[F(RelatesTo)]),
                sub("name/Amcrest", &[L("name/"), F(PctManufacturer)]),
                sub("hardware/IP2M-841B", &[L("hardware/"), F(PctModel)]),
                sub("192.168.1.235", &[F(HostPort)]),
            ],
        )?,
        // Synthesised (single-line, Dahua default zone UTC+8).
        date_time: synth(
            "dahua gsdt",
            envelope,
            &date_time_inner("CST-8:00:00", 8),
            true,
        )?,
        capabilities: t(
            "dahua caps",
            envelope,
            &[sub("192.168.1.123", &[F(HostPort)])],
        )?,
        // Synthesised: Dahua `/onvif/*_service` paths from its GetCapabilities.
        services: synth(
            "dahua services",
            envelope,
            &services_inner(
                "@HOSTPORT@",
                "",
                "/onvif/media_service",
                "/onvif/event_service",
            ),
            false,
        )?,
        // Synthesised.
        hostname: synth("dahua hostname", envelope, HOSTNAME_INNER, false)?,
        device_information,
        // Synthesised.
        network_interfaces: synth("dahua netif", envelope, NETWORK_INTERFACES_INNER, false)?,
        // Synthesised: the Dahua scope set of its WS-Discovery captures.
        scopes: synth(
            "dahua scopes",
            envelope,
            &scopes_inner(&[
                ("Fixed", "onvif://www.onvif.org/location/country/china"),
                ("Fixed", "onvif://www.onvif.org/name/@MANU@"),
                ("Fixed", "onvif://www.onvif.org/hardware/@MODEL@"),
                ("Fixed", "onvif://www.onvif.org/Profile/Streaming"),
                (
                    "Fixed",
                    "onvif://www.onvif.org/type/Network_Video_Transmitter",
                ),
                ("Fixed", "onvif://www.onvif.org/extension/unique_identifier"),
            ]),
            false,
        )?,
        // Synthesised.
        not_supported: Fault {
            status: 500,
            body: synth("dahua fault", envelope, &fault, false)?,
        },
        http: HttpStyle::Plain { server: None },
    })
}

const GSOAP_GENERIC_PROBE: [Sub; 4] = [
    sub("2419d68a-2dd2-21b2-a205-78A5DD0F9593", &[F(Uuid)]),
    sub(
        "urn:uuid:2de9f5ad-abd2-4c0e-9ba8-178098d67f01",
        &[F(RelatesTo)],
    ),
    sub("Model/631GA", &[L("Model/"), F(PctModel)]),
    sub("192.168.1.104:80", &[F(IpPort)]),
];

fn generic() -> Result<ProfileTemplates, TemplateError> {
    let envelope = fixture!("unbranded-gx728mf-ir28-getdeviceinformation.xml");
    Ok(ProfileTemplates {
        // The generic Chinese IPCAM capture (no Types element) stands in for unbranded units.
        probe_matches: t(
            "generic probe",
            fixture!("generic-ipcam-631ga-probematch.xml"),
            &GSOAP_GENERIC_PROBE,
        )?,
        date_time: dt(
            "generic gsdt",
            fixture!("unbranded-gx728mf-ir28-getsystemdateandtime.xml"),
            &[],
        )?,
        capabilities: t(
            "generic caps",
            fixture!("unbranded-gx728mf-ir28-getcapabilities.xml"),
            &[sub("192.168.1.127:80", &[F(IpPort)])],
        )?,
        // Synthesised: Uniview paths from its GetCapabilities.
        services: synth(
            "generic services",
            envelope,
            &services_inner("@IPPORT@", "\n", "/onvif/media", "/onvif/event"),
            false,
        )?,
        // Synthesised.
        hostname: synth("generic hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "generic devinfo",
            envelope,
            &[
                sub(">NONE<", &[L(">"), F(Manufacturer), L("<")]),
                sub(
                    "<tds:Model>GX728MF-IR28<",
                    &[L("<tds:Model>"), F(Model), L("<")],
                ),
                sub("IPC_G6106-B0005P11D1812C03", &[F(Firmware)]),
                sub("210235T8HQ3197000191", &[F(Serial)]),
                sub(
                    "<tds:HardwareId>GX728MF-IR28<",
                    &[L("<tds:HardwareId>"), F(HardwareId), L("<")],
                ),
            ],
        )?,
        // Synthesised.
        network_interfaces: synth("generic netif", envelope, NETWORK_INTERFACES_INNER, false)?,
        // Synthesised.
        scopes: synth(
            "generic scopes",
            envelope,
            &scopes_inner(&[
                ("Fixed", "onvif://www.onvif.org/Profile/Streaming"),
                ("Fixed", "onvif://www.onvif.org/hardware/@MODEL@"),
                ("Configurable", "onvif://www.onvif.org/name/@MODEL@"),
                ("Configurable", "onvif://www.onvif.org/location/"),
            ]),
            false,
        )?,
        // The SUNBA Performance-Series unit runs the same Uniview stack.
        not_supported: Fault {
            status: 500,
            body: t(
                "generic fault",
                fixture!("sunba-performance-series-fault-actionnotsupported.xml"),
                &[],
            )?,
        },
        http: HttpStyle::Plain { server: None },
    })
}

fn sunba() -> Result<ProfileTemplates, TemplateError> {
    let envelope = fixture!("sunba-xm530-50x50-wg-8m-getdeviceinformation.xml");
    let env = env_prefix(envelope);
    Ok(ProfileTemplates {
        probe_matches: t(
            "sunba probe",
            fixture!("generic-ipcam-631ga-probematch.xml"),
            &GSOAP_GENERIC_PROBE,
        )?,
        date_time: dt(
            "sunba gsdt",
            fixture!("sunba-xm530-50x50-wg-8m-getsystemdateandtime.xml"),
            &[],
        )?,
        capabilities: t(
            "sunba caps",
            fixture!("sunba-xm530-50x50-wg-8m-getcapabilities.xml"),
            &[sub("192.168.15.40:8899", &[F(IpPort)])],
        )?,
        // Synthesised: XM paths from its GetCapabilities.
        services: synth(
            "sunba services",
            envelope,
            &services_inner("@IPPORT@", "\n", "/onvif/Media", "/onvif/Events"),
            false,
        )?,
        // Synthesised.
        hostname: synth("sunba hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "sunba devinfo",
            envelope,
            &[
                sub(">H264<", &[L(">"), F(Manufacturer), L("<")]),
                sub(">XM530_50X50-WG_8M<", &[L(">"), F(Model), L("<")]),
                sub(
                    "V5.00.R02.L5330747.10010.349917..ONVIF 16.12",
                    &[F(Firmware)],
                ),
                sub("f0d2d8a9c5380a0f", &[F(Serial)]),
                sub(">00001<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?,
        // Synthesised.
        network_interfaces: synth("sunba netif", envelope, NETWORK_INTERFACES_INNER, false)?,
        // Synthesised: the XM/631GA-style scope set.
        scopes: synth(
            "sunba scopes",
            envelope,
            &scopes_inner(&[
                ("Fixed", "onvif://www.onvif.org/Profile/Streaming"),
                ("Fixed", "onvif://www.onvif.org/Model/@MODEL@"),
                ("Fixed", "onvif://www.onvif.org/Name/IPCAM"),
                (
                    "Configurable",
                    "onvif://www.onvif.org/location/country/china",
                ),
            ]),
            false,
        )?,
        // Synthesised.
        not_supported: Fault {
            status: 500,
            body: synth("sunba fault", envelope, &fault_inner(env), false)?,
        },
        http: HttpStyle::Plain { server: None },
    })
}

fn milesight() -> Result<ProfileTemplates, TemplateError> {
    let envelope = fixture!("milesight-ms-c8165-pe-getdeviceinformation.xml");
    let env = env_prefix(envelope);
    let scopes_src = fixture!("milesight-ms-c8165-pe-getscopes.xml");
    // Synthesised: no Milesight ProbeMatches capture; the gSOAP Axis one with the scope list of
    // Milesight's GetScopes capture (placeholder name/hardware "Camera", empty model/mac).
    let probe = fixture!("axis-m2025-le-probematch.xml");
    let scopes = whole(
        "milesight probe",
        probe,
        "<d:Scopes>",
        "</d:Scopes>",
        &[L("onvif://www.onvif.org/type/Network_Video_Transmitter \
             onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/hardware/Camera \
             onvif://www.onvif.org/name/Camera onvif://www.onvif.org/location/ \
             onvif://www.onvif.org/model/ onvif://www.onvif.org/macaddress/ \
             onvif://www.onvif.org/Profile/G onvif://www.onvif.org/Profile/T \
             onvif://www.onvif.org/Profile/Q/FactoryDefault")],
    )?;
    Ok(ProfileTemplates {
        probe_matches: t("milesight probe", probe, &axis_probe_subs(Some(scopes)))?,
        // Synthesised (UTC+8 default).
        date_time: synth(
            "milesight gsdt",
            envelope,
            &date_time_inner("CST-8", 8),
            true,
        )?,
        // Synthesised: no Milesight GetCapabilities capture.
        capabilities: synth(
            "milesight caps",
            envelope,
            "<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device>\
             <tt:XAddr>http://@HOSTPORT@/onvif/device_service</tt:XAddr></tt:Device>\
             <tt:Events><tt:XAddr>http://@HOSTPORT@/onvif/event_service</tt:XAddr></tt:Events>\
             <tt:Media><tt:XAddr>http://@HOSTPORT@/onvif/media_service</tt:XAddr></tt:Media>\
             </tds:Capabilities></tds:GetCapabilitiesResponse>",
            false,
        )?,
        // Synthesised.
        services: synth(
            "milesight services",
            envelope,
            &services_inner(
                "@HOSTPORT@",
                "",
                "/onvif/media_service",
                "/onvif/event_service",
            ),
            false,
        )?,
        // Synthesised.
        hostname: synth("milesight hostname", envelope, HOSTNAME_INNER, false)?,
        device_information: t(
            "milesight devinfo",
            envelope,
            &[
                sub(
                    ">Milesight Technology Co.,Ltd.<",
                    &[L(">"), F(Manufacturer), L("<")],
                ),
                sub(">MS-C8165-PE<", &[L(">"), F(Model), L("<")]),
                sub(">61.8.0.3-r8<", &[L(">"), F(Firmware), L("<")]),
                sub(">EM82V102329001403<", &[L(">"), F(Serial), L("<")]),
                sub(">V1.0<", &[L(">"), F(HardwareId), L("<")]),
            ],
        )?,
        // Synthesised.
        network_interfaces: synth("milesight netif", envelope, NETWORK_INTERFACES_INNER, false)?,
        scopes: t("milesight scopes", scopes_src, &[])?,
        // Synthesised.
        not_supported: Fault {
            status: 500,
            body: synth("milesight fault", envelope, &fault_inner(env), false)?,
        },
        http: HttpStyle::Plain { server: None },
    })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::fleet::{FleetOptions, FleetSpec, VendorMix};
    use crate::template::RenderCtx;

    /// Identity strings of the captures: none may survive substitution.
    const CAPTURED: &[&str] = &[
        "DS-2CD2012-I",
        "DS-2CD3955FWD-IWS",
        "CCWR501088621",
        "10.10.1.65",
        "c0:56:e3:f9:55:68",
        "c256:e3ff",
        "18ec6401",
        "bfe8bb88",
        "192.168.0.218",
        "b6a3:82ff",
        "TV-IP320PI",
        "863642784",
        "10.10.1.67",
        "3c:8c:f8:a1:32:dc",
        "Q6045-E",
        "M2025-LE",
        "00408CFAB754",
        "00:40:8C:FA:B7:54",
        "192.168.0.19<",
        "192.168.0.19/",
        "10.10.1.20",
        "3ea96f68",
        "f0a90683",
        "63a205c4",
        "192.168.0.209",
        "D6230L",
        "J250117",
        "00047D0EB85C",
        "10.10.1.66",
        "8eceb0ca",
        "uuid:Device",
        "IP2M-841B",
        "192.168.1.235",
        "192.168.1.123",
        "DH-2H3400-ADP",
        "BA07995PHA29A85",
        "IP5M-T1277EW-AI",
        "AMC094B09882D5F152",
        "GX728MF-IR28",
        "210235T8HQ3197000191",
        "192.168.1.127",
        "2419d68a",
        "2de9f5ad",
        "631GA",
        "192.168.1.104",
        "XM530",
        "f0d2d8a9c5380a0f",
        "192.168.15.40",
        "MS-C8165-PE",
        "EM82V102329001403",
    ];

    fn render_all(profile: Profile, identity: &crate::fleet::Identity) -> Vec<(String, String)> {
        let templates = templates(profile).unwrap();
        let ctx = RenderCtx {
            identity,
            ip: Ipv4Addr::new(10, 99, 1, 2),
            http_port: 8080,
            relates_to: "urn:uuid:probe-1",
            reply_message_id: "reply-1",
            message_number: 3,
            now: time::OffsetDateTime::now_utc(),
        };
        let mut out = vec![("probe".into(), templates.probe_matches.render(&ctx))];
        for op in Operation::ALL {
            out.push((op.name().into(), templates.operation(op).render(&ctx)));
        }
        out.push(("fault".into(), templates.not_supported.body.render(&ctx)));
        out
    }

    #[test]
    fn every_profile_substitutes_identity_and_stays_well_formed() {
        for profile in Profile::ALL {
            let opts = FleetOptions {
                vendor_mix: VendorMix::only(profile),
                ..Default::default()
            };
            let spec = FleetSpec::generate(1, Ipv4Addr::new(10, 99, 1, 2), 5, &opts).unwrap();
            // Values no capture contains, so any leftover capture value is visible.
            let identity = &crate::fleet::Identity {
                manufacturer: "ZZ Corp".into(),
                model: "ZZ-M 1/2".into(),
                firmware: "ZZ 9.9".into(),
                serial: "ZZSERIAL0042".into(),
                mac: [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee],
                hardware_id: "ZZHW".into(),
                hostname: "zz-host".into(),
                ..spec.cameras[0].identity.clone()
            };
            for (what, text) in render_all(profile, identity) {
                for captured in CAPTURED {
                    assert!(
                        !text.contains(captured),
                        "{profile} {what} still has {captured}"
                    );
                }
                assert!(
                    !text.contains('@'),
                    "{profile} {what} has a placeholder: {text}"
                );
                assert!(
                    crate::soap::parse_envelope(text.as_bytes()).is_ok(),
                    "{profile} {what} is not well-formed: {text}"
                );
                if what == "probe" {
                    assert!(text.contains("urn:uuid:probe-1"), "{profile} RelatesTo");
                    assert!(
                        text.contains("10.99.1.2:8080/onvif/device_service"),
                        "{profile}"
                    );
                }
                if what == "GetDeviceInformation" {
                    assert!(text.contains(&identity.serial), "{profile} serial");
                    assert!(text.contains(&identity.firmware), "{profile} firmware");
                }
            }
        }
    }

    #[test]
    fn substitution_keeps_the_capture_byte_identical_elsewhere() {
        // Rendering with the capture's own identity gives back the capture.
        let src = fixture!("hikvision-ds-2cd2012-i-getdeviceinformation.xml");
        let identity = crate::fleet::Identity {
            manufacturer: "HIKVISION".into(),
            model: "DS-2CD2012-I".into(),
            firmware: "V5.2.0 build 140721".into(),
            serial: "DS-2CD2012-I20150201CCWR501088621".into(),
            mac: [0xc0, 0x56, 0xe3, 0xf9, 0x55, 0x68],
            hardware_id: "88".into(),
            hostname: "x".into(),
            endpoint: "urn:uuid:x".into(),
        };
        let ctx = RenderCtx {
            identity: &identity,
            ip: Ipv4Addr::new(10, 10, 1, 65),
            http_port: 80,
            relates_to: "",
            reply_message_id: "",
            message_number: 0,
            now: time::OffsetDateTime::now_utc(),
        };
        let templates = templates(Profile::Hikvision).unwrap();
        assert_eq!(templates.device_information.render(&ctx), src);
        let netif = fixture!("hikvision-ds-2cd2012-i-getnetworkinterfaces.xml");
        assert_eq!(templates.network_interfaces.render(&ctx), netif);
    }

    #[test]
    fn not_authorized_body_is_the_captured_one() {
        let body = not_authorized_body();
        assert_eq!(body.len(), 2211, "Content-Length of the capture");
        assert!(body.contains("ter:NotAuthorized"));
    }

    #[test]
    fn operations_by_name_and_access_class() {
        assert_eq!(
            Operation::from_local_name("GetScopes"),
            Some(Operation::GetScopes)
        );
        assert_eq!(Operation::from_local_name("SetScopes"), None);
        let anonymous: Vec<_> = Operation::ALL
            .into_iter()
            .filter(|o| !o.needs_auth())
            .collect();
        assert_eq!(anonymous.len(), 4);
    }
}
