//! The shared secret vectors (tests/vectors/secrets.json) through `Key::new`:
//! tests/js/secret-vectors.test.mjs reads the same file, so Rust and
//! JavaScript judge a secret alike, with the same message.

use promptfoo_webhooks::canonical::{self, Value};
use promptfoo_webhooks::Key;

const SECRETS: &str = include_str!("vectors/secrets.json");

#[test]
fn every_secret_is_judged_as_the_vectors_say() {
    let file = canonical::parse(SECRETS).ok().and_then(Value::into_object).expect("a JSON object");
    let cases = file.get("cases").and_then(Value::as_array).expect("cases is an array");
    assert!(cases.len() > 10);
    for case in cases {
        let case = case.as_object().expect("a case is an object");
        let label = case.get("label").and_then(Value::as_str).expect("a label");
        let secret: Vec<u8> = match (case.get("secret"), case.get("bytes")) {
            (Some(Value::String(text)), None) => text.as_bytes().to_vec(),
            (None, Some(Value::Array(bytes))) => {
                bytes.iter().map(|b| b.as_f64().and_then(|n| u8::try_from(n as u64).ok()).expect("a byte")).collect()
            }
            other => panic!("{label}: a case has a secret or bytes, not {other:?}"),
        };
        let got = Key::new(&secret).err().map(|error| (error.code(), error.to_string()));
        let want = case.get("message").and_then(Value::as_str).map(|message| ("invalid_secret", message.to_owned()));
        assert_eq!(got, want, "{label}");
    }
}
