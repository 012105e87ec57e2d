package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
)

// The surfaces must agree (issue #13): a policy conditioned on a global
// condition key gives the same decision on IAM, STS, the API Gateway and
// Lambda control planes, execute-api and CloudWatch Logs, because all of them build the
// request's keys with the pipeline's one builder and the IAM engine adds the
// principal's. Each case puts one identity policy on a user and calls one
// authorized operation of every surface with the user's key.

const (
	probeUA      = "gatehouse-surfaces-test/1.0"
	probeReferer = "https://referer.example/page"
	probeUser    = "prober"
)

// surface is one authorized call: it returns the HTTP status.
type surface struct {
	name string
	call func(t *testing.T, creds aws.Credentials) int
}

type harness struct {
	srv   *gatehousetest.Server
	root  aws.Credentials
	apiID string
}

// send signs body for service with creds and returns the status and body.
func (h *harness) send(t *testing.T, creds aws.Credentials, method, path, service string, body []byte, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", probeUA)
	req.Header.Set("Referer", probeReferer)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, gatehousetest.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// query sends a Query API action (IAM or STS).
func (h *harness) query(t *testing.T, creds aws.Credentials, service string, params url.Values) (int, string) {
	t.Helper()
	return h.send(t, creds, http.MethodPost, "/", service, []byte(params.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (h *harness) mustQuery(t *testing.T, service string, kv ...string) string {
	t.Helper()
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	st, body := h.query(t, h.root, service, v)
	if st != http.StatusOK {
		t.Fatalf("%s %s: %d %s", service, v.Get("Action"), st, body)
	}
	return body
}

const probeAPI = `{"openapi": "3.0.1", "info": {"title": "probe", "version": "1"},
 "paths": {"/pets": {"get": {"security": [{"sigv4": []}],
   "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}, "responses": {"default": {"statusCode": "200"}}}}}},
 "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}}}`

func setup(t *testing.T) (*harness, aws.Credentials) {
	h := &harness{srv: gatehousetest.Start(t),
		root: aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}}
	h.mustQuery(t, "iam", "Action", "CreateUser", "Version", "2010-05-08", "UserName", probeUser)
	body := h.mustQuery(t, "iam", "Action", "CreateAccessKey", "Version", "2010-05-08", "UserName", probeUser)
	creds := aws.Credentials{AccessKeyID: between(body, "<AccessKeyId>", "<"), SecretAccessKey: between(body, "<SecretAccessKey>", "<")}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + gatehousetest.AccountID + `:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`
	h.mustQuery(t, "iam", "Action", "CreateRole", "Version", "2010-05-08", "RoleName", "target", "AssumeRolePolicyDocument", trust)

	st, out := h.send(t, h.root, http.MethodPost, "/restapis?mode=import", "apigateway", []byte(probeAPI), map[string]string{"Content-Type": "application/json"})
	if st != http.StatusCreated {
		t.Fatalf("import: %d %s", st, out)
	}
	var api struct{ ID string }
	if err := json.Unmarshal([]byte(out), &api); err != nil || api.ID == "" {
		t.Fatalf("import: %s", out)
	}
	h.apiID = api.ID
	st, out = h.send(t, h.root, http.MethodPost, "/restapis/"+api.ID+"/deployments", "apigateway", []byte(`{"stageName":"dev"}`), map[string]string{"Content-Type": "application/json"})
	if st != http.StatusCreated {
		t.Fatalf("deploy: %d %s", st, out)
	}
	return h, creds
}

func between(s, open, close string) string {
	_, rest, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(rest, close)
	return v
}

func (h *harness) surfaces() []surface {
	return []surface{
		{"iam", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.query(t, c, "iam", url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}})
			return st
		}},
		{"sts", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.query(t, c, "sts", url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
				"RoleArn": {"arn:aws:iam::" + gatehousetest.AccountID + ":role/target"}, "RoleSessionName": {"probe"}})
			return st
		}},
		{"apigateway", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodGet, "/restapis", "apigateway", nil, nil)
			return st
		}},
		{"lambda", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodGet, "/2015-03-31/functions/", "lambda", nil, nil)
			return st
		}},
		{"execute-api", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodGet, "/restapis/"+h.apiID+"/dev/_user_request_/pets", "execute-api", nil, nil)
			return st
		}},
		{"logs", func(t *testing.T, c aws.Credentials) int {
			st, out := h.send(t, c, http.MethodPost, "/", "logs", []byte(`{}`),
				map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Logs_20140328.DescribeLogGroups"})
			if st == http.StatusBadRequest && strings.Contains(out, `"AccessDeniedException"`) {
				// CloudWatch Logs answers a denial with 400, as AWS does.
				return http.StatusForbidden
			}
			return st
		}},
	}
}

func TestSurfacesAgreeOnConditionKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	h, creds := setup(t)
	user := "arn:aws:iam::" + gatehousetest.AccountID + ":user/" + probeUser
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name  string
		cond  string // the Condition block
		allow bool
	}{
		{"SourceIp in", `{"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}`, true},
		{"SourceIp out", `{"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}`, false},
		{"CurrentTime after", `{"DateGreaterThan": {"aws:CurrentTime": "` + past.UTC().Format(time.RFC3339) + `"}}`, true},
		{"CurrentTime before", `{"DateGreaterThan": {"aws:CurrentTime": "` + future.UTC().Format(time.RFC3339) + `"}}`, false},
		{"EpochTime", `{"NumericGreaterThan": {"aws:EpochTime": "` + fmt.Sprint(past.Unix()) + `"}}`, true},
		{"EpochTime future", `{"NumericGreaterThan": {"aws:EpochTime": "` + fmt.Sprint(future.Unix()) + `"}}`, false},
		{"SecureTransport", `{"Bool": {"aws:SecureTransport": "false"}}`, true},
		{"SecureTransport required", `{"Bool": {"aws:SecureTransport": "true"}}`, false},
		{"UserAgent", `{"StringEquals": {"aws:UserAgent": "` + probeUA + `"}}`, true},
		{"UserAgent other", `{"StringEquals": {"aws:UserAgent": "other"}}`, false},
		{"Referer", `{"StringEquals": {"aws:Referer": "` + probeReferer + `"}}`, true},
		{"Referer other", `{"StringLike": {"aws:Referer": "https://other.example/*"}}`, false},
		{"RequestedRegion", `{"StringEquals": {"aws:RequestedRegion": "us-east-1"}}`, true},
		{"RequestedRegion other", `{"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}`, false},
		{"ViaAWSService", `{"Bool": {"aws:ViaAWSService": "false"}}`, true},
		{"CalledVia absent", `{"Null": {"aws:CalledVia": "true", "aws:CalledViaFirst": "true", "aws:CalledViaLast": "true"}}`, true},
		{"CalledVia present", `{"Null": {"aws:CalledVia": "false"}}`, false},
		{"PrincipalArn", `{"ArnEquals": {"aws:PrincipalArn": "` + user + `"}}`, true},
		{"PrincipalArn other", `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::` + gatehousetest.AccountID + `:user/else"}}`, false},
		{"PrincipalAccount", `{"StringEquals": {"aws:PrincipalAccount": "` + gatehousetest.AccountID + `"}}`, true},
		{"PrincipalType", `{"StringEquals": {"aws:PrincipalType": "User"}}`, true},
		{"PrincipalIsAWSService", `{"Bool": {"aws:PrincipalIsAWSService": "false"}}`, true},
		{"username", `{"StringEquals": {"aws:username": "` + probeUser + `"}}`, true},
		{"userid", `{"StringLike": {"aws:userid": "AIDA*"}}`, true},
		// A long-term key carries no session: the MFA and token keys are
		// absent, not false.
		{"MultiFactorAuthPresent absent", `{"Null": {"aws:MultiFactorAuthPresent": "true", "aws:TokenIssueTime": "true"}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + tc.cond + `}]}`
			h.mustQuery(t, "iam", "Action", "PutUserPolicy", "Version", "2010-05-08", "UserName", probeUser, "PolicyName", "p", "PolicyDocument", pol)
			for _, s := range h.surfaces() {
				st := s.call(t, creds)
				if allowed := st == http.StatusOK; allowed != tc.allow || (!allowed && st != http.StatusForbidden) {
					t.Errorf("%s: status %d, want allowed=%v", s.name, st, tc.allow)
				}
			}
		})
	}
}

// TestSurfacesAgreeOnRequestTags: an operation that attaches tags carries
// aws:RequestTag/<key> and aws:TagKeys on every surface (a denial is 403;
// anything else got past authorization, e.g. Lambda's 404 for a function
// that does not exist).
func TestSurfacesAgreeOnRequestTags(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	h, creds := setup(t)
	fn := "arn:aws:lambda:" + gatehousetest.Region + ":" + gatehousetest.AccountID + ":function:nope"
	tagging := []surface{
		{"iam TagUser", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.query(t, c, "iam", url.Values{"Action": {"TagUser"}, "Version": {"2010-05-08"}, "UserName": {probeUser},
				"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}})
			return st
		}},
		{"sts AssumeRole", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.query(t, c, "sts", url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"},
				"RoleArn": {"arn:aws:iam::" + gatehousetest.AccountID + ":role/target"}, "RoleSessionName": {"probe"},
				"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}})
			return st
		}},
		{"apigateway CreateRestApi", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodPost, "/restapis", "apigateway", []byte(`{"name":"tagged","tags":{"team":"blue"}}`),
				map[string]string{"Content-Type": "application/json"})
			return st
		}},
		{"lambda TagResource", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodPost, "/2017-03-31/tags/"+url.PathEscape(fn), "lambda", []byte(`{"Tags":{"team":"blue"}}`),
				map[string]string{"Content-Type": "application/json"})
			return st
		}},
	}
	for _, tc := range []struct {
		name  string
		cond  string
		allow bool
	}{
		{"RequestTag", `{"StringEquals": {"aws:RequestTag/team": "blue"}}`, true},
		{"RequestTag other", `{"StringEquals": {"aws:RequestTag/team": "red"}}`, false},
		{"TagKeys", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}, "Null": {"aws:TagKeys": "false"}}`, true},
		{"TagKeys other", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + tc.cond + `}]}`
			h.mustQuery(t, "iam", "Action", "PutUserPolicy", "Version", "2010-05-08", "UserName", probeUser, "PolicyName", "p", "PolicyDocument", pol)
			for _, s := range tagging {
				st := s.call(t, creds)
				if allowed := st != http.StatusForbidden; allowed != tc.allow {
					t.Errorf("%s: status %d, want allowed=%v", s.name, st, tc.allow)
				}
			}
		})
	}
}

// TestResourceTags: aws:ResourceTag/<key> carries the tags of the resource
// acted on: an IAM user's own, an API's on everything under it (API
// Gateway's tag inheritance), a stage's own over its API's.
func TestResourceTags(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	h, creds := setup(t)
	h.mustQuery(t, "iam", "Action", "TagUser", "Version", "2010-05-08", "UserName", probeUser, "Tags.member.1.Key", "team", "Tags.member.1.Value", "blue")
	// gatehouse serves no TagResource for API Gateway: the API is
	// created with its tags.
	st, out := h.send(t, h.root, http.MethodPost, "/restapis", "apigateway", []byte(`{"name":"owned","tags":{"team":"blue"}}`), map[string]string{"Content-Type": "application/json"})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %s", st, out)
	}
	var api struct{ ID string }
	_ = json.Unmarshal([]byte(out), &api)
	surfaces := []surface{
		{"iam GetUser (self)", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.query(t, c, "iam", url.Values{"Action": {"GetUser"}, "Version": {"2010-05-08"}})
			return st
		}},
		{"apigateway GetRestApi", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodGet, "/restapis/"+api.ID, "apigateway", nil, nil)
			return st
		}},
		{"apigateway GetResources (inherited)", func(t *testing.T, c aws.Credentials) int {
			st, _ := h.send(t, c, http.MethodGet, "/restapis/"+api.ID+"/resources", "apigateway", nil, nil)
			return st
		}},
	}
	for _, tc := range []struct {
		name  string
		cond  string
		allow bool
	}{
		{"ResourceTag", `{"StringEquals": {"aws:ResourceTag/team": "blue"}}`, true},
		{"ResourceTag other", `{"StringEquals": {"aws:ResourceTag/team": "red"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":` + tc.cond + `}]}`
			h.mustQuery(t, "iam", "Action", "PutUserPolicy", "Version", "2010-05-08", "UserName", probeUser, "PolicyName", "p", "PolicyDocument", pol)
			for _, s := range surfaces {
				st := s.call(t, creds)
				if allowed := st == http.StatusOK; allowed != tc.allow || (!allowed && st != http.StatusForbidden) {
					t.Errorf("%s: status %d, want allowed=%v", s.name, st, tc.allow)
				}
			}
		})
	}
}
