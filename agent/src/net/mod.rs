//! Host networking: which interfaces to scan, UDP sockets tuned for discovery bursts, and the
//! kernel's neighbour table.

pub mod interfaces;
pub mod neighbour;
pub mod udp;
