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
  endpoints {
    iam = var.endpoint
    sts = var.endpoint
  }
}
variable "endpoint" {}
data "aws_caller_identity" "current" {}
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
output "account" { value = data.aws_caller_identity.current.account_id }
output "key" { value = aws_iam_access_key.k.id }
