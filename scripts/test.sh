#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine (with Rust), then runs all of it:
# formatting, lints, docs, unit and end-to-end tests, and the interop tests against the real
# peers (pyHanko, pdfsig, qpdf). Anything missing is installed, never skipped.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '\n== %s\n' "$*" >&2; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian packages: PDF peers, NSS tools for pdfsig's trust store, XML and token peers for the
# XML and PKCS#11 work, python3-venv for the Python peers, headless Chromium with its
# WebDriver for the test of kyso serve's checking page (tests/page.rs), and curl for kyso
# serve's HTTPS.
apt_packages=(openssl qpdf poppler-utils libnss3-tools xmlsec1 softhsm2 opensc python3-venv
    chromium chromium-driver curl)
missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python peers in a virtual environment of the repository's own.
venv="${KYSO_VENV:-$PWD/.venv}"
if ! "$venv/bin/python" -c 'import pyhanko, pyhanko.cli, signxml, schemathesis' 2>/dev/null; then
    say "installing pyHanko, signxml and schemathesis into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-peers.txt
fi
export KYSO_PYHANKO="$venv/bin/pyhanko" KYSO_PYTHON="$venv/bin/python"
export KYSO_SCHEMATHESIS="$venv/bin/schemathesis"
export PATH="$venv/bin:$PATH"

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
say "cargo test (including the interop tests against pyHanko, pdfsig, qpdf, xmlsec1, signxml)"
cargo test --workspace -- --include-ignored
