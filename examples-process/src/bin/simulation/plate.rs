//! The physics, shared by every version: the plate, one step of one row, and the sequential
//! loop that every parallel version must match bit for bit.

/// How far a cell moves toward its neighbours' mean each step (stable below 0.25).
const ALPHA: f64 = 0.2;
pub const HOT: f64 = 100.0;

/// Rows `first..last` of the starting plate: the top row hot, everything else cold. Edges
/// never change.
pub fn initial_rows(n: usize, first: usize, last: usize) -> Vec<f64> {
    let mut rows = vec![0.0; (last - first) * n];
    if first == 0 {
        rows[..n].fill(HOT);
    }
    rows
}

/// One row's next values from the rows above and below: the only arithmetic in the program,
/// so that every version computes every cell identically.
fn step_row(above: &[f64], row: &[f64], below: &[f64], out: &mut [f64]) {
    let n = row.len();
    out[0] = row[0];
    out[n - 1] = row[n - 1];
    for j in 1..n - 1 {
        let c = row[j];
        out[j] = c + ALPHA * (above[j] + below[j] + row[j - 1] + row[j + 1] - 4.0 * c);
    }
}

/// Steps a strip: `now` holds its k rows plus the row above and the row below them (k + 2
/// rows of `n` cells), `next` receives the k new rows. Reads only `now`, writes only `next`.
pub fn step_strip(now: &[f64], next: &mut [f64], n: usize) {
    for (i, out) in next.chunks_exact_mut(n).enumerate() {
        let rows = &now[i * n..(i + 3) * n];
        step_row(&rows[..n], &rows[n..2 * n], &rows[2 * n..], out);
    }
}

/// The reference: one process, one loop, `steps` times over the inner rows.
pub fn sequential(n: usize, steps: u32) -> Vec<f64> {
    let mut now = initial_rows(n, 0, n);
    let mut next = now.clone();
    for _ in 0..steps {
        step_strip(&now, &mut next[n..(n - 1) * n], n);
        std::mem::swap(&mut now, &mut next);
    }
    now
}

/// The inner rows 1..n-1 cut into `w` strips, as (first, last) with `last` exclusive.
pub fn strips(n: usize, w: usize) -> Vec<(usize, usize)> {
    let inner = n - 2;
    (0..w)
        .map(|k| (1 + inner * k / w, 1 + inner * (k + 1) / w))
        .collect()
}

/// A size in bytes, for a figure that may be below a KiB.
pub fn fmt_bytes(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else {
        shared::fmt_kib_f64(bytes as f64 / 1024.0)
    }
}
