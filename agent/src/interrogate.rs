//! Interrogation: reading one device's identity over ONVIF, climbing the authentication ladder
//! only as far as the device makes us.
//!
//! Ladder: anonymous GetDeviceInformation → on NotAuthorized (HTTP 400 fault) anonymous
//! GetSystemDateAndTime (the camera's clock) and a WS-UsernameToken stamped with it → on HTTP
//! 401, or when the token is refused, HTTP Digest. The clock is read only when a token needs it
//! and GetScopes only when discovery brought no scopes: most cameras answer anonymously, and a
//! round trip saved per device is a second saved per thousand cameras. Credentials are used only when the
//! device is inside their networks, never over Basic. The device is contacted only at the
//! responder's own address; a transport failure (timeout, refused, oversized, truncated) ends
//! the interrogation, so a hostile device costs one request timeout.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use camaudit_protocol::auth::{self, Challenge, UsernameToken};
use camaudit_protocol::onvif::{self, Operation, Response};
use camaudit_protocol::record::AuthUsed;
use tracing::debug;

use crate::credentials::{Credential, CredentialSet};
use crate::http::{self, HttpError};
use crate::url::DeviceUrl;

/// What interrogation needs to know.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub credentials: CredentialSet,
    pub limits: http::Limits,
}

/// Everything one device told us over ONVIF.
#[derive(Clone, Debug, Default)]
pub struct Identity {
    /// The device-service URL we used (userinfo stripped).
    pub service: Option<String>,
    pub info: Option<onvif::DeviceInformation>,
    pub interfaces: Option<onvif::NetworkInterfaces>,
    pub hostname: Option<String>,
    pub scopes: Vec<String>,
    pub capability_xaddrs: Vec<String>,
    pub namespaces: Vec<String>,
    pub realms: Vec<String>,
    pub http_servers: Vec<String>,
    /// Camera clock minus ours, in seconds.
    pub clock_offset: Option<i64>,
    pub auth: AuthUsed,
    pub errors: Vec<String>,
    /// A request failed in transport (timeout, refused, oversized, truncated): the device's
    /// web server is not worth another request.
    pub transport_failed: bool,
}

/// How a request is authenticated.
#[derive(Clone, Copy)]
enum Auth<'a> {
    Anonymous,
    Token(&'a Credential),
    Digest(&'a Credential),
}

/// How one call ended, short of a transport failure.
enum Outcome<T> {
    Body(T),
    /// HTTP 401, or a NotAuthorized SOAP fault.
    Denied {
        http_401: bool,
    },
    Fault(onvif::Fault),
    /// Any other HTTP status, or a body we could not parse.
    Bad(String),
}

struct Device<'a> {
    ip: IpAddr,
    addr: SocketAddr,
    host: String,
    path: String,
    ctx: &'a Ctx,
    /// Discovery already brought the device's scopes.
    have_scopes: bool,
    id: Identity,
}

/// Picks the device-service URL: an http XAddr on the responder's own address, else the first
/// http XAddr's port and path on the responder's address (NAT and multi-homed devices advertise
/// other hosts; we never follow them), else the ONVIF default path on port 80.
pub fn service_url(ip: IpAddr, xaddrs: &[String]) -> (SocketAddr, String, Option<String>) {
    let parsed: Vec<DeviceUrl> = xaddrs.iter().filter_map(|x| DeviceUrl::parse(x)).collect();
    if let Some(u) = parsed.iter().find(|u| !u.https && u.ip() == Some(ip)) {
        return (SocketAddr::new(ip, u.port), u.path.clone(), None);
    }
    if let Some(u) = parsed.iter().find(|u| !u.https) {
        let note = format!(
            "XAddr {} names another host; contacted the responder {ip} instead",
            u.to_clean_string()
        );
        return (SocketAddr::new(ip, u.port), u.path.clone(), Some(note));
    }
    let note = (!xaddrs.is_empty())
        .then(|| "no plain-http XAddr; tried the ONVIF default /onvif/device_service".to_owned());
    (
        SocketAddr::new(ip, 80),
        "/onvif/device_service".to_owned(),
        note,
    )
}

/// Reads a device's identity. Never fails: problems are recorded in `Identity::errors`.
pub async fn interrogate(ip: IpAddr, xaddrs: &[String], have_scopes: bool, ctx: &Ctx) -> Identity {
    let (addr, path, note) = service_url(ip, xaddrs);
    let host = match addr {
        SocketAddr::V4(a) if a.port() == 80 => a.ip().to_string(),
        SocketAddr::V6(a) if a.port() == 80 => format!("[{}]", a.ip()),
        a => a.to_string(),
    };
    let mut dev = Device {
        ip,
        addr,
        host,
        path,
        ctx,
        have_scopes,
        id: Identity::default(),
    };
    dev.id.service = Some(format!("http://{}{}", dev.host, dev.path));
    dev.id.errors.extend(note);
    if let Err(e) = dev.run().await {
        dev.id.errors.push(e.to_string());
        dev.id.transport_failed = true;
    }
    dev.id
}

impl<'a> Device<'a> {
    async fn run(&mut self) -> Result<(), HttpError> {
        let Some(auth) = self.identify().await? else {
            return Ok(());
        };
        if let Some(n) = self
            .fetch(
                "GetNetworkInterfaces",
                Operation::GetNetworkInterfaces,
                auth,
                onvif::parse_network_interfaces,
            )
            .await?
        {
            self.id.interfaces = Some(n);
        }
        if !self.have_scopes
            && let Some(s) = self
                .fetch("GetScopes", Operation::GetScopes, auth, onvif::parse_scopes)
                .await?
        {
            self.id.scopes = s.items;
        }
        if let Some(h) = self
            .fetch(
                "GetHostname",
                Operation::GetHostname,
                auth,
                onvif::parse_hostname,
            )
            .await?
        {
            self.id.hostname = h.name;
        }
        if let Some(c) = self
            .fetch(
                "GetCapabilities",
                Operation::GetCapabilities,
                auth,
                onvif::parse_capabilities,
            )
            .await?
        {
            self.id.capability_xaddrs = c.xaddrs.into_iter().map(|(_, x)| x).collect();
        }
        Ok(())
    }

    /// One call whose failure is recorded, not fatal (unless the transport failed).
    async fn fetch<T>(
        &mut self,
        what: &str,
        op: Operation,
        auth: Auth<'a>,
        parse: fn(&[u8]) -> Result<Response<T>, onvif::Error>,
    ) -> Result<Option<T>, HttpError> {
        Ok(match self.call(op, auth, parse).await? {
            Outcome::Body(t) => Some(t),
            other => {
                self.note(what, &other);
                None
            }
        })
    }

    /// The camera's clock, for stamping a UsernameToken it will accept.
    async fn read_clock(&mut self) -> Result<(), HttpError> {
        let parse = onvif::parse_system_date_and_time;
        if let Some(t) = self
            .fetch(
                "GetSystemDateAndTime",
                Operation::GetSystemDateAndTime,
                Auth::Anonymous,
                parse,
            )
            .await?
        {
            self.id.clock_offset = clock_offset(&t, SystemTime::now());
        }
        Ok(())
    }

    /// GetDeviceInformation up the ladder. Returns the auth that worked, `None` if none did.
    async fn identify(&mut self) -> Result<Option<Auth<'a>>, HttpError> {
        let ctx = self.ctx;
        let op = Operation::GetDeviceInformation;
        let parse = onvif::parse_device_information;
        let http_401 = match self.call(op, Auth::Anonymous, parse).await? {
            Outcome::Body(i) => {
                self.id.info = Some(i);
                self.id.auth = AuthUsed::None;
                return Ok(Some(Auth::Anonymous));
            }
            Outcome::Denied { http_401 } => http_401,
            other => {
                self.note("GetDeviceInformation", &other);
                return Ok(None);
            }
        };
        let Some(cred) = ctx.credentials.for_ip(self.ip) else {
            self.id.auth = AuthUsed::Failed;
            self.id.errors.push(
                "GetDeviceInformation needs credentials and none are configured for this address"
                    .to_owned(),
            );
            return Ok(None);
        };
        if !http_401 {
            self.read_clock().await?;
        }
        // A 401 means the HTTP layer wants Digest; a token would be refused the same way.
        let ladder: &[Auth<'a>] = if http_401 {
            &[Auth::Digest(cred)]
        } else {
            &[Auth::Token(cred), Auth::Digest(cred)]
        };
        for &auth in ladder {
            match self.call(op, auth, parse).await? {
                Outcome::Body(i) => {
                    self.id.info = Some(i);
                    self.id.auth = match auth {
                        Auth::Token(_) => AuthUsed::WsSecurity,
                        _ => AuthUsed::HttpDigest,
                    };
                    return Ok(Some(auth));
                }
                Outcome::Denied { .. } => continue,
                other => {
                    self.note("GetDeviceInformation", &other);
                    break;
                }
            }
        }
        self.id.auth = AuthUsed::Failed;
        self.id.errors.push(format!(
            "GetDeviceInformation: the device refused the credentials for user {:?}",
            cred.username
        ));
        Ok(None)
    }

    fn note<T>(&mut self, what: &str, o: &Outcome<T>) {
        let msg = match o {
            Outcome::Body(_) => return,
            Outcome::Denied { .. } => format!("{what}: not authorized"),
            Outcome::Fault(f) => format!(
                "{what}: device answered with SOAP fault {}{}{}",
                f.code,
                f.subcodes
                    .last()
                    .map(|s| format!("/{s}"))
                    .unwrap_or_default(),
                f.reason
                    .as_deref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            Outcome::Bad(m) => format!("{what}: {m}"),
        };
        self.id.errors.push(msg);
    }

    async fn call<T>(
        &mut self,
        op: Operation,
        auth: Auth<'a>,
        parse: fn(&[u8]) -> Result<Response<T>, onvif::Error>,
    ) -> Result<Outcome<T>, HttpError> {
        let token = match auth {
            Auth::Token(c) => Some(self.token(c)),
            _ => None,
        };
        let body = onvif::request(op, token.as_ref());
        let content_type = format!(
            "application/soap+xml; charset=utf-8; action=\"{}\"",
            op.action()
        );
        let req = http::Request {
            method: http::Method::Post,
            addr: self.addr,
            host: &self.host,
            path: &self.path,
            content_type: Some(&content_type),
            body: &body,
            authorization: None,
        };
        let resp = match auth {
            Auth::Digest(c) => {
                let cnonce = random_hex(16);
                let (resp, _outcome) = http::send_with_digest(
                    &req,
                    &self.ctx.limits,
                    &c.username,
                    c.password.expose(),
                    &cnonce,
                )
                .await?;
                resp
            }
            _ => http::send(&req, &self.ctx.limits).await?,
        };
        self.observe(&resp);
        debug!(ip = %self.ip, op = op.name(), status = resp.status, bytes = resp.body.len(), "onvif reply");
        if resp.status == 401 {
            return Ok(Outcome::Denied { http_401: true });
        }
        if resp.status == 200 {
            return Ok(match parse(&resp.body) {
                Ok(Response::Body(t)) => {
                    self.note_namespaces(&resp.body);
                    Outcome::Body(t)
                }
                Ok(Response::Fault(f)) if f.is_not_authorized() => {
                    Outcome::Denied { http_401: false }
                }
                Ok(Response::Fault(f)) => Outcome::Fault(f),
                Err(e) => Outcome::Bad(format!("unreadable reply ({e})")),
            });
        }
        Ok(match onvif::parse_fault(&resp.body) {
            Ok(Some(f)) if f.is_not_authorized() => Outcome::Denied { http_401: false },
            Ok(Some(f)) => Outcome::Fault(f),
            _ => Outcome::Bad(format!("HTTP status {}", resp.status)),
        })
    }

    fn observe(&mut self, resp: &http::Response) {
        observe_http(resp, &mut self.id.http_servers, &mut self.id.realms);
    }

    /// Namespaces from the first reply only: one firmware declares the same preamble on every
    /// reply, and a second XML pass per reply was a third of the scan's CPU time.
    fn note_namespaces(&mut self, body: &[u8]) {
        if !self.id.namespaces.is_empty() {
            return;
        }
        for ns in onvif::declared_namespaces(body) {
            push_unique(&mut self.id.namespaces, &ns);
        }
    }

    /// A token stamped with the camera's clock, so a skewed camera accepts it.
    fn token(&self, c: &Credential) -> UsernameToken {
        let mut nonce = [0u8; 16];
        let _ = getrandom::fill(&mut nonce);
        let offset = Duration::from_secs(self.id.clock_offset.unwrap_or(0).unsigned_abs());
        let now = SystemTime::now();
        let camera_now = if self.id.clock_offset.unwrap_or(0) >= 0 {
            now.checked_add(offset)
        } else {
            now.checked_sub(offset)
        }
        .unwrap_or(now);
        UsernameToken::new(
            &c.username,
            c.password.expose(),
            &nonce,
            &rfc3339_seconds(camera_now),
        )
    }
}

/// Records a response's HTTP Server banner and authentication realms: both are evidence.
pub(crate) fn observe_http(
    resp: &http::Response,
    servers: &mut Vec<String>,
    realms: &mut Vec<String>,
) {
    if let Some(s) = resp.header("server") {
        push_unique(servers, s);
    }
    for v in resp.headers_all("www-authenticate") {
        for ch in auth::parse_www_authenticate(v).unwrap_or_default() {
            let realm = match ch {
                Challenge::Digest(d) => Some(d.realm),
                Challenge::Basic { realm } => realm,
                _ => None,
            };
            if let Some(r) = realm {
                push_unique(realms, &r);
            }
        }
    }
}

pub(crate) fn push_unique(v: &mut Vec<String>, s: &str) {
    if v.len() < 16 && !v.iter().any(|x| x == s) {
        v.push(s.chars().take(256).collect());
    }
}

/// Camera clock minus `now`, from its UTC time.
fn clock_offset(t: &onvif::SystemDateAndTime, now: SystemTime) -> Option<i64> {
    let cam = t.utc?.unix_seconds()?;
    let ours = i64::try_from(now.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs()).ok()?;
    Some(cam - ours)
}

/// `2026-11-29T10:00:00Z`.
pub fn rfc3339_seconds(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let dt = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).unwrap_or(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

pub(crate) fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    let _ = getrandom::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_url_stays_on_the_responder() {
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        let x = vec!["http://10.0.0.5:8080/onvif/device_service".to_owned()];
        assert_eq!(
            service_url(ip, &x),
            (
                "10.0.0.5:8080".parse().unwrap(),
                "/onvif/device_service".into(),
                None
            )
        );
        let x = vec![
            "http://192.0.2.9/onvif/dev".to_owned(),
            "http://[fe80::1]/onvif/dev".to_owned(),
        ];
        let (addr, path, note) = service_url(ip, &x);
        assert_eq!(addr, "10.0.0.5:80".parse().unwrap());
        assert_eq!(path, "/onvif/dev");
        assert!(note.unwrap().contains("192.0.2.9"));
        let (addr, path, _) = service_url(ip, &[]);
        assert_eq!((addr.port(), path.as_str()), (80, "/onvif/device_service"));
    }

    #[test]
    fn formats_created_in_utc() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_284_623_445);
        assert_eq!(rfc3339_seconds(t), "2010-09-16T07:50:45Z");
    }
}
