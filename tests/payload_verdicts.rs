//! The payload verdicts shared with the npm package
//! (tests/vectors/payload-verdicts.json): each JSON text, and what the
//! schema check says of it (`"ok"`, or the path and reason of its first
//! problem), through the public API. tests/js/payload-verdicts.test.mjs
//! holds the package's generated check to the same file, so a rule that
//! drifts on either side fails one of them.

use promptfoo_webhooks::canonical::{self, Value};
use promptfoo_webhooks::{parse_event, Error, Event, Verifier};

const VERDICTS: &str = include_str!("vectors/payload-verdicts.json");

/// `(name, body, None)` for a payload that passes, `(name, body, Some((path, reason)))` for one that does not.
type Case = (String, String, Option<(String, String)>);

fn cases() -> Vec<Case> {
    let cases = canonical::parse(VERDICTS).ok().and_then(Value::into_array).expect("the vector file is a JSON array");
    cases
        .iter()
        .map(|case| {
            let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_owned);
            let object = case.as_object().expect("each vector is an object");
            let name = text(object.get("name")).expect("a vector has a name");
            let body = text(object.get("body")).unwrap_or_else(|| panic!("{name}: no body"));
            let verdict = match object.get("verdict") {
                Some(Value::String(ok)) if ok == "ok" => None,
                Some(Value::Object(problem)) => Some((
                    text(problem.get("path")).unwrap_or_else(|| panic!("{name}: no path")),
                    text(problem.get("reason")).unwrap_or_else(|| panic!("{name}: no reason")),
                )),
                other => panic!("{name}: the verdict is \"ok\" or {{ path, reason }}, not {other:?}"),
            };
            (name, body, verdict)
        })
        .collect()
}

/// What `result` says, in the vectors' terms; any error but `invalid_payload` fails the test.
fn verdict_of<T>(name: &str, result: Result<T, Error>) -> Option<(String, String)> {
    let error = match result {
        Ok(_) => return None,
        Err(error) => error,
    };
    let Error::InvalidPayload { path, reason } = &error else {
        panic!("{name}: expected a schema verdict, got {error}");
    };
    // The message the package's error carries too.
    assert_eq!(error.to_string(), format!("invalid payload at {path}: {reason}"), "{name}");
    assert_eq!(error.code(), "invalid_payload", "{name}");
    Some((path.clone(), reason.clone()))
}

#[test]
fn every_payload_gets_its_verdict_from_each_entry_point() {
    let verifier = Verifier::new(&["whsec-test-0123456789abcdef"]).unwrap();
    for (name, body, expected) in cases() {
        assert_eq!(verdict_of(&name, parse_event(body.as_bytes())), expected, "{name}: parse_event");
        let value = canonical::parse(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verdict_of(&name, Event::from_value(&value)), expected, "{name}: Event::from_value");
        let signature = verifier.sign_hex(body.as_bytes());
        let verified = verifier.verify(body.as_bytes(), Some(&signature));
        assert_eq!(verdict_of(&name, verified), expected, "{name}: Verifier::verify");
    }
}

#[test]
fn the_vectors_cover_every_rule() {
    let cases = cases();
    let passing = cases.iter().filter(|(_, _, verdict)| verdict.is_none()).count();
    assert!(passing >= 20 && cases.len() - passing >= 60, "{passing} of {} pass", cases.len());
    let reasons: Vec<&str> =
        cases.iter().filter_map(|(_, _, verdict)| verdict.as_ref().map(|(_, r)| r.as_str())).collect();
    for kind in ["null", "boolean", "number", "string", "array", "object"] {
        assert!(reasons.iter().any(|r| r.ends_with(&format!("got {kind}"))), "no vector of a member that is {kind}");
    }
    assert!(reasons.contains(&"required field is missing"));
    // Every event the contract types has a passing and a failing vector.
    for event in promptfoo_webhooks::EVENT_NAMES {
        let quoted = format!(r#""event":"{event}""#);
        let of_event = cases.iter().filter(|(_, body, _)| body.contains(&quoted));
        let (ok, bad): (Vec<_>, Vec<_>) = of_event.partition(|(_, _, verdict)| verdict.is_none());
        assert!(!ok.is_empty() && !bad.is_empty(), "{event}: {} passing, {} failing", ok.len(), bad.len());
    }
}
