//! Hostile shapes: extreme nesting, very long strings, very many keys,
//! bodies at the size limit. Each must give the right answer (or a clean
//! `invalid_json`) without overflowing the stack, in bounded time. Times
//! are printed (`cargo test --release --test limits -- --nocapture`), not
//! asserted: machines differ.
//!
//! Deep-tree operations run on a thread with a deliberately small stack:
//! any operation that recursed once per level would overflow it and abort
//! the test binary, so passing proves the code is iterative.

use promptfoo_webhooks::canonical::{self, Object, Value, MAX_TREE_DEPTH};
use promptfoo_webhooks::{sign, Error, Verifier, DEFAULT_MAX_BODY_BYTES};
use std::time::Instant;

/// Far beyond any limit: the depth every test below survives.
const EXTREME_DEPTH: usize = 1_000_000;
/// Stack for the deep-tree threads: plenty for iterative code, hopeless
/// for code that spends even a few bytes of stack per level.
const SMALL_STACK_BYTES: usize = 256 * 1024;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// A time inside any window: these tests set none.
const NOW_MILLIS: i64 = 1_741_955_696_000;

fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK_BYTES)
        .spawn(work)
        .unwrap_or_else(|e| panic!("cannot start a thread: {e}"))
        .join()
        // A failed assertion on the thread fails the test with its message.
        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
}

fn timed<T>(label: &str, work: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = work();
    println!("{label}: {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    result
}

fn nested_arrays(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_objects(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

fn reason(result: Result<Value, Error>) -> (String, usize) {
    match result {
        Err(Error::InvalidJson { reason, offset }) => (reason, offset),
        other => panic!("expected invalid_json, got {:?}", other.map(|v| v.type_name())),
    }
}

#[test]
fn canonicalizes_a_million_levels() {
    on_small_stack(|| {
        let arrays = nested_arrays(EXTREME_DEPTH);
        let got = timed("to_string, 1e6 nested arrays", || canonical::to_string(&arrays));
        assert_eq!(got.as_deref(), Ok(arrays.as_str()));

        // Every level reordered (an index key after a plain one).
        let text = format!("{}0{}", r#"{"b":1,"0":"#.repeat(EXTREME_DEPTH), "}".repeat(EXTREME_DEPTH));
        let expected = format!("{}0{}", r#"{"0":"#.repeat(EXTREME_DEPTH), r#","b":1}"#.repeat(EXTREME_DEPTH));
        let got = timed("to_string, 1e6 reordered objects", || canonical::to_string(&text));
        assert_eq!(got.as_deref(), Ok(expected.as_str()));
    });
}

#[test]
fn parse_refuses_a_million_levels_cleanly() {
    on_small_stack(|| {
        let expected = (format!("nesting deeper than {MAX_TREE_DEPTH} levels"), MAX_TREE_DEPTH);
        assert_eq!(reason(canonical::parse(&nested_arrays(EXTREME_DEPTH))), expected);
        assert_eq!(reason(canonical::parse(&nested_objects(EXTREME_DEPTH))), (expected.0.clone(), 5 * MAX_TREE_DEPTH));
        // Unclosed, and mixed containers: the same reason, never a crash.
        assert_eq!(reason(canonical::parse(&"[{\"a\":".repeat(EXTREME_DEPTH))).0, expected.0);
        // One level over the limit fails; the limit itself parses.
        assert_eq!(reason(canonical::parse(&nested_arrays(MAX_TREE_DEPTH + 1))), expected);
        assert!(canonical::parse(&nested_arrays(MAX_TREE_DEPTH)).is_ok());
    });
}

/// The deepest tree the parser accepts survives every `Value` operation.
#[test]
fn the_deepest_parsed_tree_supports_every_operation() {
    on_small_stack(|| {
        let text = nested_objects(MAX_TREE_DEPTH);
        let tree = canonical::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tree.to_json(), text);
        let copy = tree.clone();
        assert_eq!(copy, tree);
        let debug = format!("{tree:?}");
        assert!(debug.starts_with(r#"Object(Object { members: [("a", Object("#), "{}", &debug[..64]);
        assert!(debug.contains(r#"("a", Number(1.0))] })"#) && debug.ends_with(")] })"));
        drop(copy);
        drop(tree);
    });
}

/// `depth` levels alternating arrays and one-member objects around `leaf`.
fn built_tree(depth: usize, leaf: f64) -> Value {
    let mut tree = Value::Number(leaf);
    for level in 0..depth {
        tree = if level % 2 == 0 {
            Value::Array(vec![tree])
        } else {
            Value::Object([("k", tree)].into_iter().collect::<Object>())
        };
    }
    tree
}

/// A tree built in Rust is not bound by the parser's limit: a million
/// levels of arrays and objects serialize, clone, compare, print and drop.
#[test]
fn a_million_level_tree_built_in_rust_is_handled_iteratively() {
    on_small_stack(|| {
        let tree = timed("build, 1e6-level tree", || built_tree(EXTREME_DEPTH, 1.0));
        let json = timed("to_json, 1e6-level tree", || tree.to_json());
        assert_eq!(json.len(), "1".len() + EXTREME_DEPTH / 2 * r#"{"k":[]}"#.len());
        assert!(json.starts_with(r#"{"k":[{"k":["#) && json.contains(r#"[1]"#));

        let copy = timed("clone, 1e6-level tree", || tree.clone());
        assert!(timed("eq, 1e6-level tree", || copy == tree));
        // Only the innermost leaf differs: equality must look all the way down.
        let different = built_tree(EXTREME_DEPTH, 2.0);
        assert!(timed("ne, 1e6-level tree", || different != tree));

        let debug = timed("debug, 1e6-level tree", || format!("{tree:?}"));
        assert!(debug.starts_with(r#"Object(Object { members: [("k", Array([Object("#));
        assert!(debug.contains("Array([Number(1.0)])") && debug.ends_with(")] })"));
        timed("drop, 3 x 1e6-level trees", || drop((tree, copy, different)));
    });
}

#[test]
fn deep_bodies_through_the_verify_pipeline_fail_cleanly() {
    on_small_stack(|| {
        let verifier = Verifier::new(&[SECRET]).unwrap_or_else(|e| panic!("{e}"));
        // A well-formed envelope whose data nests a million levels deep.
        let body = format!(
            r#"{{"event":"x.y","timestamp":"2025-03-14T12:34:56Z","data":{{"deep":{}}}}}"#,
            nested_arrays(EXTREME_DEPTH)
        );
        let signature = sign(body.as_bytes(), SECRET).unwrap_or_else(|e| panic!("{e}"));
        let err = verifier.verify_at(body.as_bytes(), Some(&signature), NOW_MILLIS).unwrap_err();
        assert_eq!(err.code(), "invalid_json");
        assert!(err.to_string().contains(&format!("nesting deeper than {MAX_TREE_DEPTH} levels")), "{err}");

        // Within the limit the same shape is a valid unknown event.
        let inner = nested_arrays(MAX_TREE_DEPTH - 2);
        let body = format!(r#"{{"event":"x.y","timestamp":"2025-03-14T12:34:56Z","data":{{"deep":{inner}}}}}"#);
        let signature = sign(body.as_bytes(), SECRET).unwrap_or_else(|e| panic!("{e}"));
        let verified = verifier.verify_at(body.as_bytes(), Some(&signature), NOW_MILLIS);
        let event = verified.unwrap_or_else(|e| panic!("{e}")).event;
        assert_eq!(event.name(), "x.y");
        assert_eq!(event.to_json(), body);
    });
}

#[test]
fn a_five_mib_string_is_linear() {
    // Plain text with an escape every 64 bytes and some multi-byte characters.
    let unit = format!("{}\\n\\u00e9é😀", "a".repeat(50));
    let repeats = DEFAULT_MAX_BODY_BYTES / unit.len();
    let text = format!("\"{}\"", unit.repeat(repeats));
    let expected = format!("\"{}\"", format!("{}\\néé😀", "a".repeat(50)).repeat(repeats));
    println!("string body: {} bytes", text.len());
    let got = timed("to_string, 5 MiB string", || canonical::to_string(&text));
    assert_eq!(got.as_deref(), Ok(expected.as_str()));
    let tree = timed("parse, 5 MiB string", || canonical::parse(&text));
    let tree = tree.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tree.as_str().map(str::len), Some(expected.len() - 2 - repeats));
    assert_eq!(timed("to_json, 5 MiB string", || tree.to_json()), expected);
}

#[test]
fn two_hundred_thousand_keys_with_duplicates_are_linear() {
    const KEYS: usize = 200_000;
    /// Distinct names: every key appears KEYS / DISTINCT times.
    const DISTINCT: usize = 50_000;
    // Interleave plain keys and array-index keys (which move to the front,
    // ascending), each repeated; the last value of each key wins.
    let name = |i: usize| if i % 2 == 0 { format!("k{}", i % DISTINCT) } else { (i % DISTINCT).to_string() };
    let members: Vec<String> = (0..KEYS).map(|i| format!(r#""{}":{i}"#, name(i))).collect();
    let text = format!("{{{}}}", members.join(","));
    println!("object body: {} bytes, {KEYS} keys, {DISTINCT} distinct", text.len());

    // Expected by hand: index keys 1, 3, ... ascending, then k0, k2, ... in
    // first-insertion order; each with the last i that produced it.
    let last = |distinct: usize| (0..KEYS).rev().find(|i| i % DISTINCT == distinct).unwrap_or(0);
    let mut expected: Vec<String> = (1..DISTINCT).step_by(2).map(|d| format!(r#""{d}":{}"#, last(d))).collect();
    expected.extend((0..DISTINCT).step_by(2).map(|d| format!(r#""k{d}":{}"#, last(d))));
    let expected = format!("{{{}}}", expected.join(","));

    let got = timed("to_string, 200k keys", || canonical::to_string(&text));
    assert_eq!(got.as_deref(), Ok(expected.as_str()));
    let tree = timed("parse, 200k keys", || canonical::parse(&text)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tree.as_object().map(Object::len), Some(DISTINCT));
    assert_eq!(timed("to_json, 200k keys", || tree.to_json()), expected);
}

#[test]
fn a_five_mib_webhook_body_verifies() {
    // An issue.created whose history fills the default body limit.
    let entry = r#"{"action":"evidence_added","at":"2025-03-14T12:31:10.250Z","count":3,"note":"\u00e9 \ud83d\ude00 \"quoted\""}"#;
    let head = r#"{"event":"issue.created","timestamp":"2025-03-14T12:34:56Z","data":{"issue":{"id":"i-1","history":["#;
    let tail = r#"]},"eventData":{}}}"#;
    let count = (DEFAULT_MAX_BODY_BYTES - head.len() - tail.len()) / (entry.len() + 1);
    let body = format!("{head}{}{tail}", vec![entry; count].join(","));
    assert!(body.len() <= DEFAULT_MAX_BODY_BYTES);
    assert!(body.len() > DEFAULT_MAX_BODY_BYTES - entry.len() - 1);
    println!("webhook body: {} bytes, {count} history entries", body.len());

    let verifier = Verifier::new(&[SECRET]).unwrap_or_else(|e| panic!("{e}"));
    let signature = timed("sign, 5 MiB body", || sign(body.as_bytes(), SECRET)).unwrap_or_else(|e| panic!("{e}"));
    let verified = timed("verify, 5 MiB body", || verifier.verify_at(body.as_bytes(), Some(&signature), NOW_MILLIS));
    let event = verified.unwrap_or_else(|e| panic!("{e}")).event;
    assert_eq!(event.issue().and_then(|i| i.history.as_ref()).map(Vec::len), Some(count));
    let canonical = timed("to_string, 5 MiB body", || canonical::to_string(&body)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(timed("to_json, 5 MiB event", || event.to_json()), canonical);

    // One byte over the limit is refused before hashing or parsing.
    let over = format!("{body}{}", " ".repeat(DEFAULT_MAX_BODY_BYTES + 1 - body.len()));
    let err = verifier.verify_at(over.as_bytes(), Some(&signature), NOW_MILLIS).unwrap_err();
    assert_eq!(err.code(), "body_too_large");
}
