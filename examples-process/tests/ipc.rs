//! `ipc`: the same bytes cross a pipe, a Unix socket and shared memory, echoed and streamed,
//! and the child's checksum of the stream equals the parent's for each.

#[path = "../../testing/common.rs"]
mod common;
use common::{assert_refused, ms, run, survivors};

const IPC: &str = env!("CARGO_BIN_EXE_ipc");

#[test]
fn the_same_messages_arrive_through_every_transport() {
    for (size, chunk) in [("64", "64"), ("5000", "1024")] {
        let args = [
            "--round-trips",
            "300",
            "--size",
            size,
            "--megabytes",
            "8",
            "--chunk-kib",
            chunk,
        ];
        let r = run(IPC, &args);
        assert!(r.success(), "{}{}", r.stdout, r.stderr);
        for transport in ["pipe", "unix socket", "shared memory"] {
            let row = r.row(transport);
            assert_eq!(row[6], "equal", "{row:?}");
            // Each round trip is a real crossing (the program checks every echo), and the
            // figures are in order: min <= median <= p99. How long they take is not asserted.
            let median = ms(row[1]);
            assert!(median > 0.0, "{row:?}");
            assert!(ms(row[2]) <= median && median <= ms(row[3]), "{row:?}");
        }
        let plan = format!("300 round trips of {size} bytes, then 8 MiB in {chunk} KiB chunks");
        assert!(r.stdout.contains(&plan), "{}", r.stdout);
        assert!(r.stdout.contains("the same bytes arrived through each"));
    }
    assert_refused(IPC, &["--megabytes", "1", "--chunk-kib", "2048"]);
    assert_refused(IPC, &["--size", "0"]);
    assert_refused(IPC, &["--child", "shm"]);
    assert_eq!(survivors(IPC), Vec::<u32>::new(), "children left running");
}
