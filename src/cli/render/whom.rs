//! Whom an invite is for, in words: the table, the tab-separated lines
//! and `show` say it alike.

use invitectl::{Invite, Kind};

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
