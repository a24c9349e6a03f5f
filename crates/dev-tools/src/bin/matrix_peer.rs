//! The native Rust peer of the cross-runtime matrix
//! (`tests/js/matrix.test.mjs`): the same two jobs as the JavaScript peers
//! (`tests/js/matrix/peer-core.mjs`), done with the crate.
//!
//! ```text
//! cargo run --quiet -p dev-tools --bin matrix_peer -- build    vectors on stdin -> signed deliveries on stdout
//! cargo run --quiet -p dev-tools --bin matrix_peer -- verify   deliveries on stdin -> one result each on stdout
//! ```
//!
//! Both read and write JSON lines; `tests/js/matrix/vectors.mjs` describes
//! the fields. A vector's `json` body is built as the JS `signPayload` builds
//! it: serialized as `JSON.stringify(JSON.parse(json))` would
//! ([`canonical::to_string`]) and checked to be a webhook payload
//! ([`parse_event`]). A `text` body is signed verbatim.
//!
//! (Not `parse_event(json)?.to_json()`: a typed `Event` prints its known
//! fields in its own order, so a payload whose keys came in another order
//! would come out with other bytes than `JSON.stringify` gives.)

use promptfoo_webhooks::canonical::{self, Object, Value};
use promptfoo_webhooks::{parse_event, sign, Error, Verifier};
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// One input line, parsed, with typed access to its fields.
struct Record(Object);

impl Record {
    fn parse(line: &str) -> Result<Self, String> {
        let value = canonical::parse(line).map_err(|error| format!("not JSON: {error}"))?;
        let type_name = value.type_name();
        value.into_object().map(Record).ok_or_else(|| format!("expected a JSON object, got {type_name}"))
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    fn str(&self, key: &str) -> Result<&str, String> {
        self.get(key).and_then(Value::as_str).ok_or_else(|| format!("'{key}' must be a string"))
    }

    fn opt_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    fn opt_number(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(Value::as_f64)
    }
}

fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(members.into_iter().collect())
}

/// A vector built and signed: `{ name, body, signature }`.
fn build(vector: &Record) -> Result<Value, String> {
    let fail = |error: Error| format!("{} ({})", error, error.code());
    let mut body = match (vector.opt_str("text"), vector.opt_str("json")) {
        (Some(text), _) => text.to_owned(),
        (None, Some(json)) => {
            let body = canonical::to_string(json).map_err(fail)?;
            parse_event(body.as_bytes()).map_err(fail)?;
            body
        }
        (None, None) => return Err("a vector needs 'text' or 'json'".into()),
    };
    let mut signature = sign(body.as_bytes(), vector.str("signWith")?).map_err(fail)?;
    if let Some(tamper) = vector.get("tamper").and_then(Value::as_object) {
        let search = tamper.get("replace").and_then(Value::as_str).unwrap_or_default();
        let replacement = tamper.get("with").and_then(Value::as_str).unwrap_or_default();
        body = body.replacen(search, replacement, 1);
    }
    match vector.opt_str("signature") {
        Some("sha256-prefix") => signature = format!("sha256={signature}"),
        Some("upper-case") => signature = signature.to_uppercase(),
        _ => {}
    }
    Ok(object([("name", vector.str("name")?.into()), ("body", body.into()), ("signature", signature.into())]))
}

/// A delivery verified: `{ builder, name, outcome: "accept", event, secretIndex }`
/// or `{ builder, name, outcome: "reject", code }`.
fn verify(delivery: &Record) -> Result<Value, String> {
    let secrets: Vec<&str> = match delivery.get("verifyWith").and_then(Value::as_array) {
        Some(list) => list.iter().filter_map(Value::as_str).collect(),
        None => return Err("'verifyWith' must be an array of strings".into()),
    };
    let body = delivery.str("body")?.as_bytes();
    let signature = delivery.opt_str("signature");
    let outcome = Verifier::new(&secrets).and_then(|verifier| {
        match (delivery.opt_number("toleranceSeconds"), delivery.opt_number("now")) {
            (Some(seconds), Some(now)) => {
                verifier.tolerance_seconds(seconds as u64).verify_at(body, signature, now as i64)
            }
            (Some(seconds), None) => verifier.tolerance_seconds(seconds as u64).verify(body, signature),
            (None, _) => verifier.verify(body, signature),
        }
    });
    let builder: Value = delivery.str("builder")?.into();
    let name: Value = delivery.str("name")?.into();
    Ok(match outcome {
        Ok(verified) => object([
            ("builder", builder),
            ("name", name),
            ("outcome", "accept".into()),
            ("event", verified.event.name().into()),
            ("secretIndex", (verified.secret_index as f64).into()),
        ]),
        Err(error) => {
            object([("builder", builder), ("name", name), ("outcome", "reject".into()), ("code", error.code().into())])
        }
    })
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let run: fn(&Record) -> Result<Value, String> = match mode.as_str() {
        "build" => build,
        "verify" => verify,
        _ => {
            eprintln!("usage: cargo run -p dev-tools --bin matrix_peer -- build|verify < input.jsonl");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout().lock();
    for (number, line) in std::io::stdin().lock().lines().enumerate() {
        let result = line.map_err(|error| format!("cannot read stdin: {error}")).and_then(|line| {
            if line.trim().is_empty() {
                Ok(None)
            } else {
                Record::parse(&line).and_then(|r| run(&r)).map(Some)
            }
        });
        match result {
            Ok(None) => {}
            Ok(Some(value)) => {
                if writeln!(out, "{}", value.to_json()).is_err() {
                    return ExitCode::FAILURE;
                }
            }
            Err(message) => {
                eprintln!("line {}: {message}", number + 1);
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "matrix-current-secret-0123456789abcdef";
    const PAYLOAD: &str = r#"{\"event\":\"issue.created\",\"timestamp\":\"2025-03-14T12:34:56Z\",\"data\":{\"issue\":{\"id\":\"i-1\",\"severity\":\"high\"},\"eventData\":{}}}"#;

    /// Builds a vector of PAYLOAD with `extra` fields, verifies the delivery with SECRET: the result line.
    fn round_trip(extra: &str) -> String {
        let vector = format!(r#"{{"name":"v","json":"{PAYLOAD}","signWith":"{SECRET}"{extra}}}"#);
        let mut delivery =
            build(&Record::parse(&vector).unwrap()).unwrap().into_object().expect("a delivery is an object");
        delivery.insert("builder", "Rust".into());
        delivery.insert("verifyWith", vec![Value::from(SECRET)].into());
        verify(&Record(delivery)).unwrap().to_json()
    }

    #[test]
    fn a_built_delivery_verifies_and_a_tampered_or_mangled_one_does_not() {
        let accepted = r#"{"builder":"Rust","name":"v","outcome":"accept","event":"issue.created","secretIndex":0}"#;
        assert_eq!(round_trip(""), accepted);
        assert_eq!(round_trip(r#","signature":"upper-case""#), accepted);
        let rejected = |code: &str| format!(r#"{{"builder":"Rust","name":"v","outcome":"reject","code":"{code}"}}"#);
        assert_eq!(round_trip(r#","tamper":{"replace":"high","with":"low"}"#), rejected("signature_mismatch"));
        assert_eq!(round_trip(r#","signature":"sha256-prefix""#), rejected("malformed_signature"));
    }
}
