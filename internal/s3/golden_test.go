package s3_test

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse-dev/gatehouse/internal/gatehousetest"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

// goldenMasks replace what changes between runs (request ids, times,
// upload ids) with placeholders.
var goldenMasks = []struct{ re, with string }{
	{`<RequestId>[^<]+</RequestId>`, `<RequestId>REQUEST-ID</RequestId>`},
	{`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`, `2026-01-02T03:04:05.000Z`},
	{`[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT`, `Mon, 02 Jan 2026 03:04:05 GMT`},
	{`[0-9a-f]{64}`, `UPLOAD-ID`},
}

func goldenMask(s string) string {
	for _, m := range goldenMasks {
		s = regexp.MustCompile(m.re).ReplaceAllString(s, m.with)
	}
	return s
}

// s3Raw sends one request (signed by the root user unless anonymous) and
// returns its status, headers (but Date) and body, masked.
func s3Raw(t *testing.T, srvURL, method, path string, hdr map[string]string, body string, anonymous bool) string {
	t.Helper()
	req, err := http.NewRequest(method, srvURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if anonymous {
		// Unsigned requests reach S3 at the bucket's virtual host.
		b, rest, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
		req.Host = b + ".localhost:" + req.URL.Port()
		req.URL.Path = "/" + rest
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if !anonymous {
		sum := sha256.Sum256([]byte(body))
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		gatehousetest.Sign(t, req, gatehousetest.RootCredentials, "s3", []byte(body))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	out.WriteString(resp.Status + "\n")
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := strings.Join(resp.Header[k], ", ")
		switch strings.ToLower(k) {
		case "date":
			continue
		case "x-amz-request-id", "x-amzn-requestid", "x-amz-apigw-id", "x-amz-id-2":
			v = "REQUEST-ID"
		}
		out.WriteString(k + ": " + v + "\n")
	}
	if len(resp.TransferEncoding) > 0 {
		out.WriteString("(transfer-encoding " + strings.Join(resp.TransferEncoding, ",") + ")\n")
	}
	out.Write(b)
	out.WriteString("\n")
	return goldenMask(out.String())
}

// TestWireGolden pins the exact answers (status, headers, body) of S3's
// operations through the real server: the handlers' outputs and their
// rendering by the frame must not change a byte.
func TestWireGolden(t *testing.T) {
	srv := gatehousetest.Start(t)
	var out strings.Builder
	uploadRE := regexp.MustCompile(`<UploadId>([0-9a-f]{64})</UploadId>`)
	var uploadID string
	type step struct {
		name, method, path string
		hdr                map[string]string
		body               string
		anonymous          bool
	}
	md5of := func(s string) string { m := md5.Sum([]byte(s)); return base64.StdEncoding.EncodeToString(m[:]) }
	crc32of := func(s string) string {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], crc32.ChecksumIEEE([]byte(s)))
		return base64.StdEncoding.EncodeToString(b[:])
	}
	sha256of := func(s string) string { m := sha256.Sum256([]byte(s)); return base64.StdEncoding.EncodeToString(m[:]) }
	part := strings.Repeat("p", 5<<20)
	deleteDoc := `<Delete><Object><Key>a/one</Key></Object><Object><Key>missing</Key></Object></Delete>`
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::gold/pub/*"}]}`
	steps := []step{
		{name: "ListBuckets empty", method: "GET", path: "/"},
		{name: "CreateBucket", method: "PUT", path: "/gold"},
		{name: "CreateBucket again (us-east-1)", method: "PUT", path: "/gold"},
		{name: "CreateBucket other region", method: "PUT", path: "/gold2", body: `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`},
		{name: "CreateBucket bad name", method: "PUT", path: "/Bad_Name"},
		{name: "ListBuckets", method: "GET", path: "/"},
		{name: "HeadBucket", method: "HEAD", path: "/gold"},
		{name: "HeadBucket anonymous", method: "HEAD", path: "/gold", anonymous: true},
		{name: "HeadBucket missing", method: "HEAD", path: "/nope"},
		{name: "GetBucketLocation", method: "GET", path: "/gold?location"},
		{name: "GetBucketEncryption", method: "GET", path: "/gold?encryption"},
		{name: "PutBucketEncryption", method: "PUT", path: "/gold?encryption", body: `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`},
		{name: "GetBucketEncryption after put", method: "GET", path: "/gold?encryption"},
		{name: "DeleteBucketEncryption", method: "DELETE", path: "/gold?encryption"},
		{name: "GetBucketVersioning", method: "GET", path: "/gold?versioning"},
		{name: "PutBucketVersioning missing bucket", method: "PUT", path: "/gold2?versioning", body: `<VersioningConfiguration><Status>Nope</Status></VersioningConfiguration>`},
		{name: "PutBucketVersioning bad", method: "PUT", path: "/gold?versioning", body: `<VersioningConfiguration><Status>Nope</Status></VersioningConfiguration>`},
		{name: "PutBucketVersioning mfa", method: "PUT", path: "/gold?versioning", body: `<VersioningConfiguration><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`},
		{name: "GetBucketVersioning after put", method: "GET", path: "/gold?versioning"},
		{name: "GetBucketPolicy missing", method: "GET", path: "/gold?policy"},
		{name: "PutBucketPolicy", method: "PUT", path: "/gold?policy", body: pol},
		{name: "GetBucketPolicy", method: "GET", path: "/gold?policy"},
		{name: "DeleteBucketPolicy", method: "DELETE", path: "/gold?policy"},
		{name: "GetPublicAccessBlock", method: "GET", path: "/gold?publicAccessBlock"},
		{name: "PutPublicAccessBlock", method: "PUT", path: "/gold?publicAccessBlock", body: `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`},
		{name: "GetPublicAccessBlock after put", method: "GET", path: "/gold?publicAccessBlock"},
		{name: "DeletePublicAccessBlock", method: "DELETE", path: "/gold?publicAccessBlock"},
		{name: "GetPublicAccessBlock after delete", method: "GET", path: "/gold?publicAccessBlock"},
		{name: "GetBucketTagging missing", method: "GET", path: "/gold?tagging"},
		{name: "PutBucketTagging", method: "PUT", path: "/gold?tagging", body: `<Tagging><TagSet><Tag><Key>team</Key><Value>blue</Value></Tag><Tag><Key>env</Key><Value></Value></Tag></TagSet></Tagging>`},
		{name: "GetBucketTagging", method: "GET", path: "/gold?tagging"},
		{name: "DeleteBucketTagging", method: "DELETE", path: "/gold?tagging"},
		{name: "GetBucketLifecycleConfiguration missing", method: "GET", path: "/gold?lifecycle"},
		{name: "PutBucketLifecycleConfiguration", method: "PUT", path: "/gold?lifecycle", body: `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>r1</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>`},
		{name: "GetBucketLifecycleConfiguration", method: "GET", path: "/gold?lifecycle"},
		{name: "DeleteBucketLifecycle", method: "DELETE", path: "/gold?lifecycle"},
		{name: "PutBucketCors", method: "PUT", path: "/gold?cors", body: `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`},
		{name: "GetBucketCors", method: "GET", path: "/gold?cors"},
		{name: "DeleteBucketCors", method: "DELETE", path: "/gold?cors"},
		{name: "GetBucketOwnershipControls missing", method: "GET", path: "/gold?ownershipControls"},
		{name: "PutBucketOwnershipControls", method: "PUT", path: "/gold?ownershipControls", body: `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`},
		{name: "GetBucketOwnershipControls", method: "GET", path: "/gold?ownershipControls"},
		{name: "DeleteBucketOwnershipControls", method: "DELETE", path: "/gold?ownershipControls"},
		{name: "PutBucketVersioning method not allowed", method: "DELETE", path: "/gold?versioning"},

		{name: "PutObject", method: "PUT", path: "/gold/a/one", body: "hello, world",
			hdr: map[string]string{"Content-Type": "text/plain", "x-amz-meta-Colour": "blue", "x-amz-meta-size": "small", "Cache-Control": "no-cache", "x-amz-checksum-crc32": crc32of("hello, world"), "Content-MD5": md5of("hello, world")}},
		{name: "PutObject second", method: "PUT", path: "/gold/a/two", body: "0123456789"},
		{name: "PutObject bad checksum", method: "PUT", path: "/gold/a/three", body: "x", hdr: map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}},
		{name: "GetObject", method: "GET", path: "/gold/a/one"},
		{name: "GetObject checksum mode", method: "GET", path: "/gold/a/one", hdr: map[string]string{"x-amz-checksum-mode": "ENABLED"}},
		{name: "GetObject response overrides", method: "GET", path: "/gold/a/one?response-content-type=application/x-test&response-cache-control=max-age%3D5&response-content-disposition=inline"},
		{name: "GetObject range", method: "GET", path: "/gold/a/two", hdr: map[string]string{"Range": "bytes=2-5"}},
		{name: "GetObject suffix range", method: "GET", path: "/gold/a/two", hdr: map[string]string{"Range": "bytes=-3"}},
		{name: "GetObject bad range", method: "GET", path: "/gold/a/two", hdr: map[string]string{"Range": "bytes=20-30"}},
		{name: "GetObject If-None-Match", method: "GET", path: "/gold/a/two", hdr: map[string]string{"If-None-Match": `"781e5e245d69b566979b86e28d23f2c7"`}},
		{name: "GetObject If-Match fails", method: "GET", path: "/gold/a/two", hdr: map[string]string{"If-Match": `"nope"`}},
		{name: "HeadObject If-Match fails", method: "HEAD", path: "/gold/a/two", hdr: map[string]string{"If-Match": `"nope"`}},
		{name: "GetObject missing", method: "GET", path: "/gold/a/missing"},
		{name: "GetObject anonymous denied", method: "GET", path: "/gold/a/one", anonymous: true},
		{name: "GetObject versionId bad", method: "GET", path: "/gold/a/one?versionId=v1"},
		{name: "HeadObject", method: "HEAD", path: "/gold/a/one"},
		{name: "HeadObject range", method: "HEAD", path: "/gold/a/two", hdr: map[string]string{"Range": "bytes=0-0"}},
		{name: "HeadObject missing", method: "HEAD", path: "/gold/a/missing"},
		{name: "CopyObject", method: "PUT", path: "/gold/b/copy", hdr: map[string]string{"x-amz-copy-source": "/gold/a/one"}},
		{name: "CopyObject replace", method: "PUT", path: "/gold/b/copy2", hdr: map[string]string{"x-amz-copy-source": "gold/a/two", "x-amz-metadata-directive": "REPLACE", "x-amz-meta-new": "yes", "Content-Type": "text/csv"}},
		{name: "CopyObject to itself", method: "PUT", path: "/gold/a/one", hdr: map[string]string{"x-amz-copy-source": "/gold/a/one"}},
		{name: "GetObject copy2", method: "GET", path: "/gold/b/copy2"},
		{name: "ListObjects", method: "GET", path: "/gold"},
		{name: "ListObjects delimiter", method: "GET", path: "/gold?delimiter=/&max-keys=1"},
		{name: "ListObjectsV2", method: "GET", path: "/gold?list-type=2&fetch-owner=true&prefix=a/"},
		{name: "ListObjectsV2 truncated", method: "GET", path: "/gold?list-type=2&max-keys=1&encoding-type=url"},
		{name: "ListObjectsV2 bad token", method: "GET", path: "/gold?list-type=2&continuation-token=%21%21"},
		{name: "ListObjectVersions", method: "GET", path: "/gold?versions&max-keys=2"},
		{name: "ListObjects bad list-type", method: "GET", path: "/gold?list-type=3"},
		{name: "object tagging not implemented", method: "GET", path: "/gold/a/one?tagging"},
		{name: "DeleteObjects", method: "POST", path: "/gold?delete", body: deleteDoc, hdr: map[string]string{"Content-MD5": md5of(deleteDoc)}},
		{name: "DeleteObjects quiet", method: "POST", path: "/gold?delete", body: `<Delete><Quiet>true</Quiet><Object><Key>b/copy2</Key></Object></Delete>`, hdr: map[string]string{"Content-MD5": md5of(`<Delete><Quiet>true</Quiet><Object><Key>b/copy2</Key></Object></Delete>`)}},
		{name: "DeleteObject", method: "DELETE", path: "/gold/b/copy"},
		{name: "DeleteObject missing", method: "DELETE", path: "/gold/b/copy"},
		{name: "CreateMultipartUpload", method: "POST", path: "/gold/big?uploads", hdr: map[string]string{"x-amz-checksum-algorithm": "SHA256", "x-amz-meta-m": "1"}},
		{name: "CreateMultipartUpload another", method: "POST", path: "/gold/big2?uploads"},
		{name: "ListMultipartUploads", method: "GET", path: "/gold?uploads"},
	}
	run := func(s step) string {
		return s3Raw(t, srv.URL, s.method, s.path, s.hdr, s.body, s.anonymous)
	}
	for _, s := range steps {
		out.WriteString("== " + s.name + "\n" + run(s))
	}
	// The upload ids are masked in the output: read them from a listing
	// made without masks.
	req, _ := http.NewRequest("GET", srv.URL+"/gold?uploads", http.NoBody)
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: gatehousetest.AccessKeyID, SecretAccessKey: gatehousetest.SecretAccessKey},
		req, "UNSIGNED-PAYLOAD", "s3", gatehousetest.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	lb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var ids []string
	for _, m := range uploadRE.FindAllStringSubmatch(string(lb), -1) {
		ids = append(ids, m[1])
	}
	if len(ids) != 2 {
		t.Fatalf("uploads: %s", lb)
	}
	// big (listed first, by key) gets parts; big2 is aborted.
	uploadID = ids[0]
	partETag := func(p string) string { m := md5.Sum([]byte(p)); return `"` + hex.EncodeToString(m[:]) + `"` }
	complete := `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + partETag(part) + `</ETag></Part><Part><PartNumber>2</PartNumber><ETag>` + partETag("tail") + `</ETag></Part></CompleteMultipartUpload>`
	steps = []step{
		{name: "UploadPart 1", method: "PUT", path: "/gold/big?partNumber=1&uploadId=" + uploadID, body: part},
		{name: "UploadPart 2", method: "PUT", path: "/gold/big?partNumber=2&uploadId=" + uploadID, body: "tail", hdr: map[string]string{"x-amz-checksum-sha256": sha256of("tail")}},
		{name: "UploadPart bad number", method: "PUT", path: "/gold/big?partNumber=0&uploadId=" + uploadID, body: "x"},
		{name: "ListParts", method: "GET", path: "/gold/big?uploadId=" + uploadID},
		{name: "ListParts max-parts 1", method: "GET", path: "/gold/big?max-parts=1&uploadId=" + uploadID},
		{name: "CompleteMultipartUpload bad order", method: "POST", path: "/gold/big?uploadId=" + uploadID, body: `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>x</ETag></Part><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>`},
		{name: "CompleteMultipartUpload", method: "POST", path: "/gold/big?uploadId=" + uploadID, body: complete},
		{name: "HeadObject multipart", method: "HEAD", path: "/gold/big"},
		{name: "GetObject multipart range", method: "GET", path: "/gold/big", hdr: map[string]string{"Range": "bytes=5242878-"}},
		{name: "AbortMultipartUpload", method: "DELETE", path: "/gold/big2?uploadId=" + ids[1]},
		{name: "AbortMultipartUpload again", method: "DELETE", path: "/gold/big2?uploadId=" + ids[1]},
		{name: "DeleteBucket not empty", method: "DELETE", path: "/gold"},
		{name: "DeleteObject big", method: "DELETE", path: "/gold/big"},
		{name: "DeleteObject a/two", method: "DELETE", path: "/gold/a/two"},
		{name: "DeleteObject a/one", method: "DELETE", path: "/gold/a/one"},
		{name: "DeleteBucket", method: "DELETE", path: "/gold"},
		{name: "DeleteBucket missing", method: "DELETE", path: "/gold"},
	}
	for _, s := range steps {
		out.WriteString("== " + s.name + "\n" + run(s))
	}
	golden.Check(t, filepath.Join("testdata", "wire.golden"), out.String())
}
