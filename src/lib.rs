//! Verify, type, route, build and sign Promptfoo Enterprise webhooks.
//!
//! Promptfoo signs each delivery with `X-Promptfoo-Signature`: the bare hex
//! HMAC-SHA256 of the JSON body. This crate checks it in constant time
//! (several secrets during a rotation), enforces a body limit and an
//! optional replay window on the payload's `timestamp`, and types the event.
//! On the sending side it builds payloads as Promptfoo does and serializes
//! them exactly as V8's `JSON.stringify` would, so a JavaScript receiver
//! that re-stringifies a parsed body still sees the signed bytes.
//!
//! ```
//! use promptfoo_webhooks::{sign, Event, Issue, Verifier};
//!
//! let secret = "0123456789abcdef0123456789abcdef";
//! let body = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_json();
//! let header = sign(body.as_bytes(), secret)?;
//!
//! let verified = Verifier::new(&[secret])?.verify(body.as_bytes(), Some(&header))?;
//! assert_eq!(verified.event.name(), "issue.created");
//! assert_eq!(verified.event.issue().map(|i| i.id.as_str()), Some("issue-1"));
//! # Ok::<(), promptfoo_webhooks::Error>(())
//! ```
//!
//! Every failure is an [`Error`] with a stable [`Error::code`].
//!
//! # Features
//!
//! None is on by default.
//!
//! - `serde`: `Serialize` and `Deserialize` for [`Event`] and the types in it.
//! - `http`: `Verifier::verify_headers` reads the signature from an `http::HeaderMap`.
//! - `axum`: `axum::VerifiedEvent`, an extractor that answers refused deliveries itself.
//!
//! ```
//! # #[cfg(feature = "serde")] {
//! use promptfoo_webhooks::{Event, Issue};
//!
//! let event = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
//! let stored = serde_json::to_string(&event).unwrap(); // serde
//! assert_eq!(serde_json::from_str::<Event>(&stored).unwrap(), event);
//! # }
//! # #[cfg(feature = "http")] {
//! use promptfoo_webhooks::{Event, Issue, Verifier};
//!
//! let event = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
//! let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"]).unwrap();
//! let body = event.to_json();
//! let mut headers = http::HeaderMap::new(); // http
//! headers.insert("x-promptfoo-signature", verifier.sign_hex(body.as_bytes()).parse().unwrap());
//! assert_eq!(verifier.verify_headers(body.as_bytes(), &headers).unwrap().secret_index, 0);
//! # }
//! ```
//!
//! For `axum`, see the `axum` module and `examples/axum_receiver.rs`.

#![cfg_attr(docsrs, feature(doc_auto_cfg))]
// No input may panic the library: a panic in a receiver is a crash, and in
// the wasm build (`panic = "abort"`) a trap that poisons the instance.
// Library code therefore never unwraps, indexes or asserts its way out;
// tests are free to.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod error;

pub mod canonical;
pub mod change;
pub mod config;
pub mod contract;
pub mod event;
#[cfg(feature = "generator")]
#[doc(hidden)]
pub mod generator;
mod path;
mod random;
mod schema;
pub mod signature;
pub mod timestamp;
pub mod verify;
mod webhook_id;

#[cfg(feature = "serde")]
mod serde_impls;

#[cfg(feature = "http")]
mod http_headers;

#[cfg(feature = "axum")]
pub mod axum;

pub use change::{issue_change_event, ChangeOptions};
pub use config::{generate_secret, validate_webhook_config, ConfigProblem, WebhookConfig};
pub use error::Error;
pub use event::{Event, Issue, Payload, Severity, Status, EVENT_NAMES};
pub use signature::{sign, Key, SIGNATURE_HEADER};
pub use verify::{parse_event, Verified, Verifier, DEFAULT_MAX_BODY_BYTES};
pub use webhook_id::VerifierMap;
