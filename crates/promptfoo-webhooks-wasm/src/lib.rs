//! wasm-bindgen exports for the npm package: argument passing only, over
//! the public API of the `promptfoo-webhooks` crate. The JS layer (pkg/src)
//! checks JS types; every rule lives in that crate (the payload schema's JS
//! check is generated from it: no call here).
//!
//! Two wasm modules come out of this crate, chosen by feature:
//! - `verify` ([`verify`]): what every receiver loads at import, kept
//!   small so that importing and the first verify stay fast;
//! - `tools` ([`tools`]): canonicalize, change events, configuration
//!   checks and new secrets, loaded on the first call that needs them.
//!
//! The verify module takes bodies through a scratch buffer the JS layer
//! writes into; the tools take `&str` or `&[u8]` (two exports each, so
//! neither side converts one into the other). Failures are thrown as the
//! package's `WebhookVerificationError`, made through an import.

// As in the core (its src/lib.rs says why): no input may panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

use promptfoo_webhooks::Error;
use wasm_bindgen::prelude::*;

#[cfg(feature = "tools")]
mod random;
#[cfg(feature = "tools")]
mod tools;
#[cfg(feature = "verify")]
mod verify;

#[wasm_bindgen(raw_module = "../src/core/errors.js")]
extern "C" {
    /// A `WebhookVerificationError` (pkg/src/core/errors.js), made on the JS side
    /// so that what the core throws is what the caller catches. The hint comes
    /// from the package's own copy of the contract (generated/contract.js),
    /// so this module carries none.
    #[wasm_bindgen(js_name = verificationError)]
    fn verification_error(code: &str, message: &str, path: Option<String>, reason: Option<String>) -> JsValue;
}

/// `error` as the JS error to throw.
fn thrown(error: Error) -> JsValue {
    let path = match &error {
        Error::InvalidPayload { path, .. } => Some(path.clone()),
        _ => None,
    };
    verification_error(error.code(), &error.to_string(), path, error.reason().map(str::to_owned))
}
