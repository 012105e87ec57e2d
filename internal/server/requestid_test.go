package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsapigw "github.com/aws/aws-sdk-go-v2/service/apigateway"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	. "github.com/gatehouse-dev/gatehouse/internal/iam/iamtest"
)

// hostileIDs are client-sent x-amzn-RequestId values that broke the XML
// of Query responses when they were echoed (issue #12 item 15), and
// variants: markup, entity and CDATA openers, quotes, bytes that are not
// UTF-8, an id of AWS's shape, and one too long.
var hostileIDs = []string{
	"a&b<c",
	"</RequestId></ResponseMetadata><x>",
	`"'><!--`,
	"]]><![CDATA[",
	"&amp;&#0;",
	"\xff\xfe",
	"11111111-1111-4111-8111-111111111111",
	strings.Repeat("A", 65),
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestHostileRequestID sends every surface's success and error paths a
// client-chosen x-amzn-RequestId and checks that the response is
// well-formed (XML or JSON), that its request id is one gatehouse made,
// and that the body and header agree on it.
func TestHostileRequestID(t *testing.T) {
	srv := gatehousetest.Start(t)
	root := IAM(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, "")
	ctx := context.Background()

	// A user who may assume a role: AssumeRole is the STS fast path.
	if _, err := root.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/alice"},"Action":"sts:AssumeRole"}]}`
	role, err := root.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	// A public MOCK API for the data plane's success path.
	api := `{"openapi":"3.0.1","info":{"title":"rid","version":"1"},"paths":{"/hello":{"get":{"responses":{"200":{"description":"ok"}},
		"x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":"{\"statusCode\": 200}"},
		"responses":{"default":{"statusCode":"200","responseTemplates":{"application/json":"{\"Message\":\"hi\"}"}}}}}}}}`
	gw := awsapigw.NewFromConfig(Config(srv.URL, gatehousetest.AccessKeyID, gatehousetest.SecretAccessKey, ""))
	imp, err := gw.ImportRestApi(ctx, &awsapigw.ImportRestApiInput{Body: []byte(api)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreateDeployment(ctx, &awsapigw.CreateDeploymentInput{RestApiId: imp.Id, StageName: aws.String("test")}); err != nil {
		t.Fatal(err)
	}
	dataPlane := srv.URL + "/restapis/" + *imp.Id + "/test/_user_request_"

	rootKey := aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey}
	aliceKey := aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}
	query := func(v ...string) string {
		f := url.Values{}
		for i := 0; i+1 < len(v); i += 2 {
			f.Set(v[i], v[i+1])
		}
		return f.Encode()
	}
	type req struct {
		name, method, url, body, service string
		creds                            *aws.Credentials
		status                           int
	}
	reqs := []req{
		{"iam success", "POST", srv.URL + "/", query("Action", "ListUsers", "Version", "2010-05-08"), "iam", &rootKey, 200},
		{"iam unsigned", "POST", srv.URL + "/", query("Action", "ListUsers", "Version", "2010-05-08"), "", nil, 403},
		{"iam unknown action", "POST", srv.URL + "/", query("Action", "Nope", "Version", "2010-05-08"), "iam", &rootKey, 400},
		{"sts success", "POST", srv.URL + "/", query("Action", "GetCallerIdentity", "Version", "2011-06-15"), "sts", &rootKey, 200},
		{"sts fast path", "POST", srv.URL + "/", query("Action", "AssumeRole", "Version", "2011-06-15", "RoleArn", *role.Role.Arn, "RoleSessionName", "sess"), "sts", &aliceKey, 200},
		{"sts unsigned web identity", "POST", srv.URL + "/", query("Action", "AssumeRoleWithWebIdentity", "Version", "2011-06-15", "RoleArn", *role.Role.Arn, "RoleSessionName", "sess", "WebIdentityToken", "not.a.jwt"), "", nil, 400},
		{"sts unknown action", "POST", srv.URL + "/", query("Action", "Nope", "Version", "2011-06-15"), "sts", &rootKey, 400},
		{"apigateway success", "GET", srv.URL + "/restapis", "", "apigateway", &rootKey, 200},
		{"apigateway error", "GET", srv.URL + "/restapis/nope0nope0", "", "apigateway", &rootKey, 404},
		{"lambda success", "GET", srv.URL + "/2015-03-31/functions/", "", "lambda", &rootKey, 200},
		{"lambda error", "GET", srv.URL + "/2015-03-31/functions/nope", "", "lambda", &rootKey, 404},
		{"execute-api success", "GET", dataPlane + "/hello", "", "", nil, 200},
		{"execute-api error", "GET", dataPlane + "/nope", "", "", nil, 403},
		{"gatehouse success", "GET", srv.URL + "/_gatehouse/health", "", "", nil, 200},
		{"gatehouse error", "GET", srv.URL + "/_gatehouse/nope", "", "", nil, 400},
	}
	client := &http.Client{Timeout: 30 * time.Second}
	signer := v4.NewSigner()
	for _, rq := range reqs {
		for _, id := range hostileIDs {
			t.Run(rq.name+"/"+id, func(t *testing.T) {
				var body io.Reader
				if rq.body != "" {
					body = strings.NewReader(rq.body)
				}
				r, err := http.NewRequest(rq.method, rq.url, body)
				if err != nil {
					t.Fatal(err)
				}
				if rq.body != "" {
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if rq.creds != nil {
					sum := sha256.Sum256([]byte(rq.body))
					if err := signer.SignHTTP(ctx, *rq.creds, r, hex.EncodeToString(sum[:]), rq.service, "us-east-1", time.Now()); err != nil {
						t.Fatal(err)
					}
				}
				r.Header["X-Amzn-Requestid"] = []string{id} // unsigned, as a client or proxy would add it
				resp, err := client.Do(r)
				if err != nil {
					t.Fatal(err)
				}
				out, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != rq.status {
					t.Fatalf("got status %d, want %d: %s", resp.StatusCode, rq.status, out)
				}
				ids := resp.Header.Values("X-Amzn-Requestid")
				if len(ids) != 1 || !uuidRE.MatchString(ids[0]) || ids[0] == id {
					t.Fatalf("got x-amzn-RequestId %q, want one id made by gatehouse", ids)
				}
				switch ct := resp.Header.Get("Content-Type"); {
				case strings.HasPrefix(ct, "text/xml"):
					got, err := xmlRequestID(out)
					if err != nil {
						t.Fatalf("malformed XML: %v\n%s", err, out)
					}
					if got != ids[0] {
						t.Errorf("got RequestId %q in the body, want the header's %q", got, ids[0])
					}
				case strings.HasPrefix(ct, "application/json"):
					if len(out) > 0 && !json.Valid(out) {
						t.Fatalf("malformed JSON: %s", out)
					}
				default:
					t.Fatalf("got Content-Type %q: %s", ct, out)
				}
				if bytes.Contains(out, []byte(id)) {
					t.Errorf("the body echoes the client's id: %s", out)
				}
			})
		}
	}
}

// xmlRequestID decodes a whole document strictly and returns the text of
// its RequestId element.
func xmlRequestID(b []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var id string
	inID := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inID = tok.Name.Local == "RequestId"
		case xml.EndElement:
			inID = false
		case xml.CharData:
			if inID {
				id += string(tok)
			}
		}
	}
}
