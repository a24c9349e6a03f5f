//! Property tests: for generated JSON texts (escapes, surrogates, edge
//! numbers, array-index and duplicate keys, whitespace) and arbitrary
//! bytes, bodies and secrets, the canonicalizer, the tree parser and the
//! signature pipeline keep their promises. proptest shrinks a failure to a
//! minimal input and prints it; `PROPTEST_CASES=N` runs more cases.
//!
//! serde_json is the independent judge of validity. It differs from
//! `JSON.parse` in three documented ways, and only those are excused (see
//! [`serde_json_differs_legitimately`]): it rejects lone surrogate escapes
//! (`"\ud800"`), numbers beyond f64 (`1e400`, which JavaScript reads as
//! Infinity) and nesting deeper than its recursion limit of 128. Duplicate
//! keys are accepted by both.

use oracles::{check_event_round_trip, has_lone_surrogate, serde_json_differs_legitimately, SERDE_JSON_MAX_DEPTH};
use promptfoo_webhooks::canonical;
use promptfoo_webhooks::signature::{Key, SIGNATURE_BYTES};
use promptfoo_webhooks::{parse_event, sign, Error, Verifier};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Shared with the fuzz targets.
#[path = "common/oracles.rs"]
mod oracles;

/// Generated values nest at most this deep, well inside serde_json's limit.
const MAX_GENERATED_DEPTH: u32 = 6;
/// Cases per JSON property: more than proptest's default 256, still fast.
const JSON_CASES: u32 = 2_000;
/// Cases per signature property: each one hashes a few small bodies.
const SIGNATURE_CASES: u32 = 1_000;

// ------------------------------------------------------------ generators

/// Number literals: the edge cases V8 prints specially, plus any literal
/// the JSON grammar allows.
fn number() -> impl Strategy<Value = String> {
    let edge = prop::sample::select(vec![
        "0",
        "-0",
        "-0.0",
        "0e5",
        "1e21",
        "1e20",
        "1e-7",
        "0.000001",
        "123e-20",
        "5e-324",
        "2e-324",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "1e309",
        "-1e400",
        "9007199254740993",
        "1234567890123456789",
        "0.1",
        "1E+2",
        "1e-99999999999999999999",
        "4294967295",
    ])
    .prop_map(str::to_owned);
    let any_literal = "-?(0|[1-9][0-9]{0,24})(\\.[0-9]{1,24})?([eE][+-]?[0-9]{1,4})?";
    prop_oneof![edge, any_literal]
}

/// The inside of a string literal: raw characters (any but `"`, `\` and
/// controls), short escapes, `\u` escapes of any code unit (lone
/// surrogates included, upper or lower hex), and surrogate pairs.
fn string_body() -> impl Strategy<Value = String> {
    let raw = any::<char>().prop_filter("not raw in JSON", |c| !matches!(c, '"' | '\\' | '\0'..='\u{1f}'));
    let short = prop::sample::select(vec!["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]);
    let piece = prop_oneof![
        4 => raw.prop_map(String::from),
        1 => prop::sample::select(vec!["é", "😀", "\u{2028}", "\u{7f}", "\u{feff}", "\u{fffd}", "a"]).prop_map(str::to_owned),
        2 => short.prop_map(str::to_owned),
        2 => (any::<u16>(), any::<bool>()).prop_map(|(unit, upper)| unicode_escape(unit, upper)),
        1 => (0xD800u16..0xDC00, 0xDC00u16..0xE000).prop_map(|(hi, lo)| unicode_escape(hi, false) + &unicode_escape(lo, true)),
        1 => (0xD800u16..0xE000).prop_map(|unit| unicode_escape(unit, false)),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

fn unicode_escape(unit: u16, upper: bool) -> String {
    if upper {
        format!("\\u{unit:04X}")
    } else {
        format!("\\u{unit:04x}")
    }
}

/// Object keys: often from a small pool (so duplicates are common),
/// array-index-like or not quite (`01`, `4294967295`), or any string.
fn key() -> impl Strategy<Value = String> {
    let pool = prop::sample::select(vec![
        "a",
        "b",
        "__proto__",
        "0",
        "1",
        "2",
        "10",
        "01",
        "-1",
        "4294967294",
        "4294967295",
        "\\u0061",
        "\\u0031",
        "",
    ])
    .prop_map(str::to_owned);
    let index = (0u64..5_000_000_000).prop_map(|n| n.to_string());
    prop_oneof![4 => pool, 1 => index, 2 => string_body()]
}

/// JSON whitespace, usually none.
fn ws() -> impl Strategy<Value = String> + Clone {
    prop_oneof![4 => Just(String::new()), 1 => "[ \t\n\r]{1,3}"]
}

/// A valid JSON text: nested values with whitespace between tokens.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        number(),
        string_body().prop_map(|s| format!("\"{s}\"")),
    ];
    let value = leaf.prop_recursive(MAX_GENERATED_DEPTH, 64, 8, |inner| {
        let item = (ws(), inner, ws()).prop_map(|(a, v, b)| format!("{a}{v}{b}")).boxed();
        let array = prop::collection::vec(item.clone(), 0..6).prop_map(|items| format!("[{}]", items.join(",")));
        let member = (ws(), key(), ws(), item).prop_map(|(a, k, b, v)| format!("{a}\"{k}\"{b}:{v}"));
        let object = prop::collection::vec(member, 0..6).prop_map(|members| format!("{{{}}}", members.join(",")));
        prop_oneof![array, object]
    });
    (ws(), value, ws()).prop_map(|(a, v, b)| format!("{a}{v}{b}"))
}

/// A generated text, sometimes damaged by one edit: mostly invalid, and
/// near the grammar's edges where parsers disagree.
fn damaged_json_text() -> impl Strategy<Value = String> {
    let edit = prop::sample::select(vec![
        "", ",", "]", "}", "\"", "\\", ":", "0", "-", ".", "e", "\u{0}", "\n", "\\u", "\\ud800", "tru", "[", "{",
    ]);
    (json_text(), any::<prop::sample::Index>(), 0usize..3, edit).prop_map(|(text, at, remove, insert)| {
        let boundaries: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
        let start = *at.get(&boundaries);
        let end = boundaries.iter().copied().filter(|&i| i >= start).nth(remove).unwrap_or(text.len());
        format!("{}{insert}{}", &text[..start], &text[end..])
    })
}

/// A secret `Key::new` accepts: 16 to 64 bytes, no whitespace at the ends.
fn valid_secret() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 16..64).prop_map(|mut secret| {
        for end in [0, secret.len() - 1] {
            if secret[end].is_ascii_whitespace() {
                secret[end] = b'x';
            }
        }
        secret
    })
}

// ------------------------------------------------------------ helpers

/// All the promises of one text: no panic; validity as serde_json judges
/// it; idempotent output; the tree and the stream agree.
fn check_text(text: &str) -> Result<(), TestCaseError> {
    let streamed = canonical::to_string(text);
    let tree = canonical::parse(text);
    let serde = serde_json::from_str::<serde_json::Value>(text);
    prop_assert_eq!(streamed.is_ok(), tree.is_ok(), "stream and tree disagree on validity");
    match &streamed {
        Err(err) => {
            prop_assert!(matches!(err, Error::InvalidJson { .. }), "{:?}", err);
            prop_assert!(serde.is_err(), "serde_json accepts what JSON.parse rejects: {:?}", serde);
        }
        Ok(out) => {
            if let Err(serde_err) = &serde {
                prop_assert!(serde_json_differs_legitimately(text), "serde_json rejects: {}", serde_err);
            }
            // Canonical output is a fixed point of both paths.
            let again = canonical::to_string(out);
            prop_assert_eq!(again.as_deref(), Ok(out.as_str()), "not idempotent");
            if !has_lone_surrogate(out) {
                // The tree holds U+FFFD for a lone surrogate, so only here
                // must it print exactly what the stream printed.
                let tree = tree.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&tree.to_json(), out, "tree and stream print differently");
                let reparsed = canonical::parse(out).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&reparsed.to_json(), out);
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------ properties

/// `cases` unless `PROPTEST_CASES` says otherwise; a failure found is
/// saved next to this file (tests/properties.proptest-regressions) and
/// replayed first on later runs.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(JSON_CASES))]

    #[test]
    fn generated_json_canonicalizes_consistently(text in json_text()) {
        // Every generated text is valid JSON.
        prop_assert!(canonical::to_string(&text).is_ok(), "rejected {:?}", text);
        check_text(&text)?;
    }

    #[test]
    fn damaged_json_is_judged_like_serde_json(text in damaged_json_text()) {
        check_text(&text)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_agree(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        // Bytes decode as Node decodes a Buffer: invalid UTF-8 becomes U+FFFD.
        let text = String::from_utf8_lossy(&bytes);
        prop_assert_eq!(canonical::to_string_from_bytes(&bytes), canonical::to_string(&text));
        check_text(&text)?;
    }

    #[test]
    fn json_alphabet_noise_agrees(text in "[\\[\\]{}:,\"\\\\/ 0-9.eE+\\-tfnrulsaubx\u{e9}\u{1f600}\u{7f}\t\n\u{0}]{0,40}") {
        check_text(&text)?;
    }
}

proptest! {
    #![proptest_config(config(SIGNATURE_CASES))]

    #[test]
    fn sign_then_verify_round_trips(body in prop::collection::vec(any::<u8>(), 0..512), secret in valid_secret()) {
        let signature = sign(&body, &secret).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(signature.len(), 2 * SIGNATURE_BYTES);
        prop_assert!(signature.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        let key = Key::new(&secret).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(key.matches(&body, &signature), Ok(true));
        prop_assert_eq!(key.matches(&body, &signature.to_uppercase()), Ok(true));
        let verifier = Verifier::new(&[&secret]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(verifier.check_signature(&body, Some(&signature)), Ok(0));
    }

    #[test]
    fn a_flipped_bit_in_body_or_signature_is_rejected(
        body in prop::collection::vec(any::<u8>(), 1..512),
        secret in valid_secret(),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let key = Key::new(&secret).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let signature = key.sign(&body);
        let verifier = Verifier::new(&[&secret]).map_err(|e| TestCaseError::fail(e.to_string()))?;

        let mut flipped_body = body.clone();
        flipped_body[at.index(body.len())] ^= 1 << bit;
        prop_assert!(!key.matches_raw(&flipped_body, &signature));
        let header = hex(&signature);
        prop_assert_eq!(verifier.check_signature(&flipped_body, Some(&header)), Err(Error::SignatureMismatch));

        // Flip a bit of the signature itself, not of its hex text: flipping
        // bit 5 of a hex letter only changes its case, which is the same
        // signature and is accepted on purpose.
        let mut flipped_signature = signature;
        flipped_signature[at.index(SIGNATURE_BYTES)] ^= 1 << bit;
        prop_assert!(!key.matches_raw(&body, &flipped_signature));
        let header = hex(&flipped_signature);
        prop_assert_eq!(verifier.check_signature(&body, Some(&header)), Err(Error::SignatureMismatch));
    }

    #[test]
    fn verify_never_panics(
        body in prop::collection::vec(any::<u8>(), 0..256),
        signature in prop_oneof![".{0,80}", "[0-9a-fA-F]{64}", "[ \t]{0,2}(sha256=)?[0-9a-f]{60,68}[ \t]{0,2}"],
        secret in prop::collection::vec(any::<u8>(), 0..40),
        tolerance in any::<Option<u64>>(),
        now in any::<i64>(),
    ) {
        let Ok(verifier) = Verifier::new(&[&secret]) else {
            // An unusable secret is refused up front, with its code.
            prop_assert_eq!(Key::new(&secret).map(drop).map_err(|e| e.code()), Err("invalid_secret"));
            return Ok(());
        };
        let verifier = match tolerance {
            Some(seconds) => verifier.tolerance_seconds(seconds),
            None => verifier,
        };
        match verifier.verify_at(&body, Some(&signature), now) {
            // Accepting means the header decodes to exactly the body's HMAC.
            Ok(verified) => {
                prop_assert_eq!(signature.trim_matches([' ', '\t']).to_lowercase(), verifier.sign_hex(&body));
                prop_assert_eq!(verified.secret_index, 0);
            }
            Err(err) => prop_assert!(!err.code().is_empty()),
        }
    }

    #[test]
    fn accepted_events_round_trip(
        name in prop::sample::select(vec![
            "issue.created", "issue.updated", "issue.status_changed", "remediation.created",
            "evaluation.created", "evaluation.completed", "evaluation.failed", "x.unknown",
        ]),
        data in json_text(),
        issue in json_text(),
    ) {
        // Random data under a known name is mostly invalid_payload; a
        // plausible issue makes the typed path reachable too.
        let body = format!(
            r#"{{"event":"{name}","timestamp":"2025-03-14T12:34:56Z","data":{{"issue":{{"id":"i","extra":{issue}}},"eventData":{{"changes":[]}},"jobId":"j","issueId":"i","remediation":{data},"more":{data}}}}}"#
        );
        for body in [body.as_str(), data.as_str()] {
            match parse_event(body.as_bytes()) {
                Ok(event) => check_event_round_trip(&event).map_err(TestCaseError::fail)?,
                Err(err) => prop_assert!(matches!(err.code(), "invalid_json" | "invalid_payload"), "{}", err),
            }
        }
    }
}

/// Runs `check` on every input kept in fuzz/regressions/`target`; the
/// number of inputs.
fn each_regression<E: std::fmt::Display>(target: &str, check: impl Fn(&[u8]) -> Result<(), E>) -> usize {
    let dir = format!("{}/fuzz/regressions/{target}", env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{dir}: {e}")).path();
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        check(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        checked += 1;
    }
    checked
}

/// Every input a fuzz target once failed on (fuzz/regressions) keeps its
/// promises here too, in every `cargo test`.
#[test]
fn fuzz_regressions_hold() {
    let checked = each_regression("canonicalize", |bytes| check_text(&String::from_utf8_lossy(bytes)));
    assert!(checked >= 2, "only {checked} canonicalize regression inputs");
}

/// Every parse_event regression input: accepted ones must round-trip.
#[test]
fn parse_event_regressions_hold() {
    let checked = each_regression("parse_event", |bytes| match parse_event(bytes) {
        Ok(event) => check_event_round_trip(&event),
        Err(_) => Ok(()),
    });
    assert!(checked >= 1, "no parse_event regression inputs");
}

/// Found by the parse_event fuzz target: `progress` beyond f64 prints as
/// `null`, which reads back as an absent optional member, so the first
/// reprint keeps `"progress":null` and the second drops it. The library
/// was right (V8 prints Infinity as null; null optionals are absent); the
/// oracle now expects a fixed point from the second round for such events.
#[test]
fn a_non_finite_optional_member_settles_after_one_round() {
    let body = br#"{"event":"evaluation.completed","timestamp":"t","data":{"jobId":"j","progress":6e308}}"#;
    let event = parse_event(body).unwrap();
    assert!(event.to_json().contains(r#""progress":null"#));
    let again = parse_event(event.to_json().as_bytes()).unwrap();
    assert!(!again.to_json().contains("progress"));
    check_event_round_trip(&event).unwrap();
}

/// Found by the canonicalize fuzz target: 1.7976931348623158e308 rounds
/// down to the largest double (V8 prints 1.7976931348623157e+308), but
/// serde_json's default float parser is not correctly rounded and called
/// it out of range. The oracle now enables serde_json's `float_roundtrip`.
#[test]
fn the_largest_double_is_read_correctly_rounded() {
    for literal in ["1.7976931348623158e308", "1.7976931348623158e+308", "17976931348623158e292"] {
        assert_eq!(canonical::to_string(literal).as_deref(), Ok("1.7976931348623157e+308"));
        let serde = serde_json::from_str::<serde_json::Value>(literal).map(|v| v.as_f64());
        assert_eq!(serde.map_err(|e| e.to_string()), Ok(Some(f64::MAX)), "{literal}");
    }
    assert_eq!(canonical::to_string("1.7976931348623159e308").as_deref(), Ok("null"));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The helper that excuses serde_json must itself be right.
#[test]
fn lone_surrogate_detection_is_exact() {
    assert!(has_lone_surrogate(r#""\ud800""#));
    assert!(has_lone_surrogate(r#"["a\udfff"]"#));
    assert!(has_lone_surrogate(r#""\ud800\ud800\udc00""#));
    assert!(has_lone_surrogate(r#"{"a":"\uDBFFx","a":1}"#));
    assert!(!has_lone_surrogate(r#""\uD83D\ude00""#));
    assert!(!has_lone_surrogate(r#""\\ud800""#));
    assert!(!has_lone_surrogate(r#""\u001f\\\\ud800""#));
    assert!(!has_lone_surrogate("\"😀\""));
    assert!(serde_json_differs_legitimately("1e400"));
    assert!(serde_json_differs_legitimately(r#"{"a":-1e400,"a":1}"#));
    assert!(!serde_json_differs_legitimately(r#"["1e400",1e300]"#));
    let deep = format!("{}{}", "[".repeat(SERDE_JSON_MAX_DEPTH + 1), "]".repeat(SERDE_JSON_MAX_DEPTH + 1));
    assert!(serde_json_differs_legitimately(&deep));
}

/// The depth scan as first written, a byte at a time: the reference the
/// word-at-a-time scan must agree with.
fn reference_nests_too_deep(text: &[u8]) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in text {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > canonical::MAX_TREE_DEPTH {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

proptest! {
    #![proptest_config(config(JSON_CASES))]

    #[test]
    fn the_depth_scan_agrees_with_a_byte_at_a_time_scan_in_any_pieces(
        noise in "[\\[\\]{}\"\\\\a\u{e9} \u{1}]{0,80}",
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4),
    ) {
        // Close to the limit, so the noise decides whether the text crosses it.
        let text = format!("{}{noise}", "[".repeat(canonical::MAX_TREE_DEPTH - 3));
        let bytes = text.as_bytes();
        let mut at: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
        at.sort_unstable();
        let mut scan = canonical::DepthScan::default();
        let mut start = 0;
        let mut deep = false;
        for end in at.into_iter().chain([bytes.len()]) {
            deep |= scan.feed(&bytes[start..end]);
            start = end;
        }
        prop_assert_eq!(deep, reference_nests_too_deep(bytes), "{:?}", noise);
        prop_assert_eq!(canonical::nests_too_deep(bytes), reference_nests_too_deep(bytes));
    }
}
