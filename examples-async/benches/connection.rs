//! One connection, start to end, per client of `connection_memory`: connect, send
//! `GET /delay/0`, read and check the answer, close. divan's allocation profiler counts what
//! each connection allocates (bytes and allocations per iteration), and the time is its
//! set-up cost against the loopback fixture in this process (one thread does both ends).
//!
//! Run: `cargo bench -p examples-async --bench connection`

use std::sync::Arc;

#[path = "../src/bin/connection_memory/clients.rs"]
#[allow(dead_code)]
mod clients;
#[path = "../src/bin/connection_memory/heap.rs"]
#[allow(dead_code)]
mod heap;

use clients::{Client, Counts};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

#[divan::bench(args = [Client::Reqwest, Client::Hyper, Client::Lean])]
fn one_connection(bencher: divan::Bencher, client: Client) {
    let fixture = shared::fixture::Fixture::start().expect("the loopback fixture");
    let target = Arc::new(clients::Target {
        addr: fixture.addr(),
        host: fixture.addr().to_string(),
        path: "/delay/0".into(),
        expected: "waited 0 ms\n".into(),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    bencher.bench_local(|| {
        let counts = Arc::new(Counts::default());
        let (errors, _) = runtime.block_on(clients::run_all(client, target.clone(), 1, counts));
        assert!(errors.is_empty(), "{errors:?}");
    });
}
