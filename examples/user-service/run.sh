#!/usr/bin/env bash
# seeds/004 "How to Create Secure Internal APIs on AWS without VPCs": the
# internal user service (Serverless "authorizer: aws_iam" on user/{id}) and
# a calling service whose role may execute-api:Invoke / execute-api:GET on
# arn:aws:execute-api:REGION:ACCOUNT:*/STAGE/*/user/* — any API, any verb,
# any path with /user/. The caller runs with the role's temporary
# credentials (sts assume-role, as a Lambda does) and signs with
# @aws-sdk/signature-v4 + axios (the post's aws-signed-axios wraps the same).
. "$(dirname "$0")/../lib.sh"

sed "s#BACKEND_URL#$BACKEND_URL#g" "$HERE/api.json" >"$HERE/.api.json"
API=$(aws apigateway import-rest-api --body "fileb://$HERE/.api.json" "${EP[@]}" --query id --output text)
rm -f "$HERE/.api.json"
aws apigateway create-deployment --rest-api-id "$API" --stage-name dev "${EP[@]}" >/dev/null
ACCOUNT=$(aws sts get-caller-identity "${EP[@]}" --query Account --output text)

aws iam create-role --role-name orders-service --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$ACCOUNT:root\"},\"Action\":\"sts:AssumeRole\"}]}" "${EP[@]}" >/dev/null
aws iam put-role-policy --role-name orders-service --policy-name call-user-service --policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"execute-api:Invoke\",\"execute-api:GET\"],\"Resource\":[\"arn:aws:execute-api:us-east-1:$ACCOUNT:*/dev/*/user/*\"]}]}" "${EP[@]}"
# Roles cannot be assumed by root: the service's deployer user assumes it.
read -r UK US < <(new_user orders-deployer "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Resource\":\"arn:aws:iam::$ACCOUNT:role/orders-service\"}]}")
read -r AK SK TOK < <(as "$UK" "$US" aws sts assume-role --role-arn "arn:aws:iam::$ACCOUNT:role/orders-service" --role-session-name orders-fn "${EP[@]}" \
	--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)

call() { AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$TOK API_URL="$GATEHOUSE_URL/restapis/$API/dev/_user_request_$1" node "$EXAMPLES/node/pets-client.mjs"; }
call /user/42 | sed -E 's/"(X-Amzn-Requestid|X-Forwarded-For)":\["[^"]*"\]/"\1":["…"]/g' | show get-user
call /admin/stats | show admin
AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$TOK python3 "$EXAMPLES/python/botocore_call.py" header "$GATEHOUSE_URL/restapis/$API/dev/_user_request_/user/42" DELETE | show delete-user
