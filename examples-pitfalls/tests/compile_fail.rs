//! The races Rust refuses to compile, checked with trybuild: each case in tests/compile_fail/
//! must fail to build with the compiler output recorded beside it (`compile_time_safety`
//! prints the same files). Regenerate the .stderr files after a compiler upgrade with
//! `TRYBUILD=overwrite cargo test -p examples-pitfalls --test compile_fail`, and read them.

#[test]
fn data_races_do_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
