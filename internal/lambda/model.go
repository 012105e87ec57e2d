package lambda

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
)

// Store kinds owned by this package.
const kindFunction = "lambda/function"

// function is the stored record of a function ($LATEST).
type function struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`

	Runtime       string             `json:"runtime"`
	Handler       string             `json:"handler"`
	Role          string             `json:"role"`
	Description   string             `json:"description"`
	Timeout       int                `json:"timeout"`
	MemorySize    int                `json:"memorySize"`
	Environment   *map[string]string `json:"environment,omitempty"`
	Architectures []string           `json:"architectures"`
	Ephemeral     int                `json:"ephemeral"`
	TracingMode   string             `json:"tracingMode"`

	CodeSha256 string `json:"codeSha256"`
	CodeSize   int64  `json:"codeSize"`
	CodeDir    string `json:"codeDir"` // task root
	CodeZip    string `json:"codeZip,omitempty"`
	LocalDir   bool   `json:"localDir,omitempty"`

	LastModified string            `json:"lastModified"`
	RevisionID   string            `json:"revisionId"`
	Policy       []json.RawMessage `json:"policy,omitempty"` // statements, in order
	Tags         map[string]string `json:"tags,omitempty"`
	Reserved     *int              `json:"reserved,omitempty"`

	// Version is the number of a published version ("" for $LATEST).
	// Published versions and aliases are kept in their function's record,
	// so that one transaction sees them with $LATEST: PublishVersion's
	// RevisionId and CodeSha256 checks, an alias naming an existing
	// version, DeleteFunction removing everything.
	Version string `json:"version,omitempty"`
	// Versions are the published versions, oldest first (on $LATEST only).
	Versions []*function `json:"versions,omitempty"`
	// LastVersion is the highest number ever published: AWS never reuses
	// a version number, even after the version is deleted.
	LastVersion int      `json:"lastVersion,omitempty"`
	Aliases     []*alias `json:"aliases,omitempty"`
	// URLs are the function's URL and its aliases' (on $LATEST only).
	URLs []*urlConfig `json:"urls,omitempty"`
	// Extra holds the function's other settings (configs.go), on $LATEST
	// only.
	Extra *fnExtra `json:"extra,omitempty"`
	// Layers are the layer versions the function uses, in order.
	Layers []*fnLayer `json:"layers,omitempty"`
}

// alias is a named pointer to a published version (or $LATEST), with an
// optional second version that gets a share of invocations.
type alias struct {
	Name            string             `json:"name"`
	FunctionVersion string             `json:"functionVersion"`
	Description     string             `json:"description"`
	Weights         map[string]float64 `json:"weights,omitempty"`
	RevisionID      string             `json:"revisionId"`
	Policy          []json.RawMessage  `json:"policy,omitempty"`
}

func fnKey(account, region, name string) string { return account + "/" + region + "/" + name }

func (f *function) key() string { return fnKey(f.Account, f.Region, f.Name) }

func (f *function) arn() string {
	return arn.Function(f.Region, f.Account, f.Name)
}

// qualifiedARN is the ARN of f qualified with its version number (the
// unqualified ARN for $LATEST).
func (f *function) qualifiedARN() string {
	return arn.FunctionQualified(f.Region, f.Account, f.Name, f.Version)
}

// poolKey names the instances of f for the runtime manager: a published
// version has its own code and configuration, so its own instances.
func (f *function) poolKey() string {
	if f.Version == "" {
		return f.key()
	}
	return f.key() + ":" + f.Version
}

// publish snapshots $LATEST f as the next published version and returns
// it: configuration and code as they are now, a number never used before,
// its own RevisionId and no policy (a version's policy is its own). desc,
// when set, replaces the function's description in the version. The
// caller stores f.
func (f *function) publish(desc *string, now time.Time) *function {
	v := *f
	v.Versions, v.Aliases, v.Policy, v.Tags, v.Reserved, v.URLs, v.Extra = nil, nil, nil, nil, nil, nil, nil
	v.LastVersion = 0
	if f.Environment != nil {
		env := make(map[string]string, len(*f.Environment))
		for k, val := range *f.Environment {
			env[k] = val
		}
		v.Environment = &env
	}
	v.Architectures = append([]string(nil), f.Architectures...)
	f.LastVersion++
	v.Version = strconv.Itoa(f.LastVersion)
	if desc != nil {
		v.Description = *desc
	}
	v.RevisionID = newRevision()
	v.LastModified = timestamp(now)
	f.Versions = append(f.Versions, &v)
	return &v
}

// sameCode reports whether version f has g's code and configuration: what
// a version snapshots, so that PublishVersion of an unchanged $LATEST
// publishes nothing. Tags, policy and concurrency are the function's, not
// a version's, and do not count; nor does the description, which
// PublishVersion may set.
func (f *function) sameCode(g *function) bool {
	a, b := *f, *g
	for _, c := range []*function{&a, &b} {
		c.Version, c.Description, c.RevisionID, c.LastModified = "", "", "", ""
		c.Policy, c.Tags, c.Reserved, c.Versions, c.Aliases, c.LastVersion, c.URLs, c.Extra = nil, nil, nil, nil, nil, 0, nil, nil
	}
	ja, _ := json.Marshal(&a)
	jb, _ := json.Marshal(&b)
	return bytes.Equal(ja, jb)
}

// latestARN is the ARN of f's $LATEST, qualified, as lists of versions
// name it.
func (f *function) latestARN() string {
	return arn.FunctionQualified(f.Region, f.Account, f.Name, "$LATEST")
}

// version returns the published version n of f ($LATEST), nil if none.
func (f *function) version(n string) *function {
	for _, v := range f.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// alias returns f's alias named name, nil if none.
func (f *function) alias(name string) *alias {
	for _, a := range f.Aliases {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000+0000") }

// Wire shapes (spec/lambda.md §4.2), in AWS's member order.

type envOut struct {
	Variables map[string]string `json:"Variables"`
}

type configuration struct {
	FunctionName         string            `json:"FunctionName"`
	FunctionArn          string            `json:"FunctionArn"`
	Runtime              string            `json:"Runtime,omitempty"`
	Role                 string            `json:"Role"`
	Handler              string            `json:"Handler,omitempty"`
	CodeSize             int64             `json:"CodeSize"`
	Description          string            `json:"Description"`
	Timeout              int               `json:"Timeout"`
	MemorySize           int               `json:"MemorySize"`
	LastModified         string            `json:"LastModified"`
	CodeSha256           string            `json:"CodeSha256"`
	Version              string            `json:"Version"`
	Environment          *envOut           `json:"Environment,omitempty"`
	TracingConfig        map[string]string `json:"TracingConfig"`
	RevisionId           string            `json:"RevisionId"`
	State                string            `json:"State,omitempty"`
	StateReason          string            `json:"StateReason,omitempty"`
	StateReasonCode      string            `json:"StateReasonCode,omitempty"`
	LastUpdateStatus     string            `json:"LastUpdateStatus,omitempty"`
	LastUpdateStatusRsn  string            `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusCode string            `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType          string            `json:"PackageType"`
	Architectures        []string          `json:"Architectures"`
	EphemeralStorage     map[string]int    `json:"EphemeralStorage"`
	SnapStart            map[string]string `json:"SnapStart"`
	RuntimeVersionConfig map[string]string `json:"RuntimeVersionConfig,omitempty"`
	LoggingConfig        map[string]string `json:"LoggingConfig"`
	Layers               []map[string]any  `json:"Layers,omitempty"`
}

// view selects which state members a configuration carries.
type view uint8

const (
	viewRead   view = iota // Get*: Active, Successful
	viewCreate             // CreateFunction: Pending/Creating
	viewUpdate             // Update*: Active, InProgress
	viewList               // ListFunctions: no state members
)

func (f *function) configuration(v view) *configuration {
	c := &configuration{
		FunctionName:     f.Name,
		FunctionArn:      f.qualifiedARN(),
		Runtime:          f.Runtime,
		Role:             f.Role,
		Handler:          f.Handler,
		CodeSize:         f.CodeSize,
		Description:      f.Description,
		Timeout:          f.Timeout,
		MemorySize:       f.MemorySize,
		LastModified:     f.LastModified,
		CodeSha256:       f.CodeSha256,
		Version:          orDefault(f.Version, "$LATEST"),
		TracingConfig:    map[string]string{"Mode": orDefault(f.TracingMode, "PassThrough")},
		Layers:           layersOut(f.Layers),
		RevisionId:       f.RevisionID,
		PackageType:      "Zip",
		Architectures:    f.Architectures,
		EphemeralStorage: map[string]int{"Size": f.Ephemeral},
		SnapStart:        map[string]string{"ApplyOn": "None", "OptimizationStatus": "Off"},
		LoggingConfig:    map[string]string{"LogFormat": "Text", "LogGroup": "/aws/lambda/" + f.Name},
	}
	if f.Environment != nil {
		c.Environment = &envOut{Variables: *f.Environment}
	}
	rv := map[string]string{"RuntimeVersionArn": arn.RuntimeVersion(f.Region, runtimeVersionHash(f.Runtime))}
	switch v {
	case viewRead:
		c.State, c.LastUpdateStatus = "Active", "Successful"
		c.RuntimeVersionConfig = rv
	case viewCreate:
		c.State, c.StateReason, c.StateReasonCode = "Pending", "The function is being created.", "Creating"
		c.RuntimeVersionConfig = rv
	case viewUpdate:
		c.State = "Active"
		c.LastUpdateStatus, c.LastUpdateStatusRsn, c.LastUpdateStatusCode = "InProgress", "The function is being created.", "Creating"
		c.RuntimeVersionConfig = rv
	}
	return c
}

func runtimeVersionHash(rt string) string {
	// A stable 64-hex id per runtime identifier (AWS's is opaque).
	var b [32]byte
	copy(b[:], rt)
	return fmt.Sprintf("%x", b)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Validation (spec/lambda.md §4.4).

var (
	roleRE      = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	nameRE      = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)
	envKeyRE    = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
	sidRE       = regexp.MustCompile(`^([a-zA-Z0-9-_]+)$`)
	reserved    = []string{"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}
	runtimeEnum = []string{"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x", "java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge", "go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2", "ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13", "nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10"}
)

// validation collects Coral-style constraint violations.
type validation []string

func (v *validation) add(value, member, constraint string) {
	*v = append(*v, "Value '"+value+"' at '"+member+"' failed to satisfy constraint: "+constraint)
}

// nullAt records a required member that is missing.
func (v *validation) nullAt(member string) {
	*v = append(*v, "Value null at '"+member+"' failed to satisfy constraint: Member must not be null")
}

func (v validation) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return awserr.ValidationException.New("1 validation error detected: " + v[0])
	}
	return awserr.ValidationException.Errorf("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

func validateName(name string) error {
	if name == "" {
		return awserr.ValidationException.New("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	}
	if len(name) > 64 {
		return awserr.InvalidParameterValueException.Errorf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64", name)
	}
	if !nameRE.MatchString(name) {
		return awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?", name)
	}
	return nil
}

// checkRuntime refuses identifiers gatehouse cannot run (spec §4.4).
func checkRuntime(rt string) error {
	if runtime.Classify(rt) != runtime.Unsupported {
		return nil
	}
	known := false
	for _, r := range runtimeEnum {
		if r == rt {
			known = true
		}
	}
	if !known {
		return awserr.InvalidParameterValueException.Errorf("Value %s at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s] or be a valid ARN", rt, strings.Join(runtimeEnum, ", "))
	}
	return awserr.InvalidParameterValueException.Errorf("The runtime parameter of %s is not supported by gatehouse, which runs functions on the host without container images. Use provided.al2023 with a self-contained executable named bootstrap in the zip (for example a .NET Native AOT, Java GraalVM native-image or Go build), or a nodejs*.x / python3.* runtime.", rt)
}

func checkEnv(vars map[string]string) error {
	var bad []string
	for _, r := range reserved {
		if _, ok := vars[r]; ok {
			bad = append(bad, r)
		}
	}
	if len(bad) > 0 {
		return awserr.InvalidParameterValueException.New("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: " + strings.Join(bad, ", "))
	}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var v validation
	for _, k := range keys {
		if !envKeyRE.MatchString(k) {
			v.add(k, "environment.variables", "Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(vars)
	s := strings.TrimSuffix(buf.String(), "\n")
	if len(s) > 4096 {
		return awserr.InvalidParameterValueException.New("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: " + s)
	}
	return nil
}

// ephemeralInput is the EphemeralStorage member of create and update.
type ephemeralInput struct {
	Size *int `json:"Size"`
}

// checkShape validates the members shared by create and update.
func checkShape(role *string, timeout, memory *int, archs []string, eph *ephemeralInput) error {
	var v validation
	if role != nil && !roleRE.MatchString(*role) {
		v.add(*role, "role", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	if timeout != nil {
		if *timeout > 900 {
			v.add(fmt.Sprint(*timeout), "timeout", "Member must have value less than or equal to 900")
		} else if *timeout < 1 {
			v.add(fmt.Sprint(*timeout), "timeout", "Member must have value greater than or equal to 1")
		}
	}
	if memory != nil {
		if *memory > 10240 {
			v.add(fmt.Sprint(*memory), "memorySize", "Member must have value less than or equal to 10240")
		} else if *memory < 128 {
			v.add(fmt.Sprint(*memory), "memorySize", "Member must have value greater than or equal to 128")
		}
	}
	if eph != nil {
		// EphemeralStorageSize is an integer of 512 to 10240 (MB) and Size
		// is required: a model constraint, so a ValidationException.
		switch {
		case eph.Size == nil:
			v.nullAt("ephemeralStorage.size")
		case *eph.Size > 10240:
			v.add(fmt.Sprint(*eph.Size), "ephemeralStorage.size", "Member must have value less than or equal to 10240")
		case *eph.Size < 512:
			v.add(fmt.Sprint(*eph.Size), "ephemeralStorage.size", "Member must have value greater than or equal to 512")
		}
	}
	if archs != nil {
		if len(archs) != 1 {
			v.add("["+strings.Join(archs, ", ")+"]", "architectures", "Member must have length less than or equal to 1")
		} else if archs[0] != "x86_64" && archs[0] != "arm64" {
			// AWS names the list member's null constraint too (LocalStack's
			// AWS-recorded snapshot of TestLambdaFunction.test_create_lambda_exceptions).
			v.add("["+archs[0]+"]", "architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
		}
	}
	return v.err()
}

// layersOut is a configuration's Layers member.
func layersOut(ls []*fnLayer) []map[string]any {
	var out []map[string]any
	for _, l := range ls {
		out = append(out, map[string]any{"Arn": l.Arn, "CodeSize": l.CodeSize})
	}
	return out
}
