//! The table `list` prints on a terminal.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, Color, ColumnConstraint, ContentArrangement, Row, Table};

use super::{escape_for_terminal, iso8601, relative, SOON};
use crate::invite::{Invite, Kind};
use crate::record::Entry;

/// Whom an invite is for, in words.
pub fn whom(invite: &Invite) -> String {
    let mut text = match invite.kind() {
        Kind::Account | Kind::Group => match invite.jid.split_once('@') {
            Some((user, _)) => user.to_owned(),
            None => "anyone".to_owned(),
        },
        Kind::Reset => invite.allow_reset.clone().unwrap_or_default(),
        Kind::Contact => {
            let inviter = invite.inviter().unwrap_or("?");
            if invite.allow_registration {
                format!("contact of {inviter}")
            } else {
                format!("contact of {inviter} (existing accounts)")
            }
        }
    };
    if !invite.groups.is_empty() {
        text.push_str(&format!("; groups {}", invite.groups.join(", ")));
    }
    if !invite.roles.is_empty() {
        text.push_str(&format!("; roles {}", invite.roles.join(", ")));
    }
    text
}

/// Table settings decided by the caller, which knows the terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Whether to colour expired and soon-expiring invites.
    pub color: bool,
    /// The width to fit; `None` lets the table find the terminal's.
    pub width: Option<u16>,
}

/// Builds a table of entries: token, kind, for whom, expiry (absolute and
/// relative), single or reusable, note. Rows never wrap: long text is cut.
pub fn render<'a>(entries: impl IntoIterator<Item = &'a Entry>, now: i64, style: Style) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_truncation_indicator("…")
        .set_header(["token", "kind", "for", "expires", "uses", "note"]);
    if let Some(width) = style.width {
        table.set_width(width);
    }
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    for entry in entries {
        let mut row = row(entry, now, style.color);
        row.max_height(1);
        table.add_row(row);
    }
    // Tokens, kinds, times and uses are never cut: admins copy them. Only
    // "for" and the note give way to a narrow terminal.
    for index in [0, 1, 3, 4] {
        if let Some(column) = table.column_mut(index) {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    table
}

fn row(entry: &Entry, now: i64, color: bool) -> Row {
    match entry {
        Entry::Invite(invite) => {
            let expires = format!(
                "{} ({})",
                iso8601(invite.expires)
                    .replace('T', " ")
                    .replace('Z', " UTC"),
                relative(invite.expires, now)
            );
            let mut expires = Cell::new(expires);
            if color && invite.is_expired(now) {
                expires = expires.fg(Color::Red);
            } else if color && invite.expires - now < SOON {
                expires = expires.fg(Color::Yellow);
            }
            Row::from(vec![
                Cell::new(escape_for_terminal(invite.token.as_str())),
                Cell::new(invite.kind().as_str()),
                Cell::new(escape_for_terminal(&whom(invite))),
                expires,
                Cell::new(if invite.reusable {
                    "reusable"
                } else {
                    "single"
                }),
                Cell::new(escape_for_terminal(invite.note.as_deref().unwrap_or(""))),
            ])
        }
        Entry::Damaged(damaged) => {
            let mut kind = Cell::new("damaged");
            if color {
                kind = kind.fg(Color::Magenta);
            }
            Row::from(vec![
                Cell::new(escape_for_terminal(damaged.token.as_str())),
                kind,
                Cell::new(escape_for_terminal(damaged.user.as_deref().unwrap_or(""))),
                Cell::new(""),
                Cell::new(""),
                Cell::new(escape_for_terminal(&damaged.reason)),
            ])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invite::InviteRequest;
    use crate::jid::Host;

    #[test]
    fn a_narrow_table_cuts_the_note_never_the_token() {
        let host = Host::parse("example.com").unwrap();
        let invite = InviteRequest {
            note: Some("a note far longer than any terminal could ever hope to show ".repeat(4)),
            ..Default::default()
        }
        .build(&host, 0)
        .unwrap();
        let entries = [Entry::Invite(invite.clone())];
        let text = render(&entries, 0, Style { color: false, width: Some(100) }).to_string();
        assert!(text.contains(invite.token.as_str()), "{text}");
        assert!(text.contains("1970-01-08 00:00:00 UTC (in 7 days)"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        assert_eq!(text.lines().count(), 5, "a row wrapped: {text}");
    }
}
