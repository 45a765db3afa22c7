//! `invitectl HOST expire`: remove every expired invite of the host.

use std::io::Write;

use anyhow::Result;
use invitectl::OpenMode;

use super::args::ExpireArgs;
use super::list::print_entries;
use super::progress::Progress;
use super::{Context, Exit};

pub fn run(ctx: &Context, args: ExpireArgs) -> Result<Exit> {
    let now = invitectl::now();
    if args.dry_run {
        let mut store = ctx.open(OpenMode::Existing)?;
        let mut listing = store.list_expired(&ctx.host, now)?;
        print_entries(ctx, &mut listing, |_| true, args.json, now)?;
        return Ok(Exit::Success);
    }
    let mut store = ctx.open(OpenMode::Existing)?;
    let mut progress = None;
    let removed = store.prune_with_progress(&ctx.host, now, |done, total| {
        // --quiet is for cron, which wants nothing, terminal or not.
        if !args.quiet {
            progress
                .get_or_insert_with(|| Progress::new(&ctx.style, total, "removing expired invites"))
                .set(done, total);
        }
    })?;
    drop(progress);
    if !args.quiet {
        let mut out = ctx.style.stdout();
        if args.json {
            writeln!(out, "{}", serde_json::json!({ "removed": removed }))?;
        } else {
            let plural = if removed == 1 { "" } else { "s" };
            writeln!(out, "removed {removed} expired invite{plural}")?;
        }
        out.flush()?;
    }
    Ok(Exit::Success)
}
