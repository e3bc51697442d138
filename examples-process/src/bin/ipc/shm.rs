//! Shared memory: a file on /dev/shm mapped into both processes (memmap2). The data crosses
//! with no copy through the kernel: the parent copies a chunk into a slot and the child reads
//! it in place. The processes still need a way to say "your turn", and here that is a
//! one-byte doorbell on a pipe each way. The stream uses a ring of slots, so the parent fills
//! one slot while the child checks another; a slot is refilled only after the child rang to
//! say it is done with it.

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{ChildStdin, ChildStdout};
use std::time::Instant;

use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::Plan;
use crate::data::{Check, Figures, Source, fill, parse_reply};

/// Chunks in flight at once in the stream.
pub const SLOTS: usize = 4;

/// The file's regions: the request (written by the parent), the reply (by the child), and
/// the stream's slots (by the parent), as (offset, length).
fn regions(plan: Plan) -> Vec<(u64, usize)> {
    let (size, chunk) = (plan.size as u64, plan.chunk as u64);
    let mut r = vec![(0, plan.size), (size, plan.size)];
    r.extend((0..SLOTS as u64).map(|k| (2 * size + k * chunk, plan.chunk)));
    r
}

/// Bytes of the shared file.
pub fn file_len(plan: Plan) -> u64 {
    2 * plan.size as u64 + (SLOTS * plan.chunk) as u64
}

// SAFETY (both maps): mapping is unsafe because another process may change the file while
// it is mapped, which Rust's references cannot express. Each process maps every region
// separately, writable only where it is the writer (the parent: the request and the slots;
// the child: the reply). A region is touched only between receiving a doorbell byte that
// hands it over and sending the one that hands it back, and those pipe reads and writes order
// the accesses of the two processes. Nobody truncates the file while it is mapped.
#[allow(unsafe_code)]
fn map(file: &File, (offset, len): (u64, usize)) -> std::io::Result<Mmap> {
    unsafe { MmapOptions::new().offset(offset).len(len).map(file) }
}

#[allow(unsafe_code)]
fn map_mut(file: &File, (offset, len): (u64, usize)) -> std::io::Result<MmapMut> {
    unsafe { MmapOptions::new().offset(offset).len(len).map_mut(file) }
}

fn ring(out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(&[1])?;
    out.flush()
}

fn wait(inn: &mut impl Read) -> std::io::Result<()> {
    inn.read_exact(&mut [0])
}

/// The child: its doorbells are its stdin and stdout.
pub fn child(plan: Plan, path: &Path) -> std::io::Result<()> {
    let file = File::options().read(true).write(true).open(path)?;
    let r = regions(plan);
    let request = map(&file, r[0])?;
    let mut reply = map_mut(&file, r[1])?;
    let slots = r[2..]
        .iter()
        .map(|&region| map(&file, region))
        .collect::<std::io::Result<Vec<Mmap>>>()?;
    let (mut bell_in, mut bell_out) = (std::io::stdin().lock(), std::io::stdout().lock());
    for _ in 0..plan.round_trips {
        wait(&mut bell_in)?;
        reply.copy_from_slice(&request); // the echo
        ring(&mut bell_out)?;
    }
    let mut check = Check::new();
    for c in 0..plan.chunks {
        wait(&mut bell_in)?; // slot c % SLOTS is full
        check.add(&slots[c % SLOTS]); // read in place: no copy
        ring(&mut bell_out)?; // ... and free again
    }
    bell_out.write_all(&check.reply())?;
    bell_out.flush()
}

/// The parent: maps its side of the file, then times the round trips and the stream.
pub fn parent(
    plan: Plan,
    source: &mut Source,
    file: &File,
    bell_out: &mut ChildStdin,
    bell_in: &mut ChildStdout,
) -> Result<Figures, String> {
    let e = |e: std::io::Error| e.to_string();
    let r = regions(plan);
    let mut request = map_mut(file, r[0]).map_err(e)?;
    let reply = map(file, r[1]).map_err(e)?;
    let mut slots = r[2..]
        .iter()
        .map(|&region| map_mut(file, region))
        .collect::<std::io::Result<Vec<MmapMut>>>()
        .map_err(e)?;
    let mut msg = vec![0; plan.size];
    fill(&mut msg, 1);
    let mut round_trips = Vec::with_capacity(plan.round_trips as usize);
    for _ in 0..plan.round_trips {
        let t = Instant::now();
        request.copy_from_slice(&msg);
        ring(bell_out).and_then(|()| wait(bell_in)).map_err(e)?;
        let ok = reply[..] == msg[..];
        round_trips.push(t.elapsed());
        if !ok {
            return Err("the echo differs from the message".into());
        }
    }
    let t = Instant::now();
    for c in 0..plan.chunks {
        if c >= SLOTS {
            wait(bell_in).map_err(e)?; // the child is done with chunk c - SLOTS: its slot is free
        }
        slots[c % SLOTS].copy_from_slice(source.chunk(c)); // the one copy
        ring(bell_out).map_err(e)?;
    }
    for _ in 0..plan.chunks.min(SLOTS) {
        wait(bell_in).map_err(e)?;
    }
    let mut answer = [0; 16];
    bell_in.read_exact(&mut answer).map_err(e)?;
    let stream = t.elapsed();
    let (child_sum, checking) = parse_reply(answer);
    Ok(Figures {
        round_trips,
        stream,
        child_sum,
        checking,
    })
}
