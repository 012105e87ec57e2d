// Package gateway is the execute-api data plane: it resolves a request to a
// deployed API stage (host form, path forms, custom-domain base paths),
// routes it through the deployment's resource tree with AWS's precedence,
// verifies SigV4 and asks the IAM engine about execute-api:Invoke for
// AWS_IAM methods, throttles, and runs the integration (HTTP_PROXY, HTTP,
// MOCK, AWS_PROXY). Every failure is answered with API Gateway's gateway
// response (spec/sigv4.md §12–13, spec/apigateway.md §8).
//
// The hot path reads only an immutable route table (a store.View rebuilt
// after every committed change to the apigw/ kinds); it never touches the
// store.
package gateway
