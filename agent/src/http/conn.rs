//! One HTTP exchange on its own TCP connection: connect, write, read the head and the body,
//! every step under the idle timeout and the total deadline.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use super::chunked::{ChunkError, ChunkedDecoder};
use super::head::{self, Framing, Head, HeadError};
use super::{HttpError, Limits, Request, Response, Stage};

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 8 * 1024;
/// Interim (1xx) responses tolerated before the final one.
const MAX_INTERIM: usize = 4;

pub(super) async fn exchange(req: &Request<'_>, limits: &Limits) -> Result<Response, HttpError> {
    let request = head::encode_request(req).map_err(|field| HttpError::InvalidRequest { field })?;
    let budget = Budget::new(req.addr, limits);
    let stream = budget.connect(limits.connect_timeout).await?;
    let mut conn = Conn {
        stream,
        budget,
        scratch: vec![0; READ_CHUNK],
    };
    conn.write_all(&request).await?;
    let (head, leftover) = conn.read_head(limits).await?;
    let body = conn.read_body(&head, leftover, limits).await?;
    Ok(Response {
        status: head.status,
        headers: head.headers,
        body,
    })
}

/// Where the exchange goes, and the time it may take.
#[derive(Clone, Copy)]
struct Budget {
    addr: SocketAddr,
    deadline: Instant,
    idle: Duration,
}

impl Budget {
    fn new(addr: SocketAddr, limits: &Limits) -> Self {
        Self {
            addr,
            deadline: after(limits.total_timeout),
            idle: limits.idle_timeout,
        }
    }

    async fn connect(self, connect_timeout: Duration) -> Result<TcpStream, HttpError> {
        let limit = after(connect_timeout).min(self.deadline);
        match timeout_at(limit, TcpStream::connect(self.addr)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(source)) => Err(HttpError::Connect {
                addr: self.addr,
                source,
            }),
            Err(_) if limit == self.deadline => Err(HttpError::Timeout {
                addr: self.addr,
                stage: Stage::Connect,
            }),
            Err(_) => Err(HttpError::ConnectTimeout { addr: self.addr }),
        }
    }

    /// Runs one I/O step, bounded by the idle timeout and the total deadline.
    async fn step<T>(
        self,
        stage: Stage,
        io: impl Future<Output = io::Result<T>>,
    ) -> Result<T, HttpError> {
        let idle_limit = after(self.idle);
        let limit = idle_limit.min(self.deadline);
        match timeout_at(limit, io).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(HttpError::Io {
                addr: self.addr,
                stage,
                source,
            }),
            Err(_) if limit == self.deadline => Err(HttpError::Timeout {
                addr: self.addr,
                stage,
            }),
            Err(_) => Err(HttpError::Idle {
                addr: self.addr,
                stage,
            }),
        }
    }
}

/// `now + duration`, saturating far in the future for absurd durations.
fn after(duration: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

struct Conn {
    stream: TcpStream,
    budget: Budget,
    scratch: Vec<u8>,
}

impl Conn {
    async fn write_all(&mut self, bytes: &[u8]) -> Result<(), HttpError> {
        self.budget
            .step(Stage::Write, self.stream.write_all(bytes))
            .await
    }

    /// Reads up to `want` bytes into `out`; 0 means the peer closed.
    async fn read_into(
        &mut self,
        out: &mut Vec<u8>,
        want: usize,
        stage: Stage,
    ) -> Result<usize, HttpError> {
        let want = want.clamp(1, self.scratch.len());
        let scratch = self.scratch.get_mut(..want).unwrap_or_default();
        let n = self.budget.step(stage, self.stream.read(scratch)).await?;
        out.extend_from_slice(scratch.get(..n).unwrap_or_default());
        Ok(n)
    }

    /// Reads until a final (non-1xx) head is complete. Returns it and the bytes after it.
    async fn read_head(&mut self, limits: &Limits) -> Result<(Head, Vec<u8>), HttpError> {
        let addr = self.budget.addr;
        let mut buf = Vec::with_capacity(READ_CHUNK.min(limits.max_head));
        let mut interim = 0;
        // Parsing waits for a blank line, so a peer sending one byte per segment costs one
        // scan of the new bytes per read, not one parse of the whole buffer.
        let mut scanned = 0;
        loop {
            if has_blank_line(&buf, scanned) {
                let parsed = head::parse_head(&buf, limits.max_headers)
                    .map_err(|e| head_error(addr, limits, e))?;
                if let Some((head, len)) = parsed {
                    buf.drain(..len.min(buf.len()));
                    scanned = 0;
                    if !head.is_interim() {
                        return Ok((head, buf));
                    }
                    interim += 1;
                    if interim > MAX_INTERIM {
                        let reason = "too many 1xx responses".into();
                        return Err(HttpError::BadHead { addr, reason });
                    }
                    continue;
                }
            }
            scanned = buf.len();
            let room = limits.max_head.saturating_sub(buf.len());
            if room == 0 {
                return Err(HttpError::HeadTooLarge {
                    addr,
                    max: limits.max_head,
                });
            }
            if self.read_into(&mut buf, room, Stage::Head).await? == 0 {
                return Err(HttpError::Truncated {
                    addr,
                    stage: Stage::Head,
                });
            }
        }
    }

    async fn read_body(
        &mut self,
        head: &Head,
        leftover: Vec<u8>,
        limits: &Limits,
    ) -> Result<Vec<u8>, HttpError> {
        let addr = self.budget.addr;
        let framing = head.framing().map_err(|e| head_error(addr, limits, e))?;
        let too_large = HttpError::BodyTooLarge {
            addr,
            max: limits.max_body,
        };
        match framing {
            Framing::None => Ok(Vec::new()),
            Framing::Length(len) => {
                let len = usize::try_from(len)
                    .ok()
                    .filter(|&l| l <= limits.max_body)
                    .ok_or(too_large)?;
                self.read_length(leftover, len).await
            }
            Framing::UntilClose => self.read_until_close(leftover, limits.max_body).await,
            Framing::Chunked => self.read_chunked(&leftover, limits.max_body).await,
        }
    }

    async fn read_length(&mut self, mut body: Vec<u8>, len: usize) -> Result<Vec<u8>, HttpError> {
        body.truncate(len);
        while body.len() < len {
            let want = len - body.len();
            if self.read_into(&mut body, want, Stage::Body).await? == 0 {
                return Err(HttpError::Truncated {
                    addr: self.budget.addr,
                    stage: Stage::Body,
                });
            }
        }
        Ok(body)
    }

    async fn read_until_close(
        &mut self,
        mut body: Vec<u8>,
        max: usize,
    ) -> Result<Vec<u8>, HttpError> {
        loop {
            if body.len() > max {
                return Err(HttpError::BodyTooLarge {
                    addr: self.budget.addr,
                    max,
                });
            }
            // Ask for one byte past the cap, so a body of exactly `max` bytes still fits.
            let want = (max + 1).saturating_sub(body.len());
            if self.read_into(&mut body, want, Stage::Body).await? == 0 {
                return Ok(body);
            }
        }
    }

    async fn read_chunked(&mut self, leftover: &[u8], max: usize) -> Result<Vec<u8>, HttpError> {
        let addr = self.budget.addr;
        let mut decoder = ChunkedDecoder::new(max);
        let mut body = Vec::new();
        let mut input = leftover.to_vec();
        loop {
            decoder.feed(&input, &mut body).map_err(|e| match e {
                ChunkError::TooLarge => HttpError::BodyTooLarge { addr, max },
                ChunkError::Malformed(reason) => HttpError::BadChunk { addr, reason },
            })?;
            if decoder.is_done() {
                return Ok(body);
            }
            input.clear();
            if self.read_into(&mut input, READ_CHUNK, Stage::Body).await? == 0 {
                return Err(HttpError::Truncated {
                    addr,
                    stage: Stage::Body,
                });
            }
        }
    }
}

/// True if `buf` holds an empty line (LF LF or LF CR LF) ending after `from`.
fn has_blank_line(buf: &[u8], from: usize) -> bool {
    let start = from.saturating_sub(2);
    let tail = buf.get(start..).unwrap_or_default();
    tail.windows(2).any(|w| w == b"\n\n") || tail.windows(3).any(|w| w == b"\n\r\n")
}

fn head_error(addr: SocketAddr, limits: &Limits, error: HeadError) -> HttpError {
    match error {
        HeadError::TooManyHeaders => HttpError::TooManyHeaders {
            addr,
            max: limits.max_headers,
        },
        HeadError::Malformed(reason) => HttpError::BadHead { addr, reason },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_line_detection_spans_reads() {
        let head = b"HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody";
        let end = head.len() - 4;
        for from in 0..end {
            assert!(has_blank_line(&head[..end], from), "from {from}");
        }
        assert!(has_blank_line(b"HTTP/1.0 200 OK\n\n", 16));
        assert!(!has_blank_line(b"HTTP/1.1 200 OK\r\nA: b\r\n", 0));
        assert!(!has_blank_line(b"\r\n\r\nHTTP/1.1 200 OK\r\n", 10));
        assert!(!has_blank_line(b"", 0));
    }
}
