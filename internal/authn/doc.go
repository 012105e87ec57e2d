// Package authn turns a SigV4-signed request into a verified Principal.
//
// An Authenticator implements sigv4.Resolver over two sources that never
// touch the store on the request path: a KeyStore (long-term access keys,
// served by the IAM snapshot) and a Sealer that opens self-contained session
// tokens (temporary ASIA… credentials issued by STS). It also holds the one
// table mapping sigv4 failure kinds to the wire errors of each surface:
// Query (IAM, STS), REST-JSON (API Gateway, Lambda) and execute-api.
package authn
