//! The one error type. Every failure a caller can meet is a variant with a
//! stable machine-readable [`Error::code`] and a human [`Error::hint`].
//!
//! A code never changes meaning; a new kind of failure gets a new code.
//! No variant ever carries secret material.

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
    MalformedSignature { reason: &'static str },
    /// The signature is well formed but no secret produces it.
    SignatureMismatch,
    /// A secret is empty, blank, too short or otherwise unusable.
    InvalidSecret { reason: &'static str },
    /// The body is larger than the configured limit.
    BodyTooLarge { limit: usize, size: usize },
    /// The body is of a type that cannot be verified.
    UnsupportedBody { reason: String },
    /// The body is not JSON that `JSON.parse` accepts.
    InvalidJson { reason: String, offset: usize },
    /// The body is JSON but not a webhook payload of the documented shape.
    InvalidPayload { path: String, reason: String },
    /// The payload's `timestamp` is outside the configured replay window.
    TimestampOutsideWindow { timestamp: String, age_seconds: i64, tolerance_seconds: u64 },
    /// A parsed body was given where the raw bytes are required.
    ParsedBodyMismatch,
    /// An option passed to the library has the wrong type or value.
    InvalidOptions { option: String, reason: String },
    /// The platform offers no secure random number generator.
    RandomUnavailable,
    /// A delivery that verified was already accepted within the de-duplication TTL.
    DuplicateDelivery,
}

impl Error {
    /// Stable machine-readable code, e.g. `"signature_mismatch"`.
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// assert_eq!(Error::SignatureMismatch.code(), "signature_mismatch");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::MissingSignature => "missing_signature",
            Error::MalformedSignature { .. } => "malformed_signature",
            Error::SignatureMismatch => "signature_mismatch",
            Error::InvalidSecret { .. } => "invalid_secret",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::UnsupportedBody { .. } => "unsupported_body",
            Error::InvalidJson { .. } => "invalid_json",
            Error::InvalidPayload { .. } => "invalid_payload",
            Error::TimestampOutsideWindow { .. } => "timestamp_outside_window",
            Error::ParsedBodyMismatch => "parsed_body_mismatch",
            Error::InvalidOptions { .. } => "invalid_options",
            Error::RandomUnavailable => "random_unavailable",
            Error::DuplicateDelivery => "duplicate_delivery",
        }
    }

    /// What the caller can do about it.
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// assert!(Error::MissingSignature.hint().contains("X-Promptfoo-Signature"));
    /// ```
    pub fn hint(&self) -> &'static str {
        match self {
            Error::MissingSignature => {
                "Read the signature from the X-Promptfoo-Signature request header."
            }
            Error::MalformedSignature { .. } => {
                "X-Promptfoo-Signature must be the 64-character hex HMAC-SHA256 of the body, with no prefix."
            }
            Error::SignatureMismatch => {
                "Check the secret (rotate with several secrets) and verify the raw request body, not a re-serialized one."
            }
            Error::InvalidSecret { .. } => {
                "Use the secret Promptfoo generated when the webhook was created, exactly as shown."
            }
            Error::BodyTooLarge { .. } => "Raise maxBodyBytes if legitimate payloads are this large.",
            Error::UnsupportedBody { .. } => {
                "Pass the raw body as a string, Uint8Array, ArrayBuffer or Buffer."
            }
            Error::InvalidJson { .. } => "The body must be the JSON text Promptfoo sent, unmodified.",
            Error::InvalidPayload { .. } => {
                "The body must be a Promptfoo webhook payload: { event, timestamp, data }."
            }
            Error::TimestampOutsideWindow { .. } => {
                "The delivery is stale or the clocks disagree; widen toleranceSeconds or check the clock."
            }
            Error::ParsedBodyMismatch => {
                "Pass the raw body (e.g. express.raw({ type: 'application/json' })), or set allowParsedBody to verify JSON.stringify of the parsed object."
            }
            Error::InvalidOptions { .. } => "Check the option's documented type and range.",
            Error::RandomUnavailable => {
                "Run where crypto.getRandomValues (or the OS random source) is available."
            }
            Error::DuplicateDelivery => {
                "This exact delivery was already accepted: do not process it again (Promptfoo does not retry, so a repeat is a replay)."
            }
        }
    }

    /// A stable refinement of [`Error::code`], where one exists. Today only
    /// `timestamp_outside_window` has one: `"too_old"` (the timestamp is
    /// further in the past than the window) or `"in_future"` (further ahead).
    ///
    /// ```
    /// use promptfoo_webhooks::Error;
    ///
    /// let stale = Error::TimestampOutsideWindow { timestamp: "t".into(), age_seconds: 600, tolerance_seconds: 300 };
    /// assert_eq!(stale.reason(), Some("too_old"));
    /// assert_eq!(Error::SignatureMismatch.reason(), None);
    /// ```
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Error::TimestampOutsideWindow { age_seconds, .. } if *age_seconds < 0 => Some("in_future"),
            Error::TimestampOutsideWindow { .. } => Some("too_old"),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingSignature => f.write_str("missing X-Promptfoo-Signature"),
            Error::MalformedSignature { reason } => write!(f, "malformed signature: {reason}"),
            Error::SignatureMismatch => f.write_str("signature does not match the body"),
            Error::InvalidSecret { reason } => write!(f, "invalid secret: {reason}"),
            Error::BodyTooLarge { limit, size } => {
                write!(f, "body of {size} bytes exceeds the limit of {limit} bytes")
            }
            Error::UnsupportedBody { reason } => write!(f, "unsupported body: {reason}"),
            Error::InvalidJson { reason, offset } => {
                write!(f, "invalid JSON at byte {offset}: {reason}")
            }
            Error::InvalidPayload { path, reason } => write!(f, "invalid payload at {path}: {reason}"),
            Error::TimestampOutsideWindow { timestamp, age_seconds, tolerance_seconds } => {
                let direction = if *age_seconds < 0 { "in the future" } else { "old" };
                write!(
                    f,
                    "timestamp {timestamp} is {}s {direction}, outside the {tolerance_seconds}s window",
                    age_seconds.unsigned_abs()
                )
            }
            Error::ParsedBodyMismatch => f.write_str("a parsed body was given; the signature covers the raw bytes"),
            Error::InvalidOptions { option, reason } => write!(f, "invalid option {option}: {reason}"),
            Error::RandomUnavailable => f.write_str("no secure random number generator is available"),
            Error::DuplicateDelivery => f.write_str("this delivery was already accepted"),
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
            Error::InvalidSecret { reason: "x" },
            Error::BodyTooLarge { limit: 1, size: 2 },
            Error::UnsupportedBody { reason: "x".into() },
            Error::InvalidJson { reason: "x".into(), offset: 0 },
            Error::InvalidPayload { path: "$".into(), reason: "x".into() },
            Error::TimestampOutsideWindow { timestamp: "t".into(), age_seconds: 1, tolerance_seconds: 0 },
            Error::ParsedBodyMismatch,
            Error::InvalidOptions { option: "o".into(), reason: "x".into() },
            Error::RandomUnavailable,
            Error::DuplicateDelivery,
        ];
        let mut codes: Vec<_> = all.iter().map(Error::code).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|e| !e.hint().is_empty() && !e.to_string().is_empty()));
    }

    #[test]
    fn window_message_says_direction() {
        let future = Error::TimestampOutsideWindow { timestamp: "t".into(), age_seconds: -90, tolerance_seconds: 60 };
        assert!(future.to_string().contains("90s in the future"));
        let old = Error::TimestampOutsideWindow { timestamp: "t".into(), age_seconds: 90, tolerance_seconds: 60 };
        assert!(old.to_string().contains("90s old"));
    }

    #[test]
    fn window_reason_says_direction_and_nothing_else_has_one() {
        let future = Error::TimestampOutsideWindow { timestamp: "t".into(), age_seconds: -90, tolerance_seconds: 60 };
        let old = Error::TimestampOutsideWindow { timestamp: "t".into(), age_seconds: 90, tolerance_seconds: 60 };
        assert_eq!(future.reason(), Some("in_future"));
        assert_eq!(old.reason(), Some("too_old"));
        assert_eq!(future.code(), old.code());
        assert_eq!(Error::SignatureMismatch.reason(), None);
        assert_eq!(Error::DuplicateDelivery.reason(), None);
    }
}
