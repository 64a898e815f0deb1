//! A tiny anchored matcher for model, firmware and serial formats (no regex engine needed).

/// A position in an ASCII byte string; every step returns `None` when the input does not fit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> P<'a> {
    pub(crate) fn new(s: &'a [u8]) -> Self {
        Self { s, i: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// The literal `lit`, compared byte for byte.
    pub(crate) fn lit(self, lit: &[u8]) -> Option<Self> {
        let end = self.i.checked_add(lit.len())?;
        (self.s.get(self.i..end)? == lit).then_some(Self { i: end, ..self })
    }

    /// One byte out of `set`.
    pub(crate) fn one_of(self, set: &[u8]) -> Option<Self> {
        let b = self.peek()?;
        set.contains(&b).then_some(Self {
            i: self.i + 1,
            ..self
        })
    }

    /// One of the literals in `lits` (the first that fits).
    pub(crate) fn any(self, lits: &[&[u8]]) -> Option<Self> {
        lits.iter().find_map(|l| self.lit(l))
    }

    fn run(self, min: usize, max: usize, f: impl Fn(u8) -> bool) -> Option<Self> {
        let mut n = 0;
        while n < max && self.s.get(self.i + n).is_some_and(|&b| f(b)) {
            n += 1;
        }
        (n >= min).then_some(Self {
            i: self.i + n,
            ..self
        })
    }

    pub(crate) fn digits(self, min: usize, max: usize) -> Option<Self> {
        self.run(min, max, |b| b.is_ascii_digit())
    }

    pub(crate) fn upper(self, min: usize, max: usize) -> Option<Self> {
        self.run(min, max, |b| b.is_ascii_uppercase())
    }

    pub(crate) fn alnum(self, min: usize, max: usize) -> Option<Self> {
        self.run(min, max, |b| b.is_ascii_alphanumeric())
    }

    pub(crate) fn hex(self, min: usize, max: usize) -> Option<Self> {
        self.run(min, max, |b| b.is_ascii_hexdigit())
    }

    /// `set` bytes, between `min` and `max` of them.
    pub(crate) fn many_of(self, set: &[u8], min: usize, max: usize) -> Option<Self> {
        self.run(min, max, |b| set.contains(&b))
    }

    /// Optionally `f`; never fails.
    pub(crate) fn opt(self, f: impl Fn(Self) -> Option<Self>) -> Self {
        f(self).unwrap_or(self)
    }

    /// Only at the end of the input.
    pub(crate) fn end(self) -> Option<Self> {
        (self.i == self.s.len()).then_some(self)
    }

    /// At the end, or before one of `set`.
    pub(crate) fn end_or(self, set: &[u8]) -> Option<Self> {
        match self.peek() {
            None => Some(self),
            Some(b) if set.contains(&b) => Some(self),
            Some(_) => None,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.i
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.s.get(self.i..).unwrap_or_default()
    }
}

/// ASCII upper-case copy of at most `N` leading bytes, on the stack.
pub(crate) struct Upper<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Upper<N> {
    pub(crate) fn new(s: &str) -> Self {
        let mut buf = [0u8; N];
        let bytes = s.trim().as_bytes();
        let len = bytes.len().min(N);
        for (d, s) in buf.iter_mut().zip(bytes) {
            *d = s.to_ascii_uppercase();
        }
        Self { buf, len }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_fail_instead_of_panicking() {
        let p = P::new(b"DS-2CD");
        assert!(p.lit(b"DS-").and_then(|p| p.one_of(b"2")).is_some());
        assert!(p.lit(b"DS-2CD2").is_none());
        assert!(p.digits(1, 3).is_none());
        assert_eq!(P::new(b"12345x").digits(2, 4).map(|p| p.pos()), Some(4));
        assert!(P::new(b"").end().is_some());
        assert!(P::new(b"a").end_or(b"-").is_none());
        assert!(P::new(b"-").end_or(b"-").is_some());
        assert_eq!(P::new(b"ab").opt(|p| p.lit(b"x")).pos(), 0);
    }

    #[test]
    fn upper_copies_and_truncates() {
        let u = Upper::<4>::new("  ds-2cd ");
        assert_eq!(u.bytes(), b"DS-2");
        assert_eq!(Upper::<8>::new("").bytes(), b"");
    }
}
