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
//! Every failure is an [`Error`] with a stable [`Error::code`], the HTTP
//! [`Error::status`] a receiver answers with, and the JSON answer body
//! [`Error::to_json_body`] (the npm package's adapters answer the same), so
//! any HTTP stack can answer a refused delivery:
//!
//! ```
//! use promptfoo_webhooks::Verifier;
//!
//! let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
//! let (status, body) = match verifier.verify(b"{}", None) {
//!     Ok(_) => (200, String::from("{}")),
//!     Err(error) => (error.status(), error.to_json_body()),
//! };
//! assert_eq!((status, body.as_str()), (401, r#"{"error":"missing_signature","message":"missing X-Promptfoo-Signature"}"#));
//! # Ok::<(), promptfoo_webhooks::Error>(())
//! ```
//!
//! Several webhooks at one endpoint, each with its own secrets: a
//! [`VerifierMap`] picks the [`Verifier`] by the `X-Webhook-Id` header.
//!
//! # Features
//!
//! None is on by default.
//!
//! - `serde`: `Serialize` and `Deserialize` for [`Event`] and the types in it.
//! - `http`: `Verifier::verify_headers` reads the signature from an `http::HeaderMap`.
//! - `json` (with `serde`): `Verifier::verify_json::<T>` deserializes a
//!   verified body into your own type with `serde_json`, borrowing from the
//!   body when `T` borrows: three fields cost three fields.
//! - `axum` (with `http` and `json`): the `axum` module's extractors,
//!   `VerifiedEvent` and `VerifiedJson<T>`, over a `Verifier` or a
//!   `VerifierMap` in the router's state, answering refused deliveries themselves.
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
//! # Glob imports
//!
//! With the `axum` feature the crate root holds a module named `axum`, so
//! `use promptfoo_webhooks::*;` beside `use axum::Router;` is ambiguous
//! (E0659). Glob-import the [`prelude`] instead, which holds the types and
//! functions and no module, or write `use ::axum::Router;`.
//!
//! ```
//! use promptfoo_webhooks::prelude::*;
//!
//! let event = Event::issue_created(Issue::new("issue-1"), timestamp_now());
//! assert_eq!(event.name(), "issue.created");
//! ```

// docs.rs marks each item with the features it needs (`doc_cfg` took in
// the former `doc_auto_cfg`).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
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

#[cfg(feature = "json")]
mod json;

#[cfg(feature = "http")]
mod http_headers;

#[cfg(feature = "axum")]
pub mod axum;

/// The crates.io README's examples, run as doctests (they use every feature).
#[cfg(all(doctest, feature = "axum"))]
#[doc = include_str!("../README.crates.md")]
struct CrateReadme;

pub use change::{issue_change_event, ChangeOptions};
pub use config::{generate_secret, validate_webhook_config, ConfigProblem, WebhookConfig};
pub use error::Error;
pub use event::{Event, Issue, IssueUpdated, Payload, Severity, Status, EVENT_NAMES};
pub use signature::{sign, Key, SIGNATURE_HEADER};
#[cfg(not(target_arch = "wasm32"))]
pub use timestamp::timestamp_now;
pub use verify::{parse_event, Verified, Verifier, DEFAULT_MAX_BODY_BYTES};
pub use webhook_id::VerifierMap;

/// The crate's types and functions without its modules, for a glob import
/// that cannot clash with a crate of the same name as a module (`axum`).
pub mod prelude {
    #[cfg(not(target_arch = "wasm32"))]
    pub use crate::timestamp_now;
    pub use crate::{
        generate_secret, issue_change_event, parse_event, sign, validate_webhook_config, ChangeOptions, ConfigProblem,
        Error, Event, Issue, IssueUpdated, Key, Payload, Severity, Status, Verified, Verifier, VerifierMap,
        WebhookConfig, DEFAULT_MAX_BODY_BYTES, EVENT_NAMES, SIGNATURE_HEADER,
    };
}
