#!/usr/bin/env bash
# Fuzzes the live API from openapi.yaml with schemathesis: no 5xx, and every response must
# match the schema. Starts the real binary on a fresh SQLite database (or on
# $SCHEMATHESIS_DATABASE_URL), with a platform admin's token so protected operations are
# exercised beyond their 401s. Bounded: a few examples per operation and a time budget.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v schemathesis >/dev/null || python3 -m pip install -q schemathesis

cargo build -q --bin kurultai
BIN=$(pwd)/target/debug/kurultai
WORK=$(mktemp -d)
PORT=$((40000 + RANDOM % 20000))
cleanup() { [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

export KURULTAI_DATA_DIR=$WORK/data
# Staff are invited by e-mail; written as files here, where the first admin's invitation is read.
export KURULTAI_MAIL__TRANSPORT=file
export KURULTAI_BIND=127.0.0.1:$PORT
export DATABASE_URL=${SCHEMATHESIS_DATABASE_URL:-sqlite://$WORK/data/kurultai.db}
# Fuzzing logs in often; keep the throttle out of the way of everything but its own 429s.
export KURULTAI_RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE=100000
export KURULTAI_RATE_LIMIT__LOGIN_PER_IP_BURST=100000
export KURULTAI_RATE_LIMIT__LOGIN_PER_PAIR_PER_MINUTE=100000
export KURULTAI_RATE_LIMIT__LOGIN_PER_PAIR_BURST=100000
export KURULTAI_RATE_LIMIT__REGISTRATION_PER_IP_PER_HOUR=100000
export KURULTAI_RATE_LIMIT__REGISTRATION_PER_IP_BURST=100000
export KURULTAI_RATE_LIMIT__REGISTRATION_PER_ID_PER_HOUR=100000
export KURULTAI_RATE_LIMIT__REGISTRATION_PER_ID_BURST=100000
PASSWORD="schemathesis passphrase $RANDOM$RANDOM"

"$BIN" migrate >/dev/null
printf '%s\n' "$PASSWORD" | "$BIN" admin create-platform-admin --email fuzz@kurultai.example >/dev/null
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done

TOKEN=$(curl -fs "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"login\":\"fuzz@kurultai.example\",\"password\":\"$PASSWORD\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A municipality, so that slug paths have something real behind them.
curl -fs "http://127.0.0.1:$PORT/api/v1/municipalities" -H 'content-type: application/json' \
  -H "Authorization: Bearer $TOKEN" \
  -d '{"slug":"fuzz","country":"TR","names":{"tr":"Fuzz"},"admin":{"email":"a@fuzz.example","display_name":"A"}}' >/dev/null
# Its first admin sets a password the way a real one does: through the e-mailed invitation.
INVITATION=$(python3 - "$WORK/data/mail" a@fuzz.example <<'PY'
import email, pathlib, re, sys, time
from email import policy
mail, to = pathlib.Path(sys.argv[1]), sys.argv[2]
for _ in range(100):
    for path in sorted(mail.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found = re.search(r"/invitation\?token=([A-Za-z0-9_-]+)", message.get_body().get_content())
        if message["To"] == to and found:
            print(found.group(1))
            sys.exit(0)
    time.sleep(0.1)
sys.exit(f"no invitation to {to} in {mail}")
PY
)
curl -fs "http://127.0.0.1:$PORT/api/v1/auth/invitation" -H 'content-type: application/json' \
  -d "{\"token\":\"$INVITATION\",\"password\":\"$PASSWORD\"}" >/dev/null

# Logging out would end the fuzzer's own session half-way; it is covered by the HTTP tests.
# The coverage phase is left out: in schemathesis 4.32 under Python 3.11 it crashes inside
# hypothesis ("AST constructor recursion depth mismatch") before sending a request.
status=0
schemathesis run openapi.yaml \
  --url "http://127.0.0.1:$PORT" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,response_schema_conformance,content_type_conformance \
  --exclude-path /api/v1/auth/logout \
  --phases examples,fuzzing,stateful \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-30}" \
  --max-time "${SCHEMATHESIS_MAX_SECONDS:-300}" \
  --workers 2 \
  --seed 20261127 || status=$?
if [ "$status" != 0 ]; then
  echo "--- server log (tail)"; tail -50 "$WORK/server.log"
fi
exit "$status"
