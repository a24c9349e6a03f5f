//! Times signing and verifying natively for benches/native.mjs: the
//! crate's prepared `Verifier` against the `hmac` + `sha2` crates used by
//! hand (the key set up per delivery, as hand-written code does), and the
//! typed event against those plus `serde_json` parsing the body, and
//! `Verifier::verify_json` against those deserializing a minimal borrowed
//! struct (the three issue fields a receiver may need), in interleaved rounds. Prints one JSON line per body and contender with the
//! median ops/s.
//!
//! `cargo run --release -p dev-tools --bin native_bench -- <rounds> <slice-ms> <file>...`

use hmac::{Hmac, Mac};
use promptfoo_webhooks::Verifier;
use serde::Deserialize;
use sha2::Sha256;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SECRET: &str = "whsec-bench-0123456789abcdef";

/// A replay window wide enough for the whole run: the bodies carry the time they were written.
const WINDOW_SECONDS: u64 = 86_400;

/// What a receiver that needs three fields deserializes: borrowed, the rest skipped.
#[derive(Deserialize)]
struct Minimal<'a> {
    #[serde(borrow)]
    event: &'a str,
    #[serde(borrow)]
    data: MinimalData<'a>,
}

#[derive(Deserialize)]
struct MinimalData<'a> {
    // The smallest body is an evaluation event: no issue.
    #[serde(borrow)]
    issue: Option<MinimalIssue<'a>>,
}

#[derive(Deserialize)]
struct MinimalIssue<'a> {
    id: &'a str,
    status: Option<&'a str>,
    severity: Option<&'a str>,
}

impl Minimal<'_> {
    /// Reads every field, so none is optimized away.
    fn read(&self) -> bool {
        let issue = self
            .data
            .issue
            .as_ref()
            .map_or(0, |i| i.id.len() + i.status.map_or(0, str::len) + i.severity.map_or(0, str::len));
        black_box(self.event.len() + issue) > 0
    }
}

/// (operation, name, run): ratios are taken within an operation.
type Contender<'a> = (&'static str, &'static str, Box<dyn Fn() -> bool + 'a>);

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(7);
    let slice = Duration::from_millis(args.next().and_then(|ms| ms.parse().ok()).unwrap_or(150));
    let verifier = Verifier::new(&[SECRET]).expect("a valid secret");
    let windowed = verifier.clone().tolerance_seconds(WINDOW_SECONDS);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis();
    let now = i64::try_from(now).expect("a current time");
    for path in args {
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let header = verifier.sign_hex(&body);
        let contenders: Vec<Contender> = vec![
            ("verify", "hmac + sha2 by hand: verify", Box::new(|| hand_verify(&body, &header))),
            (
                "verify",
                "Verifier::check_signature",
                Box::new(|| verifier.check_signature(&body, Some(&header)).is_ok()),
            ),
            (
                "typed",
                "hmac + sha2 + serde_json::from_slice::<Value> by hand: typed",
                Box::new(|| hand_verify(&body, &header) && serde_json::from_slice::<serde_json::Value>(&body).is_ok()),
            ),
            (
                "typed",
                "Verifier::verify_at (typed event)",
                Box::new(|| verifier.verify_at(&body, Some(&header), 0).is_ok()),
            ),
            (
                "fields",
                "hmac + sha2 + serde_json::from_slice::<Minimal> by hand: three fields",
                Box::new(|| {
                    hand_verify(&body, &header) && serde_json::from_slice::<Minimal>(&body).is_ok_and(|m| m.read())
                }),
            ),
            (
                "fields",
                "Verifier::verify_json_at::<Minimal>",
                Box::new(|| {
                    verifier.verify_json_at::<Minimal>(&body, Some(&header), now).is_ok_and(|v| v.event.read())
                }),
            ),
            (
                "fields",
                "Verifier::verify_json_at::<Minimal>, replay window set",
                Box::new(|| {
                    windowed.verify_json_at::<Minimal>(&body, Some(&header), now).is_ok_and(|v| v.event.read())
                }),
            ),
            ("sign", "hmac + sha2 by hand: sign", Box::new(|| hand_sign(&body) == header)),
            ("sign", "Verifier::sign_hex", Box::new(|| verifier.sign_hex(&body) == header)),
        ];
        let mut samples = vec![Vec::with_capacity(rounds); contenders.len()];
        for _ in 0..rounds {
            for (index, (_, name, run)) in contenders.iter().enumerate() {
                samples[index].push(ops_per_second(name, run, slice));
            }
        }
        for ((op, name, _), mut ops) in contenders.iter().zip(samples) {
            ops.sort_by(f64::total_cmp);
            println!(r#"{{"bytes":{},"op":"{op}","contender":"{name}","ops":{:.0}}}"#, body.len(), ops[ops.len() / 2]);
        }
    }
}

fn ops_per_second(name: &str, run: &dyn Fn() -> bool, slice: Duration) -> f64 {
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < slice {
        assert!(black_box(run()), "{name} rejected a valid delivery");
        count += 1;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

/// What a hand-written Rust receiver does: decode the header, key the MAC, compare in constant time.
fn hand_verify(body: &[u8], header: &str) -> bool {
    let Ok(expected) = hex::decode(header) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(black_box(body));
    mac.verify_slice(&expected).is_ok()
}

fn hand_sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).expect("any key length");
    mac.update(black_box(body));
    hex::encode(mac.finalize().into_bytes())
}
