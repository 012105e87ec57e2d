// Package sigv4client signs outgoing HTTP requests with AWS Signature
// Version 4, so that any Go HTTP client can call IAM-protected APIs — a
// gatehouse or Amazon API Gateway REST API with AWS_IAM authorization
// (service "execute-api"), or any other SigV4 service.
//
// The central type is [Transport], an [net/http.RoundTripper] that signs each
// request just before it is sent:
//
//	cfg, _ := config.LoadDefaultConfig(ctx)            // env, profiles, web identity, ...
//	t, _ := sigv4client.New(sigv4client.Config{
//		Credentials: cfg.Credentials,
//		Region:      "us-east-1",
//	})
//	client := &http.Client{Transport: t}
//	resp, err := client.Get("https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets")
//
// Credentials come from any aws-sdk-go-v2 [github.com/aws/aws-sdk-go-v2/aws.CredentialsProvider]
// (static keys, the default chain, stscreds.AssumeRoleProvider, web identity,
// ...). They are wrapped in an [github.com/aws/aws-sdk-go-v2/aws.CredentialsCache]
// unless they already are one, so temporary credentials are fetched once and
// refreshed before they expire, without restarting anything.
//
// SigV4 signs a SHA-256 hash of the body, so the body has to be read before the
// request can be sent. Transport avoids holding a large body in memory twice:
// a body that can be replayed (GetBody, as set by http.NewRequest for bytes
// and strings, or an io.Seeker such as *os.File) is hashed from a second
// reader and sent from the first; any other body is read once, hashed while
// it is copied to memory (small bodies) or to a temporary file (large ones),
// and then sent from that copy. Services that accept it (Amazon S3) can skip
// hashing with [Config.UnsignedPayload]; execute-api does not accept it.
//
// [Transport.Presign] produces a presigned URL (query-string authentication)
// instead of signing headers.
//
// The signing itself is aws-sdk-go-v2's [github.com/aws/aws-sdk-go-v2/aws/signer/v4.Signer];
// this package adds body handling, credential caching and the RoundTripper
// plumbing around it.
package sigv4client
