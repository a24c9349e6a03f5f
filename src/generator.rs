//! The wire contract as JSON, for `scripts/generate.mjs`, which writes the
//! npm package's generated files from it (through `examples/contract_json.rs`).
//! Behind the dev-only `generator` feature: no user of the crate needs it,
//! and it is the one place that joins the contract and the schema checker's
//! plan.

use crate::contract::{
    Member, Rule, Scope, API_CREATE_WEBHOOK_LEGACY_PATH, API_CREATE_WEBHOOK_PATH, API_EVENT_TYPES_PATH,
    API_REGENERATE_SECRET_PATH, DEFAULT_MAX_BODY_BYTES, DELIVERY_TIMEOUT_SECONDS, ENVELOPE, ERRORS, EVENTS, ISSUE,
    MIN_SECRET_BYTES, SEVERITIES, SIGNATURE_HEADER, STATUSES, WEBHOOK_ID_HEADER,
};
use crate::schema;

/// The whole contract as JSON, for the generator (`scripts/generate.mjs`):
/// `{ signatureHeader, webhookIdHeader, defaultMaxBodyBytes,
/// deliveryTimeoutSeconds, minSecretBytes, severities, statuses, envelope,
/// issue, events: [{ name, doc, data, sample }], errors: [{ code, scope,
/// meaning, status, hint }], schemaPlan }`, where a member is `{ key, rule,
/// required, doc, members?, known? }`, `hint` is the JavaScript wording and
/// `schemaPlan` the schema checker's reading plan (the kinds each member
/// may take, as the core judges them; see `schema.rs`).
///
/// ```
/// let json = promptfoo_webhooks::generator::contract_json();
/// assert!(json.contains(r#""signatureHeader":"X-Promptfoo-Signature""#));
/// ```
pub fn contract_json() -> String {
    use crate::canonical::{Object, Value};
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
        ("severities", texts(&SEVERITIES)),
        ("statuses", texts(&STATUSES)),
        ("envelope", members(ENVELOPE)),
        ("issue", members(ISSUE)),
        ("events", Value::Array(events)),
        ("errors", Value::Array(errors)),
        ("schemaPlan", crate::canonical::parse(schema::PLAN_JSON).unwrap_or(Value::Null)),
    ]
    .into_iter()
    .collect();
    Value::Object(contract).to_json()
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
