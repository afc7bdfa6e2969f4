#!/usr/bin/env bash
# `make install`: puts a built simgate on this box the way a Debian admin expects.
#
#   PREFIX/bin/simgated, PREFIX/bin/simgate
#   PREFIX/share/man/man1/simgate.1, simgated.1 and one page per subcommand (simgate.modems.1 …)
#   bash, zsh and fish completions for simgate (argument-parser writes them from the commands)
#   PREFIX/share/doc/simgate/ (README, the OpenAPI document, the example config)
#   /etc/simgate/simgate.toml from examples/ only when there is none (never overwritten)
#   the udev rule, the systemd unit (ExecStart pointed at PREFIX) and the sysusers file
#
# Usage: scripts/install.sh BUILD_DIR   with PREFIX (default /usr/local), DESTDIR (staging
# root, default none), SYSCONFDIR (default /etc), and SYSTEM=0 to skip udev/systemd/etc.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: install.sh BUILD_DIR (e.g. .build/release)}
prefix=${PREFIX:-/usr/local}
dest=${DESTDIR:-}
sysconf=${SYSCONFDIR:-/etc}
system=${SYSTEM:-1}

for tool in simgated simgate generate-manual; do
    [ -x "$build/$tool" ] || { echo "install: $build/$tool is missing: build first (make install does)" >&2; exit 1; }
done

root="$dest$prefix"
install -d "$root/bin" "$root/share/man/man1" "$root/share/doc/simgate" \
    "$root/share/bash-completion/completions" "$root/share/zsh/site-functions" "$root/share/fish/vendor_completions.d"
install -m 0755 "$build/simgated" "$build/simgate" "$root/bin/"

# Completions and man pages come from the commands' own definitions, so they cannot drift.
"$build/simgate" --generate-completion-script bash > "$root/share/bash-completion/completions/simgate"
"$build/simgate" --generate-completion-script zsh > "$root/share/zsh/site-functions/_simgate"
"$build/simgate" --generate-completion-script fish > "$root/share/fish/vendor_completions.d/simgate.fish"
pages=$(mktemp -d)
trap 'rm -rf "$pages"' EXIT
"$build/generate-manual" "$build/simgate" --multi-page --output-directory "$pages" --section 1 \
    --authors "the simgate developers" >/dev/null
"$build/generate-manual" "$build/simgated" --output-directory "$pages" --section 1 \
    --authors "the simgate developers" >/dev/null
install -m 0644 "$pages"/*.1 "$root/share/man/man1/"

install -m 0644 README.md docs/control-api.openapi.yaml examples/simgate.toml examples/grafana-dashboard.json \
    "$root/share/doc/simgate/"

if [ "$system" = 1 ]; then
    install -d -m 0750 "$dest$sysconf/simgate"
    if [ ! -e "$dest$sysconf/simgate/simgate.toml" ]; then
        install -m 0640 examples/simgate.toml "$dest$sysconf/simgate/simgate.toml"
        echo "install: wrote $sysconf/simgate/simgate.toml from examples/: edit it before starting simgated"
    fi
    install -D -m 0644 udev/77-simgate.rules "$dest$sysconf/udev/rules.d/77-simgate.rules"
    install -D -m 0644 systemd/simgate.sysusers.conf "$dest$prefix/lib/sysusers.d/simgate.conf"
    install -d "$dest$sysconf/systemd/system"
    sed -e "s|/usr/local/bin/simgated|$prefix/bin/simgated|" \
        -e "s|/usr/local/share/doc/simgate|$prefix/share/doc/simgate|" \
        -e "s|/etc/simgate/|$sysconf/simgate/|g" \
        systemd/simgated.service > "$dest$sysconf/systemd/system/simgated.service"
    chmod 0644 "$dest$sysconf/systemd/system/simgated.service"
fi

echo "install: simgate in $prefix${dest:+ (staged under $dest)}"
if [ "$system" = 1 ] && [ -z "$dest" ]; then
    echo "next: systemd-sysusers && udevadm control --reload && udevadm trigger && systemctl daemon-reload && systemctl enable --now simgated"
fi
