// Package iam is gatehouse's IAM: accounts, users, groups, roles, access
// keys, managed and inline policies, permissions boundaries, OIDC providers,
// the IAM Query API that manages them, and the authorization entry point
// every service uses (Service.Authorize).
//
// State lives in the store as JSON records of kinds "iam/…". Every read on
// the request path — access key lookup, identity policies, authorization —
// is answered from an immutable Snapshot rebuilt after each committed change
// (store.View), so authorization never touches the store. Long-term secrets
// are encrypted at rest with the master key.
package iam
