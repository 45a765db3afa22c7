//! Table keys, normalised the way Lua normalises them.

use std::fmt;
use std::hash::{Hash, Hasher};

use super::LuaString;

/// A float that is valid as a table key and that Lua keeps as a float:
/// never NaN, and never an integral value that fits an `i64` (Lua turns
/// such keys into integers, see [`Key::from_float`]).
#[derive(Clone, Copy)]
pub struct FloatKey(f64);

impl FloatKey {
    /// The float value.
    pub fn get(self) -> f64 {
        self.0
    }
}

// The invariant rules out NaN and -0.0 (which is integral), so comparing the
// bits is the same as comparing the numbers.
impl PartialEq for FloatKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for FloatKey {}

impl Hash for FloatKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

impl fmt::Debug for FloatKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A table key: Lua allows any value but `nil` and NaN; Prosody's data only
/// uses strings, numbers and booleans.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    /// `true` or `false`.
    Bool(bool),
    /// An integer, including positional (array) entries, which are `1..n`.
    Int(i64),
    /// A float that Lua keeps as a float key.
    Float(FloatKey),
    /// A string.
    Str(LuaString),
}

impl Key {
    /// The key Lua uses for the float `f`: an integral float that fits an
    /// `i64` becomes [`Key::Int`] (so `t[1.0]` is `t[1]`), NaN is no valid
    /// key (`None`), anything else stays a float.
    pub fn from_float(f: f64) -> Option<Key> {
        if f.is_nan() {
            None
        } else if let Some(i) = float_to_int(f) {
            Some(Key::Int(i))
        } else {
            Some(Key::Float(FloatKey(f)))
        }
    }

    /// The key as UTF-8 text, if it is a string that is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Key::Str(s) => s.to_str(),
            _ => None,
        }
    }

    /// The key as an integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Key::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// The integer equal to `f`, if `f` is integral and fits an `i64`.
pub(crate) fn float_to_int(f: f64) -> Option<i64> {
    // -2^63 is exact as f64; 2^63 is the first value out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.trunc() == f && (-LIMIT..LIMIT).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Self {
        Key::Str(s.into())
    }
}

impl From<String> for Key {
    fn from(s: String) -> Self {
        Key::Str(s.into())
    }
}

impl From<&[u8]> for Key {
    fn from(b: &[u8]) -> Self {
        Key::Str(b.into())
    }
}

impl From<Vec<u8>> for Key {
    fn from(b: Vec<u8>) -> Self {
        Key::Str(b.into())
    }
}

impl From<LuaString> for Key {
    fn from(s: LuaString) -> Self {
        Key::Str(s)
    }
}

impl From<i64> for Key {
    fn from(i: i64) -> Self {
        Key::Int(i)
    }
}

impl From<i32> for Key {
    fn from(i: i32) -> Self {
        Key::Int(i.into())
    }
}

impl From<u32> for Key {
    fn from(i: u32) -> Self {
        Key::Int(i.into())
    }
}

impl From<bool> for Key {
    fn from(b: bool) -> Self {
        Key::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_become_integers() {
        assert_eq!(Key::from_float(1.0), Some(Key::Int(1)));
        assert_eq!(Key::from_float(-0.0), Some(Key::Int(0)));
        assert_eq!(
            Key::from_float(-9_223_372_036_854_775_808.0),
            Some(Key::Int(i64::MIN))
        );
    }

    #[test]
    fn other_floats_stay_floats() {
        for f in [1.5, 9_223_372_036_854_775_808.0, f64::INFINITY, -1e300] {
            match Key::from_float(f) {
                Some(Key::Float(k)) => assert_eq!(k.get().to_bits(), f.to_bits()),
                other => panic!("{f}: {other:?}"),
            }
        }
        assert_eq!(Key::from_float(f64::NAN), None);
    }
}
