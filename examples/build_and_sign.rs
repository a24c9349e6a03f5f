//! Builds one payload of each of the nine documented events with the
//! crate's Rust builders, serializes each exactly as `JSON.stringify` would
//! (`Event::to_json`), signs it, and prints one line per payload:
//!
//! ```text
//! <hex signature>\t<base64 of the body>
//! ```
//!
//! Run: `cargo run --example build_and_sign -- <secret>`
//!
//! The bodies deliberately carry what re-serializing receivers get wrong:
//! accents, CJK, emoji, U+2028/U+2029, escaped control characters, numbers
//! like 1e21, 5e-324 and 9007199254740993 (above 2^53: it prints as the
//! nearest f64, 9007199254740992, exactly as V8 would), and array-index keys
//! that JavaScript enumerates first. `tests/js/doc-sample.test.mjs` POSTs
//! these to the integration document's own Node sample, which re-stringifies
//! the parsed body: every one must still verify.

use promptfoo_webhooks::canonical::Value;
use promptfoo_webhooks::change::{issue_change_event, ChangeOptions};
use promptfoo_webhooks::event::{Event, Issue, Payload, Severity, Status};
use promptfoo_webhooks::signature::sign;
use std::io::Write;
use std::process::ExitCode;

/// Text that survives only if both sides agree on JSON string escaping.
const TRICKY: &str = "Fuite de données — café ☕ · 個人情報の漏洩 · 🔥🧪 · line\u{2028}sep\u{2029}para · tab\tquote\"slash\\ · \u{1}\u{1f}\u{7f}";

fn obj<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(members.into_iter().collect())
}

/// Numbers whose shortest round-trip form differs between naive printers.
fn numbers() -> Value {
    obj([
        ("big", 1e21.into()),
        ("justBelowBig", 999_999_999_999_999_900_000.0.into()),
        ("tiny", 5e-324.into()),
        ("small", 1e-7.into()),
        ("micro", 0.000_001.into()),
        // 2^53 + 1 has no f64: it parses to the nearest one, 2^53, as in JavaScript.
        ("unsafeInteger", "9007199254740993".parse::<f64>().expect("a number").into()),
        ("negativeZero", (-0.0).into()),
        ("sum", (0.1 + 0.2).into()),
        ("max", f64::MAX.into()),
    ])
}

fn issue() -> Issue {
    let mut issue = Issue::new("3f1c2a9e-8b7d-4e21-9a6f-0c5d4b3a2e10");
    issue.plugin_id = Some("harmful:privacy".into());
    issue.status = Some(Status::OPEN);
    issue.severity = Some(Severity::High);
    issue.organization_id = Some("org-7d0e1b".into());
    issue.target_id = Some("target-chatbot-prod".into());
    issue.provider_id = Some("openai:gpt-4o-mini".into());
    issue.created_at = Some("2025-03-14T12:30:00Z".into());
    issue.updated_at = Some("2025-03-14T12:30:00.250Z".into());
    issue.weakness = Some("Fuite de données personnelles (個人情報)".into());
    issue.history = Some(vec![obj([("action", "created".into()), ("at", "2025-03-14T12:30:00Z".into())])]);
    // Undocumented fields ride along as data; "10" and "2" are array-index
    // keys, which JavaScript puts first, in numeric order.
    issue.extra.insert("title", TRICKY.into());
    issue.extra.insert("10", "ten".into());
    issue.extra.insert("2", "two".into());
    issue.extra.insert("metrics", numbers());
    issue
}

fn events() -> Vec<Event> {
    let before = issue();
    let timestamp = "2025-03-14T14:22:33.000Z";
    let change = |after: &Issue, user: Option<&str>| {
        let options = ChangeOptions { user_id: user.map(String::from), ..ChangeOptions::new(timestamp) };
        issue_change_event(&before, after, &options).expect("same issue id").expect("something changed")
    };

    let mut fixed = before.clone();
    fixed.status = Some(Status::FIXED);
    let mut downgraded = before.clone();
    downgraded.severity = Some(Severity::Low);
    let mut both = fixed.clone();
    both.severity = Some(Severity::Low);

    let mut created = Event::issue_created(before.clone(), "2025-03-14T12:34:56Z");
    if let Payload::IssueCreated(data) = &mut created.payload {
        data.event_data.insert("source", "scan 🛰".into());
    }
    let mut commented = Event::issue_comment_added(before.clone(), "2025-03-14T15:00:00Z");
    if let Payload::IssueCommentAdded(data) = &mut commented.payload {
        data.event_data.insert("comment", TRICKY.into());
        data.event_data.insert("author", "José Núñez".into());
    }

    vec![
        created,
        change(&both, Some("user-ü-123")),
        change(&fixed, None),
        change(&downgraded, None),
        commented,
        Event::remediation_created(
            before.id.clone(),
            obj([
                ("summary", "Ajouter un filtre de sortie — 出力フィルター".into()),
                ("steps", vec!["Enable the PII guardrail ✅".into(), "Re-run\u{2028}the scan".into()].into()),
                ("estimates", numbers()),
            ]),
            "2025-03-14T16:00:00Z",
        ),
        Event::evaluation_created(
            "job-42",
            Some(obj([("description", "Nightly red team — 夜間".into()), ("repeat", 3.0.into())])),
            "2025-03-14T17:00:00Z",
        ),
        Event::evaluation_completed(
            "job-42",
            Some("eval-2025-03-14-abc".into()),
            Some(false),
            Some(obj([("completed", 120.0.into()), ("total", 120.0.into()), ("numbers", numbers())])),
            "2025-03-14T18:00:00.123Z",
        ),
        Event::evaluation_failed(
            "job-43",
            Some(obj([("message", "タイムアウト 🕒\u{2028}provider timed out".into()), ("code", (-1.0).into())])),
            Some(obj([("completed", 37.0.into()), ("ratio", (37.0 / 120.0).into()), ("numbers", numbers())])),
            "2025-03-14T19:00:00Z",
        ),
    ]
}

/// Standard base64 (RFC 4648, with `=` padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn main() -> ExitCode {
    let Some(secret) = std::env::args().nth(1) else {
        eprintln!("usage: cargo run --example build_and_sign -- <secret>");
        return ExitCode::from(2);
    };
    let mut out = std::io::stdout().lock();
    for event in events() {
        let body = event.to_json();
        let signature = match sign(body.as_bytes(), &secret) {
            Ok(signature) => signature,
            Err(error) => {
                eprintln!("error: {error} ({})", error.code());
                return ExitCode::FAILURE;
            }
        };
        // A closed pipe (`| head -1`) ends the output quietly.
        if writeln!(out, "{signature}\t{}", base64(body.as_bytes())).is_err() {
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
    }

    #[test]
    fn one_event_of_each_documented_kind() {
        let names: Vec<String> = events().iter().map(|e| e.name().to_owned()).collect();
        assert_eq!(names, promptfoo_webhooks::event::EVENT_NAMES);
    }
}
