// Package e2e holds end-to-end tests that drive a real gatehouse server
// (in-process or the built binary) with the clients users run: Terraform,
// the AWS CLI, boto3. They were moved out of the unit packages so that
// `make test-short` stays quick; `make test` runs them, and each one
// skips with the reason when its tool is missing (the test summary lists
// those skips).
package e2e
