//! Wall time, CPU time and peak memory, read from the kernel with getrusage(2).

use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

/// Whose resource usage to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// This process, all of its threads.
    SelfProcess,
    /// Children that have ended and been waited for (`RUSAGE_CHILDREN`). A child that is still
    /// running, or was never waited for, is not counted.
    Children,
}

/// One reading of getrusage(2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// CPU time spent running the program's own code.
    pub user: Duration,
    /// CPU time the kernel spent on its behalf (system calls, page faults).
    pub system: Duration,
    /// Peak resident set size in KiB. For [`Who::SelfProcess`] it is [`peak_rss_kib`]: the
    /// high-water mark since this program started. For [`Who::Children`] it is the kernel's
    /// `ru_maxrss`: the largest single child's, not their sum, and, beware, at least the
    /// parent's own RSS when it spawned that child, because Linux carries the high-water mark
    /// across `execve`. A 2 MiB `sh` started by a 300 MiB parent reports 300 MiB here. Have
    /// children report their own [`peak_rss_kib`] instead.
    pub max_rss_kib: u64,
    /// Times a thread gave up the CPU because it waited (I/O, a lock, a sleep).
    pub voluntary_switches: u64,
    /// Times the scheduler took the CPU away from a thread that still wanted it.
    pub involuntary_switches: u64,
}

/// Peak resident memory of this process in KiB since it started: `VmHWM` in
/// `/proc/self/status`.
///
/// Not getrusage's `ru_maxrss`: Linux keeps that across `execve`, so a program started by a
/// large parent (cargo, a test harness, a process pool) would report the parent's size. `VmHWM`
/// belongs to the address space that `execve` created. Falls back to `ru_maxrss` where
/// `/proc` is not mounted.
pub fn peak_rss_kib() -> u64 {
    proc_status_kib("VmHWM").unwrap_or_else(|| rusage(UsageWho::RUSAGE_SELF).max_rss_kib)
}

/// A memory figure of this process, now, from `/proc/self/status`, in KiB: `VmRSS` (resident
/// now), `VmHWM` (resident at most), `VmSize` (address space reserved, resident or not),
/// `VmStk`... `None` where `/proc` is not mounted or the field does not exist.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    read_status_kib("/proc/self/status", field)
}

/// The same figure for another process, such as a child: `/proc/{pid}/status`.
pub fn proc_status_kib_of(pid: u32, field: &str) -> Option<u64> {
    read_status_kib(&format!("/proc/{pid}/status"), field)
}

fn read_status_kib(path: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Reads getrusage(2) for `who` (and `/proc/self/status` for this process's peak RSS).
pub fn usage(who: Who) -> Usage {
    match who {
        Who::SelfProcess => Usage {
            max_rss_kib: peak_rss_kib(),
            ..rusage(UsageWho::RUSAGE_SELF)
        },
        Who::Children => rusage(UsageWho::RUSAGE_CHILDREN),
    }
}

fn rusage(who: UsageWho) -> Usage {
    // getrusage can only fail with EFAULT or EINVAL, neither of which a valid `who` and nix's
    // own buffer can produce; an all-zero reading is the honest answer if it ever did.
    let Ok(u) = getrusage(who) else {
        return Usage::default();
    };
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec().max(0) as u64)
            + Duration::from_micros(t.tv_usec().max(0) as u64)
    };
    Usage {
        user: tv(u.user_time()),
        system: tv(u.system_time()),
        // Linux reports ru_maxrss in KiB.
        max_rss_kib: u.max_rss().max(0) as u64,
        voluntary_switches: u.voluntary_context_switches().max(0) as u64,
        involuntary_switches: u.involuntary_context_switches().max(0) as u64,
    }
}

/// What [`measure`] saw while a closure ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measurement {
    /// Wall-clock time, from a monotonic clock.
    pub wall: Duration,
    /// CPU time of this process (all threads) during the run.
    pub user: Duration,
    pub system: Duration,
    /// Peak RSS of this process in KiB ([`peak_rss_kib`]): the high-water mark since the
    /// process started, not since the closure started. That is why the comparisons run each
    /// approach in a process of its own. Children are not included (see [`Usage::max_rss_kib`]
    /// for why getrusage cannot tell it).
    pub peak_rss_kib: u64,
    /// CPU time of children that ended and were waited for during the run.
    pub children_user: Duration,
    pub children_system: Duration,
    /// Context switches of this process during the run (see [`Usage`]).
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
}

impl Measurement {
    /// User plus system CPU time of this process and of its waited-for children.
    pub fn cpu(&self) -> Duration {
        self.user + self.system + self.children_user + self.children_system
    }

    /// CPU time over wall time: about 1.0 for one busy core, 2.0 for two, near 0 for a
    /// program that mostly waits.
    pub fn cpu_per_wall(&self) -> f64 {
        let wall = self.wall.as_secs_f64();
        if wall == 0.0 {
            0.0
        } else {
            self.cpu().as_secs_f64() / wall
        }
    }
}

/// Runs `f` and measures it: wall time, CPU time and peak RSS of this process, and the CPU time
/// of children waited for while it ran.
///
/// ```
/// let (sum, m) = shared::measure(|| (1..=1000u64).sum::<u64>());
/// assert_eq!(sum, 500_500);
/// assert!(m.peak_rss_kib > 0);
/// ```
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Measurement) {
    let self_before = usage(Who::SelfProcess);
    let children_before = usage(Who::Children);
    let start = Instant::now();
    let value = f();
    let wall = start.elapsed();
    let self_after = usage(Who::SelfProcess);
    let children_after = usage(Who::Children);
    let m = Measurement {
        wall,
        user: self_after.user.saturating_sub(self_before.user),
        system: self_after.system.saturating_sub(self_before.system),
        peak_rss_kib: self_after.max_rss_kib,
        children_user: children_after.user.saturating_sub(children_before.user),
        children_system: children_after.system.saturating_sub(children_before.system),
        voluntary_switches: self_after
            .voluntary_switches
            .saturating_sub(self_before.voluntary_switches),
        involuntary_switches: self_after
            .involuntary_switches
            .saturating_sub(self_before.involuntary_switches),
    };
    (value, m)
}

/// A plain monotonic timer, for programs that time laps rather than whole closures.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    start: Instant,
    lap: Instant,
}

impl Stopwatch {
    pub fn start() -> Self {
        let now = Instant::now();
        Stopwatch {
            start: now,
            lap: now,
        }
    }

    /// Time since [`Stopwatch::start`].
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Time since the previous lap (or the start), and begins the next lap.
    pub fn lap(&mut self) -> Duration {
        let now = Instant::now();
        let lap = now - self.lap;
        self.lap = now;
        lap
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;
    use std::sync::Mutex;

    /// getrusage(RUSAGE_SELF) counts every thread of the process, and the test harness runs
    /// tests on parallel threads: the tests that read it take turns.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        SERIAL.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Burns `d` of this process's CPU time (not of wall time: on a busy machine a wall-time
    /// spin may get only a slice of a core, and the test would measure the machine).
    fn spin(d: Duration) -> u64 {
        let cpu = || {
            let u = usage(Who::SelfProcess);
            u.user + u.system
        };
        let start = cpu();
        let mut x = 0u64;
        while cpu() - start < d {
            x = black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        x
    }

    #[test]
    fn busy_work_costs_cpu_and_sleep_does_not() {
        let _turn = serial();
        let (_, busy) = measure(|| spin(Duration::from_millis(200)));
        let (_, idle) = measure(|| std::thread::sleep(Duration::from_millis(200)));
        // Counted, not timed: the spin ran until the process had used 200 ms of CPU (other
        // threads of the test harness count too, so its wall time says nothing), the sleep
        // used the wall clock. What the sleep costs is what the harness's other threads burned
        // meanwhile, which is far below a whole 200 ms.
        assert!(idle.wall >= Duration::from_millis(200));
        assert!(busy.cpu() >= Duration::from_millis(200), "{busy:?}");
        assert!(idle.cpu() < Duration::from_millis(150), "{idle:?}");
        // A sleep is a voluntary switch: the thread gave the CPU up.
        assert!(idle.voluntary_switches >= 1);
    }

    #[test]
    fn peak_rss_sees_memory_touched() {
        let _turn = serial();
        let before = peak_rss_kib();
        let (_, m) = measure(|| {
            // 64 MiB actually written, so the pages are resident.
            let v = vec![1u8; 64 << 20];
            black_box(v.iter().map(|&b| b as u64).sum::<u64>())
        });
        assert!(before > 0);
        assert!(m.peak_rss_kib >= before + 60 * 1024, "{before} -> {m:?}");
    }

    #[test]
    fn children_are_counted_once_waited_for() {
        let _turn = serial();
        let (status, m) = measure(|| {
            std::process::Command::new("sh")
                .args(["-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"])
                .status()
        });
        assert!(status.expect("sh runs").success());
        assert!(
            m.children_user + m.children_system > Duration::ZERO,
            "{m:?}"
        );
        // Linux carries ru_maxrss across execve: the child's figure is at least ours.
        assert!(
            usage(Who::Children).max_rss_kib >= m.peak_rss_kib / 2,
            "{m:?}"
        );
    }

    #[test]
    fn proc_status_fields() {
        let rss = proc_status_kib("VmRSS").expect("Linux has /proc");
        let size = proc_status_kib("VmSize").expect("Linux has /proc");
        assert!(rss > 0 && size >= rss);
        assert!(peak_rss_kib() >= rss / 2);
        assert_eq!(proc_status_kib("NoSuchField"), None);
        // "VmRSS" must not match "VmRSSx" or a prefix such as "Vm".
        assert_eq!(proc_status_kib("Vm"), None);
    }

    #[test]
    fn stopwatch_laps_add_up() {
        let mut sw = Stopwatch::start();
        std::thread::sleep(Duration::from_millis(20));
        let a = sw.lap();
        std::thread::sleep(Duration::from_millis(20));
        let b = sw.lap();
        assert!(a >= Duration::from_millis(20) && b >= Duration::from_millis(20));
        assert!(sw.elapsed() >= a + b);
    }
}
