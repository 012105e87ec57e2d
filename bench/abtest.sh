#!/usr/bin/env bash
# bench/abtest.sh REV [ROUNDS] — the Go benchmarks behind the README's
# performance table, run for REV (e.g. a release tag or the merge base) and
# for the working tree in the same run: test binaries are built once for
# each, then run alternately ROUNDS times (default 6) so that both see the
# same machine. Prints benchstat's comparison (old = REV, new = tree).
#
# Needs git and benchstat (go install golang.org/x/perf/cmd/benchstat@latest).
set -euo pipefail
rev=${1:?usage: bench/abtest.sh REV [ROUNDS]}
rounds=${2:-6}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# package : benchmark regexp (the README's table rows)
benches=(
  "internal/sigv4:^(BenchmarkVerify|BenchmarkVerifyPresigned|BenchmarkSDKSignHTTP)$"
  "internal/policy:^BenchmarkEvaluate$"
  "internal/iam:^BenchmarkAuthorize$"
  "internal/authn:^(BenchmarkTokenOpen|BenchmarkAuthenticateSession)$"
  "internal/sts:^BenchmarkAssumeRoleServer$"
  "internal/gateway:^BenchmarkGateway$"
  "internal/lambda:^(BenchmarkProxyWarm|BenchmarkPlainHTTP)$"
)

git -C "$root" worktree add -q --detach "$work/old" "$rev"
build() { # tree side
  local tree=$1 side=$2
  for b in "${benches[@]}"; do
    pkg=${b%%:*}
    (cd "$tree" && go test -c -o "$work/$side-${pkg//\//_}.test" "./$pkg") || exit 1
  done
}
echo "building $rev and the working tree..." >&2
build "$work/old" old
build "$root" new

for ((i = 1; i <= rounds; i++)); do
  echo "round $i/$rounds" >&2
  for side in old new; do
    for b in "${benches[@]}"; do
      pkg=${b%%:*} re=${b#*:}
      # Run from the package directory: tests read their testdata.
      dir=$root
      [ "$side" = old ] && dir=$work/old
      (cd "$dir/$pkg" && "$work/$side-${pkg//\//_}.test" -test.run '^$' -test.bench "$re" \
        -test.benchmem -test.count 1 -test.benchtime 1s) | grep -E '^(Benchmark|goos|goarch|pkg|cpu)' >>"$work/$side.txt" || true
    done
  done
done
benchstat "$work/old.txt" "$work/new.txt"
