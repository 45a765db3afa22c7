//! ejabberd 26.07 (Debian trixie-backports) in the trixie chroot that
//! `scripts/install-test-servers` builds: the harness that starts it for a
//! test and the scenarios run against it.

pub mod collation;
pub mod contacts;
pub mod harness;
pub mod invitectl;
pub mod landing;
pub mod load;
pub mod mnesia;
pub mod scenarios;
pub mod tz;
