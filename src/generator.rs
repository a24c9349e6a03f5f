//! The wire contract as JSON, for `scripts/generate.mjs`, which writes the
//! npm package's generated files from it (through `crates/dev-tools/src/bin/contract_json.rs`).
//! Behind the dev-only `generator` feature: no user of the crate needs it.

use crate::canonical::{Object, Value};
use crate::contract::{
    HeaderRule, Kind, Member, Rule, Scope, API_CREATE_WEBHOOK_LEGACY_PATH, API_CREATE_WEBHOOK_PATH,
    API_EVENT_TYPES_PATH, API_REGENERATE_SECRET_PATH, DEFAULT_MAX_BODY_BYTES, DELIVERY_TIMEOUT_SECONDS, ENVELOPE,
    ERRORS, EVENTS, ISSUE, MAX_TREE_DEPTH, MIN_SECRET_BYTES, MISSING_REASON, SECRET_RULE, SEVERITIES, SIGNATURE_HEADER,
    SIGNATURE_HEX_DIGITS, SIGNATURE_RULE, STATUSES, WEBHOOK_ID_HEADER, WEBHOOK_ID_RULE, WRONG_KIND_REASON,
};
use crate::path::join_path;

/// The whole contract as JSON, for the generator (`scripts/generate.mjs`):
/// `{ signatureHeader, webhookIdHeader, signatureRule, webhookIdRule,
/// signatureHexDigits, defaultMaxBodyBytes,
/// deliveryTimeoutSeconds, minSecretBytes, secretRule, maxTreeDepth, severities, statuses, envelope,
/// issue, events: [{ name, doc, data, sample }], errors: [{ code, scope,
/// meaning, status, hint }], schema }`, where a member is `{ key, rule,
/// required, doc, members?, known? }`, `hint` is the JavaScript wording and
/// `schema` is [`schema_json`]'s.
///
/// ```
/// let json = promptfoo_webhooks::generator::contract_json();
/// assert!(json.contains(r#""signatureHeader":"X-Promptfoo-Signature""#));
/// ```
#[must_use]
pub fn contract_json() -> String {
    let text = |s: &str| Value::from(s);
    let texts = |list: &[&str]| Value::Array(list.iter().map(|s| text(s)).collect());
    fn members(list: &[Member]) -> Value {
        Value::Array(
            list.iter()
                .map(|member| {
                    let (rule, inner, known) = match member.rule {
                        Rule::String => ("string", None, None),
                        Rule::OpenSet(values) => ("string", None, Some(values)),
                        Rule::Boolean => ("boolean", None, None),
                        Rule::Array => ("array", None, None),
                        Rule::Strings => ("strings", None, None),
                        Rule::Any => ("any", None, None),
                        Rule::Object(inner) => ("object", Some(inner), None),
                    };
                    let mut object: Object = [
                        ("key", Value::from(member.key)),
                        ("rule", Value::from(rule)),
                        ("required", Value::Bool(member.required)),
                        ("doc", Value::from(member.doc)),
                    ]
                    .into_iter()
                    .collect();
                    if let Some(inner) = inner {
                        object.insert("members", members(inner));
                    }
                    if let Some(values) = known {
                        object.insert("known", Value::Array(values.iter().map(|v| Value::from(*v)).collect()));
                    }
                    Value::Object(object)
                })
                .collect(),
        )
    }
    let header_rule = |rule: &HeaderRule| {
        Value::Object([("blanks", text(rule.blanks)), ("repeated", text(rule.repeated))].into_iter().collect())
    };
    let events = EVENTS
        .iter()
        .map(|event| {
            let sample = crate::canonical::parse(event.sample_data).unwrap_or(Value::Null);
            let object: Object = [
                ("name", text(event.name)),
                ("doc", text(event.doc)),
                ("data", members(event.data)),
                ("sample", sample),
            ]
            .into_iter()
            .collect();
            Value::Object(object)
        })
        .collect();
    let errors = ERRORS
        .iter()
        .map(|error| {
            let scope = match error.scope {
                Scope::Core => "core",
                Scope::Js => "js",
                Scope::Http => "http",
                Scope::Api => "api",
            };
            let object: Object = [
                ("code", text(error.code)),
                ("scope", text(scope)),
                ("meaning", text(error.meaning)),
                ("status", Value::from(f64::from(error.status))),
                ("hint", text(error.js_hint())),
            ]
            .into_iter()
            .collect();
            Value::Object(object)
        })
        .collect();
    let contract: Object = [
        ("signatureHeader", text(SIGNATURE_HEADER)),
        ("webhookIdHeader", text(WEBHOOK_ID_HEADER)),
        ("signatureRule", header_rule(&SIGNATURE_RULE)),
        ("webhookIdRule", header_rule(&WEBHOOK_ID_RULE)),
        ("signatureHexDigits", Value::from(SIGNATURE_HEX_DIGITS as f64)),
        (
            "managementApi",
            Value::Object(
                [
                    ("createWebhook", text(API_CREATE_WEBHOOK_PATH)),
                    ("createWebhookLegacy", text(API_CREATE_WEBHOOK_LEGACY_PATH)),
                    ("regenerateSecret", text(API_REGENERATE_SECRET_PATH)),
                    ("eventTypes", text(API_EVENT_TYPES_PATH)),
                ]
                .into_iter()
                .collect(),
            ),
        ),
        ("defaultMaxBodyBytes", Value::from(DEFAULT_MAX_BODY_BYTES as f64)),
        ("deliveryTimeoutSeconds", Value::from(DELIVERY_TIMEOUT_SECONDS as f64)),
        ("minSecretBytes", Value::from(MIN_SECRET_BYTES as f64)),
        (
            "secretRule",
            Value::Object(
                [
                    ("minBytes", Value::from(SECRET_RULE.min_bytes as f64)),
                    ("whitespace", text(SECRET_RULE.whitespace)),
                    ("empty", text(SECRET_RULE.empty)),
                    ("onlyWhitespace", text(SECRET_RULE.only_whitespace)),
                    ("padded", text(SECRET_RULE.padded)),
                    ("tooShort", text(SECRET_RULE.too_short)),
                ]
                .into_iter()
                .collect(),
            ),
        ),
        ("maxTreeDepth", Value::from(MAX_TREE_DEPTH as f64)),
        ("severities", texts(&SEVERITIES)),
        ("statuses", texts(&STATUSES)),
        ("envelope", members(ENVELOPE)),
        ("issue", members(ISSUE)),
        ("events", Value::Array(events)),
        ("errors", Value::Array(errors)),
        ("schema", schema_json()),
    ]
    .into_iter()
    .collect();
    Value::Object(contract).to_json()
}

/// The payload schema as the JS check is generated from it (the rules of
/// `src/schema.rs`): `{ kinds, missing, wrongKind, root, event, data,
/// envelope, events: [[name, table]] }`. `kinds` names each JSON kind as
/// the reasons print it (`other`: what JSON cannot hold), `missing` and
/// `wrongKind` are the reasons (`{expected}`, `{got}`: kind names). A
/// table lists the members the checker reads, in its order, as `{ key,
/// path, accepts, expected, members?, elements? }`: the JSON path an error
/// names, the kinds that pass (`absent` among them), the kind a wrong one
/// is told to be (`null` for `any`), an object's own table, and the kind
/// an array's every element must be.
fn schema_json() -> Value {
    const KIND_KEYS: [(Kind, &str); 7] = [
        (Kind::Null, "null"),
        (Kind::Boolean, "boolean"),
        (Kind::Number, "number"),
        (Kind::String, "string"),
        (Kind::Array, "array"),
        (Kind::Object, "object"),
        (Kind::Other, "other"),
    ];
    let key_of = |kind: Kind| KIND_KEYS.iter().find(|(k, _)| *k == kind).map_or("other", |(_, key)| key);
    fn table(members: &[Member], parent: &str, key_of: &dyn Fn(Kind) -> &'static str) -> Value {
        let rows = members.iter().map(|member| {
            let path = join_path(parent, member.key);
            let accepts = [None].into_iter().chain(Kind::ALL.map(Some)).filter(|kind| member.accepts(*kind));
            let accepts = accepts.map(|kind| Value::from(kind.map_or("absent", key_of))).collect();
            let expected = member.rule.kind().map_or(Value::Null, |kind| Value::from(key_of(kind)));
            let mut row: Object = [("key", Value::from(member.key)), ("path", Value::from(path.as_str()))]
                .into_iter()
                .chain([("accepts", Value::Array(accepts)), ("expected", expected)])
                .collect();
            match member.rule {
                Rule::Object(inner) if !inner.is_empty() => row.insert("members", table(inner, &path, key_of)),
                Rule::Strings => row.insert("elements", Value::from(key_of(Kind::String))),
                _ => {}
            }
            Value::Object(row)
        });
        Value::Array(rows.collect())
    }
    let root = "$";
    let data_path = join_path(root, "data");
    let kinds: Object = KIND_KEYS.iter().map(|(kind, key)| (*key, Value::from(kind.name()))).collect();
    let events = EVENTS
        .iter()
        .map(|event| Value::Array(vec![Value::from(event.name), table(event.data, &data_path, &key_of)]))
        .collect();
    let schema: Object = [
        ("kinds", Value::Object(kinds)),
        ("missing", Value::from(MISSING_REASON)),
        ("wrongKind", Value::from(WRONG_KIND_REASON)),
        ("root", Value::from(root)),
        ("event", Value::from("event")),
        ("data", Value::from("data")),
        ("envelope", table(ENVELOPE, root, &key_of)),
        ("events", Value::Array(events)),
    ]
    .into_iter()
    .collect();
    Value::Object(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical;

    #[test]
    fn the_json_form_parses_and_keeps_every_table() {
        let json = canonical::parse(&contract_json()).unwrap();
        let object = json.as_object().unwrap();
        assert_eq!(object.get("events").unwrap().as_array().unwrap().len(), EVENTS.len());
        assert_eq!(object.get("errors").unwrap().as_array().unwrap().len(), ERRORS.len());
    }
}
