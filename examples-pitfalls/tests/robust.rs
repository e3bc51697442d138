//! Every program of this crate behaves like a command-line tool (DESIGN.md, "Behaving like a
//! command-line tool"): quiet with its stdout closed, clean after SIGINT and SIGTERM, sizes past
//! a cap or too small for the lesson refused with exit status 2. See testing/robust.rs.

#[path = "../../testing/robust.rs"]
mod robust;
use robust::Program;

/// `long: &[]` marks a program that ends in a moment whatever its arguments (it prints a fixed
/// lesson): there is no middle of a run to interrupt, and nothing it could leave behind.
const PROGRAMS: &[Program] = &[
    Program {
        name: "async_race",
        bin: env!("CARGO_BIN_EXE_async_race"),
        small: &["--tasks", "5", "--await-ms", "1"],
        // About two seconds in a debug build (the paused clock skips the waits); the first
        // line comes at once.
        long: &["--tasks", "1000000", "--await-ms", "1000"],
        refused: &[&["--tasks", "1"], &["--await-ms", "0"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "blocking_in_async",
        bin: env!("CARGO_BIN_EXE_blocking_in_async"),
        small: &["--block-ms", "20", "--period-ms", "5"],
        long: &["--block-ms", "5000", "--period-ms", "10"],
        refused: &[
            &["--block-ms", "10", "--period-ms", "10"],
            // Past the cap on run time.
            &["--block-ms", "5001"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "cancellation_safety",
        bin: env!("CARGO_BIN_EXE_cancellation_safety"),
        small: &["--messages", "10"],
        long: &["--messages", "1000000"],
        refused: &[&["--messages", "1"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "check_then_act",
        bin: env!("CARGO_BIN_EXE_check_then_act"),
        small: &["--threads", "2", "--balance", "1000", "--trials", "2"],
        long: &["--threads", "2", "--balance", "100000000", "--trials", "2"],
        refused: &[
            &["--threads", "1"],
            // Too small for the free trials to overdraw.
            &["--balance", "999"],
            // Past the cap on run time.
            &["--threads", "2", "--balance", "100000000", "--trials", "3"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "compile_time_safety",
        bin: env!("CARGO_BIN_EXE_compile_time_safety"),
        small: &[],
        long: &[],
        refused: &[&["--fast"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "deadlock",
        bin: env!("CARGO_BIN_EXE_deadlock"),
        small: &[],
        long: &["--fix", "timeout", "--transfers", "10000000"],
        refused: &[
            &["--transfers", "0"],
            // Past the cap on run time (estimated from transfers and timeouts).
            &[
                "--fix",
                "timeout",
                "--transfers",
                "200000",
                "--lock-timeout-ms",
                "1000",
            ],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "debugging",
        bin: env!("CARGO_BIN_EXE_debugging"),
        small: &["--trials", "5", "--increments", "100"],
        long: &["--part", "stress", "--trials", "10000"],
        refused: &[
            &["--trials", "0"],
            // Too few for the plain stress row to fail.
            &["--increments", "99"],
            // Past the cap on run time.
            &["--part", "stress", "--trials", "11112"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "dining_philosophers",
        bin: env!("CARGO_BIN_EXE_dining_philosophers"),
        small: &[],
        long: &["--fix", "waiter", "--meals", "7000"],
        refused: &[
            &["--meals", "0"],
            // Past the cap on run time.
            &["--fix", "waiter", "--meals", "7143"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "false_sharing",
        bin: env!("CARGO_BIN_EXE_false_sharing"),
        small: &["--increments", "1000000"],
        long: &["--increments", "500000000"],
        refused: &[
            &["--threads", "0"],
            &["--increments", "999"],
            // Past the cap on run time.
            &["--increments", "500000001"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "livelock",
        bin: env!("CARGO_BIN_EXE_livelock"),
        small: &[],
        long: &["--rounds", "500100", "--transfers", "1"],
        refused: &[
            &["--rounds", "10", "--transfers", "100"],
            // Past the most --transfers accepted.
            &["--transfers", "50001"],
            // Past the cap on run time.
            &["--rounds", "510101"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "mutex_across_await",
        bin: env!("CARGO_BIN_EXE_mutex_across_await"),
        small: &["--timeout-ms", "100"],
        long: &["--timeout-ms", "20000"],
        refused: &[&["--timeout-ms", "5"], &["--timeout-ms", "20001"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "oversubscription",
        bin: env!("CARGO_BIN_EXE_oversubscription"),
        small: &["--threads", "50", "--limit", "10000"],
        long: &["--threads", "10000", "--limit", "30000000"],
        refused: &[&["--threads", "20000"], &["--limit", "30000001"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "poisoning",
        bin: env!("CARGO_BIN_EXE_poisoning"),
        small: &[],
        long: &[],
        refused: &[&["--amount", "0"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "race_condition",
        bin: env!("CARGO_BIN_EXE_race_condition"),
        small: &["--threads", "2", "--increments", "1000", "--trials", "2"],
        long: &[
            "--threads",
            "2",
            "--increments",
            "100000000",
            "--trials",
            "3",
        ],
        refused: &[
            &["--threads", "1"],
            // Too few for the free trials to lose an update.
            &["--increments", "99"],
            // Past the cap on run time.
            &[
                "--threads",
                "2",
                "--increments",
                "100000000",
                "--trials",
                "4",
            ],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "starvation",
        bin: env!("CARGO_BIN_EXE_starvation"),
        small: &["--duration-ms", "50"],
        long: &["--duration-ms", "10000"],
        // One reader leaves the lock free between its reads: no stream to starve the writer.
        refused: &[&["--readers", "0"], &["--readers", "1"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "unbounded_queue",
        bin: env!("CARGO_BIN_EXE_unbounded_queue"),
        small: &["--messages", "100", "--kib", "1", "--capacity", "4"],
        long: &["--messages", "1000000", "--kib", "1"],
        refused: &[
            // About 1 TiB of backlog: past the memory cap.
            &["--messages", "1000000", "--kib", "1024"],
            // Every message fits in the bounded channel: no backpressure to show.
            &["--messages", "16", "--capacity", "16"],
            // Under ten times the capacity: the unbounded backlog cannot outgrow the bounded.
            &["--messages", "159", "--capacity", "16"],
        ],
        url_flag: None,
        serves: None,
    },
];

robust::checks!(PROGRAMS);
