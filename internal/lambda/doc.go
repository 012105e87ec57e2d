// Package lambda is gatehouse's AWS Lambda: the control plane (REST-JSON,
// API version 2015-03-31, as the AWS CLI and SDKs drive it), the Invoke
// API, and invocation by API Gateway AWS_PROXY integrations. Functions are
// run on the host by package runtime (child processes speaking the Lambda
// Runtime API); this package stores their configuration (store kind
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
// host. Any other S3 bucket is refused (gatehouse has no S3).
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
// Code that hard-codes /tmp shares the host's /tmp; TMPDIR points to a
// private per-instance directory.
//
// # Instances
//
// Functions run as child processes of gatehouse, with its OS user's
// privileges (no containers): only run code you trust. Each instance has
// its own Runtime API listener on 127.0.0.1, its own process group (killed
// as a whole at the deadline), a private TMPDIR, and session credentials
// of the execution role issued by gatehouse's STS (12 h; the instance is
// retired 15 minutes before they expire). MemorySize is reported, not
// enforced.
//
// # Not implemented
//
// Published versions and aliases (Publish is accepted and ignored;
// qualifiers other than $LATEST are not found), layers, container images,
// S3 code, response streaming, function URLs, event source mappings,
// destinations. Event invocations are queued in memory and lost on restart.
//
// # Logs
//
// Each function's log (its output plus Lambda's START/END/REPORT lines) is
// DataDir/lambda/logs/<account>/<region>/<name>.log; `gatehouse logs
// FUNCTION` (LogsCommand) prints and follows it.
package lambda
