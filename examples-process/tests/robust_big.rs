//! The checks of testing/robust.rs over compare, ipc, isolation and simulation (the other
//! programs of this crate are in robust.rs; every_binary_is_listed runs there).

#[path = "../../testing/robust.rs"]
#[allow(dead_code)] // every_binary_is_listed: robust.rs runs it
mod robust;
use robust::Program;

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
        long: &["--round-trips", "1000000", "--megabytes", "64"],
        refused: &[
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
        // Job 8 hangs and its deadline is 10 minutes away: a signal finds it hanging.
        long: &[
            "--jobs",
            "10000",
            "--span",
            "100000",
            "--timeout-ms",
            "600000",
        ],
        refused: &[
            &["--jobs", "3"],
            &["--workers", "0"],
            &["--timeout-ms", "1"],
            &["--panic-job", "11"],
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
        ],
        url_flag: None,
        serves: None,
    },
];

#[test]
fn closed_stdout() {
    PROGRAMS.iter().for_each(robust::closed_stdout);
}
#[test]
fn interrupted() {
    PROGRAMS.iter().for_each(robust::interrupted);
}
#[test]
fn refused() {
    PROGRAMS.iter().for_each(robust::refused);
}
#[test]
fn server_down() {
    PROGRAMS.iter().for_each(robust::server_down);
}
