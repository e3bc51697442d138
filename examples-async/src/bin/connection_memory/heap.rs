//! A counting allocator: how many heap bytes are live right now, and in allocations of which
//! sizes. It forwards every call to the system allocator and only adds to atomic counters, so
//! the program measures its own heap without an external profiler.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};

pub struct Counting;

/// Live bytes and live allocations, by size class: class `c` holds sizes in (2^(c-1), 2^c].
static BYTES: [AtomicI64; 40] = [const { AtomicI64::new(0) }; 40];
static COUNT: [AtomicI64; 40] = [const { AtomicI64::new(0) }; 40];

fn class(size: usize) -> usize {
    (usize::BITS - size.saturating_sub(1).leading_zeros()) as usize
}

fn add(size: usize, sign: i64) {
    let c = class(size).min(39);
    BYTES[c].fetch_add(sign * size as i64, Relaxed);
    COUNT[c].fetch_add(sign, Relaxed);
}

// SAFETY: every call is passed unchanged to `System`, which upholds GlobalAlloc's contract; the
// counters are plain atomics and never allocate. A counting allocator is `unsafe` by nature
// (the trait is), and counting is this program's lesson.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size(), 1);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(layout.size(), -1);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(layout.size(), -1);
        add(new_size, 1);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Live heap at one moment: bytes and allocations per size class.
#[derive(Clone, Copy)]
pub struct Snapshot {
    bytes: [i64; 40],
    count: [i64; 40],
}

pub fn snapshot() -> Snapshot {
    Snapshot {
        bytes: std::array::from_fn(|c| BYTES[c].load(Relaxed)),
        count: std::array::from_fn(|c| COUNT[c].load(Relaxed)),
    }
}

impl Snapshot {
    pub fn total(&self) -> i64 {
        self.bytes.iter().sum()
    }

    /// What `self` holds beyond `base`, per connection: `(size class upper bound, bytes,
    /// allocations)`, largest first, for the classes that grew.
    pub fn per_connection(&self, base: &Snapshot, connections: usize) -> Vec<(u64, f64, f64)> {
        let n = connections.max(1) as f64;
        let mut grew: Vec<(u64, f64, f64)> = (0..40)
            .map(|c| {
                let bytes = (self.bytes[c] - base.bytes[c]) as f64 / n;
                let count = (self.count[c] - base.count[c]) as f64 / n;
                (1u64 << c, bytes, count)
            })
            .filter(|(_, bytes, count)| *bytes > 0.0 && *count >= 0.5)
            .collect();
        grew.sort_by(|a, b| b.1.total_cmp(&a.1));
        grew
    }
}
