#!/usr/bin/env bash
# Runs KitaLink locally: a project-local PostgreSQL (.local/pg, installed with apt-get if missing), the
# API in Development (applies migrations, seeds demo data once) with Swagger UI on 127.0.0.1. Mail is
# written as .eml files to .local/mail, the API log to .local/api.log. Ctrl-C stops the API and PostgreSQL.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null; then
  echo "dotnet was not found: install the .NET 10 SDK first." >&2
  exit 1
fi

local_dir="$root/.local"
pg_dir="$local_dir/pg"
mail_dir="$local_dir/mail"
log="$local_dir/api.log"
mkdir -p "$mail_dir"

# One run per checkout: a second one would share the cluster and stop it under the first one's feet.
# Children do not inherit the lock (9>&-), so a crashed run leaves no stale lock behind.
exec 9>"$local_dir/run.lock"
if ! flock -n 9; then
  echo "scripts/run.sh is already running in this checkout; stop it with Ctrl-C first." >&2
  exit 1
fi

api_pid=""
cleanup() {
  trap - EXIT INT TERM HUP
  if [[ -n "$api_pid" ]] && kill -0 "$api_pid" 2>/dev/null; then
    # SIGTERM is ASP.NET Core's graceful shutdown; give requests and the outbox sender time to finish.
    kill -TERM "$api_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
      kill -0 "$api_pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -KILL "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  scripts/pg.sh stop "$pg_dir" 9>&-
  echo "KitaLink stopped (API and PostgreSQL)."
}
trap cleanup EXIT
# Ctrl-C, kill, closed terminal: a requested stop, so exit 0 (the EXIT trap cleans up).
trap 'echo; exit 0' INT TERM HUP

# http_status_and_header, random_key (plain bash: curl may not be installed)
source scripts/lib.sh

api_failed() {
  echo "$1 Last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}

echo "Starting PostgreSQL (.local/pg)..."
port=$(scripts/pg.sh start "$pg_dir" 9>&-)
psql="$(scripts/pg.sh bin)/psql"
if [[ "$("$psql" -h 127.0.0.1 -p "$port" -U kitalink -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kitalink'")" != 1 ]]; then
  "$psql" -h 127.0.0.1 -p "$port" -U kitalink -d postgres -qc "CREATE DATABASE kitalink" >/dev/null
fi

echo "Building KitaLink (the first build restores NuGet packages and takes a while)..."
if ! dotnet build src/KitaLink.Api -c Debug -nologo -v quiet >"$local_dir/build.log" 2>&1 9>&-; then
  cat "$local_dir/build.log" >&2
  exit 1
fi

api_port=5080
while (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; do api_port=$((api_port + 1)); done
url="http://127.0.0.1:$api_port"

export ASPNETCORE_ENVIRONMENT=Development
export ASPNETCORE_URLS="$url"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Database=kitalink;Username=kitalink"
export Smtp__PickupDirectory="$mail_dir"
# Echoed by the API's health answers: "ready" must come from the process started below, not from a server
# that took the port between the check above and the API's bind.
nonce=$(random_key 18 | tr -dc 'A-Za-z0-9')
export Startup__Nonce="$nonce"

echo "Starting the API (log: .local/api.log)..."
# The built assembly, not `dotnet run`: one process to stop. As a background job of this script it
# ignores the terminal's Ctrl-C; the EXIT trap stops it with SIGTERM after this script got the signal.
(cd src/KitaLink.Api && exec dotnet bin/Debug/net10.0/KitaLink.Api.dll) >"$log" 2>&1 9>&- &
api_pid=$!

# Ready means migrated, seeded and able to reach PostgreSQL (GET /health/ready answers 200), and the answer
# carries this run's nonce: it comes from the API started above.
ready_timeout=180
ready=""
for ((waited = 0; waited < ready_timeout * 2; waited++)); do
  if ! kill -0 "$api_pid" 2>/dev/null; then
    status=0
    wait "$api_pid" || status=$?
    api_pid=""
    api_failed "The API exited with code $status before it was ready."
  fi
  read -r code answer_nonce <<<"$(http_status_and_header "$api_port" /health/ready X-KitaLink-Startup-Nonce)" || true
  if [[ -n "${code:-}" && "${answer_nonce:-}" != "$nonce" ]]; then
    api_failed "Another server answers on 127.0.0.1:$api_port (HTTP ${code}, not the KitaLink API this script started); free the port or try again."
  fi
  if [[ "${code:-}" == 200 ]] && kill -0 "$api_pid" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [[ -z "$ready" ]]; then
  api_failed "The API was not ready after ${ready_timeout}s."
fi

cat <<BANNER

  KitaLink is running
  API         $url/api/v1
  Swagger UI  $url/swagger
  Health      $url/health/ready
  PostgreSQL  127.0.0.1:$port (database kitalink, user kitalink, data in .local/pg)
  Mail        .eml files in .local/mail (PIN 2 emails, password resets)
  Log         .local/api.log (tail -f .local/api.log)

  Demo accounts (POST /api/v1/staff/auth/token)
    operator  operator@kitalink.example / KitaLink-Operator-2026
    admin     admin@kita-sonnenschein.example / Sonnenschein-Admin-2026
    educator  erzieherin@kita-sonnenschein.example / Sonnenschein-Team-2026

  Press Ctrl-C to stop the API and PostgreSQL.

BANNER

status=0
wait "$api_pid" || status=$?
api_pid=""
api_failed "The API stopped on its own (exit code $status)."
