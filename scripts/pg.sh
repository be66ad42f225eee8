#!/usr/bin/env bash
# Project-local PostgreSQL clusters for KitaLink (run, tests, benchmarks). No Docker needed.
#
#   scripts/pg.sh ensure              install the PostgreSQL server binaries if missing (apt-get)
#   scripts/pg.sh start DIR [fast]    init (once) and start a cluster in DIR on a free loopback port;
#                                     prints the port. "fast" turns off fsync (throwaway test data only)
#   scripts/pg.sh stop DIR            stop the cluster in DIR
#   scripts/pg.sh bin                 print the folder of the PostgreSQL binaries
#
# The cluster listens on 127.0.0.1 only (no Unix socket), its superuser is "kitalink" with trust auth
# (loopback only). initdb/postgres refuse to run as root, so as root they run as the "postgres" user.
set -euo pipefail

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

ensure() {
  if [[ -z "$(pg_bin)" ]]; then
    echo "PostgreSQL server binaries not found; installing them with apt-get..." >&2
    local sudo=""
    is_root || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  fi
  if is_root && ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  [[ -n "$(pg_bin)" ]] || { echo "PostgreSQL installation failed" >&2; exit 1; }
}

# Runs a command as the cluster owner: "postgres" when we are root, ourselves otherwise.
as_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# port_in_use, free_port
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# As root the cluster belongs to "postgres", which must be able to reach DIR. A checkout under a private
# folder (root's home is 0700 on Debian) is out of its reach, so the cluster then lives under the postgres
# user's home and DIR becomes a link to it. Prints the physical folder of the cluster.
cluster_dir() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd -P)
  is_root || { echo "$dir"; return; }
  chown postgres:postgres "$dir"
  if runuser -u postgres -- test -x "$dir"; then
    echo "$dir"
    return
  fi
  if [[ -n "$(ls -A "$dir")" ]]; then
    echo "The postgres user cannot reach $dir (a parent folder is private) and it is not empty." >&2
    exit 1
  fi
  local home=/var/lib/postgresql/kitalink-clusters
  local target
  target="$home/$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
  if [[ -d "$target" ]]; then
    # Left behind by an earlier link that was deleted (rm -rf .local): start from scratch as the user asked.
    stop_physical "$target"
    rm -rf "$target"
  fi
  install -d -o postgres -g postgres -m 0755 /var/lib/postgresql "$home"
  install -d -o postgres -g postgres -m 0700 "$target"
  rmdir "$dir"
  ln -s "$target" "$dir"
  echo "PostgreSQL cluster of $dir lives in $target (postgres cannot reach the checkout)." >&2
  echo "$target"
}

start() {
  local dir mode=${2:-}
  ensure
  local bin
  bin=$(pg_bin)
  dir=$(cluster_dir "$1")

  if [[ -f "$dir/data/postmaster.pid" && -f "$dir/port" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    cat "$dir/port"
    return
  fi
  if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$dir/data" -U kitalink --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
  fi

  # Several checkouts (and their test runs) share the machine: another cluster may take the free port
  # between our check and postgres binding it, so a bind failure moves on to the next port.
  local port=$((${PG_PORT_START:-55432} - 1))
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$(free_port $((port + 1)))
    # No Unix socket (-k ''): everything connects over TCP, and deep checkout paths would exceed the
    # 107-byte socket path limit.
    local options="-c listen_addresses=127.0.0.1 -p $port -k '' -c max_connections=300 -c shared_buffers=256MB"
    if [[ "$mode" == "fast" ]]; then
      options="$options -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -o "$options" -w -t 60 start >/dev/null 2>&1; then
      echo "$port" | as_owner tee "$dir/port" >/dev/null
      echo "$port"
      return
    fi
    if ! tail -n 5 "$dir/postgres.log" 2>/dev/null | grep -q -e 'Address already in use' -e 'could not create any TCP/IP sockets'; then
      break
    fi
  done
  tail -n 30 "$dir/postgres.log" >&2
  exit 1
}

stop_physical() {
  local dir=$1 bin
  bin=$(pg_bin) || return 0
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

stop() {
  [[ -e "$1" ]] || return 0
  stop_physical "$(cd "$1" && pwd -P)"
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?cluster folder}" "${3:-}" ;;
  stop) stop "${2:?cluster folder}" ;;
  bin) pg_bin ;;
  *) echo "usage: $0 ensure | start DIR [fast] | stop DIR | bin" >&2; exit 2 ;;
esac
