package lambda

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/lambda/runtime"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

type codeInput struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageUri        string `json:"ImageUri"`
}

type envInput struct {
	Variables map[string]string `json:"Variables"`
}

type createInput struct {
	FunctionName     string            `json:"FunctionName"`
	Role             *string           `json:"Role"`
	Runtime          string            `json:"Runtime"`
	Handler          string            `json:"Handler"`
	Code             *codeInput        `json:"Code"`
	Description      string            `json:"Description"`
	Timeout          *int              `json:"Timeout"`
	MemorySize       *int              `json:"MemorySize"`
	Publish          bool              `json:"Publish"`
	PackageType      string            `json:"PackageType"`
	Environment      *envInput         `json:"Environment"`
	Architectures    []string          `json:"Architectures"`
	Tags             map[string]string `json:"Tags"`
	TracingConfig    *struct{ Mode string }
	EphemeralStorage *ephemeralInput
	Layers           []string `json:"Layers"`
}

func newRevision() string { return awsproto.NewRequestID() }

// code stores the package named by in: the zip sent, a zip read from
// gatehouse's S3 as the caller, or a local directory.
func (s *Service) code(q *request, in *codeInput) (*codeInfo, error) {
	switch {
	case in == nil:
		return nil, awserr.ValidationException.New("1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null")
	case in.ImageUri != "":
		return nil, awserr.InvalidParameterValueException.New("gatehouse does not run container images: use PackageType Zip.")
	case in.S3Bucket == LocalDirBucket:
		return s.localDir(in.S3Key)
	case in.S3Bucket != "" || in.S3Key != "":
		b, err := s.readS3(q, in.S3Bucket, in.S3Key, in.S3ObjectVersion)
		if err != nil {
			return nil, err
		}
		return s.storeZipMax(b, maxUnzipped)
	case len(in.ZipFile) == 0:
		return nil, awserr.InvalidParameterValueException.New("Please provide a source for function code.")
	}
	return s.storeZip(in.ZipFile)
}

// checkRole verifies iam:PassRole and that Lambda can assume the role.
func (s *Service) checkRole(ctx context.Context, q *request, role string) error {
	// A role of another account is refused before anything else, in
	// AWS's words.
	if account, _, ok := arn.ParseIAM(role); ok && account != q.caller.AccountID {
		return awserr.InvalidParameterValueException.New("Cross-account pass role is not allowed.")
	}
	// iam:PassedToService names the service the role is passed to (IAM's
	// condition key for iam:PassRole).
	passed := func(c *policy.Context) { c.Set("iam:PassedToService", "lambda.amazonaws.com") }
	if err := s.authorizeKeys(q, "iam:PassRole", role, nil, "", passed); err != nil {
		return err
	}
	if s.cfg.Roles != nil {
		if _, err := s.cfg.Roles.RoleCredentials(ctx, role, "gatehouse-check", 15*time.Minute); err != nil {
			return awserr.InvalidParameterValueException.New("The role defined for the function cannot be assumed by Lambda.").WithCause(err)
		}
	}
	return nil
}

func (s *Service) createFunction(q *request, in *createFunctionInput) (*CreateFunctionOutput, error) {
	if err := validateName(in.FunctionName); err != nil {
		return nil, err
	}
	if in.Role == nil {
		return nil, awserr.ValidationException.New("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null")
	}
	if err := checkShape(in.Role, in.Timeout, in.MemorySize, in.Architectures, in.EphemeralStorage); err != nil {
		return nil, err
	}
	res := resolved{account: q.caller.AccountID, region: q.region, name: in.FunctionName}
	tags := pipeline.TagsFromMap(in.Tags)
	if err := s.authorizeKeys(q, "lambda:CreateFunction", res.arn(), nil, "", func(c *policy.Context) { pipeline.RequestTags(c, tags) }); err != nil {
		return nil, err
	}
	if in.PackageType != "" && in.PackageType != "Zip" {
		return nil, awserr.InvalidParameterValueException.New("gatehouse does not run container images: use PackageType Zip.")
	}
	if in.Runtime == "" {
		return nil, awserr.InvalidParameterValueException.New("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if err := checkRuntime(in.Runtime); err != nil {
		return nil, err
	}
	kind := runtime.Classify(in.Runtime)
	if in.Handler == "" && kind != runtime.Provided {
		return nil, awserr.InvalidParameterValueException.New("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if _, _, err := runtime.Command(kind, s.runtimeDir, os.TempDir()); err != nil {
		return nil, awserr.InvalidParameterValueException.Errorf("The runtime %s needs %s on the gatehouse host, which is not installed.", in.Runtime, runtime.Interpreter(kind))
	}
	var env *map[string]string
	if in.Environment != nil {
		vars := in.Environment.Variables
		if vars == nil {
			vars = map[string]string{}
		}
		if err := checkEnv(vars); err != nil {
			return nil, err
		}
		env = &vars
	}
	if err := s.checkRole(q.r.Context(), q, *in.Role); err != nil {
		return nil, err
	}
	if e := s.view.Load().fns[fnKey(res.account, res.region, res.name)]; e != nil {
		return nil, awserr.ResourceConflictException.New("Function already exist: " + in.FunctionName)
	}
	layers, err := s.resolveLayers(q, in.Layers)
	if err != nil {
		return nil, err
	}
	ci, err := s.code(q, in.Code)
	if err != nil {
		return nil, err
	}
	f := &function{
		Account: res.account, Region: res.region, Name: in.FunctionName,
		Runtime: in.Runtime, Handler: in.Handler, Role: *in.Role, Description: in.Description,
		Timeout: 3, MemorySize: 128, Environment: env, Architectures: []string{"x86_64"},
		Ephemeral: 512, TracingMode: "PassThrough",
		LastModified: timestamp(time.Now()), RevisionID: newRevision(), Tags: in.Tags,
	}
	f.setCode(ci)
	if len(layers) > 0 {
		f.Layers = layers
	}
	if in.Timeout != nil {
		f.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		f.MemorySize = *in.MemorySize
	}
	if in.Architectures != nil {
		f.Architectures = in.Architectures
	}
	if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
		f.TracingMode = in.TracingConfig.Mode
	}
	if in.EphemeralStorage != nil {
		f.Ephemeral = *in.EphemeralStorage.Size // checked by checkShape
	}
	// Publish creates version 1 with the function, and the answer
	// describes that version (Version "1") under the function's
	// unqualified ARN, as AWS answers it (measured against the live
	// service: floci-io/floci#2825; UpdateFunctionCode's answer is the
	// version's qualified ARN).
	out := f.configuration(viewCreate)
	if in.Publish {
		out = f.publish(nil, time.Now()).configuration(viewCreate)
		out.FunctionArn = f.qualifiedARN()
	}
	b, _ := json.Marshal(f)
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error { return tx.Create(kindFunction, f.key(), b) })
	if errors.Is(err, store.ErrExists) {
		return nil, awserr.ResourceConflictException.New("Function already exist: " + in.FunctionName)
	}
	if err != nil {
		return nil, err
	}
	return (*CreateFunctionOutput)(out), nil
}

// qualified names the qualifier in FunctionArn when the caller gave one:
// a read by qualifier ($LATEST, a version or an alias) answers with the
// ARN as qualified, and Version says which version that is.
func qualified(c *configuration, res resolved) *configuration {
	if res.qualifier != "" {
		c.FunctionArn = res.arn()
	}
	return c
}

func (f *function) setCode(ci *codeInfo) {
	f.CodeSha256, f.CodeSize, f.CodeDir, f.CodeZip, f.LocalDir = ci.sha256, ci.size, ci.dir, ci.zip, ci.local
}

// modify changes a stored function in a transaction and returns the new
// record. Every change gets a new RevisionId.
func (s *Service) modify(ctx context.Context, res resolved, revision string, fn func(f *function) error) (*function, error) {
	var out *function
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := tx.Get(kindFunction, fnKey(res.account, res.region, res.name))
		if errors.Is(err, store.ErrNotFound) {
			return awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
		}
		if err != nil {
			return err
		}
		var f function
		if err := json.Unmarshal(rec.Value, &f); err != nil {
			return err
		}
		if revision != "" && revision != f.RevisionID {
			return awserr.PreconditionFailedException.New("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
		}
		if err := fn(&f); err != nil {
			return err
		}
		f.RevisionID = newRevision()
		b, err := json.Marshal(&f)
		if err != nil {
			return err
		}
		out = &f
		return tx.Put(kindFunction, rec.Key, b)
	})
	return out, err
}

func (s *Service) getFunction(q *request, in *getFunctionInput) (*GetFunctionOutput, error) {
	raw := in.FunctionName
	res, e, err := s.find(q, raw, "lambda:GetFunction")
	if err != nil {
		return nil, err
	}
	t := e.target()
	out := &GetFunctionOutput{
		Configuration: qualified(t.fn.configuration(viewRead), res),
		Code:          functionCodeLocation{RepositoryType: "S3", Location: s.locationURL(t.fn)},
	}
	// Tags and reserved concurrency belong to the function, whichever
	// version or alias is named.
	if base := e.base.fn; len(base.Tags) > 0 {
		out.Tags = base.Tags
	}
	if base := e.base.fn; base.Reserved != nil {
		out.Concurrency = &GetFunctionConcurrencyOutput{ReservedConcurrentExecutions: base.Reserved}
	}
	return out, nil
}

func (s *Service) getConfiguration(q *request, in *getConfigurationInput) (*GetFunctionConfigurationOutput, error) {
	raw := in.FunctionName
	res, e, err := s.find(q, raw, "lambda:GetFunctionConfiguration")
	if err != nil {
		return nil, err
	}
	return (*GetFunctionConfigurationOutput)(qualified(e.target().fn.configuration(viewRead), res)), nil
}

// listFunctionsInput is the input of ListFunctions.
type listFunctionsInput struct {
	MaxItems        string `query:"MaxItems" json:"-"`
	Marker          string `query:"Marker" json:"-"`
	FunctionVersion string `query:"FunctionVersion" json:"-"`
}

func (s *Service) listFunctions(q *request, in *listFunctionsInput) (*ListFunctionsOutput, error) {
	if err := s.authorize(q, "lambda:ListFunctions", "*", nil, ""); err != nil {
		return nil, err
	}
	max := 50
	if v := in.MaxItems; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000", v)
		}
		max = min(n, 50)
	}
	marker := ""
	if m := in.Marker; m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			return nil, awserr.InvalidParameterValueException.New("Invalid marker")
		}
		marker = string(b)
	}
	prefix := q.caller.AccountID + "/" + q.region + "/"
	var names []string
	for k := range s.view.Load().fns {
		if strings.HasPrefix(k, prefix) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	fns := s.view.Load().fns
	// With FunctionVersion=ALL every published version is listed after
	// its function's $LATEST, each under its qualified ARN. The marker
	// names the last item: the function name, and with ALL its version
	// (zero-padded, $LATEST first) after a NUL, so markers order as items.
	all := in.FunctionVersion == "ALL"
	var list []listItem
	for _, key := range names {
		e := fns[key]
		if e == nil {
			continue
		}
		name := strings.TrimPrefix(key, prefix)
		if !all {
			if name > marker {
				list = append(list, listItem{name, e.fn.configuration(viewList)})
			}
			continue
		}
		c := e.fn.configuration(viewList)
		c.FunctionArn = e.fn.latestARN()
		for _, it := range append([]listItem{{versionToken(name, 0), c}}, versionItems(e.fn, name)...) {
			if it.token > marker {
				list = append(list, it)
			}
		}
	}
	items := []*configuration{}
	var out ListFunctionsOutput
	for k, it := range list {
		if k == max {
			out.NextMarker = base64.RawURLEncoding.EncodeToString([]byte(list[k-1].token))
			break
		}
		items = append(items, it.cfg)
	}
	out.Functions = items
	return &out, nil
}

// listItem is a ListFunctions item with its marker token.
type listItem struct {
	token string
	cfg   *configuration
}

// versionToken is the marker token of a function's version n ($LATEST is
// 0) in a FunctionVersion=ALL listing.
func versionToken(name string, n int) string {
	return name + "\x00" + strconv.FormatInt(int64(n)+1e10, 10)[1:]
}

// versionItems are the published versions of f as ListFunctions items
// (FunctionVersion=ALL), in version order.
func versionItems(f *function, name string) []listItem {
	num := func(v *function) int { n, _ := strconv.Atoi(v.Version); return n }
	vs := append([]*function(nil), f.Versions...)
	sort.Slice(vs, func(i, j int) bool { return num(vs[i]) < num(vs[j]) })
	out := make([]listItem, 0, len(vs))
	for _, v := range vs {
		out = append(out, listItem{versionToken(name, num(v)), v.configuration(viewList)})
	}
	return out
}

func (s *Service) deleteFunction(q *request, in *deleteFunctionInput) (*DeleteFunctionOutput, error) {
	raw := in.FunctionName
	res, e, err := s.find(q, raw, "lambda:DeleteFunction")
	if err != nil {
		return nil, err
	}
	switch {
	case res.qualifier == "$LATEST":
		return nil, awserr.InvalidParameterValueException.New("Deletion of $LATEST version is not allowed.")
	case res.qualifier != "":
		// A Qualifier deletes one published version; an alias is not a
		// version (DeleteAlias removes it).
		if e.alias != nil {
			return nil, awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
		}
		if err := s.deleteVersion(q, res); err != nil {
			return nil, err
		}
		return &DeleteFunctionOutput{}, nil
	}
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error { return tx.Delete(kindFunction, e.fn.key()) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
	}
	if err != nil {
		return nil, err
	}
	s.mgr.Stop(e.fn.key())
	for _, v := range e.fn.Versions {
		s.mgr.Stop(v.poolKey())
	}
	return &DeleteFunctionOutput{}, nil
}

type updateConfigInput struct {
	Role             *string   `json:"Role"`
	Handler          *string   `json:"Handler"`
	Description      *string   `json:"Description"`
	Timeout          *int      `json:"Timeout"`
	MemorySize       *int      `json:"MemorySize"`
	Environment      *envInput `json:"Environment"`
	Runtime          *string   `json:"Runtime"`
	RevisionId       string    `json:"RevisionId"`
	TracingConfig    *struct{ Mode string }
	EphemeralStorage *ephemeralInput
	Layers           *[]string `json:"Layers"`
}

func (s *Service) updateConfiguration(q *request, in *updateConfigurationInput) (*UpdateFunctionConfigurationOutput, error) {
	raw := in.FunctionName
	res, e, err := s.findLatest(q, raw, "lambda:UpdateFunctionConfiguration")
	if err != nil {
		return nil, err
	}
	if err := checkShape(in.Role, in.Timeout, in.MemorySize, nil, in.EphemeralStorage); err != nil {
		return nil, err
	}
	if in.Runtime != nil {
		if err := checkRuntime(*in.Runtime); err != nil {
			return nil, err
		}
	}
	var env *map[string]string
	if in.Environment != nil {
		vars := in.Environment.Variables
		if vars == nil {
			vars = map[string]string{}
		}
		if err := checkEnv(vars); err != nil {
			return nil, err
		}
		env = &vars
	}
	if in.Role != nil && *in.Role != e.fn.Role {
		if err := s.checkRole(q.r.Context(), q, *in.Role); err != nil {
			return nil, err
		}
	}
	var layers *[]*fnLayer
	if in.Layers != nil {
		ls, err := s.resolveLayers(q, *in.Layers)
		if err != nil {
			return nil, err
		}
		layers = &ls
	}
	f, err := s.modify(q.r.Context(), res, in.RevisionId, func(f *function) error {
		if in.Role != nil {
			f.Role = *in.Role
		}
		if in.Handler != nil {
			f.Handler = *in.Handler
		}
		if in.Description != nil {
			f.Description = *in.Description
		}
		if in.Timeout != nil {
			f.Timeout = *in.Timeout
		}
		if in.MemorySize != nil {
			f.MemorySize = *in.MemorySize
		}
		if in.Runtime != nil {
			f.Runtime = *in.Runtime
		}
		if env != nil {
			f.Environment = env // replaces the whole map (spec §8.14)
		}
		if in.TracingConfig != nil && in.TracingConfig.Mode != "" {
			f.TracingMode = in.TracingConfig.Mode
		}
		if in.EphemeralStorage != nil {
			f.Ephemeral = *in.EphemeralStorage.Size // checked by checkShape
		}
		if layers != nil {
			f.Layers = *layers // [] removes them all
			if len(f.Layers) == 0 {
				f.Layers = nil
			}
		}
		f.LastModified = timestamp(time.Now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.mgr.Stop(f.key())
	return (*UpdateFunctionConfigurationOutput)(f.configuration(viewUpdate)), nil
}

type updateCodeBody struct {
	codeInput
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionId    string   `json:"RevisionId"`
	Architectures []string `json:"Architectures"`
}

func (s *Service) updateCode(q *request, in *updateCodeInput) (*UpdateFunctionCodeOutput, error) {
	raw := in.FunctionName
	res, e, err := s.findLatest(q, raw, "lambda:UpdateFunctionCode")
	if err != nil {
		return nil, err
	}
	if err := checkShape(nil, nil, nil, in.Architectures, nil); err != nil {
		return nil, err
	}
	ci, err := s.code(q, &in.codeInput)
	if err != nil {
		return nil, err
	}
	if in.DryRun {
		f := *e.fn
		f.setCode(ci)
		return (*UpdateFunctionCodeOutput)(f.configuration(viewRead)), nil
	}
	var published *function
	f, err := s.modify(q.r.Context(), res, in.RevisionId, func(f *function) error {
		f.setCode(ci)
		if in.Architectures != nil {
			f.Architectures = in.Architectures
		}
		f.LastModified = timestamp(time.Now())
		if in.Publish {
			// The new code is published as a version in the same change,
			// and the answer describes that version.
			published = f.publish(nil, time.Now())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.mgr.Stop(f.key())
	if published != nil {
		return (*UpdateFunctionCodeOutput)(published.configuration(viewUpdate)), nil
	}
	return (*UpdateFunctionCodeOutput)(f.configuration(viewUpdate)), nil
}

// Concurrency (spec §4.3, §6.2).

func (s *Service) putConcurrency(q *request, in *putConcurrencyInput) (*PutFunctionConcurrencyOutput, error) {
	raw := in.FunctionName
	res, _, err := s.findLatest(q, raw, "lambda:PutFunctionConcurrency")
	if err != nil {
		return nil, err
	}
	if in.ReservedConcurrentExecutions == nil || *in.ReservedConcurrentExecutions < 0 {
		return nil, awserr.ValidationException.New("1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null")
	}
	n := *in.ReservedConcurrentExecutions
	limit := s.accountLimit()
	reserved := 0
	for k, e := range s.view.Load().fns {
		if strings.HasPrefix(k, res.account+"/"+res.region+"/") && e.fn.Reserved != nil && e.fn.Name != res.name {
			reserved += *e.fn.Reserved
		}
	}
	if limit-reserved-n < 100 {
		return nil, awserr.InvalidParameterValueException.New("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].")
	}
	if _, err := s.modify(q.r.Context(), res, "", func(f *function) error { f.Reserved = &n; return nil }); err != nil {
		return nil, err
	}
	return &PutFunctionConcurrencyOutput{ReservedConcurrentExecutions: n}, nil
}

func (s *Service) getConcurrency(q *request, in *getConcurrencyInput) (*GetFunctionConcurrencyOutput, error) {
	raw := in.FunctionName
	_, e, err := s.findLatest(q, raw, "lambda:GetFunctionConcurrency")
	if err != nil {
		return nil, err
	}
	return &GetFunctionConcurrencyOutput{ReservedConcurrentExecutions: e.fn.Reserved}, nil
}

func (s *Service) deleteConcurrency(q *request, in *deleteConcurrencyInput) (*DeleteFunctionConcurrencyOutput, error) {
	raw := in.FunctionName
	res, _, err := s.findLatest(q, raw, "lambda:DeleteFunctionConcurrency")
	if err != nil {
		return nil, err
	}
	if _, err := s.modify(q.r.Context(), res, "", func(f *function) error { f.Reserved = nil; return nil }); err != nil {
		return nil, err
	}
	return &DeleteFunctionConcurrencyOutput{}, nil
}

func (s *Service) accountLimit() int {
	if s.cfg.MaxInstances > 0 {
		return s.cfg.MaxInstances
	}
	return 1000
}

func (s *Service) accountSettings(q *request, in *struct{}) (*GetAccountSettingsOutput, error) {
	if err := s.authorize(q, "lambda:GetAccountSettings", "*", nil, ""); err != nil {
		return nil, err
	}
	limit := s.accountLimit()
	reserved, count := 0, 0
	var size int64
	prefix := q.caller.AccountID + "/" + q.region + "/"
	for k, e := range s.view.Load().fns {
		if strings.HasPrefix(k, prefix) {
			count++
			size += e.fn.CodeSize
			if e.fn.Reserved != nil {
				reserved += *e.fn.Reserved
			}
		}
	}
	return &GetAccountSettingsOutput{
		AccountLimit: accountLimit{TotalCodeSize: 80530636800, CodeSizeUnzipped: maxUnzipped, CodeSizeZipped: maxZipped,
			ConcurrentExecutions: limit, UnreservedConcurrentExecutions: limit - reserved},
		AccountUsage: accountUsage{TotalCodeSize: size, FunctionCount: count},
	}, nil
}

// Tags (TagResource / UntagResource / ListTags on the function ARN).

func (s *Service) tagTarget(q *request, arn, action string) (resolved, error) {
	res, _, err := s.findLatest(q, arn, action)
	return res, err
}

func (s *Service) listTags(q *request, in *listTagsInput) (*ListTagsOutput, error) {
	arn := in.ARN
	_, e, err := s.findLatest(q, arn, "lambda:ListTags")
	if err != nil {
		return nil, err
	}
	tags := e.fn.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return &ListTagsOutput{Tags: tags}, nil
}

func (s *Service) tagResource(q *request, in *tagResourceInput) (*TagResourceOutput, error) {
	arn := in.ARN
	tags := pipeline.TagsFromMap(in.Tags)
	q.addKeys("lambda:TagResource", func(c *policy.Context) { pipeline.RequestTags(c, tags) })
	res, err := s.tagTarget(q, arn, "lambda:TagResource")
	if err != nil {
		return nil, err
	}
	if _, err := s.modify(q.r.Context(), res, "", func(f *function) error {
		if f.Tags == nil {
			f.Tags = map[string]string{}
		}
		for k, v := range in.Tags {
			f.Tags[k] = v
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

func (s *Service) untagResource(q *request, in *untagResourceInput) (*UntagResourceOutput, error) {
	arn := in.ARN
	keys := in.TagKeys
	q.addKeys("lambda:UntagResource", func(c *policy.Context) { pipeline.TagKeys(c, keys) })
	res, err := s.tagTarget(q, arn, "lambda:UntagResource")
	if err != nil {
		return nil, err
	}
	if _, err := s.modify(q.r.Context(), res, "", func(f *function) error {
		for _, k := range keys {
			delete(f.Tags, k)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// Code location: GetFunction's Code.Location is a short-lived URL on
// gatehouse that returns the zip. It carries a credential scope for
// service "lambda" so that the server routes it here, and an HMAC token
// instead of a signature.

var locationKey = func() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}()

func locationToken(f *function, exp int64) string {
	m := hmac.New(sha256.New, locationKey)
	m.Write([]byte(f.key() + "\x00" + f.Version + "\x00" + f.CodeSha256 + "\x00" + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) locationURL(f *function) string {
	if f.CodeZip == "" {
		return "file://" + f.CodeDir
	}
	exp := time.Now().Add(10 * time.Minute).Unix()
	v := url.Values{}
	v.Set("X-Amz-Credential", "gatehouse/"+time.Now().UTC().Format("20060102")+"/"+f.Region+"/lambda/aws4_request")
	v.Set("Account", f.Account)
	v.Set("Expires", strconv.FormatInt(exp, 10))
	v.Set("Token", locationToken(f, exp))
	if f.Version != "" {
		v.Set("Version", f.Version) // a published version's own code
	}
	return *s.endpoint.Load() + "/2015-03-31/functions/" + url.PathEscape(f.Name) + "/code-location?" + v.Encode()
}

// codeLocation answers a Code.Location URL (no SigV4: the token is the
// authorization) with the package.
func (s *Service) codeLocation(q *request, in *codeLocationInput) (*GetFunctionCodeLocationOutput, error) {
	name := in.FunctionName
	_, region, _ := strings.Cut(strings.TrimPrefix(in.Credential, "gatehouse/"), "/")
	region, _, _ = strings.Cut(region, "/")
	e := s.view.Load().fns[fnKey(in.Account, region, name)]
	if ver := in.Version; e != nil && ver != "" {
		e = e.versions[ver]
	}
	exp, _ := strconv.ParseInt(in.Expires, 10, 64)
	denied := awserr.LambdaAccessDeniedException.New("Request has expired or the token is invalid.")
	if e == nil || e.fn.CodeZip == "" || time.Now().Unix() > exp {
		return nil, denied
	}
	if !hmac.Equal([]byte(in.Token), []byte(locationToken(e.fn, exp))) {
		return nil, denied
	}
	b, err := os.ReadFile(e.fn.CodeZip)
	if err != nil {
		return nil, err
	}
	return &GetFunctionCodeLocationOutput{ContentType: "application/zip", Zip: b}, nil
}

// createFunctionInput is the input of createFunction.
type createFunctionInput struct {
	createInput
}

// getFunctionInput is the input of getFunction.
type getFunctionInput struct {
	fnInput
}

// getConfigurationInput is the input of getConfiguration.
type getConfigurationInput struct {
	fnInput
}

// deleteFunctionInput is the input of deleteFunction.
type deleteFunctionInput struct {
	fnInput
}

// updateConfigurationInput is the input of updateConfiguration.
type updateConfigurationInput struct {
	fnInput
	updateConfigInput
}

// updateCodeInput is the input of updateCode.
type updateCodeInput struct {
	fnInput
	updateCodeBody
}

// putConcurrencyInput is the input of putConcurrency.
type putConcurrencyInput struct {
	fnInput
	ReservedConcurrentExecutions *int `json:"ReservedConcurrentExecutions"`
}

// getConcurrencyInput is the input of getConcurrency.
type getConcurrencyInput struct {
	fnInput
}

// deleteConcurrencyInput is the input of deleteConcurrency.
type deleteConcurrencyInput struct {
	fnInput
}

// listTagsInput is the input of listTags.
type listTagsInput struct {
	ARN string `uri:"ARN" json:"-"`
}

// tagResourceInput is the input of tagResource.
type tagResourceInput struct {
	ARN  string            `uri:"ARN" json:"-"`
	Tags map[string]string `json:"Tags"`
}

// untagResourceInput is the input of untagResource.
type untagResourceInput struct {
	ARN     string   `uri:"ARN" json:"-"`
	TagKeys []string `query:"tagKeys" json:"-"`
}

// codeLocationInput is the input of GetFunctionCodeLocation: the
// parameters locationURL wrote.
type codeLocationInput struct {
	FunctionName string `uri:"FunctionName" json:"-"`
	Credential   string `query:"X-Amz-Credential" json:"-"`
	Account      string `query:"Account" json:"-"`
	Expires      string `query:"Expires" json:"-"`
	Token        string `query:"Token" json:"-"`
	Version      string `query:"Version" json:"-"`
}
