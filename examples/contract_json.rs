//! Prints the wire contract (src/contract.rs) as JSON, for
//! scripts/generate.mjs, which writes the npm package's generated files.
fn main() {
    println!("{}", promptfoo_webhooks::contract::to_json());
}
