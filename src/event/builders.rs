//! The named constructors senders and tests build events with
//! ([`Event::issue_created`], ...) and the [`IssueUpdated`] builder. Each
//! leaves empty what it takes no argument for (`eventData` but for its
//! `changes`, the `extra` members); [`Event::new`] takes a whole payload.

use super::{
    EvaluationCompletedData, EvaluationCreatedData, EvaluationFailedData, Event, Issue, IssueData, IssueUpdatedData,
    Payload, RemediationData,
};
use crate::canonical::{Object, Value};

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
}

#[cfg(test)]
mod tests {
    use super::super::tests::{envelope, obj};
    use super::*;

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
