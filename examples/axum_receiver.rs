//! Promptfoo webhooks received on axum with the crate's extractors: several
//! webhooks at one server, each with its own secrets, picked by the
//! delivery's `X-Webhook-Id`.
//!
//!   PROMPTFOO_WEBHOOK_SECRETS=wh_siem:<secret>,wh_ci:<secret> PORT=3000 \
//!     cargo run --example axum_receiver --features axum
//!
//! `PROMPTFOO_WEBHOOK_SECRETS` lists `<webhook id>:<secret>` pairs; an id
//! listed twice has two secrets (a rotation, newest first). Deliveries that
//! verify reach `receive` (the typed event) or `issue_alert` (three fields
//! into a struct of its own); the others are answered by the extractor:
//! 401 for signature problems and unknown webhooks, 413 over the body
//! limit, 400 for a bad payload or a stale timestamp, as
//! `{ "error": code, "message": text }`.
// README:begin axum
use std::collections::BTreeMap;

use axum::routing::post;
use axum::Router;
use promptfoo_webhooks::axum::{VerifiedEvent, VerifiedJson};
use promptfoo_webhooks::{Verifier, VerifierMap};
use serde::Deserialize;

async fn receive(delivery: VerifiedEvent) -> String {
    let webhook = delivery.webhook_id.as_deref().unwrap_or("-");
    println!(
        "{} at {} from {webhook} (secret #{})",
        delivery.event.name(),
        delivery.event.timestamp,
        delivery.secret_index
    );
    format!(r#"{{"received":"{}"}}"#, delivery.event.name())
}

/// Only what this route reads of an `issue.*` delivery.
#[derive(Deserialize)]
struct IssueAlert {
    event: String,
    data: AlertData,
}
#[derive(Deserialize)]
struct AlertData {
    issue: AlertIssue,
}
#[derive(Deserialize)]
struct AlertIssue {
    id: String,
    severity: Option<String>,
}

async fn issue_alert(delivery: VerifiedJson<IssueAlert>) -> &'static str {
    let IssueAlert { event, data } = delivery.event;
    println!("{event}: issue {} ({})", data.issue.id, data.issue.severity.as_deref().unwrap_or("no severity"));
    "ok"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // "wh_siem:<secret>,wh_ci:<secret>" -> each webhook id's secrets, in order.
    let mut secrets: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in std::env::var("PROMPTFOO_WEBHOOK_SECRETS")?.split(',') {
        let (id, secret) = pair.split_once(':').ok_or("expected <webhook id>:<secret>")?;
        secrets.entry(id.to_owned()).or_default().push(secret.to_owned());
    }
    let mut webhooks = VerifierMap::new();
    for (id, secrets) in secrets {
        webhooks = webhooks.insert(id, Verifier::new(&secrets)?.tolerance_seconds(300));
    }
    let app = Router::new()
        .route("/webhooks/promptfoo", post(receive))
        .route("/webhooks/promptfoo/issues", post(issue_alert))
        .with_state(webhooks);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        println!("Listening on http://{}/webhooks/promptfoo", listener.local_addr()?);
        axum::serve(listener, app).await
    })?;
    Ok(())
}
// README:end
