//! camaudit agent library: sockets, HTTP, discovery, interrogation, output.
pub mod http;
