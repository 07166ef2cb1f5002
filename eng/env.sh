# shellcheck shell=sh
# Connection settings of the local test services started by eng/services.sh (or brokers.sh,
# postgres.sh, redis.sh). Tests and CI `source eng/env.sh`; the eng/ scripts source it too, so the
# defaults live in exactly one place. Every port can be overridden by setting its variable first.
#
# Sourced into the caller's shell: it only sets and exports variables (no `set -e`, no output).
#
# Credentials:
#   RabbitMQ  guest/guest (RabbitMQ allows guest only over loopback, which is all we use).
#             A wrong password (guest:wrong) is refused: EVENTING_RABBITMQ_BAD_URI.
#             STOMP clients must send the CONNECT header host:/ (the vhost).
#   ActiveMQ  admin/admin, enforced by a simpleAuthenticationPlugin in our activemq.xml, so a
#             wrong password (admin:wrong) is refused too: EVENTING_ACTIVEMQ_STOMP_BAD_URI.
#   Postgres  user postgres, trust auth over 127.0.0.1 (any password is accepted).
#   Redis     no auth.

# POSIX sh compatible (dash too); only bash can tell where this file is, for EVENTING_ENG_DIR.
if [ -n "${BASH_SOURCE:-}" ]; then
  EVENTING_ENG_DIR="$(cd "$(dirname "${BASH_SOURCE:-}")" && pwd)"
  export EVENTING_ENG_DIR
fi
: "${EVENTING_STATE_DIR:=/tmp/eventing-brokers}"
# Absolute, so every script and test sees the same dir whatever its working directory.
case $EVENTING_STATE_DIR in
  /*) ;;
  *) EVENTING_STATE_DIR="$PWD/$EVENTING_STATE_DIR" ;;
esac
: "${EVENTING_RABBITMQ_PORT:=5672}"
: "${EVENTING_RABBITMQ_STOMP_PORT:=61614}"
: "${EVENTING_RABBITMQ_DIST_PORT:=25672}"
: "${EVENTING_EPMD_PORT:=4369}"
: "${EVENTING_ACTIVEMQ_STOMP_PORT:=61613}"
: "${EVENTING_ACTIVEMQ_OPENWIRE_PORT:=61616}"
: "${EVENTING_POSTGRES_PORT:=55432}"
: "${EVENTING_REDIS_PORT:=56379}"
export EVENTING_STATE_DIR \
  EVENTING_RABBITMQ_PORT EVENTING_RABBITMQ_STOMP_PORT EVENTING_RABBITMQ_DIST_PORT EVENTING_EPMD_PORT \
  EVENTING_ACTIVEMQ_STOMP_PORT EVENTING_ACTIVEMQ_OPENWIRE_PORT \
  EVENTING_POSTGRES_PORT EVENTING_REDIS_PORT

# RabbitMQ: AMQP 0-9-1 and AMQP 1.0 (plugin rabbitmq_amqp1_0, v1 addresses) share one port.
export EVENTING_RABBITMQ_URI="amqp://guest:guest@127.0.0.1:${EVENTING_RABBITMQ_PORT}/"
export EVENTING_RABBITMQ_AMQP10_URI="amqp://guest:guest@127.0.0.1:${EVENTING_RABBITMQ_PORT}"
export EVENTING_RABBITMQ_STOMP_URI="stomp://guest:guest@127.0.0.1:${EVENTING_RABBITMQ_STOMP_PORT}"
export EVENTING_RABBITMQ_BAD_URI="amqp://guest:wrong@127.0.0.1:${EVENTING_RABBITMQ_PORT}/"
# ActiveMQ Classic: STOMP and OpenWire (no AMQP 1.0 in Debian's build).
export EVENTING_ACTIVEMQ_STOMP_URI="stomp://admin:admin@127.0.0.1:${EVENTING_ACTIVEMQ_STOMP_PORT}"
export EVENTING_ACTIVEMQ_STOMP_BAD_URI="stomp://admin:wrong@127.0.0.1:${EVENTING_ACTIVEMQ_STOMP_PORT}"
export EVENTING_ACTIVEMQ_OPENWIRE_URI="tcp://127.0.0.1:${EVENTING_ACTIVEMQ_OPENWIRE_PORT}"
# PostgreSQL (Npgsql connection string) and Redis (StackExchange.Redis configuration string).
export EVENTING_POSTGRES="Host=127.0.0.1;Port=${EVENTING_POSTGRES_PORT};Username=postgres;Database=eventing"
export EVENTING_REDIS="127.0.0.1:${EVENTING_REDIS_PORT}"
# Debian's chromium (eng/services.sh up installs it), which the browser tests launch through Playwright.
: "${EVENTING_CHROMIUM:=/usr/bin/chromium}"
export EVENTING_CHROMIUM

# ---------------------------------------------------------------------------------------------
# Cluster: eng/cluster.sh, a 3-node RabbitMQ 3.10 cluster on 127.0.0.1 for failover tests. It is
# separate from the standalone broker above: its own ports, its own epmd, its own state dir.
# Node N (1, 2, 3) listens on BASE+N-1 of each *_PORT below (AMQP 5781-5783, STOMP 61781-61783,
# Erlang distribution 25781-25783); the three nodes share one epmd (4381, never the standalone
# broker's 4369) and are named ${EVENTING_CLUSTER_NODE_PREFIX}-N@localhost.
: "${EVENTING_CLUSTER_DIR:=$EVENTING_STATE_DIR/cluster}"
case $EVENTING_CLUSTER_DIR in
  /*) ;;
  *) EVENTING_CLUSTER_DIR="$PWD/$EVENTING_CLUSTER_DIR" ;;
esac
: "${EVENTING_CLUSTER_RABBITMQ_PORT:=5781}"
: "${EVENTING_CLUSTER_STOMP_PORT:=61781}"
: "${EVENTING_CLUSTER_DIST_PORT:=25781}"
: "${EVENTING_CLUSTER_EPMD_PORT:=4381}"
: "${EVENTING_CLUSTER_NODE_PREFIX:=rabbit-cluster}"
export EVENTING_CLUSTER_DIR EVENTING_CLUSTER_RABBITMQ_PORT EVENTING_CLUSTER_STOMP_PORT \
  EVENTING_CLUSTER_DIST_PORT EVENTING_CLUSTER_EPMD_PORT EVENTING_CLUSTER_NODE_PREFIX
# Comma-separated, node 1 first: AMQP 0-9-1, AMQP 1.0 (same port, plugin rabbitmq_amqp1_0) and
# STOMP (CONNECT needs host:/). guest/guest over loopback, as on the standalone broker.
EVENTING_CLUSTER_RABBITMQ_URIS=
EVENTING_CLUSTER_AMQP10_URIS=
EVENTING_CLUSTER_STOMP_URIS=
for _eventing_n in 0 1 2; do
  _eventing_sep=${EVENTING_CLUSTER_RABBITMQ_URIS:+,}
  _eventing_port=$((EVENTING_CLUSTER_RABBITMQ_PORT + _eventing_n))
  EVENTING_CLUSTER_RABBITMQ_URIS="${EVENTING_CLUSTER_RABBITMQ_URIS}${_eventing_sep}amqp://guest:guest@127.0.0.1:${_eventing_port}/"
  EVENTING_CLUSTER_AMQP10_URIS="${EVENTING_CLUSTER_AMQP10_URIS}${_eventing_sep}amqp://guest:guest@127.0.0.1:${_eventing_port}"
  EVENTING_CLUSTER_STOMP_URIS="${EVENTING_CLUSTER_STOMP_URIS}${_eventing_sep}stomp://guest:guest@127.0.0.1:$((EVENTING_CLUSTER_STOMP_PORT + _eventing_n))"
done
unset _eventing_n _eventing_sep _eventing_port
export EVENTING_CLUSTER_RABBITMQ_URIS EVENTING_CLUSTER_AMQP10_URIS EVENTING_CLUSTER_STOMP_URIS
