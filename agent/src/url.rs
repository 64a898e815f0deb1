//! The small part of URL syntax camaudit needs for device XAddrs: scheme, host, port, path.
//! Userinfo is dropped on parsing, so a URI a device hands us never carries a credential into
//! our records.

use std::net::IpAddr;

/// An `http(s)://host[:port]/path` URL from a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceUrl {
    pub https: bool,
    /// Host as written (brackets removed for IPv6).
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl DeviceUrl {
    /// Parses a device-supplied URL; `None` for anything that is not plain http(s).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.len() > 2048 {
            return None;
        }
        let (https, rest) = if let Some(r) = strip_prefix_ci(s, "http://") {
            (false, r)
        } else {
            (true, strip_prefix_ci(s, "https://")?)
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let default = if https { 443 } else { 80 };
        let (host, port) = if let Some(r) = authority.strip_prefix('[') {
            let (h, after) = r.split_once(']')?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().ok()?,
                None if after.is_empty() => default,
                None => return None,
            };
            (h.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), p.parse().ok()?),
                None => (authority.to_owned(), default),
            }
        };
        if host.is_empty() || port == 0 {
            return None;
        }
        let path = path.split('#').next().unwrap_or("/");
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        Some(Self {
            https,
            host,
            port,
            path,
        })
    }

    /// The host as an IP address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.split('%').next().and_then(|h| h.parse().ok())
    }

    /// The URL rebuilt without userinfo.
    pub fn to_clean_string(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.https { 443 } else { 80 };
        if self.port == default {
            format!("{scheme}://{host}{}", self.path)
        } else {
            format!("{scheme}://{host}:{}{}", self.port, self.path)
        }
    }
}

/// Removes userinfo from a device-supplied URI for recording; non-http URIs are kept verbatim
/// with anything before an `@` in the authority cut out.
pub fn strip_userinfo(s: &str) -> String {
    if let Some(u) = DeviceUrl::parse(s) {
        return u.to_clean_string();
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return s.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => s.to_owned(),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_xaddr_shapes_cameras_send() {
        let u = DeviceUrl::parse("http://192.168.0.218/onvif/device_service").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str(), u.https),
            ("192.168.0.218", 80, "/onvif/device_service", false)
        );
        let u = DeviceUrl::parse(" http://10.0.0.5:8899/onvif/device_service\n").unwrap();
        assert_eq!(u.port, 8899);
        let u =
            DeviceUrl::parse("http://[fe80::b6a3:82ff:fe0f:d92d]/onvif/device_service").unwrap();
        assert_eq!(u.host, "fe80::b6a3:82ff:fe0f:d92d");
        assert!(u.ip().is_some());
        let u = DeviceUrl::parse("HTTPS://cam.example:8443").unwrap();
        assert!(u.https && u.path == "/" && u.port == 8443);
        for bad in [
            "rtsp://x/",
            "http://",
            "http://:80/",
            "http://h:99999/",
            "http://[::1/",
        ] {
            assert!(DeviceUrl::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn userinfo_never_survives() {
        assert_eq!(
            strip_userinfo("http://admin:12345@10.0.0.5/onvif/device_service"),
            "http://10.0.0.5/onvif/device_service"
        );
        assert_eq!(
            strip_userinfo("rtsp://admin:pw@10.0.0.5:554/Streaming"),
            "rtsp://10.0.0.5:554/Streaming"
        );
        assert_eq!(strip_userinfo("urn:uuid:abc"), "urn:uuid:abc");
    }
}
