#!/usr/bin/env bash
# Make sure the servers the tests talk to answer on loopback: PostgreSQL (5432, the
# `postgres` user without a password) and Redis (6379). On the project's machines both
# are started before a session; this checks instead of assuming, starts a stopped one,
# and installs one that is missing (then PostgreSQL trusts loopback connections: a test
# machine only).
set -euo pipefail

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do answers "$1" && return 0; sleep 0.5; done
  echo "ensure-services: nothing answers on 127.0.0.1:$1" >&2
  return 1
}

if ! answers 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "ensure-services: installing PostgreSQL"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      printf 'host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n' \
        | $SUDO tee "$hba.courtrec" >/dev/null
      $SUDO sh -c "cat '$hba' >> '$hba.courtrec' && mv '$hba.courtrec' '$hba'"
    done
  fi
  echo "ensure-services: starting PostgreSQL"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_port 5432
fi

if ! answers 6379; then
  command -v redis-server >/dev/null 2>&1 || {
    echo "ensure-services: installing Redis"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  }
  echo "ensure-services: starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379
fi
