//! The one error type. Every failure a caller can meet is a variant with a
//! stable machine-readable [`Error::code`] and a human [`Error::hint`].
//!
//! A code never changes meaning; a new kind of failure gets a new code.
//! No variant ever carries secret material.

use crate::contract::{self, ErrorSpec};
use std::fmt;

/// Everything that can go wrong while receiving, building or signing a webhook.
///
/// ```
/// use promptfoo_webhooks::{Error, Verifier};
///
/// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
/// let err = verifier.verify(b"{}", None).unwrap_err();
/// assert_eq!(err, Error::MissingSignature);
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No `X-Promptfoo-Signature` value was given.
    MissingSignature,
    /// The signature is not 64 hexadecimal characters.
    MalformedSignature {
        /// What is wrong with it, e.g. `"several X-Promptfoo-Signature headers"`.
        reason: &'static str,
    },
    /// The signature is well formed but no secret produces it.
    SignatureMismatch,
    /// No secrets are registered for the delivery's `X-Webhook-Id` (`id`),
    /// or it has none (`None`) and there is no fallback.
    UnknownWebhook {
        /// The id as sent, without the blanks around it.
        id: Option<String>,
    },
    /// A secret is empty, blank, too short or otherwise unusable.
    InvalidSecret {
        /// What is wrong with it (never the secret itself).
        reason: &'static str,
    },
    /// The body is larger than the configured limit.
    BodyTooLarge {
        /// The configured limit, in bytes.
        limit: usize,
        /// The size seen: declared, or read so far when the reading stopped.
        size: usize,
    },
    /// The body is not JSON that `JSON.parse` accepts.
    InvalidJson {
        /// What the parser found.
        reason: String,
        /// The byte offset in the body where it found it.
        offset: usize,
    },
    /// The body is JSON but not a webhook payload of the documented shape.
    InvalidPayload {
        /// The JSON path of the offending member, e.g. `$.data.issue.id`.
        path: String,
        /// What is wrong with it, e.g. `expected string, got number`.
        reason: String,
    },
    /// The payload's `timestamp` is further than the replay window from
    /// now: `age_millis` is now minus the timestamp (negative: in the future).
    TimestampOutsideWindow {
        /// The payload's `timestamp`, as sent.
        timestamp: String,
        /// Now minus the timestamp, in milliseconds.
        age_millis: i64,
        /// The window, in seconds either side of now.
        tolerance_seconds: u64,
    },
    /// The platform offers no secure random number generator.
    RandomUnavailable,
}

impl Error {
    /// Stable machine-readable code, e.g. `"signature_mismatch"`.
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// assert_eq!(Error::SignatureMismatch.code(), "signature_mismatch");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.spec().code
    }

    /// What the caller can do about it (the contract's hint for Rust callers).
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// assert!(Error::MissingSignature.hint().contains("X-Promptfoo-Signature"));
    /// ```
    #[cfg(not(all(target_arch = "wasm32", feature = "npm-wasm")))]
    #[must_use]
    pub fn hint(&self) -> &'static str {
        self.spec().rust_hint
    }

    /// The HTTP status a receiver answers with, from the contract: 401 for
    /// signature problems and unknown webhooks, 413 for a body over the
    /// limit, 400 for bad JSON, payload or timestamp, 500 for what the
    /// receiver's own setup got wrong.
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// assert_eq!(Error::SignatureMismatch.status(), 401);
    /// assert_eq!(Error::BodyTooLarge { limit: 1, size: 2 }.status(), 413);
    /// ```
    #[must_use]
    pub fn status(&self) -> u16 {
        self.spec().status
    }

    /// The JSON body a receiver answers with, `{"error":code,"message":text}`:
    /// the npm package's adapters and the `axum` extractor answer the same.
    /// For any HTTP stack: answer [`Error::status`] with this body and
    /// `Content-Type: application/json`.
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// assert_eq!(
    ///     Error::MissingSignature.to_json_body(),
    ///     r#"{"error":"missing_signature","message":"missing X-Promptfoo-Signature"}"#
    /// );
    /// ```
    #[must_use]
    pub fn to_json_body(&self) -> String {
        contract::error_body(self.code(), &self.to_string())
    }

    /// The contract's entry for this error's code. Looked up when the crate
    /// is compiled (a code missing from the contract fails the build), so
    /// only the entries of these variants are linked in.
    fn spec(&self) -> ErrorSpec {
        match self {
            Error::MissingSignature => const { contract::error_spec_of("missing_signature") },
            Error::MalformedSignature { .. } => const { contract::error_spec_of("malformed_signature") },
            Error::SignatureMismatch => const { contract::error_spec_of("signature_mismatch") },
            Error::UnknownWebhook { .. } => const { contract::error_spec_of("unknown_webhook") },
            Error::InvalidSecret { .. } => const { contract::error_spec_of("invalid_secret") },
            Error::BodyTooLarge { .. } => const { contract::error_spec_of("body_too_large") },
            Error::InvalidJson { .. } => const { contract::error_spec_of("invalid_json") },
            Error::InvalidPayload { .. } => const { contract::error_spec_of("invalid_payload") },
            Error::TimestampOutsideWindow { .. } => const { contract::error_spec_of("timestamp_outside_window") },
            Error::RandomUnavailable => const { contract::error_spec_of("random_unavailable") },
        }
    }

    /// The contract's one-line meaning of the code: the message, before any detail.
    fn meaning(&self) -> &'static str {
        self.spec().meaning
    }

    /// A stable refinement of [`Error::code`], where one exists. Today only
    /// `timestamp_outside_window` has one: `"too_old"` (the timestamp is
    /// further in the past than the window) or `"in_future"` (further ahead).
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// let stale = Error::TimestampOutsideWindow { timestamp: "t".into(), age_millis: 600_000, tolerance_seconds: 300 };
    /// assert_eq!(stale.reason(), Some("too_old"));
    /// assert_eq!(Error::SignatureMismatch.reason(), None);
    /// ```
    #[must_use]
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Error::TimestampOutsideWindow { age_millis, .. } if *age_millis < 0 => Some("in_future"),
            Error::TimestampOutsideWindow { .. } => Some("too_old"),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingSignature => f.write_str(self.meaning()),
            Error::MalformedSignature { reason } => write!(f, "{}: {reason}", self.meaning()),
            Error::SignatureMismatch => f.write_str(self.meaning()),
            Error::UnknownWebhook { id: Some(id) } => {
                // The id is the sender's text: shown cut short, anything but
                // printable ASCII as '?' (Debug's escaping would link Unicode
                // tables into the wasm core).
                let shown: String =
                    id.chars().take(64).map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' }).collect();
                write!(f, "{}: X-Webhook-Id \"{shown}\"", self.meaning())
            }
            Error::UnknownWebhook { id: None } => {
                write!(f, "{}: no X-Webhook-Id header, and no fallback secrets", self.meaning())
            }
            Error::InvalidSecret { reason } => write!(f, "{}: {reason}", self.meaning()),
            Error::BodyTooLarge { limit, size } => {
                write!(f, "body of {size} bytes exceeds the limit of {limit} bytes")
            }
            Error::InvalidJson { reason, offset } => {
                write!(f, "invalid JSON at byte {offset}: {reason}")
            }
            // pkg/src/core/wasm.js words the JS check's problems the same way.
            Error::InvalidPayload { path, reason } => write!(f, "{} at {path}: {reason}", self.meaning()),
            Error::TimestampOutsideWindow { timestamp, age_millis, tolerance_seconds } => {
                let direction = if *age_millis < 0 { "in the future" } else { "old" };
                let millis = age_millis.unsigned_abs();
                let (seconds, fraction) = (millis / 1000, millis % 1000);
                match fraction {
                    0 => write!(f, "timestamp {timestamp} is {seconds}s {direction}"),
                    _ => write!(f, "timestamp {timestamp} is {seconds}.{fraction:03}s {direction}"),
                }?;
                write!(f, ", outside the {tolerance_seconds}s window")
            }
            Error::RandomUnavailable => f.write_str(self.meaning()),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_snake_case() {
        let all = [
            Error::MissingSignature,
            Error::MalformedSignature { reason: "x" },
            Error::SignatureMismatch,
            Error::UnknownWebhook { id: None },
            Error::InvalidSecret { reason: "x" },
            Error::BodyTooLarge { limit: 1, size: 2 },
            Error::InvalidJson { reason: "x".into(), offset: 0 },
            Error::InvalidPayload { path: "$".into(), reason: "x".into() },
            Error::TimestampOutsideWindow { timestamp: "t".into(), age_millis: 1, tolerance_seconds: 0 },
            Error::RandomUnavailable,
        ];
        let mut codes: Vec<_> = all.iter().map(Error::code).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|e| !e.hint().is_empty() && !e.to_string().is_empty()));
        // Every variant is a code of the contract that Rust can meet.
        for error in &all {
            let spec = crate::contract::error_spec(error.code()).unwrap();
            assert_eq!(spec.scope, crate::contract::Scope::Core, "{}", error.code());
        }
        let core_codes =
            crate::contract::ERRORS.iter().filter(|spec| spec.scope == crate::contract::Scope::Core).count();
        assert_eq!(core_codes, all.len(), "a Core code of the contract has no variant");
    }

    #[test]
    fn window_message_says_direction() {
        let future =
            Error::TimestampOutsideWindow { timestamp: "t".into(), age_millis: -90_000, tolerance_seconds: 60 };
        assert!(future.to_string().contains("90s in the future"));
        let old = Error::TimestampOutsideWindow { timestamp: "t".into(), age_millis: 90_500, tolerance_seconds: 60 };
        assert!(old.to_string().contains("90.500s old"));
    }

    #[test]
    fn window_reason_says_direction_and_nothing_else_has_one() {
        let future =
            Error::TimestampOutsideWindow { timestamp: "t".into(), age_millis: -90_000, tolerance_seconds: 60 };
        let old = Error::TimestampOutsideWindow { timestamp: "t".into(), age_millis: 90_500, tolerance_seconds: 60 };
        assert_eq!(future.reason(), Some("in_future"));
        assert_eq!(old.reason(), Some("too_old"));
        assert_eq!(future.code(), old.code());
        assert_eq!(Error::SignatureMismatch.reason(), None);
        assert_eq!(Error::RandomUnavailable.reason(), None);
    }
}
