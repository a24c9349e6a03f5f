//! `X-Promptfoo-Signature`: bare lower-case hex HMAC-SHA256 of the body.
//!
//! A [`Key`] validates its secret once and keeps the HMAC state keyed, so
//! each verification only hashes the body. Comparison is constant time.
//!
//! ```
//! use promptfoo_webhooks::signature::{sign, Key};
//!
//! let secret = "whsec-test-0123456789abcdef";
//! let body = br#"{"event":"issue.created"}"#;
//! let signature = sign(body, secret)?;
//! assert_eq!(signature.len(), 64);
//!
//! let key = Key::new(secret)?;
//! assert!(key.matches(body, &signature)?);
//! assert!(!key.matches(b"tampered", &signature)?);
//! # Ok::<(), promptfoo_webhooks::Error>(())
//! ```

use crate::{contract, Error};
use std::fmt;

/// The request header that carries the signature.
///
/// ```
/// assert_eq!(promptfoo_webhooks::SIGNATURE_HEADER, "X-Promptfoo-Signature");
/// ```
pub const SIGNATURE_HEADER: &str = contract::SIGNATURE_HEADER;
/// A SHA-256 digest is 32 bytes, 64 hex characters.
///
/// ```
/// use promptfoo_webhooks::signature::SIGNATURE_BYTES;
///
/// assert_eq!(SIGNATURE_BYTES * 2, 64);
/// ```
pub const SIGNATURE_BYTES: usize = contract::SIGNATURE_HEX_DIGITS / 2;
/// Shorter secrets are almost certainly a placeholder or a truncated copy.
///
/// ```
/// use promptfoo_webhooks::{signature::MIN_SECRET_BYTES, Key};
///
/// assert!(Key::new("x".repeat(MIN_SECRET_BYTES)).is_ok());
/// assert!(Key::new("x".repeat(MIN_SECRET_BYTES - 1)).is_err());
/// ```
pub const MIN_SECRET_BYTES: usize = contract::MIN_SECRET_BYTES;

/// A raw signature, decoded from its hex header value.
///
/// ```
/// use promptfoo_webhooks::signature::{parse_signature, Signature};
///
/// let signature: Signature = parse_signature(&"ab".repeat(32))?;
/// assert_eq!(signature, [0xab; 32]);
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub type Signature = [u8; SIGNATURE_BYTES];

/// A validated secret with its HMAC state prepared once.
///
/// ```
/// use promptfoo_webhooks::{sign, Key};
///
/// let key = Key::new("0123456789abcdef0123456789abcdef")?; // once, at start-up
/// let header = key.sign_hex(b"body");
/// assert_eq!(header, sign(b"body", "0123456789abcdef0123456789abcdef")?);
/// assert!(key.matches(b"body", &header.to_uppercase())?);
/// assert!(!key.matches(b"other body", &header)?);
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Clone)]
pub struct Key {
    mac: Mac,
}

/// The keyed HMAC-SHA256 state a [`Key`] clones per message: `RustCrypto`'s
/// audited `hmac` + `sha2` on every target (SHA-NI natively where the CPU
/// has it; their portable code in WebAssembly, which has no SHA
/// instructions).
#[derive(Clone)]
struct Mac {
    state: hmac::Hmac<sha2::Sha256>,
}

impl Mac {
    /// `None` never happens (HMAC takes keys of any length), but the
    /// `hmac` crate's constructor is fallible.
    fn new(key: &[u8]) -> Option<Self> {
        hmac::Mac::new_from_slice(key).ok().map(|state| Mac { state })
    }

    #[cfg_attr(target_arch = "wasm32", inline(never))] // several exports hash: one copy of the loop
    fn update(&mut self, data: &[u8]) {
        hmac::Mac::update(&mut self.state, data);
    }

    #[cfg_attr(target_arch = "wasm32", inline(never))] // one copy of the finishing rounds
    fn finish(self) -> Signature {
        hmac::Mac::finalize(self.state).into_bytes().into()
    }

    /// Constant time.
    #[cfg_attr(target_arch = "wasm32", inline(never))]
    fn finish_matches(self, signature: &Signature) -> bool {
        hmac::Mac::verify_slice(self.state, signature).is_ok()
    }
}

impl Mac {
    fn sign(mut self, body: &[u8]) -> Signature {
        self.update(body);
        self.finish()
    }

    fn matches(mut self, body: &[u8], signature: &Signature) -> bool {
        self.update(body);
        self.finish_matches(signature)
    }
}

/// One key's HMAC over a body given in pieces, for a caller that cannot
/// hold the whole body at once (the npm package's wasm path streams large
/// bodies through a small buffer, as wasm memory never shrinks). Made by
/// [`KeySet::begin`].
#[derive(Clone)]
pub struct Hashing {
    mac: Mac,
}

impl Hashing {
    /// Feeds the next piece of the body.
    pub fn update(&mut self, data: &[u8]) {
        self.mac.update(data);
    }

    /// The signature of the body fed so far.
    #[must_use]
    pub fn finish(self) -> Signature {
        self.mac.finish()
    }

    /// Constant time.
    pub(crate) fn finish_matches(self, signature: &Signature) -> bool {
        self.mac.finish_matches(signature)
    }
}

impl Key {
    /// Validates `secret` and prepares the HMAC key.
    ///
    /// Rejects, as [`Error::InvalidSecret`]: empty or blank secrets,
    /// secrets with leading or trailing whitespace (a stray newline from a
    /// file or an environment variable), and secrets shorter than
    /// [`MIN_SECRET_BYTES`].
    ///
    /// ```
    /// use promptfoo_webhooks::Key;
    ///
    /// assert!(Key::new("0123456789abcdef0123456789abcdef").is_ok());
    /// assert!(Key::new("0123456789abcdef0123456789abcdef\n").is_err());
    /// ```
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, Error> {
        let secret = secret.as_ref();
        check_secret(secret)?;
        let mac = Mac::new(secret).ok_or(Error::InvalidSecret { reason: "the HMAC key could not be prepared" })?;
        Ok(Key { mac })
    }

    /// The raw HMAC-SHA256 of `body`.
    ///
    /// ```
    /// use promptfoo_webhooks::Key;
    ///
    /// let key = Key::new("0123456789abcdef0123456789abcdef")?;
    /// assert_eq!(key.sign(b"body").len(), 32);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn sign(&self, body: &[u8]) -> Signature {
        self.mac.clone().sign(body)
    }

    /// The lower-case hex signature of `body`, as sent in the header.
    ///
    /// ```
    /// use promptfoo_webhooks::{sign, Key};
    ///
    /// let key = Key::new("0123456789abcdef0123456789abcdef")?;
    /// assert_eq!(key.sign_hex(b"body"), sign(b"body", "0123456789abcdef0123456789abcdef")?);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn sign_hex(&self, body: &[u8]) -> String {
        hex::encode(self.sign(body))
    }

    /// Whether `signature` (a header value) signs `body` with this key.
    /// A malformed header value is an error, not `false`.
    ///
    /// ```
    /// use promptfoo_webhooks::Key;
    ///
    /// let key = Key::new("0123456789abcdef0123456789abcdef")?;
    /// assert!(key.matches(b"body", &key.sign_hex(b"body"))?);
    /// assert!(key.matches(b"body", "not hex").is_err());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn matches(&self, body: &[u8], signature: &str) -> Result<bool, Error> {
        Ok(self.matches_raw(body, &parse_signature(signature)?))
    }

    /// Constant-time comparison of the body's HMAC with a decoded signature.
    ///
    /// ```
    /// use promptfoo_webhooks::Key;
    ///
    /// let key = Key::new("0123456789abcdef0123456789abcdef")?;
    /// let signature = key.sign(b"body");
    /// assert!(key.matches_raw(b"body", &signature));
    /// assert!(!key.matches_raw(b"other", &signature));
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn matches_raw(&self, body: &[u8], signature: &Signature) -> bool {
        self.mac.clone().matches(body, signature)
    }

    /// Starts an HMAC of a body that will be given in pieces.
    pub(crate) fn begin(&self) -> Hashing {
        Hashing { mac: self.mac.clone() }
    }
}

impl fmt::Debug for Key {
    // Never print key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key { .. }")
    }
}

/// Signs `body` with `secret`: the lower-case hex HMAC-SHA256.
///
/// ```
/// use promptfoo_webhooks::sign;
///
/// let header = sign(br#"{"event":"issue.created"}"#, "0123456789abcdef0123456789abcdef")?;
/// assert_eq!(header.len(), 64);
/// assert!(header.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// assert!(sign(b"{}", "too short").is_err());
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
pub fn sign(body: &[u8], secret: impl AsRef<[u8]>) -> Result<String, Error> {
    Ok(Key::new(secret)?.sign_hex(body))
}

/// Decodes an `X-Promptfoo-Signature` value by the contract's rule
/// ([`crate::contract::SIGNATURE_RULE`]): exactly 64 hex digits, any case,
/// surrounding blanks ignored; a blank value is a missing one.
///
/// ```
/// use promptfoo_webhooks::{signature::parse_signature, Error};
///
/// assert_eq!(parse_signature(&format!(" {} ", "AB".repeat(32)))?, [0xab; 32]);
/// assert_eq!(parse_signature(""), Err(Error::MissingSignature));
/// assert!(parse_signature(&format!("sha256={}", "ab".repeat(32))).is_err());
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
// Not inlined: the wasm core calls it from several exports, and one copy keeps the module small.
#[inline(never)]
pub fn parse_signature(header: &str) -> Result<Signature, Error> {
    let hex_text = contract::read_header(&contract::SIGNATURE_RULE, header).ok_or(Error::MissingSignature)?;
    let prefix = contract::SIGNATURE_REFUSED_PREFIX.as_bytes();
    if hex_text.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix)) {
        return Err(Error::MalformedSignature { reason: "unexpected 'sha256=' prefix; Promptfoo sends bare hex" });
    }
    if hex_text.len() != contract::SIGNATURE_HEX_DIGITS {
        return Err(Error::MalformedSignature { reason: "expected 64 hex characters" });
    }
    let mut signature = [0u8; SIGNATURE_BYTES];
    hex::decode_to_slice(hex_text, &mut signature)
        .map_err(|_| Error::MalformedSignature { reason: "contains a non-hex character" })?;
    Ok(signature)
}

fn check_secret(secret: &[u8]) -> Result<(), Error> {
    let rule = contract::SECRET_RULE;
    let is_space = |b: &u8| rule.whitespace.as_bytes().contains(b);
    if secret.is_empty() {
        return Err(Error::InvalidSecret { reason: rule.empty });
    }
    if secret.iter().all(is_space) {
        return Err(Error::InvalidSecret { reason: rule.only_whitespace });
    }
    if secret.first().is_some_and(is_space) || secret.last().is_some_and(is_space) {
        return Err(Error::InvalidSecret { reason: rule.padded });
    }
    if secret.len() < rule.min_bytes {
        return Err(Error::InvalidSecret { reason: rule.too_short });
    }
    Ok(())
}

/// Several keys during a rotation: any may match.
///
/// ```
/// use promptfoo_webhooks::signature::KeySet;
///
/// let keys = KeySet::new(&["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])?;
/// assert_eq!(keys.len(), 2);
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Clone, Debug)]
#[doc(hidden)] // the npm package's; Rust callers use Verifier
pub struct KeySet {
    keys: Vec<Key>,
}

impl KeySet {
    /// At least one secret; every one must be valid.
    ///
    /// ```
    /// use promptfoo_webhooks::signature::KeySet;
    ///
    /// assert!(KeySet::new(&["0123456789abcdef0123456789abcdef"]).is_ok());
    /// assert!(KeySet::new(&["0123456789abcdef0123456789abcdef", "short"]).is_err());
    /// assert!(KeySet::new::<&str>(&[]).is_err());
    /// ```
    pub fn new<S: AsRef<[u8]>>(secrets: &[S]) -> Result<Self, Error> {
        KeySet::from_keys(secrets.iter().map(Key::new).collect::<Result<Vec<_>, _>>()?)
    }

    /// At least one prepared key.
    ///
    /// ```
    /// use promptfoo_webhooks::{signature::KeySet, Key};
    ///
    /// let keys = KeySet::from_keys(vec![Key::new("0123456789abcdef0123456789abcdef")?])?;
    /// assert_eq!(keys.len(), 1);
    /// assert!(KeySet::from_keys(Vec::new()).is_err());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn from_keys(keys: Vec<Key>) -> Result<Self, Error> {
        if keys.is_empty() {
            return Err(Error::InvalidSecret { reason: "no secret was given" });
        }
        Ok(KeySet { keys })
    }

    /// The number of keys.
    ///
    /// ```
    /// use promptfoo_webhooks::signature::KeySet;
    ///
    /// assert_eq!(KeySet::new(&["0123456789abcdef0123456789abcdef"])?.len(), 1);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no keys; never true, as construction requires one.
    ///
    /// ```
    /// use promptfoo_webhooks::signature::KeySet;
    ///
    /// assert!(!KeySet::new(&["0123456789abcdef0123456789abcdef"])?.is_empty());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The index of the first key that signs `body` as `signature`. Every
    /// key is tried, so the time taken does not say which one matched.
    ///
    /// ```
    /// use promptfoo_webhooks::{signature::KeySet, Key};
    ///
    /// let keys = KeySet::new(&["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])?;
    /// let signature = Key::new("old-secret-0123456789abcdef")?.sign(b"body");
    /// assert_eq!(keys.find_match(b"body", &signature), Some(1));
    /// assert_eq!(keys.find_match(b"other", &signature), None);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn find_match(&self, body: &[u8], signature: &Signature) -> Option<usize> {
        let mut found = None;
        for (index, key) in self.keys.iter().enumerate() {
            if key.matches_raw(body, signature) && found.is_none() {
                found = Some(index);
            }
        }
        found
    }

    /// Starts every key's HMAC of a body that will be given in pieces: feed
    /// each piece to every [`Hashing`], then ask [`KeySet::finish_match`].
    ///
    /// ```
    /// use promptfoo_webhooks::signature::{parse_signature, KeySet};
    /// use promptfoo_webhooks::Key;
    ///
    /// let keys = KeySet::new(&["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])?;
    /// let header = Key::new("old-secret-0123456789abcdef")?.sign_hex(b"a body in pieces");
    /// let mut hashings = keys.begin();
    /// for piece in [&b"a body "[..], b"in pieces"] {
    ///     hashings.iter_mut().for_each(|hashing| hashing.update(piece));
    /// }
    /// assert_eq!(KeySet::finish_match(hashings, &parse_signature(&header)?), Some(1));
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn begin(&self) -> Vec<Hashing> {
        self.keys.iter().map(Key::begin).collect()
    }

    /// [`KeySet::find_match`] for hashings [`KeySet::begin`] started and the
    /// caller fed: every one is finished, in constant time.
    #[must_use]
    pub fn finish_match(hashings: Vec<Hashing>, signature: &Signature) -> Option<usize> {
        let mut found = None;
        for (index, hashing) in hashings.into_iter().enumerate() {
            if hashing.finish_matches(signature) && found.is_none() {
                found = Some(index);
            }
        }
        found
    }

    /// Signs with the first key (the current secret during a rotation).
    ///
    /// ```
    /// use promptfoo_webhooks::{sign, signature::KeySet};
    ///
    /// let keys = KeySet::new(&["new-secret-0123456789abcdef", "old-secret-0123456789abcdef"])?;
    /// assert_eq!(keys.sign_hex(b"body"), sign(b"body", "new-secret-0123456789abcdef")?);
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    #[must_use]
    pub fn sign_hex(&self, body: &[u8]) -> String {
        // `from_keys` guarantees a first key.
        self.keys.first().map(|key| key.sign_hex(body)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn matches_node_crypto() {
        // node -e "crypto.createHmac('sha256', SECRET).update(body).digest('hex')"
        let got = sign(br#"{"event":"issue.created"}"#, SECRET).unwrap();
        assert_eq!(got, "18b065895fc2f905b97e7cf2850808968362680cdb7eddd2256902e1abd98807");
    }

    #[test]
    fn accepts_upper_case_and_trimmed_hex() {
        let key = Key::new(SECRET).unwrap();
        let sig = key.sign_hex(b"body");
        assert!(key.matches(b"body", &sig.to_uppercase()).unwrap());
        assert!(key.matches(b"body", &format!(" {sig}\t")).unwrap());
        assert!(!key.matches(b"bodY", &sig).unwrap());
    }

    #[test]
    fn malformed_signatures_are_errors() {
        let key = Key::new(SECRET).unwrap();
        let sig = key.sign_hex(b"body");
        for (bad, code) in [
            ("", "missing_signature"),
            ("  ", "missing_signature"),
            ("abc", "malformed_signature"),
            (&format!("sha256={sig}"), "malformed_signature"),
            (&format!("{sig}0"), "malformed_signature"),
            (&sig.replacen(|c: char| c.is_ascii_hexdigit(), "g", 1), "malformed_signature"),
            (&"é".repeat(32), "malformed_signature"),
        ] {
            assert_eq!(key.matches(b"body", bad).unwrap_err().code(), code, "{bad:?}");
        }
    }

    #[test]
    fn unusable_secrets_are_rejected() {
        for bad in ["", "   ", "\n\t", "tiny-pw", " 0123456789abcdef0123", "0123456789abcdef0123\n"] {
            let err = Key::new(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_secret", "{bad:?}");
            assert!(!err.to_string().contains(bad.trim()) || bad.trim().is_empty());
        }
        assert_eq!(KeySet::new::<&str>(&[]).unwrap_err().code(), "invalid_secret");
    }

    #[test]
    fn key_debug_never_shows_the_secret() {
        let key = Key::new(SECRET).unwrap();
        assert_eq!(format!("{key:?}"), "Key { .. }");
        assert!(!format!("{:?}", KeySet::new(&[SECRET]).unwrap()).contains(SECRET));
    }

    #[test]
    fn key_set_reports_which_secret_matched() {
        let old = "old-secret-0123456789abcdef";
        let new = "new-secret-0123456789abcdef";
        let keys = KeySet::new(&[new, old]).unwrap();
        let by_old = parse_signature(&sign(b"b", old).unwrap()).unwrap();
        let by_new = parse_signature(&sign(b"b", new).unwrap()).unwrap();
        assert_eq!(keys.find_match(b"b", &by_new), Some(0));
        assert_eq!(keys.find_match(b"b", &by_old), Some(1));
        assert_eq!(keys.find_match(b"c", &by_old), None);
    }
}
