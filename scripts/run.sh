#!/usr/bin/env bash
# Runs KitaLink locally: a project-local PostgreSQL (.local/pg), migrations, demo data, the API with
# Swagger UI on 127.0.0.1. Mail is written as .eml files to .local/mail. Ctrl-C stops everything.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

pg_dir="$root/.local/pg"
mail_dir="$root/.local/mail"
mkdir -p "$mail_dir"

port=$(scripts/pg.sh start "$pg_dir")
psql="$(scripts/pg.sh bin)/psql"
if ! "$psql" -h 127.0.0.1 -p "$port" -U kitalink -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kitalink'" | grep -q 1; then
  "$psql" -h 127.0.0.1 -p "$port" -U kitalink -d postgres -qc "CREATE DATABASE kitalink" >/dev/null
fi

api_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$api_pid" ]] && kill -0 "$api_pid" 2>/dev/null; then
    kill -INT "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  scripts/pg.sh stop "$pg_dir"
  echo "KitaLink stopped (API and PostgreSQL)."
}
trap cleanup EXIT INT TERM

api_port=5080
while (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; do api_port=$((api_port + 1)); done
url="http://127.0.0.1:$api_port"

export ASPNETCORE_ENVIRONMENT=Development
export ASPNETCORE_URLS="$url"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$port;Database=kitalink;Username=kitalink"
export Smtp__PickupDirectory="$mail_dir"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "Building KitaLink..."
dotnet build src/KitaLink.Api -c Debug -v quiet -nologo >/dev/null
dotnet run --project src/KitaLink.Api --no-build --no-launch-profile &
api_pid=$!

for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; then break; fi
  if ! kill -0 "$api_pid" 2>/dev/null; then echo "The API did not start; see the log above." >&2; exit 1; fi
  sleep 0.5
done

cat <<BANNER

  KitaLink is running
  API         $url/api/v1
  Swagger UI  $url/swagger
  Health      $url/health/ready
  PostgreSQL  127.0.0.1:$port (database kitalink, user kitalink, data in .local/pg)
  Mail        .eml files in $mail_dir (PIN 2 emails, password resets)

  Demo accounts (POST /api/v1/staff/auth/token)
    operator  operator@kitalink.example / KitaLink-Operator-2026
    admin     admin@kita-sonnenschein.example / Sonnenschein-Admin-2026
    educator  erzieherin@kita-sonnenschein.example / Sonnenschein-Team-2026

  Press Ctrl-C to stop the API and PostgreSQL.

BANNER
wait "$api_pid"
