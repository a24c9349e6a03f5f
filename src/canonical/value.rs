//! A parsed JSON value with JavaScript's property order.
//!
//! `Object` keeps its members in the order a JS engine enumerates an
//! object's own string keys: array-index keys first, ascending, then the
//! other keys in first-insertion order. Serializing a `Value` therefore
//! prints exactly what `JSON.stringify` prints for the same object.

/// A JSON value. Strings that held lone surrogates (`"\ud800"`) are stored
/// with U+FFFD in their place: Rust strings cannot hold them. The
/// canonical text functions ([`super::to_string`]) keep them exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// Object members in JavaScript enumeration order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    members: Vec<(String, Value)>,
}

/// The largest array index plus one is 2^32 - 1; indices are 0 ..= 2^32 - 2.
const MAX_ARRAY_INDEX: u64 = 4_294_967_294;

/// `Some(n)` when `key` is a canonical array index: the decimal digits of an
/// integer in 0 ..= 2^32 - 2 with no leading zero (so `"0"` yes, `"01"` no).
pub fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || (bytes.len() > 1 && bytes.first() == Some(&b'0')) {
        return None;
    }
    let mut n: u64 = 0;
    for &b in bytes {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    if n <= MAX_ARRAY_INDEX {
        u32::try_from(n).ok()
    } else {
        None
    }
}

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` as a JS assignment would: an existing key keeps its
    /// position and takes the new value; a new array-index key goes in
    /// numeric order before the other keys; any other new key goes last.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        if let Some(slot) = self.members.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
            return;
        }
        let position = match array_index(&key) {
            Some(index) => self
                .members
                .iter()
                .position(|(k, _)| array_index(k).map_or(true, |other| other > index))
                .unwrap_or(self.members.len()),
            None => self.members.len(),
        };
        self.members.insert(position, (key, value));
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Members in JavaScript enumeration order, as a slice (the writer
    /// keeps a borrowing iterator per open object).
    pub(super) fn members(&self) -> &[(String, Value)] {
        &self.members
    }

    /// Members in JavaScript enumeration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Builds an object from members in source order, applying JS
    /// semantics: a repeated key keeps its first position and its last
    /// value; array-index keys move to the front in ascending order.
    pub fn from_source_order(members: Vec<(String, Value)>) -> Self {
        let ordered = super::order::js_order(members, |(k, _)| k.as_str(), |slot, (_, v)| slot.1 = v);
        Object { members: ordered }
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Object::from_source_order(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The JSON type name used in error messages: `"string"`, `"object"`, ...
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Self {
        Value::Object(o)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_index_accepts_only_canonical_indices() {
        assert_eq!(array_index("0"), Some(0));
        assert_eq!(array_index("42"), Some(42));
        assert_eq!(array_index("4294967294"), Some(4_294_967_294));
        for not_index in ["", "01", "-1", "1.0", "4294967295", "99999999999", " 1", "a", "1e3"] {
            assert_eq!(array_index(not_index), None, "{not_index:?}");
        }
    }

    #[test]
    fn insert_follows_js_property_order() {
        let mut o = Object::new();
        o.insert("b", Value::Null);
        o.insert("10", Value::Null);
        o.insert("a", Value::Null);
        o.insert("2", Value::Null);
        o.insert("b", Value::Bool(true));
        let keys: Vec<_> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["2", "10", "b", "a"]);
        assert_eq!(o.get("b"), Some(&Value::Bool(true)));
    }

    #[test]
    fn from_source_order_keeps_first_position_last_value() {
        let o: Object =
            [("a", 1.0.into()), ("1", Value::Null), ("b", 2.0.into()), ("a", 3.0.into())].into_iter().collect();
        let got: Vec<_> = o.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        assert_eq!(
            got,
            [("1".into(), Value::Null), ("a".into(), Value::Number(3.0)), ("b".into(), Value::Number(2.0))]
        );
    }
}
