//! The `camaudit` binary.
fn main() {}
