package iam_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

func TestServiceLinkedRoles(t *testing.T) {
	_, ic, _ := rootClients(t)
	cr, err := ic.CreateServiceLinkedRole(Ctx, &awsiam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")})
	if err != nil {
		t.Fatal(err)
	}
	r := cr.Role
	if *r.RoleName != "AWSServiceRoleForAutoScaling" || *r.Path != "/aws-service-role/autoscaling.amazonaws.com/" ||
		*r.Arn != "arn:aws:iam::000000000000:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling" {
		t.Fatalf("role %+v", r)
	}
	_, err = ic.CreateServiceLinkedRole(Ctx, &awsiam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")})
	WantCode(t, err, "InvalidInput")
	if _, err := ic.CreateServiceLinkedRole(Ctx, &awsiam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com"), CustomSuffix: aws.String("two")}); err != nil {
		t.Fatal(err)
	}
	ap, err := ic.ListAttachedRolePolicies(Ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: r.RoleName})
	if err != nil || len(ap.AttachedPolicies) != 1 || *ap.AttachedPolicies[0].PolicyName != "AutoScalingServiceRolePolicy" {
		t.Fatalf("attached %+v %v", ap, err)
	}
	_, err = ic.DeleteRole(Ctx, &awsiam.DeleteRoleInput{RoleName: r.RoleName})
	if msg := WantCode(t, err, "UnmodifiableEntity"); !strings.Contains(msg, "protected role") {
		t.Fatalf("msg %q", msg)
	}
	d, err := ic.DeleteServiceLinkedRole(Ctx, &awsiam.DeleteServiceLinkedRoleInput{RoleName: r.RoleName})
	if err != nil || !strings.HasPrefix(*d.DeletionTaskId, "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling/") {
		t.Fatalf("delete %+v %v", d, err)
	}
	st, err := ic.GetServiceLinkedRoleDeletionStatus(Ctx, &awsiam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: d.DeletionTaskId})
	if err != nil || st.Status != iamtypes.DeletionTaskStatusTypeSucceeded {
		t.Fatalf("status %+v %v", st, err)
	}
	_, err = ic.GetServiceLinkedRoleDeletionStatus(Ctx, &awsiam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String("nonsense")})
	WantCode(t, err, "InvalidInput")
	ic.CreateRole(Ctx, &awsiam.CreateRoleInput{RoleName: aws.String("plain"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	_, err = ic.DeleteServiceLinkedRole(Ctx, &awsiam.DeleteServiceLinkedRoleInput{RoleName: aws.String("plain")})
	WantCode(t, err, "InvalidInput")
}

func TestCredentialReportAndAccountAnswers(t *testing.T) {
	_, ic, _ := rootClients(t)
	_, err := ic.GetCredentialReport(Ctx, &awsiam.GetCredentialReportInput{})
	WantCode(t, err, "ReportNotPresent")
	ic.CreateUser(Ctx, &awsiam.CreateUserInput{UserName: aws.String("zed")})
	ic.CreateAccessKey(Ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("zed")})
	ic.CreateLoginProfile(Ctx, &awsiam.CreateLoginProfileInput{UserName: aws.String("zed"), Password: aws.String("Passw0rd-long")})
	g, err := ic.GenerateCredentialReport(Ctx, &awsiam.GenerateCredentialReportInput{})
	if err != nil || g.State != iamtypes.ReportStateTypeStarted {
		t.Fatalf("generate %+v %v", g, err)
	}
	g, err = ic.GenerateCredentialReport(Ctx, &awsiam.GenerateCredentialReportInput{})
	if err != nil || g.State != iamtypes.ReportStateTypeComplete {
		t.Fatalf("generate again %+v %v", g, err)
	}
	rep, err := ic.GetCredentialReport(Ctx, &awsiam.GetCredentialReportInput{})
	if err != nil || rep.ReportFormat != iamtypes.ReportFormatTypeTextCsv {
		t.Fatalf("report %+v %v", rep, err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(rep.Content))).ReadAll()
	if err != nil || len(rows) != 3 || len(rows[0]) != 22 || rows[0][0] != "user" || rows[1][0] != "<root_account>" {
		t.Fatalf("csv %v %v", rows, err)
	}
	if z := rows[2]; z[0] != "zed" || z[3] != "true" || z[8] != "true" || z[13] != "false" {
		t.Fatalf("zed row %v", z)
	}

	_, err = ic.ListOrganizationsFeatures(Ctx, &awsiam.ListOrganizationsFeaturesInput{})
	WantCode(t, err, "OrganizationNotFoundException")
	_, err = ic.EnableOrganizationsRootSessions(Ctx, &awsiam.EnableOrganizationsRootSessionsInput{})
	WantCode(t, err, "OrganizationNotFoundException")
	if _, err := ic.SetSecurityTokenServicePreferences(Ctx, &awsiam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: "v2Token"}); err != nil {
		t.Fatal(err)
	}
	_, err = ic.SetSecurityTokenServicePreferences(Ctx, &awsiam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: "v3Token"})
	WantCode(t, err, "ValidationError")
	hs, err := ic.GetHumanReadableSummary(Ctx, &awsiam.GetHumanReadableSummaryInput{EntityArn: aws.String("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")})
	if err != nil || !strings.Contains(*hs.SummaryContent, "Allows actions s3:Get*") {
		t.Fatalf("summary %+v %v", hs, err)
	}
	_, err = ic.GetHumanReadableSummary(Ctx, &awsiam.GetHumanReadableSummaryInput{EntityArn: aws.String("arn:aws:iam::000000000000:policy/none")})
	WantCode(t, err, "NoSuchEntity")
}
