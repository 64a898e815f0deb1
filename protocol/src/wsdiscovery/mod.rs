//! WS-Discovery (2005/04 draft, as every ONVIF device speaks it): Probe builders and a parser for
//! every message a camera may send us (ProbeMatches, Hello, Bye, SOAP faults).
//!
//! - [`probe`] builds one of three Probe shapes ([`ProbeVariant`]); cameras differ in which they
//!   answer, so the agent sends several and deduplicates by endpoint.
//! - [`parse`] reads any datagram into a [`Message`], matching the 2005/04 or 2009/01 discovery
//!   namespace and either WS-Addressing namespace by URI. Lists are capped: at most
//!   [`MAX_MATCHES`] matches per datagram, [`MAX_SCOPES`] scopes, [`MAX_XADDRS`] XAddrs and
//!   [`MAX_TYPES`] types per match; URIs over [`MAX_URI_CHARS`] are dropped.
//! - [`Scopes::parse`] decodes `onvif://www.onvif.org/<key>/<value>` scopes.
//! - Datagrams whose namespace declarations were stripped (the `*-fragment.xml` captures) are
//!   `Err(Error::NotSoap)`, or `Err(Error::Xml)` when not well-formed: nothing is guessed.

mod builder;
mod message;
mod scopes;

use std::net::Ipv4Addr;

pub use builder::probe;
pub use message::{Header, Message, ProbeMatch, QName, parse};
pub use scopes::Scopes;

/// IPv4 multicast group for WS-Discovery.
pub const MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
/// UDP port for WS-Discovery.
pub const PORT: u16 = 3702;
/// Largest datagram we accept; anything longer is truncated by the kernel and rejected.
pub const MAX_DATAGRAM: usize = 65_507;

/// Most `ProbeMatch` elements read from one datagram.
pub const MAX_MATCHES: usize = 64;
/// Most scopes kept per match (and decoded by [`Scopes::parse`]).
pub const MAX_SCOPES: usize = 128;
/// Most XAddrs kept per match.
pub const MAX_XADDRS: usize = 16;
/// Most Types kept per match.
pub const MAX_TYPES: usize = 16;
/// Longest URI (scope, XAddr, endpoint, header value) kept, in characters.
pub const MAX_URI_CHARS: usize = 1024;

/// Which `Types` a Probe asks for. Cameras differ in which ones they answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeVariant {
    /// `dn:NetworkVideoTransmitter` (namespace `http://www.onvif.org/ver10/network/wsdl`).
    NetworkVideoTransmitter,
    /// `tds:Device` (namespace `http://www.onvif.org/ver10/device/wsdl`).
    Device,
    /// No Types element.
    Untyped,
}

impl ProbeVariant {
    /// Every variant, in the order the agent sends them.
    pub const ALL: [Self; 3] = [Self::NetworkVideoTransmitter, Self::Device, Self::Untyped];
}

/// True when `relates_to` (from a reply) names `message_id` (ours). Devices mix `uuid:` and
/// `urn:uuid:` and letter case; both sides are normalised before comparing.
pub fn relates_to_matches(relates_to: &str, message_id: &str) -> bool {
    let (a, b) = (normalise_id(relates_to), normalise_id(message_id));
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

/// `urn:uuid:X`, `uuid:X` and `X` all become `X` (whitespace trimmed; case is compared later).
fn normalise_id(id: &str) -> &str {
    let id = id.trim_matches([' ', '\t', '\r', '\n']);
    let id = strip_prefix_ignore_case(id, "urn:").unwrap_or(id);
    strip_prefix_ignore_case(id, "uuid:").unwrap_or(id)
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// Why a datagram is not a WS-Discovery message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("malformed XML: {0}")]
    Xml(#[from] crate::xml::Error),
    #[error("not a SOAP envelope")]
    NotSoap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relates_to_table() {
        let ours = "urn:uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649";
        let cases = [
            ("uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649", true),
            ("urn:uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649", true),
            ("URN:UUID:BFE8BB88-03A2-4E1A-904A-59A7D2882649", true),
            ("\n  uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882649 \r\n", true),
            ("bfe8bb88-03a2-4e1a-904a-59a7d2882649", true),
            ("uuid:bfe8bb88-03a2-4e1a-904a-59a7d2882640", false),
            ("uuid:Device", false),
            ("", false),
            ("urn:uuid:", false),
        ];
        for (relates_to, want) in cases {
            assert_eq!(relates_to_matches(relates_to, ours), want, "{relates_to:?}");
        }
        assert!(!relates_to_matches("", ""));
    }
}
