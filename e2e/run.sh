#!/usr/bin/env bash
# Browser test: a real server with a fresh SQLite data directory, the built SPA, and headless
# Debian Chromium driven by playwright-core through node's test runner.
#
# Needs: dist/ (trunk build --release --offline), target/release/tachiai (or TACHIAI_BIN),
# node_modules (npm ci), /usr/bin/chromium (or TACHIAI_CHROMIUM).
# Screenshots of every page at 1366×768 and 390×844 land in e2e/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BIN="${TACHIAI_BIN:-$ROOT/target/release/tachiai}"
if [[ ! -x "$BIN" ]]; then
  echo "e2e: server binary not found at $BIN (cargo build --release -p backend, or set TACHIAI_BIN)" >&2
  exit 1
fi
if [[ ! -f "$ROOT/dist/index.html" ]]; then
  echo "e2e: dist/index.html missing (run: trunk build --release --offline)" >&2
  exit 1
fi
if [[ ! -d "$ROOT/node_modules/playwright-core" ]]; then
  npm ci --omit=optional --no-audit --no-fund
fi
export TACHIAI_CHROMIUM="${TACHIAI_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$TACHIAI_CHROMIUM" ]]; then
  echo "e2e: chromium not found at $TACHIAI_CHROMIUM (apt-get install chromium)" >&2
  exit 1
fi

PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
DATA="$(mktemp -d -t tachiai-e2e.XXXXXX)"
ADMIN_PASSWORD="Tachiai-e2e-$(date +%s)-pass"
SERVER_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f "$DATA/server.log" ]]; then
    echo "--- server log (last 60 lines) ---" >&2
    tail -n 60 "$DATA/server.log" >&2 || true
  fi
  if [[ -n "${SMS_GATEWAY_PID:-}" ]]; then
    kill "$SMS_GATEWAY_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA"
  exit "$rc"
}
trap cleanup EXIT INT TERM

# The SMS gateway the counterparties' SMS verification posts to (e2e/operations.test.mjs): the
# tests' own provider process, fed on a coprocess pipe, so it ends with this script.
SMS_DIR="$DATA/sms"
SMS_PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
SMS_KEY="e2e-sms-key-$(date +%s)"
mkdir -p "$SMS_DIR"
printf '%s' "$SMS_KEY" >"$SMS_DIR/key"
coproc SMS_GATEWAY { exec python3 "$ROOT/backend/tests/sms_provider.py" "$SMS_PORT" "$SMS_DIR"; }
read -r -t 20 sms_ready <&"${SMS_GATEWAY[0]}" || true
if [[ "${sms_ready:-}" != ready ]]; then
  echo "e2e: the SMS gateway (backend/tests/sms_provider.py) did not start" >&2
  exit 1
fi

# Every browser of the suite is 127.0.0.1: the per-address rate limits (meant for one client
# each) are lifted; tests/api/limits.rs covers them.

TACHIAI_DATA_DIR="$DATA" \
TACHIAI_BIND="127.0.0.1:$PORT" \
TACHIAI_INITIAL_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
TACHIAI_DIST_DIR="$ROOT/dist" \
TACHIAI_RATE_LIMIT_ANONYMOUS_PER_MINUTE=100000 \
TACHIAI_RATE_LIMIT_LOGIN_PER_MINUTE=100000 \
TACHIAI_SMS_PROVIDER_URL="http://127.0.0.1:$SMS_PORT/send" \
TACHIAI_SMS_PROVIDER_KEY="$SMS_KEY" \
  "$BIN" serve >"$DATA/server.log" 2>&1 &
SERVER_PID=$!

URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  if curl -fsS "$URL/api/v1/health" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "e2e: the server exited during start-up" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$URL/api/v1/health" >/dev/null

mkdir -p "$ROOT/e2e/screenshots"
export TACHIAI_URL="$URL"
export TACHIAI_ADMIN_PASSWORD="$ADMIN_PASSWORD"
# The tests read the counterparty's mails (links, one-time codes) from the file outbox.
export TACHIAI_E2E_OUTBOX="$DATA/outbox"
export TACHIAI_E2E_SMS_DIR="$SMS_DIR"
# Arguments: test files to run instead of all of e2e/ (e.g. e2e/a11y.test.mjs).
if [[ $# -gt 0 ]]; then
  node --test "$@"
else
  node --test "$ROOT/e2e/"
fi
