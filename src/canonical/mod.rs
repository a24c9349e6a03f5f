//! JSON text -> exactly what V8's `JSON.stringify(JSON.parse(text))` prints.
//!
//! One parser (`parser.rs`) drives one set of output rules (`writer.rs`): the
//! streaming canonicalizer, the [`Value`] tree builder and the serializer of
//! payloads built in Rust all go through them, so what Rust signs is what a
//! JavaScript receiver re-stringifies.

mod key;
mod order;
mod parser;
mod sink;
mod value;
mod writer;

pub use parser::MAX_TREE_DEPTH;
pub use value::{array_index, Object, Value};

use crate::Error;
use std::borrow::Cow;

/// The exact text `JSON.stringify(JSON.parse(text))` returns in V8, or
/// [`Error::InvalidJson`] for any text `JSON.parse` rejects.
///
/// ```
/// use promptfoo_webhooks::canonical::to_string;
///
/// // Whitespace dropped, array-index keys first, numbers as ECMAScript prints them.
/// assert_eq!(to_string(r#"{ "b": 1.50, "1": -0, "a": 1e21 }"#)?, r#"{"1":0,"b":1.5,"a":1e+21}"#);
/// assert_eq!(to_string("[1,]").unwrap_err().code(), "invalid_json");
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub fn to_string(text: &str) -> Result<String, Error> {
    parser::canonicalize(text)
}

/// As [`to_string`] over bytes; invalid UTF-8 decodes to U+FFFD as Node's
/// `buffer.toString()` does.
///
/// ```
/// use promptfoo_webhooks::canonical::to_string_from_bytes;
///
/// assert_eq!(to_string_from_bytes(b"{ \"a\": [1, 2.0] }")?, r#"{"a":[1,2]}"#);
/// assert_eq!(to_string_from_bytes(b"\"\xff\"")?, "\"\u{fffd}\"");
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub fn to_string_from_bytes(bytes: &[u8]) -> Result<String, Error> {
    to_string(&text_of(bytes))
}

/// `bytes` as text, invalid UTF-8 as U+FFFD (as Node's `buffer.toString()`).
/// Valid text, the usual case, is borrowed after `str::from_utf8`'s check,
/// which reads ASCII a word at a time: several times faster than the lossy
/// decoder's own pass.
pub(crate) fn text_of(bytes: &[u8]) -> Cow<'_, str> {
    match core::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Parses JSON text into a [`Value`] with JavaScript's property order.
/// Nesting deeper than [`MAX_TREE_DEPTH`] is [`Error::InvalidJson`]
/// ("nesting deeper than 10000 levels").
///
/// ```
/// use promptfoo_webhooks::canonical::parse;
///
/// let value = parse(r#"{"b": 1, "a": [true, null]}"#)?;
/// assert_eq!(value.as_object().map(|o| o.len()), Some(2));
/// assert!(parse("{").is_err());
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub fn parse(text: &str) -> Result<Value, Error> {
    parser::parse_value(text)
}

/// Checks that `text` is JSON [`parse`] accepts (nesting limit included),
/// building nothing.
///
/// ```
/// use promptfoo_webhooks::canonical::{validate, MAX_TREE_DEPTH};
///
/// assert!(validate(r#"{"a": [1, 2.5e3, "x"]}"#).is_ok());
/// assert_eq!(validate("[1,]").unwrap_err().code(), "invalid_json");
/// assert!(validate(&"[".repeat(MAX_TREE_DEPTH + 1)).unwrap_err().to_string().contains("nesting"));
/// ```
#[doc(hidden)] // the npm package's
pub fn validate(text: &str) -> Result<(), Error> {
    parser::validate(text)
}

/// Parses `text` keeping only containers nested at most `keep_depth` deep
/// (the root is depth 1); deeper ones are validated, then stand in the tree
/// as empty arrays or objects. Accepts and rejects exactly what [`parse`]
/// does: for readers that only look at the top levels.
///
/// ```
/// use promptfoo_webhooks::canonical::parse_to_depth;
///
/// let value = parse_to_depth(r#"{"a": {"b": {"c": 1}}}"#, 2)?;
/// assert_eq!(value.to_json(), r#"{"a":{"b":{}}}"#);
/// assert!(parse_to_depth(r#"{"a": {"b": [1,]}}"#, 2).is_err());
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[doc(hidden)] // the npm package's
pub fn parse_to_depth(text: &str, keep_depth: usize) -> Result<Value, Error> {
    parser::parse_to_depth(text, keep_depth)
}

/// Whether `text` opens more than [`MAX_TREE_DEPTH`] arrays and objects at
/// once, counting brackets outside strings: a quick scan that parses
/// nothing. A caller that parses elsewhere (the npm package uses
/// `JSON.parse`) runs it first and lets [`parse`] give the exact error for
/// a text it flags. A text no longer than the limit never needs it.
///
/// ```
/// use promptfoo_webhooks::canonical::{nests_too_deep, parse, MAX_TREE_DEPTH};
///
/// let deep = "[".repeat(MAX_TREE_DEPTH + 1);
/// assert!(nests_too_deep(deep.as_bytes()));
/// assert_eq!(parse(&deep).unwrap_err().code(), "invalid_json");
/// assert!(!nests_too_deep(format!(r#"["{deep}"]"#).as_bytes())); // inside a string
/// ```
#[doc(hidden)] // the npm package's
#[must_use]
pub fn nests_too_deep(text: &[u8]) -> bool {
    let mut scan = DepthScan::default();
    scan.feed(text)
}

/// [`nests_too_deep`] over a text given in pieces: [`DepthScan::feed`] says
/// `true` once the text so far nests too deep.
///
/// ```
/// use promptfoo_webhooks::canonical::{DepthScan, MAX_TREE_DEPTH};
///
/// let mut scan = DepthScan::default();
/// assert!(!scan.feed(br#"["\"#)); // a piece may end inside an escape
/// assert!(!scan.feed(br#"["]"#));
/// assert!(scan.feed("[".repeat(MAX_TREE_DEPTH + 1).as_bytes()));
/// ```
#[derive(Debug, Default, Clone)]
#[doc(hidden)] // the npm package's
pub struct DepthScan {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl DepthScan {
    /// Scans the next piece; `true` when the text so far nests deeper than
    /// [`MAX_TREE_DEPTH`].
    #[inline(never)] // two wasm exports scan: one copy
    pub fn feed(&mut self, piece: &[u8]) -> bool {
        // Multi-byte UTF-8 sequences never contain these ASCII bytes.
        let mut at = 0;
        while let Some(&byte) = piece.get(at) {
            at += 1;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    continue;
                }
                // Most of a body is string contents: skipped a word at a
                // time to the next quote, backslash or control byte.
                let special = parser::find_string_special(piece, at - 1);
                match piece.get(special) {
                    Some(b'\\') => self.escaped = true,
                    Some(b'"') => self.in_string = false,
                    _ => {}
                }
                at = special + 1;
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > MAX_TREE_DEPTH {
                        return true;
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        false
    }
}

impl Value {
    /// Serializes as `JSON.stringify` would.
    ///
    /// ```
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let object: Object = [("b", Value::from(1.5)), ("1", Value::Null)].into_iter().collect();
    /// assert_eq!(Value::from(object).to_json(), r#"{"1":null,"b":1.5}"#);
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        writer::value_to_string(self)
    }
}
