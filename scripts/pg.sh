#!/usr/bin/env bash
# Project-local PostgreSQL clusters for KitaLink (run, tests, benchmarks). No Docker needed.
#
#   scripts/pg.sh ensure              install the PostgreSQL server binaries if missing (apt-get)
#   scripts/pg.sh start DIR [fast]    init (once) and start a cluster in DIR on a free loopback port;
#                                     prints the port. "fast" turns off fsync (throwaway test data only)
#   scripts/pg.sh stop DIR            stop the cluster in DIR
#
# The cluster listens on 127.0.0.1 only, its superuser is "kitalink" with trust auth (loopback only).
# initdb/postgres refuse to run as root, so as root they run as the "postgres" user.
set -euo pipefail

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

ensure() {
  if [[ -z "$(pg_bin)" ]]; then
    echo "PostgreSQL server binaries not found; installing them with apt-get..." >&2
    local sudo=""
    [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  fi
  if [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  [[ -n "$(pg_bin)" ]] || { echo "PostgreSQL installation failed" >&2; exit 1; }
}

# Runs a command as the cluster owner: "postgres" when we are root, ourselves otherwise.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local port
  for port in $(seq "${1:-55432}" 60999); do
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  echo "no free port" >&2
  exit 1
}

start() {
  local dir=$1 mode=${2:-}
  ensure
  local bin
  bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres:postgres "$dir"
    if ! runuser -u postgres -- test -x "$dir"; then
      echo "The postgres user cannot reach $dir (a parent folder is private); move the checkout or use another folder." >&2
      exit 1
    fi
  fi

  if [[ -f "$dir/data/postmaster.pid" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    cat "$dir/port"
    return
  fi
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$dir/data" -U kitalink --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  local port
  port=$(free_port "${PG_PORT_START:-55432}")
  local options="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=256MB"
  if [[ "$mode" == "fast" ]]; then
    options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "$options" -w -t 60 start >/dev/null \
    || { tail -n 30 "$dir/postgres.log" >&2; exit 1; }
  echo "$port" | as_owner tee "$dir/port" >/dev/null
  echo "$port"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin) || return 0
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?cluster folder}" "${3:-}" ;;
  stop) stop "${2:?cluster folder}" ;;
  bin) pg_bin ;;
  *) echo "usage: $0 ensure | start DIR [fast] | stop DIR | bin" >&2; exit 2 ;;
esac
