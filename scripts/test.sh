#!/usr/bin/env bash
# Builds and runs every KitaLink test (unit and integration) against real PostgreSQL and prints one
# summary line. Extra arguments go to `dotnet test`, e.g. --filter "FullyQualifiedName~StaffAuth".
#
# DNS: dnsmasq (installed here with apt-get if missing, like PostgreSQL); the tests start and stop their own
# instance on 127.0.0.1 (scripts/dns.sh).
#
# IMAP: Dovecot (dovecot-imapd, dovecot-lmtpd; installed here with apt-get if missing); the bounce-mailbox tests
# start their own rootless instance on 127.0.0.1 in this run's temp folder (scripts/imap.sh).
#
# MTA: Postfix (installed here with apt-get if missing, without a system configuration); the real-bounce tests start
# private instances on 127.0.0.1 in this run's temp folder that relay to the tests' SMTP server and deliver the bounces
# they write to Dovecot (scripts/postfix.sh). Postfix runs its master as root: as another user this needs sudo.
#
# PostgreSQL: the server in KITALINK_TEST_POSTGRES (an Npgsql connection string of a role that may
# create databases, e.g. CI's service container), or else a throwaway cluster this script starts with
# scripts/pg.sh (installed with apt-get if missing) and removes again. No Docker, no manual steps.
# TRX results land in .local/test-results.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/dns.sh ensure
scripts/imap.sh ensure
scripts/postfix.sh ensure

# The PIN letter tests rasterise pages with poppler's pdftoppm to decode their QR codes.
if ! command -v pdftoppm >/dev/null 2>&1; then
  echo "pdftoppm not found; installing poppler-utils with apt-get..." >&2
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils >&2
fi

if [[ -n "${KITALINK_TEST_POSTGRES:-}" ]]; then
  echo "PostgreSQL: the server in KITALINK_TEST_POSTGRES"
else
  scripts/pg.sh ensure
  pg_dir=$(mktemp -d /tmp/kitalink-test-pg.XXXXXX)
  # As root the cluster runs as the postgres user, which must reach the folder.
  chmod 755 "$pg_dir"
  cleanup() {
    scripts/pg.sh stop "$pg_dir"
    rm -rf "$pg_dir"
  }
  trap cleanup EXIT
  port=$(scripts/pg.sh start "$pg_dir" fast)
  echo "PostgreSQL: throwaway cluster on 127.0.0.1:$port"
  export KITALINK_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=kitalink"
fi

dotnet tool restore >/dev/null
dotnet build api.sln -c Release -nologo -v quiet
results="$root/.local/test-results"
rm -rf "$results"
status=0
# The tests' own daemons (dnsmasq, extra PostgreSQL clusters) keep their folders under one temp folder of this
# run, so whatever a crashed test host left behind is found and stopped here, and no other run's daemons.
run_tmp=$(mktemp -d /tmp/kitalink-test-run.XXXXXX)
chmod 755 "$run_tmp"
TMPDIR="$run_tmp" dotnet test api.sln -c Release --no-build --logger "trx" --results-directory "$results" "$@" || status=$?
# Postfix's processes do not name their folder: a test host that died leaves its instances to be stopped here.
for postfix_dir in "$run_tmp"/kitalink-test-postfix-*/; do
  if [[ -d "$postfix_dir" ]]; then scripts/postfix.sh stop "$postfix_dir"; fi
done
pkill -f -- "$run_tmp/" 2>/dev/null || true
rm -rf "$run_tmp" 2>/dev/null || true

# One summary line over all test projects.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
# Each failed test with the first line of its message, so the end of a CI log names what broke.
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  perl -0777 -ne '
    # A passed result is often one empty element (<UnitTestResult ... />), a failed one has a body.
    while (/<UnitTestResult\b([^>]*?)(?:\/>|>(.*?)<\/UnitTestResult>)/sg) {
      my ($attrs, $body) = ($1, defined $2 ? $2 : "");
      next unless $attrs =~ /outcome="Failed"/;
      my ($name) = $attrs =~ /testName="([^"]*)"/;
      my ($message) = $body =~ /<Message>(.*?)<\/Message>/s;
      $message = "" unless defined $message;
      for ($name, $message) { s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g; s/&apos;/\x27/g; s/&amp;/&/g; }
      my @lines = grep { /\S/ } split /\r?\n/, $message;
      my $first = join(" | ", @lines[0 .. ($#lines < 2 ? $#lines : 2)]);
      $first = substr($first, 0, 400);
      print "Failed test: $name: $first\n";
    }' "$trx"
done
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
