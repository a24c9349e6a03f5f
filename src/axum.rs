//! An axum extractor (the `axum` feature): a handler takes
//! [`VerifiedEvent`] and runs only for a delivery that verified.
//!
//! The [`Verifier`] comes from the router's state through `FromRef`. The
//! body is read up to the verifier's limit (a declared `Content-Length`
//! over it is refused unread), the `X-Promptfoo-Signature` header is
//! checked, then the payload. A delivery that fails is answered with the
//! contract's status for its code (401 for signature problems, 413 for a
//! body too large, 400 for an invalid payload or timestamp) and a JSON body
//! `{ "error": code, "message": text }`, as the npm package's adapters
//! answer.
//!
//! ```no_run
//! use axum::{routing::post, Router};
//! use promptfoo_webhooks::axum::VerifiedEvent;
//! use promptfoo_webhooks::Verifier;
//!
//! async fn receive(delivery: VerifiedEvent) -> &'static str {
//!     println!("{} (secret #{})", delivery.event.name(), delivery.secret_index);
//!     "ok"
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(&[std::env::var("PROMPTFOO_WEBHOOK_SECRET")?])?.tolerance_seconds(300);
//! let app = Router::new().route("/webhooks/promptfoo", post(receive)).with_state(verifier);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! With other state, implement `FromRef<YourState> for Verifier` (or derive
//! axum's `FromRef` on the state struct).

use axum::body::Body;
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, StatusCode};
use http_body_util::BodyExt;

use crate::canonical::{Object, Value};
use crate::contract::error_spec;
use crate::http_headers::signature_header;
use crate::{Error, Event, Verifier};

/// A delivery that verified: the typed event, and which secret matched
/// (0 is the first one given to the [`Verifier`]).
#[derive(Debug, Clone)]
pub struct VerifiedEvent {
    /// The typed event.
    pub event: Event,
    /// The index of the secret that matched.
    pub secret_index: usize,
}

/// Why a delivery was refused: answered with the contract's status and
/// `{ "error": code, "message": text }`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRejection {
    /// The stable code, e.g. `signature_mismatch`.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
    /// The status it is answered with.
    pub status: StatusCode,
}

impl WebhookRejection {
    fn new(code: &'static str, message: String) -> Self {
        let status = error_spec(code).and_then(|spec| StatusCode::from_u16(spec.status).ok());
        WebhookRejection { code, message, status: status.unwrap_or(StatusCode::BAD_REQUEST) }
    }
}

impl From<Error> for WebhookRejection {
    fn from(error: Error) -> Self {
        WebhookRejection::new(error.code(), error.to_string())
    }
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let body: Object =
            [("error", Value::from(self.code)), ("message", Value::from(self.message.as_str()))].into_iter().collect();
        let mut response = Response::new(Body::from(Value::Object(body).to_json()));
        *response.status_mut() = self.status;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        response
    }
}

impl<S> FromRequest<S> for VerifiedEvent
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let (parts, body) = request.into_parts();
        // A declared length over the limit is refused before reading.
        let declared =
            parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
        if let Some(size) = declared {
            verifier.check_body_size(size)?;
        }
        let bytes = read_bounded(body, &verifier).await?;
        let verified = verifier.verify(&bytes, signature_header(&parts.headers)?)?;
        Ok(VerifiedEvent { event: verified.event, secret_index: verified.secret_index })
    }
}

/// The body, stopping as soon as it passes the verifier's limit.
async fn read_bounded(mut body: Body, verifier: &Verifier) -> Result<Vec<u8>, WebhookRejection> {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            WebhookRejection::new("unsupported_body", format!("the request body could not be read: {error}"))
        })?;
        if let Some(data) = frame.data_ref() {
            verifier.check_body_size(bytes.len().saturating_add(data.len()))?;
            bytes.extend_from_slice(data);
        }
    }
    Ok(bytes)
}
