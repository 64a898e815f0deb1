//! camaudit-test-support: a camera simulator that replays real captured responses, and helpers
//! for building simulated camera LANs in network namespaces.
