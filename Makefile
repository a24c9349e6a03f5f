# The README's commands. `make demo` and `make test` set up what is missing first.
WASM_TARGET := target/wasm32-unknown-unknown/release/promptfoo_webhooks_wasm.wasm
# The bindings wasm-bindgen writes, beside pkg/src rather than in it: a build
# output, which pkg/src/core/wasm.js imports and build-pkg.mjs bundles.
GENERATED   := pkg/wasm
DIST        := pkg/dist
# npm's binaryen: Debian bookworm's wasm-opt (108) mangles externref tables.
# -O3, not -Oz: after LLVM's size work both give the same bytes within 0.1%
# (benches/results/size.md); the producers and target-features sections are
# tooling metadata that no runtime reads.
WASM_OPT    := node_modules/.bin/wasm-opt -O3 --strip-producers --strip-target-features --enable-reference-types --enable-multivalue \
               --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals

.PHONY: setup build generate test test-rust test-js test-types demo bench clean soak timing load screenshot
setup:
	@scripts/setup.sh

# Everything outside Rust that states a wire fact, written from src/contract.rs:
# pkg/src/generated/, the event types in pkg/index.d.ts, the README's tables.
# tests/js/contract.test.mjs fails when one of them is stale.
generate:
	node scripts/generate.mjs

build: setup
	rm -rf $(GENERATED)
	# Two modules (crates/promptfoo-webhooks-wasm): the verify core, loaded at import, and the tools, loaded on first use.
	cargo build --release --target wasm32-unknown-unknown -p promptfoo-webhooks-wasm --features verify
	wasm-bindgen --target web --omit-default-module-path --out-dir $(GENERATED) --out-name core $(WASM_TARGET)
	cargo build --release --target wasm32-unknown-unknown -p promptfoo-webhooks-wasm --features tools
	wasm-bindgen --target web --omit-default-module-path --out-dir $(GENERATED) --out-name tools $(WASM_TARGET)
	$(WASM_OPT) $(GENERATED)/core_bg.wasm -o $(GENERATED)/core_bg.wasm
	$(WASM_OPT) $(GENERATED)/tools_bg.wasm -o $(GENERATED)/tools_bg.wasm
	node scripts/build-pkg.mjs

test: build test-rust test-js test-package fuzz-short

# Clippy denies panicking constructs in library code (see src/lib.rs), for
# the native and the wasm build alike. Natively: the crate and
# crates/dev-tools; on wasm32: the crate with each module's bindings.
NATIVE_CRATES := --workspace --exclude promptfoo-webhooks-wasm
WASM_CRATES   := --target wasm32-unknown-unknown --lib -p promptfoo-webhooks -p promptfoo-webhooks-wasm
test-rust:
	cargo clippy $(NATIVE_CRATES) --all-targets --all-features -- -D warnings
	cargo clippy $(WASM_CRATES) --features promptfoo-webhooks-wasm/verify -- -D warnings
	cargo clippy $(WASM_CRATES) --features promptfoo-webhooks-wasm/tools -- -D warnings
	cargo test $(NATIVE_CRATES) --all-targets --all-features
	cargo test --doc --all-features

# tests/inbox/ needs node:sqlite: Node 24, from the node24 devDependency.
test-js: test-types
	node --test --test-reporter=spec tests/js/*.test.mjs tests/js/*.test.cjs
	node_modules/node24/bin/node --test --test-reporter=spec tests/inbox/*.test.mjs

# The hand-written .d.ts: narrowing and @ts-expect-error cases (about a second),
# the README's JavaScript blocks (js-examples/readme/) against those types, and
# their TypeScript versions (tests/types/readme-ts/) as a strict project checks
# them, under nodenext and bundler resolution, against the built pkg/dist.
test-types:
	node_modules/.bin/tsc --noEmit -p tests/types
	node_modules/.bin/tsc --noEmit -p tests/types/readme.tsconfig.json
	node_modules/.bin/tsc --noEmit -p tests/types/readme-ts/tsconfig.nodenext.json
	node_modules/.bin/tsc --noEmit -p tests/types/readme-ts/tsconfig.bundler.json

# The README's picture of the inspector (serve --ui), taken in headless Chromium by its test.
screenshot: build
	PROMPTFOO_WEBHOOKS_SCREENSHOT=docs/inspector.png node --test tests/js/inspector.test.mjs

demo: build
	node js-examples/demo.mjs

bench: build
	node benches/verify.mjs
	node benches/canonicalize.mjs
	node benches/native.mjs
	node benches/runtimes.mjs
	node benches/coldstart.mjs
	node benches/size.mjs
	node_modules/node24/bin/node benches/inbox.mjs

clean:
	rm -rf target $(GENERATED) $(DIST)

# Package quality (about 35 s): the npm tarball as users install it (publint,
# arethetypeswrong, Node ESM and CommonJS, TypeScript, the bin; on Node 20, 22
# and 24) and the crate
# as crates.io would take it (docs without warnings, on docs.rs's nightly too,
# clippy, rustfmt, cargo package, and nothing in it but src/, the crate's
# README and its LICENSE).
# The crate's MSRV, from Cargo.toml (setup.sh installs that toolchain).
MSRV := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)

.PHONY: test-package
# The tarball on each Node line that pkg/package.json's engines names: Node 20
# (`node` here), then 22 and 24 (the node22 and node24 devDependencies), each
# first on PATH so that npm, npx, tsc and the bin run on it too.
test-package: build
	node --test --test-reporter=spec tests/package/package.test.mjs
	for line in 22 24; do \
	  PATH="$(CURDIR)/node_modules/node$$line/bin:$$PATH" node --test --test-reporter=spec tests/package/package.test.mjs || exit 1; \
	done
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet --features serde,axum
	# As docs.rs builds it: nightly, --cfg docsrs, the features of [package.metadata.docs.rs].
	RUSTDOCFLAGS="--cfg docsrs -D warnings" cargo +nightly doc --no-deps --quiet -p promptfoo-webhooks --features serde,http,json,axum
	cargo clippy --all-targets --quiet --features serde,axum -- -D warnings
	cargo fmt --all --check
	cargo +$(MSRV) check --lib --quiet --features serde,axum
	cargo package --allow-dirty --quiet
	@extra=$$(cargo package --allow-dirty --list | grep -Ev '^(src/.*|Cargo\.(toml|toml\.orig|lock)|README\.crates\.md|LICENSE|\.cargo_vcs_info\.json)$$'); \
	  if [ -n "$$extra" ]; then echo "cargo package would also publish:"; echo "$$extra"; exit 1; fi

# Reliability figures (printed, not asserted by the test suites; see docs/reliability.md).
soak: build
	node --expose-gc reliability/soak.mjs

timing: build
	node reliability/timing.mjs

load: build
	node reliability/load.mjs

# Coverage-guided fuzzing (cargo-fuzz on the nightly toolchain; setup
# installs both). Each target replays its corpus, seeded from
# tests/vectors, and fuzz/regressions/<target> (crashers found so far).
# No AddressSanitizer (-s none): the crate has no unsafe code, and ASan
# halves the speed; debug assertions and overflow checks stay on (-a), so
# an arithmetic overflow is a crash too.
FUZZ_TARGETS       := canonicalize verify parse_event
FUZZ_SHORT_SECONDS := 20
FUZZ_LONG_RUNS     := 10000000
FUZZ_RUN            = cd fuzz && nice cargo +nightly fuzz run -s none -a

.PHONY: fuzz-seed fuzz-short fuzz-long
fuzz-seed:
	node fuzz/seed-corpus.mjs
	mkdir -p $(addprefix fuzz/regressions/,$(FUZZ_TARGETS))

# A smoke run of every target, part of `make test`.
fuzz-short: setup fuzz-seed
	@for t in $(FUZZ_TARGETS); do \
	  ($(FUZZ_RUN) $$t corpus/$$t regressions/$$t -- -max_total_time=$(FUZZ_SHORT_SECONDS)) || exit 1; \
	done

# A campaign: FUZZ_LONG_RUNS executions per target, one target at a time.
fuzz-long: setup fuzz-seed
	@for t in $(FUZZ_TARGETS); do \
	  ($(FUZZ_RUN) $$t corpus/$$t regressions/$$t -- -runs=$(FUZZ_LONG_RUNS) -print_final_stats=1) || exit 1; \
	done
