//! Typing a parsed payload: [`Event::from_value`], [`Event::from_owned`]
//! and [`Issue::from_value`]. The schema check finds every problem first,
//! so reading the checked tree here cannot fail.

use super::{
    EvaluationCompletedData, EvaluationCreatedData, EvaluationFailedData, Event, Issue, IssueData, IssueUpdatedData,
    Payload, RemediationData, Severity, Status, EVALUATION_COMPLETED, EVALUATION_CREATED, EVALUATION_FAILED,
    ISSUE_COMMENT_ADDED, ISSUE_CREATED, ISSUE_SEVERITY_CHANGED, ISSUE_STATUS_CHANGED, ISSUE_UPDATED,
    REMEDIATION_CREATED,
};
use crate::canonical::{Object, Value};
use crate::schema;
use crate::Error;

impl Issue {
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
}

impl Event {
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
}

impl Payload {
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

#[cfg(test)]
mod tests {
    use super::super::tests::{envelope, full_issue, obj};
    use super::*;

    const MISSING: &str = "required field is missing";
    fn error_at(value: &Value) -> (String, String) {
        match Event::from_value(value) {
            Err(Error::InvalidPayload { path, reason }) => (path, reason),
            other => panic!("expected InvalidPayload, got {other:?}"),
        }
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
}
