//! Device-service responses: the typed values camaudit reads from each Get* reply.
//!
//! Element lookups accept the device (`tds`) or schema (`tt`) namespace for the response's
//! children, because the schema puts some fields in one and cheap firmwares use the other;
//! both are still matched by URI.

use crate::ns;
use crate::xml::{self, Element};

use super::envelope::parse_response;
use super::{DateTime, Error, MAX_FIELD_CHARS, Operation, Response};

/// Most entries kept from any list in a response (interfaces, scopes, XAddrs, services).
pub const MAX_LIST: usize = 64;
/// Most scope items kept from GetScopes.
pub const MAX_SCOPES: usize = 128;
/// Most IPv4 addresses kept per interface.
const MAX_ADDRESSES: usize = 16;
/// Longest URI kept (XAddrs, scope items, service namespaces); longer ones are dropped, since a
/// cut URI is a wrong URI.
pub const MAX_URI_CHARS: usize = 1024;

const ONVIF: [&str; 2] = [ns::ONVIF_DEVICE, ns::ONVIF_SCHEMA];

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceInformation {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware_version: Option<String>,
    pub serial_number: Option<String>,
    pub hardware_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemDateAndTime {
    pub date_time_type: Option<String>,
    pub daylight_savings: Option<bool>,
    pub time_zone: Option<String>,
    pub utc: Option<DateTime>,
    pub local: Option<DateTime>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkInterface {
    pub token: Option<String>,
    pub enabled: Option<bool>,
    pub name: Option<String>,
    pub hw_address: Option<String>,
    pub ipv4: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkInterfaces {
    pub interfaces: Vec<NetworkInterface>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeList {
    /// Raw scope URIs (`ScopeItem`), in order.
    pub items: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hostname {
    pub from_dhcp: Option<bool>,
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `(category local name, XAddr)`, e.g. `("Device", "http://…/onvif/device_service")`, plus
    /// vendor extension XAddrs (e.g. Hikvision `hik_ext`, TRENDnet `onvif_ext`).
    pub xaddrs: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service {
    pub namespace: String,
    pub xaddr: String,
    pub version: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Services {
    pub services: Vec<Service>,
}

/// `GetDeviceInformationResponse`: the five identity fields.
pub fn parse_device_information(body: &[u8]) -> Result<Response<DeviceInformation>, Error> {
    parse_response(body, Operation::GetDeviceInformation, |r| {
        DeviceInformation {
            manufacturer: field(r, "Manufacturer"),
            model: field(r, "Model"),
            firmware_version: field(r, "FirmwareVersion"),
            serial_number: field(r, "SerialNumber"),
            hardware_id: field(r, "HardwareId"),
        }
    })
}

/// `GetSystemDateAndTimeResponse/SystemDateAndTime`. A date-time missing any of its six fields,
/// or with a non-numeric one, is `None`; range checks are left to [`DateTime::unix_seconds`].
pub fn parse_system_date_and_time(body: &[u8]) -> Result<Response<SystemDateAndTime>, Error> {
    parse_response(body, Operation::GetSystemDateAndTime, |r| {
        let Some(sdt) = onvif_child(r, "SystemDateAndTime") else {
            return SystemDateAndTime::default();
        };
        SystemDateAndTime {
            date_time_type: field(sdt, "DateTimeType"),
            daylight_savings: onvif_child(sdt, "DaylightSavings").and_then(boolean),
            time_zone: onvif_child(sdt, "TimeZone").and_then(|tz| field(tz, "TZ")),
            utc: onvif_child(sdt, "UTCDateTime").and_then(date_time),
            local: onvif_child(sdt, "LocalDateTime").and_then(date_time),
        }
    })
}

/// Every `NetworkInterfaces` entry (at most [`MAX_LIST`]): token, Enabled, Info/Name,
/// Info/HwAddress (as sent; normalise with [`crate::mac`]), and the IPv4 `Manual` and
/// `FromDHCP` addresses (`LinkLocal` is left out: devices report 169.254/16 or even 127.0.0.1
/// there).
pub fn parse_network_interfaces(body: &[u8]) -> Result<Response<NetworkInterfaces>, Error> {
    parse_response(body, Operation::GetNetworkInterfaces, |r| {
        NetworkInterfaces {
            interfaces: onvif_children(r, "NetworkInterfaces")
                .take(MAX_LIST)
                .map(interface)
                .collect(),
        }
    })
}

/// Every `Scopes/ScopeItem` (at most [`MAX_SCOPES`]), raw (not percent-decoded).
pub fn parse_scopes(body: &[u8]) -> Result<Response<ScopeList>, Error> {
    parse_response(body, Operation::GetScopes, |r| ScopeList {
        items: onvif_children(r, "Scopes")
            .filter_map(|s| onvif_child(s, "ScopeItem"))
            .filter_map(uri)
            .take(MAX_SCOPES)
            .collect(),
    })
}

/// `GetHostnameResponse/HostnameInformation`.
pub fn parse_hostname(body: &[u8]) -> Result<Response<Hostname>, Error> {
    parse_response(body, Operation::GetHostname, |r| {
        let Some(info) = onvif_child(r, "HostnameInformation") else {
            return Hostname::default();
        };
        Hostname {
            from_dhcp: onvif_child(info, "FromDHCP").and_then(boolean),
            name: field(info, "Name"),
        }
    })
}

/// Every element whose local name ends in `XAddr` (any namespace, so vendor extensions count)
/// below `Capabilities`, paired with its parent's local name; at most [`MAX_LIST`].
pub fn parse_capabilities(body: &[u8]) -> Result<Response<Capabilities>, Error> {
    parse_response(body, Operation::GetCapabilities, |r| {
        let Some(caps) = onvif_child(r, "Capabilities") else {
            return Capabilities::default();
        };
        let xaddrs = caps
            .descendants()
            .filter(|d| d.local_name().ends_with("XAddr"))
            .filter_map(|x| {
                let category = x.parent().map(|p| p.local_name()).unwrap_or_default();
                Some((xml::clean_value(category, MAX_FIELD_CHARS)?, uri(x)?))
            })
            .take(MAX_LIST)
            .collect();
        Capabilities { xaddrs }
    })
}

/// Every `Service` with both a Namespace and an XAddr (at most [`MAX_LIST`]); the version is
/// `Major.Minor` as sent (`2.06` stays `2.06`).
pub fn parse_services(body: &[u8]) -> Result<Response<Services>, Error> {
    parse_response(body, Operation::GetServices, |r| Services {
        services: onvif_children(r, "Service")
            .filter_map(service)
            .take(MAX_LIST)
            .collect(),
    })
}

fn interface(el: Element<'_>) -> NetworkInterface {
    let info = onvif_child(el, "Info");
    let ipv4 = onvif_child(el, "IPv4")
        .and_then(|v4| onvif_child(v4, "Config"))
        .into_iter()
        .flat_map(|config| config.children())
        .filter(|c| c.is_any(&ONVIF, "Manual") || c.is_any(&ONVIF, "FromDHCP"))
        .filter_map(|c| field(c, "Address"))
        .take(MAX_ADDRESSES)
        .collect();
    NetworkInterface {
        token: el
            .attr("token")
            .and_then(|t| xml::clean_value(&t, MAX_FIELD_CHARS)),
        enabled: onvif_child(el, "Enabled").and_then(boolean),
        name: info.and_then(|i| field(i, "Name")),
        hw_address: info.and_then(|i| field(i, "HwAddress")),
        ipv4,
    }
}

fn service(el: Element<'_>) -> Option<Service> {
    let version = onvif_child(el, "Version").and_then(|v| {
        let major = field(v, "Major")?;
        let minor = field(v, "Minor")?;
        Some(format!("{major}.{minor}"))
    });
    Some(Service {
        namespace: onvif_child(el, "Namespace").and_then(uri)?,
        xaddr: onvif_child(el, "XAddr").and_then(uri)?,
        version,
    })
}

fn date_time(el: Element<'_>) -> Option<DateTime> {
    let date = onvif_child(el, "Date")?;
    let time = onvif_child(el, "Time")?;
    Some(DateTime {
        year: number(date, "Year")?,
        month: number(date, "Month")?,
        day: number(date, "Day")?,
        hour: number(time, "Hour")?,
        minute: number(time, "Minute")?,
        second: number(time, "Second")?,
    })
}

fn onvif_child<'d>(el: Element<'d>, local: &str) -> Option<Element<'d>> {
    el.children().find(|c| c.is_any(&ONVIF, local))
}

fn onvif_children<'d, 'a>(el: Element<'d>, local: &'a str) -> impl Iterator<Item = Element<'d>> + 'a
where
    'd: 'a,
{
    el.children().filter(move |c| c.is_any(&ONVIF, local))
}

/// Cleaned text of the ONVIF child `local`.
fn field(el: Element<'_>, local: &str) -> Option<String> {
    onvif_child(el, local).and_then(|c| xml::clean_value(c.text(), MAX_FIELD_CHARS))
}

fn number<T: std::str::FromStr>(el: Element<'_>, local: &str) -> Option<T> {
    onvif_child(el, local)?.text().trim().parse().ok()
}

fn boolean(el: Element<'_>) -> Option<bool> {
    match el.text().trim() {
        t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
        t if t.eq_ignore_ascii_case("false") || t == "0" => Some(false),
        _ => None,
    }
}

/// A URI-valued element: trimmed, no control characters, dropped when empty or over
/// [`MAX_URI_CHARS`].
fn uri(el: Element<'_>) -> Option<String> {
    let value = el.text().trim();
    if value.chars().count() > MAX_URI_CHARS {
        return None;
    }
    xml::clean_value(value, MAX_URI_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/fixtures/real/",
                $name
            ))
            .as_slice()
        };
    }

    use crate::onvif::http_body;

    fn body<T: std::fmt::Debug>(r: Result<Response<T>, Error>) -> T {
        match r {
            Ok(Response::Body(b)) => b,
            other => panic!("expected a body, got {other:?}"),
        }
    }

    fn info(m: &str, model: &str, fw: &str, serial: &str, hw: &str) -> DeviceInformation {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        DeviceInformation {
            manufacturer: some(m),
            model: some(model),
            firmware_version: some(fw),
            serial_number: some(serial),
            hardware_id: some(hw),
        }
    }

    #[test]
    fn device_information_every_fixture() {
        let cases = [
            (
                fixture!("amcrest-ip5m-t1277ew-ai-getdeviceinformation.xml"),
                info(
                    "Amcrest",
                    "IP5M-T1277EW-AI",
                    "V2.800.00AC003.0.R",
                    "AMC094B09882D5F152",
                    "1.00",
                ),
            ),
            (
                fixture!("axis-m2025-le-getdeviceinformation.xml"),
                info("AXIS", "M2025-LE", "9.80.3.13", "B8A44F26437D", "727"),
            ),
            (
                fixture!("axis-q6045-e-getdeviceinformation.xml"),
                info("AXIS", "AXIS Q6045-E", "5.55.1.2", "00408CFAB754", "1C9.2"),
            ),
            (
                fixture!("bosch-flexidome-indoor-5100i-ir-getdeviceinformation.xml"),
                info(
                    "Bosch",
                    "FLEXIDOME indoor 5100i IR",
                    "8.71.0066",
                    "404754734001050102",
                    "F000B543",
                ),
            ),
            (
                fixture!("dahua-dh-2h3400-adp-getdeviceinformation.xml"),
                info(
                    "Dahua",
                    "DH-2H3400-ADP",
                    "2.811.0000013.0.R, Build Date 2023-12-20",
                    "BA07995PHA29A85",
                    "1.00",
                ),
            ),
            (
                fixture!("dlink-dcs-6511-getdeviceinformation.xml"),
                info(
                    "D-Link Corporation",
                    "DCS-6511",
                    "1.16.00",
                    "F07D68099FCA",
                    "F07D68099FCA",
                ),
            ),
            (
                fixture!("hikvision-ds-2cd2012-i-getdeviceinformation.xml"),
                info(
                    "HIKVISION",
                    "DS-2CD2012-I",
                    "V5.2.0 build 140721",
                    "DS-2CD2012-I20150201CCWR501088621",
                    "88",
                ),
            ),
            (
                fixture!("hikvision-ds-2cd3t45p1-i-getdeviceinformation.xml"),
                info(
                    "HIKVISION",
                    "DS-2CD3T45P1-I",
                    "V5.5.31 build 180903",
                    "DS-2CD3T45P1-I20210803AACH248538890",
                    "88",
                ),
            ),
            (
                fixture!("hikvision-ds-2df7276-ael-getdeviceinformation.xml"),
                info(
                    "HIKVISION",
                    "DS-2DF7276-AEL",
                    "V5.1.6 build 140401",
                    "DS-2DF7276-AEL20140613CCWR468714298B",
                    "88",
                ),
            ),
            (
                http_body(fixture!("hikvision-ds-2df7286-a-getdeviceinformation.http")),
                info(
                    "HIKVISION",
                    "DS-2DF7286-A",
                    "V5.3.0 build 150326",
                    "DS-2DF7286-A20140705CCWR471699220B",
                    "88",
                ),
            ),
            (
                fixture!("hikvision-ds-2df7286-a-getdeviceinformation.xml"),
                info(
                    "HIKVISION",
                    "DS-2DF7286-A",
                    "V5.3.0 build 150326",
                    "DS-2DF7286-A20140705CCWR471699220B",
                    "88",
                ),
            ),
            (
                fixture!("milesight-ms-c8165-pe-getdeviceinformation.xml"),
                info(
                    "Milesight Technology Co.,Ltd.",
                    "MS-C8165-PE",
                    "61.8.0.3-r8",
                    "EM82V102329001403",
                    "V1.0",
                ),
            ),
            (
                fixture!("onvif-enp1a14-ir-25x-getdeviceinformation.xml"),
                info(
                    "ONVIF",
                    "ENP1A14-IR/25X",
                    "V5.5.3 build 180822",
                    "ENP1A14-IR/25X20190430AAWRD14878498W",
                    "88",
                ),
            ),
            (
                fixture!("pelco-d6230l-getdeviceinformation.xml"),
                info(
                    "Pelco",
                    "D6230L",
                    "2.9.0.4.9340-A0.0",
                    "J250117",
                    "00:04:7d:0e:b8:5c",
                ),
            ),
            (
                fixture!("sunba-performance-series-getdeviceinformation.xml"),
                info(
                    "SUNBA",
                    "Performance-Series",
                    "QIPC-B2202.3.73.C06290.NB.230628",
                    "210231T2H63235000045",
                    "Performance-Series",
                ),
            ),
            (
                fixture!("sunba-xm530-50x50-wg-8m-getdeviceinformation.xml"),
                info(
                    "H264",
                    "XM530_50X50-WG_8M",
                    "V5.00.R02.L5330747.10010.349917..ONVIF 16.12",
                    "f0d2d8a9c5380a0f",
                    "00001",
                ),
            ),
            (
                fixture!("trendnet-tv-ip320pi-getdeviceinformation.xml"),
                info(
                    "TRENDnet",
                    "TV-IP320PI",
                    "V5.3.4 build 160830",
                    "TV-IP320PI20161206AAWR863642784",
                    "88",
                ),
            ),
            (
                fixture!("unbranded-gx728mf-ir28-getdeviceinformation.xml"),
                info(
                    "NONE",
                    "GX728MF-IR28",
                    "IPC_G6106-B0005P11D1812C03",
                    "210235T8HQ3197000191",
                    "GX728MF-IR28",
                ),
            ),
            (
                fixture!("unbranded-ipd-h4k8m05-bs-getdeviceinformation.xml"),
                info(
                    "",
                    "IPD-H4K8M05-BS",
                    "V1.04.10-190309",
                    "071D3E36963F",
                    "1.0",
                ),
            ),
        ];
        for (bytes, want) in cases {
            assert_eq!(body(parse_device_information(bytes)), want);
        }
    }

    #[test]
    fn device_information_fragment_is_not_soap() {
        let fragment = fixture!("dahua-ipc-hdw1025c-getdeviceinformation-body-fragment.xml");
        assert!(matches!(
            parse_device_information(fragment),
            Err(Error::NotSoap)
        ));
    }

    #[test]
    fn wrong_response_is_missing_body() {
        let scopes = fixture!("hikvision-ds-2cd2012-i-getscopes.xml");
        assert!(matches!(
            parse_device_information(scopes),
            Err(Error::MissingBody {
                expected: "GetDeviceInformationResponse"
            })
        ));
    }

    #[test]
    fn fault_is_a_value() {
        let raw = fixture!("hikvision-fault-notauthorized-http400.http");
        let Ok(Response::Fault(fault)) = parse_device_information(http_body(raw)) else {
            panic!("expected a fault");
        };
        assert!(fault.is_not_authorized());
    }

    #[test]
    fn network_interfaces_every_fixture() {
        let cases: [(&[u8], &str, &[&str]); 7] = [
            (
                fixture!("axis-q6045-e-getnetworkinterfaces.xml"),
                "00:40:8C:FA:B7:54",
                &["10.10.1.20", "192.168.0.19"],
            ),
            (
                fixture!("hikvision-ds-2cd2012-i-getnetworkinterfaces.xml"),
                "c0:56:e3:f9:55:68",
                &["10.10.1.65"],
            ),
            (
                fixture!("hikvision-ds-2df7276-ael-getnetworkinterfaces.xml"),
                "44:19:b6:3e:ba:a1",
                &["10.10.1.60"],
            ),
            (
                fixture!("hikvision-ds-2df7286-a-getnetworkinterfaces.xml"),
                "44:19:b6:4b:f1:a2",
                &["192.168.1.100"],
            ),
            (
                fixture!("hikvision-getnetworkinterfaces-agsh-mockup.xml"),
                "28:57:be:65:7d:d5",
                &["192.168.68.111"],
            ),
            (
                fixture!("pelco-d6230l-getnetworkinterfaces.xml"),
                "00047D0EB85C",
                &["10.10.1.66"],
            ),
            (
                fixture!("trendnet-tv-ip320pi-getnetworkinterfaces.xml"),
                "3c:8c:f8:a1:32:dc",
                &["10.10.1.67"],
            ),
        ];
        for (bytes, mac, ipv4) in cases {
            let got = body(parse_network_interfaces(bytes));
            let [iface] = got.interfaces.as_slice() else {
                panic!("{got:?}")
            };
            assert_eq!(iface.hw_address.as_deref(), Some(mac));
            assert_eq!(iface.ipv4, ipv4, "{mac}");
            assert_eq!(iface.name.as_deref(), Some("eth0"));
            assert_eq!(iface.enabled, Some(true));
            assert!(iface.token.is_some());
        }
    }

    #[test]
    fn several_interfaces_and_missing_ipv4() {
        let doc = format!(
            r#"<e:Envelope xmlns:e="{}" xmlns:tds="{}" xmlns:tt="{}"><e:Body><tds:GetNetworkInterfacesResponse>
            <tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled><tt:Info><tt:HwAddress>00:11:22:33:44:55</tt:HwAddress></tt:Info></tds:NetworkInterfaces>
            <tds:NetworkInterfaces token="wlan0"><tt:Enabled>false</tt:Enabled><tt:IPv4><tt:Config><tt:Manual><tt:Address>10.0.0.2</tt:Address></tt:Manual><tt:Manual><tt:Address>10.0.0.3</tt:Address></tt:Manual></tt:Config></tt:IPv4></tds:NetworkInterfaces>
            </tds:GetNetworkInterfacesResponse></e:Body></e:Envelope>"#,
            ns::SOAP12,
            ns::ONVIF_DEVICE,
            ns::ONVIF_SCHEMA
        );
        let got = body(parse_network_interfaces(doc.as_bytes()));
        let want = [
            NetworkInterface {
                token: Some("eth0".into()),
                enabled: Some(true),
                name: None,
                hw_address: Some("00:11:22:33:44:55".into()),
                ipv4: vec![],
            },
            NetworkInterface {
                token: Some("wlan0".into()),
                enabled: Some(false),
                name: None,
                hw_address: None,
                ipv4: vec!["10.0.0.2".into(), "10.0.0.3".into()],
            },
        ];
        assert_eq!(got.interfaces, want);
    }

    #[test]
    fn system_date_and_time_fixtures() {
        let dt = |year, month, day, hour, minute, second| DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        };
        let cases = [
            (
                fixture!("axis-getsystemdateandtime.xml"),
                "Manual",
                true,
                "BRT3",
                dt(2024, 7, 9, 19, 49, 6),
                Some(dt(2024, 7, 9, 16, 49, 6)),
            ),
            (
                fixture!("axis-q6045-e-getsystemdateandtime.xml"),
                "Manual",
                true,
                "MST7MDT,M3.2.0,M11.1.0",
                dt(2018, 2, 27, 23, 9, 59),
                Some(dt(2018, 2, 27, 16, 9, 59)),
            ),
            (
                fixture!("hikvision-ds-2cd2012-i-getsystemdateandtime.xml"),
                "Manual",
                false,
                "CST7:00:00",
                dt(2018, 2, 27, 18, 34, 41),
                Some(dt(2018, 2, 27, 11, 34, 41)),
            ),
            (
                fixture!("hikvision-ds-2df7276-ael-getsystemdateandtime.xml"),
                "Manual",
                true,
                "CST7:00:00DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00",
                dt(2018, 2, 27, 18, 28, 1),
                Some(dt(2018, 2, 27, 11, 28, 1)),
            ),
            (
                fixture!("pelco-d6230l-getsystemdateandtime.xml"),
                "Manual",
                false,
                "MST7MDT,M3.2.0,M11.1.0",
                dt(2018, 2, 27, 18, 10, 11),
                None,
            ),
            (
                fixture!("sunba-xm530-50x50-wg-8m-getsystemdateandtime.xml"),
                "Manual",
                true,
                "CST6CDT:",
                dt(2025, 4, 27, 1, 27, 42),
                Some(dt(2025, 4, 26, 19, 27, 42)),
            ),
            (
                fixture!("trendnet-tv-ip320pi-getsystemdateandtime.xml"),
                "NTP",
                true,
                "CST+7:00:00DST01:00:00,M3.2.0/02:00:00,M11.1.0/02:00:00",
                dt(2018, 2, 27, 18, 36, 51),
                Some(dt(2018, 2, 27, 11, 36, 51)),
            ),
            (
                fixture!("unbranded-gx728mf-ir28-getsystemdateandtime.xml"),
                "Manual",
                true,
                "CST5CDT,M3.2.0/2,M11.1.0/2",
                dt(2023, 3, 8, 0, 27, 9),
                Some(dt(2023, 3, 7, 19, 27, 9)),
            ),
        ];
        for (bytes, kind, dst, tz, utc, local) in cases {
            let got = body(parse_system_date_and_time(bytes));
            assert_eq!(got.date_time_type.as_deref(), Some(kind), "{tz}");
            assert_eq!(got.daylight_savings, Some(dst), "{tz}");
            assert_eq!(got.time_zone.as_deref(), Some(tz));
            assert_eq!(got.utc, Some(utc), "{tz}");
            assert_eq!(got.local, local, "{tz}");
            assert!(utc.unix_seconds().is_some());
        }
    }

    #[test]
    fn scopes_fixtures() {
        let cases: [(&[u8], usize, &str, &str); 6] = [
            (
                fixture!("axis-q6045-e-getscopes.xml"),
                6,
                "onvif://www.onvif.org/type/video_encoder",
                "onvif://www.onvif.org/location/",
            ),
            (
                fixture!("hikvision-ds-2cd2012-i-getscopes.xml"),
                6,
                "onvif://www.onvif.org/type/video_encoder",
                "onvif://www.onvif.org/location/city/hangzhou",
            ),
            (
                fixture!("hikvision-ds-2df7276-ael-getscopes.xml"),
                8,
                "onvif://www.onvif.org/type/video_encoder",
                "onvif://www.onvif.org/location/city/hangzhou",
            ),
            (
                fixture!("milesight-ms-c8165-pe-getscopes.xml"),
                0,
                "onvif://www.onvif.org/type/Network_Video_Transmitter",
                "",
            ),
            (
                fixture!("pelco-d6230l-getscopes.xml"),
                0,
                "onvif://www.onvif.org/Profile/G",
                "",
            ),
            (
                fixture!("trendnet-tv-ip320pi-getscopes.xml"),
                6,
                "onvif://www.onvif.org/type/video_encoder",
                "onvif://www.onvif.org/location/",
            ),
        ];
        for (bytes, len, first, last) in cases {
            let got = body(parse_scopes(bytes));
            if len > 0 {
                assert_eq!(got.items.len(), len, "{first}");
                assert_eq!(got.items.last().map(String::as_str), Some(last));
            }
            assert_eq!(got.items.first().map(String::as_str), Some(first));
        }
        let hik = body(parse_scopes(fixture!(
            "hikvision-ds-2cd2012-i-getscopes.xml"
        )));
        let decoded = crate::wsdiscovery::Scopes::parse(&hik.items);
        assert_eq!(decoded.name.as_deref(), Some("HIKVISION DS-2CD2012-I"));
        assert_eq!(decoded.hardware.as_deref(), Some("DS-2CD2012-I"));
    }

    #[test]
    fn capabilities_include_vendor_extensions() {
        let hik = body(parse_capabilities(fixture!(
            "hikvision-ds-2cd2012-i-getcapabilities.xml"
        )));
        let want: Vec<(String, String)> = [
            ("Analytics", "Analytics"),
            ("Device", "device_service"),
            ("Events", "Events"),
            ("Imaging", "Imaging"),
            ("Media", "Media"),
            ("hikCapabilities", "hik_ext"),
            ("DeviceIO", "DeviceIO"),
        ]
        .iter()
        .map(|(c, p)| ((*c).to_owned(), format!("http://10.10.1.65/onvif/{p}")))
        .collect();
        assert_eq!(hik.xaddrs, want);

        let trendnet = body(parse_capabilities(fixture!(
            "trendnet-tv-ip320pi-getcapabilities.xml"
        )));
        assert_eq!(trendnet.xaddrs.len(), 10);
        assert!(
            trendnet
                .xaddrs
                .iter()
                .any(|(_, x)| x == "http://10.10.1.67/onvif/onvif_ext")
        );

        let dahua = body(parse_capabilities(fixture!(
            "dahua-getcapabilities-singleline.xml"
        )));
        let categories: Vec<&str> = dahua.xaddrs.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            categories,
            [
                "Analytics",
                "Device",
                "Events",
                "Imaging",
                "Media",
                "DeviceIO"
            ]
        );
    }

    #[test]
    fn capabilities_every_fixture() {
        let cases: [(&[u8], usize, &str); 11] = [
            (
                fixture!("axis-q6045-e-getcapabilities.xml"),
                4,
                "http://192.168.0.19",
            ),
            (
                fixture!("dahua-getcapabilities-singleline.xml"),
                6,
                "http://192.168.1.123",
            ),
            (
                fixture!("dlink-dcs-6511-getcapabilities.xml"),
                4,
                "http://192.168.1.33:80",
            ),
            (
                fixture!("hikvision-ds-2cd2012-i-getcapabilities.xml"),
                7,
                "http://10.10.1.65",
            ),
            (
                fixture!("hikvision-ds-2df7276-ael-getcapabilities.xml"),
                8,
                "http://10.10.1.60",
            ),
            (
                fixture!("hikvision-ds-2df7286-a-getcapabilities.xml"),
                11,
                "http://192.168.1.100:8100",
            ),
            (
                fixture!("pelco-d6230l-getcapabilities.xml"),
                10,
                "http://10.10.1.66",
            ),
            (
                fixture!("sunba-performance-series-getcapabilities.xml"),
                12,
                "http://162.191.54.181:80",
            ),
            (
                fixture!("sunba-xm530-50x50-wg-8m-getcapabilities.xml"),
                7,
                "http://192.168.15.40:8899",
            ),
            (
                fixture!("trendnet-tv-ip320pi-getcapabilities.xml"),
                10,
                "http://10.10.1.67",
            ),
            (
                fixture!("unbranded-gx728mf-ir28-getcapabilities.xml"),
                8,
                "http://192.168.1.127:80",
            ),
        ];
        for (bytes, count, base) in cases {
            let got = body(parse_capabilities(bytes));
            assert_eq!(got.xaddrs.len(), count, "{base}");
            let device = got
                .xaddrs
                .iter()
                .find(|(c, _)| c == "Device")
                .map(|(_, x)| x.as_str());
            assert_eq!(
                device,
                Some(format!("{base}/onvif/device_service").as_str())
            );
        }
    }

    #[test]
    fn services_with_versions() {
        let got = body(parse_services(fixture!("axis-m2025-le-getservices.xml")));
        let first = got.services.first().unwrap();
        assert_eq!(first.namespace, "http://www.onvif.org/ver10/events/wsdl");
        assert_eq!(first.xaddr, "http://192.168.0.209/onvif/services");
        assert_eq!(first.version.as_deref(), Some("2.21"));
        let device = got
            .services
            .iter()
            .find(|s| s.namespace == ns::ONVIF_DEVICE)
            .unwrap();
        assert_eq!(device.xaddr, "http://192.168.0.209/onvif/device_service");
        assert!(
            got.services
                .iter()
                .any(|s| s.namespace == "http://www.axis.com/vapix/ws/light")
        );
    }

    #[test]
    fn hostname() {
        let doc = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><GetHostnameResponse xmlns="{}"><HostnameInformation><FromDHCP xmlns="{}"> true </FromDHCP><Name xmlns="{}">cam-01&#x7;</Name></HostnameInformation></GetHostnameResponse></s:Body></s:Envelope>"#,
            ns::SOAP12,
            ns::ONVIF_DEVICE,
            ns::ONVIF_SCHEMA,
            ns::ONVIF_SCHEMA
        );
        let got = body(parse_hostname(doc.as_bytes()));
        assert_eq!(
            got,
            Hostname {
                from_dhcp: Some(true),
                name: Some("cam-01".into())
            }
        );
    }

    #[test]
    fn field_caps() {
        let doc = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Body><GetDeviceInformationResponse xmlns="{}"><Model>{}</Model></GetDeviceInformationResponse></s:Body></s:Envelope>"#,
            ns::SOAP12,
            ns::ONVIF_DEVICE,
            "M".repeat(5000)
        );
        let got = body(parse_device_information(doc.as_bytes()));
        assert_eq!(got.model.map(|m| m.chars().count()), Some(MAX_FIELD_CHARS));
    }

    #[test]
    fn declared_namespaces_for_attribution() {
        let hik = crate::onvif::declared_namespaces(fixture!(
            "hikvision-ds-2cd2012-i-getcapabilities.xml"
        ));
        assert!(
            hik.iter()
                .any(|n| n == "http://www.onvifext.com/onvif/ext/ver10/schema")
        );
        let mut deduped = hik.clone();
        deduped.sort();
        deduped.dedup();
        assert_eq!(deduped.len(), hik.len());
        // A fragment without declarations has none; a truncated document keeps what it declared.
        let fragment = fixture!("dahua-ipc-hdw1025c-getdeviceinformation-body-fragment.xml");
        assert!(crate::onvif::declared_namespaces(fragment).is_empty());
        let full = fixture!("trendnet-tv-ip320pi-getcapabilities.xml");
        let half = full.get(..full.len() / 2).unwrap();
        assert!(
            crate::onvif::declared_namespaces(half)
                .iter()
                .any(|n| n.contains("onvifext.com"))
        );
    }
}
