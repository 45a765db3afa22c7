//! `invitectl HOST revoke TOKEN...`: remove invites by token.

use std::io::Write;

use anyhow::Result;
use invitectl::{OpenMode, Token};

use super::args::RevokeArgs;
use super::{Context, Exit, UsageError};

pub fn run(ctx: &Context, args: RevokeArgs) -> Result<Exit> {
    // Tokens may begin with '-', so everything after the first token is a
    // token; an option there is a mistake worth naming.
    if let Some(option) = args.tokens.iter().find(|t| *t == "--json") {
        return Err(UsageError(format!("put {option} before the tokens")).into());
    }
    // Every token is checked before anything is written.
    let mut tokens = args
        .tokens
        .iter()
        .map(|t| Token::parse(t))
        .collect::<invitectl::Result<Vec<_>>>()?;
    let mut seen = std::collections::HashSet::new();
    tokens.retain(|t| seen.insert(t.clone()));
    let mut store = ctx.open(OpenMode::Existing)?;
    let unknown = store.revoke(&ctx.host, &tokens)?;
    let mut out = ctx.style.stdout();
    if args.json {
        for token in &tokens {
            let line =
                serde_json::json!({ "token": token.as_str(), "revoked": !unknown.contains(token) });
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    for token in &unknown {
        eprintln!("invitectl: no invite with token {token}");
    }
    Ok(if unknown.is_empty() {
        Exit::Success
    } else {
        Exit::NotFound
    })
}
