#!/usr/bin/env bash
# N release instances of Kurultai (default 3) behind nginx on one throw-away PostgreSQL cluster;
# with --standby also a synchronous hot standby, the instances connected with a multi-host URL
# (`postgres://h1:p1,h2:p2/kurultai?target_session_attrs=read-write`). Prints the addresses,
# the platform admin's credentials and the PIDs, then waits; Ctrl-C stops everything.
#
#   bench/cluster.sh                  # 3 instances, nginx on 127.0.0.1:58100
#   bench/cluster.sh --standby -n 4   # 4 instances, primary 55450 + standby 55451
#
# Environment: HTTP_PORT, PGPORT, POOL_SIZE, RUST_LOG; KURULTAI_JWT_SECRET, KURULTAI_ID_PEPPER,
# KURULTAI_SIGNING_SECRET (generated when unset; every instance gets the same ones).
# Runs as root (the clusters run as `postgres`; nginx is installed with apt-get if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
while [ $# -gt 0 ]; do
  case "$1" in
    --standby) STANDBY=1 ;;
    -n | --instances) INSTANCES=$2; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
source bench/cluster_lib.sh

step "build"
# With the example, as bench/faults.sh: the same features, so one build serves both.
cargo build --profile "$PROFILE" --bin kurultai --example fault_load
start_cluster

step "running"
echo "service:    http://127.0.0.1:$HTTP_PORT (nginx)"
for i in $(seq 0 $((INSTANCES - 1))); do
  echo "instance $i: http://127.0.0.1:$(instance_port "$i") pid ${INSTANCE_PIDS[$i]} (log $WORK/instance$i.log)"
done
echo "database:   $DATABASE_URL"
echo "admin:      $BALLOT_LOAD_ADMIN_EMAIL / $BALLOT_LOAD_ADMIN_PASSWORD"
echo "mail:       $BALLOT_LOAD_MAIL_DIRS (staff invitations, read by the load tools)"
echo "Ctrl-C stops everything."
while sleep 3600; do :; done
