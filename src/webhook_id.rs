//! Several webhooks at one endpoint. Promptfoo names the webhook
//! (subscription) a delivery belongs to in the `X-Webhook-Id` header; teams
//! often create one per team or per set of events and point them all at one
//! receiver, each with its own secret. A [`VerifierMap`] holds a
//! [`Verifier`] per id (each with its own secrets, so rotation works per
//! id, and its own limits) and picks one by that header.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::verify::{Verified, Verifier};
use crate::{contract, Error};

/// A [`Verifier`] per webhook id, chosen by the delivery's `X-Webhook-Id`.
/// A clone is cheap: the entries are shared.
///
/// - a known id: that webhook's verifier;
/// - an id not registered: [`Error::UnknownWebhook`] (a 401, like a wrong
///   signature: nothing was verified);
/// - no header: the fallback verifier, if one was given, else
///   [`Error::UnknownWebhook`].
///
/// ```
/// use promptfoo_webhooks::{Event, Issue, Key, Verifier, VerifierMap};
///
/// let map = VerifierMap::new()
///     .insert("wh_siem", Verifier::new(&["siem-secret-0123456789abcdef"])?)
///     .insert("wh_jira", Verifier::new(&["jira-new-0123456789abcdef", "jira-old-0123456789abcdef"])?);
///
/// let body = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_json();
/// let header = Key::new("jira-old-0123456789abcdef")?.sign_hex(body.as_bytes());
/// let verified = map.verify(Some("wh_jira"), body.as_bytes(), Some(&header))?;
/// assert_eq!(verified.secret_index, 1);
///
/// assert_eq!(map.verify(Some("wh_other"), body.as_bytes(), Some(&header)).unwrap_err().code(), "unknown_webhook");
/// assert_eq!(map.verify(Some("wh_siem"), body.as_bytes(), Some(&header)).unwrap_err().code(), "signature_mismatch");
/// assert_eq!(map.verify(None, body.as_bytes(), Some(&header)).unwrap_err().code(), "unknown_webhook");
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct VerifierMap {
    // Shared, so a clone per request (a server's state) copies no entry.
    by_id: Arc<BTreeMap<String, Verifier>>,
    fallback: Option<Verifier>,
}

impl VerifierMap {
    /// An empty map: every delivery is [`Error::UnknownWebhook`] until ids are inserted.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers webhook `id` (replacing an earlier verifier for it).
    #[must_use]
    pub fn insert(mut self, id: impl Into<String>, verifier: Verifier) -> Self {
        Arc::make_mut(&mut self.by_id).insert(id.into(), verifier);
        self
    }

    /// The verifier for deliveries without an `X-Webhook-Id` header.
    ///
    /// ```
    /// use promptfoo_webhooks::{Verifier, VerifierMap};
    ///
    /// let map = VerifierMap::new().fallback(Verifier::new(&["shared-secret-0123456789abcdef"])?);
    /// assert!(map.verifier_for(None).is_ok());
    /// assert_eq!(map.verifier_for(Some("wh_1")).unwrap_err().code(), "unknown_webhook");
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn fallback(mut self, verifier: Verifier) -> Self {
        self.fallback = Some(verifier);
        self
    }

    /// The verifier for a delivery's `X-Webhook-Id` (`None`: no header),
    /// read by the contract's rule ([`contract::WEBHOOK_ID_RULE`]): the
    /// blanks around it are ignored, and a blank one is no header.
    ///
    /// ```
    /// use promptfoo_webhooks::{Verifier, VerifierMap};
    ///
    /// let map = VerifierMap::new().insert("wh_1", Verifier::new(&["secret-0123456789abcdef"])?);
    /// assert!(map.verifier_for(Some(" wh_1\t")).is_ok());
    /// assert_eq!(map.verifier_for(Some("")).unwrap_err().code(), "unknown_webhook"); // no fallback
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn verifier_for(&self, webhook_id: Option<&str>) -> Result<&Verifier, Error> {
        match webhook_id.and_then(|value| contract::read_header(&contract::WEBHOOK_ID_RULE, value)) {
            Some(id) => self.by_id.get(id).ok_or_else(|| Error::UnknownWebhook { id: Some(id.to_owned()) }),
            None => self.fallback.as_ref().ok_or(Error::UnknownWebhook { id: None }),
        }
    }

    /// The whole pipeline with the verifier the id picks (system clock).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn verify(&self, webhook_id: Option<&str>, body: &[u8], signature: Option<&str>) -> Result<Verified, Error> {
        self.verifier_for(webhook_id)?.verify(body, signature)
    }

    /// The whole pipeline with the verifier the id picks and an injected clock.
    pub fn verify_at(
        &self,
        webhook_id: Option<&str>,
        body: &[u8],
        signature: Option<&str>,
        now_millis: i64,
    ) -> Result<Verified, Error> {
        self.verifier_for(webhook_id)?.verify_at(body, signature, now_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::Key;

    const BODY: &[u8] =
        br#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#;
    const NOW: i64 = 1_741_955_696_000;

    fn signed(secret: &str) -> String {
        Key::new(secret).unwrap().sign_hex(BODY)
    }

    #[test]
    fn each_id_verifies_with_its_own_secrets_and_only_those() {
        let map = VerifierMap::new()
            .insert("a", Verifier::new(&["secret-a-0123456789abcdef"]).unwrap())
            .insert("b", Verifier::new(&["secret-b-new-0123456789ab", "secret-b-old-0123456789ab"]).unwrap());
        assert_eq!(
            map.verify_at(Some("a"), BODY, Some(&signed("secret-a-0123456789abcdef")), NOW).unwrap().secret_index,
            0
        );
        assert_eq!(
            map.verify_at(Some("b"), BODY, Some(&signed("secret-b-old-0123456789ab")), NOW).unwrap().secret_index,
            1
        );
        let crossed = map.verify_at(Some("a"), BODY, Some(&signed("secret-b-new-0123456789ab")), NOW).unwrap_err();
        assert_eq!(crossed, Error::SignatureMismatch);
    }

    #[test]
    fn an_unknown_id_or_no_header_without_fallback_is_unknown_webhook() {
        let map = VerifierMap::new().insert("a", Verifier::new(&["secret-a-0123456789abcdef"]).unwrap());
        let error = map.verify_at(Some("x\"\n"), BODY, Some(&signed("secret-a-0123456789abcdef")), NOW).unwrap_err();
        assert_eq!(error.code(), "unknown_webhook");
        assert_eq!(error.to_string(), r#"no secret for this webhook: X-Webhook-Id "x"?""#);
        let long = "i".repeat(500);
        assert!(map.verifier_for(Some(&long)).unwrap_err().to_string().len() < 120);
        assert_eq!(map.verifier_for(None).unwrap_err(), Error::UnknownWebhook { id: None });
    }

    #[test]
    fn a_clone_shares_the_entries_and_the_keys() {
        let map = VerifierMap::new().insert("a", Verifier::new(&["secret-a-0123456789abcdef"]).unwrap());
        let clone = map.clone();
        assert!(Arc::ptr_eq(&map.by_id, &clone.by_id));
        let (original, cloned) = (map.verifier_for(Some("a")).unwrap(), clone.verifier_for(Some("a")).unwrap());
        assert!(std::ptr::eq(original.keys(), cloned.keys()));
        assert!(std::ptr::eq(original.keys(), original.clone().keys()), "a Verifier's clone shares its keys too");
    }

    #[test]
    fn without_the_header_the_fallback_verifies() {
        let map = VerifierMap::new()
            .insert("a", Verifier::new(&["secret-a-0123456789abcdef"]).unwrap())
            .fallback(Verifier::new(&["shared-0123456789abcdef"]).unwrap());
        assert!(map.verify_at(None, BODY, Some(&signed("shared-0123456789abcdef")), NOW).is_ok());
        assert_eq!(
            map.verify_at(Some("b"), BODY, Some(&signed("shared-0123456789abcdef")), NOW).unwrap_err().code(),
            "unknown_webhook"
        );
    }
}
