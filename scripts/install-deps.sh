#!/usr/bin/env bash
# Installs every system package the build, the daemon and the tests need, on Debian.
# Idempotent: packages already present are skipped. Retries apt once, because the
# image's docker-clean hook can delete .debs mid-run ("cannot access archive").
set -euo pipefail

# python3: the demo's webhook sink (scripts/webhook-sink.py); curl: the quick start reads /metrics with it.
BUILD_PKGS=(libsqlite3-dev libudev-dev libasound2-dev pkg-config python3 curl)
# kamailio: the record-routing proxy of the loose-routing tests (scripts/sip/kamailio-proxy.cfg).
# openssl: the TLS tests make a throwaway certificate with it. mandoc: the install test
# checks the man pages argument-parser writes (lint at error level, then rendered).
TEST_PKGS=(socat sip-tester baresip sox kamailio openssl mandoc)
want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--test" ] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    echo "install-deps: installing ${missing[*]}"
    $SUDO apt-get update -qq
    for attempt in 1 2 3; do
        if $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; then break; fi
        [ "$attempt" = 3 ] && { echo "install-deps: apt-get install failed" >&2; exit 1; }
        sleep 2
    done
fi

if [ "${1:-}" = "--test" ] && ! python3 -c 'import pjsua2' 2>/dev/null; then
    echo "install-deps: installing pjsua2-python"
    python3 -m pip install -q pjsua2-python || echo "install-deps: pjsua2-python unavailable; PJSIP tests will be skipped" >&2
fi

# prometheus_client: its text parser reads /metrics in MetricsEndToEndTests (a parser nobody here wrote).
if [ "${1:-}" = "--test" ] && ! python3 -c 'import prometheus_client' 2>/dev/null; then
    echo "install-deps: installing prometheus_client"
    python3 -m pip install -q prometheus_client || echo "install-deps: prometheus_client unavailable; the /metrics parser test will be skipped" >&2
fi

# schemathesis: checks the running control API against docs/control-api.openapi.yaml.
if [ "${1:-}" = "--test" ] && ! command -v schemathesis >/dev/null 2>&1 && ! python3 -c 'import schemathesis' 2>/dev/null; then
    echo "install-deps: installing schemathesis"
    python3 -m pip install -q schemathesis==4.32.5 || echo "install-deps: schemathesis unavailable; the OpenAPI conformance test will be skipped" >&2
fi
