//! tokio-console for `--console`: the runtime's tasks, polls and wakers, live. It needs tokio's
//! unstable instrumentation and the `console` feature, so it is built on its own (see the
//! header of main.rs); a plain build says how to get it.

use std::process::ExitCode;
#[cfg(feature = "console")]
#[cfg(tokio_unstable)]
use std::time::Duration;

/// tokio-console: the runtime's tasks, polls and wakers, live. Needs tokio's unstable
/// instrumentation, so it is built in its own target directory (see the header). Both
/// conditions hold: the feature brings console-subscriber, the cfg tokio's instrumentation.
#[cfg(feature = "console")]
#[cfg(tokio_unstable)]
pub fn console() -> ExitCode {
    let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("error: cannot start the tokio runtime");
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        console_subscriber::init();
        println!("serving tokio-console on 127.0.0.1:6669 for 60 s: run `tokio-console`");
        let mut tasks = tokio::task::JoinSet::new();
        for id in 0..10u64 {
            tasks.spawn(async move {
                for _ in 0..600 / (id + 1) {
                    tokio::time::sleep(Duration::from_millis(100 * (id + 1))).await;
                }
            });
        }
        // A task that panicked is reported, not counted as done.
        while let Some(done) = tasks.join_next().await {
            if let Err(e) = done {
                eprintln!("error: a task failed: {e}");
                return ExitCode::FAILURE;
            }
        }
        ExitCode::SUCCESS
    })
}

#[cfg(not(all(feature = "console", tokio_unstable)))]
pub fn console() -> ExitCode {
    eprintln!(
        "error: --console needs the `console` feature and tokio_unstable: RUSTFLAGS=\"--cfg tokio_unstable\" cargo run --features console --target-dir target/console --bin debugging -- --console (in the folder of its crate)"
    );
    ExitCode::from(2)
}
