//! The verify module: what every receiver loads (see the module docs in `mod.rs`).

use super::{thrown, ErrorParts};
use crate::canonical;
use crate::schema::{self, Kind, MemberKinds, Members, Tree};
use crate::signature::{parse_signature, Key};
use crate::verify::{Verifier, DEFAULT_MAX_BODY_BYTES};
use crate::Error;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// Describes a failure the JS layer detected, from the same table.
#[wasm_bindgen]
pub fn describe_error(code: &str, detail: String) -> ErrorParts {
    let error = match code {
        "unsupported_body" => Error::UnsupportedBody { reason: detail },
        "parsed_body_mismatch" => Error::ParsedBodyMismatch,
        "invalid_json" => Error::InvalidJson { reason: detail, offset: 0 },
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

    /// Size, signature format and HMAC; returns the index of the matching secret.
    pub fn check_signature_text(&self, body: &str, signature: Option<String>) -> Result<u32, JsValue> {
        self.check_signature_bytes(body.as_bytes(), signature)
    }

    pub fn check_signature_bytes(&self, body: &[u8], signature: Option<String>) -> Result<u32, JsValue> {
        let index = self.ready()?.check_signature(body, signature.as_deref()).map_err(thrown)?;
        Ok(index as u32)
    }

    /// Checks the payload `JSON.parse` returned (or a caller's parsed body,
    /// see [`JsTree`]) against the schema, then the replay window.
    pub fn check_event(&self, payload: JsValue, now_millis: f64, parsed_by_caller: bool) -> Result<(), JsValue> {
        let verifier = self.ready()?;
        let timestamp = schema::check(&JsTree::root(payload, parsed_by_caller)).map_err(thrown)?;
        if !verifier.has_window() {
            return Ok(());
        }
        let timestamp = timestamp.text().unwrap_or_default();
        verifier.check_window(&timestamp, now_millis as i64).map_err(thrown)
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
        // The value itself is not echoed: printing any f64 would bring a float formatter into this module.
        return Err(thrown(Error::InvalidOptions {
            option: option.into(),
            reason: format!("expected a whole number of at least {min}"),
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

/// Whether a body nests deeper than the core's limit (see [`canonical::nests_too_deep`]).
#[wasm_bindgen]
pub fn nests_too_deep_text(text: &str) -> bool {
    canonical::nests_too_deep(text.as_bytes())
}

#[wasm_bindgen]
pub fn nests_too_deep_bytes(bytes: &[u8]) -> bool {
    canonical::nests_too_deep(bytes)
}

/// [`canonical::MAX_TREE_DEPTH`]: texts no longer than this need no depth scan.
#[wasm_bindgen]
pub fn max_tree_depth() -> u32 {
    canonical::MAX_TREE_DEPTH as u32
}

/// Checks a payload object against the schema, without a replay window.
#[wasm_bindgen]
pub fn check_event_value(payload: JsValue, parsed_by_caller: bool) -> Result<(), JsValue> {
    schema::check(&JsTree::root(payload, parsed_by_caller)).map(drop).map_err(thrown)
}

/// Checks JSON text in the core: the exact `invalid_json` error (with its
/// offset) when `JSON.parse` has refused a body or it nests too deep.
#[wasm_bindgen]
pub fn check_json_text(text: &str) -> Result<(), JsValue> {
    canonical::validate(text).map_err(thrown)
}

#[wasm_bindgen]
pub fn check_json_bytes(bytes: &[u8]) -> Result<(), JsValue> {
    check_json_text(&String::from_utf8_lossy(bytes))
}

/// Whether `name` is one of the events this version types.
#[wasm_bindgen]
pub fn is_known_event(name: &str) -> bool {
    crate::event::EVENT_NAMES.contains(&name)
}

/// A JavaScript value seen as a JSON tree, read in place: checking a
/// payload costs one call into JS per schema table and two per object the
/// schema descends into, whatever the size of the body, and copies nothing
/// but the strings the checks need (`event`, and `timestamp` for a window).
///
/// As `JSON.stringify` does, members that are `undefined`, functions or
/// symbols are absent. A caller's parsed body may be a richer object than
/// `JSON.parse` returns; there, an object with a `toJSON` method is
/// [`Kind::Other`], so the JS layer re-checks what `JSON.parse` makes of
/// the signed text instead.
struct JsTree {
    value: JsValue,
    kind: Kind,
    parsed_by_caller: bool,
}

#[wasm_bindgen(raw_module = "../tree.js")]
extern "C" {
    #[wasm_bindgen(js_name = jsonKind)]
    fn json_kind(value: &JsValue, parsed_by_caller: bool) -> u32;
    #[wasm_bindgen(js_name = memberOf)]
    fn member_of(object: &JsValue, key: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = memberKinds)]
    fn member_kinds_of(object: &JsValue, keys: &JsValue, parsed_by_caller: bool) -> f64;
    #[wasm_bindgen(js_name = keyList)]
    fn key_list(comma_separated: &str) -> JsValue;
}

thread_local! {
    /// Schema keys as JS strings, made once: decoding a key on every read would cost more than the read.
    static KEYS: RefCell<Vec<(&'static str, JsValue)>> = const { RefCell::new(Vec::new()) };
    /// Each table's keys as one JS array, by table.
    static KEY_LISTS: RefCell<Vec<(usize, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// `object[key]` for a schema key.
fn member_named(object: &JsValue, key: &'static str) -> JsValue {
    KEYS.with_borrow_mut(|keys| {
        if let Some((_, js)) = keys.iter().find(|(k, _)| core::ptr::eq(*k, key)) {
            return member_of(object, js);
        }
        let js = JsValue::from_str(key);
        let value = member_of(object, &js);
        keys.push((key, js));
        value
    })
}

impl JsTree {
    fn root(value: JsValue, parsed_by_caller: bool) -> Self {
        // An absent root (`undefined`) is no JSON value at all.
        let kind = Kind::from_code(u64::from(json_kind(&value, parsed_by_caller))).unwrap_or(Kind::Other);
        JsTree { value, kind, parsed_by_caller }
    }

    fn child(&self, value: JsValue) -> Option<Self> {
        let kind = Kind::from_code(u64::from(json_kind(&value, self.parsed_by_caller)))?;
        Some(JsTree { value, kind, parsed_by_caller: self.parsed_by_caller })
    }
}

impl Tree for JsTree {
    fn kind(&self) -> Kind {
        self.kind
    }

    fn member(&self, key: &'static str) -> Option<Self> {
        match self.kind {
            Kind::Object => self.child(member_named(&self.value, key)),
            _ => None,
        }
    }

    fn member_kinds(&self, members: Members) -> MemberKinds {
        if self.kind != Kind::Object {
            return MemberKinds(0);
        }
        KEY_LISTS.with_borrow_mut(|lists| {
            let packed = match lists.iter().find(|(id, _)| *id == members.id()) {
                Some((_, keys)) => member_kinds_of(&self.value, keys, self.parsed_by_caller),
                None => {
                    let keys = key_list(&members.keys().collect::<Vec<_>>().join(","));
                    let packed = member_kinds_of(&self.value, &keys, self.parsed_by_caller);
                    lists.push((members.id(), keys));
                    packed
                }
            };
            // A whole number below 2^51 (17 members of three bits).
            MemberKinds(packed as u64)
        })
    }

    fn elements(&self) -> impl Iterator<Item = Self> + '_ {
        let length = match self.kind {
            Kind::Array => member_named(&self.value, "length").as_f64().unwrap_or(0.0),
            _ => 0.0,
        };
        // An array's length is below 2^32; a Proxy's need not be.
        let length = if length > 0.0 { length.min(f64::from(u32::MAX)) as u32 } else { 0 };
        // A hole or an absent element is `undefined`, which JSON.stringify writes as null.
        let null = || JsTree { value: JsValue::NULL, kind: Kind::Null, parsed_by_caller: self.parsed_by_caller };
        (0..length).map(move |i| self.child(member_of(&self.value, &JsValue::from(i))).unwrap_or_else(null))
    }

    fn text(&self) -> Option<String> {
        match self.kind {
            Kind::String => self.value.as_string(),
            _ => None,
        }
    }
}

/// Bytes of linear memory the instance holds now: for soak scripts, which
/// check that it stays flat. Not part of the package's public API.
#[wasm_bindgen]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}
