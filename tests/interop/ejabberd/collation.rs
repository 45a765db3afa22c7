//! ejabberd on MySQL compares text as its table's collation does
//! (`utf8mb4_unicode_ci`), regardless of case: the server itself takes a
//! token in another case, while invitectl matches tokens exactly.

use super::harness::Ejabberd;
use super::invitectl::invitectl;

/// The token in the other case, letter by letter.
fn swapped(token: &str) -> String {
    token
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

pub fn tokens_match_regardless_of_case_on_the_server_only(server: &Ejabberd) {
    let out = invitectl(server, &["generate", "--username", "romeo"]);
    assert!(out.status.success(), "{out:?}");
    let link = String::from_utf8(out.stdout).unwrap();
    let token = link.trim().rsplit_once("preauth=").unwrap().1.to_owned();
    let other_case = swapped(&token);
    assert_ne!(other_case, token);
    // invitectl: no such invite (exit 3), and nothing revoked.
    let out = invitectl(server, &["revoke", &other_case]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(server.rows().len(), 1);
    // ejabberd: the same invite.
    let mut client = server.client();
    let answer = client.preauth(&other_case).expect("preauth round trip");
    client.close();
    assert_eq!(
        answer.map_err(|e| e.condition),
        Ok(()),
        "ejabberd on MySQL took the token in another case\n{}",
        server.diagnostics()
    );
}
