//! The order every SQL backend prunes in, inside its one transaction.

/// The steps of a prune of Prosody's table, each run on `tx`: removing the
/// lone per-user records that read as expired (contact-only invites),
/// counting the host-level records, and removing the expired ones among
/// them, telling how many were looked at so far.
pub struct Steps<Lone, Count, Host> {
    pub lone_user_records: Lone,
    pub count_host_records: Count,
    pub host_records: Host,
}

/// Runs the steps: contact-only invites first, since once host-level
/// records are gone the per-user records they leave look the same, and
/// are removed at the end without being counted again. `progress` hears
/// how many host-level records were looked at, of how many. Returns how
/// many invites went.
pub fn run<T, E, Lone, Count, Host>(
    tx: &mut T,
    steps: Steps<Lone, Count, Host>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<u64, E>
where
    Lone: Fn(&mut T) -> Result<u64, E>,
    Count: FnOnce(&mut T) -> Result<u64, E>,
    Host: FnOnce(&mut T, &mut dyn FnMut(u64)) -> Result<u64, E>,
{
    let mut removed = (steps.lone_user_records)(tx)?;
    let total = (steps.count_host_records)(tx)?;
    progress(0, total);
    removed += (steps.host_records)(tx, &mut |seen| progress(seen.min(total), total))?;
    progress(total, total);
    (steps.lone_user_records)(tx)?;
    Ok(removed)
}
