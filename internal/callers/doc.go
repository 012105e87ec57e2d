// Package callers implements gatehouse's caller-side tools: `gatehouse curl`
// (an awscurl that signs one request, or prints a presigned URL) and
// `gatehouse sign-proxy` (a local egress sidecar that signs every request it
// forwards). Both take credentials from aws-sdk-go-v2's standard chain
// (environment, shared config and credentials files, profiles with role_arn,
// web-identity token files, ...) and sign with pkg/sigv4client.
//
// The entry points [Curl] and [SignProxy] parse their own flags and return a
// process exit code, so the CLI only has to route to them. This package
// imports no other gatehouse package except pkg/sigv4client: it is a client
// of gatehouse (and of AWS), never a part of the server.
package callers
