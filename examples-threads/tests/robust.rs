#[path = "../../testing/robust.rs"]
mod robust;
use robust::Program;

const PROGRAMS: &[Program] = &[Program {
    name: "file_processing",
    bin: env!("CARGO_BIN_EXE_file_processing"),
    small: &["--files", "20", "--kib-per-file", "4"],
    long: &["--files", "1000", "--kib-per-file", "64"],
    refused: &[&["--files", "100000", "--kib-per-file", "16384"]],
    url_flag: None,
    serves: None,
}];

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
