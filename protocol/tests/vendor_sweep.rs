//! Every vendor-discovery and identity-page parser against every real capture and a set of
//! hostile inputs: none may panic, whatever the bytes.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use camaudit_protocol::{dhip, dvrip, isapi, magicbox, mdns, sadp, ssdp, xiongmai};

type Parser = (&'static str, fn(&[u8]) -> bool);

/// Each parser, reporting whether it accepted the input.
const PARSERS: [Parser; 11] = [
    ("sadp::parse", |b| sadp::parse(b).is_ok()),
    ("dhip::parse", |b| dhip::parse(b).is_ok()),
    ("dhip::parse_body", |b| dhip::parse_body(b).is_ok()),
    ("dvrip::parse", |b| dvrip::parse(b).is_ok()),
    ("xiongmai::parse", |b| xiongmai::parse(b).is_ok()),
    ("xiongmai::parse_net_common", |b| {
        xiongmai::parse_net_common(b).is_ok()
    }),
    ("xiongmai::parse_system_info", |b| {
        xiongmai::parse_system_info(b).is_ok()
    }),
    ("ssdp::parse", |b| ssdp::parse(b).is_ok()),
    ("mdns::parse", |b| match mdns::parse(b) {
        Ok(mdns::Message::Response(r)) => {
            let _ = mdns::axis_devices(&r);
            true
        }
        Ok(_) => true,
        Err(_) => false,
    }),
    ("isapi::parse_device_info", |b| {
        isapi::parse_device_info(b).is_ok()
    }),
    ("magicbox::parse", |b| magicbox::parse(b).is_ok()),
];

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/real");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fixtures/real exists")
        .map(|e| {
            let path = e.expect("readable dir entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("readable fixture"))
        })
        .collect();
    out.sort();
    assert!(
        out.len() > 100,
        "expected the whole fixture set, found {}",
        out.len()
    );
    out
}

/// Deterministic junk (xorshift), so a failure reproduces.
fn junk(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed.to_le_bytes()[0]
        })
        .collect()
}

fn dhip_header(len: u32) -> Vec<u8> {
    let mut h = vec![0x20, 0, 0, 0, b'D', b'H', b'I', b'P'];
    h.extend_from_slice(&[0; 8]);
    h.extend_from_slice(&len.to_le_bytes());
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(&len.to_le_bytes());
    h.extend_from_slice(&[0; 4]);
    h
}

fn xiongmai_header(msg_id: u16, len: u32) -> Vec<u8> {
    let mut h = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    h.extend_from_slice(&msg_id.to_le_bytes());
    h.extend_from_slice(&len.to_le_bytes());
    h
}

/// Hostile and edge-case inputs derived from the fixtures plus hand-made ones.
fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("empty".to_owned(), Vec::new()),
        ("one byte 0x00".to_owned(), vec![0]),
        ("one byte 0xff".to_owned(), vec![0xff]),
        ("one byte 0xb3".to_owned(), vec![0xb3]),
        ("one byte <".to_owned(), b"<".to_vec()),
        (
            "64 KiB junk".to_owned(),
            junk(64 * 1024, 0x9e37_79b9_7f4a_7c15),
        ),
        ("64 KiB + 1 junk".to_owned(), junk(64 * 1024 + 1, 7)),
        ("64 KiB of {".to_owned(), vec![b'{'; 64 * 1024]),
        ("64 KiB of <a>".to_owned(), b"<a>".repeat(64 * 1024 / 3)),
        ("64 KiB of key=value".to_owned(), b"k=v\n".repeat(16 * 1024)),
        (
            "dhip header claiming 4 GB".to_owned(),
            dhip_header(u32::MAX),
        ),
        (
            "dhip 4 GB + junk".to_owned(),
            [dhip_header(u32::MAX), junk(100, 3)].concat(),
        ),
        (
            "xiongmai reply claiming 4 GB".to_owned(),
            xiongmai_header(1531, u32::MAX),
        ),
        (
            "xiongmai 4 GB + junk".to_owned(),
            [xiongmai_header(1531, u32::MAX), junk(100, 5)].concat(),
        ),
        ("dvrip reply claiming 255-byte block".to_owned(), {
            let mut d = vec![0u8; 120];
            d[0] = 0xb3;
            d[2] = 0xff;
            d
        }),
        ("mdns header claiming 65535 x4 entries".to_owned(), {
            let mut d = vec![0, 0, 0x84, 0];
            d.extend_from_slice(&[0xff; 8]);
            d
        }),
        (
            "mdns pointer loop".to_owned(),
            vec![0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12],
        ),
        (
            "json nested 100k".to_owned(),
            [dhip_header(200_000), b"[".repeat(200_000)].concat(),
        ),
    ];
    for (name, bytes) in fixtures() {
        let half = bytes.len() / 2;
        out.push((format!("{name} / first half"), bytes[..half].to_vec()));
        out.push((format!("{name} / second half"), bytes[half..].to_vec()));
        out.push((
            format!("{name} / in DHIP header"),
            [dhip_header(bytes.len() as u32), bytes.clone()].concat(),
        ));
        out.push((
            format!("{name} / in DHIP header claiming 4 GB"),
            [dhip_header(u32::MAX), bytes.clone()].concat(),
        ));
        out.push((
            format!("{name} / in Xiongmai 1531 header"),
            [xiongmai_header(1531, bytes.len() as u32), bytes.clone()].concat(),
        ));
        out.push((
            format!("{name} / in Xiongmai header claiming 4 GB"),
            [xiongmai_header(1531, u32::MAX), bytes.clone()].concat(),
        ));
        out.push((name, bytes));
    }
    // Every prefix of the small binary captures: each cut point is a distinct truncation.
    for (name, bytes) in fixtures().into_iter().filter(|(n, _)| n.ends_with(".bin")) {
        for n in 0..bytes.len() {
            out.push((format!("{name} / first {n} bytes"), bytes[..n].to_vec()));
        }
    }
    out
}

#[test]
fn no_parser_panics_on_any_input() {
    let inputs = inputs();
    let mut panics = Vec::new();
    for (input, bytes) in &inputs {
        for (parser, f) in PARSERS {
            if catch_unwind(AssertUnwindSafe(|| f(bytes))).is_err() {
                panics.push(format!("{parser} panicked on {input}"));
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics:\n{}",
        panics.len(),
        panics.join("\n")
    );
    assert!(
        inputs.len() > 700,
        "sweep shrank to {} inputs",
        inputs.len()
    );
}

#[test]
fn each_parser_accepts_its_own_captures_and_rejects_junk() {
    let accepted = |parser: &str, file: &str| {
        let (_, f) = PARSERS.iter().find(|(n, _)| *n == parser).unwrap();
        let (_, bytes) = fixtures().into_iter().find(|(n, _)| n == file).unwrap();
        f(&bytes)
    };
    let cases = [
        (
            "sadp::parse",
            "hikvision-ds-2cd2385g1-i-sadp-probematch.xml",
        ),
        ("sadp::parse", "ezviz-cs-c6tc-32wfr-sadp-probematch.xml"),
        ("dhip::parse", "anon-dahua-dhip-notifydevinfo-udp37810.bin"),
        (
            "dhip::parse_body",
            "intelbras-ss3530-mf-face-w-dhip-notifydevinfo.json",
        ),
        ("dvrip::parse", "anon-dahua-legacy-udp5050-reply.bin"),
        (
            "xiongmai::parse_net_common",
            "xiongmai-dvrip-udp34569-netcommon-search-reply.json",
        ),
        (
            "xiongmai::parse_system_info",
            "xiongmai-hi3516ev300-85h50ai-dvrip-systeminfo.json",
        ),
        ("mdns::parse", "anon-axis-mdns-axis-video-reply.bin"),
        (
            "isapi::parse_device_info",
            "hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml",
        ),
        (
            "isapi::parse_device_info",
            "lts-cmip7352w-isapi-deviceinfo-trimmed.xml",
        ),
        (
            "magicbox::parse",
            "lorex-nvr-dhi-nvr4108hs-8p-4ks2-magicbox-getsysteminfo.txt",
        ),
    ];
    for (parser, file) in cases {
        assert!(accepted(parser, file), "{parser} rejected {file}");
    }
    let noise = junk(64 * 1024, 42);
    for (parser, f) in PARSERS {
        assert!(!f(&noise), "{parser} accepted 64 KiB of junk");
    }
    // Cross-checks: a vendor parser does not take another vendor's capture.
    for (parser, file) in [
        (
            "sadp::parse",
            "hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml",
        ),
        (
            "isapi::parse_device_info",
            "hikvision-ds-2cd2385g1-i-sadp-probematch.xml",
        ),
        (
            "isapi::parse_device_info",
            "hikvision-ds-2cd2012-i-getdeviceinformation.xml",
        ),
        (
            "magicbox::parse",
            "hikvision-ds-2cd2386g2-iu-isapi-deviceinfo.xml",
        ),
        ("dvrip::parse", "anon-dahua-dhip-notifydevinfo-udp37810.bin"),
        ("ssdp::parse", "hikvision-fault-notauthorized-http400.http"),
    ] {
        assert!(!accepted(parser, file), "{parser} accepted {file}");
    }
}
