//! Tab-separated lines for pipes: one invite per line, streamed, with the
//! same columns as the table and times in ISO 8601.

use invitectl::output::{escape_for_terminal as esc, iso8601};
use invitectl::Entry;

use super::{whom, SOON};

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DEFAULT: &str = "\x1b[39m";

/// One entry as a tab-separated line, without the newline: token, kind,
/// for whom, expires, `single` or `reusable`, note. Control characters
/// (tabs and newlines among them) are escaped, so a line is one record.
///
/// With `color` (only ever asked for with `--color always`), the expiry
/// of expired invites is red and of those expiring within a day yellow.
pub fn entry(entry: &Entry, now: i64, color: bool) -> String {
    match entry {
        Entry::Invite(invite) => {
            let expires = iso8601(invite.expires);
            let expires = match (color, invite.is_expired(now)) {
                (false, _) => expires,
                (true, true) => format!("{RED}{expires}{DEFAULT}"),
                (true, false) if invite.expires - now < SOON => {
                    format!("{YELLOW}{expires}{DEFAULT}")
                }
                (true, false) => expires,
            };
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                esc(invite.token.as_str()),
                invite.kind(),
                esc(&whom(invite)),
                expires,
                if invite.reusable {
                    "reusable"
                } else {
                    "single"
                },
                esc(invite.note.as_deref().unwrap_or("")),
            )
        }
        Entry::Damaged(damaged) => format!(
            "{}\tdamaged\t{}\t\t\t{}",
            esc(damaged.token.as_str()),
            esc(damaged.user.as_deref().unwrap_or("")),
            esc(&damaged.reason),
        ),
    }
}
