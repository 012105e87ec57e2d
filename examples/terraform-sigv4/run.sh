#!/usr/bin/env bash
# seeds/003 "AWS API Gateway with AWS IAM authorization": the Terraform
# aws_api_gateway_rest_api body (jsonencode of the OpenAPI document, only
# the integration uri pointed at a local backend), deployed to stage PROD,
# the programmatic user "api-caller" whose inline policy names exactly the
# method ARN, and the callers the post shows (Postman's AWS Signature: here
# curl --aws-sigv4, and botocore with the header and presigned forms).
# Then a resource policy (update-rest-api /policy, redeploy) denies the
# caller's source IP.
. "$(dirname "$0")/../lib.sh"

sed "s#BACKEND_URL#$BACKEND_URL#g" "$HERE/api.json" >"$HERE/.api.json"
API=$(aws apigateway import-rest-api --body "fileb://$HERE/.api.json" --parameters endpointConfigurationTypes=REGIONAL "${EP[@]}" --query id --output text)
rm -f "$HERE/.api.json"
aws apigateway get-rest-api --rest-api-id "$API" "${EP[@]}" --query 'warnings[0]' --output text | show warning
aws apigateway create-deployment --rest-api-id "$API" --stage-name PROD "${EP[@]}" >/dev/null
ACCOUNT=$(aws sts get-caller-identity "${EP[@]}" --query Account --output text)
RES="arn:aws:execute-api:us-east-1:$ACCOUNT:$API/PROD/GET/path1"
read -r AK SK < <(new_user api-caller "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":[\"execute-api:Invoke\"],\"Effect\":\"Allow\",\"Resource\":\"$RES\"}]}")

URL="$GATEHOUSE_URL/restapis/$API/PROD/_user_request_/path1"
curl -s "$URL" | show unsigned
curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AK:$SK" "$URL" | show curl
# The default endpoint's host form: curl resolves *.localhost to loopback.
HOSTURL="http://$API.execute-api.localhost:${GATEHOUSE_URL##*:}/PROD/path1"
curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AK:$SK" "$HOSTURL" | show curl-host-form
as "$AK" "$SK" env HOST_HEADER="$API.execute-api.localhost:${GATEHOUSE_URL##*:}" python3 "$EXAMPLES/python/botocore_call.py" header "$GATEHOUSE_URL/PROD/path1" | show botocore-host-form
as "$AK" "$SK" python3 "$EXAMPLES/python/botocore_call.py" header "$URL" | show botocore-header
as "$AK" "$SK" python3 "$EXAMPLES/python/botocore_call.py" presign "$URL" | show botocore-presigned
curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AK:$SK" -X POST "$URL" | show curl-post
curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AK:${SK}x" "$URL" | head -c 120 | show wrong-secret

cat >"$HERE/.patch.json" <<JSON
[{"op":"replace","path":"/policy","value":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\"},{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"execute-api:/*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":[\"127.0.0.0/8\"]}}}]}"}]
JSON
aws apigateway update-rest-api --rest-api-id "$API" --patch-operations "file://$HERE/.patch.json" "${EP[@]}" >/dev/null
rm -f "$HERE/.patch.json"
curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AK:$SK" "$URL" | show before-redeploy
aws apigateway create-deployment --rest-api-id "$API" --stage-name PROD "${EP[@]}" >/dev/null
curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AK:$SK" "$URL" | show after-redeploy
