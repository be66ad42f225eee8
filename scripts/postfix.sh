#!/usr/bin/env bash
# The MTA of the real-bounce tests: Postfix from Debian's packages, as a private instance in a folder of its own
# (own config_directory, queue_directory and data_directory), listening on 127.0.0.1 and a free port. It never
# reads or changes /etc/postfix/main.cf, never listens on port 25 and never starts the system's Postfix service.
#
#   scripts/postfix.sh ensure     install Postfix with apt-get if missing ("No configuration": no system instance)
#   scripts/postfix.sh start DIR RELAY_PORT LMTP_PORT BOUNCE_DOMAIN [QUEUE_LIFETIME]
#                                 configure and start Postfix in DIR; prints its SMTP port
#   scripts/postfix.sh flush DIR  retry every deferred message now (postqueue -f)
#   scripts/postfix.sh log DIR    print the instance's log (what it relayed, deferred, returned)
#   scripts/postfix.sh stop DIR   stop the Postfix of DIR
#
# The instance accepts mail from 127.0.0.1 and relays everything to the SMTP server on 127.0.0.1:RELAY_PORT (the
# tests' downstream server, which accepts, rejects or defers), except mail to BOUNCE_DOMAIN: that goes over LMTP to
# 127.0.0.1:LMTP_PORT (the tests' Dovecot, scripts/imap.sh). So the delivery status notifications Postfix writes
# about a rejected or deferred mail reach the return path's mailbox like they would in production.
#
# Timing for tests: the queue is retried every second, a delay warning ("Action: delayed") goes out after the first
# failed attempt of a soft failure (delay_warning_time = 1s; qmgr sends it once the warning time is due at the end of
# an attempt), and a soft failure still failing after QUEUE_LIFETIME (a Postfix time, e.g. 20s; default 10m) is
# returned as undeliverable. Postfix's built-in delay template counts in hours and days, so with these short times its
# bounce daemon logs "zero result in delay template conversion" warnings and the notices say "0 hour(s)": harmless, and
# the delivery status part (what KitaLink reads) is exact.
#
# Postfix's master runs as root and its daemons as the unprivileged mail_owner "postfix" (Debian's package creates
# the user); as a non-root user Postfix cannot run, so the script needs root (or sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/scripts/lib.sh"

sudo_cmd() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

ensure() {
  if [[ ! -x /usr/sbin/postfix || ! -x /usr/lib/postfix/sbin/master ]]; then
    echo "Postfix not found; installing postfix with apt-get..." >&2
    # "No configuration": the package sets up no system mail server (no main.cf, nothing listens on port 25).
    echo "postfix postfix/main_mailer_type select No configuration" | sudo_cmd debconf-set-selections
    sudo_cmd apt-get update -qq >&2
    # policy-rc.d may refuse to start the package's own service; it is not wanted anyway.
    sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >&2
  fi
  [[ -x /usr/sbin/postfix ]] || { echo "Postfix installation failed" >&2; exit 1; }
}

start() {
  local dir=$1 relay_port=$2 lmtp_port=$3 domain=$4 lifetime=${5:-10m}
  ensure
  dir=$(cd "$dir" && pwd)
  mkdir -p "$dir/config" "$dir/queue" "$dir/data"
  # Instances started at the same time (parallel test classes, other checkouts' runs) would find the same free port:
  # one start at a time, from choosing the port until Postfix listens on it.
  exec 9>>/tmp/kitalink-postfix-start.lock
  chmod a+rw /tmp/kitalink-postfix-start.lock 2>/dev/null || true
  flock 9
  # Below the kernel's ephemeral port range (32768-60999), so no client connection's local port holds it; a port
  # that is taken anyway (Postfix's bind fails) is given up for the next free one.
  local port base=$((31000 + RANDOM % 1000)) attempt i
  for attempt in 1 2 3 4 5; do
    port=$(free_port "$base")
    write_config
    sudo_cmd rm -f "$dir/maillog"
    # fd 9 (the lock) must not live on in Postfix's daemons.
    if sudo_cmd /usr/sbin/postfix -c "$dir/config" start >"$dir/start.log" 2>&1 9>&-; then
      # Up to a minute: a start on a machine busy with builds can take a while.
      for i in $(seq 1 600); do
        # Listening, and it is this instance's master that does (not something that took the port meanwhile).
        if port_in_use "$port" && sudo_cmd /usr/sbin/postfix -c "$dir/config" status >/dev/null 2>&1 9>&-; then
          echo "$port"
          return 0
        fi
        if port_taken_at_bind; then break; fi
        sleep 0.1
      done
    fi
    if ! port_taken_at_bind; then break; fi
    echo "Postfix could not bind 127.0.0.1:$port (attempt $attempt); trying another port" >&2
    sudo_cmd /usr/sbin/postfix -c "$dir/config" stop >/dev/null 2>&1 9>&- || true
    base=$((port + 1))
  done
  echo "Postfix did not start (does not listen on 127.0.0.1:$port); log:" >&2
  cat "$dir/start.log" >&2 2>/dev/null || true
  sudo_cmd cat "$dir/maillog" >&2 2>/dev/null || true
  exit 1
}

# True when this attempt's master gave up because its port was taken.
port_taken_at_bind() {
  grep -qs "Address already in use" "$dir/start.log" || sudo_cmd grep -qs "Address already in use" "$dir/maillog"
}

# main.cf and master.cf of the instance in $dir listening on $port (the caller's variables).
write_config() {
  cat >"$dir/config/main.cf" <<CONF
# Private Postfix instance for tests: everything in $dir, loopback only.
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.kitalink.test
mydomain = kitalink.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
smtpd_banner = \$myhostname ESMTP
# No local delivery, no aliases, no system files.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
local_transport = error:no local delivery
biff = no
# No DNS: every next hop is a literal address.
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
relayhost = [127.0.0.1]:$relay_port
# The bounce domain (the return paths) is delivered to Dovecot over LMTP.
transport_maps = inline:{ $domain=lmtp:inet:127.0.0.1:$lmtp_port }
# The tests' downstream server speaks neither TLS nor SMTPUTF8.
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtputf8_enable = no
# Test timing: retry every second, warn about a delay at once, give up on a soft failure after a while.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 1s
maximal_queue_lifetime = $lifetime
bounce_queue_lifetime = $lifetime
smtp_connect_timeout = 10s
# Own log file instead of syslog (containers have none).
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
CONF
  # Debian's master.cf without chroot (the queue is not where a chroot would expect it) and with the SMTP listener
  # on a free loopback port instead of port 25.
  cat >"$dir/config/master.cf" <<CONF
127.0.0.1:$port inet n -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
  # The daemons (user postfix) walk into the queue and data folders.
  chmod 755 "$dir" "$dir/config"
  sudo_cmd chown root "$dir/queue"
  sudo_cmd chown postfix "$dir/data"
}

# Postfix's log of the instance (root's file: written by its postlogd).
log() {
  local dir=$1
  if [[ -f "$dir/maillog" ]]; then sudo_cmd cat "$dir/maillog"; fi
}

flush() {
  local dir=$1
  sudo_cmd /usr/sbin/postqueue -c "$dir/config" -f
}

stop() {
  local dir=$1
  [[ -f "$dir/config/main.cf" ]] || return 0
  local pid_file="$dir/queue/pid/master.pid" pid="" i
  if [[ -f "$pid_file" ]]; then pid=$(tr -d ' \n' <"$pid_file"); fi
  sudo_cmd /usr/sbin/postfix -c "$dir/config" stop >/dev/null 2>&1 || true
  for i in $(seq 1 100); do
    if [[ -z "$pid" ]] || ! sudo_cmd kill -0 "$pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [[ -n "$pid" ]] && sudo_cmd kill -0 "$pid" 2>/dev/null; then
    # The master did not end in 10 s: end it and its daemons (its own session and process group).
    sudo_cmd kill -KILL -- -"$pid" 2>/dev/null || true
  fi
  # The queue and data belong to root and postfix: removed here, so whoever started the instance can remove DIR.
  sudo_cmd rm -rf "$dir/queue" "$dir/data"
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?usage: $0 start DIR RELAY_PORT LMTP_PORT BOUNCE_DOMAIN [QUEUE_LIFETIME]}" "${3:?relay port}" "${4:?lmtp port}" "${5:?bounce domain}" "${6:-10m}" ;;
  flush) flush "${2:?usage: $0 flush DIR}" ;;
  log) log "${2:?usage: $0 log DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  *) echo "usage: $0 ensure | start DIR RELAY_PORT LMTP_PORT BOUNCE_DOMAIN [QUEUE_LIFETIME] | flush DIR | log DIR | stop DIR" >&2; exit 2 ;;
esac
