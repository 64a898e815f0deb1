//! camaudit-protocol: the wire formats camaudit speaks, and nothing else.
//!
//! No I/O, no clocks, no randomness: callers pass bytes, `now`, message ids and nonces, and get
//! bytes or typed values back. Every parser takes untrusted input (a camera is an attacker) and is
//! bounded: input size, XML depth, element counts and field lengths are capped, DTDs are refused,
//! and no input can make a parser panic. Unknown-but-well-formed input is a value (a SOAP Fault,
//! an unknown WS-Discovery action, an unknown scope), not an error.
//!
//! # Layout
//! - [`xml`]: bounded, namespace-aware reading helpers over `quick_xml::NsReader`.
//! - [`ns`]: namespace URIs.
//! - [`wsdiscovery`]: Probe builders; ProbeMatches, Hello, Bye and fault parsing; ONVIF scopes.
//! - [`onvif`]: SOAP 1.2 request builders and response parsers for the device service.
//! - [`auth`]: WS-UsernameToken PasswordDigest and HTTP Digest (RFC 7616).
//! - [`record`]: the scan record and device record (the JSON contract of DESIGN.md section 2).
//! - [`mac`]: MAC address parsing and formatting.

pub mod auth;
pub mod dhip;
pub mod dvrip;
pub mod isapi;
pub mod mac;
pub mod magicbox;
pub mod mdns;
pub mod ns;
pub mod onvif;
pub mod record;
pub mod sadp;
pub mod ssdp;
pub mod wsdiscovery;
pub mod xiongmai;
pub mod xml;
