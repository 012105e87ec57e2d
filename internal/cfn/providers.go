package cfn

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsapigw "github.com/aws/aws-sdk-go-v2/service/apigateway"
	apigwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
)

// Artifacts reads deployment artifacts (S3 objects: function code, a
// TemplateURL's template) with the stack's credentials. The default reads
// them from the S3 API at gatehouse's own endpoint (artifacts.go).
type Artifacts interface {
	Get(ctx context.Context, creds Credentials, bucket, key, version string) ([]byte, error)
}

// resCtx is what a provider knows of the resource it acts on.
type resCtx struct {
	Stack, StackID, Logical, Region, Account string
	// Type is the resource's type (a custom resource's ResourceType).
	Type string
}

// result is a created resource: its physical id (what Ref returns) and
// its Fn::GetAtt attributes.
type result struct {
	PhysicalID string
	Attributes map[string]any
}

// provider acts for one resource type. update nil: every change replaces
// the resource. replaceOn lists properties whose change replaces it even
// when update is set; names lists the property that names it (a custom
// name cannot be replaced in place).
type provider struct {
	create    func(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error)
	update    func(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error)
	delete    func(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error
	replaceOn []string
	name      string
}

// providers are the resource types gatehouse deploys.
var providers map[string]provider

func init() {
	providers = map[string]provider{
		"AWS::IAM::Role":          {create: createRole, update: updateRole, delete: deleteRole, replaceOn: []string{"RoleName", "Path"}, name: "RoleName"},
		"AWS::IAM::Policy":        {create: createInlinePolicy, update: updateInlinePolicy, delete: deleteInlinePolicy},
		"AWS::IAM::ManagedPolicy": {create: createManagedPolicy, update: updateManagedPolicy, delete: deleteManagedPolicy, replaceOn: []string{"ManagedPolicyName", "Path"}, name: "ManagedPolicyName"},
		"AWS::IAM::User":          {create: createUser, delete: deleteUser, name: "UserName"},
		"AWS::IAM::AccessKey":     {create: createAccessKey, delete: deleteAccessKey},
		"AWS::IAM::InstanceProfile": {create: createInstanceProfile, update: updateInstanceProfile, delete: deleteInstanceProfile,
			replaceOn: []string{"InstanceProfileName", "Path"}, name: "InstanceProfileName"},
		"AWS::Lambda::Function":       {create: createFunction, update: updateFunction, delete: deleteFunction, replaceOn: []string{"FunctionName"}, name: "FunctionName"},
		"AWS::Lambda::Permission":     {create: createPermission, delete: deletePermission},
		"AWS::Lambda::Version":        {create: createVersion, delete: deleteVersion},
		"AWS::ApiGateway::RestApi":    {create: createRestAPI, update: updateRestAPI, delete: deleteRestAPI},
		"AWS::ApiGateway::Deployment": {create: createDeployment, delete: deleteDeployment},
		"AWS::ApiGateway::Stage":      {create: createStage, update: updateStage, delete: deleteStage, replaceOn: []string{"RestApiId", "StageName"}},
		"AWS::ApiGateway::Resource":   {create: createAPIResource, delete: deleteAPIResource},
		"AWS::ApiGateway::Method":     {create: createMethod, delete: deleteMethod},
		// Resources that exist only in the stack: the CDK's metadata
		// record and a wait condition handle (no wait conditions yet).
		"AWS::CDK::Metadata":                       {create: createRecordOnly, update: updateRecordOnly, delete: deleteRecordOnly},
		"AWS::CloudFormation::WaitConditionHandle": {create: createRecordOnly, delete: deleteRecordOnly},
	}
}

func createRecordOnly(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	return result{PhysicalID: rc.StackID + "/" + newUUID()}, nil
}

func updateRecordOnly(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	return result{PhysicalID: old.PhysicalID}, nil
}

func deleteRecordOnly(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	return nil
}

// Property readers. A property of the wrong type is the resource's
// validation failure, in the words CloudFormation's schema check uses.

func pstr(p map[string]any, k string) (string, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := tmpl.String(v)
	if !ok {
		return "", propErr(k, "string")
	}
	return s, nil
}

func preq(p map[string]any, k string) (string, error) {
	s, err := pstr(p, k)
	if err == nil && s == "" {
		err = errf("Properties validation failed for resource with message: #: required key [%s] not found", k)
	}
	return s, err
}

func propErr(k, typ string) error {
	return errf("Properties validation failed for resource with message: #/%s: expected type: %s", k, typ)
}

func pstrs(p map[string]any, k string) ([]string, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, propErr(k, "JSONArray")
	}
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, ok := tmpl.String(x)
		if !ok {
			return nil, propErr(k, "String")
		}
		out = append(out, s)
	}
	return out, nil
}

func pint(p map[string]any, k string) (*int32, error) {
	s, err := pstr(p, k)
	if err != nil || s == "" {
		return nil, err
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return nil, propErr(k, "Integer")
	}
	v := int32(n)
	return &v, nil
}

// pdoc reads a policy document: an object (marshalled) or a JSON string.
func pdoc(p map[string]any, k string) (string, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return "", nil
	}
	if s, ok := v.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", propErr(k, "JSONObject")
	}
	return string(b), nil
}

func pmap(p map[string]any, k string) (map[string]string, error) {
	v, ok := p[k]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, propErr(k, "JSONObject")
	}
	out := map[string]string{}
	for kk, vv := range m {
		s, ok := tmpl.String(vv)
		if !ok {
			return nil, propErr(k+"/"+kk, "String")
		}
		out[kk] = s
	}
	return out, nil
}

func ptags(p map[string]any) (map[string]string, error) {
	v, ok := p["Tags"]
	if !ok || v == nil {
		return nil, nil
	}
	if m, ok := v.(map[string]any); ok { // SAM and some types take a map
		return pmap(map[string]any{"Tags": m}, "Tags")
	}
	l, ok := v.([]any)
	if !ok {
		return nil, propErr("Tags", "JSONArray")
	}
	out := map[string]string{}
	for _, x := range l {
		m, _ := x.(map[string]any)
		k, _ := tmpl.String(m["Key"])
		val, _ := tmpl.String(m["Value"])
		if k == "" {
			return nil, propErr("Tags", "Tag")
		}
		out[k] = val
	}
	return out, nil
}

// physicalName generates a name as CloudFormation does for a resource
// without a custom name: STACK-LOGICALID-RANDOM, the first two cut so
// the whole fits max.
func physicalName(rc resCtx, max int) string {
	suffix := randomID(12)
	room := max - len(suffix) - 2
	stack, logical := rc.Stack, rc.Logical
	for len(stack)+len(logical) > room {
		if len(stack) >= len(logical) && len(stack) > 1 {
			stack = stack[:len(stack)-1]
		} else if len(logical) > 1 {
			logical = logical[:len(logical)-1]
		} else {
			break
		}
	}
	return stack + "-" + logical + "-" + suffix
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idChars[int(b[i])%len(idChars)]
	}
	return string(b)
}

// ---- IAM ----

type namedPolicy struct{ Name, Doc string }

func ppolicies(p map[string]any) ([]namedPolicy, error) {
	v, ok := p["Policies"]
	if !ok || v == nil {
		return nil, nil
	}
	l, ok := v.([]any)
	if !ok {
		return nil, propErr("Policies", "JSONArray")
	}
	var out []namedPolicy
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			return nil, propErr("Policies", "Policy")
		}
		name, err := preq(m, "PolicyName")
		if err != nil {
			return nil, err
		}
		doc, err := pdoc(m, "PolicyDocument")
		if err != nil {
			return nil, err
		}
		out = append(out, namedPolicy{name, doc})
	}
	return out, nil
}

func iamTags(m map[string]string) []iamtypes.Tag {
	var out []iamtypes.Tag
	for _, k := range sortedKeys(m) {
		out = append(out, iamtypes.Tag{Key: aws.String(k), Value: aws.String(m[k])})
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func createRole(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "RoleName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = physicalName(rc, 64)
	}
	trust, err := pdoc(p, "AssumeRolePolicyDocument")
	if err != nil {
		return result{}, err
	}
	if trust == "" {
		return result{}, errf("Properties validation failed for resource with message: #: required key [AssumeRolePolicyDocument] not found")
	}
	path, _ := pstr(p, "Path")
	desc, _ := pstr(p, "Description")
	boundary, _ := pstr(p, "PermissionsBoundary")
	maxDur, err := pint(p, "MaxSessionDuration")
	if err != nil {
		return result{}, err
	}
	tags, err := ptags(p)
	if err != nil {
		return result{}, err
	}
	policies, err := ppolicies(p)
	if err != nil {
		return result{}, err
	}
	managed, err := pstrs(p, "ManagedPolicyArns")
	if err != nil {
		return result{}, err
	}
	out, err := cl.iam.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust, Path: optional(path),
		Description: optional(desc), PermissionsBoundary: optional(boundary), MaxSessionDuration: maxDur, Tags: iamTags(tags)})
	if err != nil {
		return result{}, sdkError(err)
	}
	res := result{PhysicalID: name, Attributes: map[string]any{"Arn": aws.ToString(out.Role.Arn), "RoleId": aws.ToString(out.Role.RoleId)}}
	for _, pol := range policies {
		if _, err := cl.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: &name, PolicyName: &pol.Name, PolicyDocument: &pol.Doc}); err != nil {
			return res, sdkError(err)
		}
	}
	for _, a := range managed {
		if _, err := cl.iam.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(a)}); err != nil {
			return res, sdkError(err)
		}
	}
	return res, nil
}

func updateRole(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	name := old.PhysicalID
	trust, err := pdoc(p, "AssumeRolePolicyDocument")
	if err != nil {
		return result{}, err
	}
	if _, err := cl.iam.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: &name, PolicyDocument: &trust}); err != nil {
		return result{}, sdkError(err)
	}
	policies, err := ppolicies(p)
	if err != nil {
		return result{}, err
	}
	oldPolicies, _ := ppolicies(old.Properties)
	keep := map[string]bool{}
	for _, pol := range policies {
		keep[pol.Name] = true
		if _, err := cl.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: &name, PolicyName: &pol.Name, PolicyDocument: &pol.Doc}); err != nil {
			return result{}, sdkError(err)
		}
	}
	for _, pol := range oldPolicies {
		if !keep[pol.Name] {
			if _, err := cl.iam.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &pol.Name}); err != nil && !isNotFound(sdkError(err)) {
				return result{}, sdkError(err)
			}
		}
	}
	managed, _ := pstrs(p, "ManagedPolicyArns")
	oldManaged, _ := pstrs(old.Properties, "ManagedPolicyArns")
	want := map[string]bool{}
	for _, a := range managed {
		want[a] = true
		if _, err := cl.iam.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(a)}); err != nil {
			return result{}, sdkError(err)
		}
	}
	for _, a := range oldManaged {
		if !want[a] {
			if _, err := cl.iam.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: &name, PolicyArn: aws.String(a)}); err != nil && !isNotFound(sdkError(err)) {
				return result{}, sdkError(err)
			}
		}
	}
	return result{PhysicalID: name, Attributes: old.Attributes}, nil
}

func deleteRole(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	name := r.PhysicalID
	att, err := cl.iam.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: &name})
	if err != nil {
		return sdkError(err)
	}
	for _, a := range att.AttachedPolicies {
		if _, err := cl.iam.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: &name, PolicyArn: a.PolicyArn}); err != nil {
			return sdkError(err)
		}
	}
	inl, err := cl.iam.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: &name})
	if err != nil {
		return sdkError(err)
	}
	for _, n := range inl.PolicyNames {
		if _, err := cl.iam.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: &name, PolicyName: aws.String(n)}); err != nil {
			return sdkError(err)
		}
	}
	_, err = cl.iam.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: &name})
	return sdkError(err)
}

// AWS::IAM::Policy: an inline policy put on roles, users and groups.
func createInlinePolicy(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	res := result{PhysicalID: physicalName(resCtx{Stack: rc.Stack, Logical: rc.Logical[:min(len(rc.Logical), 5)]}, 40)}
	return res, putInline(ctx, cl, p, false)
}

func putInline(ctx context.Context, cl *clients, p map[string]any, remove bool) error {
	name, err := preq(p, "PolicyName")
	if err != nil {
		return err
	}
	doc, err := pdoc(p, "PolicyDocument")
	if err != nil {
		return err
	}
	roles, _ := pstrs(p, "Roles")
	users, _ := pstrs(p, "Users")
	groups, _ := pstrs(p, "Groups")
	if !remove && len(roles)+len(users)+len(groups) == 0 {
		return errf("At least one of [Groups,Roles,Users] must be non-empty.")
	}
	for _, r := range roles {
		if remove {
			_, err = cl.iam.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String(r), PolicyName: &name})
		} else {
			_, err = cl.iam.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String(r), PolicyName: &name, PolicyDocument: &doc})
		}
		if err = sdkError(err); err != nil && !(remove && isNotFound(err)) {
			return err
		}
	}
	for _, u := range users {
		if remove {
			_, err = cl.iam.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String(u), PolicyName: &name})
		} else {
			_, err = cl.iam.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(u), PolicyName: &name, PolicyDocument: &doc})
		}
		if err = sdkError(err); err != nil && !(remove && isNotFound(err)) {
			return err
		}
	}
	for _, g := range groups {
		if remove {
			_, err = cl.iam.DeleteGroupPolicy(ctx, &awsiam.DeleteGroupPolicyInput{GroupName: aws.String(g), PolicyName: &name})
		} else {
			_, err = cl.iam.PutGroupPolicy(ctx, &awsiam.PutGroupPolicyInput{GroupName: aws.String(g), PolicyName: &name, PolicyDocument: &doc})
		}
		if err = sdkError(err); err != nil && !(remove && isNotFound(err)) {
			return err
		}
	}
	return nil
}

func updateInlinePolicy(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	if err := putInline(ctx, cl, old.Properties, true); err != nil {
		return result{}, err
	}
	return result{PhysicalID: old.PhysicalID}, putInline(ctx, cl, p, false)
}

func deleteInlinePolicy(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	return putInline(ctx, cl, r.Properties, true)
}

func attachManaged(ctx context.Context, cl *clients, p map[string]any, arn string, detach bool) error {
	roles, _ := pstrs(p, "Roles")
	users, _ := pstrs(p, "Users")
	groups, _ := pstrs(p, "Groups")
	var err error
	for _, r := range roles {
		if detach {
			_, err = cl.iam.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String(r), PolicyArn: &arn})
		} else {
			_, err = cl.iam.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String(r), PolicyArn: &arn})
		}
		if err = sdkError(err); err != nil && !(detach && isNotFound(err)) {
			return err
		}
	}
	for _, u := range users {
		if detach {
			_, err = cl.iam.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String(u), PolicyArn: &arn})
		} else {
			_, err = cl.iam.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String(u), PolicyArn: &arn})
		}
		if err = sdkError(err); err != nil && !(detach && isNotFound(err)) {
			return err
		}
	}
	for _, g := range groups {
		if detach {
			_, err = cl.iam.DetachGroupPolicy(ctx, &awsiam.DetachGroupPolicyInput{GroupName: aws.String(g), PolicyArn: &arn})
		} else {
			_, err = cl.iam.AttachGroupPolicy(ctx, &awsiam.AttachGroupPolicyInput{GroupName: aws.String(g), PolicyArn: &arn})
		}
		if err = sdkError(err); err != nil && !(detach && isNotFound(err)) {
			return err
		}
	}
	return nil
}

func createManagedPolicy(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "ManagedPolicyName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = physicalName(rc, 128)
	}
	doc, err := pdoc(p, "PolicyDocument")
	if err != nil {
		return result{}, err
	}
	path, _ := pstr(p, "Path")
	desc, _ := pstr(p, "Description")
	out, err := cl.iam.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: &name, PolicyDocument: &doc, Path: optional(path), Description: optional(desc)})
	if err != nil {
		return result{}, sdkError(err)
	}
	arn := aws.ToString(out.Policy.Arn)
	res := result{PhysicalID: arn, Attributes: map[string]any{"PolicyArn": arn, "PolicyId": aws.ToString(out.Policy.PolicyId)}}
	return res, attachManaged(ctx, cl, p, arn, false)
}

func updateManagedPolicy(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	arn := old.PhysicalID
	doc, err := pdoc(p, "PolicyDocument")
	if err != nil {
		return result{}, err
	}
	oldDoc, _ := pdoc(old.Properties, "PolicyDocument")
	if doc != oldDoc {
		vs, err := cl.iam.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: &arn})
		if err != nil {
			return result{}, sdkError(err)
		}
		if len(vs.Versions) >= 5 { // IAM keeps five versions: drop the oldest non-default
			for i := len(vs.Versions) - 1; i >= 0; i-- {
				if !vs.Versions[i].IsDefaultVersion {
					if _, err := cl.iam.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: vs.Versions[i].VersionId}); err != nil {
						return result{}, sdkError(err)
					}
					break
				}
			}
		}
		if _, err := cl.iam.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: &doc, SetAsDefault: true}); err != nil {
			return result{}, sdkError(err)
		}
	}
	if err := attachManaged(ctx, cl, old.Properties, arn, true); err != nil {
		return result{}, err
	}
	return result{PhysicalID: arn, Attributes: old.Attributes}, attachManaged(ctx, cl, p, arn, false)
}

func deleteManagedPolicy(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	arn := r.PhysicalID
	if err := attachManaged(ctx, cl, r.Properties, arn, true); err != nil {
		return err
	}
	vs, err := cl.iam.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: &arn})
	if err != nil {
		return sdkError(err)
	}
	for _, v := range vs.Versions {
		if !v.IsDefaultVersion {
			if _, err := cl.iam.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: v.VersionId}); err != nil {
				return sdkError(err)
			}
		}
	}
	_, err = cl.iam.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: &arn})
	return sdkError(err)
}

func createUser(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "UserName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = physicalName(rc, 64)
	}
	path, _ := pstr(p, "Path")
	tags, err := ptags(p)
	if err != nil {
		return result{}, err
	}
	out, err := cl.iam.CreateUser(ctx, &awsiam.CreateUserInput{UserName: &name, Path: optional(path), Tags: iamTags(tags)})
	if err != nil {
		return result{}, sdkError(err)
	}
	res := result{PhysicalID: name, Attributes: map[string]any{"Arn": aws.ToString(out.User.Arn)}}
	policies, err := ppolicies(p)
	if err != nil {
		return res, err
	}
	for _, pol := range policies {
		if _, err := cl.iam.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: &name, PolicyName: &pol.Name, PolicyDocument: &pol.Doc}); err != nil {
			return res, sdkError(err)
		}
	}
	managed, _ := pstrs(p, "ManagedPolicyArns")
	for _, a := range managed {
		if _, err := cl.iam.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: &name, PolicyArn: aws.String(a)}); err != nil {
			return res, sdkError(err)
		}
	}
	groups, _ := pstrs(p, "Groups")
	for _, g := range groups {
		if _, err := cl.iam.AddUserToGroup(ctx, &awsiam.AddUserToGroupInput{UserName: &name, GroupName: aws.String(g)}); err != nil {
			return res, sdkError(err)
		}
	}
	return res, nil
}

func deleteUser(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	name := r.PhysicalID
	att, err := cl.iam.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: &name})
	if err != nil {
		return sdkError(err)
	}
	for _, a := range att.AttachedPolicies {
		if _, err := cl.iam.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: &name, PolicyArn: a.PolicyArn}); err != nil {
			return sdkError(err)
		}
	}
	inl, err := cl.iam.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: &name})
	if err != nil {
		return sdkError(err)
	}
	for _, n := range inl.PolicyNames {
		if _, err := cl.iam.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: &name, PolicyName: aws.String(n)}); err != nil {
			return sdkError(err)
		}
	}
	groups, _ := pstrs(r.Properties, "Groups")
	for _, g := range groups {
		_, _ = cl.iam.RemoveUserFromGroup(ctx, &awsiam.RemoveUserFromGroupInput{UserName: &name, GroupName: aws.String(g)})
	}
	_, err = cl.iam.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: &name})
	return sdkError(err)
}

// AWS::IAM::InstanceProfile (CloudFormation User Guide): Roles (required,
// at most one role, updates in place), Path and InstanceProfileName
// (replace); Ref is the name, Fn::GetAtt Arn.
func instanceProfileRoles(p map[string]any) ([]string, error) {
	if _, ok := p["Roles"]; !ok {
		return nil, errf("Properties validation failed for resource with message: #: required key [Roles] not found")
	}
	roles, err := pstrs(p, "Roles")
	if err == nil && len(roles) > 1 {
		err = errf("Properties validation failed for resource with message: #/Roles: expected maximum item count: 1, found: %d", len(roles))
	}
	return roles, err
}

func createInstanceProfile(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "InstanceProfileName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = physicalName(rc, 128)
	}
	path, err := pstr(p, "Path")
	if err != nil {
		return result{}, err
	}
	roles, err := instanceProfileRoles(p)
	if err != nil {
		return result{}, err
	}
	out, err := cl.iam.CreateInstanceProfile(ctx, &awsiam.CreateInstanceProfileInput{InstanceProfileName: &name, Path: optional(path)})
	if err != nil {
		return result{}, sdkError(err)
	}
	res := result{PhysicalID: name, Attributes: map[string]any{"Arn": aws.ToString(out.InstanceProfile.Arn)}}
	for _, r := range roles {
		if _, err := cl.iam.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: &name, RoleName: aws.String(r)}); err != nil {
			return res, sdkError(err)
		}
	}
	return res, nil
}

func updateInstanceProfile(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	name := old.PhysicalID
	roles, err := instanceProfileRoles(p)
	if err != nil {
		return result{}, err
	}
	oldRoles, _ := pstrs(old.Properties, "Roles")
	want := map[string]bool{}
	for _, r := range roles {
		want[r] = true
	}
	// Remove first: a profile holds one role at most.
	for _, r := range oldRoles {
		if !want[r] {
			if _, err := cl.iam.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: &name, RoleName: aws.String(r)}); err != nil && !isNotFound(sdkError(err)) {
				return result{}, sdkError(err)
			}
		}
	}
	had := map[string]bool{}
	for _, r := range oldRoles {
		had[r] = true
	}
	for _, r := range roles {
		if !had[r] {
			if _, err := cl.iam.AddRoleToInstanceProfile(ctx, &awsiam.AddRoleToInstanceProfileInput{InstanceProfileName: &name, RoleName: aws.String(r)}); err != nil {
				return result{}, sdkError(err)
			}
		}
	}
	return result{PhysicalID: name, Attributes: old.Attributes}, nil
}

func deleteInstanceProfile(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	name := r.PhysicalID
	out, err := cl.iam.GetInstanceProfile(ctx, &awsiam.GetInstanceProfileInput{InstanceProfileName: &name})
	if err != nil {
		return sdkError(err)
	}
	for _, role := range out.InstanceProfile.Roles {
		if _, err := cl.iam.RemoveRoleFromInstanceProfile(ctx, &awsiam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: &name, RoleName: role.RoleName}); err != nil && !isNotFound(sdkError(err)) {
			return sdkError(err)
		}
	}
	_, err = cl.iam.DeleteInstanceProfile(ctx, &awsiam.DeleteInstanceProfileInput{InstanceProfileName: &name})
	return sdkError(err)
}

func createAccessKey(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	user, err := preq(p, "UserName")
	if err != nil {
		return result{}, err
	}
	out, err := cl.iam.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: &user})
	if err != nil {
		return result{}, sdkError(err)
	}
	id := aws.ToString(out.AccessKey.AccessKeyId)
	res := result{PhysicalID: id, Attributes: map[string]any{"SecretAccessKey": aws.ToString(out.AccessKey.SecretAccessKey)}}
	if st, _ := pstr(p, "Status"); st == "Inactive" {
		if _, err := cl.iam.UpdateAccessKey(ctx, &awsiam.UpdateAccessKeyInput{UserName: &user, AccessKeyId: &id, Status: iamtypes.StatusTypeInactive}); err != nil {
			return res, sdkError(err)
		}
	}
	return res, nil
}

func deleteAccessKey(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	user, _ := pstr(r.Properties, "UserName")
	_, err := cl.iam.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: &user, AccessKeyId: &r.PhysicalID})
	return sdkError(err)
}

// ---- Lambda ----

// functionCode builds CreateFunction's Code from the Code property:
// ZipFile (source text, written as index.js or index.py as
// CloudFormation does), S3Bucket/S3Key through Artifacts, or gatehouse's
// ZipBase64 (a zip that `gatehouse deploy` packed from a local path).
func functionCode(ctx context.Context, cl *clients, p map[string]any) (*lambdatypes.FunctionCode, error) {
	c, ok := p["Code"].(map[string]any)
	if !ok {
		return nil, errf("Properties validation failed for resource with message: #: required key [Code] not found")
	}
	if src, ok := c["ZipFile"]; ok {
		s, ok := src.(string)
		if !ok {
			return nil, propErr("Code/ZipFile", "String")
		}
		runtime, _ := pstr(p, "Runtime")
		handler, _ := pstr(p, "Handler")
		file := "index.js"
		if strings.HasPrefix(runtime, "python") {
			file = "index.py"
		}
		if mod, _, ok := strings.Cut(handler, "."); ok && strings.HasPrefix(runtime, "nodejs") {
			file = mod + ".js"
		} else if ok && strings.HasPrefix(runtime, "python") {
			file = mod + ".py"
		}
		return &lambdatypes.FunctionCode{ZipFile: zipOne(file, s)}, nil
	}
	if z, ok := c["ZipBase64"].(string); ok {
		b, err := base64.StdEncoding.DecodeString(z)
		if err != nil {
			return nil, propErr("Code/ZipBase64", "base64 String")
		}
		return &lambdatypes.FunctionCode{ZipFile: b}, nil
	}
	bucket, _ := pstr(c, "S3Bucket")
	key, _ := pstr(c, "S3Key")
	if bucket != "" && key != "" {
		ver, _ := pstr(c, "S3ObjectVersion")
		b, err := cl.artifacts.Get(ctx, cl.creds, bucket, key, ver)
		if err != nil {
			return nil, err
		}
		return &lambdatypes.FunctionCode{ZipFile: b}, nil
	}
	if img, _ := pstr(c, "ImageUri"); img != "" {
		return nil, errf("Code ImageUri: container image functions are not supported by gatehouse")
	}
	return nil, errf("Properties validation failed for resource with message: #/Code: one of [ZipFile, S3Bucket/S3Key] is required")
}

func zipOne(name, content string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, ExternalAttrs: 0o644 << 16})
	_, _ = w.Write([]byte(content))
	_ = zw.Close()
	return buf.Bytes()
}

type fnConfig struct {
	handler, runtime, role, desc string
	memory, timeout              *int32
	env                          map[string]string
	layers                       []string
	archs                        []lambdatypes.Architecture
}

func readFnConfig(p map[string]any) (fnConfig, error) {
	var c fnConfig
	var err error
	if c.role, err = preq(p, "Role"); err != nil {
		return c, err
	}
	c.handler, _ = pstr(p, "Handler")
	c.runtime, _ = pstr(p, "Runtime")
	c.desc, _ = pstr(p, "Description")
	if c.memory, err = pint(p, "MemorySize"); err != nil {
		return c, err
	}
	if c.timeout, err = pint(p, "Timeout"); err != nil {
		return c, err
	}
	if env, ok := p["Environment"].(map[string]any); ok {
		if c.env, err = pmap(env, "Variables"); err != nil {
			return c, err
		}
	}
	if c.layers, err = pstrs(p, "Layers"); err != nil {
		return c, err
	}
	archs, err := pstrs(p, "Architectures")
	if err != nil {
		return c, err
	}
	for _, a := range archs {
		c.archs = append(c.archs, lambdatypes.Architecture(a))
	}
	return c, nil
}

func createFunction(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, err := pstr(p, "FunctionName")
	if err != nil {
		return result{}, err
	}
	if name == "" {
		name = physicalName(rc, 64)
	}
	c, err := readFnConfig(p)
	if err != nil {
		return result{}, err
	}
	code, err := functionCode(ctx, cl, p)
	if err != nil {
		return result{}, err
	}
	tags, err := ptags(p)
	if err != nil {
		return result{}, err
	}
	in := &awslambda.CreateFunctionInput{FunctionName: &name, Role: &c.role, Code: code, Handler: optional(c.handler),
		Runtime: lambdatypes.Runtime(c.runtime), Description: optional(c.desc), MemorySize: c.memory, Timeout: c.timeout,
		Layers: c.layers, Architectures: c.archs, Tags: tags}
	if c.env != nil {
		in.Environment = &lambdatypes.Environment{Variables: c.env}
	}
	out, err := cl.lambda.CreateFunction(ctx, in)
	if err != nil {
		return result{}, sdkError(err)
	}
	return result{PhysicalID: name, Attributes: map[string]any{"Arn": aws.ToString(out.FunctionArn)}}, nil
}

func updateFunction(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	name := old.PhysicalID
	c, err := readFnConfig(p)
	if err != nil {
		return result{}, err
	}
	if !reflect.DeepEqual(p["Code"], old.Properties["Code"]) {
		code, err := functionCode(ctx, cl, p)
		if err != nil {
			return result{}, err
		}
		if _, err := cl.lambda.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: &name, ZipFile: code.ZipFile}); err != nil {
			return result{}, sdkError(err)
		}
	}
	in := &awslambda.UpdateFunctionConfigurationInput{FunctionName: &name, Role: &c.role, Handler: optional(c.handler),
		Runtime: lambdatypes.Runtime(c.runtime), Description: aws.String(c.desc), MemorySize: c.memory, Timeout: c.timeout,
		Layers: c.layers, Environment: &lambdatypes.Environment{Variables: c.env}}
	if c.env == nil {
		in.Environment.Variables = map[string]string{}
	}
	if _, err := cl.lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
		return result{}, sdkError(err)
	}
	return result{PhysicalID: name, Attributes: old.Attributes}, nil
}

func deleteFunction(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := cl.lambda.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: &r.PhysicalID})
	return sdkError(err)
}

func createPermission(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	fn, err := preq(p, "FunctionName")
	if err != nil {
		return result{}, err
	}
	action, err := preq(p, "Action")
	if err != nil {
		return result{}, err
	}
	principal, err := preq(p, "Principal")
	if err != nil {
		return result{}, err
	}
	srcArn, _ := pstr(p, "SourceArn")
	srcAcct, _ := pstr(p, "SourceAccount")
	sid := physicalName(rc, 100)
	_, err = cl.lambda.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: &fn, Action: &action, Principal: &principal,
		StatementId: &sid, SourceArn: optional(srcArn), SourceAccount: optional(srcAcct)})
	if err != nil {
		return result{}, sdkError(err)
	}
	return result{PhysicalID: sid}, nil
}

func deletePermission(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	fn, _ := pstr(r.Properties, "FunctionName")
	_, err := cl.lambda.RemovePermission(ctx, &awslambda.RemovePermissionInput{FunctionName: &fn, StatementId: &r.PhysicalID})
	return sdkError(err)
}

func createVersion(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	fn, err := preq(p, "FunctionName")
	if err != nil {
		return result{}, err
	}
	desc, _ := pstr(p, "Description")
	out, err := cl.lambda.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: &fn, Description: optional(desc)})
	if err != nil {
		return result{}, sdkError(err)
	}
	arn := aws.ToString(out.FunctionArn)
	return result{PhysicalID: arn, Attributes: map[string]any{"Version": aws.ToString(out.Version), "FunctionArn": arn}}, nil
}

func deleteVersion(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	fn, _ := pstr(r.Properties, "FunctionName")
	v, _ := r.Attributes["Version"].(string)
	_, err := cl.lambda.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: &fn, Qualifier: &v})
	return sdkError(err)
}

// ---- API Gateway ----

func apiBody(p map[string]any) ([]byte, bool, error) {
	v, ok := p["Body"]
	if !ok || v == nil {
		return nil, false, nil
	}
	if s, ok := v.(string); ok {
		return []byte(s), true, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false, propErr("Body", "JSONObject")
	}
	return b, true, nil
}

func createRestAPI(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	name, _ := pstr(p, "Name")
	desc, _ := pstr(p, "Description")
	policy, err := pdoc(p, "Policy")
	if err != nil {
		return result{}, err
	}
	if _, ok := p["BodyS3Location"]; ok {
		return result{}, errf("BodyS3Location: gatehouse has no S3 service to read it from yet; inline the definition as Body")
	}
	body, hasBody, err := apiBody(p)
	if err != nil {
		return result{}, err
	}
	var id string
	if hasBody {
		out, err := cl.apigw.ImportRestApi(ctx, &awsapigw.ImportRestApiInput{Body: body, FailOnWarnings: false})
		if err != nil {
			return result{}, sdkError(err)
		}
		id = aws.ToString(out.Id)
		var ops []apigwtypes.PatchOperation
		if name != "" {
			ops = append(ops, apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/name"), Value: &name})
		}
		if desc != "" {
			ops = append(ops, apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/description"), Value: &desc})
		}
		if policy != "" {
			ops = append(ops, apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/policy"), Value: &policy})
		}
		if len(ops) > 0 {
			if _, err := cl.apigw.UpdateRestApi(ctx, &awsapigw.UpdateRestApiInput{RestApiId: &id, PatchOperations: ops}); err != nil {
				return result{PhysicalID: id}, sdkError(err)
			}
		}
	} else {
		if name == "" {
			return result{}, errf("Properties validation failed for resource with message: #: required key [Name] not found")
		}
		out, err := cl.apigw.CreateRestApi(ctx, &awsapigw.CreateRestApiInput{Name: &name, Description: optional(desc), Policy: optional(policy)})
		if err != nil {
			return result{}, sdkError(err)
		}
		id = aws.ToString(out.Id)
	}
	return restAPIResult(ctx, cl, id)
}

func restAPIResult(ctx context.Context, cl *clients, id string) (result, error) {
	res := result{PhysicalID: id, Attributes: map[string]any{"RestApiId": id}}
	rs, err := cl.apigw.GetResources(ctx, &awsapigw.GetResourcesInput{RestApiId: &id, Limit: aws.Int32(500)})
	if err != nil {
		return res, sdkError(err)
	}
	for _, r := range rs.Items {
		if aws.ToString(r.Path) == "/" {
			res.Attributes["RootResourceId"] = aws.ToString(r.Id)
		}
	}
	return res, nil
}

func updateRestAPI(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	id := old.PhysicalID
	body, hasBody, err := apiBody(p)
	if err != nil {
		return result{}, err
	}
	if hasBody {
		if _, err := cl.apigw.PutRestApi(ctx, &awsapigw.PutRestApiInput{RestApiId: &id, Body: body, Mode: apigwtypes.PutModeOverwrite}); err != nil {
			return result{}, sdkError(err)
		}
	}
	var ops []apigwtypes.PatchOperation
	if name, _ := pstr(p, "Name"); name != "" {
		ops = append(ops, apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/name"), Value: &name})
	}
	desc, _ := pstr(p, "Description")
	ops = append(ops, apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/description"), Value: &desc})
	if policy, _ := pdoc(p, "Policy"); policy != "" {
		ops = append(ops, apigwtypes.PatchOperation{Op: apigwtypes.OpReplace, Path: aws.String("/policy"), Value: &policy})
	}
	if _, err := cl.apigw.UpdateRestApi(ctx, &awsapigw.UpdateRestApiInput{RestApiId: &id, PatchOperations: ops}); err != nil {
		return result{}, sdkError(err)
	}
	return restAPIResult(ctx, cl, id)
}

func deleteRestAPI(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	_, err := cl.apigw.DeleteRestApi(ctx, &awsapigw.DeleteRestApiInput{RestApiId: &r.PhysicalID})
	return sdkError(err)
}

func createDeployment(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	api, err := preq(p, "RestApiId")
	if err != nil {
		return result{}, err
	}
	stage, _ := pstr(p, "StageName")
	desc, _ := pstr(p, "Description")
	var stageDesc string
	if sd, ok := p["StageDescription"].(map[string]any); ok {
		stageDesc, _ = pstr(sd, "Description")
	}
	out, err := cl.apigw.CreateDeployment(ctx, &awsapigw.CreateDeploymentInput{RestApiId: &api, StageName: optional(stage),
		Description: optional(desc), StageDescription: optional(stageDesc)})
	if err != nil {
		return result{}, sdkError(err)
	}
	id := aws.ToString(out.Id)
	return result{PhysicalID: id, Attributes: map[string]any{"DeploymentId": id}}, nil
}

func deleteDeployment(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	api, _ := pstr(r.Properties, "RestApiId")
	if stage, _ := pstr(r.Properties, "StageName"); stage != "" {
		if _, err := cl.apigw.DeleteStage(ctx, &awsapigw.DeleteStageInput{RestApiId: &api, StageName: &stage}); err != nil && !isNotFound(sdkError(err)) {
			return sdkError(err)
		}
	}
	_, err := cl.apigw.DeleteDeployment(ctx, &awsapigw.DeleteDeploymentInput{RestApiId: &api, DeploymentId: &r.PhysicalID})
	return sdkError(err)
}

func createStage(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	api, err := preq(p, "RestApiId")
	if err != nil {
		return result{}, err
	}
	name, err := preq(p, "StageName")
	if err != nil {
		return result{}, err
	}
	dep, err := preq(p, "DeploymentId")
	if err != nil {
		return result{}, err
	}
	desc, _ := pstr(p, "Description")
	vars, err := pmap(p, "Variables")
	if err != nil {
		return result{}, err
	}
	tags, err := ptags(p)
	if err != nil {
		return result{}, err
	}
	if _, err := cl.apigw.CreateStage(ctx, &awsapigw.CreateStageInput{RestApiId: &api, StageName: &name, DeploymentId: &dep,
		Description: optional(desc), Variables: vars, Tags: tags}); err != nil {
		return result{}, sdkError(err)
	}
	return result{PhysicalID: name}, nil
}

func updateStage(ctx context.Context, cl *clients, rc resCtx, old *resourceState, p map[string]any) (result, error) {
	api, _ := pstr(p, "RestApiId")
	dep, _ := pstr(p, "DeploymentId")
	desc, _ := pstr(p, "Description")
	ops := []apigwtypes.PatchOperation{
		{Op: apigwtypes.OpReplace, Path: aws.String("/deploymentId"), Value: &dep},
		{Op: apigwtypes.OpReplace, Path: aws.String("/description"), Value: &desc},
	}
	if _, err := cl.apigw.UpdateStage(ctx, &awsapigw.UpdateStageInput{RestApiId: &api, StageName: &old.PhysicalID, PatchOperations: ops}); err != nil {
		return result{}, sdkError(err)
	}
	return result{PhysicalID: old.PhysicalID}, nil
}

func deleteStage(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	api, _ := pstr(r.Properties, "RestApiId")
	_, err := cl.apigw.DeleteStage(ctx, &awsapigw.DeleteStageInput{RestApiId: &api, StageName: &r.PhysicalID})
	return sdkError(err)
}

func createAPIResource(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	api, err := preq(p, "RestApiId")
	if err != nil {
		return result{}, err
	}
	parent, err := preq(p, "ParentId")
	if err != nil {
		return result{}, err
	}
	part, err := preq(p, "PathPart")
	if err != nil {
		return result{}, err
	}
	out, err := cl.apigw.CreateResource(ctx, &awsapigw.CreateResourceInput{RestApiId: &api, ParentId: &parent, PathPart: &part})
	if err != nil {
		return result{}, sdkError(err)
	}
	id := aws.ToString(out.Id)
	return result{PhysicalID: id, Attributes: map[string]any{"ResourceId": id}}, nil
}

func deleteAPIResource(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	api, _ := pstr(r.Properties, "RestApiId")
	_, err := cl.apigw.DeleteResource(ctx, &awsapigw.DeleteResourceInput{RestApiId: &api, ResourceId: &r.PhysicalID})
	return sdkError(err)
}

func createMethod(ctx context.Context, cl *clients, rc resCtx, p map[string]any) (result, error) {
	api, err := preq(p, "RestApiId")
	if err != nil {
		return result{}, err
	}
	res, err := preq(p, "ResourceId")
	if err != nil {
		return result{}, err
	}
	verb, err := preq(p, "HttpMethod")
	if err != nil {
		return result{}, err
	}
	auth, _ := pstr(p, "AuthorizationType")
	if auth == "" {
		auth = "NONE"
	}
	authorizer, _ := pstr(p, "AuthorizerId")
	keyReq, _ := pstr(p, "ApiKeyRequired")
	if _, err := cl.apigw.PutMethod(ctx, &awsapigw.PutMethodInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb,
		AuthorizationType: &auth, AuthorizerId: optional(authorizer), ApiKeyRequired: keyReq == "true"}); err != nil {
		return result{}, sdkError(err)
	}
	phys := physicalName(rc, 64)
	if in, ok := p["Integration"].(map[string]any); ok {
		typ, _ := pstr(in, "Type")
		uri, _ := pstr(in, "Uri")
		ihm, _ := pstr(in, "IntegrationHttpMethod")
		creds, _ := pstr(in, "Credentials")
		tpls, err := pmap(in, "RequestTemplates")
		if err != nil {
			return result{PhysicalID: phys}, err
		}
		params, err := pmap(in, "RequestParameters")
		if err != nil {
			return result{PhysicalID: phys}, err
		}
		if _, err := cl.apigw.PutIntegration(ctx, &awsapigw.PutIntegrationInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb,
			Type: apigwtypes.IntegrationType(typ), Uri: optional(uri), IntegrationHttpMethod: optional(ihm), Credentials: optional(creds),
			RequestTemplates: tpls, RequestParameters: params}); err != nil {
			return result{PhysicalID: phys}, sdkError(err)
		}
		if irs, ok := in["IntegrationResponses"].([]any); ok {
			for _, x := range irs {
				m, _ := x.(map[string]any)
				code, _ := pstr(m, "StatusCode")
				sel, _ := pstr(m, "SelectionPattern")
				rt, _ := pmap(m, "ResponseTemplates")
				if _, err := cl.apigw.PutIntegrationResponse(ctx, &awsapigw.PutIntegrationResponseInput{RestApiId: &api, ResourceId: &res,
					HttpMethod: &verb, StatusCode: &code, SelectionPattern: optional(sel), ResponseTemplates: rt}); err != nil {
					return result{PhysicalID: phys}, sdkError(err)
				}
			}
		}
	}
	if mrs, ok := p["MethodResponses"].([]any); ok {
		for _, x := range mrs {
			m, _ := x.(map[string]any)
			code, _ := pstr(m, "StatusCode")
			if _, err := cl.apigw.PutMethodResponse(ctx, &awsapigw.PutMethodResponseInput{RestApiId: &api, ResourceId: &res,
				HttpMethod: &verb, StatusCode: &code}); err != nil {
				return result{PhysicalID: phys}, sdkError(err)
			}
		}
	}
	return result{PhysicalID: phys}, nil
}

func deleteMethod(ctx context.Context, cl *clients, rc resCtx, r *resourceState) error {
	api, _ := pstr(r.Properties, "RestApiId")
	res, _ := pstr(r.Properties, "ResourceId")
	verb, _ := pstr(r.Properties, "HttpMethod")
	_, err := cl.apigw.DeleteMethod(ctx, &awsapigw.DeleteMethodInput{RestApiId: &api, ResourceId: &res, HttpMethod: &verb})
	return sdkError(err)
}

var _ = awserr.ValidationError
