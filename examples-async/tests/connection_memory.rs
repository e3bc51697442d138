//! `connection_memory`: every answer checked, and where a connection's memory goes, from the
//! heap counts (allocation sizes are deterministic; no time is asserted).

#[path = "../../testing/common.rs"]
mod common;
use common::{Witness, assert_refused_ending, run};

const CONNECTION_MEMORY: &str = env!("CARGO_BIN_EXE_connection_memory");

#[test]
fn the_lean_client_holds_a_fraction_of_what_the_libraries_hold() {
    // The gate holds the first client's 150 requests at the server until all 150 arrived:
    // they were in flight at once, or the run would never end.
    let w = Witness::new();
    let r = w.run(
        CONNECTION_MEMORY,
        &["--requests", "150", "--delay-ms", "300", "--json"],
        Some(150),
    );
    let reports = r.json_lines();
    let by = |name: &str| {
        reports
            .iter()
            .find(|j| j["client"] == name)
            .unwrap_or_else(|| panic!("no {name} report in {}", r.stdout))
    };
    let (reqwest, hyper, lean) = (by("reqwest"), by("hyper"), by("lean"));
    for j in [reqwest, hyper, lean] {
        assert_eq!(j["ok"], 150, "{j}");
        assert_eq!(j["requests"], 150, "{j}");
    }
    let heap = |j: &serde_json::Value| j["heap_bytes_per_connection"].as_f64().unwrap();
    // hyper's two 8 KiB buffers alone are 16 KiB; the lean client has no buffer past 512 B.
    assert!(heap(hyper) > 16.0 * 1024.0, "{hyper}");
    assert!(heap(reqwest) > 16.0 * 1024.0, "{reqwest}");
    assert!(heap(lean) * 5.0 < heap(hyper), "{lean}");
    // Taken apart: the read buffer is exactly its 512 bytes, the task holds at least its
    // future, and connecting registered the socket with tokio's driver.
    let [task, socket, buffer] = [0, 1, 2].map(|i| lean["anatomy"][i].as_i64().unwrap());
    assert_eq!(buffer, 512);
    assert!(task >= lean["future_bytes"].as_i64().unwrap(), "{lean}");
    assert!(socket > 0, "{lean}");
    assert!(reqwest["anatomy"].is_null());
}

#[test]
fn the_table_names_each_client_and_takes_the_lean_one_apart() {
    let r = run(
        CONNECTION_MEMORY,
        &["--requests", "60", "--delay-ms", "200"],
    );
    assert!(r.success(), "{}{}", r.stdout, r.stderr);
    for client in ["reqwest", "hyper", "lean"] {
        let row = r.row(client);
        assert_eq!(row[1], "60 of 60", "{}", r.stdout);
        // The per-connection figures divide by this: at least one, at most every request.
        let in_flight: u32 = row[2].parse().unwrap();
        assert!((1..=60).contains(&in_flight), "{}", r.stdout);
    }
    assert!(
        r.stdout.contains("taken apart, one connection: its task"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("the difference is the client's buffers"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_server_that_is_down_is_work_that_failed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let r = run(
        CONNECTION_MEMORY,
        &["--client", "lean", "--url", &url, "--requests", "5"],
    );
    common::assert_work_failed(&r, "error: 5 requests failed");
    // No figure per connection and no conclusion from connections that never happened.
    assert!(!r.stdout.contains("a connection"), "{}", r.stdout);
    assert!(!r.stdout.contains("the difference is"), "{}", r.stdout);
}

#[test]
fn a_refusal_names_only_the_flags_that_bring_the_run_under_the_cap() {
    // 3 clients x (40,000 ms + 2,000 requests): only --delay-ms, lowered alone, fits (3 x
    // 2,001); --requests at its least still needs 3 x 40,002; one client, 42,000, fits.
    let tail = "past the cap of 90,000 (the default run needs 9,000): lower --delay-ms, or run one \
                --client";
    assert_refused_ending(CONNECTION_MEMORY, &["--delay-ms", "40000"], tail);
    // 3 x (29,000 + 2,000) = 93,000: either flag at its least fits alone, and so does one client.
    let tail = ": lower --delay-ms or --requests, or run one --client";
    assert_refused_ending(CONNECTION_MEMORY, &["--delay-ms", "29000"], tail);
}
