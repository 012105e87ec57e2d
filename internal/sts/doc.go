// Package sts is gatehouse's Security Token Service: AssumeRole,
// AssumeRoleWithWebIdentity (OIDC JWTs validated against IAM OIDC providers),
// GetSessionToken, GetCallerIdentity and GetAccessKeyInfo over the AWS Query
// protocol, plus RoleCredentials for services (Lambda) that act as a role.
//
// Temporary credentials are self-contained: the session token is an
// authn.Session sealed with AES-GCM (authn.Sealer), so issuing credentials
// writes nothing and any node verifies them without a lookup.
package sts
