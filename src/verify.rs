//! The receive pipeline: limits -> signature -> parse -> validate -> window.
//!
//! Cheap checks run first, so a hostile body is never parsed before its
//! signature is known good.
//!
//! ```
//! use promptfoo_webhooks::{signature::sign, verify::Verifier};
//!
//! let secret = "0123456789abcdef0123456789abcdef";
//! let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
//! let header = sign(body, secret)?;
//!
//! let verifier = Verifier::new(&[secret])?.tolerance_seconds(300);
//! let now = promptfoo_webhooks::timestamp::parse_millis("2025-03-14T12:35:00Z").unwrap();
//! let verified = verifier.verify_at(body, Some(&header), now)?;
//! assert_eq!(verified.event.name(), "evaluation.created");
//! assert_eq!(verified.secret_index, 0);
//! # Ok::<(), promptfoo_webhooks::Error>(())
//! ```

use crate::canonical;
use crate::event::Event;
use crate::schema;
use crate::signature::{parse_signature, Key, KeySet};
use crate::timestamp;
use crate::Error;
use std::sync::Arc;

/// The later integration document's example receiver caps bodies at 5 MB.
///
/// ```
/// use promptfoo_webhooks::{Verifier, DEFAULT_MAX_BODY_BYTES};
///
/// assert_eq!(Verifier::new(&["0123456789abcdef0123456789abcdef"])?.body_limit(), DEFAULT_MAX_BODY_BYTES);
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub const DEFAULT_MAX_BODY_BYTES: usize = crate::contract::DEFAULT_MAX_BODY_BYTES;
const MILLIS_PER_SECOND: u64 = 1000;

/// A delivery that passed every check.
///
/// ```
/// use promptfoo_webhooks::{Verified, Verifier};
///
/// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
/// let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
/// let Verified { event, secret_index, .. } = verifier.verify(body, Some(&verifier.sign_hex(body)))?;
/// assert_eq!((event.name(), secret_index), ("evaluation.created", 0));
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Verified<T = Event> {
    /// The payload: the typed [`Event`], or the caller's own type from
    /// [`Verifier::verify_json`].
    pub event: T,
    /// Which secret matched, as its position in the list given.
    pub secret_index: usize,
}

/// Keys prepared once, limits and the replay window: verify many deliveries.
/// A clone is cheap (the prepared keys are shared), so a server can hand
/// one to every request.
///
/// ```
/// use promptfoo_webhooks::{Event, Issue, Key, Verifier};
///
/// let (new, old) = ("new-secret-0123456789abcdef", "old-secret-0123456789abcdef");
/// let verifier = Verifier::new(&[new, old])?.max_body_bytes(1 << 20);
///
/// let body = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_json();
/// let header = Key::new(old)?.sign_hex(body.as_bytes()); // a sender not yet rotated
/// let verified = verifier.verify(body.as_bytes(), Some(&header))?;
/// assert_eq!((verified.event.name(), verified.secret_index), ("issue.created", 1));
///
/// let error = verifier.verify(b"{}", Some(&header)).unwrap_err();
/// assert_eq!(error.code(), "signature_mismatch");
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Verifier {
    keys: Arc<KeySet>,
    max_body_bytes: usize,
    tolerance_seconds: Option<u64>,
}

impl Verifier {
    /// One or more secrets (several during a rotation: any may match).
    ///
    /// ```
    /// use promptfoo_webhooks::Verifier;
    ///
    /// assert!(Verifier::new(&["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"]).is_ok());
    /// assert_eq!(Verifier::new(&["short"]).unwrap_err().code(), "invalid_secret");
    /// ```
    pub fn new<S: AsRef<[u8]>>(secrets: &[S]) -> Result<Self, Error> {
        Ok(Self::with_keys(KeySet::new(secrets)?))
    }

    /// From keys already prepared (e.g. secrets given as text and bytes).
    ///
    /// ```
    /// use promptfoo_webhooks::{Key, Verifier};
    ///
    /// let keys = vec![Key::new("0123456789abcdef0123456789abcdef")?, Key::new(b"0123456789abcdef-bytes".as_slice())?];
    /// let verifier = Verifier::from_keys(keys)?;
    /// assert_eq!(verifier.check_signature(b"body", Some(&verifier.sign_hex(b"body")))?, 0);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn from_keys(keys: Vec<Key>) -> Result<Self, Error> {
        Ok(Self::with_keys(KeySet::from_keys(keys)?))
    }

    fn with_keys(keys: KeySet) -> Self {
        Verifier { keys: Arc::new(keys), max_body_bytes: DEFAULT_MAX_BODY_BYTES, tolerance_seconds: None }
    }

    /// Signs `body` with the first secret: what a sender would put in the header.
    ///
    /// ```
    /// use promptfoo_webhooks::{sign, Verifier};
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
    /// assert_eq!(verifier.sign_hex(b"body"), sign(b"body", "0123456789abcdef0123456789abcdef")?);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn sign_hex(&self, body: &[u8]) -> String {
        self.keys.sign_hex(body)
    }

    /// Bodies larger than this are rejected before any hashing.
    ///
    /// ```
    /// use promptfoo_webhooks::Verifier;
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.max_body_bytes(16);
    /// assert_eq!(verifier.check_body_size(17).unwrap_err().code(), "body_too_large");
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Rejects payloads whose `timestamp` is further than this from now, in
    /// either direction. Off by default: the sender's clock is not ours.
    ///
    /// ```
    /// use promptfoo_webhooks::{timestamp::parse_millis, Verifier};
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.tolerance_seconds(300);
    /// let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
    /// let an_hour_later = parse_millis("2025-03-14T13:34:56Z").unwrap();
    /// let error = verifier.verify_at(body, Some(&verifier.sign_hex(body)), an_hour_later).unwrap_err();
    /// assert_eq!(error.reason(), Some("too_old"));
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn tolerance_seconds(mut self, seconds: u64) -> Self {
        self.tolerance_seconds = Some(seconds);
        self
    }

    /// The configured body limit.
    ///
    /// ```
    /// use promptfoo_webhooks::Verifier;
    ///
    /// assert_eq!(Verifier::new(&["0123456789abcdef0123456789abcdef"])?.max_body_bytes(1024).body_limit(), 1024);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Fails with [`Error::BodyTooLarge`] when `size` exceeds the limit;
    /// adapters call it with a declared or partial length before buffering.
    ///
    /// ```
    /// use promptfoo_webhooks::Verifier;
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.max_body_bytes(1024);
    /// assert!(verifier.check_body_size(1024).is_ok());
    /// assert!(verifier.check_body_size(1025).is_err());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn check_body_size(&self, size: usize) -> Result<(), Error> {
        if size > self.max_body_bytes {
            return Err(Error::BodyTooLarge { limit: self.max_body_bytes, size });
        }
        Ok(())
    }

    /// Checks only the signature; returns the index of the matching secret.
    ///
    /// ```
    /// use promptfoo_webhooks::{sign, Error, Verifier};
    ///
    /// let verifier = Verifier::new(&["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])?;
    /// let header = sign(b"not even JSON", "old-secret-0123456789abcdef")?;
    /// assert_eq!(verifier.check_signature(b"not even JSON", Some(&header))?, 1);
    /// assert_eq!(verifier.check_signature(b"not even JSON", None), Err(Error::MissingSignature));
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn check_signature(&self, body: &[u8], signature: Option<&str>) -> Result<usize, Error> {
        self.check_body_size(body.len())?;
        let signature = parse_signature(signature.ok_or(Error::MissingSignature)?)?;
        self.keys.find_match(body, &signature).ok_or(Error::SignatureMismatch)
    }

    /// The whole pipeline with the clock read from the system.
    ///
    /// ```
    /// use promptfoo_webhooks::Verifier;
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
    /// let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
    /// let verified = verifier.verify(body, Some(&verifier.sign_hex(body)))?;
    /// assert_eq!(verified.event.name(), "evaluation.created");
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<Verified, Error> {
        self.verify_at(body, signature, timestamp::now_millis())
    }

    /// The whole pipeline with an injected clock (Unix milliseconds).
    ///
    /// ```
    /// use promptfoo_webhooks::{timestamp::parse_millis, Verifier};
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.tolerance_seconds(60);
    /// let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
    /// let now = parse_millis("2025-03-14T12:35:00Z").unwrap();
    /// assert!(verifier.verify_at(body, Some(&verifier.sign_hex(body)), now).is_ok());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn verify_at(&self, body: &[u8], signature: Option<&str>, now_millis: i64) -> Result<Verified, Error> {
        let secret_index = self.check_signature(body, signature)?;
        let event = parse_event(body)?;
        self.check_window(&event.timestamp, now_millis)?;
        Ok(Verified { event, secret_index })
    }

    /// The steps after the signature: parse, validate, replay window. For
    /// callers that checked the signature with a native HMAC (Node's
    /// `node:crypto` in the npm package) and must not skip the rest.
    ///
    /// ```
    /// use promptfoo_webhooks::{timestamp::parse_millis, Verifier};
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.tolerance_seconds(60);
    /// let now = parse_millis("2025-03-14T12:35:00Z").unwrap();
    /// assert!(verifier.check_payload(br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#, now).is_ok());
    /// assert_eq!(verifier.check_payload(b"{}", now).unwrap_err().code(), "invalid_payload");
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn check_payload(&self, body: &[u8], now_millis: i64) -> Result<(), Error> {
        let timestamp = validate_event(body)?;
        self.check_window(&timestamp, now_millis)
    }

    /// The prepared keys, for a caller that hashes a body in pieces
    /// ([`KeySet::begin`]).
    #[must_use]
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Whether a replay window is set (the npm package skips reading the
    /// timestamp's text out of JS when none is).
    #[must_use]
    pub fn has_window(&self) -> bool {
        self.tolerance_seconds.is_some()
    }

    /// The replay window alone, for a payload already checked elsewhere
    /// (the npm package checks the object its `JSON.parse` returned): the
    /// payload's `timestamp` against `now_millis`, or `Ok` without a window.
    ///
    /// ```
    /// use promptfoo_webhooks::Verifier;
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.tolerance_seconds(300);
    /// let now_millis = 1_741_955_696_000; // 2025-03-14T12:34:56Z
    /// assert!(verifier.has_window());
    /// assert!(verifier.check_window("2025-03-14T12:33:00Z", now_millis).is_ok());
    /// assert_eq!(verifier.check_window("2025-03-14T12:00:00Z", now_millis).unwrap_err().reason(), Some("too_old"));
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn check_window(&self, timestamp: &str, now_millis: i64) -> Result<(), Error> {
        match self.tolerance_seconds {
            Some(tolerance) => check_window(timestamp, tolerance, now_millis),
            None => Ok(()),
        }
    }
}

/// Parses and validates a body without checking any signature: for tests
/// and trusted replays. Invalid UTF-8 decodes to U+FFFD, as in Node.
///
/// ```
/// use promptfoo_webhooks::parse_event;
///
/// let body = br#"{"event":"issue.archived","timestamp":"2025-03-14T12:34:56Z","data":{}}"#;
/// assert_eq!(parse_event(body)?.name(), "issue.archived"); // unknown names still parse
/// assert_eq!(parse_event(br#"{"event":"issue.created"}"#).unwrap_err().code(), "invalid_payload");
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub fn parse_event(body: &[u8]) -> Result<Event, Error> {
    let value = canonical::parse(&canonical::text_of(body))?;
    Event::from_owned(value)
}

/// Validates a body exactly as [`parse_event`] does, without keeping what
/// the event schema never reads: containers deeper than
/// [`event::SCHEMA_DEPTH`](crate::event::SCHEMA_DEPTH) are checked but not
/// stored, and no typed event is built: callers get `Ok(())` or the same
/// error `parse_event` gives.
///
/// ```
/// use promptfoo_webhooks::verify::validate_payload;
///
/// assert!(validate_payload(br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#).is_ok());
/// assert_eq!(validate_payload(b"not json").unwrap_err().code(), "invalid_json");
/// ```
#[doc(hidden)] // the npm package's
pub fn validate_payload(body: &[u8]) -> Result<(), Error> {
    validate_event(body).map(drop)
}

/// The payload's timestamp once the body is valid JSON of a valid shape.
fn validate_event(body: &[u8]) -> Result<String, Error> {
    let value = canonical::parse_to_depth(&canonical::text_of(body), crate::event::SCHEMA_DEPTH)?;
    schema::check(&value)?;
    Ok(value
        .as_object()
        .and_then(|o| o.get("timestamp"))
        .and_then(canonical::Value::as_str)
        .unwrap_or_default()
        .to_owned())
}

fn check_window(stamp: &str, tolerance_seconds: u64, now_millis: i64) -> Result<(), Error> {
    let sent = timestamp::parse_millis(stamp).ok_or_else(|| Error::InvalidPayload {
        path: "$.timestamp".into(),
        reason: "not an ISO 8601 timestamp".into(),
    })?;
    // Compared in milliseconds: whole seconds would let 300.999 s pass a 300 s window.
    let age_millis = now_millis.saturating_sub(sent);
    if age_millis.unsigned_abs() > tolerance_seconds.saturating_mul(MILLIS_PER_SECOND) {
        return Err(Error::TimestampOutsideWindow { timestamp: stamp.to_owned(), age_millis, tolerance_seconds });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::sign;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const BODY: &str = r#"{"event":"issue.created","timestamp":"2025-03-14T12:34:56Z","data":{"issue":{"id":"i-1","severity":"high"},"eventData":{}}}"#;
    const SENT_AT: i64 = 1_741_955_696_000; // 2025-03-14T12:34:56Z

    fn verifier() -> Verifier {
        Verifier::new(&[SECRET]).unwrap()
    }

    fn code(result: Result<Verified, Error>) -> &'static str {
        result.unwrap_err().code()
    }

    #[test]
    fn accepts_a_signed_delivery() {
        let sig = sign(BODY.as_bytes(), SECRET).unwrap();
        let verified = verifier().verify_at(BODY.as_bytes(), Some(&sig), SENT_AT).unwrap();
        assert_eq!(verified.event.name(), "issue.created");
        assert_eq!(verified.secret_index, 0);
    }

    #[test]
    fn each_failure_has_its_code() {
        let sig = sign(BODY.as_bytes(), SECRET).unwrap();
        let v = verifier();
        assert_eq!(code(v.verify_at(BODY.as_bytes(), None, SENT_AT)), "missing_signature");
        assert_eq!(code(v.verify_at(BODY.as_bytes(), Some("zz"), SENT_AT)), "malformed_signature");
        assert_eq!(code(v.verify_at(b"{}", Some(&sig), SENT_AT)), "signature_mismatch");
        let small = verifier().max_body_bytes(10);
        assert_eq!(code(small.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT)), "body_too_large");
        let not_json = b"not json";
        let sig2 = sign(not_json, SECRET).unwrap();
        assert_eq!(code(v.verify_at(not_json, Some(&sig2), SENT_AT)), "invalid_json");
        let not_payload = br#"{"event":1}"#;
        let sig3 = sign(not_payload, SECRET).unwrap();
        assert_eq!(code(v.verify_at(not_payload, Some(&sig3), SENT_AT)), "invalid_payload");
    }

    #[test]
    fn window_rejects_stale_and_future_payloads() {
        let sig = sign(BODY.as_bytes(), SECRET).unwrap();
        let v = verifier().tolerance_seconds(300);
        assert!(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT + 300_000).is_ok());
        assert!(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT - 300_000).is_ok());
        assert_eq!(code(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT + 301_000)), "timestamp_outside_window");
        assert_eq!(code(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT - 301_000)), "timestamp_outside_window");
        // Exact to the millisecond on both sides: no second of slack.
        assert_eq!(code(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT + 300_001)), "timestamp_outside_window");
        assert_eq!(code(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT - 300_001)), "timestamp_outside_window");
        assert_eq!(code(v.verify_at(BODY.as_bytes(), Some(&sig), SENT_AT + 300_999)), "timestamp_outside_window");
        // Without a window any age passes.
        assert!(verifier().verify_at(BODY.as_bytes(), Some(&sig), 0).is_ok());
    }

    #[test]
    fn body_is_not_parsed_before_the_signature_passes() {
        // Garbage with a wrong signature is a mismatch, not invalid_json.
        let sig = sign(b"other", SECRET).unwrap();
        assert_eq!(code(verifier().verify_at(b"{{{{", Some(&sig), 0)), "signature_mismatch");
    }
}
