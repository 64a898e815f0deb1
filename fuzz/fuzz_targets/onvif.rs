//! Every ONVIF device-service response parser, `parse_fault` and `declared_namespaces`: never
//! panics, values and lists stay within their caps. They share the envelope code, so one corpus
//! (the real replies) serves them all; the input length picks the parser (so the committed seeds
//! stay byte-for-byte captures and each parser gets a share of the executions).
#![no_main]

use camaudit_protocol::onvif::{self, Fault, MAX_FIELD_CHARS, MAX_LIST, MAX_SCOPES, Response};
use libfuzzer_sys::fuzz_target;

fn field(v: &Option<String>) {
    if let Some(v) = v {
        assert!(
            v.chars().count() <= MAX_FIELD_CHARS,
            "{} chars",
            v.chars().count()
        );
        assert!(!v.is_empty());
        assert!(!v.chars().any(char::is_control), "{v:?}");
    }
}

fn uri(v: &str) {
    assert!(v.chars().count() <= onvif::MAX_URI_CHARS);
    assert!(!v.chars().any(char::is_control), "{v:?}");
}

fn fault(f: &Fault) {
    assert!(f.code.chars().count() <= MAX_FIELD_CHARS);
    assert!(f.subcodes.len() <= 8);
    field(&f.reason);
    let _ = f.is_not_authorized();
}

fn body<T>(r: Result<Response<T>, onvif::Error>, check: impl FnOnce(&T)) {
    match r {
        Ok(Response::Body(t)) => check(&t),
        Ok(Response::Fault(f)) => fault(&f),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match data.len() % 8 {
        0 => body(onvif::parse_device_information(data), |i| {
            for v in [
                &i.manufacturer,
                &i.model,
                &i.firmware_version,
                &i.serial_number,
                &i.hardware_id,
            ] {
                field(v);
            }
        }),
        1 => body(onvif::parse_system_date_and_time(data), |t| {
            field(&t.date_time_type);
            field(&t.time_zone);
            for dt in [&t.utc, &t.local].into_iter().flatten() {
                let _ = dt.unix_seconds();
            }
        }),
        2 => body(onvif::parse_network_interfaces(data), |n| {
            assert!(n.interfaces.len() <= MAX_LIST);
            for i in &n.interfaces {
                field(&i.token);
                field(&i.name);
                field(&i.hw_address);
                assert!(i.ipv4.len() <= 16);
            }
        }),
        3 => body(onvif::parse_scopes(data), |s| {
            assert!(s.items.len() <= MAX_SCOPES);
            s.items.iter().for_each(|x| uri(x));
        }),
        4 => body(onvif::parse_hostname(data), |h| field(&h.name)),
        5 => body(onvif::parse_capabilities(data), |c| {
            assert!(c.xaddrs.len() <= MAX_LIST);
            for (category, x) in &c.xaddrs {
                assert!(category.chars().count() <= MAX_FIELD_CHARS);
                uri(x);
            }
        }),
        6 => body(onvif::parse_services(data), |s| {
            assert!(s.services.len() <= MAX_LIST);
            for svc in &s.services {
                uri(&svc.namespace);
                uri(&svc.xaddr);
                field(&svc.version);
            }
        }),
        _ => {
            if let Ok(Some(f)) = onvif::parse_fault(data) {
                fault(&f);
            }
            let namespaces = onvif::declared_namespaces(data);
            assert!(namespaces.len() <= 256);
        }
    }
});
