//! Parse throughput on real captures: the Hikvision ProbeMatches (40-namespace preamble) and
//! GetDeviceInformation replies. Target: > 50,000 parses/s each on one core.

use std::hint::black_box;

use camaudit_protocol::{onvif, wsdiscovery};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const PROBE_MATCHES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/real/hikvision-ds-2cd3955fwd-iws-probematch.xml"
));
const DEVICE_INFORMATION: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/real/hikvision-ds-2cd2012-i-getdeviceinformation.xml"
));

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("wsdiscovery_probematches_hikvision", |b| {
        b.iter(|| wsdiscovery::parse(black_box(PROBE_MATCHES)))
    });
    group.bench_function("wsdiscovery_probematches_hikvision_with_scopes", |b| {
        b.iter(|| {
            let message = wsdiscovery::parse(black_box(PROBE_MATCHES));
            if let Ok(wsdiscovery::Message::ProbeMatches { matches, .. }) = message {
                matches
                    .iter()
                    .map(|m| black_box(m.onvif_scopes()).profiles.len())
                    .sum()
            } else {
                0usize
            }
        })
    });
    group.bench_function("onvif_device_information_hikvision", |b| {
        b.iter(|| onvif::parse_device_information(black_box(DEVICE_INFORMATION)))
    });
    // Reference point on a shared machine: the bare reader over the same bytes, so the
    // figures above can be read as a ratio to it.
    group.bench_function("quick_xml_nsreader_baseline_probematches", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(PROBE_MATCHES)).unwrap_or_default();
            let mut reader = quick_xml::NsReader::from_str(text);
            let mut events = 0usize;
            while !matches!(
                reader.read_resolved_event(),
                Ok((_, quick_xml::events::Event::Eof)) | Err(_)
            ) {
                events += 1;
            }
            events
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
