package pipeline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// oneKey is a KeyStore with one user's key.
type oneKey struct{ p *authn.Principal }

func (k oneKey) LookupKey(id string) (string, *authn.Principal, bool) {
	if id != "AKIAEXAMPLEEXAMPLE01" {
		return "", nil, false
	}
	return "secret", k.p, true
}

// call is the test service's per-call value.
type call struct {
	v   *pipeline.Invocation
	ran *[]string
}

type echoIn struct {
	Name string
	Tags []string
}

type echoOut struct {
	Hello string
}

// typedService is a JSON 1.1 service of three operations served by the
// real frame: Echo authorized by the binding on the name's resource (a
// target that also validates), Own authorizing in its handler, and
// Anyone authorizing nothing.
func typedService(t *testing.T, fa *fakeAuthz, ran *[]string) http.Handler {
	t.Helper()
	caller := &authn.Principal{Kind: authn.User, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice"}
	sealer, err := authn.NewSealer([]authn.TokenKey{{ID: 1, Key: bytes.Repeat([]byte{7}, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(name string) func(c *call, in *echoIn) (*echoOut, error) {
		return func(c *call, in *echoIn) (*echoOut, error) {
			*c.ran = append(*c.ran, name)
			if name == "Own" {
				if err := c.v.Authorize("test:Own", "arn:aws:test:us-east-1:111122223333:thing/"+in.Name, nil); err != nil {
					return nil, err
				}
			}
			return &echoOut{Hello: in.Name}, nil
		}
	}
	ops := pipeline.Handlers[*call]{
		pipeline.HandleAuthorized(pipeline.Operation{Name: "Echo", Actions: []string{"test:Echo"}, Keys: pipeline.TaggingKeys},
			func(c *call, in *echoIn) (pipeline.Target, error) {
				if in.Name == "" {
					return pipeline.Target{}, awserr.SSMValidation.New("Name is required")
				}
				if in.Name == "none" {
					return pipeline.Target{}, nil
				}
				res := []string{"arn:aws:test:us-east-1:111122223333:thing/" + in.Name}
				if in.Name == "two" {
					res = append(res, "arn:aws:test:us-east-1:111122223333:thing/second")
				}
				return pipeline.Target{Resources: res, Keys: func(pc *policy.Context) { pipeline.TagKeys(pc, in.Tags) }}, nil
			}, run("Echo")),
		pipeline.Handle(pipeline.Operation{Name: "Own", Actions: []string{"test:Own"}}, run("Own")),
		pipeline.Handle(pipeline.Operation{Name: "Anyone"}, run("Anyone")),
	}
	return &pipeline.JSON11[*call]{TargetPrefix: "Test.", SigningName: "ssm", MaxRequest: 1 << 10, Ops: ops,
		Unknown: awserr.SSMUnknownOperation, UnknownText: "test", Serialization: awserr.SSMSerialization, Internal: awserr.SSMInternalServerError,
		Authn: authn.New(oneKey{caller}, sealer, authn.Options{}), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Surface: &pipeline.Surface{Authz: fa, Denied: awserr.SSMAccessDenied},
		NewCall: func(v *pipeline.Invocation) *call { return &call{v: v, ran: ran} }}
}

// post sends a signed JSON 1.1 call of op with body to h.
func post(t *testing.T, h http.Handler, op, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest("POST", "http://ssm.us-east-1.amazonaws.com/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", "Test."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "ssm", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: body %q: %v", op, w.Body, err)
	}
	return w.Code, m
}

func TestTypedBinding(t *testing.T) {
	allow := policy.Decision{Effect: policy.Allowed}
	deny := policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1}
	for _, tc := range []struct {
		name, op, body string
		d              policy.Decision
		status         int
		// errType is the error's __type; hello the output's Hello.
		errType, hello string
		// ran: whether the handler ran; asked: the resources authorized.
		ran   bool
		asked []string
	}{
		{name: "rendered", op: "Echo", body: `{"Name":"a","Tags":["k"]}`, d: allow, status: 200, hello: "a", ran: true,
			asked: []string{"arn:aws:test:us-east-1:111122223333:thing/a"}},
		{name: "empty body is empty input", op: "Anyone", body: ``, d: deny, status: 200, hello: "", ran: true},
		{name: "unknown member", op: "Echo", body: `{"Name":"a","Nope":1}`, d: allow, status: 400, errType: "SerializationException"},
		{name: "wrong type", op: "Echo", body: `{"Name":1}`, d: allow, status: 400, errType: "SerializationException"},
		{name: "trailing data", op: "Echo", body: `{"Name":"a"} {}`, d: allow, status: 400, errType: "SerializationException"},
		{name: "not an object", op: "Own", body: `[]`, d: allow, status: 400, errType: "SerializationException"},
		{name: "validation before authorization", op: "Echo", body: `{}`, d: deny, status: 400, errType: "ValidationException"},
		{name: "denied never runs the handler", op: "Echo", body: `{"Name":"a"}`, d: deny, status: 400, errType: "AccessDeniedException",
			asked: []string{"arn:aws:test:us-east-1:111122223333:thing/a"}},
		{name: "each resource authorized", op: "Echo", body: `{"Name":"two"}`, d: allow, status: 200, hello: "two", ran: true,
			asked: []string{"arn:aws:test:us-east-1:111122223333:thing/two", "arn:aws:test:us-east-1:111122223333:thing/second"}},
		{name: "no resource fails closed", op: "Echo", body: `{"Name":"none"}`, d: allow, status: 500, errType: "InternalFailure"},
		{name: "handler authorizes", op: "Own", body: `{"Name":"b"}`, d: deny, status: 400, errType: "AccessDeniedException", ran: true,
			asked: []string{"arn:aws:test:us-east-1:111122223333:thing/b"}},
		{name: "unknown operation", op: "Nope", body: `{}`, d: allow, status: 400, errType: "UnknownOperationException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			fa := &fakeAuthz{d: tc.d}
			fa.onAsk = func(req pipeline.AuthzRequest) {
				if want := "test:" + tc.op; req.Action != want {
					t.Errorf("authorized %s, want %s", req.Action, want)
				}
				asked = append(asked, req.Resource)
			}
			var ran []string
			status, body := post(t, typedService(t, fa, &ran), tc.op, tc.body)
			if status != tc.status {
				t.Errorf("status %d, want %d (%v)", status, tc.status, body)
			}
			if typ, _ := body["__type"].(string); typ != tc.errType {
				t.Errorf("__type %q, want %q (%v)", typ, tc.errType, body)
			}
			if tc.errType == "" && body["Hello"] != tc.hello {
				t.Errorf("output %v, want Hello %q", body, tc.hello)
			}
			if (len(ran) > 0) != tc.ran {
				t.Errorf("handler ran %v, want %v", ran, tc.ran)
			}
			if strings.Join(asked, " ") != strings.Join(tc.asked, " ") {
				t.Errorf("authorized %v, want %v", asked, tc.asked)
			}
		})
	}
}

func TestTypedBindingKeys(t *testing.T) {
	fa := &fakeAuthz{d: policy.Decision{Effect: policy.Allowed}}
	var ran []string
	if status, body := post(t, typedService(t, fa, &ran), "Echo", `{"Name":"a","Tags":["k1","k2"]}`); status != 200 {
		t.Fatalf("status %d: %v", status, body)
	}
	got, _ := fa.got.Context.Get(pipeline.KeyTagKeys)
	if strings.Join(got, ",") != "k1,k2" {
		t.Errorf("aws:TagKeys = %v, want the input's tags", got)
	}
	if v, _ := fa.got.Context.Get("aws:RequestedRegion"); len(v) != 1 || v[0] != "us-east-1" {
		t.Errorf("aws:RequestedRegion = %v: the global keys are the pipeline's", v)
	}
}

func TestHandlersTable(t *testing.T) {
	ops := pipeline.Handlers[*call]{
		pipeline.Handle(pipeline.Operation{Name: "B", Actions: []string{"x:B"}}, func(*call, *echoIn) (*echoOut, error) { return nil, nil }),
		pipeline.Handle(pipeline.Operation{Name: "A"}, func(*call, *echoIn) (*echoOut, error) { return nil, nil }),
	}
	if got := strings.Join(ops.Names(), ","); got != "A,B" {
		t.Errorf("Names = %s", got)
	}
	if tb := ops.Table(); len(tb) != 2 || tb[0].Name != "B" || tb[0].Actions[0] != "x:B" {
		t.Errorf("Table = %v", tb)
	}
	if h := ops.Lookup("A"); h == nil || !h.Bound() || h.Name != "A" {
		t.Errorf("Lookup(A) = %v", h)
	}
	if ops.Lookup("C") != nil || ops.Index()["B"] != &ops[0] {
		t.Error("Lookup/Index")
	}
	var zero pipeline.Handler[*call]
	if zero.Bound() {
		t.Error("a zero Handler has no handler")
	}
	defer func() {
		if recover() == nil {
			t.Error("HandleAuthorized without an action must panic")
		}
	}()
	pipeline.HandleAuthorized(pipeline.Operation{Name: "C"}, func(*call, *echoIn) (pipeline.Target, error) { return pipeline.Target{}, nil },
		func(*call, *echoIn) (*echoOut, error) { return nil, nil })
}
