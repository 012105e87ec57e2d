package sigv4

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// benchRequest is a typical execute-api call: a GET with a query, a few
// headers and a session token, as the SDKs send it.
func benchRequest() *http.Request {
	req, _ := http.NewRequest("GET", "https://abc123.execute-api.us-west-2.amazonaws.com/prod/pets/42?limit=10&type=dog", nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "5b2c7c3e-6f6a-4a55-9a0e-2b8f7b8c1d11")
	return req
}

var benchCreds = aws.Credentials{AccessKeyID: propAKID, SecretAccessKey: propSecret, SessionToken: "FQoGZXIvYXdzEJr//////////wEaDExampleSessionToken"}

const benchHash = emptyHash

// BenchmarkSDKSignHTTP is the reference: aws-sdk-go-v2 signing the same
// request (its derived-key cache is warm after the first iteration too).
func BenchmarkSDKSignHTTP(b *testing.B) {
	signer := v4.NewSigner()
	req := benchRequest()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		delete(req.Header, "Authorization")
		if err := signer.SignHTTP(ctx, benchCreds, req, benchHash, propSvc, propRegion, propNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify verifies the SDK-signed request with a warm key cache.
func BenchmarkVerify(b *testing.B) {
	req := benchRequest()
	if err := v4.NewSigner().SignHTTP(context.Background(), benchCreds, req, benchHash, propSvc, propRegion, propNow); err != nil {
		b.Fatal(err)
	}
	v := benchVerifier()
	r := FromHTTP(req, nil)
	if _, err := v.Verify(&r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(&r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned is the query form of the same request.
func BenchmarkVerifyPresigned(b *testing.B) {
	req := benchRequest()
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), benchCreds, req, benchHash, propSvc, propRegion, propNow)
	if err != nil {
		b.Fatal(err)
	}
	h := req.Header
	req, _ = http.NewRequest("GET", u, nil)
	req.Header = h
	v := benchVerifier()
	r := FromHTTP(req, nil)
	if _, err := v.Verify(&r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(&r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel measures the shared key cache under contention.
func BenchmarkVerifyParallel(b *testing.B) {
	req := benchRequest()
	if err := v4.NewSigner().SignHTTP(context.Background(), benchCreds, req, benchHash, propSvc, propRegion, propNow); err != nil {
		b.Fatal(err)
	}
	v := benchVerifier()
	r := FromHTTP(req, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := r
		for pb.Next() {
			if _, err := v.Verify(&r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

type staticResolver struct{ creds Credentials }

func (s *staticResolver) Resolve(akid, token string) (Credentials, error) {
	if akid != propAKID {
		return Credentials{}, ErrUnknownKey
	}
	return s.creds, nil
}

var benchIdentity = &struct{ ARN string }{"arn:aws:sts::123456789012:assumed-role/r/s"}

func benchVerifier() *Verifier {
	return New(Config{
		Service: propSvc, Region: propRegion,
		Now:      func() time.Time { return propNow },
		Resolver: &staticResolver{Credentials{SecretAccessKey: propSecret, Identity: benchIdentity}},
	})
}

// TestVerifyAllocs pins the allocation budget of the hot path.
func TestVerifyAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("coverage and the race detector change allocations")
	}
	req := benchRequest()
	if err := v4.NewSigner().SignHTTP(context.Background(), benchCreds, req, benchHash, propSvc, propRegion, propNow); err != nil {
		t.Fatal(err)
	}
	v := benchVerifier()
	r := FromHTTP(req, nil)
	if _, err := v.Verify(&r); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := v.Verify(&r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 2 {
		t.Errorf("Verify allocates %.1f times per call, budget 2", allocs)
	}
}

// BenchmarkVerifyVsSDKSign interleaves SDK signing and verification of the
// identical request in one loop, so machine noise hits both alike, and
// reports both costs and their ratio (target: ratio <= 0.5).
func BenchmarkVerifyVsSDKSign(b *testing.B) {
	signer := v4.NewSigner()
	ctx := context.Background()
	req := benchRequest()
	v := benchVerifier()
	var signT, verifyT time.Duration
	b.ReportAllocs()
	for b.Loop() {
		delete(req.Header, "Authorization")
		t0 := time.Now()
		if err := signer.SignHTTP(ctx, benchCreds, req, benchHash, propSvc, propRegion, propNow); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		r := FromHTTP(req, nil)
		if _, err := v.Verify(&r); err != nil {
			b.Fatal(err)
		}
		verifyT += time.Since(t1)
		signT += t1.Sub(t0)
	}
	b.ReportMetric(float64(signT.Nanoseconds())/float64(b.N), "sign-ns/op")
	b.ReportMetric(float64(verifyT.Nanoseconds())/float64(b.N), "verify-ns/op")
	b.ReportMetric(float64(verifyT)/float64(signT), "verify/sign")
}
