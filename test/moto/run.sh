#!/usr/bin/env bash
# Runs moto's own test suites in server mode against the real gatehouse binary.
#
#   test/moto/run.sh [SUITE...]      default: test_apigateway test_iam test_sts test_awslambda
#
# moto's tests are not in its wheel: they are fetched at run time, for the
# installed moto version (tag X.Y.Z), from MOTO_REPO (default the moto GitHub
# repository; a local clone or bare mirror path works too) into
# bin/moto-src/X.Y.Z (cached). Nothing of moto is kept in this repository.
# Where python3 lacks moto/boto3, pytest is missing, or the sources cannot be
# fetched (no network), the run is skipped with the reason, exit 0.
#
# Results: bin/moto/SUITE.jsonl (one line per test), gatehouse's log in
# bin/moto/SUITE.log; test/moto/report.py turns them into doc/moto-results.md.
# Extra pytest arguments: PYTEST_ARGS='-x'; a -k expression (spaces
# allowed): PYTEST_K='test_create_role or test_get_role'.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
skip() { echo "moto suites: SKIP: $*"; exit 0; }

PY=${PYTHON:-python3}
ver=$("$PY" -c 'import moto, boto3; print(moto.__version__)' 2>/dev/null) ||
	skip "$PY cannot import moto and boto3 (pip install moto==5.2.1 boto3)"
"$PY" test/moto/runpytest.py --version >/dev/null 2>&1 ||
	skip "no pytest for $PY (pip install pytest, or apt-get install python3-pytest python3-freezegun)"

src=$root/bin/moto-src/$ver
if [ ! -f "$src/tests/conftest.py" ]; then
	repo=${MOTO_REPO:-https://github.com/getmoto/moto.git}
	case $repo in /*) repo=file://$repo ;; esac
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	git clone -q --depth 1 --branch "$ver" --no-checkout "$repo" "$tmp/moto" 2>"$tmp/err" ||
		skip "cannot fetch moto $ver's tests from $repo: $(head -1 "$tmp/err") (set MOTO_REPO to a clone)"
	mkdir -p "$src"
	git -C "$tmp/moto" archive HEAD tests pyproject.toml setup.cfg | tar -x -C "$src"
fi

go build -o bin/gatehouse ./cmd/gatehouse
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(test_apigateway test_iam test_sts test_awslambda)
out=$root/bin/moto
mkdir -p "$out"
port=${GATEHOUSE_MOTO_PORT:-45660}
for s in "${suites[@]}"; do
	rm -f "$out/$s.jsonl" "$out/$s.log"
	echo "moto suites: $s (moto $ver) against gatehouse on 127.0.0.1:$port"
	# Cleared so that the suite sees only what the plugin sets.
	env -u AWS_PROFILE -u AWS_SHARED_CREDENTIALS_FILE -u AWS_CONFIG_FILE -u AWS_SESSION_TOKEN \
		-u AWS_ENDPOINT_URL -u GATEHOUSE_DATA_DIR -u GATEHOUSE_STORE \
		TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT="http://127.0.0.1:$port" \
		AWS_ACCESS_KEY_ID=AKIAMOTOSUITE0000001 \
		AWS_SECRET_ACCESS_KEY=motosuitesecretmotosuitesecretmotosuite0 \
		GATEHOUSE_ROOT_ACCESS_KEY_ID=AKIAMOTOSUITE0000001 \
		GATEHOUSE_ROOT_SECRET_ACCESS_KEY=motosuitesecretmotosuitesecretmotosuite0 \
		AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		GATEHOUSE_BIN="$root/bin/gatehouse" GATEHOUSE_MOTO_PORT="$port" \
		GATEHOUSE_MOTO_RESULTS="$out/$s.jsonl" GATEHOUSE_MOTO_LOG="$out/$s.log" \
		PYTHONPATH="$root/test/moto" \
		bash -c 'cd "$0" && "$1" "$2" -p gatehouse_moto -q -p no:cacheprovider --color=no -o addopts= -rN --tb=no $PYTEST_ARGS ${4:+-k "$4"} "tests/$3"' \
		"$src" "$PY" "$root/test/moto/runpytest.py" "$s" "${PYTEST_K:-}" | tail -3 || true
done
"$PY" test/moto/report.py "$out" "${suites[@]}"
