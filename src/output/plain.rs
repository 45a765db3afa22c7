//! Tab-separated lines for pipes: one invite per line, streamed, with the
//! same columns as the table and times in ISO 8601.

use super::{escape_for_terminal as esc, iso8601, table::whom};
use crate::record::Entry;

/// One entry as a tab-separated line, without the newline: token, kind,
/// for whom, expires, `single` or `reusable`, note. Control characters
/// (tabs and newlines among them) are escaped, so a line is one record.
pub fn entry(entry: &Entry) -> String {
    match entry {
        Entry::Invite(invite) => format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            esc(invite.token.as_str()),
            invite.kind(),
            esc(&whom(invite)),
            iso8601(invite.expires),
            if invite.reusable {
                "reusable"
            } else {
                "single"
            },
            esc(invite.note.as_deref().unwrap_or("")),
        ),
        Entry::Damaged(damaged) => format!(
            "{}\tdamaged\t{}\t\t\t{}",
            esc(damaged.token.as_str()),
            esc(damaged.user.as_deref().unwrap_or("")),
            esc(&damaged.reason),
        ),
    }
}
