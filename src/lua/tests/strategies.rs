//! Generators of values, and what Lua makes of a value after a round trip.

use proptest::prelude::*;

use crate::lua::key::float_to_int;
use crate::lua::{Key, Table, Value};

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(0.1),
        Just(-0.0),
        Just(1e18),
        Just(9_223_372_036_854_775_808.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        (-1_000_000i64..1_000_000).prop_map(|i| i as f64),
    ]
    .prop_filter("NaN is never equal to itself", |f| !f.is_nan())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..24),
        "[a-z_]{0,12}".prop_map(String::into_bytes),
        "\\PC{0,8}".prop_map(String::into_bytes),
    ]
}

/// Any value but a table.
pub(super) fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        Just(Value::Int(i64::MIN)),
        float().prop_map(Value::Float),
        bytes().prop_map(Value::from),
    ]
}

/// Any key.
pub(super) fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        any::<bool>().prop_map(Key::Bool),
        any::<i64>().prop_map(Key::Int),
        (1i64..6).prop_map(Key::Int),
        float().prop_filter_map("a valid key", Key::from_float),
        bytes().prop_map(Key::from),
    ]
}

/// Any value, tables with entries of all kinds in any order.
pub(super) fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec((key(), inner.clone()), 0..8)
                .prop_map(|entries| Value::Table(entries.into_iter().collect())),
            prop::collection::vec(inner, 0..8)
                .prop_map(|values| Value::Table(Table::from_sequence(values))),
        ]
    })
}

/// Values whose tables Lua's `pairs` walks in a known order: sequences
/// (1..n) and tables of a single entry.
pub(super) fn ordered_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            (key(), inner.clone()).prop_map(|(k, v)| {
                let mut t = Table::new();
                t.insert(k, v);
                Value::Table(t)
            }),
            prop::collection::vec(inner, 0..6)
                .prop_map(|values| Value::Table(Table::from_sequence(values))),
        ]
    })
}

/// The value Lua reads back from what Prosody writes for `v`: integral
/// floats below 1e18 are written without a fraction and come back as
/// integers, and `i64::MIN` comes back as a float.
pub(super) fn normalize(v: &Value) -> Value {
    match v {
        Value::Float(f) if f.abs() < 1e18 => float_to_int(*f).map_or(Value::Float(*f), Value::Int),
        Value::Int(i64::MIN) => Value::Float(-9_223_372_036_854_775_808.0),
        Value::Table(t) => Value::Table(t.iter().map(|(k, v)| (k.clone(), normalize(v))).collect()),
        other => other.clone(),
    }
}
