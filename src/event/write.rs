//! An event back to its wire object: [`Event::to_value`], [`Event::to_json`],
//! [`Payload::data_value`] and [`Issue::to_value`]. Documented members come
//! first, in documentation order, then the `extra` members the sender added.

use super::{
    Event, Issue, Payload, Severity, Status, EVALUATION_COMPLETED, EVALUATION_CREATED, EVALUATION_FAILED,
    ISSUE_UPDATED, REMEDIATION_CREATED,
};
use crate::canonical::{Object, Value};
use crate::contract;

impl Issue {
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

impl Event {
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
}
