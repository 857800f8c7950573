#!/usr/bin/env bash
# Start a throwaway PostgreSQL and redis-server on 127.0.0.1 for the test suite,
# installing them with apt-get when missing (needs root; no systemd needed).
# Prints the two URLs as shell exports. Data lives under $DKT_SERVICES_DIR.
# The tests' PostgreSQL runs without fsync (speed); DKT_PG_DURABLE=1 keeps fsync and
# synchronous_commit on, as production runs (the benchmarks: scripts/bench/save_wrk.py).
set -euo pipefail
DIR=${DKT_SERVICES_DIR:-/tmp/dkt-services}
PG_PORT=${DKT_PG_PORT:-55432}
REDIS_PORT=${DKT_REDIS_PORT:-56379}
mkdir -p "$DIR"

need_install=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
[ -n "$pg_bin" ] && [ -x "$pg_bin/postgres" ] || need_install+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
if [ ${#need_install[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "services.sh: ${need_install[*]} missing and not root: cannot install" >&2; exit 3
  fi
  echo "services.sh: installing ${need_install[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need_install[@]}" >&2
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi

# --- redis -------------------------------------------------------------------
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --daemonize yes --logfile "$DIR/redis.log" --dir "$DIR" >&2
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

# --- postgres (refuses to run as root: run as the postgres user) --------------
RUN=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$DIR" postgres
  # a live cluster in DIR is already postgres-owned (and its files come and go under a concurrent run)
  chown -R postgres "$DIR" 2>/dev/null || true
  RUN=(runuser -u postgres --)
fi
PGDATA="$DIR/pg"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  "${RUN[@]}" "$pg_bin/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${DKT_PG_DURABLE:-0}" = 1 ] && DURABILITY="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
if ! "${RUN[@]}" "$pg_bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  "${RUN[@]}" "$pg_bin/pg_ctl" -D "$PGDATA" -l "$DIR/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$DIR $DURABILITY -c max_connections=200" \
    start >/dev/null
fi
echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
