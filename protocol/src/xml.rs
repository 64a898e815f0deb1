//! Bounded, namespace-aware XML reading: untrusted bytes in, a small owned tree out.
//!
//! [`parse`] (or [`parse_with`] for other [`Limits`]) reads a whole document with
//! `quick_xml::NsReader` into a [`Document`]: a flat, pre-order list of elements, each with its
//! resolved namespace URI, local name, namespace declarations, direct text and (read on
//! demand) attributes.
//! Everything is bounded by [`Limits`] (input bytes, nesting depth, element count, text per
//! element); DTDs are refused (so no entity expansion can happen); a UTF-8 BOM and leading
//! whitespace are skipped; invalid UTF-8 is replaced with U+FFFD rather than rejected, because a
//! camera that puts a Latin-1 byte in its model name still told us the rest.
//!
//! Matching is always on (namespace URI, local name), never on prefixes:
//!
//! ```
//! use camaudit_protocol::{ns, xml};
//!
//! let doc = xml::parse(br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">
//!   <s:Body><m xmlns="urn:x" a="1">hi &amp; bye</m></s:Body></s:Envelope>"#).unwrap();
//! let body = doc.root().child(ns::SOAP12, "Body").unwrap();
//! let m = body.child("urn:x", "m").unwrap();
//! assert_eq!(m.text(), "hi & bye");
//! assert_eq!(m.attr("a").as_deref(), Some("1"));
//! assert_eq!(doc.root().descendant("urn:x", "m").map(|e| e.local_name()), Some("m"));
//! ```
//!
//! API in one glance:
//! - [`Document`]: [`root`](Document::root), [`elements`](Document::elements) (document order),
//!   [`namespaces`](Document::namespaces) (every declared URI, deduplicated).
//! - [`Element`] (a `Copy` handle): [`namespace`](Element::namespace),
//!   [`local_name`](Element::local_name), [`is`](Element::is), [`is_any`](Element::is_any),
//!   [`text`](Element::text), [`attr`](Element::attr), [`attr_ns`](Element::attr_ns),
//!   [`attributes`](Element::attributes), [`parent`](Element::parent),
//!   [`children`](Element::children), [`child`](Element::child),
//!   [`children_named`](Element::children_named), [`child_text`](Element::child_text),
//!   [`descendants`](Element::descendants), [`descendant`](Element::descendant),
//!   [`descendants_named`](Element::descendants_named), [`path`](Element::path),
//!   [`resolve_prefix`](Element::resolve_prefix), [`resolve_qname`](Element::resolve_qname).
//! - Value helpers: [`clean_value`] (trim, drop control characters, cap length),
//!   [`split_whitespace`] (XML whitespace only), [`strip_preamble`] (BOM and leading
//!   whitespace), [`declared_namespaces`] (tolerant scan for `xmlns` URIs, even in broken
//!   documents).
//!
//! Text is the concatenation of an element's direct character data (CDATA included, entity and
//! character references decoded, line ends normalised); whitespace-only runs that follow a child
//! element are formatting and are dropped. Element names whose prefix is not declared (document
//! fragments) get no namespace: they never match a URI, so callers see "element missing", not a
//! wrong value. Namespace URIs are compared as written (references in them are not expanded).
//! Besides [`Limits`], the reader refuses more than 128 namespace bindings in scope (a
//! [`Error::Syntax`]) and this module more than 256 distinct element namespaces and 20,000
//! declarations per document.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{PrefixDeclaration, ResolveResult};
use quick_xml::reader::NsReader;

/// Limits applied to every document.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Input size, checked before anything is read.
    pub max_bytes: usize,
    /// Open elements at once.
    pub max_depth: usize,
    /// Elements in the whole document.
    pub max_elements: usize,
    /// Bytes of direct text per element (after reference decoding).
    pub max_text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024,
            max_depth: 32,
            max_elements: 10_000,
            max_text: 16 * 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("document is {len} bytes, over the {max}-byte limit")]
    TooLarge { len: usize, max: usize },
    #[error("XML nesting deeper than {max}")]
    TooDeep { max: usize },
    #[error("more than {max} elements")]
    TooManyElements { max: usize },
    #[error("DTDs are not allowed")]
    Dtd,
    #[error("empty document")]
    Empty,
    #[error("XML syntax error at byte {position}: {message}")]
    Syntax { position: u64, message: String },
    #[error("text of element <{element}> is over the {max}-byte limit")]
    TextTooLong { element: String, max: usize },
    #[error("document ends inside {open} unclosed element(s)")]
    Truncated { open: usize },
    #[error("more than {max} distinct namespace URIs")]
    TooManyNamespaces { max: usize },
    #[error("more than {max} namespace declarations")]
    TooManyDeclarations { max: usize },
}

/// Most distinct element/attribute namespaces and declarations a document may carry (beyond
/// these, it is not something a camera legitimately sends).
const MAX_NAMESPACES: usize = 256;
const MAX_DECLARATIONS: usize = 20_000;

/// The namespace the `xml` prefix is bound to without a declaration (`xml:lang`).
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

/// Parses `input` with the default [`Limits`].
pub fn parse(input: &[u8]) -> Result<Document, Error> {
    parse_with(input, Limits::default())
}

/// Parses `input` with explicit limits.
pub fn parse_with(input: &[u8], limits: Limits) -> Result<Document, Error> {
    if input.len() > limits.max_bytes {
        return Err(Error::TooLarge {
            len: input.len(),
            max: limits.max_bytes,
        });
    }
    let text = decode_utf8(strip_preamble(input));
    if text.is_empty() {
        return Err(Error::Empty);
    }
    Builder::new(limits, text.len()).run(&text)
}

/// `input` without a leading UTF-8 BOM and leading XML whitespace.
pub fn strip_preamble(input: &[u8]) -> &[u8] {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let start = input
        .iter()
        .position(|b| !is_xml_space(*b))
        .unwrap_or(input.len());
    input.get(start..).unwrap_or_default()
}

/// Splits on XML whitespace (space, tab, CR, LF) only, skipping empty pieces.
pub fn split_whitespace(s: &str) -> SplitWhitespace<'_> {
    SplitWhitespace { rest: s }
}

/// Iterator of [`split_whitespace`].
#[derive(Clone, Debug)]
pub struct SplitWhitespace<'a> {
    rest: &'a str,
}

impl<'a> Iterator for SplitWhitespace<'a> {
    type Item = &'a str;

    // Byte-wise: the four separators are ASCII, and ASCII bytes never occur inside a multi-byte
    // UTF-8 sequence, so every cut lands on a char boundary.
    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.rest.as_bytes();
        let Some(start) = bytes.iter().position(|b| !is_xml_space(*b)) else {
            self.rest = "";
            return None;
        };
        let tail = bytes.get(start..).unwrap_or_default();
        let len = tail
            .iter()
            .position(|b| is_xml_space(*b))
            .unwrap_or(tail.len());
        let word = self.rest.get(start..start + len);
        self.rest = self.rest.get(start + len..).unwrap_or_default();
        word
    }
}

/// A value fit to store: trimmed, control characters removed, at most `max_chars` characters.
/// `None` when nothing is left.
pub fn clean_value(raw: &str, max_chars: usize) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    if !trimmed.chars().any(char::is_control) && trimmed.chars().nth(max_chars).is_none() {
        return Some(trimmed.to_owned());
    }
    let out: String = trimmed
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    let out = out.trim();
    if out.is_empty() {
        None
    } else {
        Some(out.to_owned())
    }
}

/// Namespace URIs declared by `xmlns` attributes, in document order, deduplicated, at most 256.
/// Tolerant by design (attribution wants whatever a broken reply declared): the scan stops
/// quietly at the first syntax error, DTD or limit and returns what it saw; input over
/// `limits.max_bytes` yields nothing.
pub fn declared_namespaces(input: &[u8], limits: Limits) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if input.len() > limits.max_bytes {
        return out;
    }
    let text = decode_utf8(strip_preamble(input));
    let mut reader = NsReader::from_str(&text);
    let (mut depth, mut elements) = (0usize, 0usize);
    loop {
        let start = match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                e
            }
            Ok(Event::Empty(e)) => e,
            Ok(Event::End(_)) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Ok(Event::DocType(_) | Event::Eof) | Err(_) => break,
            Ok(_) => continue,
        };
        elements += 1;
        if depth > limits.max_depth || elements > limits.max_elements {
            break;
        }
        for attr in start.attributes().flatten() {
            let key = attr.key.as_ref();
            if key != "xmlns" && !key.starts_with("xmlns:") {
                continue;
            }
            let Ok(uri) = attribute_value(&attr) else {
                continue;
            };
            let uri = uri.trim();
            if !uri.is_empty() && out.len() < MAX_NAMESPACES && !out.iter().any(|u| u == uri) {
                out.push(uri.to_owned());
            }
        }
    }
    out
}

/// An attribute value with references decoded and whitespace normalised (XML 1.0 section 3.3.3).
/// Most values need neither, and checking that first is far cheaper than normalising.
fn attribute_value<'a>(
    attr: &quick_xml::events::attributes::Attribute<'a>,
) -> Result<Cow<'a, str>, quick_xml::Error> {
    if !attr
        .value
        .bytes()
        .any(|b| matches!(b, b'&' | b'\t' | b'\r' | b'\n'))
    {
        return Ok(attr.value.clone());
    }
    attr.normalized_value(XmlVersion::Implicit1_0)
}

/// UTF-8 text of `input`, invalid sequences replaced. The strict check first: it is much faster
/// than the lossy decoder on the valid input cameras nearly always send.
fn decode_utf8(input: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(input) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(input),
    }
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A parsed, bounded document. Elements are stored in document (pre-)order.
#[derive(Clone, Debug)]
pub struct Document {
    elements: Vec<Node>,
    decls: Vec<Decl>,
    /// Interned namespace URIs of element and attribute names, in order of first use.
    namespaces: Vec<String>,
    /// Local names, prefixes, attribute values and text live here; nodes hold ranges.
    pool: String,
}

#[derive(Clone, Debug)]
struct Node {
    ns: Option<u32>,
    local: Range<u32>,
    text: Range<u32>,
    attrs: Range<u32>,
    decls: Range<u32>,
    parent: Option<u32>,
    /// Index one past this element's last descendant.
    end: u32,
}

/// One `xmlns` / `xmlns:prefix` declaration; an empty prefix range is the default namespace,
/// an empty URI range an undeclaration (`xmlns=""`). URIs live in the pool, so a document's
/// declarations cost at most its own size.
#[derive(Clone, Debug)]
struct Decl {
    prefix: Range<u32>,
    uri: Range<u32>,
}

impl Document {
    /// The root element (a document always has one).
    pub fn root(&self) -> Element<'_> {
        Element {
            doc: self,
            index: 0,
        }
    }

    /// Every element, in document order.
    pub fn elements(&self) -> impl Iterator<Item = Element<'_>> {
        (0..self.elements.len()).map(|index| Element { doc: self, index })
    }

    /// Every namespace URI declared by an `xmlns` attribute anywhere, deduplicated, in order
    /// (at most 256).
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = Vec::new();
        for decl in &self.decls {
            let uri = self.str(&decl.uri);
            if seen.len() >= MAX_NAMESPACES {
                break;
            }
            if !uri.is_empty() && !seen.contains(&uri) {
                seen.push(uri);
            }
        }
        seen.into_iter()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Always false: a document has a root.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    fn str(&self, range: &Range<u32>) -> &str {
        self.pool
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
    }

    fn namespace(&self, id: u32) -> Option<&str> {
        self.namespaces.get(id as usize).map(String::as_str)
    }

    fn node(&self, index: usize) -> Option<&Node> {
        self.elements.get(index)
    }
}

/// A handle on one element of a [`Document`].
#[derive(Clone, Copy)]
pub struct Element<'d> {
    doc: &'d Document,
    index: usize,
}

impl std::fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Element")
            .field("namespace", &self.namespace())
            .field("local_name", &self.local_name())
            .finish_non_exhaustive()
    }
}

/// One attribute of an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribute<'d> {
    /// Namespace URI for prefixed attributes; unprefixed attributes have none.
    pub namespace: Option<&'d str>,
    pub local_name: &'d str,
    /// Value with references decoded and whitespace normalised (borrowed unless either applied).
    pub value: Cow<'d, str>,
}

impl<'d> Element<'d> {
    fn node(self) -> Option<&'d Node> {
        self.doc.node(self.index)
    }

    /// Namespace URI, or `None` when the name is unqualified with no default namespace, or its
    /// prefix is undeclared.
    pub fn namespace(self) -> Option<&'d str> {
        self.node()
            .and_then(|n| n.ns)
            .and_then(|id| self.doc.namespace(id))
    }

    pub fn local_name(self) -> &'d str {
        self.node()
            .map(|n| self.doc.str(&n.local))
            .unwrap_or_default()
    }

    /// True when this element is `{ns}local`.
    pub fn is(self, ns: &str, local: &str) -> bool {
        self.local_name() == local && self.namespace() == Some(ns)
    }

    /// True when this element is `local` in any of `namespaces`.
    pub fn is_any(self, namespaces: &[&str], local: &str) -> bool {
        self.local_name() == local && self.namespace().is_some_and(|ns| namespaces.contains(&ns))
    }

    /// Direct character data, decoded and untrimmed (see the module doc).
    pub fn text(self) -> &'d str {
        self.node()
            .map(|n| self.doc.str(&n.text))
            .unwrap_or_default()
    }

    /// Value of the unprefixed attribute `local`.
    pub fn attr(self, local: &str) -> Option<Cow<'d, str>> {
        self.attributes()
            .find(|a| a.namespace.is_none() && a.local_name == local)
            .map(|a| a.value)
    }

    /// Value of the attribute `{ns}local`.
    pub fn attr_ns(self, ns: &str, local: &str) -> Option<Cow<'d, str>> {
        self.attributes()
            .find(|a| a.namespace == Some(ns) && a.local_name == local)
            .map(|a| a.value)
    }

    /// Attributes, `xmlns` declarations excluded, read from the tag on each call. A malformed
    /// attribute ends the list (the element's name and text are still good).
    pub fn attributes(self) -> impl Iterator<Item = Attribute<'d>> + 'd {
        let raw = self
            .node()
            .map(|n| self.doc.str(&n.attrs))
            .unwrap_or_default();
        let mut attributes = Attributes::new(raw, 0);
        attributes.with_checks(false);
        attributes.map_while(Result::ok).filter_map(move |attr| {
            let key = attr.key.into_inner();
            if key == "xmlns" || key.starts_with("xmlns:") {
                return None;
            }
            let (namespace, local_name) = match key.split_once(':') {
                Some((prefix, local)) => (self.resolve_prefix(Some(prefix)), local),
                None => (None, key),
            };
            let value = attribute_value(&attr).ok()?;
            Some(Attribute {
                namespace,
                local_name,
                value,
            })
        })
    }

    pub fn parent(self) -> Option<Self> {
        let parent = self.node()?.parent?;
        Some(Self {
            doc: self.doc,
            index: parent as usize,
        })
    }

    /// Child elements, in order.
    pub fn children(self) -> Children<'d> {
        let end = self.node().map_or(self.index, |n| n.end as usize);
        Children {
            doc: self.doc,
            next: self.index + 1,
            end,
        }
    }

    /// First child `{ns}local`.
    pub fn child(self, ns: &str, local: &str) -> Option<Self> {
        self.children().find(|c| c.is(ns, local))
    }

    /// Every child `{ns}local`.
    pub fn children_named<'a>(
        self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = Element<'d>> + 'a
    where
        'd: 'a,
    {
        self.children().filter(move |c| c.is(ns, local))
    }

    /// Text of the first child `{ns}local`.
    pub fn child_text(self, ns: &str, local: &str) -> Option<&'d str> {
        self.child(ns, local).map(|c| c.text())
    }

    /// Every element below this one, in document order.
    pub fn descendants(self) -> impl Iterator<Item = Element<'d>> + 'd {
        let doc = self.doc;
        let end = self.node().map_or(self.index, |n| n.end as usize);
        (self.index + 1..end).map(move |index| Element { doc, index })
    }

    /// First descendant `{ns}local` in document order.
    pub fn descendant(self, ns: &str, local: &str) -> Option<Self> {
        self.descendants().find(|d| d.is(ns, local))
    }

    /// Every descendant `{ns}local` in document order.
    pub fn descendants_named<'a>(
        self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = Element<'d>> + 'a
    where
        'd: 'a,
    {
        self.descendants().filter(move |d| d.is(ns, local))
    }

    /// Follows `steps` of `(ns, local)` children from this element.
    pub fn path(self, steps: &[(&str, &str)]) -> Option<Self> {
        steps
            .iter()
            .try_fold(self, |at, (ns, local)| at.child(ns, local))
    }

    /// The namespace URI `prefix` (`None` = default namespace) is bound to in this element's
    /// scope, by the nearest declaration on it or an ancestor.
    pub fn resolve_prefix(self, prefix: Option<&str>) -> Option<&'d str> {
        if prefix == Some("xml") {
            return Some(XML_NAMESPACE);
        }
        let want = prefix.unwrap_or_default();
        let doc = self.doc;
        let mut at = Some(self);
        while let Some(el) = at {
            let node = el.node()?;
            let decls = doc
                .decls
                .get(node.decls.start as usize..node.decls.end as usize);
            if let Some(d) = decls
                .unwrap_or_default()
                .iter()
                .find(|d| doc.str(&d.prefix) == want)
            {
                let uri = doc.str(&d.uri);
                return (!uri.is_empty()).then_some(uri);
            }
            at = el.parent();
        }
        None
    }

    /// Resolves a `prefix:local` (or `local`) written in text content, such as a WS-Discovery
    /// `Types` entry, against this element's in-scope declarations: `(namespace, local)`.
    pub fn resolve_qname<'q>(self, qname: &'q str) -> (Option<&'d str>, &'q str) {
        match qname.split_once(':') {
            Some((prefix, local)) => (self.resolve_prefix(Some(prefix)), local),
            None => (self.resolve_prefix(None), qname),
        }
    }
}

/// Iterator over an element's children.
#[derive(Clone, Debug)]
pub struct Children<'d> {
    doc: &'d Document,
    next: usize,
    end: usize,
}

impl<'d> Iterator for Children<'d> {
    type Item = Element<'d>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let el = Element {
            doc: self.doc,
            index: self.next,
        };
        // A child's `end` is always past itself; max() guards against a malformed tree looping.
        self.next = el
            .node()
            .map_or(self.end, |n| (n.end as usize).max(self.next + 1));
        Some(el)
    }
}

struct Builder {
    limits: Limits,
    doc: Document,
    /// Indices of the open elements, innermost last.
    stack: Vec<u32>,
    /// Most recently interned namespace id.
    last_ns: u32,
    /// Per open element: whether a default namespace is in scope.
    default_bound: Vec<bool>,
}

impl Builder {
    fn new(limits: Limits, input_len: usize) -> Self {
        let doc = Document {
            elements: Vec::with_capacity(64),
            decls: Vec::with_capacity(48),
            namespaces: Vec::new(),
            // Names, values and text are at most the input; declarations alone are most of it.
            pool: String::with_capacity(input_len),
        };
        Self {
            limits,
            doc,
            stack: Vec::with_capacity(limits.max_depth.min(64)),
            last_ns: 0,
            default_bound: Vec::with_capacity(limits.max_depth.min(64)),
        }
    }

    fn run(mut self, text: &str) -> Result<Document, Error> {
        let mut reader = NsReader::from_str(text);
        loop {
            let event = reader.read_event().map_err(|e| Error::Syntax {
                position: reader.error_position(),
                message: e.to_string(),
            })?;
            let position = reader.buffer_position();
            match event {
                Event::Start(e) => self.open(&e, &reader, position)?,
                Event::Empty(e) => {
                    self.open(&e, &reader, position)?;
                    self.close();
                }
                Event::End(_) => self.close(),
                Event::Text(t) if self.doc.elements.is_empty() => {
                    // Junk after the root is tolerated (some devices pad datagrams with NULs);
                    // junk before it means this is not XML at all.
                    if !t.bytes().all(is_xml_space) {
                        let message = "text before the root element".into();
                        return Err(Error::Syntax { position, message });
                    }
                }
                Event::Text(t) => self.text(&t.xml10_content())?,
                Event::CData(t) => self.text(&t.xml10_content())?,
                Event::GeneralRef(r) => {
                    let decoded = decode_reference(&r, position)?;
                    self.text(&decoded)?;
                }
                Event::DocType(_) => return Err(Error::Dtd),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !self.stack.is_empty() {
            return Err(Error::Truncated {
                open: self.stack.len(),
            });
        }
        if self.doc.elements.is_empty() {
            return Err(Error::Empty);
        }
        Ok(self.doc)
    }

    fn open(
        &mut self,
        start: &BytesStart<'_>,
        reader: &NsReader<&[u8]>,
        position: u64,
    ) -> Result<(), Error> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error::TooDeep {
                max: self.limits.max_depth,
            });
        }
        if self.doc.elements.len() >= self.limits.max_elements {
            return Err(Error::TooManyElements {
                max: self.limits.max_elements,
            });
        }
        if self.stack.is_empty() && !self.doc.elements.is_empty() {
            return Err(Error::Syntax {
                position,
                message: "second root element".into(),
            });
        }
        let ns = match reader.resolver().resolve_element(start.name()).0 {
            ResolveResult::Bound(ns) => Some(self.intern(ns.into_inner())?),
            ResolveResult::Unbound | ResolveResult::Unknown(_) => None,
        };
        let local = self.push_str(Some(start.local_name().into_inner()));
        let decls_start = self.doc.decls.len();
        self.declarations(start, reader)?;
        // Attributes are kept raw and read on demand: almost all of them are the namespace
        // declarations handled above, and parsing them twice was a quarter of the parse time.
        let attrs = self.push_str(Some(start.attributes_raw()));
        let index = to_u32(self.doc.elements.len());
        let text_at = to_u32(self.doc.pool.len());
        self.doc.elements.push(Node {
            ns,
            local,
            text: text_at..text_at,
            attrs,
            decls: to_u32(decls_start)..to_u32(self.doc.decls.len()),
            parent: self.stack.last().copied(),
            end: index + 1,
        });
        self.stack.push(index);
        Ok(())
    }

    fn close(&mut self) {
        self.default_bound.pop();
        let Some(index) = self.stack.pop() else {
            return;
        };
        let end = to_u32(self.doc.elements.len());
        if let Some(node) = self.doc.elements.get_mut(index as usize) {
            node.end = end;
        }
    }

    /// Records the `xmlns` declarations of the element just read, from the reader's resolver,
    /// which has parsed them already (parsing the attributes again cost a quarter of the parse).
    /// URIs are kept as written, as the resolver keeps them, so element names and
    /// [`Element::resolve_prefix`] agree.
    fn declarations(
        &mut self,
        start: &BytesStart<'_>,
        reader: &NsReader<&[u8]>,
    ) -> Result<(), Error> {
        let parent_default = self.default_bound.last().copied().unwrap_or(false);
        let raw = start.attributes_raw();
        let mut default_bound = parent_default;
        if !raw.is_empty() && raw.contains("xmlns") {
            let resolver = reader.resolver();
            for (prefix, uri) in resolver.bindings_of(resolver.level()) {
                let prefix = match prefix {
                    PrefixDeclaration::Default => {
                        default_bound = true;
                        ""
                    }
                    PrefixDeclaration::Named(prefix) => prefix,
                };
                self.declare(prefix, uri.into_inner())?;
            }
            // The resolver lists bound URIs only; an `xmlns=""` shows as a default gone unbound.
            if default_bound && resolver.resolve_prefix(None, true) == ResolveResult::Unbound {
                self.declare("", "")?;
                default_bound = false;
            }
        }
        self.default_bound.push(default_bound);
        Ok(())
    }

    fn declare(&mut self, prefix: &str, uri: &str) -> Result<(), Error> {
        let prefix = self.push_str(Some(prefix));
        let uri = self.push_str(Some(uri));
        if self.doc.decls.len() >= MAX_DECLARATIONS {
            return Err(Error::TooManyDeclarations {
                max: MAX_DECLARATIONS,
            });
        }
        self.doc.decls.push(Decl { prefix, uri });
        Ok(())
    }

    fn text(&mut self, chunk: &str) -> Result<(), Error> {
        let Some(&current) = self.stack.last() else {
            return Ok(());
        };
        let has_children = self.doc.elements.len() > current as usize + 1;
        if chunk.is_empty() || (has_children && chunk.bytes().all(is_xml_space)) {
            return Ok(());
        }
        let pool_len = self.doc.pool.len();
        let Some(node) = self.doc.elements.get(current as usize) else {
            return Ok(());
        };
        let old = node.text.clone();
        let new_len = (old.end - old.start) as usize + chunk.len();
        if new_len > self.limits.max_text {
            let element = self.doc.str(&node.local).chars().take(64).collect();
            return Err(Error::TextTooLong {
                element,
                max: self.limits.max_text,
            });
        }
        // Mixed content: the text is no longer at the end of the pool, so move it there. Each
        // copy is bounded by max_text and the whole pool by the check below.
        let start = if old.end as usize == pool_len {
            old.start
        } else {
            let moved = self.doc.str(&old).to_owned();
            let at = to_u32(self.doc.pool.len());
            self.doc.pool.push_str(&moved);
            at
        };
        self.doc.pool.push_str(chunk);
        if self.doc.pool.len() > self.limits.max_bytes.saturating_mul(4) {
            return Err(Error::TooLarge {
                len: self.doc.pool.len(),
                max: self.limits.max_bytes,
            });
        }
        let end = to_u32(self.doc.pool.len());
        if let Some(node) = self.doc.elements.get_mut(current as usize) {
            node.text = start..end;
        }
        Ok(())
    }

    fn intern(&mut self, uri: &str) -> Result<u32, Error> {
        // Neighbouring elements mostly share a namespace: try the last one first.
        if self
            .doc
            .namespaces
            .get(self.last_ns as usize)
            .is_some_and(|n| n == uri)
        {
            return Ok(self.last_ns);
        }
        if let Some(i) = self.doc.namespaces.iter().position(|n| n == uri) {
            self.last_ns = to_u32(i);
            return Ok(self.last_ns);
        }
        if self.doc.namespaces.len() >= MAX_NAMESPACES {
            return Err(Error::TooManyNamespaces {
                max: MAX_NAMESPACES,
            });
        }
        self.doc.namespaces.push(uri.to_owned());
        self.last_ns = to_u32(self.doc.namespaces.len() - 1);
        Ok(self.last_ns)
    }

    fn push_str(&mut self, s: Option<&str>) -> Range<u32> {
        let start = to_u32(self.doc.pool.len());
        self.doc.pool.push_str(s.unwrap_or_default());
        start..to_u32(self.doc.pool.len())
    }
}

/// Decodes `&name;` / `&#n;`. Only the five predefined entities exist (DTDs are refused).
fn decode_reference(
    r: &quick_xml::events::BytesRef<'_>,
    position: u64,
) -> Result<Cow<'static, str>, Error> {
    let syntax = |message: String| Error::Syntax { position, message };
    match r.resolve_char_ref() {
        Ok(Some(c)) => return Ok(Cow::Owned(c.to_string())),
        Ok(None) => {}
        Err(e) => return Err(syntax(e.to_string())),
    }
    let name = r.xml10_content();
    resolve_predefined_entity(&name)
        .map(Cow::Borrowed)
        .ok_or_else(|| {
            syntax(format!(
                "undefined entity &{};",
                name.chars().take(32).collect::<String>()
            ))
        })
}

/// Offsets fit in u32: documents are capped far below 4 GiB (the pool at 4 × `max_bytes`).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HIK_DEVINFO: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/hikvision-ds-2cd2012-i-getdeviceinformation.xml"
    ));
    const AXIS_PROBEMATCH: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/real/axis-m2025-le-probematch.xml"
    ));

    const DEVICE: &str = "http://www.onvif.org/ver10/device/wsdl";
    const SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";

    #[test]
    fn real_device_information_by_path() {
        let doc = parse(HIK_DEVINFO).unwrap();
        let resp = doc
            .root()
            .path(&[(SOAP, "Body"), (DEVICE, "GetDeviceInformationResponse")])
            .unwrap();
        assert_eq!(
            resp.child_text(DEVICE, "Manufacturer").map(str::trim),
            Some("HIKVISION")
        );
        assert!(doc.namespaces().any(|n| n == DEVICE));
    }

    #[test]
    fn real_probematch_resolves_types_qname() {
        let doc = parse(AXIS_PROBEMATCH).unwrap();
        let types = doc.elements().find(|e| e.local_name() == "Types").unwrap();
        let first = split_whitespace(types.text()).next().unwrap();
        let (ns, local) = types.resolve_qname(first);
        assert!(ns.is_some(), "Types prefix {first} must resolve");
        assert!(!local.contains(':'));
    }

    #[test]
    fn preamble_and_references() {
        let doc = parse(
            b"\xEF\xBB\xBF \r\n<?xml version=\"1.0\"?><a>x &lt;&#x41;&#66;&gt; <![CDATA[<c>]]></a>",
        )
        .unwrap();
        assert_eq!(doc.root().text(), "x <AB> <c>");
    }

    #[test]
    fn mixed_content_and_formatting_whitespace() {
        let doc = parse(b"<a>one<b>two</b>three<c/> \n </a>").unwrap();
        assert_eq!(doc.root().text(), "onethree");
        assert_eq!(
            doc.root().child_text("", "b"),
            None,
            "unqualified names have no namespace"
        );
        let names: Vec<_> = doc.root().children().map(|c| c.local_name()).collect();
        assert_eq!(names, ["b", "c"]);
    }

    #[test]
    fn prefix_scoping_and_undeclaration() {
        let doc = parse(
            br#"<r xmlns="urn:d" xmlns:p="urn:p"><p:a xmlns:p="urn:q"><b xmlns=""/></p:a><p:c/></r>"#,
        )
        .unwrap();
        let a = doc.root().children().next().unwrap();
        assert_eq!(a.namespace(), Some("urn:q"));
        let b = a.children().next().unwrap();
        assert_eq!(b.namespace(), None);
        assert_eq!(b.resolve_prefix(Some("p")), Some("urn:q"));
        assert_eq!(b.resolve_prefix(None), None);
        assert!(doc.root().child("urn:p", "c").is_some());
        let nss: Vec<_> = doc.namespaces().collect();
        assert_eq!(nss, ["urn:d", "urn:p", "urn:q"]);
    }

    #[test]
    fn attributes_resolved() {
        let doc = parse(br#"<a xmlns:x="urn:x" x:k="1" k="2&amp;3" xml:lang="en" t=" a&#x9;b "/>"#)
            .unwrap();
        let root = doc.root();
        assert_eq!(root.attr_ns("urn:x", "k").as_deref(), Some("1"));
        assert_eq!(root.attr("k").as_deref(), Some("2&3"));
        assert_eq!(root.attr_ns(XML_NAMESPACE, "lang").as_deref(), Some("en"));
        assert_eq!(root.attr("t").as_deref(), Some(" a\tb "));
        assert_eq!(root.attr("x"), None);
        assert_eq!(
            root.attributes().count(),
            4,
            "xmlns declarations are not attributes"
        );
    }

    #[test]
    fn declarations_the_resolver_hides() {
        // `xmlns=""` undeclares (the resolver does not list it); "xmlns" in a value is no
        // declaration; URIs stay as written (references unexpanded), for elements and prefixes.
        let doc = parse(
            br#"<r xmlns="urn:d" note="xmlns"><a xmlns="" xmlns:p="urn:p&amp;q"><p:b/></a></r>"#,
        )
        .unwrap();
        let a = doc.root().children().next().unwrap();
        assert_eq!(a.namespace(), None);
        assert_eq!(a.resolve_prefix(Some("p")), Some("urn:p&amp;q"));
        assert_eq!(doc.root().attr("note").as_deref(), Some("xmlns"));
        assert!(doc.root().descendant("urn:p&amp;q", "b").is_some());
    }

    #[test]
    fn limits_and_refusals() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        let many = format!("<r>{}</r>", "<e/>".repeat(50));
        let limits = Limits {
            max_elements: 10,
            ..Limits::default()
        };
        let d = Limits::default();
        let cases: Vec<(Vec<u8>, Limits, &str)> = vec![
            (deep.into_bytes(), d, "TooDeep { max: 32 }"),
            (many.into_bytes(), limits, "TooManyElements { max: 10 }"),
            (
                vec![b'<'; 300 * 1024],
                d,
                "TooLarge { len: 307200, max: 262144 }",
            ),
            (
                b"<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>".to_vec(),
                d,
                "Dtd",
            ),
            (b"<a>&x;</a>".to_vec(), d, "Syntax {"),
            (b" \t\n".to_vec(), d, "Empty"),
            (b"<a><b>".to_vec(), d, "Truncated { open: 2 }"),
            (b"<a></b>".to_vec(), d, "Syntax {"),
            (b"<a/><b/>".to_vec(), d, "Syntax {"),
            (b"junk<a/>".to_vec(), d, "Syntax {"),
            (
                format!("<a>{}</a>", "x".repeat(20_000)).into_bytes(),
                d,
                "TextTooLong {",
            ),
        ];
        for (input, limits, want) in cases {
            let err = parse_with(&input, limits).unwrap_err();
            let got = format!("{err:?}");
            assert!(
                got.starts_with(want),
                "{got} for {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }

    #[test]
    fn trailing_padding_after_root_is_tolerated() {
        let doc = parse(b"<a>x</a>\0\0\r\n").unwrap();
        assert_eq!(doc.root().text(), "x");
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let doc = parse(b"<a>Caf\xE9</a>").unwrap();
        assert_eq!(doc.root().text(), "Caf\u{FFFD}");
    }

    #[test]
    fn clean_value_table() {
        let cases = [
            ("  HIKVISION \r\n", 256, Some("HIKVISION")),
            ("a\u{0}b\u{7}c", 256, Some("abc")),
            (" \t ", 256, None),
            ("abcdef", 3, Some("abc")),
            ("\u{1}", 256, None),
        ];
        for (raw, max, want) in cases {
            assert_eq!(clean_value(raw, max).as_deref(), want, "{raw:?}");
        }
    }

    #[test]
    fn split_whitespace_only_xml_space() {
        let got: Vec<_> = split_whitespace("\n a\tb\r\n\u{a0}c ").collect();
        assert_eq!(got, ["a", "b", "\u{a0}c"]);
    }
}
