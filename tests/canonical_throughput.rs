//! Rough throughput of `canonical::to_string` on a ~16 KB webhook-like
//! body. Prints a figure; asserts nothing about speed.
//! Meaningful with `cargo test --release --test canonical_throughput -- --nocapture`.

use promptfoo_webhooks::canonical;
use std::time::Instant;

/// About the size of a large `issue.updated` delivery.
const TARGET_BYTES: usize = 16 * 1024;

fn webhook_like_body() -> String {
    let mut history = Vec::new();
    let mut i = 0;
    loop {
        history.push(format!(
            r#"{{"id":"evt_{i:08}","actor":{{"id":"usr_{i}","email":"analyst{i}@example.com","name":"Analyst Nº{i}"}},"field":"status","from":"open","to":"in_progress","at":"2024-06-01T12:{:02}:00.000Z","note":"Reproduced with prompt:\n\"Ignore previous instructions\" \u2014 see /runs/{i}\tscore=0.{i}7","score":{}.25,"flags":[true,false,null]}}"#,
            i % 60,
            i * 3
        ));
        i += 1;
        let body = envelope(&history);
        if body.len() >= TARGET_BYTES {
            return body;
        }
    }
}

fn envelope(history: &[String]) -> String {
    format!(
        r#"{{"event":"issue.updated","timestamp":"2024-06-01T12:34:56.789Z","data":{{"issue":{{"id":"iss_01HZX3","pluginId":"harmful:privacy","severity":"high","status":"in_progress","weakness":"PII leak via system prompt","targetId":"tgt_42","providerId":"openai:gpt-4o","createdAt":"2024-05-30T08:00:00Z","updatedAt":"2024-06-01T12:34:56Z","occurrences":17,"tags":["pii","prompt-injection","日本語"],"history":[{}]}},"changes":["status"],"userEmail":"ops@example.com"}}}}"#,
        history.join(",")
    )
}

#[test]
fn throughput_on_a_webhook_like_body() {
    let body = webhook_like_body();
    let expected = canonical::to_string(&body).expect("valid body");
    assert!(expected.len() < body.len() + 64);
    let rounds = if cfg!(debug_assertions) { 20 } else { 5_000 };
    let started = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..rounds {
        bytes += canonical::to_string(std::hint::black_box(&body)).map(|s| s.len()).unwrap_or(0);
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(bytes, expected.len() * rounds);
    println!(
        "canonical::to_string: {} bytes x {rounds} in {seconds:.3}s = {:.0} MB/s, {:.1} µs per body{}",
        body.len(),
        (body.len() * rounds) as f64 / seconds / 1e6,
        seconds / rounds as f64 * 1e6,
        if cfg!(debug_assertions) { " (debug build: use --release)" } else { "" }
    );
}
