//! The server's rules for using a token (README, "Design notes": the
//! stored invite), for programs that honour invites themselves.

use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::record::Entry;
use crate::token::Token;

/// Applies the server's check to what the store holds for `token`: unknown,
/// damaged, used (ejabberd keeps them) and expired invites are refused; the invite is valid while
/// `now <= expires`.
pub(crate) fn check(entry: Option<Entry>, token: &Token, now: i64) -> Result<Invite> {
    match entry {
        None => Err(Error::NotFound(token.to_string())),
        Some(Entry::Damaged(damaged)) => Err(Error::Damaged {
            token: token.to_string(),
            reason: damaged.reason,
        }),
        Some(Entry::Invite(Invite {
            used_by: Some(by), ..
        })) => Err(Error::Used {
            token: token.to_string(),
            by,
        }),
        Some(Entry::Invite(invite)) if invite.is_expired(now) => {
            Err(Error::Expired(token.to_string()))
        }
        Some(Entry::Invite(invite)) => Ok(invite),
    }
}
