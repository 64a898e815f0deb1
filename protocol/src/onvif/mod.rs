//! ONVIF device service over SOAP 1.2: request builders and response parsers for the read-only
//! Get* operations camaudit is allowed to send (DESIGN.md section 6).
//! CONTRACT STUB: the public API below is fixed; bodies are being implemented.

use crate::auth::UsernameToken;

/// The only operations camaudit ever sends. There is no builder for anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    GetSystemDateAndTime,
    GetDeviceInformation,
    GetNetworkInterfaces,
    GetScopes,
    GetHostname,
    GetCapabilities,
    GetServices,
}

impl Operation {
    /// Local name, e.g. `GetDeviceInformation`.
    pub fn name(self) -> &'static str {
        unimplemented!("contract stub")
    }
    /// SOAP action URI, e.g. `http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation`.
    pub fn action(self) -> &'static str {
        unimplemented!("contract stub")
    }
}

/// Builds the SOAP 1.2 envelope for `op`, with a WS-Security UsernameToken header when given.
pub fn request(op: Operation, token: Option<&UsernameToken>) -> Vec<u8> {
    let _ = (op, token);
    unimplemented!("contract stub")
}

/// A parsed SOAP response: the body we asked for, or a Fault. A Fault is a value, not an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response<T> {
    Body(T),
    Fault(Fault),
}

/// A SOAP 1.2 Fault. Codes are local names with their namespace URI resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    /// `Sender`, `Receiver`, … (local name of `Code/Value`).
    pub code: String,
    /// Subcode local names, outermost first (`NotAuthorized`, `ActionNotSupported`, …).
    pub subcodes: Vec<String>,
    /// `Reason/Text`, if non-empty.
    pub reason: Option<String>,
}

impl Fault {
    /// True for `ter:NotAuthorized` anywhere in the subcode chain (and the common
    /// `Sender` + "not authorized"/"authority failure" reason variants).
    pub fn is_not_authorized(&self) -> bool {
        unimplemented!("contract stub")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceInformation {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware_version: Option<String>,
    pub serial_number: Option<String>,
    pub hardware_id: Option<String>,
}

/// A date and time as the device stated it (no clock involved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl DateTime {
    /// Seconds since the Unix epoch, or `None` when the fields are out of range.
    pub fn unix_seconds(&self) -> Option<i64> {
        unimplemented!("contract stub")
    }
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

pub fn parse_device_information(body: &[u8]) -> Result<Response<DeviceInformation>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
pub fn parse_system_date_and_time(body: &[u8]) -> Result<Response<SystemDateAndTime>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
pub fn parse_network_interfaces(body: &[u8]) -> Result<Response<NetworkInterfaces>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
pub fn parse_scopes(body: &[u8]) -> Result<Response<ScopeList>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
pub fn parse_hostname(body: &[u8]) -> Result<Response<Hostname>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
pub fn parse_capabilities(body: &[u8]) -> Result<Response<Capabilities>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
pub fn parse_services(body: &[u8]) -> Result<Response<Services>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}
/// Parses any SOAP envelope as a Fault, if it is one (for error bodies of any operation).
pub fn parse_fault(body: &[u8]) -> Result<Option<Fault>, Error> {
    let _ = body;
    unimplemented!("contract stub")
}

/// Namespace URIs declared anywhere in the document (bounded), for attribution
/// (e.g. `http://www.onvifext.com/onvif/ext/ver10/wsdl`).
pub fn declared_namespaces(body: &[u8]) -> Vec<String> {
    let _ = body;
    unimplemented!("contract stub")
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("malformed XML: {0}")]
    Xml(#[from] crate::xml::Error),
    #[error("not a SOAP 1.2 envelope")]
    NotSoap,
    #[error("SOAP body has no {expected} element")]
    MissingBody { expected: &'static str },
}
