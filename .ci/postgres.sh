#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on 127.0.0.1:55432 for the store
# tests and prints its URL. PostgreSQL refuses to run as root, so the server
# runs as an unprivileged user created for it.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
port=${GATEHOUSE_PG_PORT:-}
if [ -z "$port" ]; then
  for p in $(seq 55432 55452); do
    if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
  done
fi
data=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
run=()
if [ "$(id -u)" = 0 ]; then
  id gatehouse-ci >/dev/null 2>&1 || useradd --system --no-create-home gatehouse-ci
  chown gatehouse-ci "$data"
  run=(runuser -u gatehouse-ci --)
fi
"${run[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >/dev/null
"${run[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/log" -w \
  -o "-p $port -k $data -c listen_addresses=127.0.0.1" start >/dev/null
echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
