//! Invites drawn for people: the table `list` prints on a terminal, the
//! tab-separated lines it prints into pipes, relative times, and QR codes
//! on the terminal or in image files. The JSON Lines contract is the
//! library's (`invitectl::output::json`).
//!
//! Every text that came from the store goes through
//! `invitectl::output::escape_for_terminal` before it is shown.

pub mod plain;
pub mod qr;
pub mod qr_file;
mod relative;
pub mod table;
mod whom;

pub use relative::relative;
pub use whom::whom;

/// How long before expiry an invite counts as expiring soon.
pub const SOON: i64 = 86_400;
