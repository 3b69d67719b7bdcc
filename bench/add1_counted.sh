#!/usr/bin/env bash
# Counting time of Equal Shares with pabutools' add1_greedy on every fixture, next to pabutools'
# own time (parsing excluded on both sides). Prints the best and the median of RUNS runs.
#
#   bench/add1_counted.sh                 # RUNS=11, fixtures from KURULTAI_PABULIB_DIR
#   KURULTAI_BIN=path/to/kurultai bench/add1_counted.sh   # another build, not rebuilt here
#
# Not part of CI. Measure on a quiet machine: the figures are a few milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${KURULTAI_PABULIB_DIR:-../shared/fixtures/pabulib}
RUNS=${RUNS:-11}
BIN=${KURULTAI_BIN:-}
if [ -z "$BIN" ]; then
  cargo build --release --bin kurultai -q
  BIN=./target/release/kurultai
fi
echo "binary: $BIN"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for pb in "$DIR"/*.pb; do
  name=$(basename "$pb" .pb)
  times=()
  for _ in $(seq "$RUNS"); do
    times+=("$("$BIN" tally "$pb" --rule equal_shares --completion add1_greedy \
      --tie-break pabutools --time 2>&1 >/dev/null | sed -n 's/.*counted \([0-9.]*\) s/\1/p')")
  done
  python3 - "$name" "$DIR/expected/$name.json" "${times[@]}" <<'PY'
import json, statistics, sys
name, expected, times = sys.argv[1], sys.argv[2], sorted(float(t) for t in sys.argv[3:])
try:
    ref = json.load(open(expected))["rules"]["mes_add1_greedy"]["time_s"]
except (OSError, KeyError):
    ref = None
best, median = times[0], statistics.median(times)
ratio = f"{ref / median:7.0f}x" if ref else "      -"
print(f"{name:50} best {best:.4f} s  median {median:.4f} s  pabutools {ref if ref is not None else '-':>7}  {ratio}")
PY
done
