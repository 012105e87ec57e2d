package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
)

// benchAPI is a REST API with one GET method that requires SigV4 (AWS_IAM)
// and a MOCK integration, so that an execute-api request's time is
// gatehouse's own: routing, SigV4, the key lookup and the policy decision.
const benchAPI = `{"openapi":"3.0.1","info":{"title":"scale-bench","version":"1"},
 "paths":{"/iam":{"get":{"security":[{"sigv4":[]}],
  "responses":{"200":{"description":"ok"}},
  "x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":"{\"statusCode\": 200}"},
   "responses":{"default":{"statusCode":"200","responseTemplates":{"application/json":"{\"ok\":true}"}}}}}}},
 "components":{"securitySchemes":{"sigv4":{"type":"apiKey","name":"Authorization","in":"header","x-amazon-apigateway-authtype":"awsSigv4"}}}}`

// deployBenchAPI imports benchAPI on the server at url and deploys it to a
// stage; it returns the URL of the method and a function that deletes the
// API again (a reused data directory does not collect them).
func deployBenchAPI(ctx context.Context, url, keyID, secret string) (string, func(), error) {
	c := apigateway.New(apigateway.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(keyID, secret, "")})
	api, err := c.ImportRestApi(ctx, &apigateway.ImportRestApiInput{Body: []byte(benchAPI)})
	if err != nil {
		return "", nil, fmt.Errorf("ImportRestApi: %w", err)
	}
	del := func() { _, _ = c.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: api.Id}) }
	if _, err := c.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: api.Id, StageName: aws.String("bench")}); err != nil {
		del()
		return "", nil, fmt.Errorf("CreateDeployment: %w", err)
	}
	return url + "/restapis/" + *api.Id + "/bench/_user_request_/iam", del, nil
}

// executeAPIClient sends SigV4-signed GETs to one execute-api URL.
type executeAPIClient struct {
	url   string
	creds aws.Credentials
	hc    *http.Client
	lat   []time.Duration
}

var emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// get signs and sends one request; with timed, its latency (signing
// included, the same work against every server) is recorded.
func (c *executeAPIClient) get(ctx context.Context, timed bool) error {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return err
	}
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, emptySHA256, "execute-api", "us-east-1", time.Now()); err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("ok")) {
		return fmt.Errorf("execute-api GET: %s %s", resp.Status, body)
	}
	if timed {
		c.lat = append(c.lat, time.Since(t0))
	}
	return nil
}

// executeAPIRounds deploys benchAPI on every server and times signed
// execute-api requests against them in alternating rounds, with each
// server's own seeded key, and prints the p50s and their ratio (the first
// server against the last).
func executeAPIRounds(ctx context.Context, names, urls []string, keys [][2]string, rounds, perRound int) error {
	cs := make([]*executeAPIClient, len(urls))
	for i := range urls {
		u, del, err := deployBenchAPI(ctx, urls[i], rootKeyID, rootSecret)
		if err != nil {
			return fmt.Errorf("%s: %w", names[i], err)
		}
		defer del()
		cs[i] = &executeAPIClient{url: u, creds: aws.Credentials{AccessKeyID: keys[i][0], SecretAccessKey: keys[i][1]},
			hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}}
		for range 50 { // warm up: the key's secret is opened on first use
			if err := cs[i].get(ctx, false); err != nil {
				return fmt.Errorf("%s: %w", names[i], err)
			}
		}
	}
	for range rounds {
		for _, c := range cs {
			for range perRound {
				if err := c.get(ctx, true); err != nil {
					return err
				}
			}
		}
	}
	p50 := func(ls []time.Duration) time.Duration { s := slices.Clone(ls); slices.Sort(s); return s[len(s)/2] }
	for i, c := range cs {
		fmt.Printf("%s: signed execute-api GET (AWS_IAM, MOCK) p50 %s over %d requests\n", names[i], p50(c.lat).Round(time.Microsecond), len(c.lat))
	}
	fmt.Printf("execute-api p50 %s / %s: %.3f\n", names[0], names[len(names)-1], float64(p50(cs[0].lat))/float64(p50(cs[len(cs)-1].lat)))
	return nil
}
