//! New invites written a batch per statement, as the database servers'
//! backends write them: few round trips, bounded memory.

use std::collections::HashSet;

use super::backend::NewInvites;
use crate::error::Result;
use crate::invite::Invite;

/// Writes `invites` in batches of at most `size`, each by `flush`, and
/// tells the caller of each batch once it is written. A batch never holds
/// one token twice: one statement cannot write a key twice, so the batch
/// is written first, and the later invite replaces the earlier.
pub fn write_in_batches(
    invites: &mut NewInvites<'_>,
    size: usize,
    mut flush: impl FnMut(&[Invite]) -> Result<()>,
) -> Result<()> {
    let mut batch = Vec::with_capacity(size);
    let mut tokens = HashSet::with_capacity(size);
    let mut chunk = Vec::with_capacity(size);
    loop {
        invites.next_chunk(&mut chunk, size)?;
        if chunk.is_empty() {
            break;
        }
        for invite in chunk.drain(..) {
            if tokens.contains(invite.token.as_str()) {
                write(invites, &mut batch, &mut tokens, &mut flush)?;
            }
            tokens.insert(invite.token.as_str().to_owned());
            batch.push(invite);
            if batch.len() == size {
                write(invites, &mut batch, &mut tokens, &mut flush)?;
            }
        }
    }
    write(invites, &mut batch, &mut tokens, &mut flush)
}

/// Writes a batch, tells the caller, and empties it.
fn write(
    invites: &mut NewInvites<'_>,
    batch: &mut Vec<Invite>,
    tokens: &mut HashSet<String>,
    flush: &mut impl FnMut(&[Invite]) -> Result<()>,
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    flush(batch)?;
    invites.written(batch)?;
    batch.clear();
    tokens.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invite::InviteRequest;
    use crate::jid::Host;

    #[test]
    fn batches_are_bounded_and_never_repeat_a_token() {
        let host = Host::parse("example.com").unwrap();
        let fresh = InviteRequest::default().build(&host, 0).unwrap();
        let mut made = 0;
        let mut make = |out: &mut Vec<Invite>, n: usize| {
            for _ in 0..n {
                made += 1;
                // The fourth invite repeats the third's token.
                let mut invite = InviteRequest::default().build(&host, 0)?;
                if made == 4 {
                    invite.token = fresh.token.clone();
                }
                if made == 3 {
                    invite = fresh.clone();
                }
                out.push(invite);
            }
            Ok(())
        };
        let mut told = 0;
        let mut written = |invites: &[Invite]| {
            told += invites.len();
            Ok(())
        };
        let mut invites = NewInvites::new(7, &mut make, &mut written);
        let mut sizes = Vec::new();
        write_in_batches(&mut invites, 5, |batch| {
            sizes.push(batch.len());
            Ok(())
        })
        .unwrap();
        assert_eq!(sizes, [3, 4]);
        assert_eq!(told, 7);
    }
}
