//! The shared header vectors (tests/vectors/signature-forms.json and
//! webhook-ids.json), through the public API: `Verifier` and `VerifierMap`
//! with the header's value, and with an `http::HeaderMap` (the `http`
//! feature) wherever one can hold it. tests/js/header-vectors.test.mjs
//! reads the same files, so Rust and JavaScript read both headers alike.

use promptfoo_webhooks::canonical::{self, Object, Value};
use promptfoo_webhooks::signature::parse_signature;
use promptfoo_webhooks::{Error, Key, Verified, Verifier, VerifierMap};

const SIGNATURE_FORMS: &str = include_str!("vectors/signature-forms.json");
const WEBHOOK_IDS: &str = include_str!("vectors/webhook-ids.json");

fn file(text: &str) -> Object {
    canonical::parse(text).ok().and_then(Value::into_object).expect("a vector file is a JSON object")
}

fn text<'a>(object: &'a Object, key: &str) -> &'a str {
    object.get(key).and_then(Value::as_str).unwrap_or_else(|| panic!("{key} is not a string"))
}

fn cases(object: &Object) -> impl Iterator<Item = &Object> {
    let cases = object.get("cases").and_then(Value::as_array).expect("cases is an array");
    cases.iter().map(|case| case.as_object().expect("a case is an object"))
}

/// A case's `header`: no header (`null`), one value, or one value per time it was sent.
enum Header<'a> {
    Absent,
    One(&'a str),
    Repeated(Vec<&'a str>),
}

fn header(case: &Object) -> Header<'_> {
    match case.get("header") {
        Some(Value::Null) => Header::Absent,
        Some(Value::String(value)) => Header::One(value),
        Some(Value::Array(values)) => Header::Repeated(values.iter().map(|v| v.as_str().expect("a string")).collect()),
        other => panic!("header is {other:?}"),
    }
}

/// The header as an `http::HeaderMap` holds it under `name`, or `None`
/// when no `HeaderValue` can carry it (a line break).
#[cfg(feature = "http")]
fn header_map(name: &str, header: &Header<'_>) -> Option<http::HeaderMap> {
    let mut map = http::HeaderMap::new();
    let values = match header {
        Header::Absent => Vec::new(),
        Header::One(value) => vec![*value],
        Header::Repeated(values) => values.clone(),
    };
    for value in values {
        let name = http::HeaderName::from_bytes(name.as_bytes()).ok()?;
        map.append(name, http::HeaderValue::from_str(value).ok()?);
    }
    Some(map)
}

/// What a verification came to: the secret's index, or the error code.
fn outcome(result: Result<Verified, Error>) -> Result<usize, &'static str> {
    result.map(|verified| verified.secret_index).map_err(|error| error.code())
}

#[test]
fn every_signature_form_decodes_or_fails_as_the_vectors_say() {
    let vectors = file(SIGNATURE_FORMS);
    let body = text(&vectors, "body").as_bytes();
    let verifier = Verifier::new(&[text(&vectors, "secret")]).unwrap();
    for case in cases(&vectors) {
        let name = text(case, "name");
        let expected = case.get("code").map_or(Ok(0), |_| Err(text(case, "code")));
        let header = header(case);
        let value = match &header {
            Header::Absent => None,
            Header::One(value) => Some(*value),
            Header::Repeated(values) if values.len() == 1 => values.first().copied(),
            Header::Repeated(_) => None,
        };
        if let (Some(value), Some(bytes)) = (value, case.get("bytes")) {
            assert_eq!(parse_signature(value).map(hex::encode).as_deref(), Ok(bytes.as_str().unwrap()), "{name}");
        }
        if !matches!(&header, Header::Repeated(values) if values.len() > 1) {
            assert_eq!(outcome(verifier.verify(body, value)), expected, "{name}");
        }
        #[cfg(feature = "http")]
        if let Some(headers) = header_map("x-promptfoo-signature", &header) {
            assert_eq!(outcome(verifier.verify_headers(body, &headers)), expected, "{name}, from a HeaderMap");
        }
    }
}

#[test]
fn every_webhook_id_picks_the_webhook_the_vectors_say() {
    let vectors = file(WEBHOOK_IDS);
    let webhooks = vectors.get("webhooks").and_then(Value::as_object).expect("webhooks is an object");
    let secret_of = |id: Option<&str>| id.map_or_else(|| text(&vectors, "withoutHeader"), |id| text(webhooks, id));
    let verifier = |secret: &str| Verifier::new(&[secret]).unwrap();
    let without_fallback =
        webhooks.iter().fold(VerifierMap::new(), |map, (id, _)| map.insert(id, verifier(secret_of(Some(id)))));
    let with_fallback = without_fallback.clone().fallback(verifier(secret_of(None)));
    let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
    for case in cases(&vectors) {
        let name = text(case, "name");
        // Signed with the picked webhook's secret: only its verifier accepts it.
        let picks = case.get("picks").map(|picked| picked.as_str());
        let signature = Key::new(secret_of(picks.flatten())).unwrap().sign_hex(body);
        let expected: Result<usize, &str> = match (picks, case.get("code")) {
            (Some(_), None) => Ok(0),
            (None, Some(_)) => Err(text(case, "code")),
            _ => panic!("{name}: picks or code, not both"),
        };
        for (map, expected) in [
            (&with_fallback, expected),
            // Without a fallback, what picks it is unknown_webhook.
            (&without_fallback, if picks == Some(None) { Err("unknown_webhook") } else { expected }),
        ] {
            let header = header(case);
            let value = match &header {
                Header::Absent => Some(None),
                Header::One(value) => Some(Some(*value)),
                Header::Repeated(values) if values.len() == 1 => Some(values.first().copied()),
                Header::Repeated(_) => None, // only a HeaderMap holds a repeated header
            };
            if let Some(value) = value {
                assert_eq!(outcome(map.verify(value, body, Some(&signature))), expected, "{name}");
            }
            #[cfg(feature = "http")]
            if let Some(mut headers) = header_map("x-webhook-id", &header) {
                headers.insert("x-promptfoo-signature", signature.parse().unwrap());
                assert_eq!(outcome(map.verify_headers(body, &headers)), expected, "{name}, from a HeaderMap");
            }
        }
    }
}
