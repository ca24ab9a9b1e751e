# fastwasm: every target is `.PHONY: name ## what it does`; `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
COMPONENT_TARGET := wasm32-wasip2
WASM_PROFILE := wasm-release
WASM_BUILT := target/$(WASM_TARGET)/$(WASM_PROFILE)/fibonacci_wasm.wasm
WASM_MODULE := python/fastwasm/guest/fibonacci_wasm.wasm
# The guest's bigint (ibig) in 64-bit words, with wasm's wide arithmetic
# (i64.mul_wide_u and friends), which every host of the guest enables; a
# variable, not .cargo/config.toml, so the components and the Extism peer
# keep the default flags. docs/bigint-choice.md has why.
GUEST_RUSTFLAGS := --cfg force_bits="64" -C target-feature=+wide-arithmetic

.PHONY: help ## list the targets
help:
	@grep -E '^\.PHONY: [a-z-]+ ## ' $(MAKEFILE_LIST) | sed -E 's/^\.PHONY: ([a-z-]+) ## (.*)/  make \1\t\2/' | expand -t 22

.PHONY: toolchain ## install the Rust toolchain rust-toolchain.toml names, with its components and wasm targets
toolchain:
	rustup toolchain install

.PHONY: wasm-target ## add the wasm32-unknown-unknown and wasm32-wasip2 targets when they are missing
wasm-target: toolchain
	@for t in $(WASM_TARGET) $(COMPONENT_TARGET); do \
		rustup target list --installed | grep -qx "$$t" || rustup target add "$$t"; \
	done

.PHONY: wasm ## build the guest module into python/fastwasm/guest/ and print its size
wasm: wasm-target
	RUSTFLAGS='$(GUEST_RUSTFLAGS)' $(CARGO) build --locked -p fib-guest --target $(WASM_TARGET) --profile $(WASM_PROFILE)
	@mkdir -p $(dir $(WASM_MODULE))
	cp $(WASM_BUILT) $(WASM_MODULE)
	@echo "$(WASM_MODULE): $$(stat -c %s $(WASM_MODULE)) bytes"

# The components (crates/components, a workspace of their own): the bundled
# examples go into the package, the fault component next to the tests.
COMPONENTS := fib image echo numeric markdown words
COMPONENTS_DIR := python/fastwasm/components
# Every component is built with WebAssembly's 128-bit SIMD (simd128), which
# wasmtime runs on every host it supports; relaxed SIMD stays off
# (docs/security.md). SCALAR_IMAGE is the image component without it, for the
# SIMD benchmark's scalar row.
COMPONENT_RUSTFLAGS := -C target-feature=+simd128
SCALAR_IMAGE := target/scalar/image.wasm
COMPONENTS_BUILT := target/$(COMPONENT_TARGET)/$(WASM_PROFILE)
TEST_COMPONENTS_DIR := tests/components

.PHONY: components ## build the example and test components (wasm32-wasip2) into python/fastwasm/components/ and tests/components/
components: wasm-target
	RUSTFLAGS='$(COMPONENT_RUSTFLAGS)' $(CARGO) build --locked --manifest-path crates/components/Cargo.toml \
		--target $(COMPONENT_TARGET) --profile $(WASM_PROFILE) --target-dir target
	@mkdir -p $(COMPONENTS_DIR) $(TEST_COMPONENTS_DIR)
	@for c in $(COMPONENTS); do cp $(COMPONENTS_BUILT)/$${c}_component.wasm $(COMPONENTS_DIR)/$$c.wasm; done
	cp $(COMPONENTS_BUILT)/fault_component.wasm $(TEST_COMPONENTS_DIR)/fault.wasm
	@ls -l $(COMPONENTS_DIR)/*.wasm $(TEST_COMPONENTS_DIR)/*.wasm | awk '{print $$9 ": " $$5 " bytes"}'

VENV := .venv
PYTHON := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed-requirements

.PHONY: venv ## create .venv and install the pinned Python tools (requirements.lock)
venv: $(VENV_STAMP)
$(VENV_STAMP): requirements.lock
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

# Debian packages the tests and benchmarks run: hey (load generator), chromium
# (the browser test drives /usr/bin/chromium; no browser is downloaded),
# node (JSON.parse of every answer, tests/clients) and curl (the tutorials' commands).
DEB_TOOLS := hey:hey chromium:chromium node:nodejs curl:curl

.PHONY: tools ## install hey, chromium, node and curl (Debian packages) when they are missing
tools:
	@missing=$$(for t in $(DEB_TOOLS); do command -v $${t%%:*} >/dev/null || echo $${t#*:}; done); \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

.PHONY: build ## the guest module and the components, then the extension into .venv (maturin develop --release)
build: wasm components venv
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release --locked

.PHONY: lint ## cargo fmt --check, clippy -D warnings on all targets, ruff, mypy, stubtest
lint: build
	$(CARGO) fmt --all --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --check
	$(CARGO) clippy --locked --workspace --all-targets --release -- -D warnings
	RUSTFLAGS='$(GUEST_RUSTFLAGS)' $(CARGO) clippy --locked -p fib-guest --target $(WASM_TARGET) --profile $(WASM_PROFILE) -- -D warnings
	$(CARGO) fmt --manifest-path crates/components/Cargo.toml --all --check
	$(CARGO) clippy --locked --manifest-path crates/components/Cargo.toml --target $(COMPONENT_TARGET) \
		--profile $(WASM_PROFILE) --target-dir target -- -D warnings
	$(CARGO) clippy --locked --manifest-path fuzz/Cargo.toml --target-dir target --release -- -D warnings
	$(VENV)/bin/ruff check python tests bench examples
	$(VENV)/bin/ruff format --check python tests bench examples
	$(VENV)/bin/mypy
	$(PYTHON) -m mypy.stubtest fastwasm._native --allowlist python/stubtest-allowlist.txt

.PHONY: check ## the fast inner loop after `make build`: fmt, clippy, cargo test, and the tests not marked slow
check: build
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets --release -- -D warnings
	$(CARGO) test --locked --workspace --release
	$(PYTHON) -m pytest -m "not slow and not soak" -p no:cacheprovider

.PHONY: test ## lint, then every Rust and Python test (the guest is tested as real WASM); derandomized
test: build tools lint
	$(CARGO) test --locked --workspace --release
	$(PYTHON) -m pytest
	$(MAKE) soak-short
	$(MAKE) test-ray
	$(MAKE) bench-quick

# About 30 s of mixed load, 15 s on each server after a 5 s warm-up: the soak
# test's own checks (an unintended 5xx, an inexact value, RSS growth), short.
.PHONY: soak-short ## the soak test, 15 s a server (part of make test; bench/results/soak-quick.json)
soak-short: build tools target/release/fastwasm-server
	SOAK_SECONDS=15 SOAK_WARMUP_SECONDS=5 BENCH_QUICK=1 $(PYTHON) -m pytest -m soak -p no:cacheprovider tests/soak

# make test draws the same examples on every run (tests/conftest.py, schemathesis.toml);
# this keeps the random exploration, with many more examples, for humans to run.
.PHONY: fuzz-api ## random property-based runs (Hypothesis, schemathesis on the OpenAPI schema), many examples
fuzz-api: build
	FASTWASM_HYPOTHESIS_PROFILE=random $(PYTHON) -m pytest -p no:cacheprovider \
		tests/fastwasm/api/test_schemathesis.py tests/fastwasm/test_fibonacci.py

.PHONY: bench-bigint-wasm ## where WASM bigint time goes: compute and decimal conversion apart, 32- and 64-bit words (bench/experiments/bigint-wasm)
bench-bigint-wasm: build
	$(PYTHON) bench/experiments/bigint-wasm/run.py

.PHONY: bench-digits ## time F(10^5) and F(10^6) digits natively and as WASM, side by side
bench-digits: wasm
	$(CARGO) run --locked --release -p fib-guest --example digits_timing

PEER_PLUGIN := bench/peers/extism_fib.wasm
TUTORIAL_WASM := bench/apps/tutorial/fibonacci_tutorial.wasm

.PHONY: tutorial-guest ## build the tutorial's own guest (bench/apps/tutorial/guest), which the tutorial app compiles per request
tutorial-guest: $(TUTORIAL_WASM)

$(TUTORIAL_WASM): bench/apps/tutorial/guest/src/lib.rs bench/apps/tutorial/guest/Cargo.toml | wasm-target
	$(CARGO) build --locked --release --target $(WASM_TARGET) --manifest-path bench/apps/tutorial/guest/Cargo.toml --target-dir target/tutorial
	cp target/tutorial/$(WASM_TARGET)/release/fibonacci_wasm.wasm $@

.PHONY: peers ## build the Extism plug-in of the same kernels (bench/peers/extism-fib)
# The plug-in's bigints are built as the guest's are (GUEST_RUSTFLAGS: 64-bit
# words, wide arithmetic), so the digits rows compare the runtimes, not two
# builds of the same bigint code; the flags are recorded beside it for the report.
peers: wasm-target
	RUSTFLAGS='$(GUEST_RUSTFLAGS)' $(CARGO) build --locked --release --target $(WASM_TARGET) --manifest-path bench/peers/extism-fib/Cargo.toml --target-dir target/peers
	cp target/peers/$(WASM_TARGET)/release/extism_fib.wasm $(PEER_PLUGIN)
	printf '%s\n' '$(GUEST_RUSTFLAGS)' > $(PEER_PLUGIN).rustflags

COMPONENT_COST_BIN := target/release/examples/component_call_cost
ARRAY_COST_BIN := target/release/examples/array_call_cost

.PHONY: bench-micro ## per-call cost from Python: Python, wasmtime-py, Extism, fastwasm wasm/native; components
bench-micro: build peers component-cost-bin $(TUTORIAL_WASM)
	$(PYTHON) -m bench.suite.micro

.PHONY: bench-mapping ## the one value mapping's cost in process: Component.call and KernelSet.call over the echo shapes
bench-mapping: build
	$(PYTHON) -m bench.suite.value_mapping now

.PHONY: component-cost-bin ## the Rust rows of the component benchmark (fastwasm-runtime's example component_call_cost)
component-cost-bin:
	$(CARGO) build --locked --release -p fastwasm-runtime --example component_call_cost --example array_call_cost

# bench-quick reuses the examples `cargo test --workspace --release` built in `make test`.
$(COMPONENT_COST_BIN) $(ARRAY_COST_BIN):
	$(MAKE) component-cost-bin

# The image component without simd128: the SIMD table's scalar row.
$(SCALAR_IMAGE): components
	$(CARGO) build --locked --manifest-path crates/components/Cargo.toml -p image-component \
		--target $(COMPONENT_TARGET) --profile $(WASM_PROFILE) --target-dir target/scalar
	cp target/scalar/$(COMPONENT_TARGET)/$(WASM_PROFILE)/image_component.wasm $@

.PHONY: bench-arrays ## lists of numbers as one block (numpy, Rust, wasmtime-py), SIMD image kernels, pulldown-cmark
bench-arrays: build component-cost-bin $(SCALAR_IMAGE)
	$(PYTHON) -m bench.suite.arrays

.PHONY: bench ## the whole suite: micro, sweep, HTTP; JSON in bench/results, report in docs/
bench: build tools peers server-bin component-cost-bin ray-venv $(SCALAR_IMAGE) $(TUTORIAL_WASM)
	$(PYTHON) -m bench.suite.micro
	$(PYTHON) -m bench.suite.arrays
	$(PYTHON) -m bench.suite.sweep
	$(PYTHON) -m bench.suite.http_bench
	$(PYTHON) -m bench.suite.fastapi_layers
	$(PYTHON) -m bench.suite.asgi_choice
	$(PYTHON) -m bench.suite.ray_http
	$(PYTHON) -m bench.suite.kernel_http
	$(PYTHON) -m bench.suite.acall_bench
	$(PYTHON) -m bench.suite.startup_bench
	$(PYTHON) -m bench.suite.reload_bench
	$(PYTHON) -m bench.suite.cheap_under_heavy
	$(PYTHON) -m bench.suite.cancel_latency
	$(PYTHON) -m bench.suite.report

.PHONY: bench-reload ## a kernel route under hey -c 20 while its file is reloaded 20 times, both servers (bench/results/reload.json)
bench-reload: build tools server-bin
	$(PYTHON) -m bench.suite.reload_bench

.PHONY: bench-startup ## start-up with kernels, cold, warm and precompiled, both servers (bench/results/startup.json)
bench-startup: build server-bin
	$(PYTHON) -m bench.suite.startup_bench

.PHONY: bench-quick ## the suite in BENCH_QUICK=1 mode (1-2 min): a smoke run, JSON checked, no speed asserted
bench-quick: build tools peers target/release/fastwasm-server $(COMPONENT_COST_BIN) $(ARRAY_COST_BIN) $(SCALAR_IMAGE) $(TUTORIAL_WASM)
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.micro > /dev/null
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.arrays
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.sweep
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.http_bench
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.fastapi_layers
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.asgi_choice
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.kernel_http
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.cancel_latency
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.cheap_under_heavy
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.value_mapping quick
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.acall_bench > /dev/null
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.startup_bench
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.reload_bench
	BENCH_QUICK=1 $(PYTHON) -m bench.suite.report

.PHONY: server-bin ## build fastwasm-server (release) for the HTTP benchmarks
server-bin: wasm components
	$(CARGO) build --locked --release -p fastwasm-server

# bench-quick reuses the binary `cargo test --workspace --release` built in `make test`.
target/release/fastwasm-server:
	$(MAKE) server-bin

.PHONY: bench-http ## HTTP: req/s, p50, p99 (with the tutorial's pattern and fastwasm-server), scaling, start-up, memory
bench-http: build tools server-bin ray-venv $(TUTORIAL_WASM)
	$(PYTHON) -m bench.suite.http_bench
	$(PYTHON) -m bench.suite.fastapi_layers
	$(PYTHON) -m bench.suite.asgi_choice
	$(PYTHON) -m bench.suite.ray_http
	$(PYTHON) -m bench.suite.kernel_http

.PHONY: soak ## a test: 60 s of mixed load on each server (tests/soak), fails on an unintended 5xx, an inexact value or RSS growth > 10%
soak: build tools server-bin
	$(PYTHON) -m pytest -m soak -p no:cacheprovider -s tests/soak

CARGO_FUZZ_VERSION := 0.13.2
CARGO_FUZZ := target/tools/bin/cargo-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CORPUS := target/fuzz/corpus/load_and_call

$(CARGO_FUZZ):
	$(CARGO) install --locked --root target/tools cargo-fuzz --version $(CARGO_FUZZ_VERSION)

# cargo-fuzz passes nightly-only flags (-Zsanitizer=address); this machine has one
# stable toolchain, so RUSTC_BOOTSTRAP lets it take them. Crash inputs land in
# fuzz/artifacts/load_and_call/, and make fails.
.PHONY: fuzz ## coverage-guided fuzzing of load-and-call: cargo fuzz, libFuzzer, AddressSanitizer, FUZZ_SECONDS (60)
fuzz: $(CARGO_FUZZ)
	@mkdir -p $(FUZZ_CORPUS)
	RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ) fuzz run --target-dir target/fuzz load_and_call $(FUZZ_CORPUS) \
		-- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1

.PHONY: bench-runtime ## criterion benches of the runtime and the Fibonacci facade (no Python)
bench-runtime: wasm
	$(CARGO) bench --locked -p fib-host --bench calls

RAY_STAMP := $(VENV)/.installed-ray
.PHONY: ray-venv ## install the ray extra (Ray Serve, pinned in requirements-ray.lock) into .venv
ray-venv: $(RAY_STAMP)
$(RAY_STAMP): $(VENV_STAMP) requirements-ray.lock
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-ray.lock
	touch $@

.PHONY: test-ray ## Ray Serve on a real local cluster: 2 replicas answer exactly, a killed one is replaced, nothing is left running
test-ray: build ray-venv
	FASTWASM_TEST_RAY=1 $(PYTHON) -m pytest -p no:cacheprovider -s tests/fastwasm/deploy/test_ray.py

.PHONY: wheel ## build dist/fastwasm-<version>-cp311-*.whl: the extension (release), guest, components, page and CLI
wheel: wasm components venv
	$(VENV)/bin/maturin build --release --locked --out dist

.PHONY: lock ## re-pin requirements.lock from the current .venv
lock:
	$(VENV)/bin/pip freeze --exclude-editable | grep -v '^fastwasm' | sed '1i # Exact pins for .venv (make venv installs these). Regenerate: make lock' > requirements.lock

.PHONY: run ## build everything, then serve the API on http://127.0.0.1:8000 (FASTWASM_* settings apply)
run: build
	$(VENV)/bin/fastwasm serve --host 127.0.0.1 --port 8000 --reload-kernels

.PHONY: run-rust ## build fastwasm-server (axum), then serve the same API on http://127.0.0.1:8001
run-rust: wasm components
	$(CARGO) run --locked --release -p fastwasm-server -- --host 127.0.0.1 --port 8001 --reload-kernels

.PHONY: openapi ## regenerate docs/openapi.json, the OpenAPI document both servers serve
openapi: build
	$(VENV)/bin/fastwasm openapi > docs/openapi.json

.PHONY: clean ## remove build outputs and .venv
clean:
	$(CARGO) clean
	rm -rf $(VENV) $(WASM_MODULE) python/fastwasm/*.so $(TUTORIAL_WASM) $(PEER_PLUGIN) $(PEER_PLUGIN).rustflags \
		$(COMPONENTS_DIR) $(TEST_COMPONENTS_DIR)
