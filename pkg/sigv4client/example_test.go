package sigv4client_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/gatehouse-dev/gatehouse/pkg/sigv4client"
)

// An http.Client whose requests are signed for execute-api. In real code the
// credentials come from config.LoadDefaultConfig (environment, shared
// profiles, web identity, ...) and the URL is an API's invoke URL.
func ExampleNew() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		fmt.Fprintln(w, strings.SplitN(auth, ",", 2)[0])
	}))
	defer api.Close()

	t, err := sigv4client.New(sigv4client.Config{
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
		Region:      "us-east-1",
		Now:         func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Transport: t}
	resp, err := client.Get(api.URL + "/prod/pets")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output:
	// AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request
}

// A presigned URL carries its signature in the query string, so it can be

func ExampleTransport_Presign() {
	t, err := sigv4client.New(sigv4client.Config{
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
		Region:      "us-east-1",
		Now:         func() time.Time { return time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequest("GET", "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets?limit=5", nil)
	u, _, err := t.Presign(context.Background(), req, 15*time.Minute)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.ReplaceAll(u, "&", "\n&"))
	// Output:
	// https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256
	// &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fexecute-api%2Faws4_request
	// &X-Amz-Date=20150830T123600Z
	// &X-Amz-Expires=900
	// &X-Amz-SignedHeaders=host
	// &limit=5
	// &X-Amz-Signature=cfb35118708f5546d2c77716aa56d934809bbace88f6a6047f3a903b621c3348
}

// Temporary credentials that refresh themselves: wrap any provider (here a
// function; in practice stscreds.NewAssumeRoleProvider or the default
// chain) and set how long before expiry the cache fetches new ones.
func ExampleConfig_cacheOptions() {
	calls := 0
	provider := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		calls++
		return aws.Credentials{
			AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "secret", SessionToken: "token",
			CanExpire: true, Expires: time.Now().Add(time.Hour),
		}, nil
	})
	t, err := sigv4client.New(sigv4client.Config{
		Credentials:  provider,
		Region:       "eu-west-1",
		CacheOptions: func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 5 * time.Minute },
	})
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		req, _ := http.NewRequest("GET", "https://api.example.com/", nil)
		if err := t.Sign(context.Background(), req); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("provider calls for 3 signed requests:", calls)
	// Output:
	// provider calls for 3 signed requests: 1
}
