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
    iam    = var.endpoint
    sts    = var.endpoint
    lambda = var.endpoint
  }
}
variable "endpoint" {}
data "aws_caller_identity" "current" {}

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
  principal     = "apigateway.amazonaws.com"
  source_arn    = "arn:aws:execute-api:us-east-1:${data.aws_caller_identity.current.account_id}:abc123/*/*/*"
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
output "url" { value = aws_lambda_function_url.live.function_url }
output "alias_arn" { value = aws_lambda_alias.live.arn }
output "version" { value = aws_lambda_function.fn.version }
