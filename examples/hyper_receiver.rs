//! A Promptfoo webhook receiver in Rust: hyper 1.x on tokio, the crate's
//! [`Verifier`] created once. It answers as the npm package's middleware
//! does, status for status and code for code: both read the statuses and
//! messages from the wire contract (`promptfoo_webhooks::contract`).
//!
//! ```text
//! PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 cargo run --example hyper_receiver
//! ```
//!
//! Environment:
//!
//! - `PROMPTFOO_WEBHOOK_SECRET`: the webhook's secret; during a rotation
//!   several, comma-separated with no spaces, newest first (the 200 answer's
//!   `secretIndex` says which one matched);
//! - `PORT`: default 3000; `0` picks a free port. It listens on 127.0.0.1
//!   only: put a reverse proxy with TLS in front to expose it;
//! - `PROMPTFOO_WEBHOOK_TOLERANCE`: seconds; when set, a payload whose
//!   `timestamp` is further than that from now is rejected (off when unset);
//! - `PROMPTFOO_WEBHOOK_NOW_MS`: **tests only**: a fixed clock (Unix
//!   milliseconds) for that window, so a test can pin "now". Never set it in
//!   production: the window would stop moving.
//!
//! Answers, each error as `{ "error": <code>, "message": <text> }` (messages
//! come from the crate and never contain a secret):
//!
//! ```text
//! 200 { "received": <event>, "secretIndex": <n> }   verified
//! 401 missing_signature | malformed_signature | signature_mismatch
//! 413 body_too_large          over the limit: refused from Content-Length before reading the body,
//!                             or cut off as soon as a chunked body passes it; the connection is then
//!                             closed, after discarding at most another limit's worth (or 2 s) of what
//!                             is still coming (see `linger`)
//! 400 invalid_json | invalid_payload | timestamp_outside_window
//! 405 method_not_allowed      anything but POST
//! 415 unsupported_media_type  a Content-Type other than application/json (or application/*+json)
//! 500 internal_error          the connection broke while the body was read
//! ```
//!
//! One log line per delivery goes to stdout.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use promptfoo_webhooks::canonical::Value;
use promptfoo_webhooks::contract::error_spec;
use promptfoo_webhooks::{Error, Verified, Verifier, SIGNATURE_HEADER};
use std::convert::Infallible;
use std::future::poll_fn;
use std::io::ErrorKind;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncWrite;
use tokio::net::{TcpListener, TcpStream};

/// After a connection's last answer (a 413 ends it), what the client still
/// sends is discarded for at most this long (and at most the body limit)
/// before the socket is closed: see [`linger`].
const LINGER_TIME: Duration = Duration::from_secs(2);

/// What the receiver holds for its whole life: the keys are prepared once.
struct Receiver {
    verifier: Verifier,
    /// `PROMPTFOO_WEBHOOK_NOW_MS` (tests only); the system clock when `None`.
    fixed_now_millis: Option<i64>,
}

/// Why a delivery was not accepted.
enum Rejection {
    /// The delivery itself: answered with the code's status.
    Delivery(Error),
    /// Our side (the connection broke while reading): 500.
    Internal(String),
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Rejection::Delivery(error)
    }
}

/// The status and message the contract gives a code, for the answers the
/// receiver makes before or beside verifying.
fn contract_answer(code: &str) -> (StatusCode, &'static str) {
    let spec = error_spec(code);
    let status = spec.and_then(|spec| StatusCode::from_u16(spec.status).ok());
    (status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), spec.map_or("", |spec| spec.meaning))
}

/// `application/json`, with or without parameters, or any `application/*+json`.
fn is_json_content_type(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else { return false };
    let media_type = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    media_type == "application/json"
        || media_type.strip_prefix("application/").and_then(|rest| rest.strip_suffix("+json")).is_some_and(|name| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b".!#$&^_-".contains(&b))
        })
}

impl Receiver {
    fn now_millis(&self) -> i64 {
        self.fixed_now_millis.unwrap_or_else(|| match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        })
    }

    /// Reads the raw body, never more than the verifier's limit, and verifies it.
    async fn receive(&self, request: Request<Incoming>) -> Result<Verified, Rejection> {
        // Refuse a declared length over the limit before reading a byte.
        // (hyper has already rejected a Content-Length that is not a number.)
        let declared = request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if let Some(declared) = declared {
            self.verifier.check_body_size(usize::try_from(declared).unwrap_or(usize::MAX))?;
        }
        // A header that is not UTF-8 is still a signature to judge: malformed, not missing.
        let signature =
            request.headers().get(SIGNATURE_HEADER).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());

        // A chunked body (or one longer than declared, which hyper does not
        // allow anyway) is cut off as soon as it passes the limit.
        let mut body = request.into_body();
        let mut bytes = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| Rejection::Internal(format!("reading the body: {error}")))?;
            if let Ok(data) = frame.into_data() {
                self.verifier.check_body_size(bytes.len().saturating_add(data.len()))?;
                bytes.extend_from_slice(&data);
            }
        }
        Ok(self.verifier.verify_at(&bytes, signature.as_deref(), self.now_millis())?)
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let started = Instant::now();
        let line = format!("{} {}", request.method(), request.uri());
        let (response, outcome) = if request.method() != Method::POST {
            let mut response = contract_response("method_not_allowed");
            response.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
            (response, "method_not_allowed".to_owned())
        } else if !is_json_content_type(request.headers().get(CONTENT_TYPE)) {
            (contract_response("unsupported_media_type"), "unsupported_media_type".to_owned())
        } else {
            match self.receive(request).await {
                Ok(Verified { event, secret_index, .. }) => {
                    // Your code goes here: `event.payload` is typed per event name.
                    let body = json([("received", event.name().into()), ("secretIndex", (secret_index as f64).into())]);
                    let outcome = format!("accepted {} {} (secret #{secret_index})", event.name(), event.timestamp);
                    (json_response(StatusCode::OK, body), outcome)
                }
                Err(Rejection::Delivery(error)) => {
                    // The contract's status and `{ "error", "message" }` body for the error.
                    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST);
                    let mut response = json_response(status, error.to_json_body());
                    // The rest of an oversized body is still on the wire:
                    // close the connection rather than read it.
                    if status == StatusCode::PAYLOAD_TOO_LARGE {
                        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
                    }
                    (response, format!("rejected {}: {error}", error.code()))
                }
                Err(Rejection::Internal(reason)) => {
                    (contract_response("internal_error"), format!("internal_error {reason}"))
                }
            }
        };
        println!(
            "[receiver] {line} -> {} {outcome} ({} ms)",
            response.status().as_u16(),
            started.elapsed().as_millis()
        );
        Ok(response)
    }
}

fn json<const N: usize>(members: [(&str, Value); N]) -> String {
    Value::Object(members.into_iter().collect()).to_json()
}

fn json_response(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// An error answer in the contract's words.
fn contract_response(code: &str) -> Response<Full<Bytes>> {
    let (status, message) = contract_answer(code);
    error_response(status, code, message)
}

fn error_response(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(status, json([("error", code.into()), ("message", message.into())]))
}

/// The receiver and the port from the environment, or what is wrong with it.
fn from_env() -> Result<(Receiver, u16), String> {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let secrets = var("PROMPTFOO_WEBHOOK_SECRET")
        .ok_or("Set PROMPTFOO_WEBHOOK_SECRET to the secret Promptfoo generated for your webhook.")?;
    let secrets: Vec<&str> = secrets.split(',').collect();
    let mut verifier = Verifier::new(&secrets)
        .map_err(|error| format!("PROMPTFOO_WEBHOOK_SECRET: {error} ({}). {}", error.code(), error.hint()))?;
    if let Some(seconds) = var("PROMPTFOO_WEBHOOK_TOLERANCE") {
        let seconds =
            seconds.parse().map_err(|_| format!("PROMPTFOO_WEBHOOK_TOLERANCE: not a number of seconds: {seconds}"))?;
        verifier = verifier.tolerance_seconds(seconds);
    }
    let fixed_now_millis = match var("PROMPTFOO_WEBHOOK_NOW_MS") {
        Some(ms) => Some(ms.parse().map_err(|_| format!("PROMPTFOO_WEBHOOK_NOW_MS: not Unix milliseconds: {ms}"))?),
        None => None,
    };
    let port = match var("PORT") {
        Some(port) => port.parse().map_err(|_| format!("PORT: not a port number: {port}"))?,
        None => 3000,
    };
    Ok((Receiver { verifier, fixed_now_millis }, port))
}

async fn serve(receiver: Arc<Receiver>, port: u16) -> std::io::Result<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    println!("Listening on http://{}/ (Ctrl-C to stop)", listener.local_addr()?);
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                // E.g. out of file descriptors: keep serving the connections we have.
                eprintln!("[receiver] accept: {error}");
                continue;
            }
        };
        let receiver = Arc::clone(&receiver);
        let receiver_limit = receiver.verifier.body_limit();
        tokio::spawn(async move {
            let service = service_fn(move |request| Arc::clone(&receiver).handle(request));
            // The timer gives hyper's 30 s limit for reading request headers.
            let connection =
                http1::Builder::new().timer(TokioTimer::new()).serve_connection(TokioIo::new(stream), service);
            match connection.without_shutdown().await {
                Ok(parts) => linger(parts.io.into_inner(), receiver_limit).await,
                Err(error) => eprintln!("[receiver] connection: {error}"),
            }
        });
    }
}

/// Closes a connection: first our side only (FIN), then, while the client
/// may still be sending the rest of an oversized body, a short wait that
/// reads and discards (never keeps) at most `max_bytes` of it. Closing at
/// once with unread bytes makes the kernel answer with a reset, and a client
/// still writing its body (Node's fetch, curl) then reports "connection
/// reset" (EPIPE) instead of the 413 it was sent. Past `max_bytes` or
/// [`LINGER_TIME`] the socket is closed all the same.
async fn linger(mut stream: TcpStream, max_bytes: usize) {
    if poll_fn(|cx| Pin::new(&mut stream).poll_shutdown(cx)).await.is_err() {
        return;
    }
    let mut scratch = vec![0; 64 * 1024];
    let mut discarded = 0;
    let drain = async {
        while discarded < max_bytes && stream.readable().await.is_ok() {
            match stream.try_read(&mut scratch) {
                Ok(0) => return, // the client has closed too
                Ok(read) => discarded += read,
                Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}

fn main() -> ExitCode {
    let (receiver, port) = match from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    // One thread is plenty for webhook traffic; verifying a 5 MiB body takes
    // a few milliseconds. Use tokio's multi-threaded runtime for more.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(Arc::new(receiver), port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {error}");
            ExitCode::FAILURE
        }
    }
}
