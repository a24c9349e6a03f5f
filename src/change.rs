//! Sender side: which single event an issue change produces.
//!
//! The integration doc's rule: a change of one tracked attribute gives
//! `issue.status_changed` or `issue.severity_changed`; a change of several
//! at once gives one `issue.updated` listing them all, so a consumer gets
//! one notification per logical update.

use crate::canonical::{Object, Value};
use crate::event::{Event, Issue, IssueData, Payload};
use crate::Error;

/// The path reported when `before` and `after` are not the same issue.
const MISMATCH_PATH: &str = "$.after.id";

/// What the caller knows about the change beyond the two issue states.
///
/// ```
/// use promptfoo_webhooks::ChangeOptions;
///
/// let options = ChangeOptions { user_id: Some("u-1".into()), ..ChangeOptions::new("2025-03-14T12:34:56Z") };
/// assert_eq!(options.timestamp, "2025-03-14T12:34:56Z");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeOptions {
    /// Who made the change; sent as `data.userId` on `issue.updated` only
    /// (the single-attribute events have no documented place for it).
    pub user_id: Option<String>,
    /// The event's `timestamp`, e.g. from
    /// [`crate::timestamp::format_millis`]; no clock is read here.
    pub timestamp: String,
}

impl ChangeOptions {
    /// Options with this timestamp and no user.
    ///
    /// ```
    /// use promptfoo_webhooks::ChangeOptions;
    ///
    /// let options = ChangeOptions::new("2025-03-14T12:34:56Z");
    /// assert_eq!((options.timestamp.as_str(), options.user_id), ("2025-03-14T12:34:56Z", None));
    /// ```
    pub fn new(timestamp: impl Into<String>) -> Self {
        ChangeOptions { user_id: None, timestamp: timestamp.into() }
    }
}

/// The one event Promptfoo sends when `before` becomes `after`, or `None`
/// when neither status nor severity changed.
///
/// Each change is described with its new value (`"status changed to
/// fixed"`), status first. An attribute that goes from a value to absent is
/// not a change: there is no new value to describe. Only status and
/// severity are compared; other fields (comments, history) have their own
/// events. The event carries `after` as the issue.
///
/// Errors with [`Error::InvalidPayload`] at `$.after.id` when the two ids
/// differ: that is a bug in the caller, not a change.
///
/// ```
/// use promptfoo_webhooks::change::{issue_change_event, ChangeOptions};
/// use promptfoo_webhooks::event::{Issue, Payload, Severity, Status};
///
/// let mut before = Issue::new("issue-1");
/// before.status = Some(Status::OPEN);
/// before.severity = Some(Severity::High);
/// let mut after = before.clone();
/// after.status = Some(Status::FIXED);
///
/// let options = ChangeOptions::new("2025-03-14T14:22:33.000Z");
/// let event = issue_change_event(&before, &after, &options).unwrap().unwrap();
/// assert_eq!(event.name(), "issue.status_changed");
///
/// after.severity = Some(Severity::Low);
/// let options = ChangeOptions { user_id: Some("user-123".into()), ..options };
/// let event = issue_change_event(&before, &after, &options).unwrap().unwrap();
/// let Payload::IssueUpdated(data) = &event.payload else { unreachable!() };
/// assert_eq!(data.changes, ["status changed to fixed", "severity changed to low"]);
///
/// assert_eq!(issue_change_event(&after, &after, &options), Ok(None));
/// ```
pub fn issue_change_event(before: &Issue, after: &Issue, options: &ChangeOptions) -> Result<Option<Event>, Error> {
    if before.id != after.id {
        return Err(Error::InvalidPayload {
            path: MISMATCH_PATH.into(),
            reason: "before and after are different issues".into(),
        });
    }
    let status = changed(before.status.as_ref(), after.status.as_ref()).map(|s| describe("status", s.as_str()));
    let severity = changed(before.severity.as_ref(), after.severity.as_ref()).map(|s| describe("severity", s.as_str()));

    let timestamp = options.timestamp.clone();
    let event = match (status, severity) {
        (None, None) => return Ok(None),
        (Some(status), Some(severity)) => {
            Event::issue_updated(after.clone(), vec![status, severity], options.user_id.clone(), timestamp)
        }
        (Some(change), None) => Event { timestamp, payload: Payload::IssueStatusChanged(with_change(after, change)) },
        (None, Some(change)) => Event { timestamp, payload: Payload::IssueSeverityChanged(with_change(after, change)) },
    };
    Ok(Some(event))
}

/// The new value, when there is one and it differs from the old.
fn changed<'a, T: PartialEq>(before: Option<&T>, after: Option<&'a T>) -> Option<&'a T> {
    after.filter(|new| before != Some(*new))
}

fn describe(attribute: &str, new_value: &str) -> String {
    format!("{attribute} changed to {new_value}")
}

/// Issue data whose `eventData` is `{ "changes": [change] }`, the same
/// shape `issue.updated` uses, so one consumer code path reads both.
fn with_change(issue: &Issue, change: String) -> IssueData {
    let mut event_data = Object::new();
    event_data.insert("changes", Value::Array(vec![Value::String(change)]));
    IssueData { event_data, ..IssueData::new(issue.clone()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Severity, Status};

    fn issue(status: Option<Status>, severity: Option<Severity>) -> Issue {
        Issue { status, severity, ..Issue::new("issue-1") }
    }

    fn changes_of(event: &Event) -> Vec<String> {
        match &event.payload {
            Payload::IssueUpdated(d) => d.changes.clone(),
            Payload::IssueStatusChanged(d) | Payload::IssueSeverityChanged(d) => d
                .event_data
                .get("changes")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn no_change_gives_no_event() {
        let a = issue(Some(Status::OPEN), Some(Severity::High));
        let mut b = a.clone();
        b.weakness = Some("renamed".into()); // not a tracked attribute
        assert_eq!(issue_change_event(&a, &b, &ChangeOptions::new("t")), Ok(None));
    }

    #[test]
    fn status_only_gives_status_changed() {
        let before = issue(Some(Status::OPEN), Some(Severity::High));
        let after = issue(Some(Status::FIXED), Some(Severity::High));
        let options = ChangeOptions { user_id: Some("u".into()), timestamp: "t".into() };
        let event = issue_change_event(&before, &after, &options).unwrap().unwrap();
        assert_eq!(event.name(), "issue.status_changed");
        assert_eq!(event.timestamp, "t");
        assert_eq!(event.issue(), Some(&after));
        assert_eq!(changes_of(&event), ["status changed to fixed"]);
        // userId has no documented place on single-attribute events.
        let Payload::IssueStatusChanged(d) = &event.payload else { unreachable!() };
        assert!(d.extra.is_empty());
    }

    #[test]
    fn severity_only_gives_severity_changed() {
        let before = issue(Some(Status::OPEN), Some(Severity::High));
        let after = issue(Some(Status::OPEN), Some(Severity::Other("urgent".into())));
        let event = issue_change_event(&before, &after, &ChangeOptions::new("t")).unwrap().unwrap();
        assert_eq!(event.name(), "issue.severity_changed");
        assert_eq!(changes_of(&event), ["severity changed to urgent"]);
    }

    #[test]
    fn both_give_one_issue_updated_status_first() {
        let before = issue(Some(Status::OPEN), Some(Severity::High));
        let after = issue(Some(Status::FIXED), Some(Severity::Low));
        let options = ChangeOptions { user_id: Some("user-123".into()), timestamp: "t".into() };
        let event = issue_change_event(&before, &after, &options).unwrap().unwrap();
        assert_eq!(event.name(), "issue.updated");
        assert_eq!(changes_of(&event), ["status changed to fixed", "severity changed to low"]);
        let Payload::IssueUpdated(d) = &event.payload else { unreachable!() };
        assert_eq!(d.user_id.as_deref(), Some("user-123"));

        let anonymous = issue_change_event(&before, &after, &ChangeOptions::new("t")).unwrap().unwrap();
        let Payload::IssueUpdated(d) = &anonymous.payload else { unreachable!() };
        assert_eq!(d.user_id, None);
    }

    #[test]
    fn appearing_values_are_changes_disappearing_ones_are_not() {
        let empty = issue(None, None);
        let set = issue(Some(Status::OPEN), None);
        let event = issue_change_event(&empty, &set, &ChangeOptions::new("t")).unwrap().unwrap();
        assert_eq!(changes_of(&event), ["status changed to open"]);
        assert_eq!(issue_change_event(&set, &empty, &ChangeOptions::new("t")), Ok(None));
    }

    #[test]
    fn different_issues_are_an_error() {
        let before = Issue::new("a");
        let after = Issue { status: Some(Status::FIXED), ..Issue::new("b") };
        let err = issue_change_event(&before, &after, &ChangeOptions::new("t")).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidPayload { path: "$.after.id".into(), reason: "before and after are different issues".into() }
        );
    }

    #[test]
    fn the_event_parses_back() {
        let before = issue(Some(Status::OPEN), Some(Severity::High));
        let after = issue(Some(Status::FIXED), Some(Severity::Low));
        let options = ChangeOptions { user_id: Some("u".into()), timestamp: "2025-03-14T14:22:33Z".into() };
        let event = issue_change_event(&before, &after, &options).unwrap().unwrap();
        assert_eq!(Event::from_value(&event.to_value()), Ok(event));
    }
}
