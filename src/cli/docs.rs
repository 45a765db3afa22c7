//! `completions` and `man`: generated from the clap definitions, and
//! committed under completions/ and man/ (a test keeps them fresh).

use std::io::{self, Write};

use anyhow::Result;
use clap::CommandFactory;

use super::{Args, Exit};

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit> {
    let mut out = io::stdout().lock();
    clap_complete::generate(shell, &mut Args::command(), "invitectl", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}

/// Prints the man page: the top-level page, one section per subcommand
/// with its options, then exit status, environment and files.
pub fn man() -> Result<Exit> {
    let mut out = io::stdout().lock();
    out.write_all(&render_man()?)?;
    out.flush()?;
    Ok(Exit::Success)
}

fn render_man() -> Result<Vec<u8>> {
    // The page names the release only: with the commit in it, the
    // committed page would be stale after every commit.
    let cmd = Args::command().long_version(None);
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    for sub in cmd.get_subcommands() {
        let name = sub.get_name();
        writeln!(page, ".SH \"COMMAND: {}\"", name.to_uppercase())?;
        let sub = sub.clone().bin_name(format!("invitectl HOST {name}"));
        let sub_man = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        sub_man.render_synopsis_section(&mut section)?;
        sub_man.render_options_section(&mut section)?;
        // Each subcommand's sections become subsections of its own.
        let section = String::from_utf8_lossy(&section).replace(".SH ", ".SS ");
        if let Some(about) = sub.get_about() {
            writeln!(page, "{about}")?;
        }
        page.write_all(section.as_bytes())?;
    }
    page.write_all(MAN_TAIL.as_bytes())?;
    man.render_version_section(&mut page)?;
    Ok(page)
}

const MAN_TAIL: &str = r#".SH OUTPUT
Data goes to standard output; errors, notices and progress go to standard error. Each error is one line, beginning with the program name: \fBinvitectl: ...\fR
.PP
On a terminal, \fBlist\fR and \fBexpire \-\-dry\-run\fR print a table fitted to the terminal's width: notes are cut first, then whom an invite is for; tokens never are. Expiry is given in words (\fIin 6 days\fR, \fIexpired 2 hours ago\fR). In a pipe they print one tab-separated line per invite with times in ISO 8601, and \fB\-\-json\fR prints JSON Lines with ISO 8601 times.
.PP
\fBColour.\fR With \fB\-\-color auto\fR (the default), a stream is coloured only when it is a terminal and \fBNO_COLOR\fR is unset or empty. In tables, expired invites are red, those expiring within a day yellow, damaged records magenta. \fB\-\-color always\fR colours even a pipe (the expiry field of tab-separated lines); \fB\-\-color never\fR never colours. JSON is never coloured.
.PP
\fBProgress.\fR \fBgenerate \-\-count\fR of 1000 or more, and \fBexpire\fR on a store holding 1000 or more invites, draw a progress bar on standard error, only when standard error is a terminal; it is erased when done. Pipes, files and cron mail never see it, and \fBexpire \-\-quiet\fR never draws it.
.PP
\fBQR codes.\fR \fB\-\-qr\fR draws each link (the landing page, else the \fBxmpp:\fR URI) as a QR code in Unicode half blocks, with a quiet zone, as large as fits the terminal (up to two columns per module), after the link itself. It draws on standard output when that is a terminal, else on standard error when that is one, and is a usage error when neither is: a pipe's data never changes. Without colour the code is drawn for a dark background; with colour its colours are set, so it scans on any terminal. \fB\-\-qr\-file\fR writes PNG or SVG images instead, as the file name's extension says.
.PP
\fBPipes.\fR \fBgenerate\fR prints links only once its one transaction has committed, so every printed link already works: they arrive together after the commit, flushed line by line on a terminal and in blocks of 64 KiB in a pipe. A reader that closes the pipe early (\fBinvitectl HOST list \-\-json | head \-1\fR) is no error: invitectl exits 0 and prints nothing on standard error.
.PP
\fBBeside a running Prosody.\fR On SQLite and file storage, while the server runs, every write goes through the server itself, over its admin socket (\fBmod_admin_shell\fR, in Debian's default \fBmodules_enabled\fR): nothing of invitectl can then make the server's own writes fail or be lost. The socket is the configuration's \fBadmin_socket\fR, else \fIprosody.sock\fR in its \fBdata_path\fR; without a configuration, \fIprosody.sock\fR beside the store; or \fB\-\-admin\-socket\fR. When the server does not run (no socket, or one a crashed server left), the store is written directly. When it runs (its \fBpidfile\fR names a live process) but its socket cannot be used, writes are refused with exit status 1. On a SQLite database with a rollback journal, \fBlist\fR and \fBshow\fR read through the server too; in WAL mode they read the database directly. PostgreSQL and MySQL are always written directly: there the server waits for invitectl's locks. \fB\-\-via store\fR forces the direct path, \fB\-\-via server\fR the other; \fB\-\-verbose\fR and \fBcheck\-config\fR tell which is taken.
.SH "EXIT STATUS"
.TP
\fB0\fR
Everything asked for was done (also when a reader closes the pipe early).
.TP
\fB1\fR
A runtime failure: the store is unreadable, locked, damaged or not writable, or Prosody runs but its admin socket cannot be used, or the configuration cannot be read or names a store invitectl does not support, or a PostgreSQL or MySQL server cannot be reached or refuses the login; for \fBcheck\-config\fR, an error line. Nothing was written.
.TP
\fB2\fR
A usage error: a bad option, host, username, token, duration, template, PostgreSQL or MySQL URL, or a host the configuration declares no \fBVirtualHost\fR for. Nothing was written.
.TP
\fB3\fR
An invite named by token was not found (others named with it were still acted on).
.SH ENVIRONMENT
.TP
\fBINVITECTL_CONFIG\fR
Prosody's configuration, when \fB\-\-config\fR is not given. Set but empty: read no configuration at all.
.TP
\fBINVITECTL_STORE\fR
The store, when \fB\-\-store\fR is not given.
.TP
\fBINVITECTL_VIA\fR
The way to the store, when \fB\-\-via\fR is not given: \fBauto\fR, \fBserver\fR or \fBstore\fR.
.TP
\fBINVITECTL_LANDING_PAGE\fR
The default landing-page template for \fBgenerate\fR.
.TP
\fBNO_COLOR\fR
When set and not empty, \fB\-\-color auto\fR does not colour.
.TP
\fBPGPASSWORD\fR, \fBPGPASSFILE\fR
For a PostgreSQL store: the password, when neither the URL nor the configuration gives one; else the password file (default \fI~/.pgpass\fR, used only when others cannot read it), as libpq reads them.
.TP
\fBPGHOST\fR, \fBPGPORT\fR, \fBPGUSER\fR, \fBPGDATABASE\fR, \fBPGSSLMODE\fR, \fBPGSSLROOTCERT\fR, \fBPGCONNECT_TIMEOUT\fR
For a PostgreSQL store: what the URL or the configuration leaves unset, as libpq reads them.
.TP
\fBMYSQL_PWD\fR
For a MySQL or MariaDB store: the password, when neither the URL nor the configuration gives one.
.TP
\fBXDG_DATA_HOME\fR
Where the default store lives (default \fI~/.local/share\fR).
.SH FILES
.TP
\fI/etc/prosody/prosody.cfg.lua\fR
Prosody's configuration, read when it exists and neither \fB\-\-config\fR nor \fBINVITECTL_CONFIG\fR names another (nor \fB\-\-store\fR a store). It gives the host's store (\fBstorage\fR for \fBinvite_token\fR: \fBinternal\fR is the \fBdata_path\fR folder, default \fI/var/lib/prosody\fR; \fBsql\fR with SQLite3, PostgreSQL or MySQL its database), the default lifetime (\fBinvite_expiry\fR; password resets keep one day, as in Prosody) and landing page (\fBinvites_page\fR, \fBinvites_page_supports\fR).
.TP
\fI/etc/ejabberd/ejabberd.yml\fR
ejabberd's configuration, read when Prosody's is not there and neither \fB\-\-config\fR nor \fBINVITECTL_CONFIG\fR names another. It gives the host's store (\fBdefault_db\fR or \fBmod_invites\fR' \fBdb_type\fR, and the \fBsql_*\fR options), the default lifetime (\fBtoken_expire_seconds\fR) and landing page (\fBlanding_page\fR; \fBauto\fR is the \fBejabberd_http\fR listener that serves \fBmod_invites\fR, as ejabberd builds it).
.TP
\fI$XDG_DATA_HOME/invitectl/invites.sqlite\fR
The default store, created on first use with Prosody's SQL schema. Prosody reads it only when configured with \fBstorage = "sql"\fR and \fBsql = { driver = "SQLite3", database = "..." }\fR.
.TP
\fI/var/lib/prosody/prosody.sqlite\fR
Where Debian's Prosody keeps its SQL store, when configured as above; name it with \fB\-\-store\fR and run invitectl as the \fBprosody\fR user.
.TP
\fIFOLDER/.invitectl\-qr\-*.tmp\fR
\fB\-\-qr\-file\fR images while the invites are being written; renamed to their names once the transaction has committed, and removed if it fails.
.SH EXAMPLES
.TP
\fBinvitectl \-\-store /var/lib/prosody/prosody.sqlite example.com generate\fR
Print a link that registers one account.
.TP
\fBPGPASSWORD=... invitectl \-\-store postgres://prosody@db.example/prosody example.com list\fR
List the invites in Prosody's PostgreSQL database (or keep the password in \fI~/.pgpass\fR).
.TP
\fBMYSQL_PWD=... invitectl \-\-store mysql://prosody@db.example/prosody example.com expire\fR
Remove the expired invites from Prosody's MySQL or MariaDB database.
.TP
\fBinvitectl example.com generate \-\-count 100 \-\-json\fR
Create 100 invites in one transaction and print them as JSON Lines.
.TP
\fBinvitectl example.com generate \-\-qr\fR
Print a link and draw it as a QR code, to be scanned from the screen.
.TP
\fBinvitectl example.com generate \-\-count 20 \-\-qr\-file 'invite\-{n}.svg'\fR
Create 20 invites and write each as an SVG QR code, invite\-01.svg to invite\-20.svg, for printing.
.TP
\fBinvitectl example.com generate \-\-count 20 \-\-qr\-file qr/\fR
The same as PNG images named by token in the folder qr, made if missing.
.TP
\fBinvitectl example.com show TOKEN \-\-qr\-file invite.png\fR
Write an existing invite's link as a PNG QR code.
.TP
\fBinvitectl example.com expire \-\-quiet\fR
Remove expired invites (for cron).
"#;
