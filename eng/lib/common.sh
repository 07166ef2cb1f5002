# shellcheck shell=bash
# Helpers shared by eng/brokers.sh, eng/postgres.sh, eng/redis.sh and eng/services.sh.
# Sourced, not run. Facts behind the choices: eng/README.md.

# shellcheck source=eng/env.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/env.sh"

# env.sh made it absolute: it is written into broker configs and compared against
# /proc/PID/cmdline.
STATE_DIR=$EVENTING_STATE_DIR
# Seconds to wait for a service to become ready (CI machines are shared with .NET builds).
export START_TIMEOUT=${EVENTING_START_TIMEOUT:-120}

# usage: the calling script's header comment (from line 2 to `set -euo`), on stderr; exit 2.
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

log() { printf '[%s] %s\n' "${LOG_TAG:-eng}" "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Monotonic-enough wall clock with milliseconds, for the timings we print.
now_ms() { date +%s%3N; }
elapsed() { # START_MS -> "1.234s"
  local ms=$(($(now_ms) - $1))
  printf '%d.%03ds' $((ms / 1000)) $((ms % 1000))
}

# ---------------------------------------------------------------------------------------------
# Processes. We only ever signal PIDs we recorded ourselves, and check that the PID still runs
# the program we started (PIDs get reused).

# PID 1 here reaps orphans late: a dead broker lingers as a zombie (state Z) and `kill -0` still
# succeeds. A zombie counts as stopped.
pid_alive() {
  local pid=${1:-} stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
  [[ -n $stat && $stat != Z* ]]
}

# pid_cmdline PID -> the process's argv joined by spaces.
pid_cmdline() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

# read_pid PIDFILE PATTERN -> prints the PID if the file names a live process whose command
# line contains PATTERN; fails otherwise.
read_pid() {
  local file=$1 pattern=$2 pid
  [[ -s $file ]] || return 1
  pid=$(<"$file")
  pid_alive "$pid" || return 1
  [[ $(pid_cmdline "$pid") == *"$pattern"* ]] || return 1
  printf '%s\n' "$pid"
}

# pid_has_env PID VAR=VALUE -> succeeds if the process was started with that environment entry
# (for processes whose command line does not name our state dir).
pid_has_env() {
  grep -qzxF -- "$2" "/proc/$1/environ" 2>/dev/null
}

# stop_pid PID NAME [TIMEOUT_S]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 timeout=${3:-30} i
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) still running ${timeout}s after SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  die "could not stop $name (pid $pid)"
}

# launch PIDFILE LOGFILE CMD [ARGS...]
# Starts CMD in the background as a plain process:
#  - in its own session (setsid), so a Ctrl-C or a kill of the caller's process group (CI job
#    runners, a test host that ran `brokers.sh restart`) does not take the service down with it;
#  - stdin, stdout and stderr redirected (CI waits on any pipe a background process inherits);
#  - without our lock fd 9 (the service would otherwise hold the script's lock forever).
# The PID file is written by the process itself before it execs CMD, so it is CMD's PID even if
# setsid had to fork.
launch() {
  local pidfile=$1 logfile=$2 i
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$, $0 and $@ are expanded by the inner bash, on purpose.
  setsid bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    >>"$logfile" 2>&1 </dev/null 9>&- &
  for ((i = 0; i < 200; i++)); do
    [[ -s $pidfile ]] && return 0
    sleep 0.05
  done
  die "could not launch $1 (no PID file $pidfile)"
}

# start_epmd PIDFILE LOGFILE PORT VARIABLE: our own epmd on 127.0.0.1:PORT, recorded in PIDFILE, started
# before the RabbitMQ nodes so we hold its PID (a node that finds no epmd starts a daemonised one that
# outlives it and that we could not stop by PID). Added to the caller's STARTED_NOW.
start_epmd() {
  local pidfile=$1 logfile=$2 port=$3 variable=$4 epmd i
  read_pid "$pidfile" epmd >/dev/null && return 0
  require_port_free "$port" "epmd ($variable)"
  epmd=$(command -v epmd) || die "epmd not found (package erlang-base)"
  mkdir -p "$(dirname "$logfile")"
  STARTED_NOW+=(epmd)
  launch "$pidfile" "$logfile" "$epmd" -address 127.0.0.1 -port "$port"
  for ((i = 0; i < 100; i++)); do
    port_open "$port" && return 0
    read_pid "$pidfile" epmd >/dev/null || break
    sleep 0.1
  done
  show_log_tail "$logfile"
  die "epmd did not start on 127.0.0.1:$port"
}

# Append LOG to LOG.old and remove it. Logs append across restarts in the same state dir, so the
# old "ready" line would satisfy the readiness wait of the next start.
rotate_log() {
  local f
  for f in "$@"; do
    if [[ -e $f ]]; then
      cat "$f" >>"$f.old"
      rm -f "$f"
    fi
  done
}

show_log_tail() { # FILE... : the last lines of each log, for error messages
  local f
  for f in "$@"; do
    if [[ ! -s $f ]]; then
      printf '%s\n' "----- $f: empty or missing -----" >&2
      continue
    fi
    printf '%s\n' "----- last lines of $f -----" >&2
    tail -n 40 "$f" >&2
  done
}

# ---------------------------------------------------------------------------------------------
# Network probes on 127.0.0.1, with bash's /dev/tcp (nothing to install). Each runs in a subshell
# so the socket closes with it; connects on loopback never hang and every read has a timeout.

port_open() { # PORT -> succeeds if something accepts a TCP connection on 127.0.0.1:PORT
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# require_port_free PORT WHAT: fail early and clearly when another process holds one of our
# ports, instead of letting the broker die with a bind error deep in its log.
require_port_free() {
  if port_open "$1"; then
    die "port 127.0.0.1:$1 ($2) is already in use by a process this script did not start; stop it or override the port (see eng/env.sh)"
  fi
}

# stomp_probe PORT LOGIN PASSCODE VHOST -> succeeds if a STOMP CONNECT is answered CONNECTED.
# A TCP accept alone can lie (ActiveMQ opens connectors one by one and a later failure stops the
# broker), so readiness is a real protocol exchange.
stomp_probe() {
  (
    local line
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'CONNECT\naccept-version:1.2\nhost:%s\nlogin:%s\npasscode:%s\nheart-beat:0,0\n\n\0' \
      "$4" "$2" "$3" >&3
    IFS= read -r -t 8 line <&3 || exit 1
    [[ ${line%$'\r'} == CONNECTED ]] || exit 1
    printf 'DISCONNECT\n\n\0' >&3
  ) 2>/dev/null
}

# amqp091_probe PORT -> succeeds if the port speaks AMQP 0-9-1 (answers the protocol header with
# a method frame, type 1).
amqp091_probe() {
  (
    local b
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'AMQP\x00\x00\x09\x01' >&3
    IFS= read -r -N 1 -t 8 b <&3 || exit 1
    [[ $b == $'\x01' ]]
  ) 2>/dev/null
}

# amqp10_probe PORT -> succeeds if the port speaks AMQP 1.0 (SASL layer): RabbitMQ echoes the
# header "AMQP" 3 1 0 0 only when the rabbitmq_amqp1_0 plugin runs; without it the broker answers
# with its 0-9-1 header ("AMQP" 0 ...). bash cannot hold NUL bytes, so compare the first 5 only.
amqp10_probe() {
  (
    local h
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'AMQP\x03\x01\x00\x00' >&3
    IFS= read -r -N 5 -t 8 h <&3 || exit 1
    [[ $h == AMQP$'\x03' ]]
  ) 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Packages (Debian). A fresh machine has none of the services installed.

pkg_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# missing_packages PKG... -> prints those not installed, space separated.
missing_packages() {
  local p out=()
  for p in "$@"; do
    pkg_installed "$p" || out+=("$p")
  done
  printf '%s\n' "${out[*]-}"
}

# java11_bin -> prints a java (>= 11, ActiveMQ 5.17 needs it) or fails.
java11_bin() {
  local j v
  for j in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" \
    /usr/lib/jvm/default-java/bin/java /usr/lib/jvm/*/bin/java; do
    [[ -n $j && -x $j ]] || continue
    v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
    if [[ $v =~ ^[0-9]+$ ]] && ((v >= 11)); then
      printf '%s\n' "$j"
      return 0
    fi
  done
  return 1
}

# Packages each service needs, as the scripts check them.
packages_for() {
  local what
  for what in "$@"; do
    case $what in
      base) echo procps ;; # ps, to tell zombies from live processes
      rabbitmq) echo rabbitmq-server ;;
      activemq)
        echo activemq
        # Debian's activemq depends on some Java >= 11; name one if none is there at all.
        java11_bin >/dev/null || echo default-jre-headless
        ;;
      # Interop peers; they import only under /usr/bin/python3, not a python3 earlier on PATH.
      python) echo python3-pika python3-stomp python3-qpid-proton ;;
      postgres) echo postgresql ;;
      redis) echo redis-server ;;
      # Headless browser for Eventing.AspNetCore's page tests (Playwright drives it; it cannot download its own).
      browser) echo chromium ;;
      *) die "unknown package set $what" ;;
    esac
  done
}

# ensure_packages SET... : installs every missing package of the sets in ONE apt-get call,
# after one apt-get update. Installing must not leave a system service running: Debian's
# postinst scripts start rabbitmq-server/redis-server through invoke-rc.d, which asks
# /usr/sbin/policy-rc.d first; exit code 101 there means "do not start".
ensure_packages() {
  local pkgs missing t0 had_policy=1
  # shellcheck disable=SC2046 # word splitting of the package list is wanted
  pkgs=$(packages_for "$@" | tr '\n' ' ')
  # shellcheck disable=SC2086
  missing=$(missing_packages $pkgs)
  [[ -n ${missing// /} ]] || return 0
  ((EUID == 0)) || die "packages missing ($missing) and not root: install them with apt-get"
  t0=$(now_ms)
  log "installing with apt-get: $missing"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    had_policy=0
    printf '#!/bin/sh\n# eventing eng/: no service starts during our apt-get install\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    # Remove it again whatever happens (it is not ours to keep).
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Other sessions may run apt at the same time: wait for the dpkg lock instead of failing.
  local apt=(apt-get -q -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update >&2 || die "apt-get update failed"
  # shellcheck disable=SC2086
  "${apt[@]}" install -y --no-install-recommends $missing >&2 ||
    die "apt-get install $missing failed"
  if ((had_policy == 0)); then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
  log "installed $missing in $(elapsed "$t0")"
  warn_system_services
}

# If a postinst started a system copy anyway (no policy-rc.d honoured), say so loudly: it would
# hold our ports or confuse tests. We do not kill what we did not start.
warn_system_services() {
  local u procs
  for u in rabbitmq activemq redis postgres; do
    procs=$(ps -u "$u" -o pid=,args= 2>/dev/null || true)
    if [[ -n $procs ]]; then
      log "WARNING: a system service of user $u is running (started by its package?):"
      printf '%s\n' "$procs" >&2
    fi
  done
}

# lock NAME: one invocation per script and state dir at a time (tests may restart a broker while
# another process asks for status). Held on fd 9 until the script exits.
lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.$1.lock"
  flock -w 600 9 || die "timed out waiting for $STATE_DIR/.$1.lock"
}
