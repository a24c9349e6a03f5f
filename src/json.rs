//! Verified deliveries into the caller's own type (the `json` feature):
//! [`Verifier::verify_json`] checks the signature, then hands the body to
//! `serde_json`, so a receiver that needs three fields deserializes three
//! fields, borrowed from the body when its type borrows.
//!
//! The event schema is not checked: the caller's type is the check. The
//! replay window, when one is set, still reads the payload's `timestamp`.
//!
//! ```
//! use promptfoo_webhooks::{Event, Issue, Severity, Verifier};
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Delivery<'a> {
//!     event: &'a str,
//!     #[serde(borrow)]
//!     data: Data<'a>,
//! }
//! #[derive(Deserialize)]
//! struct Data<'a> {
//!     #[serde(borrow)]
//!     issue: IssueFields<'a>,
//! }
//! #[derive(Deserialize)]
//! struct IssueFields<'a> {
//!     id: &'a str,
//!     severity: Option<&'a str>,
//! }
//!
//! let mut issue = Issue::new("issue-1");
//! issue.severity = Some(Severity::High);
//! let body = Event::issue_created(issue, "2025-03-14T12:34:56Z").to_json();
//! let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
//! let signature = verifier.sign_hex(body.as_bytes());
//!
//! let delivery = verifier.verify_json::<Delivery>(body.as_bytes(), Some(&signature))?.event;
//! assert_eq!((delivery.event, delivery.data.issue.id, delivery.data.issue.severity), ("issue.created", "issue-1", Some("high")));
//! # Ok::<(), promptfoo_webhooks::Error>(())
//! ```
//!
//! `serde_json` is stricter than `JSON.parse` in two places, both refused
//! as `invalid_json`: a string that is not UTF-8 (Node decodes it to
//! U+FFFD), and a lone surrogate escape (`"\ud800"`) into a `&str`.

use serde::de::{self, Deserialize, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

use crate::verify::{Verified, Verifier};
use crate::Error;

impl Verifier {
    /// The signature, then the body deserialized into `T` with
    /// `serde_json`, then the replay window (system clock). A body that is
    /// not JSON is [`Error::InvalidJson`]; JSON that `T` refuses is
    /// [`Error::InvalidPayload`] at `$` with `serde_json`'s reason.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`], except that the event schema is not checked.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn verify_json<'body, T: Deserialize<'body>>(
        &self,
        body: &'body [u8],
        signature: Option<&str>,
    ) -> Result<Verified<T>, Error> {
        self.verify_json_at(body, signature, crate::timestamp::now_millis())
    }

    /// [`Verifier::verify_json`] with an injected clock (Unix milliseconds).
    ///
    /// ```
    /// use promptfoo_webhooks::{timestamp::parse_millis, Verifier};
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Stamped {
    ///     timestamp: String,
    /// }
    ///
    /// let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?.tolerance_seconds(60);
    /// let body = br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
    /// let signature = verifier.sign_hex(body);
    /// let now = parse_millis("2025-03-14T12:35:00Z").unwrap();
    /// assert_eq!(verifier.verify_json_at::<Stamped>(body, Some(&signature), now)?.event.timestamp, "2025-03-14T12:34:56Z");
    /// let an_hour_later = now + 3_600_000;
    /// let stale = verifier.verify_json_at::<Stamped>(body, Some(&signature), an_hour_later).unwrap_err();
    /// assert_eq!(stale.code(), "timestamp_outside_window");
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify_at`], except that the event schema is not checked.
    pub fn verify_json_at<'body, T: Deserialize<'body>>(
        &self,
        body: &'body [u8],
        signature: Option<&str>,
        now_millis: i64,
    ) -> Result<Verified<T>, Error> {
        let secret_index = self.check_signature(body, signature)?;
        let event = serde_json::from_slice::<T>(body).map_err(|error| json_error(body, &error))?;
        if self.has_window() {
            // A second, shallow read: `T` may not keep the timestamp.
            let Stamp(timestamp) = serde_json::from_slice(body).map_err(|error| match json_error(body, &error) {
                Error::InvalidPayload { reason, .. } => Error::InvalidPayload { path: "$.timestamp".into(), reason },
                other => other,
            })?;
            let timestamp = timestamp.ok_or_else(|| Error::InvalidPayload {
                path: "$.timestamp".into(),
                reason: "required field is missing".into(),
            })?;
            self.check_window(&timestamp, now_millis)?;
        }
        Ok(Verified { event, secret_index })
    }
}

/// A `serde_json` error as the crate's: syntax is [`Error::InvalidJson`]
/// at its byte offset, a value `T` refuses is [`Error::InvalidPayload`].
fn json_error(body: &[u8], error: &serde_json::Error) -> Error {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let reason = text.strip_suffix(&position).unwrap_or(&text).to_owned();
    match error.classify() {
        serde_json::error::Category::Data => Error::InvalidPayload { path: "$".into(), reason },
        _ => Error::InvalidJson { reason, offset: byte_offset(body, error.line(), error.column()) },
    }
}

/// `serde_json`'s 1-based line and byte column as an offset into `body`.
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body.split(|&byte| byte == b'\n').take(line.saturating_sub(1)).map(|l| l.len() + 1).sum();
    line_start.saturating_add(column.saturating_sub(1)).min(body.len())
}

/// The payload's `timestamp` (`None` when absent), every other member skipped.
struct Stamp<'body>(Option<Cow<'body, str>>);

impl<'de> Deserialize<'de> for Stamp<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(StampVisitor)
    }
}

struct StampVisitor;

impl<'de> Visitor<'de> for StampVisitor {
    type Value = Stamp<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a webhook payload object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stamp<'de>, A::Error> {
        let mut timestamp = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "timestamp" {
                // JSON.parse keeps the last of repeated members.
                timestamp = Some(map.next_value::<Cow<'de, str>>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Stamp(timestamp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_741_955_696_000; // 2025-03-14T12:34:56Z

    #[derive(Debug, Deserialize)]
    struct Job<'a> {
        #[serde(borrow)]
        data: JobData<'a>,
    }
    #[derive(Debug, Deserialize)]
    struct JobData<'a> {
        #[serde(rename = "jobId")]
        job_id: &'a str,
    }

    fn verify<'b>(verifier: &Verifier, body: &'b [u8]) -> Result<Verified<Job<'b>>, Error> {
        verifier.verify_json_at::<Job>(body, Some(&verifier.sign_hex(body)), NOW)
    }

    #[test]
    fn the_signature_is_checked_before_the_body_is_read() {
        let verifier = Verifier::new(&[SECRET]).unwrap();
        let error = verifier.verify_json_at::<Job>(b"{{{", Some(&"0".repeat(64)), NOW).unwrap_err();
        assert_eq!(error, Error::SignatureMismatch);
        let error = verifier.verify_json_at::<Job>(b"{}", None, NOW).unwrap_err();
        assert_eq!(error, Error::MissingSignature);
    }

    #[test]
    fn syntax_is_invalid_json_at_its_offset_and_a_refused_shape_is_invalid_payload() {
        let verifier = Verifier::new(&[SECRET]).unwrap();
        let body = b"{\"data\":\n  {\"jobId\": nope}}";
        let error = verify(&verifier, body).unwrap_err();
        let Error::InvalidJson { offset, reason } = &error else { panic!("{error:?}") };
        // The offset of the "o" of "nope", on the second line; the reason without serde_json's line and column.
        assert_eq!((*offset, body[*offset], reason.as_str()), (22, b'o', "expected ident"));
        let error = verify(&verifier, br#"{"data":{}}"#).unwrap_err();
        assert_eq!(error, Error::InvalidPayload { path: "$".into(), reason: "missing field `jobId`".into() });
    }

    #[test]
    fn the_window_reads_the_timestamp_only_when_set() {
        let body = br#"{"event":"evaluation.created","data":{"jobId":"job-1"}}"#;
        let open = Verifier::new(&[SECRET]).unwrap();
        assert_eq!(verify(&open, body).unwrap().event.data.job_id, "job-1");
        let windowed = Verifier::new(&[SECRET]).unwrap().tolerance_seconds(60);
        assert_eq!(
            verify(&windowed, body).unwrap_err().to_string(),
            "invalid payload at $.timestamp: required field is missing"
        );
        let stale =
            br#"{"timestamp":"2025-03-14T11:00:00Z","data":{"jobId":"job-1"},"timestamp":"2025-03-14T12:34:00Z"}"#;
        assert_eq!(verify(&windowed, stale).unwrap().secret_index, 0, "the last timestamp counts, as in JSON.parse");
        let stale = br#"{"timestamp":"2025-03-14T11:00:00Z","data":{"jobId":"job-1"}}"#;
        assert_eq!(verify(&windowed, stale).unwrap_err().reason(), Some("too_old"));
    }
}
