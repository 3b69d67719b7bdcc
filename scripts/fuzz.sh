#!/usr/bin/env bash
# Fuzzes the `.pb` reader (with the conversion, the vote check and the tally behind it) and the
# ballot validator, each for SECONDS, with cargo-fuzz on the stable toolchain (`-s none`: the
# sanitizers need nightly; overflow checks are on in fuzz/Cargo.toml, so a wrap is a crash).
#
#   scripts/fuzz.sh 60        # CI: a minute each
#   scripts/fuzz.sh 3600      # the long form
#
# A crash leaves its input in fuzz/artifacts/TARGET/ and fails the script; turn it into a
# regression test in tests/adversarial.rs (read it back with `cargo fuzz fmt`).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:?usage: scripts/fuzz.sh SECONDS}
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
# Seeds: the real elections when they are there, and a few small hand-made files.
corpus=fuzz/corpus/pb_reader
mkdir -p "$corpus"
for pb in "${KURULTAI_PABULIB_DIR:-../shared/fixtures/pabulib}"/*.pb; do
  # Only files within -max_len: the large ones would be cut, and slow every run down.
  [ -f "$pb" ] && [ "$(stat -c %s "$pb")" -lt 65536 ] && cp "$pb" "$corpus/"
done
cp tests/fixtures/fuzz/*.pb "$corpus/" 2>/dev/null || true
for target in pb_reader ballot_validator; do
  echo "fuzzing $target for ${SECONDS_EACH}s"
  cargo fuzz run -s none "$target" -- -max_total_time="$SECONDS_EACH" -max_len=65536 \
    -timeout=20 -rss_limit_mb=4096 -print_final_stats=1
done
echo "fuzz: 2 passed, 0 failed"
