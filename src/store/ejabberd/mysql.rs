//! ejabberd's `invite_token` table on MySQL or MariaDB, in either schema:
//! the multihost one (`sql/mysql.new.sql`, with `server_host`) or the
//! single-host one (`sql/mysql.sql`), on the engine's connection
//! (`store::engine::mysql`: the writer lock, the transaction, the
//! retries).
//!
//! Here `created_at` and `expires` are `TIMESTAMP` columns, which hold
//! 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC: a later expiry is
//! refused. MySQL converts a `TIMESTAMP` from and to the session's time
//! zone; invitectl leaves the zone as the server sets it, as ejabberd
//! does, so both read back what either wrote. The table's collation
//! (`utf8mb4_unicode_ci`) matches text regardless of case: every
//! comparison with a token or a host also compares the bytes.

use std::collections::HashSet;

use mysql::prelude::Queryable;
use mysql::Value;

use super::{check, decode, encode, implied_invitee, Row, MYSQL_TIMESTAMP};
use crate::error::{Error, Result};
use crate::invite::Invite;
use crate::jid::Host;
use crate::record::Entry;
use crate::store::backend::{Backend, Entries, NewInvites, Opened, Selection};
use crate::store::engine::mysql::{failed, server_code, Connection, Statement, ACCESS_DENIED};
use crate::store::engine::Server;
use crate::token::Token;

/// Rows written per statement by `create`, and tokens per statement by
/// `revoke`: well inside the server's 65,535 placeholders.
const BATCH: usize = 1_000;

/// The columns every read selects, as text, in [`Row`]'s order.
const COLUMNS: &str = "`token`, `username`, `invitee`, \
    DATE_FORMAT(`created_at`, '%Y-%m-%d %H:%i:%s'), DATE_FORMAT(`expires`, '%Y-%m-%d %H:%i:%s'), \
    `type`, `account_name`";

/// Whether the database holds ejabberd's table, and not Prosody's: the
/// table decides the data model, as on SQLite (see
/// `ejabberd::sqlite::holds_ejabberd`).
pub fn holds_ejabberd(db: &mut Connection) -> Result<bool> {
    let (conn, name) = db.parts();
    let tables: Vec<String> = conn
        .query(
            "SELECT `TABLE_NAME` FROM `information_schema`.`TABLES` \
             WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` IN ('invite_token', 'prosody')",
        )
        .map_err(failed(name))?;
    Ok(tables.iter().any(|t| t == "invite_token") && !tables.iter().any(|t| t == "prosody"))
}

/// An open MySQL database with ejabberd's `invite_token` table.
pub struct EjabberdMysql {
    db: Connection,
    opened: Opened,
    schema: Schema,
}

/// Which schema the table has, and the statements on it.
#[derive(Debug, Clone, Copy)]
struct Schema {
    multihost: bool,
}

impl EjabberdMysql {
    /// Uses `db`, which holds ejabberd's table (see [`holds_ejabberd`]);
    /// its columns tell the schema.
    pub fn from_connection(mut db: Connection) -> Result<EjabberdMysql> {
        let (conn, name) = db.parts();
        let columns: HashSet<String> = conn
            .query::<String, _>(
                "SELECT `COLUMN_NAME` FROM `information_schema`.`COLUMNS` \
                 WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` = 'invite_token'",
            )
            .map_err(failed(name))?
            .into_iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let multihost = super::multihost(name, &columns)?;
        Ok(EjabberdMysql {
            opened: Opened {
                name: name.to_owned(),
                created: None,
                made_for_012: None,
            },
            schema: Schema { multihost },
            db,
        })
    }
}

impl Schema {
    /// `verb`, then `WHERE` and the host's rows.
    fn statement(&self, verb: &str, host: &Host) -> Statement {
        let mut st = Statement::new(verb);
        self.where_host(&mut st, host);
        st
    }

    /// Appends ` WHERE` and the host's rows.
    fn where_host(&self, st: &mut Statement, host: &Host) {
        st.sql(" WHERE ");
        if self.multihost {
            st.sql("`server_host` = ")
                .bind(host.as_str())
                .sql(" AND BINARY `server_host` = ")
                .bind(host.as_str());
        } else {
            // The single-host schema's rows are all the host's.
            st.sql("TRUE");
        }
    }

    /// `verb`, then `WHERE` and the host's rows with one of `tokens`.
    fn with_tokens(&self, verb: &str, host: &Host, tokens: &[&str]) -> Statement {
        let mut st = Statement::new(verb);
        self.where_tokens(&mut st, host, tokens);
        st
    }

    /// Appends ` WHERE` and the host's rows with one of `tokens`.
    fn where_tokens(&self, st: &mut Statement, host: &Host, tokens: &[&str]) {
        self.where_host(st, host);
        st.sql(" AND `token` IN (")
            .list(tokens.iter().copied())
            .sql(") AND BINARY `token` IN (")
            .list(tokens.iter().copied())
            .sql(")");
    }

    fn select(&self, host: &Host, token: &Token, lock: bool) -> Statement {
        let mut st = self.with_tokens(
            &format!("SELECT {COLUMNS} FROM `invite_token`"),
            host,
            &[token.as_str()],
        );
        if lock {
            st.sql(" FOR UPDATE");
        }
        st
    }

    /// The host's unused rows whose `expires` is before `now`: the
    /// reader decides which are expired invites, as everywhere.
    fn expired_candidates(&self, host: &Host, now: i64, lock: bool) -> Statement {
        let mut st = self.statement(&format!("SELECT {COLUMNS} FROM `invite_token`"), host);
        st.sql(" AND BINARY `invitee` = '' AND `expires` < ")
            .bind(super::format_time(now));
        if lock {
            st.sql(" FOR UPDATE");
        }
        st
    }
}

/// Column `i` as text (NULL, which ejabberd's schema forbids, as empty).
fn text(row: &mysql::Row, i: usize) -> String {
    match row.as_ref(i) {
        Some(Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    }
}

fn read_row(row: &mysql::Row) -> Row {
    Row {
        token: text(row, 0),
        username: text(row, 1),
        invitee: text(row, 2),
        created_at: text(row, 3),
        expires: text(row, 4),
        kind: text(row, 5),
        account_name: text(row, 6),
    }
}

fn find(
    conn: &mut impl Queryable,
    st: Statement,
    host: &Host,
) -> std::result::Result<Option<Entry>, mysql::Error> {
    let (sql, params) = st.into_parts();
    let row: Option<mysql::Row> = conn.exec_first(sql, params)?;
    Ok(row.map(|row| decode(host.as_str(), read_row(&row))))
}

impl Backend for EjabberdMysql {
    fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Whether this user may add, change and remove rows of the table:
    /// the server checks each statement, which touches no row, and they
    /// are undone.
    fn may_write(&mut self) -> Result<Option<bool>> {
        let (conn, name) = self.db.parts();
        let mut tx = conn
            .start_transaction(mysql::TxOpts::default())
            .map_err(failed(name))?;
        for probe in [
            "DELETE FROM `invite_token` WHERE 1 = 0",
            "UPDATE `invite_token` SET `invitee` = `invitee` WHERE 1 = 0",
            "INSERT INTO `invite_token` SELECT * FROM `invite_token` WHERE 1 = 0",
        ] {
            match tx.query_drop(probe) {
                Ok(()) => {}
                Err(e) if server_code(&e).is_some_and(|c| ACCESS_DENIED.contains(&c)) => {
                    return Ok(Some(false))
                }
                Err(e) => return Err(failed(name)(e)),
            }
        }
        tx.rollback().map_err(failed(name))?;
        Ok(Some(true))
    }

    fn write_needs(&self) -> &'static str {
        "the store is not writable by this user: it needs INSERT, UPDATE and DELETE on the invite_token table"
    }

    fn create(&mut self, host: &Host, invites: &mut NewInvites<'_>) -> Result<()> {
        let h = host.as_str();
        let multihost = self.schema.multihost;
        self.db.write(host, |tx, name| {
            let mut chunk = Vec::with_capacity(BATCH);
            loop {
                invites.next_chunk(&mut chunk, BATCH)?;
                if chunk.is_empty() {
                    break;
                }
                let mut st = Statement::new(if multihost {
                    "INSERT INTO `invite_token` (`token`, `username`, `server_host`, `invitee`, \
                     `created_at`, `expires`, `type`, `account_name`) VALUES "
                } else {
                    "INSERT INTO `invite_token` (`token`, `username`, `invitee`, \
                     `created_at`, `expires`, `type`, `account_name`) VALUES "
                });
                for (i, invite) in chunk.iter_mut().enumerate() {
                    let row = encode(invite, name, MYSQL_TIMESTAMP)?;
                    let token = invite.token.as_str();
                    // What the caller is told is the invite as ejabberd
                    // reads it back: its URI, its times to the second.
                    invite.uri = super::uri(row.kind, &row.username, &row.account_name, h, token);
                    invite.created_at = super::parse_time(&row.created_at);
                    st.sql(if i == 0 { "(" } else { ", (" })
                        .list([token, &row.username]);
                    if multihost {
                        st.sql(", ").bind(h);
                    }
                    st.sql(", '', ")
                        .list([&row.created_at, &row.expires, row.kind, &row.account_name])
                        .sql(")");
                }
                let (sql, params) = st.into_parts();
                tx.exec_drop(sql, params).map_err(failed(name))?;
                invites.written(&chunk)?;
            }
            Ok(())
        })
    }

    fn listing<'s>(
        &'s mut self,
        host: &Host,
        selection: Selection,
    ) -> Result<Box<dyn Entries + 's>> {
        let statement = match selection {
            Selection::All => {
                let mut st = self
                    .schema
                    .statement(&format!("SELECT {COLUMNS} FROM `invite_token`"), host);
                st.sql(" ORDER BY `created_at` DESC");
                st
            }
            Selection::ExpiredAt(now) => self.schema.expired_candidates(host, now, false),
        };
        Ok(Box::new(Listing {
            db: &mut self.db,
            statement,
            host: host.as_str().to_owned(),
            selection,
        }))
    }

    fn get(&mut self, host: &Host, token: &Token) -> Result<Option<Entry>> {
        let st = self.schema.select(host, token, false);
        let (conn, name) = self.db.parts();
        find(conn, st, host).map_err(failed(name))
    }

    fn check(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        check(self.get(host, token)?, token, now)
    }

    fn revoke(&mut self, host: &Host, tokens: &[Token]) -> Result<HashSet<String>> {
        let schema = self.schema;
        let statements: Vec<(Statement, Statement)> = tokens
            .chunks(BATCH)
            .map(|chunk| {
                let keys: Vec<&str> = chunk.iter().map(Token::as_str).collect();
                let mut select =
                    schema.with_tokens("SELECT `token` FROM `invite_token`", host, &keys);
                select.sql(" FOR UPDATE");
                (
                    select,
                    schema.with_tokens("DELETE FROM `invite_token`", host, &keys),
                )
            })
            .collect();
        self.db.write_retrying(host, |tx, name| {
            let mut removed = HashSet::new();
            for (select, delete) in &statements {
                let found: Vec<String> = tx
                    .exec(select.text(), select.params().to_vec())
                    .map_err(failed(name))?;
                if !found.is_empty() {
                    tx.exec_drop(delete.text(), delete.params().to_vec())
                        .map_err(failed(name))?;
                }
                removed.extend(found);
            }
            Ok(removed)
        })
    }

    fn prune(&mut self, host: &Host, now: i64, progress: &mut dyn FnMut(u64, u64)) -> Result<u64> {
        self.prune_rows(host, now, false, progress)
    }

    fn prune_including_used(
        &mut self,
        host: &Host,
        now: i64,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        self.prune_rows(host, now, true, progress)
    }

    fn redeem(&mut self, host: &Host, token: &Token, now: i64) -> Result<Invite> {
        self.redeem_as(host, token, now, None)
    }

    fn redeem_by(&mut self, host: &Host, token: &Token, now: i64, invitee: &str) -> Result<Invite> {
        self.redeem_as(host, token, now, Some(invitee))
    }
}

impl EjabberdMysql {
    /// Removes the unused invites that decode as expired at `now` (the
    /// candidates are locked, so none is used meanwhile) and, with
    /// `used`, every used one.
    fn prune_rows(
        &mut self,
        host: &Host,
        now: i64,
        used: bool,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64> {
        let schema = self.schema;
        let candidates = schema.expired_candidates(host, now, true);
        let mut delete_used = schema.statement("DELETE FROM `invite_token`", host);
        delete_used.sql(" AND BINARY `invitee` <> ''");
        let h = host.as_str();
        let removed = self.db.write_retrying(host, |tx, name| {
            let rows: Vec<mysql::Row> = tx
                .exec(candidates.text(), candidates.params().to_vec())
                .map_err(failed(name))?;
            let expired: Vec<String> = rows
                .iter()
                .map(|row| decode(h, read_row(row)))
                .filter(|entry| entry.is_expired_invite(now))
                .map(|entry| entry.token().as_str().to_owned())
                .collect();
            let mut removed = 0;
            for chunk in expired.chunks(BATCH) {
                let keys: Vec<&str> = chunk.iter().map(String::as_str).collect();
                let (sql, params) = schema
                    .with_tokens("DELETE FROM `invite_token`", host, &keys)
                    .into_parts();
                tx.exec_drop(sql, params).map_err(failed(name))?;
                removed += tx.affected_rows();
            }
            if used {
                tx.exec_drop(delete_used.text(), delete_used.params().to_vec())
                    .map_err(failed(name))?;
                removed += tx.affected_rows();
            }
            Ok(removed)
        })?;
        progress(removed, removed);
        Ok(removed)
    }

    fn redeem_as(
        &mut self,
        host: &Host,
        token: &Token,
        now: i64,
        invitee: Option<&str>,
    ) -> Result<Invite> {
        let schema = self.schema;
        let select = schema.select(host, token, true);
        self.db.write_retrying(host, |tx, name| {
            let entry = find(tx, select.clone(), host).map_err(failed(name))?;
            let mut invite = check(entry, token, now)?;
            let invitee = match invitee {
                Some(jid) => jid.to_owned(),
                None => implied_invitee(&invite)?,
            };
            let mut mark = Statement::new("UPDATE `invite_token` SET `invitee` = ");
            mark.bind(invitee.as_str());
            schema.where_tokens(&mut mark, host, &[token.as_str()]);
            mark.sql(" AND BINARY `invitee` = ''");
            let (sql, params) = mark.into_parts();
            tx.exec_drop(sql, params).map_err(failed(name))?;
            if tx.affected_rows() != 1 {
                return Err(Error::NotFound(token.to_string()));
            }
            invite.used_by = Some(invitee);
            Ok(invite)
        })
    }
}

/// A prepared listing of one host's rows, which holds the connection.
struct Listing<'s> {
    db: &'s mut Connection,
    statement: Statement,
    host: String,
    selection: Selection,
}

impl Entries for Listing<'_> {
    /// Streams the listing, reading rows off the connection as they are
    /// used (an unbuffered result).
    fn iter(&mut self) -> Result<Box<dyn Iterator<Item = Result<Entry>> + '_>> {
        let (conn, name) = self.db.parts();
        let rows = conn
            .exec_iter(self.statement.text(), self.statement.params().to_vec())
            .map_err(failed(name))?;
        let (host, selection) = (self.host.as_str(), self.selection);
        let mut failed_once = false;
        Ok(Box::new(
            rows.map_while(move |row| {
                if failed_once {
                    return None;
                }
                Some(match row {
                    Ok(row) => Ok(decode(host, read_row(&row))),
                    Err(source) => {
                        failed_once = true;
                        Err(failed(name)(source))
                    }
                })
            })
            .filter(move |entry| selection.keeps(entry)),
        ))
    }
}
