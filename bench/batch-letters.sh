#!/usr/bin/env bash
# Benchmark of the batch letter (issue 14). Targets: a batch of 300 letters renders at no more than 20 ms per
# page, and the API's resident memory stays within 50 MB of its idle value while the PDF streams.
#
#   bench/batch-letters.sh
#
# Starts a throwaway PostgreSQL (scripts/pg.sh) and the Release API in Development (demo data and keys, mail to a
# pickup folder) on loopback ports, creates 300 children with one guardian each in one group (the six family
# languages in turn), makes one PIN batch for the group, then downloads its letters BENCH_RUNS times with curl
# while sampling the API's VmRSS every 20 ms. Idle RSS is read after a warm-up download of a 6-letter batch and
# a settle pause. Prints one line per run and a summary; everything it starts is stopped again.
# Knobs: BENCH_RUNS (3), BENCH_LETTERS (300). Raw output in .local/bench-batch-letters/.
set -Eeuo pipefail
trap 'echo "bench/batch-letters.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

main() {
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
source scripts/lib.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
runs=${BENCH_RUNS:-3}
letters=${BENCH_LETTERS:-300}
out="$root/.local/bench-batch-letters"
rm -rf "$out"; mkdir -p "$out"
work=$(mktemp -d /tmp/kitalink-bench-letters.XXXXXX)
chmod 755 "$work"
api_pid=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$api_pid" ]] && { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
  scripts/pg.sh stop "$work/pg" || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in jq curl pdfinfo; do
  command -v "$tool" >/dev/null && continue
  sudo_cmd=""; [[ "$(id -u)" -eq 0 ]] || sudo_cmd=sudo
  package=$tool; [[ "$tool" == pdfinfo ]] && package=poppler-utils
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$package" >&2
done
dotnet build src/KitaLink.Api -c Release -nologo -v quiet >"$out/build.log"

pg_port=$(scripts/pg.sh start "$work/pg" fast)
psql_bin="$(scripts/pg.sh bin)/psql"
"$psql_bin" -h 127.0.0.1 -p "$pg_port" -U kitalink -d postgres -qc "CREATE DATABASE kitalink" >/dev/null

port=$(free_port 58180)
# From the output folder, so the content root holds appsettings.Development.json (demo keys and data).
(cd src/KitaLink.Api/bin/Release/net10.0 && exec env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$port" \
  "ConnectionStrings__Postgres=Host=127.0.0.1;Port=$pg_port;Database=kitalink;Username=kitalink" \
  "Smtp__PickupDirectory=$work/mail" Logging__LogLevel__Default=Warning EmailCheck__LookupMailServers=false \
  dotnet KitaLink.Api.dll) >"$out/api.log" 2>&1 &
api_pid=$!
ready=""
for _ in $(seq 1 120); do [[ "$(http_status "$port" /health/ready)" == 200 ]] && { ready=yes; break; }; sleep 0.5; done
[[ -n "$ready" ]] || { echo "the API did not start; see $out/api.log" >&2; exit 1; }
api="http://127.0.0.1:$port/api/v1"
token=$(curl -sf "$api/staff/auth/token" -H 'Content-Type: application/json' \
  -d '{"email":"admin@kita-sonnenschein.example","password":"Sonnenschein-Admin-2026"}' | jq -r .accessToken)
[[ -n "$token" && "$token" != null ]] || { echo "no staff token" >&2; exit 1; }
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')

# name_of N: N as letters (names take no digits): 1 -> Ab, 27 -> Bb, ...
name_of() {
  local n=$1 letters=abcdefghijklmnopqrstuvwxyz
  printf '%s%s%s' "${letters:$((n / 676 % 26)):1}" "${letters:$((n / 26 % 26)):1}" "${letters:$((n % 26)):1}" | sed 's/^./\U&/'
}
# create_group NAME COUNT: COUNT children with one guardian each in group NAME, languages in turn.
create_group() {
  local group=$1 count=$2 i child name languages=(de en tr uk ru pl)
  for i in $(seq 1 "$count"); do
    name=$(name_of "$i")
    child=$(curl -sS --fail-with-body "$api/facility/children" "${auth[@]}" \
      -d "{\"firstName\":\"Kind\",\"lastName\":\"$name\",\"dateOfBirth\":\"2022-05-01\",\"group\":\"$group\"}" | jq -r .id)
    curl -sS --fail-with-body "$api/facility/children/$child/guardians" "${auth[@]}" -o /dev/null \
      -d "{\"name\":\"Eltern $name\",\"relationship\":\"Mutter\",\"email\":\"familie.$group.$i@example.org\",\"preferredLanguage\":\"${languages[$((i % 6))]}\"}"
  done
}
# batch GROUP: creates the group's batch, prints its id.
batch() {
  curl -sS --fail-with-body "$api/facility/pin-batches" "${auth[@]}" -d "{\"group\":\"$1\"}" | jq -r .batchId
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$api_pid/status"; }

create_group warmup 6
create_group bench "$letters"
warm_batch=$(batch warmup)
bench_batch=$(batch bench)
# Warm-up: JIT, fonts and the renderer on a small batch; then let the collector settle before reading idle RSS.
curl -sf "$api/facility/pin-batches/$warm_batch/letters" -H "Authorization: Bearer $token" -o "$out/warmup.pdf"
sleep 5
idle_kb=$(rss_kb)

for run in $(seq 1 "$runs"); do
  peak_file="$work/peak-$run"
  echo "$idle_kb" >"$peak_file"
  ( peak=$idle_kb
    while true; do
      now=$(rss_kb) || exit 0
      (( now > peak )) && { peak=$now; echo "$peak" >"$peak_file"; }
      sleep 0.02
    done ) &
  sampler=$!
  seconds=$(curl -sf "$api/facility/pin-batches/$bench_batch/letters" -H "Authorization: Bearer $token" \
    -o "$out/batch-$run.pdf" -w '%{time_total}')
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  pages=$(pdfinfo "$out/batch-$run.pdf" | awk '/^Pages:/ { print $2 }')
  peak_kb=$(cat "$peak_file")
  awk -v s="$seconds" -v p="$pages" -v idle="$idle_kb" -v peak="$peak_kb" -v run="$run" -v size="$(stat -c %s "$out/batch-$run.pdf")" \
    'BEGIN { printf "run %d: %d pages in %.2f s = %.2f ms per page, %.1f MB PDF; RSS idle %.0f MB, peak %.0f MB (+%.0f MB)\n",
             run, p, s, s * 1000 / p, size / 1048576, idle / 1024, peak / 1024, (peak - idle) / 1024 }' | tee -a "$out/runs.txt"
  sleep 3
done
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/runs.txt"
}
main "$@"
