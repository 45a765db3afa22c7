//! Prosody's `prosody` table, as every SQL backend checks it before use.

/// The columns every generation of the server makes.
pub const COLUMNS: [&str; 6] = ["host", "user", "store", "key", "type", "value"];

/// Why a database is refused when it has no `prosody` table, on a server
/// where `generate` makes one.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub const NO_TABLE: &str =
    "it has no \"prosody\" table (Prosody makes it when it starts; generate makes it too)";

/// Why a table with these `(name, type)` columns is not Prosody's: a
/// missing column, or one whose type `is_text` refuses.
pub fn column_problem(
    columns: &[(String, String)],
    is_text: impl Fn(&str) -> bool,
) -> Option<String> {
    COLUMNS
        .iter()
        .find_map(|name| match columns.iter().find(|(have, _)| have == name) {
            None => Some(format!("the \"prosody\" table has no \"{name}\" column")),
            Some((_, kind)) if !is_text(kind) => {
                Some(format!("the \"{name}\" column is {kind}, not text"))
            }
            Some(_) => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[(&str, &str)]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|(n, k)| (n.to_string(), k.to_string()))
            .collect()
    }

    #[test]
    fn names_the_first_missing_or_wrong_column() {
        let text = |kind: &str| kind == "text";
        let all: Vec<_> = COLUMNS.iter().map(|c| (*c, "text")).collect();
        assert_eq!(column_problem(&columns(&all), text), None);
        assert_eq!(
            column_problem(&columns(&all[..5]), text).unwrap(),
            "the \"prosody\" table has no \"value\" column"
        );
        let mut blob = all.clone();
        blob[5] = ("value", "bytea");
        assert_eq!(
            column_problem(&columns(&blob), text).unwrap(),
            "the \"value\" column is bytea, not text"
        );
    }
}
