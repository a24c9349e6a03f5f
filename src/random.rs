//! Bytes from the platform's CSPRNG, through `getrandom` on every target.
//! On wasm32-unknown-unknown getrandom has no source of its own: the npm
//! package's wasm crate registers the host's Web Crypto through getrandom's
//! "custom" feature (crates/promptfoo-webhooks-wasm/src/random.rs), and a
//! Rust program built for that target picks a source as getrandom
//! documents (its "js" or "custom" feature).

use crate::Error;

pub(crate) fn fill(bytes: &mut [u8]) -> Result<(), Error> {
    getrandom::getrandom(bytes).map_err(|_| Error::RandomUnavailable)
}
