//! Times `canonical::to_string` natively on the files given, for
//! benches/canonicalize.mjs: prints one ops/s figure per file.
//!
//! `cargo run --release -p dev-tools --bin canonical_bench -- <total-ms> <file>...`

use promptfoo_webhooks::canonical;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let total_ms: u64 = args.next().and_then(|ms| ms.parse().ok()).unwrap_or(1000);
    for path in args {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        canonical::to_string(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let budget = Duration::from_millis(total_ms);
        let start = Instant::now();
        let mut count = 0u64;
        while start.elapsed() < budget {
            std::hint::black_box(canonical::to_string(std::hint::black_box(&text)).ok());
            count += 1;
        }
        println!("{:.0}", count as f64 / start.elapsed().as_secs_f64());
    }
}
