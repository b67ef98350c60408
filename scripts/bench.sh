#!/usr/bin/env bash
# `make bench`: load-test the release responder behind nginx (nginx/dev.conf.template) with wrk, against
# an nginx stand-in for Supabase Auth that answers 204 at once, or after --delay-ms for the slow token.
#
#   scripts/bench.sh [--duration S] [--connections N] [--slow-connections N] [--delay-ms MS]
#                    [--threads N] [--warmup S] [--scenarios ok,reject,slow,slow-tls] [--port-base P]
#                    [--binary PATH] [--baseline PATH] [--runs N] [--keep]
#
# Scenarios: ok (valid Bearer token, 200), reject (no token, 401), slow (valid token, Supabase Auth takes
# --delay-ms, many connections), slow-tls (the same with Supabase Auth behind TLS and HTTP/2, through a
# second responder and nginx). --baseline measures another build (e.g. an older release) beside this one
# in ok, reject and slow, each scenario for both before the next; --runs repeats everything and prints
# each run, then the medians and the median of each ratio, and the CPU per request of each process
# group. Everything listens on 127.0.0.1; every wrk run stops after --duration. LOGOUT_* variables in
# the environment reach the responders (LOGOUT_SCOPE is forced to local).
set -euo pipefail
SCRIPT_NAME=bench
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

DURATION=10 CONNECTIONS=64 SLOW_CONNECTIONS=512 DELAY_MS=50 THREADS=2 WARMUP=2 PORT_BASE=18280
SCENARIOS=ok,reject,slow,slow-tls BINARY="" BASELINE="" RUNS=1 KEEP=0
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
positive() { [[ ${2-} =~ ^[0-9]+$ && $2 -gt 0 ]] || die "$1 needs a positive integer, got '${2-}'"; }
while (($#)); do
  case $1 in
    --duration) positive "$1" "${2-}"; DURATION=$2; shift 2 ;;
    --connections) positive "$1" "${2-}"; CONNECTIONS=$2; shift 2 ;;
    --slow-connections) positive "$1" "${2-}"; SLOW_CONNECTIONS=$2; shift 2 ;;
    --delay-ms) positive "$1" "${2-}"; DELAY_MS=$2; shift 2 ;;
    --threads) positive "$1" "${2-}"; THREADS=$2; shift 2 ;;
    --port-base) positive "$1" "${2-}"; PORT_BASE=$2; shift 2 ;;
    --warmup) [[ ${2-} =~ ^[0-9]+$ ]] || die "--warmup needs seconds (0 for none)"; WARMUP=$2; shift 2 ;;
    --scenarios) SCENARIOS=${2-}; shift 2 ;;
    --binary) BINARY=${2-}; shift 2 ;;
    --baseline) BASELINE=${2-}; shift 2 ;;
    --runs) positive "$1" "${2-}"; RUNS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
IFS=, read -ra SCENARIO_LIST <<<"$SCENARIOS"
for scenario in "${SCENARIO_LIST[@]}"; do
  [[ $scenario =~ ^(ok|reject|slow|slow-tls)$ ]] || die "unknown scenario '$scenario' (ok, reject, slow, slow-tls)"
done

require_packages nginx libnginx-mod-http-echo wrk curl python3
ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
[[ -f $ECHO_MODULE ]] || die "$ECHO_MODULE not found (libnginx-mod-http-echo)"
if [[ -z $BINARY ]]; then
  # The build make release and make deb make, so that the three share one set of products.
  swift build -c release --static-swift-stdlib --product logout-fcgi
  BINARY="$(swift build -c release --static-swift-stdlib --show-bin-path)/logout-fcgi"
fi
[[ -x $BINARY ]] || die "no responder binary at $BINARY"
[[ -z $BASELINE || -x $BASELINE ]] || die "no baseline binary at $BASELINE"

# ---------------------------------------------------------------- run directory and cleanup
RUN=$(mktemp -d "${TMPDIR:-/tmp}/logout-fcgi-bench.XXXXXX")
mkdir -p "$RUN/stub/tls"
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  stop_all
  if ((KEEP || status)); then note "files kept in $RUN"; else rm -rf "$RUN"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

FRONT_PORT=$PORT_BASE STUB_PORT=$((PORT_BASE + 1)) STUB_TLS_PORT=$((PORT_BASE + 2)) FRONT_TLS_PORT=$((PORT_BASE + 3))
FRONT_BASE_PORT=$((PORT_BASE + 4))
FRONT_URL=http://127.0.0.1:$FRONT_PORT/api/auth/logout
FRONT_BASE_URL=http://127.0.0.1:$FRONT_BASE_PORT/api/auth/logout
FRONT_TLS_URL=http://127.0.0.1:$FRONT_TLS_PORT/api/auth/logout
STUB_URL=http://127.0.0.1:$STUB_PORT
STUB_TLS_URL=https://localhost:$STUB_TLS_PORT
SOCKET=$RUN/fcgi.sock SOCKET_TLS=$RUN/fcgi-tls.sock SOCKET_BASE=$RUN/fcgi-base.sock
ANON_KEY=bench-anon-$(python3 -c 'import secrets; print(secrets.token_hex(8))')
JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
DELAY_SECONDS=$(awk -v ms="$DELAY_MS" 'BEGIN { printf "%.3f", ms / 1000 }')

# ---------------------------------------------------------------- tokens: HS256 with Supabase's claims, exp in 10 years
mint_token() { # SECRET SESSION_ID
  python3 - "$1" "$STUB_URL/auth/v1" "$2" <<'EOF'
import base64, hashlib, hmac, json, sys, time
secret, issuer, session_id = sys.argv[1:]
def encode(part):
    return base64.urlsafe_b64encode(json.dumps(part, separators=(",", ":")).encode()).rstrip(b"=").decode()
now = int(time.time())
claims = {
    "iss": issuer, "sub": "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b", "aud": "authenticated",
    "exp": now + 10 * 365 * 86400, "iat": now, "email": "bench@example.com", "phone": "",
    "app_metadata": {"provider": "email", "providers": ["email"]}, "user_metadata": {},
    "role": "authenticated", "aal": "aal1", "amr": [{"method": "password", "timestamp": now}],
    "session_id": session_id, "is_anonymous": False,
}
signing_input = encode({"alg": "HS256", "typ": "JWT"}) + "." + encode(claims)
signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
print(signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode())
EOF
}
TOKEN_OK=$(mint_token "$JWT_SECRET" 2d0c7d1e-5b8a-4c3f-9e21-000000000001)
TOKEN_SLOW=$(mint_token "$JWT_SECRET" 2d0c7d1e-5b8a-4c3f-9e21-000000000002) # the stand-in delays this one
TOKEN_FORGED=$(mint_token "other-$JWT_SECRET" 2d0c7d1e-5b8a-4c3f-9e21-000000000001)

# ---------------------------------------------------------------- Supabase Auth stand-in (nginx + echo module)
# A private CA and a certificate for localhost, made for this run as the TLS tests make them.
python3 - "$RUN/stub/tls" <<'EOF' || die "could not make the test certificates (python3-cryptography)"
import sys
from pathlib import Path
sys.path.insert(0, "Tests/Stub")
import tls_front
tls_front.write_certificates(Path(sys.argv[1]))
EOF
USER_DIRECTIVE=""
((EUID != 0)) || USER_DIRECTIVE="user root;"
cat >"$RUN/stub/locations.conf" <<EOF
location = /auth/v1/logout {
  if (\$http_apikey != "$ANON_KEY") { return 401 '{"message":"Invalid API key"}'; }
  if (\$http_x_supabase_api_version != "2024-01-01") { return 400 '{"code":"bench","message":"no API version"}'; }
  if (\$http_authorization !~ "^Bearer [^ ]+\$") { return 401 '{"code":"no_authorization","message":"no Bearer"}'; }
  if (\$arg_scope != "local") { return 400 '{"code":"validation_failed","message":"scope"}'; }
  if (\$http_authorization = "Bearer $TOKEN_SLOW") { rewrite ^ /slow-logout last; }
  return 204;
}
location = /slow-logout { internal; echo_sleep $DELAY_SECONDS; echo_status 204; }
# The project's JWKS, as Supabase Auth serves it to a project that signs with its HS256 secret
# only: no keys, cached for ten minutes. The responder fetches it at start.
location = /auth/v1/.well-known/jwks.json {
  add_header Cache-Control "public, max-age=600";
  return 200 '{"keys":[]}';
}
# The issuer Supabase Auth names, the one the tokens carry (the plain URL's).
location = /auth/v1/.well-known/openid-configuration {
  add_header Cache-Control "public, max-age=600";
  return 200 '{"issuer":"$STUB_URL/auth/v1","jwks_uri":"$STUB_URL/auth/v1/.well-known/jwks.json"}';
}
location = /ready { return 204; }
location / { return 404; }
EOF
cat >"$RUN/stub/nginx.conf" <<EOF
load_module $ECHO_MODULE;
$USER_DIRECTIVE
daemon off;
worker_processes auto;
worker_rlimit_nofile 16384;
pid $RUN/stub/nginx.pid;
error_log $RUN/stub/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  # Also keeps an HTTP/2 connection open past nginx's default of 1,000 streams.
  keepalive_requests 1000000;
  client_body_temp_path $RUN/stub/client_body_temp;
  proxy_temp_path $RUN/stub/proxy_temp;
  fastcgi_temp_path $RUN/stub/fastcgi_temp;
  uwsgi_temp_path $RUN/stub/uwsgi_temp;
  scgi_temp_path $RUN/stub/scgi_temp;
  default_type application/json;
  # Anything but a 2xx means the responder called Supabase Auth wrongly: logged, and the run fails.
  map \$status \$refused { ~^2 0; default 1; }
  log_format refused '\$status \$request_method \$uri scope=\$arg_scope version=\$http_x_supabase_api_version';
  log_format handshakes '\$connection \$ssl_session_reused \$server_protocol \$status';

  server {
    listen 127.0.0.1:$STUB_PORT backlog=4096;
    access_log $RUN/stub/refused.log refused if=\$refused;
    include $RUN/stub/locations.conf;
  }
  # The same behind TLS with HTTP/2 by ALPN, as every Supabase project is reached. One line per request
  # with its connection's serial number and whether the TLS session was resumed, to count handshakes.
  server {
    listen 127.0.0.1:$STUB_TLS_PORT ssl http2 backlog=4096;
    ssl_certificate $RUN/stub/tls/h2.pem;
    ssl_certificate_key $RUN/stub/tls/h2.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:bench_tls:1m;
    access_log $RUN/stub/refused.log refused if=\$refused;
    access_log $RUN/stub/tls.log handshakes buffer=64k flush=1s;
    include $RUN/stub/locations.conf;
  }
}
EOF
nginx -t -q -p "$RUN/stub" -e "$RUN/stub/error.log" -c "$RUN/stub/nginx.conf" || die "the stand-in's nginx.conf does not load"
start_background "$RUN/stub/nginx.out" nginx -p "$RUN/stub" -e "$RUN/stub/error.log" -c "$RUN/stub/nginx.conf"
STUB_PID=$LAST_PID
wait_for_http "$STUB_URL/ready" "$STUB_PID" 10 || { show_logs "$RUN/stub/error.log"; die "the stand-in did not come up"; }

# ---------------------------------------------------------------- the responders and nginx in front of each
# One pair against the plain stand-in, one against its TLS listener (trusting the run's CA through
# SUPABASE_CA_FILE; the tokens name the plain URL as their issuer).
unset SUPABASE_ANON_KEY_FILE SUPABASE_JWT_SECRET_FILE SUPABASE_JWKS_FILE SUPABASE_JWKS_URL SUPABASE_CA_FILE LOGOUT_JWT_ISSUER
start_pair() { # NAME BINARY SOCKET FRONT_PORT ENV...: sets PAIR_RESPONDER_PID and PAIR_FRONT_PID
  local name=$1 binary=$2 socket=$3 port=$4
  shift 4
  start_background "$RUN/$name.log" env SUPABASE_ANON_KEY="$ANON_KEY" SUPABASE_JWT_SECRET="$JWT_SECRET" \
    LOGOUT_SCOPE=local LOGOUT_LISTEN="unix:$socket" "$@" "$binary"
  PAIR_RESPONDER_PID=$LAST_PID
  wait_for_socket "$socket" "$PAIR_RESPONDER_PID" 15 || { show_logs "$RUN/$name.log"; die "the $name responder did not start"; }
  render_nginx "$RUN/front-$name" "127.0.0.1:$port" "$socket" || die "the rendered nginx.conf does not load"
  start_nginx "$RUN/front-$name"
  PAIR_FRONT_PID=$LAST_PID
  wait_for_http "http://127.0.0.1:$port/healthz" "$LAST_PID" 10 ||
    { show_logs "$RUN/front-$name/error.log" "$RUN/$name.log"; die "nginx did not come up on port $port"; }
}
mkdir -p "$RUN/front-plain" "$RUN/front-tls" "$RUN/front-base"
start_pair plain "$BINARY" "$SOCKET" "$FRONT_PORT" SUPABASE_URL="$STUB_URL"
RESPONDER_PID=$PAIR_RESPONDER_PID FRONT_PID=$PAIR_FRONT_PID
start_pair tls "$BINARY" "$SOCKET_TLS" "$FRONT_TLS_PORT" SUPABASE_URL="$STUB_TLS_URL" \
  SUPABASE_CA_FILE="$RUN/stub/tls/ca.pem" LOGOUT_JWT_ISSUER="$STUB_URL/auth/v1"
RESPONDER_TLS_PID=$PAIR_RESPONDER_PID FRONT_TLS_PID=$PAIR_FRONT_PID
RESPONDER_BASE_PID="" FRONT_BASE_PID=""
if [[ -n $BASELINE ]]; then
  start_pair base "$BASELINE" "$SOCKET_BASE" "$FRONT_BASE_PORT" SUPABASE_URL="$STUB_URL"
  RESPONDER_BASE_PID=$PAIR_RESPONDER_PID FRONT_BASE_PID=$PAIR_FRONT_PID
fi

# ---------------------------------------------------------------- pre-flight: never time a broken setup
post() { curl -s -o "$RUN/preflight.body" -w '%{http_code} %{time_total}' --max-time 10 -X POST "$@" || true; }
expect() { # LABEL "STATUS TIME" WANT_STATUS WANT_BODY_PART
  local label=$1 status=${2%% *} want_status=$3 want_body=$4
  [[ $status == "$want_status" ]] && grep -qF "$want_body" "$RUN/preflight.body" && return 0
  echo "--- body: $(head -c 500 "$RUN/preflight.body")" >&2
  show_logs "$RUN/plain.log" "$RUN/tls.log" "$RUN/front-plain/error.log" "$RUN/stub/refused.log" "$RUN/stub/error.log"
  die "pre-flight '$label': got $status, want $want_status with $want_body"
}
expect "valid token" "$(post -H "Authorization: Bearer $TOKEN_OK" "$FRONT_URL")" 200 '{"data":{"success":true}}'
expect "no token" "$(post "$FRONT_URL")" 401 '"code":"missing_token"'
expect "forged token" "$(post -H "Authorization: Bearer $TOKEN_FORGED" "$FRONT_URL")" 401 '"code":"invalid_token"'
expect "valid token over TLS" "$(post -H "Authorization: Bearer $TOKEN_OK" "$FRONT_TLS_URL")" 200 '{"data":{"success":true}}'
SLOW_URLS=("$FRONT_URL" "$FRONT_TLS_URL")
if [[ -n $BASELINE ]]; then
  expect "valid token (baseline)" "$(post -H "Authorization: Bearer $TOKEN_OK" "$FRONT_BASE_URL")" 200 '{"data":{"success":true}}'
  expect "no token (baseline)" "$(post "$FRONT_BASE_URL")" 401 '"code":"missing_token"'
  SLOW_URLS+=("$FRONT_BASE_URL")
fi
for url in "${SLOW_URLS[@]}"; do
  result=$(post -H "Authorization: Bearer $TOKEN_SLOW" "$url")
  expect "slow token ($url)" "$result" 200 '{"data":{"success":true}}'
  elapsed_ms=$(awk -v t="${result#* }" 'BEGIN { printf "%d", t * 1000 }')
  ((elapsed_ms >= DELAY_MS)) || die "pre-flight 'slow token' took $elapsed_ms ms < $DELAY_MS ms: Supabase Auth was not called"
done
[[ ! -s $RUN/stub/refused.log ]] || { show_logs "$RUN/stub/refused.log"; die "the stand-in refused calls (see above)"; }
note "pre-flight ok (slow round trip ${elapsed_ms} ms over TLS)"

# ---------------------------------------------------------------- load
cat >"$RUN/post.lua" <<'EOF'
wrk.method = "POST"
local token = os.getenv("BENCH_TOKEN")
if token ~= nil and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
EOF

# run_wrk TOKEN CONNECTIONS SECONDS OUT [URL]: wrk in the background so Ctrl-C reaches this script's trap.
run_wrk() {
  local threads=$((THREADS < $2 ? THREADS : $2))
  BENCH_TOKEN=$1 start_background "$4" wrk -t"$threads" -c"$2" -d"$3s" --timeout 10s -s "$RUN/post.lua" "${5:-$FRONT_URL}"
  wait "$LAST_PID" || true
  unset 'PIDS[-1]'
}

# sample_rss PID OUT: the highest VmRSS (kB) of PID, every 100 ms, into OUT until stopped.
sample_rss() {
  local peak=0 rss
  while rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null) && [[ -n $rss ]]; do
    if ((rss > peak)); then peak=$rss; echo "$peak" >"$2"; fi
    sleep 0.1
  done
}

# settle: until the machine is below 10% busy (at most 10 s), so one run's leftovers don't slow the next.
cpu_busy_total() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
settle() {
  local attempt busy0 total0 busy1 total1
  for attempt in {1..20}; do
    read -r busy0 total0 < <(cpu_busy_total)
    sleep 0.5
    read -r busy1 total1 < <(cpu_busy_total)
    (((busy1 - busy0) * 10 < total1 - total0)) && return 0
  done
  note "the machine is still busy (other work?): measuring anyway"
}

# process_ticks PID...: CPU clock ticks (user and system) of each PID and of its children (nginx's workers).
process_ticks() {
  local pid child ticks total=0
  for pid in "$@"; do
    for child in "$pid" $(pgrep -P "$pid" || true); do
      ticks=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$child/stat" 2>/dev/null) || ticks=0
      total=$((total + ${ticks:-0}))
    done
  done
  echo "$total"
}
CLOCK_TICKS=$(getconf CLK_TCK)

if ((WARMUP)); then
  # Every responder measured with many connections waiting on Supabase Auth gets that load first too, so that
  # none is measured while it still grows its heap and opens its connections.
  note "warm-up: ${WARMUP}s"
  run_wrk "$TOKEN_OK" "$CONNECTIONS" "$WARMUP" "$RUN/wrk-warmup.out"
  warm_urls=()
  [[ " ${SCENARIO_LIST[*]} " != *" slow "* ]] || warm_urls+=("$FRONT_URL")
  [[ " ${SCENARIO_LIST[*]} " != *" slow-tls "* ]] || warm_urls+=("$FRONT_TLS_URL")
  [[ -z $BASELINE || " ${SCENARIO_LIST[*]} " != *" slow "* ]] || warm_urls+=("$FRONT_BASE_URL")
  for url in "${warm_urls[@]}"; do
    run_wrk "$TOKEN_SLOW" "$SLOW_CONNECTIONS" "$WARMUP" "$RUN/wrk-warmup.out" "$url"
  done
fi

# measure RUN SCENARIO BUILD: one wrk run; appends the row
# "run scenario build conns req/s p50-us p99-us non2xx sockerr peak-rss-KiB check" to $RUN/rows, and
# "run scenario build responder front stand-in rest idle" to $RUN/cpu: CPU microseconds per request of the
# responder, its nginx, the stand-in and the rest of the machine (wrk, this script), and the idle percentage.
measure() {
  local run=$1 scenario=$2 build=$3 token connections url pid front log
  case $scenario in
    ok) token=$TOKEN_OK connections=$CONNECTIONS ;;
    reject) token="" connections=$CONNECTIONS ;;
    slow | slow-tls) token=$TOKEN_SLOW connections=$SLOW_CONNECTIONS ;;
  esac
  case $scenario/$build in
    slow-tls/this) url=$FRONT_TLS_URL pid=$RESPONDER_TLS_PID front=$FRONT_TLS_PID log=tls ;;
    */this) url=$FRONT_URL pid=$RESPONDER_PID front=$FRONT_PID log=plain ;;
    */base) url=$FRONT_BASE_URL pid=$RESPONDER_BASE_PID front=$FRONT_BASE_PID log=base ;;
  esac
  settle
  note "$scenario ($build): $connections connections, ${DURATION}s"
  rm -f "$RUN/rss"
  sample_rss "$pid" "$RUN/rss" &
  SAMPLER_PID=$!
  PIDS+=("$SAMPLER_PID")
  local busy0 total0 busy1 total1 responder0 front0 stub0
  read -r busy0 total0 < <(cpu_busy_total)
  responder0=$(process_ticks "$pid") front0=$(process_ticks "$front") stub0=$(process_ticks "$STUB_PID")
  run_wrk "$token" "$connections" "$DURATION" "$RUN/wrk.out" "$url"
  read -r busy1 total1 < <(cpu_busy_total)
  local responder=$(($(process_ticks "$pid") - responder0)) frontend=$(($(process_ticks "$front") - front0))
  local stub=$(($(process_ticks "$STUB_PID") - stub0))
  stop_pid "$SAMPLER_PID"
  unset 'PIDS[-1]'
  kill -0 "$pid" 2>/dev/null || { show_logs "$RUN/$log.log"; die "the $build responder died during $scenario"; }
  grep -q '^RESULT' "$RUN/wrk.out" || { cat "$RUN/wrk.out" >&2; die "wrk gave no result for $scenario"; }
  local requests micros p50 p99 non2xx socket_errors expected
  read -r _ requests micros p50 p99 non2xx socket_errors < <(grep '^RESULT' "$RUN/wrk.out")
  if [[ $scenario == reject ]]; then expected=$((non2xx == requests)); else expected=$((non2xx == 0)); fi
  ((socket_errors == 0 && requests > 0)) || expected=0
  echo "$run $scenario $build $connections $(awk -v n="$requests" -v d="$micros" 'BEGIN { printf "%.0f", n * 1e6 / d }') \
$p50 $p99 $non2xx $socket_errors $(cat "$RUN/rss" 2>/dev/null || echo 0) $( ((expected)) && echo ok || echo UNEXPECTED)" >>"$RUN/rows"
  awk -v run="$run" -v key="$scenario $build" -v n="$requests" -v hz="$CLOCK_TICKS" -v r="$responder" -v f="$frontend" \
    -v s="$stub" -v busy=$((busy1 - busy0)) -v total=$((total1 - total0)) 'BEGIN {
      us = 1e6 / hz / (n > 0 ? n : 1)
      printf "%s %s %.1f %.1f %.1f %.1f %.1f\n", run, key, r * us, f * us, s * us, (busy - r - f - s) * us,
        (total > 0 ? 100 * (total - busy) / total : 0) }' >>"$RUN/cpu"
}

: >"$RUN/rows"
: >"$RUN/cpu"
for ((run = 1; run <= RUNS; run++)); do
  for scenario in "${SCENARIO_LIST[@]}"; do
    measure "$run" "$scenario" this
    [[ -z $BASELINE || $scenario == slow-tls ]] || measure "$run" "$scenario" base
  done
done

# ---------------------------------------------------------------- report
# Each run's table, then (with --runs above 1, --baseline or slow-tls) the medians over the runs and the
# median of each per-run ratio: this build over the baseline, slow-tls over slow. Last, where the CPU went
# per request: in a scenario bound by CPU (every one on a small machine), two rows differ in throughput
# about as much as in total CPU per request.
awk -v runs="$RUNS" -v rows="$RUN/rows" '
  function median(list, n,   i, j, t) {
    for (i = 2; i <= n; i++) for (j = i; j > 1 && list[j - 1] > list[j]; j--) { t = list[j]; list[j] = list[j - 1]; list[j - 1] = t }
    return n % 2 ? list[(n + 1) / 2] : (list[n / 2] + list[n / 2 + 1]) / 2
  }
  function row(label, build, conns, rate, p50, p99, non2xx, sockerr, rss, check) {
    printf "%-8s %-5s %6s %10s %11s %11s %8s %8s %11s  %s\n", label, build, conns, rate, p50, p99, non2xx, sockerr, rss, check
  }
  FILENAME == rows {
    run = $1; key = $2 " " $3
    if (!(key in seen)) { seen[key] = 1; order[++keys] = key }
    line[run] = line[run] sprintf("%-8s %-5s %6d %10d %9.2fms %9.2fms %8d %8d %8.1fMiB  %s\n", $2, $3, $4, $5, $6 / 1000, $7 / 1000, $8, $9, $10 / 1024, $11)
    rate[run, key] = $5; p99[run, key] = $7 / 1000
    if ($10 > rss[key]) rss[key] = $10
    next
  }
  { key = $2 " " $3; for (c = 4; c <= 8; c++) cpu[key, c, ++cpus[key, c]] = $c }
  END {
    for (r = 1; r <= runs; r++) {
      printf "\nrun %d of %d\n", r, runs
      row("scenario", "build", "conns", "req/s", "p50", "p99", "non-2xx", "sockerr", "peak RSS", "check")
      printf "%s", line[r]
    }
    if (runs > 1 || ("ok base" in seen) || ("reject base" in seen) || ("slow base" in seen) || ("slow-tls this" in seen)) {
      printf "\nmedian of %d run(s)\n", runs
      printf "%-8s %-5s %10s %11s %11s\n", "scenario", "build", "req/s", "p99", "peak RSS"
      for (k = 1; k <= keys; k++) {
        key = order[k]; split(key, part, " ")
        for (r = 1; r <= runs; r++) { a[r] = rate[r, key]; b[r] = p99[r, key] }
        printf "%-8s %-5s %10.0f %9.2fms %8.1fMiB\n", part[1], part[2], median(a, runs), median(b, runs), rss[key] / 1024
      }
      printf "\nratios (median of the per-run ratios)\n"
      for (k = 1; k <= keys; k++) {
        key = order[k]; split(key, part, " ")
        if (part[2] != "base") continue
        for (r = 1; r <= runs; r++) a[r] = rate[r, part[1] " this"] / rate[r, key]
        printf "%-8s this build / baseline: %.3f\n", part[1], median(a, runs)
      }
      if (("slow-tls this" in seen) && ("slow this" in seen)) {
        for (r = 1; r <= runs; r++) { a[r] = rate[r, "slow-tls this"] / rate[r, "slow this"]; b[r] = p99[r, "slow-tls this"] - p99[r, "slow this"] }
        printf "slow-tls / slow: %.3f req/s, p99 %+.2f ms\n", median(a, runs), median(b, runs)
      }
    }
    printf "\nCPU per request in microseconds (median of %d run(s)) and the machine'"'"'s idle time\n", runs
    printf "%-8s %-5s %10s %8s %9s %8s %8s %7s\n", "scenario", "build", "responder", "nginx", "stand-in", "rest", "total", "idle"
    for (k = 1; k <= keys; k++) {
      key = order[k]; split(key, part, " ")
      for (c = 4; c <= 8; c++) {
        for (r = 1; r <= cpus[key, c]; r++) a[r] = cpu[key, c, r]
        m[c] = median(a, cpus[key, c])
      }
      printf "%-8s %-5s %10.1f %8.1f %9.1f %8.1f %8.1f %6.1f%%\n", part[1], part[2], m[4], m[5], m[6], m[7], m[4] + m[5] + m[6] + m[7], m[8]
    }
  }' "$RUN/rows" "$RUN/cpu"
echo
peak() { awk '/^VmHWM:/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }
FAILED=0
echo "responder: $BINARY (peak RSS since start: $(peak "$RESPONDER_PID"), over TLS $(peak "$RESPONDER_TLS_PID"));"
[[ -z $BASELINE ]] || echo "baseline: $BASELINE (peak RSS since start: $(peak "$RESPONDER_BASE_PID"));"
echo "nginx workers: auto ($(nproc) cores); wrk threads: $THREADS."
echo "ok and slow expect only 2xx, reject only 401s. slow: Supabase Auth answers after ${DELAY_MS} ms, so no setup"
echo "can exceed $((SLOW_CONNECTIONS * 1000 / DELAY_MS)) req/s ($SLOW_CONNECTIONS connections / ${DELAY_MS} ms)."
if [[ " ${SCENARIO_LIST[*]} " == *" slow-tls "* ]]; then
  # The access log is written at least every second; then count connections (one handshake each) and resumptions.
  sleep 1.5
  read -r handshakes resumed streams http2 < <(awk '{ if (!($1 in seen)) { seen[$1] = 1; n++; if ($2 == "r") r++ }
    s++; if ($3 == "HTTP/2.0") h++ } END { printf "%d %d %d %d\n", n, r, s, h }' "$RUN/stub/tls.log")
  echo "slow-tls: Supabase Auth behind TLS + HTTP/2 ($streams requests, $http2 over HTTP/2, the pre-flight's"
  echo "and the JWKS fetch included): $handshakes TLS handshakes, $((handshakes - resumed)) full, $resumed resumed."
  ((handshakes <= 8)) || { echo "more than 8 TLS handshakes: connections were not reused"; FAILED=1; }
fi
echo "wrk, both nginx and the responder share this machine: compare runs with each other, not with production."
grep -q UNEXPECTED "$RUN/rows" && FAILED=1
exit "$FAILED"
