# The API Gateway control plane: a REST API with tags, a model, a request
# validator, method and integration responses, a deployment and a tagged
# stage with a client certificate, method settings for "*/*" and one
# method, documentation parts and a version, a custom domain with a base
# path mapping, a VPC link (issue #14). TestTerraform changes some of it
# in place (day-2 updates) and plans again.
resource "aws_api_gateway_rest_api" "pets" {
  name = "pets"
  endpoint_configuration { types = ["REGIONAL"] }
  tags = { team = "blue", env = "test" }
}
resource "aws_api_gateway_resource" "pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_rest_api.pets.root_resource_id
  path_part   = "pets"
}
resource "aws_api_gateway_resource" "pet" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  parent_id   = aws_api_gateway_resource.pets.id
  path_part   = "{id}"
}
resource "aws_api_gateway_model" "pet" {
  rest_api_id  = aws_api_gateway_rest_api.pets.id
  name         = "Pet"
  content_type = "application/json"
  schema = jsonencode({
    "$schema"  = "http://json-schema.org/draft-04/schema#"
    type       = "object"
    required   = ["name"]
    properties = { name = { type = "string" }, age = { type = "integer" } }
  })
}
resource "aws_api_gateway_request_validator" "all" {
  rest_api_id                 = aws_api_gateway_rest_api.pets.id
  name                        = "all"
  validate_request_body       = true
  validate_request_parameters = true
}
resource "aws_api_gateway_method" "pets_post" {
  rest_api_id          = aws_api_gateway_rest_api.pets.id
  resource_id          = aws_api_gateway_resource.pets.id
  http_method          = "POST"
  authorization        = "NONE"
  request_validator_id = aws_api_gateway_request_validator.all.id
  request_models       = { "application/json" = aws_api_gateway_model.pet.name }
  request_parameters   = { "method.request.header.x-team" = true }
}
resource "aws_api_gateway_integration" "pets_post" {
  rest_api_id       = aws_api_gateway_rest_api.pets.id
  resource_id       = aws_api_gateway_resource.pets.id
  http_method       = aws_api_gateway_method.pets_post.http_method
  type              = "MOCK"
  request_templates = { "application/json" = "{\"statusCode\": 200}" }
}
resource "aws_api_gateway_method_response" "post" {
  rest_api_id         = aws_api_gateway_rest_api.pets.id
  resource_id         = aws_api_gateway_resource.pets.id
  http_method         = aws_api_gateway_method.pets_post.http_method
  status_code         = "200"
  response_models     = { "application/json" = "Empty" }
  response_parameters = { "method.response.header.X-Id" = true }
}
resource "aws_api_gateway_integration_response" "post" {
  rest_api_id         = aws_api_gateway_rest_api.pets.id
  resource_id         = aws_api_gateway_resource.pets.id
  http_method         = aws_api_gateway_method.pets_post.http_method
  status_code         = aws_api_gateway_method_response.post.status_code
  response_templates  = { "application/json" = "{\"ok\": true}" }
  response_parameters = { "method.response.header.X-Id" = "'fixed'" }
  depends_on          = [aws_api_gateway_integration.pets_post]
}
resource "aws_api_gateway_method" "get" {
  rest_api_id   = aws_api_gateway_rest_api.pets.id
  resource_id   = aws_api_gateway_resource.pet.id
  http_method   = "GET"
  authorization = "AWS_IAM"
}
resource "aws_api_gateway_integration" "get" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  resource_id = aws_api_gateway_resource.pet.id
  http_method = aws_api_gateway_method.get.http_method
  type        = "MOCK"
}
resource "aws_api_gateway_deployment" "pets" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  description = "first"
  triggers    = { redeploy = sha1(jsonencode([aws_api_gateway_integration.pets_post.id, aws_api_gateway_integration.get.id, aws_api_gateway_integration_response.post.id])) }
  lifecycle { create_before_destroy = true }
}
resource "aws_api_gateway_client_certificate" "cert" {
  description = "backend"
  tags        = { team = "blue" }
}
resource "aws_api_gateway_stage" "prod" {
  rest_api_id           = aws_api_gateway_rest_api.pets.id
  deployment_id         = aws_api_gateway_deployment.pets.id
  stage_name            = "prod"
  variables             = { color = "blue" }
  client_certificate_id = aws_api_gateway_client_certificate.cert.id
  tags                  = { stage = "prod" }
}
resource "aws_api_gateway_method_settings" "pets_all" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "*/*"
  settings {
    metrics_enabled        = true
    logging_level          = "ERROR"
    throttling_rate_limit  = 100
    throttling_burst_limit = 50
  }
}
resource "aws_api_gateway_method_settings" "pet" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "${trimprefix(aws_api_gateway_resource.pet.path, "/")}/GET"
  settings {
    caching_enabled        = true
    cache_ttl_in_seconds   = 60
    throttling_burst_limit = 5
  }
}
resource "aws_api_gateway_documentation_part" "api" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  location { type = "API" }
  properties = jsonencode({ description = "Pets API" })
}
resource "aws_api_gateway_documentation_part" "post" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  location {
    type   = "METHOD"
    method = "POST"
    path   = "/pets"
  }
  properties = jsonencode({ description = "Add a pet" })
}
resource "aws_api_gateway_documentation_version" "v1" {
  rest_api_id = aws_api_gateway_rest_api.pets.id
  version     = "1.0"
  description = "first"
  depends_on  = [aws_api_gateway_documentation_part.api, aws_api_gateway_documentation_part.post]
}
resource "aws_api_gateway_domain_name" "dn" {
  domain_name              = "pets.example.test"
  regional_certificate_arn = "arn:aws:acm:us-east-1:000000000000:certificate/abc"
  endpoint_configuration { types = ["REGIONAL"] }
  security_policy = "TLS_1_2"
  tags            = { team = "blue" }
}
resource "aws_api_gateway_base_path_mapping" "v1" {
  api_id      = aws_api_gateway_rest_api.pets.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  domain_name = aws_api_gateway_domain_name.dn.domain_name
  base_path   = "v1"
}
resource "aws_api_gateway_vpc_link" "link" {
  name        = "nlb"
  target_arns = ["arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/0123456789abcdef"]
  tags        = { team = "blue" }
}
output "pets_api_id" { value = aws_api_gateway_rest_api.pets.id }
