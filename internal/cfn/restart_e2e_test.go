package cfn_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// TestStacksSurviveRestart: stacks, their resources, outputs and events
// are in the store; a restarted server over the same data dir describes
// them and deletes the stack's resources.
func TestStacksSurviveRestart(t *testing.T) {
	t.Parallel()
	c := newCLI(t)
	id := c.must("cloudformation", "create-stack", "--stack-name", "keep", "--template-body", testdata("role_only.yaml"),
		"--capabilities", "CAPABILITY_IAM")["StackId"].(string)
	c.wait(id)
	before := strings.Join(c.events("keep"), "\n")
	dir := c.srv.DataDir
	c.srv.Close()

	srv := gatehousetest.Start(t, gatehousetest.WithDataDir(dir))
	c = &cli{t: t, srv: srv, env: srv.Env()}
	if st := c.stack("keep"); st["StackStatus"] != "CREATE_COMPLETE" || st["StackId"] != id {
		t.Fatalf("after restart: %v", st)
	}
	if after := strings.Join(c.events("keep"), "\n"); after != before {
		t.Errorf("events changed across the restart:\n%s\n---\n%s", before, after)
	}
	res := c.must("cloudformation", "describe-stack-resources", "--stack-name", "keep")["StackResources"].([]any)
	role := res[0].(map[string]any)["PhysicalResourceId"].(string)
	c.must("cloudformation", "delete-stack", "--stack-name", "keep")
	c.wait(id)
	if _, _, err := c.run("iam", "get-role", "--role-name", role); err == nil {
		t.Errorf("role %s survived the stack's deletion after restart", role)
	}
}
