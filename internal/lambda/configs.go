package lambda

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// A function's settings that gatehouse stores and answers as AWS does:
// event invoke configs (applied to Event invocations: invoke.go),
// recursion, runtime management and provisioned concurrency configs, and
// the attached code signing config (codesigning.go). They live in the
// function's record, so DeleteFunction removes them.

// fnExtra is the function's stored settings, keyed by qualifier where
// they are per version or alias ("$LATEST" for the function itself).
type fnExtra struct {
	EventInvoke map[string]*eventInvokeConfig `json:"eventInvoke,omitempty"`
	Recursion   string                        `json:"recursion,omitempty"`
	Runtime     map[string]*runtimeConfig     `json:"runtime,omitempty"`
	CodeSigning string                        `json:"codeSigning,omitempty"` // a code signing config's ARN
	Provisioned map[string]*provisionedConfig `json:"provisioned,omitempty"`
	Scaling     map[string]*scalingConfig     `json:"scaling,omitempty"` // per published version (capacity.go)
}

func (f *function) extra() *fnExtra {
	if f.Extra == nil {
		f.Extra = &fnExtra{}
	}
	return f.Extra
}

// qualifierKey is the key of a per-qualifier setting.
func qualifierKey(q string) string { return orDefault(q, "$LATEST") }

// --- event invoke configs --------------------------------------------

type destination struct {
	Destination *string `json:"Destination,omitempty"`
}

type destinationConfig struct {
	OnSuccess *destination `json:"OnSuccess,omitempty"`
	OnFailure *destination `json:"OnFailure,omitempty"`
}

// eventInvokeConfig is FunctionEventInvokeConfig without its FunctionArn;
// LastModified is epoch seconds, as the Timestamp shape is on the wire.
type eventInvokeConfig struct {
	LastModified             float64            `json:"LastModified"`
	MaximumRetryAttempts     *int               `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int               `json:"MaximumEventAgeInSeconds,omitempty"`
	DestinationConfig        *destinationConfig `json:"DestinationConfig,omitempty"`
}

type eventInvokeInput struct {
	MaximumRetryAttempts     *int               `json:"MaximumRetryAttempts"`
	MaximumEventAgeInSeconds *int               `json:"MaximumEventAgeInSeconds"`
	DestinationConfig        *destinationConfig `json:"DestinationConfig"`
}

// destinationRE is the DestinationArn pattern.
var destinationRE = regexp.MustCompile(`^$|^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$`)

func checkEventInvoke(in *eventInvokeInput) error {
	var v validation
	if n := in.MaximumRetryAttempts; n != nil && (*n < 0 || *n > 2) {
		c := "Member must have value less than or equal to 2"
		if *n < 0 {
			c = "Member must have value greater than or equal to 0"
		}
		v.add(strconv.Itoa(*n), "maximumRetryAttempts", c)
	}
	if n := in.MaximumEventAgeInSeconds; n != nil && (*n < 60 || *n > 21600) {
		c := "Member must have value less than or equal to 21600"
		if *n < 60 {
			c = "Member must have value greater than or equal to 60"
		}
		v.add(strconv.Itoa(*n), "maximumEventAgeInSeconds", c)
	}
	if d := in.DestinationConfig; d != nil {
		for _, x := range []struct {
			dst    *destination
			member string
		}{{d.OnSuccess, "destinationConfig.onSuccess.destination"}, {d.OnFailure, "destinationConfig.onFailure.destination"}} {
			if x.dst != nil && x.dst.Destination != nil && (len(*x.dst.Destination) > 350 || !destinationRE.MatchString(*x.dst.Destination)) {
				v.add(*x.dst.Destination, x.member, `Member must satisfy regular expression pattern: ^$|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)`)
			}
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	// Of the destination services, gatehouse hosts Lambda: a destination
	// elsewhere could never be delivered to, so it is refused rather than
	// stored and silently dropped.
	if d := in.DestinationConfig; d != nil {
		for _, dst := range []*destination{d.OnSuccess, d.OnFailure} {
			if dst == nil || dst.Destination == nil || *dst.Destination == "" {
				continue
			}
			if _, ok := arn.ParseFunction(*dst.Destination); !ok {
				return awserr.InvalidParameterValueException.Errorf("The destination ARN %s is invalid: gatehouse delivers asynchronous invocation records to Lambda functions only.", *dst.Destination)
			}
		}
	}
	return nil
}

func (c *eventInvokeConfig) out(res resolved, key string) *eventInvokeOut {
	res.qualifier = key
	o := &eventInvokeOut{LastModified: c.LastModified, FunctionArn: res.arn(), DestinationConfig: c.DestinationConfig,
		MaximumRetryAttempts: c.MaximumRetryAttempts, MaximumEventAgeInSeconds: c.MaximumEventAgeInSeconds}
	if c.DestinationConfig == nil {
		o.DestinationConfig = struct{}{}
	}
	return o
}

// eventInvokeOut is the FunctionEventInvokeConfig shape. Members in the
// order the answer has always had: sorted. DestinationConfig is the
// stored *destinationConfig, or {} when there is none.
type eventInvokeOut struct {
	DestinationConfig        any     `json:"DestinationConfig"`
	FunctionArn              string  `json:"FunctionArn"`
	LastModified             float64 `json:"LastModified"`
	MaximumEventAgeInSeconds *int    `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int    `json:"MaximumRetryAttempts,omitempty"`
}

func errNoEventInvoke(res resolved, key string) error {
	res.qualifier = key
	return awserr.ResourceNotFoundException.Errorf("The function %s doesn't have an EventInvokeConfig", res.arn())
}

// putEventInvoke serves Put (replace: merge false) and Update (merge).
// putEventInvokeInput is the input of Put and
// UpdateFunctionEventInvokeConfig.
type putEventInvokeInput struct {
	fnInput
	eventInvokeInput
}

func (s *Service) putEventInvoke(q *request, in *putEventInvokeInput) (*PutFunctionEventInvokeConfigOutput, error) {
	out, err := s.putEventInvokeMerge(q, in, false)
	if err != nil {
		return nil, err
	}
	return (*PutFunctionEventInvokeConfigOutput)(out), nil
}

func (s *Service) updateEventInvoke(q *request, in *putEventInvokeInput) (*UpdateFunctionEventInvokeConfigOutput, error) {
	out, err := s.putEventInvokeMerge(q, in, true)
	if err != nil {
		return nil, err
	}
	return (*UpdateFunctionEventInvokeConfigOutput)(out), nil
}

// putEventInvokeMerge stores the configuration and returns the
// FunctionEventInvokeConfig document Put and Update answer.
func (s *Service) putEventInvokeMerge(q *request, in *putEventInvokeInput, merge bool) (*eventInvokeOut, error) {
	raw := in.FunctionName
	if err := checkEventInvoke(&in.eventInvokeInput); err != nil {
		return nil, err
	}
	action := "lambda:PutFunctionEventInvokeConfig"
	if merge {
		action = "lambda:UpdateFunctionEventInvokeConfig"
	}
	res, _, err := s.find(q, raw, action)
	if err != nil {
		return nil, err
	}
	key := qualifierKey(res.qualifier)
	var out eventInvokeConfig
	_, err = s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		x := f.extra()
		c := x.EventInvoke[key]
		if c == nil || !merge {
			c = &eventInvokeConfig{}
		}
		if in.MaximumRetryAttempts != nil || !merge {
			c.MaximumRetryAttempts = in.MaximumRetryAttempts
		}
		if in.MaximumEventAgeInSeconds != nil || !merge {
			c.MaximumEventAgeInSeconds = in.MaximumEventAgeInSeconds
		}
		if in.DestinationConfig != nil || !merge {
			c.DestinationConfig = in.DestinationConfig
		}
		c.LastModified = float64(s.now().UnixMilli()) / 1000
		if x.EventInvoke == nil {
			x.EventInvoke = map[string]*eventInvokeConfig{}
		}
		x.EventInvoke[key] = c
		out = *c
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out.out(res, key), nil
}

func (s *Service) getEventInvoke(q *request, in *getEventInvokeInput) (*GetFunctionEventInvokeConfigOutput, error) {
	raw := in.FunctionName
	res, e, err := s.find(q, raw, "lambda:GetFunctionEventInvokeConfig")
	if err != nil {
		return nil, err
	}
	key := qualifierKey(res.qualifier)
	var c *eventInvokeConfig
	if x := e.base.fn.Extra; x != nil {
		c = x.EventInvoke[key]
	}
	if c == nil {
		return nil, errNoEventInvoke(res, key)
	}
	return (*GetFunctionEventInvokeConfigOutput)(c.out(res, key)), nil
}

func (s *Service) deleteEventInvoke(q *request, in *deleteEventInvokeInput) (*DeleteFunctionEventInvokeConfigOutput, error) {
	raw := in.FunctionName
	res, _, err := s.find(q, raw, "lambda:DeleteFunctionEventInvokeConfig")
	if err != nil {
		return nil, err
	}
	key := qualifierKey(res.qualifier)
	_, err = s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		if f.Extra == nil || f.Extra.EventInvoke[key] == nil {
			return errNoEventInvoke(res, key)
		}
		delete(f.Extra.EventInvoke, key)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteFunctionEventInvokeConfigOutput{}, nil
}

func (s *Service) listEventInvoke(q *request, in *listEventInvokeInput) (*ListFunctionEventInvokeConfigsOutput, error) {
	raw := in.FunctionName
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	res, e, err := s.findLatest(q, raw, "lambda:ListFunctionEventInvokeConfigs")
	if err != nil {
		return nil, err
	}
	var keys []string
	var m map[string]*eventInvokeConfig
	if x := e.fn.Extra; x != nil {
		m = x.EventInvoke
	}
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := []*eventInvokeOut{}
	var out ListFunctionEventInvokeConfigsOutput
	last := ""
	for _, k := range keys {
		if pg.set && k <= pg.after {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(last)
			break
		}
		items = append(items, m[k].out(res, k))
		last = k
	}
	out.FunctionEventInvokeConfigs = items
	return &out, nil
}

// eventSettings is what an Event invocation of f (the $LATEST record)
// named with qualifier applies: retries, maximum age, destinations.
func eventSettings(f *function, qualifier string) *eventInvokeConfig {
	if f.Extra == nil {
		return nil
	}
	return f.Extra.EventInvoke[qualifierKey(qualifier)]
}

// --- recursion ---------------------------------------------------------

func (s *Service) getRecursion(q *request, in *getRecursionInput) (*GetFunctionRecursionConfigOutput, error) {
	raw := in.FunctionName
	_, e, err := s.findLatest(q, raw, "lambda:GetFunctionRecursionConfig")
	if err != nil {
		return nil, err
	}
	loop := "Terminate" // AWS's default: recursive loops are stopped
	if x := e.fn.Extra; x != nil && x.Recursion != "" {
		loop = x.Recursion
	}
	return &GetFunctionRecursionConfigOutput{RecursiveLoop: loop}, nil
}

func (s *Service) putRecursion(q *request, in *putRecursionInput) (*PutFunctionRecursionConfigOutput, error) {
	raw := in.FunctionName
	var v validation
	switch {
	case in.RecursiveLoop == nil:
		v.nullAt("recursiveLoop")
	case *in.RecursiveLoop != "Allow" && *in.RecursiveLoop != "Terminate":
		v.add(*in.RecursiveLoop, "recursiveLoop", "Member must satisfy enum value set: [Terminate, Allow]")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	res, _, err := s.findLatest(q, raw, "lambda:PutFunctionRecursionConfig")
	if err != nil {
		return nil, err
	}
	if _, err := s.modify(q.r.Context(), res, "", func(f *function) error {
		f.extra().Recursion = *in.RecursiveLoop
		return nil
	}); err != nil {
		return nil, err
	}
	return &PutFunctionRecursionConfigOutput{RecursiveLoop: *in.RecursiveLoop}, nil
}

// --- runtime management ----------------------------------------------------

type runtimeConfig struct {
	UpdateRuntimeOn   string `json:"UpdateRuntimeOn"`
	RuntimeVersionArn string `json:"RuntimeVersionArn,omitempty"`
}

var runtimeVersionARNRE = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}::runtime:.+$`)

func (s *Service) getRuntimeConfig(q *request, in *getRuntimeConfigInput) (*GetRuntimeManagementConfigOutput, error) {
	raw := in.FunctionName
	res, e, err := s.find(q, raw, "lambda:GetRuntimeManagementConfig")
	if err != nil {
		return nil, err
	}
	if e.alias != nil {
		return nil, awserr.InvalidParameterValueException.New("Runtime management configuration is not supported for aliases. Use a version number or $LATEST.")
	}
	c := &runtimeConfig{UpdateRuntimeOn: "Auto"}
	if x := e.base.fn.Extra; x != nil && x.Runtime[qualifierKey(res.qualifier)] != nil {
		c = x.Runtime[qualifierKey(res.qualifier)]
	}
	return &GetRuntimeManagementConfigOutput{FunctionArn: res.arn(), RuntimeVersionArn: c.RuntimeVersionArn, UpdateRuntimeOn: c.UpdateRuntimeOn}, nil
}

func (s *Service) putRuntimeConfig(q *request, in *putRuntimeConfigInput) (*PutRuntimeManagementConfigOutput, error) {
	raw := in.FunctionName
	var v validation
	switch {
	case in.UpdateRuntimeOn == nil:
		v.nullAt("updateRuntimeOn")
	case *in.UpdateRuntimeOn != "Auto" && *in.UpdateRuntimeOn != "Manual" && *in.UpdateRuntimeOn != "FunctionUpdate":
		v.add(*in.UpdateRuntimeOn, "updateRuntimeOn", "Member must satisfy enum value set: [Auto, FunctionUpdate, Manual]")
	}
	if in.RuntimeVersionArn != nil && (len(*in.RuntimeVersionArn) > 2048 || !runtimeVersionARNRE.MatchString(*in.RuntimeVersionArn)) {
		v.add(*in.RuntimeVersionArn, "runtimeVersionArn", `Member must satisfy regular expression pattern: ^arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}::runtime:.+$`)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	// [unconfirmed] AWS's exact messages for these two combinations.
	manual := *in.UpdateRuntimeOn == "Manual"
	if manual && in.RuntimeVersionArn == nil {
		return nil, awserr.InvalidParameterValueException.New("RuntimeVersionArn is required when UpdateRuntimeOn is Manual.")
	}
	if !manual && in.RuntimeVersionArn != nil {
		return nil, awserr.InvalidParameterValueException.New("RuntimeVersionArn can only be set when UpdateRuntimeOn is Manual.")
	}
	res, e, err := s.find(q, raw, "lambda:PutRuntimeManagementConfig")
	if err != nil {
		return nil, err
	}
	if e.alias != nil {
		return nil, awserr.InvalidParameterValueException.New("Runtime management configuration is not supported for aliases. Use a version number or $LATEST.")
	}
	c := &runtimeConfig{UpdateRuntimeOn: *in.UpdateRuntimeOn}
	if in.RuntimeVersionArn != nil {
		c.RuntimeVersionArn = *in.RuntimeVersionArn
	}
	if _, err := s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		x := f.extra()
		if x.Runtime == nil {
			x.Runtime = map[string]*runtimeConfig{}
		}
		x.Runtime[qualifierKey(res.qualifier)] = c
		return nil
	}); err != nil {
		return nil, err
	}
	return &PutRuntimeManagementConfigOutput{FunctionArn: res.arn(), RuntimeVersionArn: c.RuntimeVersionArn, UpdateRuntimeOn: c.UpdateRuntimeOn}, nil
}

// --- provisioned concurrency -------------------------------------------------

type provisionedConfig struct {
	Requested    int    `json:"requested"`
	LastModified string `json:"lastModified"`
}

// provisionedOut answers a config. gatehouse starts instances on demand
// and keeps none warm, so a config is READY at once with everything
// requested counted as allocated.
func (c *provisionedConfig) out(status string) *provisionedOut {
	n := c.Requested
	if status != "READY" {
		n = 0
	}
	return &provisionedOut{RequestedProvisionedConcurrentExecutions: c.Requested, AvailableProvisionedConcurrentExecutions: n,
		AllocatedProvisionedConcurrentExecutions: n, Status: status, LastModified: c.LastModified}
}

// provisionedOut is the provisioned concurrency configuration shape (Get
// and Put answer it; a ListProvisionedConcurrencyConfigs item adds
// FunctionArn). Members in the order the answer has always had: sorted.
type provisionedOut struct {
	AllocatedProvisionedConcurrentExecutions int    `json:"AllocatedProvisionedConcurrentExecutions"`
	AvailableProvisionedConcurrentExecutions int    `json:"AvailableProvisionedConcurrentExecutions"`
	FunctionArn                              string `json:"FunctionArn,omitempty"`
	LastModified                             string `json:"LastModified"`
	RequestedProvisionedConcurrentExecutions int    `json:"RequestedProvisionedConcurrentExecutions"`
	Status                                   string `json:"Status"`
}

func errNoProvisioned() error {
	return awserr.ProvisionedConcurrencyConfigNotFoundException.New("No Provisioned Concurrency Config found for this function")
}

// provisionedTarget resolves the qualifier a provisioned concurrency
// operation requires: a published version or an alias.
func (s *Service) provisionedTarget(q *request, raw, action string) (resolved, *entry, error) {
	res, e, err := s.find(q, raw, action)
	if err != nil {
		return res, nil, err
	}
	if res.qualifier == "" {
		return res, nil, awserr.ValidationException.New("1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null")
	}
	if res.qualifier == "$LATEST" {
		return res, nil, awserr.InvalidParameterValueException.New("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
	}
	return res, e, nil
}

func (s *Service) putProvisioned(q *request, in *putProvisionedInput) (*PutProvisionedConcurrencyConfigOutput, error) {
	raw := in.FunctionName
	var v validation
	switch n := in.ProvisionedConcurrentExecutions; {
	case n == nil:
		v.nullAt("provisionedConcurrentExecutions")
	case *n < 1:
		v.add(strconv.Itoa(*n), "provisionedConcurrentExecutions", "Member must have value greater than or equal to 1")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	res, _, err := s.provisionedTarget(q, raw, "lambda:PutProvisionedConcurrencyConfig")
	if err != nil {
		return nil, err
	}
	c := &provisionedConfig{Requested: *in.ProvisionedConcurrentExecutions, LastModified: timestamp(s.now())}
	if _, err := s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		if f.Reserved != nil && c.Requested > *f.Reserved {
			return awserr.InvalidParameterValueException.Errorf("Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function. Reserved concurrency: %d", *f.Reserved)
		}
		if limit := s.accountLimit(); c.Requested > limit-100 {
			return awserr.InvalidParameterValueException.Errorf("Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].")
		}
		x := f.extra()
		if x.Provisioned == nil {
			x.Provisioned = map[string]*provisionedConfig{}
		}
		x.Provisioned[res.qualifier] = c
		return nil
	}); err != nil {
		return nil, err
	}
	return (*PutProvisionedConcurrencyConfigOutput)(c.out("IN_PROGRESS")), nil
}

func (s *Service) getProvisioned(q *request, in *getProvisionedInput) (*GetProvisionedConcurrencyConfigOutput, error) {
	raw := in.FunctionName
	res, e, err := s.provisionedTarget(q, raw, "lambda:GetProvisionedConcurrencyConfig")
	if err != nil {
		return nil, err
	}
	x := e.base.fn.Extra
	if x == nil || x.Provisioned[res.qualifier] == nil {
		return nil, errNoProvisioned()
	}
	return (*GetProvisionedConcurrencyConfigOutput)(x.Provisioned[res.qualifier].out("READY")), nil
}

func (s *Service) deleteProvisioned(q *request, in *deleteProvisionedInput) (*DeleteProvisionedConcurrencyConfigOutput, error) {
	raw := in.FunctionName
	res, _, err := s.provisionedTarget(q, raw, "lambda:DeleteProvisionedConcurrencyConfig")
	if err != nil {
		return nil, err
	}
	if _, err := s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		if f.Extra == nil || f.Extra.Provisioned[res.qualifier] == nil {
			return errNoProvisioned()
		}
		delete(f.Extra.Provisioned, res.qualifier)
		return nil
	}); err != nil {
		return nil, err
	}
	return &DeleteProvisionedConcurrencyConfigOutput{}, nil
}

func (s *Service) listProvisioned(q *request, in *listProvisionedInput) (*ListProvisionedConcurrencyConfigsOutput, error) {
	raw := in.FunctionName
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	res, e, err := s.findLatest(q, raw, "lambda:ListProvisionedConcurrencyConfigs")
	if err != nil {
		return nil, err
	}
	var m map[string]*provisionedConfig
	if e.fn.Extra != nil {
		m = e.fn.Extra.Provisioned
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := []*provisionedOut{}
	var out ListProvisionedConcurrencyConfigsOutput
	last := ""
	for _, k := range keys {
		if pg.set && k <= pg.after {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(last)
			break
		}
		o := m[k].out("READY")
		r := res
		r.qualifier = k
		o.FunctionArn = r.arn()
		items = append(items, o)
		last = k
	}
	out.ProvisionedConcurrencyConfigs = items
	return &out, nil
}

// --- event source mappings ---------------------------------------------------

// gatehouse hosts none of the services an event source mapping polls
// (SQS, Kinesis, DynamoDB Streams, MSK, Kafka, MQ, DocumentDB), so no
// mapping can exist: CreateEventSourceMapping answers as AWS does for a
// source that does not exist, the others as for a UUID that does not.

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func errNoMapping() error {
	return awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
}

func (s *Service) createMapping(q *request, in *createMappingInput) (*CreateEventSourceMappingOutput, error) {
	if in.FunctionName == nil {
		return nil, awserr.ValidationException.New("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	}
	// The function is resolved and the caller authorized first, as for
	// every operation on a function.
	res, err := s.resolveName(q, *in.FunctionName, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:CreateEventSourceMapping", "*", nil, res.account); err != nil {
		return nil, err
	}
	if _, err := s.lookup(res); err != nil {
		return nil, err
	}
	if in.EventSourceArn == nil && in.SelfManagedEventSource == nil {
		return nil, awserr.InvalidParameterValueException.New("Unrecognized event source, must be kafka, kinesis, dynamodb, sqs, mq, or docdb")
	}
	if in.EventSourceArn == nil {
		return nil, awserr.InvalidParameterValueException.New("gatehouse does not host self-managed Kafka event sources: the brokers cannot be reached.")
	}
	src := *in.EventSourceArn
	a, perr := arn.Parse(src)
	if perr != nil {
		return nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'eventSourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)", src)
	}
	switch a.Service {
	case "sqs":
		return nil, awserr.InvalidParameterValueException.New("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.")
	case "kinesis", "dynamodb":
		return nil, awserr.InvalidParameterValueException.Errorf("Stream not found: %s", src)
	case "kafka", "mq", "rds", "docdb":
		return nil, awserr.InvalidParameterValueException.Errorf("The event source %s does not exist.", src)
	}
	return nil, awserr.InvalidParameterValueException.New("Unrecognized event source, must be kafka, kinesis, dynamodb, sqs, mq, or docdb")
}

// mappingByUUID serves Get, Update and Delete: no mapping exists.
// mappingInput names an event source mapping.
type mappingInput struct {
	UUID string `uri:"UUID" json:"-"`
}

func (s *Service) getMapping(q *request, in *mappingInput) (*GetEventSourceMappingOutput, error) {
	return nil, s.mappingByUUID("lambda:GetEventSourceMapping")(q, in.UUID)
}

func (s *Service) updateMapping(q *request, in *mappingInput) (*UpdateEventSourceMappingOutput, error) {
	return nil, s.mappingByUUID("lambda:UpdateEventSourceMapping")(q, in.UUID)
}

func (s *Service) deleteMapping(q *request, in *mappingInput) (*DeleteEventSourceMappingOutput, error) {
	return nil, s.mappingByUUID("lambda:DeleteEventSourceMapping")(q, in.UUID)
}

func (s *Service) mappingByUUID(action string) func(q *request, id string) error {
	return func(q *request, id string) error {
		if !uuidRE.MatchString(id) {
			return errNoMapping()
		}
		if err := s.authorize(q, action, arn.EventSourceMapping(q.region, q.caller.AccountID, id), nil, q.caller.AccountID); err != nil {
			return err
		}
		return errNoMapping()
	}
}

// listMappingsInput is the input of ListEventSourceMappings.
type listMappingsInput struct {
	pageInput
	FunctionName   string `query:"FunctionName" json:"-"`
	EventSourceArn string `query:"EventSourceArn" json:"-"`
}

func (s *Service) listMappings(q *request, in *listMappingsInput) (*ListEventSourceMappingsOutput, error) {
	if _, err := parsePage(in.pageInput); err != nil {
		return nil, err
	}
	if err := s.authorize(q, "lambda:ListEventSourceMappings", "*", nil, q.caller.AccountID); err != nil {
		return nil, err
	}
	if name := in.FunctionName; name != "" {
		res, err := s.resolveName(q, name, false)
		if err != nil {
			return nil, err
		}
		if _, err := s.lookup(res); err != nil {
			return nil, err
		}
	}
	if src := in.EventSourceArn; src != "" && !strings.HasPrefix(src, "arn:") {
		return nil, awserr.InvalidParameterValueException.New("Invalid EventSourceArn")
	}
	return &ListEventSourceMappingsOutput{EventSourceMappings: []any{}}, nil
}

// getEventInvokeInput is the input of getEventInvoke.
type getEventInvokeInput struct {
	fnInput
}

// deleteEventInvokeInput is the input of deleteEventInvoke.
type deleteEventInvokeInput struct {
	fnInput
}

// listEventInvokeInput is the input of listEventInvoke.
type listEventInvokeInput struct {
	pageInput
	fnInput
}

// getRecursionInput is the input of getRecursion.
type getRecursionInput struct {
	fnInput
}

// putRecursionInput is the input of putRecursion.
type putRecursionInput struct {
	fnInput
	RecursiveLoop *string `json:"RecursiveLoop"`
}

// getRuntimeConfigInput is the input of getRuntimeConfig.
type getRuntimeConfigInput struct {
	fnInput
}

// putRuntimeConfigInput is the input of putRuntimeConfig.
type putRuntimeConfigInput struct {
	fnInput
	UpdateRuntimeOn   *string `json:"UpdateRuntimeOn"`
	RuntimeVersionArn *string `json:"RuntimeVersionArn"`
}

// putProvisionedInput is the input of putProvisioned.
type putProvisionedInput struct {
	fnInput
	ProvisionedConcurrentExecutions *int `json:"ProvisionedConcurrentExecutions"`
}

// getProvisionedInput is the input of getProvisioned.
type getProvisionedInput struct {
	fnInput
}

// deleteProvisionedInput is the input of deleteProvisioned.
type deleteProvisionedInput struct {
	fnInput
}

// listProvisionedInput is the input of listProvisioned.
type listProvisionedInput struct {
	pageInput
	fnInput
}

// createMappingInput is the input of createMapping.
type createMappingInput struct {
	FunctionName           *string          `json:"FunctionName"`
	EventSourceArn         *string          `json:"EventSourceArn"`
	SelfManagedEventSource *json.RawMessage `json:"SelfManagedEventSource"`
}
