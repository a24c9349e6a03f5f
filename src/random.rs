//! Bytes from the platform's CSPRNG. Natively through `getrandom`; in wasm
//! straight from the host's Web Crypto `crypto.getRandomValues` (Node,
//! Deno, Bun, workerd and browsers all have it), which spares the wasm
//! build the `js-sys` bindings `getrandom` would bring.

use crate::Error;

#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn fill(bytes: &mut [u8]) -> Result<(), Error> {
    getrandom::getrandom(bytes).map_err(|_| Error::RandomUnavailable)
}

#[cfg(target_arch = "wasm32")]
pub(crate) fn fill(bytes: &mut [u8]) -> Result<(), Error> {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        // Throws (caught as Err) where the global `crypto` is missing.
        #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
        fn get_random_values(bytes: &mut [u8]) -> Result<JsValue, JsValue>;
    }

    // getRandomValues fills at most 65,536 bytes a call.
    for chunk in bytes.chunks_mut(65_536) {
        get_random_values(chunk).map_err(|_| Error::RandomUnavailable)?;
    }
    Ok(())
}
