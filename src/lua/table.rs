//! Lua tables that remember the order of their entries.

use std::collections::HashMap;
use std::fmt;

use super::{Key, Value};

/// A Lua table whose entries keep the order they were inserted (or read)
/// in, so that a file can be rewritten with its entries where they were.
///
/// Keys are unique. Array-style (positional) entries are ordinary entries
/// with the integer keys `1..n`. Equality compares the entries in order.
#[derive(Clone, Default)]
pub struct Table {
    entries: Vec<(Key, Value)>,
    // Positions by key, kept once the table grows past `SMALL` entries
    // (and from then on); without one the entries are searched. A data
    // file holds thousands of small records, for which a hash map costs
    // more time and memory than it saves.
    // Boxed, so that a table without one carries a pointer, not a map.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashMap<Key, usize>>>,
    // Keys `1..=seq` all exist: lets `push` skip rescanning from 1.
    seq: i64,
}

/// The most entries a table searches one by one.
const SMALL: usize = 16;

impl Table {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table of positional entries `1..n` holding `values` in order.
    pub fn from_sequence<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Self {
        let mut table = Self::new();
        for value in values {
            table.push(value);
        }
        table
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value stored under `key`, e.g. `table.get("jid")` or `table.get(1)`.
    pub fn get(&self, key: impl Into<Key>) -> Option<&Value> {
        self.get_key(&key.into())
    }

    /// The value stored under `key`, without converting the key.
    pub fn get_key(&self, key: &Key) -> Option<&Value> {
        let i = self.position(key)?;
        self.entries.get(i).map(|(_, v)| v)
    }

    /// The value stored under `key`, for changing it in place.
    pub fn get_mut(&mut self, key: impl Into<Key>) -> Option<&mut Value> {
        let i = self.position(&key.into())?;
        self.entries.get_mut(i).map(|(_, v)| v)
    }

    /// Whether an entry with `key` exists.
    pub fn contains_key(&self, key: impl Into<Key>) -> bool {
        self.position(&key.into()).is_some()
    }

    fn position(&self, key: &Key) -> Option<usize> {
        match &self.index {
            None => self.entries.iter().position(|(k, _)| k == key),
            Some(index) => index.get(key).copied(),
        }
    }

    /// Stores `value` under `key` and returns the value it replaces. A
    /// replaced entry keeps its position; a new one goes last.
    pub fn insert(&mut self, key: impl Into<Key>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        if let Some(i) = self.position(&key) {
            if let Some(slot) = self.entries.get_mut(i) {
                return Some(std::mem::replace(&mut slot.1, value));
            }
        }
        self.append(key, value);
        None
    }

    /// Stores `value` under `key` unless an entry with `key` exists, in
    /// which case both are handed back.
    pub(crate) fn insert_new(&mut self, key: Key, value: Value) -> Result<(), (Key, Value)> {
        if self.position(&key).is_some() {
            return Err((key, value));
        }
        self.append(key, value);
        Ok(())
    }

    /// Adds an entry whose key is not in the table.
    fn append(&mut self, key: Key, value: Value) {
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > SMALL {
            let index = self.entries.iter().enumerate();
            self.index = Some(Box::new(index.map(|(i, (k, _))| (k.clone(), i)).collect()));
        }
    }

    /// Removes the entry with `key` and returns its value. The other
    /// entries keep their order.
    pub fn remove(&mut self, key: impl Into<Key>) -> Option<Value> {
        let key = key.into();
        let i = self.position(&key)?;
        if i >= self.entries.len() {
            return None;
        }
        let (_, value) = self.entries.remove(i);
        if let Some(index) = &mut self.index {
            index.remove(&key);
            for (k, _) in &self.entries[i..] {
                if let Some(slot) = index.get_mut(k) {
                    *slot -= 1;
                }
            }
        }
        if let Key::Int(n) = key {
            if n <= self.seq {
                self.seq = n - 1;
            }
        }
        Some(value)
    }

    /// Appends `value` as the next positional entry, under the first
    /// integer key `n + 1` such that keys `1..=n` all exist (what Lua's
    /// `t[#t + 1] = value` does for a proper sequence), and returns that key.
    pub fn push(&mut self, value: impl Into<Value>) -> i64 {
        let mut n = self.seq.max(0);
        while self.position(&Key::Int(n + 1)).is_some() {
            n += 1;
        }
        self.seq = n + 1;
        self.insert(n + 1, value);
        n + 1
    }

    /// The values under the keys `1, 2, 3, ...` up to the first missing
    /// key, like Lua's `ipairs`.
    pub fn sequence(&self) -> impl Iterator<Item = &Value> + '_ {
        (1..).map_while(move |i: i64| self.get_key(&Key::Int(i)))
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, in order.
    pub fn values(&self) -> impl Iterator<Item = &Value> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values, in order, for changing them in place.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl fmt::Debug for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Into<Key>, V: Into<Value>> FromIterator<(K, V)> for Table {
    /// Collects entries in order; a repeated key replaces the earlier value.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut table = Self::new();
        table.extend(iter);
        table
    }
}

impl<K: Into<Key>, V: Into<Value>> Extend<(K, V)> for Table {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Table {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Table {
    type Item = (&'a Key, &'a Value);
    type IntoIter = Box<dyn Iterator<Item = (&'a Key, &'a Value)> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_insertion_order_and_replaces_in_place() {
        let mut t = Table::new();
        t.insert("b", 1);
        t.insert("a", 2);
        assert_eq!(t.insert("b", 3), Some(Value::Int(1)));
        let keys: Vec<_> = t.keys().filter_map(Key::as_str).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(t.get("b"), Some(&Value::Int(3)));
    }

    #[test]
    fn remove_keeps_lookup_consistent() {
        let mut t: Table = [("a", 1), ("b", 2), ("c", 3)].into_iter().collect();
        assert_eq!(t.remove("a"), Some(Value::Int(1)));
        assert_eq!(t.remove("a"), None);
        assert_eq!(t.get("c"), Some(&Value::Int(3)));
        assert_eq!(t.get("b"), Some(&Value::Int(2)));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn push_fills_the_sequence() {
        let mut t = Table::from_sequence(["x", "y"]);
        assert_eq!(t.push("z"), 3);
        t.remove(2);
        assert_eq!(t.push("again"), 2);
        assert_eq!(t.push("next"), 4);
        let seq: Vec<_> = t.sequence().filter_map(Value::as_str).collect();
        assert_eq!(seq, ["x", "again", "z", "next"]);
    }

    #[test]
    fn equality_is_ordered() {
        let ab: Table = [("a", 1), ("b", 2)].into_iter().collect();
        let ba: Table = [("b", 2), ("a", 1)].into_iter().collect();
        assert_ne!(ab, ba);
        assert_eq!(ab, ab.clone());
    }
}
