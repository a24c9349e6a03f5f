# The README's commands. `make demo` and `make test` set up what is missing first.
WASM_TARGET := target/wasm32-unknown-unknown/release/promptfoo_webhooks.wasm
GENERATED   := pkg/src/wasm
DIST        := pkg/dist
# npm's binaryen: Debian bookworm's wasm-opt (108) mangles externref tables.
WASM_OPT    := node_modules/.bin/wasm-opt -O3 --enable-reference-types --enable-multivalue \
               --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals

.PHONY: setup build test test-rust test-js test-types demo bench clean
setup:
	@scripts/setup.sh

build: setup
	cargo build --release --target wasm32-unknown-unknown --lib
	rm -rf $(GENERATED) && wasm-bindgen --target web --omit-default-module-path --out-dir $(GENERATED) --out-name core $(WASM_TARGET)
	$(WASM_OPT) $(GENERATED)/core_bg.wasm -o $(GENERATED)/core_bg.wasm
	node scripts/build-pkg.mjs

test: build test-rust test-js

test-rust:
	cargo test --all-targets
	cargo test --doc

test-js: test-types
	node --test --test-reporter=spec tests/js/*.test.mjs tests/js/*.test.cjs

# The hand-written .d.ts: narrowing and @ts-expect-error cases (about a second).
test-types:
	node_modules/.bin/tsc --noEmit -p tests/types

demo: build
	node js-examples/demo.mjs

bench: build
	node benches/verify.mjs
	node benches/canonicalize.mjs
	node benches/coldstart.mjs
	node benches/size.mjs

clean:
	rm -rf target $(GENERATED) $(DIST)
