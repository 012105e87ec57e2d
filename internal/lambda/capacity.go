package lambda

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Lambda Managed Instances (API version 2025-11-30): capacity providers
// and per-version function scaling configs. gatehouse runs functions on
// its own host, never on EC2 instances in a customer VPC, so both are
// bookkeeping for the tools that manage them: stored, validated against
// botocore's lambda model (1.43.11) and answered in AWS's shapes. A
// capacity provider is Active as soon as it is created. CreateFunction's
// CapacityProviderConfig is not stored, so no function version names a
// capacity provider and ListFunctionVersionsByCapacityProvider answers an
// empty list for one that exists.

const kindCapacityProvider = "lambda/capacity-provider"

var (
	cpNameRE      = regexp.MustCompile(`^[a-zA-Z0-9\-_]+$`)
	cpARNRE       = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(\d{12}):capacity-provider:([a-zA-Z0-9\-_]+)$`)
	instanceRE    = regexp.MustCompile(`^[a-zA-Z0-9.\-]+$`)
	kmsKeyARNRE   = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:[a-z0-9\-.]+:.*$`)
	errNoCPRecord = errors.New("no such capacity provider")
)

const cpNamePattern = `(arn:aws[a-zA-Z-]*:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:capacity-provider:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+`

type cpVpcConfig struct {
	SubnetIds        []string `json:"SubnetIds"`
	SecurityGroupIds []string `json:"SecurityGroupIds"`
}

type cpPermissions struct {
	CapacityProviderOperatorRoleArn string `json:"CapacityProviderOperatorRoleArn"`
}

type cpInstanceRequirements struct {
	Architectures         []string `json:"Architectures,omitempty"`
	AllowedInstanceTypes  []string `json:"AllowedInstanceTypes,omitempty"`
	ExcludedInstanceTypes []string `json:"ExcludedInstanceTypes,omitempty"`
}

type cpScalingPolicy struct {
	PredefinedMetricType string   `json:"PredefinedMetricType"`
	TargetValue          *float64 `json:"TargetValue"`
}

type cpScalingConfig struct {
	MaxVCpuCount    *int              `json:"MaxVCpuCount,omitempty"`
	ScalingMode     string            `json:"ScalingMode,omitempty"`
	ScalingPolicies []cpScalingPolicy `json:"ScalingPolicies,omitempty"`
}

// capacityProvider is the CapacityProvider shape, stored as answered,
// with its tags beside it.
type capacityProvider struct {
	CapacityProviderArn           string                  `json:"CapacityProviderArn"`
	State                         string                  `json:"State"`
	VpcConfig                     *cpVpcConfig            `json:"VpcConfig"`
	PermissionsConfig             *cpPermissions          `json:"PermissionsConfig"`
	InstanceRequirements          *cpInstanceRequirements `json:"InstanceRequirements,omitempty"`
	CapacityProviderScalingConfig *cpScalingConfig        `json:"CapacityProviderScalingConfig,omitempty"`
	KmsKeyArn                     string                  `json:"KmsKeyArn,omitempty"`
	LastModified                  string                  `json:"LastModified"`
}

type cpRecord struct {
	Provider capacityProvider  `json:"provider"`
	Tags     map[string]string `json:"tags,omitempty"`
}

type cpInput struct {
	CapacityProviderName          *string                 `json:"CapacityProviderName"`
	VpcConfig                     *cpVpcConfig            `json:"VpcConfig"`
	PermissionsConfig             *cpPermissions          `json:"PermissionsConfig"`
	InstanceRequirements          *cpInstanceRequirements `json:"InstanceRequirements"`
	CapacityProviderScalingConfig *cpScalingConfig        `json:"CapacityProviderScalingConfig"`
	KmsKeyArn                     *string                 `json:"KmsKeyArn"`
	Tags                          map[string]string       `json:"Tags"`
}

func listValue(xs []string) string { return "[" + strings.Join(xs, ", ") + "]" }

// checkCPScaling validates a CapacityProviderScalingConfig (model limits).
func checkCPScaling(v *validation, c *cpScalingConfig) {
	if c == nil {
		return
	}
	if n := c.MaxVCpuCount; n != nil {
		if *n < 2 {
			v.add(fmt.Sprint(*n), "capacityProviderScalingConfig.maxVCpuCount", "Member must have value greater than or equal to 2")
		} else if *n > 15000 {
			v.add(fmt.Sprint(*n), "capacityProviderScalingConfig.maxVCpuCount", "Member must have value less than or equal to 15000")
		}
	}
	if c.ScalingMode != "" && c.ScalingMode != "Auto" && c.ScalingMode != "Manual" {
		v.add(c.ScalingMode, "capacityProviderScalingConfig.scalingMode", "Member must satisfy enum value set: [Auto, Manual]")
	}
	if c.ScalingPolicies != nil {
		if n := len(c.ScalingPolicies); n < 1 {
			v.add("[]", "capacityProviderScalingConfig.scalingPolicies", "Member must have length greater than or equal to 1")
		} else if n > 10 {
			v.add(fmt.Sprintf("%d items", n), "capacityProviderScalingConfig.scalingPolicies", "Member must have length less than or equal to 10")
		}
		for _, p := range c.ScalingPolicies {
			if p.PredefinedMetricType != "LambdaCapacityProviderAverageCPUUtilization" {
				if p.PredefinedMetricType == "" {
					v.nullAt("capacityProviderScalingConfig.scalingPolicies.member.predefinedMetricType")
				} else {
					v.add(p.PredefinedMetricType, "capacityProviderScalingConfig.scalingPolicies.member.predefinedMetricType", "Member must satisfy enum value set: [LambdaCapacityProviderAverageCPUUtilization]")
				}
			}
			switch t := p.TargetValue; {
			case t == nil:
				v.nullAt("capacityProviderScalingConfig.scalingPolicies.member.targetValue")
			case *t < 0:
				v.add(fmt.Sprint(*t), "capacityProviderScalingConfig.scalingPolicies.member.targetValue", "Member must have value greater than or equal to 0")
			case *t > 100:
				v.add(fmt.Sprint(*t), "capacityProviderScalingConfig.scalingPolicies.member.targetValue", "Member must have value less than or equal to 100")
			}
		}
	}
}

func checkCPCreate(in *cpInput) error {
	var v validation
	if in.CapacityProviderName == nil {
		v.nullAt("capacityProviderName")
	}
	switch c := in.VpcConfig; {
	case c == nil:
		v.nullAt("vpcConfig")
	default:
		switch n := len(c.SubnetIds); {
		case c.SubnetIds == nil:
			v.nullAt("vpcConfig.subnetIds")
		case n < 1:
			v.add("[]", "vpcConfig.subnetIds", "Member must have length greater than or equal to 1")
		case n > 16:
			v.add(listValue(c.SubnetIds), "vpcConfig.subnetIds", "Member must have length less than or equal to 16")
		}
		if c.SecurityGroupIds == nil {
			v.nullAt("vpcConfig.securityGroupIds")
		} else if len(c.SecurityGroupIds) > 5 {
			v.add(listValue(c.SecurityGroupIds), "vpcConfig.securityGroupIds", "Member must have length less than or equal to 5")
		}
	}
	switch p := in.PermissionsConfig; {
	case p == nil:
		v.nullAt("permissionsConfig")
	case p.CapacityProviderOperatorRoleArn == "":
		v.nullAt("permissionsConfig.capacityProviderOperatorRoleArn")
	case !roleRE.MatchString(p.CapacityProviderOperatorRoleArn):
		v.add(p.CapacityProviderOperatorRoleArn, "permissionsConfig.capacityProviderOperatorRoleArn", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`)
	}
	if r := in.InstanceRequirements; r != nil {
		if r.Architectures != nil {
			if len(r.Architectures) != 1 {
				v.add(listValue(r.Architectures), "instanceRequirements.architectures", fmt.Sprintf("Member must have length %s to 1", map[bool]string{true: "greater than or equal", false: "less than or equal"}[len(r.Architectures) == 0]))
			} else if a := r.Architectures[0]; a != "x86_64" && a != "arm64" {
				v.add(listValue(r.Architectures), "instanceRequirements.architectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
			}
		}
		for member, xs := range map[string][]string{"instanceRequirements.allowedInstanceTypes": r.AllowedInstanceTypes, "instanceRequirements.excludedInstanceTypes": r.ExcludedInstanceTypes} {
			if len(xs) > 400 {
				v.add(fmt.Sprintf("%d items", len(xs)), member, "Member must have length less than or equal to 400")
				continue
			}
			for _, x := range xs {
				if len(x) < 1 || len(x) > 30 || !instanceRE.MatchString(x) {
					v.add(listValue(xs), member, `Member must satisfy constraint: [Member must have length less than or equal to 30, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [a-zA-Z0-9\.\-]+, Member must not be null]`)
					break
				}
			}
		}
	}
	checkCPScaling(&v, in.CapacityProviderScalingConfig)
	if k := in.KmsKeyArn; k != nil && (len(*k) > 10000 || *k != "" && !kmsKeyARNRE.MatchString(*k)) {
		v.add(*k, "kmsKeyArn", `Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*`)
	}
	return v.err()
}

// cpRef resolves a CapacityProviderName (a name, or an ARN of the
// caller's region) to its account, name and ARN.
// cpAuthorized resolves a capacity provider named in the path and
// authorizes action on its ARN: every operation on one provider starts so.
func (s *Service) cpAuthorized(q *request, raw, action string) (account, name, a string, err error) {
	if account, name, a, err = s.cpRef(q, raw); err != nil {
		return "", "", "", err
	}
	if err := s.authorize(q, action, a, nil, account); err != nil {
		return "", "", "", err
	}
	return account, name, a, nil
}

func (s *Service) cpRef(q *request, raw string) (account, name, a string, err error) {
	if len(raw) < 1 || len(raw) > 140 {
		return "", "", "", awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'capacityProviderName' failed to satisfy constraint: Member must have length %s", raw,
			map[bool]string{true: "greater than or equal to 1", false: "less than or equal to 140"}[raw == ""])
	}
	if m := cpARNRE.FindStringSubmatch(raw); m != nil {
		if m[1] != q.region {
			return "", "", "", errNoCP(raw)
		}
		return m[6], m[7], arn.CapacityProvider(q.region, m[6], m[7]), nil
	}
	if !cpNameRE.MatchString(raw) {
		return "", "", "", awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'capacityProviderName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", raw, cpNamePattern)
	}
	return q.caller.AccountID, raw, arn.CapacityProvider(q.region, q.caller.AccountID, raw), nil
}

func errNoCP(a string) error {
	return awserr.ResourceNotFoundException.Errorf("Capacity provider not found: %s", a)
}

func cpKey(account, region, name string) string { return account + "/" + region + "/" + name }

func (s *Service) getCPRecord(q *request, account, name string) (*cpRecord, error) {
	rec, err := s.store.Get(q.r.Context(), kindCapacityProvider, cpKey(account, q.region, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoCPRecord
	}
	if err != nil {
		return nil, err
	}
	var c cpRecord
	if err := json.Unmarshal(rec.Value, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (s *Service) createCapacityProvider(q *request, in *createCapacityProviderInput) (*CreateCapacityProviderOutput, error) {
	if err := checkCPCreate(&in.cpInput); err != nil {
		return nil, err
	}
	account, name, a, err := s.cpRef(q, *in.CapacityProviderName)
	if err != nil {
		return nil, err
	}
	tags := pipeline.TagsFromMap(in.Tags)
	if err := s.authorizeKeys(q, "lambda:CreateCapacityProvider", a, nil, account, func(c *policy.Context) { pipeline.RequestTags(c, tags) }); err != nil {
		return nil, err
	}
	if account != q.caller.AccountID {
		return nil, errNoCP(a)
	}
	rec := cpRecord{Provider: capacityProvider{CapacityProviderArn: a, State: "Active", VpcConfig: in.VpcConfig, PermissionsConfig: in.PermissionsConfig,
		InstanceRequirements: in.InstanceRequirements, CapacityProviderScalingConfig: in.CapacityProviderScalingConfig, LastModified: timestamp(s.now())}, Tags: in.Tags}
	if in.KmsKeyArn != nil {
		rec.Provider.KmsKeyArn = *in.KmsKeyArn
	}
	b, _ := json.Marshal(&rec)
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error {
		return tx.Create(kindCapacityProvider, cpKey(account, q.region, name), b)
	})
	if errors.Is(err, store.ErrExists) {
		return nil, awserr.ResourceConflictException.Errorf("Capacity provider already exists: %s", a)
	}
	if err != nil {
		return nil, err
	}
	return &CreateCapacityProviderOutput{CapacityProvider: &rec.Provider}, nil
}

func (s *Service) getCapacityProvider(q *request, in *getCapacityProviderInput) (*GetCapacityProviderOutput, error) {
	raw := in.CapacityProviderName
	account, name, a, err := s.cpAuthorized(q, raw, "lambda:GetCapacityProvider")
	if err != nil {
		return nil, err
	}
	c, err := s.getCPRecord(q, account, name)
	if errors.Is(err, errNoCPRecord) {
		return nil, errNoCP(a)
	}
	if err != nil {
		return nil, err
	}
	return &GetCapacityProviderOutput{CapacityProvider: &c.Provider}, nil
}

func (s *Service) updateCapacityProvider(q *request, in *updateCapacityProviderInput) (*UpdateCapacityProviderOutput, error) {
	raw := in.CapacityProviderName
	var v validation
	checkCPScaling(&v, in.CapacityProviderScalingConfig)
	if err := v.err(); err != nil {
		return nil, err
	}
	account, name, a, err := s.cpAuthorized(q, raw, "lambda:UpdateCapacityProvider")
	if err != nil {
		return nil, err
	}
	var out cpRecord
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error {
		rec, err := tx.Get(kindCapacityProvider, cpKey(account, q.region, name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoCP(a)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Value, &out); err != nil {
			return err
		}
		if in.CapacityProviderScalingConfig != nil {
			out.Provider.CapacityProviderScalingConfig = in.CapacityProviderScalingConfig
		}
		out.Provider.LastModified = timestamp(s.now())
		b, _ := json.Marshal(&out)
		return tx.Put(kindCapacityProvider, rec.Key, b)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateCapacityProviderOutput{CapacityProvider: &out.Provider}, nil
}

func (s *Service) deleteCapacityProvider(q *request, in *deleteCapacityProviderInput) (*DeleteCapacityProviderOutput, error) {
	raw := in.CapacityProviderName
	account, name, a, err := s.cpAuthorized(q, raw, "lambda:DeleteCapacityProvider")
	if err != nil {
		return nil, err
	}
	var out cpRecord
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error {
		key := cpKey(account, q.region, name)
		rec, err := tx.Get(kindCapacityProvider, key)
		if errors.Is(err, store.ErrNotFound) {
			return errNoCP(a)
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Value, &out); err != nil {
			return err
		}
		return tx.Delete(kindCapacityProvider, key)
	})
	if err != nil {
		return nil, err
	}
	// DeleteCapacityProvider answers 202 with the provider Deleting
	// (botocore: responseCode 202, State enum).
	out.Provider.State = "Deleting"
	return &DeleteCapacityProviderOutput{CapacityProvider: &out.Provider}, nil
}

// listCapacityProvidersInput is the input of ListCapacityProviders.
type listCapacityProvidersInput struct {
	pageInput
	State string `query:"State" json:"-"`
}

func (s *Service) listCapacityProviders(q *request, in *listCapacityProvidersInput) (*ListCapacityProvidersOutput, error) {
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	state := in.State
	switch state {
	case "", "Pending", "Active", "Failed", "Deleting":
	default:
		return nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [Pending, Active, Failed, Deleting]", state)
	}
	if err := s.authorize(q, "lambda:ListCapacityProviders", "*", nil, q.caller.AccountID); err != nil {
		return nil, err
	}
	recs, err := s.store.List(q.r.Context(), kindCapacityProvider, q.caller.AccountID+"/"+q.region+"/")
	if err != nil {
		return nil, err
	}
	items := []*capacityProvider{}
	var out ListCapacityProvidersOutput
	last := ""
	for _, rec := range recs {
		if pg.set && rec.Key <= pg.after {
			continue
		}
		var c cpRecord
		if json.Unmarshal(rec.Value, &c) != nil || state != "" && c.Provider.State != state {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(last)
			break
		}
		items = append(items, &c.Provider)
		last = rec.Key
	}
	out.CapacityProviders = items
	return &out, nil
}

func (s *Service) listFunctionVersionsByCP(q *request, in *listFunctionVersionsByCPInput) (*ListFunctionVersionsByCapacityProviderOutput, error) {
	raw := in.CapacityProviderName
	if _, err := parsePage(in.pageInput); err != nil {
		return nil, err
	}
	account, name, a, err := s.cpAuthorized(q, raw, "lambda:ListFunctionVersionsByCapacityProvider")
	if err != nil {
		return nil, err
	}
	if _, err := s.getCPRecord(q, account, name); errors.Is(err, errNoCPRecord) {
		return nil, errNoCP(a)
	} else if err != nil {
		return nil, err
	}
	// No stored function version names a capacity provider (see above).
	return &ListFunctionVersionsByCapacityProviderOutput{CapacityProviderArn: a, FunctionVersions: []any{}}, nil
}

// Function scaling configs (Get/PutFunctionScalingConfig): per published
// version, in the function's record (fnExtra.Scaling), so DeleteFunction
// removes them.

type scalingConfig struct {
	MinExecutionEnvironments *int `json:"MinExecutionEnvironments,omitempty"`
	MaxExecutionEnvironments *int `json:"MaxExecutionEnvironments,omitempty"`
}

var (
	scalingQualifierRE = regexp.MustCompile(`^(\$LATEST\.PUBLISHED|[0-9]+)$`)
	unqualifiedNameRE  = regexp.MustCompile(`^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9\-_]+)$`)
)

// scalingTarget validates FunctionName (unqualified) and the required
// Qualifier (a version number or $LATEST.PUBLISHED), then authorizes and
// finds the version.
func (s *Service) scalingTarget(q *request, raw, action string) (resolved, *entry, error) {
	var v validation
	if !unqualifiedNameRE.MatchString(raw) {
		v.add(raw, "functionName", `Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)`)
	}
	qv, ok := q.qualifier, q.qualifier != nil
	switch {
	case !ok:
		v.nullAt("qualifier")
	case len(qv) != 1 || !scalingQualifierRE.MatchString(qv[0]):
		v.add(strings.Join(qv, ","), "qualifier", `Member must satisfy regular expression pattern: (\$LATEST\.PUBLISHED|[0-9]+)`)
	}
	if err := v.err(); err != nil {
		return resolved{}, nil, err
	}
	res, err := s.resolveName(q, raw, false)
	if err != nil {
		return res, nil, err
	}
	res.qualifier = qv[0]
	if err := s.authorize(q, action, res.arn(), s.named(res), res.account); err != nil {
		return res, nil, err
	}
	// $LATEST.PUBLISHED is the version AWS publishes for a function on a
	// capacity provider; no gatehouse function has one.
	if res.qualifier == "$LATEST.PUBLISHED" {
		return res, nil, awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
	}
	e, err := s.lookup(res)
	return res, e, err
}

func (s *Service) putScaling(q *request, in *putScalingInput) (*PutFunctionScalingConfigOutput, error) {
	raw := in.FunctionName
	var v validation
	if c := in.FunctionScalingConfig; c != nil {
		for member, n := range map[string]*int{"functionScalingConfig.minExecutionEnvironments": c.MinExecutionEnvironments, "functionScalingConfig.maxExecutionEnvironments": c.MaxExecutionEnvironments} {
			if n != nil && *n < 0 {
				v.add(fmt.Sprint(*n), member, "Member must have value greater than or equal to 0")
			} else if n != nil && *n > 15000 {
				v.add(fmt.Sprint(*n), member, "Member must have value less than or equal to 15000")
			}
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	res, _, err := s.scalingTarget(q, raw, "lambda:PutFunctionScalingConfig")
	if err != nil {
		return nil, err
	}
	c := in.FunctionScalingConfig
	if c == nil {
		c = &scalingConfig{}
	}
	if _, err := s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		x := f.extra()
		if x.Scaling == nil {
			x.Scaling = map[string]*scalingConfig{}
		}
		x.Scaling[res.qualifier] = c
		return nil
	}); err != nil {
		return nil, err
	}
	return &PutFunctionScalingConfigOutput{FunctionState: "Active"}, nil
}

func (s *Service) getScaling(q *request, in *getScalingInput) (*GetFunctionScalingConfigOutput, error) {
	raw := in.FunctionName
	res, e, err := s.scalingTarget(q, raw, "lambda:GetFunctionScalingConfig")
	if err != nil {
		return nil, err
	}
	out := &GetFunctionScalingConfigOutput{FunctionArn: res.arn()}
	if x := e.base.fn.Extra; x != nil && x.Scaling[res.qualifier] != nil {
		// Applied at once: nothing is provisioned.
		out.RequestedFunctionScalingConfig = x.Scaling[res.qualifier]
		out.AppliedFunctionScalingConfig = x.Scaling[res.qualifier]
	}
	return out, nil
}

// Durable executions (API version 2025-12-01). gatehouse runs no durable
// functions, so no durable execution or callback exists: each operation
// validates its input as AWS's model does, authorizes the caller and
// answers ResourceNotFoundException (in every one of these operations'
// error lists in AWS's Smithy model), and ListDurableExecutionsByFunction
// answers an empty list for a function that exists.

var (
	durableARNRE = regexp.MustCompile(`^arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+):(\$LATEST(?:\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)$`)
	callbackIDRE = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)
	statusesSet  = map[string]bool{"RUNNING": true, "SUCCEEDED": true, "FAILED": true, "TIMED_OUT": true, "STOPPED": true}
)

const durableARNPattern = `arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+):(\$LATEST(?:\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)`

func errNoResource() error {
	return awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
}

// durableTarget validates a DurableExecutionArn and authorizes action on
// the function version it names (the resource AWS's actions for durable
// executions take), then answers that the execution does not exist.
func (s *Service) durableTarget(q *request, a, action string, v validation) error {
	if len(a) > 1024 || !durableARNRE.MatchString(a) {
		v = append(validation{"Value '" + a + "' at 'durableExecutionArn' failed to satisfy constraint: Member must satisfy regular expression pattern: " + durableARNPattern}, v...)
	}
	if err := v.err(); err != nil {
		return err
	}
	m := durableARNRE.FindStringSubmatch(a)
	if m[1] != arn.Partition || m[2] != q.region {
		return errNoResource()
	}
	res := resolved{account: m[3], region: m[2], name: m[4], qualifier: m[5]}
	if err := s.authorize(q, action, res.arn(), s.named(res), res.account); err != nil {
		return err
	}
	return errNoResource()
}

func checkpointToken(v *validation, tok *string, member string) {
	switch {
	case tok == nil:
		v.nullAt(member)
	case len(*tok) < 1 || len(*tok) > 2048 || !callbackIDRE.MatchString(*tok):
		v.add(*tok, member, "Member must satisfy regular expression pattern: [A-Za-z0-9+/]+={0,2}")
	}
}

func (s *Service) checkpointDurable(q *request, in *checkpointDurableInput) (*CheckpointDurableExecutionOutput, error) {
	a := in.DurableExecutionArn
	var v validation
	checkpointToken(&v, in.CheckpointToken, "checkpointToken")
	return nil, s.durableTarget(q, a, "lambda:CheckpointDurableExecution", v)
}

func (s *Service) durableState(q *request, in *durableStateInput) (*GetDurableExecutionStateOutput, error) {
	a := in.DurableExecutionArn
	var v validation
	var tok *string
	if t := in.CheckpointToken; len(t) > 0 {
		tok = &t[0]
	}
	checkpointToken(&v, tok, "checkpointToken")
	if err := durableMaxItems(in.MaxItems, &v); err != nil {
		return nil, err
	}
	return nil, s.durableTarget(q, a, "lambda:GetDurableExecutionState", v)
}

func durableMaxItems(m string, v *validation) error {
	if m != "" {
		var n int
		if _, err := fmt.Sscan(m, &n); err != nil || fmt.Sprint(n) != m {
			return awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be an integer", m)
		}
		if n < 0 {
			v.add(m, "maxItems", "Member must have value greater than or equal to 0")
		} else if n > 1000 {
			v.add(m, "maxItems", "Member must have value less than or equal to 1000")
		}
	}
	return nil
}

// durableGetInput is the input of GetDurableExecution and
// GetDurableExecutionHistory.
type durableGetInput struct {
	DurableExecutionArn string `uri:"DurableExecutionArn" json:"-"`
	MaxItems            string `query:"MaxItems" json:"-"`
}

func (s *Service) getDurable(q *request, in *durableGetInput) (*GetDurableExecutionOutput, error) {
	return nil, s.durableGet(q, in, "lambda:GetDurableExecution")
}

func (s *Service) getDurableHistory(q *request, in *durableGetInput) (*GetDurableExecutionHistoryOutput, error) {
	return nil, s.durableGet(q, in, "lambda:GetDurableExecutionHistory")
}

func (s *Service) durableGet(q *request, in *durableGetInput, action string) error {
	var v validation
	if err := durableMaxItems(in.MaxItems, &v); err != nil {
		return err
	}
	return s.durableTarget(q, in.DurableExecutionArn, action, v)
}

func (s *Service) stopDurable(q *request, in *stopDurableInput) (*StopDurableExecutionOutput, error) {
	a := in.DurableExecutionArn
	return nil, s.durableTarget(q, a, "lambda:StopDurableExecution", nil)
}

// callbackInput is the input of SendDurableExecutionCallbackHeartbeat.
type callbackInput struct {
	CallbackId string `uri:"CallbackId" json:"-"`
}

// callbackSuccessInput is SendDurableExecutionCallbackSuccess's: the body
// is the Result blob.
type callbackSuccessInput struct {
	CallbackId string `uri:"CallbackId" json:"-"`
	Result     []byte `payload:"" json:"-"`
}

// callbackFailureInput is SendDurableExecutionCallbackFailure's: the body
// is the Error object, any JSON object (its members are not read).
type callbackFailureInput struct {
	CallbackId   string          `uri:"CallbackId" json:"-"`
	ErrorMessage json.RawMessage `json:"ErrorMessage"`
	ErrorType    json.RawMessage `json:"ErrorType"`
	ErrorData    json.RawMessage `json:"ErrorData"`
	StackTrace   json.RawMessage `json:"StackTrace"`
}

func (s *Service) callbackSuccess(q *request, in *callbackSuccessInput) (*SendDurableExecutionCallbackSuccessOutput, error) {
	if len(in.Result) > 262144 {
		return nil, awserr.ValidationException.New("1 validation error detected: Value at 'result' failed to satisfy constraint: Member must have length less than or equal to 262144")
	}
	return nil, s.sendCallback(q, in.CallbackId, "lambda:SendDurableExecutionCallbackSuccess")
}

func (s *Service) callbackFailure(q *request, in *callbackFailureInput) (*SendDurableExecutionCallbackFailureOutput, error) {
	return nil, s.sendCallback(q, in.CallbackId, "lambda:SendDurableExecutionCallbackFailure")
}

func (s *Service) callbackHeartbeat(q *request, in *callbackInput) (*SendDurableExecutionCallbackHeartbeatOutput, error) {
	return nil, s.sendCallback(q, in.CallbackId, "lambda:SendDurableExecutionCallbackHeartbeat")
}

// sendCallback serves SendDurableExecutionCallback{Success,Failure,
// Heartbeat}: a callback ID names no resource ARN, so the action is
// authorized on "*", and no callback exists.
func (s *Service) sendCallback(q *request, id, action string) error {
	if len(id) < 1 || len(id) > 1024 || !callbackIDRE.MatchString(id) {
		return awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'callbackId' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9+/]+={0,2}", id)
	}
	if err := s.authorize(q, action, "*", nil, q.caller.AccountID); err != nil {
		return err
	}
	return errNoResource()
}

func (s *Service) listDurable(q *request, in *listDurableInput) (*ListDurableExecutionsByFunctionOutput, error) {
	raw := in.FunctionName
	var v validation
	for _, st := range in.Statuses {
		if !statusesSet[st] {
			v.add("["+strings.Join(in.Statuses, ", ")+"]", "statuses", "Member must satisfy constraint: [Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, STOPPED], Member must not be null]")
			break
		}
	}
	if n := len(in.Statuses); n > 10 {
		v.add("["+strings.Join(in.Statuses, ", ")+"]", "statuses", "Member must have length less than or equal to 10")
	}
	if name := in.DurableExecutionName; name != nil && (len(name[0]) < 1 || len(name[0]) > 64 || !aliasCharsRE.MatchString(name[0])) {
		v.add(name[0], "durableExecutionName", "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+")
	}
	if err := durableMaxItems(in.MaxItems, &v); err != nil {
		return nil, err
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, _, err := s.find(q, raw, "lambda:ListDurableExecutionsByFunction"); err != nil {
		return nil, err
	}
	return &ListDurableExecutionsByFunctionOutput{DurableExecutions: []any{}}, nil
}

var aliasCharsRE = regexp.MustCompile(`^[a-zA-Z0-9\-_]+$`)

// createCapacityProviderInput is the input of createCapacityProvider.
type createCapacityProviderInput struct {
	cpInput
}

// getCapacityProviderInput is the input of getCapacityProvider.
type getCapacityProviderInput struct {
	CapacityProviderName string `uri:"CapacityProviderName" json:"-"`
}

// updateCapacityProviderInput is the input of updateCapacityProvider.
type updateCapacityProviderInput struct {
	CapacityProviderName          string           `uri:"CapacityProviderName" json:"-"`
	CapacityProviderScalingConfig *cpScalingConfig `json:"CapacityProviderScalingConfig"`
}

// deleteCapacityProviderInput is the input of deleteCapacityProvider.
type deleteCapacityProviderInput struct {
	CapacityProviderName string `uri:"CapacityProviderName" json:"-"`
}

// listFunctionVersionsByCPInput is the input of listFunctionVersionsByCP.
type listFunctionVersionsByCPInput struct {
	CapacityProviderName string `uri:"CapacityProviderName" json:"-"`
	pageInput
}

// putScalingInput is the input of putScaling.
type putScalingInput struct {
	fnInput
	FunctionScalingConfig *scalingConfig `json:"FunctionScalingConfig"`
}

// getScalingInput is the input of getScaling.
type getScalingInput struct {
	fnInput
}

// checkpointDurableInput is the input of checkpointDurable.
type checkpointDurableInput struct {
	DurableExecutionArn string  `uri:"DurableExecutionArn" json:"-"`
	CheckpointToken     *string `json:"CheckpointToken"`
}

// durableStateInput is the input of durableState.
type durableStateInput struct {
	DurableExecutionArn string   `uri:"DurableExecutionArn" json:"-"`
	CheckpointToken     []string `query:"CheckpointToken" json:"-"`
	MaxItems            string   `query:"MaxItems" json:"-"`
}

// stopDurableInput is the input of stopDurable.
type stopDurableInput struct {
	DurableExecutionArn string          `uri:"DurableExecutionArn" json:"-"`
	Error               json.RawMessage `json:"Error"`
}

// listDurableInput is the input of listDurable.
type listDurableInput struct {
	fnInput
	Statuses             []string `query:"Statuses" json:"-"`
	DurableExecutionName []string `query:"DurableExecutionName" json:"-"`
	MaxItems             string   `query:"MaxItems" json:"-"`
}
