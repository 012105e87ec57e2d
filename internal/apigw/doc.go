// Package apigw is the API Gateway (REST APIs, "v1") control plane: the
// RestApi / Resource / Method / Integration / Deployment / Stage model kept
// in the store under the apigw/ kinds, OpenAPI 3 and Swagger 2 import with
// the x-amazon-apigateway-* extensions, OpenAPI 3 export, and the REST-JSON
// operations the AWS CLI drives (spec/apigateway.md §1, §9, §11).
//
// The data plane (package gateway) never reads the draft model: it serves
// deployments, which are immutable snapshots taken by CreateDeployment.
package apigw
