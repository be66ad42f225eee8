#!/usr/bin/env bash
# Benchmark of the bounce mailbox reader. Target (issue 13): at least 200 bounces per second.
# Starts a throwaway PostgreSQL (scripts/pg.sh) and Dovecot (scripts/imap.sh) on loopback ports, migrates the
# database, and runs `KitaLink.Bench bounce-read`: BENCH_BOUNCES (2000) sent PIN 2 outbox messages with return paths,
# one bounce each delivered over LMTP into the mailbox (the formats of tests/fixtures/bounces in turn), then KitaLink's
# reader, one instance, timed until the folder is empty (parse, record with audit event, move).
#
#   bench/bounces.sh
#
# Prints the figure; the JSON result is in .local/bench-bounces/. Everything it starts is stopped again.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
count=${BENCH_BOUNCES:-2000}
out="$root/.local/bench-bounces"
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/kitalink-bench-bounces.XXXXXX)
chmod 755 "$work"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  scripts/imap.sh stop "$work/imap" || true
  scripts/pg.sh stop "$work/pg" || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/pg.sh ensure
scripts/imap.sh ensure
dotnet build bench/KitaLink.Bench -c Release -nologo -v quiet >"$out/build.log"
dotnet build src/KitaLink.Api -c Release -nologo -v quiet >>"$out/build.log"

pg_port=$(scripts/pg.sh start "$work/pg" fast)
"$(scripts/pg.sh bin)/psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d postgres -qc "CREATE DATABASE kitalink" >/dev/null
mkdir -p "$work/imap"
read -r imap_port lmtp_port < <(scripts/imap.sh start "$work/imap")

export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Database=kitalink;Username=kitalink"
export Bounces__Domain=bounce.bench.test Bounces__LocalPart=bounces
export Bounces__Imap__Host=127.0.0.1 Bounces__Imap__Port=$imap_port Bounces__Imap__UseTls=false
export Bounces__Imap__Username=bounces Bounces__Imap__Password=bounces-test
api_out="$root/src/KitaLink.Api/bin/Release/net10.0"
(cd "$api_out" && ASPNETCORE_ENVIRONMENT=Development dotnet KitaLink.Api.dll migrate) >"$out/migrate.log"

bench_out="$root/bench/KitaLink.Bench/bin/Release/net10.0"
(cd "$api_out" && ASPNETCORE_ENVIRONMENT=Development dotnet "$bench_out/KitaLink.Bench.dll" bounce-read --count "$count" \
  --lmtp-port "$lmtp_port" --fixtures "$root/tests/fixtures/bounces" --out "$out/bounce-read.json") | tee "$out/bounce-read.log"
