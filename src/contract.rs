//! The Promptfoo wire contract, as data: every fact about what arrives on
//! the wire is written here once.
//!
//! - the events, and the members of each one's `data`, with their kind and
//!   whether a payload without them is refused;
//! - the `issue` members, the known severities and statuses;
//! - the headers and the limits;
//! - every error code: its meaning, the HTTP status a receiver answers with
//!   it, and its hint (worded for Rust callers and for JavaScript callers).
//!
//! The schema check ([`crate::parse_event`]), the typed events and
//! [`crate::Error`] read these tables. The npm package's tables, the event
//! part of its `.d.ts`, the shared sample payloads and the README's tables
//! are generated from these tables' JSON form (`generator::contract_json`,
//! behind the dev-only `generator` feature) by `scripts/generate.mjs`
//! (`make generate`); a test fails when one of them is stale.
//!
//! ```
//! use promptfoo_webhooks::contract::{self, error_spec, event_spec};
//!
//! let created = event_spec("issue.created").unwrap();
//! assert!(created.data.iter().any(|member| member.key == "issue" && member.required));
//! assert_eq!(error_spec("signature_mismatch").unwrap().status, 401);
//! assert_eq!(contract::SIGNATURE_HEADER, "X-Promptfoo-Signature");
//! ```
//!
//! Required means refused when absent. The reader is kept tolerant where
//! Promptfoo's documents allow it, because Promptfoo does not retry: a
//! delivery refused for a missing member that nothing needs is lost.

/// The header that carries the signature: the bare lower-case hex
/// HMAC-SHA256 of the body (upper case is accepted too).
pub const SIGNATURE_HEADER: &str = "X-Promptfoo-Signature";

/// The header naming the webhook subscription (not the event, not the
/// delivery: Promptfoo sends neither id).
pub const WEBHOOK_ID_HEADER: &str = "X-Webhook-Id";

/// How a header's value is read before it means anything. The blanks
/// around it are ignored (HTTP's optional whitespace, which stacks differ
/// on trimming), and a value of blanks alone counts as no header (some
/// stacks hand an empty header through, others drop it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderRule {
    /// The header's name, as the documents spell it.
    pub name: &'static str,
    /// The characters ignored around the value.
    pub blanks: &'static str,
    /// The error code when the header is sent more than once: several
    /// values name no one signature or webhook, and none is guessed.
    pub repeated: &'static str,
}

/// Space and tab: RFC 9110's optional whitespace around a field value.
const HTTP_BLANKS: &str = " \t";

/// `X-Promptfoo-Signature`; its value, once read, has [`SIGNATURE_HEX_DIGITS`].
pub const SIGNATURE_RULE: HeaderRule =
    HeaderRule { name: SIGNATURE_HEADER, blanks: HTTP_BLANKS, repeated: "malformed_signature" };

/// `X-Webhook-Id`: a value names the webhook as given (case and inner
/// characters kept); no header picks the secrets for deliveries without one.
pub const WEBHOOK_ID_RULE: HeaderRule =
    HeaderRule { name: WEBHOOK_ID_HEADER, blanks: HTTP_BLANKS, repeated: "unknown_webhook" };

// A code the contract lacks fails the build.
const _: (ErrorSpec, ErrorSpec) = (error_spec_of(SIGNATURE_RULE.repeated), error_spec_of(WEBHOOK_ID_RULE.repeated));

/// The signature is the HMAC-SHA256's 32 bytes as this many hex digits, in
/// either case: Promptfoo sends lower case, and its documents check
/// `/^[a-f0-9]{64}$/i`.
pub const SIGNATURE_HEX_DIGITS: usize = 64;

/// The prefix other senders put before the hex (GitHub's `sha256=`),
/// refused in any case with its own reason: Promptfoo sends bare hex.
pub const SIGNATURE_REFUSED_PREFIX: &str = "sha256=";

/// `value` without the blanks `rule` ignores around it, or `None` when
/// nothing else is left (a blank header is no header).
///
/// ```
/// use promptfoo_webhooks::contract::{read_header, WEBHOOK_ID_RULE};
///
/// assert_eq!(read_header(&WEBHOOK_ID_RULE, " wh_siem\t"), Some("wh_siem"));
/// assert_eq!(read_header(&WEBHOOK_ID_RULE, " \t"), None);
/// ```
#[must_use]
pub fn read_header<'a>(rule: &HeaderRule, value: &'a str) -> Option<&'a str> {
    let read = value.trim_matches(|c: char| rule.blanks.contains(c));
    (!read.is_empty()).then_some(read)
}

/// Promptfoo's management API, where webhooks are created and their secrets
/// rotated (`Authorization: Bearer <API token>`). Creating one `POST`s
/// `{ url, name, events, teamId?, enabled }` and the answer holds its
/// secret; the later documents moved the path under `/api/v1`.
pub const API_CREATE_WEBHOOK_PATH: &str = "/api/v1/webhooks";
/// The integration document's path for creating a webhook: tried when the
/// `/api/v1` one answers 404 (an older server).
pub const API_CREATE_WEBHOOK_LEGACY_PATH: &str = "/api/webhooks";
/// `POST`: a new secret for webhook `{id}`, in force at once, so receivers
/// must accept the old and the new one for a while.
pub const API_REGENERATE_SECRET_PATH: &str = "/api/v1/webhooks/{id}/regenerate-secret";
/// `GET`: the event names the server can send.
pub const API_EVENT_TYPES_PATH: &str = "/api/v1/webhooks/event-types";

/// The later integration document's example receiver caps bodies at 5 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 5 * 1024 * 1024;

/// A receiver must answer within this many seconds; Promptfoo does not retry.
pub const DELIVERY_TIMEOUT_SECONDS: u64 = 10;

/// The shortest secret accepted, in bytes.
pub const MIN_SECRET_BYTES: usize = 16;

/// How a secret is judged before it keys an HMAC, and the reason given for
/// each refusal (the `invalid_secret` error's detail), checked in this
/// order: empty, only whitespace, whitespace at either end (a stray newline
/// from a file or an environment variable), shorter than
/// [`MIN_SECRET_BYTES`]. Bytes are judged, a text secret as its UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretRule {
    /// The shortest secret accepted, in bytes.
    pub min_bytes: usize,
    /// The bytes counted as whitespace: ASCII's.
    pub whitespace: &'static str,
    /// The reason for an empty secret.
    pub empty: &'static str,
    /// The reason for a secret of whitespace alone.
    pub only_whitespace: &'static str,
    /// The reason for whitespace at either end.
    pub padded: &'static str,
    /// The reason for a secret shorter than `min_bytes`.
    pub too_short: &'static str,
}

/// The secret rule every verifier and signer applies.
pub const SECRET_RULE: SecretRule = SecretRule {
    min_bytes: MIN_SECRET_BYTES,
    whitespace: " \t\n\x0C\r",
    empty: "the secret is empty",
    only_whitespace: "the secret is only whitespace",
    padded: "the secret has leading or trailing whitespace (a stray newline?)",
    too_short: "the secret is shorter than 16 bytes",
};

/// Deepest nesting of arrays and objects a payload may have: the JSON
/// parser's limit, which the npm package also reads to skip its depth scan
/// for texts too short to exceed it.
pub const MAX_TREE_DEPTH: usize = 10_000;

/// Severities the sender's source uses; others still arrive as sent.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "informational"];

/// Statuses known on the wire; the UI's false-positive and ignore states
/// have no confirmed spelling, so others arrive as sent.
pub const STATUSES: [&str; 2] = ["open", "fixed"];

/// Text only the generator and Rust callers read (docs, samples, hints):
/// left out of the npm package's wasm modules (the `npm-wasm` feature),
/// which never read it, so they stay small. Everywhere else it is the text
/// itself.
#[cfg(not(all(target_arch = "wasm32", feature = "npm-wasm")))]
pub type Text = &'static str;
/// See above: the npm package's wasm modules leave the text out.
#[cfg(all(target_arch = "wasm32", feature = "npm-wasm"))]
pub type Text = ();

#[cfg(not(all(target_arch = "wasm32", feature = "npm-wasm")))]
const fn text(text: &'static str) -> Text {
    text
}

#[cfg(all(target_arch = "wasm32", feature = "npm-wasm"))]
const fn text(_: &'static str) -> Text {}

/// What a member must be. Anything not listed is the sender's own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A string.
    String,
    /// A string with known values; a value added later still arrives as sent.
    OpenSet(&'static [&'static str]),
    /// `true` or `false`.
    Boolean,
    /// An array of anything.
    Array,
    /// An array of strings.
    Strings,
    /// Any JSON value: the sender's free-form data.
    Any,
    /// An object; its listed members are checked too.
    Object(&'static [Member]),
}

/// One member of an object on the wire.
///
/// A required member must be present (for [`Rule::Any`], `null` counts as
/// present; for every other rule `null` is the wrong type); an optional
/// member may be absent or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// The member's key.
    pub key: &'static str,
    /// What its value must be.
    pub rule: Rule,
    /// Whether a payload without it is refused.
    pub required: bool,
    /// One line for the generated type's doc comment.
    pub doc: Text,
}

/// The JSON kinds a member can be, as the schema's errors name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
    /// What no JSON text holds (a `BigInt`, an object with its own `toJSON`):
    /// only the npm package's check of a caller's own object meets it.
    #[cfg_attr(not(feature = "generator"), allow(dead_code))]
    Other,
}

impl Kind {
    /// Every kind, for the generator.
    #[cfg_attr(not(feature = "generator"), allow(dead_code))]
    pub(crate) const ALL: [Kind; 7] =
        [Kind::Null, Kind::Boolean, Kind::Number, Kind::String, Kind::Array, Kind::Object, Kind::Other];

    /// The kind's name in a reason.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::Other => "a value JSON cannot hold",
        }
    }
}

/// The reason an `invalid_payload` gives for a required member that is absent.
pub(crate) const MISSING_REASON: &str = "required field is missing";
/// The reason an `invalid_payload` gives for a member of the wrong kind:
/// `{expected}` and `{got}` are [`Kind`] names.
pub(crate) const WRONG_KIND_REASON: &str = "expected {expected}, got {got}";

impl Rule {
    /// The kind the rule asks for; `None` for [`Rule::Any`], which takes any.
    pub(crate) fn kind(self) -> Option<Kind> {
        match self {
            Rule::String | Rule::OpenSet(_) => Some(Kind::String),
            Rule::Boolean => Some(Kind::Boolean),
            Rule::Array | Rule::Strings => Some(Kind::Array),
            Rule::Object(_) => Some(Kind::Object),
            Rule::Any => None,
        }
    }
}

impl Member {
    /// Whether the member passes when it is of `kind` (`None`: absent): the
    /// rule of [`Member`]'s docs, which both the Rust check and the npm
    /// package's generated check follow.
    pub(crate) fn accepts(&self, kind: Option<Kind>) -> bool {
        match (kind, self.rule.kind()) {
            (None, _) => !self.required,
            (Some(Kind::Null), _) if !self.required => true,
            (Some(_), None) => true,
            (Some(kind), Some(expected)) => kind == expected,
        }
    }
}

/// One event Promptfoo sends, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The `event` name, e.g. `issue.created`.
    pub name: &'static str,
    /// When Promptfoo sends it.
    pub doc: Text,
    /// The members of its `data`.
    pub data: &'static [Member],
    /// A realistic `data`, as JSON text: the shared sample payloads.
    pub sample_data: Text,
}

/// Who can meet an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Verifying, building or signing: [`crate::Error`] has a variant for it.
    Core,
    /// Only the JavaScript package meets it (its options, its replay
    /// stores, its JS values): the package makes it from this table.
    Js,
    /// Only an HTTP receiver answers it, before any verification (a wrong
    /// method or media type, or its own failure).
    Http,
    /// Only the package's client of the management API meets it (its
    /// configuration, the server's answers): no receiver answers it, so it
    /// has no HTTP status (0).
    Api,
}

/// One stable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorSpec {
    /// The stable code, e.g. `signature_mismatch`.
    pub code: &'static str,
    /// Who can meet it.
    pub scope: Scope,
    /// What happened: the error's message, followed by `: <detail>` when
    /// there is one (lower case, no full stop, as Rust error messages go).
    pub meaning: &'static str,
    /// What a receiver answers: 4xx when the sender got it wrong, 5xx when
    /// the receiver is set up wrongly (no sender can fix that); 0 for the
    /// management API client's codes, which no receiver answers.
    pub status: u16,
    /// What to do about it, for a Rust caller.
    pub rust_hint: Text,
    /// What to do about it, for a JavaScript caller (the same when empty).
    pub js_hint: Text,
}

#[cfg(not(all(target_arch = "wasm32", feature = "npm-wasm")))]
impl ErrorSpec {
    /// The hint for JavaScript callers.
    #[must_use]
    pub fn js_hint(&self) -> &'static str {
        if self.js_hint.is_empty() {
            self.rust_hint
        } else {
            self.js_hint
        }
    }
}

const fn required(key: &'static str, rule: Rule, doc: &'static str) -> Member {
    Member { key, rule, required: true, doc: text(doc) }
}

const fn optional(key: &'static str, rule: Rule, doc: &'static str) -> Member {
    Member { key, rule, required: false, doc: text(doc) }
}

const fn event(name: &'static str, doc: &'static str, data: &'static [Member], sample_data: &'static str) -> EventSpec {
    EventSpec { name, doc: text(doc), data, sample_data: text(sample_data) }
}

const fn error(
    code: &'static str,
    scope: Scope,
    status: u16,
    meaning: &'static str,
    rust_hint: &'static str,
    js_hint: &'static str,
) -> ErrorSpec {
    ErrorSpec { code, scope, meaning, status, rust_hint: text(rust_hint), js_hint: text(js_hint) }
}

/// `$`: `data`'s members depend on `event`.
pub const ENVELOPE: &[Member] = &[
    required("event", Rule::String, "The event name, e.g. `issue.created`."),
    required("timestamp", Rule::String, "When it was sent: ISO 8601 with `Z`, e.g. `2025-03-14T12:34:56Z`."),
    required("data", Rule::Object(&[]), "What happened; its members depend on `event`."),
];

/// `$.data.issue`, in the integration document's order.
pub const ISSUE: &[Member] = &[
    required("id", Rule::String, "The issue's id."),
    optional("pluginId", Rule::String, "The red-team plugin that found it, e.g. `harmful:privacy`."),
    optional("status", Rule::OpenSet(&STATUSES), "`open`, `fixed`, or a state added later."),
    optional("severity", Rule::OpenSet(&SEVERITIES), "How severe the issue is; a level added later arrives as sent."),
    optional("organizationId", Rule::String, "The organization."),
    optional("targetId", Rule::String, "The target that was tested."),
    optional("providerId", Rule::String, "The provider that was tested."),
    optional("createdAt", Rule::String, "ISO 8601."),
    optional("updatedAt", Rule::String, "ISO 8601."),
    optional("weakness", Rule::String, "What was found, e.g. `PII leak`."),
    optional("history", Rule::Array, "The issue's history entries, as sent."),
];

// Promptfoo sends `eventData` with every issue event, but nothing needs it
// but issue.updated's `changes`: a delivery without it is kept.
const ISSUE_DATA: &[Member] = &[
    required("issue", Rule::Object(ISSUE), "The issue, as it is now."),
    optional("eventData", Rule::Object(&[]), "Details of the event, as sent (e.g. a comment)."),
];

const ISSUE_UPDATED_DATA: &[Member] = &[
    required("issue", Rule::Object(ISSUE), "The issue, as it is now."),
    required(
        "eventData",
        Rule::Object(&[required(
            "changes",
            Rule::Strings,
            "One line per attribute changed, e.g. `status changed to fixed`.",
        )]),
        "What changed.",
    ),
    optional("userId", Rule::String, "Who made the change, when a user did."),
];

/// `{"issue":ISSUE_SAMPLE` with `status` and `severity` as given.
macro_rules! issue_sample {
    ($status:literal, $severity:literal, $rest:literal) => {
        concat!(
            r#"{"issue":{"id":"3f1c2a9e-8b7d-4e21-9a6f-0c5d4b3a2e10","pluginId":"harmful:privacy","status":""#,
            $status,
            r#"","severity":""#,
            $severity,
            r#"","organizationId":"org-7d0e1b","targetId":"target-chatbot-prod","providerId":"openai:gpt-4o-mini","createdAt":"2025-03-14T12:00:00.000Z","updatedAt":"2025-03-14T12:00:00.000Z","weakness":"PII leak","history":[{"action":"created","at":"2025-03-14T12:00:00.000Z"}]},"#,
            $rest,
            "}"
        )
    };
}

/// Every event this version types, in the documents' order. Any other name
/// verifies too, as an unknown event with its raw data.
pub const EVENTS: &[EventSpec] = &[
    event("issue.created", "A scan found a new issue.", ISSUE_DATA, issue_sample!("open", "high", r#""eventData":{}"#)),
    event(
        "issue.updated",
        "Several attributes of an issue changed at once.",
        ISSUE_UPDATED_DATA,
        issue_sample!(
            "fixed",
            "low",
            r#""eventData":{"changes":["status changed to fixed","severity changed to low"]},"userId":"user-123""#
        ),
    ),
    event(
        "issue.status_changed",
        "An issue's status changed (and nothing else it reports).",
        ISSUE_DATA,
        issue_sample!("fixed", "high", r#""eventData":{"changes":["status changed to fixed"]}"#),
    ),
    event(
        "issue.severity_changed",
        "An issue's severity changed (and nothing else it reports).",
        ISSUE_DATA,
        issue_sample!("open", "low", r#""eventData":{"changes":["severity changed to low"]}"#),
    ),
    event(
        "issue.comment_added",
        "Someone commented on an issue.",
        ISSUE_DATA,
        issue_sample!(
            "open",
            "high",
            r#""eventData":{"comment":"Reproduced on staging: assigning to the platform team."}"#
        ),
    ),
    event(
        "remediation.created",
        "A remediation was proposed for an issue.",
        &[
            required("issueId", Rule::String, "The issue it remediates."),
            required("remediation", Rule::Any, "The remediation, as sent."),
        ],
        r#"{"issueId":"3f1c2a9e-8b7d-4e21-9a6f-0c5d4b3a2e10","remediation":{"summary":"Add an output filter for e-mail addresses","steps":["Enable the PII guardrail","Re-run the scan"]}}"#,
    ),
    event(
        "evaluation.created",
        "An evaluation job started.",
        &[
            required("jobId", Rule::String, "The job."),
            optional("config", Rule::Any, "The job's configuration, as sent."),
        ],
        r#"{"jobId":"job-42","config":{"description":"Nightly red team","providers":["openai:gpt-4o-mini"]}}"#,
    ),
    event(
        "evaluation.completed",
        "An evaluation job finished.",
        &[
            required("jobId", Rule::String, "The job."),
            optional("evalId", Rule::String, "The evaluation it produced."),
            optional("partial", Rule::Boolean, "Whether only part of it ran."),
            optional("progress", Rule::Any, "How far it got, as sent."),
        ],
        r#"{"jobId":"job-42","evalId":"eval-2025-03-14-abc","partial":false,"progress":{"completed":120,"total":120}}"#,
    ),
    event(
        "evaluation.failed",
        "An evaluation job failed.",
        &[
            required("jobId", Rule::String, "The job."),
            optional("error", Rule::Any, "What went wrong, as sent."),
            optional("progress", Rule::Any, "How far it got, as sent."),
        ],
        r#"{"jobId":"job-43","error":"provider timed out after 3 retries","progress":{"completed":37,"total":120}}"#,
    ),
];

/// Every error code, in the order the README lists them. A code never
/// changes meaning; a new failure gets a new code.
pub const ERRORS: &[ErrorSpec] = &[
    error(
        "missing_signature",
        Scope::Core,
        401,
        "missing X-Promptfoo-Signature",
        "Read the signature from the X-Promptfoo-Signature request header.",
        "",
    ),
    error(
        "malformed_signature",
        Scope::Core,
        401,
        "malformed signature",
        "X-Promptfoo-Signature must be the 64-character hex HMAC-SHA256 of the body, with no prefix.",
        "",
    ),
    error(
        "signature_mismatch",
        Scope::Core,
        401,
        "signature does not match the body",
        "Check the secret (several may be given during a rotation) and verify the body bytes as received, not a re-serialized value.",
        "Check the secret (pass several during a rotation) and verify the raw request body, not a re-serialized one.",
    ),
    error(
        "unknown_webhook",
        Scope::Core,
        401,
        "no secret for this webhook",
        "Register the webhook's id with VerifierMap::insert (X-Webhook-Id names it), or give a fallback for deliveries without the header.",
        "Add the webhook's id and its secret to webhookSecrets (X-Webhook-Id names it), or give a secret for deliveries without the header.",
    ),
    error(
        "invalid_secret",
        Scope::Core,
        500,
        "invalid secret",
        "Use the secret Promptfoo generated when the webhook was created, exactly as shown.",
        "",
    ),
    error(
        "body_too_large",
        Scope::Core,
        413,
        "body exceeds the size limit",
        "Raise the limit with Verifier::max_body_bytes if legitimate payloads are this large.",
        "Raise maxBodyBytes if legitimate payloads are this large.",
    ),
    error(
        "unsupported_body",
        Scope::Js,
        415,
        "unsupported body",
        "",
        "Pass the raw body as a string, Uint8Array, ArrayBuffer or Buffer.",
    ),
    error(
        "body_length_mismatch",
        Scope::Js,
        400,
        "the body is longer than its Content-Length",
        "",
        "Send the body with the Content-Length it has; a proxy that changes the body must update the header.",
    ),
    error(
        "body_timeout",
        Scope::Js,
        408,
        "the body did not arrive in time",
        "",
        "The body must arrive within bodyTimeoutMs of the request (5 s by default); raise it only for slow links.",
    ),
    error(
        "inbox_unavailable",
        Scope::Js,
        503,
        "the delivery could not be recorded",
        "",
        "The inbox (its database or Redis) refused the write: see the error passed to onError. Nothing was acknowledged.",
    ),
    error(
        "invalid_json",
        Scope::Core,
        400,
        "invalid JSON",
        "The body must be the JSON text Promptfoo sent, unmodified.",
        "",
    ),
    error(
        "invalid_payload",
        Scope::Core,
        400,
        "invalid payload",
        "The body must be a Promptfoo webhook payload: { event, timestamp, data }.",
        "",
    ),
    error(
        "timestamp_outside_window",
        Scope::Core,
        400,
        "timestamp outside the replay window",
        "The delivery is stale or the clocks disagree; widen Verifier::tolerance_seconds or check the clock.",
        "The delivery is stale or the clocks disagree; widen toleranceSeconds or check the clock.",
    ),
    error(
        "parsed_body_mismatch",
        Scope::Js,
        500,
        "a parsed body was given; the signature covers the raw bytes",
        "",
        "A body parser ran before the webhook: mount the webhook route before express.json() (or any JSON parser), or give it the raw bytes with express.raw({ type: 'application/json' }); or pass allowParsedBody: true to verify JSON.stringify of the parsed body.",
    ),
    error(
        "invalid_options",
        Scope::Js,
        500,
        "invalid options",
        "",
        "Check the option's documented name, type and range.",
    ),
    error(
        "random_unavailable",
        Scope::Core,
        500,
        "no secure random number generator is available",
        "Run where the operating system's random source is available.",
        "Run where crypto.getRandomValues is available.",
    ),
    error(
        "duplicate_delivery",
        Scope::Js,
        409,
        "this delivery was already accepted",
        "",
        "This exact delivery was already accepted: do not process it again (Promptfoo does not retry, so a repeat is a replay).",
    ),
    error(
        "method_not_allowed",
        Scope::Http,
        405,
        "webhooks are delivered with POST",
        "Promptfoo delivers webhooks with POST.",
        "",
    ),
    error(
        "unsupported_media_type",
        Scope::Http,
        415,
        "the Content-Type must be application/json",
        "Promptfoo sends Content-Type: application/json.",
        "",
    ),
    error(
        "not_found",
        Scope::Http,
        404,
        "no webhook route here",
        "POST to the path the receiver was mounted on.",
        "",
    ),
    error(
        "internal_error",
        Scope::Http,
        500,
        "the receiver failed",
        "See the receiver's error report.",
        "See the error passed to onError.",
    ),
    error(
        "forward_failed",
        Scope::Http,
        502,
        "the forward target did not answer",
        "Check that the forward target is running and reachable, and answers within the delivery timeout.",
        "Check that forwardTo (serve --forward-to) points at a running receiver that answers within the delivery timeout.",
    ),
    error(
        "api_not_configured",
        Scope::Api,
        0,
        "the management API's base URL or token is missing",
        "",
        "Pass { baseUrl, token }, or set PROMPTFOO_API_URL (your Promptfoo server, e.g. https://promptfoo.example.com) and PROMPTFOO_API_TOKEN.",
    ),
    error(
        "invalid_webhook_config",
        Scope::Api,
        0,
        "invalid webhook configuration",
        "",
        "Fix each problem listed in error.problems; nothing was sent.",
    ),
    error(
        "api_request_rejected",
        Scope::Api,
        0,
        "the management API refused the request",
        "",
        "401 or 403: check the API token and its permissions; 404: check the base URL and the webhook id; see error.status and error.serverMessage.",
    ),
    error(
        "api_unreachable",
        Scope::Api,
        0,
        "the management API did not answer",
        "",
        "Check the base URL and the network, or raise timeoutMs if the server is slow.",
    ),
    error(
        "api_bad_response",
        Scope::Api,
        0,
        "the management API's answer could not be read",
        "",
        "The answer was not what a Promptfoo server sends (see the message): check that the base URL points at Promptfoo, not at a proxy or login page.",
    ),
];

/// The event named `name`, if this version types it.
#[must_use]
pub fn event_spec(name: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|event| event.name == name)
}

/// The error code `code`, if there is one.
#[must_use]
pub fn error_spec(code: &str) -> Option<&'static ErrorSpec> {
    ERRORS.iter().find(|error| error.code == code)
}

/// The JSON body a receiver answers a refused delivery with:
/// `{"error":code,"message":message}`, the npm package's adapters' shape.
///
/// ```
/// use promptfoo_webhooks::contract::error_body;
///
/// assert_eq!(error_body("body_too_large", "too \"big\""), r#"{"error":"body_too_large","message":"too \"big\""}"#);
/// ```
#[must_use]
pub fn error_body(code: &str, message: &str) -> String {
    use crate::canonical::{Object, Value};
    let body: Object = [("error", Value::from(code)), ("message", Value::from(message))].into_iter().collect();
    Value::Object(body).to_json()
}

/// The error code `code`, for a constant: a code the contract lacks fails
/// the build. A copy, so a constant keeps only this entry's texts.
///
/// ```
/// use promptfoo_webhooks::contract::error_spec_of;
///
/// const MISMATCH: promptfoo_webhooks::contract::ErrorSpec = error_spec_of("signature_mismatch");
/// assert_eq!(MISMATCH.status, 401);
/// ```
// Evaluated at compile time: an index out of range is a build error, not a panic.
#[allow(clippy::indexing_slicing, clippy::panic)]
#[must_use]
pub const fn error_spec_of(code: &str) -> ErrorSpec {
    let mut index = 0;
    while index < ERRORS.len() {
        if same_text(ERRORS[index].code, code) {
            return ERRORS[index];
        }
        index += 1;
    }
    panic!("no such error code in the contract")
}

#[allow(clippy::indexing_slicing)]
const fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical;

    #[test]
    fn the_short_secret_reason_names_the_minimum() {
        assert!(SECRET_RULE.too_short.ends_with(&format!(" {MIN_SECRET_BYTES} bytes")));
    }

    #[test]
    fn every_sample_is_valid_json_and_passes_the_schema() {
        for event in EVENTS {
            let data = canonical::parse(event.sample_data).unwrap_or_else(|e| panic!("{}: {e}", event.name));
            let payload =
                format!(r#"{{"event":"{}","timestamp":"2025-03-14T12:34:56Z","data":{}}}"#, event.name, data.to_json());
            crate::parse_event(payload.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", event.name));
        }
    }

    #[test]
    fn names_and_codes_are_unique_and_every_code_has_a_hint() {
        let mut names: Vec<_> = EVENTS.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENTS.len());
        let mut codes: Vec<_> = ERRORS.iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ERRORS.len());
        for error in ERRORS {
            assert!(!error.js_hint().is_empty(), "{}", error.code);
            if error.scope == Scope::Api {
                assert_eq!(error.status, 0, "{}: no receiver answers it", error.code);
            } else {
                assert!((400..600).contains(&error.status), "{}", error.code);
            }
            assert_eq!(
                matches!(error.scope, Scope::Js | Scope::Api),
                error.rust_hint.is_empty(),
                "{}: a Rust hint iff Rust can meet it",
                error.code
            );
        }
    }

    #[test]
    fn members_accept_the_kinds_their_rules_name() {
        let member = |rule, required| Member { key: "k", rule, required, doc: text("") };
        let accepted = |member: Member| -> Vec<Option<Kind>> {
            [None].into_iter().chain(Kind::ALL.map(Some)).filter(|kind| member.accepts(*kind)).collect()
        };
        let (null, string) = (Some(Kind::Null), Some(Kind::String));
        assert_eq!(accepted(member(Rule::String, true)), [string]);
        assert_eq!(accepted(member(Rule::OpenSet(&["a"]), false)), [None, null, string]);
        assert_eq!(accepted(member(Rule::Strings, true)), [Some(Kind::Array)]);
        assert_eq!(accepted(member(Rule::Boolean, false)), [None, null, Some(Kind::Boolean)]);
        assert_eq!(accepted(member(Rule::Object(&[]), true)), [Some(Kind::Object)]);
        // Any: null counts as present; only a required member's absence fails.
        assert_eq!(accepted(member(Rule::Any, true)), Kind::ALL.map(Some));
        assert_eq!(accepted(member(Rule::Any, false)).len(), Kind::ALL.len() + 1);
    }

    #[test]
    fn rust_hints_speak_rust() {
        for error in ERRORS {
            for js_word in ["maxBodyBytes", "toleranceSeconds", "Buffer", "express", "getRandomValues", "onError"] {
                assert!(!error.rust_hint.contains(js_word), "{}: {js_word}", error.code);
            }
        }
    }
}
