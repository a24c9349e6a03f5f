//! The typed webhook envelope: `{ event, timestamp, data }`.
//!
//! [`Event::from_value`] checks a parsed payload against the documented
//! shapes and types it; [`Event::to_value`] and the builders
//! ([`Event::issue_created`], ...) go the other way for senders and tests.
//!
//! Rules, in short:
//! - an event name this crate does not know is never an error: it becomes
//!   [`Payload::Unknown`] with its raw data (the sender adds events over time);
//! - undocumented fields are data, never errors: each typed struct keeps
//!   them in `extra` and [`Event::to_value`] writes them back after the
//!   documented fields;
//! - a documented field with the wrong type is an error naming its JSON
//!   path (`$.data.issue.id`); JSON `null` for an optional field means absent.

// Split by direction, so each file reads one way: this one holds the types
// and what they say about themselves, `builders` makes events for senders,
// `read` types a parsed payload, `write` turns an event into its wire object.
mod builders;
mod read;
mod write;

pub use builders::IssueUpdated;

use crate::canonical::{Object, Value};
use crate::contract;
use std::borrow::Cow;
use std::fmt;

const ISSUE_CREATED: &str = "issue.created";
const ISSUE_UPDATED: &str = "issue.updated";
const ISSUE_STATUS_CHANGED: &str = "issue.status_changed";
const ISSUE_SEVERITY_CHANGED: &str = "issue.severity_changed";
const ISSUE_COMMENT_ADDED: &str = "issue.comment_added";
const REMEDIATION_CREATED: &str = "remediation.created";
const EVALUATION_CREATED: &str = "evaluation.created";
const EVALUATION_COMPLETED: &str = "evaluation.completed";
const EVALUATION_FAILED: &str = "evaluation.failed";

/// Every event name this crate types, in documentation order. Any other
/// name parses as [`Payload::Unknown`].
///
/// ```
/// use promptfoo_webhooks::EVENT_NAMES;
///
/// assert_eq!(EVENT_NAMES.len(), 9);
/// assert!(EVENT_NAMES.contains(&"issue.created"));
/// ```
// Evaluated at compile time: an index out of range is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
pub const EVENT_NAMES: [&str; contract::EVENTS.len()] = {
    let mut names = [""; contract::EVENTS.len()];
    let mut index = 0;
    while index < names.len() {
        names[index] = contract::EVENTS[index].name;
        index += 1;
    }
    names
};

/// How deep the schema reads: `$` (1), `$.data` (2), `$.data.issue` (3),
/// and the elements of `$.data.eventData.changes` (inside a depth-4 array).
/// Anything nested deeper is the sender's free-form data, only ever
/// checked for its type, so validation need not keep it (see
/// [`crate::verify::validate_payload`]).
///
/// ```
/// use promptfoo_webhooks::event::SCHEMA_DEPTH;
///
/// assert_eq!(SCHEMA_DEPTH, 4);
/// ```
pub const SCHEMA_DEPTH: usize = 4;

/// One webhook delivery: when it was sent and what it says.
///
/// ```
/// use promptfoo_webhooks::{parse_event, Event};
///
/// let event = Event::evaluation_failed("job-43", None, None, "2025-03-14T12:34:56Z");
/// assert_eq!(event.name(), "evaluation.failed");
/// let json = event.to_json();
/// assert_eq!(json, r#"{"event":"evaluation.failed","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-43"}}"#);
/// assert_eq!(parse_event(json.as_bytes())?, event);
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The payload's `timestamp`, as sent (ISO 8601; see
    /// [`crate::timestamp::parse_millis`]). Not format-checked here: the
    /// replay window is where a bad timestamp matters.
    pub timestamp: String,
    /// The event name and its typed `data`.
    pub payload: Payload,
}

/// The `event` name together with its `data`, typed per name.
///
/// ```
/// use promptfoo_webhooks::{Event, Payload};
///
/// let event = Event::evaluation_created("job-1", None, "2025-03-14T12:34:56Z");
/// assert!(matches!(&event.payload, Payload::EvaluationCreated(data) if data.job_id == "job-1"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Payload {
    /// `issue.created`.
    IssueCreated(IssueData),
    /// `issue.updated`: several attributes changed at once.
    IssueUpdated(IssueUpdatedData),
    /// `issue.status_changed`.
    IssueStatusChanged(IssueData),
    /// `issue.severity_changed`.
    IssueSeverityChanged(IssueData),
    /// `issue.comment_added`.
    IssueCommentAdded(IssueData),
    /// `remediation.created`.
    RemediationCreated(RemediationData),
    /// `evaluation.created`.
    EvaluationCreated(EvaluationCreatedData),
    /// `evaluation.completed`.
    EvaluationCompleted(EvaluationCompletedData),
    /// `evaluation.failed`.
    EvaluationFailed(EvaluationFailedData),
    /// Any other event name, with its raw `data` untouched.
    Unknown {
        /// The event name as sent.
        event: String,
        /// The raw `data` (always an object when parsed by [`Event::from_value`]).
        data: Value,
    },
}

/// `data` of `issue.created`, `issue.status_changed`,
/// `issue.severity_changed` and `issue.comment_added`.
///
/// ```
/// use promptfoo_webhooks::event::{IssueData, Payload};
/// use promptfoo_webhooks::Issue;
///
/// let data = IssueData::new(Issue::new("issue-1"));
/// assert_eq!(Payload::IssueCreated(data).issue().map(|i| i.id.as_str()), Some("issue-1"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IssueData {
    /// The complete current state of the issue.
    pub issue: Issue,
    /// `eventData`: event-specific details (empty when absent).
    pub event_data: Object,
    /// Other keys under `data`.
    pub extra: Object,
}

/// `data` of `issue.updated`.
///
/// ```
/// use promptfoo_webhooks::{parse_event, Payload};
///
/// let body = br#"{"event":"issue.updated","timestamp":"2025-03-14T12:34:56Z",
///   "data":{"issue":{"id":"issue-1"},"eventData":{"changes":["status changed to fixed"]},"userId":"u-1"}}"#;
/// let Payload::IssueUpdated(data) = parse_event(body)?.payload else { unreachable!() };
/// assert_eq!(data.changes, ["status changed to fixed"]);
/// assert_eq!(data.user_id.as_deref(), Some("u-1"));
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IssueUpdatedData {
    /// The complete current state of the issue.
    pub issue: Issue,
    /// `eventData.changes`, e.g. `"status changed to fixed"`.
    pub changes: Vec<String>,
    /// Other keys under `eventData`.
    pub event_data_extra: Object,
    /// `userId`, when a user made the change (a sibling of `issue`).
    pub user_id: Option<String>,
    /// Other keys under `data`.
    pub extra: Object,
}

/// `data` of `remediation.created`.
///
/// ```
/// use promptfoo_webhooks::{canonical::Value, Event, Payload};
///
/// let event = Event::remediation_created("issue-1", Value::from("upgrade the model"), "2025-03-14T12:34:56Z");
/// let Payload::RemediationCreated(data) = event.payload else { unreachable!() };
/// assert_eq!(data.issue_id, "issue-1");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RemediationData {
    /// `issueId`: the issue the remediation is for.
    pub issue_id: String,
    /// `remediation`: its shape is not documented, so it stays raw.
    pub remediation: Value,
    /// Other keys under `data`.
    pub extra: Object,
}

/// `data` of `evaluation.created`.
///
/// ```
/// use promptfoo_webhooks::{Event, Payload};
///
/// let Payload::EvaluationCreated(data) = Event::evaluation_created("job-1", None, "2025-03-14T12:34:56Z").payload else { unreachable!() };
/// assert_eq!((data.job_id.as_str(), data.config), ("job-1", None));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EvaluationCreatedData {
    /// `jobId`.
    pub job_id: String,
    /// `config`, raw.
    pub config: Option<Value>,
    /// Other keys under `data`.
    pub extra: Object,
}

/// `data` of `evaluation.completed`.
///
/// ```
/// use promptfoo_webhooks::{Event, Payload};
///
/// let event = Event::evaluation_completed("job-1", Some("eval-9".into()), Some(false), None, "2025-03-14T12:34:56Z");
/// let Payload::EvaluationCompleted(data) = event.payload else { unreachable!() };
/// assert_eq!((data.eval_id.as_deref(), data.partial), (Some("eval-9"), Some(false)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EvaluationCompletedData {
    /// `jobId`.
    pub job_id: String,
    /// `evalId`: the stored evaluation's id.
    pub eval_id: Option<String>,
    /// `partial`: true when the evaluation did not run to the end.
    pub partial: Option<bool>,
    /// `progress`, raw.
    pub progress: Option<Value>,
    /// Other keys under `data`.
    pub extra: Object,
}

/// `data` of `evaluation.failed`.
///
/// ```
/// use promptfoo_webhooks::{Event, Payload};
///
/// let event = Event::evaluation_failed("job-1", Some("timed out".into()), None, "2025-03-14T12:34:56Z");
/// let Payload::EvaluationFailed(data) = event.payload else { unreachable!() };
/// assert_eq!(data.error.as_ref().and_then(|e| e.as_str()), Some("timed out"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EvaluationFailedData {
    /// `jobId`.
    pub job_id: String,
    /// `error`, raw (a message or an object).
    pub error: Option<Value>,
    /// `progress`, raw.
    pub progress: Option<Value>,
    /// Other keys under `data`.
    pub extra: Object,
}

/// A Promptfoo issue (`data.issue`). Only `id` is required; every other
/// documented field is optional, and undocumented ones land in `extra`.
///
/// ```
/// use promptfoo_webhooks::{Event, Issue, Severity, Status};
///
/// let mut issue = Issue::new("issue-1");
/// issue.severity = Some(Severity::Critical);
/// issue.status = Some(Status::OPEN);
/// let event = Event::issue_created(issue, "2025-03-14T12:34:56Z");
/// let issue = event.issue().unwrap();
/// assert_eq!((issue.id.as_str(), issue.severity.as_ref().map(Severity::as_str)), ("issue-1", Some("critical")));
/// assert!(issue.status.as_ref().is_some_and(Status::is_open));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Issue {
    /// `id`.
    pub id: String,
    /// `pluginId`: the red-team plugin that found the issue.
    pub plugin_id: Option<String>,
    /// `status`.
    pub status: Option<Status>,
    /// `severity`.
    pub severity: Option<Severity>,
    /// `organizationId`.
    pub organization_id: Option<String>,
    /// `targetId`.
    pub target_id: Option<String>,
    /// `providerId`.
    pub provider_id: Option<String>,
    /// `createdAt` (ISO 8601, as sent).
    pub created_at: Option<String>,
    /// `updatedAt` (ISO 8601, as sent).
    pub updated_at: Option<String>,
    /// `weakness`: display name of the plugin.
    pub weakness: Option<String>,
    /// `history`, raw entries.
    pub history: Option<Vec<Value>>,
    /// Undocumented fields, in their JavaScript order.
    pub extra: Object,
}

/// Issue severity. Values the sender is not known to use are kept
/// verbatim in [`Severity::Other`], so nothing is lost.
///
/// ```
/// use promptfoo_webhooks::Severity;
///
/// assert_eq!(Severity::parse("high"), Severity::High);
/// assert_eq!(Severity::parse("HIGH"), Severity::Other("HIGH".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// `critical`.
    Critical,
    /// `high`.
    High,
    /// `medium`.
    Medium,
    /// `low`.
    Low,
    /// `informational`.
    Informational,
    /// Any other spelling, as sent (matching is case-sensitive).
    Other(String),
}

/// Issue status: an open set of strings. `open` and `fixed` are confirmed
/// on the wire; the UI's false-positive and ignore states have no
/// confirmed spelling, so any string is kept as sent.
///
/// ```
/// use promptfoo_webhooks::Status;
///
/// assert_eq!(Status::from("open"), Status::OPEN);
/// assert_eq!(Status::new("ignored").to_string(), "ignored");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Status(Cow<'static, str>);

impl Status {
    /// `open`.
    ///
    /// ```
    /// use promptfoo_webhooks::Status;
    ///
    /// assert!(Status::OPEN.is_open());
    /// ```
    pub const OPEN: Status = Status(Cow::Borrowed("open"));
    /// `fixed`.
    ///
    /// ```
    /// use promptfoo_webhooks::Status;
    ///
    /// assert!(Status::FIXED.is_fixed());
    /// ```
    pub const FIXED: Status = Status(Cow::Borrowed("fixed"));

    /// A status with any spelling.
    ///
    /// ```
    /// use promptfoo_webhooks::Status;
    ///
    /// assert_eq!(Status::new("false_positive").as_str(), "false_positive");
    /// assert_eq!(Status::new("fixed"), Status::FIXED);
    /// ```
    pub fn new(status: impl Into<String>) -> Self {
        Status(Cow::Owned(status.into()))
    }

    /// The wire spelling.
    ///
    /// ```
    /// use promptfoo_webhooks::Status;
    ///
    /// assert_eq!(Status::OPEN.as_str(), "open");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for `open`.
    ///
    /// ```
    /// use promptfoo_webhooks::Status;
    ///
    /// assert!(Status::new("open").is_open());
    /// assert!(!Status::FIXED.is_open());
    /// ```
    #[must_use]
    pub fn is_open(&self) -> bool {
        *self == Self::OPEN
    }

    /// True for `fixed`.
    ///
    /// ```
    /// use promptfoo_webhooks::Status;
    ///
    /// assert!(Status::new("fixed").is_fixed());
    /// assert!(!Status::OPEN.is_fixed());
    /// ```
    #[must_use]
    pub fn is_fixed(&self) -> bool {
        *self == Self::FIXED
    }
}

impl From<&str> for Status {
    fn from(s: &str) -> Self {
        Status::new(s)
    }
}

impl From<String> for Status {
    fn from(s: String) -> Self {
        Status::new(s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Severity {
    /// Types a wire value; unknown spellings become [`Severity::Other`].
    ///
    /// ```
    /// use promptfoo_webhooks::Severity;
    ///
    /// assert_eq!(Severity::parse("critical"), Severity::Critical);
    /// assert_eq!(Severity::parse("severe"), Severity::Other("severe".into()));
    /// ```
    #[must_use]
    pub fn parse(s: &str) -> Severity {
        match s {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "informational" => Severity::Informational,
            other => Severity::Other(other.to_owned()),
        }
    }

    /// The wire spelling.
    ///
    /// ```
    /// use promptfoo_webhooks::Severity;
    ///
    /// assert_eq!(Severity::Informational.as_str(), "informational");
    /// assert_eq!(Severity::Other("severe".into()).as_str(), "severe");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Informational => "informational",
            Severity::Other(s) => s,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Issue {
    /// An issue with only its id set.
    ///
    /// ```
    /// use promptfoo_webhooks::Issue;
    ///
    /// let issue = Issue::new("issue-1");
    /// assert_eq!((issue.id.as_str(), issue.status), ("issue-1", None));
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Issue {
            id: id.into(),
            plugin_id: None,
            status: None,
            severity: None,
            organization_id: None,
            target_id: None,
            provider_id: None,
            created_at: None,
            updated_at: None,
            weakness: None,
            history: None,
            extra: Object::new(),
        }
    }
}

impl IssueData {
    /// Data with this issue, an empty `eventData` and no extra keys.
    ///
    /// ```
    /// use promptfoo_webhooks::{event::IssueData, Issue};
    ///
    /// let data = IssueData::new(Issue::new("issue-1"));
    /// assert!(data.event_data.is_empty() && data.extra.is_empty());
    /// ```
    #[must_use]
    pub fn new(issue: Issue) -> Self {
        IssueData { issue, event_data: Object::new(), extra: Object::new() }
    }
}

impl Event {
    /// An event from its payload, for data the named builders do not make
    /// (extra members, a name this version does not type).
    ///
    /// ```
    /// use promptfoo_webhooks::event::{Event, IssueData, Payload};
    /// use promptfoo_webhooks::Issue;
    ///
    /// let mut data = IssueData::new(Issue::new("issue-1"));
    /// data.event_data.insert("comment", "looks real".into());
    /// let event = Event::new(Payload::IssueCommentAdded(data), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.payload.data_value().to_json(), r#"{"issue":{"id":"issue-1"},"eventData":{"comment":"looks real"}}"#);
    /// ```
    #[must_use]
    pub fn new(payload: Payload, timestamp: impl Into<String>) -> Event {
        Event { timestamp: timestamp.into(), payload }
    }

    /// The event name, e.g. `"issue.created"` (or the unknown name as sent).
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// assert_eq!(Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").name(), "issue.created");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        self.payload.name()
    }

    /// The issue, for the five `issue.*` events.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let event = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.issue().map(|i| i.id.as_str()), Some("issue-1"));
    /// assert!(Event::evaluation_created("job-1", None, "2025-03-14T12:34:56Z").issue().is_none());
    /// ```
    #[must_use]
    pub fn issue(&self) -> Option<&Issue> {
        self.payload.issue()
    }

    /// The `timestamp` as Unix milliseconds, or `None` when it is not a
    /// valid ISO 8601 / RFC 3339 time (see [`crate::timestamp::parse_millis`]).
    ///
    /// ```
    /// use promptfoo_webhooks::event::{Event, Issue};
    ///
    /// let event = Event::issue_created(Issue::new("i"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.timestamp_millis(), Some(1_741_955_696_000));
    /// ```
    #[must_use]
    pub fn timestamp_millis(&self) -> Option<i64> {
        crate::timestamp::parse_millis(&self.timestamp)
    }
}

impl Payload {
    /// The event name.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let event = Event::issue_comment_added(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.payload.name(), "issue.comment_added");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Payload::IssueCreated(_) => ISSUE_CREATED,
            Payload::IssueUpdated(_) => ISSUE_UPDATED,
            Payload::IssueStatusChanged(_) => ISSUE_STATUS_CHANGED,
            Payload::IssueSeverityChanged(_) => ISSUE_SEVERITY_CHANGED,
            Payload::IssueCommentAdded(_) => ISSUE_COMMENT_ADDED,
            Payload::RemediationCreated(_) => REMEDIATION_CREATED,
            Payload::EvaluationCreated(_) => EVALUATION_CREATED,
            Payload::EvaluationCompleted(_) => EVALUATION_COMPLETED,
            Payload::EvaluationFailed(_) => EVALUATION_FAILED,
            Payload::Unknown { event, .. } => event,
        }
    }

    /// The issue, for the five `issue.*` events.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let event = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.payload.issue().map(|i| i.id.as_str()), Some("issue-1"));
    /// ```
    #[must_use]
    pub fn issue(&self) -> Option<&Issue> {
        match self {
            Payload::IssueCreated(d)
            | Payload::IssueStatusChanged(d)
            | Payload::IssueSeverityChanged(d)
            | Payload::IssueCommentAdded(d) => Some(&d.issue),
            Payload::IssueUpdated(d) => Some(&d.issue),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Shared with the child modules' tests, which build the same envelopes.
    pub(super) fn obj<const N: usize>(members: [(&str, Value); N]) -> Value {
        Value::Object(members.into_iter().collect())
    }

    pub(super) fn envelope(event: &str, data: Value) -> Value {
        obj([("event", event.into()), ("timestamp", "2025-03-14T12:34:56Z".into()), ("data", data)])
    }

    pub(super) fn full_issue() -> Value {
        obj([
            ("id", "issue-uuid".into()),
            ("pluginId", "harmful:hate".into()),
            ("status", "open".into()),
            ("severity", "high".into()),
            ("organizationId", "org-id".into()),
            ("targetId", "target-id".into()),
            ("providerId", "provider-id".into()),
            ("createdAt", "2025-03-14T12:30:00Z".into()),
            ("updatedAt", "2025-03-14T12:30:00Z".into()),
            ("weakness", "Hate speech".into()),
            ("history", Value::Array(vec![obj([("action", "created".into())])])),
            ("customField", obj([("nested", true.into())])),
        ])
    }

    #[test]
    fn event_names_are_the_nine_documented_ones() {
        assert_eq!(EVENT_NAMES.len(), 9);
        let mut sorted = EVENT_NAMES.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 9);
    }

    #[test]
    fn every_known_event_round_trips_through_to_value() {
        let issue = full_issue();
        let cases = [
            envelope("issue.created", obj([("issue", issue.clone()), ("eventData", obj([]))])),
            envelope(
                "issue.updated",
                obj([
                    ("issue", issue.clone()),
                    (
                        "eventData",
                        obj([("changes", vec!["status changed to fixed".into()].into()), ("by", "ui".into())]),
                    ),
                    ("userId", "user-123".into()),
                    ("traceId", "t-1".into()),
                ]),
            ),
            envelope("issue.status_changed", obj([("issue", issue.clone()), ("eventData", obj([]))])),
            envelope("issue.severity_changed", obj([("issue", issue.clone()), ("eventData", obj([]))])),
            envelope(
                "issue.comment_added",
                obj([("issue", issue), ("eventData", obj([("comment", "looks real".into())])), ("x", 1.0.into())]),
            ),
            envelope(
                "remediation.created",
                obj([("issueId", "i-1".into()), ("remediation", obj([("steps", vec![].into())]))]),
            ),
            envelope(
                "evaluation.created",
                obj([("jobId", "j-1".into()), ("config", obj([("providers", vec![].into())]))]),
            ),
            envelope(
                "evaluation.completed",
                obj([
                    ("jobId", "j-1".into()),
                    ("evalId", "e-1".into()),
                    ("partial", false.into()),
                    ("progress", 100.0.into()),
                ]),
            ),
            envelope(
                "evaluation.failed",
                obj([("jobId", "j-1".into()), ("error", "boom".into()), ("progress", obj([]))]),
            ),
            envelope("issue.archived", obj([("anything", vec![1.0.into(), Value::Null].into())])),
        ];
        for case in cases {
            let event = Event::from_value(&case).unwrap();
            assert_eq!(event.to_value(), case, "{}", event.name());
        }
    }

    #[test]
    fn unknown_severity_and_status_are_kept_verbatim() {
        let issue = obj([("id", "i".into()), ("status", "false_positive".into()), ("severity", "High".into())]);
        let event = Event::from_value(&envelope("issue.created", obj([("issue", issue.clone())]))).unwrap();
        let got = event.issue().unwrap();
        assert_eq!(got.severity, Some(Severity::Other("High".into())));
        assert_eq!(got.status.as_ref().map(Status::as_str), Some("false_positive"));
        assert!(!got.status.as_ref().unwrap().is_open());
        assert_eq!(got.to_value(), issue);
    }
}
