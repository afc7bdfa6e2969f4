# simgate: the two commands that matter are `make run` and `make test` (see README.md).
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps test-deps build run test check-config bench clean

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --test

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

# Runs the gateway in the foreground with the sample config and three simulated modems.
run: build
	@bash scripts/run-demo.sh

# The whole test suite: unit, pty end-to-end and SIP interop tests.
test: test-deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	# One suite at a time: the audio checks (SNR ≥ 30 dB) must not compete with other
	# suites' phones and simulators for the 2 CPU cores.
	$(SWIFT) test --skip-build --no-parallel $(BUILD_FLAGS)

check-config: build
	.build/debug/simgated --check-config --config examples/simgate.toml

clean:
	rm -rf .build
