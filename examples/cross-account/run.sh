#!/usr/bin/env bash
# seeds/002 "Create a Cross-Account IAM Authorized APIGateway with CDK": an
# API in account A whose methods all use AWS_IAM and whose resource policy
# allows execute-api:Invoke to account principals; a requestor in account B
# with an identity policy for the API signs with @aws-sdk/signature-v4
# (HttpRequest) and calls it, once without and once with the signature.
# Both sides must allow: without the account-B principal in the resource
# policy the same call is denied.
. "$(dirname "$0")/../lib.sh"

A=$(aws sts get-caller-identity "${EP[@]}" --query Account --output text)
read -r B BK BS < <("${GATEHOUSE_BIN:-gatehouse}" accounts create --name account-b --endpoint-url "$GATEHOUSE_URL" |
	python3 -c 'import json,sys; a=json.load(sys.stdin); print(a["AccountId"], a["AccessKeyId"], a["SecretAccessKey"])')

cat >"$HERE/.api.json" <<JSON
{"openapi":"3.0.1","info":{"title":"iam-backed-api","version":"1"},
 "paths":{"/":{"get":{"security":[{"sigv4":[]}],"x-amazon-apigateway-integration":{"type":"http_proxy","httpMethod":"GET","uri":"$BACKEND_URL/hello"}}}},
 "x-amazon-apigateway-policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$A:root"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]},
 "components":{"securitySchemes":{"sigv4":{"type":"apiKey","name":"Authorization","in":"header","x-amazon-apigateway-authtype":"awsSigv4"}}}}
JSON
API=$(aws apigateway import-rest-api --body "fileb://$HERE/.api.json" "${EP[@]}" --query id --output text)
rm -f "$HERE/.api.json"
aws apigateway create-deployment --rest-api-id "$API" --stage-name prod "${EP[@]}" >/dev/null

# Account B: a requestor with execute-api:Invoke on the API (api.arnForExecuteApi()).
read -r RK RS < <(as "$BK" "$BS" new_user requestorFn "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:$A:$API/*/*/*\"}]}")
URL="$GATEHOUSE_URL/restapis/$API/prod/_user_request_/"
as "$RK" "$RS" env IAM_API="$URL" node "$EXAMPLES/node/cross-account-client.mjs" | sed "s/$B/ACCOUNT_B/g" | show only-account-a

# Add account B to the resource policy (new AccountPrincipal), redeploy.
cat >"$HERE/.patch.json" <<JSON
[{"op":"replace","path":"/policy","value":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::$A:root\",\"arn:aws:iam::$B:root\"]},\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"}]}"}]
JSON
aws apigateway update-rest-api --rest-api-id "$API" --patch-operations "file://$HERE/.patch.json" "${EP[@]}" >/dev/null
rm -f "$HERE/.patch.json"
aws apigateway create-deployment --rest-api-id "$API" --stage-name prod "${EP[@]}" >/dev/null
as "$RK" "$RS" env IAM_API="$URL" node "$EXAMPLES/node/cross-account-client.mjs" | sed -E -e "s/$B/ACCOUNT_B/g" -e 's/"(X-Amzn-Requestid|X-Forwarded-For)":\["[^"]*"\]/"\1":["…"]/g' | show both-allow
