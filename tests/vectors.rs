//! The shared test vectors (tests/vectors/*.json), read through the
//! canonical parser and the typed envelope. The JS suites read the same
//! files, so both sides agree on what is valid and where it is not.

use promptfoo_webhooks::canonical::{self, Value};
use promptfoo_webhooks::event::{Event, Payload, EVENT_NAMES};
use promptfoo_webhooks::Error;

const EVENTS: &str = include_str!("vectors/events.json");
const INVALID: &str = include_str!("vectors/invalid-payloads.json");

fn cases(text: &str) -> Vec<Value> {
    match canonical::parse(text).map(Value::into_array) {
        Ok(Some(cases)) => cases,
        other => panic!("vector file is not a JSON array: {other:?}"),
    }
}

fn field<'a>(case: &'a Value, key: &str) -> &'a Value {
    case.as_object().and_then(|o| o.get(key)).unwrap_or_else(|| panic!("vector without {key}: {case:?}"))
}

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    field(case, key).as_str().unwrap_or_else(|| panic!("{key} is not a string in {case:?}"))
}

#[test]
fn every_event_vector_parses_types_and_round_trips() {
    let cases = cases(EVENTS);
    assert!(cases.len() > EVENT_NAMES.len());
    let mut seen = Vec::new();
    for case in &cases {
        let name = text(case, "name");
        let payload = field(case, "payload");
        let event = Event::from_value(payload).unwrap_or_else(|e| panic!("{name}: {e}"));
        let wire_name = text(payload, "event");
        assert_eq!(event.name(), wire_name, "{name}");
        let is_unknown = matches!(event.payload, Payload::Unknown { .. });
        assert_eq!(is_unknown, !EVENT_NAMES.contains(&wire_name), "{name}");
        // The vectors list documented fields first, in documented order,
        // so the typed event writes back exactly what was parsed.
        assert_eq!(&event.to_value(), payload, "{name}");
        assert_eq!(event.to_json(), payload.to_json(), "{name}");
        seen.push(wire_name.to_owned());
    }
    for known in EVENT_NAMES {
        assert!(seen.iter().any(|s| s == known), "no vector for {known}");
    }
}

#[test]
fn every_invalid_vector_fails_with_its_code_and_path() {
    for case in cases(INVALID) {
        let name = text(&case, "name");
        let code = text(&case, "code");
        let result = canonical::parse(text(&case, "body")).and_then(|value| Event::from_value(&value));
        let err = match result {
            Ok(event) => panic!("{name}: accepted as {}", event.name()),
            Err(err) => err,
        };
        assert_eq!(err.code(), code, "{name}: {err}");
        if let Error::InvalidPayload { path, .. } = &err {
            assert_eq!(path, text(&case, "path"), "{name}: {err}");
        }
    }
}
