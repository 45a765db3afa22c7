//! Fills a store with test data for `scripts/bench`: invites made with
//! the library (so the rows are exactly what invitectl writes) and
//! foreign rows (another host's invites, this host's rosters) beside them.
//!
//! ```sh
//! cargo run --release --example bench_data -- STORE HOST \
//!     [--invites N] [--expired N] [--foreign N]
//! ```
//!
//! `--invites N` adds N pending account invites, created now; `--expired N`
//! adds N invites created 30 days ago, expired for 23 days; `--foreign N`
//! adds N rows that are not this host's invites: half are invites of
//! `other.example`, half roster rows of this host's users. The expired
//! invites are written first, so they are the older rows, as in a store
//! that was never pruned. A missing store is made with Prosody 13's
//! schema; rows are added to an existing one in one transaction.

use invitectl::token::TokenSource;
use invitectl::{Host, InviteRequest};
use rusqlite::{params, Connection, TransactionBehavior};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS "prosody" ("host" TEXT NOT NULL, "user" TEXT NOT NULL, "store" TEXT NOT NULL, "key" TEXT NOT NULL, "type" TEXT NOT NULL, "value" TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS "prosody_unique_index" ON "prosody" ("host", "user", "store", "key");
"#;

/// Rows are sorted by key in batches of this many before they are
/// inserted, which makes filling a large store much faster.
const BATCH: usize = 1 << 16;

type Row = (String, String, String, String, String, String);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_data STORE HOST [--invites N] [--expired N] [--foreign N]";
    let path = args.next().ok_or(usage)?;
    let host = Host::parse(&args.next().ok_or(usage)?)?;
    let (mut invites, mut expired, mut foreign) = (0u64, 0u64, 0u64);
    while let Some(flag) = args.next() {
        let n: u64 = args.next().ok_or(usage)?.parse()?;
        match flag.as_str() {
            "--invites" => invites = n,
            "--expired" => expired = n,
            "--foreign" => foreign = n,
            _ => return Err(usage.into()),
        }
    }
    let now = invitectl::now();
    let other = Host::parse("other.example")?;
    let request = InviteRequest::default();
    let mut tokens = TokenSource::new();

    let mut conn = Connection::open(&path)?;
    conn.pragma_update(None, "cache_size", -64 * 1024)?;
    conn.execute_batch(SCHEMA)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO prosody (host, user, store, key, type, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
        let mut flush = |batch: &mut Vec<Row>| -> rusqlite::Result<()> {
            batch.sort_unstable();
            for row in batch.drain(..) {
                insert.execute(params![row.0, row.1, row.2, row.3, row.4, row.5])?;
            }
            Ok(())
        };
        let mut invite_row = |host: &Host, created: i64| -> invitectl::Result<Row> {
            let invite = request.build_with_token(host, created, tokens.next_token()?)?;
            Ok((
                host.to_string(),
                String::new(),
                "invite_token".into(),
                invite.token.to_string(),
                "json".into(),
                invitectl::record::encode(&invite),
            ))
        };
        let phases = [
            (expired, now - 30 * 86_400),
            (invites, now),
            (foreign.div_ceil(2), now),
        ];
        for (phase, (n, created)) in phases.into_iter().enumerate() {
            for _ in 0..n {
                let row = if phase < 2 {
                    invite_row(&host, created)?
                } else {
                    invite_row(&other, created)?
                };
                batch.push(row);
                if batch.len() == BATCH {
                    flush(&mut batch)?;
                }
            }
            // Each phase is committed to the table before the next, so
            // that older rows come first.
            flush(&mut batch)?;
        }
        for i in 0..foreign / 2 {
            batch.push((
                host.to_string(),
                format!("user{}", i / 10),
                "roster".into(),
                format!("contact{i}@{other}"),
                "json".into(),
                r#"{"subscription":"both","groups":{},"name":"A contact"}"#.into(),
            ));
            if batch.len() == BATCH {
                flush(&mut batch)?;
            }
        }
        flush(&mut batch)?;
    }
    tx.commit()?;
    Ok(())
}
