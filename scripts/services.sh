#!/usr/bin/env bash
# Installs (if missing) and starts the services the tests need, on loopback, owned by this
# checkout: PostgreSQL (own cluster in .cache/pg), Redis, Chromium, the Centrifugo binary and
# SeaweedFS (S3).
# Idempotent: a second run only checks that everything is up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PG_PORT=${WHATRACK_TEST_PG_PORT:-55432}
REDIS_PORT=${WHATRACK_TEST_REDIS_PORT:-56379}
CACHE="$ROOT/.cache"
mkdir -p "$CACHE/bin"

need_apt=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || need_apt+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null || need_apt+=(redis-server)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ffmpeg >/dev/null || need_apt+=(ffmpeg)  # voice notes: webm/opus -> ogg/opus
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "services: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi

# PostgreSQL: a private cluster (never touch a server we did not start).
PGDATA="$CACHE/pg"
if [ ! -f "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  su postgres -s /bin/sh -c "$PG_BIN/initdb -D '$PGDATA' -U postgres --auth=trust -E UTF8 >/dev/null"
  cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGDATA'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
shared_buffers = 256MB
CONF
fi
# pg_stat_statements: `make bench` counts the statements each request costs (issue 16)
if ! grep -q "^shared_preload_libraries = 'pg_stat_statements'" "$PGDATA/postgresql.conf"; then
  echo "shared_preload_libraries = 'pg_stat_statements'" >> "$PGDATA/postgresql.conf"
  echo "pg_stat_statements.track_utility = on" >> "$PGDATA/postgresql.conf"
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PGDATA' status" >/dev/null 2>&1 \
    && su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PGDATA' -l '$PGDATA/server.log' -w restart" >/dev/null
fi
chown -R postgres:postgres "$PGDATA"
if ! su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PGDATA' status" >/dev/null 2>&1; then
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PGDATA' -l '$PGDATA/server.log' -w start" >/dev/null
fi
psql_do() { su postgres -s /bin/sh -c "psql -h 127.0.0.1 -p $PG_PORT -U postgres -tAc \"$1\""; }
[ "$(psql_do "SELECT 1 FROM pg_roles WHERE rolname='whatrack'")" = "1" ] \
  || psql_do "CREATE ROLE whatrack LOGIN SUPERUSER PASSWORD 'whatrack'" >/dev/null

# Redis
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' \
    --pidfile "$CACHE/redis.pid" --logfile "$CACHE/redis.log"
fi

# Centrifugo v6, built from source once and cached outside git.
if [ ! -x "$CACHE/bin/centrifugo" ]; then
  echo "services: building Centrifugo v6.9.1 (one time, a few minutes)"
  GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install \
    -ldflags "-X github.com/centrifugal/centrifugo/v6/internal/build.Version=6.9.1" \
    github.com/centrifugal/centrifugo/v6@v6.9.1
fi

# SeaweedFS (S3-compatible object storage for the media tests), built once from the Go module
# proxy through the wrapper module in tools/seaweedfs and cached outside git; run as one
# `weed server -s3` on loopback with a private data directory and a signed-request identity.
S3_PORT=${WHATRACK_TEST_S3_PORT:-18333}
WEED_DIR="$CACHE/seaweedfs"
if [ ! -x "$CACHE/bin/weed" ]; then
  echo "services: building SeaweedFS (one time, ~7 minutes on 2 cores)"
  (cd tools/seaweedfs && GOFLAGS=-mod=mod go build -o "$CACHE/bin/weed" github.com/seaweedfs/seaweedfs/weed)
fi
s3_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" || true)" != "000" ]; }
if ! s3_up; then
  mkdir -p "$WEED_DIR/data"
  setsid "$CACHE/bin/weed" server -dir="$WEED_DIR/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port=$((S3_PORT + 1000)) -volume.port=$((S3_PORT - 253)) -filer.port=$((S3_PORT + 555)) \
    -master.volumeSizeLimitMB=64 -volume.max=0 \
    -s3 -s3.port="$S3_PORT" -s3.config="$ROOT/config/seaweedfs-s3.json" \
    >"$WEED_DIR/weed.log" 2>&1 </dev/null &
  echo $! >"$WEED_DIR/weed.pid"
  for _ in $(seq 1 120); do s3_up && break; sleep 0.5; done
  s3_up || { echo "services: SeaweedFS did not start, see $WEED_DIR/weed.log" >&2; exit 1; }
fi

echo "services: postgresql://whatrack:whatrack@127.0.0.1:$PG_PORT redis://127.0.0.1:$REDIS_PORT centrifugo=$CACHE/bin/centrifugo s3=http://127.0.0.1:$S3_PORT"
