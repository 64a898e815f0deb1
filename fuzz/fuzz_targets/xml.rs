//! The bounded XML reader: never panics, the tree respects the default limits, and every
//! accessor works on whatever tree it built.
#![no_main]

use camaudit_protocol::xml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = xml::Limits::default();
    let namespaces = xml::declared_namespaces(data, limits);
    assert!(namespaces.len() <= 256);
    let Ok(doc) = xml::parse(data) else {
        return;
    };
    assert!(!doc.is_empty() && doc.len() <= limits.max_elements);
    let root = doc.root();
    assert!(root.parent().is_none());
    for el in doc.elements() {
        let mut depth = 1usize;
        let mut up = el;
        while let Some(p) = up.parent() {
            depth += 1;
            up = p;
        }
        assert!(depth <= limits.max_depth, "depth {depth}");
        assert!(el.text().len() <= limits.max_text);
        let _ = el.namespace();
        let _ = el.resolve_prefix(None);
        for a in el.attributes() {
            if a.namespace.is_none() {
                assert!(el.attr(a.local_name).is_some(), "{:?}", a.local_name);
            } else {
                let _ = el.attr_ns(a.namespace.unwrap_or_default(), a.local_name);
            }
        }
        let (_, local) = el.resolve_qname(el.text());
        assert!(local.len() <= el.text().len());
        let _ = xml::clean_value(el.text(), 64).map(|v| assert!(v.chars().count() <= 64));
        let _ = xml::split_whitespace(el.text()).count();
    }
    let _ = root.descendants().count();
    let _ = doc.namespaces().count();
});
