package sigv4

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"
)

// awsStreamingExample is the example of AWS's "Signature Calculations for
// the Authorization Header: Transferring Payload in Multiple Chunks"
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html):
// a 66,560-byte object of 'a' in chunks of 65,536 and 1,024 bytes.
func awsStreamingExample() (*Verifier, Request) {
	v := New(Config{Service: "s3", S3: true, AllowStreaming: true, AllowUnsignedPayload: true,
		Now: func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) },
		Resolver: ResolverFunc(func(id, _ string) (Credentials, error) {
			return Credentials{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Identity: id}, nil
		})})
	h := http.Header{}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
		"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
		"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
	h.Set("Content-Encoding", "aws-chunked")
	h.Set("Content-Length", "66824")
	h.Set("x-amz-content-sha256", StreamingPayload)
	h.Set("x-amz-date", "20130524T000000Z")
	h.Set("x-amz-decoded-content-length", "66560")
	h.Set("x-amz-storage-class", "REDUCED_REDUNDANCY")
	return v, Request{Method: "PUT", RawPath: "/examplebucket/chunkObject.txt", Host: "s3.amazonaws.com", Header: h, ContentLength: 66824}
}

// TestStreamAWSExample checks the seed and the three chunk signatures of
// AWS's documented example.
func TestStreamAWSExample(t *testing.T) {
	v, req := awsStreamingExample()
	hd, err := v.VerifyHead(&req)
	if err != nil {
		t.Fatalf("VerifyHead: %v", err)
	}
	st := hd.Stream()
	if st == nil || !st.SignedChunks() || st.HasTrailer() || hd.Identity() != "AKIAIOSFODNN7EXAMPLE" {
		t.Fatalf("stream %+v identity %v", st, hd.Identity())
	}
	if _, err := hd.Finish(emptySHA256); err == nil {
		t.Error("Finish accepted a streaming head")
	}
	if _, err := hd.FinishStream(); err == nil {
		t.Error("FinishStream before the chunks were verified")
	}
	for i, c := range []struct {
		n   int
		sig string
	}{
		{65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"},
		{1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"},
		{0, "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"},
	} {
		sum := sha256.Sum256(bytes.Repeat([]byte{'a'}, c.n))
		if !st.Chunk(c.sig, sum[:]) {
			t.Fatalf("chunk %d: signature %s refused", i, c.sig)
		}
	}
	st.Done()
	res, err := hd.FinishStream()
	if err != nil || res.UnsignedPayload || res.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
		t.Fatalf("FinishStream: %v %+v", err, res)
	}
}

// TestStreamChainOrder: a chunk signature valid in another position (or
// replayed) fails, because each is chained from the previous one.
func TestStreamChainOrder(t *testing.T) {
	v, req := awsStreamingExample()
	hd, err := v.VerifyHead(&req)
	if err != nil {
		t.Fatal(err)
	}
	st := hd.Stream()
	second := sha256.Sum256(bytes.Repeat([]byte{'a'}, 1024))
	if st.Chunk("0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", second[:]) {
		t.Error("the second chunk's signature accepted first")
	}
	first := sha256.Sum256(bytes.Repeat([]byte{'a'}, 65536))
	if st.Chunk("AD80C730A21E5B8D04586A2213DD63B9A0E99E0E2307B0ADE35A65485A288648", first[:]) &&
		st.Chunk("ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", first[:]) {
		t.Error("a chunk signature replayed")
	}
}

// TestStreamingNeedsTheOption: without AllowStreaming the declaration is
// not a payload hash: the body's own hash is signed and the example's
// signature does not match; a presigned URL can never stream.
func TestStreamingNeedsTheOption(t *testing.T) {
	_, req := awsStreamingExample()
	v := New(Config{Service: "s3", S3: true, Now: func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) },
		Resolver: ResolverFunc(func(id, _ string) (Credentials, error) {
			return Credentials{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Identity: id}, nil
		})})
	hd, err := v.VerifyHead(&req)
	if err != nil {
		t.Fatal(err)
	}
	if hd.Stream() != nil || hd.Identity() != nil {
		t.Fatal("a stream without AllowStreaming")
	}
	if _, err := hd.Finish(emptySHA256); err == nil {
		t.Fatal("the streaming signature verified over another payload")
	}
}

// TestS3PresignedIsUnsignedPayload: an S3 presigned URL without
// X-Amz-Content-Sha256 signs UNSIGNED-PAYLOAD (AWS's presigned GET
// example: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
func TestS3PresignedIsUnsignedPayload(t *testing.T) {
	v := New(Config{Service: "s3", S3: true, AllowUnsignedPayload: true,
		Now: func() time.Time { return time.Date(2013, 5, 24, 0, 1, 0, 0, time.UTC) },
		Resolver: ResolverFunc(func(id, _ string) (Credentials, error) {
			return Credentials{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Identity: id}, nil
		})})
	req := Request{Method: "GET", RawPath: "/test.txt", Host: "examplebucket.s3.amazonaws.com", Header: http.Header{},
		RawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
			"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
			"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"}
	res, err := v.Verify(&req)
	if err != nil || !res.Presigned || !res.UnsignedPayload {
		t.Fatalf("AWS's presigned example: %v %+v", err, res)
	}
}
