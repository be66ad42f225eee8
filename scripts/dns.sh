#!/usr/bin/env bash
# The DNS server of the integration tests: dnsmasq from Debian's packages (dnsmasq-base: the binary
# without a system service). The tests start it themselves (tests/KitaLink.IntegrationTests/
# Infrastructure/DnsServer.cs): as a non-root process, in a temp folder, on 127.0.0.1 and a free port,
# answering only the reserved test names it is configured with. It never forwards to another server.
#
#   scripts/dns.sh ensure   install dnsmasq with apt-get if missing
#   scripts/dns.sh bin      print the path of the dnsmasq binary
set -euo pipefail

dnsmasq_bin() {
  local candidate
  for candidate in "$(command -v dnsmasq 2>/dev/null || true)" /usr/sbin/dnsmasq /usr/local/sbin/dnsmasq; do
    [[ -n "$candidate" && -x "$candidate" ]] && { echo "$candidate"; return 0; }
  done
  return 1
}

ensure() {
  if ! dnsmasq_bin >/dev/null; then
    echo "dnsmasq not found; installing dnsmasq-base with apt-get..." >&2
    local sudo=""
    [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dnsmasq-base >&2
  fi
  dnsmasq_bin >/dev/null || { echo "dnsmasq installation failed" >&2; exit 1; }
}

case "${1:-}" in
  ensure) ensure ;;
  bin) dnsmasq_bin ;;
  *) echo "usage: $0 ensure | bin" >&2; exit 2 ;;
esac
