// Package pipeline is the part of the request pipeline every surface
// shares between authentication and the operation: the one client-IP
// function, the one builder of the request's global condition keys, the
// one entry point that authorizes an operation, and the one denial
// message. IAM, STS, the API Gateway control plane, Lambda and the
// execute-api gateway all call it, so a policy conditioned on a global key
// decides the same on every surface (issue #13).
//
// It sits between authn and iam: it knows the authenticated Principal and
// the policy engine's vocabulary, and asks an Authorizer (the IAM service)
// for decisions without importing it.
package pipeline
