//! The byte layout of one queued message: what the broker must receive, exactly as it was
//! first built (so a re-send carries the same `msg_id`).

/// One message waiting for the broker's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub topic: String,
    pub payload: Vec<u8>,
    pub retain: bool,
    /// Set for coalescible state (a retained device record or status): only the latest
    /// message per key is kept.
    pub state_key: Option<String>,
}

impl Message {
    /// Bytes counted against the queue's bound.
    pub fn size(&self) -> u64 {
        (self.topic.len() + self.payload.len()) as u64
    }
}

const RETAIN: u8 = 0x01;
const STATE: u8 = 0x02;

/// Why stored bytes are not a message (a damaged queue file).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    #[error("queued record truncated at byte {at} of {len}")]
    Truncated { at: usize, len: usize },
    #[error("queued record has a topic or key that is not UTF-8")]
    NotUtf8,
    #[error("queued record field of {len} bytes exceeds 65535")]
    TooLong { len: usize },
}

/// `flags u8 | topic_len u16 BE | topic | [key_len u16 BE | key] | payload`
pub(crate) fn encode(m: &Message) -> Result<Vec<u8>, RecordError> {
    let mut out = Vec::with_capacity(m.payload.len() + m.topic.len() + 8);
    let mut flags = 0;
    if m.retain {
        flags |= RETAIN;
    }
    if m.state_key.is_some() {
        flags |= STATE;
    }
    out.push(flags);
    put_str(&mut out, &m.topic)?;
    if let Some(k) = &m.state_key {
        put_str(&mut out, k)?;
    }
    out.extend_from_slice(&m.payload);
    Ok(out)
}

pub(crate) fn decode(b: &[u8]) -> Result<Message, RecordError> {
    let mut r = Reader { b, at: 0 };
    let flags = r.take(1)?.first().copied().unwrap_or(0);
    let topic = r.string()?;
    let state_key = if flags & STATE != 0 {
        Some(r.string()?)
    } else {
        None
    };
    Ok(Message {
        topic,
        payload: r.rest().to_vec(),
        retain: flags & RETAIN != 0,
        state_key,
    })
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Result<(), RecordError> {
    let len = u16::try_from(s.len()).map_err(|_| RecordError::TooLong { len: s.len() })?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let end = self.at.checked_add(n).filter(|e| *e <= self.b.len());
        let Some(end) = end else {
            return Err(RecordError::Truncated {
                at: self.at,
                len: self.b.len(),
            });
        };
        let s = self.b.get(self.at..end).unwrap_or_default();
        self.at = end;
        Ok(s)
    }
    fn string(&mut self) -> Result<String, RecordError> {
        let l = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([
            l.first().copied().unwrap_or(0),
            l.get(1).copied().unwrap_or(0),
        ]));
        let s = self.take(len)?;
        String::from_utf8(s.to_vec()).map_err(|_| RecordError::NotUtf8)
    }
    fn rest(&self) -> &'a [u8] {
        self.b.get(self.at..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let cases = [
            Message {
                topic: "camaudit/v1/s/a/event/device-new".into(),
                payload: b"{\"x\":1}".to_vec(),
                retain: false,
                state_key: None,
            },
            Message {
                topic: "camaudit/v1/s/a/device/4419b6a1b2c3".into(),
                payload: Vec::new(),
                retain: true,
                state_key: Some("device/4419b6a1b2c3".into()),
            },
        ];
        for m in cases {
            let b = encode(&m).unwrap();
            assert_eq!(decode(&b).unwrap(), m);
            // Every strict prefix that cuts into the header fails cleanly.
            let header = 3 + m.topic.len() + m.state_key.as_ref().map_or(0, |k| 2 + k.len());
            for cut in 0..header {
                assert!(decode(&b[..cut]).is_err(), "prefix {cut} accepted");
            }
        }
        assert_eq!(decode(&[0, 0, 2, 0xff, 0xfe]), Err(RecordError::NotUtf8));
    }
}
