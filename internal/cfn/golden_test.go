package cfn_test

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// goldenMasks replace what changes between runs (request ids, times,
// generated ids and physical names) with placeholders.
var goldenMasks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`<RequestId>[^<]+</RequestId>`), `<RequestId>REQUEST-ID</RequestId>`},
	{regexp.MustCompile(`(?i)x-amzn-RequestId: \S+`), `X-Amzn-Requestid: REQUEST-ID`},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`), `2026-01-02T03:04:05.000Z`},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), `UUID`},
	{regexp.MustCompile(`(golden-[a-z]+-R)-[A-Za-z0-9]+`), `${1}-SUFFIX`},
	{regexp.MustCompile(`AROA[A-Z2-7]+`), `AROAXXXXXXXXXXXXX`},
}

func goldenNormalize(s string) string {
	for _, m := range goldenMasks {
		s = m.re.ReplaceAllString(s, m.with)
	}
	return s
}

// goldenCall sends a signed CloudFormation Query request and returns the
// status, the headers the frame emits, and the body.
func goldenCall(t *testing.T, srvURL string, kv ...string) (string, string) {
	t.Helper()
	form := url.Values{"Version": {"2010-05-15"}}
	for i := 0; i < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	body := form.Encode()
	req, _ := http.NewRequest(http.MethodPost, srvURL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	gatehousetest.Sign(t, req, gatehousetest.RootCredentials, "cloudformation", []byte(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var h strings.Builder
	h.WriteString(resp.Status + "\n")
	for _, k := range []string{"Content-Type", "Content-Length", "X-Amzn-Requestid"} {
		h.WriteString(k + ": " + resp.Header.Get(k) + "\n")
	}
	return h.String() + string(b) + "\n", string(b)
}

var stackIDRE = regexp.MustCompile(`<StackId>(arn:[^<]+)</StackId>`)

const goldenExporter = `AWSTemplateFormatVersion: '2010-09-09'
Description: golden exporter
Parameters:
  RolePath: {Type: String, Default: /golden/, Description: where the role lives}
  Secret: {Type: String, NoEcho: true, Default: s3cr3t}
Resources:
  R:
    Type: AWS::IAM::Role
    Metadata: {Owner: golden}
    Properties:
      Path: !Ref RolePath
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
Outputs:
  RoleArn:
    Description: the role
    Value: !GetAtt R.Arn
    Export: {Name: golden-role-arn}
  RoleName:
    Value: !Ref R
`

const goldenImporter = `Resources:
  M:
    Type: AWS::CDK::Metadata
    Properties: {Analytics: x}
Outputs:
  Imported:
    Value: !ImportValue golden-role-arn
`

const goldenUpdated = `AWSTemplateFormatVersion: '2010-09-09'
Description: golden exporter, updated
Parameters:
  RolePath: {Type: String, Default: /golden/}
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      Path: !Ref RolePath
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
  H:
    Type: AWS::CloudFormation::WaitConditionHandle
Outputs:
  RoleArn:
    Value: !GetAtt R.Arn
    Export: {Name: golden-role-arn}
`

// TestWireGolden pins the exact response (status, the headers the frame
// writes, body bytes) of every CloudFormation operation gatehouse serves,
// successes and errors, through the real server.
func TestWireGolden(t *testing.T) {
	srv := gatehousetest.Start(t)
	var out strings.Builder
	step := func(name string, kv ...string) string {
		t.Helper()
		full, body := goldenCall(t, srv.URL, kv...)
		out.WriteString("=== " + name + "\n" + goldenNormalize(full))
		return body
	}
	uuid := func(body string) string {
		t.Helper()
		m := stackIDRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no StackId in %s", body)
		}
		return m[1][strings.LastIndexByte(m[1], '/')+1:]
	}
	wait := func(body string) { srv.App.CloudFormation.Wait(uuid(body)) }

	step("MissingAction")
	step("UnknownAction", "Action", "DescribeStackSet")
	step("ValidateTemplate", "Action", "ValidateTemplate", "TemplateBody", goldenExporter)
	step("ValidateTemplate invalid", "Action", "ValidateTemplate", "TemplateBody", "Resources: {X: {Type: AWS::Nope::Thing}")
	step("GetTemplateSummary body", "Action", "GetTemplateSummary", "TemplateBody", goldenExporter)
	step("DescribeStacks missing", "Action", "DescribeStacks", "StackName", "golden-nope")
	step("CreateStack bad name", "Action", "CreateStack", "StackName", "1bad", "TemplateBody", goldenExporter)
	exp := step("CreateStack", "Action", "CreateStack", "StackName", "golden-exp", "TemplateBody", goldenExporter,
		"Capabilities.member.1", "CAPABILITY_IAM", "ClientRequestToken", "tok-1", "TimeoutInMinutes", "30",
		"NotificationARNs.member.1", "arn:aws:sns:us-east-1:000000000000:topic",
		"Parameters.member.1.ParameterKey", "RolePath", "Parameters.member.1.ParameterValue", "/golden/",
		"Tags.member.1.Key", "team", "Tags.member.1.Value", "blue")
	wait(exp)
	step("CreateStack same token", "Action", "CreateStack", "StackName", "golden-exp", "TemplateBody", goldenExporter,
		"Capabilities.member.1", "CAPABILITY_IAM", "ClientRequestToken", "tok-1")
	step("CreateStack exists", "Action", "CreateStack", "StackName", "golden-exp", "TemplateBody", goldenExporter, "Capabilities.member.1", "CAPABILITY_IAM")
	imp := step("CreateStack importer", "Action", "CreateStack", "StackName", "golden-imp", "TemplateBody", goldenImporter)
	wait(imp)
	step("DescribeStacks", "Action", "DescribeStacks", "StackName", "golden-exp")
	step("DescribeStacks all", "Action", "DescribeStacks")
	step("DescribeStackEvents", "Action", "DescribeStackEvents", "StackName", "golden-exp")
	step("DescribeStackResource", "Action", "DescribeStackResource", "StackName", "golden-exp", "LogicalResourceId", "R")
	step("DescribeStackResource missing", "Action", "DescribeStackResource", "StackName", "golden-exp", "LogicalResourceId", "Nope")
	step("DescribeStackResources", "Action", "DescribeStackResources", "StackName", "golden-exp")
	step("ListStackResources", "Action", "ListStackResources", "StackName", "golden-imp")
	step("GetTemplate", "Action", "GetTemplate", "StackName", "golden-imp")
	step("GetTemplate processed", "Action", "GetTemplate", "StackName", "golden-imp", "TemplateStage", "Processed")
	step("GetTemplateSummary stack", "Action", "GetTemplateSummary", "StackName", "golden-exp")
	step("ListExports", "Action", "ListExports")
	step("ListImports", "Action", "ListImports", "ExportName", "golden-role-arn")
	step("ListImports missing", "Action", "ListImports", "ExportName", "nope")
	step("CreateChangeSet", "Action", "CreateChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs1", "TemplateBody", goldenUpdated,
		"Capabilities.member.1", "CAPABILITY_IAM", "Description", "adds a handle")
	step("DescribeChangeSet", "Action", "DescribeChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs1")
	step("ListChangeSets", "Action", "ListChangeSets", "StackName", "golden-exp")
	step("GetTemplate change set", "Action", "GetTemplate", "StackName", "golden-exp", "ChangeSetName", "cs1")
	step("DeleteChangeSet", "Action", "DeleteChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs1")
	step("DeleteChangeSet missing", "Action", "DeleteChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs1")
	step("DescribeChangeSet missing", "Action", "DescribeChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs1")
	step("CreateChangeSet 2", "Action", "CreateChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs2", "TemplateBody", goldenUpdated,
		"Capabilities.member.1", "CAPABILITY_IAM")
	step("ExecuteChangeSet", "Action", "ExecuteChangeSet", "StackName", "golden-exp", "ChangeSetName", "cs2")
	wait(exp)
	step("DescribeStacks after change set, finished", "Action", "DescribeStacks", "StackName", "golden-exp")
	step("UpdateStack no changes", "Action", "UpdateStack", "StackName", "golden-exp", "UsePreviousTemplate", "true", "Capabilities.member.1", "CAPABILITY_IAM")
	wait(step("UpdateStack", "Action", "UpdateStack", "StackName", "golden-exp", "TemplateBody", goldenExporter, "Capabilities.member.1", "CAPABILITY_IAM"))
	step("ListStacks", "Action", "ListStacks")
	step("UpdateTerminationProtection", "Action", "UpdateTerminationProtection", "StackName", "golden-exp", "EnableTerminationProtection", "true")
	step("DeleteStack protected", "Action", "DeleteStack", "StackName", "golden-exp")
	step("UpdateTerminationProtection off", "Action", "UpdateTerminationProtection", "StackName", "golden-exp", "EnableTerminationProtection", "false")
	step("DeleteStack importer", "Action", "DeleteStack", "StackName", "golden-imp")
	wait(imp)
	step("DeleteStack missing", "Action", "DeleteStack", "StackName", "golden-nope")
	step("ListStacks deleted", "Action", "ListStacks", "StackStatusFilter.member.1", "DELETE_COMPLETE")

	golden.Check(t, filepath.Join("testdata", "wire.golden"), out.String())
}
