//! The read-only allow-list of DESIGN.md section 6 as a check over the simulator's request log:
//! every datagram and HTTP request a scanner sends must be a WS-Discovery Probe, an ONVIF
//! `Get*` device-service call, a SADP `inquiry`, a DHIP `DHDiscover.search`, or a GET of an
//! identity page, and credentials must never travel in clear text.

use std::collections::BTreeMap;

use crate::stats::{Credentials, Datagram, LogEntry, Request};

/// The ONVIF device-service operations a scanner may call.
pub const ONVIF_READS: [&str; 7] = [
    "GetSystemDateAndTime",
    "GetDeviceInformation",
    "GetNetworkInterfaces",
    "GetScopes",
    "GetHostname",
    "GetCapabilities",
    "GetServices",
];

/// The identity pages a scanner may GET.
pub const IDENTITY_PAGES: [&str; 8] = [
    "/ISAPI/System/deviceInfo",
    "/System/deviceInfo",
    "/cgi-bin/magicBox.cgi?action=getSystemInfo",
    "/cgi-bin/magicBox.cgi?action=getDeviceType",
    "/cgi-bin/magicBox.cgi?action=getVendor",
    "/cgi-bin/magicBox.cgi?action=getSoftwareVersion",
    "/cgi-bin/magicBox.cgi?action=getSerialNo",
    "/cgi-bin/magicBox.cgi?action=getDeviceClass",
];

/// The request's kind, as counted by [`kinds`] (`udp sadp inquiry`, `POST GetScopes`,
/// `GET /ISAPI/System/deviceInfo`…).
pub fn kind(entry: &LogEntry) -> String {
    match &entry.request {
        Request::Udp { message, .. } => match message {
            Datagram::Probe { .. } => "udp ws-discovery Probe".into(),
            Datagram::Sadp { types, .. } => {
                format!("udp sadp {}", types.as_deref().unwrap_or("-"))
            }
            Datagram::Dhip { method } => format!("udp dhip {}", method.as_deref().unwrap_or("-")),
            Datagram::Other { body, action } => format!(
                "udp ws-discovery other {}",
                body.as_deref().or(action.as_deref()).unwrap_or("-")
            ),
            Datagram::Malformed { .. } => "udp malformed".into(),
        },
        Request::Http {
            method,
            path,
            operation,
            ..
        } => match operation {
            Some(op) => format!("{method} {op}"),
            None => format!("{method} {path}"),
        },
        Request::HttpInvalid { .. } => "http invalid".into(),
    }
}

/// Why `entry` is not on the read-only list, if it is not.
pub fn violation(entry: &LogEntry) -> Option<String> {
    let bad = |why: &str| Some(format!("{why}: {} from {}", kind(entry), entry.peer));
    match &entry.request {
        Request::Udp { message, .. } => match message {
            Datagram::Probe { .. } => None,
            Datagram::Sadp { types: Some(t), .. } if t == "inquiry" => None,
            Datagram::Dhip { method: Some(m) } if m == "DHDiscover.search" => None,
            _ => bad("datagram not on the read-only list"),
        },
        Request::Http {
            method,
            path,
            operation,
            credentials,
            ..
        } => {
            if matches!(
                credentials,
                Credentials::HttpBasic | Credentials::UsernameTokenText | Credentials::HttpOther
            ) {
                return bad("credentials in clear text");
            }
            let onvif_read = method == "POST"
                && path.split('?').next() == Some("/onvif/device_service")
                && operation
                    .as_deref()
                    .is_some_and(|op| ONVIF_READS.contains(&op));
            let page = method == "GET" && IDENTITY_PAGES.contains(&path.as_str());
            if onvif_read || page {
                None
            } else {
                bad("HTTP request not on the read-only list")
            }
        }
        Request::HttpInvalid { .. } => bad("unreadable HTTP request"),
    }
}

/// Every entry of `log` that is not on the read-only list, explained.
pub fn violations(log: &[LogEntry]) -> Vec<String> {
    log.iter().filter_map(violation).collect()
}

/// How many requests of each [`kind`] `log` holds.
pub fn kinds(log: &[LogEntry]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for e in log {
        *out.entry(kind(e)).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::stats::AuthOutcome;

    fn udp(message: Datagram) -> LogEntry {
        LogEntry {
            at_ms: 0,
            peer: "10.0.0.1:5000".parse().unwrap(),
            request: Request::Udp {
                camera: None,
                multicast: true,
                bytes: 100,
                message,
            },
        }
    }

    fn http(method: &str, path: &str, operation: Option<&str>, cred: Credentials) -> LogEntry {
        LogEntry {
            at_ms: 0,
            peer: "10.0.0.1:5000".parse().unwrap(),
            request: Request::Http {
                camera: Ipv4Addr::new(10, 0, 0, 10),
                method: method.into(),
                path: path.into(),
                operation: operation.map(str::to_owned),
                credentials: cred,
                auth: AuthOutcome::NotRequired,
                status: 200,
            },
        }
    }

    #[test]
    fn allows_the_read_only_requests_and_nothing_else() {
        let sadp = |t: &str| Datagram::Sadp {
            uuid: None,
            types: Some(t.into()),
        };
        let dhip = |m: &str| Datagram::Dhip {
            method: Some(m.into()),
        };
        let none = Credentials::None;
        let table: Vec<(LogEntry, bool)> = vec![
            (
                udp(Datagram::Probe {
                    message_id: None,
                    types: vec!["NetworkVideoTransmitter".into()],
                }),
                true,
            ),
            (udp(sadp("inquiry")), true),
            (udp(sadp("activate")), false),
            (udp(sadp("reboot")), false),
            (udp(dhip("DHDiscover.search")), true),
            (udp(dhip("DHDiscover.setConfig")), false),
            (
                udp(Datagram::Other {
                    body: Some("Hello".into()),
                    action: None,
                }),
                false,
            ),
            (udp(Datagram::Malformed { error: "x".into() }), false),
            (
                http("POST", "/onvif/device_service", Some("GetScopes"), none),
                true,
            ),
            (
                http("POST", "/onvif/device_service", Some("SetHostname"), none),
                false,
            ),
            (
                http("POST", "/onvif/device_service", Some("SystemReboot"), none),
                false,
            ),
            (
                http(
                    "POST",
                    "/onvif/device_service",
                    Some("GetDeviceInformation"),
                    Credentials::UsernameTokenText,
                ),
                false,
            ),
            (
                http(
                    "GET",
                    "/ISAPI/System/deviceInfo",
                    None,
                    Credentials::HttpDigest,
                ),
                true,
            ),
            (
                http(
                    "GET",
                    "/ISAPI/System/deviceInfo",
                    None,
                    Credentials::HttpBasic,
                ),
                false,
            ),
            (http("PUT", "/ISAPI/System/deviceInfo", None, none), false),
            (http("GET", "/ISAPI/System/reboot", None, none), false),
            (
                http("GET", "/cgi-bin/magicBox.cgi?action=reboot", None, none),
                false,
            ),
            (
                http(
                    "GET",
                    "/cgi-bin/magicBox.cgi?action=getSystemInfo",
                    None,
                    none,
                ),
                true,
            ),
        ];
        for (entry, allowed) in table {
            assert_eq!(violation(&entry).is_none(), allowed, "{}", kind(&entry));
        }
    }
}
