//! camaudit-sim: run a simulated camera fleet (stub).
fn main() {}
