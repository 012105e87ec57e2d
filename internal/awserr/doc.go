// Package awserr is the one catalogue of AWS errors gatehouse can return.
//
// An [Error] carries what the client may see (code, HTTP status, fault,
// message) and, separately, a private Cause that only reaches the server log.
// Domain packages build errors from catalogue [Code] values
// (awserr.NoSuchEntity.Errorf(...)); package awsproto renders them in each
// wire protocol. Nothing here knows about HTTP handlers or encodings.
//
// The catalogue is split by service: common.go (every protocol), iam.go and
// sts.go (Query), apigateway.go (REST-JSON control plane and the execute-api
// data plane), lambda.go (REST-JSON).
package awserr
