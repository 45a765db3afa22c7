//! `invitectl HOST generate`: create invites and print their links.

use std::io::{self, BufWriter, Read, Seek, Write};

use anyhow::Result;
use invitectl::invite::{InviteRequest, RolesFormat, Target};
use invitectl::output::json;
use invitectl::token::TokenSource;
use invitectl::uri::LandingPage;
use invitectl::{OpenMode, Username};
use tempfile::SpooledTempFile;

use super::args::{GenerateArgs, RolesFormatArg};
use super::{Context, Exit};

/// Output up to this size waits in memory for the commit; beyond it, in
/// an unnamed temporary file, so a million invites cost no more memory.
const SPOOL_IN_MEMORY: usize = 4 << 20;

pub fn run(ctx: &Context, args: GenerateArgs) -> Result<Exit> {
    let request = request(&args)?;
    request.validate()?;
    let mut store = ctx.open(OpenMode::CreateIfMissing)?;
    let now = invitectl::now();
    // Links are printed only after the transaction commits, so that every
    // printed link is one the server already accepts.
    let mut spool = BufWriter::new(SpooledTempFile::new(SPOOL_IN_MEMORY));
    let mut tokens = TokenSource::new();
    let mut written = 0;
    store.create(
        &ctx.host,
        args.count,
        || request.build_with_token(&ctx.host, now, tokens.next_token()?),
        |invite| {
            if args.json {
                writeln!(spool, "{}", json::invite(invite, now))?;
            } else {
                writeln!(spool, "{}", invite.link())?;
            }
            // The last invite: make sure the output is safe before commit.
            written += 1;
            if written == args.count {
                spool.flush()?;
            }
            Ok(())
        },
    )?;
    let mut spool = spool.into_inner().map_err(|e| e.into_error())?;
    spool.rewind()?;
    copy_lines(&mut spool, &mut ctx.style.stdout())?;
    Ok(Exit::Success)
}

fn request(args: &GenerateArgs) -> Result<InviteRequest> {
    let target = if let Some(user) = &args.reset {
        Target::Reset(Username::parse(user)?)
    } else if let Some(user) = &args.contact {
        Target::Contact {
            inviter: Username::parse(user)?,
            allow_registration: !args.no_register,
        }
    } else {
        Target::Account(args.username.as_deref().map(Username::parse).transpose()?)
    };
    let mut roles = args.roles.clone();
    if args.admin && !roles.iter().any(|r| r == "prosody:admin") {
        roles.insert(0, "prosody:admin".to_owned());
    }
    let landing_page = args
        .landing_page
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(LandingPage::parse)
        .transpose()?;
    Ok(InviteRequest {
        target: Some(target),
        groups: args.groups.clone(),
        reusable: args.reusable,
        roles,
        roles_format: match args.roles_format {
            RolesFormatArg::List => RolesFormat::List,
            RolesFormatArg::Map => RolesFormat::Map,
        },
        ttl: args.ttl,
        note: args.note.clone(),
        landing_page,
    })
}

/// Copies the spooled lines out, flushing each line on a terminal.
fn copy_lines(from: &mut impl Read, to: &mut dyn Write) -> io::Result<()> {
    io::copy(from, to)?;
    to.flush()
}
