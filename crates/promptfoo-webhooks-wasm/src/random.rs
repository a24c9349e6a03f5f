//! Random bytes for the core (`generateSecret`) on wasm32-unknown-unknown,
//! where getrandom has no source of its own: the host's Web Crypto
//! `crypto.getRandomValues` (Node, Deno, Bun, workerd and browsers all have
//! it), registered through getrandom's "custom" feature. Called directly,
//! which spares the module the `js-sys` bindings its "js" feature brings.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    // Throws (caught as Err) where the global `crypto` is missing.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(bytes: &mut [u8]) -> Result<JsValue, JsValue>;
}

fn fill(bytes: &mut [u8]) -> Result<(), getrandom::Error> {
    // getRandomValues fills at most 65,536 bytes a call.
    for chunk in bytes.chunks_mut(65_536) {
        get_random_values(chunk).map_err(|_| getrandom::Error::WEB_GET_RANDOM_VALUES)?;
    }
    Ok(())
}

getrandom::register_custom_getrandom!(fill);
