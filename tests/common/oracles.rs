//! Judgements shared by tests/properties.rs and the fuzz targets
//! (fuzz/fuzz_targets), which include this file by path.
//!
//! Mostly: when serde_json, the independent judge of validity, may
//! legitimately disagree with `JSON.parse` on whether a text is JSON.
//!
//! serde_json differs from `JSON.parse` in three documented ways: it
//! rejects lone surrogate escapes (`"\ud800"`), numbers beyond f64
//! (`1e400`, which JavaScript reads as Infinity) and nesting deeper than
//! its recursion limit of 128. Duplicate keys are accepted by both. It
//! accepts nothing `JSON.parse` rejects (the properties check that too).

// Each includer uses only some of these.
#![allow(dead_code)]

use promptfoo_webhooks::canonical::Value;

/// serde_json refuses nesting deeper than this (its default recursion limit).
pub const SERDE_JSON_MAX_DEPTH: usize = 127;

/// True when valid JSON `text` holds a `\u` escape of a lone surrogate:
/// a high one not followed by a `\u` escape of a low one, or a low one on
/// its own. In valid JSON a backslash only occurs in a string, and `\\`
/// is skipped whole, so `"\\ud800"` (a backslash, then text) does not count.
pub fn has_lone_surrogate(text: &str) -> bool {
    let bytes = text.as_bytes();
    let unit_at = |i: usize| -> Option<u16> {
        let hex = bytes.get(i..i + 6)?.strip_prefix(b"\\u")?;
        u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()
    };
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit_at(i) {
            Some(0xD800..=0xDBFF) => match unit_at(i + 6) {
                Some(0xDC00..=0xDFFF) => i += 12,
                _ => return true,
            },
            Some(0xDC00..=0xDFFF) => return true,
            Some(_) => i += 6,
            None => i += 2,
        }
    }
    false
}

/// For a text `JSON.parse` (and so the canonicalizer) accepts: whether
/// serde_json may reject it for one of its three documented differences.
/// The input is examined, not the parsed value: a lone surrogate, an
/// overflow or deep nesting in a value that a duplicate key later replaces
/// is gone from the value but not from what serde_json reads.
pub fn serde_json_differs_legitimately(text: &str) -> bool {
    has_lone_surrogate(text) || overflowing_number_or_depth(text)
}

/// Whether valid JSON `text` has a number literal beyond f64 or nests
/// deeper than serde_json's limit; strings are skipped.
fn overflowing_number_or_depth(text: &str) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut literal = String::new();
    // A trailing space ends a number at the very end of the text.
    for c in text.chars().chain([' ']) {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if matches!(c, '0'..='9' | '-' | '+' | '.' | 'e' | 'E') {
            literal.push(c);
            continue;
        }
        if literal.parse::<f64>().is_ok_and(f64::is_infinite) {
            return true;
        }
        literal.clear();
        match c {
            '"' => in_string = true,
            '[' | '{' => depth += 1,
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > SERDE_JSON_MAX_DEPTH {
            return true;
        }
    }
    false
}

/// Whether any number in `value` is beyond f64 (JSON.stringify prints it
/// as `null`, so it does not survive a round trip as a number).
pub fn has_non_finite_number(value: &Value) -> bool {
    let mut pending = vec![value];
    while let Some(v) = pending.pop() {
        match v {
            Value::Number(n) if !n.is_finite() => return true,
            Value::Array(items) => pending.extend(items),
            Value::Object(object) => pending.extend(object.iter().map(|(_, item)| item)),
            _ => {}
        }
    }
    false
}

/// The round trip of an accepted event: its `to_json()` parses back to the
/// same event, and its text is a fixed point of parse-then-print. A number
/// beyond f64 prints as `null` (as V8 prints Infinity), and a `null`
/// optional member reads as absent, so an event holding one is only a
/// fixed point from the second round on.
pub fn check_event_round_trip(event: &promptfoo_webhooks::Event) -> Result<(), String> {
    use promptfoo_webhooks::{parse_event, Event};
    let reparse = |json: &str| parse_event(json.as_bytes()).map_err(|e| format!("{json} no longer parses: {e}"));
    let json = event.to_json();
    let again = reparse(&json)?;
    if has_non_finite_number(&event.to_value()) {
        let json = again.to_json();
        let third = reparse(&json)?.to_json();
        if third != json {
            return Err(format!("second round printed {json}, third {third}"));
        }
    } else {
        if again.to_json() != json {
            return Err(format!("printed {json}, then {}", again.to_json()));
        }
        if &again != event {
            return Err(format!("{json} parsed to a different event"));
        }
    }
    if Event::from_value(&event.to_value()).as_ref() != Ok(event) {
        return Err(format!("{json}: the wire value does not type back to the event"));
    }
    Ok(())
}
