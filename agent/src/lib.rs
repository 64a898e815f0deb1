//! camaudit agent library: everything that touches the host — sockets, HTTP, discovery,
//! interrogation — and the scan that ties them together. The binary (`main.rs`) adds the
//! command line and output on top.
//!
//! # Layout
//! - [`net`]: interfaces, discovery sockets, the neighbour table.
//! - [`scope`]: targets and the networks a scan covers.
//! - [`discovery`]: discovery drivers (WS-Discovery, Hikvision SADP, Dahua DHIP) reporting
//!   [`discovery::Found`] devices.
//! - [`http`]: a bounded HTTP/1.1 client (GET and POST only).
//! - [`interrogate`]: reading one device's identity over ONVIF, up the auth ladder.
//! - [`identity_pages`]: the vendors' HTTP identity pages (ISAPI deviceInfo, magicBox).
//! - [`credentials`]: credentials bound to networks, and a secret that never prints.
//! - [`scan`]: discovery and interrogation pipelined into a scan report.
//! - [`assemble`]: one record per device from every sighting of it (merge by MAC, then IP).
//! - [`output`]: table, JSON, NDJSON and CSV.
//! - [`cli`]: the clap definitions (shared with the man page and completions).

pub mod assemble;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod discovery;
pub mod http;
pub mod identity_pages;
pub mod interrogate;
pub mod inventory;
pub mod mqtt;
pub mod net;
pub mod output;
pub mod payload;
pub mod queue;
pub mod report;
pub mod run;
pub mod scan;
pub mod scope;
pub mod url;
