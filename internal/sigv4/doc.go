// Package sigv4 verifies AWS Signature Version 4 requests exactly as AWS
// services do: the Authorization header form and the presigned query form,
// with the non-S3 canonicalization used by execute-api, IAM and STS
// (double-encoded, normalized paths) and, behind Config.S3, the S3 rules.
//
// The package knows nothing of servers or storage. A caller converts its
// request with FromHTTP (or fills a Request), and a Verifier built with New
// checks it against an injected clock and a Resolver that maps an access key
// id (and optional session token) to its secret and identity.
//
// Every failure is an *Error whose Kind says what went wrong and whose
// Message is the exact text API Gateway (execute-api) sends for it; mapping a
// Kind to a wire error code belongs to the caller.
//
// The behaviour implemented here is specified in shared/spec/sigv4.md; the
// section numbers (§N) in comments refer to that document. Secrets never
// appear in errors or logs.
package sigv4
