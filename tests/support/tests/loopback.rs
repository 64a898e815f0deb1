//! The simulator over loopback: WS-Discovery answers, device-service access classes and
//! credentials, hostile behaviours, and a 1,000-camera fleet. Traffic goes to 127/8 only.

use std::collections::{BTreeMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use camaudit_test_support::soap::parse_envelope;
use camaudit_test_support::stats::{AuthOutcome, Credentials, Request};
use camaudit_test_support::{
    AuthMode, Behaviour, CameraSpec, Fleet, FleetOptions, FleetSpec, Mode, Profile, RunningFleet,
    VendorMix,
};
use sha1::Digest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// A Probe as ONVIF clients send it (2005/04 draft), written out by hand.
fn probe_bytes(message_id: &str, types: &str) -> Vec<u8> {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:tns="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:pub="http://schemas.microsoft.com/windows/pub/2005/07"><soap:Header><wsa:MessageID>{message_id}</wsa:MessageID><wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></soap:Header><soap:Body><tns:Probe>{types}</tns:Probe></soap:Body></soap:Envelope>"#
    )
    .into_bytes()
}

fn typed(types: &str) -> String {
    format!("<tns:Types>{types}</tns:Types>")
}

const HELLO: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><s:Header><a:MessageID>uuid:hello-1</a:MessageID><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</a:Action></s:Header><s:Body><d:Hello><a:EndpointReference><a:Address>uuid:x</a:Address></a:EndpointReference></d:Hello></s:Body></s:Envelope>"#;

/// One camera of `profile` at `ip`, answering without delay.
fn camera(profile: Profile, ip: Ipv4Addr, seed: u64) -> CameraSpec {
    let opts = FleetOptions {
        vendor_mix: VendorMix::only(profile),
        ..FleetOptions::default()
    };
    let mut spec = FleetSpec::generate(1, ip, seed, &opts).expect("one camera");
    let mut cam = spec.cameras.remove(0);
    cam.auth = AuthMode::None;
    cam.behaviour = Behaviour::Normal;
    cam.reply_delay = Duration::ZERO;
    cam.clock_skew_secs = 0;
    cam
}

async fn start(cameras: Vec<CameraSpec>) -> RunningFleet {
    let spec = FleetSpec { seed: 0, cameras };
    Fleet::start(
        spec,
        Mode::Loopback {
            ws_port: 0,
            http_port: 0,
        },
    )
    .await
    .expect("fleet starts")
}

fn ws(fleet: &RunningFleet, ip: Ipv4Addr) -> SocketAddr {
    fleet
        .camera(ip)
        .and_then(|c| c.ws)
        .expect("camera answers discovery")
}

fn http(fleet: &RunningFleet, ip: Ipv4Addr) -> SocketAddr {
    fleet
        .camera(ip)
        .and_then(|c| c.http)
        .expect("camera serves HTTP")
}

async fn client() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.expect("client socket")
}

/// Every datagram arriving within `wait`, with its arrival time.
async fn collect(
    socket: &UdpSocket,
    wait: Duration,
    max: usize,
) -> Vec<(SocketAddr, Vec<u8>, Instant)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65_536];
    let deadline = tokio::time::Instant::now() + wait;
    while out.len() < max {
        match tokio::time::timeout_at(deadline, socket.recv_from(&mut buf)).await {
            Ok(Ok((len, from))) => out.push((from, buf[..len].to_vec(), Instant::now())),
            _ => break,
        }
    }
    out
}

struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn post(addr: SocketAddr, body: &str, authorization: Option<&str>) -> HttpResponse {
    let raw = post_raw(addr, body, authorization).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head")
        + 4;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status: status.expect("status code"),
        headers,
        body: raw[split..].to_vec(),
    }
}

async fn post_raw(addr: SocketAddr, body: &str, authorization: Option<&str>) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /onvif/device_service HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/soap+xml; charset=utf-8\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send request");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("answer within 10 s")
        .expect("read answer");
    raw
}

fn request(op: &str, header: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header>{header}</s:Header><s:Body><{op} xmlns="http://www.onvif.org/ver10/device/wsdl"/></s:Body></s:Envelope>"#
    )
}

/// A WS-Security UsernameToken computed here, independently of the simulator's checker.
fn username_token(user: &str, pass: &str, created: time::OffsetDateTime) -> String {
    let created = created
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format Created");
    let nonce = *b"sixteen-byte-nce";
    let mut sha = sha1::Sha1::new();
    sha.update(nonce);
    sha.update(created.as_bytes());
    sha.update(pass.as_bytes());
    let digest = BASE64.encode(sha.finalize());
    format!(
        r#"<wsse:Security s:mustUnderstand="1"><wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">{digest}</wsse:Password><wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"#,
        BASE64.encode(nonce)
    )
}

/// `key="value"` from a WWW-Authenticate value.
fn param<'a>(challenge: &'a str, key: &str) -> &'a str {
    let start = challenge.find(&format!("{key}=\"")).expect(key) + key.len() + 2;
    let len = challenge[start..].find('"').expect("closing quote");
    &challenge[start..start + len]
}

/// The UTCDateTime of a GetSystemDateAndTime answer (prefix-agnostic text search).
fn utc_date_time(xml: &str) -> time::OffsetDateTime {
    let block = &xml[xml.find("UTCDateTime>").expect("UTCDateTime")..];
    let value = |name: &str| -> u32 {
        let start = block.find(&format!(":{name}>")).expect(name) + name.len() + 2;
        let len = block[start..].find('<').expect("end tag");
        block[start..start + len].trim().parse().expect("number")
    };
    let month = time::Month::try_from(value("Month") as u8).expect("month");
    let date = time::Date::from_calendar_date(value("Year") as i32, month, value("Day") as u8);
    let clock = time::Time::from_hms(
        value("Hour") as u8,
        value("Minute") as u8,
        value("Second") as u8,
    );
    time::PrimitiveDateTime::new(date.expect("date"), clock.expect("time")).assume_utc()
}

fn md5_hex(text: &str) -> String {
    md5::Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_answered_with_relates_to_and_own_xaddr() {
    let ips = camaudit_test_support::fleet::ip_range(Ipv4Addr::new(127, 61, 0, 10), 9).unwrap();
    let cameras: Vec<_> = Profile::ALL
        .into_iter()
        .zip(&ips)
        .map(|(p, &ip)| camera(p, ip, 61))
        .collect();
    let fleet = start(cameras.clone()).await;
    let socket = client().await;
    let message_id = "urn:uuid:6b1a1f2e-7a0e-4d7c-9a43-2f0f7e0c1d61";
    for cam in &cameras {
        let bytes = probe_bytes(message_id, &typed("dn:NetworkVideoTransmitter"));
        socket.send_to(&bytes, ws(&fleet, cam.ip)).await.unwrap();
    }
    let replies = collect(&socket, Duration::from_secs(3), cameras.len()).await;
    assert_eq!(replies.len(), cameras.len());
    for (from, bytes, _) in replies {
        let cam = cameras
            .iter()
            .find(|c| ws(&fleet, c.ip) == from)
            .expect("reply from a camera");
        let env = parse_envelope(&bytes).expect("well-formed ProbeMatches");
        assert_eq!(
            env.relates_to.as_deref(),
            Some(message_id),
            "{}",
            cam.profile
        );
        let m = env.probe_matches.first().expect("one ProbeMatch");
        assert_eq!(m.address, cam.identity.endpoint, "{}", cam.profile);
        let xaddr = format!("http://{}/onvif/device_service", http(&fleet, cam.ip));
        assert!(
            m.xaddrs.split_whitespace().any(|x| x == xaddr),
            "{}: {}",
            cam.profile,
            m.xaddrs
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_message_id_is_answered_once() {
    let ip = Ipv4Addr::new(127, 62, 0, 10);
    let fleet = start(vec![camera(Profile::Hikvision, ip, 62)]).await;
    let socket = client().await;
    let target = ws(&fleet, ip);
    let a = probe_bytes("uuid:aaaaaaaa-0000-4000-8000-000000000001", "");
    let b = probe_bytes("uuid:bbbbbbbb-0000-4000-8000-000000000002", "");
    for bytes in [&a, &a, &a, &b] {
        socket.send_to(bytes, target).await.unwrap();
    }
    let replies = collect(&socket, Duration::from_millis(800), 10).await;
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for (_, bytes, _) in &replies {
        let env = parse_envelope(bytes).unwrap();
        *by_id.entry(env.relates_to.unwrap_or_default()).or_default() += 1;
    }
    assert_eq!(by_id.len(), 2, "{by_id:?}");
    assert!(by_id.values().all(|&n| n == 1), "{by_id:?}");
    let stats = fleet.stats();
    assert_eq!(
        (stats.probes, stats.duplicate_probes, stats.replies),
        (4, 2, 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_wait_for_the_camera_delay() {
    let ips = camaudit_test_support::fleet::ip_range(Ipv4Addr::new(127, 63, 0, 10), 3).unwrap();
    let delays = [150, 300, 450].map(Duration::from_millis);
    let cameras: Vec<_> = ips
        .iter()
        .zip(delays)
        .map(|(&ip, delay)| CameraSpec {
            reply_delay: delay,
            ..camera(Profile::Axis, ip, 63)
        })
        .collect();
    let fleet = start(cameras.clone()).await;
    let socket = client().await;
    let sent = Instant::now();
    for cam in &cameras {
        socket
            .send_to(&probe_bytes("uuid:delay-1", ""), ws(&fleet, cam.ip))
            .await
            .unwrap();
    }
    let replies = collect(&socket, Duration::from_secs(3), 3).await;
    assert_eq!(replies.len(), 3);
    for (from, _, at) in replies {
        let cam = cameras.iter().find(|c| ws(&fleet, c.ip) == from).unwrap();
        let elapsed = at - sent;
        assert!(
            elapsed >= cam.reply_delay,
            "{elapsed:?} < {:?}",
            cam.reply_delay
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_only_matching_probes() {
    let ip = Ipv4Addr::new(127, 64, 0, 10);
    let fleet = start(vec![camera(Profile::Dahua, ip, 64)]).await;
    let socket = client().await;
    let target = ws(&fleet, ip);
    let cases = [
        (probe_bytes("uuid:t-1", &typed("pub:Computer")), false),
        (HELLO.as_bytes().to_vec(), false),
        (b"not xml at all".to_vec(), false),
        (probe_bytes("uuid:t-2", ""), true),
        (probe_bytes("uuid:t-3", &typed("tds:Device")), true),
        (
            probe_bytes(
                "uuid:t-4",
                &typed("pub:Computer dn:NetworkVideoTransmitter"),
            ),
            true,
        ),
    ];
    for (bytes, _) in &cases {
        socket.send_to(bytes, target).await.unwrap();
    }
    let replies = collect(&socket, Duration::from_millis(800), 10).await;
    let answered: HashSet<String> = replies
        .iter()
        .filter_map(|(_, b, _)| parse_envelope(b).ok()?.relates_to)
        .collect();
    let expected: HashSet<String> = ["uuid:t-2", "uuid:t-3", "uuid:t-4"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(answered, expected);
    let kinds: Vec<String> = fleet
        .log()
        .iter()
        .filter_map(|e| match &e.request {
            Request::Udp { message, .. } => Some(format!("{message:?}")),
            _ => None,
        })
        .collect();
    assert_eq!(kinds.len(), cases.len());
    assert!(
        kinds[1].contains("Hello") && kinds[2].starts_with("Malformed"),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_information_by_auth_mode() {
    let ips = camaudit_test_support::fleet::ip_range(Ipv4Addr::new(127, 65, 0, 10), 4).unwrap();
    let ws_auth = AuthMode::WsUsernameToken {
        user: "admin".into(),
        pass: "Cam-ws-pw".into(),
    };
    let digest_auth = AuthMode::Digest {
        user: "admin".into(),
        pass: "Cam-dg-pw".into(),
        sha256: true,
    };
    let open = camera(Profile::Hikvision, ips[0], 65);
    let token = CameraSpec {
        auth: ws_auth.clone(),
        ..camera(Profile::Hikvision, ips[1], 66)
    };
    let digest = CameraSpec {
        auth: digest_auth,
        ..camera(Profile::Dahua, ips[2], 67)
    };
    let skewed = CameraSpec {
        auth: ws_auth,
        clock_skew_secs: 3600,
        ..camera(Profile::TrendnetHikOem, ips[3], 68)
    };
    let fleet = start(vec![
        open.clone(),
        token.clone(),
        digest.clone(),
        skewed.clone(),
    ])
    .await;
    let gdi = request("GetDeviceInformation", "");
    let has_identity = |r: &HttpResponse, cam: &CameraSpec| {
        let text = r.text();
        text.contains(&format!(">{}<", cam.identity.serial))
            && text.contains(&format!(">{}<", cam.identity.model))
            && text.contains(&format!(">{}<", cam.identity.firmware))
    };

    let r = post(http(&fleet, open.ip), &gdi, None).await;
    assert_eq!(r.status, 200);
    assert!(has_identity(&r, &open));

    let not_authorized = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../protocol/fixtures/real/hikvision-fault-notauthorized-http400.http"
    ));
    let r = post(http(&fleet, token.ip), &gdi, None).await;
    assert_eq!(r.status, 400);
    assert!(
        not_authorized.ends_with(&r.text()),
        "the captured fault body"
    );
    let now = time::OffsetDateTime::now_utc();
    let good = request(
        "GetDeviceInformation",
        &username_token("admin", "Cam-ws-pw", now),
    );
    let r = post(http(&fleet, token.ip), &good, None).await;
    assert_eq!(r.status, 200);
    assert!(has_identity(&r, &token));
    let bad = request(
        "GetDeviceInformation",
        &username_token("admin", "wrong", now),
    );
    assert_eq!(post(http(&fleet, token.ip), &bad, None).await.status, 400);
    let r = post(
        http(&fleet, token.ip),
        &request("GetSystemDateAndTime", ""),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "PRE_AUTH operations stay anonymous");

    // A camera an hour ahead refuses tokens dated by our clock, accepts its own time.
    let ours = request(
        "GetDeviceInformation",
        &username_token("admin", "Cam-ws-pw", now),
    );
    assert_eq!(post(http(&fleet, skewed.ip), &ours, None).await.status, 400);
    let camera_time = now + time::Duration::seconds(3600);
    let r = post(
        http(&fleet, skewed.ip),
        &request("GetSystemDateAndTime", ""),
        None,
    )
    .await;
    let reported = utc_date_time(&r.text());
    let off = (reported - camera_time).whole_seconds().abs();
    assert!(
        off <= 5,
        "camera reports {reported}, its clock is {camera_time}"
    );
    let theirs = request(
        "GetDeviceInformation",
        &username_token("admin", "Cam-ws-pw", camera_time),
    );
    let r = post(http(&fleet, skewed.ip), &theirs, None).await;
    assert_eq!(r.status, 200);
    assert!(has_identity(&r, &skewed));

    let netif = request("GetNetworkInterfaces", "");
    let r = post(http(&fleet, digest.ip), &netif, None).await;
    assert_eq!(r.status, 401);
    let challenges = r.header("WWW-Authenticate");
    assert_eq!(challenges.len(), 2, "MD5 and SHA-256");
    let realm = format!("Login to {}", digest.identity.serial);
    assert_eq!(param(challenges[0], "realm"), realm);
    assert!(challenges[0].contains("qop=\"auth\"") && challenges[0].ends_with("algorithm=MD5"));
    assert!(challenges[1].ends_with("algorithm=SHA-256"));
    let nonce = param(challenges[0], "nonce");
    let uri = "/onvif/device_service";
    let ha1 = md5_hex(&format!("admin:{realm}:Cam-dg-pw"));
    let ha2 = md5_hex(&format!("POST:{uri}"));
    let response = md5_hex(&format!("{ha1}:{nonce}:00000001:abcdef:auth:{ha2}"));
    let authorization = format!(
        "Digest username=\"admin\", realm=\"{realm}\", nonce=\"{nonce}\", uri=\"{uri}\", \
         algorithm=MD5, qop=auth, nc=00000001, cnonce=\"abcdef\", response=\"{response}\""
    );
    let r = post(http(&fleet, digest.ip), &netif, Some(&authorization)).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains(&digest.identity.mac_string()),
        "{}",
        r.text()
    );
    let wrong = authorization.replace(&response, &md5_hex("nope"));
    assert_eq!(
        post(http(&fleet, digest.ip), &netif, Some(&wrong))
            .await
            .status,
        401
    );

    let log = fleet.log();
    let outcome = |ip: Ipv4Addr, credentials: Credentials| {
        log.iter().filter_map(move |e| match &e.request {
            Request::Http {
                camera,
                credentials: c,
                auth,
                ..
            } if *camera == ip && *c == credentials => Some(*auth),
            _ => None,
        })
    };
    assert!(
        outcome(token.ip, Credentials::UsernameTokenDigest).any(|a| a == AuthOutcome::Accepted)
    );
    assert!(outcome(digest.ip, Credentials::HttpDigest).any(|a| a == AuthOutcome::Accepted));
    let stats = fleet.stats();
    assert_eq!(stats.http["GetDeviceInformation"]["accepted"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_behaviours_are_observable() {
    let ips = camaudit_test_support::fleet::ip_range(Ipv4Addr::new(127, 66, 0, 10), 7).unwrap();
    let behaviours = [
        Behaviour::Truncated,
        Behaviour::Oversized,
        Behaviour::Silent,
        Behaviour::Malformed,
        Behaviour::NoHttp,
        Behaviour::NoDiscovery,
        Behaviour::SlowHttp(Duration::from_millis(400)),
    ];
    let cameras: Vec<_> = ips
        .iter()
        .zip(behaviours.clone())
        .map(|(&ip, behaviour)| CameraSpec {
            behaviour,
            ..camera(Profile::Hikvision, ip, 70)
        })
        .collect();
    let fleet = start(cameras).await;
    let gdi = request("GetDeviceInformation", "");

    let raw = post_raw(http(&fleet, ips[0]), &gdi, None).await;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(String::from_utf8_lossy(&raw[..split]).contains("Content-Length: 4000\r\n"));
    assert_eq!(raw.len() - split, 500, "truncated after 500 body bytes");

    let r = post(http(&fleet, ips[1]), &gdi, None).await;
    assert_eq!(r.header("Content-Length"), ["2097152"]);
    assert_eq!(r.body.len(), 2 * 1024 * 1024);

    let mut silent = TcpStream::connect(http(&fleet, ips[2])).await.unwrap();
    let head = format!(
        "POST /onvif/device_service HTTP/1.1\r\nContent-Length: {}\r\n\r\n{gdi}",
        gdi.len()
    );
    silent.write_all(head.as_bytes()).await.unwrap();
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(700), silent.read(&mut byte)).await;
    assert!(read.is_err(), "a silent camera sends nothing");

    let r = post(http(&fleet, ips[3]), &gdi, None).await;
    assert_eq!(r.status, 200);
    assert!(parse_envelope(&r.body).is_err(), "broken XML");

    assert_eq!(fleet.camera(ips[4]).unwrap().http, None);
    let refused = TcpStream::connect((ips[4], http(&fleet, ips[0]).port())).await;
    assert!(refused.is_err(), "HTTP port closed");
    assert!(
        fleet.camera(ips[4]).unwrap().ws.is_some(),
        "still discoverable"
    );

    assert_eq!(fleet.camera(ips[5]).unwrap().ws, None);
    let socket = client().await;
    socket
        .send_to(
            &probe_bytes("uuid:nd-1", ""),
            (ips[5], ws(&fleet, ips[0]).port()),
        )
        .await
        .ok();
    assert!(
        collect(&socket, Duration::from_millis(300), 1)
            .await
            .is_empty()
    );
    assert_eq!(post(http(&fleet, ips[5]), &gdi, None).await.status, 200);

    let sent = Instant::now();
    let r = post(http(&fleet, ips[6]), &gdi, None).await;
    assert_eq!(r.status, 200);
    assert!(sent.elapsed() >= Duration::from_millis(400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_cameras_start_fast_and_all_answer() {
    let opts = FleetOptions {
        max_delay: Duration::from_millis(500),
        ..FleetOptions::default()
    };
    let spec = FleetSpec::generate(1000, Ipv4Addr::new(127, 67, 0, 10), 67, &opts).unwrap();
    let started = Instant::now();
    let fleet = Fleet::start(
        spec,
        Mode::Loopback {
            ws_port: 0,
            http_port: 0,
        },
    )
    .await
    .unwrap();
    let start_time = started.elapsed();
    let std_socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    std_socket.set_recv_buffer_size(8 << 20).unwrap();
    std_socket.set_nonblocking(true).unwrap();
    std_socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    let socket = UdpSocket::from_std(std_socket.into()).unwrap();
    let targets: Vec<SocketAddr> = fleet.cameras().iter().filter_map(|c| c.ws).collect();
    let bytes = probe_bytes("uuid:thousand-1", "");
    let sent = Instant::now();
    for target in &targets {
        socket.send_to(&bytes, target).await.unwrap();
    }
    let replies = collect(&socket, Duration::from_secs(5), targets.len()).await;
    let last = replies
        .iter()
        .map(|(_, _, at)| *at - sent)
        .max()
        .unwrap_or_default();
    let sources: HashSet<SocketAddr> = replies.iter().map(|(from, _, _)| *from).collect();
    println!(
        "1000 cameras: bound in {start_time:?} (fleet says {:?}); {} replies, last after {last:?}",
        fleet.started_in(),
        replies.len()
    );
    assert_eq!(targets.len(), 1000);
    assert_eq!(sources.len(), 1000);
    assert!(
        start_time < Duration::from_secs(5),
        "start took {start_time:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_edge_cases_are_answered_and_logged() {
    let ip = Ipv4Addr::new(127, 68, 0, 10);
    let fleet = start(vec![camera(Profile::Pelco, ip, 68)]).await;
    let addr = http(&fleet, ip);
    let exchange = |raw: Vec<u8>| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&raw).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    };
    let get = exchange(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()).await;
    assert!(get.starts_with("HTTP/1.1 405 "), "{get}");
    let gdi = request("GetDeviceInformation", "");
    let other = format!(
        "POST /onvif/media_service HTTP/1.1\r\nContent-Length: {}\r\n\r\n{gdi}",
        gdi.len()
    );
    assert!(
        exchange(other.into_bytes())
            .await
            .starts_with("HTTP/1.1 404 ")
    );
    assert_eq!(
        exchange(b"\x16\x03\x01 not http\r\n\r\n".to_vec()).await,
        ""
    );
    // curl-style: the body follows only after 100 Continue.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /onvif/device_service HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        gdi.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut interim = [0u8; 25];
    tokio::time::timeout(Duration::from_secs(2), stream.read_exact(&mut interim))
        .await
        .expect("100 Continue before the body")
        .unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(gdi.as_bytes()).await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200 OK\r\nServer: ev-compat"));

    let log = fleet.log();
    assert!(
        log.iter()
            .any(|e| matches!(&e.request, Request::HttpInvalid { .. }))
    );
    let lines: Vec<String> = log
        .iter()
        .filter_map(|e| match &e.request {
            Request::Http {
                method,
                path,
                status,
                ..
            } => Some(format!("{method} {path} {status}")),
            _ => None,
        })
        .collect();
    assert_eq!(
        lines,
        [
            "GET / 405",
            "POST /onvif/media_service 404",
            "POST /onvif/device_service 200"
        ]
    );
}
