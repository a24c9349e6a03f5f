//! axum extractors (the `axum` feature): a handler that takes
//! [`VerifiedEvent`] or [`VerifiedJson<T>`] runs only for a delivery that
//! verified.
//!
//! They verify with the router's state, through `FromRef`: a [`Verifier`]
//! (every delivery), or a [`VerifierMap`] (the delivery's `X-Webhook-Id`
//! picks the verifier, so several webhooks with their own secrets share an
//! endpoint). Either is taken as [`Verifiers`], which shares the keys: no
//! request copies them. The body is read up to the chosen verifier's limit
//! whatever axum's `DefaultBodyLimit` says (a declared `Content-Length`
//! over it is refused unread), the `X-Promptfoo-Signature` header is
//! checked, then the payload. A delivery that fails is answered with the
//! contract's status for its code (401 for signature problems and unknown
//! webhooks, 413 for a body too large, 400 for an invalid payload or
//! timestamp) and the body of [`Error::to_json_body`],
//! `{ "error": code, "message": text }`, as the npm package's adapters
//! answer.
//!
//! ```no_run
//! use axum::{routing::post, Router};
//! use promptfoo_webhooks::axum::{VerifiedEvent, VerifiedJson};
//! use promptfoo_webhooks::{Verifier, VerifierMap};
//!
//! async fn receive(delivery: VerifiedEvent) -> &'static str {
//!     println!("{} from {:?} (secret #{})", delivery.event.name(), delivery.webhook_id, delivery.secret_index);
//!     "ok"
//! }
//!
//! #[derive(serde::Deserialize)]
//! struct JobEvent {
//!     event: String,
//!     data: JobData,
//! }
//! #[derive(serde::Deserialize)]
//! struct JobData {
//!     #[serde(rename = "jobId")]
//!     job_id: String,
//! }
//!
//! async fn jobs(delivery: VerifiedJson<JobEvent>) -> String {
//!     format!("{} {}", delivery.event.event, delivery.event.data.job_id)
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let webhooks = VerifierMap::new()
//!     .insert("wh_siem", Verifier::new(&[std::env::var("SIEM_SECRET")?])?.tolerance_seconds(300))
//!     .insert("wh_ci", Verifier::new(&[std::env::var("CI_SECRET")?])?.tolerance_seconds(300));
//! let app = Router::new()
//!     .route("/webhooks/promptfoo", post(receive))
//!     .route("/webhooks/jobs", post(jobs))
//!     .with_state(webhooks);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```
//!
//! With a state of your own, give it a [`Verifiers`] field and derive
//! axum's `FromRef`, or implement `FromRef<YourState> for Verifiers`
//! (`state.verifier.clone().into()`: a clone shares the keys).

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequest, Request};
use axum::response::{IntoResponse, Response};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use std::fmt;

use crate::contract::{self, error_spec, WEBHOOK_ID_RULE};
use crate::http_headers::{signature_header, webhook_id_header};
use crate::{Error, Event, Verifier, VerifierMap};

/// What the extractors verify with: one [`Verifier`] for every delivery,
/// or a [`VerifierMap`] that picks one by `X-Webhook-Id`. Made from either
/// with `From`, and taken from a router state of either type as it is; a
/// clone shares the keys.
#[derive(Debug, Clone)]
pub struct Verifiers(Choice);

#[derive(Debug, Clone)]
enum Choice {
    One(Verifier),
    ById(VerifierMap),
}

impl From<Verifier> for Verifiers {
    fn from(verifier: Verifier) -> Self {
        Verifiers(Choice::One(verifier))
    }
}

impl From<VerifierMap> for Verifiers {
    fn from(map: VerifierMap) -> Self {
        Verifiers(Choice::ById(map))
    }
}

impl FromRef<Verifier> for Verifiers {
    fn from_ref(verifier: &Verifier) -> Self {
        verifier.clone().into()
    }
}

impl FromRef<VerifierMap> for Verifiers {
    fn from_ref(map: &VerifierMap) -> Self {
        map.clone().into()
    }
}

impl Verifiers {
    /// The verifier for a delivery with these headers, and its webhook id.
    /// One verifier takes every delivery; the id is only reported, so an
    /// unreadable one is no id rather than a refusal.
    fn pick(&self, headers: &HeaderMap) -> Result<(&Verifier, Option<String>), Error> {
        let read = |id: Option<&str>| id.and_then(|id| contract::read_header(&WEBHOOK_ID_RULE, id)).map(str::to_owned);
        match &self.0 {
            Choice::One(verifier) => Ok((verifier, read(webhook_id_header(headers).ok().flatten()))),
            Choice::ById(map) => {
                let id = webhook_id_header(headers)?;
                Ok((map.verifier_for(id)?, read(id)))
            }
        }
    }
}

/// A delivery that verified, typed as an [`Event`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedEvent {
    /// The typed event.
    pub event: Event,
    /// The index of the secret that matched (0 is the first one given to
    /// the [`Verifier`]).
    pub secret_index: usize,
    /// The `X-Webhook-Id` header, without the blanks around it (`None`
    /// when absent or blank).
    pub webhook_id: Option<String>,
    /// The body as received: the bytes the signature covers.
    pub body: Bytes,
}

/// A delivery that verified, deserialized into your own `T` by
/// [`Verifier::verify_json`]: the event schema is not checked (your type
/// is), the replay window is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedJson<T> {
    /// The body as your type.
    pub event: T,
    /// The index of the secret that matched.
    pub secret_index: usize,
    /// The `X-Webhook-Id` header, without the blanks around it.
    pub webhook_id: Option<String>,
    /// The body as received.
    pub body: Bytes,
}

/// Why a delivery was refused: answered with [`WebhookRejection::status`]
/// and `{ "error": code, "message": text }`.
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

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status.as_u16(), self.message)
    }
}

impl std::error::Error for WebhookRejection {}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(contract::error_body(self.code, &self.message)));
        *response.status_mut() = self.status;
        response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
        response
    }
}

impl<S> FromRequest<S> for VerifiedEvent
where
    Verifiers: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (verified, webhook_id, body) = receive(request, &Verifiers::from_ref(state), Verifier::verify).await?;
        Ok(VerifiedEvent { event: verified.event, secret_index: verified.secret_index, webhook_id, body })
    }
}

impl<S, T> FromRequest<S> for VerifiedJson<T>
where
    Verifiers: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = WebhookRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (verified, webhook_id, body) =
            receive(request, &Verifiers::from_ref(state), |verifier, body, signature| {
                verifier.verify_json::<T>(body, signature)
            })
            .await?;
        Ok(VerifiedJson { event: verified.event, secret_index: verified.secret_index, webhook_id, body })
    }
}

/// Picks the verifier, reads the body within its limit and hands both,
/// with the signature header, to `verify`.
async fn receive<V>(
    request: Request,
    verifiers: &Verifiers,
    verify: impl FnOnce(&Verifier, &[u8], Option<&str>) -> Result<V, Error>,
) -> Result<(V, Option<String>, Bytes), WebhookRejection> {
    let (parts, body) = request.into_parts();
    let (verifier, webhook_id) = verifiers.pick(&parts.headers)?;
    // A declared length over the limit is refused before reading.
    let declared =
        parts.headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    if let Some(size) = declared {
        verifier.check_body_size(size)?;
    }
    let bytes = read_bounded(body, verifier).await?;
    let verified = verify(verifier, &bytes, signature_header(&parts.headers)?)?;
    Ok((verified, webhook_id, bytes))
}

/// The body, stopping as soon as it passes the verifier's limit. The raw
/// body, not axum's limited one: the verifier's limit is the one that holds.
async fn read_bounded(mut body: Body, verifier: &Verifier) -> Result<Bytes, WebhookRejection> {
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
    Ok(Bytes::from(bytes))
}
