//! The documented payload shapes as data: which members each object must or
//! may have, and of what type. One table, walked over any tree through
//! [`Tree`]: the crate's own [`Value`] (for [`Event::from_owned`]) and, in
//! the npm package, the object `JSON.parse` returned (src/wasm/verify.rs), so the
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
use crate::contract::{Member, Rule, ENVELOPE, EVENTS, ISSUE};
use crate::path::join_path;
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
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "wasm-verify")), allow(dead_code))]
    Other,
}

impl Kind {
    /// The kind with code `code` (1 to 7; pkg/src/core/tree.js uses the same
    /// codes); `None` for 0, absent.
    pub(crate) fn from_code(code: u64) -> Option<Kind> {
        Some(match code {
            1 => Kind::Null,
            2 => Kind::Boolean,
            3 => Kind::Number,
            4 => Kind::String,
            5 => Kind::Array,
            6 => Kind::Object,
            7 => Kind::Other,
            _ => return None,
        })
    }

    const fn code(kind: Option<Kind>) -> u64 {
        match kind {
            None => 0,
            Some(Kind::Null) => 1,
            Some(Kind::Boolean) => 2,
            Some(Kind::Number) => 3,
            Some(Kind::String) => 4,
            Some(Kind::Array) => 5,
            Some(Kind::Object) => 6,
            Some(Kind::Other) => 7,
        }
    }

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

/// The kinds a member may take, as a bit per [`Kind::code`] (bit 0: absent):
/// the rules of the module docs, in one place. The checker tests each
/// member's kind against it, and [`PLAN_JSON`] hands it to the generator
/// (`scripts/generate.mjs`), whose JS check accepts a payload whose every
/// member passes (and otherwise asks the checker why not).
const fn accepted_kinds(member: &Member) -> u8 {
    const ABSENT_OR_NULL: u8 = 0b11;
    let present = match expected_kind(member.rule) {
        Some(kind) => 1 << Kind::code(Some(kind)),
        None => !1, // Rule::Any: every kind but absent; null counts as present
    };
    if member.required {
        present
    } else {
        present | ABSENT_OR_NULL
    }
}

/// The kind a rule asks for; `None` for [`Rule::Any`], which takes any.
const fn expected_kind(rule: Rule) -> Option<Kind> {
    match rule {
        Rule::String | Rule::OpenSet(_) => Some(Kind::String),
        Rule::Boolean => Some(Kind::Boolean),
        Rule::Array | Rule::Strings => Some(Kind::Array),
        Rule::Object(_) => Some(Kind::Object),
        Rule::Any => None,
    }
}

/// The members one table of the schema names, asked about all at once.
#[derive(Clone, Copy)]
pub(crate) struct Members(&'static [Member]);

impl Members {
    pub(crate) fn keys(self) -> impl Iterator<Item = &'static str> {
        self.0.iter().map(|member| member.key)
    }
}

/// The kinds of a table's members, three bits each in table order (code 0:
/// absent), as [`Tree::member_kinds`] returns them.
#[derive(Clone, Copy)]
pub(crate) struct MemberKinds(pub(crate) u64);

impl MemberKinds {
    fn get(self, index: usize) -> Option<Kind> {
        Kind::from_code(self.0.checked_shr(3 * index as u32).unwrap_or(0) & 7)
    }
}

/// Most members one table may name: three bits each must fit the 53 bits
/// of a JS number.
const MAX_MEMBERS: usize = 17;

/// Read access to a parsed JSON tree: all the checker needs. The questions
/// are the checker's own (a table's member kinds at once, the event's
/// place in [`EVENTS`], an array's first element of the wrong kind), so a
/// tree across a language boundary can answer them all in one call (see
/// [`PLAN_JSON`]); they are asked depth first, in table order.
pub(crate) trait Tree: Sized {
    fn kind(&self) -> Kind;
    /// The kinds of `members` of an object.
    fn member_kinds(&self, members: Members) -> MemberKinds;
    /// The member `key` of an object, which [`Tree::member_kinds`] said is of
    /// `kind` (a tree may take that rather than ask again); `None` when absent.
    fn member(&self, key: &'static str, kind: Kind) -> Option<Self>;
    /// Where the payload's `event` name is in [`EVENTS`]; `None` when it is
    /// not listed (or not a string).
    fn event_index(&self) -> Option<usize>;
    /// The first element of an array whose kind is not `kind`, with its
    /// index; `None` when every element is (or this is no array). A missing
    /// element reads as null, as `JSON.stringify` writes it.
    fn first_element_not(&self, kind: Kind) -> Option<(usize, Kind)>;
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

    fn member_kinds(&self, members: Members) -> MemberKinds {
        let packed = members.keys().enumerate().fold(0, |packed, (index, key)| {
            packed | Kind::code(self.as_object().and_then(|o| o.get(key)).map(|member| member.kind())) << (3 * index)
        });
        MemberKinds(packed)
    }

    fn member(&self, key: &'static str, _kind: Kind) -> Option<&'a Value> {
        self.as_object()?.get(key)
    }

    fn event_index(&self) -> Option<usize> {
        let name = self.as_object()?.get("event")?.as_str()?;
        EVENTS.iter().position(|event| event.name == name)
    }

    fn first_element_not(&self, kind: Kind) -> Option<(usize, Kind)> {
        let elements = self.as_array()?;
        elements.iter().map(|element| element.kind()).enumerate().find(|(_, k)| *k != kind)
    }
}

/// Checks at compile time that no table of the contract is too long for
/// [`MemberKinds`], nested tables included. Evaluated only in a constant:
/// an index out of range there is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
const fn fits(members: &[Member]) -> bool {
    if members.len() > MAX_MEMBERS {
        return false;
    }
    let mut index = 0;
    while index < members.len() {
        if let Rule::Object(inner) = members[index].rule {
            if !fits(inner) {
                return false;
            }
        }
        index += 1;
    }
    true
}

#[allow(clippy::indexing_slicing)]
const fn all_fit() -> bool {
    let mut index = 0;
    while index < EVENTS.len() {
        if !fits(EVENTS[index].data) {
            return false;
        }
        index += 1;
    }
    fits(ENVELOPE)
}
const _: () = assert!(all_fit(), "a contract table names at most 17 members");

const MISSING: &str = "required field is missing";

/// The schema as JSON, for a reader that gathers a payload's answers to
/// [`Tree`] in one pass (pkg/src/core/tree.js) and for the generator of the
/// JS check (scripts/generate.mjs, through `generator::contract_json`):
/// `{"envelope": T, "event": key,
/// "data": key, "events": [[name, T], ...]}`, in [`EVENTS`] order, where a
/// table `T` lists `[key, descent, accepted]` per member: `descent` is `0`
/// (the kind is all the checker asks), `1` (an array of strings: its first
/// other element is asked) or the table of an object the checker reads
/// further, and `accepted` the member's [`accepted_kinds`]. Written when the
/// crate is compiled: no code for it in the wasm module.
// Read by the verify module's JS and by the generator (src/generator.rs): unused only in the tools module.
#[cfg_attr(all(target_arch = "wasm32", not(feature = "wasm-verify")), allow(dead_code))]
pub(crate) const PLAN_JSON: &str = match core::str::from_utf8(&PLAN_BYTES) {
    Ok(text) => text,
    Err(_) => "",
};
const _: () = assert!(PLAN_JSON.len() == PLAN_LEN, "schema keys and event names are ASCII");

// Two passes: one counts the bytes, the other writes them.
const PLAN_LEN: usize = PlanWriter::<0>::new().plan().len;
const PLAN_BYTES: [u8; PLAN_LEN] = PlanWriter::<PLAN_LEN>::new().plan().bytes;

/// Writes [`PLAN_JSON`] at compile time; with no room (`N` = 0) it counts.
/// Keys and names are plain identifiers: no escaping needed.
struct PlanWriter<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

// Evaluated only in the constants above: an index out of range there is a
// build error, not a panic.
#[allow(clippy::indexing_slicing)]
impl<const N: usize> PlanWriter<N> {
    const fn new() -> Self {
        PlanWriter { bytes: [0; N], len: 0 }
    }

    const fn text(self, text: &str) -> Self {
        self.bytes(text.as_bytes(), 0)
    }

    /// A number below 1000, in decimal.
    const fn number(self, value: u8) -> Self {
        let digits = [b'0' + value / 100, b'0' + value / 10 % 10, b'0' + value % 10];
        let first = if value >= 100 {
            0
        } else if value >= 10 {
            1
        } else {
            2
        };
        self.bytes(&digits, first)
    }

    /// `bytes` from index `from` on.
    const fn bytes(mut self, bytes: &[u8], from: usize) -> Self {
        let mut index = from;
        while index < bytes.len() {
            if N > 0 {
                self.bytes[self.len] = bytes[index];
            }
            self.len += 1;
            index += 1;
        }
        self
    }

    const fn plan(self) -> Self {
        let mut out =
            self.text("{\"envelope\":").table(ENVELOPE).text(",\"event\":\"event\",\"data\":\"data\",\"events\":[");
        let mut index = 0;
        while index < EVENTS.len() {
            let event = EVENTS[index];
            out = out
                .text(if index > 0 { ",[\"" } else { "[\"" })
                .text(event.name)
                .text("\",")
                .table(event.data)
                .text("]");
            index += 1;
        }
        out.text("]}")
    }

    const fn table(self, fields: &[Member]) -> Self {
        let mut out = self.text("[");
        let mut index = 0;
        while index < fields.len() {
            let field = fields[index];
            out = out.text(if index > 0 { ",[\"" } else { "[\"" }).text(field.key).text("\",");
            out = match field.rule {
                Rule::Object(inner) if !inner.is_empty() => out.table(inner),
                Rule::Strings => out.text("1"),
                _ => out.text("0"),
            };
            out = out.text(",").number(accepted_kinds(&field)).text("]");
            index += 1;
        }
        out.text("]")
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

/// Checks `payload` against the envelope and its event's `data` shape. The
/// first problem found, in table order and depth first, is the error: it
/// names the member's JSON path.
pub(crate) fn check<T: Tree>(payload: &T) -> Result<(), Error> {
    let root = Path::Root;
    require_kind(payload.kind(), Kind::Object, &root)?;
    check_fields(payload, ENVELOPE, &root)?;
    let fields = payload.event_index().and_then(|index| EVENTS.get(index)).map_or(&[][..], |event| event.data);
    let data_path = Path::Key(&root, "data");
    let data = payload.member("data", Kind::Object).ok_or_else(|| invalid(&data_path, MISSING.into()))?;
    check_fields(&data, fields, &data_path)
}

/// Checks a standalone issue object, as `$`.
pub(crate) fn check_issue<T: Tree>(issue: &T) -> Result<(), Error> {
    require_kind(issue.kind(), Kind::Object, &Path::Root)?;
    check_fields(issue, ISSUE, &Path::Root)
}

fn check_fields<T: Tree>(object: &T, fields: &'static [Member], parent: &Path) -> Result<(), Error> {
    if fields.is_empty() {
        return Ok(());
    }
    let kinds = object.member_kinds(Members(fields));
    for (index, field) in fields.iter().enumerate() {
        let path = Path::Key(parent, field.key);
        let kind = kinds.get(index);
        if accepted_kinds(field) & (1 << Kind::code(kind)) == 0 {
            return Err(match (kind, expected_kind(field.rule)) {
                (Some(kind), Some(expected)) => wrong_type(&path, expected.name(), kind),
                _ => invalid(&path, MISSING.into()),
            });
        }
        // Absent, or null where null is allowed: nothing more to read.
        let Some(kind) = kind.filter(|kind| *kind != Kind::Null) else {
            continue;
        };
        // Containers with rules of their own are read further (PLAN_JSON
        // tells a gathering reader the same).
        match field.rule {
            Rule::Object(inner) if !inner.is_empty() => {
                let value = object.member(field.key, kind).ok_or_else(|| invalid(&path, MISSING.into()))?;
                check_fields(&value, inner, &path)?;
            }
            Rule::Strings => {
                let value = object.member(field.key, kind).ok_or_else(|| invalid(&path, MISSING.into()))?;
                if let Some((index, got)) = value.first_element_not(Kind::String) {
                    return Err(wrong_type(&Path::Index(&path, index), Kind::String.name(), got));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn require_kind(kind: Kind, expected: Kind, path: &Path) -> Result<(), Error> {
    match kind == expected {
        true => Ok(()),
        false => Err(wrong_type(path, expected.name(), kind)),
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
    fn an_unknown_event_needs_only_the_envelope() {
        let value = canonical::parse(r#"{"event":"x.y","timestamp":"t","data":{"any":1}}"#).unwrap();
        assert!(check(&&value).is_ok());
        assert_eq!(
            error_of(r#"{"event":"x.y","timestamp":"t","data":[]}"#),
            ("$.data".into(), "expected object, got array".into())
        );
    }

    #[test]
    fn every_known_event_has_rules_and_the_plan_lists_them() {
        // In the order of the public list.
        let names: Vec<&str> = EVENTS.iter().map(|event| event.name).collect();
        assert_eq!(names, crate::EVENT_NAMES);
        let plan = canonical::parse(PLAN_JSON).unwrap();
        let events = plan.as_object().unwrap().get("events").unwrap().as_array().unwrap();
        assert_eq!(events.len(), EVENTS.len());
        let updated = events[1].to_json();
        // [key, descent, accepted kinds]: 16 a string, 19 that or absent or null, 32 an array, 64 an object.
        assert!(updated.starts_with(r#"["issue.updated",[["issue",[["id",0,16],["pluginId",0,19],"#), "{updated}");
        assert!(updated.ends_with(r#"["eventData",[["changes",1,32]],64],["userId",0,19]]]"#), "{updated}");
    }

    #[test]
    fn accepted_kinds_follow_the_rules() {
        let member = |rule, required| Member { key: "k", rule, required, doc: "" };
        let bits = |kinds: &[Option<Kind>]| kinds.iter().fold(0u8, |bits, kind| bits | 1 << Kind::code(*kind));
        let absent_or_null = bits(&[None, Some(Kind::Null)]);
        assert_eq!(accepted_kinds(&member(Rule::String, true)), bits(&[Some(Kind::String)]));
        assert_eq!(accepted_kinds(&member(Rule::OpenSet(&["a"]), false)), bits(&[Some(Kind::String)]) | absent_or_null);
        assert_eq!(accepted_kinds(&member(Rule::Strings, true)), bits(&[Some(Kind::Array)]));
        assert_eq!(accepted_kinds(&member(Rule::Boolean, false)), bits(&[Some(Kind::Boolean)]) | absent_or_null);
        // Any: null counts as present; only a required member's absence fails.
        assert_eq!(accepted_kinds(&member(Rule::Any, true)), !bits(&[None]));
        assert_eq!(accepted_kinds(&member(Rule::Any, false)), u8::MAX);
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
