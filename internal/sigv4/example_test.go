package sigv4_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/sigv4"
)

func ExampleVerifier_Verify() {
	v := sigv4.New(sigv4.Config{
		Service: "service",
		Region:  "us-east-1",
		Now:     func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
		Resolver: sigv4.ResolverFunc(func(accessKeyID, sessionToken string) (sigv4.Credentials, error) {
			if accessKeyID != "AKIDEXAMPLE" {
				return sigv4.Credentials{}, sigv4.ErrUnknownKey
			}
			return sigv4.Credentials{SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Identity: "example-user"}, nil
		}),
	})

	// The AWS test suite's get-vanilla request, as a server receives it.
	r := httptest.NewRequest("GET", "http://example.amazonaws.com/", nil)
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
	req := sigv4.FromHTTP(r, nil)
	res, err := v.Verify(&req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Identity, res.AccessKeyID, res.Service, res.Region)

	// A bearer token sent to an AWS_IAM method.
	r.Header.Set("Authorization", "Bearer x")
	req = sigv4.FromHTTP(r, nil)
	_, err = v.Verify(&req)
	var e *sigv4.Error
	if errors.As(err, &e) {
		fmt.Println(e.Kind, e.Message)
	}
	// Output:
	// example-user AKIDEXAMPLE service us-east-1
	// IncompleteSignature 'x' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer x'.
}
