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

/// Every element named `XAddr` (any namespace, so vendor extensions count) below
/// `Capabilities`, paired with its parent's local name; at most [`MAX_LIST`].
pub fn parse_capabilities(body: &[u8]) -> Result<Response<Capabilities>, Error> {
    parse_response(body, Operation::GetCapabilities, |r| {
        let Some(caps) = onvif_child(r, "Capabilities") else {
            return Capabilities::default();
        };
        let xaddrs = caps
            .descendants()
            .filter(|d| d.local_name() == "XAddr")
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
            .and_then(|t| xml::clean_value(t, MAX_FIELD_CHARS)),
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
