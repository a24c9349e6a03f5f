//! Prints the wire contract (src/contract.rs) as JSON, for
//! scripts/generate.mjs, which writes the npm package's generated files
//! (`cargo run -p dev-tools --bin contract_json`).
fn main() {
    println!("{}", promptfoo_webhooks::generator::contract_json());
}
