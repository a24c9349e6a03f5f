//! The tools module: loaded on first use (see the module docs in `mod.rs`).

use super::thrown;
use promptfoo_webhooks::canonical::{self, Object, Value};
use promptfoo_webhooks::change::{issue_change_event as change_event, ChangeOptions};
use promptfoo_webhooks::config;
use promptfoo_webhooks::event::{Event, Issue};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn canonicalize_text(text: &str) -> Result<String, JsValue> {
    canonical::to_string(text).map_err(thrown)
}

#[wasm_bindgen]
pub fn canonicalize_bytes(bytes: &[u8]) -> Result<String, JsValue> {
    canonical::to_string_from_bytes(bytes).map_err(thrown)
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

/// Parses and checks a payload text the way the Rust crate does (the
/// core's own tree), for tests that hold the package's in-place check of
/// JS objects against it (tests/js/schema-differential.test.mjs).
#[wasm_bindgen]
pub fn check_event_text(text: &str) -> Result<(), JsValue> {
    promptfoo_webhooks::verify::validate_payload(text.as_bytes()).map_err(thrown)
}
