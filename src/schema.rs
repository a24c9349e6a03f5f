//! The documented payload shapes as data: which members each object must or
//! may have, and of what type. One table, walked over any tree through
//! [`Tree`]: the crate's own [`Value`] (for [`Event::from_owned`]) and, in
//! the npm package, the object `JSON.parse` returned (src/wasm.rs), so the
//! JS layer never keeps a copy of these rules.
//!
//! Rules: a required member must be present (for [`Rule::Any`], `null`
//! counts as present; for every other rule `null` is the wrong type); an
//! optional member may be absent or `null`; members not listed are the
//! sender's own data and never checked. An event name not listed has no
//! rules for `data` beyond being an object.
//!
//! [`Event::from_owned`]: crate::Event::from_owned

use crate::canonical::Value;
use crate::event::join_path;
use crate::Error;

/// The JSON types, named as error messages print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
    /// Something `JSON.parse` never returns (a BigInt, an object with its
    /// own `toJSON`): only a tree read from JavaScript can hold one.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
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

/// Read access to a parsed JSON tree: all the checker needs.
pub(crate) trait Tree: Sized {
    fn kind(&self) -> Kind;
    /// The member `key` of an object; `None` when absent (or not an object).
    fn member(&self, key: &'static str) -> Option<Self>;
    /// The elements of an array (none for anything else), read as they are used.
    fn elements(&self) -> impl Iterator<Item = Self> + '_;
    /// The text of a string (`None` for anything else).
    fn text(&self) -> Option<String>;
}

impl<'a> Tree for &'a Value {
    fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    fn member(&self, key: &'static str) -> Option<&'a Value> {
        self.as_object()?.get(key)
    }

    fn elements(&self) -> impl Iterator<Item = &'a Value> + '_ {
        self.as_array().into_iter().flatten()
    }

    fn text(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }
}

#[derive(Debug, Clone, Copy)]
enum Rule {
    String,
    Boolean,
    Array,
    /// An array of strings.
    Strings,
    /// Any JSON value: the sender's free-form data.
    Any,
    Object(&'static [Field]),
}

#[derive(Debug, Clone, Copy)]
struct Field {
    key: &'static str,
    required: bool,
    rule: Rule,
}

const fn required(key: &'static str, rule: Rule) -> Field {
    Field { key, required: true, rule }
}

const fn optional(key: &'static str, rule: Rule) -> Field {
    Field { key, required: false, rule }
}

const MISSING: &str = "required field is missing";

/// `$.data.issue`, in documentation order.
const ISSUE: &[Field] = &[
    required("id", Rule::String),
    optional("pluginId", Rule::String),
    optional("status", Rule::String),
    optional("severity", Rule::String),
    optional("organizationId", Rule::String),
    optional("targetId", Rule::String),
    optional("providerId", Rule::String),
    optional("createdAt", Rule::String),
    optional("updatedAt", Rule::String),
    optional("weakness", Rule::String),
    optional("history", Rule::Array),
];

/// `data` of issue.created, issue.status_changed, issue.severity_changed and issue.comment_added.
const ISSUE_DATA: &[Field] = &[required("issue", Rule::Object(ISSUE)), optional("eventData", Rule::Object(&[]))];

const ISSUE_UPDATED_DATA: &[Field] = &[
    required("issue", Rule::Object(ISSUE)),
    required("eventData", Rule::Object(&[required("changes", Rule::Strings)])),
    optional("userId", Rule::String),
];

const REMEDIATION_DATA: &[Field] = &[required("issueId", Rule::String), required("remediation", Rule::Any)];

const EVALUATION_CREATED_DATA: &[Field] = &[required("jobId", Rule::String), optional("config", Rule::Any)];

const EVALUATION_COMPLETED_DATA: &[Field] = &[
    required("jobId", Rule::String),
    optional("evalId", Rule::String),
    optional("partial", Rule::Boolean),
    optional("progress", Rule::Any),
];

const EVALUATION_FAILED_DATA: &[Field] =
    &[required("jobId", Rule::String), optional("error", Rule::Any), optional("progress", Rule::Any)];

fn data_fields(event: &str) -> &'static [Field] {
    match event {
        "issue.created" | "issue.status_changed" | "issue.severity_changed" | "issue.comment_added" => ISSUE_DATA,
        "issue.updated" => ISSUE_UPDATED_DATA,
        "remediation.created" => REMEDIATION_DATA,
        "evaluation.created" => EVALUATION_CREATED_DATA,
        "evaluation.completed" => EVALUATION_COMPLETED_DATA,
        "evaluation.failed" => EVALUATION_FAILED_DATA,
        _ => &[],
    }
}

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

/// Checks `payload` against the envelope and its event's `data` shape;
/// returns the payload's `timestamp`. The first problem found, in table
/// order and depth first, is the error: it names the member's JSON path.
pub(crate) fn check<T: Tree>(payload: &T) -> Result<String, Error> {
    let root = Path::Root;
    expect_kind(payload, Kind::Object, &root)?;
    let event = string_member(payload, "event", &root)?;
    let timestamp = string_member(payload, "timestamp", &root)?;
    let data_path = Path::Key(&root, "data");
    let data = payload.member("data").ok_or_else(|| invalid(&data_path, MISSING.into()))?;
    check_value(&data, Rule::Object(data_fields(&event)), &data_path)?;
    Ok(timestamp)
}

/// Checks a standalone issue object, as `$`.
pub(crate) fn check_issue<T: Tree>(issue: &T) -> Result<(), Error> {
    check_value(issue, Rule::Object(ISSUE), &Path::Root)
}

fn string_member<T: Tree>(object: &T, key: &'static str, parent: &Path) -> Result<String, Error> {
    let path = Path::Key(parent, key);
    let value = object.member(key).ok_or_else(|| invalid(&path, MISSING.into()))?;
    value.text().ok_or_else(|| wrong_type(&path, "string", value.kind()))
}

fn check_fields<T: Tree>(object: &T, fields: &[Field], parent: &Path) -> Result<(), Error> {
    for field in fields {
        let path = Path::Key(parent, field.key);
        let value = match object.member(field.key) {
            Some(value) => value,
            None if field.required => return Err(invalid(&path, MISSING.into())),
            None => continue,
        };
        let null_is_absent = !field.required || matches!(field.rule, Rule::Any);
        if null_is_absent && value.kind() == Kind::Null {
            continue;
        }
        check_value(&value, field.rule, &path)?;
    }
    Ok(())
}

fn check_value<T: Tree>(value: &T, rule: Rule, path: &Path) -> Result<(), Error> {
    match rule {
        Rule::Any => Ok(()),
        Rule::String => expect_kind(value, Kind::String, path),
        Rule::Boolean => expect_kind(value, Kind::Boolean, path),
        Rule::Array => expect_kind(value, Kind::Array, path),
        Rule::Strings => {
            expect_kind(value, Kind::Array, path)?;
            for (index, element) in value.elements().enumerate() {
                expect_kind(&element, Kind::String, &Path::Index(path, index))?;
            }
            Ok(())
        }
        Rule::Object(fields) => {
            expect_kind(value, Kind::Object, path)?;
            check_fields(value, fields, path)
        }
    }
}

fn expect_kind<T: Tree>(value: &T, expected: Kind, path: &Path) -> Result<(), Error> {
    match value.kind() {
        kind if kind == expected => Ok(()),
        kind => Err(wrong_type(path, expected.name(), kind)),
    }
}

fn wrong_type(path: &Path, expected: &str, got: Kind) -> Error {
    invalid(path, format!("expected {expected}, got {}", got.name()))
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
        match check(&&value) {
            Err(Error::InvalidPayload { path, reason }) => (path, reason),
            other => panic!("expected InvalidPayload, got {other:?}"),
        }
    }

    #[test]
    fn returns_the_timestamp_of_a_valid_payload() {
        let value = canonical::parse(r#"{"event":"x.y","timestamp":"t","data":{}}"#).unwrap();
        assert_eq!(check(&&value).unwrap(), "t");
    }

    #[test]
    fn null_is_absent_for_optional_members_and_present_for_any() {
        let ok = r#"{"event":"remediation.created","timestamp":"t","data":{"issueId":"i","remediation":null,"x":1}}"#;
        assert!(check(&&canonical::parse(ok).unwrap()).is_ok());
        let optional_null = r#"{"event":"evaluation.completed","timestamp":"t","data":{"jobId":"j","partial":null}}"#;
        assert!(check(&&canonical::parse(optional_null).unwrap()).is_ok());
        assert_eq!(
            error_of(r#"{"event":"evaluation.failed","timestamp":"t","data":{"jobId":null}}"#),
            ("$.data.jobId".into(), "expected string, got null".into())
        );
    }

    #[test]
    fn the_first_problem_in_table_order_is_reported() {
        assert_eq!(
            error_of(r#"{"event":"issue.created","timestamp":"t","data":{"issue":{"history":1,"status":2}}}"#),
            ("$.data.issue.id".into(), MISSING.into())
        );
        assert_eq!(
            error_of(r#"{"event":"issue.created","timestamp":"t","data":{"issue":{"id":"i","history":1,"status":2}}}"#),
            ("$.data.issue.status".into(), "expected string, got number".into())
        );
    }
}
