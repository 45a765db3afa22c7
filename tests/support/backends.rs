//! One case run on each backend in turn, so that a failure names the
//! backend it failed on.

use std::fmt::Display;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// Runs `case` on each of `backends`, in order. When it fails on one, the
/// test fails with that backend's name before the failure's message (the
/// failure itself, with its place in the source, is printed above it),
/// reported at the test's call of `on_each`.
#[track_caller]
pub fn on_each<B: Copy + Display>(backends: impl IntoIterator<Item = B>, case: impl Fn(B)) {
    for backend in backends {
        // Unwind safety: a failed case fails the test at once; nothing it
        // touched is used again.
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| case(backend))) {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied());
            match message {
                Some(message) => panic!("on {backend}: {message}"),
                None => resume_unwind(panic),
            }
        }
    }
}
