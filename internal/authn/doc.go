// Package authn turns a SigV4-signed request into a verified Principal.
//
// An Authenticator implements sigv4.Resolver over two sources that never
// touch the store on the request path: a KeyStore (long-term access keys,
// served by the IAM snapshot) and a Sealer that opens self-contained session
// tokens (temporary ASIA… credentials issued by STS). Control-plane handlers
// call ReadRequest with the service they serve; the data plane builds its
// own sigv4.Verifier with the Authenticator as Resolver and gets a
// *Principal as the result's Identity. Both read request bodies through
// ReadVerified: the head is authenticated before a byte of the body is
// read, and the body is read through the server's one reqbody.Reader.
//
// # Session tokens
//
// A session token is base64(version | key id | nonce | AES-256-GCM(record)),
// with the version byte and the 4-byte key id as additional data. The record
// (codec.go) carries the temporary key id and secret, the account, the role
// or user, the session name, issue and expiry times, source identity, session
// tags and transitive keys, session policies and flags: everything needed to
// verify the signature and rebuild the caller's permissions, so any node
// verifies a token without a lookup. The newest key of the keyring seals;
// every key opens, so keys rotate without invalidating live sessions. Opened
// tokens are cached per access key id, so a session costs one AEAD open for
// its lifetime on each node.
//
// # Errors
//
// The one table from sigv4 failure kinds to wire errors lives in errors.go:
// QueryError (IAM, STS), JSONError (API Gateway and Lambda control planes)
// and GatewayError (execute-api). Long-term secrets are sealed at rest by a
// SecretBox under the master key (LoadMasterKey).
package authn
