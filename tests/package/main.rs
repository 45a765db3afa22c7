//! The Debian package scripts/build-deb makes from this build: what it
//! holds and declares, and, installed onto this machine, that it works and
//! that removing it leaves nothing behind. Installing changes the system,
//! so that part runs only as root under CI=true or INVITECTL_TEST_INSTALL=1.

mod contents;
mod deb;
mod installed;
#[path = "../cli/tools.rs"]
mod tools;
mod version;
