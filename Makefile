# fastwasm: every target is `.PHONY: name ## what it does`; `make help` lists them.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo
WASM_TARGET := wasm32-unknown-unknown
WASM_PROFILE := wasm-release
WASM_BUILT := target/$(WASM_TARGET)/$(WASM_PROFILE)/fibonacci_wasm.wasm
WASM_MODULE := python/fastwasm/modules/fibonacci_wasm.wasm

.PHONY: help ## list the targets
help:
	@grep -E '^\.PHONY: [a-z-]+ ## ' $(MAKEFILE_LIST) | sed -E 's/^\.PHONY: ([a-z-]+) ## (.*)/  make \1\t\2/' | expand -t 22

.PHONY: wasm-target ## add the wasm32-unknown-unknown target when it is missing
wasm-target:
	@rustup target list --installed | grep -qx '$(WASM_TARGET)' || rustup target add $(WASM_TARGET)

.PHONY: wasm ## build the guest module into python/fastwasm/modules/ and print its size
wasm: wasm-target
	$(CARGO) build --locked -p fib-guest --target $(WASM_TARGET) --profile $(WASM_PROFILE)
	@mkdir -p $(dir $(WASM_MODULE))
	cp $(WASM_BUILT) $(WASM_MODULE)
	@echo "$(WASM_MODULE): $$(stat -c %s $(WASM_MODULE)) bytes"

.PHONY: build ## build the guest module and the native workspace (release)
build: wasm
	$(CARGO) build --locked --workspace --release

.PHONY: lint ## cargo fmt --check and clippy -D warnings on all targets
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --locked --workspace --all-targets --release -- -D warnings
	$(CARGO) clippy --locked -p fib-guest --target $(WASM_TARGET) --profile $(WASM_PROFILE) -- -D warnings

.PHONY: test ## lint, then every test (the guest is tested as real WASM)
test: wasm lint
	$(CARGO) test --locked --workspace --release

.PHONY: bench-digits ## time F(10^5) and F(10^6) digits natively and as WASM, side by side
bench-digits: wasm
	$(CARGO) run --locked --release -p fib-guest --example digits_timing

.PHONY: run ## start the service (the HTTP server arrives with a later issue)
run: build
	@echo "The HTTP service on 127.0.0.1:8000 comes with a later issue; for now: make test, make bench-digits."

.PHONY: clean ## remove build outputs
clean:
	$(CARGO) clean
	rm -f $(WASM_MODULE)
