#!/usr/bin/env bash
# Checks that clients can be generated from openapi.yaml (issue 16, point 5):
#  - TypeScript types from openapi-typescript compile under `tsc --noEmit --strict`;
#  - openapi-python-client generates a client without skipping or dropping an endpoint, with a
#    module for every operationId;
#  - Spectral's `spectral:oas` ruleset (plus .spectral.yaml) finds no error and no warning.
# Installs its pinned tools itself into a throw-away directory (npm and pip only), so it needs
# nothing but node, npm and python3. Set API_CLIENTS_TOOLS to a directory to reuse the tools.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SPEC=$ROOT/openapi.yaml

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TOOLS=${API_CLIENTS_TOOLS:-$WORK/tools}
mkdir -p "$TOOLS"

# --- tools, pinned ----------------------------------------------------------------------------
if [ ! -x "$TOOLS/node_modules/.bin/spectral" ]; then
  npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error --no-save \
    openapi-typescript@7.13.0 typescript@5.9.3 @stoplight/spectral-cli@6.16.3 >/dev/null
fi
# Into a directory of its own rather than a venv (Debian's python3 may lack `venv`).
if [ ! -d "$TOOLS/py/openapi_python_client" ]; then
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check \
    --no-warn-conflicts --target "$TOOLS/py" \
    openapi-python-client==0.28.4
fi
openapi_python_client() { PYTHONPATH="$TOOLS/py" python3 -m openapi_python_client "$@"; }
BIN=$TOOLS/node_modules/.bin
status=0

# --- TypeScript -------------------------------------------------------------------------------
echo "--- openapi-typescript + tsc --strict"
mkdir -p "$WORK/ts"
"$BIN/openapi-typescript" "$SPEC" --output "$WORK/ts/api.d.ts" >/dev/null
if "$BIN/tsc" --noEmit --strict --target es2022 --moduleResolution node "$WORK/ts/api.d.ts" >"$WORK/tsc.log" 2>&1; then
  echo "tsc: 0 errors"
else
  grep -c 'error TS' "$WORK/tsc.log" | sed 's/^/tsc: errors: /'
  head -40 "$WORK/tsc.log"
  status=1
fi

# --- Python -----------------------------------------------------------------------------------
echo "--- openapi-python-client"
(cd "$WORK" && openapi_python_client generate --path "$SPEC" \
  --config "$ROOT/scripts/openapi-python-client.yaml" --meta none --output-path "$WORK/py" >"$WORK/py.log" 2>&1) || { cat "$WORK/py.log"; status=1; }
# It reports what it could not generate as warnings and carries on; any of them is a failure.
if grep -qiE 'warning|skipp|unable|could not|error' "$WORK/py.log"; then
  echo "openapi-python-client warned:"; cat "$WORK/py.log"; status=1
fi
# Every operationId must have produced a module (snake_case of the id) under api/.
python3 - "$SPEC" "$WORK/py" <<'PY' || status=1
import os, re, sys
spec, out = sys.argv[1], sys.argv[2]
ids = re.findall(r'^\s+operationId:\s*(\S+)\s*$', open(spec).read(), re.M)
def snake(s):
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s)
    return re.sub(r'[^a-z0-9]+', '_', s.lower()).strip('_')
modules = set()
for d, _, files in os.walk(os.path.join(out, 'api')):
    modules.update(f[:-3] for f in files if f.endswith('.py') and f != '__init__.py')
missing = [i for i in ids if snake(i) not in modules]
print(f"python client: {len(ids)} operationIds, {len(ids) - len(missing)} modules")
if missing:
    print("no module for:", ", ".join(missing))
    sys.exit(1)
PY

# --- Spectral ---------------------------------------------------------------------------------
echo "--- spectral lint (spectral:oas + .spectral.yaml)"
if ! "$BIN/spectral" lint "$SPEC" --ruleset "$ROOT/.spectral.yaml" --fail-severity warn \
  --format text >"$WORK/spectral.log" 2>&1; then
  cat "$WORK/spectral.log"
  status=1
else
  echo "spectral: no errors or warnings"
fi
exit "$status"
