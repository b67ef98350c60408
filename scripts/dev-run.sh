#!/usr/bin/env bash
# `make run`: the responder behind nginx on http://127.0.0.1:8080, against the local Supabase Auth
# stand-in (or a real project when SUPABASE_URL is set), until Ctrl-C.
#
# Env: LOGOUT_HTTP_PORT (8080); SUPABASE_URL + SUPABASE_ANON_KEY (+ SUPABASE_JWT_SECRET or JWKS) for a
# real project; LOGOUT_FCGI_BIN to run a given binary instead of building; any LOGOUT_* setting.
set -euo pipefail
SCRIPT_NAME=dev-run
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

HTTP_PORT=${LOGOUT_HTTP_PORT:-8080}
[[ $HTTP_PORT =~ ^[0-9]+$ ]] || die "LOGOUT_HTTP_PORT must be a port number, got '$HTTP_PORT'"
USE_STUB=1
if [[ -n ${SUPABASE_URL-} ]]; then
  USE_STUB=0
  [[ -n ${SUPABASE_ANON_KEY-}${SUPABASE_ANON_KEY_FILE-} ]] || die "SUPABASE_URL is set: set SUPABASE_ANON_KEY too"
fi

require_packages libfcgi-dev libcurl4-openssl-dev nginx curl python3

if [[ -n ${LOGOUT_FCGI_BIN-} ]]; then
  BINARY=$LOGOUT_FCGI_BIN
else
  swift build --product logout-fcgi
  BINARY="$(swift build --show-bin-path)/logout-fcgi"
fi
[[ -x $BINARY ]] || die "no responder binary at $BINARY"

RUN=$(mktemp -d "${TMPDIR:-/tmp}/logout-fcgi-run.XXXXXX")
SOCKET=$RUN/fcgi.sock
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  stop_all
  if ((status == 0 || status == 130 || status == 143)); then
    rm -rf "$RUN"
  else
    show_logs "$RUN"/*.log "$RUN"/*.out
    note "logs kept in $RUN"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- Supabase Auth (the stand-in by default)
if ((USE_STUB)); then
  ANON_KEY=dev-anon-$(python3 -c 'import secrets; print(secrets.token_hex(8))')
  JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  start_background "$RUN/stub.out" python3 Tests/Stub/gotrue_stub.py --port 0 --admin-port 0 \
    --anon-key "$ANON_KEY" --jwt-secret "$JWT_SECRET"
  STUB_PID=$LAST_PID
  wait_for_line "$RUN/stub.out" '^READY ' "$STUB_PID" 10 || die "the Supabase Auth stand-in did not start"
  read -r _ STUB_URL ADMIN_URL < <(grep -m1 '^READY ' "$RUN/stub.out")
  export SUPABASE_URL=$STUB_URL SUPABASE_ANON_KEY=$ANON_KEY SUPABASE_JWT_SECRET=$JWT_SECRET
  unset SUPABASE_ANON_KEY_FILE SUPABASE_JWT_SECRET_FILE SUPABASE_JWKS_FILE SUPABASE_JWKS_URL
  note "Supabase Auth stand-in at $STUB_URL (admin API $ADMIN_URL)"
fi

# ---------------------------------------------------------------- the responder, then nginx in front
# Its JSON log lines go to this terminal.
LOGOUT_LISTEN=unix:$SOCKET "$BINARY" &
RESPONDER_PID=$!
PIDS+=("$RESPONDER_PID")
wait_for_socket "$SOCKET" "$RESPONDER_PID" 15 || die "the responder did not accept on $SOCKET (see its log above)"

render_nginx "$RUN" "127.0.0.1:$HTTP_PORT" "$SOCKET" || die "the rendered nginx.conf does not load"
start_nginx "$RUN"
NGINX_PID=$LAST_PID
BASE=http://127.0.0.1:$HTTP_PORT
wait_for_http "$BASE/healthz" "$NGINX_PID" 10 || die "nginx did not come up on $BASE (port taken? set LOGOUT_HTTP_PORT)"

# ---------------------------------------------------------------- how to call it
# mint_session: a fresh session from the stand-in, printed as "access_token cookie_value".
mint_session() {
  curl -sf -X POST -H 'Content-Type: application/json' -d '{}' "$ADMIN_URL/admin/sessions" | python3 -c '
import base64, json, sys
minted = json.load(sys.stdin)
session = {"access_token": minted["access_token"], "token_type": "bearer", "expires_in": 3600,
           "expires_at": minted["expires_at"], "refresh_token": minted["refresh_token"],
           "user": {"id": minted["user_id"]}}
# @supabase/ssr stores the session as "base64-" + base64url(JSON), without padding.
cookie = "base64-" + base64.urlsafe_b64encode(json.dumps(session, separators=(",", ":")).encode()).decode().rstrip("=")
print(minted["access_token"], cookie)'
}

# csrf_token ACCESS_TOKEN: a random token, or the signed form when LOGOUT_CSRF_SECRET is set.
csrf_token() {
  python3 - "$1" <<'EOF'
import base64, hashlib, hmac, json, os, secrets, sys
nonce = secrets.token_hex(16)
secret = os.environ.get("LOGOUT_CSRF_SECRET", "")
if not secret:
    print(nonce)
    sys.exit(0)
payload = sys.argv[1].split(".")[1]
session_id = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["session_id"]
message = f"{len(session_id)}!{session_id}!{len(nonce)}!{nonce}"
print(hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest() + "." + nonce)
EOF
}

echo
echo "logout-fcgi is up: $BASE/api/auth/logout  (responder pid $RESPONDER_PID, nginx pid $NGINX_PID, files in $RUN)"
echo "  health:  curl -s $BASE/healthz      metrics: curl -s $BASE/metrics"
if ((USE_STUB)); then
  HOST_LABEL=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).hostname.split(".")[0])' "$STUB_URL")
  SESSION_COOKIE=${LOGOUT_COOKIE_NAME:-sb-$HOST_LABEL-auth-token}
  CSRF_COOKIE=${LOGOUT_CSRF_COOKIE:-csrf_token}
  read -r BEARER_TOKEN _ < <(mint_session) || die "could not mint a session at $ADMIN_URL"
  read -r COOKIE_TOKEN COOKIE_VALUE < <(mint_session) || die "could not mint a session at $ADMIN_URL"
  CSRF=$(csrf_token "$COOKIE_TOKEN")
  echo
  echo "Log out with a Bearer token (a fresh session; a second call gets 401 session_not_found):"
  echo "  curl -i -X POST -H \"Authorization: Bearer $BEARER_TOKEN\" $BASE/api/auth/logout"
  echo
  echo "Log out with the session cookie and the CSRF double-submit (another session):"
  echo "  curl -i -X POST -H \"Cookie: $SESSION_COOKIE=$COOKIE_VALUE; $CSRF_COOKIE=$CSRF\" -H \"X-CSRF-Token: $CSRF\" $BASE/api/auth/logout"
  echo
  echo "More sessions:  curl -s -X POST -d '{}' $ADMIN_URL/admin/sessions"
  echo "Live sessions:  curl -s $ADMIN_URL/admin/sessions"
else
  echo
  echo "Against $SUPABASE_URL: sign in to get an access token, e.g. with email and password:"
  echo "  curl -s -X POST \"$SUPABASE_URL/auth/v1/token?grant_type=password\" -H \"apikey: \$SUPABASE_ANON_KEY\" \\"
  echo "       -H 'Content-Type: application/json' -d '{\"email\":\"you@example.com\",\"password\":\"...\"}'"
  echo "  (or in the browser: (await supabase.auth.getSession()).data.session.access_token), then:"
  echo "  curl -i -X POST -H \"Authorization: Bearer <access_token>\" $BASE/api/auth/logout"
fi
echo
echo "Ctrl-C stops everything."

# Until Ctrl-C, or until one of them exits on its own.
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
((status > 128)) && exit "$status"
die "a process exited unexpectedly (status $status)"
