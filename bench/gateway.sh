#!/usr/bin/env bash
# Load benchmark of the execute-api data plane, in one run on loopback
# against the same small-JSON Go backend:
#   1. the backend directly
#   2. nginx proxy_pass with keep-alive upstreams
#   3. a plain httputil.ReverseProxy
#   4. gatehouse on a NONE route (HTTP_PROXY)
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
GOGC=${GATEHOUSE_GOGC:-} GATEHOUSE_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID GATEHOUSE_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
	"$WORK/gatehouse" serve --listen 127.0.0.1:$GH --data-dir "$WORK/data" --log-level warn >"$WORK/gatehouse.log" 2>&1 & PIDS+=($!); GH_PID=$!
wait_port $BE; wait_port $RP; wait_port $NG; wait_port $GH

EP="--endpoint-url http://127.0.0.1:$GH"
cat > "$WORK/api.json" <<JSON
{"openapi":"3.0.1","info":{"title":"bench","version":"1"},
 "paths":{
  "/open":{"get":{"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"http://127.0.0.1:$BE/data"}}},
  "/iam":{"get":{"security":[{"sigv4":[]}],"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"http://127.0.0.1:$BE/data"}}}},
 "components":{"securitySchemes":{"sigv4":{"type":"apiKey","name":"Authorization","in":"header","x-amazon-apigateway-authtype":"awsSigv4"}}}}
JSON
API=$(aws apigateway import-rest-api --body "fileb://$WORK/api.json" $EP --query id --output text)
aws apigateway create-deployment --rest-api-id "$API" --stage-name bench $EP >/dev/null
# AWS's default 10,000 rps / 5,000 burst account throttle would cap the run.
aws apigateway update-stage --rest-api-id "$API" --stage-name bench $EP --patch-operations \
	op=replace,path=/*/*/throttling/rateLimit,value=1000000 op=replace,path=/*/*/throttling/burstLimit,value=1000000 >/dev/null

IAMURL="http://127.0.0.1:$GH/restapis/$API/bench/_user_request_/iam"
HDRS=()
while IFS= read -r line; do HDRS+=(-H "$line"); done < <("$WORK/benchtool" sign -target "$IAMURL")
# Sanity: every configuration answers 200 with the backend's body.
for u in "http://127.0.0.1:$BE/data" "http://127.0.0.1:$NG/data" "http://127.0.0.1:$RP/data" "http://127.0.0.1:$GH/restapis/$API/bench/_user_request_/open"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$u"); [ "$code" = 200 ] || { echo "bench: $u answered $code" >&2; exit 1; }
done
code=$(curl -s -o /dev/null -w '%{http_code}' "${HDRS[@]}" "$IAMURL"); [ "$code" = 200 ] || { echo "bench: signed $IAMURL answered $code" >&2; curl -s "${HDRS[@]}" "$IAMURL" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' "$IAMURL"); [ "$code" = 403 ] || { echo "bench: unsigned IAM route answered $code" >&2; exit 1; }

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
	echo "$name $rps $p50 $p99 $cpu $round" >>"$WORK/results"
}

for round in $(seq "$ROUNDS"); do
	run backend "$BE_PID" "http://127.0.0.1:$BE/data"
	run nginx "$NG_PID" "http://127.0.0.1:$NG/data"
	run reverseproxy "$RP_PID" "http://127.0.0.1:$RP/data"
	run gatehouse-none "$GH_PID" "http://127.0.0.1:$GH/restapis/$API/bench/_user_request_/open"
	run gatehouse-aws_iam "$GH_PID" "$IAMURL" "${HDRS[@]}"
done

# Best round of each configuration.
sort -k1,1 -k2,2gr "$WORK/results" | awk '!seen[$1]++' >"$WORK/best"
echo
printf '%-28s %12s %10s %10s %14s\n' "configuration (best of $ROUNDS)" "requests/s" p50 p99 "CPU us/req"
for n in backend nginx reverseproxy gatehouse-none gatehouse-aws_iam; do
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
# The same ratio within each round (nginx and gatehouse measured seconds
# apart, so both saw about the same load from outside), and its median.
awk '$1=="nginx" {ng[$6]=$2} $1=="gatehouse-aws_iam" {gh[$6]=$2} $6>max {max=$6}
END { n=0; for (r=1; r<=max; r++) if ((r in ng) && (r in gh)) { v[++n]=gh[r]/ng[r]; line=line sprintf(" %.2f", v[n]) }
  for (i=1;i<=n;i++) for (j=i+1;j<=n;j++) if (v[j]<v[i]) { t=v[i]; v[i]=v[j]; v[j]=t }
  m = n%2 ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
  printf "aws_iam / nginx per round:%s (median %.2f)\n", line, m }' "$WORK/results"
awk '$1=="nginx" && (!("n" in m) || $5<m["n"]) {m["n"]=$5} $1=="gatehouse-aws_iam" && (!("g" in m) || $5<m["g"]) {m["g"]=$5}
END { printf "aws_iam / nginx CPU per request: %.2fx (lowest round of each)\n", m["g"]/m["n"] }' "$WORK/results"
