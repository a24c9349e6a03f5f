//! Header values from the `http` crate (the `http` feature): what hyper,
//! axum, actix's `http` types and most Rust HTTP stacks hand a receiver.
//!
//! ```
//! use http::HeaderMap;
//! use promptfoo_webhooks::{Event, Issue, Verifier};
//!
//! let verifier = Verifier::new(&["0123456789abcdef0123456789abcdef"])?;
//! let body = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_json();
//! let mut headers = HeaderMap::new();
//! headers.insert("x-promptfoo-signature", verifier.sign_hex(body.as_bytes()).parse().unwrap());
//! assert_eq!(verifier.verify_headers(body.as_bytes(), &headers)?.event.name(), "issue.created");
//! assert_eq!(verifier.verify_headers(body.as_bytes(), &HeaderMap::new()).unwrap_err().code(), "missing_signature");
//! # Ok::<(), promptfoo_webhooks::Error>(())
//! ```

use http::HeaderMap;

use crate::contract::{HeaderRule, SIGNATURE_RULE, WEBHOOK_ID_RULE};
use crate::verify::{Verified, Verifier};
use crate::{Error, VerifierMap};

/// Why a header names nothing.
#[derive(Debug, PartialEq)]
enum Unreadable {
    /// Sent more than once: the rule's `repeated` code.
    Repeated,
    /// Not visible ASCII (no signature or id ever is).
    NotAscii,
}

/// The one value of the header `rule` reads: `None` when absent.
fn single_header<'a>(headers: &'a HeaderMap, rule: &HeaderRule) -> Result<Option<&'a str>, Unreadable> {
    let mut values = headers.get_all(rule.name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(Unreadable::Repeated);
    }
    first.to_str().map(Some).map_err(|_| Unreadable::NotAscii)
}

/// The `X-Promptfoo-Signature` value, as [`Verifier::verify`] takes it.
pub(crate) fn signature_header(headers: &HeaderMap) -> Result<Option<&str>, Error> {
    single_header(headers, &SIGNATURE_RULE).map_err(|why| Error::MalformedSignature {
        reason: match why {
            Unreadable::Repeated => "several X-Promptfoo-Signature headers",
            Unreadable::NotAscii => "the header is not visible ASCII",
        },
    })
}

/// The `X-Webhook-Id` value: a repeated or unreadable one names no webhook.
pub(crate) fn webhook_id_header(headers: &HeaderMap) -> Result<Option<&str>, Error> {
    single_header(headers, &WEBHOOK_ID_RULE).map_err(|_| Error::UnknownWebhook { id: None })
}

impl Verifier {
    /// [`Verifier::verify`] with the signature read from `headers`: a
    /// missing header is [`Error::MissingSignature`]; a repeated or
    /// non-ASCII one is [`Error::MalformedSignature`].
    #[cfg(not(target_arch = "wasm32"))]
    pub fn verify_headers(&self, body: &[u8], headers: &HeaderMap) -> Result<Verified, Error> {
        self.verify(body, signature_header(headers)?)
    }
}

impl VerifierMap {
    /// [`VerifierMap::verify`] with the webhook id and the signature read from `headers`.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use promptfoo_webhooks::{Event, Issue, Verifier, VerifierMap};
    ///
    /// let siem = Verifier::new(&["siem-secret-0123456789abcdef"])?;
    /// let body = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_json();
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-promptfoo-signature", siem.sign_hex(body.as_bytes()).parse().unwrap());
    /// headers.insert("x-webhook-id", "wh_siem".parse().unwrap());
    /// let map = VerifierMap::new().insert("wh_siem", siem);
    /// assert_eq!(map.verify_headers(body.as_bytes(), &headers)?.secret_index, 0);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    pub fn verify_headers(&self, body: &[u8], headers: &HeaderMap) -> Result<Verified, Error> {
        self.verifier_for(webhook_id_header(headers)?)?.verify(body, signature_header(headers)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn repeated_or_unreadable_headers_are_malformed_not_guessed() {
        let mut headers = HeaderMap::new();
        headers.append("x-promptfoo-signature", HeaderValue::from_static("ab"));
        headers.append("x-promptfoo-signature", HeaderValue::from_static("cd"));
        assert_eq!(signature_header(&headers).unwrap_err().code(), "malformed_signature");
        let mut headers = HeaderMap::new();
        headers.insert("x-promptfoo-signature", HeaderValue::from_bytes(b"\xe2\x9c\x93".as_slice()).unwrap());
        assert_eq!(signature_header(&headers).unwrap_err().code(), "malformed_signature");
        assert_eq!(signature_header(&HeaderMap::new()), Ok(None));
        let mut headers = HeaderMap::new();
        headers.append("x-webhook-id", HeaderValue::from_static("a"));
        headers.append("x-webhook-id", HeaderValue::from_static("b"));
        assert_eq!(webhook_id_header(&headers).unwrap_err().code(), "unknown_webhook");
    }

    #[test]
    fn a_repeated_header_is_the_error_its_contract_rule_names() {
        for (rule, read) in [
            (&SIGNATURE_RULE, signature_header as fn(&HeaderMap) -> Result<Option<&str>, Error>),
            (&WEBHOOK_ID_RULE, webhook_id_header),
        ] {
            let mut headers = HeaderMap::new();
            headers.append(rule.name, HeaderValue::from_static("a"));
            headers.append(rule.name, HeaderValue::from_static("a"));
            assert_eq!(read(&headers).unwrap_err().code(), rule.repeated, "{}", rule.name);
        }
    }
}
