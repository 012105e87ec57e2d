package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/s3"
	"github.com/gatehouse-dev/gatehouse/internal/tools/awsmodel"
)

// titles name each model's section.
var titles = map[string]string{
	"iam":            "IAM",
	"sts":            "STS",
	"apigateway":     "API Gateway (REST APIs, control plane)",
	"lambda":         "Lambda",
	"logs":           "CloudWatch Logs (functions' logs)",
	"s3":             "S3 (deployment artifacts)",
	"ssm":            "SSM Parameter Store",
	"ecr":            "ECR (repository registry, no images)",
	"cloudformation": "CloudFormation",
}

// actionDiffers lists the operations whose IAM action is not
// "<prefix>:<operation name>" (API Gateway's control plane is a rule of
// its own, apigatewayAction). Sources: the Lambda API reference for
// Invoke and InvokeWithResponseStream ("requires permission for the
// lambda:InvokeFunction action"); the Lambda permissions reference, which
// has no GetLayerVersionByArn action and grants it with GetLayerVersion.
var actionDiffers = map[string]map[string]string{
	"lambda": {
		"Invoke":                   "lambda:InvokeFunction",
		"InvokeWithResponseStream": "lambda:InvokeFunction",
		"GetLayerVersionByArn":     "lambda:GetLayerVersion",
	},
}

// actionNotes add what a reader writing a policy must know beyond the
// action's name: further actions AWS also checks, or operations AWS does
// not authorize with identity policies at all.
var actionNotes = map[string]map[string]string{
	"sts": {
		"GetCallerIdentity":         "no permission needed: AWS answers it even under an explicit deny",
		"GetSessionToken":           "no permission needed: policies cannot control it",
		"AssumeRoleWithWebIdentity": "unsigned: the role's trust policy decides",
		"AssumeRoleWithSAML":        "unsigned: the role's trust policy decides",
	},
	"lambda": {
		"CreateFunction":              "also `iam:PassRole` on the execution role",
		"UpdateFunctionConfiguration": "also `iam:PassRole` when it changes the execution role",
	},
	"apigateway": {
		"UpdateRestApi":    "also `apigateway:UpdateRestApiPolicy` when it changes the resource policy",
		"CreateDomainName": "also `apigateway:AddCertificateToDomain`",
		"CreateAuthorizer": "also `iam:PassRole` for the authorizer's credentials role",
	},
}

// extras are operations gatehouse registers that its surface's AWS model
// does not have, each with the reason. The test fails on a registered
// operation that is neither in the model nor here, and on an entry here
// that is no longer registered or has appeared in the model.
var extras = map[string]map[string]string{
	"iam": {
		"CreateAccount": "gatehouse's own action on the IAM endpoint (`gatehouse accounts create`): creates an account, " +
			"its own IAM namespace. Only principals of the default account may call it, with `gatehouse:CreateAccount`. " +
			"AWS creates accounts with AWS Organizations' `CreateAccount` (`organizations:CreateAccount`), another service.",
		"ListAccounts": "gatehouse's own action on the IAM endpoint (`gatehouse accounts list`), with `gatehouse:ListAccounts`; " +
			"AWS's namesake is AWS Organizations' `ListAccounts`, another service.",
	},
	"lambda": {
		"GetFunctionCodeLocation": "the download URL GetFunction returns as `Code.Location` " +
			"(`GET /2015-03-31/functions/{FunctionName}/code-location`). AWS serves that URL from S3, presigned; " +
			"gatehouse serves it itself, authorized by the token in the URL (no SigV4, no IAM action), " +
			"and names it so that its requests have a metrics label.",
		"InvokeFunctionUrl": "a request to a function URL (`https://URL_ID.lambda-url.REGION.on.aws/`, served by its Host header " +
			"or at `/_lambda_url/URL_ID/`; doc/lambda.md): AWS's data plane of function URLs, which no API model describes. " +
			"It authorizes `lambda:InvokeFunctionUrl` and `lambda:InvokeFunction`, and is named so that its requests have a metrics label.",
	},
}

// executeAPIARNForm is the documented form of a method ARN (one literal,
// not an ARN being built).
const executeAPIARNForm = "`arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`"

// otherSurfaces are the surfaces app.Operations lists that have no AWS
// service model, with what they are.
var otherSurfaces = map[string]string{
	"execute-api": "the API Gateway data plane: a call to a deployed API. Its API is the customer's own, so there is " +
		"no AWS model; `Invoke` is the one operation, authorized with `execute-api:Invoke` on the method ARN, " +
		executeAPIARNForm + ".",
	"gatehouse": "gatehouse's own endpoints, `/_gatehouse/health` (`Health`), `/_gatehouse/metrics` (`Metrics`) and " +
		"the outbound web identity federation issuers' public discovery documents and JWKS, `/_gatehouse/oidc/{account-id}/.well-known/...` (`OIDC`); " +
		"not AWS operations, and not authorized by IAM.",
}

// sources say where the differences and notes of each service come from.
var sources = map[string]string{
	"iam": "Source: the Service Authorization Reference for IAM, whose actions are named after the operations; " +
		"operations added recently are assumed to follow the rule.",
	"sts": "Sources: the STS API reference (GetCallerIdentity) and the IAM User Guide, \"Permissions for GetSessionToken\" " +
		"and \"Permissions for AssumeRoleWithWebIdentity\".",
	"apigateway": "Sources: the Service Authorization Reference, \"Amazon API Gateway Management\" (operation to action table); " +
		"the API Gateway Developer Guide, \"Create and attach an API Gateway resource policy\" (UpdateRestApiPolicy).",
	"lambda": "Sources: the Lambda API reference (Invoke and InvokeWithResponseStream \"require permission for the " +
		"lambda:InvokeFunction action\"; CreateFunction's iam:PassRole) and the Lambda permissions reference (layer " +
		"actions: GetLayerVersionByArn has no action of its own). Operations added recently (durable executions, " +
		"capacity providers) are assumed to follow the naming rule.",
	"logs": "Source: the CloudWatch Logs permissions reference (\"use the logs: prefix followed by the API operation name\"). " +
		"gatehouse serves the read operations over functions' logs, the groups /aws/lambda/FUNCTION, and log groups " +
		"with their retention as records (CreateLogGroup, DeleteLogGroup, PutRetentionPolicy, DeleteRetentionPolicy; doc/logs.md).",
	"s3": "Source: the Service Authorization Reference, \"Actions defined by Amazon S3\" (S3's actions are mostly not named " +
		"after its operations). The actions of implemented operations are gatehouse's operation table (internal/s3); for the " +
		"others see that reference. doc/s3.md says what is served.",
	"ssm": "Source: the Service Authorization Reference, \"Actions defined by AWS Systems Manager\". gatehouse serves " +
		"Parameter Store (doc/ssm.md).",
	"ecr": "Source: the Service Authorization Reference, \"Actions defined by Amazon Elastic Container Registry\". " +
		"gatehouse serves the repository registry deployment tools use, without images (doc/cloudformation.md).",
}

// s3Actions are the IAM actions of the S3 operations gatehouse serves.
var s3Actions = func() map[string][]string {
	m := map[string][]string{}
	for _, op := range s3.OperationTable() {
		m[op.Name] = op.Actions
	}
	return m
}()

// s3ActionNotes explain the second action of an operation that has two.
var s3ActionNotes = map[string]string{
	"CopyObject": "also `s3:GetObject` on the source object",
	"GetObject":  "`s3:ListBucket` decides whether a missing key is NoSuchKey (allowed) or AccessDenied",
	"HeadObject": "`s3:ListBucket` decides whether a missing key is 404 (allowed) or 403",
}

// action returns the IAM action AWS checks for op of service, and any note.
func action(service string, op *awsmodel.Operation) (string, string) {
	note := actionNotes[service][op.Name]
	if service == "s3" {
		acts, ok := s3Actions[op.Name]
		if !ok {
			return "", "see the Service Authorization Reference"
		}
		if n := s3ActionNotes[op.Name]; n != "" {
			note = n
		}
		return acts[0], note
	}
	if service == "apigateway" {
		return "apigateway:" + op.Method, note
	}
	if a, ok := actionDiffers[service][op.Name]; ok {
		return a, joinNotes("the action is not named after the operation", note)
	}
	return service + ":" + op.Name, note
}

func joinNotes(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

// apigatewayResource is the path of the resource an API Gateway control
// plane request is authorized on: the request URI without its query.
func apigatewayResource(op *awsmodel.Operation) string {
	p, _, _ := strings.Cut(op.RequestURI, "?")
	return p
}

// Problems lists what is wrong with the operations gatehouse registers
// (ops, as app.Operations returns them) against the models: an operation
// name the surface's AWS model lacks and extras does not explain, a stale
// extras entry, a surface with neither model nor explanation.
func Problems(models map[string]*awsmodel.Model, ops map[string][]string) []string {
	var out []string
	for _, surface := range sortedKeys(ops) {
		m, ok := models[surface]
		if !ok {
			if _, ok := otherSurfaces[surface]; !ok {
				out = append(out, fmt.Sprintf("surface %q has no AWS model and no entry in otherSurfaces", surface))
			}
			continue
		}
		for _, op := range ops[surface] {
			if !m.Has(op) && extras[surface][op] == "" {
				out = append(out, fmt.Sprintf("%s: gatehouse registers operation %q, which the AWS model (%s %s) does not have", surface, op, m.Service, m.APIVersion))
			}
		}
	}
	for _, surface := range sortedKeys(extras) {
		registered := map[string]bool{}
		for _, op := range ops[surface] {
			registered[op] = true
		}
		for _, op := range sortedKeys(extras[surface]) {
			switch {
			case !registered[op]:
				out = append(out, fmt.Sprintf("%s: extras explains %q, which gatehouse no longer registers", surface, op))
			case models[surface] != nil && models[surface].Has(op):
				out = append(out, fmt.Sprintf("%s: extras explains %q, which the AWS model now has", surface, op))
			}
		}
	}
	for _, s := range sortedKeys(otherSurfaces) {
		if _, ok := ops[s]; !ok {
			out = append(out, fmt.Sprintf("otherSurfaces explains %q, which gatehouse no longer registers", s))
		}
	}
	return out
}

// Render returns doc/operations.md. It refuses (with Problems) rather
// than document an operation name AWS does not have.
func Render(models map[string]*awsmodel.Model, ops map[string][]string) ([]byte, error) {
	if p := Problems(models, ops); len(p) > 0 {
		return nil, fmt.Errorf("operations gatehouse registers disagree with the AWS models:\n  %s", strings.Join(p, "\n  "))
	}
	implemented := map[string]map[string]bool{}
	for surface, names := range ops {
		implemented[surface] = map[string]bool{}
		for _, n := range names {
			implemented[surface][n] = true
		}
	}
	count := func(s string) int {
		n := 0
		for _, op := range models[s].Operations {
			if implemented[s][op.Name] {
				n++
			}
		}
		return n
	}

	var b bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Operations: the AWS models and what gatehouse implements\n\n")
	w("_Generated by internal/tools/opsdoc (`make doc`, or `go generate ./internal/tools/opsdoc`); do not edit._\n\n")
	w("Every operation of the AWS service model of each service gatehouse serves, whether gatehouse\n")
	w("implements it, and the IAM action a policy names to allow it. The models are the committed\n")
	w("[doc/aws-models](aws-models) files, extracted from botocore (`make ops-models` re-extracts them from the\n")
	w("botocore installed on the machine); \"implemented\" means gatehouse registers the operation\n")
	w("(`app.Operations()`, the same closed set its metrics are labelled with). A test regenerates this\n")
	w("file and fails if it differs, or if gatehouse registers an operation name its AWS model does not have.\n\n")

	w("| Service | AWS model | Implemented |\n|---|---|---|\n")
	total, totalImpl := 0, 0
	for _, s := range awsmodel.Services {
		m := models[s]
		n := count(s)
		total += len(m.Operations)
		totalImpl += n
		w("| [%s](#%s) | `%s` %s, %s, botocore %s | %d of %d |\n", titles[s], anchor(titles[s]), s, m.APIVersion, m.Protocol, m.Botocore, n, len(m.Operations))
	}
	w("| Total | | %d of %d |\n\n", totalImpl, total)

	for _, s := range awsmodel.Services {
		m := models[s]
		w("## %s\n\n", titles[s])
		w("`%s`, %s (API version %s, %s protocol): **implemented %d of %d operations**.\n", s, m.FullName, m.APIVersion, m.Protocol, count(s), len(m.Operations))
		if s == "apigateway" {
			w("The control plane is authorized by HTTP method, not by operation: the action is `apigateway:METHOD`\n")
			w("on `arn:aws:apigateway:REGION::PATH`, PATH being the request's path (the resource column, with\n")
			w("its `{parameters}` filled in).\n")
		} else if s == "s3" {
			w("S3's IAM actions are mostly not named after its operations (HeadBucket is `s3:ListBucket`,\n")
			w("DeleteBucketEncryption is `s3:PutEncryptionConfiguration`); resources are `arn:aws:s3:::BUCKET` and\n")
			w("`arn:aws:s3:::BUCKET/KEY`.\n")
		} else {
			w("The IAM action is `%s:` followed by the operation's name unless the notes say otherwise.\n", s)
		}
		w("%s\n", sources[s])
		w("\n")
		if m.IsREST() {
			if s == "apigateway" {
				w("| Operation | Implemented | IAM action | Resource (PATH) | Notes | Summary |\n|---|---|---|---|---|---|\n")
			} else {
				w("| Operation | Implemented | HTTP request | IAM action | Notes | Summary |\n|---|---|---|---|---|---|\n")
			}
		} else {
			w("| Operation | Implemented | IAM action | Notes | Summary |\n|---|---|---|---|---|\n")
		}
		for i := range m.Operations {
			op := &m.Operations[i]
			name := op.Name
			if op.Deprecated {
				name += " (deprecated)"
			}
			impl := "no"
			if implemented[s][op.Name] {
				impl = "**yes**"
			}
			a, note := action(s, op)
			act := "—"
			if a != "" {
				act = "`" + a + "`"
			}
			switch {
			case s == "apigateway":
				w("| %s | %s | %s | `%s` | %s | %s |\n", name, impl, act, apigatewayResource(op), cell(note), cell(op.Summary))
			case m.IsREST():
				w("| %s | %s | `%s %s` | %s | %s | %s |\n", name, impl, op.Method, op.RequestURI, act, cell(note), cell(op.Summary))
			default:
				w("| %s | %s | %s | %s | %s |\n", name, impl, act, cell(note), cell(op.Summary))
			}
		}
		w("\n")
	}

	w("## Operations gatehouse has that no AWS model lists\n\n")
	w("Operation names gatehouse registers (and labels metrics with) beyond the AWS models above, and why.\n\n")
	for _, s := range sortedKeys(extras) {
		for _, op := range sortedKeys(extras[s]) {
			w("- `%s` `%s`: %s\n", s, op, extras[s][op])
		}
	}
	for _, s := range sortedKeys(otherSurfaces) {
		names := append([]string(nil), ops[s]...)
		sort.Strings(names)
		w("- `%s` (%s): %s\n", s, strings.Join(names, ", "), otherSurfaces[s])
	}
	return b.Bytes(), nil
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// anchor is GitHub's heading anchor for a title made of letters, spaces,
// commas and parentheses.
func anchor(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
