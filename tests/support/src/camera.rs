//! One simulated camera's behaviour without sockets: which Probes it answers and with what,
//! and the HTTP answer to each device-service request (access checks included).

use std::collections::{HashSet, VecDeque};
use std::fmt::Write;
use std::net::Ipv4Addr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

use crate::auth::{DigestChallenge, Rejection, verify_username_token};
use crate::fleet::{AuthMode, Behaviour, CameraSpec};
use crate::prng::SplitMix64;
use crate::profile::{HttpStyle, Operation, ProfileTemplates, not_authorized_body};
use crate::soap::{Envelope, parse_envelope};
use crate::stats::{AuthOutcome, Credentials, Request};
use crate::template::RenderCtx;
use crate::vendor::{Protocol, Search, VendorTemplates};

const DEVICE_NS: &str = "http://www.onvif.org/ver10/device/wsdl";
const DEVICE_PATH: &str = "/onvif/device_service";
/// MessageIDs remembered per camera for duplicate suppression (SOAP-over-UDP: answer each
/// once). Retransmissions arrive within seconds, so a short memory is enough.
const SEEN_CAPACITY: usize = 256;
pub(crate) const OVERSIZED_BODY: usize = 2 * 1024 * 1024;
pub(crate) const TRUNCATED_CLAIM: usize = 4000;
pub(crate) const TRUNCATED_SENT: usize = 500;

/// Why a camera did not answer a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoReply {
    NotAProbe,
    NoMessageId,
    TypesDoNotMatch,
    Duplicate,
    DiscoveryOff,
}

#[derive(Default)]
struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Seen {
    /// `true` when `id` is new.
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= SEEN_CAPACITY
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }
}

/// A camera's state: its spec, its templates, the bound HTTP port and small mutable counters.
pub(crate) struct Camera {
    pub(crate) spec: CameraSpec,
    templates: &'static ProfileTemplates,
    pub(crate) http_port: u16,
    digest: Option<DigestChallenge>,
    /// The web server's challenge for the identity pages (cameras with credentials).
    web_digest: Option<DigestChallenge>,
    vendor: Option<&'static VendorTemplates>,
    seen: Mutex<Seen>,
    message_number: AtomicU32,
    reply_ids: AtomicU64,
}

/// An accepted Probe waiting for its delay.
#[derive(Debug)]
pub(crate) struct PendingReply {
    relates_to: String,
    message_number: u32,
}

/// A complete HTTP answer before behaviour-specific framing.
#[derive(Debug)]
pub(crate) struct HttpAnswer {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) extra_headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    /// What the log records.
    pub(crate) request: Request,
}

impl Camera {
    pub(crate) fn new(
        spec: CameraSpec,
        templates: &'static ProfileTemplates,
        http_port: u16,
    ) -> Self {
        let seed = SplitMix64::new(u64::from(u32::from(spec.ip))).next_u64();
        let digest = match &spec.auth {
            AuthMode::Digest { sha256, .. } => Some(DigestChallenge::for_camera(
                &spec.identity.serial,
                seed,
                *sha256,
            )),
            _ => None,
        };
        let vendor = crate::vendor::templates(spec.profile).ok();
        let web_digest = match (
            spec.auth.credentials(),
            crate::vendor::protocol_of(spec.profile),
        ) {
            (None, _) | (_, None) => None,
            (Some(_), Some(Protocol::Dhip)) => Some(digest.clone().unwrap_or_else(|| {
                DigestChallenge::for_camera(&spec.identity.serial, seed, false)
            })),
            (Some(_), Some(Protocol::Sadp)) => {
                let serial = &spec.identity.serial;
                let tail = serial
                    .get(serial.len().saturating_sub(5)..)
                    .unwrap_or(serial);
                Some(DigestChallenge {
                    realm: format!("IP Camera({tail})"),
                    ..DigestChallenge::for_camera(serial, seed, false)
                })
            }
        };
        Self {
            spec,
            templates,
            http_port,
            digest,
            web_digest,
            vendor,
            seen: Mutex::new(Seen::default()),
            message_number: AtomicU32::new(1),
            reply_ids: AtomicU64::new(0),
        }
    }

    pub(crate) fn ip(&self) -> Ipv4Addr {
        self.spec.ip
    }

    pub(crate) fn clock(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.checked_add(time::Duration::seconds(self.spec.clock_skew_secs))
            .unwrap_or(now)
    }

    /// Whether and when to answer `probe`: the delay and what to render then, or why not.
    /// Duplicate suppression happens here, at receipt.
    pub(crate) fn accept_probe(
        &self,
        probe: &Envelope,
    ) -> Result<(Duration, PendingReply), NoReply> {
        if !self.spec.behaviour.answers_discovery() {
            return Err(NoReply::DiscoveryOff);
        }
        let Some(types) = probe.probe_types.as_ref().filter(|_| probe.is_probe()) else {
            return Err(NoReply::NotAProbe);
        };
        let Some(message_id) = probe.message_id.as_deref().filter(|m| !m.is_empty()) else {
            return Err(NoReply::NoMessageId);
        };
        let wanted = |t: &String| t == "NetworkVideoTransmitter" || t == "Device";
        if !types.is_empty() && !types.iter().any(wanted) {
            return Err(NoReply::TypesDoNotMatch);
        }
        if !self
            .seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(message_id)
        {
            return Err(NoReply::Duplicate);
        }
        let pending = PendingReply {
            relates_to: message_id.to_owned(),
            message_number: self.message_number.fetch_add(1, Ordering::Relaxed),
        };
        Ok((self.spec.reply_delay, pending))
    }

    /// The ProbeMatches bytes of an accepted Probe (rendered when it is sent, so a burst of
    /// Probes costs its CPU spread over the cameras' delays).
    pub(crate) fn render_reply(&self, pending: &PendingReply) -> Vec<u8> {
        let reply_id = self.reply_message_id();
        let ctx = RenderCtx {
            relates_to: &pending.relates_to,
            reply_message_id: &reply_id,
            message_number: pending.message_number,
            ..self.ctx()
        };
        self.templates.probe_matches.render(&ctx).into_bytes()
    }

    fn reply_message_id(&self) -> String {
        let n = self.reply_ids.fetch_add(1, Ordering::Relaxed);
        SplitMix64::new(u64::from(u32::from(self.spec.ip)) << 32 ^ n).uuid_v4()
    }

    pub(crate) fn ctx(&self) -> RenderCtx<'_> {
        RenderCtx {
            identity: &self.spec.identity,
            ip: self.spec.ip,
            http_port: self.http_port,
            relates_to: "",
            reply_message_id: "",
            message_number: 0,
            now: self.clock(),
        }
    }

    /// The answer to one parsed HTTP request.
    pub(crate) fn answer_http(&self, req: &HttpRequest) -> HttpAnswer {
        let mut log = Request::Http {
            camera: self.spec.ip,
            method: req.method.clone(),
            path: req.path.clone(),
            operation: None,
            credentials: Credentials::None,
            auth: AuthOutcome::NotRequired,
            status: 0,
        };
        let mut answer = self.route(req, &mut log);
        if let Request::Http { status, .. } = &mut log {
            *status = answer.status;
        }
        answer.request = log;
        answer
    }

    /// The SADP or DHIP reply to an accepted search, if this camera speaks that protocol.
    pub(crate) fn vendor_reply(&self, search: &Search) -> Option<Vec<u8>> {
        let reply = self.vendor?.reply.as_ref()?;
        let speaks = crate::vendor::protocol_of(self.spec.profile);
        match search {
            Search::SadpInquiry { .. } if speaks != Some(Protocol::Sadp) => None,
            Search::DhipSearch if speaks != Some(Protocol::Dhip) => None,
            Search::SadpInquiry { uuid } => Some(
                reply
                    .render(&RenderCtx {
                        relates_to: uuid,
                        ..self.ctx()
                    })
                    .into_bytes(),
            ),
            Search::DhipSearch => {
                let body = reply.render(&self.ctx());
                let mut out = crate::vendor::dhip_header(body.len()).to_vec();
                out.extend_from_slice(body.as_bytes());
                Some(out)
            }
        }
    }

    /// A web identity page (ISAPI deviceInfo, magicBox getSystemInfo), behind digest when the
    /// camera has credentials.
    fn web_page(&self, req: &HttpRequest, log: &mut Request) -> Option<HttpAnswer> {
        let page = self.vendor?.page(&req.path)?;
        let outcome = match (self.spec.auth.credentials(), &self.web_digest) {
            (Some((user, pass)), Some(ch)) => match &req.authorization {
                Some(h) => match ch.verify(h, &req.method, &req.path, user, pass) {
                    Ok(()) => AuthOutcome::Accepted,
                    Err(r) => AuthOutcome::Rejected(r),
                },
                None => AuthOutcome::Rejected(Rejection::Missing),
            },
            _ => AuthOutcome::NotRequired,
        };
        if let Request::Http {
            credentials, auth, ..
        } = log
        {
            *credentials = credentials_of(&Envelope::default(), req.authorization.as_deref());
            *auth = outcome;
        }
        if let AuthOutcome::Rejected(_) = outcome {
            return Some(self.challenge_with(self.web_digest.as_ref()));
        }
        Some(HttpAnswer {
            status: 200,
            content_type: page.content_type,
            extra_headers: Vec::new(),
            body: page.body.render(&self.ctx()).into_bytes(),
            request: placeholder(),
        })
    }

    fn route(&self, req: &HttpRequest, log: &mut Request) -> HttpAnswer {
        if req.method == "GET"
            && let Some(answer) = self.web_page(req, log)
        {
            return answer;
        }
        if req.method != "POST" {
            return plain(405, "Method Not Allowed");
        }
        if req.path.split('?').next() != Some(DEVICE_PATH) {
            return plain(404, "Not Found");
        }
        let Ok(envelope) = parse_envelope(&req.body) else {
            return plain(400, "Bad Request");
        };
        let credentials = credentials_of(&envelope, req.authorization.as_deref());
        let operation = envelope
            .body
            .as_ref()
            .filter(|b| b.namespace.as_deref() == Some(DEVICE_NS))
            .and_then(|b| Operation::from_local_name(&b.local));
        if let Request::Http {
            operation: op_log,
            credentials: cred_log,
            ..
        } = log
        {
            *op_log = envelope.body.as_ref().map(|b| b.local.clone());
            *cred_log = credentials;
        }
        // Read (and logged) first, so a test sees what was asked of a switched-off service.
        if !self.spec.behaviour.serves_onvif() {
            return plain(404, "Not Found");
        }
        let Some(operation) = operation else {
            let fault = &self.templates.not_supported;
            return self.soap(fault.status, fault.body.render(&self.ctx()));
        };
        if self.spec.behaviour == Behaviour::Malformed {
            return self.soap(
                200,
                broken(self.templates.operation(operation).render(&self.ctx())),
            );
        }
        let outcome = self.check_access(operation, &envelope, req);
        if let Request::Http { auth, .. } = log {
            *auth = outcome;
        }
        match (outcome, &self.spec.auth) {
            (AuthOutcome::Rejected(_), AuthMode::WsUsernameToken { .. }) => {
                self.soap(400, not_authorized_body().to_owned())
            }
            (AuthOutcome::Rejected(_), _) => self.challenge(),
            _ => self.soap(200, self.templates.operation(operation).render(&self.ctx())),
        }
    }

    fn check_access(&self, op: Operation, envelope: &Envelope, req: &HttpRequest) -> AuthOutcome {
        if !op.needs_auth() {
            return AuthOutcome::NotRequired;
        }
        let result = match &self.spec.auth {
            AuthMode::None => return AuthOutcome::NotRequired,
            AuthMode::WsUsernameToken { user, pass } => match &envelope.token {
                Some(token) => verify_username_token(token, user, pass, self.clock()),
                None if req.authorization.is_some() => Err(Rejection::WrongScheme),
                None => Err(Rejection::Missing),
            },
            AuthMode::Digest { user, pass, .. } => match (&self.digest, &req.authorization) {
                (Some(ch), Some(header)) => ch.verify(header, &req.method, &req.path, user, pass),
                (_, None) if envelope.token.is_some() => Err(Rejection::WrongScheme),
                _ => Err(Rejection::Missing),
            },
        };
        match result {
            Ok(()) => AuthOutcome::Accepted,
            Err(reason) => AuthOutcome::Rejected(reason),
        }
    }

    fn challenge(&self) -> HttpAnswer {
        self.challenge_with(self.digest.as_ref())
    }

    fn challenge_with(&self, digest: Option<&DigestChallenge>) -> HttpAnswer {
        let headers = digest.map(DigestChallenge::headers).unwrap_or_default();
        HttpAnswer {
            status: 401,
            content_type: "text/html",
            extra_headers: headers
                .into_iter()
                .map(|h| ("WWW-Authenticate", h))
                .collect(),
            body: b"<html><head><title>Document Error: Unauthorized</title></head>\
                    <body><h2>Access Error: 401 -- Unauthorized</h2></body></html>"
                .to_vec(),
            request: placeholder(),
        }
    }

    fn soap(&self, status: u16, body: String) -> HttpAnswer {
        HttpAnswer {
            status,
            content_type: "application/soap+xml; charset=utf-8",
            extra_headers: Vec::new(),
            body: body.into_bytes(),
            request: placeholder(),
        }
    }

    /// Status line and headers in the family's style.
    pub(crate) fn head(&self, answer: &HttpAnswer, content_length: usize) -> String {
        let mut head = String::with_capacity(256);
        let _ = match self.templates.http {
            HttpStyle::AppWebs => write!(
                head,
                "HTTP/1.1 {}\r\nDate: {}\r\nServer: App-webs/\r\nConnection: close\r\n\
                 Content-Length: {content_length}\r\nContent-Type: {}\r\n",
                answer.status,
                http_date(OffsetDateTime::now_utc()),
                answer.content_type
            ),
            HttpStyle::Plain { server } => {
                let _ = write!(
                    head,
                    "HTTP/1.1 {} {}\r\n",
                    answer.status,
                    reason(answer.status)
                );
                if let Some(server) = server {
                    let _ = write!(head, "Server: {server}\r\n");
                }
                write!(
                    head,
                    "Content-Type: {}\r\nContent-Length: {content_length}\r\nConnection: close\r\n",
                    answer.content_type
                )
            }
        };
        for (name, value) in &answer.extra_headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.push_str("\r\n");
        head
    }

    /// The bytes to write for `answer` under this camera's behaviour.
    pub(crate) fn frame(&self, answer: &HttpAnswer) -> Vec<u8> {
        match self.spec.behaviour {
            Behaviour::Truncated => {
                let mut out = self.head(answer, TRUNCATED_CLAIM).into_bytes();
                out.extend(answer.body.iter().take(TRUNCATED_SENT));
                out
            }
            Behaviour::Oversized => {
                let mut body = answer.body.clone();
                body.extend_from_slice(b"<!--");
                body.resize(OVERSIZED_BODY.saturating_sub(3).max(body.len()), b'A');
                body.extend_from_slice(b"-->");
                let mut out = self.head(answer, body.len()).into_bytes();
                out.extend(body);
                out
            }
            _ => {
                let mut out = self.head(answer, answer.body.len()).into_bytes();
                out.extend(&answer.body);
                out
            }
        }
    }
}

/// A parsed HTTP request.
#[derive(Clone, Debug, Default)]
pub(crate) struct HttpRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) authorization: Option<String>,
    pub(crate) body: Vec<u8>,
}

fn credentials_of(envelope: &Envelope, authorization: Option<&str>) -> Credentials {
    if let Some(token) = &envelope.token {
        return if token.password_type.as_deref() == Some(crate::soap::PASSWORD_DIGEST) {
            Credentials::UsernameTokenDigest
        } else {
            Credentials::UsernameTokenText
        };
    }
    match authorization.map(|a| {
        a.trim_start()
            .split(' ')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    }) {
        None => Credentials::None,
        Some(s) if s == "digest" => Credentials::HttpDigest,
        Some(s) if s == "basic" => Credentials::HttpBasic,
        Some(_) => Credentials::HttpOther,
    }
}

fn placeholder() -> Request {
    Request::Http {
        camera: Ipv4Addr::UNSPECIFIED,
        method: String::new(),
        path: String::new(),
        operation: None,
        credentials: Credentials::None,
        auth: AuthOutcome::NotRequired,
        status: 0,
    }
}

fn plain(status: u16, text: &str) -> HttpAnswer {
    HttpAnswer {
        status,
        content_type: "text/plain",
        extra_headers: Vec::new(),
        body: text.as_bytes().to_vec(),
        request: placeholder(),
    }
}

/// Valid XML cut mid-way and left with an unterminated attribute and an undefined entity.
fn broken(body: String) -> String {
    let mut cut = body.len() * 3 / 5;
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}<tt:Broken attr=\"unterminated>&bogus;", &body[..cut])
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        _ => "",
    }
}

fn http_date(t: OffsetDateTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = WEEKDAYS
        .get(usize::from(t.weekday().number_days_from_monday()))
        .unwrap_or(&"Mon");
    let month = MONTHS
        .get(usize::from(u8::from(t.month()) - 1))
        .unwrap_or(&"Jan");
    format!(
        "{weekday}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{FleetOptions, FleetSpec, Profile, VendorMix};

    fn camera(profile: Profile, auth: AuthMode, behaviour: Behaviour) -> Camera {
        let opts = FleetOptions {
            vendor_mix: VendorMix::only(profile),
            ..Default::default()
        };
        let mut spec = FleetSpec::generate(1, Ipv4Addr::new(127, 5, 0, 10), 1, &opts).unwrap();
        let mut cam = spec.cameras.remove(0);
        cam.auth = auth;
        cam.behaviour = behaviour;
        Camera::new(cam, crate::profile::templates(profile).unwrap(), 8080)
    }

    fn post(op: &str) -> HttpRequest {
        HttpRequest {
            method: "POST".into(),
            path: "/onvif/device_service".into(),
            body: format!(
                "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>\
                 <{op} xmlns=\"http://www.onvif.org/ver10/device/wsdl\"/></s:Body></s:Envelope>"
            )
            .into_bytes(),
            ..HttpRequest::default()
        }
    }

    #[test]
    fn access_classes_and_statuses() {
        let ws = AuthMode::WsUsernameToken {
            user: "admin".into(),
            pass: "pw".into(),
        };
        let digest = AuthMode::Digest {
            user: "admin".into(),
            pass: "pw".into(),
            sha256: true,
        };
        let cases = [
            (AuthMode::None, "GetDeviceInformation", 200),
            (ws.clone(), "GetDeviceInformation", 400),
            (ws.clone(), "GetSystemDateAndTime", 200),
            (digest.clone(), "GetScopes", 401),
            (digest.clone(), "GetCapabilities", 200),
            (AuthMode::None, "SetHostname", 500),
        ];
        for (auth, op, status) in cases {
            let cam = camera(Profile::Hikvision, auth.clone(), Behaviour::Normal);
            let answer = cam.answer_http(&post(op));
            assert_eq!(answer.status, status, "{auth:?} {op}");
        }
        let cam = camera(Profile::Dahua, digest, Behaviour::Normal);
        let answer = cam.answer_http(&post("GetNetworkInterfaces"));
        let realm = format!("realm=\"Login to {}\"", cam.spec.identity.serial);
        assert_eq!(answer.extra_headers.len(), 2);
        assert!(answer.extra_headers.iter().all(|(_, v)| v.contains(&realm)));
    }

    #[test]
    fn methods_and_paths() {
        let cam = camera(Profile::Axis, AuthMode::None, Behaviour::Normal);
        let mut get = post("GetScopes");
        get.method = "GET".into();
        assert_eq!(cam.answer_http(&get).status, 405);
        let mut other = post("GetScopes");
        other.path = "/cgi-bin/magicBox.cgi".into();
        assert_eq!(cam.answer_http(&other).status, 404);
        let mut junk = post("GetScopes");
        junk.body = b"<nope".to_vec();
        assert_eq!(cam.answer_http(&junk).status, 400);
    }

    #[test]
    fn hikvision_head_is_app_webs_style() {
        let cam = camera(Profile::Hikvision, AuthMode::None, Behaviour::Normal);
        let answer = cam.answer_http(&post("GetCapabilities"));
        let head = cam.head(&answer, answer.body.len());
        assert!(head.starts_with("HTTP/1.1 200\r\nDate: "), "{head}");
        assert!(head.contains("\r\nServer: App-webs/\r\nConnection: close\r\n"));
    }

    #[test]
    fn framing_per_behaviour() {
        let truncated = camera(Profile::Axis, AuthMode::None, Behaviour::Truncated);
        let answer = truncated.answer_http(&post("GetCapabilities"));
        let bytes = truncated.frame(&answer);
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("Content-Length: 4000\r\n"));
        let body_start = text.find("\r\n\r\n").unwrap() + 4;
        assert_eq!(bytes.len() - body_start, TRUNCATED_SENT);

        let oversized = camera(Profile::Axis, AuthMode::None, Behaviour::Oversized);
        let answer = oversized.answer_http(&post("GetCapabilities"));
        let bytes = oversized.frame(&answer);
        let text = String::from_utf8_lossy(&bytes[..300]);
        assert!(
            text.contains(&format!("Content-Length: {OVERSIZED_BODY}\r\n")),
            "{text}"
        );

        let malformed = camera(Profile::Axis, AuthMode::None, Behaviour::Malformed);
        let answer = malformed.answer_http(&post("GetDeviceInformation"));
        assert_eq!(answer.status, 200);
        assert!(parse_envelope(&answer.body).is_err());
    }

    fn get(path: &str, authorization: Option<String>) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            path: path.into(),
            authorization,
            ..HttpRequest::default()
        }
    }

    /// `Authorization: Digest` for `GET path` (MD5, qop auth), as a client computes it.
    fn digest(ch: &DigestChallenge, user: &str, pass: &str, path: &str) -> String {
        use crate::auth::md5_hex;
        let ha1 = md5_hex(&format!("{user}:{}:{pass}", ch.realm));
        let ha2 = md5_hex(&format!("GET:{path}"));
        let response = md5_hex(&format!("{ha1}:{}:00000001:c0ffee:auth:{ha2}", ch.nonce));
        format!(
            "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{path}\", \
             qop=auth, nc=00000001, cnonce=\"c0ffee\", response=\"{response}\"",
            ch.realm, ch.nonce
        )
    }

    #[test]
    fn identity_pages_need_digest_when_the_camera_has_credentials() {
        let token = AuthMode::WsUsernameToken {
            user: "admin".into(),
            pass: "pw".into(),
        };
        let cases = [
            (
                Profile::Hikvision,
                "/ISAPI/System/deviceInfo",
                "IP Camera(",
                "<model>",
            ),
            (
                Profile::Amcrest,
                "/cgi-bin/magicBox.cgi?action=getSystemInfo",
                "Login to ",
                "updateSerial=",
            ),
        ];
        for (profile, path, realm, marker) in cases {
            let cam = camera(profile, token.clone(), Behaviour::OnvifOff);
            let refused = cam.answer_http(&get(path, None));
            assert_eq!(refused.status, 401, "{profile}");
            assert!(
                refused.extra_headers[0].1.contains(realm),
                "{:?}",
                refused.extra_headers
            );
            let ch = cam.web_digest.clone().unwrap();
            let wrong = cam.answer_http(&get(path, Some(digest(&ch, "admin", "nope", path))));
            assert_eq!(wrong.status, 401);
            let ok = cam.answer_http(&get(path, Some(digest(&ch, "admin", "pw", path))));
            assert_eq!(ok.status, 200, "{profile}");
            let body = String::from_utf8(ok.body).unwrap();
            assert!(
                body.contains(marker) && body.contains(&cam.spec.identity.serial),
                "{body}"
            );
            assert!(matches!(
                ok.request,
                Request::Http {
                    credentials: Credentials::HttpDigest,
                    auth: AuthOutcome::Accepted,
                    ..
                }
            ));
            // ONVIF is off: the device service is gone.
            assert_eq!(cam.answer_http(&post("GetSystemDateAndTime")).status, 404);
        }
        // Other families serve no identity page; an open camera serves it anonymously.
        let axis = camera(Profile::Axis, AuthMode::None, Behaviour::Normal);
        assert_eq!(
            axis.answer_http(&get("/ISAPI/System/deviceInfo", None))
                .status,
            405
        );
        let open = camera(Profile::Dahua, AuthMode::None, Behaviour::Normal);
        let page = open.answer_http(&get("/cgi-bin/magicBox.cgi?action=getSystemInfo", None));
        assert_eq!((page.status, page.content_type), (200, "text/plain"));
        assert_eq!(open.answer_http(&post("GetSystemDateAndTime")).status, 200);
    }

    #[test]
    fn vendor_replies_echo_the_inquiry_and_carry_the_dhip_header() {
        let hik = camera(Profile::Hikvision, AuthMode::None, Behaviour::OnvifOff);
        let reply = hik
            .vendor_reply(&Search::SadpInquiry {
                uuid: "0A1B2C3D-0000-0000-0000-000000000000".into(),
            })
            .unwrap();
        let text = String::from_utf8(reply).unwrap();
        assert!(text.contains("<Uuid>0A1B2C3D-0000-0000-0000-000000000000</Uuid>"));
        assert!(text.contains(&hik.spec.identity.serial));
        assert!(hik.vendor_reply(&Search::DhipSearch).is_none());
        let dahua = camera(Profile::Dahua, AuthMode::None, Behaviour::Normal);
        let reply = dahua.vendor_reply(&Search::DhipSearch).unwrap();
        let len = u32::from_le_bytes(reply[16..20].try_into().unwrap()) as usize;
        assert_eq!((&reply[4..8], reply.len() - 32), (b"DHIP".as_slice(), len));
        assert!(
            camera(Profile::Axis, AuthMode::None, Behaviour::Normal)
                .vendor_reply(&Search::DhipSearch)
                .is_none()
        );
    }

    #[test]
    fn http_date_format() {
        let t = time::macros::datetime!(2016-02-25 11:33:08 UTC);
        assert_eq!(http_date(t), "Thu, 25 Feb 2016 11:33:08 GMT");
    }
}
