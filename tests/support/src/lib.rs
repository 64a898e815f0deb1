//! camaudit-test-support: a camera simulator that replays real captured responses, and helpers
//! for building simulated camera LANs in network namespaces.
//!
//! # Layout
//! - [`fleet`]: what each simulated camera is (profile, identity, credentials, behaviour);
//!   deterministic generation; the JSON ground truth.
//! - [`profile`]: which real capture each camera replays for each request.
//! - [`vendor`]: Hikvision SADP and Dahua DHIP replies and the ISAPI / magicBox identity
//!   pages, also replayed from real captures.
//! - [`sim`]: the tokio runtime that binds sockets and answers (loopback or multicast mode).
//! - [`stats`]: counters and the log of every request received.
//! - [`readonly`]: the read-only allow-list of DESIGN.md section 6, checked over that log.
//! - [`netns`]: two network namespaces joined by a veth pair, cleaned up on drop.
//! - [`probe`]: a minimal WS-Discovery prober for tests (multicast and unicast).
//! - [`auth`], [`soap`]: the camera side of WS-UsernameToken / HTTP Digest, and bounded
//!   envelope reading.

pub mod auth;
mod camera;
pub mod creds;
pub mod fleet;
pub mod netns;
pub mod prng;
pub mod probe;
pub mod profile;
pub mod readonly;
pub mod sim;
pub mod soap;
pub mod stats;
mod template;
pub mod vendor;

pub use fleet::{
    AuthMode, Behaviour, CameraSpec, FleetError, FleetOptions, FleetSpec, Identity, Profile,
    VendorMix,
};
pub use sim::{BoundCamera, Fleet, Mode, RunningFleet, SimError};
