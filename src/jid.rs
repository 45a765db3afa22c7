//! The two parts of a JID that invitectl takes from the command line:
//! the host an invite belongs to, and a local username.

use std::fmt;

use crate::error::{Error, Result};

/// The longest domain name DNS allows, in its ASCII form.
const MAX_DOMAIN_LEN: usize = 253;
/// The longest label DNS allows.
const MAX_LABEL_LEN: usize = 63;
/// RFC 7622's limit for a JID's local part.
const MAX_USERNAME_LEN: usize = 1023;

/// A virtual host of the server, normalised as Prosody names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host(String);

impl Host {
    /// Validates a domain name (internationalised names are fine) and
    /// normalises it with nameprep, as Prosody does for its hosts.
    pub fn parse(input: &str) -> Result<Host> {
        let invalid = |reason| Error::InvalidHost {
            input: input.to_owned(),
            reason,
        };
        if input.is_empty() {
            return Err(invalid("empty"));
        }
        let prepped = stringprep::nameprep(input).map_err(|_| invalid("not a domain name"))?;
        let ascii = match url::Host::parse(&prepped) {
            Ok(url::Host::Domain(ascii)) => ascii,
            Ok(_) => return Err(invalid("an IP address, not a domain name")),
            Err(_) => return Err(invalid("not a domain name")),
        };
        if ascii.len() > MAX_DOMAIN_LEN {
            return Err(invalid("longer than 253 characters"));
        }
        for label in ascii.split('.') {
            if label.is_empty() {
                return Err(invalid("empty label"));
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(invalid("a label is longer than 63 characters"));
            }
            let ldh = label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !ldh || label.starts_with('-') || label.ends_with('-') {
                return Err(invalid(
                    "labels may hold only letters, digits and inner hyphens",
                ));
            }
        }
        Ok(Host(prepped.into_owned()))
    }

    /// The host as Prosody writes it into the store.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A local username: the part of a JID before the `@`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    /// Validates and normalises a username with nodeprep, as Prosody does
    /// when an account registers, so that a username-bound invite names
    /// the account the server will create.
    pub fn parse(input: &str) -> Result<Username> {
        let invalid = |reason| Error::InvalidUsername {
            input: input.to_owned(),
            reason,
        };
        if input.is_empty() {
            return Err(invalid("empty"));
        }
        if let Some(c) = input.chars().find(|c| is_forbidden(*c)) {
            return Err(if c.is_whitespace() {
                invalid("contains whitespace")
            } else if c.is_control() {
                invalid("contains a control character")
            } else {
                invalid("contains one of @ / \\ \" & ' : < >")
            });
        }
        let prepped = stringprep::nodeprep(input)
            .map_err(|_| invalid("contains characters not allowed in a JID"))?;
        if prepped.is_empty() {
            return Err(invalid("empty"));
        }
        if prepped.len() > MAX_USERNAME_LEN {
            return Err(invalid("longer than 1023 bytes"));
        }
        Ok(Username(prepped.into_owned()))
    }

    /// The normalised username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_forbidden(c: char) -> bool {
    matches!(c, '@' | '/' | '\\' | '"' | '&' | '\'' | ':' | '<' | '>')
        || c.is_whitespace()
        || c.is_control()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(Host::parse("Example.COM").unwrap().as_str(), "example.com");
        assert_eq!(
            Host::parse("bücher.example").unwrap().as_str(),
            "bücher.example"
        );
        assert_eq!(Host::parse("localhost").unwrap().as_str(), "localhost");
    }

    #[test]
    fn bad_hosts_are_refused() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = vec!["abcdefghi"; 26].join(".");
        for bad in [
            "",
            "exa mple.com",
            "a..b",
            ".example.com",
            "example.com.",
            "-a.com",
            "a-.com",
            "127.0.0.1",
            "[::1]",
            "a/b",
            "a@b",
            "a_b.com",
            &long_label,
            &long_name,
        ] {
            assert!(Host::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn usernames_are_nodeprepped() {
        assert_eq!(Username::parse("Alice").unwrap().as_str(), "alice");
        assert_eq!(Username::parse("zoë").unwrap().as_str(), "zoë");
    }

    #[test]
    fn bad_usernames_are_refused() {
        let long = "a".repeat(1024);
        for bad in [
            "",
            "a@b",
            "a/b",
            "a\\b",
            "a\"b",
            "a&b",
            "a'b",
            "a:b",
            "a<b",
            "a>b",
            "a b",
            "a\tb",
            "a\u{202e}b",
            "a\u{0}b",
            "\u{85}",
            &long,
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Username::parse(&"a".repeat(1023)).is_ok());
    }
}
