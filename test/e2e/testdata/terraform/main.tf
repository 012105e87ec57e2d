# One configuration for the Terraform AWS provider (5.100) covering IAM,
# Lambda and API Gateway's authorizers, API keys and usage plans: each
# terraform command pays the provider's start-up, so the IAM, Lambda and
# authorizer checks share one apply, one plan and one destroy
# (TestTerraform; apigw.tf is the rest of API Gateway). Issues #14 and #15.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = false
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  endpoints {
    apigateway = var.endpoint
    iam        = var.endpoint
    sts        = var.endpoint
    lambda     = var.endpoint
  }
}
variable "endpoint" {}
data "aws_caller_identity" "current" {}

# ---- IAM: users, groups, inline and managed policies, access keys, OIDC (IRSA)

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.oidc.arn]
    }
    condition {
      test     = "StringLike"
      variable = "oidc.example.com/id/ABC:sub"
      values   = ["system:serviceaccount:default:*"]
    }
  }
}
resource "aws_iam_openid_connect_provider" "oidc" {
  url             = "https://oidc.example.com/id/ABC"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
}
resource "aws_iam_role" "irsa" {
  name               = "irsa"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = { team = "blue" }
}
resource "aws_iam_policy" "p" {
  name   = "invoke"
  path   = "/"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Action = ["execute-api:Invoke"], Effect = "Allow", Resource = "*" }] })
}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.irsa.name
  policy_arn = aws_iam_policy.p.arn
}
resource "aws_iam_user" "user" {
  name = "api-caller"
  path = "/"
}
resource "aws_iam_user_policy" "inline" {
  name   = "allow-invoke"
  user   = aws_iam_user.user.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Action = ["execute-api:Invoke"], Effect = "Allow", Resource = "arn:aws:execute-api:us-east-1:${data.aws_caller_identity.current.account_id}:abc/prod/GET/path1" }] })
}
resource "aws_iam_access_key" "k" {
  user = aws_iam_user.user.name
}
resource "aws_iam_group" "g" {
  name = "devs"
}
resource "aws_iam_user_group_membership" "m" {
  user   = aws_iam_user.user.name
  groups = [aws_iam_group.g.name]
}
# An MFA-conditioned policy, attached to the group.
resource "aws_iam_policy" "mfa" {
  name = "require-mfa"
  policy = jsonencode({ Version = "2012-10-17", Statement = [
    { Sid = "AllowWithMFA", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = "*",
    Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" }, NumericLessThan = { "aws:MultiFactorAuthAge" = "3600" } } },
    { Sid = "DenyWithoutMFA", Effect = "Deny", NotAction = ["iam:ListMFADevices", "sts:GetSessionToken"], Resource = "*",
    Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } } },
  ] })
}
resource "aws_iam_group_policy_attachment" "mfa" {
  group      = aws_iam_group.g.name
  policy_arn = aws_iam_policy.mfa.arn
}
# AWS managed policies (arn:aws:iam::aws:policy/...).
resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
resource "aws_iam_user_policy_attachment" "readonly" {
  user       = aws_iam_user.caller.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
resource "aws_iam_instance_profile" "ec2" {
  name = "tf-ec2"
  path = "/apps/"
  role = aws_iam_role.ec2.name
  tags = { team = "blue" }
}
resource "aws_iam_role" "ec2" {
  name = "tf-ec2"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
resource "aws_iam_saml_provider" "idp" {
  name                   = "tf-idp"
  saml_metadata_document = file("${path.module}/idp.xml")
  tags                   = { team = "blue" }
}

# ---- Lambda: a function (publish = true) with a layer, an alias on its
# version, permissions (one on the alias) and the alias's AWS_IAM URL.

resource "aws_iam_role" "fn" {
  name = "tf-fn"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
resource "aws_iam_user" "caller" {
  name = "tf-caller"
}
resource "aws_lambda_layer_version" "lib" {
  layer_name          = "tf-lib"
  filename            = "${path.module}/layer.zip"
  source_code_hash    = filebase64sha256("${path.module}/layer.zip")
  compatible_runtimes = ["python3.12"]
}
resource "aws_lambda_function" "fn" {
  function_name    = "tf-fn"
  role             = aws_iam_role.fn.arn
  runtime          = "python3.12"
  handler          = "index.handler"
  filename         = "${path.module}/fn.zip"
  source_code_hash = filebase64sha256("${path.module}/fn.zip")
  publish          = true
  timeout          = 5
  layers           = [aws_lambda_layer_version.lib.arn]
  environment {
    variables = { GREETING = "hello" }
  }
  tags = { team = "blue" }
}
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.fn.function_name
  function_version = aws_lambda_function.fn.version
  description      = "the published version"
}
# The caller may invoke the alias through its resource policy alone.
resource "aws_lambda_permission" "caller" {
  statement_id  = "caller"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = aws_iam_user.caller.arn
}
resource "aws_lambda_permission" "apigw" {
  statement_id  = "apigw"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn.function_name
  qualifier     = aws_lambda_alias.live.name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/*/*/*"
}
resource "aws_lambda_function_url" "live" {
  function_name      = aws_lambda_function.fn.function_name
  qualifier          = aws_lambda_alias.live.name
  authorization_type = "AWS_IAM"
  cors {
    allow_origins = ["https://app.example.com"]
    allow_methods = ["GET", "POST"]
    max_age       = 300
  }
}

# ---- API Gateway: TOKEN and REQUEST Lambda authorizers in front of the
# alias, an API key with a usage plan, a model and a request validator, a
# customized ACCESS_DENIED response, tags and method settings.

resource "aws_lambda_function" "authz" {
  function_name    = "tf-authz"
  role             = aws_iam_role.fn.arn
  runtime          = "python3.12"
  handler          = "authz.handler"
  filename         = "${path.module}/fn.zip"
  source_code_hash = filebase64sha256("${path.module}/fn.zip")
  timeout          = 5
}
resource "aws_lambda_permission" "authz" {
  statement_id  = "apigw-authz"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.authz.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.api.execution_arn}/authorizers/*"
}
resource "aws_api_gateway_rest_api" "api" {
  name = "tf-authz"
  tags = { team = "blue" }
}
resource "aws_api_gateway_authorizer" "tok" {
  name                             = "tok"
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  type                             = "TOKEN"
  authorizer_uri                   = aws_lambda_function.authz.invoke_arn
  identity_source                  = "method.request.header.Authorization"
  identity_validation_expression   = "^Bearer [a-z]+$"
  authorizer_result_ttl_in_seconds = 60
}
resource "aws_api_gateway_authorizer" "req" {
  name                             = "req"
  rest_api_id                      = aws_api_gateway_rest_api.api.id
  type                             = "REQUEST"
  authorizer_uri                   = aws_lambda_function.authz.invoke_arn
  identity_source                  = "method.request.header.X-User"
  authorizer_result_ttl_in_seconds = 30
}
resource "aws_api_gateway_resource" "tok" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "tok"
}
resource "aws_api_gateway_resource" "req" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  parent_id   = aws_api_gateway_rest_api.api.root_resource_id
  path_part   = "req"
}
resource "aws_api_gateway_method" "tok" {
  rest_api_id      = aws_api_gateway_rest_api.api.id
  resource_id      = aws_api_gateway_resource.tok.id
  http_method      = "GET"
  authorization    = "CUSTOM"
  authorizer_id    = aws_api_gateway_authorizer.tok.id
  api_key_required = true
}
resource "aws_api_gateway_method" "req" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  resource_id   = aws_api_gateway_resource.req.id
  http_method   = "GET"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.req.id
}
resource "aws_api_gateway_integration" "tok" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.tok.id
  http_method             = aws_api_gateway_method.tok.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}
resource "aws_api_gateway_integration" "req" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.req.id
  http_method             = aws_api_gateway_method.req.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}
resource "aws_api_gateway_model" "item" {
  rest_api_id  = aws_api_gateway_rest_api.api.id
  name         = "Item"
  content_type = "application/json"
  schema = jsonencode({
    "$schema"  = "http://json-schema.org/draft-04/schema#"
    type       = "object"
    required   = ["name"]
    properties = { name = { type = "string" } }
  })
}
resource "aws_api_gateway_request_validator" "body" {
  rest_api_id           = aws_api_gateway_rest_api.api.id
  name                  = "body"
  validate_request_body = true
}
resource "aws_api_gateway_method" "post" {
  rest_api_id          = aws_api_gateway_rest_api.api.id
  resource_id          = aws_api_gateway_resource.req.id
  http_method          = "POST"
  authorization        = "NONE"
  request_validator_id = aws_api_gateway_request_validator.body.id
  request_models       = { "application/json" = aws_api_gateway_model.item.name }
}
resource "aws_api_gateway_integration" "post" {
  rest_api_id             = aws_api_gateway_rest_api.api.id
  resource_id             = aws_api_gateway_resource.req.id
  http_method             = aws_api_gateway_method.post.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_alias.live.invoke_arn
}
resource "aws_api_gateway_deployment" "d" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  triggers = { redeploy = sha1(jsonencode([aws_api_gateway_integration.tok.id, aws_api_gateway_integration.req.id,
  aws_api_gateway_integration.post.id, aws_api_gateway_gateway_response.denied.id])) }
  lifecycle { create_before_destroy = true }
}
resource "aws_api_gateway_stage" "s" {
  rest_api_id   = aws_api_gateway_rest_api.api.id
  deployment_id = aws_api_gateway_deployment.d.id
  stage_name    = "prod"
  tags          = { stage = "prod" }
}
resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.api.id
  stage_name  = aws_api_gateway_stage.s.stage_name
  method_path = "*/*"
  settings {
    metrics_enabled        = true
    throttling_rate_limit  = 100
    throttling_burst_limit = 50
  }
}
resource "aws_api_gateway_api_key" "k" {
  name  = "tf-key"
  value = "tf-key-0123456789abcdefghij"
  tags  = { team = "blue" }
}
resource "aws_api_gateway_usage_plan" "p" {
  name = "tf-plan"
  api_stages {
    api_id = aws_api_gateway_rest_api.api.id
    stage  = aws_api_gateway_stage.s.stage_name
  }
  quota_settings {
    limit  = 100
    period = "DAY"
  }
  throttle_settings {
    burst_limit = 5
    rate_limit  = 10
  }
  tags = { team = "blue" }
}
resource "aws_api_gateway_usage_plan_key" "pk" {
  key_id        = aws_api_gateway_api_key.k.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.p.id
}
resource "aws_api_gateway_gateway_response" "denied" {
  rest_api_id         = aws_api_gateway_rest_api.api.id
  response_type       = "ACCESS_DENIED"
  status_code         = "403"
  response_templates  = { "application/json" = "{\"denied\":$context.error.messageString}" }
  response_parameters = { "gatewayresponse.header.X-Team" = "'platform'" }
}

output "url" { value = aws_lambda_function_url.live.function_url }
output "alias_arn" { value = aws_lambda_alias.live.arn }
output "version" { value = aws_lambda_function.fn.version }
output "api_id" { value = aws_api_gateway_rest_api.api.id }
output "usage_plan_id" { value = aws_api_gateway_usage_plan.p.id }
output "api_key_id" { value = aws_api_gateway_api_key.k.id }
output "key" { value = aws_iam_access_key.k.id }
