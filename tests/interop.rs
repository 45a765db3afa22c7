//! Interoperability proof: invitectl against real, unmodified Prosody servers.
//!
//! What this suite proves. For each scenario below, on Prosody 0.12 (Debian
//! bookworm, /usr/bin/prosody) and on Prosody 13 (bookworm-backports,
//! unpacked by `scripts/install-test-servers`), a real server is started on
//! 127.0.0.1 with a throwaway configuration and `storage = "sql"` on SQLite.
//! Invites are made the way an admin makes them, by running the invitectl
//! binary with `--store <the server's prosody.sqlite>` while the server runs,
//! and a small XMPP client (plain TCP, quick-xml, SCRAM-SHA-1) then uses them
//! exactly as an XMPP client would: XEP-0401 preauth, XEP-0077 registration,
//! login, roster, XEP-0379 subscription. Every assertion is on a real server
//! reply or a real row of the server's database:
//!
//!  1. an account invite registers a user, and the token is consumed;
//!  2. a used token is refused at the preauth step;
//!  3. a revoked token is refused;
//!  4. an expired token is refused (built with the library for a past
//!     creation time, no sleeping);
//!  5. a fixed-username invite registers that user (and, as the servers
//!     really behave, does not stop another name: see the scenario);
//!  6. a password-reset invite changes the password: new works, old fails;
//!  7. a reusable group invite registers two people and stays;
//!  8. roles reach the new account (0.12: map format, `roles` store;
//!     13: list format, `account_roles` store);
//!  9. a contact invite makes inviter and invitee mutual contacts; on 13 a
//!     contact-only invite is auto-approved for an existing user (0.12.3
//!     crashes on those; the test pins that down);
//! 10. invites made by the server's own tool are listed, shown, revoked and
//!     pruned by invitectl;
//! 11. while a client registers a stream of people, `generate --count
//!     20000`, `expire` every 100 ms (one run at a time), `list --json` in
//!     a loop and a `revoke` of 500 invites run together, each given the
//!     server's configuration as a cron job has it: every command run and
//!     every registration succeeds, the server logs no error and no
//!     traceback, and afterwards every token generate printed is in the
//!     store, or was used by the stream, or was revoked, and the expired
//!     ones are pruned. It runs on every storage: on SQLite and file
//!     storage invitectl writes through the server's admin socket (on
//!     SQLite the server does not wait for another process's locks,
//!     scenario 14; on file storage its rewrites of a data file would race
//!     invitectl's), on PostgreSQL and MariaDB directly;
//! 12. Prosody 13's admin shell lists and shows invitectl's invites;
//! 13. with the same template, invitectl's landing pages match Prosody 13's
//!     (`invites_page`) for every kind of invite;
//! 14. what the servers do with SQLite locks held by another process (they
//!     fail at once and their connection stays broken): the constraint that
//!     scenario 11 runs into;
//! 15. given only the server's configuration (`--config`, no `--store`),
//!     invitectl finds the store and its invite registers an account, and
//!     `check-config` reports no error;
//! 16. (PostgreSQL only) on a database with no table yet, invitectl creates
//!     exactly Prosody 13's table (compared with the one the server made for
//!     itself), and a server started on that database honours its invite;
//! 17. the server keeps answering: a logged-in client pings it
//!     (XEP-0199, tests/interop/stall.rs) throughout `generate --count
//!     100000`, and the longest round trip stays under 100 ms; count,
//!     median, p99 and maximum are printed. It runs on SQLite (through the
//!     server), PostgreSQL and MariaDB; not on file storage, where every
//!     write rewrites the whole invite file, the server's own too.
//!
//! Scenarios 1-4, 6, 7, 9, 10, 11 and 15 run a second
//! time with the server on its file storage (`storage = "internal"`, modules `prosody_0_12_files` and
//! `prosody_13_files`): invitectl is given the server's data folder and
//! runs as the server's user, and the assertions read the server's Lua data
//! files instead of rows.
//!
//! Scenarios 1-4, 6, 7, 9, 10, 11, 15, 16 and 17 run with the server's SQL
//! storage on PostgreSQL (`driver = "PostgreSQL"`, modules
//! `prosody_0_12_postgres` and `prosody_13_postgres`): each server gets a
//! fresh database of a throwaway PostgreSQL cluster that the test process
//! starts on first use (tests/support/postgres_cluster.rs: initdb into a temporary
//! folder, 127.0.0.1 on a free port, password login), and that is stopped
//! and removed when the process exits. invitectl is given the database's
//! URL (`--store postgres://invitectl@127.0.0.1:PORT/DB`, the password in
//! `PGPASSWORD`), and the assertions read the server's rows over a
//! connection of their own. Here scenario 11 runs and must pass: PostgreSQL
//! makes a writer wait for a conflicting lock instead of failing it.
//!
//! The same scenarios run on MariaDB (`driver = "MySQL"`, modules
//! `prosody_0_12_mysql` and `prosody_13_mysql`; scenario 16 there compares
//! the table invitectl makes with the one each Prosody made): a throwaway
//! server the test process starts on first use (tests/support/mariadb_server.rs:
//! mariadb-install-db into a temporary folder, 127.0.0.1 on a free port,
//! password login), stopped and removed when the process exits. invitectl
//! is given `--store mysql://invitectl@127.0.0.1:PORT/DB`, the password in
//! `MYSQL_PWD`.
//!
//! ejabberd 26.07 (Debian trixie-backports) runs in the trixie chroot
//! `scripts/install-test-servers` builds (`$INVITECTL_EJABBERD_CHROOT`,
//! default /opt/invitectl-test/ejabberd-trixie; `chroot` needs root), each
//! test with its own node name, cookie, loopback ports, configuration and
//! SQLite database in a folder inside the chroot, as the chroot's
//! `ejabberd` user (tests/interop/ejabberd/harness.rs), on the single-host
//! schema (`ejabberd_sqlite::`) and on `sql_schema_multihost`
//! (`ejabberd_sqlite_multihost::`). So far it proves the ground the
//! ejabberd store stands on: an invite made by `ejabberdctl
//! generate_invite` registers an account once (preauth, then
//! jabber:iq:register on the same stream), the new user logs in, a second
//! use is refused with item-not-found and the row stays with `invitee` set
//! to the new bare JID; and a row written straight into `invite_token`
//! while the server runs, with a 43-character base64url token, is listed
//! by `ejabberdctl list_invites` and registers an account at once.
//! (PostgreSQL and MariaDB: `ejabberd_postgres...`, `ejabberd_mysql...`.)
//! On top of it (tests/interop/ejabberd/contacts.rs, load.rs, tz.rs):
//!
//! - a contact invite that may register (`S`) needs the server's
//!   `access_create_account` to allow the inviter (else its preauth is
//!   refused); the new account and the inviter are then mutual contacts at
//!   registration, and a second use is refused;
//! - a contact-only invite (`R`) is auto-approved for an existing account's
//!   subscription with the token (both `both` once the invitee approves the
//!   inviter's ask-back), and refused to anyone after; and, as 26.07 does,
//!   it also registers a new account on the default configuration;
//! - a reset (`T`) changes the password (preauth, then jabber:iq:register
//!   with the same name): the new one logs in, the old one does not;
//! - scenario 11 (`ejabberd_load_postgres[_multihost]::`, `ejabberd_load_mysql[_multihost]::`):
//!   bulk generate, expire, list and revoke beside a registration stream,
//!   no failure and no error logged; on SQLite (`ejabberd_load_sqlite::`,
//!   ignored) ejabberd's writes fail on invitectl's locks, which
//!   `ejabberd_lock_sqlite...` pins down with a write lock of the test's
//!   own, and `ejabberd_reader_sqlite...` with a read lock: a burst of
//!   failed commits crashes ejabberd's SQL connection until its supervisor
//!   gives up, and the server stays without its database;
//! - on a server ahead of UTC invites are refused early, behind it they
//!   are honoured after they expired (`mod_invites_sql` compares UTC
//!   times with local time).
//!
//! How to run it:
//!
//! ```text
//! sudo scripts/install-test-servers            # once; idempotent
//! export CARGO_TARGET_DIR=/work/target-interop  # optional
//! cargo test --test interop                     # both versions, all scenarios
//! cargo test --test interop prosody_13::        # one version
//! cargo test --test interop reset_changes       # one scenario, every storage
//! cargo test --test interop _postgres::         # PostgreSQL only
//! cargo test --test interop _mysql::            # MariaDB only
//! cargo test --test interop ejabberd            # ejabberd only (as root)
//! CI=true cargo test --test interop             # a missing server fails
//! INVITECTL_INTEROP_KEEP=1 cargo test ...       # keep each server's folder
//! ```
//!
//! The servers run as the `prosody` user when the tests run as root (13
//! refuses root), otherwise as the current user. Prosody 13 is looked for in
//! `$INVITECTL_PROSODY13_DIR` (default /opt/invitectl-test/prosody-13).
//! PostgreSQL's `initdb` and `postgres` are the newest of
//! `/usr/lib/postgresql/*/bin` (Debian's `postgresql`), or those in
//! `$INVITECTL_TEST_PG_BINDIR`; run as root, the cluster runs as the
//! `postgres` user. Prosody needs LuaDBI's PostgreSQL driver
//! (`lua-dbi-postgresql`). MariaDB's `mariadb-install-db` and `mariadbd`
//! are Debian's `mariadb-server`'s, or those in
//! `$INVITECTL_TEST_MARIADB_BINDIR`; run as root, the server runs as the
//! `mysql` user; Prosody needs `lua-dbi-mysql`.
//! `scripts/install-test-servers` installs all of these and leaves the
//! system's own PostgreSQL and MariaDB services stopped.
//! Without `CI=true`, a missing server, database server or driver makes its
//! tests print `SKIPPED: <why>` to stderr and pass; with it, they fail.
//!
//! Every test starts its own server in its own temporary folder on its own
//! port, so tests run in parallel; the server is stopped and reaped and the
//! folder removed when the test ends, also when it fails. Every network read
//! and every command run has a timeout, so nothing hangs.

// Public: the binaries' shared interface (see tests/support/mod.rs).
pub mod support;

/// The scenarios and what they run on, in tests/interop/: declared here
/// rather than from a tests/interop/main.rs so that this crate root
/// reaches tests/support/ as `support`.
mod interop {
    mod admin_shell;
    mod data_folder;
    pub mod ejabberd;
    pub mod harness;
    mod live;
    mod machine;
    pub mod scenarios;
    mod stall;
    pub mod xmpp;
}

use interop::{harness, scenarios};
use support::postgres_cluster;

/// Defines, for each scenario function `scenarios::NAME(&Server)`, one test
/// `prosody_0_12::NAME` and one test `prosody_13::NAME`.
macro_rules! interop {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        mod prosody_0_12 {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    let options = crate::scenarios::options(stringify!($name));
                    let version = crate::harness::Version::V012;
                    if let Some(server) = crate::harness::start_with(version, options) {
                        crate::scenarios::$name(&server);
                    }
                }
            )*
        }
        mod prosody_13 {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    let options = crate::scenarios::options(stringify!($name));
                    let version = crate::harness::Version::V13;
                    if let Some(server) = crate::harness::start_with(version, options) {
                        crate::scenarios::$name(&server);
                    }
                }
            )*
        }
    };
}

interop!(
    account_invite_registers_and_is_consumed,
    used_token_is_refused,
    revoked_token_is_refused,
    expired_token_is_refused,
    fixed_username_registers_that_user,
    fixed_username_is_not_enforced_by_the_server,
    reset_changes_password,
    reusable_group_invite_registers_two,
    roles_reach_the_new_account,
    contact_invite_makes_mutual_contacts,
    server_made_invites_are_managed,
    server_tool_reads_invitectl_invites,
    landing_pages_match_the_server,
    server_does_not_wait_for_sqlite_locks,
    configuration_alone_finds_the_store,
    concurrent_use,
    server_keeps_answering,
);

/// Defines, for each scenario function, `prosody_0_12_files::NAME` and
/// `prosody_13_files::NAME`: the same scenario with the server on its file
/// storage (`storage = "internal"`) and invitectl given its data folder.
macro_rules! interop_files {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        mod prosody_0_12_files {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    crate::run_on(crate::harness::Storage::Internal, crate::harness::Version::V012, stringify!($name), crate::scenarios::$name);
                }
            )*
        }
        mod prosody_13_files {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    crate::run_on(crate::harness::Storage::Internal, crate::harness::Version::V13, stringify!($name), crate::scenarios::$name);
                }
            )*
        }
    };
}

fn run_on(
    storage: harness::Storage,
    version: harness::Version,
    name: &str,
    scenario: fn(&harness::Server),
) {
    let options = harness::Options {
        storage,
        ..scenarios::options(name)
    };
    if let Some(server) = harness::start_with(version, options) {
        scenario(&server);
    }
}

interop_files!(
    account_invite_registers_and_is_consumed,
    used_token_is_refused,
    revoked_token_is_refused,
    expired_token_is_refused,
    reset_changes_password,
    reusable_group_invite_registers_two,
    contact_invite_makes_mutual_contacts,
    server_made_invites_are_managed,
    configuration_alone_finds_the_store,
    concurrent_use,
    // Not server_keeps_answering: on file storage every write of the invite
    // store, the server's own too, rewrites the whole file, so with 100,000
    // invites in it one write holds the server for seconds (README,
    // "Running beside Prosody").
);

/// Defines, for each scenario function, `prosody_0_12_postgres::NAME` and
/// `prosody_13_postgres::NAME`: the same scenario with the server's SQL
/// storage on PostgreSQL, a fresh database of the test process's cluster,
/// and invitectl given the database's URL.
macro_rules! interop_postgres {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        mod prosody_0_12_postgres {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    crate::run_on(crate::harness::Storage::Postgres, crate::harness::Version::V012, stringify!($name), crate::scenarios::$name);
                }
            )*
        }
        mod prosody_13_postgres {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    crate::run_on(crate::harness::Storage::Postgres, crate::harness::Version::V13, stringify!($name), crate::scenarios::$name);
                }
            )*
        }
    };
}

interop_postgres!(
    account_invite_registers_and_is_consumed,
    used_token_is_refused,
    revoked_token_is_refused,
    expired_token_is_refused,
    reset_changes_password,
    reusable_group_invite_registers_two,
    contact_invite_makes_mutual_contacts,
    server_made_invites_are_managed,
    concurrent_use,
    server_keeps_answering,
    configuration_alone_finds_the_store,
    new_database_gets_the_servers_schema,
);

/// Defines, for each scenario function, `prosody_0_12_mysql::NAME` and
/// `prosody_13_mysql::NAME`: the same scenario with the server's SQL
/// storage on MariaDB (`driver = "MySQL"`), a fresh database of the test
/// process's server, and invitectl given the database's URL.
macro_rules! interop_mysql {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {
        mod prosody_0_12_mysql {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    crate::run_on(crate::harness::Storage::Mysql, crate::harness::Version::V012, stringify!($name), crate::scenarios::$name);
                }
            )*
        }
        mod prosody_13_mysql {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    crate::run_on(crate::harness::Storage::Mysql, crate::harness::Version::V13, stringify!($name), crate::scenarios::$name);
                }
            )*
        }
    };
}

interop_mysql!(
    account_invite_registers_and_is_consumed,
    used_token_is_refused,
    revoked_token_is_refused,
    expired_token_is_refused,
    reset_changes_password,
    reusable_group_invite_registers_two,
    contact_invite_makes_mutual_contacts,
    server_made_invites_are_managed,
    concurrent_use,
    server_keeps_answering,
    configuration_alone_finds_the_store,
    new_mysql_database_gets_the_servers_schema,
);

/// Defines, for each scenario function `MODULE::NAME(&Ejabberd)` of
/// `interop::ejabberd`, one test per database ejabberd runs on and
/// schema: `ejabberd_sqlite::NAME` (the single-host schema, Debian's
/// default), `ejabberd_sqlite_multihost::NAME` (`sql_schema_multihost`),
/// and the same on PostgreSQL (`ejabberd_postgres...`) and MariaDB
/// (`ejabberd_mysql...`), each a fresh database of the test servers.
/// `MODULE::NAME { field: value, ... }` sets more of the server's
/// [`Options`](interop::ejabberd::harness::Options).
macro_rules! interop_ejabberd {
    ($($(#[$attr:meta])* $module:ident :: $name:ident $({ $($field:ident : $value:expr),* $(,)? })?),* $(,)?) => {
        interop_ejabberd!(@on ejabberd_sqlite, Sqlite, false; $($(#[$attr])* $module::$name [$($($field = $value;)*)?]),*);
        interop_ejabberd!(@on ejabberd_sqlite_multihost, Sqlite, true; $($(#[$attr])* $module::$name [$($($field = $value;)*)?]),*);
        interop_ejabberd!(@on ejabberd_postgres, Postgres, false; $($(#[$attr])* $module::$name [$($($field = $value;)*)?]),*);
        interop_ejabberd!(@on ejabberd_postgres_multihost, Postgres, true; $($(#[$attr])* $module::$name [$($($field = $value;)*)?]),*);
        interop_ejabberd!(@on ejabberd_mysql, Mysql, false; $($(#[$attr])* $module::$name [$($($field = $value;)*)?]),*);
        interop_ejabberd!(@on ejabberd_mysql_multihost, Mysql, true; $($(#[$attr])* $module::$name [$($($field = $value;)*)?]),*);
    };
    (@on $suite:ident, $storage:ident, $multihost:literal; $($(#[$attr:meta])* $module:ident :: $name:ident [$($field:ident = $value:expr;)*]),* $(,)?) => {
        mod $suite {
            $(
                #[test]
                $(#[$attr])*
                fn $name() {
                    #[allow(unused_mut)]
                    let mut options = crate::interop::ejabberd::harness::Options {
                        multihost: $multihost,
                        storage: crate::interop::ejabberd::harness::Storage::$storage,
                        ..Default::default()
                    };
                    $(options.$field = $value;)*
                    if let Some(server) = crate::interop::ejabberd::harness::start(options) {
                        crate::interop::ejabberd::$module::$name(&server);
                    }
                }
            )*
        }
    };
}

interop_ejabberd!(
    scenarios::server_invite_registers_once,
    scenarios::inserted_row_is_honoured,
    invitectl::invitectl_invite_registers_once,
    invitectl::username_revoked_and_expired,
    invitectl::server_and_invitectl_invites_side_by_side,
    contacts::contact_invite_registers_mutual_contacts {
        access_create_account: true
    },
    contacts::contact_invites_without_access_create_account,
    contacts::contact_only_invite_is_auto_approved,
    contacts::reset_changes_the_password,
    tz::server_ahead_of_utc_refuses_early {
        tz: Some("Asia/Tokyo")
    },
    tz::server_behind_utc_honours_late {
        tz: Some("America/New_York")
    },
    landing::landing_pages_auto,
    landing::landing_pages_template {
        landing_page: Some(crate::interop::ejabberd::landing::TEMPLATE)
    },
    landing::landing_pages_elsewhere {
        landing_page: Some(crate::interop::ejabberd::landing::ELSEWHERE)
    },
    landing::landing_page_ejabberd_cannot_render {
        landing_page: Some(crate::interop::ejabberd::landing::URLENCODED)
    },
);

// Mnesia, ejabberd's default database: the server's API does the writes.
interop_ejabberd!(@on ejabberd_mnesia, Mnesia, false;
    mnesia::every_command_goes_through_the_api [],
    mnesia::bulk_stops_at_the_servers_cap_and_leaves_nothing [],
    // ejabberd 26.07 on Mnesia runs an invite's registration inside the
    // Mnesia transaction that marks the invite used (mod_invites_mnesia's
    // set_invitee), and Mnesia runs a transaction again when it meets
    // another's lock: beside invitectl's (or ejabberdctl's) commands on the
    // invite table, the registration runs twice, and the client is told
    // `conflict` ("User already exists", the account made by the first
    // run) or `forbidden`. Seen: 11 and 19 of 200 registrations, beside
    // generate --count 300, a revoke of 200 and list and expire loops.
    #[ignore = "ejabberd 26.07 on Mnesia re-runs a registration that meets another command's lock"]
    mnesia::concurrent_use_through_the_api [],
    landing::landing_pages_through_the_api [],
);

// MySQL's collation: what the server matches, and what invitectl does.
interop_ejabberd!(@on ejabberd_mysql_collation, Mysql, true;
    collation::tokens_match_regardless_of_case_on_the_server_only [],
);

// Mnesia through an API listener with TLS, as Debian's is.
interop_ejabberd!(@on ejabberd_mnesia_tls, Mnesia, false;
    mnesia::every_command_goes_through_the_api [api_tls = true;],
    mnesia::only_the_servers_own_certificate_is_trusted [api_tls = true;],
);

// Scenario 11 on ejabberd, one suite per database and schema.
interop_ejabberd!(@on ejabberd_load_postgres, Postgres, false; load::concurrent_use []);
interop_ejabberd!(@on ejabberd_load_postgres_multihost, Postgres, true; load::concurrent_use []);
interop_ejabberd!(@on ejabberd_load_mysql, Mysql, false; load::concurrent_use []);
interop_ejabberd!(@on ejabberd_load_mysql_multihost, Mysql, true; load::concurrent_use []);
// On SQLite ejabberd 26.07 sets no busy timeout: any of its writes that
// meets a lock invitectl holds fails at once ("database is locked"), and a
// failed commit crashes its SQL connection process. In the rollback-journal
// mode ejabberd creates, four runs saw 984 to 991 of 1000 registrations
// fail while the commands and loops ran, as `forbidden` or with the stream
// closed; a burst of crashes can exhaust the SQL supervisor, after which
// nothing registers at all (`ejabberd_reader_sqlite::` pins that down, and
// that invitectl refuses such a database beside the server). In WAL mode,
// where the suites run (readers block no one), 209 of 307 failed, each
// while one of invitectl's write transactions ran, and the server went on.
interop_ejabberd!(@on ejabberd_lock_sqlite, Sqlite, false; load::sqlite_lock_fails_server_writes []);
interop_ejabberd!(@on ejabberd_lock_sqlite_multihost, Sqlite, true; load::sqlite_lock_fails_server_writes []);
interop_ejabberd!(@on ejabberd_reader_sqlite, Sqlite, false;
    load::sqlite_reader_can_take_the_server_down [rollback_journal = true;],
    load::invitectl_refuses_a_rollback_journal_beside_the_server [rollback_journal = true;],
);
interop_ejabberd!(@on ejabberd_reader_sqlite_multihost, Sqlite, true; load::sqlite_reader_can_take_the_server_down [rollback_journal = true;]);
interop_ejabberd!(@on ejabberd_load_sqlite, Sqlite, false; #[ignore = "ejabberd's SQLite writes fail at once on another process's write lock"] load::concurrent_use []);

/// The test cluster itself (tests/support/postgres_cluster.rs): it runs,
/// a fresh database takes the login role with its password over TCP, and
/// refuses a wrong one.
#[test]
fn postgres_cluster_accepts_only_the_password() {
    let Some(cluster) = postgres_cluster::cluster() else {
        return;
    };
    let db = cluster.fresh_database();
    let mut client = db.tcp_client();
    let row = client
        .query_one("SELECT current_user::text, current_database()::text", &[])
        .expect("a query");
    assert_eq!(row.get::<_, String>(0), postgres_cluster::LOGIN_ROLE);
    assert_eq!(row.get::<_, String>(1), db.name);
    client
        .batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (1)")
        .expect("the login role owns its database");
    let refused = db
        .client_with_password("not-the-password")
        .err()
        .expect("a wrong password is refused");
    assert_eq!(
        refused.code(),
        Some(&postgres::error::SqlState::INVALID_PASSWORD),
        "{refused:?}"
    );
    let seen: i64 = db
        .client()
        .query_one("SELECT count(*) FROM t", &[])
        .expect("the assertions' connection sees the same database")
        .get(0);
    assert_eq!(seen, 1);
    let other = cluster.fresh_database();
    assert_ne!(other.name, db.name);
    assert_eq!(
        db.url(),
        format!("postgres://invitectl@127.0.0.1:{}/{}", db.port, db.name)
    );
    assert!(!db.url().contains(&db.password));
}
