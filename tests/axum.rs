//! The axum extractors over real HTTP on 127.0.0.1: accepted deliveries
//! reach the handler with their secret index, webhook id and raw body; the
//! others get the contract's status and `{ "error", "message" }` (the body
//! of `Error::to_json_body`), and never the handler. The state gives a
//! `Verifier` (inside an app state) or a `VerifierMap` (as the state).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use promptfoo_webhooks::axum::{VerifiedEvent, VerifiedJson, Verifiers};
use promptfoo_webhooks::timestamp::format_millis;
use promptfoo_webhooks::{Event, Issue, Key, Verifier, VerifierMap};

const NEW: &str = "axum-new-secret-0123456789abcdef";
const OLD: &str = "axum-old-secret-0123456789abcdef";

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
    seen: Arc<Mutex<Vec<(String, usize)>>>,
}

impl FromRef<AppState> for Verifiers {
    fn from_ref(state: &AppState) -> Verifiers {
        state.verifier.clone().into()
    }
}

async fn receive(State(state): State<AppState>, delivery: VerifiedEvent) -> &'static str {
    state.seen.lock().unwrap().push((delivery.event.name().to_owned(), delivery.secret_index));
    "ok"
}

/// Serves `app` on 127.0.0.1, port 0, from a thread of its own.
fn serve(app: Router) -> SocketAddr {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || runtime.block_on(async { axum::serve(listener, app).await.unwrap() }));
    address
}

/// A raw HTTP/1.1 POST to /hook; returns (status, body).
fn post_raw(address: SocketAddr, body: &[u8], headers: &[(&str, String)]) -> (u16, String) {
    post_to(address, "/hook", body, headers)
}

/// A raw HTTP/1.1 POST; returns (status, body).
fn post_to(address: SocketAddr, path: &str, body: &[u8], headers: &[(&str, String)]) -> (u16, String) {
    let mut stream = send_head(address, path, body.len(), headers);
    stream.write_all(body).unwrap();
    read_answer(stream)
}

/// The head of a POST declaring `length` bytes, and no body: for a refusal
/// before reading (a body sent into a closed connection could reset it
/// before the answer is read).
fn post_declared(address: SocketAddr, path: &str, length: usize, headers: &[(&str, String)]) -> (u16, String) {
    read_answer(send_head(address, path, length, headers))
}

fn send_head(address: SocketAddr, path: &str, length: usize, headers: &[(&str, String)]) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request =
        format!("POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {length}\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream
}

fn read_answer(mut stream: TcpStream) -> (u16, String) {
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

fn now_iso(offset_millis: i64) -> String {
    let now = i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()).unwrap();
    format_millis(now + offset_millis)
}

#[test]
fn the_extractor_answers_every_delivery_over_http() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let verifier = Verifier::new(&[NEW, OLD]).unwrap().tolerance_seconds(300).max_body_bytes(4096);
    let state = AppState { verifier, seen: seen.clone() };
    let address = serve(Router::new().route("/hook", post(receive)).with_state(state));

    let json = ("Content-Type", "application/json".to_owned());
    let body = Event::issue_created(Issue::new("issue-1"), now_iso(0)).to_json();
    let signed = |secret: &str, body: &str| Key::new(secret).unwrap().sign_hex(body.as_bytes());
    let stale = Event::issue_created(Issue::new("issue-2"), now_iso(-3_600_000)).to_json();
    let big = Event::issue_created(Issue::new("x".repeat(5000)), now_iso(0)).to_json();

    // (label, body, headers, status, code)
    type Case<'a> = (&'a str, String, Vec<(&'a str, String)>, u16, Option<&'a str>);
    let cases: Vec<Case> = vec![
        ("new secret", body.clone(), vec![json.clone(), ("X-Promptfoo-Signature", signed(NEW, &body))], 200, None),
        (
            "old secret, upper case",
            body.clone(),
            vec![json.clone(), ("X-Promptfoo-Signature", signed(OLD, &body).to_uppercase())],
            200,
            None,
        ),
        (
            "wrong secret",
            body.clone(),
            vec![json.clone(), ("X-Promptfoo-Signature", signed("wrong-secret-0123456789abcdef", &body))],
            401,
            Some("signature_mismatch"),
        ),
        ("no signature", body.clone(), vec![json.clone()], 401, Some("missing_signature")),
        (
            "two signatures",
            body.clone(),
            vec![
                json.clone(),
                ("X-Promptfoo-Signature", signed(NEW, &body)),
                ("X-Promptfoo-Signature", signed(NEW, &body)),
            ],
            401,
            Some("malformed_signature"),
        ),
        (
            "stale",
            stale.clone(),
            vec![json.clone(), ("X-Promptfoo-Signature", signed(NEW, &stale))],
            400,
            Some("timestamp_outside_window"),
        ),
        (
            "too large",
            big.clone(),
            vec![json.clone(), ("X-Promptfoo-Signature", signed(NEW, &big))],
            413,
            Some("body_too_large"),
        ),
        (
            "not a payload",
            "[1]".to_owned(),
            vec![json.clone(), ("X-Promptfoo-Signature", signed(NEW, "[1]"))],
            400,
            Some("invalid_payload"),
        ),
    ];
    for (label, body, headers, status, code) in cases {
        let (got, answer) = post_raw(address, body.as_bytes(), &headers);
        assert_eq!(got, status, "{label}: {answer}");
        if let Some(code) = code {
            assert!(answer.starts_with(&format!(r#"{{"error":"{code}","message":""#)), "{label}: {answer}");
        }
    }
    assert_eq!(*seen.lock().unwrap(), [("issue.created".to_owned(), 0), ("issue.created".to_owned(), 1)]);
}

// ---------------------------------------------------------------- a VerifierMap as the state

const SIEM: &str = "axum-siem-secret-0123456789abcdef";
const CI: &str = "axum-ci-secret-0123456789abcdef";
/// Over axum's default body limit (2 MB), under the SIEM webhook's.
const LARGE_BODY: usize = 2_500_000;

/// What the event route saw: `<id> <secret index> <body bytes> <event>`.
async fn event_route(delivery: VerifiedEvent) -> String {
    let id = delivery.webhook_id.as_deref().unwrap_or("-");
    format!("{id} {} {} {}", delivery.secret_index, delivery.body.len(), delivery.event.name())
}

/// The three fields a receiver needs, into its own type.
#[derive(serde::Deserialize)]
struct Alert {
    data: AlertData,
}
#[derive(serde::Deserialize)]
struct AlertData {
    issue: AlertIssue,
}
#[derive(serde::Deserialize)]
struct AlertIssue {
    id: String,
    status: Option<String>,
    severity: Option<String>,
}

async fn json_route(delivery: VerifiedJson<Alert>) -> String {
    let issue = delivery.event.data.issue;
    format!("{} {:?} {:?} {:?}", issue.id, issue.status, issue.severity, delivery.webhook_id)
}

/// The same map by hand, with any HTTP stack's tools: an `Error` answered
/// with its `status()` and `to_json_body()`.
async fn by_hand(State(map): State<VerifierMap>, headers: HeaderMap, body: Bytes) -> (StatusCode, String) {
    match map.verify_headers(&body, &headers) {
        Ok(verified) => (StatusCode::OK, verified.event.name().to_owned()),
        Err(error) => (StatusCode::from_u16(error.status()).unwrap(), error.to_json_body()),
    }
}

fn map_app() -> Router {
    let map = VerifierMap::new()
        .insert("wh_siem", Verifier::new(&[SIEM]).unwrap().max_body_bytes(3_000_000).tolerance_seconds(300))
        .insert("wh_ci", Verifier::new(&[CI, NEW]).unwrap().max_body_bytes(4096));
    Router::new()
        .route("/event", post(event_route))
        .route("/json", post(json_route))
        .route("/by-hand", post(by_hand))
        .with_state(map)
}

fn signed_headers(secret: &str, body: &str, webhook_id: Option<&str>) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Content-Type", "application/json".to_owned()),
        ("X-Promptfoo-Signature", Key::new(secret).unwrap().sign_hex(body.as_bytes())),
    ];
    headers.extend(webhook_id.map(|id| ("X-Webhook-Id", id.to_owned())));
    headers
}

#[test]
fn a_verifier_map_state_picks_each_webhooks_secrets_and_limit() {
    let address = serve(map_app());
    let body = Event::issue_created(Issue::new("issue-1"), now_iso(0)).to_json();
    let len = body.len();
    let post = |path: &str, secret: &str, id: Option<&str>| {
        post_to(address, path, body.as_bytes(), &signed_headers(secret, &body, id))
    };

    assert_eq!(post("/event", SIEM, Some(" wh_siem ")), (200, format!("wh_siem 0 {len} issue.created")));
    assert_eq!(post("/event", NEW, Some("wh_ci")), (200, format!("wh_ci 1 {len} issue.created")));
    let (status, answer) = post("/event", SIEM, Some("wh_ci"));
    assert_eq!(
        (status, answer.as_str()),
        (401, r#"{"error":"signature_mismatch","message":"signature does not match the body"}"#)
    );
    let (status, answer) = post("/event", SIEM, Some("wh_other"));
    assert_eq!(status, 401);
    assert!(answer.starts_with(r#"{"error":"unknown_webhook","message":"#), "{answer}");
    assert_eq!(post("/event", SIEM, None).0, 401, "no X-Webhook-Id and no fallback");

    // Each webhook's own limit holds, above and below axum's 2 MB default.
    let mut large = Issue::new("issue-large");
    large.weakness = Some("w".repeat(LARGE_BODY));
    let large = Event::issue_created(large, now_iso(0)).to_json();
    let (status, answer) = post_to(address, "/event", large.as_bytes(), &signed_headers(SIEM, &large, Some("wh_siem")));
    assert_eq!((status, answer), (200, format!("wh_siem 0 {} issue.created", large.len())));
    // Refused from the declared length alone: the body is never sent.
    let (status, answer) = post_declared(address, "/event", large.len(), &signed_headers(CI, &large, Some("wh_ci")));
    assert_eq!(status, 413);
    assert!(answer.starts_with(r#"{"error":"body_too_large","#), "{answer}");
}

#[test]
fn verified_json_reads_the_callers_type_after_the_signature() {
    let address = serve(map_app());
    let mut issue = Issue::new("issue-7");
    issue.severity = Some(promptfoo_webhooks::Severity::High);
    let body = Event::issue_created(issue, now_iso(0)).to_json();
    let answer = post_to(address, "/json", body.as_bytes(), &signed_headers(SIEM, &body, Some("wh_siem")));
    assert_eq!(answer, (200, r#"issue-7 None Some("high") Some("wh_siem")"#.to_owned()));

    // Signed but not the caller's shape: 400, never the handler.
    let other = Event::evaluation_created("job-1", None, now_iso(0)).to_json();
    let (status, answer) = post_to(address, "/json", other.as_bytes(), &signed_headers(SIEM, &other, Some("wh_siem")));
    assert_eq!(status, 400);
    assert!(
        answer.starts_with(r#"{"error":"invalid_payload","message":"invalid payload at $: missing field `issue`"#),
        "{answer}"
    );
    // The window still holds.
    let stale = Event::issue_created(Issue::new("issue-8"), now_iso(-3_600_000)).to_json();
    let (status, answer) = post_to(address, "/json", stale.as_bytes(), &signed_headers(SIEM, &stale, Some("wh_siem")));
    assert_eq!(status, 400);
    assert!(answer.starts_with(r#"{"error":"timestamp_outside_window","#), "{answer}");
}

#[test]
fn error_status_and_json_body_answer_as_the_extractor_does() {
    let address = serve(map_app());
    let body = Event::issue_created(Issue::new("issue-1"), now_iso(0)).to_json();
    let cases = [
        signed_headers(SIEM, &body, Some("wh_ci")),
        signed_headers(SIEM, &body, Some("wh_other")),
        signed_headers(SIEM, &body, None),
        vec![("Content-Type", "application/json".to_owned()), ("X-Webhook-Id", "wh_siem".to_owned())],
    ];
    for headers in cases {
        let extractor = post_to(address, "/event", body.as_bytes(), &headers);
        let by_hand = post_to(address, "/by-hand", body.as_bytes(), &headers);
        assert_ne!(extractor.0, 200);
        assert_eq!(by_hand, extractor, "{headers:?}");
    }
    assert_eq!(post_to(address, "/by-hand", body.as_bytes(), &signed_headers(SIEM, &body, Some("wh_siem"))).0, 200);
}

/// A glob import of the prelude beside axum's own names: no E0659, unlike
/// `use promptfoo_webhooks::*`, whose `axum` module would clash.
mod glob_import {
    use axum::routing::post;
    use axum::Router;
    use promptfoo_webhooks::prelude::*;

    pub fn app() -> Router {
        let verifier = Verifier::new(&["glob-secret-0123456789abcdef"]).unwrap();
        Router::new().route("/hook", post(|| async { "ok" })).with_state(VerifierMap::new().fallback(verifier))
    }
}

#[test]
fn rejections_and_config_problems_are_std_errors() {
    fn message(error: &dyn std::error::Error) -> String {
        error.to_string()
    }
    let _ = glob_import::app();
    let rejection = promptfoo_webhooks::axum::WebhookRejection::from(promptfoo_webhooks::Error::SignatureMismatch);
    assert_eq!(message(&rejection), "signature_mismatch (401): signature does not match the body");
    let value =
        promptfoo_webhooks::canonical::parse(r#"{"url":"https://example.com","name":"n","events":[]}"#).unwrap();
    let problems = promptfoo_webhooks::validate_webhook_config(&value).unwrap_err();
    assert!(message(&problems[0]).starts_with("$.events: "));
}
