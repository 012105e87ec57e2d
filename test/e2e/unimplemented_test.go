package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestUnimplementedServicesWithRealClients: the AWS CLI (v1, and Debian's
// v2 where installed) and boto3, pointed at gatehouse for a service it does
// not serve, print that service's own unknown-operation error naming the
// service, not an authentication failure (issue #13).
func TestUnimplementedServicesWithRealClients(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end: runs the AWS CLI")
	}
	clis := []string{}
	if p, err := exec.LookPath("aws"); err == nil {
		clis = append(clis, p)
	}
	if _, err := os.Stat("/usr/bin/aws"); err == nil && (len(clis) == 0 || clis[0] != "/usr/bin/aws") {
		clis = append(clis, "/usr/bin/aws")
	}
	if len(clis) == 0 {
		t.Skip("skipped: the AWS CLI is not installed")
	}
	srv := gatehousetest.Start(t)
	env := gatehousetest.ClientEnv(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey)
	// One service per protocol (JSON, Query now JSON, Query, EC2; S3, the
	// REST-XML one, is now served); internal/server's table test covers
	// the wire formats.
	tests := []struct {
		args  []string
		codes []string // the code depends on the protocol the CLI's model uses
		names string
	}{
		{[]string{"dynamodb", "list-tables"}, []string{"UnknownOperationException"}, "Amazon DynamoDB (dynamodb): operation ListTables"},
		{[]string{"sqs", "list-queues"}, []string{"UnknownOperationException", "InvalidAction"}, "Amazon Simple Queue Service (sqs): operation ListQueues"},
		{[]string{"sns", "list-topics"}, []string{"InvalidAction"}, "Amazon Simple Notification Service (sns): operation ListTopics"},
		{[]string{"ec2", "describe-vpcs"}, []string{"InvalidAction"}, "Amazon Elastic Compute Cloud (ec2): operation DescribeVpcs"},
	}
	for i, cli := range clis {
		ver, _ := exec.Command(cli, "--version").CombinedOutput()
		for j, tt := range tests {
			if i > 0 && j > 2 {
				break // a second CLI: the three protocols its models may differ in
			}
			t.Run(cli+" "+strings.Join(tt.args, " "), func(t *testing.T) {
				// --endpoint-url: Debian's v2.9 ignores AWS_ENDPOINT_URL, and
				// v1's sqs customization does for us-east-1.
				cmd := exec.Command(cli, append(tt.args, "--endpoint-url", srv.URL)...)
				cmd.Env = append(env, "AWS_MAX_ATTEMPTS=1")
				out, err := cmd.CombinedOutput()
				got := string(out)
				ok := false
				for _, c := range tt.codes {
					ok = ok || strings.Contains(got, "An error occurred ("+c+")")
				}
				if err == nil || !ok || !strings.Contains(got, "gatehouse does not implement "+tt.names) || strings.Contains(got, "Authentication Token") {
					t.Errorf("%s: %v\n%s", strings.TrimSpace(string(ver)), err, got)
				}
			})
		}
	}
	if exec.Command("python3", "-c", "import boto3").Run() != nil {
		t.Log("boto3 not installed: its run skipped")
		return
	}
	cmd := exec.Command("python3", "-c", `
import boto3, botocore, sys
c = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1")
try:
    c.list_tables()
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["Error"]["Message"])
`, srv.URL)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "UnknownOperationException gatehouse does not implement Amazon DynamoDB (dynamodb)") {
		t.Errorf("boto3: %v %s", err, out)
	}
}
