//! Bounded, namespace-aware XML reading over `quick_xml::NsReader`.
//! CONTRACT STUB: being implemented.

/// Limits applied to every document.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_depth: usize,
    pub max_elements: usize,
    pub max_text: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 256 * 1024, max_depth: 32, max_elements: 10_000, max_text: 16 * 1024 }
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
}
