//! `invitectl HOST expire`: remove every expired invite of the host (and
//! with `--used`, every used one).

use std::io::Write;

use anyhow::Result;
use invitectl::{Entry, OpenMode};

use super::args::ExpireArgs;
use super::list::print_entries;
use super::progress::Progress;
use super::{Context, Exit};

pub fn run(ctx: &Context, args: ExpireArgs) -> Result<Exit> {
    let now = invitectl::now();
    if args.dry_run {
        let mut store = ctx.open(OpenMode::Existing)?;
        if args.used {
            let mut listing = store.list(&ctx.host)?;
            let doomed = |entry: &Entry| {
                entry.is_expired_invite(now)
                    || matches!(entry, Entry::Invite(i) if i.used_by.is_some())
            };
            print_entries(ctx, &mut listing, doomed, args.json, now)?;
        } else {
            let mut listing = store.list_expired(&ctx.host, now)?;
            print_entries(ctx, &mut listing, |_| true, args.json, now)?;
        }
        return Ok(Exit::Success);
    }
    let mut store = ctx.open(OpenMode::Existing)?;
    let mut progress = None;
    let (what, doing) = if args.used {
        (
            "expired or used invite",
            "removing expired and used invites",
        )
    } else {
        ("expired invite", "removing expired invites")
    };
    let tell = |done, total| {
        // --quiet is for cron, which wants nothing, terminal or not.
        if !args.quiet {
            progress
                .get_or_insert_with(|| Progress::new(&ctx.style, total, doing))
                .set(done, total);
        }
    };
    let removed = if args.used {
        store.prune_including_used_with_progress(&ctx.host, now, tell)?
    } else {
        store.prune_with_progress(&ctx.host, now, tell)?
    };
    drop(progress);
    if !args.quiet {
        let mut out = ctx.style.stdout();
        if args.json {
            writeln!(out, "{}", serde_json::json!({ "removed": removed }))?;
        } else {
            let plural = if removed == 1 { "" } else { "s" };
            writeln!(out, "removed {removed} {what}{plural}")?;
        }
        out.flush()?;
    }
    Ok(Exit::Success)
}
