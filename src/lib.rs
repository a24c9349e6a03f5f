//! Verify, type, route, build and sign Promptfoo Enterprise webhooks.

mod error;

pub mod canonical;
pub mod change;
pub mod config;
pub mod event;
pub mod signature;
pub mod timestamp;
pub mod verify;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::Error;
