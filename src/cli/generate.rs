//! `invitectl HOST generate`: create invites and print their links.

use std::io::{self, BufWriter, Seek, Write};
use std::time::Duration;

use anyhow::Result;
use invitectl::duration::MAX_TTL;
use invitectl::ejabberd_config::{EjabberdConfigError, EjabberdHost, LandingTemplate};
use invitectl::invite::{InviteRequest, RolesFormat, Target};
use invitectl::output::json;
use invitectl::store::Route;
use invitectl::token::TokenSource;
use invitectl::uri::LandingPage;
use invitectl::{Error, Invite, OpenMode, Username};
use tempfile::SpooledTempFile;

use super::args::{GenerateArgs, RolesFormatArg};
use super::progress::Progress;
use super::qr::Screen;
use super::render::qr::Qr;
use super::render::qr_file::{Destination, Staged};
use super::terminal::Stream;
use super::{config, Context, Exit};
use crate::cli::UsageError;

/// Output up to this size waits in memory for the commit; beyond it, in
/// an unnamed temporary file, so a million invites cost no more memory.
/// (1 MiB is some 14,000 links; at 4 MiB the buffer's last doubling cost
/// `generate --count 1000000` its memory target.)
const SPOOL_IN_MEMORY: usize = 1 << 20;

pub fn run(ctx: &Context, args: GenerateArgs) -> Result<Exit> {
    let mut request = request(&args)?;
    let mut ejabberd_page = apply_config(ctx, &args, &mut request)?;
    request.validate()?;
    let screen = args.qr.then(|| Screen::find(&ctx.style)).transpose()?;
    let images = args
        .qr_file
        .as_deref()
        .map(|path| Destination::parse(path, args.count))
        .transpose()?;
    let now = invitectl::now();
    if screen.is_some() || images.is_some() {
        // All links of a run are as long as this one, so if its code can
        // be made, every one can: checked before anything is written.
        let built = request.build(&ctx.host, now)?;
        let sample = with_page(ejabberd_page.as_ref(), ctx, &built).unwrap_or(built);
        Qr::new(sample.link())?;
        if let Some(screen) = &screen {
            screen.warn_if_too_small(sample.link())?;
        }
    }
    if let Some(images) = &images {
        images.prepare()?;
    }
    // ejabberd makes its own database and table when it starts: a missing
    // one is not given Prosody's.
    let mode = if ctx.ejabberd_host()?.is_some() {
        if ctx.location.is_missing_file() {
            anyhow::bail!(
                "{}: no database here yet: ejabberd makes it, with its invite_token table, when it starts",
                ctx.location
            );
        }
        OpenMode::Existing
    } else {
        OpenMode::CreateIfMissing
    };
    let mut store = ctx.open(mode)?;
    // Through ejabberd's API the server makes each invite and renders its
    // page itself; only --landing-page overrides that.
    if args.landing_page.is_none() && matches!(store.route(), Route::EjabberdApi { .. }) {
        ejabberd_page = None;
    }
    if args.roles_format == RolesFormatArg::Auto && ctx.config.is_some() {
        request.roles_format = store.roles_format();
    }
    // Links are printed only after the transaction commits, so that every
    // printed link is one the server already accepts.
    let mut spool = Spool::new();
    let mut qr = QrOutput {
        screen,
        images,
        beside: Spool::new(),
        staged: Staged::default(),
    };
    // What made a failed callback fail (a QR code or image that could
    // not be made), told instead of the I/O error the callback returns.
    let mut failure = None;
    let mut tokens = TokenSource::for_count(args.count);
    let progress = Progress::new(&ctx.style, args.count, "creating invites");
    let mut written = 0;
    let created = store.create(
        &ctx.host,
        args.count,
        || request.build_with_token(&ctx.host, now, tokens.next_token()?),
        |invite| {
            let shown = with_page(ejabberd_page.as_ref(), ctx, invite);
            let invite = shown.as_ref().unwrap_or(invite);
            written += 1;
            if args.json {
                writeln!(spool, "{}", json::invite(invite, now))?;
            } else {
                writeln!(spool, "{}", invite.link())?;
            }
            if let Err(error) = qr.add(invite, written, args.count, &mut spool) {
                let message = error.to_string();
                failure = Some(error);
                return Err(io::Error::other(message));
            }
            progress.inc();
            // The last invite: make sure the output is safe before commit.
            if written == args.count {
                progress.set_message("committing");
                spool.flush()?;
                qr.beside.flush()?;
            }
            Ok(())
        },
    );
    drop(progress);
    if let Err(error) = created {
        return Err(failure.unwrap_or_else(|| error.into()));
    }
    // The invites exist now. Their images are put in place first, so that
    // a reader closing the pipe early cannot lose them.
    let published = qr.staged.publish();
    spool.copy_to(&mut ctx.style.stdout())?;
    qr.beside.copy_to(&mut io::stderr().lock())?;
    published?;
    warn_of_ejabberds_cap(ctx, args.count)?;
    Ok(Exit::Success)
}

/// `invite` with its ejabberd landing page: ejabberd keeps none, and
/// renders one from its configuration whenever it shows an invite, as
/// this does.
fn with_page(page: Option<&LandingTemplate>, ctx: &Context, invite: &Invite) -> Option<Invite> {
    page.map(|page| Invite {
        landing_page: Some(page.render(ctx.host.as_str(), invite)),
        ..invite.clone()
    })
}

/// ejabberd 26.07 counts the server's invites in the table, used and
/// expired ones too until they are deleted, and its own `generate_invite`
/// refuses once there are 1000 (processone/ejabberd#4616). invitectl has
/// no such cap; an admin who also uses ejabberd's tool should know.
const EJABBERD_CAP: u64 = 1000;

fn warn_of_ejabberds_cap(ctx: &Context, count: u64) -> Result<()> {
    if count >= EJABBERD_CAP && ctx.ejabberd_host()?.is_some() {
        eprintln!(
            "invitectl: warning: with {EJABBERD_CAP} or more of the server's invites in its table, ejabberd 26.07's own generate_invite refuses to make more until they are deleted (processone/ejabberd#4616; `invitectl expire --used` deletes used ones); on SQL, invitectl's invites are not limited"
        );
    }
    Ok(())
}

/// What `--qr` and `--qr-file` add to each invite.
struct QrOutput {
    screen: Option<Screen>,
    images: Option<Destination>,
    /// Codes drawn on stderr, because stdout is not a terminal.
    beside: Spool,
    staged: Staged,
}

impl QrOutput {
    /// Draws invite number `n` of `count` after its line in `stdout`, or
    /// with its link on stderr, and stages its image.
    fn add(&mut self, invite: &Invite, n: u64, count: u64, stdout: &mut Spool) -> Result<()> {
        if let Some(screen) = &self.screen {
            let drawing = screen.draw(invite.link())?;
            let out = match screen.stream {
                Stream::Stdout => stdout,
                Stream::Stderr => {
                    writeln!(self.beside, "{}", invite.link()).map_err(Error::Output)?;
                    &mut self.beside
                }
            };
            out.write_all(drawing.as_bytes()).map_err(Error::Output)?;
        }
        if let Some(images) = &self.images {
            let path = images.path_for(n, count, &invite.token);
            self.staged.stage(invite.link(), path, images.format())?;
        }
        Ok(())
    }
}

/// Output waiting for the commit: in memory up to [`SPOOL_IN_MEMORY`],
/// beyond it in an unnamed temporary file.
struct Spool(BufWriter<SpooledTempFile>);

impl Spool {
    fn new() -> Spool {
        Spool(BufWriter::new(SpooledTempFile::new(SPOOL_IN_MEMORY)))
    }

    /// Copies the spooled output out, then flushes.
    fn copy_to(self, to: &mut dyn Write) -> io::Result<()> {
        let mut spool = self.0.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        io::copy(&mut spool, to)?;
        to.flush()
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
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
    Ok(InviteRequest {
        target: Some(target),
        groups: args.groups.clone(),
        reusable: args.reusable,
        roles,
        roles_format: match args.roles_format {
            RolesFormatArg::List | RolesFormatArg::Auto => RolesFormat::List,
            RolesFormatArg::Map => RolesFormat::Map,
        },
        ttl: args.ttl,
        note: args.note.clone(),
        landing_page: None,
    })
}

/// Fills in what the options leave to the server's configuration:
/// `invite_expiry` (not for password resets, which Prosody always gives one
/// day) and `invites_page` with `invites_page_supports`.
/// On ejabberd, `mod_invites`' `token_expire_seconds`, which it gives
/// every kind, and its `landing_page`, returned to be rendered for the rows
/// as written.
///
/// `--landing-page` is written as the server's own option: Prosody's
/// `invites_page`, or mod_invites' `landing_page` (`none`, `auto` or a
/// `{{ invite.token }}` template); empty, it gives no landing page.
fn apply_config(
    ctx: &Context,
    args: &GenerateArgs,
    request: &mut InviteRequest,
) -> Result<Option<LandingTemplate>> {
    if let Some(host) = ctx.ejabberd_host()? {
        let invites = host.invites()?;
        // An account-and-subscription invite (S) registers only when the
        // inviter may make account invites; on `none` the server refuses it
        // at the first step (interop: contact_invites_without_access_create_account).
        let registers = args.contact.is_some() && !args.no_register;
        if registers
            && invites
                .as_ref()
                .is_some_and(|m| m.access_create_account == "none")
        {
            return Err(UsageError(format!(
                "ejabberd's mod_invites has access_create_account: none, so a contact invite cannot create an account: use --no-register for an existing account, or give access_create_account a rule that allows {}",
                args.contact.as_deref().unwrap_or_default()
            ))
            .into());
        }
        if let (None, Some(invites)) = (args.ttl, invites) {
            request.ttl = Some(Duration::from_secs(invites.token_expire_seconds).min(MAX_TTL));
        }
        return ejabberd_landing_page(&host, args.landing_page.as_deref());
    }
    request.landing_page = args
        .landing_page
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(LandingPage::parse)
        .transpose()?;
    let Some(host) = ctx.host_config()? else {
        return Ok(None);
    };
    if args.ttl.is_none() && args.reset.is_none() {
        request.ttl = config::invite_expiry(&host)?;
    }
    if args.landing_page.is_none() {
        request.landing_page = config::landing_page(&host)?;
    }
    Ok(None)
}

/// The landing page of an ejabberd host's invites: `--landing-page`, else
/// mod_invites' `landing_page`. A configured `auto` that no listener
/// serves gives what ejabberd gives, no landing page, with a warning; an
/// `auto` asked for on the command line is an error then.
fn ejabberd_landing_page(
    host: &EjabberdHost<'_>,
    named: Option<&str>,
) -> Result<Option<LandingTemplate>> {
    let page = match named {
        Some("" | "none") => return Ok(None),
        Some("auto") => return Ok(Some(host.auto_landing_page()?)),
        Some(template) => return Ok(Some(LandingTemplate::parse(template)?)),
        None => host.landing_page(),
    };
    match page {
        Err(unserved @ EjabberdConfigError::NoInvitesListener { .. }) => {
            eprintln!("invitectl: warning: {unserved}: the links are xmpp: URIs, as ejabberd's");
            Ok(None)
        }
        page => Ok(page?),
    }
}
