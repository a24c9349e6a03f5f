#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing; says what it
# installs; a quick no-op when everything is there. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' crates/promptfoo-webhooks-wasm/Cargo.toml)
say() { printf '[setup] %s\n' "$*"; }

apt_install() {
  if ! command -v apt-get >/dev/null; then
    say "cannot install $* (no apt-get): install it yourself"; return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    say "apt-get update"; apt-get update -qq >/dev/null; APT_UPDATED=1
  fi
  say "installing $* from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the Rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (compiles from crates.io, a few minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

[ -x /usr/bin/chromium ] || apt_install chromium
# tests/js/stores.test.mjs runs a real Redis for the shared replay store (on 127.0.0.1, no disk).
command -v redis-server >/dev/null || apt_install redis-server
# tests/js/cli-toolbelt.test.mjs runs the curl command `send --dry-run` prints.
command -v curl >/dev/null || apt_install curl

if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm install --no-audit --no-fund --loglevel=error
fi

# The crate's MSRV (rust-version in Cargo.toml), which `make test-package` checks it with.
MSRV=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
if ! rustup toolchain list 2>/dev/null | grep -q "^$MSRV"; then
  say "installing Rust $MSRV (the crate's MSRV)"
  rustup toolchain install "$MSRV" --profile minimal
fi

# Fuzzing (`make fuzz-short`, part of `make test`): cargo-fuzz drives
# libFuzzer, which builds only on the nightly toolchain.
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  say "installing the nightly Rust toolchain (for cargo-fuzz)"
  rustup toolchain install nightly --profile minimal
fi
if ! command -v cargo-fuzz >/dev/null; then
  say "installing cargo-fuzz (compiles from crates.io, about a minute)"
  cargo install cargo-fuzz
fi
