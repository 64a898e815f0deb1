//! Bounded decoder for `Transfer-Encoding: chunked` bodies (RFC 9112 section 7.1), fed bytes
//! as they arrive. Extensions and trailers are read, capped and discarded.

/// Longest chunk-size line (size, extensions, CRLF).
const MAX_SIZE_LINE: usize = 1024;
/// Most bytes and lines of trailer fields.
const MAX_TRAILER_BYTES: usize = 8 * 1024;
const MAX_TRAILER_LINES: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ChunkError {
    Malformed(&'static str),
    TooLarge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Size,
    Data { remaining: u64 },
    DataEnd,
    Trailer,
    Done,
}

#[derive(Debug)]
pub(super) struct ChunkedDecoder {
    state: State,
    /// The line being accumulated (size, end of data, or trailer).
    line: Vec<u8>,
    max_body: usize,
    trailer_bytes: usize,
    trailer_lines: usize,
}

impl ChunkedDecoder {
    pub(super) fn new(max_body: usize) -> Self {
        Self {
            state: State::Size,
            line: Vec::new(),
            max_body,
            trailer_bytes: 0,
            trailer_lines: 0,
        }
    }

    pub(super) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes `input`, appending chunk data to `body`. Bytes after the last chunk's trailer
    /// are ignored (the connection is closed after every exchange).
    pub(super) fn feed(&mut self, mut input: &[u8], body: &mut Vec<u8>) -> Result<(), ChunkError> {
        while !input.is_empty() {
            match self.state {
                State::Size => {
                    let Some(line) = self.take_line(&mut input, MAX_SIZE_LINE)? else {
                        break;
                    };
                    let size = parse_size(&line)?;
                    let total = u64::try_from(body.len())
                        .ok()
                        .and_then(|len| len.checked_add(size));
                    if total.is_none_or(|total| total > self.max_body as u64) {
                        return Err(ChunkError::TooLarge);
                    }
                    self.state = if size == 0 {
                        State::Trailer
                    } else {
                        State::Data { remaining: size }
                    };
                }
                State::Data { remaining } => {
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    let (data, rest) = input.split_at(n);
                    body.extend_from_slice(data);
                    input = rest;
                    let remaining = remaining - n as u64;
                    self.state = if remaining == 0 {
                        State::DataEnd
                    } else {
                        State::Data { remaining }
                    };
                }
                State::DataEnd => {
                    let Some(line) = self.take_line(&mut input, 0)? else {
                        break;
                    };
                    if !line.is_empty() {
                        return Err(ChunkError::Malformed("chunk data longer than its size"));
                    }
                    self.state = State::Size;
                }
                State::Trailer => {
                    let room = MAX_TRAILER_BYTES.saturating_sub(self.trailer_bytes);
                    let Some(line) = self.take_line(&mut input, room)? else {
                        break;
                    };
                    if line.is_empty() {
                        self.state = State::Done;
                        continue;
                    }
                    self.trailer_bytes += line.len() + 2;
                    self.trailer_lines += 1;
                    if self.trailer_lines > MAX_TRAILER_LINES {
                        return Err(ChunkError::Malformed("too many trailer fields"));
                    }
                }
                State::Done => break,
            }
        }
        Ok(())
    }

    /// Moves bytes from `input` into the pending line until LF: the line without CRLF (or a
    /// bare LF), or `None` if more input is needed. The line may hold at most `max` bytes.
    fn take_line(&mut self, input: &mut &[u8], max: usize) -> Result<Option<Vec<u8>>, ChunkError> {
        let (taken, found) = match input.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (input.len(), false),
        };
        let (head, rest) = input.split_at(taken);
        *input = rest;
        self.line.extend_from_slice(head);
        if self.line.len() > max.saturating_add(2) {
            return Err(ChunkError::Malformed(match self.state {
                State::Size => "chunk size line too long",
                State::Trailer => "trailer section too long",
                _ => "chunk data longer than its size",
            }));
        }
        if !found {
            return Ok(None);
        }
        let mut line = std::mem::take(&mut self.line);
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(Some(line))
    }
}

/// `chunk-size [ chunk-ext ]`: 1 to 16 hex digits; extensions are ignored.
fn parse_size(line: &[u8]) -> Result<u64, ChunkError> {
    let digits = line.split(|&b| b == b';').next().unwrap_or_default();
    let digits = digits.trim_ascii();
    if digits.is_empty() || digits.len() > 16 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(ChunkError::Malformed("bad chunk size"));
    }
    let text = std::str::from_utf8(digits).map_err(|_| ChunkError::Malformed("bad chunk size"))?;
    u64::from_str_radix(text, 16).map_err(|_| ChunkError::Malformed("bad chunk size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces of `step` bytes.
    fn decode(input: &[u8], step: usize, max_body: usize) -> (Result<Vec<u8>, ChunkError>, bool) {
        let mut decoder = ChunkedDecoder::new(max_body);
        let mut body = Vec::new();
        for piece in input.chunks(step) {
            if let Err(e) = decoder.feed(piece, &mut body) {
                return (Err(e), decoder.is_done());
            }
        }
        (Ok(body), decoder.is_done())
    }

    #[test]
    fn decodes_in_any_split() {
        let cases: [(&[u8], &[u8]); 5] = [
            (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
            (
                b"5;name=\"v\";x\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\n",
                b"hello0123456789",
            ),
            (b"3\nabc\n0\n\n", b"abc"),
            (b"0000000000000003\r\nabc\r\n0\r\n\r\ntrailing junk", b"abc"),
            (b"0\r\n\r\n", b""),
        ];
        for (input, expected) in cases {
            for step in [1, 2, 3, 7, input.len()] {
                let (body, done) = decode(input, step, 1024);
                assert_eq!(body.as_deref(), Ok(expected), "{input:?} step {step}");
                assert!(done, "{input:?} step {step}");
            }
        }
    }

    #[test]
    fn incomplete_is_not_done() {
        for input in [
            b"5\r\nhel".as_slice(),
            b"5\r\nhello\r\n",
            b"0\r\n",
            b"0\r\nX: 1\r\n",
        ] {
            let (body, done) = decode(input, 1, 1024);
            assert!(body.is_ok() && !done, "{input:?}");
        }
    }

    #[test]
    fn bad_and_oversized_input_is_rejected() {
        let long_ext = [b"1;".as_slice(), &[b'x'; 2000], b"\r\n"].concat();
        let long_trailer = [b"0\r\nX: ".as_slice(), &[b'x'; 9000], b"\r\n\r\n"].concat();
        let many_trailers = [b"0\r\n".as_slice(), &b"X: 1\r\n".repeat(65), b"\r\n"].concat();
        let cases: [(&[u8], usize, ChunkError); 10] = [
            (b"zz\r\n", 1024, ChunkError::Malformed("bad chunk size")),
            (b"\r\n", 1024, ChunkError::Malformed("bad chunk size")),
            (b"-1\r\n", 1024, ChunkError::Malformed("bad chunk size")),
            (
                b"fffffffffffffffff\r\n",
                1024,
                ChunkError::Malformed("bad chunk size"),
            ),
            (
                b"3\r\nabcd\r\n",
                1024,
                ChunkError::Malformed("chunk data longer than its size"),
            ),
            (
                &long_ext,
                1024,
                ChunkError::Malformed("chunk size line too long"),
            ),
            (
                &long_trailer,
                1024,
                ChunkError::Malformed("trailer section too long"),
            ),
            (
                &many_trailers,
                1024,
                ChunkError::Malformed("too many trailer fields"),
            ),
            (b"ffffffffffffffff\r\n", 1024, ChunkError::TooLarge),
            (b"400\r\n", 1023, ChunkError::TooLarge),
        ];
        for (input, max_body, expected) in cases {
            for step in [1, input.len()] {
                assert_eq!(
                    decode(input, step, max_body).0,
                    Err(expected.clone()),
                    "{input:?}"
                );
            }
        }
        // Many small chunks add up to the cap.
        let small = b"10\r\n0123456789abcdef\r\n".repeat(65);
        assert_eq!(decode(&small, 100, 1024).0, Err(ChunkError::TooLarge));
        assert_eq!(
            decode(&small[..small.len() - 22], 100, 1024)
                .0
                .map(|b| b.len()),
            Ok(1024)
        );
    }
}
