//! Part 1: separate memory. The same `Arc<AtomicI64>` is handed to a child process and to a
//! thread; each adds 50. The child's addition never reaches the parent, the thread's does.

use std::fs::File;
use std::io::Write;
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;

/// Runs both halves and prints what each process saw, with the address it looked at.
pub fn separate_memory() -> Result<(), String> {
    let balance = Arc::new(AtomicI64::new(100));
    let at = Arc::as_ptr(&balance);
    println!(
        "parent (pid {}): balance at {at:p} is 100",
        std::process::id()
    );

    // A process: with a `pre_exec` closure, `Command::spawn` forks this process (the child
    // starts as a copy of it, every variable at the same address) and runs the closure in the
    // child before it executes a new program. The child adds 50 to *its* copy and says what
    // it sees there.
    let theirs = Arc::clone(&balance);
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(me);
    child.arg("--after-fork").stdout(Stdio::piped());
    // SAFETY: the closure runs in the forked child of a process that has other threads, so it
    // may only do what is safe there (no allocation, no locks): an atomic add and load, a
    // format into a buffer on the stack, and one write(2) to file descriptor 1, which is the
    // pipe to the parent at this point. The File is never dropped, so fd 1 stays open.
    #[allow(unsafe_code)]
    unsafe {
        child.pre_exec(move || {
            let now = theirs.fetch_add(50, Ordering::SeqCst) + 50;
            let mut line = [0u8; 128];
            let mut free = &mut line[..];
            let _ = writeln!(
                free,
                "child  (pid {}): balance at {:p} is now {now}",
                std::process::id(),
                Arc::as_ptr(&theirs)
            );
            let used = 128 - free.len();
            let mut out = ManuallyDrop::new(File::from_raw_fd(1));
            let _ = out.write_all(&line[..used]);
            Ok(())
        });
    }
    let out = child
        .output()
        .map_err(|e| format!("cannot start the child: {e}"))?;
    if !out.status.success() {
        return Err(format!("the child exited with {}", out.status));
    }
    print!("{}", String::from_utf8_lossy(&out.stdout));
    println!(
        "parent (pid {}): balance at {at:p} is still {}: the child wrote to its own copy",
        std::process::id(),
        balance.load(Ordering::SeqCst)
    );

    // A thread: the same kind of handle, but the thread lives in this process's memory.
    let theirs = Arc::clone(&balance);
    thread::spawn(move || {
        let now = theirs.fetch_add(50, Ordering::SeqCst) + 50;
        println!(
            "thread of the parent: balance at {:p} is now {now}",
            Arc::as_ptr(&theirs)
        );
    })
    .join()
    .map_err(|_| "the thread panicked")?;
    println!(
        "parent (pid {}): balance at {at:p} is {}: the thread wrote to the parent's memory\n",
        std::process::id(),
        balance.load(Ordering::SeqCst)
    );
    Ok(())
}
