//! Hostile cameras: the bodies, framings and discovery floods of the [`Behaviour`]s that attack
//! the scanner rather than merely fail (entity bombs, 100 MiB bodies, trickles, deep nesting,
//! invalid UTF-8, ProbeMatches floods, foreign or credential-carrying XAddrs, redirects, endless
//! bodies). Every loop here is bounded in count and time.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::camera::{Camera, HttpAnswer};
use crate::fleet::{Behaviour, CameraSpec, DEEP_NESTING, HUGE_BODY};
use crate::profile::Operation;
use crate::stats::Stats;

/// Longest a hostile HTTP exchange is kept going by the camera (the peer normally gives up
/// far sooner).
const HOLD: Duration = Duration::from_secs(300);
/// Gap between two chunks of an endless body.
const ENDLESS_GAP: Duration = Duration::from_millis(200);
/// Most ProbeMatches one flood sends, whatever its rate and duration.
const MAX_FLOOD: u64 = 1_000_000;

const SOAP_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
const DEVICE_NS: &str = "http://www.onvif.org/ver10/device/wsdl";
const SCHEMA_NS: &str = "http://www.onvif.org/ver10/schema";

/// The ProbeMatches a camera sends, rewritten for behaviours that lie in their XAddrs.
pub(crate) fn rewrite_probe_matches(spec: &CameraSpec, reply: Vec<u8>) -> Vec<u8> {
    let own = format!("http://{}", spec.ip);
    let replacement = match &spec.behaviour {
        Behaviour::ForeignXAddrs(host) => format!("http://{host}"),
        Behaviour::XAddrUserinfo { user, pass } => format!("http://{user}:{}@{}", pass.0, spec.ip),
        _ => return reply,
    };
    let text = String::from_utf8_lossy(&reply);
    // The IP must not be a prefix of a longer one (10.0.0.1 in 10.0.0.12): only replace where
    // a port, path or the end of the URI follows.
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text.as_ref();
    while let Some(i) = rest.find(&own) {
        let after = &rest[i + own.len()..];
        out.push_str(&rest[..i]);
        if after.starts_with([':', '/', ' ', '<']) || after.is_empty() {
            out.push_str(&replacement);
        } else {
            out.push_str(&own);
        }
        rest = after;
    }
    out.push_str(rest);
    out.into_bytes()
}

/// The answer of a camera whose behaviour replaces the device service altogether, if it does.
pub(crate) fn http_override(spec: &CameraSpec, op: Operation) -> Option<HttpAnswer> {
    let body = match &spec.behaviour {
        Behaviour::EntityBomb => entity_bomb(op),
        Behaviour::DeepNesting => deep_nesting(op),
        Behaviour::Redirect(location) => {
            return Some(HttpAnswer {
                status: 302,
                content_type: "text/html",
                extra_headers: vec![("Location", location.clone())],
                body: b"<html><body>Moved</body></html>".to_vec(),
                request: crate::camera::placeholder(),
                wire_secrets: Vec::new(),
            });
        }
        _ => return None,
    };
    Some(HttpAnswer {
        status: 200,
        content_type: "application/soap+xml; charset=utf-8",
        extra_headers: Vec::new(),
        body: body.into_bytes(),
        request: crate::camera::placeholder(),
        wire_secrets: Vec::new(),
    })
}

/// A successful answer of an [`Behaviour::InvalidUtf8`] camera: its model and hostname carry
/// bytes that are not UTF-8 (a lone continuation byte, an invalid lead byte, a truncated
/// sequence).
pub(crate) fn corrupt_utf8(spec: &CameraSpec, answer: &mut HttpAnswer) {
    if spec.behaviour != Behaviour::InvalidUtf8 || answer.status != 200 {
        return;
    }
    for value in [&spec.identity.model, &spec.identity.hostname] {
        let mut bad = value.as_bytes().to_vec();
        bad.extend_from_slice(b"\x80\xff\xc3");
        answer.body = replace_bytes(&answer.body, value.as_bytes(), &bad);
    }
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len() + 64);
    let mut i = 0;
    while i < haystack.len() {
        if haystack.get(i..i + needle.len()) == Some(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// "Billion laughs": ten levels of ten references each (10^9 `lol`s if expanded).
fn entity_bomb(op: Operation) -> String {
    let mut dtd = String::from("<!ENTITY lol \"lol\">");
    for level in 1..=9 {
        let prev = if level == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        let refs = format!("&{prev};").repeat(10);
        dtd.push_str(&format!("<!ENTITY lol{level} \"{refs}\">"));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE lolz [{dtd}]>\n\
         <s:Envelope xmlns:s=\"{SOAP_NS}\"><s:Body><tds:{name}Response xmlns:tds=\"{DEVICE_NS}\">\
         <tds:Manufacturer>&lol9;</tds:Manufacturer><tds:Model>&lol9;</tds:Model>\
         </tds:{name}Response></s:Body></s:Envelope>",
        name = op.name()
    )
}

/// A response element holding [`DEEP_NESTING`] nested elements.
fn deep_nesting(op: Operation) -> String {
    let open = "<tt:x>".repeat(DEEP_NESTING);
    let close = "</tt:x>".repeat(DEEP_NESTING);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <s:Envelope xmlns:s=\"{SOAP_NS}\" xmlns:tt=\"{SCHEMA_NS}\"><s:Body>\
         <tds:{name}Response xmlns:tds=\"{DEVICE_NS}\">{open}deep{close}</tds:{name}Response>\
         </s:Body></s:Envelope>",
        name = op.name()
    )
}

/// True when this behaviour writes its HTTP answer itself ([`stream_answer`]).
pub(crate) fn streams(behaviour: &Behaviour) -> bool {
    matches!(
        behaviour,
        Behaviour::HugeBody | Behaviour::Trickle | Behaviour::EndlessBody
    )
}

/// Writes `answer` the hostile way; returns when the peer goes away or after [`HOLD`].
pub(crate) async fn stream_answer(camera: &Camera, answer: &HttpAnswer, stream: &mut TcpStream) {
    let _ = tokio::time::timeout(HOLD, async {
        match camera.spec.behaviour {
            Behaviour::HugeBody => huge_body(camera, answer, stream).await,
            Behaviour::Trickle => trickle(&camera.frame(answer), stream).await,
            Behaviour::EndlessBody => endless(answer, stream).await,
            _ => {}
        }
    })
    .await;
    let _ = stream.shutdown().await;
}

async fn huge_body(camera: &Camera, answer: &HttpAnswer, stream: &mut TcpStream) {
    let Ok(length) = usize::try_from(HUGE_BODY) else {
        return;
    };
    let head = camera.head(answer, length);
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut first = answer.body.clone();
    first.extend_from_slice(b"<!--");
    if stream.write_all(&first).await.is_err() {
        return;
    }
    let block = vec![b'A'; 64 * 1024];
    let mut left = length.saturating_sub(first.len());
    while left > 0 {
        let n = left.min(block.len());
        if stream.write_all(&block[..n]).await.is_err() {
            return;
        }
        left -= n;
    }
}

async fn trickle(bytes: &[u8], stream: &mut TcpStream) {
    for byte in bytes {
        if stream.write_all(std::slice::from_ref(byte)).await.is_err() {
            return;
        }
        let _ = stream.flush().await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn endless(answer: &HttpAnswer, stream: &mut TcpStream) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml; charset=utf-8\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if stream.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let opening = answer.body.get(..answer.body.len().min(200)).unwrap_or(&[]);
    let mut chunk = format!("{:x}\r\n", opening.len()).into_bytes();
    chunk.extend_from_slice(opening);
    chunk.extend_from_slice(b"\r\n");
    if stream.write_all(&chunk).await.is_err() {
        return;
    }
    let filler = b"10\r\n<!-- more... -->\r\n";
    let rounds = HOLD.as_millis() / ENDLESS_GAP.as_millis();
    for _ in 0..rounds {
        tokio::time::sleep(ENDLESS_GAP).await;
        if stream.write_all(filler).await.is_err() {
            return;
        }
    }
}

/// One flood of made-up ProbeMatches (see [`Behaviour::ProbeFlood`]) answering `relates_to`.
pub(crate) struct Flood {
    pub(crate) socket: Arc<UdpSocket>,
    pub(crate) peer: SocketAddr,
    pub(crate) relates_to: String,
    pub(crate) ip: Ipv4Addr,
    pub(crate) http_port: u16,
    pub(crate) per_second: u32,
    pub(crate) duration: Duration,
}

impl Flood {
    /// Sends at the configured rate until `per_second × duration` datagrams are out, the
    /// duration (plus one second of catch-up) has passed, or the fleet stops.
    pub(crate) async fn run(self, stats: Arc<Stats>, mut stop: watch::Receiver<bool>) {
        let millis = u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX);
        let total = (u64::from(self.per_second).saturating_mul(millis) / 1000).min(MAX_FLOOD);
        let start = Instant::now();
        let hard_stop = start + self.duration + Duration::from_secs(1);
        let mut sent = 0u64;
        while sent < total && Instant::now() < hard_stop && !*stop.borrow() {
            let elapsed = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
            let due = (u64::from(self.per_second).saturating_mul(elapsed) / 1_000_000).min(total);
            while sent < due {
                let ok = self
                    .socket
                    .send_to(&self.datagram(sent), self.peer)
                    .await
                    .is_ok();
                stats.reply(ok);
                sent += 1;
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(1)) => {}
                _ = stop.changed() => {}
            }
        }
    }

    fn datagram(&self, n: u64) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <s:Envelope xmlns:s=\"{SOAP_NS}\" \
             xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" \
             xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" \
             xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\"><s:Header>\
             <a:MessageID>urn:uuid:f100d000-0000-4000-8000-{n:012x}</a:MessageID>\
             <a:RelatesTo>{relates}</a:RelatesTo>\
             <a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>\
             <a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>\
             </s:Header><s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference>\
             <a:Address>urn:uuid:f100d000-0000-4000-9000-{n:012x}</a:Address>\
             </a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>\
             <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/flood</d:Scopes>\
             <d:XAddrs>http://{ip}:{port}/onvif/device_service</d:XAddrs>\
             <d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches>\
             </s:Body></s:Envelope>",
            relates = self.relates_to,
            ip = self.ip,
            port = self.http_port,
        )
        .into_bytes()
    }
}

/// The credential material a request carried (digest `response`, the whole `Authorization`
/// value, a UsernameToken's password digest), so tests can look for it where it must not be.
pub(crate) fn wire_secrets(
    authorization: Option<&str>,
    token: Option<&crate::soap::UsernameToken>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(a) = authorization {
        out.push(a.to_owned());
        if let Some(r) = digest_param(a, "response") {
            out.push(r);
        }
    }
    if let Some(t) = token
        && !t.password.is_empty()
    {
        out.push(t.password.clone());
    }
    out
}

/// `name="value"` or `name=value` from a digest `Authorization` value.
fn digest_param(header: &str, name: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (k, v) = part.trim().split_once('=')?;
        let k = k.trim().trim_start_matches("Digest ").trim();
        k.eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{FleetOptions, FleetSpec, Redacted};

    fn spec(behaviour: Behaviour) -> CameraSpec {
        let base = Ipv4Addr::new(10, 0, 0, 1);
        let mut s = FleetSpec::generate(1, base, 3, &FleetOptions::default()).unwrap();
        let mut c = s.cameras.remove(0);
        c.behaviour = behaviour;
        c
    }

    #[test]
    fn xaddr_rewrites_touch_only_the_camera_address() {
        let reply = b"<d:XAddrs>http://10.0.0.1/onvif/device_service http://10.0.0.12:80/x \
                      http://10.0.0.1:8080/y</d:XAddrs>"
            .to_vec();
        let foreign = spec(Behaviour::ForeignXAddrs(Ipv4Addr::new(172, 31, 77, 7)));
        let out = String::from_utf8(rewrite_probe_matches(&foreign, reply.clone())).unwrap();
        assert_eq!(
            out,
            "<d:XAddrs>http://172.31.77.7/onvif/device_service http://10.0.0.12:80/x \
             http://172.31.77.7:8080/y</d:XAddrs>"
        );
        let userinfo = spec(Behaviour::XAddrUserinfo {
            user: "admin".into(),
            pass: Redacted("pw".into()),
        });
        let out = String::from_utf8(rewrite_probe_matches(&userinfo, reply)).unwrap();
        assert!(out.contains("http://admin:pw@10.0.0.1/onvif"), "{out}");
        assert!(out.contains("http://admin:pw@10.0.0.1:8080/y"), "{out}");
        assert!(out.contains("http://10.0.0.12:80/x"), "{out}");
    }

    #[test]
    fn hostile_bodies_have_their_shape() {
        let bomb = entity_bomb(Operation::GetDeviceInformation);
        assert!(bomb.contains("<!DOCTYPE lolz [") && bomb.contains("&lol9;"));
        assert_eq!(bomb.matches("<!ENTITY").count(), 10);
        let deep = deep_nesting(Operation::GetScopes);
        assert_eq!(deep.matches("<tt:x>").count(), DEEP_NESTING);
        assert!(deep.len() < 256 * 1024, "fits the body cap: {}", deep.len());
        let r = http_override(
            &spec(Behaviour::Redirect("http://172.31.77.7/".into())),
            Operation::GetScopes,
        )
        .unwrap();
        assert_eq!(r.status, 302);
        assert_eq!(
            r.extra_headers,
            vec![("Location", "http://172.31.77.7/".into())]
        );
        assert!(http_override(&spec(Behaviour::Normal), Operation::GetScopes).is_none());
    }

    #[test]
    fn wire_secrets_pick_the_digest_response_and_token() {
        let auth = r#"Digest username="admin", realm="x", nonce="n", uri="/", response="0123abcd", qop=auth"#;
        let s = wire_secrets(Some(auth), None);
        assert_eq!(s, vec![auth.to_owned(), "0123abcd".to_owned()]);
        assert!(wire_secrets(None, None).is_empty());
    }
}
