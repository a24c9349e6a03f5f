//! The whole receive pipeline (`Verifier::verify_at`) over an arbitrary
//! body and `X-Promptfoo-Signature` value, against a fixed secret.
//! Oracles: no panic; whenever it accepts, the header decodes to exactly
//! the body's HMAC-SHA256.
//!
//! Input layout: byte 0 picks how the header is made, byte 1 is a
//! parameter, the rest is the body (after the header, when the header
//! comes from the input). Random bytes almost never form a valid HMAC, so
//! most modes start from the real signature and damage it slightly: that
//! is how the fuzzer reaches the parse and validate steps behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptfoo_webhooks::signature::parse_signature;
use promptfoo_webhooks::{Key, Verifier};

const SECRET: &str = "fuzz-secret-0123456789abcdef";
/// 2025-03-14T12:34:56Z, the timestamp the seed payloads carry.
const NOW_MILLIS: i64 = 1_741_955_696_000;
const TOLERANCE_SECONDS: u64 = 300;

fuzz_target!(|data: &[u8]| {
    let [mode, parameter, rest @ ..] = data else { return };
    let key = Key::new(SECRET).expect("the fixed secret is valid");
    let (header, body): (String, &[u8]) = match mode % 5 {
        // Header from the input: its length is the parameter.
        0 => {
            let split = usize::from(*parameter).min(rest.len());
            let (header, body) = rest.split_at(split);
            (String::from_utf8_lossy(header).into_owned(), body)
        }
        // The real signature, as sent.
        1 => (key.sign_hex(rest), rest),
        // Upper case, padded with spaces and tabs: still valid.
        2 => (format!(" \t{} ", key.sign_hex(rest).to_uppercase()), rest),
        // One hex digit replaced by the parameter's character.
        3 => {
            let mut header = key.sign_hex(rest).into_bytes();
            let at = usize::from(*parameter) % header.len();
            header[at] = *parameter;
            (String::from_utf8_lossy(&header).into_owned(), rest)
        }
        // The real signature for a body that differs in its last byte.
        _ => {
            let Some((last, head)) = rest.split_last() else { return };
            let mut other = head.to_vec();
            other.push(last ^ (*parameter).max(1));
            (key.sign_hex(&other), rest)
        }
    };

    // What the signature step must decide: the header decodes to the HMAC.
    let signature_valid = parse_signature(&header).is_ok_and(|signature| key.matches_raw(body, &signature));
    if matches!(mode % 5, 1 | 2) {
        assert!(signature_valid, "a correct signature, as sent or re-cased and padded, must match");
    }
    let verifier = Verifier::new(&[SECRET]).expect("the fixed secret is valid");
    let windowed = verifier.clone().tolerance_seconds(TOLERANCE_SECONDS);
    for verifier in [verifier, windowed] {
        assert_eq!(verifier.check_signature(body, Some(&header)).is_ok(), signature_valid);
        match verifier.verify_at(body, Some(&header), NOW_MILLIS) {
            Ok(verified) => {
                assert!(signature_valid, "accepted a signature that is not the body's HMAC");
                assert_eq!(verified.secret_index, 0);
            }
            Err(err) => {
                // A good signature fails only on the payload, a bad one
                // only on the signature: the body is never parsed first.
                let signature_failure =
                    matches!(err.code(), "missing_signature" | "malformed_signature" | "signature_mismatch");
                assert_eq!(signature_failure, !signature_valid, "{err}");
            }
        }
    }
});
