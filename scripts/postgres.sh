#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests: Debian's `postgresql` package (installed if
# missing), a cluster in a temporary directory owned by the `postgres` user (initdb refuses root),
# listening on 127.0.0.1 at a random free port with its unix socket in that directory, durability
# off (fsync, synchronous_commit, full_page_writes: the data is thrown away anyway).
#
#   scripts/postgres.sh start DIR [--watch PID]   initdb + start in DIR (created if missing);
#                                                 prints the superuser URL. With --watch, the
#                                                 server is stopped once process PID has ended.
#   scripts/postgres.sh url DIR                   prints the URL of the server in DIR
#   scripts/postgres.sh stop DIR                  stops it and removes DIR
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

# Debian's server binaries; /usr/local/bin/initdb may be another build, so never take PATH's.
pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [[ -n "$bin" && -x "$bin/initdb" ]] && echo "$bin"
}

ensure_installed() {
  pg_bin >/dev/null && return 0
  echo "postgres.sh: installing Debian's postgresql" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends postgresql >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends postgresql >&2; }
  pg_bin >/dev/null || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb"
}

# Runs a command as the postgres user (as is when this script already runs as someone else).
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  local python
  for python in /usr/bin/python3 python3; do
    if command -v "$python" >/dev/null 2>&1; then
      "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
        && return 0
    fi
  done
  shuf -i 20000-60000 -n 1
}

url_of() {
  local dir=$1
  [[ -f "$dir/port" ]] || die "no server in $dir"
  echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
}

start() {
  local dir=$1 watch=${2:-}
  ensure_installed
  local bin
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres:postgres "$dir"
  fi
  chmod 700 "$dir"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local port tries=0
  while :; do
    port=$(free_port)
    if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >/dev/null; then
      break
    fi
    tries=$((tries + 1))
    # Another process may have taken the port between the check and the start.
    [[ $tries -lt 5 ]] || { tail -20 "$dir/server.log" >&2; die "the server did not start"; }
  done
  echo "$port" >"$dir/port"
  if [[ -n "$watch" ]]; then
    # Detached: stops the server once the process that asked for it has ended.
    setsid nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" stop "$3"' \
      watch "$watch" "$(realpath "$0")" "$dir" >/dev/null 2>&1 </dev/null &
  fi
  url_of "$dir"
}

stop() {
  local dir=$1
  [[ -d "$dir" ]] || return 0
  local bin
  if bin=$(pg_bin) && [[ -f "$dir/data/postmaster.pid" ]]; then
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start)
    [[ $# -ge 2 ]] || die "usage: $0 start DIR [--watch PID]"
    if [[ "${3:-}" == "--watch" ]]; then
      start "$2" "${4:?--watch needs a process id}"
    else
      start "$2"
    fi
    ;;
  url) [[ $# -eq 2 ]] || die "usage: $0 url DIR"; url_of "$2" ;;
  stop) [[ $# -eq 2 ]] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start DIR [--watch PID] | url DIR | stop DIR" ;;
esac
