#!/usr/bin/env bash
# The integrator contract check (run by .ci/run and .github/workflows/ci.yml after the tests):
#   1. npm ci from contract/package-lock.json (Spectral, Redocly, openapi-typescript, openapi-fetch, ...)
#   2. lint openapi.yaml: Spectral (spectral:oas) and Redocly (recommended), zero errors and zero warnings
#   3. generate the TypeScript client types from openapi.yaml into contract/generated (git-ignored) and
#      type-check contract/flow.ts against them
#   4. start KitaLink as in production (Release build, `migrate`, Production environment with random keys,
#      a bootstrap operator, SMTP to the flow's own SMTP peer) on a throwaway PostgreSQL and run the flow:
#      operator → facility and admin → child, guardian, PINs → PIN 2 from the SMTP peer → parent registers,
#      signs in, lists children, links a sibling, refreshes the token
#   5. generate the NSwag and Kiota C# clients from openapi.yaml (contract/csharp/generate.sh, tool versions
#      pinned in .config/dotnet-tools.json, output git-ignored) and run the C# flow once with each
#      (contract/csharp): the parent flow plus every error code it provokes, read through the shared
#      ProblemDetails type, idempotent retries, If-Match and cursor paging
# PostgreSQL: the server in KITALINK_TEST_POSTGRES (a role that may create databases; a new database is
# created by `migrate`), or else a throwaway cluster from scripts/pg.sh. Everything is stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/kitalink-contract.XXXXXX)
chmod 755 "$work"
api_pid=""
pg_dir=""
cleanup() {
  local status=$?
  if [[ -n "$api_pid" ]] && kill -0 "$api_pid" 2>/dev/null; then
    kill -TERM "$api_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$work/api.log" ]]; then
    echo "--- last lines of the API log" >&2
    tail -n 40 "$work/api.log" >&2
  fi
  if [[ -n "$pg_dir" ]]; then
    scripts/pg.sh stop "$pg_dir"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# free_port, http_status, random_key (plain bash: curl may be missing)
source scripts/lib.sh

echo "== contract: npm ci (contract/package-lock.json)"
(cd contract && npm ci --no-audit --no-fund --loglevel=error)
npx_contract() { (cd contract && npx --no-install "$@"); }

echo "== contract: Spectral (spectral:oas), zero findings"
npx_contract spectral lint --ruleset .spectral.yaml --fail-severity=hint ../openapi.yaml

echo "== contract: Redocly (recommended), zero errors and warnings"
# Redocly fails only on errors; warnings are counted from its summary.
redocly_status=0
npx_contract redocly lint --config redocly.yaml --format summary ../openapi.yaml >"$work/redocly.txt" 2>&1 || redocly_status=$?
grep -E '^(error|warning) |validated|valid' "$work/redocly.txt" || true
if [[ $redocly_status -ne 0 ]] || grep -qE '^(error|warning) ' "$work/redocly.txt"; then
  cat "$work/redocly.txt" >&2
  echo "Redocly found problems in openapi.yaml." >&2
  exit 1
fi

echo "== contract: TypeScript client from openapi.yaml (openapi-typescript) and type check of the flow"
rm -rf contract/generated
npx_contract openapi-typescript ../openapi.yaml --output generated/kitalink.d.ts
npx_contract tsc --noEmit -p tsconfig.json

echo "== contract: NSwag and Kiota C# clients from openapi.yaml, and the C# flow built against them"
contract/csharp/generate.sh
dotnet build contract/csharp -c Release -nologo -v quiet >"$work/csharp-build.log" 2>&1 || { cat "$work/csharp-build.log" >&2; exit 1; }

echo "== contract: KitaLink in Production mode on a throwaway database"
if [[ -n "${KITALINK_TEST_POSTGRES:-}" ]]; then
  connection="${KITALINK_TEST_POSTGRES};Database=kitalink_contract_$(date +%s)_$$"
else
  scripts/pg.sh ensure
  pg_dir="$work/pg"
  pg_port=$(scripts/pg.sh start "$pg_dir" fast)
  connection="Host=127.0.0.1;Port=$pg_port;Database=kitalink;Username=kitalink"
fi
dotnet build src/KitaLink.Api -c Release -nologo -v quiet >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
app="$root/src/KitaLink.Api/bin/Release/net10.0"

api_port=$(free_port 5180)
smtp_port=$(free_port 2525)
operator_email="operator@contract.kitalink.example"
operator_password="Contract-Operator-$(random_key | tr -dc 'A-Za-z0-9' | head -c 16)"

export ASPNETCORE_ENVIRONMENT=Production
export ASPNETCORE_URLS="http://127.0.0.1:$api_port"
export ConnectionStrings__Postgres="$connection"
export Jwt__SigningKey="$(random_key)"
export Pins__HashKey="$(random_key)"
export Smtp__Host=127.0.0.1 Smtp__Port="$smtp_port" Smtp__UseTls=false
export Smtp__From="KitaLink <no-reply@contract.kitalink.example>"
export Outbox__PollIntervalMilliseconds=200
# The flows use reserved names (*.example) that have no mail server; the address check's DNS part has its own tests.
export EmailCheck__LookupMailServers=false
export Bootstrap__OperatorEmail="$operator_email" Bootstrap__OperatorPassword="$operator_password"

(cd "$app" && dotnet KitaLink.Api.dll migrate) >"$work/migrate.log" 2>&1 || { tail -n 40 "$work/migrate.log" >&2; exit 1; }
(cd "$app" && exec dotnet KitaLink.Api.dll) >"$work/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 240); do
  kill -0 "$api_pid" 2>/dev/null || { echo "The API exited before it was ready." >&2; exit 1; }
  [[ "$(http_status "$api_port" /health/ready)" == 200 ]] && break
  sleep 0.5
done
[[ "$(http_status "$api_port" /health/ready)" == 200 ]] || { echo "The API was not ready after 120 s." >&2; exit 1; }
echo "KitaLink is ready on 127.0.0.1:$api_port"

echo "== contract: the generated client drives the PIN process (contract/flow.ts)"
KITALINK_URL="http://127.0.0.1:$api_port" KITALINK_SMTP_PORT="$smtp_port" \
  KITALINK_OPERATOR_EMAIL="$operator_email" KITALINK_OPERATOR_PASSWORD="$operator_password" \
  npx_contract tsx flow.ts

# The same SMTP port: the TypeScript flow's peer has closed; each C# flow opens its own.
for generator in nswag kiota; do
  echo "== contract: the generated $generator C# client drives the PIN process (contract/csharp)"
  KITALINK_URL="http://127.0.0.1:$api_port" KITALINK_SMTP_PORT="$smtp_port" \
    KITALINK_OPERATOR_EMAIL="$operator_email" KITALINK_OPERATOR_PASSWORD="$operator_password" \
    dotnet contract/csharp/bin/Release/net10.0/KitaLink.ContractFlow.dll "$generator"
done
