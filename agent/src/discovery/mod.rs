//! Discovery: finding devices. Each method is a driver that sends its probes and reports every
//! in-scope device it hears from as a [`Found`]; the scan interrogates them as they arrive.

pub mod wsd;

use std::net::Ipv4Addr;

use camaudit_protocol::record::Method;

/// A device heard by a discovery method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The responder's own address (the datagram's source).
    pub ip: Ipv4Addr,
    pub method: Method,
    pub endpoint: Option<String>,
    pub xaddrs: Vec<String>,
    pub scopes: Vec<String>,
    /// The interface the reply came in on (`None` for unicast targets).
    pub interface: Option<String>,
}
