#!/usr/bin/env bash
# seeds/001 "An easy and secure way to protect API Gateway endpoints": the
# pets API with GET /pets behind AWS_IAM (the CDK stack's RestApi +
# HttpIntegration), an "allowed" function role whose policy grants
# execute-api:Invoke on getPets.methodArn, a "denied" one without it, and
# the tutorial's @aws-sdk/signature-v4 + axios client for both.
. "$(dirname "$0")/../lib.sh"

sed "s#BACKEND_URL#$BACKEND_URL#g" "$HERE/api.json" >"$HERE/.api.json"
API=$(aws apigateway import-rest-api --body "fileb://$HERE/.api.json" "${EP[@]}" --query id --output text)
rm -f "$HERE/.api.json"
aws apigateway create-deployment --rest-api-id "$API" --stage-name prod "${EP[@]}" >/dev/null
ACCOUNT=$(aws sts get-caller-identity "${EP[@]}" --query Account --output text)
METHOD_ARN="arn:aws:execute-api:us-east-1:$ACCOUNT:$API/prod/GET/pets"

read -r AK SK < <(new_user AllowedFn "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"execute-api:Invoke\"],\"Resource\":[\"$METHOD_ARN\"]}]}")
read -r DK DS < <(new_user DeniedFn)

URL="$GATEHOUSE_URL/restapis/$API/prod/_user_request_/pets"
curl -s "$URL" | show unsigned
as "$AK" "$SK" env API_URL="$URL" node "$EXAMPLES/node/pets-client.mjs" | show allowed
as "$DK" "$DS" env API_URL="$URL" node "$EXAMPLES/node/pets-client.mjs" | show denied
