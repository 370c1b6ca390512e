#!/usr/bin/env bash
# Starts the portal built by `cargo leptos build` on a fresh database with one user per role,
# created through the real command line (`bridgekeeper user add`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BRIDGEKEEPER_BIN:-target/debug/bridgekeeper}
dir=target/e2e
rm -rf "$dir" && mkdir -p "$dir"
export BRIDGEKEEPER_DATABASE_URL="sqlite://$dir/e2e.db"
password=${E2E_PASSWORD:?E2E_PASSWORD must be set}
for pair in admin:admin sam:scheduler hana:helpdesk; do
  echo "$password" | "$bin" user add --username "${pair%%:*}" --role "${pair##*:}"
done
exec "$bin" serve --listen "127.0.0.1:${E2E_PORT:?}" --site-root target/site
