//! A Promptfoo webhook receiver on axum, with the crate's extractor.
//!
//!   PROMPTFOO_WEBHOOK_SECRET=<secret>[,<previous secret>] PORT=3000 \
//!     cargo run --example axum_receiver --features axum
//!
//! Deliveries that verify reach `receive`; the others are answered by the
//! extractor: 401 for signature problems, 413 over the body limit, 400 for
//! a bad payload or a stale timestamp, as `{ "error": code, "message": text }`.
// README:begin axum
use axum::routing::post;
use axum::Router;
use promptfoo_webhooks::axum::VerifiedEvent;
use promptfoo_webhooks::Verifier;

async fn receive(delivery: VerifiedEvent) -> String {
    println!("{} at {} (secret #{})", delivery.event.name(), delivery.event.timestamp, delivery.secret_index);
    format!(r#"{{"received":"{}"}}"#, delivery.event.name())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secrets: Vec<String> = std::env::var("PROMPTFOO_WEBHOOK_SECRET")?.split(',').map(str::to_owned).collect();
    let verifier = Verifier::new(&secrets)?.tolerance_seconds(300);
    let app = Router::new().route("/webhooks/promptfoo", post(receive)).with_state(verifier);
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
