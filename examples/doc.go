// Package examples holds runnable reproductions of the tutorials in
// shared/seeds: each folder has a run.sh that sets up the API with the AWS
// CLI and calls it with the client the tutorial uses (@aws-sdk/signature-v4
// + axios, curl --aws-sigv4, botocore). examples_test.go runs every script
// against the real gatehouse binary and compares its transcript with the
// folder's expected.txt (go test ./examples -update rewrites them).
package examples
