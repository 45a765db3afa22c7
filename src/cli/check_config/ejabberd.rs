//! `check-config` on an ejabberd host: whether its ejabberd, as
//! configured, honours the invites invitectl writes.

use invitectl::ejabberd_config::{EjabberdConfigError, EjabberdHost, LandingPage};
use invitectl::store::{sqlite_journal_mode, JournalMode, Route};
use invitectl::{Location, Store};

use super::{store, Level, Report};
use crate::cli::{Context, Exit};

pub fn run(ctx: &Context, host: &EjabberdHost<'_>) -> Exit {
    let mut report = Report::default();
    report.line(
        Level::Ok,
        format!(
            "host {} is in the hosts of {}",
            host.name(),
            host.config_path().display()
        ),
    );
    match host.invites() {
        Ok(Some(invites)) => {
            report.line(
                Level::Ok,
                "mod_invites is loaded (keeps and checks invites)",
            );
            report.line(
                Level::Ok,
                format!(
                    "invites last {} s unless --ttl says otherwise (token_expire_seconds)",
                    invites.token_expire_seconds
                ),
            );
            landing_page(&mut report, host, &invites.landing_page);
            if invites.access_create_account != "none" {
                report.line(
                    Level::Ok,
                    format!(
                        "users allowed by access rule {} may make account invites (access_create_account)",
                        invites.access_create_account
                    ),
                );
            }
        }
        Ok(None) => report.line(
            Level::Error,
            "mod_invites is not loaded: add it to modules (it keeps and checks invites)",
        ),
        Err(e) => report.failed(e),
    }
    match host.register_allows_invites() {
        Ok(Some(true)) => report.line(Level::Ok, "mod_register lets invites create accounts"),
        Ok(Some(false)) => report.line(
            Level::Error,
            "mod_register's allow_modules leaves out mod_invites: account invites cannot register",
        ),
        Ok(None) => report.line(
            Level::Error,
            "mod_register is not loaded: account invites cannot register (contact invites still work)",
        ),
        Err(e) => report.failed(e),
    }
    store(&mut report, ctx);
    report.exit()
}

/// The landing page `generate` gives, `auto` resolved as ejabberd resolves
/// it.
fn landing_page(report: &mut Report, host: &EjabberdHost<'_>, configured: &LandingPage) {
    match (configured, host.landing_page()) {
        (_, Ok(None)) => report.line(Level::Ok, "no landing_page: links are xmpp: URIs"),
        (LandingPage::Auto, Ok(Some(page))) => report.line(
            Level::Ok,
            format!(
                "landing page {} (landing_page: auto, from the ejabberd_http listener that serves mod_invites)",
                page.template()
            ),
        ),
        (_, Ok(Some(page))) => {
            report.line(Level::Ok, format!("landing page {}", page.template()));
            let served = host
                .config()
                .invites_handlers()
                .is_ok_and(|handlers| !handlers.is_empty());
            if served && page.breaks_ejabberds_pages() {
                report.line(
                    Level::Warning,
                    "ejabberd 26.07 serves no invite page of its own with this landing_page (it renders it for its pages with only host and invite.token set, and fails on the other values here); the links are right, for a page served elsewhere",
                );
            }
        }
        (_, Err(unserved @ EjabberdConfigError::NoInvitesListener { .. })) => report.line(
            Level::Warning,
            format!("{unserved}: links are xmpp: URIs"),
        ),
        (_, Err(e)) => report.failed(e),
    }
}

/// ejabberd has no admin socket that takes code, so writes to a SQL
/// database go to it directly (its SQLite connection waits for no lock
/// either, no busy timeout, which each command's one short transaction
/// keeps rare); invites in Mnesia go through its API.
pub(super) fn route(report: &mut Report, store: &Store, location: &Location) {
    let route = store.route();
    let line = match route {
        Route::EjabberdApi { .. } => format!("writes go {route}, one command per invite"),
        _ => "writes go to the database directly, each command in one transaction".into(),
    };
    report.line(Level::Ok, line);
    let Location::Sqlite(path) = location else {
        return;
    };
    // Measured in the interop suite (ejabberd_load_sqlite, ejabberd_reader_sqlite).
    match sqlite_journal_mode(path) {
        JournalMode::Wal => report.line(
            Level::Warning,
            "ejabberd's SQLite connection waits for no lock: while invitectl writes, the server's own writes (registrations) fail at once; beside a busy server, write when it is quiet, or keep its data on PostgreSQL or MySQL",
        ),
        JournalMode::Rollback => report.line(
            Level::Warning,
            "the database keeps a rollback journal: beside the running ejabberd any reader can make its commits fail, and a burst of them leaves the host without its database until it restarts, so invitectl refuses it while ejabberd has it open; stop ejabberd, switch it to WAL (sqlite3 DATABASE 'PRAGMA journal_mode=WAL'), start it again",
        ),
    }
}
