# Shell helpers shared by scripts/pg.sh, scripts/run.sh, contract/run.sh and bench/run.sh.
# Sourced, not run: plain bash, no curl needed.

# True when something listens on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# The first free loopback port from FROM on.
free_port() {
  local port
  for port in $(seq "$1" 60999); do
    if ! port_in_use "$port"; then
      echo "$port"
      return
    fi
  done
  echo "no free port" >&2
  exit 1
}

# Status code of GET http://127.0.0.1:PORT/PATH, or nothing.
http_status() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    read -r -t 10 _ code _ <&3
    echo "$code"
  ) 2>/dev/null || true
}

# "STATUS VALUE": status code of GET http://127.0.0.1:PORT/PATH and the value of its response header NAME
# (empty when absent), or nothing when nobody answers.
http_status_and_header() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1"
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&3
    read -r -t 10 _ code _ <&3
    local line value=""
    while IFS= read -r -t 10 line <&3; do
      line=${line%$'\r'}
      [[ -z "$line" ]] && break
      if [[ "${line,,}" == "${3,,}:"* ]]; then
        value=${line#*:}
        value=${value# }
      fi
    done
    echo "$code $value"
  ) 2>/dev/null || true
}

# BYTES (default 32) random bytes, base64 on one line: throwaway keys for test and benchmark runs.
random_key() {
  head -c "${1:-32}" /dev/urandom | base64 | tr -d '\n'
}
