# The README's commands. `make demo` and `make test` set up what is missing first.
WASM_TARGET := target/wasm32-unknown-unknown/release/promptfoo_webhooks.wasm
GENERATED   := pkg/src/wasm
DIST        := pkg/dist
# npm's binaryen: Debian bookworm's wasm-opt (108) mangles externref tables.
WASM_OPT    := node_modules/.bin/wasm-opt -O3 --enable-reference-types --enable-multivalue \
               --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals

.PHONY: setup build test test-rust test-js test-types demo bench clean soak timing load
setup:
	@scripts/setup.sh

build: setup
	cargo build --release --target wasm32-unknown-unknown --lib
	rm -rf $(GENERATED) && wasm-bindgen --target web --omit-default-module-path --out-dir $(GENERATED) --out-name core $(WASM_TARGET)
	$(WASM_OPT) $(GENERATED)/core_bg.wasm -o $(GENERATED)/core_bg.wasm
	node scripts/build-pkg.mjs

test: build test-rust test-js test-package

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

# Package quality (about 20 s): the npm tarball as users install it (publint,
# arethetypeswrong, Node ESM and CommonJS, TypeScript, the bin) and the crate
# as crates.io would take it (docs without warnings, clippy, rustfmt, cargo
# package, and no file outside src/ in it).
.PHONY: test-package
test-package: build
	node --test --test-reporter=spec tests/package/package.test.mjs
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet
	cargo clippy --all-targets --quiet -- -D warnings
	cargo fmt --check
	cargo package --allow-dirty --quiet
	@extra=$$(cargo package --allow-dirty --list | grep -Ev '^(src/.*|Cargo\.(toml|toml\.orig|lock)|README\.md|\.cargo_vcs_info\.json)$$'); \
	  if [ -n "$$extra" ]; then echo "cargo package would also publish:"; echo "$$extra"; exit 1; fi
# Reliability figures (printed, not asserted by the test suites; see README "Reliability").
soak: build
	node --expose-gc scripts/soak.mjs

timing: build
	node scripts/timing.mjs

load: build
	node scripts/load.mjs
