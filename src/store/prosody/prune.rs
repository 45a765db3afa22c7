//! The order every SQL backend prunes in, inside its one transaction.

/// The steps of a prune of Prosody's table on one engine, each run on the
/// transaction `T`.
pub trait Steps<T> {
    /// What the engine's statements fail with.
    type Error;

    /// Removes the lone per-user records that read as expired (contact-only
    /// invites, or what a pruned invite left); returns how many went.
    fn lone_user_records(&self, tx: &mut T) -> Result<u64, Self::Error>;

    /// How many host-level records the host has.
    fn count_host_records(&self, tx: &mut T) -> Result<u64, Self::Error>;

    /// Removes the host-level records that read as expired, telling `seen`
    /// how many it has looked at so far; returns how many went.
    fn host_records(&self, tx: &mut T, seen: &mut dyn FnMut(u64)) -> Result<u64, Self::Error>;
}

/// Runs the steps: contact-only invites first, since once host-level
/// records are gone the per-user records they leave look the same, and
/// are removed at the end without being counted again. `progress` hears
/// how many host-level records were looked at, of how many. Returns how
/// many invites went.
pub fn run<T, S: Steps<T>>(
    tx: &mut T,
    steps: &S,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, S::Error> {
    let mut removed = steps.lone_user_records(tx)?;
    let total = steps.count_host_records(tx)?;
    progress(0, total);
    removed += steps.host_records(tx, &mut |seen| progress(seen.min(total), total))?;
    progress(total, total);
    steps.lone_user_records(tx)?;
    Ok(removed)
}
