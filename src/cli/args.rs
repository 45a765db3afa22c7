//! The command line, as clap reads it. Completions and the man page are
//! generated from these definitions.

use std::path::PathBuf;

use clap::{ArgAction, Args as ClapArgs, Parser, Subcommand, ValueEnum, ValueHint};
use invitectl::duration::parse_ttl;
use invitectl::Kind;

const AFTER_HELP: &str = "\
Exit status: 0 ok, 1 runtime failure (store unreadable, locked or damaged, or
Prosody running with an admin socket invitectl cannot use),
2 usage error (bad option, host, username, token, duration or URL), 3 an invite
named by token was not found.

Configuration: --config, else INVITECTL_CONFIG, else
/etc/prosody/prosody.cfg.lua when it exists, else /etc/ejabberd/ejabberd.yml
when it exists; INVITECTL_CONFIG set but empty reads no configuration. A
.yml or .yaml file is ejabberd's. From Prosody's come the host's store
(unless --store names one; data_path defaults to /var/lib/prosody),
invite_expiry, invites_page and invites_page_supports; from ejabberd's the
host's store (default_db or mod_invites' db_type, and the sql_* options)
and mod_invites' token_expire_seconds and landing_page. A host the configuration does not
declare is a usage error (2).

Environment: INVITECTL_CONFIG (the configuration when --config is not
given), INVITECTL_STORE (the store when --store is not given), INVITECTL_VIA
(the default for --via),
INVITECTL_LANDING_PAGE (the default for --landing-page), NO_COLOR (no
colour), XDG_DATA_HOME (where the default store lives); for PostgreSQL,
PGPASSWORD or ~/.pgpass (PGPASSFILE) and libpq's other PG* variables; for
MySQL, MYSQL_PWD.

Data goes to stdout, everything else to stderr. Progress bars (generate
--count, expire on large stores) appear only when stderr is a terminal.";

/// Create, list, revoke and prune XMPP invitations in Prosody's own store.
///
/// invitectl works directly on the invite store that the server reads
/// (Prosody's SQL table on SQLite, PostgreSQL or MySQL, or its data files), so
/// what it writes is honoured by a running, unmodified Prosody.
#[derive(Debug, Parser)]
#[command(name = "invitectl", version, long_version = env!("INVITECTL_LONG_VERSION"), after_help = AFTER_HELP)]
#[command(
    override_usage = "invitectl [OPTIONS] <HOST> <COMMAND>\n       invitectl completions <SHELL>\n       invitectl man"
)]
pub struct Args {
    /// The invite store: Prosody's SQLite database (e.g.
    /// /var/lib/prosody/prosody.sqlite), its data folder (file storage,
    /// e.g. /var/lib/prosody), a PostgreSQL URL
    /// (postgres://prosody@db.example/prosody; the password from
    /// PGPASSWORD or ~/.pgpass) or a MySQL URL
    /// (mysql://prosody@db.example/prosody; the password from MYSQL_PWD).
    /// Default: the configuration's, else
    /// $XDG_DATA_HOME/invitectl/invites.sqlite
    #[arg(long, global = true, env = "INVITECTL_STORE", value_name = "STORE", value_hint = ValueHint::AnyPath)]
    pub store: Option<PathBuf>,

    /// The server's configuration file (Prosody's, or ejabberd's .yml),
    /// read for the host's store and invite defaults. Default:
    /// $INVITECTL_CONFIG, else /etc/prosody/prosody.cfg.lua, else
    /// /etc/ejabberd/ejabberd.yml, when it exists
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// When to colour output: auto colours a terminal unless NO_COLOR is set
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,

    /// How to reach the store beside a running Prosody: auto writes
    /// through the server's admin socket while it runs (SQLite and file
    /// storage) and directly when it does not; server only through it;
    /// store always directly (racing a running server)
    #[arg(long, global = true, value_enum, env = "INVITECTL_VIA", default_value_t = ViaChoice::Auto, value_name = "WAY")]
    pub via: ViaChoice,

    /// Prosody's admin socket. Default: the configuration's admin_socket,
    /// else prosody.sock in its data_path; without a configuration,
    /// prosody.sock beside the store
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub admin_socket: Option<PathBuf>,

    /// Tell on stderr which way the store is reached
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// The virtual host the invites are for, e.g. example.com
    pub host: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create invites and print their links
    Generate(GenerateArgs),
    /// List pending invites, newest first
    List(ListArgs),
    /// Show everything about one invite
    Show(ShowArgs),
    /// Remove invites by token
    Revoke(RevokeArgs),
    /// Remove every expired invite of the host
    Expire(ExpireArgs),
    /// Check that the server as configured honours invites (exit 1 on any
    /// error line)
    CheckConfig,
    /// Print a shell completion script
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
}

/// `generate`'s options.
#[derive(Debug, ClapArgs)]
pub struct GenerateArgs {
    /// Name the account to create: the link carries NAME@HOST and clients
    /// offer that name (Prosody does not enforce it)
    #[arg(long, value_name = "NAME", conflicts_with_all = ["reset", "contact"])]
    pub username: Option<String>,

    /// A password reset for this existing account (default lifetime 1 day)
    #[arg(long, value_name = "USER", conflicts_with_all = ["contact", "groups", "roles", "admin", "reusable"])]
    pub reset: Option<String>,

    /// A contact invite from this local user; the invitee may also register
    #[arg(long, value_name = "USER")]
    pub contact: Option<String>,

    /// With --contact: for existing accounts only, no registration
    #[arg(long, requires = "contact")]
    pub no_register: bool,

    /// Add the new account to this group (repeatable)
    #[arg(long = "group", value_name = "ID", action = ArgAction::Append)]
    pub groups: Vec<String>,

    /// Let many people register with the invite until it expires
    #[arg(long)]
    pub reusable: bool,

    /// Grant this role to the new account (repeatable; the first is primary)
    #[arg(long = "role", value_name = "ROLE", action = ArgAction::Append)]
    pub roles: Vec<String>,

    /// Grant prosody:admin (same as --role prosody:admin)
    #[arg(long)]
    pub admin: bool,

    /// How roles are stored: list for Prosody 13, map for 0.12; auto
    /// follows the server (a SQL store's schema, else the installed
    /// /usr/lib/prosody/prosody.version; list when unknown or without a
    /// configuration)
    #[arg(long, value_enum, default_value_t = RolesFormatArg::Auto, value_name = "FORMAT")]
    pub roles_format: RolesFormatArg,

    /// Lifetime, e.g. 90s, 30m, 12h, 7d, 2w, 1d12h [default: invite_expiry,
    /// else 7d; resets 1d]
    #[arg(long, value_name = "DURATION", value_parser = parse_ttl)]
    pub ttl: Option<std::time::Duration>,

    /// A note for admins, stored with the invite
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,

    /// How many invites to create, in one transaction: all or none
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=MAX_COUNT))]
    pub count: u64,

    /// Landing-page template, e.g. https://{host}/invite/{invite.token}/;
    /// on an ejabberd host written as mod_invites' landing_page: none, auto
    /// or e.g. https://{{ host }}/i/{{ invite.token }}. Empty for none
    /// [default: invites_page, or landing_page]
    #[arg(long, env = "INVITECTL_LANDING_PAGE", value_name = "TEMPLATE")]
    pub landing_page: Option<String>,

    /// Print one JSON object per invite instead of its link
    #[arg(long)]
    pub json: bool,

    /// Also draw each link as a QR code on the terminal (on stderr when
    /// stdout is not a terminal)
    #[arg(long)]
    pub qr: bool,

    /// Write each link as a QR image, PNG or SVG by the name's extension.
    /// With --count, a folder (one TOKEN.png per invite; made if missing,
    /// written as qr/) or a pattern with {n} or {token}, e.g.
    /// invite-{n}.svg
    #[arg(long, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub qr_file: Option<PathBuf>,
}

/// The most invites one `generate` makes.
pub const MAX_COUNT: u64 = 10_000_000;

/// `list`'s options.
#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// Include expired invites
    #[arg(long, conflicts_with = "expired")]
    pub all: bool,

    /// Show only expired invites
    #[arg(long)]
    pub expired: bool,

    /// Show only invites of this kind
    #[arg(long, value_enum, value_name = "KIND")]
    pub kind: Option<KindArg>,

    /// Print one JSON object per line
    #[arg(long)]
    pub json: bool,
}

/// `show`'s options.
#[derive(Debug, ClapArgs)]
pub struct ShowArgs {
    /// The invite's token (it may begin with '-')
    #[arg(allow_hyphen_values = true)]
    pub token: String,

    /// Print one JSON object
    #[arg(long)]
    pub json: bool,

    /// Also draw the link as a QR code on the terminal (on stderr when
    /// stdout is not a terminal)
    #[arg(long)]
    pub qr: bool,

    /// Write the link as a QR image, PNG or SVG by the name's extension
    /// (a folder gets TOKEN.png)
    #[arg(long, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub qr_file: Option<PathBuf>,
}

/// `revoke`'s options.
#[derive(Debug, ClapArgs)]
pub struct RevokeArgs {
    /// The tokens to revoke, matched exactly (they may begin with '-', so
    /// options go before them)
    #[arg(required = true, value_name = "TOKEN", allow_hyphen_values = true)]
    pub tokens: Vec<String>,

    /// Print one JSON object per token: {"token", "revoked"}
    #[arg(long)]
    pub json: bool,
}

/// `expire`'s options.
#[derive(Debug, ClapArgs)]
pub struct ExpireArgs {
    /// List what would be removed, and remove nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Also remove used invites, whatever their expiry (ejabberd keeps
    /// them, and counts them against its own cap of 1000; Prosody keeps
    /// none)
    #[arg(long)]
    pub used: bool,

    /// Print nothing on success (for cron)
    #[arg(long, short)]
    pub quiet: bool,

    /// Print JSON: {"removed": N}, or with --dry-run one object per invite
    #[arg(long)]
    pub json: bool,
}

/// `--via`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViaChoice {
    /// Through the server while it runs, else directly
    Auto,
    /// Only through the running server
    Server,
    /// Always directly
    Store,
}

impl From<ViaChoice> for invitectl::store::Via {
    fn from(choice: ViaChoice) -> Self {
        match choice {
            ViaChoice::Auto => invitectl::store::Via::Auto,
            ViaChoice::Server => invitectl::store::Via::Server,
            ViaChoice::Store => invitectl::store::Via::Store,
        }
    }
}

/// `--color`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

/// `--roles-format`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RolesFormatArg {
    /// Follow the server's generation
    Auto,
    /// An ordered list (Prosody 13)
    List,
    /// A map of role to true (Prosody 0.12)
    Map,
}

/// `--kind`'s values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Account invites
    Account,
    /// Password resets
    Reset,
    /// Contact invites
    Contact,
    /// Reusable (group) invites
    Group,
}

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Kind {
        match kind {
            KindArg::Account => Kind::Account,
            KindArg::Reset => Kind::Reset,
            KindArg::Contact => Kind::Contact,
            KindArg::Group => Kind::Group,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        super::Args::command().debug_assert();
    }
}
