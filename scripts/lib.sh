# Helpers shared by scripts/dev-run.sh and scripts/bench.sh (sourced, not run).
# The caller sets SCRIPT_NAME and keeps the pids of what it starts in the array PIDS.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PIDS=()

die() { echo "$SCRIPT_NAME: $*" >&2; exit 1; }
note() { echo "$SCRIPT_NAME: $*" >&2; }

# require_packages PKG...: install the missing Debian packages when root; otherwise name the command and fail.
require_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  if ((EUID != 0)); then
    note "missing packages: ${missing[*]}"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  note "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# start_background LOG COMMAND...: start COMMAND with stdout and stderr to LOG; its pid goes to PIDS and $LAST_PID.
start_background() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# stop_pid PID: SIGTERM, up to 5 s to exit (the responder drains in-flight requests), then SIGKILL.
stop_pid() {
  local pid=$1 attempt
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  for attempt in {1..50}; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# stop_all: stop what was started, newest first (nginx before the responder before the stub).
stop_all() {
  local index
  for ((index = ${#PIDS[@]} - 1; index >= 0; index--)); do
    stop_pid "${PIDS[index]}"
  done
  PIDS=()
}

# wait_for_line FILE PATTERN PID [SECONDS]: until FILE has a line matching PATTERN; fails if PID exits first.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 limit=${4:-10} attempt
  for ((attempt = 0; attempt < limit * 20; attempt++)); do
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# wait_for_socket PATH PID [SECONDS]: until a unix socket at PATH accepts a connection; fails if PID exits first.
wait_for_socket() {
  python3 - "$1" "$2" "${3:-15}" <<'EOF'
import os, socket, sys, time
path, pid, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(1)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.connect(path)
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# wait_for_http URL PID [SECONDS]: until URL answers with any HTTP status but 502/504; fails if PID exits first.
wait_for_http() {
  local url=$1 pid=$2 limit=${3:-10} attempt code
  for ((attempt = 0; attempt < limit * 10; attempt++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
    [[ $code == 000 || $code == 502 || $code == 504 ]] || return 0
    sleep 0.1
  done
  return 1
}

# show_logs FILE...: the tail of each non-empty file, to stderr.
show_logs() {
  local file
  for file in "$@"; do
    [[ -s $file ]] || continue
    echo "--- $file" >&2
    tail -n 20 "$file" >&2
  done
}

# render_nginx DIR LISTEN SOCKET: write DIR/nginx.conf from nginx/dev.conf.template and check it loads.
render_nginx() {
  python3 "$REPO_ROOT/scripts/render-nginx.py" --prefix "$1" --listen "$2" --socket "$3" >"$1/nginx.conf"
  nginx -t -q -p "$1" -e "$1/error.log" -c "$1/nginx.conf"
}

# start_nginx DIR: nginx in the foreground of a background job (the template says `daemon off`).
start_nginx() {
  start_background "$1/nginx.out" nginx -p "$1" -e "$1/error.log" -c "$1/nginx.conf"
}
