//! The floor for `generate --count`: the least a program can do to put
//! the same invites into Prosody's SQL table, for `scripts/bench` to
//! compare invitectl with.
//!
//! It makes the same rows as `invitectl HOST generate --count N` (account
//! invites, 24-character tokens from the OS CSPRNG, the same JSON record,
//! the same key order) and inserts them into a database with Prosody 13's
//! schema (the same unique index) in one `BEGIN IMMEDIATE` transaction
//! with one prepared statement, printing each link. It gives its
//! connection the same page cache as invitectl, and does nothing else:
//! no upsert, no checks, no spooling of output until the commit.
//!
//! ```sh
//! cargo run --release --example floor -- STORE HOST COUNT > links
//! cargo run --release --example floor -- --expire STORE HOST
//! ```
//!
//! With `--expire` it is the floor for `expire` instead: one plain SQL
//! `DELETE` of the host-level records whose `expires` (read by SQLite's
//! `json_extract`) is in the past, in one `BEGIN IMMEDIATE` transaction.
//! It prints how many rows it removed.

use std::io::{BufWriter, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::TryRngCore;
use rusqlite::{params, Connection, TransactionBehavior};

/// Prosody 13's schema, as invitectl creates it.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");
"#;

/// Seven days, invitectl's default lifetime.
const TTL: i64 = 7 * 86_400;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, path, host] = args.as_slice() {
        if flag == "--expire" {
            return expire(path, host);
        }
    }
    let [path, host, count] = args.as_slice() else {
        return Err("usage: floor STORE HOST COUNT".into());
    };
    let count: u64 = count.parse()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;

    let mut conn = Connection::open(path)?;
    // The same connection-level page cache as invitectl (16 MiB).
    conn.pragma_update(None, "cache_size", -16 * 1024)?;
    conn.execute_batch(SCHEMA)?;

    let mut out = BufWriter::new(std::io::stdout().lock());
    // Random bytes in blocks of 256 tokens, one system call each.
    let mut block = [0u8; 18 * 256];
    let mut used = block.len();
    let mut token = String::with_capacity(24);
    let mut uri = String::new();
    let mut json = String::new();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO prosody (host, user, store, key, type, value) \
             VALUES (?1, '', 'invite_token', ?2, 'json', ?3)",
        )?;
        for _ in 0..count {
            if used == block.len() {
                OsRng.try_fill_bytes(&mut block)?;
                used = 0;
            }
            token.clear();
            URL_SAFE_NO_PAD.encode_string(&block[used..used + 18], &mut token);
            used += 18;
            uri.clear();
            uri.push_str("xmpp:");
            uri.push_str(host);
            uri.push_str("?register;preauth=");
            uri.push_str(&token);
            json.clear();
            json.push_str(r#"{"type":"register","jid":""#);
            json.push_str(host);
            json.push_str(r#"","token":""#);
            json.push_str(&token);
            json.push_str(r#"","uri":""#);
            json.push_str(&uri);
            json.push_str(r#"","allow_registration":true,"created_at":"#);
            json.push_str(&now.to_string());
            json.push_str(r#","expires":"#);
            json.push_str(&(now + TTL).to_string());
            json.push('}');
            insert.execute(params![host, token, json])?;
            writeln!(out, "{uri}")?;
        }
    }
    tx.commit()?;
    out.flush()?;
    Ok(())
}

/// The floor for `expire`: one `DELETE` statement.
fn expire(path: &str, host: &str) -> Result<(), Box<dyn std::error::Error>> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "cache_size", -16 * 1024)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let removed = tx.execute(
        "DELETE FROM prosody WHERE host = ?1 AND user = '' AND store = 'invite_token' \
         AND type = 'json' AND json_valid(value) \
         AND json_type(value, '$.expires') IN ('integer', 'real') \
         AND json_extract(value, '$.expires') < ?2",
        params![host, now],
    )?;
    tx.commit()?;
    println!("{removed}");
    Ok(())
}
