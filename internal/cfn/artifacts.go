package cfn

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxArtifact bounds an artifact read from S3 (Lambda takes zips up to
// 50 MB directly; a template is far smaller).
const maxArtifact = 64 << 20

// emptySHA256 is the payload hash of a GET.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// endpointS3 reads artifacts with a path-style S3 GetObject, signed with
// the stack's credentials, from gatehouse's own endpoint: the bucket's
// policy and the credentials' permissions decide, as for the AWS CLI. On
// a gatehouse without S3 the call gets S3's unknown-service error, which
// the stack's event reports.
type endpointS3 struct {
	endpoint func() string
	region   string
	hc       *http.Client
}

// artifacts returns the Artifacts of a stack in region: the configured
// ones, or S3 at gatehouse's own endpoint.
func (s *Service) artifacts(region string) Artifacts {
	if s.art != nil {
		return s.art
	}
	return endpointS3{endpoint: s.endpointURL, region: region, hc: s.hc}
}

func (a endpointS3) Get(ctx context.Context, c Credentials, bucket, key, version string) ([]byte, error) {
	if bucket == "" || key == "" {
		return nil, fmt.Errorf("S3 location needs a bucket and a key")
	}
	u := strings.TrimRight(a.endpoint(), "/") + "/" + url.PathEscape(bucket) + "/" + escapeKey(key)
	if version != "" {
		u += "?versionId=" + url.QueryEscape(version)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, emptySHA256, "s3", a.region, time.Now()); err != nil {
		return nil, err
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxArtifact+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxArtifact {
		return nil, fmt.Errorf("S3 object s3://%s/%s is larger than %d bytes", bucket, key, maxArtifact)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		code, msg := resp.Status, ""
		if xml.Unmarshal(b, &e) == nil && e.Code != "" {
			code, msg = e.Code, e.Message
		}
		return nil, fmt.Errorf("S3 GetObject s3://%s/%s: %s %s", bucket, key, code, msg)
	}
	return b, nil
}

// escapeKey escapes an object key for a path, keeping its slashes.
func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
