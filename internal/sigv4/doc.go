// Package sigv4 verifies AWS Signature Version 4 requests exactly as AWS
// services do: the Authorization header form and the presigned query form,
// with the non-S3 canonicalization used by execute-api, IAM and STS
// (normalized, double-encoded paths) and, behind Config.S3, the S3 rules.
//
// The package knows nothing of servers or storage. A caller converts its
// request with FromHTTP (or fills a Request), and a Verifier built with New
// checks it against an injected clock and a Resolver that maps an access key
// id (and optional session token) to its secret and identity. Scope reads a
// request's credential scope without verifying it, for routing.
//
// Every failure is an *Error whose Kind says what went wrong and whose
// Message is the exact text API Gateway (execute-api) sends for it. Mapping
// a Kind to a wire error code (IncompleteSignatureException,
// SignatureDoesNotMatch, InvalidClientTokenId...) belongs to the caller.
//
// The behaviour implemented here is specified in doc/spec/sigv4.md; the
// section numbers (§N) in comments refer to that document. Verification runs
// in the order of its §14: detect the form (§1), parse it (§2, §3), require a
// signed host (§6.1), parse the date and apply the clock skew or presigned
// expiry (§4, §6.3), check the credential scope (§5), resolve the key and
// session token (§10), then build the canonical request (§7) and string to
// sign (§8) and compare signatures in constant time (§9).
//
// Client differences the verifier absorbs: botocore and the JavaScript SDK
// normalize "//", "." and ".." in the path before signing while
// aws-sdk-go-v2 does not, so a mismatch is retried once with the path as
// sent (§7.2); a literal '+' in the query is a space (§7.3); the session
// token may be unsigned (§6.2); only host must be signed.
//
// A server verifies the head before it reads the body: VerifyHead runs
// every check that needs no body, in Verify's order and with Verify's
// errors, and Head.Finish completes the verification with the hash of the
// body as received. A declared payload hash (x-amz-content-sha256, 64
// lowercase hex digits) is signed verbatim, as every signer does (§7.6),
// so the signature is checked from the head alone; the body must then hash
// to it, and a body that does not fails like a signature over the wrong
// body. Any other value leaves the body's own hash in the canonical request,
// and UNSIGNED-PAYLOAD is honoured only with Config.AllowUnsignedPayload.
//
// Derived signing keys are cached per (access key id, date, region,
// service) and checked against the secret they came from, so a rotated
// secret never reuses a stale key. With a warm cache a verification costs one
// SHA-256 of the canonical request, one HMAC and one allocation (its
// Result). Secrets never appear in errors or logs.
package sigv4
