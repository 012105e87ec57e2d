package ssm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// param is a parameter's record: its versions, newest last.
type param struct {
	Name     string    `json:"name"`
	Tags     []tag     `json:"tags,omitempty"`
	Versions []version `json:"versions"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type version struct {
	Version          int64     `json:"version"`
	Type             string    `json:"type"`
	Value            string    `json:"value"` // sealed for SecureString
	KeyID            string    `json:"keyId,omitempty"`
	Description      string    `json:"description,omitempty"`
	AllowedPattern   string    `json:"allowedPattern,omitempty"`
	Tier             string    `json:"tier"`
	DataType         string    `json:"dataType"`
	Policies         string    `json:"policies,omitempty"`
	LastModified     time.Time `json:"lastModified"`
	LastModifiedUser string    `json:"lastModifiedUser"`
	Labels           []string  `json:"labels,omitempty"`
}

func (p *param) current() *version { return &p.Versions[len(p.Versions)-1] }

func recordKey(account, region, name string) string { return account + "/" + region + "/" + name }

const defaultKeyID = "alias/aws/ssm"

var (
	nameCharsRE = regexp.MustCompile(`^[a-zA-Z0-9_.\-/]+$`)
	msgBadName  = `Parameter name: can't be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_`
)

// checkName validates a parameter name as PutParameter does.
func checkName(n string) error {
	if n == "" || len(n) > 2048 {
		return awserr.SSMValidation.Errorf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must have length less than or equal to 2048", clip(n))
	}
	if !nameCharsRE.MatchString(n) {
		return awserr.SSMValidation.New(msgBadName)
	}
	if strings.Contains(n, "/") && !strings.HasPrefix(n, "/") {
		return awserr.SSMValidation.New("Parameter name must be a fully qualified name.")
	}
	first := strings.ToLower(strings.TrimPrefix(n, "/"))
	if strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm") {
		return awserr.SSMValidation.New(msgBadName)
	}
	if strings.Contains(n, "//") || strings.HasSuffix(n, "/") {
		return awserr.SSMValidation.New(msgBadName)
	}
	if strings.Count(n, "/") > 15 {
		return awserr.SSMHierarchyLevelLimit.New("A hierarchy can have a maximum of 15 levels. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-su-create.html")
	}
	return nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// resolveName accepts a name or this account's and region's parameter ARN,
// and a ":selector" version suffix; it returns the name and version (0:
// the current one).
func resolveName(q *request, in string) (string, int64, error) {
	name := in
	if strings.HasPrefix(in, "arn:") {
		a, err := arn.Parse(in)
		if err != nil || a.Service != "ssm" || a.AccountID != q.caller.AccountID || a.Region != q.region || !strings.HasPrefix(a.Resource, "parameter/") {
			return "", 0, awserr.SSMValidation.New("Parameter ARN is not valid: " + clip(in))
		}
		name = strings.TrimPrefix(a.Resource, "parameter")
		if strings.Count(name, "/") == 1 {
			name = name[1:] // a name without hierarchy
		}
	}
	var ver int64
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		sel := name[i+1:]
		name = name[:i]
		v, err := strconv.ParseInt(sel, 10, 64)
		if err != nil || v < 1 {
			// Labels are not served: no label matches.
			return "", 0, awserr.SSMParameterVersionNotFound.Errorf("Systems Manager could not find version %s of %s. Verify the version and try again.", clip(sel), clip(name))
		}
		ver = v
	}
	if name == "" || len(name) > 2048 {
		return "", 0, awserr.SSMValidation.New("Parameter name is not valid")
	}
	return name, ver, nil
}

func (s *Service) paramARN(q *request, name string) string {
	return arn.SSMParameter(q.region, q.caller.AccountID, name)
}

func (s *Service) load(ctx context.Context, q *request, name string) (*param, error) {
	rec, err := s.cfg.Store.Get(ctx, kindParam, recordKey(q.caller.AccountID, q.region, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p param
	if err := json.Unmarshal(rec.Value, &p); err != nil || len(p.Versions) == 0 {
		return nil, awserr.SSMInternalServerError.New("").WithCause(err)
	}
	return &p, nil
}

func resourceTags(p *param) func(*policy.Context) {
	if p == nil || len(p.Tags) == 0 {
		return nil
	}
	return func(c *policy.Context) {
		for _, t := range p.Tags {
			pipeline.ResourceTags(c, []pipeline.Tag{{Key: t.Key, Value: t.Value}})
		}
	}
}

func sealLabel(account, region, name string, ver int64) string {
	return "ssm:" + account + ":" + region + ":" + name + ":" + strconv.FormatInt(ver, 10)
}

type putIn struct {
	Name           string
	Description    *string
	Value          *string
	Type           *string
	KeyId          *string
	Overwrite      *bool
	AllowedPattern *string
	Tags           []tag
	Tier           *string
	Policies       *string
	DataType       *string
}

type putOut struct {
	Version int64
	Tier    string
}

func (q *request) putParameter(in *putIn) (*putOut, error) {
	s := q.s
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	if in.Value == nil {
		return nil, awserr.SSMValidation.New("1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null")
	}
	overwrite := in.Overwrite != nil && *in.Overwrite
	if overwrite && len(in.Tags) > 0 {
		return nil, awserr.SSMValidation.New("Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.")
	}
	if in.Policies != nil && *in.Policies != "" {
		return nil, awserr.SSMValidation.New("gatehouse does not implement parameter policies (advanced tier)")
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	ctx := q.r.Context()
	cur, err := s.load(ctx, q, in.Name)
	if err != nil {
		return nil, err
	}
	keys := func(c *policy.Context) {
		pipeline.RequestTags(c, tags)
		if cur != nil {
			resourceTags(cur)(c)
		}
	}
	if cur == nil || len(cur.Tags) == 0 {
		keys = func(c *policy.Context) { pipeline.RequestTags(c, tags) }
	}
	if err := q.authorize("ssm:PutParameter", s.paramARN(q, in.Name), keys); err != nil {
		return nil, err
	}
	var out putOut
	now := s.cfg.Now().UTC()
	_, err = s.cfg.Store.Update(ctx, func(tx store.Tx) error {
		key := recordKey(q.caller.AccountID, q.region, in.Name)
		var p param
		rec, err := tx.Get(kindParam, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			p = param{Name: in.Name, Tags: tagsOf(tags)}
		case err != nil:
			return err
		default:
			if !overwrite {
				return awserr.SSMParameterAlreadyExists.New("")
			}
			if err := json.Unmarshal(rec.Value, &p); err != nil || len(p.Versions) == 0 {
				return awserr.SSMInternalServerError.New("").WithCause(err)
			}
		}
		v := version{Tier: "Standard", DataType: "text", LastModified: now, LastModifiedUser: q.caller.ARN}
		if len(p.Versions) > 0 {
			// An overwrite keeps what it does not set.
			prev := p.current()
			v.Type, v.KeyID, v.Description, v.AllowedPattern, v.Tier, v.DataType = prev.Type, prev.KeyID, prev.Description, prev.AllowedPattern, prev.Tier, prev.DataType
			v.Version = prev.Version + 1
		} else {
			v.Version = 1
		}
		if in.Type != nil {
			v.Type = *in.Type
		}
		switch v.Type {
		case "String", "StringList", "SecureString":
		case "":
			return awserr.SSMValidation.New("A parameter type is required when you create a parameter.")
		default:
			return awserr.SSMValidation.Errorf("1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [SecureString, StringList, String]", clip(v.Type))
		}
		if in.Description != nil {
			if utf8.RuneCountInString(*in.Description) > 1024 {
				return awserr.SSMValidation.New("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1024")
			}
			v.Description = *in.Description
		}
		if in.Tier != nil {
			switch *in.Tier {
			case "Standard", "Advanced":
				v.Tier = *in.Tier
			case "Intelligent-Tiering":
				v.Tier = "Standard"
				if len(*in.Value) > 4096 {
					v.Tier = "Advanced"
				}
			default:
				return awserr.SSMValidation.Errorf("1 validation error detected: Value '%s' at 'tier' failed to satisfy constraint: Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]", clip(*in.Tier))
			}
		}
		if in.DataType != nil {
			switch *in.DataType {
			case "text", "aws:ec2:image", "aws:ssm:integration":
				v.DataType = *in.DataType
			default:
				return awserr.SSMValidation.New("The following data type is not supported: " + clip(*in.DataType) + " (Data type names are all lowercase.)")
			}
		}
		val := *in.Value
		switch {
		case val == "":
			return awserr.SSMValidation.New("1 validation error detected: Value '' at 'value' failed to satisfy constraint: Member must have length greater than or equal to 1")
		case v.Tier == "Standard" && len(val) > 4096:
			return awserr.SSMValidation.New("Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html")
		case len(val) > 8192:
			return awserr.SSMValidation.New("1 validation error detected: Value at 'value' failed to satisfy constraint: Member must have length less than or equal to 8192")
		}
		if in.AllowedPattern != nil {
			v.AllowedPattern = *in.AllowedPattern
		}
		if v.AllowedPattern != "" {
			re, err := regexp.Compile(v.AllowedPattern)
			if err != nil || len(v.AllowedPattern) > 1024 {
				return awserr.SSMInvalidAllowedPattern.New("The allowed pattern is not valid.")
			}
			if !re.MatchString(val) {
				return awserr.SSMParameterPatternMismatch.New("Parameter value, cannot be validated against allowedPattern: " + v.AllowedPattern)
			}
		}
		if v.Type == "SecureString" {
			k := defaultKeyID
			if in.KeyId != nil && *in.KeyId != "" {
				k = *in.KeyId
			} else if v.KeyID != "" && (in.Type == nil || len(p.Versions) > 0 && p.current().Type == "SecureString") {
				k = v.KeyID
			}
			if k != defaultKeyID && k != "alias/aws/ssm" {
				// No KMS keys exist here: only the default key, which is
				// gatehouse's master key.
				return awserr.SSMInvalidKeyID.New("gatehouse seals SecureString values with its master key; only the default key alias/aws/ssm is available")
			}
			v.KeyID = k
			val = s.box.Seal(val, sealLabel(q.caller.AccountID, q.region, in.Name, v.Version))
		} else {
			if in.KeyId != nil && *in.KeyId != "" {
				return awserr.SSMValidation.New("KeyId is required for SecureString type parameter only.")
			}
			v.KeyID = ""
		}
		v.Value = val
		p.Versions = append(p.Versions, v)
		if len(p.Versions) > maxVersions {
			p.Versions = p.Versions[len(p.Versions)-maxVersions:]
		}
		b, err := json.Marshal(&p)
		if err != nil {
			return err
		}
		out.Version, out.Tier = v.Version, v.Tier
		return tx.Put(kindParam, key, b)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func checkTags(in []tag) ([]pipeline.Tag, error) {
	if len(in) > 50 {
		return nil, awserr.SSMValidation.New("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 1000")
	}
	seen := map[string]bool{}
	var out []pipeline.Tag
	for _, t := range in {
		if t.Key == "" || utf8.RuneCountInString(t.Key) > 128 || utf8.RuneCountInString(t.Value) > 256 {
			return nil, awserr.SSMValidation.New("1 validation error detected: Value at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128")
		}
		if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
			return nil, awserr.SSMValidation.New("Tag keys can't start with aws:")
		}
		if seen[t.Key] {
			return nil, awserr.SSMValidation.New("Duplicate tag keys are not allowed")
		}
		seen[t.Key] = true
		out = append(out, pipeline.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}

func tagsOf(ts []pipeline.Tag) []tag {
	var out []tag
	for _, t := range ts {
		out = append(out, tag{t.Key, t.Value})
	}
	return out
}

// parameterOut is the Parameter shape.
type parameterOut struct {
	Name             string
	Type             string
	Value            string
	Version          int64
	Selector         string `json:",omitempty"`
	LastModifiedDate float64
	ARN              string
	DataType         string
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// render returns version v of p as GetParameter answers it, decrypting a
// SecureString when asked.
func (s *Service) render(q *request, p *param, v *version, decrypt bool, selector string) (parameterOut, error) {
	val := v.Value
	if v.Type == "SecureString" && decrypt {
		plain, err := s.box.Open(v.Value, sealLabel(q.caller.AccountID, q.region, p.Name, v.Version))
		if err != nil {
			return parameterOut{}, awserr.SSMInternalServerError.New("").WithCause(err)
		}
		val = plain
	} else if v.Type == "SecureString" {
		// The ciphertext, as Parameter Store returns it without
		// decryption (base64).
		val = base64.StdEncoding.EncodeToString([]byte(v.Value))
	}
	return parameterOut{Name: p.Name, Type: v.Type, Value: val, Version: v.Version, Selector: selector,
		LastModifiedDate: epoch(v.LastModified), ARN: s.paramARN(q, p.Name), DataType: v.DataType}, nil
}

func pickVersion(p *param, ver int64) *version {
	if ver == 0 {
		return p.current()
	}
	for i := range p.Versions {
		if p.Versions[i].Version == ver {
			return &p.Versions[i]
		}
	}
	return nil
}

type getIn struct {
	Name           string
	WithDecryption *bool
}

type getOut struct{ Parameter parameterOut }

func (q *request) getParameter(in *getIn) (*getOut, error) {
	s := q.s
	name, ver, err := resolveName(q, in.Name)
	if err != nil {
		return nil, err
	}
	p, err := s.load(q.r.Context(), q, name)
	if err != nil {
		return nil, err
	}
	if err := q.authorize("ssm:GetParameter", s.paramARN(q, name), resourceTags(p)); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, awserr.SSMParameterNotFound.New("")
	}
	v := pickVersion(p, ver)
	if v == nil {
		return nil, awserr.SSMParameterVersionNotFound.Errorf("Systems Manager could not find version %d of %s. Verify the version and try again.", ver, name)
	}
	sel := ""
	if ver != 0 {
		sel = ":" + strconv.FormatInt(ver, 10)
	}
	out, err := s.render(q, p, v, in.WithDecryption != nil && *in.WithDecryption, sel)
	if err != nil {
		return nil, err
	}
	return &getOut{out}, nil
}

type getManyIn struct {
	Names          []string
	WithDecryption *bool
}

type getManyOut struct {
	Parameters        []parameterOut
	InvalidParameters []string
}

func (q *request) getParameters(in *getManyIn) (*getManyOut, error) {
	s := q.s
	if len(in.Names) < 1 || len(in.Names) > 10 {
		return nil, awserr.SSMValidation.New("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	out := &getManyOut{Parameters: []parameterOut{}, InvalidParameters: []string{}}
	seen := map[string]bool{}
	for _, n := range in.Names {
		if seen[n] {
			continue
		}
		seen[n] = true
		name, ver, err := resolveName(q, n)
		if err != nil {
			out.InvalidParameters = append(out.InvalidParameters, n)
			continue
		}
		p, err := s.load(q.r.Context(), q, name)
		if err != nil {
			return nil, err
		}
		// Every named parameter must be allowed, found or not.
		if err := q.authorize("ssm:GetParameters", s.paramARN(q, name), resourceTags(p)); err != nil {
			return nil, err
		}
		if p == nil {
			out.InvalidParameters = append(out.InvalidParameters, n)
			continue
		}
		v := pickVersion(p, ver)
		if v == nil {
			out.InvalidParameters = append(out.InvalidParameters, n)
			continue
		}
		sel := ""
		if ver != 0 {
			sel = ":" + strconv.FormatInt(ver, 10)
		}
		po, err := s.render(q, p, v, in.WithDecryption != nil && *in.WithDecryption, sel)
		if err != nil {
			return nil, err
		}
		out.Parameters = append(out.Parameters, po)
	}
	return out, nil
}

// listParams returns the caller's parameters in its region whose names
// start with prefix, sorted by name.
func (s *Service) listParams(q *request, prefix string) ([]*param, error) {
	recs, err := s.cfg.Store.List(q.r.Context(), kindParam, recordKey(q.caller.AccountID, q.region, prefix))
	if err != nil {
		return nil, err
	}
	out := make([]*param, 0, len(recs))
	for _, rec := range recs {
		var p param
		if err := json.Unmarshal(rec.Value, &p); err != nil || len(p.Versions) == 0 {
			return nil, awserr.SSMInternalServerError.New("").WithCause(err)
		}
		out = append(out, &p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// page applies NextToken (the last name of the previous page, opaque to
// clients) and MaxResults to a name-sorted list.
func page[T any](items []T, name func(T) string, token *string, max int) ([]T, string, error) {
	start := 0
	if token != nil && *token != "" {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, "", awserr.SSMInvalidNextToken.New("")
		}
		last := string(b)
		start = sort.Search(len(items), func(i int) bool { return name(items[i]) > last })
	}
	items = items[start:]
	next := ""
	if len(items) > max {
		items = items[:max]
		next = base64.RawURLEncoding.EncodeToString([]byte(name(items[len(items)-1])))
	}
	return items, next, nil
}

type filter struct {
	Key    string
	Option *string
	Values []string
}

type byPathIn struct {
	Path             string
	Recursive        *bool
	ParameterFilters []filter
	WithDecryption   *bool
	MaxResults       *int
	NextToken        *string
}

type byPathOut struct {
	Parameters []parameterOut
	NextToken  string `json:",omitempty"`
}

// check validates the input as AWS does before authorizing; it returns
// the page size.
func (in *byPathIn) check() (int, error) {
	max := 10
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return 0, awserr.SSMValidation.Errorf("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 10", *in.MaxResults)
		}
		max = *in.MaxResults
	}
	path := in.Path
	if !strings.HasPrefix(path, "/") || len(path) > 2048 || !nameCharsRE.MatchString(path) {
		return 0, awserr.SSMValidation.New("The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	for _, f := range in.ParameterFilters {
		if f.Key == "Name" || f.Key == "Path" {
			return 0, awserr.SSMInvalidFilterKey.Errorf("The following filter key is not valid: %s. Valid filter keys include: [Type, KeyId, Label].", f.Key)
		}
	}
	return max, nil
}

// byPathTarget is GetParametersByPath's resource: the path's ARN (the
// root path "/" is parameter/).
func (q *request) byPathTarget(in *byPathIn) (pipeline.Target, error) {
	if _, err := in.check(); err != nil {
		return pipeline.Target{}, err
	}
	name := strings.TrimSuffix(in.Path, "/")
	if in.Path == "/" {
		name = "/"
	}
	return pipeline.Target{Resources: []string{q.s.paramARN(q, name)}}, nil
}

func (q *request) getParametersByPath(in *byPathIn) (*byPathOut, error) {
	s := q.s
	max, err := in.check()
	if err != nil {
		return nil, err
	}
	path := in.Path
	prefix := path
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	all, err := s.listParams(q, prefix)
	if err != nil {
		return nil, err
	}
	recursive := in.Recursive != nil && *in.Recursive
	var match []*param
	for _, p := range all {
		if !recursive && strings.Contains(p.Name[len(prefix):], "/") {
			continue
		}
		ok, err := matchFilters(p, in.ParameterFilters)
		if err != nil {
			return nil, err
		}
		if ok {
			match = append(match, p)
		}
	}
	pg, next, err := page(match, func(p *param) string { return p.Name }, in.NextToken, max)
	if err != nil {
		return nil, err
	}
	out := &byPathOut{Parameters: []parameterOut{}, NextToken: next}
	for _, p := range pg {
		po, err := s.render(q, p, p.current(), in.WithDecryption != nil && *in.WithDecryption, "")
		if err != nil {
			return nil, err
		}
		out.Parameters = append(out.Parameters, po)
	}
	return out, nil
}

// matchFilters applies ParameterFilters (Name, Type, KeyId, Path, Tier,
// DataType, tag:KEY) as DescribeParameters and GetParametersByPath do.
func matchFilters(p *param, fs []filter) (bool, error) {
	v := p.current()
	for _, f := range fs {
		opt := "Equals"
		if f.Option != nil {
			opt = *f.Option
		}
		var field string
		switch {
		case f.Key == "Name":
			field = p.Name
		case f.Key == "Type":
			field = v.Type
		case f.Key == "KeyId":
			field = v.KeyID
		case f.Key == "Tier":
			field = v.Tier
		case f.Key == "DataType":
			field = v.DataType
		case f.Key == "Path":
			if opt == "Equals" && f.Option == nil {
				opt = "OneLevel"
			}
			if opt != "Recursive" && opt != "OneLevel" {
				return false, awserr.SSMInvalidFilterOption.Errorf("The following filter option is not valid: %s. Valid options include: [Recursive, OneLevel].", opt)
			}
			ok := false
			for _, path := range f.Values {
				pre := strings.TrimSuffix(path, "/") + "/"
				if strings.HasPrefix(p.Name, pre) && (opt == "Recursive" || !strings.Contains(p.Name[len(pre):], "/")) {
					ok = true
				}
			}
			if !ok {
				return false, nil
			}
			continue
		case strings.HasPrefix(f.Key, "tag:"):
			k := strings.TrimPrefix(f.Key, "tag:")
			ok := false
			for _, t := range p.Tags {
				if t.Key == k && (len(f.Values) == 0 || contains(f.Values, t.Value)) {
					ok = true
				}
			}
			if !ok {
				return false, nil
			}
			continue
		default:
			return false, awserr.SSMInvalidFilterKey.Errorf("The following filter key is not valid: %s. Valid filter keys include: [Type, KeyId, Name, Path, Tier, DataType, Label, tag:].", clip(f.Key))
		}
		ok := false
		for _, want := range f.Values {
			switch opt {
			case "Equals":
				ok = ok || field == want
			case "BeginsWith":
				ok = ok || strings.HasPrefix(field, want)
			case "Contains":
				ok = ok || strings.Contains(field, want)
			default:
				return false, awserr.SSMInvalidFilterOption.Errorf("The following filter option is not valid: %s. Valid options include: [BeginsWith, Equals, Contains].", clip(opt))
			}
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

type historyIn struct {
	Name           string
	WithDecryption *bool
	MaxResults     *int
	NextToken      *string
}

type hist struct {
	Name             string
	Type             string
	KeyId            string `json:",omitempty"`
	LastModifiedDate float64
	LastModifiedUser string
	Description      string `json:",omitempty"`
	Value            string
	AllowedPattern   string `json:",omitempty"`
	Version          int64
	Labels           []string
	Tier             string
	Policies         []any
	DataType         string
}

type historyOut struct {
	Parameters []hist
	NextToken  string `json:",omitempty"`
}

func (q *request) getParameterHistory(in *historyIn) (*historyOut, error) {
	s := q.s
	name, _, err := resolveName(q, in.Name)
	if err != nil {
		return nil, err
	}
	p, err := s.load(q.r.Context(), q, name)
	if err != nil {
		return nil, err
	}
	if err := q.authorize("ssm:GetParameterHistory", s.paramARN(q, name), resourceTags(p)); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, awserr.SSMParameterNotFound.New("")
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, awserr.SSMValidation.New("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50")
		}
		max = *in.MaxResults
	}
	start := 0
	if in.NextToken != nil && *in.NextToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 || n > len(p.Versions) {
			return nil, awserr.SSMInvalidNextToken.New("")
		}
		start = n
	}
	out := &historyOut{Parameters: []hist{}}
	end := min(start+max, len(p.Versions))
	for i := start; i < end; i++ {
		v := &p.Versions[i]
		po, err := s.render(q, p, v, in.WithDecryption != nil && *in.WithDecryption, "")
		if err != nil {
			return nil, err
		}
		labels := v.Labels
		if labels == nil {
			labels = []string{}
		}
		out.Parameters = append(out.Parameters, hist{Name: p.Name, Type: v.Type, KeyId: v.KeyID, LastModifiedDate: epoch(v.LastModified),
			LastModifiedUser: v.LastModifiedUser, Description: v.Description, Value: po.Value, AllowedPattern: v.AllowedPattern,
			Version: v.Version, Labels: labels, Tier: v.Tier, Policies: []any{}, DataType: v.DataType})
	}
	if end < len(p.Versions) {
		out.NextToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return out, nil
}

type deleteIn struct{ Name string }

// empty is the output of an operation that answers {}.
type empty struct{}

func (q *request) deleteParameter(in *deleteIn) (*empty, error) {
	s := q.s
	name, ver, err := resolveName(q, in.Name)
	if err != nil || ver != 0 {
		return nil, awserr.SSMParameterNotFound.New("")
	}
	p, err := s.load(q.r.Context(), q, name)
	if err != nil {
		return nil, err
	}
	if err := q.authorize("ssm:DeleteParameter", s.paramARN(q, name), resourceTags(p)); err != nil {
		return nil, err
	}
	_, err = s.cfg.Store.Update(q.r.Context(), func(tx store.Tx) error {
		err := tx.Delete(kindParam, recordKey(q.caller.AccountID, q.region, name))
		if errors.Is(err, store.ErrNotFound) {
			return awserr.SSMParameterNotFound.New("")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type deleteManyIn struct{ Names []string }

type deleteManyOut struct {
	DeletedParameters []string
	InvalidParameters []string
}

func (q *request) deleteParameters(in *deleteManyIn) (*deleteManyOut, error) {
	s := q.s
	if len(in.Names) < 1 || len(in.Names) > 10 {
		return nil, awserr.SSMValidation.New("1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	out := &deleteManyOut{DeletedParameters: []string{}, InvalidParameters: []string{}}
	for _, n := range in.Names {
		name, ver, err := resolveName(q, n)
		if err != nil || ver != 0 {
			out.InvalidParameters = append(out.InvalidParameters, n)
			continue
		}
		p, err := s.load(q.r.Context(), q, name)
		if err != nil {
			return nil, err
		}
		if err := q.authorize("ssm:DeleteParameters", s.paramARN(q, name), resourceTags(p)); err != nil {
			return nil, err
		}
		deleted := false
		_, err = s.cfg.Store.Update(q.r.Context(), func(tx store.Tx) error {
			err := tx.Delete(kindParam, recordKey(q.caller.AccountID, q.region, name))
			if errors.Is(err, store.ErrNotFound) {
				deleted = false
				return nil
			}
			deleted = err == nil
			return err
		})
		if err != nil {
			return nil, err
		}
		if deleted {
			out.DeletedParameters = append(out.DeletedParameters, n)
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}

type describeIn struct {
	Filters []struct {
		Key    string
		Values []string
	}
	ParameterFilters []filter
	MaxResults       *int
	NextToken        *string
	Shared           *bool
}

type meta struct {
	Name             string
	ARN              string
	Type             string
	KeyId            string `json:",omitempty"`
	LastModifiedDate float64
	LastModifiedUser string
	Description      string `json:",omitempty"`
	AllowedPattern   string `json:",omitempty"`
	Version          int64
	Tier             string
	Policies         []any
	DataType         string
}

type describeOut struct {
	Parameters []meta
	NextToken  string `json:",omitempty"`
}

// check validates the input as AWS does before authorizing; it returns
// the filters and the page size.
func (in *describeIn) check() ([]filter, int, error) {
	if len(in.Filters) > 0 && len(in.ParameterFilters) > 0 {
		return nil, 0, awserr.SSMValidation.New("You can use either Filters or ParameterFilters in a single request.")
	}
	fs := in.ParameterFilters
	for _, f := range in.Filters {
		if f.Key != "Name" && f.Key != "Type" && f.Key != "KeyId" {
			return nil, 0, awserr.SSMInvalidFilterKey.Errorf("The following filter key is not valid: %s.", clip(f.Key))
		}
		fs = append(fs, filter{Key: f.Key, Values: f.Values})
	}
	max := 50
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 50 {
			return nil, 0, awserr.SSMValidation.New("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50")
		}
		max = *in.MaxResults
	}
	return fs, max, nil
}

// describeTarget: DescribeParameters has no resource type ("*").
func (q *request) describeTarget(in *describeIn) (pipeline.Target, error) {
	if _, _, err := in.check(); err != nil {
		return pipeline.Target{}, err
	}
	return pipeline.Target{Resources: []string{"*"}}, nil
}

func (q *request) describeParameters(in *describeIn) (*describeOut, error) {
	s := q.s
	fs, max, err := in.check()
	if err != nil {
		return nil, err
	}
	all, err := s.listParams(q, "")
	if err != nil {
		return nil, err
	}
	var match []*param
	for _, p := range all {
		ok, err := matchFilters(p, fs)
		if err != nil {
			return nil, err
		}
		if ok {
			match = append(match, p)
		}
	}
	pg, next, err := page(match, func(p *param) string { return p.Name }, in.NextToken, max)
	if err != nil {
		return nil, err
	}
	out := &describeOut{Parameters: []meta{}, NextToken: next}
	for _, p := range pg {
		v := p.current()
		out.Parameters = append(out.Parameters, meta{Name: p.Name, ARN: s.paramARN(q, p.Name), Type: v.Type, KeyId: v.KeyID,
			LastModifiedDate: epoch(v.LastModified), LastModifiedUser: v.LastModifiedUser, Description: v.Description,
			AllowedPattern: v.AllowedPattern, Version: v.Version, Tier: v.Tier, Policies: []any{}, DataType: v.DataType})
	}
	return out, nil
}

// tagTarget resolves AddTagsToResource & co.'s ResourceType/ResourceId: only
// parameters are served.
func (s *Service) tagTarget(q *request, typ, id string) (string, error) {
	if typ != "Parameter" {
		return "", awserr.SSMValidation.Errorf("gatehouse serves tags of parameters only (ResourceType Parameter), not %s", clip(typ))
	}
	name, ver, err := resolveName(q, id)
	if err != nil || ver != 0 {
		return "", awserr.SSMValidation.New("The resource ID is not valid. Verify the ID and try again.")
	}
	return name, nil
}

func (s *Service) updateTags(q *request, name string, fn func(p *param) error) error {
	_, err := s.cfg.Store.Update(q.r.Context(), func(tx store.Tx) error {
		key := recordKey(q.caller.AccountID, q.region, name)
		rec, err := tx.Get(kindParam, key)
		if errors.Is(err, store.ErrNotFound) {
			return awserr.SSMValidation.New("The resource ID is not valid. Verify the ID and try again.")
		}
		if err != nil {
			return err
		}
		var p param
		if err := json.Unmarshal(rec.Value, &p); err != nil {
			return awserr.SSMInternalServerError.New("").WithCause(err)
		}
		if err := fn(&p); err != nil {
			return err
		}
		b, err := json.Marshal(&p)
		if err != nil {
			return err
		}
		return tx.Put(kindParam, key, b)
	})
	return err
}

type addTagsIn struct {
	ResourceType string
	ResourceId   string
	Tags         []tag
}

func (q *request) addTags(in *addTagsIn) (*empty, error) {
	s := q.s
	name, err := s.tagTarget(q, in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	tags, err := checkTags(in.Tags)
	if err != nil {
		return nil, err
	}
	p, err := s.load(q.r.Context(), q, name)
	if err != nil {
		return nil, err
	}
	rt := resourceTags(p)
	if err := q.authorize("ssm:AddTagsToResource", s.paramARN(q, name), func(c *policy.Context) {
		pipeline.RequestTags(c, tags)
		if rt != nil {
			rt(c)
		}
	}); err != nil {
		return nil, err
	}
	err = s.updateTags(q, name, func(p *param) error {
		for _, t := range tags {
			found := false
			for i := range p.Tags {
				if p.Tags[i].Key == t.Key {
					p.Tags[i].Value, found = t.Value, true
				}
			}
			if !found {
				p.Tags = append(p.Tags, tag{t.Key, t.Value})
			}
		}
		if len(p.Tags) > 50 {
			return awserr.SSMValidation.New("Too many tags: a resource can have at most 50 tags")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type removeTagsIn struct {
	ResourceType string
	ResourceId   string
	TagKeys      []string
}

func (q *request) removeTags(in *removeTagsIn) (*empty, error) {
	s := q.s
	name, err := s.tagTarget(q, in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	p, err := s.load(q.r.Context(), q, name)
	if err != nil {
		return nil, err
	}
	rt := resourceTags(p)
	if err := q.authorize("ssm:RemoveTagsFromResource", s.paramARN(q, name), func(c *policy.Context) {
		pipeline.TagKeys(c, in.TagKeys)
		if rt != nil {
			rt(c)
		}
	}); err != nil {
		return nil, err
	}
	err = s.updateTags(q, name, func(p *param) error {
		var keep []tag
		for _, t := range p.Tags {
			if !contains(in.TagKeys, t.Key) {
				keep = append(keep, t)
			}
		}
		p.Tags = keep
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type listTagsIn struct {
	ResourceType string
	ResourceId   string
}

type listTagsOut struct{ TagList []tag }

// listTagsTarget: ListTagsForResource is authorized on the parameter
// whether it exists or not, without its tags.
func (q *request) listTagsTarget(in *listTagsIn) (pipeline.Target, error) {
	name, err := q.s.tagTarget(q, in.ResourceType, in.ResourceId)
	if err != nil {
		return pipeline.Target{}, err
	}
	return pipeline.Target{Resources: []string{q.s.paramARN(q, name)}}, nil
}

func (q *request) listTags(in *listTagsIn) (*listTagsOut, error) {
	s := q.s
	name, err := s.tagTarget(q, in.ResourceType, in.ResourceId)
	if err != nil {
		return nil, err
	}
	p, err := s.load(q.r.Context(), q, name)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, awserr.SSMValidation.New("The resource ID is not valid. Verify the ID and try again.")
	}
	tags := p.Tags
	if tags == nil {
		tags = []tag{}
	}
	return &listTagsOut{tags}, nil
}
