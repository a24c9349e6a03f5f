//! `canonical::to_string` over arbitrary bytes (decoded as Node decodes a
//! Buffer). Oracles: no panic; the stream and the tree agree on validity
//! and, without lone surrogates, on output; the output is a fixed point;
//! serde_json agrees on validity except for its documented differences
//! (tests/common/oracles.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptfoo_webhooks::canonical;

#[path = "../../tests/common/oracles.rs"]
mod oracles;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let streamed = canonical::to_string(&text);
    assert_eq!(streamed, canonical::to_string_from_bytes(data), "text and bytes entry points differ");
    let tree = canonical::parse(&text);
    let serde_accepts = serde_json::from_str::<serde_json::Value>(&text).is_ok();
    match &streamed {
        Err(err) => {
            assert_eq!(err.code(), "invalid_json");
            assert!(tree.is_err(), "the tree accepts what the stream rejects");
            assert!(!serde_accepts, "serde_json accepts what JSON.parse rejects");
        }
        Ok(out) => {
            assert!(serde_accepts || oracles::serde_json_differs_legitimately(&text), "serde_json rejects");
            assert_eq!(canonical::to_string(out).as_ref(), Ok(out), "output is not a fixed point");
            match &tree {
                Ok(tree) if !oracles::has_lone_surrogate(out) => {
                    assert_eq!(&tree.to_json(), out, "tree and stream print differently")
                }
                Ok(_) => {}
                // Only the depth limit separates the two paths.
                Err(err) => assert!(err.to_string().contains("nesting deeper than"), "tree rejects: {err}"),
            }
        }
    }
});
