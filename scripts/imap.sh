#!/usr/bin/env bash
# The IMAP server of the bounce-mailbox tests: Dovecot from Debian's packages (dovecot-imapd and
# dovecot-lmtpd), rootless: it runs as an unprivileged user (as root: "nobody") in a folder of its own,
# with its own configuration, on 127.0.0.1 and free ports, never touching /etc/dovecot or a system service.
#
#   scripts/imap.sh ensure          install Dovecot with apt-get if missing
#   scripts/imap.sh start DIR       configure and start Dovecot in DIR; prints "IMAP_PORT LMTP_PORT"
#                                   (any user name, password "bounces-test", a Maildir per user under DIR/home)
#   scripts/imap.sh stop DIR        stop the Dovecot of DIR
#
# The tests start it themselves (tests/KitaLink.IntegrationTests/Infrastructure/ImapServer.cs); LMTP is
# where a real MTA (Postfix, tests/.../PostfixServer.cs) delivers the bounces it produces.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/scripts/lib.sh"

is_root() { [[ "$(id -u)" -eq 0 ]]; }

ensure() {
  if [[ ! -x /usr/sbin/dovecot || ! -e /usr/lib/dovecot/imap || ! -e /usr/lib/dovecot/lmtp ]]; then
    echo "Dovecot not found; installing dovecot-imapd and dovecot-lmtpd with apt-get..." >&2
    local sudo=""
    is_root || sudo="sudo"
    $sudo apt-get update -qq >&2
    # The packages' own service is not wanted (and cannot start in a container): policy-rc.d may refuse it.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dovecot-imapd dovecot-lmtpd >&2
  fi
  [[ -x /usr/sbin/dovecot ]] || { echo "Dovecot installation failed" >&2; exit 1; }
}

as_user() {
  if is_root; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

start() {
  local dir=$1
  ensure
  mkdir -p "$dir/run" "$dir/home" "$dir/state"
  local user group uid gid
  if is_root; then
    user=nobody; group=$(id -gn nobody); uid=$(id -u nobody); gid=$(id -g nobody)
    chown -R nobody:"$group" "$dir"
    chmod 755 "$dir"
  else
    user=$(id -un); group=$(id -gn); uid=$(id -u); gid=$(id -g)
  fi
  local imap_port lmtp_port
  # Below the kernel's ephemeral port range (32768-60999): no client connection's local port can hold it.
  imap_port=$(free_port $((30000 + RANDOM % 900)))
  lmtp_port=$(free_port $((imap_port + 1)))
  cat >"$dir/dovecot.conf" <<CONF
# Rootless Dovecot for tests: everything in $dir, loopback only.
base_dir = $dir/run
state_dir = $dir/state
instance_name = kitalink-test-$imap_port
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
# Any user name with the one test password: each test class reads its own mailbox (its own user, its own
# return-path local part), so parallel classes never take each other's bounces.
passdb {
  driver = static
  args = password=bounces-test
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$dir/home/%n
}
mail_location = maildir:~/Maildir
# Throwaway test and benchmark mail: no fsync.
mail_fsync = never
# LMTP recipients are return paths (bounces+TOKEN@domain): the part before "+" is the user.
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
mail_max_userip_connections = 100
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service pop3-login {
  chroot =
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp_port
  }
  unix_listener lmtp {
    mode = 0600
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0600
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0600
  }
}
CONF
  if is_root; then chown nobody:"$group" "$dir/dovecot.conf"; fi
  as_user /usr/sbin/dovecot -c "$dir/dovecot.conf"
  local i
  for i in $(seq 1 100); do
    if port_in_use "$imap_port" && port_in_use "$lmtp_port"; then
      echo "$imap_port $lmtp_port"
      return 0
    fi
    sleep 0.1
  done
  echo "Dovecot did not start; log:" >&2
  cat "$dir/dovecot.log" >&2 2>/dev/null || true
  exit 1
}

stop() {
  local dir=$1
  [[ -f "$dir/dovecot.conf" ]] || return 0
  as_user /usr/sbin/dovecot -c "$dir/dovecot.conf" stop 2>/dev/null || true
  local pid_file="$dir/run/master.pid" i
  for i in $(seq 1 50); do
    [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null || return 0
    sleep 0.1
  done
}

case "${1:-}" in
  ensure) ensure ;;
  start) start "${2:?usage: $0 start DIR}" ;;
  stop) stop "${2:?usage: $0 stop DIR}" ;;
  *) echo "usage: $0 ensure | start DIR | stop DIR" >&2; exit 2 ;;
esac
