//! Typed readings of settings, following Prosody's `module:get_option_*`.

use std::path::PathBuf;

use super::error::ConfigError;
use super::period::{parse_period, to_seconds, Period};
use super::setting::{Located, Setting, SettingValue};
use crate::lua::Value;

/// The setting's literal value, or an error if it is not known.
pub(crate) fn known<'a>(key: &str, setting: &'a Setting) -> Result<&'a Value, ConfigError> {
    match &setting.value {
        SettingValue::Known(value) => Ok(value),
        SettingValue::Unreadable(reason) => Err(ConfigError::Unreadable {
            key: key.to_owned(),
            origin: setting.origin.clone(),
            reason: *reason,
        }),
        SettingValue::Partial { unreadable, .. } => {
            let field = unreadable.first().map(show_key).unwrap_or_default();
            Err(ConfigError::Unreadable {
                key: format!("{key}{field}"),
                origin: setting.origin.clone(),
                reason: super::setting::Unreadable::Expression,
            })
        }
        // Nil settings are removed when loading; treat one like a table
        // that is not there, which no getter accepts.
        SettingValue::Nil => Err(wrong(key, setting, "set", "nil")),
    }
}

fn show_key(key: &crate::lua::Key) -> String {
    match key.as_str() {
        Some(s) => format!(".{s}"),
        None => match key.as_int() {
            Some(i) => format!("[{i}]"),
            None => "[...]".to_owned(),
        },
    }
}

pub(crate) fn wrong(
    key: &str,
    setting: &Setting,
    expected: &'static str,
    found: &str,
) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        origin: setting.origin.clone(),
        expected,
        found: found.to_owned(),
    }
}

fn found(value: &Value) -> String {
    format!("a {}", value.type_name())
}

fn located<T>(value: T, setting: &Setting) -> Located<T> {
    Located {
        value,
        origin: setting.origin.clone(),
    }
}

/// `get_option_scalar`: a table stands for its first item.
fn scalar<'a>(key: &str, setting: &'a Setting) -> Result<&'a Value, ConfigError> {
    let value = known(key, setting)?;
    match value {
        Value::Table(t) => t
            .get(1)
            .ok_or_else(|| wrong(key, setting, "a single value", "an empty table")),
        other => Ok(other),
    }
}

/// A string setting (UTF-8); an integer is turned into text as Prosody's
/// `get_option_string` does.
pub(crate) fn string(key: &str, setting: &Setting) -> Result<Located<String>, ConfigError> {
    let text = match scalar(key, setting)? {
        Value::Str(s) => s
            .to_str()
            .map(str::to_owned)
            .ok_or_else(|| wrong(key, setting, "UTF-8 text", "a string of other bytes"))?,
        Value::Int(i) => i.to_string(),
        other => return Err(wrong(key, setting, "a string", &found(other))),
    };
    Ok(located(text, setting))
}

/// A path setting (a string, taken as it is).
pub(crate) fn path(key: &str, setting: &Setting) -> Result<Located<PathBuf>, ConfigError> {
    let text = string(key, setting)?;
    Ok(Located {
        value: PathBuf::from(text.value),
        origin: text.origin,
    })
}

/// `get_option_boolean`: `true`, `"true"` and `1` are true; `false`,
/// `"false"` and `0` are false; anything else is an error.
pub(crate) fn boolean(key: &str, setting: &Setting) -> Result<Located<bool>, ConfigError> {
    let value = scalar(key, setting)?;
    let b = match value {
        Value::Bool(b) => *b,
        Value::Str(s) if s == "true" => true,
        Value::Str(s) if s == "false" => false,
        v if v.as_f64() == Some(1.0) => true,
        v if v.as_f64() == Some(0.0) => false,
        other => return Err(wrong(key, setting, "true or false", &found(other))),
    };
    Ok(located(b, setting))
}

/// `get_option_array` of strings: a table's items `1..n`, or a single
/// value as a list of one.
pub(crate) fn string_list(
    key: &str,
    setting: &Setting,
) -> Result<Located<Vec<String>>, ConfigError> {
    let value = known(key, setting)?;
    let items: Vec<&Value> = match value {
        Value::Table(t) => t.sequence().collect(),
        single => vec![single],
    };
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        match item.as_str() {
            Some(s) => list.push(s.to_owned()),
            None => {
                return Err(wrong(
                    key,
                    setting,
                    "a list of strings",
                    &format!("a list holding {}", found(item)),
                ))
            }
        }
    }
    Ok(located(list, setting))
}

/// A period (`get_option_period` of Prosody 13, which also takes what 0.12
/// takes): a number of seconds, a period string, `"never"` or `false`.
/// Negative numbers are refused: Prosody 0.12 expires at once, 13 never.
pub(crate) fn period(key: &str, setting: &Setting) -> Result<Located<Period>, ConfigError> {
    let value = scalar(key, setting)?;
    let period = match value {
        Value::Bool(false) => Period::Never,
        Value::Str(s) => s.to_str().and_then(parse_period).ok_or_else(|| {
            wrong(
                key,
                setting,
                "a period such as \"7 days\"",
                "a string without a number",
            )
        })?,
        v => match v.as_f64() {
            Some(f) if f >= 0.0 => Period::Seconds(to_seconds(f)),
            Some(_) => {
                return Err(wrong(
                    key,
                    setting,
                    "a period that is not negative",
                    "a negative number",
                ))
            }
            None => {
                return Err(wrong(
                    key,
                    setting,
                    "a number of seconds or a period",
                    &found(v),
                ))
            }
        },
    };
    Ok(located(period, setting))
}
