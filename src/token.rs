//! Invite tokens: the secret in every invite link.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::TryRngCore;

use crate::error::{Error, Result};

/// Random bytes in a token: 144 bits, the size of Prosody's `util.id.medium()`.
const TOKEN_BYTES: usize = 18;
/// The length of a generated token: base64 of 18 bytes, no padding.
pub const TOKEN_LEN: usize = 24;
/// Tokens made by other tools may differ in length; these bound what a
/// command line may name.
const MIN_TOKEN_LEN: usize = 8;
const MAX_TOKEN_LEN: usize = 128;

/// An invite token: base64url characters (`A-Z a-z 0-9 - _`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(String);

impl Token {
    /// Makes a new token from the operating system's CSPRNG.
    pub fn generate() -> Result<Token> {
        let mut bytes = [0u8; TOKEN_BYTES];
        OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| Error::Random(e.to_string()))?;
        Ok(Token::from_bytes(&bytes))
    }

    /// Makes a token from 18 random bytes.
    fn from_bytes(bytes: &[u8]) -> Token {
        Token(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Checks that a string given by a person can be a token.
    ///
    /// Only the alphabet and length are checked, so that tokens made by
    /// other tools (of other lengths) can still be named.
    pub fn parse(input: &str) -> Result<Token> {
        if !(MIN_TOKEN_LEN..=MAX_TOKEN_LEN).contains(&input.len()) {
            return Err(Error::MalformedToken {
                reason: "a token has 8 to 128 characters (invitectl and Prosody make 24)",
            });
        }
        if !input.bytes().all(is_token_byte) {
            return Err(Error::MalformedToken {
                reason: "a token holds only A-Z, a-z, 0-9, '-' and '_'",
            });
        }
        Ok(Token(input.to_owned()))
    }

    /// Wraps a key read from the store, whatever its shape, so that even an
    /// oddly named record can be listed and revoked.
    pub(crate) fn from_store(key: String) -> Token {
        Token(key)
    }

    /// The token's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Makes many tokens from the OS CSPRNG, reading its random bytes in
/// blocks, and hands each block out in sorted order.
///
/// Sorted order is what makes bulk inserts fast: the server's index on
/// `(host, user, store, key)` is then filled front to back, page after
/// page, instead of at a random place for every invite (see
/// `scripts/bench`). Blocks start at 256 tokens, so that a single invite
/// reads no more randomness than before, and double up to 65,536.
///
/// Every token is still 18 fresh bytes from the OS; what the order tells
/// is little. Someone who holds one token of a block and knows that the
/// token printed after (or before) theirs is its neighbour learns about
/// 16 of that token's 144 bits: at least 128 bits stay secret.
///
/// A source made with [`TokenSource::for_count`] never reads a block
/// larger than what is left to hand out, so every token it makes is
/// handed out: the set of a run's tokens is as random as any (a block
/// used in part would hand out only its smallest tokens), and the one
/// token of a single invite is plain random bytes, not the smallest of a
/// block of 256. Only the order within a bulk run is sorted.
#[derive(Default)]
pub struct TokenSource {
    /// Random bytes, read a block at a time.
    random: Vec<u8>,
    /// The block's tokens, encoded and sorted.
    block: Vec<[u8; TOKEN_LEN]>,
    used: usize,
    /// How many tokens are still to be handed out, when known.
    left: Option<u64>,
}

impl TokenSource {
    const FIRST_BLOCK: usize = 256;
    const MAX_BLOCK: usize = 1 << 16;

    /// A source with no bytes read yet.
    pub fn new() -> TokenSource {
        TokenSource::default()
    }

    /// A source for a run of `count` tokens: no block is larger than
    /// what is left of the run.
    pub fn for_count(count: u64) -> TokenSource {
        TokenSource {
            random: Vec::new(),
            block: Vec::new(),
            used: 0,
            left: Some(count),
        }
    }

    /// The next token.
    pub fn next_token(&mut self) -> Result<Token> {
        if self.used == self.block.len() {
            self.refill()?;
        }
        // Base64url is ASCII, so this cannot fail.
        let text = std::str::from_utf8(&self.block[self.used])
            .map_err(|e| Error::Random(e.to_string()))?;
        self.used += 1;
        if let Some(left) = &mut self.left {
            *left = left.saturating_sub(1);
        }
        Ok(Token(text.to_owned()))
    }

    fn refill(&mut self) -> Result<()> {
        let mut tokens = (self.block.len() * 2).clamp(Self::FIRST_BLOCK, Self::MAX_BLOCK);
        if let Some(left) = self.left {
            tokens = tokens.min(left.max(1).try_into().unwrap_or(usize::MAX));
        }
        self.random.resize(TOKEN_BYTES * tokens, 0);
        OsRng
            .try_fill_bytes(&mut self.random)
            .map_err(|e| Error::Random(e.to_string()))?;
        self.block.clear();
        self.block.resize(tokens, [0; TOKEN_LEN]);
        for (bytes, text) in self.random.chunks_exact(TOKEN_BYTES).zip(&mut self.block) {
            // 18 bytes always encode to exactly 24 characters.
            URL_SAFE_NO_PAD
                .encode_slice(bytes, text)
                .map_err(|e| Error::Random(e.to_string()))?;
        }
        // Byte order, which is SQLite's BINARY collation.
        self.block.sort_unstable();
        self.random.iter_mut().for_each(|b| *b = 0);
        self.used = 0;
        Ok(())
    }
}

impl Drop for TokenSource {
    /// Tokens not handed out are secrets to be: wipe them.
    fn drop(&mut self) {
        self.random.iter_mut().for_each(|b| *b = 0);
        self.block.iter_mut().for_each(|t| *t = [0; TOKEN_LEN]);
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Debug output hides most of the secret, so that logging a value that
/// holds a token does not leak it.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix: String = self.0.chars().take(4).collect();
        write!(f, "Token({prefix}…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_prosodys_shape() {
        for _ in 0..1000 {
            let token = Token::generate().unwrap();
            assert_eq!(token.as_str().len(), TOKEN_LEN);
            assert!(token.as_str().bytes().all(is_token_byte));
            assert_eq!(Token::parse(token.as_str()).unwrap(), token);
        }
    }

    #[test]
    fn a_source_makes_distinct_well_formed_tokens() {
        let mut source = TokenSource::new();
        let tokens: std::collections::HashSet<_> =
            (0..2_000).map(|_| source.next_token().unwrap()).collect();
        assert_eq!(tokens.len(), 2_000);
        assert!(tokens
            .iter()
            .all(|t| Token::parse(t.as_str()).is_ok() && t.as_str().len() == TOKEN_LEN));
    }

    #[test]
    fn a_source_hands_out_each_block_sorted() {
        let mut source = TokenSource::new();
        let tokens: Vec<_> = (0..TokenSource::FIRST_BLOCK + 10)
            .map(|_| source.next_token().unwrap())
            .collect();
        let (first, second) = tokens.split_at(TokenSource::FIRST_BLOCK);
        assert!(first.windows(2).all(|w| w[0].as_str() < w[1].as_str()));
        assert!(second.windows(2).all(|w| w[0].as_str() < w[1].as_str()));
        assert_eq!(source.block.len(), 2 * TokenSource::FIRST_BLOCK);
    }

    #[test]
    fn a_source_for_a_run_hands_out_every_token_it_reads() {
        let mut source = TokenSource::for_count(300);
        let tokens: Vec<_> = (0..300).map(|_| source.next_token().unwrap()).collect();
        // 256, then the 44 left: no block is used in part.
        assert_eq!(source.block.len(), 44);
        assert_eq!(source.used, 44);
        assert!(tokens[256..]
            .windows(2)
            .all(|w| w[0].as_str() < w[1].as_str()));
        let mut single = TokenSource::for_count(1);
        single.next_token().unwrap();
        assert_eq!(single.block.len(), 1);
    }

    #[test]
    fn generated_tokens_differ() {
        let a = Token::generate().unwrap();
        let b = Token::generate().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in [
            "",
            "short",
            "ukwQ_kgBSGa5rFmRZCz62Xx%",
            "' OR 1=1 --xxxxxxx",
            "ukwQ*kgBSGa5rFmRZCz62XxG",
            &"a".repeat(129),
        ] {
            assert!(Token::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn debug_does_not_show_the_secret() {
        let token = Token::parse("ukwQ_kgBSGa5rFmRZCz62XxG").unwrap();
        assert_eq!(format!("{token:?}"), "Token(ukwQ…)");
    }
}
