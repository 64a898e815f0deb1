//! The fleet runtime (tokio): binds every camera's WS-Discovery, vendor discovery (SADP, DHIP)
//! and HTTP sockets, answers searches after each camera's delay and serves the device service
//! and identity pages, until dropped.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::camera::{Camera, HttpRequest};
use crate::fleet::{Behaviour, FleetSpec};
use crate::soap::parse_envelope;
use crate::stats::{Datagram, LogEntry, Request, Stats, StatsSnapshot};
use crate::template::TemplateError;
use crate::vendor;

pub const WSD_GROUP: Ipv4Addr = Ipv4Addr::new(239, 255, 255, 250);
pub const WSD_PORT: u16 = 3702;
const MAX_DATAGRAM: usize = 65_536;
const MAX_HEAD: usize = 16 * 1024;
const MAX_BODY: usize = 256 * 1024;
/// A request must arrive within this; a Silent camera holds a connection at most this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const SILENT_HOLD: Duration = Duration::from_secs(300);
const SEND_BUFFER: usize = 1 << 20;
const GROUP_RECV_BUFFER: usize = 4 << 20;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    #[error("fixture templates: {0}")]
    Template(#[from] &'static TemplateError),
    #[error("binding {what} on {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: io::Error,
    },
    #[error("joining {group} on interface {iface}: {source}")]
    Join {
        group: Ipv4Addr,
        iface: Ipv4Addr,
        source: io::Error,
    },
    #[error("loopback mode needs 127.0.0.0/8 camera addresses, got {0}")]
    NotLoopback(Ipv4Addr),
    #[error("the fleet has no cameras")]
    Empty,
}

/// Where the cameras listen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Each camera binds its own 127/8 address; unicast Probes only. Port 0 picks a free port
    /// per camera (see [`RunningFleet::cameras`]).
    Loopback { ws_port: u16, http_port: u16 },
    /// Camera addresses are on a local interface (a network namespace): one socket on
    /// 0.0.0.0:3702 joined to 239.255.255.250 on the interface of the first camera address
    /// fans multicast Probes out; each camera's own `<ip>:3702` socket takes unicast Probes and
    /// sends every reply.
    Multicast { http_port: u16 },
}

/// The bound addresses of one camera.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoundCamera {
    pub ip: Ipv4Addr,
    /// `None` when discovery is off (Behaviour::NoDiscovery).
    pub ws: Option<SocketAddr>,
    /// `None` when the HTTP port is closed (Behaviour::NoHttp).
    pub http: Option<SocketAddr>,
}

pub struct Fleet;

/// A started fleet; dropping it stops every task and closes every socket.
pub struct RunningFleet {
    spec: Arc<FleetSpec>,
    cameras: Vec<BoundCamera>,
    group: Option<SocketAddr>,
    stats: Arc<Stats>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    started_in: Duration,
}

impl Fleet {
    pub async fn start(spec: FleetSpec, mode: Mode) -> Result<RunningFleet, SimError> {
        let started = Instant::now();
        let first = spec.cameras.first().ok_or(SimError::Empty)?.ip;
        let (ws_port, http_port) = match mode {
            Mode::Loopback { ws_port, http_port } => {
                if let Some(c) = spec.cameras.iter().find(|c| !c.ip.is_loopback()) {
                    return Err(SimError::NotLoopback(c.ip));
                }
                (ws_port, http_port)
            }
            Mode::Multicast { http_port } => (WSD_PORT, http_port),
        };
        let stats = Arc::new(Stats::default());
        let (shutdown, stop) = watch::channel(false);
        let mut tasks = Vec::new();
        let mut cameras = Vec::with_capacity(spec.cameras.len());
        let mut bound = Vec::with_capacity(spec.cameras.len());
        let mut bound_cameras = Vec::with_capacity(spec.cameras.len());
        for cam_spec in &spec.cameras {
            let templates = crate::profile::templates(cam_spec.profile)?;
            let listener = match cam_spec.behaviour.serves_http() {
                true => Some(bind_tcp(SocketAddr::new(
                    IpAddr::V4(cam_spec.ip),
                    http_port,
                ))?),
                false => None,
            };
            let http = listener.as_ref().and_then(|l| l.local_addr().ok());
            let port = http.map_or(http_port, |a| a.port());
            let camera = Arc::new(Camera::new(cam_spec.clone(), templates, port));
            let udp = match cam_spec.behaviour.answers_discovery() {
                true => Some(Arc::new(bind_udp(
                    SocketAddr::new(cam_spec.ip.into(), ws_port),
                    "WS-Discovery socket",
                )?)),
                false => None,
            };
            let ws = udp.as_ref().and_then(|s| s.local_addr().ok());
            if let Some(listener) = listener {
                let ctx = Ctx {
                    camera: camera.clone(),
                    stats: stats.clone(),
                    stop: stop.clone(),
                };
                tasks.push(tokio::spawn(ctx.accept_loop(listener)));
            }
            if let Some(udp) = &udp {
                let responder = Responder {
                    members: vec![(camera.clone(), udp.clone())],
                    owner: Some(cam_spec.ip),
                    vendor: None,
                    stats: stats.clone(),
                    stop: stop.clone(),
                };
                tasks.push(tokio::spawn(responder.run(udp.clone())));
            }
            cameras.push(BoundCamera {
                ip: cam_spec.ip,
                ws,
                http,
            });
            bound_cameras.push(camera.clone());
            bound.push((camera, udp));
        }
        let mut group = None;
        if let Mode::Multicast { .. } = mode {
            let socket = bind_group(first, WSD_GROUP, WSD_PORT)?;
            group = socket.local_addr().ok();
            let members: Vec<_> = bound
                .into_iter()
                .filter_map(|(cam, udp)| udp.map(|u| (cam, u)))
                .collect();
            let responder = Responder {
                members,
                owner: None,
                vendor: None,
                stats: stats.clone(),
                stop: stop.clone(),
            };
            tasks.push(tokio::spawn(responder.run(Arc::new(socket))));
        }
        let cams: Vec<_> = bound_cameras.iter().collect();
        tasks.extend(vendor_responders(&cams, mode, first, &stats, &stop)?);
        Ok(RunningFleet {
            spec: Arc::new(spec),
            cameras,
            group,
            stats,
            shutdown,
            tasks,
            started_in: started.elapsed(),
        })
    }
}

impl RunningFleet {
    pub fn spec(&self) -> &FleetSpec {
        &self.spec
    }

    pub fn cameras(&self) -> &[BoundCamera] {
        &self.cameras
    }

    pub fn camera(&self, ip: Ipv4Addr) -> Option<&BoundCamera> {
        self.cameras.iter().find(|c| c.ip == ip)
    }

    /// The shared multicast socket (multicast mode).
    pub fn group_addr(&self) -> Option<SocketAddr> {
        self.group
    }

    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// Every request received so far, in arrival order (bounded, see [`crate::stats`]).
    pub fn log(&self) -> Vec<LogEntry> {
        self.stats.log()
    }

    /// How long binding every socket took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Stops everything now (same as dropping).
    pub fn shutdown(self) {}
}

impl Drop for RunningFleet {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn stopped(stop: &mut watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            return;
        }
    }
}

/// After a socket error (EMFILE, ENOBUFS…): do not spin.
async fn back_off() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

/// What a per-camera task needs.
#[derive(Clone)]
struct Ctx {
    camera: Arc<Camera>,
    stats: Arc<Stats>,
    stop: watch::Receiver<bool>,
}

impl Ctx {
    async fn accept_loop(self, listener: TcpListener) {
        let mut stop = self.stop.clone();
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = stopped(&mut stop) => return,
            };
            let Ok((stream, peer)) = accepted else {
                back_off().await;
                continue;
            };
            self.stats.connection();
            let ctx = self.clone();
            tokio::spawn(async move {
                let mut stop = ctx.stop.clone();
                tokio::select! {
                    () = ctx.serve(stream, peer) => {}
                    () = stopped(&mut stop) => {}
                }
            });
        }
    }

    async fn serve(&self, mut stream: TcpStream, peer: SocketAddr) {
        let behaviour = &self.camera.spec.behaviour;
        let request = tokio::time::timeout(REQUEST_TIMEOUT, read_request(&mut stream)).await;
        let request = match request {
            Ok(Ok(request)) => request,
            Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
                let camera = self.camera.ip();
                self.stats.http(
                    peer,
                    Request::HttpInvalid {
                        camera,
                        error: e.to_string(),
                    },
                );
                return;
            }
            _ => return,
        };
        let answer = self.camera.answer_http(&request);
        let mut logged = answer.request.clone();
        if let Behaviour::Silent = behaviour {
            if let Request::Http { status: s, .. } = &mut logged {
                *s = 0;
            }
            self.stats.http(peer, logged);
            // Hold the connection open, reading and discarding, until the peer gives up.
            let mut sink = [0u8; 1024];
            let _ = tokio::time::timeout(SILENT_HOLD, async {
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
            })
            .await;
            return;
        }
        self.stats.http(peer, logged);
        if let Behaviour::SlowHttp(delay) = behaviour {
            tokio::time::sleep(*delay).await;
        }
        let bytes = self.camera.frame(&answer);
        let _ = stream.write_all(&bytes).await;
        let _ = stream.shutdown().await;
    }
}

/// Answers `envelope` from `camera` `delay` after `received`, if it answers at all.
fn deliver(
    camera: &Arc<Camera>,
    socket: &Arc<UdpSocket>,
    envelope: &crate::soap::Envelope,
    (peer, received): (SocketAddr, tokio::time::Instant),
    stats: &Arc<Stats>,
    stop: &watch::Receiver<bool>,
) {
    if !envelope.is_probe() {
        return;
    }
    let accepted = camera.accept_probe(envelope);
    stats.probe(matches!(accepted, Err(crate::camera::NoReply::Duplicate)));
    let Ok((delay, pending)) = accepted else {
        return;
    };
    let (camera, socket, stats) = (camera.clone(), socket.clone(), stats.clone());
    let mut stop = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = tokio::time::sleep_until(received + delay) => {
                let bytes = camera.render_reply(&pending);
                let ok = socket.send_to(&bytes, peer).await.is_ok();
                stats.reply(ok);
            }
            () = stopped(&mut stop) => {}
        }
    });
}

/// The SADP and DHIP sockets: each speaking camera's own `<ip>:<port>` (unicast searches, and
/// every reply leaves from it) and, in multicast mode, one shared socket per protocol joined to
/// its group that also takes broadcasts.
fn vendor_responders(
    cameras: &[&Arc<Camera>],
    mode: Mode,
    first: Ipv4Addr,
    stats: &Arc<Stats>,
    stop: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>, SimError> {
    let mut tasks = Vec::new();
    for protocol in vendor::Protocol::ALL {
        let what = match protocol {
            vendor::Protocol::Sadp => "SADP socket",
            vendor::Protocol::Dhip => "DHIP socket",
        };
        let mut members = Vec::new();
        for cam in cameras {
            if vendor::protocol_of(cam.spec.profile) != Some(protocol) {
                continue;
            }
            let udp = Arc::new(bind_udp(
                SocketAddr::new(cam.spec.ip.into(), protocol.port()),
                what,
            )?);
            // A reply to the group must not reach this namespace's own group socket.
            let _ = udp.set_multicast_loop_v4(false);
            let responder = Responder {
                members: vec![((*cam).clone(), udp.clone())],
                owner: Some(cam.spec.ip),
                vendor: Some(protocol),
                stats: stats.clone(),
                stop: stop.clone(),
            };
            tasks.push(tokio::spawn(responder.run(udp.clone())));
            members.push(((*cam).clone(), udp));
        }
        if members.is_empty() || !matches!(mode, Mode::Multicast { .. }) {
            continue;
        }
        let socket = bind_group(first, protocol.group(), protocol.port())?;
        let responder = Responder {
            members,
            owner: None,
            vendor: Some(protocol),
            stats: stats.clone(),
            stop: stop.clone(),
        };
        tasks.push(tokio::spawn(responder.run(Arc::new(socket))));
    }
    Ok(tasks)
}

/// Answers a vendor `search` from `camera` `delay` after receipt (every search is answered:
/// SADP and DHIP have no duplicate suppression), to the asking socket or, for firmware that
/// does so on a multicast LAN, to the protocol's group.
fn deliver_vendor(
    camera: &Arc<Camera>,
    socket: &Arc<UdpSocket>,
    (protocol, search): (vendor::Protocol, &vendor::Search),
    (peer, received): (SocketAddr, tokio::time::Instant),
    stats: &Arc<Stats>,
    stop: &watch::Receiver<bool>,
) {
    stats.probe(false);
    let Some(bytes) = camera.vendor_reply(search) else {
        return;
    };
    let multicast_lan = !camera.spec.ip.is_loopback();
    let peer = if multicast_lan && vendor::replies_to_group(camera.spec.profile) {
        SocketAddr::from((protocol.group(), protocol.port()))
    } else {
        peer
    };
    let (delay, socket, stats) = (camera.spec.reply_delay, socket.clone(), stats.clone());
    let mut stop = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = tokio::time::sleep_until(received + delay) => {
                let ok = socket.send_to(&bytes, peer).await.is_ok();
                stats.reply(ok);
            }
            () = stopped(&mut stop) => {}
        }
    });
}

/// A discovery receive loop: a camera's own socket (one member) or a shared multicast socket
/// (every camera that answers that protocol).
struct Responder {
    members: Vec<(Arc<Camera>, Arc<UdpSocket>)>,
    /// The camera owning the socket, `None` for a shared multicast socket.
    owner: Option<Ipv4Addr>,
    /// The vendor protocol of the socket; `None` for WS-Discovery.
    vendor: Option<vendor::Protocol>,
    stats: Arc<Stats>,
    stop: watch::Receiver<bool>,
}

impl Responder {
    async fn run(self, socket: Arc<UdpSocket>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut stop = self.stop.clone();
        loop {
            let received = tokio::select! {
                r = socket.recv_from(&mut buf) => r,
                () = stopped(&mut stop) => return,
            };
            let Ok((len, peer)) = received else {
                back_off().await;
                continue;
            };
            let at = tokio::time::Instant::now();
            let bytes = buf.get(..len).unwrap_or_default();
            let request = |message| Request::Udp {
                camera: self.owner,
                multicast: self.owner.is_none(),
                bytes: len,
                message,
            };
            if let Some(protocol) = self.vendor {
                let (message, search) = vendor::classify(protocol, bytes);
                self.stats.datagram(peer, request(message));
                let Some(search) = search else { continue };
                for (camera, udp) in &self.members {
                    let what = (protocol, &search);
                    deliver_vendor(camera, udp, what, (peer, at), &self.stats, &self.stop);
                }
                continue;
            }
            let envelope = parse_envelope(bytes);
            self.stats.datagram(peer, request(datagram_kind(&envelope)));
            let Ok(envelope) = envelope else { continue };
            for (camera, udp) in &self.members {
                deliver(camera, udp, &envelope, (peer, at), &self.stats, &self.stop);
            }
        }
    }
}

fn datagram_kind(envelope: &Result<crate::soap::Envelope, crate::soap::SoapError>) -> Datagram {
    match envelope {
        Err(e) => Datagram::Malformed {
            error: e.to_string(),
        },
        Ok(env) if env.is_probe() => Datagram::Probe {
            message_id: env.message_id.clone(),
            types: env.probe_types.clone().unwrap_or_default(),
        },
        Ok(env) => Datagram::Other {
            body: env.body.as_ref().map(|b| b.local.clone()),
            action: env.action.clone(),
        },
    }
}

async fn read_request(stream: &mut TcpStream) -> io::Result<HttpRequest> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let head_len = loop {
        if let Some(end) = find_head_end(&buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Request::new(&mut headers);
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
    parsed.parse(&buf).map_err(|e| bad(&e.to_string()))?;
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| std::str::from_utf8(h.value).ok())
            .map(str::to_owned)
    };
    let length = match header("content-length") {
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| bad("Content-Length"))?,
        None => 0,
    };
    if length > MAX_BODY {
        return Err(bad("body too large"));
    }
    let mut request = HttpRequest {
        method: parsed.method.unwrap_or_default().to_owned(),
        path: parsed.path.unwrap_or_default().to_owned(),
        authorization: header("authorization"),
        body: Vec::with_capacity(length),
    };
    request
        .body
        .extend(buf.get(head_len..).unwrap_or_default().iter().take(length));
    let expects_continue = header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects_continue && request.body.len() < length {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    while request.body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let want = length - request.body.len();
        request
            .body
            .extend(chunk.get(..n.min(want)).unwrap_or_default());
    }
    Ok(request)
}

fn find_head_end(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

fn bind_tcp(addr: SocketAddr) -> Result<TcpListener, SimError> {
    let bind = |source| SimError::Bind {
        what: "HTTP listener",
        addr,
        source,
    };
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(bind)?;
    socket.set_reuse_address(true).map_err(bind)?;
    socket.set_nonblocking(true).map_err(bind)?;
    socket.bind(&addr.into()).map_err(bind)?;
    socket.listen(1024).map_err(bind)?;
    TcpListener::from_std(socket.into()).map_err(bind)
}

fn bind_udp(addr: SocketAddr, what: &'static str) -> Result<UdpSocket, SimError> {
    let bind = |source| SimError::Bind { what, addr, source };
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(bind)?;
    socket.set_reuse_address(true).map_err(bind)?;
    let _ = socket.set_send_buffer_size(SEND_BUFFER);
    socket.set_nonblocking(true).map_err(bind)?;
    socket.bind(&addr.into()).map_err(bind)?;
    UdpSocket::from_std(socket.into()).map_err(bind)
}

/// 0.0.0.0:`port` joined to `group` on the interface holding `iface` (it also takes the
/// broadcasts to that port).
fn bind_group(iface: Ipv4Addr, group: Ipv4Addr, port: u16) -> Result<UdpSocket, SimError> {
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
    let bind = |source| SimError::Bind {
        what: "multicast socket",
        addr,
        source,
    };
    let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).map_err(bind)?;
    socket.set_reuse_address(true).map_err(bind)?;
    let _ = socket.set_recv_buffer_size(GROUP_RECV_BUFFER);
    socket.set_nonblocking(true).map_err(bind)?;
    socket.bind(&addr.into()).map_err(bind)?;
    socket
        .join_multicast_v4(&group, &iface)
        .map_err(|source| SimError::Join {
            group,
            iface,
            source,
        })?;
    UdpSocket::from_std(socket.into()).map_err(bind)
}
