package apigw

import (
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// AWS checks enumerated members at its front door, before the operation
// runs, and answers 400 ValidationException in the Coral wording (the
// same for create and update: UpdateRestApi's apiKeySource error names
// createRestApiInput, as AWS's does); the operations' own semantic checks
// answer BadRequestException.
func validationEnum(member, value, set string) error {
	return awserr.ValidationException.New(fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: %s",
		echo(value), member, set))
}

var validEndpointTypes = map[string]bool{"REGIONAL": true, "EDGE": true, "PRIVATE": true}

// validateEndpointTypes refuses unknown endpoint types, naming the whole
// list as AWS does ("Value '[INVALID]' at ...").
func validateEndpointTypes(member string, types []string) error {
	for _, t := range types {
		if !validEndpointTypes[t] {
			return awserr.ValidationException.New(fmt.Sprintf("1 validation error detected: Value '[%s]' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [PRIVATE, EDGE, REGIONAL]",
				echo(strings.Join(types, ", ")), member))
		}
	}
	if len(types) > 1 {
		return awserr.BadRequestException.New("Cannot create an api with multiple Endpoint Types.")
	}
	return nil
}

func validateAPIKeySource(v string) error {
	if !validAPIKeySource(v) {
		return validationEnum("createRestApiInput.apiKeySource", v, "[AUTHORIZER, HEADER]")
	}
	return nil
}

// validateBasePath applies CreateBasePathMapping's rules: REST APIs' (v1)
// base paths are one segment; a slash gets AWS's own explanation.
func validateBasePath(p string) error {
	if strings.Contains(p, "/") {
		return awserr.BadRequestException.New("API Gateway V1 doesn't support the slash character (/) in base path mappings. To create a multi-level base path mapping, use API Gateway V2.")
	}
	if !basePathRE.MatchString(p) {
		return awserr.BadRequestException.New("Invalid base path specified")
	}
	return nil
}

// validateProxyTarget: an AWS_PROXY integration invokes a Lambda
// function (or a Firehose stream, which gatehouse does not have); any
// other AWS service URI is refused with AWS's message. An AWS (non-proxy)
// integration URI must name an action or a path.
func validateAWSIntegrationURI(typ, uri string) error {
	a, err := arn.Parse(uri)
	if err != nil {
		return awserr.BadRequestException.New("Invalid ARN specified in the request")
	}
	// An ARN of another service (a role, a function) is an ARN without
	// API Gateway's path or action.
	if a.Service != "apigateway" || !strings.HasPrefix(a.Resource, "path/") && !strings.HasPrefix(a.Resource, "action/") {
		return awserr.BadRequestException.New("AWS ARN for integration must contain path or action")
	}
	if typ == "AWS_PROXY" && a.AccountID != "lambda" && a.AccountID != "firehose" {
		return awserr.BadRequestException.New("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
	}
	return nil
}

// validateIntegrationCredentials checks an integration's credentials
// against the caller's account before anything else about it: a role of
// another account is AWS's AccessDeniedException ("Cross-account pass role
// is not allowed."); arn:aws:iam::*:user/* (the caller's own identity) is
// no role and passes.
func validateIntegrationCredentials(in *Integration, account string) error {
	if in.Credentials != "" {
		if a, err := arn.Parse(in.Credentials); err == nil && a.Service == "iam" && strings.HasPrefix(a.Resource, "role/") && a.AccountID != account {
			return awserr.AccessDeniedException.New("Cross-account pass role is not allowed.")
		}
	}
	return nil
}

// requireAWSRole is the check of an AWS integration without credentials:
// one to S3 is refused (AWS's answer as moto records it); other services
// are not, as AWS's rule for them is not established.
func requireAWSRole(in *Integration) error {
	if strings.ToUpper(in.Type) != "AWS" || in.Credentials != "" {
		return nil
	}
	if a, err := arn.Parse(in.URI); err == nil && a.AccountID == "s3" {
		return awserr.BadRequestException.New("Role ARN must be specified for AWS integrations")
	}
	return nil
}

// validateIntegrationEnums checks PutIntegration's enumerated members at
// the front door, as AWS does (ValidationException); the type is matched
// case-insensitively, as gatehouse has always accepted it.
func validateIntegrationEnums(in *Integration) error {
	if !validIntegrationTypes[strings.ToUpper(in.Type)] {
		return validationEnum("putIntegrationInput.type", in.Type, "[HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY]")
	}
	if in.ConnectionType != "" && in.ConnectionType != "INTERNET" && in.ConnectionType != "VPC_LINK" {
		return validationEnum("putIntegrationInput.connectionType", in.ConnectionType, "[INTERNET, VPC_LINK]")
	}
	if in.ContentHandling != "" && in.ContentHandling != "CONVERT_TO_BINARY" && in.ContentHandling != "CONVERT_TO_TEXT" {
		return validationEnum("putIntegrationInput.contentHandling", in.ContentHandling, "[CONVERT_TO_BINARY, CONVERT_TO_TEXT]")
	}
	return nil
}
