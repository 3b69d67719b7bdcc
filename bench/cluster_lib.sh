# Shared by `bench/cluster.sh` and `bench/faults.sh`: N release instances of the service behind
# nginx on one throw-away PostgreSQL cluster (optionally with a synchronous hot standby), all
# stopped on exit. Source it after `set -euo pipefail` and `cd` to the repository root.
#
# Reads: PROFILE (release), INSTANCES (3), PGPORT (55450; the standby uses PGPORT+1), HTTP_PORT (58100: nginx;
# the instances listen on HTTP_PORT+1 …), POOL_SIZE (8), STANDBY (0/1), WAL_ARCHIVE (0/1: the
# primary archives its WAL into $WORK/archive), PG_URL_PARAMS (libpq settings added to
# DATABASE_URL, e.g. `tcp_user_timeout=3000&connect_timeout=2`), RUST_LOG.
# Sets: WORK, PGBIN, PSQL, BIN, DATABASE_URL, INSTANCE_PIDS[], NGINX_PID.
# Runs as root: the clusters run as the `postgres` user (as in .ci/run); nginx is installed
# with apt-get when missing. Never touches the shared server on 55432.

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

INSTANCES=${INSTANCES:-3}
PGPORT=${PGPORT:-55450}
STANDBY_PORT=$((PGPORT + 1))
HTTP_PORT=${HTTP_PORT:-58100}
POOL_SIZE=${POOL_SIZE:-8}
STANDBY=${STANDBY:-0}
WAL_ARCHIVE=${WAL_ARCHIVE:-0}
PG_URL_PARAMS=${PG_URL_PARAMS:-}
RUST_LOG=${RUST_LOG:-info}

PGBIN=
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PGBIN=$d; done
[ -n "$PGBIN" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres

WORK=$(mktemp -d /tmp/kurultai-cluster.XXXXXX)
chmod 755 "$WORK"
chown postgres "$WORK"
INSTANCE_PIDS=()
NGINX_PID=
# PROFILE=dev runs the debug build (a quick try of the scripts; figures need release).
PROFILE=${PROFILE:-release}
OUT_DIR=$ROOT/target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")
BIN=${KURULTAI_BIN:-$OUT_DIR/kurultai}
PSQL=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PGPORT" -U postgres)

as_postgres() { runuser -u postgres -- "$@"; }

cluster_cleanup() {
  local pid
  for pid in "${INSTANCE_PIDS[@]}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && { wait "$pid" 2>/dev/null || true; }
  done
  [ -n "$NGINX_PID" ] && { kill "$NGINX_PID" 2>/dev/null || true; }
  for d in primary standby pitr; do
    [ -d "$WORK/$d" ] && { as_postgres "$PGBIN/pg_ctl" -D "$WORK/$d" -m immediate stop >/dev/null 2>&1 || true; }
  done
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
  return 0
}
trap cluster_cleanup EXIT
trap 'exit 130' INT TERM

ensure_nginx() {
  command -v nginx >/dev/null 2>&1 && return
  step "installing nginx (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null; }
}

# pg_ctl start of the data directory $1 on port $2 (extra server options in $3).
pg_start() {
  as_postgres "$PGBIN/pg_ctl" -D "$WORK/$1" -w -t 30 -l "$WORK/$1.log" \
    -o "-p $2 -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=200 ${3:-}" start >/dev/null
}
pg_stop() { as_postgres "$PGBIN/pg_ctl" -D "$WORK/$1" -m "${2:-fast}" -w stop >/dev/null; }
pg_pid() { head -1 "$WORK/$1/postmaster.pid"; }

# The primary (and with STANDBY=1 a synchronous hot standby); sets DATABASE_URL.
start_database() {
  step "postgresql primary on port $PGPORT"
  as_postgres "$PGBIN/initdb" -D "$WORK/primary" -U postgres --auth=trust -E UTF8 >/dev/null
  cat >>"$WORK/primary/postgresql.conf" <<CONF
wal_level = replica
max_wal_senders = 5
hot_standby = on
synchronous_commit = on
CONF
  echo "host replication postgres 127.0.0.1/32 trust" >>"$WORK/primary/pg_hba.conf"
  if [ "$WAL_ARCHIVE" = 1 ]; then
    # WAL archiving for point-in-time recovery, as docs/operations.md shows it.
    as_postgres mkdir -p "$WORK/archive"
    cat >>"$WORK/primary/postgresql.conf" <<CONF
archive_mode = on
archive_command = 'test ! -f $WORK/archive/%f && cp %p $WORK/archive/%f'
CONF
  fi
  pg_start primary "$PGPORT"
  "${PSQL[@]}" -c "CREATE DATABASE kurultai"
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/kurultai"
  if [ "$STANDBY" = 1 ]; then
    step "synchronous hot standby on port $STANDBY_PORT"
    # -R writes standby.signal and primary_conninfo (the line appended below names it
    # `standby` for synchronous_standby_names); -c fast: no spread checkpoint (minutes).
    as_postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$PGPORT" -U postgres -D "$WORK/standby" -R -X stream -c fast >/dev/null
    echo "primary_conninfo = 'host=127.0.0.1 port=$PGPORT user=postgres application_name=standby'" >>"$WORK/standby/postgresql.auto.conf"
    # The standby retries a lost primary every 5 s by default; a synchronous primary that
    # restarts waits that long for it before any commit returns. 1 s shortens the gap.
    echo "wal_retrieve_retry_interval = 1s" >>"$WORK/standby/postgresql.auto.conf"
    pg_start standby "$STANDBY_PORT"
    "${PSQL[@]}" -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" -c "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 50); do
      [ "$("${PSQL[@]}" -Atc "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'")" = sync ] && break
      sleep 0.2
    done
    echo "replication: $("${PSQL[@]}" -Atc "SELECT application_name, state, sync_state FROM pg_stat_replication")"
    # libpq tries the hosts in order and keeps the one that accepts writes.
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT,127.0.0.1:$STANDBY_PORT/kurultai?target_session_attrs=read-write"
  fi
  if [ -n "$PG_URL_PARAMS" ]; then
    case "$DATABASE_URL" in *\?*) DATABASE_URL+="&$PG_URL_PARAMS" ;; *) DATABASE_URL+="?$PG_URL_PARAMS" ;; esac
  fi
  echo "DATABASE_URL=$DATABASE_URL"
}

# The secrets every instance shares (production mode needs them explicitly; tokens signed by
# one instance must verify on the others, and the ID pepper and signing secret must agree).
prepare_instances() {
  export KURULTAI_ENV=production
  export KURULTAI_DATA_DIR=$WORK/data
  export KURULTAI_POOL_SIZE=$POOL_SIZE
  export KURULTAI_LOG_FORMAT=json
  export KURULTAI_TRUST_FORWARDED_FOR=true
  # Production refuses to start without its public address: the proxy's, which residents reach.
  export KURULTAI_PUBLIC_URL=http://127.0.0.1:$HTTP_PORT
  # Production refuses to start without a chosen mail transport. Staff are invited by e-mail:
  # every instance writes it as files under the shared data directory, where the load tool
  # reads the invitation and accepts it (BALLOT_LOAD_MAIL_DIRS takes several, `:`-separated,
  # for instances that do not share one).
  export KURULTAI_MAIL__TRANSPORT=file
  export BALLOT_LOAD_MAIL_DIRS=$KURULTAI_DATA_DIR/mail
  export KURULTAI_JWT__ACCESS_TTL_MINUTES=240
  local k
  for k in LOGIN_PER_IP_PER_MINUTE LOGIN_PER_IP_BURST LOGIN_PER_IDENTIFIER_PER_MINUTE \
    LOGIN_PER_IDENTIFIER_BURST LOGIN_PER_PAIR_PER_MINUTE LOGIN_PER_PAIR_BURST \
    REGISTRATION_PER_IP_PER_HOUR REGISTRATION_PER_IP_BURST REGISTRATION_PER_ID_PER_HOUR \
    REGISTRATION_PER_ID_BURST; do
    export "KURULTAI_RATE_LIMIT__$k=1000000"
  done
  KURULTAI_JWT_SECRET=${KURULTAI_JWT_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
  KURULTAI_ID_PEPPER=${KURULTAI_ID_PEPPER:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
  KURULTAI_SIGNING_SECRET=${KURULTAI_SIGNING_SECRET:-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}
  export KURULTAI_JWT_SECRET KURULTAI_ID_PEPPER KURULTAI_SIGNING_SECRET RUST_LOG
  mkdir -p "$KURULTAI_DATA_DIR"
  "$BIN" migrate >"$WORK/migrate.log" 2>&1
  export BALLOT_LOAD_ADMIN_EMAIL=root@cluster.example
  BALLOT_LOAD_ADMIN_PASSWORD="cluster $(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  export BALLOT_LOAD_ADMIN_PASSWORD
  printf '%s\n' "$BALLOT_LOAD_ADMIN_PASSWORD" |
    "$BIN" admin create-platform-admin --email "$BALLOT_LOAD_ADMIN_EMAIL" >"$WORK/admin.log" 2>&1
}

instance_port() { echo $((HTTP_PORT + 1 + $1)); }

wait_ready() {
  for _ in $(seq 150); do
    curl -fsS -m 1 "$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "not ready: $1" >&2
  return 1
}

# Starts instance $1 (0-based) and waits until it is ready.
start_instance() {
  local port
  port=$(instance_port "$1")
  KURULTAI_BIND=127.0.0.1:$port "$BIN" serve >>"$WORK/instance$1.log" 2>&1 &
  INSTANCE_PIDS[$1]=$!
  wait_ready "http://127.0.0.1:$port"
}

kill9_instance() {
  kill -9 "${INSTANCE_PIDS[$1]}" 2>/dev/null || true
  wait "${INSTANCE_PIDS[$1]}" 2>/dev/null || true
  INSTANCE_PIDS[$1]=
}

# nginx in front of the instances. Retries (proxy_next_upstream):
# - `error timeout` moves a request to the next instance when the connection fails or times
#   out. Since nginx 1.9.13 a request with a non-idempotent method (POST, PATCH, LOCK) is NOT
#   passed on once it was sent to an instance (that needs the `non_idempotent` flag, which we
#   do not set): a POST that reached an instance that then died answers 502, never runs twice.
# - PUT and DELETE count as idempotent for nginx and may be resent after an instance died
#   mid-request. Kurultai's PUT (the ballot) is safe to resend only with an Idempotency-Key
#   (the retry replays the first answer); clients should always send one.
# - No `http_502/503/504`: a 503 `database_unavailable` from an instance is the answer (the
#   database is down for all of them), not a reason to try the next one.
# - proxy_connect_timeout 1s: a dead or hung instance is skipped quickly; max_fails=1 keeps it
#   out of the rotation for fail_timeout.
start_nginx() {
  ensure_nginx
  step "nginx on port $HTTP_PORT, $INSTANCES instance(s)"
  local servers="" i
  for i in $(seq 0 $((INSTANCES - 1))); do
    servers+="    server 127.0.0.1:$(instance_port "$i") max_fails=1 fail_timeout=5s;"$'\n'
  done
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream kurultai {
$servers    keepalive 64;
  }
  server {
    listen 127.0.0.1:$HTTP_PORT;
    client_max_body_size 1m;
    client_header_timeout 5s;
    client_body_timeout 15s;
    location / {
      proxy_pass http://kurultai;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 5s;
    }
  }
}
CONF
  nginx -t -c "$WORK/nginx/nginx.conf" >/dev/null 2>&1 || { nginx -t -c "$WORK/nginx/nginx.conf"; return 1; }
  nginx -c "$WORK/nginx/nginx.conf" &
  NGINX_PID=$!
  wait_ready "http://127.0.0.1:$HTTP_PORT"
}

start_cluster() {
  [ -x "$BIN" ] || { echo "no release build at $BIN (cargo build --release)" >&2; exit 1; }
  start_database
  prepare_instances
  step "$INSTANCES instance(s) on ports $(instance_port 0)…$(instance_port $((INSTANCES - 1)))"
  local i
  for i in $(seq 0 $((INSTANCES - 1))); do start_instance "$i"; done
  start_nginx
}
