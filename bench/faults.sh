#!/usr/bin/env bash
# The fault suite: 3 release instances behind nginx on a PostgreSQL primary with a synchronous
# hot standby (bench/cluster_lib.sh), a ballot storm through nginx (examples/fault_load.rs:
# every cast has its own Idempotency-Key and is retried with it after a 502/503/504 or a
# connection error), and one fault per scenario in the middle of the storm:
#
#   kill9      kill -9 of one instance (restarted afterwards)
#   restart    PostgreSQL restart (pg_ctl restart -m fast)
#   stop       PostgreSQL stopped for 10 s
#   slow       300 slow clients (half at nginx, half straight at an instance) sending partial
#              requests
#   restore    pg_dump mid-storm, restored into a fresh database, an instance started on it:
#              the dumped ballots are there and voting continues
#   pitr       point-in-time recovery: the primary archives its WAL (archive_command), a base
#              backup is taken mid-storm; after the storm the last WAL segment is archived, the
#              base backup is restored into a new data directory with restore_command (to the
#              end of the archive) and an instance started on it: every acknowledged ballot is
#              there, none twice, and voting continues
#   partition  the primary's host vanishes from the network for PARTITION_SECS (iptables drops
#              every packet to and from its port; skipped where iptables does not work):
#              queries in flight end by libpq's tcp_user_timeout, every failure is a 503, none
#              hangs (slowest request under SLOWEST_BOUND s)
#   failover   kill -9 of the primary, `pg_ctl promote` of the standby (always last)
#
# Per scenario: casts, ballots acknowledged, acknowledged ballots found in the database (by
# receipt), lost, duplicates (receipts beyond the casts: a cast recorded twice), replies by
# 5xx status, connection errors, seconds unavailable (gaps between acknowledgements in which
# requests failed) and the longest pause (the longest gap, failed or merely slow requests).
#
#   bench/faults.sh            # the full suite (about 10 minutes with the build)
#   bench/faults.sh --short    # CI: fewer residents, shorter storms
#   bench/faults.sh kill9 stop # only these scenarios
#
# Exits non-zero on any lost acknowledged ballot, any cast recorded twice, any 500 or a failed
# restore; casts given up are printed as warnings. Runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SHORT=0
SCENARIOS=()
for arg in "$@"; do
  case "$arg" in
    --short) SHORT=1 ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) SCENARIOS+=("$arg") ;;
  esac
done
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(kill9 restart stop slow restore pitr partition failover)
# WAL archiving costs a copy per 16 MB segment: on only when point-in-time recovery is run.
[[ " ${SCENARIOS[*]} " == *" pitr "* ]] && WAL_ARCHIVE=1
if [ "$SHORT" = 1 ]; then
  RESIDENTS=${RESIDENTS:-120}; STORM=${STORM:-14}; CONCURRENCY=${CONCURRENCY:-24}
else
  RESIDENTS=${RESIDENTS:-400}; STORM=${STORM:-30}; CONCURRENCY=${CONCURRENCY:-48}
fi
LEAD=${LEAD:-4}         # seconds of storm before the fault
STOP_SECS=${STOP_SECS:-10}
PARTITION_SECS=${PARTITION_SECS:-8}
# libpq's TCP bounds (docs/operations.md): a query on a connection whose host vanished fails
# after tcp_user_timeout instead of waiting for TCP to give up (minutes); a new connection to
# it gives up after connect_timeout.
TCP_USER_TIMEOUT_MS=${TCP_USER_TIMEOUT_MS:-3000}
PG_URL_PARAMS=${PG_URL_PARAMS:-tcp_user_timeout=$TCP_USER_TIMEOUT_MS&keepalives_idle=5&keepalives_interval=2&keepalives_count=2&connect_timeout=2}
# The longest one request may take during a partition: the pool's checkout bound (2 s), a
# query cut by tcp_user_timeout, and the one retry of a read, with slack for a loaded machine.
SLOWEST_BOUND=${SLOWEST_BOUND:-10}
STANDBY=1
INSTANCES=${INSTANCES:-3}
PGPORT=${PGPORT:-55460}
HTTP_PORT=${HTTP_PORT:-58200}
RUST_LOG=${RUST_LOG:-warn}
source bench/cluster_lib.sh

step "build"
cargo build --profile "$PROFILE" --bin kurultai --example fault_load
LOAD=$OUT_DIR/examples/fault_load
echo "$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg); $("$PGBIN/postgres" --version)"

start_cluster
BASE=http://127.0.0.1:$HTTP_PORT
step "setup: an election and $RESIDENTS residents"
"$LOAD" setup --base-url "$BASE" --residents "$RESIDENTS" --slug "faults-$(date +%s)" --state "$WORK/state.json"
BUDGET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["budget"])' "$WORK/state.json")

FAILED=0
SUMMARY=()
WARNINGS=()
receipts() { "${PSQL[@]}" -d kurultai -Atc "SELECT count(*) FROM receipts WHERE budget_id = '$BUDGET'"; }

# run NAME FAULT: a storm of STORM seconds through nginx, FAULT run LEAD seconds in, then the
# acknowledged receipts looked up in whichever server is now the primary.
run() {
  local name=$1 fault=$2 before after out result
  step "scenario $name"
  before=$(receipts)
  "$LOAD" storm --state "$WORK/state.json" --seconds "$STORM" --concurrency "$CONCURRENCY" \
    --acks "$WORK/$name.acks" --tag "$name" >"$WORK/$name.out" 2>&1 &
  local storm=$!
  sleep "$LEAD"
  "$fault"
  wait "$storm" || { cat "$WORK/$name.out"; FAILED=1; return; }
  cat "$WORK/$name.out"
  result=$(grep '^RESULT' "$WORK/$name.out")
  after=$(receipts)
  local found acked casts given_up dups lost unavail gap five transport slowest
  found=$("${PSQL[@]}" -d kurultai -At -c "CREATE TEMP TABLE acks (code text)" \
    -c "\\copy acks FROM '$WORK/$name.acks'" \
    -c "SELECT count(DISTINCT a.code) FROM acks a JOIN receipts r ON r.code = a.code")
  acked=$(sed -n 's/.* acknowledged=\([0-9]*\).*/\1/p' <<<"$result")
  casts=$(sed -n 's/.*casts=\([0-9]*\).*/\1/p' <<<"$result")
  given_up=$(sed -n 's/.*given_up=\([0-9]*\).*/\1/p' <<<"$result")
  unavail=$(sed -n 's/.*unavailable_s=\([0-9.]*\).*/\1/p' <<<"$result")
  gap=$(sed -n 's/.*longest_gap_s=\([0-9.]*\).*/\1/p' <<<"$result")
  slowest=$(sed -n 's/.*slowest_request_s=\([0-9.]*\).*/\1/p' <<<"$result")
  transport=$(sed -n 's/.*transport_errors=\([0-9]*\).*/\1/p' <<<"$result")
  five=$(sed -n 's/.*five_xx=\(.*\)$/\1/p' <<<"$result")
  lost=$((acked - found))
  dups=$(((after - before) > casts ? (after - before) - casts : 0))
  local line
  line=$(printf '%-9s casts %5d  acknowledged %5d  found %5d  lost %d  duplicates %d  given up %d  5xx %s  connection errors %d  unavailable %ss  longest pause %ss  slowest request %ss' \
    "$name" "$casts" "$acked" "$found" "$lost" "$dups" "$given_up" "$five" "$transport" "$unavail" "$gap" "$slowest")
  echo "$line"
  SUMMARY+=("$line")
  # A cast recorded twice breaks the Idempotency-Key's promise (seen after kill -9 of an
  # instance until db::ballots::store_reply stopped replacing live replies).
  if [ "$lost" -ne 0 ] || [ "$dups" -ne 0 ] || grep -q '"500"' <<<"$five"; then
    echo "FAILED: $name" >&2
    FAILED=1
  fi
  # Reported, not failing: casts still unanswered after 30 s of retries.
  if [ "$given_up" -ne 0 ]; then
    WARNINGS+=("WARNING: $name: $given_up cast(s) given up")
  fi
}

fault_kill9() {
  echo "kill -9 instance 1 (pid ${INSTANCE_PIDS[1]})"
  kill9_instance 1
}
after_kill9() { start_instance 1; }

fault_restart() {
  echo "pg_ctl restart -m fast (primary)"
  local t0=$SECONDS
  pg_stop primary fast
  pg_start primary "$PGPORT"
  echo "primary back after $((SECONDS - t0)) s"
}

fault_stop() {
  echo "primary stopped for $STOP_SECS s"
  pg_stop primary fast
  sleep "$STOP_SECS"
  pg_start primary "$PGPORT"
}

# Slow clients: connections that send headers and part of a body, then nothing. Reports how
# many the server (or nginx) closed within 30 s.
fault_slow() {
  python3 - "$HTTP_PORT" "$(instance_port 0)" "$BUDGET" <<'PY'
import socket, sys, time
nginx, direct, budget = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(300):
    port = nginx if i % 2 == 0 else direct
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall((f"PUT /api/v1/budgets/{budget}/ballot HTTP/1.1\r\nHost: x\r\n"
               "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"sel").encode())
    s.settimeout(0.05)
    socks.append((port, s))
closed = {nginx: 0, direct: 0}
deadline = time.time() + 30
open_ = list(socks)
while open_ and time.time() < deadline:
    still = []
    for port, s in open_:
        try:
            if s.recv(4096) == b"":
                closed[port] += 1
                continue
            closed[port] += 1  # an answer (408) then the close
        except socket.timeout:
            still.append((port, s))
        except OSError:
            closed[port] += 1
    open_ = still
    time.sleep(0.5)
print(f"slow clients: {closed[nginx]}/150 at nginx and {closed[direct]}/150 at the instance "
      f"closed within 30 s; {len(open_)} still open")
for _, s in socks:
    s.close()
PY
}

# A dump taken mid-storm, restored into a fresh database; an instance on it must show the
# dumped ballots and accept new ones.
fault_restore() {
  echo "pg_dump mid-storm"
  "$PGBIN/pg_dump" -h 127.0.0.1 -p "$PGPORT" -U postgres -Fc -f "$WORK/mid.dump" kurultai
}
after_restore() {
  step "restore of the mid-storm dump"
  "${PSQL[@]}" -c "CREATE DATABASE kurultai_restored"
  "$PGBIN/pg_restore" -h 127.0.0.1 -p "$PGPORT" -U postgres -d kurultai_restored --no-owner "$WORK/mid.dump"
  local in_dump port pid
  in_dump=$("$PGBIN/pg_restore" -f - -a -t receipts "$WORK/mid.dump" | awk -F'\t' -v b="$BUDGET" '$2 == b' | wc -l)
  local restored
  restored=$("${PSQL[@]}" -d kurultai_restored -Atc "SELECT count(*) FROM receipts WHERE budget_id = '$BUDGET'")
  echo "receipts in the dump: $in_dump; in the restored database: $restored"
  port=$((HTTP_PORT + 50))
  DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/kurultai_restored" KURULTAI_BIND=127.0.0.1:$port \
    "$BIN" serve >>"$WORK/restored.log" 2>&1 &
  pid=$!
  INSTANCE_PIDS+=("$pid")
  wait_ready "http://127.0.0.1:$port"
  "$LOAD" storm --state "$WORK/state.json" --base-url "http://127.0.0.1:$port" --seconds 3 \
    --concurrency 8 --acks "$WORK/restored.acks" --tag restored | grep '^RESULT'
  local after
  after=$("${PSQL[@]}" -d kurultai_restored -Atc "SELECT count(*) FROM receipts WHERE budget_id = '$BUDGET'")
  echo "receipts in the restored database after 3 s of voting on it: $after"
  if [ "$restored" -eq 0 ] || [ "$restored" -ne "$in_dump" ] || [ "$after" -le "$restored" ]; then
    echo "FAILED: restore" >&2
    FAILED=1
  fi
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# Point-in-time recovery. The base backup is taken online, in the middle of the storm, as a
# nightly one would be; the WAL archive carries everything after it.
fault_pitr() {
  echo "pg_basebackup mid-storm (WAL archived to $WORK/archive)"
  local t0=$SECONDS
  as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$WORK/pitr_base" -X stream -c fast
  echo "base backup taken in $((SECONDS - t0)) s"
}
after_pitr() {
  step "point-in-time recovery from the base backup and the WAL archive"
  # Close the current WAL segment and wait until it is archived: from then on, every ballot
  # acknowledged by the storm is in the archive.
  local last t0=$SECONDS
  last=$("${PSQL[@]}" -Atc "SELECT pg_walfile_name(pg_switch_wal())")
  for _ in $(seq 300); do
    [ "$("${PSQL[@]}" -Atc "SELECT coalesce(last_archived_wal >= '$last', false) FROM pg_stat_archiver")" = t ] && break
    sleep 0.1
  done
  echo "WAL archived up to $last ($(ls "$WORK/archive" | wc -l) files, $(du -sm "$WORK/archive" | cut -f1) MB) after $((SECONDS - t0)) s"
  # The restored server: the base backup, restore_command, recovery.signal. No recovery target:
  # it replays the whole archive, then promotes. It must neither wait for the primary's
  # synchronous standby (set with ALTER SYSTEM, so in the backup) nor archive into the same
  # directory.
  cp -a "$WORK/pitr_base" "$WORK/pitr"
  cat >>"$WORK/pitr/postgresql.auto.conf" <<CONF
restore_command = 'cp $WORK/archive/%f %p'
synchronous_standby_names = ''
archive_mode = off
CONF
  as_postgres touch "$WORK/pitr/recovery.signal"
  local port=$((PGPORT + 2)) recovered=0
  t0=$SECONDS
  pg_start pitr "$port"
  local PITR_PSQL=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d kurultai)
  for _ in $(seq 600); do
    [ "$("${PITR_PSQL[@]}" -Atc "SELECT pg_is_in_recovery()" 2>/dev/null)" = f ] && { recovered=1; break; }
    sleep 0.1
  done
  local recovery_s=$((SECONDS - t0))
  [ "$recovered" = 1 ] || { echo "FAILED: pitr: still in recovery after 60 s" >&2; tail -20 "$WORK/pitr.log"; FAILED=1; return; }
  echo "recovered (replayed the archive and promoted) in $recovery_s s: $(grep -c 'restored log file' "$WORK/pitr.log") segment(s) restored"
  local acked found primary restored lost dups
  acked=$(sort -u "$WORK/pitr.acks" | wc -l)
  found=$("${PITR_PSQL[@]}" -At -c "CREATE TEMP TABLE acks (code text)" \
    -c "\\copy acks FROM '$WORK/pitr.acks'" \
    -c "SELECT count(DISTINCT a.code) FROM acks a JOIN receipts r ON r.code = a.code")
  primary=$(receipts)
  restored=$("${PITR_PSQL[@]}" -Atc "SELECT count(*) FROM receipts WHERE budget_id = '$BUDGET'")
  lost=$((acked - found))
  dups=$((restored > primary ? restored - primary : 0))
  # Voting continues on the restored database (same secrets: the residents' tokens still work).
  local http=$((HTTP_PORT + 51)) pid after
  DATABASE_URL="postgres://postgres@127.0.0.1:$port/kurultai" KURULTAI_BIND=127.0.0.1:$http \
    "$BIN" serve >>"$WORK/pitr-instance.log" 2>&1 &
  pid=$!
  INSTANCE_PIDS+=("$pid")
  wait_ready "http://127.0.0.1:$http"
  "$LOAD" storm --state "$WORK/state.json" --base-url "http://127.0.0.1:$http" --seconds 3 \
    --concurrency 8 --acks "$WORK/pitr-restored.acks" --tag pitr-restored | grep '^RESULT'
  after=$("${PITR_PSQL[@]}" -Atc "SELECT count(*) FROM receipts WHERE budget_id = '$BUDGET'")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  pg_stop pitr fast
  local line
  line=$(printf '%-9s acknowledged %5d  found after recovery %5d  lost %d  duplicates %d  receipts primary %d / recovered %d  recovery %ss  votes after it %d' \
    "pitr-rec" "$acked" "$found" "$lost" "$dups" "$primary" "$restored" "$recovery_s" "$((after - restored))")
  echo "$line"
  SUMMARY+=("$line")
  if [ "$lost" -ne 0 ] || [ "$restored" -ne "$primary" ] || [ "$after" -le "$restored" ]; then
    echo "FAILED: pitr" >&2
    FAILED=1
  fi
}

# A vanished host: every packet to and from the primary's port dropped (the standby loses the
# primary too, as it would). Only this cluster's port: the rules name it.
PARTITION_RULES=()
partition_on() {
  PARTITION_RULES=("INPUT -i lo -p tcp --dport $PGPORT -j DROP" "INPUT -i lo -p tcp --sport $PGPORT -j DROP")
  local r
  for r in "${PARTITION_RULES[@]}"; do
    # shellcheck disable=SC2086
    iptables -I $r
  done
}
partition_off() {
  local r
  for r in "${PARTITION_RULES[@]}"; do
    # shellcheck disable=SC2086
    iptables -D $r 2>/dev/null || true
  done
  PARTITION_RULES=()
}
trap 'partition_off; cluster_cleanup' EXIT
# Whether packet filtering works here (iptables installed, the kernel's netfilter usable).
can_partition() {
  command -v iptables >/dev/null 2>&1 ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables >/dev/null 2>&1 || return 1
  iptables -L INPUT -n >/dev/null 2>&1
}
fault_partition() {
  echo "primary's port $PGPORT unreachable (packets dropped) for $PARTITION_SECS s"
  partition_on
  sleep "$PARTITION_SECS"
  partition_off
  echo "network back"
}

fault_failover() {
  # The postmaster and all its children at once, as when the machine dies: killing only the
  # postmaster leaves its backends (and its WAL sender) running for a while.
  local pm
  pm=$(pg_pid primary)
  echo "kill -9 the primary (postmaster $pm and its children), promote the standby"
  local t0=$SECONDS
  # shellcheck disable=SC2046
  kill -9 "$pm" $(ps -o pid= --ppid "$pm") 2>/dev/null || true
  sleep 1
  as_postgres "$PGBIN/pg_ctl" -D "$WORK/standby" -w promote >/dev/null
  echo "standby promoted after $((SECONDS - t0)) s"
  PSQL=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$STANDBY_PORT" -U postgres)
  # The old primary's data directory must not be started again as a primary (it would need
  # pg_rewind to follow the new one): leave it down.
}

for s in "${SCENARIOS[@]}"; do
  case "$s" in
    kill9) run kill9 fault_kill9; after_kill9 ;;
    restart) run restart fault_restart ;;
    stop) run stop fault_stop ;;
    slow) run slow fault_slow ;;
    restore) run restore fault_restore; after_restore ;;
    pitr) run pitr fault_pitr; after_pitr ;;
    partition)
      if can_partition; then
        run partition fault_partition
        slowest=$(sed -n 's/.*slowest_request_s=\([0-9.]*\).*/\1/p' "$WORK/partition.out")
        echo "slowest request during the partition: ${slowest}s (bound ${SLOWEST_BOUND}s)"
        if ! awk -v s="$slowest" -v b="$SLOWEST_BOUND" 'BEGIN { exit !(s <= b) }' ||
          grep -q 'connection time-out' "$WORK/partition.out"; then
          echo "FAILED: partition: a request hung" >&2
          FAILED=1
        fi
      else
        WARNINGS+=("WARNING: partition skipped: iptables does not work here")
      fi
      ;;
    failover) run failover fault_failover ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done

step "summary ($INSTANCES instances behind nginx, $RESIDENTS residents, $CONCURRENCY workers, ${STORM}s storms)"
printf '%s\n' "${SUMMARY[@]}"
[ ${#WARNINGS[@]} -eq 0 ] || printf '%s\n' "${WARNINGS[@]}"
[ "$FAILED" = 0 ] && echo "OK: no acknowledged ballot lost, no 500" || echo "FAILED" >&2
exit "$FAILED"
