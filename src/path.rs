//! JSON paths in error messages (`$.data.issue.id`), written one way for
//! the schema checker, the typed events and the configuration checks.

/// `$.a` + `b` -> `$.a.b`; keys that are not identifiers use bracket
/// notation (`$["a b"]`) so every path is unambiguous.
pub(crate) fn join_path(parent: &str, key: &str) -> String {
    let mut chars = key.chars();
    let is_identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if is_identifier {
        format!("{parent}.{key}")
    } else {
        let escaped = key.replace('\\', "\\\\").replace('"', "\\\"");
        format!("{parent}[\"{escaped}\"]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_non_identifier_keys() {
        assert_eq!(join_path("$", "data"), "$.data");
        assert_eq!(join_path("$", "a b"), "$[\"a b\"]");
        assert_eq!(join_path("$", "0"), "$[\"0\"]");
        assert_eq!(join_path("$", "q\"\\"), "$[\"q\\\"\\\\\"]");
        assert_eq!(join_path("$", ""), "$[\"\"]");
    }
}
