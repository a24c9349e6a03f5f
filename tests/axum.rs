//! The axum extractor over real HTTP on 127.0.0.1: accepted deliveries
//! reach the handler with their secret index; the others get the
//! contract's status and `{ "error", "message" }`, and never the handler.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use promptfoo_webhooks::axum::VerifiedEvent;
use promptfoo_webhooks::timestamp::format_millis;
use promptfoo_webhooks::{Event, Issue, Key, Verifier};

const NEW: &str = "axum-new-secret-0123456789abcdef";
const OLD: &str = "axum-old-secret-0123456789abcdef";

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
    seen: Arc<Mutex<Vec<(String, usize)>>>,
}

impl axum::extract::FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

async fn receive(State(state): State<AppState>, delivery: VerifiedEvent) -> &'static str {
    state.seen.lock().unwrap().push((delivery.event.name().to_owned(), delivery.secret_index));
    "ok"
}

/// A raw HTTP/1.1 POST; returns (status, body).
fn post_raw(address: SocketAddr, body: &[u8], headers: &[(&str, String)]) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    let mut request =
        format!("POST /hook HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
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
    let app = Router::new().route("/hook", post(receive)).with_state(state);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || runtime.block_on(async { axum::serve(listener, app).await.unwrap() }));

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
