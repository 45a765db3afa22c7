//! `invitectl HOST check-config`: whether the server, as configured, will
//! honour the invites invitectl writes. One line per finding.

use anyhow::Result;
use invitectl::access::may_write;
use invitectl::config::HostConfig;
use invitectl::store::{sqlite_journal_mode, Direct, JournalMode, Route, Writes};
use invitectl::{Location, OpenMode, Store};

use super::{config, Context, Exit, StoreOrigin, UsageError};

mod ejabberd;

/// What one line says.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Ok,
    Warning,
    Error,
}

/// The findings, printed as they come.
#[derive(Default)]
pub(super) struct Report {
    errors: usize,
}

impl Report {
    fn line(&mut self, level: Level, message: impl AsRef<str>) {
        let prefix = match level {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Error => {
                self.errors += 1;
                "error"
            }
        };
        println!("{prefix}: {}", message.as_ref());
    }

    /// What the findings add up to.
    fn exit(&self) -> Exit {
        if self.errors > 0 {
            Exit::Failure
        } else {
            Exit::Success
        }
    }

    /// An error line for a setting that could not be read.
    fn failed(&mut self, error: impl std::fmt::Display) {
        self.line(Level::Error, error.to_string());
    }
}

pub fn run(ctx: &Context) -> Result<Exit> {
    if let Some(host) = ctx.ejabberd_host()? {
        return Ok(ejabberd::run(ctx, &host));
    }
    let Some(host) = ctx.host_config()? else {
        return Err(UsageError(
            "no server configuration to check: use --config PATH or INVITECTL_CONFIG".into(),
        )
        .into());
    };
    let mut report = Report::default();
    report.line(
        Level::Ok,
        format!("host {} is declared at {}", host.name(), host.origin()),
    );
    // What the reader could not follow may change any answer below.
    for warning in host.config().warnings() {
        report.line(Level::Warning, warning);
    }
    if host.enabled().is_ok_and(|e| !e) {
        report.line(Level::Error, "the host is disabled (enabled = false)");
    }
    modules(&mut report, &host);
    registration(&mut report, &host);
    store(&mut report, ctx);
    landing_page(&mut report, &host);
    Ok(report.exit())
}

fn modules(report: &mut Report, host: &HostConfig<'_>) {
    for (module, role) in [
        ("invites", "keeps and checks invites"),
        ("invites_register", "lets invites create accounts"),
    ] {
        match host.is_module_enabled(module) {
            Ok(true) => report.line(Level::Ok, format!("mod_{module} is loaded ({role})")),
            Ok(false) => report.line(
                Level::Error,
                format!(
                    "mod_{module} is not loaded: add \"{module}\" to modules_enabled (it {role})"
                ),
            ),
            Err(e) => report.failed(e),
        }
    }
}

fn registration(report: &mut Report, host: &HostConfig<'_>) {
    match host.allow_registration() {
        Ok(Some(r)) if r.value => report.line(Level::Ok, "allow_registration = true"),
        Ok(_) => report.line(
            Level::Error,
            "allow_registration is not true: account invites cannot register (resets and contact invites still work)",
        ),
        Err(e) => report.failed(e),
    }
    match host.registration_invite_only() {
        Ok(Some(r)) if !r.value => report.line(
            Level::Warning,
            format!(
                "registration_invite_only = false at {}: anyone can register, invite or not",
                r.origin
            ),
        ),
        Ok(_) => report.line(Level::Ok, "registration is invite-only"),
        Err(e) => report.failed(e),
    }
    match host.allow_user_invites() {
        Ok(Some(r)) if r.value => report.line(
            Level::Ok,
            "allow_user_invites = true: users may invite others to register",
        ),
        Ok(_) => report.line(Level::Ok, "only admins create account invites"),
        Err(e) => report.failed(e),
    }
}

pub(super) fn store(report: &mut Report, ctx: &Context) {
    let source = match &ctx.origin {
        StoreOrigin::Named => "named by --store".to_owned(),
        StoreOrigin::Default => "the per-user default".to_owned(),
        StoreOrigin::Configured(at) => at.clone(),
    };
    report.line(
        Level::Ok,
        format!(
            "store: {} {} ({source})",
            ctx.location.describe(),
            ctx.location
        ),
    );
    if ctx.location.is_missing_file() {
        report.line(
            Level::Warning,
            format!(
                "{} does not exist yet: Prosody creates it on start, generate would too",
                ctx.location
            ),
        );
        return;
    }
    let mut store = match ctx.open(OpenMode::Existing) {
        Ok(store) => store,
        Err(e) => {
            report.failed(e);
            return;
        }
    };
    if matches!(ctx.ejabberd_host(), Ok(Some(_))) {
        ejabberd::route(report, &store);
    } else {
        route(report, ctx, &store);
    }
    if let Route::Server { .. } = store.route() {
        // The socket let this user in: the server does the writing.
        return;
    }
    let writable = match ctx.location.writes() {
        // SQLite writes its journal beside the database.
        Writes::File(p) => {
            may_write(p).unwrap_or(false)
                && p.parent().is_none_or(|d| may_write(d).unwrap_or(false))
        }
        Writes::Folder(p) => may_write(p).unwrap_or(false),
        Writes::Server => match store.may_write() {
            Ok(may) => may.unwrap_or(false),
            Err(e) => {
                report.failed(e);
                return;
            }
        },
    };
    if writable {
        report.line(Level::Ok, "the store opens and is writable by this user");
    } else {
        report.line(Level::Error, store.write_needs());
    }
}

/// Which way commands reach the store, and on SQLite what its journal
/// mode means for reading it beside the server.
fn route(report: &mut Report, ctx: &Context, store: &Store) {
    let route = store.route();
    match route {
        Route::Server { .. } | Route::EjabberdApi { .. } => {
            report.line(Level::Ok, format!("writes go {route}"))
        }
        Route::Direct(Direct::NotRunning(_)) => report.line(
            Level::Ok,
            format!("writes go {route}; once it runs, they go through its admin socket"),
        ),
        Route::Direct(_) => report.line(Level::Ok, format!("writes go {route}")),
    }
    let Location::Sqlite(path) = &ctx.location else {
        return;
    };
    match sqlite_journal_mode(path) {
        JournalMode::Wal => report.line(
            Level::Ok,
            "the database is in WAL mode: list and show read it directly without blocking the server",
        ),
        JournalMode::Rollback => report.line(
            // Only reading it directly beside the running server is a risk.
            if route == &Route::Direct(Direct::Chosen) {
                Level::Warning
            } else {
                Level::Ok
            },
            "the database uses a rollback journal: any reader can make the server's writes fail, so beside the running server list and show read through it, a page at a time; for direct reads, stop Prosody and switch the database to WAL (sqlite3 DATABASE 'PRAGMA journal_mode=WAL')",
        ),
    }
}

fn landing_page(report: &mut Report, host: &HostConfig<'_>) {
    match config::landing_page(host) {
        Ok(None) => report.line(
            Level::Ok,
            "no invites_page: links are xmpp: URIs, for clients that know invites",
        ),
        Ok(Some(page)) => {
            let kinds = match host.invites_page_supports() {
                Ok(Some(k)) => k.value.join(", "),
                _ => "account, account-and-contact (the default)".to_owned(),
            };
            report.line(
                Level::Ok,
                format!("landing page {} for: {kinds}", page.template()),
            );
        }
        Err(e) => report.failed(e),
    }
}
