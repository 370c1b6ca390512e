#!/usr/bin/env bash
# Installs what building and testing Bridgekeeper needs, skipping whatever is already present.
#   scripts/ensure-tools.sh            tools for debug builds and every test
#   scripts/ensure-tools.sh --release  also wasm-opt (release builds of the wasm bundle)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2
  exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null)" != "cargo-leptos 0.3.10" ]; then
  say "installing cargo-leptos 0.3.10 (takes ~15 minutes the first time)"
  cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
fi

# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly.
wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$wbg" ]; then
  echo "cannot find wasm-bindgen in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
  say "installing wasm-bindgen-cli $wbg"
  # Not --locked: its lock file names a webpki-roots release the registry no longer has.
  cargo install wasm-bindgen-cli --version "$wbg" --force
fi

if ! command -v chromium >/dev/null; then
  say "installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing the end-to-end test packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

if [ "${1:-}" = "--release" ]; then
  # Debian's binaryen is too old for current wasm; the npm package is recent.
  if ! wasm-opt --version 2>/dev/null | grep -Eq 'version_?(1[2-9][0-9]|[2-9][0-9]{2})'; then
    say "installing wasm-opt (npm binaryen)"
    npm install -g binaryen --no-audit --no-fund --loglevel=error
  fi
fi
