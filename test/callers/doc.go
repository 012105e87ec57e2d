// Package callers holds the end-to-end tests of gatehouse's caller tools —
// `gatehouse curl`, `gatehouse sign-proxy` and pkg/sigv4client — against a
// real gatehouse: state is created through the real IAM, STS and API Gateway
// APIs with aws-sdk-go-v2, and requests go through the real execute-api
// gateway to an HTTP backend that reports what it received.
package callers
