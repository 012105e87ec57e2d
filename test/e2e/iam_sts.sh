#!/usr/bin/env bash
# End-to-end IAM/STS scenario driven by the AWS CLI (v1) and boto3 against a
# running gatehouse. Run by internal/iam/e2e_test.go, which starts the
# server, an HTTPS OIDC issuer (self-signed CA, trusted through
# SSL_CERT_FILE), a second account, and passes:
#   AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY  root of account A
#   ACCOUNT_A                                                   default account
#   GATEHOUSE_BIN                                               the gatehouse binary
#   OIDC_PROVIDER_URL, WEB_TOKEN_FILE, WEB_SUB                  web identity
set -euo pipefail

EP="$AWS_ENDPOINT_URL"
aws_() { aws --endpoint-url "$EP" --output json "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
want() { [[ "$1" == "$2" ]] || fail "$3: got '$1', want '$2'"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }
# with ID SECRET TOKEN cmd...: run cmd (a function or program) as those credentials.
with() {
  ( export AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2"
    if [[ -n "$3" ]]; then export AWS_SESSION_TOKEN="$3"; else unset AWS_SESSION_TOKEN; fi
    shift 3; "$@" )
}

echo "== CLI: user, key, policy, get-caller-identity"
aws_ iam create-user --user-name alice >/dev/null
KEY=$(aws_ iam create-access-key --user-name alice)
ALICE_ID=$(echo "$KEY" | field "['AccessKey']['AccessKeyId']")
ALICE_SECRET=$(echo "$KEY" | field "['AccessKey']['SecretAccessKey']")
POLICY_ARN=$(aws_ iam create-policy --policy-name assume-any \
  --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","iam:GetUser"],"Resource":"*"}]}' \
  | field "['Policy']['Arn']")
aws_ iam attach-user-policy --user-name alice --policy-arn "$POLICY_ARN"
as_alice() { with "$ALICE_ID" "$ALICE_SECRET" "" "$@"; }
ARN=$(as_alice aws_ sts get-caller-identity | field "['Arn']")
want "$ARN" "arn:aws:iam::$ACCOUNT_A:user/alice" "alice get-caller-identity"
GOT=$(as_alice aws_ iam get-user | field "['User']['UserName']")
want "$GOT" "alice" "alice get-user (no name)"
DOC=$(aws_ iam get-policy-version --policy-arn "$POLICY_ARN" --version-id v1 | field "['PolicyVersion']['Document']['Statement'][0]['Effect']")
want "$DOC" "Allow" "CLI decodes the URL-encoded policy document"

echo "== CLI: role with trust policy, assume-role, session identity"
aws_ iam create-role --role-name demo --assume-role-policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT_A:user/alice\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
CREDS=$(as_alice aws_ sts assume-role --role-arn "arn:aws:iam::$ACCOUNT_A:role/demo" --role-session-name cli-session)
S_ID=$(echo "$CREDS" | field "['Credentials']['AccessKeyId']")
S_SECRET=$(echo "$CREDS" | field "['Credentials']['SecretAccessKey']")
S_TOKEN=$(echo "$CREDS" | field "['Credentials']['SessionToken']")
[[ "$S_ID" == ASIA* ]] || fail "session key id $S_ID"
ARN=$(with "$S_ID" "$S_SECRET" "$S_TOKEN" aws_ sts get-caller-identity | field "['Arn']")
want "$ARN" "arn:aws:sts::$ACCOUNT_A:assumed-role/demo/cli-session" "session get-caller-identity"

echo "== CLI: a caller the trust policy does not name gets AccessDenied"
aws_ iam create-user --user-name bob >/dev/null
aws_ iam attach-user-policy --user-name bob --policy-arn "$POLICY_ARN"
BKEY=$(aws_ iam create-access-key --user-name bob)
BOB_ID=$(echo "$BKEY" | field "['AccessKey']['AccessKeyId']")
BOB_SECRET=$(echo "$BKEY" | field "['AccessKey']['SecretAccessKey']")
if OUT=$(with "$BOB_ID" "$BOB_SECRET" "" aws_ sts assume-role \
    --role-arn "arn:aws:iam::$ACCOUNT_A:role/demo" --role-session-name nope 2>&1); then
  fail "bob assumed demo"
fi
[[ "$OUT" == *"(AccessDenied)"*"User: arn:aws:iam::$ACCOUNT_A:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$ACCOUNT_A:role/demo"* ]] || fail "bob error: $OUT"

echo "== gatehouse accounts: create account B with the root's credentials, list"
NEWACCT=$("$GATEHOUSE_BIN" accounts create --account-id 222233334444 --name team-b --endpoint-url "$EP")
ACCOUNT_B=$(echo "$NEWACCT" | field "['AccountId']")
B_ACCESS_KEY_ID=$(echo "$NEWACCT" | field "['AccessKeyId']")
B_SECRET_ACCESS_KEY=$(echo "$NEWACCT" | field "['SecretAccessKey']")
want "$ACCOUNT_B" "222233334444" "accounts create"
"$GATEHOUSE_BIN" accounts list --endpoint-url "$EP" | grep -q '"222233334444"' || fail "accounts list"
ARN=$(with "$B_ACCESS_KEY_ID" "$B_SECRET_ACCESS_KEY" "" aws_ sts get-caller-identity | field "['Arn']")
want "$ARN" "arn:aws:iam::222233334444:root" "account B root identity"

echo "== CLI: cross-account assume-role (account B user -> account A role)"
aws_ iam create-role --role-name shared --assume-role-policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT_B:root\"},\"Action\":\"sts:AssumeRole\"}]}" >/dev/null
as_b() { with "$B_ACCESS_KEY_ID" "$B_SECRET_ACCESS_KEY" "" "$@"; }
as_b aws_ iam create-user --user-name carol >/dev/null
as_b aws_ iam put-user-policy --user-name carol --policy-name assume --policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::$ACCOUNT_A:role/shared\"}]}"
CKEY=$(as_b aws_ iam create-access-key --user-name carol)
C_ID=$(echo "$CKEY" | field "['AccessKey']['AccessKeyId']")
C_SECRET=$(echo "$CKEY" | field "['AccessKey']['SecretAccessKey']")
XCREDS=$(with "$C_ID" "$C_SECRET" "" aws_ sts assume-role \
  --role-arn "arn:aws:iam::$ACCOUNT_A:role/shared" --role-session-name from-b)
X_ARN=$(echo "$XCREDS" | field "['AssumedRoleUser']['Arn']")
want "$X_ARN" "arn:aws:sts::$ACCOUNT_A:assumed-role/shared/from-b" "cross-account session"

echo "== CLI: web identity (unsigned) with a JWT from the HTTPS test issuer"
PROV_ARN=$(aws_ iam create-open-id-connect-provider --url "$OIDC_PROVIDER_URL" --client-id-list sts.amazonaws.com \
  | field "['OpenIDConnectProviderArn']")
HOST=${OIDC_PROVIDER_URL#https://}
aws_ iam create-role --role-name irsa --assume-role-policy-document \
  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"$PROV_ARN\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"$HOST:sub\":\"$WEB_SUB\",\"$HOST:aud\":\"sts.amazonaws.com\"}}}]}" >/dev/null
WCREDS=$( (unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; aws_ sts assume-role-with-web-identity \
  --role-arn "arn:aws:iam::$ACCOUNT_A:role/irsa" --role-session-name pod --web-identity-token "file://$WEB_TOKEN_FILE") )
W_ARN=$(echo "$WCREDS" | field "['AssumedRoleUser']['Arn']")
want "$W_ARN" "arn:aws:sts::$ACCOUNT_A:assumed-role/irsa/pod" "web identity session"
W_SUB=$(echo "$WCREDS" | field "['SubjectFromWebIdentityToken']")
want "$W_SUB" "$WEB_SUB" "web identity subject"

echo "== boto3: the same flows, including the SDK's web-identity credential provider"
python3 - <<'PY'
import os, boto3, botocore
ep = os.environ["AWS_ENDPOINT_URL"]; acct = os.environ["ACCOUNT_A"]
iam = boto3.client("iam", endpoint_url=ep)
sts = boto3.client("sts", endpoint_url=ep)
iam.create_user(UserName="dave")
k = iam.create_access_key(UserName="dave")["AccessKey"]
iam.attach_user_policy(UserName="dave", PolicyArn=f"arn:aws:iam::{acct}:policy/assume-any")
doc = iam.get_role(RoleName="demo")["Role"]["AssumeRolePolicyDocument"]
assert doc["Statement"][0]["Principal"]["AWS"].endswith(":user/alice"), doc   # botocore decodes it
dave = boto3.client("sts", endpoint_url=ep, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
assert dave.get_caller_identity()["Arn"] == f"arn:aws:iam::{acct}:user/dave"
try:
    dave.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/demo", RoleSessionName="xx")
    raise SystemExit("dave assumed demo")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
iam.update_assume_role_policy(RoleName="demo", PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::%s:user/alice","arn:aws:iam::%s:user/dave"]},"Action":"sts:AssumeRole"}]}' % (acct, acct))
c = dave.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/demo", RoleSessionName="boto")["Credentials"]
s = boto3.client("sts", endpoint_url=ep, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
ident = s.get_caller_identity()
assert ident["Arn"] == f"arn:aws:sts::{acct}:assumed-role/demo/boto", ident
assert ident["UserId"].startswith("AROA") and ident["UserId"].endswith(":boto"), ident
# IRSA: the SDK reads the token file and calls AssumeRoleWithWebIdentity unsigned.
env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ACCESS_KEY") and not k.startswith("AWS_SECRET")}
env.update(AWS_ROLE_ARN=f"arn:aws:iam::{acct}:role/irsa", AWS_WEB_IDENTITY_TOKEN_FILE=os.environ["WEB_TOKEN_FILE"], AWS_ROLE_SESSION_NAME="irsa-pod")
os.environ.clear(); os.environ.update(env)
sess = boto3.session.Session()
ident = sess.client("sts", endpoint_url=ep).get_caller_identity()
assert ident["Arn"] == f"arn:aws:sts::{acct}:assumed-role/irsa/irsa-pod", ident
print("boto3 ok")
PY
echo "e2e ok"
