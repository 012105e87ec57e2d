#!/usr/bin/env bash
# Runs a command with `aws` served by the AWS CLI fork server
# (internal/tools/awsfork): the same AWS CLI v1 code, started once instead
# of ~350 times, which takes about a third of `make test`'s CPU off this
# 2-core machine. Where the `aws` on PATH is not the Python AWS CLI v1 (v2,
# missing), or GATEHOUSE_AWSFORK=0, or the server does not start, the
# command runs with the plain `aws`, and says so.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "${GATEHOUSE_AWSFORK:-1}" = 0 ]; then exec "$@"; fi
real=$(command -v aws) || { echo "note: no aws on PATH" >&2; exec "$@"; }
real=$(readlink -f "$real")
py=$(sed -n '1s/^#!//p' "$real" | awk '{print $1}')
if [ -z "$py" ] || ! "$py" -c 'import awscli.clidriver' 2>/dev/null; then
  echo "note: $real is not the Python AWS CLI v1; the tests run it directly" >&2
  exec "$@"
fi
dir=$(mktemp -d /tmp/gatehouse-awsfork.XXXXXX)
if ! (cd "$root" && ${GO:-go} build -ldflags "-X main.sock=$dir/sock -X main.real=$real" -o "$dir/aws" ./internal/tools/awsfork); then
  rm -rf "$dir"; echo "note: could not build awsfork; the tests run the AWS CLI directly" >&2; exec "$@"
fi
mkfifo "$dir/ready"
env -u AWS_DATA_PATH "$py" "$root/internal/tools/awsfork/server.py" "$dir/sock" > "$dir/ready" 2> "$dir/server.log" &
server=$!
exec 4<"$dir/ready"
if ! read -r -t 120 -u 4 line || [ "$line" != ready ]; then
  kill "$server" 2>/dev/null; echo "note: the AWS CLI fork server did not start:" >&2; cat "$dir/server.log" >&2
  rm -rf "$dir"; exec "$@"
fi
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT
echo "AWS CLI fork server for the tests: $real via $dir/sock (stopped when the tests end)"
# GATEHOUSE_AWSFORK_REAL: for internal/tools/awsfork's own test.
export PATH="$dir:$PATH" GATEHOUSE_AWSFORK_REAL="$real"
"$@"
