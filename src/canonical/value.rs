//! A parsed JSON value with JavaScript's property order.
//!
//! `Object` keeps its members in the order a JS engine enumerates an
//! object's own string keys: array-index keys first, ascending, then the
//! other keys in first-insertion order. Serializing a `Value` therefore
//! prints exactly what `JSON.stringify` prints for the same object.
//!
//! Every operation on a `Value` runs in constant native stack, whatever the
//! nesting depth: `Drop`, `Clone`, `PartialEq` and `Debug` are written by
//! hand with an explicit work list, because the derived ones recurse once
//! per level and a deep enough tree would overflow the stack (1 MiB in the
//! wasm build). The parser and the writer are iterative too.

use super::key::{array_index_of_bytes, Key};
use std::fmt;

/// A JSON value. Strings that held lone surrogates (`"\ud800"`) are stored
/// with U+FFFD in their place: Rust strings cannot hold them. The
/// canonical text functions ([`super::to_string`]) keep them exactly.
///
/// Because `Value` implements `Drop`, a container cannot be moved out of
/// it by pattern; use [`Value::into_array`], [`Value::into_object`],
/// [`Value::take`] or match on a reference.
///
/// ```
/// use promptfoo_webhooks::canonical::{Object, Value};
///
/// let object: Object = [("id", Value::from("issue-1")), ("n", Value::Number(2.0))].into_iter().collect();
/// let value = Value::Object(object);
/// assert!(matches!(&value, Value::Object(o) if o.len() == 2));
/// ```
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number: JSON's numbers are JavaScript's, IEEE 754 doubles.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object, its members in JavaScript's order.
    Object(Object),
}

/// Object members in JavaScript enumeration order.
///
/// `Clone`, `PartialEq` and `Debug` are derived: they go through the
/// members' `Value` impls, which never recurse.
///
/// ```
/// use promptfoo_webhooks::canonical::{Object, Value};
///
/// let mut object = Object::new();
/// object.insert("b", Value::Null);
/// object.insert("7", Value::Null);
/// assert_eq!(object.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["7", "b"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    members: Vec<(Key, Value)>,
}

/// `Some(n)` when `key` is a canonical array index: the decimal digits of an
/// integer in 0 ..= 2^32 - 2 with no leading zero (so `"0"` yes, `"01"` no).
///
/// ```
/// use promptfoo_webhooks::canonical::array_index;
///
/// assert_eq!(array_index("0"), Some(0));
/// assert_eq!(array_index("01"), None);
/// assert_eq!(array_index("4294967295"), None);
/// ```
#[must_use]
pub fn array_index(key: &str) -> Option<u32> {
    array_index_of_bytes(key.as_bytes())
}

impl Object {
    /// An empty object.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Object;
    ///
    /// assert!(Object::new().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` as a JS assignment would: an existing key keeps its
    /// position and takes the new value; a new array-index key goes in
    /// numeric order before the other keys; any other new key goes last.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let mut object = Object::new();
    /// object.insert("a", Value::from(1.0));
    /// object.insert("2", Value::Null);
    /// object.insert("a", Value::from(3.0));
    /// assert_eq!(Value::from(object).to_json(), r#"{"2":null,"a":3}"#);
    /// ```
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = Key::from(key.into());
        if let Some(slot) = self.members.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
            return;
        }
        let position = match array_index_of_bytes(key.as_bytes()) {
            Some(index) => self
                .members
                .iter()
                .position(|(k, _)| array_index_of_bytes(k.as_bytes()).is_none_or(|other| other > index))
                .unwrap_or(self.members.len()),
            None => self.members.len(),
        };
        self.members.insert(position, (key, value));
    }

    /// The value of `key`, if present.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let object: Object = [("a", Value::from(true))].into_iter().collect();
    /// assert_eq!(object.get("a").and_then(Value::as_bool), Some(true));
    /// assert!(object.get("b").is_none());
    /// ```
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k.is(key)).map(|(_, v)| v)
    }

    /// Removes `key`, keeping the order of the others; its value, if any.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let mut object: Object = [("a", Value::from(1.0)), ("b", Value::from(2.0))].into_iter().collect();
    /// assert_eq!(object.remove("a").and_then(|v| v.as_f64()), Some(1.0));
    /// assert!(object.remove("a").is_none());
    /// assert_eq!(object.len(), 1);
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let position = self.members.iter().position(|(k, _)| k.is(key))?;
        Some(self.members.remove(position).1)
    }

    /// The number of members.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let object: Object = [("a", Value::Null), ("b", Value::Null)].into_iter().collect();
    /// assert_eq!(object.len(), 2);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the object has no members.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// assert!(Object::new().is_empty());
    /// assert!(!Object::from_iter([("a", Value::Null)]).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Members in JavaScript enumeration order, as a slice (the writer
    /// keeps a borrowing iterator per open object).
    pub(super) fn members(&self) -> &[(Key, Value)] {
        &self.members
    }

    /// Members in JavaScript enumeration order.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let object: Object = [("b", Value::Null), ("10", Value::Null), ("2", Value::Null)].into_iter().collect();
    /// let keys: Vec<&str> = object.iter().map(|(k, _)| k).collect();
    /// assert_eq!(keys, ["2", "10", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Builds an object from members in source order, applying JS
    /// semantics: a repeated key keeps its first position and its last
    /// value; array-index keys move to the front in ascending order.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let members = vec![("a".to_string(), Value::from(1.0)), ("1".to_string(), Value::Null), ("a".to_string(), Value::from(2.0))];
    /// let object = Object::from_source_order(members);
    /// assert_eq!(Value::from(object).to_json(), r#"{"1":null,"a":2}"#);
    /// ```
    #[must_use]
    pub fn from_source_order(members: Vec<(String, Value)>) -> Self {
        Self::from_source_keys(members.into_iter().map(|(k, v)| (Key::from(k), v)).collect())
    }

    /// As [`Object::from_source_order`], for the parser's keys.
    pub(super) fn from_source_keys(members: Vec<(Key, Value)>) -> Self {
        let ordered = super::order::js_order(members, |(k, _)| k.as_bytes(), |slot, (_, v)| slot.1 = v);
        Object { members: ordered }
    }
}

impl<K: Into<String>> FromIterator<(K, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        Object::from_source_order(iter.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

impl Value {
    /// The text, if this is a string.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// assert_eq!(Value::from("text").as_str(), Some("text"));
    /// assert_eq!(Value::Null.as_str(), None);
    /// ```
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The members, if this is an object.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::parse;
    ///
    /// assert_eq!(parse(r#"{"a":1}"#)?.as_object().map(|o| o.len()), Some(1));
    /// assert!(parse("[]")?.as_object().is_none());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The items, if this is an array.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::parse;
    ///
    /// assert_eq!(parse("[1, 2]")?.as_array().map(|a| a.len()), Some(2));
    /// assert!(parse("{}")?.as_array().is_none());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The number, if this is a number.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// assert_eq!(Value::Number(1.5).as_f64(), Some(1.5));
    /// assert_eq!(Value::from("1.5").as_f64(), None);
    /// ```
    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// assert_eq!(Value::Bool(true).as_bool(), Some(true));
    /// assert_eq!(Value::Null.as_bool(), None);
    /// ```
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The JSON type name used in error messages: `"string"`, `"object"`, ...
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// assert_eq!(Value::Bool(false).type_name(), "boolean");
    /// assert_eq!(Value::Array(Vec::new()).type_name(), "array");
    /// ```
    #[must_use]
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

impl Value {
    /// Moves the value out, leaving `Null` in its place.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// let mut value = Value::from("text");
    /// assert_eq!(value.take().as_str(), Some("text"));
    /// assert_eq!(value, Value::Null);
    /// ```
    pub fn take(&mut self) -> Value {
        std::mem::replace(self, Value::Null)
    }

    /// The text of a string, moved out.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// assert_eq!(Value::from("text").into_string().as_deref(), Some("text"));
    /// assert_eq!(Value::Null.into_string(), None);
    /// ```
    #[must_use]
    pub fn into_string(mut self) -> Option<String> {
        match &mut self {
            Value::String(text) => Some(std::mem::take(text)),
            _ => None,
        }
    }

    /// The items of an array, moved out (a `Value` cannot be destructured
    /// by move: it implements `Drop`).
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// let items = Value::Array(vec![Value::Null, Value::Bool(true)]).into_array();
    /// assert_eq!(items.map(|items| items.len()), Some(2));
    /// assert!(Value::Null.into_array().is_none());
    /// ```
    #[must_use]
    pub fn into_array(mut self) -> Option<Vec<Value>> {
        match &mut self {
            Value::Array(items) => Some(std::mem::take(items)),
            _ => None,
        }
    }

    /// The members of an object, moved out.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::parse;
    ///
    /// let object = parse(r#"{"a":1}"#)?.into_object();
    /// assert_eq!(object.map(|o| o.len()), Some(1));
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn into_object(mut self) -> Option<Object> {
        match &mut self {
            Value::Object(object) => Some(std::mem::take(object)),
            _ => None,
        }
    }

    /// Whether this is an array or object with something in it.
    fn has_children(&self) -> bool {
        match self {
            Value::Array(items) => !items.is_empty(),
            Value::Object(object) => !object.is_empty(),
            _ => false,
        }
    }

    /// Moves out the children that have children of their own, leaving
    /// `Null` in their place: what is left drops without recursing.
    fn take_nested(&mut self, into: &mut Vec<Value>) {
        match self {
            Value::Array(items) => into.extend(items.iter_mut().filter(|v| v.has_children()).map(Value::take)),
            Value::Object(object) => {
                into.extend(object.members.iter_mut().map(|(_, v)| v).filter(|v| v.has_children()).map(Value::take));
            }
            _ => {}
        }
    }
}

impl Drop for Value {
    /// Dismantles the tree level by level: every nested container is moved
    /// out before its parent drops, so no drop reaches a grandchild
    /// through the stack. Leaves drop where they are.
    fn drop(&mut self) {
        let mut pending = Vec::new();
        self.take_nested(&mut pending);
        while let Some(mut child) = pending.pop() {
            child.take_nested(&mut pending);
        }
    }
}

impl Clone for Value {
    /// Copies the tree with an explicit stack of containers being filled.
    fn clone(&self) -> Value {
        /// A container being copied: what is left to copy, what is done.
        enum Open<'v> {
            Array(std::slice::Iter<'v, Value>, Vec<Value>),
            Object(std::slice::Iter<'v, (Key, Value)>, Vec<(Key, Value)>),
        }
        /// The copy of a leaf, or `None` after opening a container's copy.
        fn shallow<'v>(value: &'v Value, open: &mut Vec<Open<'v>>) -> Option<Value> {
            match value {
                Value::Null => Some(Value::Null),
                Value::Bool(b) => Some(Value::Bool(*b)),
                Value::Number(n) => Some(Value::Number(*n)),
                Value::String(s) => Some(Value::String(s.clone())),
                Value::Array(items) => {
                    open.push(Open::Array(items.iter(), Vec::with_capacity(items.len())));
                    None
                }
                Value::Object(object) => {
                    let members = object.members.iter();
                    open.push(Open::Object(members, Vec::with_capacity(object.members.len())));
                    None
                }
            }
        }

        let mut open: Vec<Open<'_>> = Vec::new();
        // The key of each object member being copied, innermost last; a
        // leaf member's key is taken back as soon as its copy is placed.
        let mut keys: Vec<Key> = Vec::new();
        let mut done = shallow(self, &mut open);
        loop {
            // Place a finished copy in its container, or return it.
            if let Some(copy) = done.take() {
                match open.last_mut() {
                    None => return copy,
                    Some(Open::Array(_, items)) => items.push(copy),
                    Some(Open::Object(_, members)) => members.push((keys.pop().unwrap_or_else(|| Key::new("")), copy)),
                }
            }
            // Copy the next child of the innermost container, or close it.
            let next = match open.last_mut() {
                // Not reached: the root's finished copy is returned above.
                None => return Value::Null,
                Some(Open::Array(items, _)) => items.next(),
                Some(Open::Object(members, _)) => members.next().map(|(key, value)| {
                    keys.push(key.clone());
                    value
                }),
            };
            done = match next {
                Some(child) => shallow(child, &mut open),
                None => match open.pop() {
                    Some(Open::Array(_, items)) => Some(Value::Array(items)),
                    Some(Open::Object(_, members)) => Some(Value::Object(Object { members })),
                    None => None,
                },
            };
        }
    }
}

impl PartialEq for Value {
    /// Structural equality, as derived (numbers compare as `f64`, so NaN is
    /// unequal to itself and `-0 == 0`; members compare in order), with an
    /// explicit list of pairs still to compare.
    fn eq(&self, other: &Value) -> bool {
        // Comparing leaves, the common case, allocates nothing.
        let mut pending = Vec::new();
        let mut pair = (self, other);
        loop {
            let same = match pair {
                (Value::Null, Value::Null) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Number(a), Value::Number(b)) => a == b,
                (Value::String(a), Value::String(b)) => a == b,
                (Value::Array(a), Value::Array(b)) => {
                    pending.extend(a.iter().zip(b));
                    a.len() == b.len()
                }
                (Value::Object(a), Value::Object(b)) => {
                    let (a, b) = (&a.members, &b.members);
                    pending.extend(a.iter().zip(b).map(|((_, x), (_, y))| (x, y)));
                    a.len() == b.len() && a.iter().zip(b).all(|((ka, _), (kb, _))| ka == kb)
                }
                _ => false,
            };
            if !same {
                return false;
            }
            match pending.pop() {
                Some(next) => pair = next,
                None => return true,
            }
        }
    }
}

impl fmt::Debug for Value {
    /// The derived format, compact (`Array([Null, Object(Object { members:
    /// [("a", Number(1.0))] })])`), printed from a work list; `{:#?}` prints
    /// the same single line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// Still to print, last item first.
        enum Piece<'v> {
            Text(&'static str),
            Key(&'v str),
            Value(&'v Value),
        }
        let mut work = vec![Piece::Value(self)];
        while let Some(piece) = work.pop() {
            match piece {
                Piece::Text(text) => f.write_str(text)?,
                Piece::Key(key) => write!(f, "{key:?}")?,
                Piece::Value(Value::Null) => f.write_str("Null")?,
                Piece::Value(Value::Bool(b)) => write!(f, "Bool({b:?})")?,
                Piece::Value(Value::Number(n)) => write!(f, "Number({n:?})")?,
                Piece::Value(Value::String(s)) => write!(f, "String({s:?})")?,
                Piece::Value(Value::Array(items)) => {
                    f.write_str("Array([")?;
                    work.push(Piece::Text("])"));
                    for (i, item) in items.iter().enumerate().rev() {
                        work.push(Piece::Value(item));
                        if i > 0 {
                            work.push(Piece::Text(", "));
                        }
                    }
                }
                Piece::Value(Value::Object(object)) => {
                    f.write_str("Object(Object { members: [")?;
                    work.push(Piece::Text("] })"));
                    for (i, (key, item)) in object.members.iter().enumerate().rev() {
                        work.extend([
                            Piece::Text(")"),
                            Piece::Value(item),
                            Piece::Text(", "),
                            Piece::Key(key.as_str()),
                        ]);
                        work.push(Piece::Text(if i > 0 { ", (" } else { "(" }));
                    }
                }
            }
        }
        Ok(())
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
