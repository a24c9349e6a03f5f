//! The README's Rust block, runnable: `tests/js/readme.test.mjs` checks that
//! the region below is the README's block (less this file's indentation) and
//! runs it.
//!
//! ```sh
//! SECRET_NOW=... SECRET_BEFORE_ROTATION=... cargo run --example readme -- <signature> < body.json
//! ```
//!
//! Prints `<event> (secret #<index>)` for a delivery that verifies; otherwise
//! `main` returns the error (exit code 1).
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret_now = std::env::var("SECRET_NOW")?;
    let secret_before_rotation = std::env::var("SECRET_BEFORE_ROTATION")?;
    let mut body_bytes = Vec::new();
    std::io::stdin().read_to_end(&mut body_bytes)?;
    let signature_arg = std::env::args().nth(1);
    let signature_header = signature_arg.as_deref(); // None: no header

    // README:begin rust
    use promptfoo_webhooks::verify::Verifier;

    let verifier = Verifier::new(&[secret_now, secret_before_rotation])?.tolerance_seconds(300);
    let verified = verifier.verify(&body_bytes, signature_header)?; // Result<Verified, Error>
    println!("{} (secret #{})", verified.event.name(), verified.secret_index);
    // README:end
    Ok(())
}
