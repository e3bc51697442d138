//! Version 1: one plate in a file on /dev/shm, mapped into every worker. The file holds two
//! grids, "now" and "next", which swap roles each step. Each worker maps only what it may
//! touch: a read-only view of its rows of each grid plus the row above and below, and a
//! writable view of its own rows of each grid. A step ends with a barrier over pipes: every
//! worker says "done", then the parent says "go" to each.

use std::fs::File;
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::Path;

use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::Args;
use crate::plate::{initial_rows, step_strip, strips};
use crate::workers::{start_all, stop};

/// Bytes in one row of `n` cells.
fn row_bytes(n: usize) -> u64 {
    n as u64 * 8
}

/// Where row `row` of grid `grid` (0 or 1) starts in the file.
fn offset(n: usize, grid: u64, row: usize) -> u64 {
    (grid * n as u64 + row as u64) * row_bytes(n)
}

// SAFETY (both views): mapping is unsafe because another process may change the file while
// it is mapped, which Rust's references cannot express. Here, during step s every process
// only reads grid s % 2 and writes its own rows of the other grid; the barrier (each worker's
// "done" read by the parent before any "go") orders the writes of one step before the reads
// of the next. A reference into a view exists only during the step that uses it, so no
// process ever holds a reference to rows that another process is writing. Nobody truncates
// the file while it is mapped.
#[allow(unsafe_code)]
fn view(file: &File, from: u64, len: u64) -> std::io::Result<Mmap> {
    unsafe { MmapOptions::new().offset(from).len(len as usize).map(file) }
}

#[allow(unsafe_code)]
fn view_mut(file: &File, from: u64, len: u64) -> std::io::Result<MmapMut> {
    unsafe {
        MmapOptions::new()
            .offset(from)
            .len(len as usize)
            .map_mut(file)
    }
}

/// A worker: steps rows `first..last` in place, `steps` times.
pub fn worker(args: &Args, first: usize, last: usize, path: &Path) -> Result<(), String> {
    // test witness {: all workers inside at once
    let w = args.workers.unwrap_or(1);
    shared::witness::arrive(&format!("shm-{w}"), w as usize);
    // test witness }
    let n = args.size as usize;
    let e = |e: std::io::Error| e.to_string();
    let file = File::options()
        .read(true)
        .write(true)
        .open(path)
        .map_err(e)?;
    let (rows, row) = ((last - first) as u64, row_bytes(n));
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for grid in 0..2 {
        reads.push(view(&file, offset(n, grid, first - 1), (rows + 2) * row).map_err(e)?);
        writes.push(view_mut(&file, offset(n, grid, first), rows * row).map_err(e)?);
    }
    let (mut input, mut out) = (std::io::stdin().lock(), std::io::stdout().lock());
    let mut go = String::new();
    for s in 0..args.steps as usize {
        let (now, next) = (s % 2, 1 - s % 2);
        let above_to_below: &[f64] =
            bytemuck::try_cast_slice(&reads[now]).map_err(|e| e.to_string())?;
        let mine: &mut [f64] =
            bytemuck::try_cast_slice_mut(&mut writes[next]).map_err(|e| e.to_string())?;
        step_strip(above_to_below, mine, n);
        writeln!(out, "done")
            .and_then(|()| out.flush())
            .map_err(e)?;
        go.clear();
        if input.read_line(&mut go).map_err(e)? == 0 {
            return Err("the parent went away".into());
        }
    }
    Ok(())
}

/// The parent: writes the starting plate into both grids (the fixed edges must be in each),
/// runs the barrier `steps` times, and reads the final grid back. It never maps the file:
/// plain reads and writes see the same pages.
pub fn run(args: &Args, dir: &Path, w: usize) -> Result<Vec<f64>, String> {
    let n = args.size as usize;
    let e = |e: std::io::Error| e.to_string();
    let path = dir.join("plate.f64");
    let mut file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(e)?;
    let start = initial_rows(n, 0, n);
    for _ in 0..2 {
        file.write_all(bytemuck::cast_slice(&start)).map_err(e)?;
    }
    drop(start);
    let mut workers = start_all(args, "shm", &strips(n, w), Some(&path))?;
    let result = (|| {
        let mut line = String::new();
        for _ in 0..args.steps {
            for wk in &mut workers {
                line.clear();
                if wk.from.read_line(&mut line).map_err(e)? == 0 {
                    return Err("a worker died".to_string());
                }
            }
            for wk in &mut workers {
                writeln!(wk.to, "go")
                    .and_then(|()| wk.to.flush())
                    .map_err(e)?;
            }
        }
        Ok(())
    })();
    stop(workers, result.is_err())?;
    result?;
    // After step s the new values are in grid (s + 1) % 2.
    let last = u64::from(args.steps % 2);
    let mut grid = vec![0.0f64; n * n];
    file.seek(SeekFrom::Start(offset(n, last, 0))).map_err(e)?;
    file.read_exact(bytemuck::cast_slice_mut(&mut grid))
        .map_err(e)?;
    drop(file);
    std::fs::remove_file(&path).map_err(e)?; // its memory back before the next version runs
    Ok(grid)
}
