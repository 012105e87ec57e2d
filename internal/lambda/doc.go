// Package lambda is gatehouse's AWS Lambda: the control plane (REST-JSON,
// API version 2015-03-31, as the AWS CLI and SDKs drive it), the Invoke
// API, and invocation by API Gateway AWS_PROXY integrations. Functions are
// run on the host by package runtime (sandboxed processes speaking the
// Lambda Runtime API); this package stores their configuration (store kind
// "lambda/function"), keeps their code under the data dir, builds their
// environment and execution-role credentials, and authorizes calls with
// the IAM policy engine and each function's resource policy.
//
// # Code
//
// A zip given as Code.ZipFile is stored as DataDir/lambda/code/<sha256>.zip
// and extracted once per content into DataDir/lambda/code/<sha256>/ (the
// task root), rejecting absolute paths, ".." components and symlinks that
// leave the task root, keeping Unix mode bits, and enforcing AWS's limits
// (50 MB zipped, 250 MB unzipped).
//
// gatehouse extension for development — a local directory as the code,
// used in place without copying (edits are picked up by new instances
// after update-function-code, or after the function is idle):
//
//	aws lambda create-function ... --code S3Bucket=gatehouse-local-dir,S3Key=/abs/path/to/dir
//	aws lambda update-function-code --function-name f --s3-bucket gatehouse-local-dir --s3-key /abs/path/to/dir
//
// The bucket name "gatehouse-local-dir" (LocalDirBucket) selects the form;
// S3Key must be an absolute path to an existing directory on the server's
// host, under a root the operator allows (--lambda-code-roots), and never
// the data dir, inside it or around it (checked with symlinks resolved, at
// create time and again when an instance starts). Any other bucket names
// an object of gatehouse's own S3, read as the caller (s3code.go).
//
// # Runtimes
//
// provided.al2023, provided.al2 and provided run <task root>/bootstrap;
// nodejs*.x and python3.* run gatehouse's bootstrap programs with the
// host's node and python3 (functions must bundle their dependencies: there
// is no AWS SDK preinstalled). Older identifiers AWS now blocks (nodejs16.x,
// python3.8) are accepted. Other runtimes (java*, dotnet*, ruby*, go1.x)
// are refused at create time with a message suggesting provided.al2023.
//
// # Versions and aliases
//
// PublishVersion (and Publish on CreateFunction/UpdateFunctionCode)
// snapshots $LATEST's configuration and code as an immutable numbered
// version; numbers are never reused. Aliases name a version (or $LATEST),
// optionally with an additional version that receives a weighted share of
// invocations. Both live in their function's record. A qualified name
// (f:3, f:live, the qualified ARN) reaches a version or alias wherever AWS
// takes one: GetFunction, GetFunctionConfiguration, Invoke, API Gateway
// integrations, AddPermission/GetPolicy/RemovePermission (each version
// and alias has its own resource policy) and DeleteFunction (one
// version). Each version runs in its own instances.
//
// # Layers
//
// PublishLayerVersion stores a layer version's zip with the function
// code (layers.go); a function's layers are extracted in order into one
// directory under DataDir/lambda/opt (a later layer's file wins), mounted
// read-only at /opt, with /opt/python and /opt/nodejs/node_modules on the
// runtimes' search paths, as on AWS.
//
// # Function URLs
//
// A function and each alias may have a URL (urls.go), served on the
// listener by Host <id>.lambda-url.<region>.* or at /_lambda_url/<id>/
// (urlserve.go; doc/lambda.md): SigV4 and the pipeline for AWS_IAM, the
// resource policy alone for NONE, CORS, the payload 2.0 event.
//
// # Instances
//
// Each instance runs in its own bubblewrap sandbox (package runtime;
// doc/security.md §1): uid 993, no capabilities, its code
// read-only at /var/task, the bootstrap programs at /var/runtime, a private
// /tmp of EphemeralStorage MB, MemorySize enforced, and its own network
// namespace where the Runtime API listens on 127.0.0.1:9001 and gatehouse
// on its own port (AWS_ENDPOINT_URL). Each instance gets session
// credentials of the execution role issued by gatehouse's STS (12 h; the
// instance is retired 15 minutes before they expire). With isolation
// "none" (SandboxConfig.Isolation) instances are child processes with the
// server's user instead, each with a Runtime API on a host loopback port
// and a private TMPDIR: only for code you trust.
//
// # Not implemented
//
// Container images, S3 code, event sources (mappings answer as for
// sources that do not exist). Event invocations are queued in memory and lost on restart.
//
// # Logs
//
// Each function's log (its output plus Lambda's START/END/REPORT lines) is
// DataDir/lambda/logs/<account>/<region>/<name>.log, one event per line
// with its time and log stream (the instance). Logs (cwlogs.go) serves it
// as the CloudWatch Logs group /aws/lambda/<name> (FilterLogEvents,
// GetLogEvents, DescribeLogGroups, DescribeLogStreams), authorized as
// logs:<Action>; `gatehouse logs FUNCTION` (LogsCommand) is a client of
// that API, like `aws logs tail`.
package lambda
