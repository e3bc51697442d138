//! Every program of examples-async behaves like a command-line tool: quiet on a closed stdout,
//! clean on Ctrl-C and SIGTERM, refusing sizes past a cap, exit 1 when a server is down, and
//! a server that keeps serving with its stdout closed (testing/robust.rs says how).

#[path = "../../testing/robust.rs"]
mod robust;
use robust::Program;

const PROGRAMS: &[Program] = &[
    Program {
        name: "async_channels",
        bin: env!("CARGO_BIN_EXE_async_channels"),
        small: &["--messages", "50"],
        long: &["--messages", "50000"],
        refused: &[
            &["--messages", "0"],
            &["--messages", "9"], // barely past the capacity: little to wait for
            &["--messages", "75001"], // run time
            &["--capacity", "0"],
            &["--messages", "10", "--capacity", "100000"], // holds them all: nothing to show
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "async_database",
        bin: env!("CARGO_BIN_EXE_async_database"),
        small: &["--rows", "2000", "--queries", "4"],
        long: &["--rows", "3000000"],
        // One query cannot show queries running side by side.
        refused: &[
            &["--queries", "1"],
            &["--rows", "0"],
            &["--pool", "0"],
            &["--pool", "1"], // the shared connection again
            &["--rows", "10000000", "--queries", "121"], // run time
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "async_files",
        bin: env!("CARGO_BIN_EXE_async_files"),
        small: &["--files", "20", "--kib", "4"],
        long: &["--files", "20000", "--kib", "16"],
        refused: &[
            &["--files", "100000", "--kib", "65536"], // disk
            &["--files", "1000", "--kib", "1024"],    // memory: 1 GiB held twice
            &["--dir", "/nonexistent/place"],
            &["--dir", "/etc/passwd"],
            &["--files", "1"],                   // nothing to overlap with
            &["--files", "50001", "--kib", "1"], // run time
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "async_requests",
        bin: env!("CARGO_BIN_EXE_async_requests"),
        small: &["--requests", "5", "--delay-ms", "10"],
        long: &["--requests", "50", "--delay-ms", "60000"],
        refused: &[
            &["--requests", "100000"], // open files, or else memory
            &["--requests", "0"],
            &["--requests", "1"], // nothing to overlap with
            &["--delay-ms", "0"], // no waits to overlap
            &["--url", "ftp://127.0.0.1:1"],
        ],
        url_flag: Some("--url"),
        serves: None,
    },
    Program {
        name: "bounded_concurrency",
        bin: env!("CARGO_BIN_EXE_bounded_concurrency"),
        small: &[
            "--jobs",
            "20",
            "--limit",
            "5",
            "--delay-ms",
            "10",
            "--buffer-kib",
            "4",
        ],
        long: &["--jobs", "2000", "--delay-ms", "1400"],
        refused: &[
            &["--jobs", "8000", "--buffer-kib", "1024"], // memory
            &["--jobs", "10", "--limit", "20"],          // nothing to bound
            &["--jobs", "2000", "--delay-ms", "1968"],   // run time
            &["--jobs", "8000", "--limit", "1", "--delay-ms", "4"], // per-job costs
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "chef",
        bin: env!("CARGO_BIN_EXE_chef"),
        small: &["--scale", "0.1"],
        long: &["--scale", "10"],
        refused: &[&["--scale", "100"], &["--chefs", "0"], &["--chefs", "1"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "connection_memory",
        bin: env!("CARGO_BIN_EXE_connection_memory"),
        small: &["--requests", "20", "--delay-ms", "100"],
        // Requests held 29 s by the server: every client process is mid-run when signalled.
        long: &["--requests", "200", "--delay-ms", "29000"],
        refused: &[
            &["--requests", "0"],
            &["--requests", "60000"],
            &["--requests", "1"],
            &["--delay-ms", "30001"], // run time, with all three clients
            &["--requests", "19000", "--delay-ms", "11001"], // connecting counts too
            &["--client", "curl"],
            &["--url", "ftp://127.0.0.1:1"],
        ],
        url_flag: Some("--url"),
        serves: None,
    },
    Program {
        name: "cpu_in_async",
        bin: env!("CARGO_BIN_EXE_cpu_in_async"),
        small: &["--limit", "20000"],
        long: &["--limit", "30000000"],
        refused: &[
            &["--limit", "1"],
            &["--limit", "999"], // ends in microseconds anywhere: no stall could show
            &["--mode", "threads"],
            &["--limit", "36000000"], // run time
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "runtimes",
        bin: env!("CARGO_BIN_EXE_runtimes"),
        small: &["--tasks", "100", "--delay-ms", "10", "--messages", "100"],
        long: &["--tasks", "1000", "--delay-ms", "10000"],
        refused: &[&["--tasks", "0"], &["--tasks", "2000000"]],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "scraper",
        bin: env!("CARGO_BIN_EXE_scraper"),
        small: &["--pages", "20", "--timeout-ms", "200"],
        long: &["--pages", "2000"],
        refused: &[
            &["--concurrency", "0"],
            &["--concurrency", "1"], // the one-at-a-time crawl again
            &["--timeout-ms", "0"],
            &["--timeout-ms", "199"], // the first page takes 150 ms: nothing to crawl
            &["--pages", "3048"],     // run time
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "task_errors",
        bin: env!("CARGO_BIN_EXE_task_errors"),
        // Its deliberate panic comes after its first line, where a closed stdout stops it.
        small: &["--tasks", "4"],
        long: &["--delay-ms", "60000", "--panic-at", "0"],
        refused: &[
            &["--tasks", "0"],
            &["--tasks", "1"],    // no other task to carry on
            &["--panic-at", "4"], // a missing order: it 404s before its bug
            &["--missing-every", "0"],
            &["--missing-every", "1", "--panic-at", "0"], // every task fails: no others
            &["--tasks", "2", "--missing-every", "2", "--panic-at", "1"],
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "task_memory",
        bin: env!("CARGO_BIN_EXE_task_memory"),
        small: &["--tasks", "1000"],
        long: &["--tasks", "3000000", "--state-bytes", "0"],
        refused: &[
            &["--tasks", "5000000", "--state-bytes", "65536"], // 320 GiB
            &["--tasks", "4000000", "--state-bytes", "0"],
            &["--tasks", "999"], // too few to share 4 KiB pages among
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "timeouts",
        bin: env!("CARGO_BIN_EXE_timeouts"),
        small: &["--part", "abort"],
        long: &["--part", "shutdown", "--shutdown-after-ms", "60000"],
        refused: &[
            &["--job-ms", "0"],
            &["--part", "nope"],
            &["--shutdown-after-ms", "120000"], // run time: with the jobs' 300 ms, past two minutes
        ],
        url_flag: None,
        serves: None,
    },
    Program {
        name: "web_server",
        bin: env!("CARGO_BIN_EXE_web_server"),
        small: &["--workers", "2"],
        long: &["--workers", "2"],
        refused: &[&["--workers", "0"]],
        url_flag: None,
        serves: Some("/delay/10"),
    },
];

robust::checks!(PROGRAMS);
