#!/usr/bin/env bash
# Starts the portal built by `cargo leptos build --release` (what `make run` serves) on a fresh database, in demo mode (so a
# simulated two-node CMS cluster runs beside it), with one user per role created through the real
# command line (`bridgekeeper user add`): admin, sam (scheduler), hana (help desk).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BRIDGEKEEPER_BIN:-target/release/bridgekeeper}
dir=${E2E_DIR:-target/e2e}
rm -rf "$dir" && mkdir -p "$dir"
export BRIDGEKEEPER_DATABASE_URL="sqlite://$dir/e2e.db"
export BRIDGEKEEPER_SECRET_KEY_FILE="$dir/secret.key"
password=${E2E_PASSWORD:?E2E_PASSWORD must be set}
for pair in admin:admin sam:scheduler hana:helpdesk; do
  echo "$password" | "$bin" user add --username "${pair%%:*}" --role "${pair##*:}"
done
# The booking browser tests' own simulated CMS (HTTPS, admin/admin), beside demo mode's cluster.
"${CMS_SIM_BIN:-target/debug/cms-sim}" --ports "${E2E_BOOKING_SIM_PORT:-4545}" >/dev/null 2>&1 &
exec "$bin" serve --demo --demo-cms-ports "${E2E_SIM_PORTS:-4543,4544}" \
  --listen "127.0.0.1:${E2E_PORT:?}" --site-root "${E2E_SITE_ROOT:-target/site}"
