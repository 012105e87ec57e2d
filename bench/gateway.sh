#!/usr/bin/env bash
# Load benchmark of the execute-api data plane, in one run on loopback
# against the same small-JSON Go backend:
#   1. the backend directly
#   2. nginx proxy_pass with keep-alive upstreams
#   3. a plain httputil.ReverseProxy
#   4. gatehouse on a NONE route (HTTP_PROXY), with its own HTTP front and
#      upstream client, then with net/http's (--http-server=net/http
#      --upstream-client=net/http); MIXED=1 adds one of each
#   5. gatehouse on an AWS_IAM route, with one request signed once and
#      replayed by wrk within the 5-minute window
# Prints requests/s, p50/p99 latency and CPU per request for each, and the ratios the issue
# sets as targets. Needs wrk, nginx (apt-get install -y wrk nginx-light),
# the AWS CLI and Go.
#
# Usage: bench/gateway.sh [duration, default 10s] [connections, default 64]
# GATEHOUSE_GOGC, when set, is gatehouse's GOGC; unset, serve uses its own
# default of 400 (fewer GC cycles at the proxy's allocation rate).
# ROUNDS (default 2) interleaves the five runs that many times and keeps
# each configuration's best round, so that load from other processes on a
# shared machine skews the comparison less.
set -euo pipefail

DUR=${1:-10s}
CONNS=${2:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null || { echo "bench: $1 not found (apt-get install -y wrk nginx-light; AWS CLI)" >&2; exit 2; }; }
need wrk; need nginx; need aws; need go

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

echo "building..." >&2
(cd "$ROOT" && go build -o "$WORK/gatehouse" ./cmd/gatehouse && go build -o "$WORK/benchtool" ./bench/benchtool)

BE=$(free_port); NG=$(free_port); RP=$(free_port); GH=$(free_port)
"$WORK/benchtool" backend -listen 127.0.0.1:$BE & PIDS+=($!); BE_PID=$!
"$WORK/benchtool" rproxy -listen 127.0.0.1:$RP -target http://127.0.0.1:$BE & PIDS+=($!); RP_PID=$!

mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx;
  fastcgi_temp_path $WORK/nginx; uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  upstream backend { server 127.0.0.1:$BE; keepalive 256; }
  server {
    listen 127.0.0.1:$NG;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' & PIDS+=($!); NG_PID=$!

export AWS_ACCESS_KEY_ID=AKIABENCHBENCHBENCH1 AWS_SECRET_ACCESS_KEY=benchbenchbenchbenchbenchbenchbenchbench
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
# gatehouse runs once per configuration of its HTTP parts: its own front and
# upstream client (the default), and both replaced by net/http's; MIXED=1
# adds one of each.
GH_NAMES=(gatehouse nethttp)
GH_FLAGS=("" "--http-server=net/http --upstream-client=net/http")
GH_BINS=("$WORK/gatehouse" "$WORK/gatehouse")
if [ -n "${MIXED:-}" ]; then
	GH_NAMES+=(front+nhclient nhserver+client)
	GH_FLAGS+=("--upstream-client=net/http" "--http-server=net/http")
	GH_BINS+=("$WORK/gatehouse" "$WORK/gatehouse")
fi
# BASELINE=path/to/an/older/gatehouse adds that binary, default flags, as
# configuration "baseline": a before/after comparison within one run.
if [ -n "${BASELINE:-}" ]; then
	GH_NAMES+=(baseline); GH_FLAGS+=(""); GH_BINS+=("$BASELINE")
fi
GH_PORTS=(); GH_PIDS=(); GH_API=()
for i in "${!GH_NAMES[@]}"; do
	port=$(free_port)
	# shellcheck disable=SC2086 # GH_FLAGS holds separate flags
	GOGC=${GATEHOUSE_GOGC:-} GATEHOUSE_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID GATEHOUSE_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
		"${GH_BINS[$i]}" serve --listen 127.0.0.1:$port --data-dir "$WORK/data.$i" --log-level warn ${GH_FLAGS[$i]} >"$WORK/gatehouse.$i.log" 2>&1 & PIDS+=($!)
	GH_PORTS+=("$port"); GH_PIDS+=($!)
done
wait_port $BE; wait_port $RP; wait_port $NG
for port in "${GH_PORTS[@]}"; do wait_port "$port"; done

cat > "$WORK/api.json" <<JSON
{"openapi":"3.0.1","info":{"title":"bench","version":"1"},
 "paths":{
  "/open":{"get":{"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"http://127.0.0.1:$BE/data"}}},
  "/iam":{"get":{"security":[{"sigv4":[]}],"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"http://127.0.0.1:$BE/data"}}}},
 "components":{"securitySchemes":{"sigv4":{"type":"apiKey","name":"Authorization","in":"header","x-amazon-apigateway-authtype":"awsSigv4"}}}}
JSON
for i in "${!GH_NAMES[@]}"; do
	EP="--endpoint-url http://127.0.0.1:${GH_PORTS[$i]}"
	API=$(aws apigateway import-rest-api --body "fileb://$WORK/api.json" $EP --query id --output text)
	aws apigateway create-deployment --rest-api-id "$API" --stage-name bench $EP >/dev/null
	# AWS's default 10,000 rps / 5,000 burst account throttle would cap the run.
	aws apigateway update-stage --rest-api-id "$API" --stage-name bench $EP --patch-operations \
		op=replace,path=/*/*/throttling/rateLimit,value=1000000 op=replace,path=/*/*/throttling/burstLimit,value=1000000 >/dev/null
	GH_API+=("$API")
done
ghurl() { echo "http://127.0.0.1:${GH_PORTS[$1]}/restapis/${GH_API[$1]}/bench/_user_request_/$2"; }
# hdrs I: HDRS becomes the -H arguments of a request to gatehouse
# configuration I's AWS_IAM route, signed now (a run must stay within the
# signature's 5-minute window).
hdrs() {
	HDRS=()
	while IFS= read -r line; do HDRS+=(-H "$line"); done < <("$WORK/benchtool" sign -target "$(ghurl "$1" iam)")
}

# Sanity: every configuration answers 200 with the backend's body.
for u in "http://127.0.0.1:$BE/data" "http://127.0.0.1:$NG/data" "http://127.0.0.1:$RP/data"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$u"); [ "$code" = 200 ] || { echo "bench: $u answered $code" >&2; exit 1; }
done
for i in "${!GH_NAMES[@]}"; do
	hdrs "$i"
	code=$(curl -s -o /dev/null -w '%{http_code}' "$(ghurl "$i" open)"); [ "$code" = 200 ] || { echo "bench: ${GH_NAMES[$i]} open answered $code" >&2; exit 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' "${HDRS[@]}" "$(ghurl "$i" iam)"); [ "$code" = 200 ] || { echo "bench: ${GH_NAMES[$i]} signed iam answered $code" >&2; exit 1; }
	code=$(curl -s -o /dev/null -w '%{http_code}' "$(ghurl "$i" iam)"); [ "$code" = 403 ] || { echo "bench: ${GH_NAMES[$i]} unsigned IAM route answered $code" >&2; exit 1; }
done

# CPU time (user+system, clock ticks) used so far by a process and its
# children still running (nginx's workers): CPU per request is far less
# sensitive than requests/s to other load on a shared machine.
cpu_ticks() {
	local t=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		[ -r "/proc/$p/stat" ] || continue
		t=$((t + $(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat")))
	done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

run() { # name proxy-pid url [headers...]
	local name=$1 pid=$2 url=$3; shift 3
	wrk -t"$THREADS" -c"$CONNS" -d3s "$@" "$url" >/dev/null # warm-up
	local c0 b0 out c1 b1
	c0=$(cpu_ticks "$pid"); b0=$(cpu_ticks "$BE_PID")
	out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DUR" --latency "$@" "$url")
	c1=$(cpu_ticks "$pid"); b1=$(cpu_ticks "$BE_PID")
	local rps p50 p99 errs reqs cpu
	rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	p50=$(awk '$1=="50%" {print $2}' <<<"$out")
	p99=$(awk '$1=="99%" {print $2}' <<<"$out")
	errs=$(awk '/Non-2xx/ {print $5}' <<<"$out")
	# Microseconds of CPU per request in the configuration's own process
	# (for the backend alone, that is the backend).
	cpu=$(awk -v d=$((c1 - c0)) -v n="$reqs" -v hz="$HZ" 'BEGIN {printf "%.1f", d * 1e6 / hz / n}')
	printf '%-6s %-22s %12s %10s %10s %9s us/req %s\n' "#$round" "$name" "$rps" "$p50" "$p99" "$cpu" "${errs:+non-2xx=$errs}" >&2
	if [ -n "$errs" ]; then
		echo "bench: $name answered $errs non-2xx responses; round $round left out" >&2
		return
	fi
	echo "$name $rps $p50 $p99 $cpu $round" >>"$WORK/results"
}

for round in $(seq "$ROUNDS"); do
	run backend "$BE_PID" "http://127.0.0.1:$BE/data"
	run nginx "$NG_PID" "http://127.0.0.1:$NG/data"
	run reverseproxy "$RP_PID" "http://127.0.0.1:$RP/data"
	for i in "${!GH_NAMES[@]}"; do
		hdrs "$i"
		run "${GH_NAMES[$i]}-none" "${GH_PIDS[$i]}" "$(ghurl "$i" open)"
		run "${GH_NAMES[$i]}-aws_iam" "${GH_PIDS[$i]}" "$(ghurl "$i" iam)" "${HDRS[@]}"
	done
done

NAMES=(backend nginx reverseproxy)
for n in "${GH_NAMES[@]}"; do NAMES+=("$n-none" "$n-aws_iam"); done
# Best round of each configuration.
sort -k1,1 -k2,2gr "$WORK/results" | awk '!seen[$1]++' >"$WORK/best"
echo
printf '%-28s %12s %10s %10s %14s\n' "configuration (best of $ROUNDS)" "requests/s" p50 p99 "CPU us/req"
for n in "${NAMES[@]}"; do
	# CPU per request: the lowest over the rounds (the least disturbed).
	cpu=$(awk -v n="$n" '$1==n {print $5}' "$WORK/results" | sort -g | head -1)
	awk -v n="$n" -v cpu="$cpu" '$1==n {printf "%-28s %12s %10s %10s %14s\n", $1, $2, $3, $4, cpu}' "$WORK/best"
done

awk '
function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
{ rps[$1]=$2; p99[$1]=ms($4) }
END {
  printf "\naws_iam / reverseproxy throughput: %.2fx (target >= 1.0)\n", rps["gatehouse-aws_iam"]/rps["reverseproxy"]
  printf "aws_iam / nginx throughput:        %.2fx (target >= 0.5)\n", rps["gatehouse-aws_iam"]/rps["nginx"]
  printf "aws_iam p99 %.2fms vs reverseproxy p99 %.2fms (target: no worse)\n", p99["gatehouse-aws_iam"], p99["reverseproxy"]
}' "$WORK/best"
# A ratio within each round (the two measured seconds apart, so both saw
# about the same load from outside), and its median.
per_round() { # label numerator-config denominator-config
	awk -v a="$2" -v b="$3" -v label="$1" '$1==b {den[$6]=$2} $1==a {num[$6]=$2} $6>max {max=$6}
	END { n=0; for (r=1; r<=max; r++) if ((r in num) && (r in den)) { v[++n]=num[r]/den[r]; line=line sprintf(" %.2f", v[n]) }
	  for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (v[j]<v[i]) { t=v[i]; v[i]=v[j]; v[j]=t }
	  m = n%2 ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
	  printf "%-40s%s (median %.2f)\n", label " per round:", line, m }' "$WORK/results"
}
for n in "${GH_NAMES[@]}"; do per_round "$n-aws_iam / nginx" "$n-aws_iam" nginx; done
for n in "${GH_NAMES[@]:1}"; do
	per_round "gatehouse-aws_iam / $n-aws_iam" gatehouse-aws_iam "$n-aws_iam"
	per_round "gatehouse-none / $n-none" gatehouse-none "$n-none"
done
# CPU per request, lowest round of each, against nginx's.
for n in "${GH_NAMES[@]}"; do
	awk -v g="$n-aws_iam" '$1=="nginx" && (!("n" in m) || $5<m["n"]) {m["n"]=$5} $1==g && (!("g" in m) || $5<m["g"]) {m["g"]=$5}
	END { printf "%s / nginx CPU per request: %.2fx (%s vs %s us, lowest round of each)\n", g, m["g"]/m["n"], m["g"], m["n"] }' "$WORK/results"
done
