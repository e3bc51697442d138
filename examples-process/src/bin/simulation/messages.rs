//! Version 2: message passing. Each worker keeps its strip in its own memory, with one
//! "ghost" row above and one below. Each step it sends its first and last rows to the
//! parent, which hands every worker the rows of its neighbours for its ghosts, and then it
//! steps. Nothing is shared: only copies of boundary rows cross, through pipes.

use std::io::{BufWriter, Read, Write};

use crate::Args;
use crate::plate::{initial_rows, step_strip, strips};
use crate::workers::{start_all, stop};

fn as_bytes(row: &[f64]) -> &[u8] {
    bytemuck::cast_slice(row)
}

/// A worker: rows `first..last`, private, stepped `steps` times; then sent whole.
pub fn worker(args: &Args, first: usize, last: usize) -> Result<(), String> {
    // test witness {: all workers inside at once
    let w = args.workers.unwrap_or(1);
    shared::witness::arrive(&format!("msg-{w}"), w as usize);
    // test witness }
    let n = args.size as usize;
    let e = |e: std::io::Error| e.to_string();
    // Private memory: rows first-1 ..= last, the two outer ones being ghosts.
    let mut now = initial_rows(n, first - 1, last + 1);
    let mut next = now.clone();
    let rows = last - first;
    let mut input = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut ghost = vec![0.0f64; n];
    for _ in 0..args.steps {
        // Send my first and last rows; receive the neighbours' rows into my ghosts.
        out.write_all(as_bytes(&now[n..2 * n]))
            .and_then(|()| out.write_all(as_bytes(&now[rows * n..(rows + 1) * n])))
            .and_then(|()| out.flush())
            .map_err(e)?;
        input
            .read_exact(bytemuck::cast_slice_mut(&mut ghost))
            .map_err(e)?;
        now[..n].copy_from_slice(&ghost);
        input
            .read_exact(bytemuck::cast_slice_mut(&mut ghost))
            .map_err(e)?;
        now[(rows + 1) * n..].copy_from_slice(&ghost);
        step_strip(&now, &mut next[n..(rows + 1) * n], n);
        std::mem::swap(&mut now, &mut next);
    }
    out.write_all(as_bytes(&now[n..(rows + 1) * n]))
        .and_then(|()| out.flush())
        .map_err(e)
}

/// The parent: the post office between neighbours, then the assembler of the strips.
pub fn run(args: &Args, w: usize) -> Result<Vec<f64>, String> {
    let n = args.size as usize;
    let e = |e: std::io::Error| e.to_string();
    let parts = strips(n, w);
    let mut workers = start_all(args, "msg", &parts, None)?;
    let mut grid = initial_rows(n, 0, n);
    let result = (|| {
        let row = n * 8;
        let mut edges = vec![(vec![0u8; row], vec![0u8; row]); w];
        let top = as_bytes(&grid[..n]).to_vec();
        let bottom = as_bytes(&grid[(n - 1) * n..]).to_vec();
        for _ in 0..args.steps {
            for (wk, (first, last)) in workers.iter_mut().zip(&mut edges) {
                wk.from.read_exact(first).map_err(e)?;
                wk.from.read_exact(last).map_err(e)?;
            }
            // Each worker's ghosts: the row above its strip and the row below it.
            for k in 0..w {
                let above = if k == 0 { &top } else { &edges[k - 1].1 };
                let below = if k == w - 1 { &bottom } else { &edges[k + 1].0 };
                let wk = &mut workers[k];
                wk.to
                    .write_all(above)
                    .and_then(|()| wk.to.write_all(below))
                    .and_then(|()| wk.to.flush())
                    .map_err(e)?;
            }
        }
        for (wk, &(first, last)) in workers.iter_mut().zip(&parts) {
            let strip = &mut grid[first * n..last * n];
            wk.from
                .read_exact(bytemuck::cast_slice_mut(strip))
                .map_err(e)?;
        }
        Ok::<(), String>(())
    })();
    stop(workers, result.is_err())?;
    result.map(|()| grid)
}
