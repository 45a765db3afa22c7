//! `invitectl HOST show TOKEN`: everything about one invite.

use std::io::{self, Write};

use anyhow::Result;
use invitectl::output::{escape_for_terminal as esc, iso8601, json};
use invitectl::{Entry, Error, OpenMode, Token};

use super::args::ShowArgs;
use super::qr::Screen;
use super::render::qr_file::{Destination, Staged};
use super::render::{relative, whom};
use super::terminal::Stream;
use super::{Context, Exit};

pub fn run(ctx: &Context, args: ShowArgs) -> Result<Exit> {
    let token = Token::parse(&args.token)?;
    let mut store = ctx.open(OpenMode::Existing)?;
    let entry = store
        .get(&ctx.host, &token)?
        .ok_or_else(|| Error::NotFound(token.to_string()))?;
    let now = invitectl::now();
    let screen = args.qr.then(|| Screen::find(&ctx.style)).transpose()?;
    let images = args
        .qr_file
        .as_deref()
        .map(|path| Destination::parse(path, 1))
        .transpose()?;
    let mut drawing = None;
    if screen.is_some() || images.is_some() {
        let invite = match &entry {
            Entry::Invite(invite) => invite,
            // A record that cannot be read has no link to draw.
            Entry::Damaged(d) => {
                return Err(Error::Damaged {
                    token: d.token.to_string(),
                    reason: d.reason.clone(),
                }
                .into())
            }
        };
        if let Some(screen) = &screen {
            screen.warn_if_too_small(invite.link())?;
            let text = screen.draw(invite.link())?;
            drawing = Some((screen.stream, invite.link().to_owned(), text));
        }
        if let Some(images) = &images {
            images.prepare()?;
            let mut staged = Staged::default();
            let path = images.path_for(1, 1, &invite.token);
            staged.stage(invite.link(), path, images.format())?;
            staged.publish()?;
        }
    }
    let mut out = ctx.style.stdout();
    if args.json {
        writeln!(out, "{}", json::entry(&entry, now))?;
    } else {
        for (field, value) in fields(&entry, now) {
            writeln!(out, "{field:<13} {}", esc(&value))?;
        }
    }
    match drawing {
        Some((Stream::Stdout, _, text)) => out.write_all(text.as_bytes())?,
        Some((Stream::Stderr, link, text)) => {
            // As generate does: the link above its code, since stdout,
            // where the link went, is not on the screen.
            out.flush()?;
            let mut err = io::stderr().lock();
            writeln!(err, "{link}")?;
            err.write_all(text.as_bytes())?;
        }
        None => {}
    }
    out.flush()?;
    Ok(Exit::Success)
}

fn fields(entry: &Entry, now: i64) -> Vec<(&'static str, String)> {
    let invite = match entry {
        Entry::Invite(invite) => invite,
        Entry::Damaged(damaged) => {
            return vec![
                ("token", damaged.token.to_string()),
                ("kind", "damaged".into()),
                (
                    "record",
                    damaged
                        .user
                        .clone()
                        .map_or("host".into(), |u| format!("user {u}")),
                ),
                ("error", damaged.reason.clone()),
            ]
        }
    };
    let time = |t: i64| format!("{} ({})", iso8601(t), relative(t, now));
    let mut fields = vec![
        ("token", invite.token.to_string()),
        ("kind", invite.kind().to_string()),
        ("for", whom(invite)),
        ("jid", invite.jid.clone()),
        ("link", invite.link().to_owned()),
        ("uri", invite.uri.clone()),
    ];
    if let Some(page) = &invite.landing_page {
        fields.push(("landing page", page.clone()));
    }
    fields.push(("created", invite.created_at.map_or("unknown".into(), time)));
    let status = if invite.is_expired(now) {
        "expired"
    } else {
        "valid"
    };
    fields.push(("expires", format!("{} [{status}]", time(invite.expires))));
    fields.push((
        "uses",
        if invite.reusable {
            "reusable"
        } else {
            "single"
        }
        .into(),
    ));
    fields.push((
        "registration",
        if invite.allow_registration {
            "allowed"
        } else {
            "no"
        }
        .into(),
    ));
    if !invite.roles.is_empty() {
        fields.push(("roles", invite.roles.join(", ")));
    }
    if !invite.groups.is_empty() {
        fields.push(("groups", invite.groups.join(", ")));
    }
    if let Some(note) = &invite.note {
        fields.push(("note", note.clone()));
    }
    if let Some(source) = &invite.source {
        fields.push(("source", source.clone()));
    }
    fields
}
