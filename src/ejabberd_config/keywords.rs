//! ejabberd's keywords: `@HOST@` and the like inside option values,
//! replaced by the server when it reads them.

/// What a keyword stands for, where it is known without the server.
pub(super) struct Keywords<'a> {
    /// `define_keyword`, the host's first, then the global ones.
    pub defined: Vec<(String, String)>,
    pub host: &'a str,
    pub config_dir: String,
    pub database_path: String,
}

impl Keywords<'_> {
    /// `text` with every known keyword replaced; `Err(name)` names the
    /// first one that only the running server knows.
    pub fn expand(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find('@') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('@') else {
                break;
            };
            let name = &after[..end];
            let is_keyword = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !is_keyword {
                out.push_str(&rest[..=start]);
                rest = after;
                continue;
            }
            out.push_str(&rest[..start]);
            out.push_str(&self.value(name)?);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn value(&self, name: &str) -> Result<String, String> {
        if let Some((_, value)) = self.defined.iter().find(|(n, _)| n == name) {
            return Ok(value.clone());
        }
        match name {
            "HOST" => Ok(self.host.to_owned()),
            "HOST_URL_ENCODE" => Ok(url_encode(self.host)),
            "CONFIG_PATH" => Ok(self.config_dir.clone()),
            "DATABASE_PATH" => Ok(self.database_path.clone()),
            _ => Err(name.to_owned()),
        }
    }
}

/// As ejabberd's `misc:url_encode`: letters, digits and `-_.~` stay.
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keywords() -> Keywords<'static> {
        Keywords {
            defined: vec![("SPOOL".into(), "/srv/x".into())],
            host: "example.com",
            config_dir: "/etc/ejabberd".into(),
            database_path: "/var/lib/ejabberd".into(),
        }
    }

    #[test]
    fn known_keywords_are_replaced() {
        let k = keywords();
        assert_eq!(
            k.expand("@DATABASE_PATH@/sqlite/@HOST@.sqlite").unwrap(),
            "/var/lib/ejabberd/sqlite/example.com.sqlite"
        );
        assert_eq!(k.expand("@SPOOL@/db").unwrap(), "/srv/x/db");
        assert_eq!(k.expand("@CONFIG_PATH@").unwrap(), "/etc/ejabberd");
    }

    #[test]
    fn text_that_is_no_keyword_stays() {
        let k = keywords();
        for text in ["a@b", "user@example.com", "@lower@", "@@", "@", "x@Y-Z@"] {
            assert_eq!(k.expand(text).unwrap(), text);
        }
    }

    #[test]
    fn a_keyword_only_the_server_knows_is_named() {
        assert_eq!(keywords().expand("@LOG_PATH@/x"), Err("LOG_PATH".into()));
    }
}
