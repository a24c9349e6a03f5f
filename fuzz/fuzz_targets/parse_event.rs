//! `parse_event` over arbitrary bytes. Oracles: no panic; an accepted
//! event round-trips through its `to_json()` and its wire value
//! (`oracles::check_event_round_trip`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptfoo_webhooks::parse_event;

#[path = "../../tests/common/oracles.rs"]
mod oracles;

fuzz_target!(|data: &[u8]| {
    let event = match parse_event(data) {
        Ok(event) => event,
        Err(err) => {
            assert!(matches!(err.code(), "invalid_json" | "invalid_payload"), "{err}");
            return;
        }
    };
    if let Err(failure) = oracles::check_event_round_trip(&event) {
        panic!("{failure}");
    }
});
