//! The verify module: what every receiver loads (see the module docs in `mod.rs`).

use super::thrown;
use promptfoo_webhooks::canonical;
use promptfoo_webhooks::signature::{parse_signature, Hashing, Key, KeySet};
use promptfoo_webhooks::verify::{Verifier, DEFAULT_MAX_BODY_BYTES};
use promptfoo_webhooks::Error;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

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
    /// `undefined` options take their defaults; the JS layer has checked
    /// that given ones are whole numbers in range (pkg/src/verify/options.js).
    pub fn new(max_body_bytes: Option<f64>, tolerance_seconds: Option<f64>) -> WasmVerifier {
        let max_body_bytes = max_body_bytes.map_or(DEFAULT_MAX_BODY_BYTES, |n| n as usize);
        WasmVerifier {
            keys: Vec::new(),
            max_body_bytes,
            tolerance_seconds: tolerance_seconds.map(|n| n as u64),
            verifier: None,
        }
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

    pub fn check_body_size(&self, size: f64) -> Result<(), JsValue> {
        let size = if size.is_finite() && size >= 0.0 { size as usize } else { usize::MAX };
        self.ready()?.check_body_size(size).map_err(thrown)
    }

    /// Size, signature format and HMAC of the body and signature in the
    /// scratch buffer (`signature_len` is `None` without a header): the
    /// index of the matching secret. A bad signature throws, or with
    /// `quiet` answers -1: an attacker's junk then costs no more than a
    /// good delivery (`verifySignature`).
    pub fn check_signature_scratch(
        &self,
        body_len: usize,
        signature_len: Option<usize>,
        quiet: bool,
    ) -> Result<i32, JsValue> {
        let verifier = self.ready()?;
        match with_scratch(body_len, signature_len, |body, signature| verifier.check_signature(body, signature))? {
            Ok(index) => Ok(index as i32),
            Err(_) if quiet => Ok(-1),
            Err(error) => Err(thrown(error)),
        }
    }

    /// Starts hashing a body given in pieces of at most [`scratch_piece`]
    /// bytes, once the JS layer has checked its size and its signature's form.
    pub fn begin_body(&self) -> Result<(), JsValue> {
        let hashings = self.ready()?.keys().begin();
        HASHING.set(hashings);
        Ok(())
    }

    /// Hashes the next piece, written at the start of the scratch buffer.
    pub fn update_body_scratch(&self, piece_len: usize) -> Result<(), JsValue> {
        with_scratch(piece_len, None, |piece, _| {
            HASHING.with_borrow_mut(|hashings| hashings.iter_mut().for_each(|hashing| hashing.update(piece)))
        })
    }

    /// After the last piece: the index of the secret whose HMAC the
    /// signature (at the start of the scratch buffer) is, or throws as
    /// [`WasmVerifier::check_signature_scratch`] does.
    pub fn finish_signature_scratch(&self, signature_len: Option<usize>) -> Result<u32, JsValue> {
        let hashings = HASHING.take();
        let index = with_scratch(0, signature_len, |_, signature| {
            let signature = parse_signature(signature.ok_or(Error::MissingSignature)?)?;
            KeySet::finish_match(hashings, &signature).ok_or(Error::SignatureMismatch)
        })?
        .map_err(thrown)?;
        Ok(index as u32)
    }

    /// After the last piece: the lower-case hex signature with the first secret.
    pub fn finish_sign(&self) -> String {
        HASHING.take().into_iter().next().map(|hashing| hex::encode(hashing.finish())).unwrap_or_default()
    }

    /// The replay window, for a payload that passed the schema (checked in
    /// JS, by pkg/src/generated/schema.js): `timestamp` is the payload's.
    pub fn check_window(&self, timestamp: Option<String>, now_millis: f64) -> Result<(), JsValue> {
        let verifier = self.ready()?;
        match verifier.has_window() {
            true => verifier.check_window(timestamp.as_deref().unwrap_or_default(), now_millis as i64).map_err(thrown),
            false => Ok(()),
        }
    }
}

/// The 32 bytes of an `X-Promptfoo-Signature` value, for a native HMAC
/// comparison; missing and malformed values throw as in `verify`.
#[wasm_bindgen]
pub fn decode_signature(signature: Option<String>) -> Result<Vec<u8>, JsValue> {
    let header = signature.ok_or_else(|| thrown(Error::MissingSignature))?;
    parse_signature(&header).map(|bytes| bytes.to_vec()).map_err(thrown)
}

/// Checks the body in the scratch buffer as JSON text: the exact
/// `invalid_json` error (with its offset) when `JSON.parse` has refused a
/// body or it nests too deep.
#[wasm_bindgen]
pub fn check_json_scratch(body_len: usize) -> Result<(), JsValue> {
    with_scratch(body_len, None, |body, _| canonical::validate(&String::from_utf8_lossy(body)))?.map_err(thrown)
}

thread_local! {
    /// Where the JS layer writes a body (and its signature) for one call:
    /// with `encodeInto` or `set` that is one copy, where the bindings' own
    /// string passing allocates and copies character by character, which
    /// costs more than hashing a small body.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The HMACs of a body given in pieces, one per key.
    static HASHING: RefCell<Vec<Hashing>> = const { RefCell::new(Vec::new()) };
}

/// Bodies longer than this reach the core in pieces of at most this many
/// bytes: wasm memory never shrinks, so a body copied whole would keep its
/// size held for the life of the instance.
const SCRATCH_PIECE: usize = 64 * 1024;

/// [`SCRATCH_PIECE`], for the JS layer.
#[wasm_bindgen]
pub fn scratch_piece() -> u32 {
    SCRATCH_PIECE as u32
}

/// The address of the scratch buffer, grown to at least `capacity` bytes
/// first; it moves only when this grows it.
#[wasm_bindgen]
pub fn scratch(capacity: usize) -> usize {
    SCRATCH.with_borrow_mut(|buffer| {
        if buffer.len() < capacity {
            buffer.resize(capacity, 0);
        }
        buffer.as_mut_ptr() as usize
    })
}

/// Frees a scratch buffer grown past [`SCRATCH_PIECE`] (only the error
/// report of an invalid large body copies one whole), so the allocator can
/// give its room to the next body.
#[wasm_bindgen]
pub fn release_scratch() {
    SCRATCH.with_borrow_mut(|buffer| {
        if buffer.len() > 2 * SCRATCH_PIECE {
            *buffer = Vec::new();
        }
    });
}

/// The instance's linear memory, for the JS layer's view of the scratch buffer.
#[wasm_bindgen]
pub fn linear_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// `read(body, signature)` over the scratch buffer: `body_len` bytes, then
/// `signature_len` bytes of signature (`None`: there is no header).
fn with_scratch<R>(
    body_len: usize,
    signature_len: Option<usize>,
    read: impl FnOnce(&[u8], Option<&str>) -> R,
) -> Result<R, JsValue> {
    SCRATCH.with_borrow(|buffer| {
        // Only a fault in the JS glue gets here: no code of the contract fits.
        let overrun =
            || JsValue::from(JsError::new("promptfoo-webhooks: the body was not written where the core reads it"));
        let body = buffer.get(..body_len).ok_or_else(overrun)?;
        let signature = match signature_len {
            None => None,
            Some(len) => {
                let end = body_len.checked_add(len).ok_or_else(overrun)?;
                // Written by encodeInto from a JS string: UTF-8 already.
                Some(String::from_utf8_lossy(buffer.get(body_len..end).ok_or_else(overrun)?))
            }
        };
        Ok(read(body, signature.as_deref()))
    })
}

/// Whether `name` is one of the events this version types.
#[wasm_bindgen]
pub fn is_known_event(name: &str) -> bool {
    promptfoo_webhooks::EVENT_NAMES.contains(&name)
}
