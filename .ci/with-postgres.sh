#!/usr/bin/env bash
# Runs a command with GATEHOUSE_TEST_PGURL set, the way .ci/run does: when
# it is not set already, starts a throwaway PostgreSQL (.ci/postgres.sh)
# for the command and stops it afterwards. When no server can be started,
# says so loudly and runs the command anyway: the PostgreSQL tests then
# skip, and the test summary lists them.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${GATEHOUSE_TEST_PGURL:-}" ]; then
  exec "$@"
fi
if url=$("$here/postgres.sh" 2>/tmp/gatehouse-pg-setup.$$.log); then
  rm -f /tmp/gatehouse-pg-setup.$$.log
  export GATEHOUSE_TEST_PGURL=$url
  echo "PostgreSQL for the tests: $url (stopped when the tests end)"
  trap '"$here/postgres.sh" stop "$GATEHOUSE_TEST_PGURL"' EXIT
else
  cat >&2 <<MSG
**********************************************************************
WARNING: could not start PostgreSQL for the tests (.ci/postgres.sh
failed; its output is below). The PostgreSQL store and multi-node tests
will SKIP. Install PostgreSQL, or set GATEHOUSE_TEST_PGURL to a server's
URL (postgres://user@host/db?sslmode=disable), and run again.
**********************************************************************
MSG
  sed 's/^/    | /' /tmp/gatehouse-pg-setup.$$.log >&2
  rm -f /tmp/gatehouse-pg-setup.$$.log
fi
"$@"
