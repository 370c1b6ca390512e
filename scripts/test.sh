#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests, then the browser tests against the
# real server built by cargo-leptos in release mode (what `make run` starts).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh --release

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all -- --check

# Plain cargo commands act on the workspace's default members: everything but the wasm
# `frontend`, so `app` is never built with both `ssr` and `hydrate`.
say "cargo clippy"
cargo clippy --all-targets -- -D warnings

# A real PostgreSQL server for the tests that run on both backends; stopped however we exit.
say "PostgreSQL for the tests (scripts/postgres.sh)"
pg_dir=$(mktemp -d /tmp/bridgekeeper-pg.XXXXXX)
root=$(pwd)
trap '"$root/scripts/postgres.sh" stop "$pg_dir"' EXIT
BRIDGEKEEPER_TEST_PG=$(scripts/postgres.sh start "$pg_dir")
export BRIDGEKEEPER_TEST_PG

say "cargo test (unit and integration)"
cargo test

# The browser tests run against the release build, what `make run` serves (end2end/serve.sh).
say "cargo leptos build --release (server and wasm bundle)"
# cargo-leptos ends a failed build with a long backtrace of its own; keep the log so the compiler's
# own words are printed last, where a CI summary that shows only the tail can see them.
leptos_log=$(mktemp)
leptos_build() { cargo leptos build --release 2>&1 | tee "$leptos_log"; }
leptos_errors() {
  echo "---- cargo leptos build --release failed; what it reported before its backtrace:" >&2
  grep -E -B2 -A12 '^(error|warning: build failed)|error(\[E[0-9]+\])?:|panicked|SIGKILL|signal: |No space left|Killed' \
    "$leptos_log" | grep -v '^\s*$' | head -120 >&2 || tail -60 "$leptos_log" >&2
  df -h . >&2 || true
  free -m >&2 || true
}
if ! leptos_build; then
  leptos_errors
  # A second try tells a broken build (fails again, same words) from a toolchain hiccup.
  say "cargo leptos build --release: trying once more"
  if ! leptos_build; then
    leptos_errors
    exit 1
  fi
fi
rm -f "$leptos_log"

say "browser tests (Playwright, Debian chromium)"
cd end2end
npx playwright test
