//! What crosses: chunks prepared before the clock starts, and a check cheap enough that the
//! stream's time is the transport's (the child also times its checking, which is printed).

use std::time::{Duration, Instant};

/// Distinct chunk contents the sender cycles through; each chunk also carries its number.
const SOURCES: usize = 4;

/// The sender's chunks, filled once, before any timing.
pub struct Source {
    bufs: Vec<Vec<u8>>,
}

impl Source {
    pub fn new(chunk: usize) -> Source {
        let bufs = (0..SOURCES)
            .map(|k| {
                let mut buf = vec![0; chunk];
                fill(&mut buf, k);
                buf
            })
            .collect();
        Source { bufs }
    }

    /// Chunk number `c`: one of the prepared buffers, with `c` written into its first 8
    /// bytes, so that a lost, repeated or reordered chunk changes the checksum.
    pub fn chunk(&mut self, c: usize) -> &[u8] {
        let buf = &mut self.bufs[c % SOURCES];
        buf[..8].copy_from_slice(&(c as u64).to_le_bytes());
        buf
    }

    /// What the receiver's checksum must be after `chunks` chunks (computed untimed).
    pub fn expected(&mut self, chunks: usize) -> u64 {
        (0..chunks).fold(0, |sum, c| combine(sum, self.chunk(c)))
    }

    /// Memory the sender holds for them.
    pub fn bytes(chunk: usize) -> usize {
        SOURCES * chunk
    }
}

/// Bytes that differ per buffer and within it.
pub fn fill(buf: &mut [u8], seed: usize) {
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i.wrapping_mul(31) ^ seed.wrapping_mul(7919)) as u8;
    }
}

/// The receiver's check: the chunk's 8-byte words summed, folded in order into `sum`. One
/// add per 8 bytes, where a byte-at-a-time hash would cost more than the transport itself.
pub fn combine(sum: u64, chunk: &[u8]) -> u64 {
    let words = chunk
        .chunks_exact(8)
        .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
        .fold(0u64, u64::wrapping_add);
    sum.rotate_left(7) ^ words
}

/// The receiver's side: the checksum so far and the time spent computing it.
pub struct Check {
    pub sum: u64,
    pub spent: Duration,
}

impl Check {
    pub fn new() -> Check {
        Check {
            sum: 0,
            spent: Duration::ZERO,
        }
    }

    pub fn add(&mut self, chunk: &[u8]) {
        let t = Instant::now();
        self.sum = combine(self.sum, chunk);
        self.spent += t.elapsed();
    }

    /// The reply that ends a stream: the checksum and the nanoseconds spent on it.
    pub fn reply(&self) -> [u8; 16] {
        let mut out = [0; 16];
        out[..8].copy_from_slice(&self.sum.to_le_bytes());
        out[8..].copy_from_slice(&(self.spent.as_nanos() as u64).to_le_bytes());
        out
    }
}

/// The parent reads the reply back: (checksum, the child's time checking).
pub fn parse_reply(reply: [u8; 16]) -> (u64, Duration) {
    let word = |i: usize| u64::from_le_bytes(reply[i..i + 8].try_into().unwrap_or([0; 8]));
    (word(0), Duration::from_nanos(word(8)))
}

/// What one transport measured.
pub struct Figures {
    pub round_trips: Vec<Duration>,
    /// From the first chunk sent to the child's reply received.
    pub stream: Duration,
    pub child_sum: u64,
    /// The part of the stream the child spent on its check.
    pub checking: Duration,
}
