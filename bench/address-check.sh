#!/usr/bin/env bash
# Benchmark of the guardian address check. Target (issue 12): the check adds at most 5 ms to the p99 latency
# of a guardian creation with a warm DNS cache. Two measurements against a local DNS server (dnsmasq on
# 127.0.0.1 with an MX domain):
#  1. the check itself (KitaLink.Bench address-check-time): 5,000 new addresses at the domain after one warm-up
#     lookup; it runs before the request's database work, so its p99 is the extra latency;
#  2. POST .../guardians over HTTP with wrk, the check switched off and on, alternating rounds.
#
#   bench/address-check.sh
#
# Starts a throwaway PostgreSQL (scripts/pg.sh), dnsmasq (scripts/dns.sh) and the Release API in
# Development (demo data and keys) on loopback ports, runs wrk per mode and prints one line per mode plus the
# difference. Knobs: BENCH_DURATION (s per mode and round, 15), BENCH_CONNECTIONS (4), BENCH_ROUNDS (2; the
# modes alternate, off first). Everything it starts is stopped again. Raw output in .local/bench-address-check/.
set -euo pipefail

main() {
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
duration=${BENCH_DURATION:-15}
connections=${BENCH_CONNECTIONS:-4}
rounds=${BENCH_ROUNDS:-2}
out="$root/.local/bench-address-check"
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/kitalink-bench-dns.XXXXXX)
chmod 755 "$work"
api_pid=""; dns_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$api_pid" ]] && { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
  [[ -n "$dns_pid" ]] && { pkill -P "$dns_pid" 2>/dev/null || true; kill "$dns_pid" 2>/dev/null || true; }
  scripts/pg.sh stop "$work/pg" || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v wrk >/dev/null || { sudo_cmd=""; [[ "$(id -u)" -eq 0 ]] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >&2; }
scripts/dns.sh ensure
dnsmasq=$(scripts/dns.sh bin)
dotnet build bench/KitaLink.Bench -c Release -nologo -v quiet >"$out/build.log"

pg_port=$(scripts/pg.sh start "$work/pg" fast)
psql_bin="$(scripts/pg.sh bin)/psql"
"$psql_bin" -h 127.0.0.1 -p "$pg_port" -U kitalink -d postgres -qc "CREATE DATABASE kitalink" >/dev/null

dns_port=$(free_port 55353)
cat >"$work/dnsmasq.conf" <<CONF
port=$dns_port
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-poll
local=/#/
mx-host=bench-mail.test,mx.bench-mail.test,10
host-record=mx.bench-mail.test,192.0.2.25
CONF
chmod 644 "$work/dnsmasq.conf"
if [[ "$(id -u)" -eq 0 ]]; then
  runuser -u nobody -- "$dnsmasq" --conf-file="$work/dnsmasq.conf" --keep-in-foreground --pid-file= --log-facility="-" >"$out/dnsmasq.log" 2>&1 &
else
  "$dnsmasq" --conf-file="$work/dnsmasq.conf" --keep-in-foreground --pid-file= --log-facility="-" >"$out/dnsmasq.log" 2>&1 &
fi
dns_pid=$!

run_mode() {
  local mode=$1 round=$2 port
  port=$(free_port 58080)
  local settings=(EmailCheck__Enabled=false)
  if [[ "$mode" == on ]]; then
    settings=(EmailCheck__Enabled=true EmailCheck__LookupMailServers=true "EmailCheck__DnsServers__0=127.0.0.1:$dns_port")
  fi
  # From the output folder, so the content root holds appsettings.Development.json (demo keys and data).
  (cd src/KitaLink.Api/bin/Release/net10.0 && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "ConnectionStrings__Postgres=Host=127.0.0.1;Port=$pg_port;Database=kitalink;Username=kitalink" \
    "Smtp__PickupDirectory=$work/mail" Logging__LogLevel__Default=Warning "${settings[@]}" \
    dotnet KitaLink.Api.dll) >"$out/api-$mode-$round.log" 2>&1 &
  api_pid=$!
  local ready=""
  for _ in $(seq 1 120); do [[ "$(http_status "$port" /health/ready)" == 200 ]] && { ready=yes; break; }; sleep 0.5; done
  [[ -n "$ready" ]] || { echo "the API did not start; see $out/api-$mode-$round.log" >&2; exit 1; }
  local api="http://127.0.0.1:$port"
  local token child
  token=$(curl -sf "$api/api/v1/staff/auth/token" -H 'Content-Type: application/json' \
    -d '{"email":"admin@kita-sonnenschein.example","password":"Sonnenschein-Admin-2026"}' | jq -r .accessToken)
  [[ -n "$token" && "$token" != null ]] || { echo "no staff token" >&2; exit 1; }
  child=$(curl -sf "$api/api/v1/facility/children?limit=1" -H "Authorization: Bearer $token" | jq -r '.items[0].id')
  # Warm-up: JIT, connection pool and (mode on) the DNS cache for the domain.
  wrk -t1 -c1 -d3s -s bench/wrk/guardian-create.lua "$api" -- "$token" "$child" bench-mail.test >/dev/null
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s bench/wrk/guardian-create.lua "$api" -- "$token" "$child" bench-mail.test \
    >"$out/wrk-$mode-$round.txt"
  if [[ "$mode" == on ]]; then
    # The stored result proves the lookup ran (mx), not a switched-off check.
    curl -sf "$api/api/v1/facility/children/$child" -H "Authorization: Bearer $token" \
      | jq -r '[.guardians[] | select(.email | endswith("@bench-mail.test")) | .emailCheck | select(.result != "not_checked") | .mailServer] | unique | join(",")' \
      >"$out/mailserver-$round.txt"
  fi
  kill "$api_pid"; wait "$api_pid" 2>/dev/null || true; api_pid=""
  echo "$mode round $round: $(grep '^RESULT' "$out/wrk-$mode-$round.txt")"
}

# The check on its own, as the API wires it, against the same DNS server: its time is what it adds to a request.
dotnet bench/KitaLink.Bench/bin/Release/net10.0/KitaLink.Bench.dll address-check-time --dns "127.0.0.1:$dns_port" \
  --domain bench-mail.test --runs 5000 --out "$out/check-time.json"

for round in $(seq 1 "$rounds"); do
  run_mode off "$round"
  run_mode on "$round"
done

# p99 per mode: the mean over the rounds.
grep -h '^RESULT' "$out"/wrk-off-*.txt | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' >"$out/p99-off.txt"
grep -h '^RESULT' "$out"/wrk-on-*.txt | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p' >"$out/p99-on.txt"
p99_off=$(awk '{ s += $1 } END { printf "%.2f", s / NR }' "$out/p99-off.txt")
p99_on=$(awk '{ s += $1 } END { printf "%.2f", s / NR }' "$out/p99-on.txt")
echo "mail server seen by the check (mode on): $(sort -u "$out"/mailserver-*.txt | tr '\n' ' ')"
echo "HTTP p99 off ${p99_off} ms, on ${p99_on} ms (mean of ${rounds} rounds each)"
echo "check alone: $(cat "$out/check-time.json")"
}
main "$@"
