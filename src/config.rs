//! Management side: check a webhook configuration before sending it to
//! `POST /api/v1/webhooks`, and generate signing secrets.
//!
//! Validation reports every problem at once, each with the JSON path of
//! the field it is about, so a form or a CLI can show them all together.

use crate::canonical::{Object, Value};
use crate::event::EVENT_NAMES;
use crate::path::join_path;
use crate::Error;
use std::fmt;

/// Random bytes in a generated secret: 256 bits, the HMAC-SHA256 key size.
const SECRET_BYTES: usize = 32;

/// The configuration fields the management API documents, in wire order.
const CONFIG_FIELDS: [&str; 5] = ["url", "name", "events", "teamId", "enabled"];

/// Largest edit distance at which an unknown name gets a "did you mean".
const SUGGESTION_DISTANCE: usize = 3;

/// The largest TCP port.
const MAX_PORT: u32 = 65_535;

/// A valid webhook configuration, as the management API takes it.
///
/// ```
/// use promptfoo_webhooks::{canonical, validate_webhook_config};
///
/// let config = validate_webhook_config(&canonical::parse(
///     r#"{"url":"https://example.com/hook","name":"Alerts","events":["issue.created"]}"#,
/// )?)
/// .map_err(|_| "invalid config")?;
/// assert_eq!((config.name.as_str(), config.enabled), ("Alerts", true));
/// assert_eq!(config.events, ["issue.created"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// The receiver: an absolute `http` or `https` URL, as given.
    pub url: String,
    /// A display name, as given (not trimmed).
    pub name: String,
    /// The event names to deliver: known and unique, in the given order.
    pub events: Vec<String>,
    /// `teamId`, when the webhook belongs to a team.
    pub team_id: Option<String>,
    /// `enabled`; `true` when absent.
    pub enabled: bool,
}

/// One thing wrong with a configuration.
///
/// ```
/// use promptfoo_webhooks::{canonical, validate_webhook_config};
///
/// let value = canonical::parse(r#"{"url":"https://example.com/hook","name":"Alerts","events":[]}"#)?;
/// let problems = validate_webhook_config(&value).unwrap_err();
/// assert_eq!(problems[0].path, "$.events");
/// assert!(problems[0].to_string().starts_with("$.events: "));
/// # Ok::<(), promptfoo_webhooks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfigProblem {
    /// JSON path of the offending value, e.g. `$.events[2]`.
    pub path: String,
    /// What is wrong and, where cheap to tell, how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigProblem {}

impl WebhookConfig {
    /// The request body for the management API: `{url, name, events,
    /// teamId?, enabled}`.
    ///
    /// ```
    /// use promptfoo_webhooks::{canonical, validate_webhook_config};
    ///
    /// let config = validate_webhook_config(&canonical::parse(
    ///     r#"{"url":"https://example.com/hook","name":"Alerts","events":["issue.created"]}"#,
    /// )?)
    /// .map_err(|_| "invalid config")?;
    /// assert_eq!(
    ///     config.to_value().to_json(),
    ///     r#"{"url":"https://example.com/hook","name":"Alerts","events":["issue.created"],"enabled":true}"#
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut o = Object::new();
        o.insert("url", self.url.as_str().into());
        o.insert("name", self.name.as_str().into());
        o.insert("events", Value::Array(self.events.iter().map(|e| Value::from(e.as_str())).collect()));
        if let Some(team_id) = &self.team_id {
            o.insert("teamId", team_id.as_str().into());
        }
        o.insert("enabled", self.enabled.into());
        Value::Object(o)
    }
}

/// Checks a webhook configuration and returns it typed, or every problem
/// found.
///
/// - `url`: an absolute `http`/`https` URL with a host, no spaces;
/// - `name`: a string that is not blank;
/// - `events`: a non-empty array of known, unique event names;
/// - `teamId` (optional): a string that is not blank;
/// - `enabled` (optional, default `true`): a boolean;
/// - any other key is reported. `null` for an optional field means absent.
///
/// ```
/// use promptfoo_webhooks::config::validate_webhook_config;
/// use promptfoo_webhooks::canonical::{Object, Value};
///
/// let config: Object = [
///     ("url", Value::from("https://siem.example.com/promptfoo")),
///     ("name", Value::from("My SIEM Integration")),
///     ("events", Value::from(vec![Value::from("issue.created"), Value::from("issue.status_changed")])),
/// ].into_iter().collect();
/// let valid = validate_webhook_config(&config.into()).unwrap();
/// assert!(valid.enabled);
///
/// let config: Object = [
///     ("url", Value::from("ftp://example.com")),
///     ("name", Value::from(" ")),
///     ("events", Value::from(vec![Value::from("issue.create")])),
/// ].into_iter().collect();
/// let problems = validate_webhook_config(&config.into()).unwrap_err();
/// let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
/// assert_eq!(paths, ["$.url", "$.name", "$.events[0]"]);
/// assert!(problems[2].message.contains("did you mean \"issue.created\""));
/// ```
pub fn validate_webhook_config(value: &Value) -> Result<WebhookConfig, Vec<ConfigProblem>> {
    let Value::Object(object) = value else {
        return Err(vec![problem("$".into(), format!("expected object, got {}", value.type_name()))]);
    };
    let mut problems = Vec::new();

    let url = required_string(object, "url", &mut problems);
    if let Some(url) = &url {
        if let Err(message) = check_url(url) {
            problems.push(problem(path("url"), message));
        }
    }

    let name = required_string(object, "name", &mut problems);
    if name.as_deref().is_some_and(is_blank) {
        problems.push(problem(path("name"), "must not be empty or blank".into()));
    }

    let events = check_events(object.get("events"), &mut problems);

    let team_id = match present(object, "teamId") {
        None => None,
        Some(Value::String(s)) if is_blank(s) => {
            problems.push(problem(path("teamId"), "must not be empty or blank; omit it for no team".into()));
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            problems.push(wrong_type("teamId", "string", other));
            None
        }
    };

    let enabled = match present(object, "enabled") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.push(wrong_type("enabled", "boolean", other));
            true
        }
    };

    for (key, _) in object.iter().filter(|(k, _)| !CONFIG_FIELDS.contains(k)) {
        let message = match suggest(key, &CONFIG_FIELDS, normalize_key) {
            Some(close) => format!("unknown field; did you mean \"{close}\"?"),
            None => format!("unknown field; expected only {}", CONFIG_FIELDS.join(", ")),
        };
        problems.push(problem(path(key), message));
    }

    match (url, name, events) {
        (Some(url), Some(name), Some(events)) if problems.is_empty() => {
            Ok(WebhookConfig { url, name, events, team_id, enabled })
        }
        _ => Err(problems),
    }
}

/// A new webhook signing secret: 32 random bytes as 64 lower-case hex
/// characters, from the operating system's generator (`WebCrypto`'s
/// `getRandomValues` under WebAssembly).
///
/// Fails with [`Error::RandomUnavailable`] only when no secure random source
/// exists; it never falls back to a weak one.
///
/// ```
/// use promptfoo_webhooks::config::generate_secret;
///
/// let secret = generate_secret().unwrap();
/// assert_eq!(secret.len(), 64);
/// assert!(secret.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
/// ```
pub fn generate_secret() -> Result<String, Error> {
    let mut bytes = [0u8; SECRET_BYTES];
    crate::random::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Checks `events`; returns the names only when every one is valid.
fn check_events(value: Option<&Value>, problems: &mut Vec<ConfigProblem>) -> Option<Vec<String>> {
    let items = match value {
        None => {
            problems.push(problem(path("events"), "required field is missing".into()));
            return None;
        }
        Some(Value::Array(items)) => items,
        Some(other) => {
            problems.push(wrong_type("events", "array", other));
            return None;
        }
    };
    if items.is_empty() {
        problems.push(problem(path("events"), "must list at least one event".into()));
        return None;
    }
    let before = problems.len();
    let mut names: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{}[{i}]", path("events"));
        let Value::String(name) = item else {
            problems.push(problem(item_path, format!("expected string, got {}", item.type_name())));
            continue;
        };
        if !EVENT_NAMES.contains(&name.as_str()) {
            let message = match suggest(name, &EVENT_NAMES, str::to_ascii_lowercase) {
                Some(close) => format!("unknown event \"{name}\"; did you mean \"{close}\"?"),
                None => format!("unknown event \"{name}\"; known events: {}", EVENT_NAMES.join(", ")),
            };
            problems.push(problem(item_path, message));
        } else if let Some(first) = items.iter().position(|other| other.as_str() == Some(name)).filter(|&at| at < i) {
            problems.push(problem(item_path, format!("duplicate of $.events[{first}] (\"{name}\")")));
        }
        names.push(name.clone());
    }
    (problems.len() == before).then_some(names)
}

/// Why `url` is not an absolute http(s) URL with a host, if it is not.
/// Only the scheme and authority are parsed; the path is the receiver's.
fn check_url(url: &str) -> Result<(), String> {
    if url.starts_with('<') && url.ends_with('>') {
        return Err("remove the angle brackets around the URL".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err("must be an absolute URL such as https://example.com/webhook".into());
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("scheme must be http or https, got \"{scheme}\""));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Userinfo (`user:pass@`) is allowed; the host follows the last `@`.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);

    // Bracketed IPv6 literals have their own character set; check each
    // kind of host in its own branch.
    let port = if let Some(bracketed) = host_port.strip_prefix('[') {
        let Some((ip, after)) = bracketed.split_once(']') else {
            return Err("IPv6 host is missing its closing ']'".into());
        };
        if ip.is_empty() || !ip.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') {
            return Err(format!("invalid IPv6 host \"[{ip}]\""));
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err(format!("unexpected \"{after}\" after the IPv6 host")),
            },
        }
    } else {
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        };
        if host.is_empty() {
            return Err("must have a host, e.g. https://example.com/webhook".into());
        }
        if let Some(bad) = host.chars().find(|&c| !is_host_char(c)) {
            return Err(format!("host contains the invalid character '{bad}'"));
        }
        port
    };

    // An empty port (`host:/`) means the default port, as in a browser.
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        let valid = port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= MAX_PORT);
        if !valid {
            return Err(format!("invalid port \"{port}\""));
        }
    }
    Ok(())
}

/// Host characters: letters, digits, `-._~`, percent-escapes, and any
/// non-ASCII letter (international domain names).
fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '%') || !c.is_ascii()
}

/// The closest candidate within [`SUGGESTION_DISTANCE`] edits, comparing
/// after `normalize` (so case slips always count as close).
fn suggest<'a>(input: &str, candidates: &[&'a str], normalize: fn(&str) -> String) -> Option<&'a str> {
    let input = normalize(input);
    candidates
        .iter()
        .map(|c| (edit_distance(&input, &normalize(c)), *c))
        .filter(|(d, _)| *d <= SUGGESTION_DISTANCE)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `team_id`, `Team-ID` and `teamid` all normalize to `teamid`.
fn normalize_key(key: &str) -> String {
    // ASCII case folding: every known key is ASCII (and Unicode's tables would add KBs to the wasm).
    key.chars().filter(|c| !matches!(c, '_' | '-')).map(|c| c.to_ascii_lowercase()).collect()
}

/// Levenshtein distance over chars; inputs here are short names. Two
/// rolling rows: `previous[j]` is the distance between the part of `a`
/// read so far and the first `j` chars of `b`; each cell of `current`
/// comes from the cell diagonally above, the one above and the one left.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(b.len() + 1);
        let mut left = i + 1;
        current.push(left);
        for ((cb, diagonal), above) in b.iter().zip(&previous).zip(previous.iter().skip(1)) {
            let substitution = diagonal + usize::from(ca != *cb);
            left = substitution.min(above + 1).min(left + 1);
            current.push(left);
        }
        previous = current;
    }
    // The last cell: all of `a` against all of `b`.
    previous.last().copied().unwrap_or_default()
}

/// A required string field; records a problem and returns `None` otherwise.
fn required_string(object: &Object, key: &str, problems: &mut Vec<ConfigProblem>) -> Option<String> {
    match object.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        None => {
            problems.push(problem(path(key), "required field is missing".into()));
            None
        }
        Some(other) => {
            problems.push(wrong_type(key, "string", other));
            None
        }
    }
}

/// The value under `key`, treating `null` as absent.
fn present<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|v| **v != Value::Null)
}

fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

fn path(key: &str) -> String {
    join_path("$", key)
}

fn problem(path: String, message: String) -> ConfigProblem {
    ConfigProblem { path, message }
}

fn wrong_type(key: &str, expected: &str, got: &Value) -> ConfigProblem {
    problem(path(key), format!("expected {expected}, got {}", got.type_name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config<const N: usize>(members: [(&str, Value); N]) -> Value {
        Value::Object(members.into_iter().collect())
    }

    fn events(names: &[&str]) -> Value {
        Value::Array(names.iter().map(|n| Value::from(*n)).collect())
    }

    fn valid() -> [(&'static str, Value); 3] {
        [("url", "https://example.com/hook".into()), ("name", "SIEM".into()), ("events", events(&["issue.created"]))]
    }

    fn problems_of(value: &Value) -> Vec<(String, String)> {
        validate_webhook_config(value).unwrap_err().into_iter().map(|p| (p.path, p.message)).collect()
    }

    #[test]
    fn accepts_the_documented_example() {
        let value = config([
            ("url", "https://your-webhook-endpoint.com/callback".into()),
            ("name", "My SIEM Integration".into()),
            ("events", events(&["issue.created", "issue.status_changed"])),
            ("teamId", "optional-team-id".into()),
            ("enabled", false.into()),
        ]);
        let got = validate_webhook_config(&value).unwrap();
        assert_eq!(got.events, ["issue.created", "issue.status_changed"]);
        assert_eq!(got.team_id.as_deref(), Some("optional-team-id"));
        assert!(!got.enabled);
        assert_eq!(got.to_value(), value);
    }

    #[test]
    fn defaults_and_nulls() {
        let mut value = config(valid());
        let got = validate_webhook_config(&value).unwrap();
        assert!(got.enabled);
        assert_eq!(got.team_id, None);
        if let Value::Object(o) = &mut value {
            o.insert("teamId", Value::Null);
            o.insert("enabled", Value::Null);
        }
        assert_eq!(validate_webhook_config(&value), Ok(got));
    }

    #[test]
    fn reports_every_problem_at_once() {
        let value = config([
            ("url", 5.0.into()),
            ("events", events(&["issue.created", "Issue.Created", "issue.created", "nope"])),
            ("teamId", "  ".into()),
            ("enabled", "yes".into()),
            ("team_id", "x".into()),
            ("secret", "s".into()),
        ]);
        assert_eq!(
            problems_of(&value),
            [
                ("$.url".into(), "expected string, got number".into()),
                ("$.name".into(), "required field is missing".into()),
                ("$.events[1]".into(), "unknown event \"Issue.Created\"; did you mean \"issue.created\"?".into()),
                ("$.events[2]".into(), "duplicate of $.events[0] (\"issue.created\")".into()),
                ("$.events[3]".into(), format!("unknown event \"nope\"; known events: {}", EVENT_NAMES.join(", "))),
                ("$.teamId".into(), "must not be empty or blank; omit it for no team".into()),
                ("$.enabled".into(), "expected boolean, got string".into()),
                ("$.team_id".into(), "unknown field; did you mean \"teamId\"?".into()),
                ("$.secret".into(), "unknown field; expected only url, name, events, teamId, enabled".into()),
            ] as [(String, String); 9]
        );
    }

    #[test]
    fn events_must_be_a_non_empty_array_of_strings() {
        let [url, name, _] = valid();
        let cases = [
            (config([url.clone(), name.clone()]), "$.events", "required field is missing"),
            (config([url.clone(), name.clone(), ("events", events(&[]))]), "$.events", "must list at least one event"),
            (
                config([url.clone(), name.clone(), ("events", "issue.created".into())]),
                "$.events",
                "expected array, got string",
            ),
            (config([url, name, ("events", vec![Value::Null].into())]), "$.events[0]", "expected string, got null"),
        ];
        for (value, path, message) in cases {
            assert_eq!(problems_of(&value), [(path.to_owned(), message.to_owned())]);
        }
    }

    #[test]
    fn non_objects_and_blank_names() {
        assert_eq!(problems_of(&Value::Null), [("$".to_owned(), "expected object, got null".to_owned())]);
        let [url, _, ev] = valid();
        let value = config([url, ("name", "\t\n".into()), ev]);
        assert_eq!(problems_of(&value), [("$.name".to_owned(), "must not be empty or blank".to_owned())]);
    }

    #[test]
    fn unknown_keys_use_bracket_paths_when_needed() {
        let [url, name, ev] = valid();
        let value = config([url, name, ev, ("bad key", true.into())]);
        assert_eq!(problems_of(&value)[0].0, "$[\"bad key\"]");
    }

    #[test]
    fn accepts_http_and_https_urls_with_hosts() {
        for url in [
            "https://example.com",
            "http://example.com/hook?x=1#frag",
            "HTTPS://EXAMPLE.COM/",
            "https://user:pa:ss@example.com/hook",
            "http://localhost:8080/webhook",
            "http://127.0.0.1:65535",
            "http://[::1]:3000/hook",
            "https://[2001:db8::1]",
            "https://bücher.example/hook",
            "https://example.com:/hook",
            "https://example.com?only-query",
        ] {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn rejects_bad_urls_with_a_reason() {
        for (url, reason) in [
            ("", "absolute URL"),
            ("example.com/hook", "absolute URL"),
            ("/hook", "absolute URL"),
            ("ftp://example.com", "scheme must be http or https"),
            ("javascript://example.com", "scheme must be http or https"),
            ("https://", "must have a host"),
            ("https:///path", "must have a host"),
            ("https://user@/path", "must have a host"),
            ("https://:8080", "must have a host"),
            ("https://exa mple.com", "spaces"),
            (" https://example.com", "spaces"),
            ("https://example.com\n", "spaces"),
            ("<https://your-webhook-endpoint.com/callback>", "angle brackets"),
            ("https://exa<mple.com", "invalid character '<'"),
            ("https://example.com:99999", "invalid port"),
            ("https://example.com:80a", "invalid port"),
            ("https://[::1", "closing ']'"),
            ("https://[]", "invalid IPv6 host"),
            ("https://[::1]x", "after the IPv6 host"),
        ] {
            let got = check_url(url).unwrap_err();
            assert!(got.contains(reason), "{url:?}: {got}");
        }
    }

    #[test]
    fn edit_distance_and_suggestions() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("issue.create", "issue.created"), 1);
        assert_eq!(suggest("issue.status_change", &EVENT_NAMES, str::to_ascii_lowercase), Some("issue.status_changed"));
        assert_eq!(suggest("evaluation.done", &EVENT_NAMES, str::to_ascii_lowercase), None);
        assert_eq!(suggest("Team-ID", &CONFIG_FIELDS, normalize_key), Some("teamId"));
    }

    #[test]
    fn secrets_are_64_lower_hex_and_distinct() {
        let a = generate_secret().unwrap();
        let b = generate_secret().unwrap();
        assert_eq!(a.len(), 2 * SECRET_BYTES);
        assert!(a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        assert_ne!(a, b);
    }
}
