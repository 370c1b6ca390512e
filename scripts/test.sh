#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests, then the browser tests against the
# real server built by cargo-leptos.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all -- --check

# Plain cargo commands act on the workspace's default members: everything but the wasm
# `frontend`, so `app` is never built with both `ssr` and `hydrate`.
say "cargo clippy"
cargo clippy --all-targets -- -D warnings

say "cargo test (unit and integration)"
cargo test

say "cargo leptos build (server and wasm bundle)"
cargo leptos build

say "browser tests (Playwright, Debian chromium)"
cd end2end
npx playwright test
