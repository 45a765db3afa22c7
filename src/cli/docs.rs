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
    let cmd = Args::command();
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

const MAN_TAIL: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Everything asked for was done.
.TP
\fB1\fR
A runtime failure: the store is unreadable, locked, damaged or not writable. Nothing was written.
.TP
\fB2\fR
A usage error: a bad option, host, username, token, duration or template. Nothing was written.
.TP
\fB3\fR
An invite named by token was not found (others named with it were still acted on).
.SH ENVIRONMENT
.TP
\fBINVITECTL_STORE\fR
The store, when \fB\-\-store\fR is not given.
.TP
\fBINVITECTL_LANDING_PAGE\fR
The default landing-page template for \fBgenerate\fR.
.TP
\fBNO_COLOR\fR
When set and not empty, \fB\-\-color auto\fR does not colour.
.TP
\fBXDG_DATA_HOME\fR
Where the default store lives (default \fI~/.local/share\fR).
.SH FILES
.TP
\fI$XDG_DATA_HOME/invitectl/invites.sqlite\fR
The default store, created on first use with Prosody's SQL schema. Prosody reads it only when configured with \fBstorage = "sql"\fR and \fBsql = { driver = "SQLite3", database = "..." }\fR.
.SH EXAMPLES
.TP
\fBinvitectl \-\-store /var/lib/prosody/prosody.sqlite example.com generate\fR
Print a link that registers one account.
.TP
\fBinvitectl example.com generate \-\-count 100 \-\-json\fR
Create 100 invites in one transaction and print them as JSON Lines.
.TP
\fBinvitectl example.com expire \-\-quiet\fR
Remove expired invites (for cron).
"#;
