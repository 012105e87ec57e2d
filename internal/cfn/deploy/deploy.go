// Package deploy is the gatehouse deploy, stacks and delete commands: a
// client of gatehouse's CloudFormation API (package cfn) over HTTP, with
// the caller's credentials, never a server of it.
package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse-dev/gatehouse/internal/cfn/tmpl"
	"github.com/gatehouse-dev/gatehouse/internal/clientcall"
)

const deployUsage = `Usage: gatehouse deploy [flags] PATH

Deploy a SAM or CloudFormation template (PATH is the template file, a
directory holding template.yaml, template.yml or template.json, or a CDK
cloud assembly: the cdk.out directory of cdk synth) as a stack,
through gatehouse's CloudFormation API, with the same credentials and
authorization as the AWS CLI. Local code paths (a SAM function's CodeUri,
a Lambda function's Code, a CDK app's function assets) are zipped and sent
inline: no S3 bucket and no cdk bootstrap needed.
Events are printed as the stack changes; the outputs are printed at the end,
with how to call the APIs they name.

Flags:
`

// DeployCommand is `gatehouse deploy`.
func DeployCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fset := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fset.SetOutput(stderr)
	target := clientcall.Target{Stderr: stderr}
	clientcall.Flags(fset, &target, "cloudformation", getenv)
	stackName := fset.String("stack-name", "", "stack name (default: the template directory's name)")
	var overrides paramList
	fset.Var(&overrides, "parameter-overrides", "template parameters as Key=Value (repeatable, or several separated by spaces)")
	caps := fset.String("capabilities", "CAPABILITY_IAM,CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND", "capabilities acknowledged, comma-separated")
	role := fset.String("role-arn", "", "role the stack acts as (default: your own credentials)")
	watch := fset.Bool("watch", false, "after deploying, deploy again whenever a file under PATH's directory changes (Ctrl-C stops)")
	fset.Usage = func() {
		fmt.Fprint(stderr, deployUsage)
		fset.PrintDefaults()
	}
	pos, code := parseInterleaved(fset, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fset.Usage()
		return 2
	}
	d := deployment{path: pos[0], stackName: *stackName, overrides: overrides, caps: *caps, role: *role, target: target}
	if !*watch {
		return d.run(ctx, stdout, stderr)
	}
	return d.watch(ctx, stdout, stderr, watchInterval)
}

// deployment is one `gatehouse deploy` invocation's settings.
type deployment struct {
	path, stackName, caps, role string
	overrides                   paramList
	target                      clientcall.Target
}

// run deploys once: package PATH, create and execute a change set, follow
// its events, print the summary. It returns the command's exit code.
func (d *deployment) run(ctx context.Context, stdout, stderr io.Writer) int {
	stackName, overrides, caps, role, target := &d.stackName, d.overrides, &d.caps, &d.role, d.target
	pos := []string{d.path}
	var body, name string
	if isAssembly(pos[0]) {
		// A CDK cloud assembly (cdk.out): its stack's name by default.
		var err error
		if body, name, err = packageAssembly(pos[0], *stackName); err != nil {
			fmt.Fprintln(stderr, "gatehouse deploy:", err)
			return 1
		}
	} else {
		file, err := templateFile(pos[0])
		if err != nil {
			fmt.Fprintln(stderr, "gatehouse deploy:", err)
			return 2
		}
		if body, err = packageTemplate(file); err != nil {
			fmt.Fprintln(stderr, "gatehouse deploy:", err)
			return 1
		}
		name = *stackName
		if name == "" {
			name = defaultStackName(file)
		}
	}
	creds, region, err := target.Resolve(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	c := &cfnClient{endpoint: target.Endpoint, region: region, creds: creds}
	existing, err := c.describe(ctx, name)
	if err != nil && !errors.Is(err, errNoStack) {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	typ := "CREATE"
	if existing != nil && existing.StackStatus != "REVIEW_IN_PROGRESS" {
		typ = "UPDATE"
	}
	if existing != nil && existing.StackStatus == "ROLLBACK_COMPLETE" {
		// A stack whose creation rolled back cannot be updated: AWS's
		// advice is to delete it and create again, which deploy does.
		fmt.Fprintf(stdout, "Stack %s is in ROLLBACK_COMPLETE: deleting it before creating it again\n", name)
		if code := c.deleteAndWait(ctx, name, existing.StackId, stdout, stderr); code != 0 {
			return code
		}
		typ = "CREATE"
	}
	form := url.Values{"Action": {"CreateChangeSet"}, "Version": {"2010-05-15"}, "StackName": {name},
		"ChangeSetName": {"gatehouse-deploy-" + time.Now().UTC().Format("20060102150405")}, "ChangeSetType": {typ},
		"TemplateBody": {body}}
	for i, cp := range strings.Split(*caps, ",") {
		if cp = strings.TrimSpace(cp); cp != "" {
			form.Set(fmt.Sprintf("Capabilities.member.%d", i+1), cp)
		}
	}
	if *role != "" {
		form.Set("RoleARN", *role)
	}
	for i, p := range overrides {
		k, v, _ := strings.Cut(p, "=")
		form.Set(fmt.Sprintf("Parameters.member.%d.ParameterKey", i+1), k)
		form.Set(fmt.Sprintf("Parameters.member.%d.ParameterValue", i+1), v)
	}
	var created struct {
		ID      string `xml:"CreateChangeSetResult>Id"`
		StackID string `xml:"CreateChangeSetResult>StackId"`
	}
	if err := c.call(ctx, form, &created); err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	var cs struct {
		Status       string `xml:"DescribeChangeSetResult>Status"`
		StatusReason string `xml:"DescribeChangeSetResult>StatusReason"`
		Changes      []struct {
			Action  string `xml:"ResourceChange>Action"`
			Logical string `xml:"ResourceChange>LogicalResourceId"`
			Type    string `xml:"ResourceChange>ResourceType"`
			Replace string `xml:"ResourceChange>Replacement"`
		} `xml:"DescribeChangeSetResult>Changes>member"`
	}
	if err := c.call(ctx, url.Values{"Action": {"DescribeChangeSet"}, "ChangeSetName": {created.ID}}, &cs); err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	if cs.Status == "FAILED" {
		_ = c.call(ctx, url.Values{"Action": {"DeleteChangeSet"}, "ChangeSetName": {created.ID}}, nil)
		if strings.Contains(cs.StatusReason, "didn't contain changes") {
			fmt.Fprintf(stdout, "No changes to deploy. Stack %s is up to date.\n", name)
			return c.summary(ctx, name, stdout, stderr)
		}
		fmt.Fprintln(stderr, "gatehouse deploy: change set failed:", cs.StatusReason)
		return 1
	}
	fmt.Fprintf(stdout, "Deploying stack %s (%s) to %s, region %s\n", name, strings.ToLower(typ), target.Endpoint, region)
	for _, ch := range cs.Changes {
		r := ""
		if ch.Replace == "True" {
			r = " (replacement)"
		}
		fmt.Fprintf(stdout, "  %-7s %-40s %s%s\n", ch.Action, ch.Logical, ch.Type, r)
	}
	since := time.Now().Add(-time.Second)
	if err := c.call(ctx, url.Values{"Action": {"ExecuteChangeSet"}, "ChangeSetName": {created.ID}}, nil); err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	status, err := c.follow(ctx, created.StackID, since, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	if status != "CREATE_COMPLETE" && status != "UPDATE_COMPLETE" {
		fmt.Fprintf(stderr, "gatehouse deploy: stack %s ended in %s\n", name, status)
		return 1
	}
	fmt.Fprintf(stdout, "Stack %s: %s\n", name, status)
	return c.summary(ctx, name, stdout, stderr)
}

// StacksCommand is `gatehouse stacks`: the region's live stacks.
func StacksCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fset := flag.NewFlagSet("stacks", flag.ContinueOnError)
	fset.SetOutput(stderr)
	target := clientcall.Target{Stderr: stderr}
	clientcall.Flags(fset, &target, "cloudformation", getenv)
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	creds, region, err := target.Resolve(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse stacks:", err)
		return 1
	}
	c := &cfnClient{endpoint: target.Endpoint, region: region, creds: creds}
	var raw struct {
		Stacks []struct {
			StackName       string
			StackStatus     string
			CreationTime    string
			LastUpdatedTime string
		} `xml:"ListStacksResult>StackSummaries>member"`
	}
	if err := c.call(ctx, url.Values{"Action": {"ListStacks"}}, &raw); err != nil {
		fmt.Fprintln(stderr, "gatehouse stacks:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%-32s %-28s %s\n", "STACK", "STATUS", "LAST CHANGE")
	for _, s := range raw.Stacks {
		if s.StackStatus == "DELETE_COMPLETE" {
			continue
		}
		when := s.LastUpdatedTime
		if when == "" {
			when = s.CreationTime
		}
		fmt.Fprintf(stdout, "%-32s %-28s %s\n", s.StackName, s.StackStatus, when)
	}
	return 0
}

// DeleteCommand is `gatehouse delete STACK`.
func DeleteCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fset := flag.NewFlagSet("delete", flag.ContinueOnError)
	fset.SetOutput(stderr)
	target := clientcall.Target{Stderr: stderr}
	clientcall.Flags(fset, &target, "cloudformation", getenv)
	fset.Usage = func() {
		fmt.Fprint(stderr, "Usage: gatehouse delete [flags] STACK\n\nDelete a stack and every resource it created (but those with DeletionPolicy Retain).\n\nFlags:\n")
		fset.PrintDefaults()
	}
	pos, code := parseInterleaved(fset, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fset.Usage()
		return 2
	}
	creds, region, err := target.Resolve(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse delete:", err)
		return 1
	}
	c := &cfnClient{endpoint: target.Endpoint, region: region, creds: creds}
	st, err := c.describe(ctx, pos[0])
	if errors.Is(err, errNoStack) {
		fmt.Fprintf(stderr, "gatehouse delete: stack %s does not exist\n", pos[0])
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse delete:", err)
		return 1
	}
	return c.deleteAndWait(ctx, pos[0], st.StackId, stdout, stderr)
}

func (c *cfnClient) deleteAndWait(ctx context.Context, name, id string, stdout, stderr io.Writer) int {
	since := time.Now().Add(-time.Second)
	if err := c.call(ctx, url.Values{"Action": {"DeleteStack"}, "StackName": {name}}, nil); err != nil {
		fmt.Fprintln(stderr, "gatehouse delete:", err)
		return 1
	}
	status, err := c.follow(ctx, id, since, stdout)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse delete:", err)
		return 1
	}
	if status != "DELETE_COMPLETE" {
		fmt.Fprintf(stderr, "gatehouse delete: stack %s ended in %s\n", name, status)
		return 1
	}
	fmt.Fprintf(stdout, "Stack %s: %s\n", name, status)
	return 0
}

type paramList []string

func (p *paramList) String() string { return strings.Join(*p, " ") }
func (p *paramList) Set(v string) error {
	for _, f := range strings.Fields(v) {
		if !strings.Contains(f, "=") {
			return fmt.Errorf("%q: want Key=Value", f)
		}
		*p = append(*p, f)
	}
	return nil
}

// parseInterleaved parses flags that may come before or after the
// positional arguments; code is -1 to go on, else the exit code.
func parseInterleaved(fset *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	rest := args
	for {
		if err := fset.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, 0
			}
			return nil, 2
		}
		if fset.NArg() == 0 {
			return pos, -1
		}
		pos = append(pos, fset.Arg(0))
		rest = fset.Args()[1:]
	}
}

func templateFile(p string) (string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return p, nil
	}
	for _, n := range []string{"template.yaml", "template.yml", "template.json"} {
		if _, err := os.Stat(filepath.Join(p, n)); err == nil {
			return filepath.Join(p, n), nil
		}
	}
	return "", fmt.Errorf("%s has no template.yaml, template.yml or template.json", p)
}

var nonName = regexp.MustCompile(`[^a-zA-Z0-9-]+`)

func defaultStackName(file string) string {
	dir, _ := filepath.Abs(filepath.Dir(file))
	n := nonName.ReplaceAllString(filepath.Base(dir), "-")
	n = strings.Trim(n, "-")
	if n == "" || !(n[0] >= 'a' && n[0] <= 'z' || n[0] >= 'A' && n[0] <= 'Z') {
		n = "stack-" + n
	}
	if len(n) > 128 {
		n = n[:128]
	}
	return n
}

// packageTemplate reads the template and replaces local code paths with
// inline zips ({"ZipBase64": ...}), the way `aws cloudformation package`
// replaces them with S3 locations. The result is JSON.
func packageTemplate(file string) (string, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	tpl, err := tmpl.Parse(raw)
	if err != nil {
		return "", err
	}
	base := filepath.Dir(file)
	local := func(v any) (string, bool) {
		s, ok := v.(string)
		if !ok || s == "" || strings.HasPrefix(s, "s3://") || strings.Contains(s, "://") {
			return "", false
		}
		if !filepath.IsAbs(s) {
			s = filepath.Join(base, s)
		}
		return s, true
	}
	pack := func(path string) (map[string]any, error) {
		z, err := zipPath(path)
		if err != nil {
			return nil, err
		}
		return map[string]any{"ZipBase64": base64.StdEncoding.EncodeToString(z)}, nil
	}
	if g, ok := tpl["Globals"].(map[string]any); ok {
		if f, ok := g["Function"].(map[string]any); ok {
			if p, ok := local(f["CodeUri"]); ok {
				// Functions inherit it: pack it into each one below.
				delete(f, "CodeUri")
				res, _ := tpl["Resources"].(map[string]any)
				for _, r := range res {
					m, _ := r.(map[string]any)
					if m["Type"] == "AWS::Serverless::Function" {
						props, _ := m["Properties"].(map[string]any)
						if props == nil {
							props = map[string]any{}
							m["Properties"] = props
						}
						if _, has := props["CodeUri"]; !has {
							if _, inline := props["InlineCode"]; !inline {
								props["CodeUri"] = p
							}
						}
					}
				}
			}
		}
	}
	res, _ := tpl["Resources"].(map[string]any)
	for _, id := range slices.Sorted(maps.Keys(res)) {
		m, _ := res[id].(map[string]any)
		props, _ := m["Properties"].(map[string]any)
		if props == nil {
			continue
		}
		key := ""
		switch m["Type"] {
		case "AWS::Serverless::Function":
			key = "CodeUri"
		case "AWS::Lambda::Function":
			key = "Code"
		}
		if key == "" {
			continue
		}
		if p, ok := local(props[key]); ok {
			code, err := pack(p)
			if err != nil {
				return "", fmt.Errorf("resource %s: %w", id, err)
			}
			props[key] = code
		}
	}
	s, err := tmpl.JSON(tpl)
	return s, err
}

// zipPath zips a directory's files (or one file) with fixed timestamps,
// so unchanged code zips to the same bytes and deploys as no change.
func zipPath(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var files []string
	root := path
	if fi.IsDir() {
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else {
		root = filepath.Dir(path)
		files = []string{path}
	}
	sort.Strings(files)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	epoch := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		st, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		h := &zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: epoch}
		h.SetMode(st.Mode().Perm())
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(b); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cfnClient makes CloudFormation Query calls for the commands.
type cfnClient struct {
	endpoint, region string
	creds            aws.Credentials
}

var errNoStack = errors.New("no such stack")

type queryError struct {
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
}

func (c *cfnClient) call(ctx context.Context, form url.Values, out any) error {
	form.Set("Version", "2010-05-15")
	resp, err := clientcall.Post(ctx, c.endpoint, "cloudformation", c.region, c.creds,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, []byte(form.Encode()))
	if err != nil {
		return fmt.Errorf("%w (is gatehouse serving at %s?)", err, c.endpoint)
	}
	if resp.Status != http.StatusOK {
		var e queryError
		if xml.Unmarshal(resp.Body, &e) == nil && e.Code != "" {
			if e.Code == "ValidationError" && strings.HasSuffix(e.Message, "does not exist") && form.Get("Action") == "DescribeStacks" {
				return errNoStack
			}
			return fmt.Errorf("%s: %s", e.Code, e.Message)
		}
		return fmt.Errorf("HTTP %d from %s", resp.Status, c.endpoint)
	}
	if out == nil {
		return nil
	}
	return xml.Unmarshal(resp.Body, out)
}

type stackInfo struct {
	StackId     string
	StackName   string
	StackStatus string
	Outputs     []struct {
		OutputKey, OutputValue, Description string
	} `xml:"Outputs>member"`
}

func (c *cfnClient) describe(ctx context.Context, name string) (*stackInfo, error) {
	var out struct {
		Stacks []stackInfo `xml:"DescribeStacksResult>Stacks>member"`
	}
	if err := c.call(ctx, url.Values{"Action": {"DescribeStacks"}, "StackName": {name}}, &out); err != nil {
		return nil, err
	}
	if len(out.Stacks) == 0 {
		return nil, errNoStack
	}
	return &out.Stacks[0], nil
}

// follow prints the stack's new events, oldest first, until it reaches a
// final status, and returns it.
func (c *cfnClient) follow(ctx context.Context, id string, since time.Time, w io.Writer) (string, error) {
	seen := map[string]bool{}
	for {
		var out struct {
			Events []struct {
				EventId, LogicalResourceId, ResourceType, Timestamp, ResourceStatus, ResourceStatusReason string
			} `xml:"DescribeStackEventsResult>StackEvents>member"`
		}
		if err := c.call(ctx, url.Values{"Action": {"DescribeStackEvents"}, "StackName": {id}}, &out); err != nil {
			return "", err
		}
		for i := len(out.Events) - 1; i >= 0; i-- {
			e := out.Events[i]
			t, _ := time.Parse("2006-01-02T15:04:05.000Z", e.Timestamp)
			if seen[e.EventId] || t.Before(since) {
				continue
			}
			seen[e.EventId] = true
			line := fmt.Sprintf("%s  %-45s %-28s %s", t.Local().Format("15:04:05"), e.ResourceStatus, e.ResourceType, e.LogicalResourceId)
			if e.ResourceStatusReason != "" {
				line += "  " + e.ResourceStatusReason
			}
			fmt.Fprintln(w, line)
		}
		st, err := c.describe(ctx, id)
		if err != nil {
			return "", err
		}
		if !tmpl.InProgress(st.StackStatus) {
			return st.StackStatus, nil
		}
		t := time.NewTimer(500 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

// executeAPIURL matches an invoke URL under any URL suffix (amazonaws.com,
// or gatehouse's --url-suffix such as localhost:4567).
var executeAPIURL = regexp.MustCompile(`^https?://([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.[^/]+/([^/]+)(/.*)?$`)

// summary prints the stack's outputs and, for API URLs among them, the
// local URL and how to call it.
func (c *cfnClient) summary(ctx context.Context, name string, stdout, stderr io.Writer) int {
	st, err := c.describe(ctx, name)
	if err != nil {
		fmt.Fprintln(stderr, "gatehouse deploy:", err)
		return 1
	}
	if len(st.Outputs) == 0 {
		return 0
	}
	fmt.Fprintln(stdout, "\nOutputs:")
	for _, o := range st.Outputs {
		fmt.Fprintf(stdout, "  %-24s %s\n", o.OutputKey, o.OutputValue)
		if m := executeAPIURL.FindStringSubmatch(o.OutputValue); m != nil {
			local := strings.TrimRight(c.endpoint, "/") + "/restapis/" + m[1] + "/" + m[2] + "/_user_request_" + m[3]
			fmt.Fprintf(stdout, "  %-24s %s\n", "", "served here at "+local)
			fmt.Fprintf(stdout, "  %-24s %s\n", "", "call it signed: gatehouse curl "+local)
		}
	}
	return 0
}
