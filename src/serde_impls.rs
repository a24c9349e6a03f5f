//! `Serialize` and `Deserialize` for the event types, with the `serde`
//! feature: [`Event`] (unknown events kept as [`Payload::Unknown`]), each
//! event's data, [`Issue`], [`Severity`], [`Status`] and the JSON
//! [`Value`]. They use the wire names, and undocumented members survive a
//! round trip (they live in each type's `extra`).
//!
//! ```
//! use promptfoo_webhooks::{parse_event, Event, Issue};
//!
//! let event = Event::issue_created(Issue::new("issue-1"), "2025-03-14T12:34:56Z");
//! let stored = serde_json::to_string(&event).unwrap();
//! assert_eq!(stored, event.to_json());
//! let back: Event = serde_json::from_str(&stored).unwrap();
//! assert_eq!(back, event);
//! # assert!(parse_event(stored.as_bytes()).is_ok());
//! ```
//!
//! [`Event::to_json`] stays the signing form: byte for byte what
//! `JSON.stringify` prints. Serde's output is the same JSON, but a
//! serializer writes numbers its own way. A whole number below 2^53 goes
//! out as an integer (`1`, as JavaScript writes it); any other number goes
//! out through `serialize_f64`: there `serde_json` writes
//! `1.2345678901234568e+20` where `JSON.stringify` writes
//! `123456789012345680000` (whole numbers from 2^53 to 10^21), and other
//! serializers may differ elsewhere. Members come out in the order the
//! types keep them: an [`Event`] read from text writes its documented
//! members in the documents' order. Sign `to_json()` of an event you
//! built, never a serializer's output, and verify the bytes received.
//!
//! Serializing a value nested deeper than 128 levels is an error rather
//! than a deep recursion (serde recurses per level; `serde_json` refuses
//! to read deeper than 128 levels too).

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

use crate::canonical::{Object, Value};
use crate::event::{
    EvaluationCompletedData, EvaluationCreatedData, EvaluationFailedData, IssueData, IssueUpdatedData, Payload,
    RemediationData,
};
use crate::{Event, Issue, Severity, Status};

/// How deep a value may nest when serialized.
const MAX_DEPTH: usize = 128;
/// 2^53: below it every whole number is exact, and JavaScript prints it as an integer.
const SAFE_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;

/// A value at some depth of the tree being serialized.
struct Nested<'a> {
    value: &'a Value,
    depth: usize,
}

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let deeper = |value| Nested { value, depth: self.depth + 1 };
        match self.value {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            // -0 included: JavaScript prints it as 0.
            Value::Number(n) if n.fract() == 0.0 && n.abs() < SAFE_INTEGER_LIMIT => {
                #[allow(clippy::cast_possible_truncation)] // whole and below 2^53: exact
                serializer.serialize_i64(*n as i64)
            }
            Value::Number(n) => serializer.serialize_f64(*n),
            Value::String(text) => serializer.serialize_str(text),
            Value::Array(items) => {
                if self.depth >= MAX_DEPTH {
                    return Err(S::Error::custom("the value nests deeper than 128 levels"));
                }
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&deeper(item))?;
                }
                seq.end()
            }
            Value::Object(object) => {
                if self.depth >= MAX_DEPTH {
                    return Err(S::Error::custom("the value nests deeper than 128 levels"));
                }
                let mut map = serializer.serialize_map(Some(object.len()))?;
                for (key, value) in object.iter() {
                    map.serialize_entry(key, &deeper(value))?;
                }
                map.end()
            }
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Nested { value: self, depth: 0 }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    #[allow(clippy::cast_precision_loss)] // JSON numbers are doubles, as JSON.parse reads them
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n as f64))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Value::Number(n))
    }

    fn visit_str<E>(self, text: &str) -> Result<Value, E> {
        Ok(Value::String(text.to_owned()))
    }

    fn visit_string<E>(self, text: String) -> Result<Value, E> {
        Ok(Value::String(text))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        // Object keeps JavaScript's order (array-index keys first), and a
        // repeated key keeps its first place with the last value, as JSON.parse does.
        let mut object = Object::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Event {
    /// As [`Event::from_value`] reads a payload: the same checks, the same errors (as text).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Event, D::Error> {
        Event::from_owned(Value::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

impl Serialize for Issue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Issue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Issue, D::Error> {
        Issue::from_value(&Value::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

impl Serialize for Severity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Severity {
    /// Any string: levels this version does not know are kept as [`Severity::Other`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Severity, D::Error> {
        Ok(Severity::parse(&String::deserialize(deserializer)?))
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Status {
    /// Any string: states this version does not know are kept as they are.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Status, D::Error> {
        Ok(Status::new(String::deserialize(deserializer)?))
    }
}

/// An event's `data` on its own: written as that event writes it, and read
/// by reading an event of that name around it (the same checks).
macro_rules! event_data_serde {
    ($data:ty, $variant:ident, $name:literal) => {
        impl Serialize for $data {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                Payload::$variant(self.clone()).data_value().serialize(serializer)
            }
        }

        impl<'de> Deserialize<'de> for $data {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<$data, D::Error> {
                let mut envelope = Object::new();
                envelope.insert("event", Value::from($name));
                envelope.insert("timestamp", Value::from(""));
                envelope.insert("data", Value::deserialize(deserializer)?);
                match Event::from_owned(Value::Object(envelope)).map_err(de::Error::custom)?.payload {
                    Payload::$variant(data) => Ok(data),
                    _ => Err(de::Error::custom(concat!("not the data of ", $name))),
                }
            }
        }
    };
}

event_data_serde!(IssueData, IssueCreated, "issue.created");
event_data_serde!(IssueUpdatedData, IssueUpdated, "issue.updated");
event_data_serde!(RemediationData, RemediationCreated, "remediation.created");
event_data_serde!(EvaluationCreatedData, EvaluationCreated, "evaluation.created");
event_data_serde!(EvaluationCompletedData, EvaluationCompleted, "evaluation.completed");
event_data_serde!(EvaluationFailedData, EvaluationFailed, "evaluation.failed");
