//! Every binary of the crate behaves like a command-line tool (testing/robust.rs): quiet with
//! its stdout closed, clean after SIGINT and SIGTERM mid-run, sizes past a cap or too small for
//! the lesson refused with exit 2, and a server that is down reported with exit 1.

#[path = "../../testing/robust.rs"]
mod robust;
use robust::Program;

/// No I/O, nothing to point elsewhere: the fields most programs share.
const fn program(
    name: &'static str,
    bin: &'static str,
    small: &'static [&'static str],
    long: &'static [&'static str],
    refused: &'static [&'static [&'static str]],
) -> Program {
    Program {
        name,
        bin,
        small,
        long,
        refused,
        url_flag: None,
        serves: None,
    }
}

/// 101 stack sizes: with 10,000 threads each, one round past thread_memory's cap on run time.
const MANY_STACKS: &str = "16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,16,32,48";

const PROGRAMS: &[Program] = &[
    program(
        "background_task",
        env!("CARGO_BIN_EXE_background_task"),
        &["--limit", "200000", "--frame-ms", "10"],
        &["--limit", "50000000"],
        &[
            &["--limit", "39999"],
            &["--frame-ms", "0"],
            &["--limit", "50000001"],
            &["--limit", "1000000000", "--cancel-after-ms", "120000"],
        ],
    ),
    program(
        "channels",
        env!("CARGO_BIN_EXE_channels"),
        &["--messages", "5000", "--capacity", "4"],
        &["--messages", "10000000"],
        &[
            &["--capacity", "1000"],
            &["--messages", "10", "--capacity", "8"],
            &["--messages", "100000000"],
            &["--messages", "20000001"],
        ],
    ),
    program(
        "file_processing",
        env!("CARGO_BIN_EXE_file_processing"),
        &["--files", "20", "--kib-per-file", "4"],
        &["--files", "1000", "--kib-per-file", "64"],
        &[
            &["--files", "100000", "--kib-per-file", "16384"],
            &[
                "--files",
                "10",
                "--kib-per-file",
                "16384",
                "--workers",
                "256",
            ],
            &["--workers", "1"],
            &["--files", "1"],
        ],
    ),
    program(
        "no_gil",
        env!("CARGO_BIN_EXE_no_gil"),
        &[
            "--threads",
            "1,2",
            "--cpu-limit",
            "20000",
            "--io-requests",
            "2",
            "--delay-ms",
            "5",
        ],
        &[
            "--threads",
            "1,2",
            "--io-requests",
            "20",
            "--delay-ms",
            "1000",
        ],
        &[
            &["--threads", "1"],
            &["--io-requests", "1"],
            &["--threads", "1,2,4,8", "--cpu-limit", "5000"],
            &["--threads", "100"],
            &["--threads", "2", "--cpu-limit", "75000001"],
            &[
                "--threads",
                "1,2",
                "--io-requests",
                "20",
                "--delay-ms",
                "1001",
            ],
        ],
    ),
    program(
        "parallel_cpu",
        env!("CARGO_BIN_EXE_parallel_cpu"),
        &["--limit", "50000", "--workers", "2"],
        &[
            "--limit",
            "100000000",
            "--runs",
            "1",
            "--mode",
            "sequential",
        ],
        &[
            &["--workers", "0"],
            &["--workers", "1000"],
            &["--limit", "0"],
            &["--workers", "1"],
            &[
                "--mode",
                "sequential",
                "--limit",
                "100000000",
                "--runs",
                "3",
            ],
        ],
    ),
    Program {
        url_flag: Some("--url"),
        ..program(
            "sequential_requests",
            env!("CARGO_BIN_EXE_sequential_requests"),
            &["--requests", "2", "--delay-ms", "10"],
            &["--requests", "30", "--delay-ms", "1000"],
            &[
                &["--requests", "0"],
                &["--requests", "100000"],
                &["--requests", "121", "--delay-ms", "1000"],
                &["--delay-ms", "0"],
                &["--requests", "10000", "--delay-ms", "12"],
            ],
        )
    },
    program(
        "shared_state",
        env!("CARGO_BIN_EXE_shared_state"),
        &["--threads", "2", "--increments", "100000"],
        &["--threads", "4", "--increments", "100000000"],
        &[
            &["--threads", "1"],
            &["--threads", "1000"],
            &["--threads", "256", "--increments", "4687501"],
            &["--threads", "2", "--increments", "1"],
        ],
    ),
    program(
        "spawn_join",
        env!("CARGO_BIN_EXE_spawn_join"),
        &["--sleep-ms", "10", "--depth", "10000"],
        &["--sleep-ms", "60000"],
        &[
            &["--stack-mib", "4096"],
            &["--threads", "0"],
            &["--stack-mib", "1", "--depth", "1000000"],
            &["--sleep-ms", "120001"],
        ],
    ),
    program(
        "start_simple",
        env!("CARGO_BIN_EXE_start_simple"),
        &["--pages", "2", "--delay-ms", "10", "--work", "1000"],
        &["--pages", "20", "--delay-ms", "1000"],
        &[
            &["--pages", "1"],
            &["--pages", "100000"],
            &["--pages", "20", "--delay-ms", "1464"],
            &["--pages", "10", "--work", "20000000"],
            &["--pages", "2", "--work", "50000000"],
        ],
    ),
    program(
        "sync_primitives",
        env!("CARGO_BIN_EXE_sync_primitives"),
        &["--threads", "4", "--permits", "2", "--items", "100"],
        &["--threads", "256", "--permits", "3", "--items", "10000000"],
        &[&["--threads", "4", "--permits", "4"], &["--threads", "1"]],
    ),
    program(
        "thread_memory",
        env!("CARGO_BIN_EXE_thread_memory"),
        &["--threads", "50", "--stack-kib", "64,128"],
        &[
            "--threads",
            "5000",
            "--stack-kib",
            "16,32,48,64,80,96,112,128,144,160,176,192,208,224,240,256",
        ],
        &[
            &["--stack-kib", "64"],
            &["--threads", "20000"],
            &["--threads", "1"],
            &["--threads", "10000", "--stack-kib", MANY_STACKS],
        ],
    ),
    program(
        "thread_pool",
        env!("CARGO_BIN_EXE_thread_pool"),
        &["--limit", "20000", "--workers", "2"],
        &["--limit", "100000000"],
        &[
            &["--limit", "100000000", "--chunk", "1"],
            &["--workers", "0"],
        ],
    ),
    Program {
        url_flag: Some("--url"),
        ..program(
            "threaded_requests",
            env!("CARGO_BIN_EXE_threaded_requests"),
            &["--requests", "3", "--delay-ms", "10"],
            &["--requests", "50", "--delay-ms", "1000", "--workers", "1"],
            &[
                &["--requests", "0"],
                &["--workers", "0"],
                &["--requests", "100000"],
                &["--requests", "121", "--delay-ms", "1000", "--workers", "1"],
                &["--delay-ms", "0"],
                &["--requests", "10000", "--delay-ms", "12", "--workers", "1"],
            ],
        )
    },
];

robust::checks!(PROGRAMS);
