//! The output rules of V8's `JSON.stringify`, in one place: string
//! escaping, number formatting and member order. Used by the streaming
//! canonicalizer ([`Canonical`], a parser [`Sink`]) and by the serializer
//! of [`Value`] trees ([`value_to_string`]).
//!
//! Strings: `"` `\` and `\b \f \n \r \t` get their short escapes, other
//! U+0000..U+001F become `\u00xx`, lone surrogates `\udxxx` (lower-case
//! hex); everything else, `/`, U+007F and U+2028/U+2029 included, is raw.
//! Numbers: ECMAScript `Number::toString`; non-finite values print `null`.

use super::order;
use super::sink::{number_value, Sink};
use super::Value;

/// Integer literals of at most this many digits are below 2^53, hence
/// exact in an f64, and `Number::toString` prints them as written.
const MAX_VERBATIM_INTEGER_DIGITS: usize = 15;

/// Writes a character that has to go through `JSON.stringify`'s escaping:
/// one decoded from an escape in the input, or from a Rust string.
fn push_char(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0'..='\u{1f}' => push_unicode_escape(out, c as u16),
        _ => out.push(c),
    }
}

/// `\uxxxx` in lower-case hex, as V8 writes control characters and lone
/// surrogates.
fn push_unicode_escape(out: &mut String, unit: u16) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        // `from_digit` writes lower-case letters; the mask keeps the digit
        // below 16, so the fallback is never taken.
        out.push(char::from_digit(u32::from((unit >> shift) & 0xF), 16).unwrap_or('0'));
    }
}

/// Writes the contents (no quotes) of a string: runs that need no
/// escaping are copied whole.
fn push_escaped_str(out: &mut String, s: &str) {
    let mut run_start = 0;
    for (i, b) in s.bytes().enumerate() {
        if b < 0x20 || b == b'"' || b == b'\\' {
            // `i` is at an ASCII byte, so both slices are on char boundaries.
            out.push_str(s.get(run_start..i).unwrap_or_default());
            push_char(out, char::from(b));
            run_start = i + 1;
        }
    }
    out.push_str(s.get(run_start..).unwrap_or_default());
}

/// `Number::toString` of `n`, or `null` for NaN and the infinities.
fn push_number(out: &mut String, n: f64) {
    if n.is_finite() {
        // ryu-js implements Number::toString; it prints -0 as `0`.
        out.push_str(ryu_js::Buffer::new().format_finite(n));
    } else {
        out.push_str("null");
    }
}

/// Writes a grammar-checked number literal. Short integers are copied as
/// written (only `-0` changes: it prints `0`); the rest is parsed to the
/// nearest f64 and printed.
fn push_number_literal(out: &mut String, literal: &str) {
    let digits = literal.strip_prefix('-').unwrap_or(literal);
    let is_short_integer = digits.len() <= MAX_VERBATIM_INTEGER_DIGITS && digits.bytes().all(|b| b.is_ascii_digit());
    if is_short_integer {
        out.push_str(if literal == "-0" { "0" } else { literal });
    } else {
        push_number(out, number_value(literal));
    }
}

/// Serializes a tree as `JSON.stringify` does, without recursion. Object
/// members are already in JS order (an [`super::Object`] invariant).
pub fn value_to_string(value: &Value) -> String {
    /// A container being written, and whether its first item is still due.
    enum Open<'v> {
        Array(std::slice::Iter<'v, Value>, bool),
        Object(std::slice::Iter<'v, (super::key::Key, Value)>, bool),
    }

    let mut out = String::new();
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut next = Some(value);
    loop {
        match next.take() {
            Some(Value::Null) => out.push_str("null"),
            Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Some(Value::Number(n)) => push_number(&mut out, *n),
            Some(Value::String(s)) => {
                out.push('"');
                push_escaped_str(&mut out, s);
                out.push('"');
            }
            Some(Value::Array(items)) => {
                out.push('[');
                open.push(Open::Array(items.iter(), true));
            }
            Some(Value::Object(object)) => {
                out.push('{');
                open.push(Open::Object(object.members().iter(), true));
            }
            None => {}
        }
        // Find the next value to write, closing finished containers.
        match open.last_mut() {
            None => return out,
            Some(Open::Array(items, first)) => match items.next() {
                Some(item) => {
                    if !std::mem::replace(first, false) {
                        out.push(',');
                    }
                    next = Some(item);
                }
                None => {
                    out.push(']');
                    open.pop();
                }
            },
            Some(Open::Object(members, first)) => match members.next() {
                Some((key, item)) => {
                    if !std::mem::replace(first, false) {
                        out.push(',');
                    }
                    out.push('"');
                    push_escaped_str(&mut out, key.as_str());
                    out.push_str("\":");
                    next = Some(item);
                }
                None => {
                    out.push('}');
                    open.pop();
                }
            },
        }
    }
}

/// One object member already written to the output: `"key":value` spans
/// `start..end`, the key's text (its output form) `start + 1..key_end - 1`.
#[derive(Clone, Copy)]
struct Member {
    start: usize,
    key_end: usize,
    end: usize,
}

impl Member {
    /// The key as written. Output escaping is one-to-one on JS strings, so
    /// equal output means equal decoded key (`"\u0061"` and `"a"` both
    /// give `a`), and an array-index key is written as its plain digits.
    fn key<'o>(&self, out: &'o str) -> &'o str {
        out.get(self.start + 1..self.key_end.saturating_sub(1)).unwrap_or_default()
    }
}

/// An object whose members had to be rearranged: its `{` is at `open` and
/// its `}` at `close` in the output buffer; `segments[first..first + count]`
/// are its member spans in JS order (dropped duplicates left out).
struct Reordered {
    open: usize,
    close: usize,
    first: usize,
    count: usize,
}

/// The streaming canonicalizer: writes `JSON.stringify` output while the
/// parser reads. Objects are written in source order. An object whose
/// members are not in JS order (array-index or duplicate keys, rare) gets
/// its new member order recorded when it closes, and [`Canonical::finish`]
/// applies all of them in one pass. Rearranging bytes at each `}` instead
/// would recopy nested content once per enclosing reordered object, which
/// is quadratic for deep input; recorded here, every byte moves once.
pub struct Canonical {
    /// Output in source order; append-only, so recorded spans stay valid.
    out: String,
    /// Members of all open objects, innermost object last.
    members: Vec<Member>,
    /// For each open object, where its members begin in `members`.
    objects: Vec<usize>,
    /// Where the string being written began (its opening quote).
    string_start: usize,
    /// Objects to rearrange, in the order they closed (inner first).
    reordered: Vec<Reordered>,
    /// Member spans (`start..end` of `out`) of the reordered objects.
    segments: Vec<(usize, usize)>,
}

impl Canonical {
    pub fn with_capacity(capacity: usize) -> Self {
        Canonical {
            out: String::with_capacity(capacity),
            members: Vec::new(),
            objects: Vec::new(),
            string_start: 0,
            reordered: Vec::new(),
            segments: Vec::new(),
        }
    }

    /// Records the JS order of the members `members[first..]` if their
    /// source order differs: array-index keys first ascending, then
    /// first-insertion order; a repeated key keeps its first position and
    /// its last value.
    fn record_order(&mut self, first: usize) {
        let written = self.members.get(first..).unwrap_or_default();
        let out = self.out.as_str();
        if order::is_js_ordered(written.iter().map(|m| m.key(out).as_bytes())) {
            return;
        }
        let (Some(head), Some(tail)) = (written.first(), written.last()) else { return };
        // Each member travels with its key; a repeated key takes the later
        // member's whole span (same key text, last value).
        let keyed: Vec<(&str, Member)> = written.iter().map(|m| (m.key(out), *m)).collect();
        let ordered = order::js_order(keyed, |(key, _)| key.as_bytes(), |slot, later| *slot = later);
        self.reordered.push(Reordered {
            // The `{` just precedes the first member; the `}` comes next.
            open: head.start.saturating_sub(1),
            close: tail.end,
            first: self.segments.len(),
            count: ordered.len(),
        });
        self.segments.extend(ordered.iter().map(|(_, m)| (m.start, m.end)));
    }

    /// The output with every recorded reordering applied.
    pub fn finish(mut self) -> String {
        if self.reordered.is_empty() {
            return self.out;
        }
        // An enclosing object opens before the objects inside it.
        self.reordered = order::sort_by_key(std::mem::take(&mut self.reordered), |r| r.open as u64);
        let out = self.out.as_str();
        let mut result = String::with_capacity(out.len());
        /// Still to write, last item first.
        enum Work {
            Span(usize, usize),
            Comma,
        }
        let mut work = vec![Work::Span(0, out.len())];
        while let Some(item) = work.pop() {
            let (from, to) = match item {
                Work::Comma => {
                    result.push(',');
                    continue;
                }
                Work::Span(from, to) => (from, to),
            };
            // The first reordered object opening inside the span, if any.
            // Spans are the whole output, members or what follows a `}`, so
            // that object also closes inside the span.
            let next = self.reordered.partition_point(|r| r.open < from);
            match self.reordered.get(next).filter(|r| r.open < to) {
                None => result.push_str(out.get(from..to).unwrap_or_default()),
                Some(r) => {
                    result.push_str(out.get(from..=r.open).unwrap_or_default());
                    work.push(Work::Span(r.close, to));
                    let spans = self.segments.get(r.first..r.first + r.count).unwrap_or_default();
                    for (i, &(a, b)) in spans.iter().enumerate().rev() {
                        work.push(Work::Span(a, b));
                        if i > 0 {
                            work.push(Work::Comma);
                        }
                    }
                }
            }
        }
        result
    }
}

impl Sink for Canonical {
    const MAX_DEPTH: usize = usize::MAX;

    fn null(&mut self) {
        self.out.push_str("null");
    }
    fn boolean(&mut self, value: bool) {
        self.out.push_str(if value { "true" } else { "false" });
    }
    fn number(&mut self, literal: &str) {
        push_number_literal(&mut self.out, literal);
    }
    fn string_begin(&mut self) {
        self.string_start = self.out.len();
        self.out.push('"');
    }
    fn string_run(&mut self, run: &str) {
        // Raw input characters never need escaping: the parser rejects raw
        // `"`, `\` and control characters.
        self.out.push_str(run);
    }
    fn string_char(&mut self, c: char) {
        push_char(&mut self.out, c);
    }
    fn string_lone_surrogate(&mut self, unit: u16) {
        push_unicode_escape(&mut self.out, unit);
    }
    fn string_end(&mut self) {
        self.out.push('"');
    }
    fn key_end(&mut self) {
        self.out.push('"');
        self.members.push(Member { start: self.string_start, key_end: self.out.len(), end: 0 });
        self.out.push(':');
    }
    fn array_begin(&mut self) {
        self.out.push('[');
    }
    fn array_end(&mut self) {
        self.out.push(']');
    }
    fn object_begin(&mut self) {
        self.out.push('{');
        self.objects.push(self.members.len());
    }
    fn member_end(&mut self) {
        if let Some(member) = self.members.last_mut() {
            member.end = self.out.len();
        }
    }
    fn object_end(&mut self) {
        let first = self.objects.pop().unwrap_or(self.members.len());
        self.record_order(first);
        self.members.truncate(first);
        self.out.push('}');
    }
    fn comma(&mut self) {
        self.out.push(',');
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, to_string, Object};
    use super::*;

    fn canon(text: &str) -> String {
        to_string(text).unwrap()
    }

    #[test]
    fn numbers_print_as_number_to_string() {
        let cases = [
            ("-0", "0"),
            ("-0.0", "0"),
            ("0.1", "0.1"),
            ("1e21", "1e+21"),
            ("1e-7", "1e-7"),
            ("0.000001", "0.000001"),
            ("123e-20", "1.23e-18"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("1e309", "null"),
            ("-1e400", "null"),
            ("9007199254740993", "9007199254740992"),
            ("1.0", "1"),
            ("1E2", "100"),
            ("-123456789012345", "-123456789012345"),
            ("1234567890123456789", "1234567890123456800"),
        ];
        for (input, expected) in cases {
            assert_eq!(canon(input), expected, "{input}");
        }
    }

    #[test]
    fn strings_escape_like_v8() {
        assert_eq!(
            canon(r#""\u0000\u001F\u007f\u2028\/\b\f\n\r\t\"\\""#),
            "\"\\u0000\\u001f\u{7f}\u{2028}/\\b\\f\\n\\r\\t\\\"\\\\\""
        );
        // A pair counts whatever the hex case; a high escape before a pair stays lone.
        assert_eq!(canon(r#""\ud83d\ude00\uD800\udc00x\ud800\ud800\udc00""#), "\"😀𐀀x\\ud800𐀀\"");
        assert_eq!(canon("\"é\u{7f}😀\""), "\"é\u{7f}😀\"");
    }

    #[test]
    fn objects_follow_js_property_order() {
        assert_eq!(
            canon(r#"{"b":1,"1":2,"a":3,"b":4,"01":5,"0":6,"4294967295":7,"4294967294":8,"__proto__":9,"\u0031":10}"#),
            r#"{"0":6,"1":10,"4294967294":8,"b":4,"a":3,"01":5,"4294967295":7,"__proto__":9}"#
        );
        assert_eq!(canon(r#"{"a":{"2":[],"1":{}},"a":{"y":1,"x":2,"y":3}}"#), r#"{"a":{"y":3,"x":2}}"#);
        assert_eq!(canon(r#" { "\u0061" : 1 , "a" : [ 2 , { } ] } "#), r#"{"a":[2,{}]}"#);
    }

    #[test]
    fn nested_reorderings_apply_in_one_pass() {
        // Reordered objects inside members of reordered objects, and one
        // inside a dropped duplicate, which must vanish with it.
        assert_eq!(
            canon(r#"{"z":{"b":1,"0":{"y":1,"1":2,"y":3}},"1":[{"d":0,"d":{"3":0,"2":1}}],"z":{"x":1,"x":2},"0":0}"#),
            r#"{"0":0,"1":[{"d":{"2":1,"3":0}}],"z":{"x":2}}"#
        );
        assert_eq!(canon(r#"[{"b":0,"a":0,"b":1},{"1":0,"0":0},{}]"#), r#"[{"b":1,"a":0},{"0":0,"1":0},{}]"#);
    }

    #[test]
    fn value_trees_serialize_the_same_way() {
        for text in [
            r#"{"b":[1,-0,1e21,"x\n\u0001\"",true,null,{}],"1":{"z":[]}}"#,
            r#"[[],[[]],{"a":[{"b":0.1}]}]"#,
            r#""plain""#,
        ] {
            assert_eq!(parse(text).unwrap().to_json(), canon(text), "{text}");
        }
        let o: Object =
            [("k\u{2028}", Value::Number(f64::NAN)), ("1", Value::Number(f64::INFINITY))].into_iter().collect();
        assert_eq!(Value::Object(o).to_json(), "{\"1\":null,\"k\u{2028}\":null}");
    }
}
