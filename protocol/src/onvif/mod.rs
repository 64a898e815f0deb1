//! ONVIF device service over SOAP 1.2: request builders and response parsers for the read-only
//! Get* operations camaudit is allowed to send (DESIGN.md section 6).
//!
//! - [`request`] builds the only envelopes camaudit sends ([`Operation`] is the whole list).
//! - `parse_*` read one response each: `Ok(Response::Body(_))`, `Ok(Response::Fault(_))` (a SOAP
//!   Fault is a value, e.g. `NotAuthorized`), or `Err(Error)` when the bytes are not a SOAP 1.2
//!   envelope with the expected response element.
//! - Values are trimmed, stripped of control characters and capped at [`MAX_FIELD_CHARS`]
//!   characters; list lengths are capped too (see each parser).
//! - Documents whose namespace declarations were stripped (the `*-fragment.xml` captures) are
//!   not SOAP as far as we can prove: they yield `Err(Error::NotSoap)` (or `Err(Error::Xml)` when
//!   they are not well-formed), never a guessed value.

mod datetime;
mod device;
mod envelope;
mod fault;

pub use datetime::DateTime;
pub use device::{
    Capabilities, DeviceInformation, Hostname, MAX_LIST, MAX_SCOPES, MAX_URI_CHARS,
    NetworkInterface, NetworkInterfaces, ScopeList, Service, Services, SystemDateAndTime,
    parse_capabilities, parse_device_information, parse_hostname, parse_network_interfaces,
    parse_scopes, parse_services, parse_system_date_and_time,
};
pub use envelope::request;
pub(crate) use fault::read_fault;
pub use fault::{Fault, parse_fault};

/// Longest value (in characters) any parser keeps; longer values are cut.
pub const MAX_FIELD_CHARS: usize = 256;

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
    /// Every operation, in the order the agent usually sends them.
    pub const ALL: [Self; 7] = [
        Self::GetSystemDateAndTime,
        Self::GetCapabilities,
        Self::GetServices,
        Self::GetHostname,
        Self::GetDeviceInformation,
        Self::GetNetworkInterfaces,
        Self::GetScopes,
    ];

    /// Local name, e.g. `GetDeviceInformation`.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetSystemDateAndTime => "GetSystemDateAndTime",
            Self::GetDeviceInformation => "GetDeviceInformation",
            Self::GetNetworkInterfaces => "GetNetworkInterfaces",
            Self::GetScopes => "GetScopes",
            Self::GetHostname => "GetHostname",
            Self::GetCapabilities => "GetCapabilities",
            Self::GetServices => "GetServices",
        }
    }

    /// SOAP action URI, e.g. `http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation`.
    pub fn action(self) -> &'static str {
        match self {
            Self::GetSystemDateAndTime => {
                "http://www.onvif.org/ver10/device/wsdl/GetSystemDateAndTime"
            }
            Self::GetDeviceInformation => {
                "http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation"
            }
            Self::GetNetworkInterfaces => {
                "http://www.onvif.org/ver10/device/wsdl/GetNetworkInterfaces"
            }
            Self::GetScopes => "http://www.onvif.org/ver10/device/wsdl/GetScopes",
            Self::GetHostname => "http://www.onvif.org/ver10/device/wsdl/GetHostname",
            Self::GetCapabilities => "http://www.onvif.org/ver10/device/wsdl/GetCapabilities",
            Self::GetServices => "http://www.onvif.org/ver10/device/wsdl/GetServices",
        }
    }

    /// Local name of the response element, e.g. `GetDeviceInformationResponse`.
    pub fn response_name(self) -> &'static str {
        match self {
            Self::GetSystemDateAndTime => "GetSystemDateAndTimeResponse",
            Self::GetDeviceInformation => "GetDeviceInformationResponse",
            Self::GetNetworkInterfaces => "GetNetworkInterfacesResponse",
            Self::GetScopes => "GetScopesResponse",
            Self::GetHostname => "GetHostnameResponse",
            Self::GetCapabilities => "GetCapabilitiesResponse",
            Self::GetServices => "GetServicesResponse",
        }
    }
}

/// A parsed SOAP response: the body we asked for, or a Fault. A Fault is a value, not an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response<T> {
    Body(T),
    Fault(Fault),
}

impl<T> Response<T> {
    /// The body, or `None` for a Fault.
    pub fn body(self) -> Option<T> {
        match self {
            Self::Body(body) => Some(body),
            Self::Fault(_) => None,
        }
    }
}

/// Namespace URIs declared anywhere in the document (bounded), for attribution
/// (e.g. `http://www.onvifext.com/onvif/ext/ver10/wsdl`). Tolerant: declarations seen before a
/// syntax error or a limit are still returned.
pub fn declared_namespaces(body: &[u8]) -> Vec<String> {
    crate::xml::declared_namespaces(body, crate::xml::Limits::default())
}

/// The body of a captured HTTP response: everything after the first blank line.
#[cfg(test)]
pub(crate) fn http_body(raw: &[u8]) -> &[u8] {
    let crlf = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = || raw.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    crlf.or_else(lf)
        .and_then(|i| raw.get(i..))
        .unwrap_or_default()
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
