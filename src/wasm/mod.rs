//! wasm-bindgen exports for the npm package: argument passing only. The JS
//! layer (pkg/src) checks JS types; every rule lives in the modules above.
//!
//! Two wasm modules come out of this crate, chosen by feature:
//! - `wasm-verify` ([`verify`]): what every receiver loads at import, kept
//!   small so that importing and the first verify stay fast;
//! - `wasm-tools` ([`tools`]): canonicalize, change events, configuration
//!   checks and new secrets, loaded on the first call that needs them.
//!
//! The verify module takes bodies through a scratch buffer the JS layer
//! writes into; the tools take `&str` or `&[u8]` (two exports each, so
//! neither side converts one into the other). Failures are thrown as
//! [`ErrorParts`], which the JS layer turns into a `WebhookVerificationError`.

use crate::Error;
use wasm_bindgen::prelude::*;

#[cfg(feature = "wasm-tools")]
mod tools;
#[cfg(feature = "wasm-verify")]
mod verify;

/// A failure as the JS layer receives it (read-only: no setters in the glue).
#[wasm_bindgen(getter_with_clone)]
pub struct ErrorParts {
    #[wasm_bindgen(readonly)]
    pub code: String,
    #[wasm_bindgen(readonly)]
    pub message: String,
    #[wasm_bindgen(readonly)]
    pub hint: String,
    #[wasm_bindgen(readonly)]
    pub path: Option<String>,
    /// A stable refinement of `code`, e.g. `too_old` / `in_future` for `timestamp_outside_window`.
    #[wasm_bindgen(readonly)]
    pub reason: Option<String>,
}

impl From<Error> for ErrorParts {
    fn from(error: Error) -> Self {
        let path = match &error {
            Error::InvalidPayload { path, .. } => Some(path.clone()),
            _ => None,
        };
        let reason = error.reason().map(str::to_owned);
        ErrorParts {
            code: error.code().to_owned(),
            message: error.to_string(),
            hint: error.hint().to_owned(),
            path,
            reason,
        }
    }
}

fn thrown(error: Error) -> JsValue {
    ErrorParts::from(error).into()
}
