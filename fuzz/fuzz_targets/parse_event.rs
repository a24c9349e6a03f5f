//! `parse_event` over arbitrary bytes. Oracles: no panic; an accepted
//! event's `to_json()` parses back to the same event (numbers beyond f64
//! print as `null`, as in V8, so there only the text must round-trip);
//! the typed event and its wire value convert back and forth.
#![no_main]

use libfuzzer_sys::fuzz_target;
use promptfoo_webhooks::{parse_event, Event};

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
    let json = event.to_json();
    let again = parse_event(json.as_bytes()).expect("an accepted event's JSON parses again");
    assert_eq!(again.to_json(), json);
    if !oracles::has_non_finite_number(&event.to_value()) {
        assert_eq!(again, event);
    }
    assert_eq!(Event::from_value(&event.to_value()).as_ref(), Ok(&event));
});
