// Package runtime runs Lambda function code on the host: one process tree
// per instance (AWS: execution environment), each in its own bubblewrap
// sandbox (sandbox.go, stage.go, package sandboxinit; IsolationNone runs
// plain child processes instead) with its own Runtime API (version
// 2018-06-01) on the sandbox's loopback, kept warm and reused, scaled out
// up to a concurrency limit, killed at the deadline it advertised or when it
// outgrows its memory (memory.go), replaced after a crash, reaped when idle
// and stopped cleanly on shutdown.
//
// The package knows nothing of the control plane or the store: a caller
// hands Manager.Invoke a Spec (how to start an instance of one function
// revision) and an Invocation, and gets back the function's payload or the
// error document AWS would return, plus the invocation's log text
// (INIT_START/START/END/REPORT lines as Lambda prints them, spec/lambda.md
// §7.2). Function output is captured line by line from the process's
// stdout and stderr and written to a per-function log file as timestamped
// events of the instance's log stream (LogFile), which ReadLog reads for
// the CloudWatch Logs API.
//
// Node.js and Python functions run under small bootstrap programs of ours
// (embedded, written to a runtime directory by WriteRuntimeDir) that
// implement the official runtime clients' handler conventions with the
// host's node and python3.
package runtime
