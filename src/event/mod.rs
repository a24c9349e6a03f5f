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

use crate::canonical::{Object, Value};
use crate::contract;
use crate::schema;
use crate::Error;
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

    /// Types an issue object; error paths are relative to it (`$.id`).
    ///
    /// ```
    /// use promptfoo_webhooks::{canonical, Issue, Severity};
    ///
    /// let issue = Issue::from_value(&canonical::parse(r#"{"id":"issue-1","severity":"high"}"#)?)?;
    /// assert_eq!(issue.severity, Some(Severity::High));
    /// assert!(Issue::from_value(&canonical::parse("{}")?).is_err());
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn from_value(value: &Value) -> Result<Issue, Error> {
        schema::check_issue(value)?;
        Ok(issue(Reader::new(value.clone())))
    }

    /// The wire object: documented fields in documentation order (absent
    /// ones omitted), then `extra`. An `extra` key that names a documented
    /// field is skipped: the typed field wins.
    ///
    /// ```
    /// use promptfoo_webhooks::{Issue, Status};
    ///
    /// let mut issue = Issue::new("issue-1");
    /// issue.status = Some(Status::OPEN);
    /// assert_eq!(issue.to_value().to_json(), r#"{"id":"issue-1","status":"open"}"#);
    /// ```
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        o.insert("id", self.id.as_str().into());
        put_str(&mut o, "pluginId", self.plugin_id.as_deref());
        put_str(&mut o, "status", self.status.as_ref().map(Status::as_str));
        put_str(&mut o, "severity", self.severity.as_ref().map(Severity::as_str));
        put_str(&mut o, "organizationId", self.organization_id.as_deref());
        put_str(&mut o, "targetId", self.target_id.as_deref());
        put_str(&mut o, "providerId", self.provider_id.as_deref());
        put_str(&mut o, "createdAt", self.created_at.as_deref());
        put_str(&mut o, "updatedAt", self.updated_at.as_deref());
        put_str(&mut o, "weakness", self.weakness.as_deref());
        if let Some(history) = &self.history {
            o.insert("history", Value::Array(history.clone()));
        }
        put_extra(&mut o, &self.extra, contract::ISSUE);
        Value::Object(o)
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

/// `issue.updated`, built by name: the issue, each change, who made it.
///
/// ```
/// use promptfoo_webhooks::{Event, Issue, IssueUpdated, Payload};
///
/// let event = IssueUpdated::new(Issue::new("issue-1"))
///     .change("status changed to fixed")
///     .change("severity changed to low")
///     .user_id("user-123")
///     .at("2025-03-14T14:22:33Z");
/// let Payload::IssueUpdated(data) = &event.payload else { unreachable!() };
/// assert_eq!((data.changes.len(), data.user_id.as_deref()), (2, Some("user-123")));
/// assert_eq!(event, Event::issue_updated(Issue::new("issue-1"), data.changes.clone(), Some("user-123".into()), "2025-03-14T14:22:33Z"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use = "an IssueUpdated builds nothing until `at` or `now`"]
pub struct IssueUpdated {
    issue: Issue,
    changes: Vec<String>,
    user_id: Option<String>,
}

impl IssueUpdated {
    /// The update of `issue` (its state after the change), no change listed yet.
    pub fn new(issue: Issue) -> Self {
        IssueUpdated { issue, changes: Vec::new(), user_id: None }
    }

    /// Lists one change, e.g. `"status changed to fixed"`, after those listed.
    pub fn change(mut self, change: impl Into<String>) -> Self {
        self.changes.push(change.into());
        self
    }

    /// Lists several changes, after those listed.
    ///
    /// ```
    /// use promptfoo_webhooks::{Issue, IssueUpdated};
    ///
    /// let event = IssueUpdated::new(Issue::new("issue-1")).changes(["status changed to fixed"]).at("2025-03-14T14:22:33Z");
    /// assert_eq!(event.name(), "issue.updated");
    /// ```
    pub fn changes<C: Into<String>>(mut self, changes: impl IntoIterator<Item = C>) -> Self {
        self.changes.extend(changes.into_iter().map(Into::into));
        self
    }

    /// `userId`: who made the change.
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self
    }

    /// The event, sent at `timestamp`.
    pub fn at(self, timestamp: impl Into<String>) -> Event {
        let IssueUpdated { issue, changes, user_id } = self;
        Event::issue_updated(issue, changes, user_id, timestamp)
    }

    /// The event, sent now ([`crate::timestamp_now`]).
    ///
    /// ```
    /// use promptfoo_webhooks::{Issue, IssueUpdated};
    ///
    /// let event = IssueUpdated::new(Issue::new("issue-1")).change("status changed to fixed").now();
    /// assert!(event.timestamp_millis().is_some());
    /// ```
    #[cfg(not(target_arch = "wasm32"))]
    #[must_use]
    pub fn now(self) -> Event {
        self.at(crate::timestamp::timestamp_now())
    }
}

impl Event {
    /// `issue.created` with an empty `eventData`.
    ///
    /// ```
    /// use promptfoo_webhooks::event::{Event, Issue, Severity, Status};
    /// use promptfoo_webhooks::canonical::Value;
    ///
    /// let mut issue = Issue::new("issue-1");
    /// issue.status = Some(Status::OPEN);
    /// issue.severity = Some(Severity::High);
    /// let event = Event::issue_created(issue, "2025-03-14T12:34:56.000Z");
    /// assert_eq!(event.name(), "issue.created");
    ///
    /// let wire = event.to_value();
    /// let keys: Vec<&str> = wire.as_object().unwrap().iter().map(|(k, _)| k).collect();
    /// assert_eq!(keys, ["event", "timestamp", "data"]);
    /// assert_eq!(Event::from_value(&wire), Ok(event));
    /// ```
    pub fn issue_created(issue: Issue, timestamp: impl Into<String>) -> Event {
        Event::new(Payload::IssueCreated(IssueData::new(issue)), timestamp)
    }

    /// `issue.updated` with `eventData.changes` and, when given, `userId`
    /// ([`IssueUpdated`] builds the same event with named parts).
    ///
    /// ```
    /// use promptfoo_webhooks::event::{Event, Issue, Payload};
    ///
    /// let changes = vec!["status changed to fixed".to_string(), "severity changed to low".to_string()];
    /// let event = Event::issue_updated(Issue::new("issue-1"), changes, Some("user-123".into()), "2025-03-14T14:22:33Z");
    /// let Payload::IssueUpdated(data) = &event.payload else { unreachable!() };
    /// assert_eq!(data.changes.len(), 2);
    /// assert_eq!(data.user_id.as_deref(), Some("user-123"));
    /// ```
    pub fn issue_updated(
        issue: Issue,
        changes: Vec<String>,
        user_id: Option<String>,
        timestamp: impl Into<String>,
    ) -> Event {
        let data = IssueUpdatedData { issue, changes, event_data_extra: Object::new(), user_id, extra: Object::new() };
        Event::new(Payload::IssueUpdated(data), timestamp)
    }

    /// `issue.status_changed` with an empty `eventData` (see
    /// [`crate::change::issue_change_event`] for one that says what changed).
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let event = Event::issue_status_changed(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.name(), "issue.status_changed");
    /// ```
    pub fn issue_status_changed(issue: Issue, timestamp: impl Into<String>) -> Event {
        Event::new(Payload::IssueStatusChanged(IssueData::new(issue)), timestamp)
    }

    /// `issue.severity_changed` with an empty `eventData`.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let event = Event::issue_severity_changed(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.name(), "issue.severity_changed");
    /// ```
    pub fn issue_severity_changed(issue: Issue, timestamp: impl Into<String>) -> Event {
        Event::new(Payload::IssueSeverityChanged(IssueData::new(issue)), timestamp)
    }

    /// `issue.comment_added` with an empty `eventData`.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let event = Event::issue_comment_added(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
    /// assert_eq!(event.name(), "issue.comment_added");
    /// ```
    pub fn issue_comment_added(issue: Issue, timestamp: impl Into<String>) -> Event {
        Event::new(Payload::IssueCommentAdded(IssueData::new(issue)), timestamp)
    }

    /// `remediation.created`.
    ///
    /// ```
    /// use promptfoo_webhooks::event::Event;
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let remediation: Object = [("summary", Value::from("Add an output filter"))].into_iter().collect();
    /// let event = Event::remediation_created("issue-1", remediation.into(), "2025-03-14T12:34:56Z");
    /// let data = event.to_value();
    /// let data = data.as_object().and_then(|o| o.get("data")).and_then(Value::as_object).unwrap();
    /// assert_eq!(data.get("issueId"), Some(&Value::from("issue-1")));
    /// ```
    pub fn remediation_created(issue_id: impl Into<String>, remediation: Value, timestamp: impl Into<String>) -> Event {
        let data = RemediationData { issue_id: issue_id.into(), remediation, extra: Object::new() };
        Event::new(Payload::RemediationCreated(data), timestamp)
    }

    /// `evaluation.created`.
    ///
    /// ```
    /// use promptfoo_webhooks::event::Event;
    ///
    /// let event = Event::evaluation_created("job-1", None, "2025-03-14T12:34:56Z");
    /// assert_eq!(event.name(), "evaluation.created");
    /// ```
    pub fn evaluation_created(job_id: impl Into<String>, config: Option<Value>, timestamp: impl Into<String>) -> Event {
        let data = EvaluationCreatedData { job_id: job_id.into(), config, extra: Object::new() };
        Event::new(Payload::EvaluationCreated(data), timestamp)
    }

    /// `evaluation.completed`.
    ///
    /// ```
    /// use promptfoo_webhooks::event::Event;
    ///
    /// let event = Event::evaluation_completed("job-1", Some("eval-9".into()), Some(false), None, "2025-03-14T12:34:56Z");
    /// assert_eq!(event.name(), "evaluation.completed");
    /// ```
    pub fn evaluation_completed(
        job_id: impl Into<String>,
        eval_id: Option<String>,
        partial: Option<bool>,
        progress: Option<Value>,
        timestamp: impl Into<String>,
    ) -> Event {
        let data = EvaluationCompletedData { job_id: job_id.into(), eval_id, partial, progress, extra: Object::new() };
        Event::new(Payload::EvaluationCompleted(data), timestamp)
    }

    /// `evaluation.failed`.
    ///
    /// ```
    /// use promptfoo_webhooks::event::Event;
    ///
    /// let event = Event::evaluation_failed("job-1", Some("provider timed out".into()), None, "2025-03-14T12:34:56Z");
    /// assert_eq!(event.name(), "evaluation.failed");
    /// ```
    pub fn evaluation_failed(
        job_id: impl Into<String>,
        error: Option<Value>,
        progress: Option<Value>,
        timestamp: impl Into<String>,
    ) -> Event {
        let data = EvaluationFailedData { job_id: job_id.into(), error, progress, extra: Object::new() };
        Event::new(Payload::EvaluationFailed(data), timestamp)
    }

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

    /// Types a parsed payload. The envelope must be an object with string
    /// `event` and `timestamp` and an object `data`; then `data` is
    /// checked against the event's documented shape. Unknown top-level
    /// keys are ignored.
    ///
    /// ```
    /// use promptfoo_webhooks::event::{Event, Payload};
    /// use promptfoo_webhooks::canonical::{Object, Value};
    ///
    /// let issue: Object = [("id", Value::from(42.0))].into_iter().collect();
    /// let data: Object = [("issue", Value::from(issue))].into_iter().collect();
    /// let payload: Object = [
    ///     ("event", Value::from("issue.created")),
    ///     ("timestamp", Value::from("2025-03-14T12:34:56Z")),
    ///     ("data", Value::from(data.clone())),
    /// ].into_iter().collect();
    /// let err = Event::from_value(&payload.into()).unwrap_err();
    /// assert_eq!(err.to_string(), "invalid payload at $.data.issue.id: expected string, got number");
    ///
    /// // An unknown event name is not an error.
    /// let payload: Object = [
    ///     ("event", Value::from("issue.archived")),
    ///     ("timestamp", Value::from("2025-03-14T12:34:56Z")),
    ///     ("data", Value::from(data)),
    /// ].into_iter().collect();
    /// let event = Event::from_value(&payload.into()).unwrap();
    /// assert!(matches!(event.payload, Payload::Unknown { .. }));
    /// ```
    pub fn from_value(value: &Value) -> Result<Event, Error> {
        Event::from_owned(value.clone())
    }

    /// As [`Event::from_value`], taking the fields out of `value` instead
    /// of copying them: what the receive pipeline uses.
    ///
    /// ```
    /// use promptfoo_webhooks::{canonical, Event};
    ///
    /// let value = canonical::parse(r#"{"event":"evaluation.created","timestamp":"2025-03-14T12:34:56Z","data":{"jobId":"job-1"}}"#)?;
    /// assert_eq!(Event::from_owned(value)?.name(), "evaluation.created");
    /// # Ok::<(), promptfoo_webhooks::Error>(())
    /// ```
    pub fn from_owned(value: Value) -> Result<Event, Error> {
        // The schema finds every problem; reading the checked tree cannot fail.
        schema::check(&value)?;
        let timestamp =
            value.as_object().and_then(|o| o.get("timestamp")).and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut envelope = Reader::new(value);
        let name = envelope.string("event");
        let payload = Payload::from_data(name, envelope.object("data"));
        Ok(Event { timestamp, payload })
    }

    /// The wire object `{ event, timestamp, data }`, in that order.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let value = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_value();
    /// let keys: Vec<&str> = value.as_object().unwrap().iter().map(|(k, _)| k).collect();
    /// assert_eq!(keys, ["event", "timestamp", "data"]);
    /// ```
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        o.insert("event", self.name().into());
        o.insert("timestamp", self.timestamp.as_str().into());
        o.insert("data", self.payload.data_value());
        Value::Object(o)
    }

    /// The body as `JSON.stringify` would print [`Event::to_value`]: the
    /// exact text to sign and send.
    ///
    /// ```
    /// use promptfoo_webhooks::{Event, Issue};
    ///
    /// let json = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z").to_json();
    /// assert_eq!(json, r#"{"event":"issue.created","timestamp":"2025-03-14T12:34:56Z","data":{"issue":{"id":"issue-1"},"eventData":{}}}"#);
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        self.to_value().to_json()
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

    /// The wire `data`: documented fields first, in documentation order,
    /// then the `extra` keys.
    ///
    /// ```
    /// use promptfoo_webhooks::Event;
    ///
    /// let event = Event::evaluation_created("job-1", None, "2025-03-14T12:34:56Z");
    /// assert_eq!(event.payload.data_value().to_json(), r#"{"jobId":"job-1"}"#);
    /// ```
    #[must_use]
    pub fn data_value(&self) -> Value {
        let mut o = Object::new();
        match self {
            Payload::IssueCreated(d)
            | Payload::IssueStatusChanged(d)
            | Payload::IssueSeverityChanged(d)
            | Payload::IssueCommentAdded(d) => {
                o.insert("issue", d.issue.to_value());
                o.insert("eventData", Value::Object(d.event_data.clone()));
                put_extra(&mut o, &d.extra, documented(self.name()));
            }
            Payload::IssueUpdated(d) => {
                o.insert("issue", d.issue.to_value());
                let mut event_data = Object::new();
                let changes = d.changes.iter().map(|c| Value::from(c.as_str())).collect();
                event_data.insert("changes", Value::Array(changes));
                put_extra(&mut event_data, &d.event_data_extra, members_of(documented(ISSUE_UPDATED), "eventData"));
                o.insert("eventData", Value::Object(event_data));
                put_str(&mut o, "userId", d.user_id.as_deref());
                put_extra(&mut o, &d.extra, documented(ISSUE_UPDATED));
            }
            Payload::RemediationCreated(d) => {
                o.insert("issueId", d.issue_id.as_str().into());
                o.insert("remediation", d.remediation.clone());
                put_extra(&mut o, &d.extra, documented(REMEDIATION_CREATED));
            }
            Payload::EvaluationCreated(d) => {
                o.insert("jobId", d.job_id.as_str().into());
                put_value(&mut o, "config", d.config.as_ref());
                put_extra(&mut o, &d.extra, documented(EVALUATION_CREATED));
            }
            Payload::EvaluationCompleted(d) => {
                o.insert("jobId", d.job_id.as_str().into());
                put_str(&mut o, "evalId", d.eval_id.as_deref());
                if let Some(partial) = d.partial {
                    o.insert("partial", partial.into());
                }
                put_value(&mut o, "progress", d.progress.as_ref());
                put_extra(&mut o, &d.extra, documented(EVALUATION_COMPLETED));
            }
            Payload::EvaluationFailed(d) => {
                o.insert("jobId", d.job_id.as_str().into());
                put_value(&mut o, "error", d.error.as_ref());
                put_value(&mut o, "progress", d.progress.as_ref());
                put_extra(&mut o, &d.extra, documented(EVALUATION_FAILED));
            }
            Payload::Unknown { data, .. } => return data.clone(),
        }
        Value::Object(o)
    }

    /// Types `data`, already checked against the schema, for event `name`.
    fn from_data(name: String, mut data: Reader) -> Payload {
        // Each field is taken out of `data` as it is read; what is left over
        // is the `extra` the sender added.
        match name.as_str() {
            ISSUE_CREATED => Payload::IssueCreated(issue_data(data)),
            ISSUE_STATUS_CHANGED => Payload::IssueStatusChanged(issue_data(data)),
            ISSUE_SEVERITY_CHANGED => Payload::IssueSeverityChanged(issue_data(data)),
            ISSUE_COMMENT_ADDED => Payload::IssueCommentAdded(issue_data(data)),
            ISSUE_UPDATED => {
                let issue = issue(data.object("issue"));
                let mut event_data = data.object("eventData");
                Payload::IssueUpdated(IssueUpdatedData {
                    issue,
                    changes: event_data.strings("changes"),
                    event_data_extra: event_data.rest(),
                    user_id: data.optional_string("userId"),
                    extra: data.rest(),
                })
            }
            REMEDIATION_CREATED => Payload::RemediationCreated(RemediationData {
                issue_id: data.string("issueId"),
                remediation: data.object.remove("remediation").unwrap_or(Value::Null),
                extra: data.rest(),
            }),
            EVALUATION_CREATED => Payload::EvaluationCreated(EvaluationCreatedData {
                job_id: data.string("jobId"),
                config: data.optional_value("config"),
                extra: data.rest(),
            }),
            EVALUATION_COMPLETED => Payload::EvaluationCompleted(EvaluationCompletedData {
                job_id: data.string("jobId"),
                eval_id: data.optional_string("evalId"),
                partial: data.optional_value("partial").and_then(|v| v.as_bool()),
                progress: data.optional_value("progress"),
                extra: data.rest(),
            }),
            EVALUATION_FAILED => Payload::EvaluationFailed(EvaluationFailedData {
                job_id: data.string("jobId"),
                error: data.optional_value("error"),
                progress: data.optional_value("progress"),
                extra: data.rest(),
            }),
            _ => Payload::Unknown { event: name, data: Value::Object(data.rest()) },
        }
    }
}

fn issue_data(mut data: Reader) -> IssueData {
    let issue = issue(data.object("issue"));
    let event_data = data.optional_value("eventData").map(|v| Reader::new(v).rest()).unwrap_or_default();
    IssueData { issue, event_data, extra: data.rest() }
}

fn issue(mut r: Reader) -> Issue {
    Issue {
        id: r.string("id"),
        plugin_id: r.optional_string("pluginId"),
        status: r.optional_string("status").map(Status::new),
        severity: r.optional_string("severity").map(|s| Severity::parse(&s)),
        organization_id: r.optional_string("organizationId"),
        target_id: r.optional_string("targetId"),
        provider_id: r.optional_string("providerId"),
        created_at: r.optional_string("createdAt"),
        updated_at: r.optional_string("updatedAt"),
        weakness: r.optional_string("weakness"),
        history: r.optional_value("history").and_then(Value::into_array),
        extra: r.rest(),
    }
}

/// Takes members out of an object the schema has checked, so nothing is
/// copied and what [`Reader::rest`] returns is exactly the members nobody
/// asked for. A member of an unexpected type reads as absent or empty; the
/// schema has already refused those.
struct Reader {
    object: Object,
}

impl Reader {
    fn new(value: Value) -> Self {
        Reader { object: value.into_object().unwrap_or_default() }
    }

    /// The value under `key`; `None` when absent or `null`.
    fn optional_value(&mut self, key: &str) -> Option<Value> {
        self.object.remove(key).filter(|v| !matches!(v, Value::Null))
    }

    fn optional_string(&mut self, key: &str) -> Option<String> {
        self.optional_value(key).and_then(Value::into_string)
    }

    fn string(&mut self, key: &str) -> String {
        self.optional_string(key).unwrap_or_default()
    }

    fn object(&mut self, key: &str) -> Reader {
        Reader::new(self.object.remove(key).unwrap_or(Value::Null))
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        let items = self.optional_value(key).and_then(Value::into_array).unwrap_or_default();
        items.into_iter().filter_map(Value::into_string).collect()
    }

    /// The members not read, in their JavaScript order.
    fn rest(self) -> Object {
        self.object
    }
}

fn put_str(o: &mut Object, key: &str, value: Option<&str>) {
    if let Some(s) = value {
        o.insert(key, s.into());
    }
}

fn put_value(o: &mut Object, key: &str, value: Option<&Value>) {
    if let Some(v) = value {
        o.insert(key, v.clone());
    }
}

/// Appends `extra` members, skipping any that would overwrite a documented member.
fn put_extra(o: &mut Object, extra: &Object, documented: &[contract::Member]) {
    for (k, v) in extra.iter().filter(|(k, _)| !documented.iter().any(|member| member.key == *k)) {
        o.insert(k, v.clone());
    }
}

/// The contract's members of event `name`'s `data`.
fn documented(name: &str) -> &'static [contract::Member] {
    contract::event_spec(name).map_or(&[], |event| event.data)
}

/// The members of the object member `key` of a table.
fn members_of(table: &'static [contract::Member], key: &str) -> &'static [contract::Member] {
    match table.iter().find(|member| member.key == key).map(|member| member.rule) {
        Some(contract::Rule::Object(inner)) => inner,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISSING: &str = "required field is missing";

    fn obj<const N: usize>(members: [(&str, Value); N]) -> Value {
        Value::Object(members.into_iter().collect())
    }

    fn envelope(event: &str, data: Value) -> Value {
        obj([("event", event.into()), ("timestamp", "2025-03-14T12:34:56Z".into()), ("data", data)])
    }

    fn full_issue() -> Value {
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

    fn error_at(value: &Value) -> (String, String) {
        match Event::from_value(value) {
            Err(Error::InvalidPayload { path, reason }) => (path, reason),
            other => panic!("expected InvalidPayload, got {other:?}"),
        }
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
    fn parses_a_full_issue_created() {
        let data = obj([("issue", full_issue()), ("eventData", obj([("source", "scan".into())]))]);
        let event = Event::from_value(&envelope("issue.created", data)).unwrap();
        assert_eq!(event.name(), "issue.created");
        assert_eq!(event.timestamp, "2025-03-14T12:34:56Z");
        let Payload::IssueCreated(d) = &event.payload else { panic!("{event:?}") };
        assert_eq!(d.issue.id, "issue-uuid");
        assert_eq!(d.issue.status, Some(Status::OPEN));
        assert_eq!(d.issue.severity, Some(Severity::High));
        assert_eq!(d.issue.weakness.as_deref(), Some("Hate speech"));
        assert_eq!(d.issue.history.as_ref().map(Vec::len), Some(1));
        assert_eq!(d.issue.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["customField"]);
        assert_eq!(d.event_data.get("source"), Some(&"scan".into()));
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
    fn unknown_events_keep_name_and_raw_data() {
        let data = obj([("issue", 7.0.into())]);
        let event = Event::from_value(&envelope("issue.archived", data.clone())).unwrap();
        assert_eq!(event.payload, Payload::Unknown { event: "issue.archived".into(), data });
        assert_eq!(event.issue(), None);
    }

    #[test]
    fn nulls_mean_absent_for_optional_fields() {
        let issue = obj([("id", "i".into()), ("status", Value::Null), ("history", Value::Null)]);
        let data = obj([("issue", issue), ("eventData", Value::Null)]);
        let event = Event::from_value(&envelope("issue.created", data)).unwrap();
        let Payload::IssueCreated(d) = event.payload else { panic!() };
        assert_eq!(d.issue, Issue::new("i"));
        assert!(d.event_data.is_empty());
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

    #[test]
    fn envelope_errors_name_their_path() {
        assert_eq!(error_at(&Value::Array(vec![])), ("$".into(), "expected object, got array".into()));
        let no_event = obj([("timestamp", "t".into()), ("data", obj([]))]);
        assert_eq!(error_at(&no_event), ("$.event".into(), MISSING.into()));
        let bad_ts = obj([("event", "x".into()), ("timestamp", 1.0.into()), ("data", obj([]))]);
        assert_eq!(error_at(&bad_ts), ("$.timestamp".into(), "expected string, got number".into()));
        let null_event = obj([("event", Value::Null), ("timestamp", "t".into()), ("data", obj([]))]);
        assert_eq!(error_at(&null_event), ("$.event".into(), "expected string, got null".into()));
        // Unknown events still need an object `data`.
        assert_eq!(error_at(&envelope("x.y", "s".into())), ("$.data".into(), "expected object, got string".into()));
    }

    #[test]
    fn data_errors_name_their_path() {
        let cases: [(&str, Value, &str, &str); 12] = [
            ("issue.created", obj([]), "$.data.issue", MISSING),
            ("issue.created", obj([("issue", "i".into())]), "$.data.issue", "expected object, got string"),
            (
                "issue.created",
                obj([("issue", obj([("id", 1.0.into())]))]),
                "$.data.issue.id",
                "expected string, got number",
            ),
            (
                "issue.created",
                obj([("issue", obj([("id", "i".into()), ("severity", true.into())]))]),
                "$.data.issue.severity",
                "expected string, got boolean",
            ),
            (
                "issue.created",
                obj([("issue", obj([("id", "i".into()), ("history", obj([]))]))]),
                "$.data.issue.history",
                "expected array, got object",
            ),
            (
                "issue.created",
                obj([("issue", obj([("id", "i".into())])), ("eventData", vec![].into())]),
                "$.data.eventData",
                "expected object, got array",
            ),
            ("issue.updated", obj([("issue", obj([("id", "i".into())]))]), "$.data.eventData", MISSING),
            (
                "issue.updated",
                obj([("issue", obj([("id", "i".into())])), ("eventData", obj([]))]),
                "$.data.eventData.changes",
                MISSING,
            ),
            (
                "issue.updated",
                obj([
                    ("issue", obj([("id", "i".into())])),
                    ("eventData", obj([("changes", vec!["a".into(), 2.0.into()].into())])),
                ]),
                "$.data.eventData.changes[1]",
                "expected string, got number",
            ),
            ("remediation.created", obj([("issueId", "i".into())]), "$.data.remediation", MISSING),
            (
                "evaluation.completed",
                obj([("jobId", "j".into()), ("partial", "no".into())]),
                "$.data.partial",
                "expected boolean, got string",
            ),
            ("evaluation.failed", obj([]), "$.data.jobId", MISSING),
        ];
        for (name, data, path, reason) in cases {
            assert_eq!(error_at(&envelope(name, data)), (path.to_owned(), reason.to_owned()), "{name}");
        }
    }

    #[test]
    fn to_value_writes_documented_fields_first_and_typed_fields_win() {
        let mut issue = Issue::new("i");
        issue.severity = Some(Severity::Low);
        issue.extra.insert("zeta", 1.0.into());
        issue.extra.insert("id", "ignored".into());
        issue.extra.insert("7", Value::Null);
        let value = issue.to_value();
        let keys: Vec<&str> = value.as_object().unwrap().iter().map(|(k, _)| k).collect();
        // Array-index keys go first, as in any JavaScript object.
        assert_eq!(keys, ["7", "id", "severity", "zeta"]);
        assert_eq!(value.as_object().unwrap().get("id"), Some(&"i".into()));
    }

    #[test]
    fn builders_produce_the_documented_shapes() {
        let event = Event::issue_updated(Issue::new("i"), vec!["status changed to fixed".into()], None, "t");
        let mut expected = envelope(
            "issue.updated",
            obj([
                ("issue", obj([("id", "i".into())])),
                ("eventData", obj([("changes", vec!["status changed to fixed".into()].into())])),
            ]),
        );
        let Value::Object(members) = &mut expected else { unreachable!() };
        members.insert("timestamp", "t".into());
        assert_eq!(event.to_value(), expected);

        let failed = Event::evaluation_failed("j", None, Some(50.0.into()), "t").to_value();
        let data = failed.as_object().and_then(|o| o.get("data")).unwrap();
        assert_eq!(data, &obj([("jobId", "j".into()), ("progress", 50.0.into())]));

        for (event, name) in [
            (Event::issue_status_changed(Issue::new("i"), "t"), "issue.status_changed"),
            (Event::issue_severity_changed(Issue::new("i"), "t"), "issue.severity_changed"),
            (Event::issue_comment_added(Issue::new("i"), "t"), "issue.comment_added"),
            (Event::remediation_created("i", Value::Null, "t"), "remediation.created"),
        ] {
            assert_eq!(event.name(), name);
        }
    }
}
