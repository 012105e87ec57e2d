#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME each (go test -fuzz
# takes one target per run), one line per target, and exits 1 if any found
# a failure. The failing input is written by go test under the package's
# testdata/fuzz/<Target>/ — commit it with the fix, it becomes a seed.
#   FUZZTIME=10s   how long each target runs (a go test -fuzztime value)
#   FUZZ=regexp    only the targets whose name matches (e.g. FUZZ=Parse)
set -uo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
FUZZ=${FUZZ:-.}
targets=()
while read -r dir pkg; do
  for name in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    [[ $name =~ $FUZZ ]] && targets+=("$pkg $name")
  done
done < <($GO list -f '{{.Dir}} {{.ImportPath}}' ./...)
echo "fuzzing ${#targets[@]} targets for $FUZZTIME each"
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  short=${pkg#github.com/gatehouse-dev/gatehouse/}
  start=$(date +%s)
  if $GO test -run '^$' -fuzz "^$name\$" -fuzztime "$FUZZTIME" "$pkg" >"$log" 2>&1; then
    # go test's last progress line: "fuzz: elapsed: 10s, execs: 123 (12/sec), new interesting: 3 (total: 40)"
    stats=$(grep -o 'execs: [0-9]*.*' "$log" | tail -n 1)
    printf 'ok    %-30s %-28s %4ss  %s\n' "$short" "$name" "$(( $(date +%s) - start ))" "${stats:-no progress line}"
  else
    failed=$((failed + 1))
    printf 'FAIL  %-30s %-28s %4ss\n' "$short" "$name" "$(( $(date +%s) - start ))"
    sed 's/^/    | /' "$log"
  fi
done
echo "${#targets[@]} fuzz targets run for $FUZZTIME each, $failed failed"
[ "$failed" = 0 ]
