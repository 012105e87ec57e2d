#!/usr/bin/env bash
# The EKS tutorial (a client pod with an IAM role for its service account
# calls an AWS_IAM-protected API Gateway endpoint) adapted to gatehouse, with
# `gatehouse sign-proxy` as the signing sidecar. See README.md beside this file.
#
#   ./examples/eks-sidecar/run.sh            # starts its own gatehouse, imports api.json
#
#   ./examples/eks-sidecar/run.sh ca         # against your gatehouse: print the CA file,
#   SSL_CERT_FILE=<that file> gatehouse serve   # start gatehouse trusting it, then
#   GATEHOUSE_ENDPOINT=http://127.0.0.1:4566 AWS_SHARED_CREDENTIALS_FILE=.gatehouse/credentials \
#     API_ID=abc123 ./examples/eks-sidecar/run.sh   # (or CREATE_API=1 instead of API_ID)
#
# Admin credentials (to create the OIDC provider and roles) come from the
# standard AWS chain of the calling shell (or are generated for the gatehouse
# this script starts). The sidecar gets none of them: it runs with only the
# pod's environment (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
STATE_DIR=${STATE_DIR:-$here/.state}   # the issuer's CA, kept so a running gatehouse keeps trusting it
GATEHOUSE_ENDPOINT=${GATEHOUSE_ENDPOINT:-}
GATEHOUSE_ENDPOINT=${GATEHOUSE_ENDPOINT%/}
GATEHOUSE_PORT=${GATEHOUSE_PORT:-14566}   # when this script starts gatehouse
API_ID=${API_ID:-}
CREATE_API=${CREATE_API:-}
STAGE=${STAGE:-Prod}
RESOURCE_PATH=${RESOURCE_PATH:-/hello-world}
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-us-east-1}}
NAMESPACE=${NAMESPACE:-default}
SERVICE_ACCOUNT=${SERVICE_ACCOUNT:-myclient-sa}
SIDECAR_PORT=${SIDECAR_PORT:-18080}
KEEP=${KEEP:-} # set to keep the roles, OIDC provider and API afterwards

work=$(mktemp -d)
run_id=$(date +%s)
pids=()
cleanup_cmds=()

cleanup() {
  local status=$?
  if [ -z "$KEEP" ]; then
    local i
    for ((i = ${#cleanup_cmds[@]} - 1; i >= 0; i--)); do eval "${cleanup_cmds[$i]}" >/dev/null 2>&1 || true; done
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

# wait_http URL: until URL answers 2xx (10 s).
wait_http() {
  local _
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

mkdir -p "$STATE_DIR"
ca_cert=$STATE_DIR/ca.pem
ca_key=$STATE_DIR/ca-key.pem

step "build gatehouse and the service-account token issuer"
GATEHOUSE=${GATEHOUSE:-}
if [ -z "$GATEHOUSE" ]; then
  (cd "$root" && go build -o "$work/gatehouse" ./cmd/gatehouse)
  GATEHOUSE=$work/gatehouse
fi
(cd "$root" && go build -o "$work/sa-token-issuer" ./examples/eks-sidecar/sa-token-issuer)
"$work/sa-token-issuer" --init-ca --ca-cert "$ca_cert" --ca-key "$ca_key" >/dev/null

if [ "${1:-}" = ca ]; then
  echo "$ca_cert"
  exit 0
fi

if [ -z "$GATEHOUSE_ENDPOINT" ]; then
  step "start gatehouse on 127.0.0.1:$GATEHOUSE_PORT (trusting the issuer's CA for OIDC key fetches)"
  AWS_ACCESS_KEY_ID=AKIA$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F')
  AWS_SECRET_ACCESS_KEY=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  unset AWS_SESSION_TOKEN AWS_PROFILE
  SSL_CERT_FILE=$ca_cert \
    GATEHOUSE_ROOT_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID GATEHOUSE_ROOT_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    "$GATEHOUSE" serve --listen "127.0.0.1:$GATEHOUSE_PORT" --data-dir "$work/data" >"$work/gatehouse.log" 2>&1 &
  pids+=($!)
  GATEHOUSE_ENDPOINT=http://127.0.0.1:$GATEHOUSE_PORT
  if ! wait_http "$GATEHOUSE_ENDPOINT/_gatehouse/health"; then
    echo "gatehouse did not become healthy:" >&2
    cat "$work/gatehouse.log" >&2
    exit 1
  fi
  [ -n "$API_ID" ] || CREATE_API=1
fi

# Percent-encode one form value (ASCII input, as the policies below are).
urlencode() {
  local s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# admin SERVICE ARGS...: a signed call with the shell's (admin) credentials.
admin() {
  local svc=$1
  shift
  "$GATEHOUSE" curl --region "$REGION" --service "$svc" "$@"
}
# query SERVICE VERSION ACTION [k=v ...]: an IAM/STS Query API call.
query() {
  local svc=$1 version=$2 action=$3 body kv
  shift 3
  body="Action=$action&Version=$version"
  for kv in "$@"; do body+="&${kv%%=*}=$(urlencode "${kv#*=}")"; done
  admin "$svc" -H 'Content-Type: application/x-www-form-urlencoded' -d "$body" "$GATEHOUSE_ENDPOINT/"
}
iam() { query iam 2010-05-08 "$@"; }

step "who am I (sts:GetCallerIdentity)"
account=$(query sts 2011-06-15 GetCallerIdentity | grep -o '<Account>[0-9]*</Account>' | sed 's/<[^>]*>//g')
echo "account $account"

if [ -z "$API_ID" ]; then
  if [ -z "$CREATE_API" ]; then
    echo "set API_ID to a deployed REST API, or CREATE_API=1 to import api.json" >&2
    exit 2
  fi
  step "import api.json (GET /hello-world, AWS_IAM, MOCK) and deploy stage $STAGE"
  API_ID=$(admin apigateway -X POST "$GATEHOUSE_ENDPOINT/restapis?mode=import" -d "@$here/api.json" |
    grep -o '"id" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
  cleanup_cmds+=("admin apigateway -X DELETE '$GATEHOUSE_ENDPOINT/restapis/$API_ID'")
  admin apigateway -X POST "$GATEHOUSE_ENDPOINT/restapis/$API_ID/deployments" -d "{\"stageName\":\"$STAGE\"}" >/dev/null
  echo "API $API_ID"
fi
api_url="$GATEHOUSE_ENDPOINT/restapis/$API_ID/$STAGE/_user_request_"

step "an unsigned call is refused"
curl -sS "$api_url$RESOURCE_PATH" || true
echo

step "start the cluster's token issuer (stands in for the EKS OIDC issuer + kubelet)"
sub="system:serviceaccount:$NAMESPACE:$SERVICE_ACCOUNT"
"$work/sa-token-issuer" --listen 127.0.0.1:0 --token-file "$work/token" --sub "$sub" \
  --ca-cert "$ca_cert" --ca-key "$ca_key" >"$work/issuer.out" &
pids+=($!)
for _ in $(seq 50); do grep -q '^issuer ' "$work/issuer.out" 2>/dev/null && break; sleep 0.1; done
issuer=$(sed -n 's/^issuer //p' "$work/issuer.out")
[ -n "$issuer" ] || { echo "token issuer did not start" >&2; exit 1; }
provider_host=${issuer#*://}
echo "issuer $issuer, token for $sub in $work/token"

step "register the issuer as an IAM OIDC provider (terraform: iam-assumable-role-with-oidc)"
iam CreateOpenIDConnectProvider "Url=$issuer" ClientIDList.member.1=sts.amazonaws.com \
  ThumbprintList.member.1=0000000000000000000000000000000000000000 >/dev/null
provider_arn="arn:aws:iam::$account:oidc-provider/$provider_host"
cleanup_cmds+=("iam DeleteOpenIDConnectProvider 'OpenIDConnectProviderArn=$provider_arn'")

pod_role="my-role-$run_id"
api_role="MyRoleToAssume-$run_id"

step "the pod's role $pod_role, assumable by $sub through web identity"
iam CreateRole "RoleName=$pod_role" "AssumeRolePolicyDocument={
  \"Version\": \"2012-10-17\",
  \"Statement\": [{
    \"Effect\": \"Allow\",
    \"Principal\": {\"Federated\": \"$provider_arn\"},
    \"Action\": \"sts:AssumeRoleWithWebIdentity\",
    \"Condition\": {\"StringEquals\": {\"$provider_host:aud\": \"sts.amazonaws.com\", \"$provider_host:sub\": \"$sub\"}}
  }]}" >/dev/null
cleanup_cmds+=("iam DeleteRole 'RoleName=$pod_role'")
iam PutRolePolicy "RoleName=$pod_role" PolicyName=assume-api-role "PolicyDocument={
  \"Version\": \"2012-10-17\",
  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRole\", \"Resource\": \"arn:aws:iam::$account:role/$api_role\"}]}" >/dev/null
cleanup_cmds+=("iam DeleteRolePolicy 'RoleName=$pod_role' PolicyName=assume-api-role")

step "the API caller role $api_role (SAM template: MyRoleToAssume)"
iam CreateRole "RoleName=$api_role" "AssumeRolePolicyDocument={
  \"Version\": \"2012-10-17\",
  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::$account:role/$pod_role\"}, \"Action\": \"sts:AssumeRole\"}]}" >/dev/null
cleanup_cmds+=("iam DeleteRole 'RoleName=$api_role'")
iam PutRolePolicy "RoleName=$api_role" PolicyName=invoke-api "PolicyDocument={
  \"Version\": \"2012-10-17\",
  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"execute-api:Invoke\",
    \"Resource\": \"arn:aws:execute-api:$REGION:$account:$API_ID/$STAGE/GET$RESOURCE_PATH\"}]}" >/dev/null
cleanup_cmds+=("iam DeleteRolePolicy 'RoleName=$api_role' PolicyName=invoke-api")

step "start the signing sidecar with only the pod's environment"
env -i PATH="$PATH" HOME="$work" \
  AWS_REGION="$REGION" \
  AWS_ROLE_ARN="arn:aws:iam::$account:role/$pod_role" \
  AWS_WEB_IDENTITY_TOKEN_FILE="$work/token" \
  AWS_ROLE_SESSION_NAME=myclient-pod \
  AWS_ENDPOINT_URL_STS="$GATEHOUSE_ENDPOINT" \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true \
  "$GATEHOUSE" sign-proxy --listen "127.0.0.1:$SIDECAR_PORT" --target "$api_url" \
  --assume-role "arn:aws:iam::$account:role/$api_role" --role-session-name myclient \
  >"$work/sidecar.out" 2>"$work/sidecar.err" &
pids+=($!)
if wait_http "http://127.0.0.1:$SIDECAR_PORT/_signproxy/health"; then
  health=$(curl -fsS "http://127.0.0.1:$SIDECAR_PORT/_signproxy/health")
else
  echo "sidecar not healthy:" >&2
  cat "$work/sidecar.out" "$work/sidecar.err" >&2
  curl -sS "http://127.0.0.1:$SIDECAR_PORT/_signproxy/health" >&2 || true
  exit 1
fi
echo "health: $health"

step "the application calls the API through the sidecar, with no AWS SDK"
out=$(curl -sS -w '\n%{http_code}' "http://127.0.0.1:$SIDECAR_PORT$RESOURCE_PATH")
code=${out##*$'\n'}
echo "${out%$'\n'*}"
if [ "$code" != 200 ]; then
  echo "FAIL: HTTP $code" >&2
  cat "$work/sidecar.err" >&2
  exit 1
fi
echo "OK: HTTP $code through the sidecar as arn:aws:sts::$account:assumed-role/$api_role/myclient"

step "bonus: the same call with gatehouse curl (admin credentials), then as a presigned URL"
admin execute-api -i "$api_url$RESOURCE_PATH"
echo
presigned=$(admin execute-api --presign --expires 5m "$api_url$RESOURCE_PATH")
echo "$presigned"
curl -fsS "$presigned"
echo
