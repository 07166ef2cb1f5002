#!/usr/bin/env bash
# Local Redis 7 for Eventing's idempotency/lock tests: a plain background process on 127.0.0.1,
# no persistence (tests need none; it also avoids fork-for-save on a busy 2-core machine).
#
# Usage: eng/redis.sh up | down | status | restart
#   up       install redis-server if missing; start unless running (then no-op).
#            Prints EVENTING_REDIS=127.0.0.1:<port>.
#   down     stop the PID we recorded.
#   status   exit 0 if running.
#   restart  stop + start (Redis keeps nothing: persistence is off).
# Environment: EVENTING_REDIS_PORT (default 56379), EVENTING_STATE_DIR, EVENTING_START_TIMEOUT.
set -euo pipefail

LOG_TAG=redis
# shellcheck source=eng/lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"

REDIS_DIR=$STATE_DIR/redis
REDIS_LOG=$REDIS_DIR/redis.log
PORT=$EVENTING_REDIS_PORT


redis_pid() { read_pid "$REDIS_DIR/redis.pid" redis-server; }
redis_running() { redis_pid >/dev/null; }

redis_start() {
  local t0 deadline
  require_port_free "$PORT" "Redis (EVENTING_REDIS_PORT)"
  rm -rf "$REDIS_DIR/data"
  mkdir -p "$REDIS_DIR/data"
  rotate_log "$REDIS_LOG"
  t0=$(now_ms)
  # No config file (Debian's /etc/redis/redis.conf daemonizes and binds 6379); --daemonize no so
  # the PID we record is the server's.
  launch "$REDIS_DIR/redis.pid" "$REDIS_LOG" \
    redis-server --port "$PORT" --bind 127.0.0.1 --dir "$REDIS_DIR/data" \
    --save "" --appendonly no --daemonize no --logfile ""
  deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! redis_running; then
      show_log_tail "$REDIS_LOG"
      die "redis-server exited during startup"
    fi
    if [[ $(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null </dev/null) == PONG ]]; then
      log "Redis ready in $(elapsed "$t0") (pid $(redis_pid), port $PORT)"
      return 0
    fi
    sleep 0.1
  done
  show_log_tail "$REDIS_LOG"
  redis_stop
  die "Redis not ready after ${START_TIMEOUT}s"
}

redis_stop() {
  local pid
  if pid=$(redis_pid); then
    stop_pid "$pid" redis-server 30
  fi
  rm -f "$REDIS_DIR/redis.pid"
}

cmd=${1:-}
case $cmd in
  up)
    ensure_packages base redis
    lock redis
    if redis_running; then
      log "already running (pid $(redis_pid))"
    else
      redis_start
    fi
    echo "EVENTING_REDIS=$EVENTING_REDIS"
    ;;
  down)
    lock redis
    redis_stop
    log "stopped"
    ;;
  restart)
    lock redis
    redis_stop
    redis_start
    echo "EVENTING_REDIS=$EVENTING_REDIS"
    ;;
  status)
    if redis_running; then
      echo "redis: running (pid $(redis_pid)) $EVENTING_REDIS"
    else
      echo "redis: stopped"
      exit 3
    fi
    ;;
  *) usage ;;
esac
