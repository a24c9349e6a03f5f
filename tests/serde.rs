//! The `serde` feature (`cargo test --features serde`): round trips through
//! `serde_json` for every event the contract has a sample of, unknown
//! events and undocumented members kept, where serde's numbers differ from
//! the signing form, bounded nesting, and the single types.
#![cfg(feature = "serde")]

use promptfoo_webhooks::canonical::{self, Value};
use promptfoo_webhooks::contract::EVENTS;
use promptfoo_webhooks::event::{IssueUpdatedData, Payload};
use promptfoo_webhooks::{parse_event, Event, Issue, Severity, Status};

fn sample(name: &str, data: &str) -> String {
    format!(r#"{{"event":"{name}","timestamp":"2025-03-14T12:34:56.000Z","data":{data}}}"#)
}

#[test]
fn every_sample_event_round_trips_and_serializes_as_the_signing_form() {
    for spec in EVENTS {
        let text = canonical::to_string(&sample(spec.name, spec.sample_data)).unwrap();
        let event = parse_event(text.as_bytes()).unwrap();
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(json, event.to_json(), "{}: the samples hold no number serde writes differently", spec.name);
        assert_eq!(json, text);
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event, "{}", spec.name);
        // Through serde_json's own Value too (a map that sorts its keys, without
        // serde_json's preserve_order feature: the members come back, in its order).
        let generic: serde_json::Value = serde_json::to_value(&event).unwrap();
        let through: Event = serde_json::from_value(generic).unwrap();
        assert_eq!(through.name(), event.name());
        assert_eq!(serde_json::to_value(&through).unwrap(), serde_json::to_value(&event).unwrap());
    }
}

#[test]
fn unknown_events_and_undocumented_members_survive() {
    let text = r#"{"event":"report.generated","timestamp":"t","data":{"reportId":"r-1","pages":3}}"#;
    let event: Event = serde_json::from_str(text).unwrap();
    assert!(matches!(&event.payload, Payload::Unknown { event, .. } if event == "report.generated"));
    assert_eq!(serde_json::to_string(&event).unwrap(), text);

    let text = sample(
        "issue.updated",
        r#"{"issue":{"id":"i-1","status":"false_positive","severity":"urgent","jira":"SEC-1"},"eventData":{"changes":["x"],"by":"bot"},"userId":"u-1","traceId":"t-9"}"#,
    );
    let event: Event = serde_json::from_str(&text).unwrap();
    let issue = event.issue().unwrap();
    assert_eq!(issue.severity, Some(Severity::parse("urgent")));
    assert_eq!(issue.status.as_ref().map(Status::as_str), Some("false_positive"));
    assert!(issue.extra.get("jira").is_some());
    assert_eq!(serde_json::to_string(&event).unwrap(), text);
}

#[test]
fn serde_numbers_differ_from_the_signing_form_only_where_documented() {
    let text = sample(
        "evaluation.completed",
        r#"{"jobId":"j","progress":{"a":1,"b":-0.5,"c":1e21,"d":123456789012345680000,"e":1.5e-7}}"#,
    );
    let event = parse_event(text.as_bytes()).unwrap();
    let signing = event.to_json();
    assert!(signing.contains(r#""c":1e+21"#) && signing.contains(r#""d":123456789012345680000"#));
    let serde = serde_json::to_string(&event).unwrap();
    assert!(serde.contains(r#""a":1,"b":-0.5,"#), "{serde}");
    assert!(serde.contains(r#""c":1e+21"#), "{serde}");
    assert!(serde.contains(r#""d":1.2345678901234568e+20"#), "a whole number past 2^53: {serde}");
    // The same numbers either way: reading serde's output back gives the same event.
    assert_eq!(serde_json::from_str::<Event>(&serde).unwrap(), event);
}

#[test]
fn a_bad_payload_is_a_serde_error_with_the_crates_message() {
    let error = serde_json::from_str::<Event>(r#"{"event":"issue.created","timestamp":"t","data":{}}"#).unwrap_err();
    assert!(error.to_string().contains("invalid payload at $.data.issue"), "{error}");
    assert!(serde_json::from_str::<Event>("[1]").is_err());
}

#[test]
fn nesting_deeper_than_128_levels_is_an_error_not_a_deep_recursion() {
    let mut value = Value::Array(Vec::new());
    for _ in 0..100_000 {
        value = Value::Array(vec![value]);
    }
    let error = serde_json::to_string(&value).unwrap_err();
    assert!(error.to_string().contains("deeper than 128 levels"));
    let fine = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(serde_json::to_string(&canonical::parse(&fine).unwrap()).unwrap(), fine);
}

#[test]
fn the_single_types_round_trip() {
    let mut issue = Issue::new("i-1");
    issue.severity = Some(Severity::Critical);
    issue.status = Some(Status::new("fixed"));
    let json = serde_json::to_string(&issue).unwrap();
    assert_eq!(json, r#"{"id":"i-1","status":"fixed","severity":"critical"}"#);
    assert_eq!(serde_json::from_str::<Issue>(&json).unwrap(), issue);
    assert_eq!(serde_json::to_string(&Severity::parse("urgent")).unwrap(), r#""urgent""#);
    assert_eq!(serde_json::from_str::<Status>(r#""open""#).unwrap(), Status::new("open"));

    let data: IssueUpdatedData = serde_json::from_str(
        r#"{"issue":{"id":"i-2"},"eventData":{"changes":["status changed to fixed"]},"userId":"u"}"#,
    )
    .unwrap();
    assert_eq!(data.changes, ["status changed to fixed"]);
    assert_eq!(
        serde_json::to_string(&data).unwrap(),
        r#"{"issue":{"id":"i-2"},"eventData":{"changes":["status changed to fixed"]},"userId":"u"}"#
    );
    assert!(serde_json::from_str::<IssueUpdatedData>(r#"{"issue":{"id":"i-2"}}"#).is_err(), "changes are required");
    let value: Value = serde_json::from_str(r#"{"b":1,"2":true,"a":[null,"x"]}"#).unwrap();
    assert_eq!(value.to_json(), r#"{"2":true,"b":1,"a":[null,"x"]}"#, "JavaScript's key order");
}
