package arn

import (
	"strconv"
	"strings"
)

// Partition is the partition of every ARN gatehouse issues. Gatehouse
// serves one partition: its regions are the commercial ones (the Lambda
// region pattern admits "-gov-" names, but no endpoint, account or
// principal of another partition exists), so building an ARN in aws-cn or
// aws-us-gov would name a resource gatehouse cannot hold. Parsers return the
// partition they read and callers that resolve an ARN to a gatehouse
// resource compare it with Partition; policy patterns may name any
// partition (package policy validates those against AWS's list).
const Partition = "aws"

// build concatenates arn:aws:service:region:account:resource with one
// allocation. Every constructor goes through it, so the shape is written
// once.
func build(service, region, account string, resource ...string) string {
	n := len("arn:"+Partition+":::") + 1 + len(service) + len(region) + len(account)
	for _, r := range resource {
		n += len(r)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("arn:" + Partition + ":")
	b.WriteString(service)
	b.WriteByte(':')
	b.WriteString(region)
	b.WriteByte(':')
	b.WriteString(account)
	b.WriteByte(':')
	for _, r := range resource {
		b.WriteString(r)
	}
	return b.String()
}

// IAM returns arn:aws:iam::ACCOUNT:RESOURCE. IAM is global: its ARNs have
// no region. Prefer the typed constructors below; IAM is for resources
// built from a kind chosen at run time ("user" + a path prefix for a List
// call, "role/*").
func IAM(account, resource string) string { return build("iam", "", account, resource) }

// Root returns arn:aws:iam::ACCOUNT:root, the account principal.
func Root(account string) string { return build("iam", "", account, "root") }

// The IAM entity constructors take the entity's path as IAM stores it:
// "/" or "/a/b/", always with leading and trailing slashes, so that
// path+name is the resource's tail (arn:aws:iam::A:user/a/b/name).

// User returns arn:aws:iam::ACCOUNT:user/PATH/NAME.
func User(account, path, name string) string { return build("iam", "", account, "user", path, name) }

// Group returns arn:aws:iam::ACCOUNT:group/PATH/NAME.
func Group(account, path, name string) string {
	return build("iam", "", account, "group", path, name)
}

// Role returns arn:aws:iam::ACCOUNT:role/PATH/NAME.
func Role(account, path, name string) string { return build("iam", "", account, "role", path, name) }

// Policy returns arn:aws:iam::ACCOUNT:policy/PATH/NAME (a customer managed
// policy; AWS managed policies have the account "aws").
func Policy(account, path, name string) string {
	return build("iam", "", account, "policy", path, name)
}

// InstanceProfile returns arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME.
func InstanceProfile(account, path, name string) string {
	return build("iam", "", account, "instance-profile", path, name)
}

// ServerCertificate returns arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME.
func ServerCertificate(account, path, name string) string {
	return build("iam", "", account, "server-certificate", path, name)
}

// MFA returns arn:aws:iam::ACCOUNT:mfa/PATH/NAME, a virtual MFA device.
func MFA(account, path, name string) string { return build("iam", "", account, "mfa", path, name) }

// OIDCProvider returns arn:aws:iam::ACCOUNT:oidc-provider/URL, URL being
// the issuer without its https:// scheme (as IAM names the provider).
func OIDCProvider(account, url string) string {
	return build("iam", "", account, "oidc-provider/", url)
}

// SAMLProvider returns arn:aws:iam::ACCOUNT:saml-provider/NAME.
func SAMLProvider(account, name string) string {
	return build("iam", "", account, "saml-provider/", name)
}

// EC2Instance returns arn:aws:ec2:REGION:ACCOUNT:instance/ID. IAM's
// AddRoleToInstanceProfile authorizes iam:PassRole with
// iam:AssociatedResourceArn set to EC2Instance("*", account, "*").
func EC2Instance(region, account, id string) string {
	return build("ec2", region, account, "instance/", id)
}

// AssumedRole returns arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, the
// ARN of a role session. The role's path is not part of it.
func AssumedRole(account, role, session string) string {
	return build("sts", "", account, "assumed-role/", role, "/", session)
}

// FederatedUser returns arn:aws:sts::ACCOUNT:federated-user/NAME
// (GetFederationToken).
func FederatedUser(account, name string) string {
	return build("sts", "", account, "federated-user/", name)
}

// Function returns arn:aws:lambda:REGION:ACCOUNT:function:NAME, the
// unqualified function ARN.
func Function(region, account, name string) string {
	return build("lambda", region, account, "function:", name)
}

// FunctionQualified returns the function ARN with ":QUALIFIER" (a version
// or an alias) appended, or the unqualified ARN when qualifier is empty.
func FunctionQualified(region, account, name, qualifier string) string {
	if qualifier == "" {
		return Function(region, account, name)
	}
	return build("lambda", region, account, "function:", name, ":", qualifier)
}

// Layer returns arn:aws:lambda:REGION:ACCOUNT:layer:NAME.
func Layer(region, account, name string) string {
	return build("lambda", region, account, "layer:", name)
}

// LayerVersion returns arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION.
func LayerVersion(region, account, name string, version int64) string {
	return build("lambda", region, account, "layer:", name, ":", strconv.FormatInt(version, 10))
}

// EventSourceMapping returns
// arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID.
func EventSourceMapping(region, account, uuid string) string {
	return build("lambda", region, account, "event-source-mapping:", uuid)
}

// CodeSigningConfig returns
// arn:aws:lambda:REGION:ACCOUNT:code-signing-config:ID.
func CodeSigningConfig(region, account, id string) string {
	return build("lambda", region, account, "code-signing-config:", id)
}

// CapacityProvider returns
// arn:aws:lambda:REGION:ACCOUNT:capacity-provider:NAME, a Lambda capacity
// provider's ARN (botocore lambda CapacityProviderArn).
func CapacityProvider(region, account, name string) string {
	return build("lambda", region, account, "capacity-provider:", name)
}

// RuntimeVersion returns arn:aws:lambda:REGION::runtime:HASH, the
// RuntimeVersionArn of a function configuration (no account: runtimes
// belong to the service).
func RuntimeVersion(region, hash string) string {
	return build("lambda", region, "", "runtime:", hash)
}

// LogGroup returns arn:aws:logs:REGION:ACCOUNT:log-group:NAME.
func LogGroup(region, account, name string) string {
	return build("logs", region, account, "log-group:", name)
}

// LogStream returns
// arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM, what
// CloudWatch Logs authorizes an operation on a stream on; with an empty
// STREAM, what it authorizes an operation on the whole group on (AWS's
// denials read "...:log-group:NAME:log-stream:"), so that a policy on
// "log-group:NAME:*" covers both.
func LogStream(region, account, group, stream string) string {
	return build("logs", region, account, "log-group:", group, ":log-stream:", stream)
}

// APIGateway returns arn:aws:apigateway:REGION::PATH, the ARN of an API
// Gateway control-plane resource: PATH is the resource's REST path with
// its leading slash ("/restapis/ID/stages/prod"). These ARNs have no
// account.
func APIGateway(region, path string) string { return build("apigateway", region, "", path) }

// lambdaInvocations is the API Gateway service path of Lambda's Invoke
// API, the "uri" of an AWS or AWS_PROXY integration with a function.
const lambdaInvocations = ":lambda:path/2015-03-31/functions/"

// LambdaIntegrationURI returns
// arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations.
func LambdaIntegrationURI(region, function string) string {
	return build("apigateway", region, "lambda", "path/2015-03-31/functions/", function, "/invocations")
}

// ParseLambdaIntegrationURI returns the function ARN inside an
// integration uri built like LambdaIntegrationURI; ok is false for any
// other uri (an HTTP URL, another service's action).
func ParseLambdaIntegrationURI(uri string) (function string, ok bool) {
	a, err := Parse(uri)
	if err != nil || a.Service != "apigateway" || a.AccountID != "lambda" {
		return "", false
	}
	rest, ok := strings.CutPrefix(a.Resource, lambdaInvocations[len(":lambda:"):])
	if !ok {
		return "", false
	}
	function, ok = strings.CutSuffix(rest, "/invocations")
	if !ok || function == "" {
		return "", false
	}
	return function, true
}

// ExecuteAPIStage is arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/, the
// common prefix of the method ARNs of one stage. The gateway builds it
// once per deployment; Method then costs one allocation per request.
type ExecuteAPIStage string

// NewExecuteAPIStage returns the method-ARN prefix of a stage.
func NewExecuteAPIStage(region, account, apiID, stage string) ExecuteAPIStage {
	return ExecuteAPIStage(build("execute-api", region, account, apiID, "/", stage, "/"))
}

// Method returns arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH.
// resourcePath is the request path without its leading slash ("" for the
// root, giving ".../GET/"), as AWS writes the resource path in method
// ARNs; for X-Amz-Source-Arn it is the resource template.
func (s ExecuteAPIStage) Method(method, resourcePath string) string {
	return string(s) + method + "/" + resourcePath
}

// ExecuteAPI returns the method ARN
// arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH.
func ExecuteAPI(region, account, apiID, stage, method, resourcePath string) string {
	return build("execute-api", region, account, apiID, "/", stage, "/", method, "/", resourcePath)
}

// ExecuteAPIShorthand is the prefix of the short resource form API Gateway
// accepts in a REST API's resource policy ("execute-api:/stage/GET/path");
// ExpandExecuteAPI turns it into a full method ARN of the API.
const ExecuteAPIShorthand = "execute-api:/"

// ExecuteAPIPrefix returns arn:aws:execute-api:REGION:ACCOUNT:API/, what
// the shorthand "execute-api:/" stands for in a resource policy of API.
func ExecuteAPIPrefix(region, account, apiID string) string {
	return build("execute-api", region, account, apiID, "/")
}

// ParseIAM splits an IAM ARN of gatehouse's partition,
// arn:aws:iam::ACCOUNT:RESOURCE, into its account and resource
// ("user/path/name", "root"). ok is false for anything else, including
// IAM ARNs with a region.
func ParseIAM(s string) (account, resource string, ok bool) {
	a, err := Parse(s)
	if err != nil || a.Partition != Partition || a.Service != "iam" || a.Region != "" {
		return "", "", false
	}
	return a.AccountID, a.Resource, true
}

// Name returns the last "/"-separated segment of an ARN's resource: the
// entity name of an IAM user, role, group or policy ARN (whose path sits
// between the type and the name), the session of an assumed-role ARN.
func Name(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }

// Account returns the account section of an ARN, or "" when s is not one.
func Account(s string) string {
	var idx [5]int
	if !strings.HasPrefix(s, "arn:") || !colons(s, &idx) {
		return ""
	}
	return s[idx[3]+1 : idx[4]]
}

// FunctionRef is a Lambda function reference split into its parts. Form
// says which of the FunctionName forms Lambda accepts it came in.
type FunctionRef struct {
	Form      FunctionForm
	Partition string // FormARN only
	Region    string // FormARN only
	Account   string // FormARN and FormPartial
	Name      string
	Qualifier string // version or alias; "" when unqualified
}

// FunctionForm is the shape of a FunctionName parameter (Lambda API
// reference, FunctionName: "Name formats").
type FunctionForm uint8

const (
	FormName    FunctionForm = iota // my-function, my-function:v1
	FormPartial                     // 123456789012:function:my-function[:v1]
	FormARN                         // arn:aws:lambda:us-west-2:123456789012:function:my-function[:v1]
)

// ParseFunction parses a full function ARN,
// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]. It checks
// the structure only (seven or eight sections, the "lambda" service and
// the "function" resource type, non-empty parts); callers validate region,
// account, name and qualifier against their patterns.
func ParseFunction(s string) (FunctionRef, bool) {
	f, ok := ParseFunctionName(s)
	return f, ok && f.Form == FormARN
}

// ParseFunctionName parses a Lambda FunctionName parameter in any of its
// forms: NAME[:QUALIFIER], ACCOUNT:function:NAME[:QUALIFIER], or a full
// function ARN. A reference whose first section is "arn" must be a full
// ARN. Parts are not validated beyond being present where the form needs
// them; an empty name is left to the caller's name check, an empty
// qualifier after a ":" is rejected.
func ParseFunctionName(s string) (FunctionRef, bool) {
	var sec [8]string
	n := 0
	for {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			sec[n] = s
			n++
			break
		}
		if n == len(sec)-1 {
			return FunctionRef{}, false // more than eight sections
		}
		sec[n] = s[:i]
		s = s[i+1:]
		n++
	}
	if n > 1 && s == "" {
		// A trailing ":" with no qualifier after it: Lambda's pattern
		// requires one ((:(\$LATEST|[a-zA-Z0-9-_]+))?).
		return FunctionRef{}, false
	}
	switch {
	case sec[0] == "arn":
		if n < 7 || sec[1] == "" || sec[2] != "lambda" || sec[5] != "function" {
			return FunctionRef{}, false
		}
		return FunctionRef{Form: FormARN, Partition: sec[1], Region: sec[3], Account: sec[4], Name: sec[6], Qualifier: sec[7]}, true
	case n >= 3 && sec[1] == "function":
		if n > 4 {
			return FunctionRef{}, false
		}
		return FunctionRef{Form: FormPartial, Account: sec[0], Name: sec[2], Qualifier: sec[3]}, true
	case n <= 2:
		return FunctionRef{Form: FormName, Name: sec[0], Qualifier: sec[1]}, true
	}
	return FunctionRef{}, false
}

// Colons stores the byte offsets of the first five colons of s in idx and
// reports whether s has at least five, i.e. the six sections of an ARN.
// It neither checks the "arn:" prefix nor allocates: policy matching uses
// it on patterns and values alike.
func Colons(s string, idx *[5]int) bool { return colons(s, idx) }

// Fields splits s at its first five colons into at most six sections,
// like strings.SplitN(s, ":", 6) without allocating; n is the number of
// sections found (1 to 6). Policy validation uses it on resource strings
// that may be short ARNs.
func Fields(s string) (sections [6]string, n int) {
	for n < 5 {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			break
		}
		sections[n] = s[:i]
		s = s[i+1:]
		n++
	}
	sections[n] = s
	return sections, n + 1
}

// S3Bucket returns arn:aws:s3:::BUCKET. S3 bucket ARNs name neither
// region nor account: the bucket namespace is global.
func S3Bucket(bucket string) string { return build("s3", "", "", bucket) }

// S3Object returns arn:aws:s3:::BUCKET/KEY, the resource S3 authorizes
// object operations on (the key as stored, not URL-encoded).
func S3Object(bucket, key string) string { return build("s3", "", "", bucket, "/", key) }

// SSMParameter returns arn:aws:ssm:REGION:ACCOUNT:parameter/NAME. A
// hierarchical name keeps its leading slash once ("/a/b" gives
// parameter/a/b), as Parameter Store writes it.
func SSMParameter(region, account, name string) string {
	if len(name) > 0 && name[0] == '/' {
		return build("ssm", region, account, "parameter", name)
	}
	return build("ssm", region, account, "parameter/", name)
}

// Stack returns arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID, a
// CloudFormation stack's id.
func Stack(region, account, name, id string) string {
	return build("cloudformation", region, account, "stack/", name, "/", id)
}

// ChangeSet returns arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/ID.
func ChangeSet(region, account, name, id string) string {
	return build("cloudformation", region, account, "changeSet/", name, "/", id)
}

// CloudFormationStacks returns arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/*,
// the resource CloudFormation authorizes a call on a stack by name with
// (its id is unknown or does not exist yet).
func CloudFormationStacks(region, account, name string) string {
	return build("cloudformation", region, account, "stack/", name, "/*")
}

// ECRRepository returns arn:aws:ecr:REGION:ACCOUNT:repository/NAME.
func ECRRepository(region, account, name string) string {
	return build("ecr", region, account, "repository/", name)
}

// KMSKey returns arn:aws:kms:REGION:ACCOUNT:key/ID.
func KMSKey(region, account, id string) string {
	return build("kms", region, account, "key/", id)
}
