//! Every program of the crate behaves like a command-line tool (DESIGN.md, "Behaving like a
//! command-line tool"): quiet with its stdout closed, clean after SIGINT and SIGTERM mid-run
//! (no temporary file, no child left), sizes past a cap refused before any work.

#[path = "../../testing/robust.rs"]
mod robust;
use robust::Program;

/// `--workers 256,256,...`, 100 entries: the default points fit the cap, their 25,600 worker
/// starts (a process and a thread each) do not.
const WORKERS_100_TIMES_256: &str = concat!(
    "256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,",
    "256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,",
    "256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,",
    "256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,",
    "256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256,256",
);

const PROGRAMS: &[Program] = &[
    Program {
        name: "compare",
        bin: env!("CARGO_BIN_EXE_compare"),
        small: &[
            "--requests",
            "2",
            "--delay-ms",
            "10",
            "--limit",
            "20000",
            "--workers",
            "2",
        ],
        // 10 requests of 3 s one after another: 30 s for the sequential row alone.
        long: &[
            "--requests",
            "10",
            "--delay-ms",
            "3000",
            "--limit",
            "5000000",
        ],
        refused: &[
            &["--requests", "0"],
            &["--requests", "1"],
            &["--limit", "1"],
            &["--sweep", "--points", "0"],
            &["--sweep", "--points", "10,20000"],
            &["--requests", "130", "--delay-ms", "1000"], // past the cap on run time
            &["--sweep", "--workers", "256"],             // 769 CPU rows: past the cap
            &["--delay-ms", "0"],                         // no wait: nothing to overlap
            &["--sweep", "--workers", "1"],               // one count: nothing to scale
            &["--sweep", "--limit", "100000"],            // start-up, not counting, measured
            &["--svg", "/nonexistent/dir"],
            &["--svg", concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "ipc",
        bin: env!("CARGO_BIN_EXE_ipc"),
        small: &[
            "--round-trips",
            "100",
            "--megabytes",
            "4",
            "--chunk-kib",
            "256",
        ],
        long: &["--round-trips", "150000", "--megabytes", "64"],
        refused: &[
            &["--round-trips", "1000000"], // past the cap on run time
            &["--megabytes", "4000", "--chunk-kib", "1"], // 4 million chunks: past the cap
            &["--megabytes", "1", "--chunk-kib", "2048"],
            &["--megabytes", "3", "--chunk-kib", "2048"],
            &["--size", "0"],
            &["--child", "shm"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "isolation",
        bin: env!("CARGO_BIN_EXE_isolation"),
        small: &[
            "--jobs",
            "4",
            "--span",
            "1000",
            "--panic-job",
            "1",
            "--abort-job",
            "2",
            "--hang-job",
            "3",
            "--timeout-ms",
            "300",
        ],
        // Job 8 hangs and its deadline is 20 s away: a signal finds it hanging.
        long: &["--jobs", "300", "--span", "100000", "--timeout-ms", "20000"],
        refused: &[
            &["--jobs", "400", "--span", "100000"], // past the cap on work
            &["--timeout-ms", "30000"],             // 3 attempts: past the cap on deadlines
            &["--jobs", "3"],
            &["--workers", "0"],
            &["--timeout-ms", "1"],
            &["--panic-job", "11"],
            &["--max-attempts", "1"], // faults injected and no retry: the restart cannot show
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "simulation",
        bin: env!("CARGO_BIN_EXE_simulation"),
        small: &["--size", "64", "--steps", "20", "--workers", "2"],
        long: &["--size", "1024", "--steps", "5000", "--workers", "2"],
        refused: &[
            &["--size", "4"],
            &["--steps", "0"],
            &["--workers", "0"],
            &["--size", "8192"],
            &["--size", "4096", "--steps", "3000"], // past the cap on run time
            &["--workers", "1"],                    // one strip: nothing crosses, no speedup
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "data_analysis",
        bin: env!("CARGO_BIN_EXE_data_analysis"),
        small: &["--rows", "20000", "--workers", "2"],
        long: &["--rows", "20000000", "--workers", "2"],
        refused: &[
            &["--rows", "100000000"], // about 3 GiB of CSV: past the cap on disk
            &["--rows", "0"],
            &["--rows", "1"], // one row: nothing to split and merge
            &["--workers", "0"],
            &["--workers", "1"],     // one range: nothing to merge, no speedup
            &["--rows", "50000000"], // past the cap on run time
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "graceful_shutdown",
        bin: env!("CARGO_BIN_EXE_graceful_shutdown"),
        small: &["--jobs", "10", "--interrupt-after", "4"],
        // Drains on either signal: the jobs in flight finish, then it exits 0.
        long: &[
            "--interrupt-after",
            "0",
            "--jobs",
            "1500",
            "--span",
            "100000",
        ],
        refused: &[
            &["--interrupt-after", "40"], // after the last of the 40 jobs: none left to stop
            &["--workers", "0"],
            &["--workers", "1"], // its own SIGINT comes between jobs: nothing to drain
            &[
                "--interrupt-after",
                "0",
                "--jobs",
                "1600",
                "--span",
                "100000",
            ], // past the cap on work
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "image_processing",
        bin: env!("CARGO_BIN_EXE_image_processing"),
        small: &["--images", "4", "--size", "64", "--workers", "2"],
        long: &["--images", "400", "--size", "1024", "--workers", "2"],
        refused: &[
            &["--images", "10000", "--size", "8192"], // terabytes of images: past the disk cap
            &["--images", "4", "--size", "8192", "--workers", "4"], // past the memory cap
            &["--images", "0"],
            &["--images", "1"], // one image: nothing to run beside it
            &["--size", "8"],
            &["--workers", "1"], // every image in turn: no speedup
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "io_or_cpu",
        bin: env!("CARGO_BIN_EXE_io_or_cpu"),
        small: &["--requests", "2", "--delay-ms", "20", "--limit", "20000"],
        long: &["--requests", "290", "--delay-ms", "100"],
        refused: &[
            &["--requests", "0"],
            &["--limit", "10"],
            &["--", "no-such-command-here"],
            &["--requests", "301", "--delay-ms", "100"], // past the cap on waiting
            &["--limit", "60000000"],                    // past the cap on counting
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "parallel_math",
        bin: env!("CARGO_BIN_EXE_parallel_math"),
        small: &[
            "--samples",
            "100000",
            "--steps",
            "100000",
            "--workers",
            "1,2",
        ],
        long: &["--samples", "10000000000", "--workers", "2"],
        refused: &[
            &["--workers", "0"],
            &["--workers", "1,300"], // past the 256 chunks (and the cap on processes)
            &["--samples", "10"],    // fewer samples than chunks
            &["--workers", "1"],     // no count of 2 or more: no speedup is possible
            &["--samples", "30000000000", "--workers", "2"], // 3 runs: past the cap on work
            &["--workers", WORKERS_100_TIMES_256], // worker starts: past the cap
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "process_memory",
        bin: env!("CARGO_BIN_EXE_process_memory"),
        small: &["--count", "50"],
        // Its longest run without --hold-ms ends in about a second: too soon to interrupt.
        long: &["--count", "256", "--hold-ms", "60000"],
        refused: &[
            &["--count", "1000"], // 1,000 processes at once: past the cap on processes
            &["--count", "0"],
            &["--count", "1"], // no sibling to share pages with: the lesson cannot show
            &["--count", "49"], // per-unit figures mostly whole pages rounded
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "process_pool",
        bin: env!("CARGO_BIN_EXE_process_pool"),
        small: &["--limit", "20000", "--workers", "2", "--chunk", "1000"],
        long: &["--limit", "50000000", "--workers", "2"],
        refused: &[
            &["--limit", "100000000", "--chunk", "1"], // 10^8 jobs held at once: past the memory cap
            &["--limit", "70000000"],                  // three approaches: past the cap on run time
            &["--workers", "0"],
            &["--workers", "300"],
            &["--limit", "1"],
            &["--workers", "1"], // no other worker: nothing to balance, no speedup
            // 10 million jobs of pipes and JSON: past the cap on run time
            &[
                "--mode",
                "processes",
                "--limit",
                "100000000",
                "--chunk",
                "10",
            ],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "process_requests",
        bin: env!("CARGO_BIN_EXE_process_requests"),
        small: &["--requests", "3", "--delay-ms", "10", "--workers", "3"],
        long: &["--requests", "20", "--delay-ms", "20000", "--workers", "20"],
        refused: &[
            &["--requests", "1"], // one request: nothing waits beside it
            &["--workers", "1"],  // one worker: every request in turn
            &["--requests", "10", "--workers", "2", "--delay-ms", "5000"], // 25 s: past the cap
            &["--requests", "1000", "--workers", "512"], // past the cap on processes
            &["--requests", "0"],
            &["--url", "ftp://x"],
        ],
        url_flag: Some("--url"),
        serves: None,
    },
    Program {
        name: "spawn_processes",
        bin: env!("CARGO_BIN_EXE_spawn_processes"),
        small: &["--children", "2", "--sleep-ms", "10"],
        long: &["--children", "99", "--sleep-ms", "200"],
        refused: &[
            &["--children", "200", "--sleep-ms", "10000"], // 2,010 s of sleep: past the cap
            &["--children", "1"],                          // nothing to run side by side
            &["--children", "0"],
            &["--children", "1000"],
            &["stray"],
        ],
        url_flag: None,
        serves: None,
    },
];

robust::checks!(PROGRAMS);
