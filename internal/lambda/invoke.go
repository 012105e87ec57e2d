package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// maxEventPayload is the asynchronous payload limit (spec §4.5,
// unconfirmed exact value after the 1 MB increase).
const maxEventPayload = 1048576

// spec returns how to run e's function ($LATEST or a published version,
// never an alias's entry: see entry.target), built once per revision.
func (s *Service) spec(e *entry) (*runtime.Spec, error) {
	e.specOnce.Do(func() { e.spec, e.specErr = s.buildSpec(e.fn, e.base.fn.Reserved) })
	return e.spec, e.specErr
}

// buildSpec describes how to run f. reserved is the function's reserved
// concurrency, which in AWS is shared by all its versions; here it caps
// each version's instances.
func (s *Service) buildSpec(f *function, reserved *int) (*runtime.Spec, error) {
	kind := runtime.Classify(f.Runtime)
	if kind == runtime.Unsupported {
		return nil, awserr.InvalidRuntimeException.Errorf("The runtime parameter of %s is not supported.", f.Runtime)
	}
	codeDir := f.CodeDir
	if f.LocalDir {
		// Checked again: the directory or a symlink on its path may have
		// changed since it was accepted, and the roots may have.
		d, err := s.checkLocalDir(f.CodeDir)
		if err != nil {
			return nil, err
		}
		codeDir = d
	} else if st, err := os.Stat(codeDir); err != nil {
		return nil, awserr.InvalidZipFileException.New("Lambda was unable to unzip the deployment package.")
	} else if st.Mode().Perm() != 0o755 {
		// Extracted by an older gatehouse (0700): the sandbox user reads it.
		_ = os.Chmod(codeDir, 0o755)
	}
	argv, boot, err := s.mgr.Command(kind, s.runtimeDir, codeDir)
	if err != nil {
		return nil, awserr.InvalidRuntimeException.Errorf("The runtime %s is not available: %v", f.Runtime, err)
	}
	lf, err := s.logFile(f)
	if err != nil {
		return nil, err
	}
	opt, err := s.optDir(f.Layers)
	if err != nil {
		return nil, err
	}
	endpoint := *s.endpoint.Load()
	spec := &runtime.Spec{
		Key:          f.poolKey(),
		Revision:     f.RevisionID + " " + endpoint + " " + s.tlsURL(),
		FunctionName: f.Name,
		Version:      orDefault(f.Version, "$LATEST"),
		Runtime:      f.Runtime,
		Kind:         kind,
		MemoryMB:     f.MemorySize,
		EphemeralMB:  f.Ephemeral,
		Timeout:      time.Duration(f.Timeout) * time.Second,
		TaskRoot:     codeDir,
		RuntimeDir:   s.runtimeDir,
		OptDir:       opt,
		Command:      argv,
		Bootstrap:    boot,
		Env:          s.environment(f, kind, endpoint, s.mgr.Layout(kind, codeDir, s.runtimeDir), opt),
		Endpoint:     endpoint,
		TLSEndpoint:  s.tlsURL(),
		Log:          lf,
	}
	if reserved != nil {
		spec.Concurrency, spec.Reserved = *reserved, true
	}
	if deprecated(f.Runtime) {
		spec.InitNotice = "WARNING: the runtime " + f.Runtime + " is deprecated on AWS Lambda, which no longer lets you create functions with it; gatehouse runs it with the host's " + runtime.Interpreter(kind) + "."
	}
	if s.cfg.Roles != nil {
		role, name, d := f.Role, f.Name, s.cfg.CredentialDuration
		spec.Credentials = func(ctx context.Context) (runtime.Credentials, error) {
			return s.cfg.Roles.RoleCredentials(ctx, role, name, d)
		}
	}
	return spec, nil
}

// deprecated reports Node and Python identifiers AWS blocks for new
// functions (gatehouse accepts them, spec §4.4).
func deprecated(rt string) bool {
	switch rt {
	case "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
		"python3.6", "python3.7", "python3.8":
		return true
	}
	return false
}

// environment builds a function's process environment from scratch
// (spec §2.2): reserved variables, then the user's, then defaults the user
// did not set. gatehouse's own environment never leaks in; paths are as
// the function sees them (lay: /var/task and /var/runtime in a sandbox).
//
// Layers are at /opt in a sandbox (opt on the host without one, "" when
// the function has none): /opt/nodejs/node_modules and /opt/python (with
// its lib/<runtime>/site-packages) are searched as on AWS, before the
// runtime's own directories; /opt/bin and /opt/lib are in the Layout's
// PATH and LD_LIBRARY_PATH.
func (s *Service) environment(f *function, kind runtime.Kind, endpoint string, lay runtime.Layout, opt string) []string {
	var env []string
	set := map[string]bool{}
	add := func(k, v string) {
		if set[k] {
			return
		}
		set[k] = true
		env = append(env, k+"="+v)
	}
	add("_HANDLER", f.Handler)
	add("AWS_REGION", f.Region)
	add("AWS_DEFAULT_REGION", f.Region)
	if kind != runtime.Provided {
		add("AWS_EXECUTION_ENV", "AWS_Lambda_"+f.Runtime)
	}
	add("AWS_LAMBDA_FUNCTION_NAME", f.Name)
	add("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", strconv.Itoa(f.MemorySize))
	add("AWS_LAMBDA_FUNCTION_VERSION", orDefault(f.Version, "$LATEST"))
	add("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
	add("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/"+f.Name)
	add("LAMBDA_TASK_ROOT", lay.TaskRoot)
	add("LAMBDA_RUNTIME_DIR", lay.RuntimeDir)
	if f.Environment != nil {
		for k, v := range *f.Environment {
			add(k, v)
		}
	}
	add("TZ", ":UTC")
	add("LANG", "en_US.UTF-8")
	add("PATH", lay.Path)
	add("LD_LIBRARY_PATH", lay.LDLibraryPath)
	optRoot := "/opt"
	if !lay.Sandboxed {
		optRoot = opt
	}
	switch {
	case kind == runtime.Node && optRoot != "":
		add("NODE_PATH", optRoot+"/nodejs/node_modules:"+lay.NodePath)
	case kind == runtime.Node:
		add("NODE_PATH", lay.NodePath)
	case kind == runtime.Python && optRoot != "":
		add("PYTHONPATH", lay.PythonPath+":"+optRoot+"/python/lib/"+f.Runtime+"/site-packages:"+optRoot+"/python")
	case kind == runtime.Python:
		add("PYTHONPATH", lay.PythonPath)
	}
	switch kind {
	case runtime.Python:
		add("PYTHONUNBUFFERED", "1")
	}
	add("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR")
	s.tlsEnv(add, lay)
	if lay.Sandboxed {
		// The sandbox's only network is its loopback, where gatehouse
		// listens on its own port.
		endpoint = runtime.SandboxEndpoint(endpoint)
	}
	if endpoint != "" {
		add("AWS_ENDPOINT_URL", endpoint)
	}
	return env
}

// invoke serves the Invoke API (spec §4.5).
func (s *Service) invoke(q *request, in *invocationInput) (*InvokeOutput, error) {
	raw := in.FunctionName
	res, named, err := s.find(q, raw, "lambda:InvokeFunction")
	if err != nil {
		return nil, err
	}
	// Named by an alias, the invocation runs the alias's version, or its
	// additional version for that version's share of invocations.
	e := named.route(s.pick)
	typ, payload, clientCtx, err := s.invokeInput(in, "Event", "RequestResponse", "DryRun")
	if err != nil {
		return nil, err
	}
	meta := awsproto.MetaFrom(q.r.Context())
	switch typ {
	case "DryRun":
		return &InvokeOutput{status: http.StatusNoContent}, nil
	case "Event":
		if err := s.queueEvent(q, res, named, e, payload, in.TraceID); err != nil {
			return nil, err
		}
		return &InvokeOutput{status: http.StatusAccepted}, nil
	}
	spec, err := s.spec(e)
	if err != nil {
		return nil, err
	}
	tail := in.LogType == "Tail"
	out, err := s.mgr.Invoke(context.WithoutCancel(q.r.Context()), spec, runtime.Invocation{
		RequestID:     meta.RequestID,
		Payload:       payload,
		InvokedARN:    res.arn(),
		ClientContext: clientCtx,
		TraceID:       in.TraceID,
		WaitLogs:      tail,
	})
	if err != nil {
		return nil, invokeError(err)
	}
	res200 := &InvokeOutput{status: http.StatusOK, ContentType: "application/json",
		ExecutedVersion: orDefault(e.fn.Version, "$LATEST"), FunctionError: out.FunctionError, Payload: out.Payload}
	if res200.Payload == nil {
		res200.Payload = []byte{} // a 200 always has its Content-Length
	}
	if tail {
		l := out.Log
		if len(l) > 4096 {
			l = l[len(l)-4096:]
		}
		res200.LogResult = base64.StdEncoding.EncodeToString(l)
	}
	return res200, nil
}

// queueEvent queues an asynchronous invocation of e (named as res, by
// the entry named) and returns once it is queued.
func (s *Service) queueEvent(q *request, res resolved, named, e *entry, payload []byte, traceID string) error {
	if len(payload) > maxEventPayload {
		return awserr.RequestEntityTooLarge.Errorf("%d byte payload is too large for the Event invocation type (limit %d bytes)", len(payload), maxEventPayload)
	}
	spec, err := s.spec(e)
	if err != nil {
		return err
	}
	inv := runtime.Invocation{RequestID: awsproto.MetaFrom(q.r.Context()).RequestID, Payload: payload, InvokedARN: res.arn(), TraceID: traceID}
	plan := s.eventPlan(named.base.fn, res, e.fn)
	s.bg.Add(1)
	go s.runEvent(spec, inv, plan)
	return nil
}

// invokeAsync serves the deprecated InvokeAsync API (POST
// /2014-11-13/functions/NAME/invoke-async/), still served by AWS: an Event
// invocation of the body (InvokeArgs, required JSON), authorized as
// lambda:InvokeFunction as its API reference says; it answers 202 with no
// body (Status is the HTTP status), and, as its reference notes, does not
// pass the trace header on.
func (s *Service) invokeAsync(q *request, in *invokeAsyncInput) (*InvokeAsyncOutput, error) {
	raw := in.FunctionName
	res, named, err := s.find(q, raw, "lambda:InvokeFunction")
	if err != nil {
		return nil, err
	}
	e := named.route(s.pick)
	if _, err := s.mgr.Isolation(); err != nil {
		return nil, invokeError(err)
	}
	payload := in.InvokeArgs
	if len(payload) == 0 || !utf8.Valid(payload) || !json.Valid(payload) {
		return nil, awserr.InvalidRequestContentException.New("Could not parse request body into json: Could not parse payload into json")
	}
	if err := s.queueEvent(q, res, named, e, payload, ""); err != nil {
		return nil, err
	}
	return &InvokeAsyncOutput{}, nil
}

// invokeInput checks what Invoke and InvokeWithResponseStream share: the
// invocation type (one of types; "" is RequestResponse), that this host can
// run functions (refused before anything is queued; DryRun runs nothing),
// the payload (JSON, UTF-8) and the client context header.
func (s *Service) invokeInput(in *invocationInput, types ...string) (typ string, payload []byte, clientCtx string, err error) {
	typ = in.InvocationType
	if typ != "" && !slices.Contains(types, typ) {
		return "", nil, "", awserr.InvalidParameterValueException.Errorf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [%s]", typ, strings.Join(types, ", "))
	}
	if _, err := s.mgr.Isolation(); err != nil && typ != "DryRun" {
		return "", nil, "", invokeError(err)
	}
	payload = in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	} else if !utf8.Valid(payload) {
		return "", nil, "", awserr.InvalidRequestContentException.New("Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 middle byte")
	} else if !json.Valid(payload) {
		var v any
		err := json.Unmarshal(payload, &v)
		detail := "invalid JSON"
		if err != nil {
			detail = err.Error()
		}
		return "", nil, "", awserr.InvalidRequestContentException.New("Could not parse request body into json: Could not parse payload into json: " + detail)
	}
	if cc := in.ClientContext; cc != "" && typ != "Event" {
		b, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || !json.Valid(b) || len(cc) > 3583 {
			return "", nil, "", awserr.InvalidRequestContentException.New("Client context must be a valid Base64-encoded JSON object.")
		}
		clientCtx = string(b)
	}
	return typ, payload, clientCtx, nil
}

func invokeError(err error) error {
	var te *runtime.ThrottleError
	var se *runtime.SandboxError
	switch {
	case errors.As(err, &se):
		return awserr.ServiceException.New("gatehouse cannot run this function: " + se.Error()).WithCause(err)
	case errors.As(err, &te):
		return awserr.LambdaTooManyRequestsException.New("Rate Exceeded.").WithField("Reason", te.Reason)
	case errors.Is(err, runtime.ErrClosed):
		return awserr.ServiceException.New("The Lambda service is shutting down.").WithCause(err)
	}
	var ae *awserr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return awserr.ServiceException.New("An error occurred while starting the function.").WithCause(err)
}

// runEvent runs an asynchronous invocation as its plan says: a function
// error is retried plan.retries times (default twice, spec §4.5) and
// throttles with backoff, until the event is older than plan.maxAge
// (default 6 hours); then the invocation record goes to the OnSuccess or
// OnFailure destination, when one is configured.
func (s *Service) runEvent(spec *runtime.Spec, inv runtime.Invocation, plan eventPlan) {
	defer s.bg.Done()
	retries := 0
	backoff := time.Second
	start := time.Now()
	for {
		res, err := s.mgr.Invoke(context.Background(), spec, inv)
		var wait time.Duration
		var te *runtime.ThrottleError
		switch {
		case err == nil && res.FunctionError == "":
			s.deliver(plan, plan.onSuccess, "Success", inv, retries+1, res)
			return
		case err == nil:
			if retries >= plan.retries || retries >= len(s.cfg.EventRetryDelays) {
				s.log.Info("lambda: event invocation failed", "function", spec.FunctionName, "request_id", inv.RequestID)
				s.deliver(plan, plan.onFailure, "RetriesExhausted", inv, retries+1, res)
				return
			}
			wait = s.cfg.EventRetryDelays[retries]
			retries++
		case errors.As(err, &te):
			wait, backoff = backoff, min(backoff*2, 5*time.Minute)
		default:
			s.log.Warn("lambda: event invocation not run", "function", spec.FunctionName, "err", err)
			return
		}
		if time.Since(start)+wait > plan.maxAge {
			s.deliver(plan, plan.onFailure, "EventAgeExceeded", inv, retries, nil)
			return
		}
		select {
		case <-s.closing:
			return
		case <-time.After(wait):
		}
	}
}

// InvokeFromGateway runs a function for an API Gateway AWS_PROXY
// integration (spec §5): the caller is the service principal
// apigateway.amazonaws.com, which the function's resource policy must
// allow to lambda:InvokeFunction for sourceARN
// (arn:aws:execute-api:region:account:api/stage/METHOD/resource-path).
// err means the invocation was rejected (the gateway answers 500);
// functionError "Unhandled" means the function failed (502).
func (s *Service) InvokeFromGateway(ctx context.Context, functionARN, sourceARN string, event []byte) ([]byte, string, error) {
	ref, ok := arn.ParseFunction(functionARN)
	if !ok || ref.Partition != arn.Partition {
		return nil, "", fmt.Errorf("lambda: invalid function ARN %q", functionARN)
	}
	res := resolved{account: ref.Account, region: ref.Region, name: ref.Name, qualifier: ref.Qualifier}
	named, err := s.lookup(res)
	if err != nil {
		return nil, "", err
	}
	// The policy that decides is the one of the ARN as named (the alias's
	// for an alias ARN); what runs is the version behind it.
	if !gatewayAllowed(named, res.arn(), sourceARN) {
		s.log.Debug("lambda: function policy does not allow API Gateway", "function", functionARN, "source_arn", sourceARN)
		return nil, "", awserr.LambdaAccessDeniedException.New("Execution failed due to configuration error: Invalid permissions on Lambda function")
	}
	spec, err := s.spec(named.route(s.pick))
	if err != nil {
		return nil, "", err
	}
	out, err := s.mgr.Invoke(ctx, spec, runtime.Invocation{
		RequestID:  awsproto.NewRequestID(),
		Payload:    event,
		InvokedARN: functionARN,
	})
	if err != nil {
		return nil, "", invokeError(err)
	}
	return out.Payload, out.FunctionError, nil
}

// gatewayAllowed evaluates the function policy for apigateway.amazonaws.com.
func gatewayAllowed(e *entry, resource, sourceARN string) bool {
	if e.policy == nil {
		return false
	}
	var pc policy.Context
	pc.Set("aws:SourceArn", sourceARN)
	if acct := arn.Account(sourceARN); acct != "" {
		pc.Set("aws:SourceAccount", acct)
	}
	pc.Set("aws:PrincipalServiceName", "apigateway.amazonaws.com")
	pc.Set("aws:PrincipalIsAWSService", "true")
	d := policy.Evaluate(&policy.Input{
		ResourcePolicy:  &policy.Named{Name: "function policy", Policy: e.policy},
		ResourceAccount: e.fn.Account,
	}, &policy.Request{
		Principal: policy.Principal{Kind: policy.PrincipalService, Service: "apigateway.amazonaws.com"},
		Action:    "lambda:InvokeFunction",
		Resource:  resource,
		Context:   &pc,
	})
	return d.Effect == policy.Allowed
}

// invocationInput is the input of Invoke and InvokeWithResponseStream:
// the invocation's headers and the payload (the body).
type invocationInput struct {
	fnInput
	InvocationType string `header:"X-Amz-Invocation-Type" json:"-"`
	LogType        string `header:"X-Amz-Log-Type" json:"-"`
	ClientContext  string `header:"X-Amz-Client-Context" json:"-"`
	TraceID        string `header:"X-Amzn-Trace-Id" json:"-"`
	Payload        []byte `payload:"" json:"-"`
}

// invokeAsyncInput is the input of invokeAsync.
type invokeAsyncInput struct {
	fnInput
	InvokeArgs []byte `payload:"" json:"-"`
}
