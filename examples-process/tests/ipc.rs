//! `ipc`: the same bytes cross a pipe, a Unix socket and shared memory, echoed and streamed;
//! the child's checksum of the stream equals the parent's for each; the child's checking is a
//! part of the stream's time, never more; the verdict line agrees with the stream times.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, assert_refused_ending, ms, run, survivors};

const IPC: &str = env!("CARGO_BIN_EXE_ipc");

#[test]
fn the_same_messages_arrive_through_every_transport() {
    // 4 chunks (as many as shared memory's slots), 8 (the ring wraps), and 3 (fewer).
    for (size, megabytes, chunk) in [
        ("64", "4", "1024"),
        ("5000", "8", "1024"),
        ("8", "3", "1024"),
    ] {
        let args = [
            "--round-trips",
            "300",
            "--size",
            size,
            "--megabytes",
            megabytes,
            "--chunk-kib",
            chunk,
        ];
        let r = run(IPC, &args);
        assert!(r.success(), "{}{}", r.stdout, r.stderr);
        let mut streams = Vec::new();
        for transport in ["pipe", "unix socket", "shared memory"] {
            let row = r.row(transport);
            assert_eq!(row[7], "equal", "{row:?}");
            // Each round trip is a real crossing (the program checks every echo), and the
            // figures are in order: min <= median <= p99. How long they take is not asserted.
            let median = ms(row[1]);
            assert!(median > 0.0, "{row:?}");
            assert!(ms(row[2]) <= median && median <= ms(row[3]), "{row:?}");
            // The child checked inside the stream's interval: a part of it, never more.
            assert!(ms(row[5]) <= ms(row[4]), "{row:?}");
            streams.push((transport, row[4]));
        }
        let plan =
            format!("300 round trips of {size} bytes, then {megabytes} MiB in {chunk} KiB chunks");
        assert!(r.stdout.contains(&plan), "{}", r.stdout);
        assert!(r.stdout.contains("the same bytes arrived through each"));
        // The verdict compares shared memory with the faster of the two byte streams.
        let (name, fastest) = streams[..2]
            .iter()
            .min_by(|a, b| ms(a.1).total_cmp(&ms(b.1)))
            .unwrap();
        let line = r.line("stream: shared memory");
        let against = format!("against the {name}'s {fastest}");
        assert!(line.contains(&against), "{line}");
        let faster = ms(streams[2].1) < ms(fastest);
        let equal_cells = streams[2].1 == *fastest;
        assert!(
            equal_cells || line.contains("not faster") != faster,
            "{line}"
        );
    }
    // One round trip is named so, never "1 round trips".
    let r = run(IPC, &["--round-trips", "1", "--megabytes", "1"]);
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("1 round trip of 64 bytes,"),
        "{}",
        r.stdout
    );
    // Past the cap on run time, the refusal names only the changes that fit on their own:
    // bigger chunks help 4 million 1 KiB chunks, not a million round trips of 1 MiB.
    let chunks = run(IPC, &["--megabytes", "4000", "--chunk-kib", "1"]);
    assert!(
        chunks
            .stderr
            .contains("lower --megabytes, or raise --chunk-kib"),
        "{}",
        chunks.stderr
    );
    let args = ["--round-trips", "1000000", "--size", "1048576"];
    assert_refused_ending(IPC, &args, ": lower --round-trips");
    assert_refused(IPC, &["--megabytes", "1", "--chunk-kib", "2048"]);
    assert_refused(IPC, &["--megabytes", "3", "--chunk-kib", "2048"]);
    assert_refused(IPC, &["--size", "0"]);
    assert_refused(IPC, &["--child", "shm"]);
    assert_eq!(survivors(IPC), Vec::<u32>::new(), "children left running");
}
