//! Statements whose placeholders are written together with the values
//! they stand for, so that the two cannot come apart.

use mysql::Value;

/// A statement being built: text, and the value of each `?` in it.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    text: String,
    params: Vec<Value>,
}

impl Statement {
    /// A statement starting with `text`.
    pub fn new(text: &str) -> Statement {
        let mut statement = Statement::default();
        statement.sql(text);
        statement
    }

    /// `function(?, ...)`, a placeholder for each argument, ready to run.
    pub fn call<const N: usize>(function: &str, args: [Value; N]) -> (String, Vec<Value>) {
        let mut statement = Statement::new(function);
        statement.sql("(").list(args).sql(")");
        statement.into_parts()
    }

    /// Appends SQL with no placeholder in it.
    pub fn sql(&mut self, text: &str) -> &mut Statement {
        debug_assert!(
            !text.contains('?'),
            "a placeholder without its value: {text}"
        );
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Statement {
        self.text.push('?');
        self.params.push(value.into());
        self
    }

    /// Appends `?, ?, ...`, one placeholder for each of `values`.
    pub fn list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Statement {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value);
        }
        self
    }

    /// The text, with a placeholder for each parameter.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parameters, in order.
    pub fn params(&self) -> &[Value] {
        &self.params
    }

    /// The text and the parameters, to run.
    pub fn into_parts(self) -> (String, Vec<Value>) {
        (self.text, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_has_its_value() {
        let mut st = Statement::new("SELECT 1 WHERE a = ");
        st.bind("x").sql(" AND b IN (").list(["y", "z"]).sql(")");
        assert_eq!(st.text(), "SELECT 1 WHERE a = ? AND b IN (?, ?)");
        assert_eq!(
            st.params(),
            [Value::from("x"), Value::from("y"), Value::from("z")]
        );
        assert_eq!(st.text().matches('?').count(), st.params().len());
        let (sql, params) = Statement::call("SELECT GET_LOCK", [Value::from("l"), Value::from(10)]);
        assert_eq!(sql, "SELECT GET_LOCK(?, ?)");
        assert_eq!(params, [Value::from("l"), Value::from(10)]);
    }
}
