//! The Debian package scripts/build-deb makes from this build: what it
//! holds and declares, and, installed onto this machine, that it works and
//! that removing it leaves nothing behind. Installing changes the system,
//! so that part runs only as root under CI=true or INVITECTL_TEST_INSTALL=1.

// The cases are in tests/package/, declared here so that this crate root
// reaches tests/support/ as `support` (see tests/cli.rs).
mod package {
    pub mod contents;
    pub mod deb;
    mod installed;
    mod version;
}
// Public: the binaries' shared interface (see tests/support/mod.rs).
pub mod support;

use package::{contents, deb};
use support::tools;
