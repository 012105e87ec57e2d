package lambda_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// streamed is what one InvokeWithResponseStream returned, read with the
// AWS SDK for Go v2's event stream reader.
type streamed struct {
	contentType string
	version     string
	chunks      [][]byte
	firstAt     time.Time // when the first chunk arrived
	endAt       time.Time // when InvokeComplete arrived
	complete    *types.InvokeWithResponseStreamCompleteEvent
}

func (s *streamed) body() string { return string(bytes.Join(s.chunks, nil)) }

func invokeStream(t *testing.T, c *lambda.Client, in *lambda.InvokeWithResponseStreamInput) (*streamed, error) {
	t.Helper()
	out, err := c.InvokeWithResponseStream(context.Background(), in)
	if err != nil {
		return nil, err
	}
	st := out.GetStream()
	defer st.Close()
	res := &streamed{contentType: aws.ToString(out.ResponseStreamContentType), version: aws.ToString(out.ExecutedVersion)}
	for ev := range st.Events() {
		switch v := ev.(type) {
		case *types.InvokeWithResponseStreamResponseEventMemberPayloadChunk:
			if res.firstAt.IsZero() {
				res.firstAt = time.Now()
			}
			res.chunks = append(res.chunks, v.Value.Payload)
		case *types.InvokeWithResponseStreamResponseEventMemberInvokeComplete:
			res.endAt = time.Now()
			c := v.Value
			res.complete = &c
		default:
			t.Errorf("unexpected event %T", ev)
		}
	}
	if err := st.Err(); err != nil {
		t.Errorf("stream: %v", err)
	}
	if res.complete == nil {
		t.Errorf("no InvokeComplete event (%d chunks: %q)", len(res.chunks), res.body())
	}
	return res, nil
}

// TestInvokeWithResponseStream runs a Node function written with
// awslambda.streamifyResponse through InvokeWithResponseStream, as the
// AWS SDK for Go v2 drives it: chunks arrive while the function runs, a
// failure after the first byte ends the stream with its error code, a
// function that does not stream answers in one chunk, and the call is
// authorized as Invoke is.
func TestInvokeWithResponseStream(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	e := setup(t)
	ctx := context.Background()
	for name, dir := range map[string]string{"streamer": "streamer", "hello": "hello"} {
		if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String(name), Role: aws.String(e.role),
			Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, dir)}}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("chunks as the function writes them", func(t *testing.T) {
		res, err := invokeStream(t, e.lc, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), LogType: types.LogTypeTail})
		if err != nil {
			t.Fatal(err)
		}
		if res.body() != "first second end" || len(res.chunks) < 2 {
			t.Errorf("body %q in %d chunks", res.body(), len(res.chunks))
		}
		if res.contentType != "text/plain" || res.version != "$LATEST" {
			t.Errorf("content type %q, version %q", res.contentType, res.version)
		}
		// The function waits 300 ms between its writes: a response that
		// was buffered would deliver its first chunk with the last.
		if gap := res.endAt.Sub(res.firstAt); gap < 200*time.Millisecond {
			t.Errorf("first chunk arrived only %v before the end: not streamed", gap)
		}
		if c := res.complete; c.ErrorCode != nil || c.LogResult == nil {
			t.Errorf("complete: %+v", c)
		} else if l, _ := base64.StdEncoding.DecodeString(*c.LogResult); !strings.Contains(string(l), "START RequestId: ") {
			t.Errorf("log result: %q", l)
		}
	})

	t.Run("error after the first byte", func(t *testing.T) {
		res, err := invokeStream(t, e.lc, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{"mode":"fail"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if res.body() != "partial " {
			t.Errorf("body %q", res.body())
		}
		if c := res.complete; aws.ToString(c.ErrorCode) != "Error" || aws.ToString(c.ErrorDetails) != "boom" {
			t.Errorf("complete: %q %q", aws.ToString(c.ErrorCode), aws.ToString(c.ErrorDetails))
		}
	})

	t.Run("http response stream", func(t *testing.T) {
		res, err := invokeStream(t, e.lc, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{"mode":"http"}`)})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"statusCode":201,"headers":{"x-streamed":"yes"}}` + strings.Repeat("\x00", 8) + "hello http"
		if res.contentType != "application/vnd.awslambda.http-integration-response" || res.body() != want {
			t.Errorf("%q: %q", res.contentType, res.body())
		}
	})

	t.Run("a megabyte", func(t *testing.T) {
		res, err := invokeStream(t, e.lc, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{"mode":"big"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.body()) != 1<<20 || strings.Trim(res.body(), "x") != "" || res.complete.ErrorCode != nil {
			t.Errorf("%d bytes in %d chunks, complete %+v", len(res.body()), len(res.chunks), res.complete)
		}
	})

	t.Run("function that does not stream", func(t *testing.T) {
		res, err := invokeStream(t, e.lc, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("hello")})
		if err != nil {
			t.Fatal(err)
		}
		if res.body() != `{"statusCode":200,"body":"{\"hello\":\"world\"}"}` || res.contentType != "application/json" || res.complete.ErrorCode != nil {
			t.Errorf("%q %q %+v", res.contentType, res.body(), res.complete)
		}
	})

	t.Run("errors before the stream", func(t *testing.T) {
		_, err := e.lc.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("nope")})
		if code, msg := apiErr(t, err); code != "ResourceNotFoundException" || msg != "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope" {
			t.Errorf("missing function: %s %s", code, msg)
		}
		_, err = e.lc.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), Payload: []byte(`{`)})
		if code, _ := apiErr(t, err); code != "InvalidRequestContentException" {
			t.Errorf("bad payload: %s", code)
		}
		// Event is an Invoke type, not a streaming one; each operation
		// names its own set.
		_, err = e.lc.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), InvocationType: "Event"})
		if code, msg := apiErr(t, err); code != "InvalidParameterValueException" || msg != "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]" {
			t.Errorf("stream type: %s %s", code, msg)
		}
		_, err = e.lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("streamer"), InvocationType: "Later"})
		if code, msg := apiErr(t, err); code != "InvalidParameterValueException" || msg != "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]" {
			t.Errorf("invoke type: %s %s", code, msg)
		}
		out, err := e.lc.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer"), InvocationType: types.ResponseStreamingInvocationTypeDryRun})
		if err != nil || out.StatusCode != 204 {
			t.Errorf("dry run: %v %+v", err, out)
		}
	})

	t.Run("authorized as Invoke", func(t *testing.T) {
		if _, err := e.ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")}); err != nil {
			t.Fatal(err)
		}
		k, err := e.ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("eve")})
		if err != nil {
			t.Fatal(err)
		}
		eve := lambda.NewFromConfig(awsConfig(e.url, *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""))
		_, err = eve.InvokeWithResponseStream(ctx, &lambda.InvokeWithResponseStreamInput{FunctionName: aws.String("streamer")})
		if code, msg := apiErr(t, err); code != "AccessDeniedException" || !strings.Contains(msg, "lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:streamer") {
			t.Errorf("eve: %s %s", code, msg)
		}
	})
}

// TestFunctionURLResponseStream serves a function URL in RESPONSE_STREAM
// mode: the body reaches the HTTP caller as the function writes it, an
// HttpResponseStream prelude sets the status and headers, and a function
// that fails before its first byte gets the gateway error.
func TestFunctionURLResponseStream(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
	e := setup(t)
	ctx := context.Background()
	if _, err := e.lc.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("streamer"), Role: aws.String(e.role),
		Runtime: types.RuntimeNodejs20x, Handler: aws.String("index.handler"), Code: &types.FunctionCode{ZipFile: nodeZip(t, "streamer")}}); err != nil {
		t.Fatal(err)
	}
	u, err := e.lc.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("streamer"),
		AuthType: types.FunctionUrlAuthTypeNone, InvokeMode: types.InvokeModeResponseStream})
	if err != nil {
		t.Fatal(err)
	}
	base := e.url + "/_lambda_url/" + urlRE.FindStringSubmatch(*u.FunctionUrl)[1] + "/"
	// A streaming URL is authorized as any other: without the function
	// policy granting both actions, nothing of the stream is served.
	if r := doURL(t, http.DefaultClient, "GET", base, "", nil, nil); r.status != 403 || string(r.body) != `{"Message":"Forbidden"}` {
		t.Fatalf("before the grant: %d %q", r.status, r.body)
	}
	for sid, action := range map[string]string{"url": "lambda:InvokeFunctionUrl", "invoke": "lambda:InvokeFunction"} {
		in := &lambda.AddPermissionInput{FunctionName: aws.String("streamer"), StatementId: aws.String(sid), Action: aws.String(action), Principal: aws.String("*")}
		if sid == "url" {
			in.FunctionUrlAuthType = types.FunctionUrlAuthTypeNone
		} else {
			in.InvokedViaFunctionUrl = aws.Bool(true)
		}
		if _, err := e.lc.AddPermission(ctx, in); err != nil {
			t.Fatal(err)
		}
	}

	resp, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, len("first "))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "first " {
		t.Fatalf("first chunk: %v %q", err, first)
	}
	firstAt := time.Now()
	rest, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if gap := time.Since(firstAt); err != nil || string(rest) != "second end" || gap < 200*time.Millisecond {
		t.Errorf("rest %q after %v: %v", rest, gap, err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain" || resp.ContentLength != -1 {
		t.Errorf("head: %d %v", resp.StatusCode, resp.Header)
	}

	r := doURL(t, http.DefaultClient, "GET", base+"?mode=http", "", nil, nil)
	if r.status != 201 || r.header.Get("x-streamed") != "yes" || string(r.body) != "hello http" {
		t.Errorf("http stream: %d %v %q", r.status, r.header, r.body)
	}
	r = doURL(t, http.DefaultClient, "GET", base+"?mode=big", "", nil, nil)
	if r.status != 200 || len(r.body) != 1<<20 {
		t.Errorf("big: %d %d bytes", r.status, len(r.body))
	}
	// The failing mode writes before it throws: the body is cut short
	// after what was sent, as on AWS.
	r = doURL(t, http.DefaultClient, "GET", base+"?mode=fail", "", nil, nil)
	if r.status != 200 || string(r.body) != "partial " {
		t.Errorf("fail: %d %q", r.status, r.body)
	}
	r = doURL(t, http.DefaultClient, "GET", base+"?mode=failearly", "", nil, nil)
	if r.status != 502 || string(r.body) != `{"Message":"Internal Server Error"}` {
		t.Errorf("failearly: %d %q", r.status, r.body)
	}
}
