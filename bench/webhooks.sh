#!/usr/bin/env bash
# Benchmark of webhook delivery. Target (issue 16): at least 200 deliveries per second to a local receiver.
#
#   bench/webhooks.sh
#
# Starts a throwaway PostgreSQL (scripts/pg.sh), the Release API in Development (demo data and keys; loopback
# allowed with Webhooks__AllowedNetworks__0=127.0.0.0/8) and a webhook sink (KitaLink.Bench webhook-sink: Kestrel on
# 127.0.0.1, answers 204, checks every signature with its own HMAC). The demo admin registers an endpoint over the
# API; KitaLink.Bench webhook-burst then writes BENCH_WEBHOOKS (5000) pin_pair.created events in one transaction,
# and the API's sender fans them out and delivers them. The figure is deliveries per second from the commit of the
# burst to the last arrival. Knobs: BENCH_WEBHOOKS, BENCH_API_ENV (extra NAME=value settings for the API, e.g.
# Webhooks__MaxConcurrency=32). Everything it starts is stopped again. Raw output in .local/bench-webhooks/.
set -euo pipefail

main() {
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
count=${BENCH_WEBHOOKS:-5000}
read -r -a extra_env <<<"${BENCH_API_ENV:-}"
out="$root/.local/bench-webhooks"
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/kitalink-bench-webhooks.XXXXXX)
chmod 755 "$work"
api_pid=""; sink_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$api_pid" ]] && { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
  [[ -n "$sink_pid" ]] && { kill "$sink_pid" 2>/dev/null || true; wait "$sink_pid" 2>/dev/null || true; }
  scripts/pg.sh stop "$work/pg" || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

dotnet build bench/KitaLink.Bench -c Release -nologo -v quiet >"$out/build.log"
api_dir="$root/src/KitaLink.Api/bin/Release/net10.0"
bench_dll="$root/bench/KitaLink.Bench/bin/Release/net10.0/KitaLink.Bench.dll"

pg_port=$(scripts/pg.sh start "$work/pg" fast)
"$(scripts/pg.sh bin)/psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d postgres -qc "CREATE DATABASE kitalink" >/dev/null
connection="Host=127.0.0.1;Port=$pg_port;Database=kitalink;Username=kitalink"

sink_port=$(free_port 58090)
dotnet "$bench_dll" webhook-sink --port "$sink_port" --stats "$out/sink.json" --secret-file "$work/secret" >"$out/sink.log" 2>&1 &
sink_pid=$!

api_port=$(free_port 58080)
# From the output folder, so the content root holds appsettings.Development.json (demo keys and data).
(cd "$api_dir" && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$api_port" \
  "ConnectionStrings__Postgres=$connection" "Smtp__PickupDirectory=$work/mail" Logging__LogLevel__Default=Warning \
  Webhooks__AllowedNetworks__0=127.0.0.0/8 "${extra_env[@]}" dotnet KitaLink.Api.dll) >"$out/api.log" 2>&1 &
api_pid=$!
ready=""
for _ in $(seq 1 240); do [[ "$(http_status "$api_port" /health/ready)" == 200 ]] && { ready=yes; break; }; sleep 0.5; done
[[ -n "$ready" ]] || { echo "the API did not start; see $out/api.log" >&2; exit 1; }
api="http://127.0.0.1:$api_port"

token=$(curl -sf "$api/api/v1/staff/auth/token" -H 'Content-Type: application/json' \
  -d '{"email":"admin@kita-sonnenschein.example","password":"Sonnenschein-Admin-2026"}' | jq -r .accessToken)
[[ -n "$token" && "$token" != null ]] || { echo "no staff token" >&2; exit 1; }
curl -sf "$api/api/v1/facility/webhooks" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$sink_port/hook\",\"eventTypes\":[\"pin_pair.created\"],\"description\":\"bench sink\"}" \
  | jq -r .secret >"$work/secret"

(cd "$api_dir" && env ASPNETCORE_ENVIRONMENT=Development "ConnectionStrings__Postgres=$connection" \
  dotnet "$bench_dll" webhook-burst --count "$count" --out "$out/burst.json" --content-root "$api_dir")

# Bounded wait: the target rate would need count/200 seconds; give it four times that (at least 60 s).
limit=$(( count / 50 > 60 ? count / 50 : 60 ))
for _ in $(seq 1 $((limit * 2))); do
  received=$(jq -r '.distinctIds // 0' "$out/sink.json" 2>/dev/null || echo 0)
  [[ "$received" -ge "$count" ]] && break
  sleep 0.5
done
sleep 1

committed=$(jq -r .committedAt "$out/burst.json")
jq -n --slurpfile sink "$out/sink.json" --slurpfile burst "$out/burst.json" --arg count "$count" '
  ($sink[0].lastAt | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdateiso8601) as $last_s
  | ($sink[0].lastAt | capture("\\.(?<f>[0-9]+)").f | ("0." + .) | tonumber) as $last_f
  | ($burst[0].committedAt | sub("\\.[0-9]+"; "") | sub("\\+00:00$"; "Z") | fromdateiso8601) as $c_s
  | ($burst[0].committedAt | capture("\\.(?<f>[0-9]+)").f | ("0." + .) | tonumber) as $c_f
  | (($last_s + $last_f) - ($c_s + $c_f)) as $seconds
  | { events: ($count | tonumber), requests: $sink[0].requests, distinctIds: $sink[0].distinctIds, verified: $sink[0].verified,
      seconds: ($seconds * 1000 | round / 1000), perSecond: (($sink[0].distinctIds / $seconds) | round) }' | tee "$out/result.json"
echo "burst committed at $committed; cores: $(nproc); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
}
main "$@"
