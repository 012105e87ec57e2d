package s3

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

const (
	testKey    = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var testTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// streamHead signs a PUT whose x-amz-content-sha256 is mode with
// aws-sdk-go-v2's signer (the oracle for the seed signature) and verifies
// its head with gatehouse's verifier, returning the Stream and the seed.
func streamHead(t testing.TB, mode string) (*sigv4.Stream, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", nil)
	req.Header.Set("x-amz-content-sha256", mode)
	req.Header.Set("Content-Encoding", "aws-chunked")
	err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }).SignHTTP(context.Background(),
		aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}, req, mode, "s3", "us-east-1", testTime)
	if err != nil {
		t.Fatal(err)
	}
	v := sigv4.New(sigv4.Config{Service: "s3", S3: true, AllowStreaming: true, AllowUnsignedPayload: true,
		Now: func() time.Time { return testTime },
		Resolver: sigv4.ResolverFunc(func(id, _ string) (sigv4.Credentials, error) {
			return sigv4.Credentials{SecretAccessKey: testSecret, Identity: id}, nil
		})})
	sr := sigv4.FromHTTP(req, nil)
	hd, err := v.VerifyHead(&sr)
	if err != nil {
		t.Fatalf("VerifyHead: %v", err)
	}
	if hd.Stream() == nil {
		t.Fatal("no stream for a streaming head")
	}
	auth := req.Header.Get("Authorization")
	return hd.Stream(), auth[strings.LastIndex(auth, "=")+1:]
}

// chunkSigner computes chunk signatures independently of package sigv4:
// the test's own HMAC chain over AWS's documented strings to sign.
type chunkSigner struct{ key, prev, amzDate, scope string }

func newChunkSigner(seed string) *chunkSigner {
	return newChunkSignerFor(testSecret, testTime, "us-east-1", seed)
}

func newChunkSignerFor(secret string, t time.Time, region, seed string) *chunkSigner {
	day := t.UTC().Format("20060102")
	k := []byte("AWS4" + secret)
	for _, s := range []string{day, region, "s3", "aws4_request"} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		k = m.Sum(nil)
	}
	return &chunkSigner{key: string(k), prev: seed, amzDate: t.UTC().Format("20060102T150405Z"), scope: day + "/" + region + "/s3/aws4_request"}
}

func (c *chunkSigner) sign(kind, last string) string {
	sts := kind + "\n" + c.amzDate + "\n" + c.scope + "\n" + c.prev + "\n" + last
	m := hmac.New(sha256.New, []byte(c.key))
	m.Write([]byte(sts))
	c.prev = hex.EncodeToString(m.Sum(nil))
	return c.prev
}

func (c *chunkSigner) chunk(data []byte) string {
	e, d := sha256.Sum256(nil), sha256.Sum256(data)
	return c.sign("AWS4-HMAC-SHA256-PAYLOAD", hex.EncodeToString(e[:])+"\n"+hex.EncodeToString(d[:]))
}

// encode frames chunks as aws-chunked, signing them with cs (nil:
// unsigned), and appends trailer lines (already "name:value").
func encode(cs *chunkSigner, chunks [][]byte, trailers []string) []byte {
	var b bytes.Buffer
	for _, c := range append(chunks, nil) {
		b.WriteString(strconv.FormatInt(int64(len(c)), 16))
		if cs != nil {
			b.WriteString(";chunk-signature=" + cs.chunk(c))
		}
		b.WriteString("\r\n")
		if len(c) > 0 {
			b.Write(c)
			b.WriteString("\r\n")
		}
	}
	if trailers != nil {
		var canon string
		for _, t := range trailers {
			b.WriteString(t + "\r\n")
			canon += t + "\n"
		}
		if cs != nil {
			h := sha256.Sum256([]byte(canon))
			b.WriteString("x-amz-trailer-signature:" + cs.sign("AWS4-HMAC-SHA256-TRAILER", hex.EncodeToString(h[:])) + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// TestChunkReaderSigned: a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body signed
// by an independent implementation decodes; any change to a chunk, a
// signature or the framing fails.
func TestChunkReaderSigned(t *testing.T) {
	data := [][]byte{bytes.Repeat([]byte{'a'}, 65536), bytes.Repeat([]byte{'a'}, 1024)}
	for _, tc := range []struct {
		name    string
		mode    string
		mutate  func([]byte) []byte
		trailer []string
		wantErr error
	}{
		{name: "AWS's example", mode: sigv4.StreamingPayload},
		{name: "with a signed trailer", mode: sigv4.StreamingPayloadTrailer, trailer: []string{"x-amz-checksum-crc32c:sOO8/Q=="}},
		{name: "a data byte changed", mode: sigv4.StreamingPayload, mutate: func(b []byte) []byte { b[200] ^= 1; return b }, wantErr: errChunkSignature},
		{name: "a chunk signature changed", mode: sigv4.StreamingPayload, mutate: func(b []byte) []byte {
			i := bytes.Index(b, []byte("signature=")) + 10
			b[i] = "01"[b[i]&1]
			return b
		}, wantErr: errChunkSignature},
		{name: "the trailer changed", mode: sigv4.StreamingPayloadTrailer, trailer: []string{"x-amz-checksum-crc32c:sOO8/Q=="}, mutate: func(b []byte) []byte {
			return bytes.Replace(b, []byte("sOO8"), []byte("sOO9"), 1)
		}, wantErr: errChunkSignature},
		{name: "the final chunk dropped", mode: sigv4.StreamingPayload, mutate: func(b []byte) []byte {
			return b[:bytes.LastIndex(b, []byte("0;chunk-signature"))]
		}, wantErr: io.ErrUnexpectedEOF},
		{name: "chunks swapped signatures", mode: sigv4.StreamingPayload, mutate: func(b []byte) []byte {
			// The chain makes every signature depend on the previous one.
			parts := bytes.SplitN(b, []byte("chunk-signature="), 3)
			s1, s2 := append([]byte(nil), parts[1][:64]...), append([]byte(nil), parts[2][:64]...)
			copy(parts[1], s2)
			copy(parts[2], s1)
			return bytes.Join(parts, []byte("chunk-signature="))
		}, wantErr: errChunkSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, seed := streamHead(t, tc.mode)
			body := encode(newChunkSigner(seed), data, tc.trailer)
			if tc.mutate != nil {
				body = tc.mutate(body)
			}
			cr := newChunkReader(bytes.NewReader(body), st, st.HasTrailer())
			got, err := io.ReadAll(cr)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, bytes.Join(data, nil)) {
				t.Fatalf("err = %v, %d bytes", err, len(got))
			}
			if tc.trailer != nil && cr.Trailers()["x-amz-checksum-crc32c"] != "sOO8/Q==" {
				t.Errorf("trailers = %v", cr.Trailers())
			}
		})
	}
}

// TestChunkReaderFraming: unsigned aws-chunked (with trailer) as the SDKs
// send it over TLS, and framing errors.
func TestChunkReaderFraming(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		trailer    bool
		want       string
		wantErr    error
	}{
		{"two chunks and a trailer", "3\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n", true, "abcde", nil},
		{"no trailer mode", "3\r\nabc\r\n0\r\n\r\n", false, "abc", nil},
		{"empty body", "0\r\n\r\n", true, "", nil},
		{"uppercase hex", "A\r\n0123456789\r\n0\r\n\r\n", false, "0123456789", nil},
		{"an extension on an unsigned chunk", "3;x=y\r\nabc\r\n0\r\n\r\n", false, "", errChunkFormat},
		{"LF without CR", "3\nabc\r\n0\r\n\r\n", false, "", errChunkFormat},
		{"data longer than declared", "3\r\nabcd\r\n0\r\n\r\n", false, "", errChunkFormat},
		{"not hex", "zz\r\nabc\r\n", false, "", errChunkFormat},
		{"negative", "-1\r\n", false, "", errChunkFormat},
		{"17 hex digits", "10000000000000000\r\n", false, "", errChunkFormat},
		{"beyond the chunk bound", "fffffffffff\r\n", false, "", errChunkFormat},
		{"a line too long", strings.Repeat("0", 5000) + "\r\n", false, "", errChunkFormat},
		{"truncated data", "5\r\nab", false, "", io.ErrUnexpectedEOF},
		{"no final chunk", "3\r\nabc\r\n", false, "", io.ErrUnexpectedEOF},
		{"garbage after the final chunk", "0\r\nxyz\r\n", false, "", errChunkFormat},
		{"duplicate trailer", "0\r\na:1\r\na:2\r\n\r\n", true, "", errChunkFormat},
		{"trailer signature when unsigned", "0\r\nx-amz-trailer-signature:00\r\n\r\n", true, "", errChunkFormat},
		{"trailer without a colon", "0\r\nnocolon\r\n\r\n", true, "", errChunkFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := io.ReadAll(newChunkReader(strings.NewReader(tc.body), nil, tc.trailer))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// refDecode is a second, whole-buffer decoder of unsigned aws-chunked
// bodies: the oracle of FuzzChunkReader.
func refDecode(b []byte, trailer bool) ([]byte, bool) {
	var out []byte
	for {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 || i > maxChunkLine || bytes.IndexByte(b[:i], '\n') >= 0 {
			return nil, false
		}
		hexs := string(b[:i])
		if hexs == "" || len(hexs) > 16 || strings.ContainsAny(hexs, ";+- ") {
			return nil, false
		}
		n, err := strconv.ParseInt(hexs, 16, 64)
		if err != nil || n > maxChunkSize {
			return nil, false
		}
		b = b[i+2:]
		if n == 0 {
			break
		}
		if int64(len(b)) < n+2 || string(b[n:n+2]) != "\r\n" {
			return nil, false
		}
		out = append(out, b[:n]...)
		b = b[n+2:]
	}
	seen := map[string]bool{}
	for trailer {
		i := bytes.Index(b, []byte("\r\n"))
		if i < 0 || i > maxChunkLine || bytes.IndexByte(b[:i], '\n') >= 0 {
			return nil, false
		}
		ln := string(b[:i])
		b = b[i+2:]
		if ln == "" {
			return out, true
		}
		name, _, ok := strings.Cut(ln, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || seen[name] || name == "x-amz-trailer-signature" || len(seen) >= maxTrailers {
			return nil, false
		}
		seen[name] = true
	}
	if !bytes.HasPrefix(b, []byte("\r\n")) {
		return nil, false
	}
	return out, true
}

// FuzzChunkReader: the streaming decoder never panics, never yields more
// than it was given, and agrees with the whole-buffer oracle on what is
// a valid body and what it decodes to.
func FuzzChunkReader(f *testing.F) {
	for _, s := range []string{
		"3\r\nabc\r\n0\r\n\r\n",
		"3\r\nabc\r\n2\r\nde\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n",
		"0\r\n\r\n",
		"ffffffff\r\n",
		"3\nabc",
		"1\r\na\r\n0\r\na:b\r\na:c\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, trailer bool) {
		got, err := io.ReadAll(newChunkReader(bytes.NewReader(body), nil, trailer))
		if len(got) > len(body) {
			t.Fatalf("decoded %d bytes from %d", len(got), len(body))
		}
		want, ok := refDecode(body, trailer)
		if ok != (err == nil) {
			t.Fatalf("reader err %v, oracle ok %v for %q", err, ok, body)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("decoded %q, oracle %q", got, want)
		}
	})
}
