#!/usr/bin/env bash
# Builds the portal in release mode and starts it in demo mode on the embedded SQLite default.
# Extra arguments go to `bridgekeeper serve` (e.g. --listen 0.0.0.0:3000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh --release
cargo leptos build --release
exec target/release/bridgekeeper serve --demo --site-root target/site "$@"
