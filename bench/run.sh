#!/usr/bin/env bash
# KitaLink benchmark, one command from a clean clone:
#
#   bench/run.sh
#
# Builds Release, starts a throwaway PostgreSQL cluster (normal durability), applies the migrations,
# seeds a realistic data set, measures the two baselines (a raw Npgsql endpoint and the time of one
# password hash), starts the API in Production mode on 127.0.0.1 with random keys, raised rate limits
# and a local SMTP sink, runs the wrk scenarios and writes docs/performance.md. Everything it starts is
# stopped again on success, failure, Ctrl-C and when BENCH_TIME_LIMIT is reached. Raw outputs and logs
# stay in .local/bench/<time>/.
#
# Knobs: BENCH_DURATION (s per scenario, 20), BENCH_WARMUP (s, 5), BENCH_CONNECTIONS (64),
# BENCH_THREADS (2), BENCH_MAIL_BURST (2000), BENCH_MAIL_RATE (50), BENCH_DOC (docs/performance.md), BENCH_NOTE (text for
# the top of the document), BENCH_API_ENV (extra NAME=value settings for the API), BENCH_TIME_LIMIT (s, 2400),
# BENCH_SCENARIOS (space-separated subset of: baseline baseline-children baseline-children-auth baseline-refresh baseline-staff me-children staff-children
# refresh refresh-spread refresh-logged login login-identity register letters mail pins; all by default. For experiments: the
# targets of the scenarios left out are reported as not measured), BENCH_SCALE (data multiplier of the main run,
# 1 = 200 facilities), BENCH_COMPARE_SCALE (10: afterwards the baselines, my children, the staff list and the
# refreshes run again on a second database with that many times the data; 0 = off), BENCH_QUIET_PERCENT (15) and
# BENCH_QUIET_WAIT (600 s): before each scenario the run waits until the machine's CPU use over 3 s is at most
# that share, and records the load average and CPU use it started with. BENCH_API_WARMUP (30 s): the fresh API
# serves the read paths that long before its first scenario (tiered JIT settles; 0 = off).
# login-identity is the login of a peer, a minimal ASP.NET Core Identity app (MapIdentityApi, same PBKDF2 settings;
# bench/KitaLink.Bench.IdentityPeer) seeded with 10,000 users in its own database of the same cluster.
set -euo pipefail

# Everything runs inside main(), which bash reads completely before it starts: editing or pulling a new
# version of this file during a run cannot change the running one.
main() {
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# free_port, random_key
source scripts/lib.sh

duration=${BENCH_DURATION:-20}
warmup=${BENCH_WARMUP:-5}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
mail_burst=${BENCH_MAIL_BURST:-2000}
mail_rate=${BENCH_MAIL_RATE:-50}
doc=${BENCH_DOC:-docs/performance.md}
[[ "$doc" == /* ]] || doc="$root/$doc"
time_limit=${BENCH_TIME_LIMIT:-2400}
scale=${BENCH_SCALE:-1}
compare_scale=${BENCH_COMPARE_SCALE:-10}
quiet_percent=${BENCH_QUIET_PERCENT:-15}
quiet_wait=${BENCH_QUIET_WAIT:-600}
api_warmup=${BENCH_API_WARMUP:-30}
selected=" ${BENCH_SCENARIOS:-baseline baseline-children baseline-children-auth baseline-refresh baseline-staff me-children staff-children refresh refresh-spread refresh-logged login login-identity register letters mail pins} "
wanted() { [[ "$selected" == *" $1 "* ]]; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export BENCH_WRK_DIR="$root/bench/wrk"

out="$root/.local/bench/$(date -u +%Y%m%dT%H%M%SZ)"
results="$out/results"
logs="$out/logs"
data="$out/data"
mkdir -p "$results" "$logs" "$data"
# The cluster lives outside the checkout: as root, PostgreSQL runs as "postgres", which must reach it.
work=$(mktemp -d /tmp/kitalink-bench.XXXXXX)
chmod 755 "$work"

log() { printf '%s  %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- process bookkeeping and cleanup
started=()
stop_pid() {
  local pid=$1 kept=() p
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  # Forget it, so a later cleanup can never signal an unrelated process that reused the id.
  for p in "${started[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
  started=("${kept[@]}")
}
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do stop_pid "${started[i]}"; done
  scripts/pg.sh stop "$work/pg" || true
  rm -rf "$work"
  if [[ $status -ne 0 ]]; then log "benchmark failed (exit $status); logs in $logs"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The whole run is bounded: after BENCH_TIME_LIMIT seconds the run is stopped (and cleaned up).
main_pid=$$
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "$time_limit" & sleeper=$!
  wait "$sleeper"
  echo "bench/run.sh: time limit of $time_limit s reached, stopping" >&2
  kill -TERM "$main_pid"
) &
started+=($!)

wait_http() { # URL PID SECONDS: until URL answers 2xx; fails when PID exits
  local url=$1 pid=$2 seconds=$3 i
  for ((i = 0; i < seconds * 5; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.2
  done
  return 1
}

now_utc() { date -u +%Y-%m-%dT%H:%M:%S.%6NZ; }

busy_percent() { # the machine's CPU use over the next 3 s, in percent of all cores (every process, ours included)
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
  sleep 3
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); t = y[2] - x[2]; printf "%.0f", (t > 0 ? (y[1] - x[1]) * 100 / t : 0) }'
}

# wait_quiet META: before a scenario, waits (up to BENCH_QUIET_WAIT s) until the machine's CPU use over 3 s is at
# most BENCH_QUIET_PERCENT, so no other work (a build, a test run) shares the cores with the measurement. Records
# what it found (load average and CPU use) in the scenario's META file; the report prints both.
wait_quiet() {
  local meta=$1 waited=0 busy
  busy=$(busy_percent)
  while (( busy > quiet_percent && waited < quiet_wait )); do
    (( waited == 0 )) && log "waiting for a quiet machine (CPU ${busy} % > ${quiet_percent} %)"
    sleep 7; waited=$((waited + 10))
    busy=$(busy_percent)
  done
  printf 'loadavg_before=%s\nbusy_percent_before=%s\nquiet_waited_s=%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$busy" "$waited" >>"$meta"
  (( busy <= quiet_percent )) || log "machine still busy (CPU ${busy} %) after ${quiet_wait} s; measuring anyway (recorded)"
}


# ---------------------------------------------------------------- tools
if ! command -v wrk >/dev/null; then
  log "wrk not found; installing it with apt-get"
  sudo=""; [[ "$(id -u)" -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >&2
fi
scripts/pg.sh ensure

log "building Release (API, bench tool, baseline app, Identity peer)"
for project in bench/KitaLink.Bench bench/KitaLink.Bench.Baseline bench/KitaLink.Bench.IdentityPeer; do
  timeout 900 dotnet build "$project" -c Release -nologo -v quiet >>"$logs/build.log" 2>&1 \
    || { tail -n 40 "$logs/build.log" >&2; exit 1; }
done
api_dir="$root/src/KitaLink.Api/bin/Release/net10.0"
bench_dll="$root/bench/KitaLink.Bench/bin/Release/net10.0/KitaLink.Bench.dll"
baseline_dll="$root/bench/KitaLink.Bench.Baseline/bin/Release/net10.0/KitaLink.Bench.Baseline.dll"

# ---------------------------------------------------------------- configuration shared by API and tools
# The signing key is also given to the raw app, whose authenticated rung validates the same parent tokens.
jwt_signing_key="Jwt__SigningKey=$(random_key 48)"
kitalink_env=(
  ASPNETCORE_ENVIRONMENT=Production
  "$jwt_signing_key"
  "Pins__HashKey=$(random_key 48)"
  Jwt__ParentAccessTokenMinutes=60
)
# Every rule in Infrastructure/Security/RateLimiting.cs, raised: all load comes from 127.0.0.1.
rate_rules=$(awk '/class Names/{on=1} on && /public const string/{gsub(/[";]/, "", $NF); print $NF} on && /^    }/{on=0}' \
  src/KitaLink.Api/Infrastructure/Security/RateLimiting.cs)
for rule in $rate_rules; do kitalink_env+=("RateLimits__${rule}__Limit=1000000000"); done

tool() { # runs a KitaLink.Bench command with the API's configuration
  (cd "$api_dir" && env "${kitalink_env[@]}" "ConnectionStrings__Postgres=$connection" \
    timeout 900 dotnet "$bench_dll" "$@" --content-root "$api_dir")
}

# ---------------------------------------------------------------- baseline 2: one password hash
log "timing one password hash"
wait_quiet "$results/hash.meta"
connection="Host=127.0.0.1;Database=kitalink;Username=kitalink"
tool hash-time --runs 20 --out "$results/hash.json" | tee -a "$logs/tool.log" >&2
cores=$(nproc)
hash_ms=$(sed -n 's/.*"medianMs": *\([0-9.]*\).*/\1/p' "$results/hash.json")
# Enough fresh PIN pairs for registration at 1.5× the hash limit (plus slack), never fewer than 200.
reg_main=$(awk -v c="$cores" -v h="$hash_ms" -v d="$duration" 'BEGIN { n = int(c * 1000 / h * d * 1.5) + 200; print n }')
reg_warm=$(awk -v c="$cores" -v h="$hash_ms" -v d="$warmup" 'BEGIN { n = int(c * 1000 / h * d * 1.5) + 100; print n }')

# ---------------------------------------------------------------- PostgreSQL, migrations, seed
log "starting PostgreSQL (normal durability)"
pg_port=$(scripts/pg.sh start "$work/pg")
psql="$(scripts/pg.sh bin)/psql"

# seed_database NAME SCALE DATA_DIR [seed options]: creates, migrates and seeds database NAME with SCALE × 200
# facilities (100 children each) and writes the wrk input files to DATA_DIR.
seed_database() {
  local name=$1 scale=$2 dir=$3
  shift 3
  mkdir -p "$dir"
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d postgres -qc "CREATE DATABASE $name" >/dev/null
  local conn="Host=127.0.0.1;Port=$pg_port;Database=$name;Username=kitalink"
  log "applying migrations to $name"
  (cd "$api_dir" && env "${kitalink_env[@]}" "ConnectionStrings__Postgres=$conn" \
    timeout 300 dotnet KitaLink.Api.dll migrate) >"$logs/migrate-$name.log" 2>&1 || { tail -n 40 "$logs/migrate-$name.log" >&2; exit 1; }
  log "seeding $name at ${scale}× ($((scale * 200)) facilities, $((scale * 20000)) children, $((scale * 10000)) accounts)"
  connection=$conn tool seed --out "$dir" --facilities $((scale * 200)) "$@" | tee -a "$logs/tool.log" >&2
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d "$name" -qc "VACUUM ANALYZE" >/dev/null
}

seed_database kitalink "$scale" "$data" --registration-warmup-pairs "$reg_warm" --registration-pairs "$reg_main" --letter-pairs 1000
cp "$data/seed.json" "$results/seed.json"
connection="Host=127.0.0.1;Port=$pg_port;Database=kitalink;Username=kitalink"

# ---------------------------------------------------------------- scenarios
scenarios=()
clk_tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

sample_rss() { # PID FILE: keeps the highest VmRSS (with its parts at that moment) and the highest RssAnon in FILE until stopped
  local pid=$1 file=$2 peak=0 peak_anon=0 rss anon file_kb shmem at_anon=0 at_file=0 at_shmem=0
  while kill -0 "$pid" 2>/dev/null; do
    # VmRSS = RssAnon (GC heap, native allocations, stacks) + RssFile (mapped files: runtime, assemblies)
    # + RssShmem (shared memory: the JIT's code, mapped once writable and once executable)
    read -r rss anon file_kb shmem < <(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } /^RssShmem:/ { s = $2 }
      END { print r + 0, a + 0, f + 0, s + 0 }' "/proc/$pid/status" 2>/dev/null || echo "0 0 0 0")
    if (( rss > peak || anon > peak_anon )); then
      (( rss > peak )) && { peak=$rss; at_anon=$anon; at_file=$file_kb; at_shmem=$shmem; }
      (( anon > peak_anon )) && peak_anon=$anon
      printf 'peak_rss_kb=%s\npeak_anon_kb=%s\npeak_rss_anon_kb=%s\npeak_rss_file_kb=%s\npeak_rss_shmem_kb=%s\n' \
        "$peak" "$peak_anon" "$at_anon" "$at_file" "$at_shmem" >"$file"
    fi
    sleep 0.2
  done
}

# A warm-up that got answers, but not one 2xx, means the endpoint is missing or broken in this build.
# (A warm-up without any answer, e.g. logins queueing for the hash slots, is no reason to skip.)
warmup_failed() { grep -q '"statuses":{"' "$1" && ! grep -q '"2[0-9][0-9]":' "$1"; }

# run_scenario NAME TITLE PID CONNECTIONS SCRIPT URL WARMUP_INPUT INPUT [EXTRA]: a warm-up run, then the
# measured wrk run with RSS sampling and CPU accounting of PID. The warm-up has its own input so that
# single-use input (PIN pairs) is fresh for the measured run; WARMUP_INPUT "-" skips the warm-up.
run_scenario() {
  local name=$1 title=$2 pid=$3 conns=$4 script=$5 url=$6 warmup_input=$7 input=$8
  shift 8
  local meta="$results/$name.meta" thr=$threads
  (( conns < thr )) && thr=$conns
  scenarios+=("$name")
  printf 'title=%s\nconnections=%s\n' "$title" "$conns" >"$meta"
  wait_quiet "$meta"
  echo "warmup_at=$(now_utc)" >>"$meta"
  if [[ "$warmup_input" != "-" ]]; then
    log "scenario $name: warm-up ${warmup} s"
    timeout $((warmup + 60)) wrk -t"$thr" -c"$conns" -d"${warmup}s" --timeout 30s --latency -s "bench/wrk/$script" "$url" \
      -- "$warmup_input" "$thr" "$@" >"$logs/$name.warmup.txt" 2>&1 || true
  fi
  if [[ "$warmup_input" != "-" ]] && warmup_failed "$logs/$name.warmup.txt"; then
    local got
    got=$(grep -o '"statuses":{[^}]*}' "$logs/$name.warmup.txt" | head -n 1 || true)
    echo "skipped=no successful response in the warm-up (${got:-no wrk summary}); endpoint missing in this build?" >>"$meta"
    log "scenario $name: skipped, no 2xx in the warm-up ${got}"
    return 0
  fi
  local rss_file="$work/$name.rss"
  printf 'peak_rss_kb=%s\n' "$(rss_kb "$pid")" >"$rss_file"
  sample_rss "$pid" "$rss_file" &
  local sampler=$!
  started+=("$sampler")
  local cpu_before cpu_after
  cpu_before=$(cpu_ticks "$pid")
  log "scenario $name: ${duration} s, $conns connections"
  echo "started_at=$(now_utc)" >>"$meta"
  timeout $((duration + 60)) wrk -t"$thr" -c"$conns" -d"${duration}s" --timeout 30s --latency -s "bench/wrk/$script" "$url" \
    -- "$input" "$thr" "$@" >"$results/$name.wrk.txt" 2>&1 || true
  cpu_after=$(cpu_ticks "$pid")
  echo "ended_at=$(now_utc)" >>"$meta"
  stop_pid "$sampler"
  {
    cat "$rss_file"
    awk -v a="$cpu_after" -v b="$cpu_before" -v t="$clk_tck" 'BEGIN { printf "cpu_seconds=%.2f\n", (a - b) / t }'
  } >>"$meta"
  grep -E 'Requests/sec|Non-2xx|Socket errors' "$results/$name.wrk.txt" | sed "s/^/  $name: /" >&2 || true
}

# run_baselines SUFFIX TITLE_SUFFIX DATA_DIR: the raw Npgsql app alone on the machine (the API is not running):
# the single-row read, the statement of GET /me/children, the refresh-token rotation and the staff list's rows.
run_baselines() {
  local suffix=$1 title_suffix=$2 dir=$3 port pid
  port=$(free_port 5390)
  (cd "$(dirname "$baseline_dll")" && exec env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="http://127.0.0.1:$port" \
    "ConnectionStrings__Postgres=$connection" "$jwt_signing_key" dotnet "$baseline_dll") >"$logs/baseline$suffix.log" 2>&1 &
  pid=$!
  started+=("$pid")
  wait_http "http://127.0.0.1:$port/baseline/$(head -n 1 "$dir/account-ids.txt")" "$pid" 60 \
    || { tail -n 40 "$logs/baseline$suffix.log" >&2; exit 1; }
  local base="http://127.0.0.1:$port"
  if wanted baseline; then
    run_scenario "baseline$suffix" "baseline: one row by key (raw Npgsql)$title_suffix" "$pid" "$connections" baseline.lua "$base" \
      "$dir/account-ids.txt" "$dir/account-ids.txt"
  fi
  if wanted baseline-children; then
    run_scenario "baseline-children$suffix" "baseline: my children's statement (raw Npgsql)$title_suffix" "$pid" "$connections" baseline.lua "$base" \
      "$dir/linked-children-paths.txt" "$dir/linked-children-paths.txt"
  fi
  if wanted baseline-children-auth; then
    run_scenario "baseline-children-auth$suffix" "baseline: my children's statement behind JWT bearer authentication (raw Npgsql)$title_suffix" \
      "$pid" "$connections" me-children.lua "$base" "$dir/parent-tokens.txt" "$dir/parent-tokens.txt" /baseline/me/children
  fi
  if wanted baseline-refresh; then
    run_scenario "baseline-refresh$suffix" "baseline: refresh-token rotation (raw Npgsql)$title_suffix" "$pid" "$connections" refresh.lua "$base" \
      "$dir/refresh-baseline-warmup.txt" "$dir/refresh-baseline.txt" /baseline/refresh
  fi
  if wanted baseline-staff; then
    run_scenario "baseline-staff$suffix" "baseline: 100 children of a facility (raw Npgsql)$title_suffix" "$pid" "$connections" staff-children.lua "$base" \
      "$dir/staff-lists.tsv" "$dir/staff-lists.tsv" baseline
  fi
  stop_pid "$pid"
}

# start_api: the API in Production mode against $connection; sets api_pid and api.
start_api() {
  local port
  port=$(free_port 5380)
  api_env=(
    "${kitalink_env[@]}"
    "ASPNETCORE_URLS=http://127.0.0.1:$port"
    "ConnectionStrings__Postgres=$connection"
    Smtp__Host=127.0.0.1
    "Smtp__Port=$smtp_port"
    Smtp__UseTls=false
    # wrk stands in for a reverse proxy: refresh-spread sends X-Forwarded-For from 1,000 client addresses.
    ForwardedHeaders__KnownProxies__0=127.0.0.1
  )
  # BENCH_API_ENV: extra NAME=value settings for the API process (experiments, e.g. DOTNET_gcServer=0).
  local extra_api_env
  read -r -a extra_api_env <<<"${BENCH_API_ENV:-}"
  api_env+=("${extra_api_env[@]}")
  log "starting the API on 127.0.0.1:$port (Production)"
  local rounds_before
  rounds_before=$(grep -c "Retention round:" "$logs/api.log" 2>/dev/null || true)
  (cd "$api_dir" && exec env "${api_env[@]}" dotnet KitaLink.Api.dll) >>"$logs/api.log" 2>&1 &
  api_pid=$!
  started+=("$api_pid")
  wait_http "http://127.0.0.1:$port/health/ready" "$api_pid" 90 || { tail -n 40 "$logs/api.log" >&2; exit 1; }
  api="http://127.0.0.1:$port"
  settle_after_retention "${rounds_before:-0}"
}

# settle_after_retention ROUNDS_BEFORE: the API's retention job runs its first round at start-up. On freshly seeded
# data that round wipes the secrets of every PIN pair redeemed longer ago than Retention__PinSecretsDays at once
# (12,000 rows at 1×, 120,000 at 10×), where a database in service wiped each an hour after it ended. Waits for that
# round (its log line, at most 120 s), then vacuums, so the scenarios start from the steady state instead of sharing
# the machine with the clean-up after a one-off mass update (autovacuum of the dead row versions).
settle_after_retention() {
  local before=$1 waited=0 db wiped
  until (( $(grep -c "Retention round:" "$logs/api.log" 2>/dev/null || true) > before )); do
    if (( waited >= 120 )); then
      log "the API logged no retention round within 120 s; going on without it"
      return 0
    fi
    sleep 1
    waited=$((waited + 1))
  done
  db=$(sed -n 's/.*Database=\([^;]*\).*/\1/p' <<<"$connection")
  wiped=$(grep -o 'Retention round: [0-9]* PIN pairs wiped' "$logs/api.log" | tail -n 1 | grep -o '[0-9][0-9]*' || true)
  log "retention round after ${waited} s: ${wiped:-?} PIN pairs wiped; VACUUM ANALYZE $db"
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d "$db" -qc "VACUUM ANALYZE" >/dev/null
}

# warm_api DATA_DIR: BENCH_API_WARMUP seconds of the read paths (my children, the staff list) on the fresh API before its
# first scenario, not recorded. A new process runs its code first unoptimised and recompiles the hot methods while it
# serves (tiered JIT); the API has far more code on a request's path than the baseline app, and without this the first
# scenario (my children) was measured while that recompiling still went on.
warm_api() {
  local dir=$1 half
  (( api_warmup > 0 )) || return 0
  half=$(( (api_warmup + 1) / 2 ))
  log "API warm-up: ${api_warmup} s of the read paths (not recorded)"
  timeout $((half + 60)) wrk -t"$threads" -c"$connections" -d"${half}s" --timeout 30s -s bench/wrk/me-children.lua "$api" \
    -- "$dir/parent-tokens.txt" "$threads" >"$logs/api-warmup-children.txt" 2>&1 || true
  timeout $((half + 60)) wrk -t"$threads" -c"$connections" -d"${half}s" --timeout 30s -s bench/wrk/staff-children.lua "$api" \
    -- "$dir/staff-lists.tsv" "$threads" api >"$logs/api-warmup-staff.txt" 2>&1 || true
}

# run_hot_paths SUFFIX TITLE_SUFFIX DATA_DIR: the read and refresh scenarios, run at 1× and again at BENCH_COMPARE_SCALE.
run_hot_paths() {
  local suffix=$1 title_suffix=$2 dir=$3
  wanted me-children && run_scenario "me-children$suffix" "my children$title_suffix" "$api_pid" "$connections" me-children.lua "$api" \
    "$dir/parent-tokens.txt" "$dir/parent-tokens.txt"
  wanted staff-children && run_scenario "staff-children$suffix" "staff list, 100 children$title_suffix" "$api_pid" "$connections" staff-children.lua "$api" \
    "$dir/staff-lists.tsv" "$dir/staff-lists.tsv" api
  wanted refresh && run_scenario "refresh$suffix" "token refresh, one client address$title_suffix" "$api_pid" "$connections" refresh.lua "$api" \
    "$dir/refresh-warmup.txt" "$dir/refresh.txt" /api/v1/auth/refresh
  wanted refresh-spread && run_scenario "refresh-spread$suffix" "token refresh, 1,000 client addresses$title_suffix" "$api_pid" "$connections" refresh.lua "$api" \
    "$dir/refresh-spread-warmup.txt" "$dir/refresh-spread.txt" /api/v1/auth/refresh 1000
  return 0
}

run_baselines "" "" "$data"

# The SMTP sink and the API.
smtp_port=$(free_port 2525)
(exec dotnet "$bench_dll" smtp-sink --port "$smtp_port" --stats "$results/smtp-sink.json") >"$logs/smtp-sink.log" 2>&1 &
sink_pid=$!
started+=("$sink_pid")

start_api
password=Kita-Bench-Passwort-2026

warm_api "$data"
run_hot_paths "" "" "$data"

# The option the rate limiter did not take, measured: the same refreshes with rate_limit_counters as a logged table
# (every counter update waits for its WAL flush while it holds the partition's row lock). Set back afterwards.
if wanted refresh-logged; then
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d kitalink -qc "ALTER TABLE rate_limit_counters SET LOGGED" >/dev/null
  run_scenario refresh-logged "token refresh, one client address, logged counters" "$api_pid" "$connections" refresh.lua "$api" \
    "$data/refresh-logged-warmup.txt" "$data/refresh-logged.txt" /api/v1/auth/refresh
  run_scenario refresh-logged-spread "token refresh, 1,000 client addresses, logged counters" "$api_pid" "$connections" refresh.lua "$api" \
    "$data/refresh-logged-spread-warmup.txt" "$data/refresh-logged-spread.txt" /api/v1/auth/refresh 1000
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d kitalink -qc "ALTER TABLE rate_limit_counters SET UNLOGGED" >/dev/null
fi
emails="$data/login-emails.txt"
wanted login && run_scenario login "login" "$api_pid" "$connections" login.lua "$api" "$emails" "$emails" "$password"

# The login of a peer: a minimal ASP.NET Core Identity app (MapIdentityApi) with KitaLink's PBKDF2 settings, on its
# own database in the same cluster, 10,000 users with the bench password. The API stays up, idle, meanwhile.
# HOME points into the run's folder only so that the peer's data-protection key ring is not left in the caller's home.
if wanted login-identity; then
  peer_dll="$root/bench/KitaLink.Bench.IdentityPeer/bin/Release/net10.0/KitaLink.Bench.IdentityPeer.dll"
  peer_emails="$data/identity-peer-emails.txt"
  mkdir -p "$work/identity-peer"
  peer_env=(
    ASPNETCORE_ENVIRONMENT=Production
    "ConnectionStrings__Postgres=Host=127.0.0.1;Port=$pg_port;Database=identity_peer;Username=kitalink"
    "HOME=$work/identity-peer"
  )
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d postgres -qc "CREATE DATABASE identity_peer" >/dev/null
  log "seeding the ASP.NET Core Identity peer (10,000 users)"
  (cd "$(dirname "$peer_dll")" && env "${peer_env[@]}" timeout 300 dotnet "$peer_dll" seed --count 10000 \
    --password "$password" --out "$peer_emails") >>"$logs/identity-peer.log" 2>&1 \
    || { tail -n 40 "$logs/identity-peer.log" >&2; exit 1; }
  "$psql" -h 127.0.0.1 -p "$pg_port" -U kitalink -d identity_peer -qc "VACUUM ANALYZE" >/dev/null
  peer_port=$(free_port 5400)
  (cd "$(dirname "$peer_dll")" && exec env "${peer_env[@]}" "ASPNETCORE_URLS=http://127.0.0.1:$peer_port" \
    dotnet "$peer_dll") >>"$logs/identity-peer.log" 2>&1 &
  peer_pid=$!
  started+=("$peer_pid")
  # Up once it answers at all (MapIdentityApi has no anonymous GET that returns 2xx).
  for _ in $(seq 1 300); do
    [[ -n "$(http_status "$peer_port" /login)" ]] && break
    kill -0 "$peer_pid" 2>/dev/null || break
    sleep 0.2
  done
  [[ -n "$(http_status "$peer_port" /login)" ]] || { tail -n 40 "$logs/identity-peer.log" >&2; exit 1; }
  # The warm-up runs here, not in run_scenario: when wrk stops, the peer still finishes the sign-ins it has accepted
  # (the hash runs synchronously on a request thread and is not dropped with the connection), up to one hash per
  # connection of CPU, which must not fall into the measured window. So the measurement waits until the peer is
  # idle (under 0.1 core for 1 s, at most 120 s). KitaLink abandons the queued checks of closed connections
  # (PasswordHashing.RunAsync), so its warm-up leaves at most one hash per core behind and needs no pause.
  log "scenario login-identity: warm-up ${warmup} s"
  timeout $((warmup + 60)) wrk -t"$threads" -c"$connections" -d"${warmup}s" --timeout 30s --latency \
    -s bench/wrk/login-identity.lua "http://127.0.0.1:$peer_port" -- "$peer_emails" "$threads" "$password" \
    >"$logs/login-identity.warmup.txt" 2>&1 || true
  warmup_failed "$logs/login-identity.warmup.txt" && log "scenario login-identity: no 2xx in the warm-up; see $logs/identity-peer.log"
  peer_drain=$SECONDS
  for _ in $(seq 1 120); do
    kill -0 "$peer_pid" 2>/dev/null || break
    peer_cpu=$(cpu_ticks "$peer_pid")
    sleep 1
    (( $(cpu_ticks "$peer_pid") - peer_cpu < clk_tck / 10 )) && break
  done
  log "scenario login-identity: peer idle $((SECONDS - peer_drain)) s after the warm-up"
  run_scenario login-identity "login, ASP.NET Core Identity peer" "$peer_pid" "$connections" login-identity.lua \
    "http://127.0.0.1:$peer_port" - "$peer_emails" "$password"
  stop_pid "$peer_pid"
fi
wanted register && run_scenario register "registration" "$api_pid" "$connections" register.lua "$api" \
  "$data/register-warmup.tsv" "$data/register.tsv" "$password"
letters="$data/letters.tsv"
wanted letters && run_scenario letter-c1 "PIN letter, 1 connection" "$api_pid" 1 letter.lua "$api" "$letters" "$letters"
wanted letters && run_scenario letter-c64 "PIN letter" "$api_pid" "$connections" letter.lua "$api" "$letters" "$letters"

# Mail burst first, while the outbox is empty: many PIN 2 mails at once, delivered by the API's outbox
# sender to the sink. The wait is bounded (twice the time the target rate of 100 mails/s needs); what is
# still queued then is discarded, so it cannot delay the mails of the next scenario.
if wanted mail; then
log "mail burst: $mail_burst PIN 2 mails"
burst_since=$(now_utc)
if tool mail-burst --count "$mail_burst" --out "$results/mail-burst.json" 2>>"$logs/tool.log" | tee -a "$logs/tool.log" >&2; then
  burst_wait=$(( mail_burst / 50 > 30 ? mail_burst / 50 : 30 ))
  tool mail-stats --since "$burst_since" --wait-seconds "$burst_wait" --discard-since "$burst_since" --out "$results/mail-burst-stats.json" \
    | tee -a "$logs/tool.log" >&2 || true
else
  log "mail burst failed (mail templates or outbox sender missing in this build?); see $logs/tool.log"
  rm -f "$results/mail-burst.json"
fi
fi

# PIN creation at full load (64 connections): the endpoint's capacity. Its mails are counted, but they
# arrive faster than any sender delivers them, so what is still queued after a short wait is discarded.
pins="$data/pins.tsv"
if wanted pins; then
run_scenario pins-create "PIN creation" "$api_pid" "$connections" pins.lua "$api" "$pins" "$pins"
fi
if wanted pins && ! grep -q '^skipped=' "$results/pins-create.meta"; then
  tool mail-stats --since "$(sed -n 's/^started_at=//p' "$results/pins-create.meta")" \
    --until "$(sed -n 's/^ended_at=//p' "$results/pins-create.meta")" --wait-seconds 20 \
    --discard-since "$(sed -n 's/^warmup_at=//p' "$results/pins-create.meta")" \
    --out "$results/mail-pins.json" | tee -a "$logs/tool.log" >&2 || true

  # PIN creation at a steady BENCH_MAIL_RATE per second (8 connections, each pausing between requests):
  # the latency from pair creation to SMTP acceptance at a rate the sender is meant to sustain.
  paced_connections=8
  run_scenario pins-paced "PIN creation at ~${mail_rate}/s" "$api_pid" "$paced_connections" pins.lua "$api" - "$pins" \
    $((paced_connections * 1000 / mail_rate))
  if ! grep -q '^skipped=' "$results/pins-paced.meta"; then
    log "waiting for the PIN 2 mails of the paced PIN creation"
    tool mail-stats --since "$(sed -n 's/^started_at=//p' "$results/pins-paced.meta")" \
      --until "$(sed -n 's/^ended_at=//p' "$results/pins-paced.meta")" --wait-seconds 60 \
      --out "$results/mail-paced.json" | tee -a "$logs/tool.log" >&2 || true
  fi
fi

api_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$api_pid/status" 2>/dev/null || echo 0)
# What the running process reported about itself at startup (GC mode, pool size, hashing): the report prints
# this line, not what the configuration is believed to be.
grep -m 1 -o '"Message":"KitaLink runtime:[^"]*"' "$logs/api.log" | sed 's/^"Message":"//; s/"$//' >"$results/api.runtime" || true
stop_pid "$api_pid"

# ---------------------------------------------------------------- the hot paths again, on BENCH_COMPARE_SCALE × the data
if (( compare_scale > 0 )) && { wanted baseline || wanted baseline-children || wanted baseline-children-auth || wanted baseline-refresh || wanted baseline-staff || wanted me-children \
    || wanted staff-children || wanted refresh || wanted refresh-spread; }; then
  data_x="$out/data-x$compare_scale"
  seed_database "kitalink_x$compare_scale" "$compare_scale" "$data_x" --registration-warmup-pairs 0 --registration-pairs 0 --letter-pairs 0
  cp "$data_x/seed.json" "$results/seed-x$compare_scale.json"
  connection="Host=127.0.0.1;Port=$pg_port;Database=kitalink_x$compare_scale;Username=kitalink"
  run_baselines "-x$compare_scale" " (${compare_scale}× data)" "$data_x"
  start_api
  warm_api "$data_x"
  run_hot_paths "-x$compare_scale" " (${compare_scale}× data)" "$data_x"
  api_hwm_x=$(awk '/^VmHWM:/ { print $2 }' "/proc/$api_pid/status" 2>/dev/null || echo 0)
  (( api_hwm_x > api_hwm )) && api_hwm=$api_hwm_x
  stop_pid "$api_pid"
fi
stop_pid "$sink_pid"

# ---------------------------------------------------------------- report
printf '%s\n' "${api_env[@]}" | sed -E 's/^(Jwt__SigningKey|Pins__HashKey)=.*/\1=<random per run>/' >"$results/api.env"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The document itself is rewritten by every run; only other changes make the measured code differ from the commit.
if [[ -n "$(git status --porcelain -- . ":(exclude)${doc#"$root"/}" 2>/dev/null)" ]]; then commit="$commit (with uncommitted changes)"; fi
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$commit"
  echo "duration=$duration"
  echo "warmup=$warmup"
  echo "api_warmup=$api_warmup"
  echo "connections=$connections"
  echo "threads=$threads"
  echo "scenarios=${scenarios[*]}"
  echo "cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "nproc=$cores"
  echo "memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "kernel=$(uname -r)"
  echo "dotnet=$(dotnet --version)"
  echo "postgres=$("$(scripts/pg.sh bin)/postgres" --version)"
  echo "wrk=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')"
  echo "loadavg=$load_before"
  echo "api_vmhwm_kb=$api_hwm"
  echo "note=${BENCH_NOTE:-}"
  echo "scale=$scale"
  echo "compare_scale=$compare_scale"
  echo "quiet_percent=$quiet_percent"
  echo "mail_rate=$mail_rate"
  echo "mail_burst=$mail_burst"
} >"$results/meta.env"

mkdir -p "$(dirname "$doc")"
tool report --results "$results" --out "$doc" | tee -a "$logs/tool.log" >&2
cp "$doc" "$out/performance.md"
log "done: ${doc#"$root"/} (raw results in ${out#"$root"/})"
}

# On one line: bash must not read past this point once main has run (see above).
main "$@"; exit $?
