# simgate: the two commands that matter are `make run` and `make test` (see README.md).
SWIFT ?= swift
BUILD_FLAGS ?=

.PHONY: deps test-deps build run test check-config bench install clean

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
	# The install test runs scripts/install.sh, which writes the man pages with this tool.
	$(SWIFT) build --product generate-manual $(BUILD_FLAGS)
	# One suite at a time: the audio checks (SNR ≥ 30 dB) must not compete with other
	# suites' phones and simulators for the 2 CPU cores.
	$(SWIFT) test --skip-build --no-parallel $(BUILD_FLAGS)

# Builds release binaries and installs them with man pages, shell completions, the udev rule
# and the systemd unit (scripts/install.sh says what goes where). PREFIX, DESTDIR, SYSCONFDIR.
CONFIGURATION ?= release
install: deps
	$(SWIFT) build -c $(CONFIGURATION) $(BUILD_FLAGS) --product simgated
	$(SWIFT) build -c $(CONFIGURATION) $(BUILD_FLAGS) --product simgate
	$(SWIFT) build -c $(CONFIGURATION) $(BUILD_FLAGS) --product generate-manual
	bash scripts/install.sh "$$($(SWIFT) build -c $(CONFIGURATION) $(BUILD_FLAGS) --show-bin-path)"

check-config: build
	.build/debug/simgated --check-config --config examples/simgate.toml

clean:
	rm -rf .build
