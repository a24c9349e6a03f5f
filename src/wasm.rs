//! wasm-bindgen exports for the npm package: argument passing only. The JS
//! layer (pkg/src) checks JS types; every rule lives in the modules above.
//!
//! Bodies come as `&str` or `&[u8]` (two exports each, so neither side
//! converts one into the other). Failures are thrown as [`ErrorParts`],
//! which the JS layer turns into a `WebhookVerificationError`.

use crate::canonical::{self, Object, Value};
use crate::change::{issue_change_event as change_event, ChangeOptions};
use crate::config;
use crate::event::{Event, Issue};
use crate::signature::{parse_signature, Key};
use crate::verify::{validate_payload, Verifier, DEFAULT_MAX_BODY_BYTES};
use crate::Error;
use wasm_bindgen::prelude::*;

/// A failure as the JS layer receives it.
#[wasm_bindgen(getter_with_clone)]
pub struct ErrorParts {
    pub code: String,
    pub message: String,
    pub hint: String,
    pub path: Option<String>,
    /// A stable refinement of `code`, e.g. `too_old` / `in_future` for `timestamp_outside_window`.
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

/// Describes a failure the JS layer detected, from the same table.
#[wasm_bindgen]
pub fn describe_error(code: &str, detail: String) -> ErrorParts {
    let error = match code {
        "unsupported_body" => Error::UnsupportedBody { reason: detail },
        "parsed_body_mismatch" => Error::ParsedBodyMismatch,
        "signature_mismatch" => Error::SignatureMismatch,
        "invalid_payload" => Error::InvalidPayload { path: "$".into(), reason: detail },
        "duplicate_delivery" => Error::DuplicateDelivery,
        _ => Error::InvalidOptions { option: "options".into(), reason: detail },
    };
    error.into()
}

/// Keys, limits and window of one `Webhook`.
#[wasm_bindgen]
pub struct WasmVerifier {
    keys: Vec<Key>,
    max_body_bytes: usize,
    tolerance_seconds: Option<u64>,
    verifier: Option<Verifier>,
}

#[wasm_bindgen]
impl WasmVerifier {
    /// `undefined` options take their defaults.
    pub fn new(max_body_bytes: Option<f64>, tolerance_seconds: Option<f64>) -> Result<WasmVerifier, JsValue> {
        let max_body_bytes = match max_body_bytes {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(n) => whole_number(n, "maxBodyBytes", 1)?,
        };
        let tolerance_seconds = match tolerance_seconds {
            None => None,
            Some(n) => Some(whole_number(n, "toleranceSeconds", 0)? as u64),
        };
        Ok(WasmVerifier { keys: Vec::new(), max_body_bytes, tolerance_seconds, verifier: None })
    }

    pub fn add_secret_text(&mut self, secret: &str) -> Result<(), JsValue> {
        self.keys.push(Key::new(secret).map_err(thrown)?);
        Ok(())
    }

    pub fn add_secret_bytes(&mut self, secret: &[u8]) -> Result<(), JsValue> {
        self.keys.push(Key::new(secret).map_err(thrown)?);
        Ok(())
    }

    /// Call once after the secrets are added.
    pub fn check_ready(&mut self) -> Result<(), JsValue> {
        let mut verifier =
            Verifier::from_keys(std::mem::take(&mut self.keys)).map_err(thrown)?.max_body_bytes(self.max_body_bytes);
        if let Some(seconds) = self.tolerance_seconds {
            verifier = verifier.tolerance_seconds(seconds);
        }
        self.verifier = Some(verifier);
        Ok(())
    }

    fn ready(&self) -> Result<&Verifier, JsValue> {
        self.verifier.as_ref().ok_or_else(|| thrown(Error::InvalidSecret { reason: "no secret was given" }))
    }

    pub fn body_limit(&self) -> f64 {
        self.max_body_bytes as f64
    }

    pub fn check_body_size(&self, size: f64) -> Result<(), JsValue> {
        let size = if size.is_finite() && size >= 0.0 { size as usize } else { usize::MAX };
        self.ready()?.check_body_size(size).map_err(thrown)
    }

    /// Returns the index of the matching secret.
    pub fn verify_text(&self, body: &str, signature: Option<String>, now_millis: f64) -> Result<u32, JsValue> {
        self.verify_bytes(body.as_bytes(), signature, now_millis)
    }

    pub fn verify_bytes(&self, body: &[u8], signature: Option<String>, now_millis: f64) -> Result<u32, JsValue> {
        let verified = self.ready()?.verify_at(body, signature.as_deref(), now_millis as i64).map_err(thrown)?;
        Ok(verified.secret_index as u32)
    }

    /// Parse, validate and window after a native signature check.
    pub fn check_payload_text(&self, body: &str, now_millis: f64) -> Result<(), JsValue> {
        self.check_payload_bytes(body.as_bytes(), now_millis)
    }

    pub fn check_payload_bytes(&self, body: &[u8], now_millis: f64) -> Result<(), JsValue> {
        self.ready()?.check_payload(body, now_millis as i64).map_err(thrown)
    }

    pub fn signature_matches_text(&self, body: &str, signature: &str) -> bool {
        self.signature_matches_bytes(body.as_bytes(), signature)
    }

    pub fn signature_matches_bytes(&self, body: &[u8], signature: &str) -> bool {
        self.verifier.as_ref().is_some_and(|v| v.check_signature(body, Some(signature)).is_ok())
    }

    pub fn sign_text(&self, body: &str) -> Result<String, JsValue> {
        self.sign_bytes(body.as_bytes())
    }

    pub fn sign_bytes(&self, body: &[u8]) -> Result<String, JsValue> {
        Ok(self.ready()?.sign_hex(body))
    }
}

fn whole_number(n: f64, option: &str, min: u32) -> Result<usize, JsValue> {
    if !n.is_finite() || n.fract() != 0.0 || n < f64::from(min) || n > 9_007_199_254_740_991.0 {
        return Err(thrown(Error::InvalidOptions {
            option: option.into(),
            reason: format!("expected a whole number of at least {min}, got {}", Value::Number(n).to_json()),
        }));
    }
    Ok(n as usize)
}

/// The 32 bytes of an `X-Promptfoo-Signature` value, for a native HMAC
/// comparison; missing and malformed values throw as in `verify`.
#[wasm_bindgen]
pub fn decode_signature(signature: Option<String>) -> Result<Vec<u8>, JsValue> {
    let header = signature.ok_or_else(|| thrown(Error::MissingSignature))?;
    parse_signature(&header).map(|bytes| bytes.to_vec()).map_err(thrown)
}

#[wasm_bindgen]
pub fn canonicalize_text(text: &str) -> Result<String, JsValue> {
    canonical::to_string(text).map_err(thrown)
}

#[wasm_bindgen]
pub fn canonicalize_bytes(bytes: &[u8]) -> Result<String, JsValue> {
    canonical::to_string_from_bytes(bytes).map_err(thrown)
}

/// Validates a payload; the JS layer parses it with its own JSON.parse.
#[wasm_bindgen]
pub fn check_event_text(text: &str) -> Result<(), JsValue> {
    check_event_bytes(text.as_bytes())
}

#[wasm_bindgen]
pub fn check_event_bytes(bytes: &[u8]) -> Result<(), JsValue> {
    validate_payload(bytes).map_err(thrown)
}

/// Whether `name` is one of the events this version types.
#[wasm_bindgen]
pub fn is_known_event(name: &str) -> bool {
    crate::event::EVENT_NAMES.contains(&name)
}

/// The change event as JSON text, or `undefined` when nothing changed.
#[wasm_bindgen]
pub fn issue_change_event(
    before_json: &str,
    after_json: &str,
    user_id: Option<String>,
    timestamp: String,
) -> Result<Option<String>, JsValue> {
    let before = issue_from_json(before_json)?;
    let after = issue_from_json(after_json)?;
    let options = ChangeOptions { user_id, timestamp };
    let event: Option<Event> = change_event(&before, &after, &options).map_err(thrown)?;
    Ok(event.map(|e| e.to_json()))
}

fn issue_from_json(json: &str) -> Result<Issue, JsValue> {
    let value = canonical::parse(json).map_err(thrown)?;
    Issue::from_value(&value).map_err(thrown)
}

#[wasm_bindgen]
pub fn generate_secret() -> Result<String, JsValue> {
    config::generate_secret().map_err(thrown)
}

/// `{"ok":true,"config":{...}}` or `{"ok":false,"problems":[...]}` as JSON text.
#[wasm_bindgen]
pub fn validate_webhook_config(json: &str) -> Result<String, JsValue> {
    let value = canonical::parse(json).map_err(thrown)?;
    let mut report = Object::new();
    match config::validate_webhook_config(&value) {
        Ok(config) => {
            report.insert("ok", true.into());
            report.insert("config", config.to_value());
        }
        Err(problems) => {
            report.insert("ok", false.into());
            report.insert("problems", problems.iter().map(problem_value).collect::<Vec<_>>().into());
        }
    }
    Ok(Value::Object(report).to_json())
}

fn problem_value(problem: &config::ConfigProblem) -> Value {
    let mut o = Object::new();
    o.insert("path", problem.path.as_str().into());
    o.insert("message", problem.message.as_str().into());
    Value::Object(o)
}

/// Bytes of linear memory the instance holds now: for soak scripts, which
/// check that it stays flat. Not part of the package's public API.
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}
