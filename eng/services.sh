#!/usr/bin/env bash
# Every local service the Eventing tests need: RabbitMQ + ActiveMQ (eng/brokers.sh),
# PostgreSQL (eng/postgres.sh) and Redis (eng/redis.sh), plus Debian's chromium for the browser tests
# (installed only; Playwright starts it per test). This is what .ci/run calls.
#
# Usage: eng/services.sh up | down | status
#   up      on a fresh machine: one `apt-get update` and ONE `apt-get install` of everything
#           missing, then all services start in parallel. Idempotent. Prints KEY=VALUE lines
#           for humans; do not eval them (the Postgres string holds ';'): `source eng/env.sh`
#           exports the same settings.
#   down    stop all of them (only the PIDs the scripts recorded).
#   status  one line per service; exit 0 only if all run.
set -euo pipefail

LOG_TAG=services
ENG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=eng/lib/common.sh
. "$ENG_DIR/lib/common.sh"

SCRIPTS=(brokers postgres redis)


# run_all CMD: runs the three scripts at once (RabbitMQ's 5-7 s boot dominates; the others fit
# inside it), then prints their output in a fixed order. Fails if any failed.
run_all() {
  local cmd=$1 s rc=0 out
  local -A pids=()
  out=$(mktemp -d)
  for s in "${SCRIPTS[@]}"; do
    bash "$ENG_DIR/$s.sh" "$cmd" >"$out/$s.out" 2>"$out/$s.err" </dev/null &
    pids[$s]=$!
  done
  for s in "${SCRIPTS[@]}"; do
    if ! wait "${pids[$s]}"; then
      rc=1
      log "eng/$s.sh $cmd failed"
    fi
    cat "$out/$s.err" >&2
    cat "$out/$s.out"
  done
  rm -rf "$out"
  return "$rc"
}

case ${1:-} in
  up)
    t0=$(now_ms)
    # All missing packages of all services in one apt-get call (a fresh machine has none).
    ensure_packages base rabbitmq activemq python postgres redis browser
    run_all up || die "some services did not start (see above)"
    log "all services up in $(elapsed "$t0")"
    ;;
  down)
    run_all down
    ;;
  status)
    rc=0
    for s in "${SCRIPTS[@]}"; do
      bash "$ENG_DIR/$s.sh" status || rc=3
    done
    exit "$rc"
    ;;
  *) usage ;;
esac
