//! `validate_payload` skips storing what the schema never reads; it must
//! still give exactly the verdict `parse_event` gives. Every vector is
//! mutated at every path (each value replaced by values of every JSON type,
//! nested ones included) and both functions must agree on each result.

use promptfoo_webhooks::canonical::{self, Object, Value};
use promptfoo_webhooks::verify::{parse_event, validate_payload};
use std::fs;

fn replacements() -> Vec<Value> {
    let nested: Value =
        [("a", Value::Array(vec![Value::Object(Object::new()), "x".into()]))].into_iter().collect::<Object>().into();
    vec![
        Value::Null,
        true.into(),
        1.5.into(),
        "s".into(),
        Value::Array(Vec::new()),
        Value::Array(vec!["t".into(), 2.0.into()]),
        Value::Object(Object::new()),
        nested,
    ]
}

/// Every copy of `value` with one member or element (at any depth)
/// replaced by each of `replacements()`.
fn mutations(value: &Value, out: &mut Vec<Value>) {
    for replacement in replacements() {
        out.push(replacement);
    }
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut inner = Vec::new();
                mutations(item, &mut inner);
                for changed in inner {
                    let mut copy = items.clone();
                    copy[i] = changed;
                    out.push(Value::Array(copy));
                }
            }
        }
        Value::Object(object) => {
            for (key, member) in object.iter() {
                let mut inner = Vec::new();
                mutations(member, &mut inner);
                for changed in inner {
                    let mut copy = object.clone();
                    copy.insert(key, changed);
                    out.push(Value::Object(copy));
                }
                let mut without = object.clone();
                without.remove(key);
                out.push(Value::Object(without));
            }
        }
        _ => {}
    }
}

fn verdict(result: Result<(), promptfoo_webhooks::Error>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(error) => format!("{}: {error}", error.code()),
    }
}

#[test]
fn validate_payload_agrees_with_parse_event_on_every_mutation() {
    let text = fs::read_to_string("tests/vectors/events.json").expect("vectors");
    let vectors = canonical::parse(&text).expect("vectors parse");
    let mut checked = 0;
    let mut rejected = 0;
    for vector in vectors.as_array().expect("an array") {
        let payload = vector.as_object().and_then(|v| v.get("payload")).expect("payload");
        let mut variants = vec![payload.clone()];
        mutations(payload, &mut variants);
        for variant in variants {
            let body = variant.to_json();
            let full = verdict(parse_event(body.as_bytes()).map(drop));
            let shallow = verdict(validate_payload(body.as_bytes()));
            assert_eq!(shallow, full, "body: {body}");
            checked += 1;
            if full != "ok" {
                rejected += 1;
            }
        }
    }
    assert!(checked > 2_000 && rejected > 500, "{checked} bodies, {rejected} rejected");
    println!("{checked} bodies compared, {rejected} rejected by both");
}

#[test]
fn validate_payload_agrees_on_the_invalid_vectors() {
    let text = fs::read_to_string("tests/vectors/invalid-payloads.json").expect("vectors");
    let cases = canonical::parse(&text).expect("vectors parse");
    for case in cases.as_array().expect("an array") {
        let body = case.as_object().and_then(|c| c.get("body")).and_then(Value::as_str).expect("body");
        let full = verdict(parse_event(body.as_bytes()).map(drop));
        assert_ne!(full, "ok", "{body}");
        assert_eq!(verdict(validate_payload(body.as_bytes())), full, "{body}");
    }
}
