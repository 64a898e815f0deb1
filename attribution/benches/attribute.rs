//! Attributes 10,000 varied device records and evaluates the policy for each.
//! Budget (issue 3): under 50 ms for the whole batch on one core.

use std::hint::black_box;

use camaudit_attribution::{Attributor, Observation, PolicySet, VendorReply};
use camaudit_protocol::mac::Mac;
use criterion::{Criterion, criterion_group, criterion_main};

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// Templates modelled on the real captures in protocol/fixtures/real.
fn templates() -> Vec<Observation> {
    let scopes = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    vec![
        Observation {
            mac: Mac::parse("44:19:b6:3e:ba:a1").ok(),
            manufacturer: s("HIKVISION"),
            model: s("DS-2DF7276-AEL"),
            firmware: s("V5.1.6 build 140401"),
            serial: s("DS-2DF7276-AEL20140613CCWR468714298B"),
            hardware_id: s("88"),
            scopes: scopes(&[
                "onvif://www.onvif.org/type/video_encoder",
                "onvif://www.onvif.org/name/HIKVISION%20DS-2DF7276-AEL",
                "onvif://www.onvif.org/hardware/DS-2DF7276-AEL",
                "onvif://www.onvif.org/location/city/hangzhou",
            ]),
            xaddrs: vec![
                "http://10.10.1.65/onvif/device_service".into(),
                "http://10.10.1.65/onvif/hik_ext".into(),
            ],
            namespaces: vec![
                "http://www.w3.org/2003/05/soap-envelope".into(),
                "http://www.onvif.org/ver10/schema".into(),
                "http://www.hikvision.com/2011/event/topics".into(),
                "http://www.onvifext.com/onvif/ext/ver10/wsdl".into(),
            ],
            http_servers: vec!["App-webs/".into()],
            ..Observation::default()
        },
        Observation {
            mac: Mac::parse("3c:8c:f8:a1:32:dc").ok(),
            manufacturer: s("TRENDnet"),
            model: s("TV-IP320PI"),
            firmware: s("V5.3.4 build 160830"),
            serial: s("TV-IP320PI20161206AAWR863642784"),
            hardware_id: s("88"),
            xaddrs: vec!["http://10.10.1.67/onvif/onvif_ext".into()],
            ..Observation::default()
        },
        Observation {
            scopes: scopes(&[
                "onvif://www.onvif.org/location/country/china",
                "onvif://www.onvif.org/name/Amcrest",
                "onvif://www.onvif.org/hardware/IP2M-841B",
                "onvif://www.onvif.org/Profile/Streaming",
                "onvif://www.onvif.org/type/Network_Video_Transmitter",
                "onvif://www.onvif.org/extension/unique_identifier",
            ]),
            xaddrs: vec!["http://192.168.1.235/onvif/device_service".into()],
            realms: vec!["Login to 2J01018PAA00813".into()],
            ..Observation::default()
        },
        Observation {
            mac: Mac::parse("b4:4c:3b:f4:e3:01").ok(),
            firmware: s("2.000.00IB004.0.R"),
            vendor: vec![VendorReply::Dhip {
                vendor: s("Intelbras"),
                device_type: s("SS 3530 MF FACE W"),
                serial: None,
            }],
            ..Observation::default()
        },
        Observation {
            mac: Mac::parse("00:40:8C:FA:B7:54").ok(),
            manufacturer: s("AXIS"),
            model: s("AXIS Q6045-E"),
            firmware: s("5.55.1.2"),
            serial: s("00408CFAB754"),
            hardware_id: s("1C9.2"),
            namespaces: vec!["http://www.axis.com/vapix/ws/action1".into()],
            ..Observation::default()
        },
        Observation {
            manufacturer: s("SUNBA"),
            model: s("Performance-Series"),
            firmware: s("QIPC-B2202.3.73.C06290.NB.230628"),
            serial: s("210231T2H63235000045"),
            xaddrs: vec!["http://162.191.54.181:80/onvif/plus".into()],
            ..Observation::default()
        },
        Observation {
            mac: Mac::parse("54-c4-15-9a-38-74").ok(),
            serial: s("CS-C6TC-32WFR0120170327CCCH738231995"),
            vendor: vec![VendorReply::Sadp {
                model: s("CS-C6TC-32WFR"),
                serial: None,
                oem_info: None,
            }],
            ..Observation::default()
        },
        Observation {
            manufacturer: s("VIVOTEK"),
            model: s("IB9381"),
            ..Observation::default()
        },
        Observation {
            mac: Mac::parse("78:a5:dd:0f:95:93").ok(),
            manufacturer: s("IPCAM"),
            model: s("631GA"),
            ..Observation::default()
        },
        Observation {
            manufacturer: s("H264"),
            model: s("XM530_50X50-WG_8M"),
            firmware: s("V5.00.R02.L5330747.10010.349917..ONVIF 16.12"),
            serial: s("f0d2d8a9c5380a0f"),
            ..Observation::default()
        },
    ]
}

/// 10,000 records: the templates with distinct MAC tails.
fn batch() -> Vec<Observation> {
    let t = templates();
    (0..10_000u32)
        .map(|i| {
            let mut o = t[(i as usize) % t.len()].clone();
            if let Some(m) = o.mac.as_mut() {
                m.0[4] = (i >> 8) as u8;
                m.0[5] = i as u8;
            }
            o
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let records = batch();
    let attributor = Attributor::new();
    let policy = PolicySet::builtin();
    c.bench_function("attribute+policy 10k records", |b| {
        b.iter(|| {
            let mut restricted = 0usize;
            for o in &records {
                let a = attributor.attribute(black_box(o));
                restricted += usize::from(policy.evaluate(&a).restricted);
            }
            black_box(restricted)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
