//! The documented payload shapes, checked: which members each object must or
//! may have, and of what kind, as the contract's tables say
//! ([`crate::contract`]). The npm package runs the same tables through
//! code generated from them (`scripts/generate.mjs`), so it says what this
//! says for the same payload (tests/vectors/payload-verdicts.json).
//!
//! Rules ([`Member::accepts`]): a required member must be present (for
//! [`Rule::Any`], `null` counts as present; for every other rule `null` is
//! the wrong kind); an optional member may be absent or `null`; members not
//! listed are the sender's own data and never checked. An event name not
//! listed has no rules for `data` beyond being an object.

use crate::canonical::{Object, Value};
use crate::contract::{event_spec, Kind, Member, Rule, ENVELOPE, ISSUE, MISSING_REASON, WRONG_KIND_REASON};
use crate::path::join_path;
use crate::Error;

/// Where a member sits, rendered as a JSON path only for an error: a
/// valid payload allocates nothing for its paths.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'static str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
        match self {
            Path::Root => "$".to_owned(),
            Path::Key(parent, key) => join_path(&parent.render(), key),
            Path::Index(parent, index) => format!("{}[{index}]", parent.render()),
        }
    }
}

fn kind_of(value: &Value) -> Kind {
    match value {
        Value::Null => Kind::Null,
        Value::Bool(_) => Kind::Boolean,
        Value::Number(_) => Kind::Number,
        Value::String(_) => Kind::String,
        Value::Array(_) => Kind::Array,
        Value::Object(_) => Kind::Object,
    }
}

/// Checks `payload` against the envelope and its event's `data` shape. The
/// first problem found, in table order and depth first, is the error: it
/// names the member's JSON path.
pub(crate) fn check(payload: &Value) -> Result<(), Error> {
    let root = Path::Root;
    let envelope = object_at(payload, &root)?;
    check_members(envelope, ENVELOPE, &root)?;
    // The envelope's rules made `event` a string and `data` an object.
    let rules = envelope.get("event").and_then(Value::as_str).and_then(event_spec).map_or(&[][..], |event| event.data);
    match envelope.get("data") {
        Some(Value::Object(data)) => check_members(data, rules, &Path::Key(&root, "data")),
        _ => Ok(()),
    }
}

/// Checks a standalone issue object, as `$`.
pub(crate) fn check_issue(issue: &Value) -> Result<(), Error> {
    check_members(object_at(issue, &Path::Root)?, ISSUE, &Path::Root)
}

fn object_at<'a>(value: &'a Value, path: &Path) -> Result<&'a Object, Error> {
    value.as_object().ok_or_else(|| wrong_kind(path, Kind::Object, kind_of(value)))
}

fn check_members(object: &Object, members: &'static [Member], parent: &Path) -> Result<(), Error> {
    for member in members {
        let path = Path::Key(parent, member.key);
        let value = object.get(member.key);
        let kind = value.map(kind_of);
        if !member.accepts(kind) {
            return Err(match (kind, member.rule.kind()) {
                (Some(got), Some(expected)) => wrong_kind(&path, expected, got),
                _ => invalid(&path, MISSING_REASON.to_owned()),
            });
        }
        // Containers with rules of their own are read further.
        match (member.rule, value) {
            (Rule::Object(inner), Some(Value::Object(value))) => check_members(value, inner, &path)?,
            (Rule::Strings, Some(Value::Array(elements))) => {
                let not_string = elements.iter().map(kind_of).enumerate().find(|(_, kind)| *kind != Kind::String);
                if let Some((index, got)) = not_string {
                    return Err(wrong_kind(&Path::Index(&path, index), Kind::String, got));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn wrong_kind(path: &Path, expected: Kind, got: Kind) -> Error {
    invalid(path, WRONG_KIND_REASON.replace("{expected}", expected.name()).replace("{got}", got.name()))
}

fn invalid(path: &Path, reason: String) -> Error {
    Error::InvalidPayload { path: path.render(), reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical;

    fn error_of(json: &str) -> (String, String) {
        let value = canonical::parse(json).unwrap();
        match check(&value) {
            Err(Error::InvalidPayload { path, reason }) => (path, reason),
            other => panic!("expected InvalidPayload, got {other:?}"),
        }
    }

    #[test]
    fn an_unknown_event_needs_only_the_envelope() {
        let value = canonical::parse(r#"{"event":"x.y","timestamp":"t","data":{"any":1}}"#).unwrap();
        assert!(check(&value).is_ok());
        assert_eq!(
            error_of(r#"{"event":"x.y","timestamp":"t","data":[]}"#),
            ("$.data".into(), "expected object, got array".into())
        );
    }

    #[test]
    fn a_bad_element_is_named_by_its_index() {
        assert_eq!(
            error_of(
                r#"{"event":"issue.updated","timestamp":"t","data":{"issue":{"id":"i"},"eventData":{"changes":["a",null]}}}"#
            ),
            ("$.data.eventData.changes[1]".into(), "expected string, got null".into())
        );
    }

    #[test]
    fn null_is_absent_for_optional_members_and_present_for_any() {
        let ok = r#"{"event":"remediation.created","timestamp":"t","data":{"issueId":"i","remediation":null,"x":1}}"#;
        assert!(check(&canonical::parse(ok).unwrap()).is_ok());
        let optional_null = r#"{"event":"evaluation.completed","timestamp":"t","data":{"jobId":"j","partial":null}}"#;
        assert!(check(&canonical::parse(optional_null).unwrap()).is_ok());
        assert_eq!(
            error_of(r#"{"event":"evaluation.failed","timestamp":"t","data":{"jobId":null}}"#),
            ("$.data.jobId".into(), "expected string, got null".into())
        );
    }

    #[test]
    fn the_first_problem_in_table_order_is_reported() {
        assert_eq!(
            error_of(r#"{"event":"issue.created","timestamp":"t","data":{"issue":{"history":1,"status":2}}}"#),
            ("$.data.issue.id".into(), MISSING_REASON.into())
        );
        assert_eq!(
            error_of(r#"{"event":"issue.created","timestamp":"t","data":{"issue":{"id":"i","history":1,"status":2}}}"#),
            ("$.data.issue.status".into(), "expected string, got number".into())
        );
    }
}
