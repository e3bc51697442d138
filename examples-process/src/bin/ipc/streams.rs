//! Byte streams, a pipe and a Unix socket: the same code over any Read + Write. Every message
//! is copied into the kernel by one process and out of it by the other, and a reader blocks
//! until data comes.

use std::io::{Read, Write};
use std::time::Instant;

use crate::Plan;
use crate::data::{Check, Figures, Source, fill, parse_reply};

/// The child: echoes `round_trips` messages, then checks `chunks` chunks and replies.
pub fn child(plan: Plan, mut from: impl Read, mut to: impl Write) -> std::io::Result<()> {
    let mut msg = vec![0; plan.size];
    for _ in 0..plan.round_trips {
        from.read_exact(&mut msg)?;
        to.write_all(&msg)?;
        to.flush()?;
    }
    let (mut chunk, mut check) = (vec![0; plan.chunk], Check::new());
    for _ in 0..plan.chunks {
        from.read_exact(&mut chunk)?;
        check.add(&chunk);
    }
    to.write_all(&check.reply())?;
    to.flush()
}

/// The parent: times each round trip, then the whole stream.
pub fn parent(
    plan: Plan,
    source: &mut Source,
    mut to: impl Write,
    mut from: impl Read,
) -> Result<Figures, String> {
    let e = |e: std::io::Error| e.to_string();
    let (mut msg, mut back) = (vec![0; plan.size], vec![0; plan.size]);
    fill(&mut msg, 1);
    let mut round_trips = Vec::with_capacity(plan.round_trips as usize);
    for _ in 0..plan.round_trips {
        let t = Instant::now();
        to.write_all(&msg).and_then(|()| to.flush()).map_err(e)?;
        from.read_exact(&mut back).map_err(e)?;
        round_trips.push(t.elapsed());
        if back != msg {
            return Err("the echo differs from the message".into());
        }
    }
    let t = Instant::now();
    for c in 0..plan.chunks {
        to.write_all(source.chunk(c)).map_err(e)?;
    }
    to.flush().map_err(e)?;
    let mut reply = [0; 16];
    from.read_exact(&mut reply).map_err(e)?;
    let stream = t.elapsed();
    let (child_sum, checking) = parse_reply(reply);
    Ok(Figures {
        round_trips,
        stream,
        child_sum,
        checking,
    })
}
