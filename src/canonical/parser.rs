//! The one JSON parser: V8's `JSON.parse` grammar, driven without recursion.
//!
//! The parser validates the text and reports what it reads to a [`Sink`].
//! Two sinks exist: the streaming canonicalizer ([`super::writer::Canonical`]),
//! which writes `JSON.stringify` output while parsing, and [`TreeBuilder`],
//! which builds a [`Value`]. Both see exactly the same grammar, so they
//! accept and reject exactly the same texts.
//!
//! Nesting is tracked on an explicit stack (one byte per open container),
//! so deep input costs memory, never native stack.

use super::key::Key;
use super::sink::{number_value, Sink};
use super::value::{Object, Value};
use super::writer;
use crate::Error;

/// Deepest nesting of arrays and objects [`parse`](super::parse) (hence every
/// payload the verify pipeline types) accepts.
///
/// Not a stack guard: the parser and every [`Value`] operation (drop,
/// clone, compare, debug, serialize) are iterative. It bounds what a body
/// can cost: a level of tree takes about a hundred bytes for its one byte
/// of text. And it refuses only what no genuine sender produces: Promptfoo
/// serializes with `JSON.stringify`, which in Node 20's V8 recurses and
/// throws a `RangeError` past 4,104 nested arrays or 4,103 nested objects
/// (measured with `JSON.stringify(JSON.parse(text))` on the default stack).
/// 10,000 leaves room for engines with larger stacks. (Newer V8 serializes
/// iteratively: Chromium 156 prints 2,000,000 levels; a payload nested
/// 10,000 deep is still not a webhook.) The streaming
/// canonicalizer has no limit: it never builds a tree.
///
/// ```
/// use promptfoo_webhooks::canonical::{parse, to_string, MAX_TREE_DEPTH};
///
/// let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
/// assert!(parse(&deep(MAX_TREE_DEPTH)).is_ok());
/// assert_eq!(parse(&deep(MAX_TREE_DEPTH + 1)).unwrap_err().code(), "invalid_json");
/// assert!(to_string(&deep(MAX_TREE_DEPTH + 1)).is_ok()); // no tree, no limit
/// ```
pub const MAX_TREE_DEPTH: usize = crate::contract::MAX_TREE_DEPTH;

/// Bytes per word in [`find_string_special`]'s scan.
const WORD: usize = 8;
const ONES: u64 = u64::from_le_bytes([0x01; WORD]);
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; WORD]);

/// Whether `b` ends a run of plain string characters: `"`, `\` and the
/// control characters U+0000..U+001F, which must not appear raw.
fn is_string_special(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `JSON.stringify(JSON.parse(text))`, written while parsing.
pub fn canonicalize(text: &str) -> Result<String, Error> {
    let mut sink = writer::Canonical::with_capacity(text.len());
    run(text, &mut sink)?;
    Ok(sink.finish())
}

/// Checks `text` as [`parse_value`] would, keeping nothing.
pub fn validate(text: &str) -> Result<(), Error> {
    run(text, &mut Validator)
}

/// A sink that keeps nothing: for checking JSON without building a tree,
/// under the tree's nesting limit so it refuses exactly what a parse does.
struct Validator;

impl Sink for Validator {
    const MAX_DEPTH: usize = MAX_TREE_DEPTH;

    fn null(&mut self) {}
    fn boolean(&mut self, _: bool) {}
    fn number(&mut self, _: &str) {}
    fn string_begin(&mut self) {}
    fn string_run(&mut self, _: &str) {}
    fn string_char(&mut self, _: char) {}
    fn string_lone_surrogate(&mut self, _: u16) {}
    fn string_end(&mut self) {}
    fn key_end(&mut self) {}
    fn array_begin(&mut self) {}
    fn array_end(&mut self) {}
    fn object_begin(&mut self) {}
    fn member_end(&mut self) {}
    fn object_end(&mut self) {}
    fn comma(&mut self) {}
}

/// Parses `text` into a [`Value`] in JavaScript property order.
pub fn parse_value(text: &str) -> Result<Value, Error> {
    parse_to_depth(text, usize::MAX)
}

/// As [`parse_value`], keeping only the containers nested at most
/// `keep_depth` deep (the root is depth 1): a deeper array or object is
/// checked as fully as ever but stands in the tree as an empty one of the
/// same kind, and nothing inside it is stored. For callers that only read
/// the top levels, such as validating a payload against its schema.
pub fn parse_to_depth(text: &str, keep_depth: usize) -> Result<Value, Error> {
    let mut sink = TreeBuilder { keep_depth, ..TreeBuilder::default() };
    run(text, &mut sink)?;
    // A successful run always completes exactly one root value.
    sink.root.ok_or_else(|| invalid("unexpected end of input", text.len()))
}

/// An open container on the parser's explicit stack.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Array,
    Object,
}

/// Index of the first `"`, `\` or control byte at or after `from`, or the
/// length. Plain characters are the bulk of JSON, so they are skipped a
/// word at a time (SWAR: a byte's high bit is set in `flags` when the byte
/// is special; the lowest flagged byte is always a true match, because a
/// false flag can only come from a borrow out of a lower match).
pub(super) fn find_string_special(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + WORD) {
        let Ok(array) = <[u8; WORD]>::try_from(chunk) else { break };
        let word = u64::from_le_bytes(array);
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x;
        let below_space = word.wrapping_sub(ONES * 0x20) & !word;
        let flags = (zero_byte(quote) | zero_byte(backslash) | below_space) & HIGH_BITS;
        if flags != 0 {
            // Little-endian: the lowest set bit belongs to the first byte.
            return at + (flags.trailing_zeros() / 8) as usize;
        }
        at += WORD;
    }
    while let Some(&b) = bytes.get(at) {
        if is_string_special(b) {
            break;
        }
        at += 1;
    }
    at
}

fn invalid(reason: impl Into<String>, offset: usize) -> Error {
    Error::InvalidJson { reason: reason.into(), offset }
}

/// Parses all of `text` as one JSON value, reporting it to `sink`.
pub fn run<S: Sink>(text: &str, sink: &mut S) -> Result<(), Error> {
    let mut p = Cursor { text, bytes: text.as_bytes(), pos: 0 };
    let mut stack: Vec<Open> = Vec::new();
    'value: loop {
        // Here a value must start.
        p.skip_whitespace();
        match p.peek() {
            Some(b'{') => {
                p.open(&stack, S::MAX_DEPTH)?;
                sink.object_begin();
                p.skip_whitespace();
                if p.eat(b'}') {
                    sink.object_end();
                } else {
                    stack.push(Open::Object);
                    p.member_key(sink)?;
                    continue 'value;
                }
            }
            Some(b'[') => {
                p.open(&stack, S::MAX_DEPTH)?;
                sink.array_begin();
                p.skip_whitespace();
                if p.eat(b']') {
                    sink.array_end();
                } else {
                    stack.push(Open::Array);
                    continue 'value;
                }
            }
            Some(b'"') => p.string(sink, Role::Value)?,
            Some(b'-' | b'0'..=b'9') => sink.number(p.number()?),
            Some(b't') => {
                p.literal(b"true")?;
                sink.boolean(true);
            }
            Some(b'f') => {
                p.literal(b"false")?;
                sink.boolean(false);
            }
            Some(b'n') => {
                p.literal(b"null")?;
                sink.null();
            }
            _ => return Err(p.unexpected()),
        }
        // A value is complete: close containers until one continues.
        loop {
            p.skip_whitespace();
            match stack.last() {
                None if p.peek().is_none() => return Ok(()),
                None => return Err(invalid("trailing characters after JSON value", p.pos)),
                Some(Open::Array) => match p.peek() {
                    Some(b',') => {
                        p.pos += 1;
                        sink.comma();
                        continue 'value;
                    }
                    Some(b']') => {
                        p.pos += 1;
                        stack.pop();
                        sink.array_end();
                    }
                    _ => return Err(p.unexpected()),
                },
                Some(Open::Object) => match p.peek() {
                    Some(b',') => {
                        p.pos += 1;
                        sink.member_end();
                        sink.comma();
                        p.member_key(sink)?;
                        continue 'value;
                    }
                    Some(b'}') => {
                        p.pos += 1;
                        stack.pop();
                        sink.member_end();
                        sink.object_end();
                    }
                    _ => return Err(p.unexpected()),
                },
            }
        }
    }
}

/// What a string being read is.
#[derive(Clone, Copy)]
enum Role {
    Key,
    Value,
}

/// The read position in the text.
struct Cursor<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
}

impl<'t> Cursor<'t> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let hit = self.peek() == Some(byte);
        if hit {
            self.pos += 1;
        }
        hit
    }

    /// JSON whitespace is exactly space, tab, line feed and carriage return.
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// The error for whatever is at the cursor when it is not allowed there.
    fn unexpected(&self) -> Error {
        match self.text.get(self.pos..).and_then(|rest| rest.chars().next()) {
            Some(c) => invalid(format!("unexpected character '{}'", escaped(c)), self.pos),
            None => invalid("unexpected end of input", self.pos),
        }
    }

    /// Consumes the `[` or `{` at the cursor, refusing nesting beyond `max`.
    fn open(&mut self, stack: &[Open], max: usize) -> Result<(), Error> {
        if stack.len() >= max {
            return Err(invalid(format!("nesting deeper than {max} levels"), self.pos));
        }
        self.pos += 1;
        Ok(())
    }

    /// Reads `"key"` and the `:` after it.
    fn member_key<S: Sink>(&mut self, sink: &mut S) -> Result<(), Error> {
        self.skip_whitespace();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected());
        }
        self.string(sink, Role::Key)?;
        self.skip_whitespace();
        if !self.eat(b':') {
            return Err(self.unexpected());
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        for &expected in word {
            if !self.eat(expected) {
                return Err(self.unexpected());
            }
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    /// At least one digit, then any more.
    fn required_digits(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            _ => Err(self.unexpected()),
        }
    }

    /// Reads a number literal; the cursor is on `-` or a digit.
    fn number(&mut self) -> Result<&'t str, Error> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(invalid("leading zero in number", self.pos - 1));
                }
            }
            _ => self.required_digits()?,
        }
        if self.eat(b'.') {
            self.required_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.required_digits()?;
        }
        // Both ends sit next to ASCII bytes, so `get` always succeeds.
        Ok(self.text.get(start..self.pos).unwrap_or_default())
    }

    /// Reads a string; the cursor is on its opening quote. A string with
    /// no escape goes to the sink whole; otherwise plain runs go as they
    /// are and escapes are decoded.
    fn string<S: Sink>(&mut self, sink: &mut S, role: Role) -> Result<(), Error> {
        let start = self.pos + 1;
        let end = find_string_special(self.bytes, start);
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            // Both ends sit next to ASCII quotes, so `get` always succeeds.
            let text = self.text.get(start..end).unwrap_or_default();
            match role {
                Role::Key => sink.plain_key(text),
                Role::Value => sink.plain_string(text),
            }
            return Ok(());
        }
        sink.string_begin();
        self.pos = start;
        loop {
            let run_start = self.pos;
            self.pos = find_string_special(self.bytes, self.pos);
            if self.pos > run_start {
                // The run ends at an ASCII byte or the end, both char boundaries.
                sink.string_run(self.text.get(run_start..self.pos).unwrap_or_default());
            }
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    match role {
                        Role::Key => sink.key_end(),
                        Role::Value => sink.string_end(),
                    }
                    return Ok(());
                }
                Some(b'\\') => self.escape(sink)?,
                Some(_) => return Err(invalid("control character in string", self.pos)),
                None => return Err(invalid("unterminated string", self.pos)),
            }
        }
    }

    /// Decodes the escape at the cursor (on its `\`).
    fn escape<S: Sink>(&mut self, sink: &mut S) -> Result<(), Error> {
        let at = self.pos;
        let c = match self.bytes.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(sink),
            Some(_) => return Err(invalid("bad escape", at)),
            None => return Err(invalid("unterminated string", self.bytes.len())),
        };
        self.pos += 2;
        sink.string_char(c);
        Ok(())
    }

    /// Decodes `\uXXXX`, joining a high and a low surrogate escape into
    /// one character; any other surrogate stays a lone code unit.
    fn unicode_escape<S: Sink>(&mut self, sink: &mut S) -> Result<(), Error> {
        let at = self.pos;
        let unit = self.hex_unit(at).ok_or_else(|| invalid("bad unicode escape", at))?;
        self.pos += 6;
        if (0xD800..0xDC00).contains(&unit) {
            if let Some(low @ 0xDC00..=0xDFFF) = self.hex_unit(self.pos) {
                let code = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                if let Some(c) = char::from_u32(code) {
                    self.pos += 6;
                    sink.string_char(c);
                    return Ok(());
                }
            }
        }
        match char::from_u32(u32::from(unit)) {
            Some(c) => sink.string_char(c),
            None => sink.string_lone_surrogate(unit),
        }
        Ok(())
    }

    /// The code unit of a `\uXXXX` escape starting at `at`, if there is one.
    fn hex_unit(&self, at: usize) -> Option<u16> {
        let hex = self.bytes.get(at..at + 6)?.strip_prefix(b"\\u")?;
        hex.iter().try_fold(0u16, |acc, &h| {
            let digit = (h as char).to_digit(16)?;
            // Four hex digits fit in 16 bits; `digit` < 16.
            Some(acc << 4 | digit as u16)
        })
    }
}

/// Builds a [`Value`] tree; containers being filled wait on a stack.
struct TreeBuilder {
    open: Vec<Partial>,
    /// The string being decoded.
    scratch: String,
    root: Option<Value>,
    /// Containers deeper than this are not stored (see `parse_to_depth`).
    keep_depth: usize,
    /// Open containers below `keep_depth`; while non-zero nothing is stored.
    skipped: usize,
    /// The kind of the outermost skipped container, an empty one of which
    /// takes its place.
    skipped_kind: Option<Partial>,
}

impl Default for TreeBuilder {
    fn default() -> Self {
        TreeBuilder {
            open: Vec::new(),
            scratch: String::new(),
            root: None,
            keep_depth: usize::MAX,
            skipped: 0,
            skipped_kind: None,
        }
    }
}

enum Partial {
    Array(Vec<Value>),
    /// Members in source order, and the key whose value comes next.
    Object(Vec<(Key, Value)>, Key),
}

impl TreeBuilder {
    /// Opens a container, or starts or deepens a skipped stretch.
    fn begin(&mut self, container: Partial) {
        if self.skipped > 0 || self.open.len() >= self.keep_depth {
            if self.skipped == 0 {
                self.skipped_kind = Some(container);
            }
            self.skipped += 1;
        } else {
            self.open.push(container);
        }
    }

    /// Closes a skipped container; `true` when it was one.
    fn end_skipped(&mut self) -> bool {
        if self.skipped == 0 {
            return false;
        }
        self.skipped -= 1;
        if self.skipped == 0 {
            let placeholder = match self.skipped_kind.take() {
                Some(Partial::Array(_)) => Value::Array(Vec::new()),
                _ => Value::Object(Object::new()),
            };
            self.complete(placeholder);
        }
        true
    }

    /// Places a finished value in the open container, or as the root.
    fn complete(&mut self, value: Value) {
        if self.skipped > 0 {
            return;
        }
        match self.open.last_mut() {
            Some(Partial::Array(items)) => items.push(value),
            Some(Partial::Object(members, key)) => members.push((std::mem::replace(key, Key::new("")), value)),
            None => self.root = Some(value),
        }
    }
}

impl Sink for TreeBuilder {
    const MAX_DEPTH: usize = MAX_TREE_DEPTH;

    fn null(&mut self) {
        self.complete(Value::Null);
    }
    fn boolean(&mut self, value: bool) {
        self.complete(Value::Bool(value));
    }
    fn number(&mut self, literal: &str) {
        self.complete(Value::Number(number_value(literal)));
    }
    fn string_begin(&mut self) {
        self.scratch.clear();
    }
    fn string_run(&mut self, run: &str) {
        if self.skipped == 0 {
            self.scratch.push_str(run);
        }
    }
    fn string_char(&mut self, c: char) {
        if self.skipped == 0 {
            self.scratch.push(c);
        }
    }
    fn string_lone_surrogate(&mut self, _unit: u16) {
        // A Rust string cannot hold a lone surrogate.
        if self.skipped == 0 {
            self.scratch.push(char::REPLACEMENT_CHARACTER);
        }
    }
    fn string_end(&mut self) {
        // Copied out at its exact size; the scratch buffer keeps its capacity.
        let text = std::mem::take(&mut self.scratch);
        self.plain_string(&text);
        self.scratch = text;
    }
    fn plain_string(&mut self, text: &str) {
        if self.skipped == 0 {
            self.complete(Value::String(text.to_owned()));
        }
    }
    fn plain_key(&mut self, text: &str) {
        if self.skipped == 0 {
            if let Some(Partial::Object(_, key)) = self.open.last_mut() {
                // A short key is stored inline: no allocation.
                *key = Key::new(text);
            }
        }
    }
    fn key_end(&mut self) {
        let text = std::mem::take(&mut self.scratch);
        self.plain_key(&text);
        self.scratch = text;
    }
    fn array_begin(&mut self) {
        self.begin(Partial::Array(Vec::new()));
    }
    fn array_end(&mut self) {
        if self.end_skipped() {
            return;
        }
        if let Some(Partial::Array(items)) = self.open.pop() {
            self.complete(Value::Array(items));
        }
    }
    fn object_begin(&mut self) {
        self.begin(Partial::Object(Vec::new(), Key::new("")));
    }
    fn member_end(&mut self) {}
    fn object_end(&mut self) {
        if self.end_skipped() {
            return;
        }
        if let Some(Partial::Object(members, _)) = self.open.pop() {
            self.complete(Value::Object(Object::from_source_keys(members)));
        }
    }
    fn comma(&mut self) {}
}

/// `c` as an error message shows it: printable ASCII as itself, anything
/// else as `\u{...}`. (`char::escape_debug` would do, but brings Unicode
/// tables of several KB into the wasm module.)
fn escaped(c: char) -> String {
    match c {
        '\'' | '\\' => format!("\\{c}"),
        ' '..='~' => c.to_string(),
        _ => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> (String, usize) {
        match parse_value(text) {
            Err(Error::InvalidJson { reason, offset }) => (reason, offset),
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn parses_a_tree_in_js_order() {
        let v = parse_value(r#" {"b":[1,-0,2.5e3,true,null],"1":"x\u0041\ud800","b":{}} "#).unwrap();
        let o = v.as_object().unwrap();
        let keys: Vec<_> = o.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["1", "b"]);
        assert_eq!(o.get("1"), Some(&Value::String("xA\u{fffd}".into())));
        assert_eq!(o.get("b"), Some(&Value::Object(Object::new())));
        let v = parse_value("[1,-0,2.5e3,true,null]").unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(a[1].as_f64().map(f64::is_sign_negative), Some(true));
        assert_eq!(a[2], Value::Number(2500.0));
    }

    #[test]
    fn decodes_escapes_and_pairs() {
        let v = parse_value(r#""\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00\udc00\ud800x""#).unwrap();
        assert_eq!(v.as_str(), Some("\"\\/\u{8}\u{c}\n\r\té😀\u{fffd}\u{fffd}x"));
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(reason("[1,]"), ("unexpected character ']'".into(), 3));
        assert_eq!(reason("01"), ("leading zero in number".into(), 0));
        assert_eq!(reason("\"ab"), ("unterminated string".into(), 3));
        assert_eq!(reason("\"a\\x\""), ("bad escape".into(), 2));
        assert_eq!(reason("\"\\u12G4\""), ("bad unicode escape".into(), 1));
        assert_eq!(reason("\"a\nb\""), ("control character in string".into(), 2));
        assert_eq!(reason("1 2"), ("trailing characters after JSON value".into(), 2));
        assert_eq!(reason("[1"), ("unexpected end of input".into(), 2));
        assert_eq!(reason(""), ("unexpected end of input".into(), 0));
        assert_eq!(reason("\u{feff}1"), ("unexpected character '\\u{feff}'".into(), 0));
        assert_eq!(reason("tru"), ("unexpected end of input".into(), 3));
        for bad in ["-", ".5", "1.", "+1", "1e", "1e+", "NaN", "'a'", "{a:1}", "{\"a\" 1}", "[1 2]", "//"] {
            assert!(parse_value(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn word_scan_finds_the_first_special_byte() {
        let plain = "abcdefgh\u{7f}é😀ijklmnopqrstuvwxyz0123456789";
        for special in ["\"", "\\", "\n", "\u{0}", "\u{1f}"] {
            for at in 0..plain.len() {
                if !plain.is_char_boundary(at) {
                    continue;
                }
                let text = format!("{}{special}{}", &plain[..at], &plain[at..]);
                for from in (0..=at).filter(|&f| text.is_char_boundary(f)) {
                    assert_eq!(find_string_special(text.as_bytes(), from), at, "{text:?} from {from}");
                }
            }
        }
        assert_eq!(find_string_special(plain.as_bytes(), 0), plain.len());
        assert_eq!(find_string_special(b"a\x1f\x1f\x1f\x1f\x1f\x1f\x1f\x1f\"", 0), 1);
    }

    #[test]
    fn tree_depth_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_TREE_DEPTH), "]".repeat(MAX_TREE_DEPTH));
        assert!(parse_value(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_TREE_DEPTH + 1), "]".repeat(MAX_TREE_DEPTH + 1));
        assert_eq!(reason(&deep), ("nesting deeper than 10000 levels".into(), MAX_TREE_DEPTH));
    }

    #[test]
    fn numbers_round_to_nearest_and_overflow_to_infinity() {
        assert_eq!(number_value("9007199254740993"), 9007199254740992.0);
        assert_eq!(number_value("-1e400"), f64::NEG_INFINITY);
        assert_eq!(number_value("1e-99999999999999999999"), 0.0);
        assert_eq!(number_value("0e99999999999999999999"), 0.0);
    }
}
