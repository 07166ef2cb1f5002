#!/usr/bin/env bash
# Local PostgreSQL 15 for Eventing's outbox/idempotency tests: a throwaway cluster in the state
# dir, run as a plain process on 127.0.0.1 (no systemd here), trust auth, database `eventing`.
#
# Usage: eng/postgres.sh up | down | status | restart
#   up       install postgresql if missing; start a CLEAN cluster unless one runs (then no-op).
#            Prints EVENTING_POSTGRES=<Npgsql connection string>.
#   down     pg_ctl stop (fast) on our data dir; the data dir stays until the next `up`.
#   status   exit 0 if running.
#   restart  stop + start, keeping the data.
# Environment: EVENTING_POSTGRES_PORT (default 55432), EVENTING_STATE_DIR, EVENTING_START_TIMEOUT.
set -euo pipefail

LOG_TAG=postgres
# shellcheck source=eng/lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

PG_DIR=$STATE_DIR/postgres
PG_DATA=$PG_DIR/data
PG_SOCK=$PG_DIR/run
PG_LOG=$PG_DIR/postgres.log
PORT=$EVENTING_POSTGRES_PORT


pg_bin() {
  # Debian's package `postgresql` is 15 on Debian 12; take the newest installed server.
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [[ -n $d && -x $d/pg_ctl ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
  printf '%s\n' "$d"
}

# initdb and postgres refuse to run as root: everything server-side runs as user postgres.
as_postgres() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Running = the postmaster PID recorded in postmaster.pid is alive (not a zombie) and is the
# postgres of OUR data dir. `pg_ctl status` only does kill(pid, 0): after a machine-wide kill the
# stale file may name a PID reused by an unrelated process, or a zombie not yet reaped by PID 1.
pg_pid() {
  local pid
  pid=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 1
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"-D $PG_DATA "* ]] || return 1
  printf '%s\n' "$pid"
}
pg_running() { pg_pid >/dev/null; }

pg_start() {
  local bin t0
  bin=$(pg_bin)
  require_port_free "$PORT" "PostgreSQL (EVENTING_POSTGRES_PORT)"
  rotate_log "$PG_LOG"
  t0=$(now_ms)
  # -k: the socket goes to our dir instead of /var/run/postgresql (absent without the service).
  # pg_ctl -w waits until the server accepts connections. Its output (and the server's, via -l)
  # goes to files: CI waits on any pipe a background process inherits.
  if ! as_postgres setsid "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$START_TIMEOUT" \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG_SOCK -c max_connections=200" \
    start >>"$PG_DIR/pg_ctl.log" 2>&1 </dev/null 9>&-; then
    show_log_tail "$PG_DIR/pg_ctl.log" "$PG_LOG"
    die "PostgreSQL did not start; logs in $PG_DIR"
  fi
  log "PostgreSQL ready in $(elapsed "$t0") (pid $(pg_pid), port $PORT)"
}

pg_stop() {
  pg_running || return 0
  as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop \
    >>"$PG_DIR/pg_ctl.log" 2>&1 </dev/null 9>&- || {
    show_log_tail "$PG_DIR/pg_ctl.log" "$PG_LOG"
    die "pg_ctl stop failed"
  }
}

pg_up() {
  local bin t0
  if pg_running; then
    log "already running (pid $(pg_pid))"
    return 0
  fi
  bin=$(pg_bin)
  t0=$(now_ms)
  # A fresh cluster every `up`: tests start from a known state.
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DATA" "$PG_SOCK"
  # The postgres user must be able to reach its data dir through our (root-owned) state dir.
  chmod 755 "$STATE_DIR"
  chown -R postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DATA"
  as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$PG_DIR/initdb.log" 2>&1 </dev/null || {
    show_log_tail "$PG_DIR/initdb.log"
    die "initdb failed"
  }
  log "initdb done in $(elapsed "$t0")"
  pg_start
  "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
    -c 'CREATE DATABASE eventing' </dev/null >/dev/null ||
    die "could not create database eventing"
}

cmd=${1:-}
case $cmd in
  up)
    ensure_packages base postgres
    lock postgres
    pg_up
    echo "EVENTING_POSTGRES=$EVENTING_POSTGRES"
    ;;
  down)
    lock postgres
    pg_stop
    log "stopped"
    ;;
  restart)
    lock postgres
    [[ -f $PG_DATA/PG_VERSION ]] || die "no cluster in $PG_DATA (run up first)"
    pg_stop
    pg_start
    echo "EVENTING_POSTGRES=$EVENTING_POSTGRES"
    ;;
  status)
    if pg_running; then
      echo "postgres: running (pid $(pg_pid)) $EVENTING_POSTGRES"
    else
      echo "postgres: stopped"
      exit 3
    fi
    ;;
  *) usage ;;
esac
