//! Placeholder until the writer lands.
use super::Value;

pub fn value_to_string(_value: &Value) -> String {
    String::new()
}
