#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the store tests, listening only
# on a Unix socket in its own temp dir (no TCP port to collide with), and
# prints its URL. PostgreSQL refuses to run as root, so the server runs as
# an unprivileged user created for it.
#   .ci/postgres.sh            start one and print its URL
#   .ci/postgres.sh stop URL   stop the one at URL and delete its data
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ "${1:-}" = stop ]; then
  data=$(sed -n 's/.*[?&]host=\([^&]*\).*/\1/p' <<<"${2:-}")
  case "$data" in
  /tmp/gatehouse-pg.*) ;;
  *) echo "postgres.sh stop: $2 is not a URL this script printed" >&2; exit 2 ;;
  esac
  run=()
  [ "$(id -u)" = 0 ] && run=(runuser -u gatehouse-ci --)
  "${run[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  rm -rf "$data"
  exit 0
fi
if [ -z "$bindir" ]; then
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
data=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
run=()
if [ "$(id -u)" = 0 ]; then
  id gatehouse-ci >/dev/null 2>&1 || useradd --system --no-create-home gatehouse-ci
  chown gatehouse-ci "$data"
  chmod 755 "$data"
  run=(runuser -u gatehouse-ci --)
fi
"${run[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust >/dev/null
"${run[@]}" "$bindir/pg_ctl" -D "$data" -l "$data/log" -w \
  -o "-k $data -c listen_addresses=''" start >/dev/null
echo "postgres://postgres@/postgres?host=$data&sslmode=disable"
