//! `invitectl HOST list`: pending invites, newest first.

use std::io::Write;

use anyhow::Result;
use invitectl::output::json;
use invitectl::store::Listing;
use invitectl::{Entry, Kind, OpenMode};

use super::args::ListArgs;
use super::render::{plain, table};
use super::terminal::{self, Stream};
use super::{Context, Exit};

pub fn run(ctx: &Context, args: ListArgs) -> Result<Exit> {
    let mut store = ctx.open(OpenMode::Existing)?;
    let mut listing = store.list(&ctx.host)?;
    let now = invitectl::now();
    let kind = args.kind.map(Kind::from);
    let wanted = |entry: &Entry| match entry {
        // Damaged records are always shown unless a kind is asked for:
        // the admin should see them.
        Entry::Damaged(_) => kind.is_none(),
        Entry::Invite(invite) => {
            let expired = invite.is_expired(now);
            let by_time = if args.expired {
                expired
            } else {
                args.all || !expired
            };
            by_time && kind.is_none_or(|k| invite.kind() == k)
        }
    };
    let shown = print_entries(ctx, &mut listing, wanted, args.json, now)?;
    if shown == 0 && ctx.style.terminal && !args.json {
        let what = if args.expired {
            "no expired invites"
        } else if args.all {
            "no invites"
        } else {
            "no pending invites"
        };
        eprintln!("invitectl: {what} for {}", ctx.host);
    }
    Ok(Exit::Success)
}

/// Prints the entries of a listing that `wanted` keeps: JSON Lines with
/// `json`, a table on a terminal, else tab-separated lines. Returns how
/// many were printed.
pub(super) fn print_entries(
    ctx: &Context,
    listing: &mut Listing<'_>,
    wanted: impl Fn(&Entry) -> bool,
    json: bool,
    now: i64,
) -> Result<u64> {
    let mut out = ctx.style.stdout();
    let mut count = 0;
    if ctx.style.terminal && !json {
        // A table needs every row to size its columns; it is for people,
        // who do not read a million rows.
        let mut rows = Vec::new();
        for entry in listing.iter()? {
            let entry = entry?;
            if wanted(&entry) {
                rows.push(entry);
            }
        }
        count = rows.len() as u64;
        if count > 0 {
            let style = table::Style {
                color: ctx.style.color,
                width: terminal::size(Stream::Stdout).map(|(columns, _)| columns),
            };
            writeln!(out, "{}", table::render(&rows, now, style).trim_fmt())?;
        }
    } else {
        // One buffer for every line: a million lines, a million Strings fewer.
        let mut line = String::new();
        for entry in listing.iter()? {
            let entry = entry?;
            if wanted(&entry) {
                count += 1;
                if json {
                    line.clear();
                    json::write_entry(&mut line, &entry, now);
                } else {
                    line = plain::entry(&entry, now, ctx.style.color);
                }
                line.push('\n');
                out.write_all(line.as_bytes())?;
            }
        }
    }
    out.flush()?;
    Ok(count)
}
