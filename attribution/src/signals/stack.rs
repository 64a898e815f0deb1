//! Software-stack fingerprints: SOAP namespaces, XAddr paths, digest realms, HTTP banners.

use super::pattern::P;
use super::{Trait, strong, weak};
use crate::makers::Maker;

/// Namespace URI prefixes that only one maker's ONVIF/ISAPI stack declares.
const NAMESPACES: &[(&str, Trait)] = &[
    (
        "http://www.hikvision.com/",
        strong(Maker::Hikvision, "hikvision.com namespace (tnshik, ISAPI)"),
    ),
    (
        "http://www.isapi.org/",
        strong(
            Maker::Hikvision,
            "ISAPI schema namespace (Hikvision recorders)",
        ),
    ),
    (
        "http://www.std-cgi.com/",
        strong(
            Maker::Hikvision,
            "std-cgi.com schema namespace (Hikvision ISAPI on OEM units)",
        ),
    ),
    (
        "http://www.onvifext.com/onvif/ext/",
        weak(
            Maker::Hikvision,
            "onvifext.com namespace (hikwsd/hikxsd; also seen on generic cameras)",
        ),
    ),
    (
        "http://www.axis.com/",
        strong(Maker::Axis, "axis.com namespace"),
    ),
    (
        "http://www.onvif.org/ver10/plus/",
        weak(
            Maker::Uniview,
            "ONVIF 'plus' extension namespace of the Uniview stack",
        ),
    ),
];

/// XAddr path markers of one maker's ONVIF server.
const XADDR_PATHS: &[(&str, Trait)] = &[
    (
        "/onvif/hik_ext",
        weak(
            Maker::Hikvision,
            "Hikvision ONVIF extension service /onvif/hik_ext",
        ),
    ),
    (
        "/onvif/onvif_ext",
        weak(
            Maker::Hikvision,
            "/onvif/onvif_ext, the Hikvision OEM name of hik_ext",
        ),
    ),
    (
        "/onvif/deviceIO_service",
        weak(Maker::Dahua, "Dahua ONVIF path /onvif/deviceIO_service"),
    ),
    (
        "/onvif/telecom_service",
        weak(
            Maker::Xiongmai,
            "Xiongmai ONVIF path /onvif/telecom_service",
        ),
    ),
];

pub(crate) fn namespace(uri: &str) -> Option<Trait> {
    let uri = uri.trim();
    NAMESPACES
        .iter()
        .find(|(prefix, _)| {
            uri.len() >= prefix.len()
                && uri
                    .get(..prefix.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(prefix))
        })
        .map(|&(_, t)| t)
}

pub(crate) fn xaddr(url: &str) -> Option<Trait> {
    let path = path_of(url);
    if let Some(&(_, t)) = XADDR_PATHS.iter().find(|(p, _)| path.starts_with(p)) {
        return Some(t);
    }
    (path.trim_end_matches('/') == "/onvif/plus")
        .then_some(weak(Maker::Uniview, "Uniview ONVIF service /onvif/plus"))
}

/// The path of an absolute URL (`http://host:port/path` → `/path`).
fn path_of(url: &str) -> &str {
    let url = url.trim();
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    after_scheme
        .find('/')
        .and_then(|i| after_scheme.get(i..))
        .unwrap_or("")
}

/// A digest or basic realm (the value, with or without its quotes).
pub(crate) fn realm(realm: &str) -> Option<Trait> {
    let r = realm.trim().trim_matches('"');
    let p = P::new(r.as_bytes());
    if p.lit(b"Login to ")
        .and_then(|q| q.alnum(8, 40))
        .and_then(|q| q.end())
        .is_some()
    {
        return Some(strong(
            Maker::Dahua,
            "Dahua realm 'Login to <serial or id>'",
        ));
    }
    if p.any(&[b"AXIS_WS_", b"AXIS_"])
        .and_then(|q| q.hex(12, 12))
        .and_then(|q| q.end())
        .is_some()
    {
        return Some(strong(Maker::Axis, "Axis realm 'AXIS_<MAC>'"));
    }
    if p.lit(b"IP Camera(")
        .and_then(|q| q.alnum(5, 5))
        .and_then(|q| q.lit(b")"))
        .and_then(|q| q.end())
        .is_some()
    {
        return Some(weak(
            Maker::Hikvision,
            "Hikvision RTSP realm 'IP Camera(xxxxx)'",
        ));
    }
    if r == "hikvision" {
        return Some(weak(
            Maker::Hikvision,
            "Hikvision realm 'hikvision' (old firmware)",
        ));
    }
    if r == "Use 'live' as User Name" {
        return Some(strong(
            Maker::Bosch,
            "Bosch realm \"Use 'live' as User Name\"",
        ));
    }
    if r == "TP-LINK IP-Camera" {
        return Some(weak(Maker::TpLink, "TP-Link realm 'TP-LINK IP-Camera'"));
    }
    None
}

/// An HTTP `Server` header value.
pub(crate) fn http_server(server: &str) -> Option<Trait> {
    let s = server.trim();
    const HIK: &[&str] = &[
        "App-webs/",
        "Hikvision-Webs",
        "DNVRS-Webs",
        "DVRDVS-Webs",
        "DVS-Webs",
    ];
    if HIK.iter().any(|h| s.starts_with(h)) {
        return Some(weak(Maker::Hikvision, "Hikvision-family web server banner"));
    }
    if s.starts_with("uc-httpd") {
        return Some(weak(Maker::Xiongmai, "Xiongmai web server banner uc-httpd"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_namespaces() {
        // Namespace URIs declared in protocol/fixtures/real replies.
        let table: &[(&str, Option<Maker>)] = &[
            (
                "http://www.hikvision.com/2011/event/topics",
                Some(Maker::Hikvision),
            ),
            (
                "http://www.hikvision.com/ver20/XMLSchema",
                Some(Maker::Hikvision),
            ),
            (
                "http://www.std-cgi.com/ver20/XMLSchema",
                Some(Maker::Hikvision),
            ),
            (
                "http://www.onvifext.com/onvif/ext/ver10/wsdl",
                Some(Maker::Hikvision),
            ),
            ("http://www.axis.com/vapix/ws/action1", Some(Maker::Axis)),
            ("http://www.onvif.org/ver10/plus/wsdl", Some(Maker::Uniview)),
            // Declared by Xiongmai boards and by Hikvision-OEM TRENDnet firmware alike.
            ("http://www.eventextension.com/2011/event/topics", None),
            ("http://www.onvif.org/ver10/schema", None),
            ("http://www.w3.org/2003/05/soap-envelope", None),
            ("GenetecPtzPatterns", None),
        ];
        for &(ns, want) in table {
            assert_eq!(namespace(ns).map(|t| t.maker), want, "{ns}");
        }
    }

    #[test]
    fn real_xaddrs() {
        let table: &[(&str, Option<Maker>)] = &[
            ("http://192.168.1.64/onvif/hik_ext", Some(Maker::Hikvision)),
            (
                "http://192.168.0.100/onvif/onvif_ext",
                Some(Maker::Hikvision),
            ),
            (
                "http://192.168.1.108/onvif/deviceIO_service",
                Some(Maker::Dahua),
            ),
            ("http://162.191.54.181:80/onvif/plus", Some(Maker::Uniview)),
            (
                "http://192.168.1.10:8899/onvif/telecom_service",
                Some(Maker::Xiongmai),
            ),
            ("http://192.168.1.33:80/onvif/device_service", None),
            ("http://10.0.0.1/onvif/services", None),
            ("not a url", None),
        ];
        for &(x, want) in table {
            assert_eq!(xaddr(x).map(|t| t.maker), want, "{x}");
        }
    }

    #[test]
    fn real_realms_and_banners() {
        // Values from protocol/fixtures/real/http-banners-and-auth-challenges.txt and
        // http-rtsp-auth-challenges-added.txt.
        let realms: &[(&str, Option<Maker>)] = &[
            ("Login to 2J01018PAA00813", Some(Maker::Dahua)),
            ("\"Login to 4K049EBPAG1D7E7\"", Some(Maker::Dahua)),
            (
                "Login to 11839e10161ff4ebab8e3260b8779f1",
                Some(Maker::Dahua),
            ),
            ("Login to 907F3C6C73FEDA77", Some(Maker::Dahua)),
            ("Login to ND011811000000", Some(Maker::Dahua)),
            ("AXIS_00408CEF081C", Some(Maker::Axis)),
            ("AXIS_WS_ACCC8E3A0A8F", Some(Maker::Axis)),
            ("IP Camera(D1486)", Some(Maker::Hikvision)),
            ("hikvision", Some(Maker::Hikvision)),
            ("Use 'live' as User Name", Some(Maker::Bosch)),
            ("TP-LINK IP-Camera", Some(Maker::TpLink)),
            ("Login to ", None),
            ("IP Camera", None),
            ("", None),
        ];
        for &(r, want) in realms {
            assert_eq!(realm(r).map(|t| t.maker), want, "{r}");
        }
        let servers: &[(&str, Option<Maker>)] = &[
            ("App-webs/", Some(Maker::Hikvision)),
            ("Hikvision-Webs", Some(Maker::Hikvision)),
            ("DVRDVS-Webs", Some(Maker::Hikvision)),
            ("DNVRS-Webs", Some(Maker::Hikvision)),
            ("uc-httpd 1.0.0", Some(Maker::Xiongmai)),
            ("MWS 0.01", None),
            ("ev-compat", None),
            ("webserver", None),
        ];
        for &(s, want) in servers {
            assert_eq!(http_server(s).map(|t| t.maker), want, "{s}");
        }
    }
}
