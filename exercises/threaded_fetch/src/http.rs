//! Given by the task (do not edit: `cargo exercise check` notices): a blocking HTTP GET, like
//! the program's `ureq` call. It blocks the thread that calls it until the answer arrives.

/// The body of a `200` answer to `GET url`, or what went wrong.
pub fn get(url: &str) -> Result<String, String> {
    checker::server::get(url).map_err(|e| format!("{url}: {e}"))
}
