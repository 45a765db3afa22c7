//! Who has the machine: every test server runs beside the others, except
//! for a measurement of how long the server makes a client wait (scenario
//! 17), which has the machine to itself. On two cores, another test's
//! server and invitectl beside that measurement made a client wait 136 ms
//! in one CI run (the server's own chunks took under 40 ms): the bound is
//! about what invitectl asks of the server, not about a busy machine.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// How a test's server shares the machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Machine {
    /// Beside other tests' servers.
    #[default]
    Shared,
    /// Alone: it starts once every running test server has stopped, and
    /// no other starts until it stops.
    Alone,
}

/// Held by each running test server: every shared one reads it, an
/// `Alone` one writes it. Whether a waiting writer goes before new readers
/// is the platform's choice (on Linux it does); either way the measurement
/// runs alone, at worst after every other test.
static MACHINE: RwLock<()> = RwLock::new(());

/// A server's share of the machine, released when dropped.
pub struct Share {
    _shared: Option<RwLockReadGuard<'static, ()>>,
    _alone: Option<RwLockWriteGuard<'static, ()>>,
}

/// Waits for the machine as `machine` asks. A test that panicked while
/// holding it holds it no longer, so a poisoned lock is taken as it is.
pub fn take(machine: Machine) -> Share {
    match machine {
        Machine::Shared => Share {
            _shared: Some(MACHINE.read().unwrap_or_else(|e| e.into_inner())),
            _alone: None,
        },
        Machine::Alone => Share {
            _shared: None,
            _alone: Some(MACHINE.write().unwrap_or_else(|e| e.into_inner())),
        },
    }
}
