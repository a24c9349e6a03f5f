# The README's commands. `make demo` and `make test` set up what is missing first.
WASM_TARGET := target/wasm32-unknown-unknown/release/promptfoo_webhooks.wasm
GENERATED   := pkg/src/wasm
DIST        := pkg/dist
# npm's binaryen: Debian bookworm's wasm-opt (108) mangles externref tables.
WASM_OPT    := node_modules/.bin/wasm-opt -O3 --enable-reference-types --enable-multivalue \
               --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals

.PHONY: setup build test test-rust test-js demo clean
setup:
	@scripts/setup.sh

build: setup
	cargo build --release --target wasm32-unknown-unknown --lib
	rm -rf $(GENERATED) && wasm-bindgen --target web --omit-default-module-path --out-dir $(GENERATED) --out-name core $(WASM_TARGET)
	$(WASM_OPT) $(GENERATED)/core_bg.wasm -o $(GENERATED)/core_bg.wasm
	node scripts/build-pkg.mjs

test: build test-rust test-js

# Clippy denies panicking constructs in library code (see src/lib.rs), for
# the native and the wasm build alike.
test-rust:
	cargo clippy --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
	cargo test --all-targets
	cargo test --doc

test-js:
	node --test --test-reporter=spec tests/js/*.test.mjs tests/js/*.test.cjs

demo: build
	node js-examples/demo.mjs

clean:
	rm -rf target $(GENERATED) $(DIST)
