package s3

import (
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

func TestOperation(t *testing.T) {
	for _, tc := range []struct {
		method, target, host, copySource string
		bucket, key, want, wantErr       string
	}{
		{"GET", "/", "localhost", "", "", "", "ListBuckets", ""},
		{"PUT", "/", "localhost", "", "", "", "", "MethodNotAllowed"},
		{"PUT", "/b1b", "localhost", "", "b1b", "", "CreateBucket", ""},
		{"PUT", "/b1b/", "localhost", "", "b1b", "", "CreateBucket", ""},
		{"HEAD", "/b1b", "localhost", "", "b1b", "", "HeadBucket", ""},
		{"GET", "/b1b?location", "localhost", "", "b1b", "", "GetBucketLocation", ""},
		{"GET", "/b1b?list-type=2&prefix=a", "localhost", "", "b1b", "", "ListObjectsV2", ""},
		{"GET", "/b1b?list-type=3", "localhost", "", "b1b", "", "", "InvalidArgument"},
		{"GET", "/b1b", "localhost", "", "b1b", "", "ListObjects", ""},
		{"GET", "/?encryption", "b1b.s3.localhost:4566", "", "b1b", "", "GetBucketEncryption", ""},
		{"DELETE", "/b1b?encryption", "localhost", "", "b1b", "", "DeleteBucketEncryption", ""},
		{"DELETE", "/b1b?versioning", "localhost", "", "b1b", "", "", "MethodNotAllowed"},
		{"PUT", "/b1b?publicAccessBlock", "localhost", "", "b1b", "", "PutPublicAccessBlock", ""},
		{"DELETE", "/b1b?lifecycle", "localhost", "", "b1b", "", "DeleteBucketLifecycle", ""},
		{"PUT", "/b1b?cors", "localhost", "", "b1b", "", "PutBucketCors", ""},
		{"POST", "/b1b?delete", "localhost", "", "b1b", "", "DeleteObjects", ""},
		{"GET", "/b1b?uploads", "localhost", "", "b1b", "", "ListMultipartUploads", ""},
		{"GET", "/b1b?acl", "localhost", "", "b1b", "", "", "NotImplemented"},
		{"PUT", "/b1b/a/b.txt", "localhost", "", "b1b", "a/b.txt", "PutObject", ""},
		{"PUT", "/a/b.txt", "b1b.localhost", "", "b1b", "a/b.txt", "PutObject", ""},
		{"PUT", "/b1b/k", "localhost", "/src/k", "b1b", "k", "CopyObject", ""},
		{"PUT", "/b1b/k?partNumber=1&uploadId=u", "localhost", "", "b1b", "k", "UploadPart", ""},
		{"PUT", "/b1b/k?partNumber=1&uploadId=u", "localhost", "/src/k", "b1b", "k", "", "NotImplemented"},
		{"POST", "/b1b/k?uploads", "localhost", "", "b1b", "k", "CreateMultipartUpload", ""},
		{"POST", "/b1b/k?uploadId=u", "localhost", "", "b1b", "k", "CompleteMultipartUpload", ""},
		{"DELETE", "/b1b/k?uploadId=u", "localhost", "", "b1b", "k", "AbortMultipartUpload", ""},
		{"GET", "/b1b/k?uploadId=u", "localhost", "", "b1b", "k", "ListParts", ""},
		{"GET", "/b1b/k?tagging", "localhost", "", "b1b", "k", "", "NotImplemented"},
		{"HEAD", "/b1b/k", "localhost", "", "b1b", "k", "HeadObject", ""},
		{"POST", "/b1b/k", "localhost", "", "b1b", "k", "", "MethodNotAllowed"},
		{"GET", "/b1b//double", "localhost", "", "b1b", "/double", "GetObject", ""},
		// A configuration subresource decides alone, whatever else the
		// query has; a method it has no operation for is MethodNotAllowed.
		{"POST", "/b1b?encryption&delete", "localhost", "", "b1b", "", "", "MethodNotAllowed"},
		{"GET", "/b1b?tagging&uploads", "localhost", "", "b1b", "", "GetBucketTagging", ""},
		{"GET", "/b1b?lifecycle", "localhost", "", "b1b", "", "GetBucketLifecycleConfiguration", ""},
		{"PUT", "/b1b?lifecycle", "localhost", "", "b1b", "", "PutBucketLifecycleConfiguration", ""},
		{"DELETE", "/b1b?cors", "localhost", "", "b1b", "", "DeleteBucketCors", ""},
		{"GET", "/b1b?ownershipControls", "localhost", "", "b1b", "", "GetBucketOwnershipControls", ""},
		{"DELETE", "/b1b?ownershipControls", "localhost", "", "b1b", "", "DeleteBucketOwnershipControls", ""},
		{"PUT", "/b1b?location", "localhost", "", "b1b", "", "", "MethodNotAllowed"},
		{"PUT", "/b1b?versioning", "localhost", "", "b1b", "", "PutBucketVersioning", ""},
		{"DELETE", "/b1b?policy", "localhost", "", "b1b", "", "DeleteBucketPolicy", ""},
		// uploads and versions come before list-type.
		{"GET", "/b1b?uploads&list-type=9", "localhost", "", "b1b", "", "ListMultipartUploads", ""},
		{"GET", "/b1b?versions&list-type=2", "localhost", "", "b1b", "", "ListObjectVersions", ""},
		{"POST", "/b1b", "localhost", "", "b1b", "", "", "MethodNotAllowed"},
		{"PATCH", "/b1b", "localhost", "", "b1b", "", "", "MethodNotAllowed"},
		{"GET", "/?acl", "localhost", "", "", "", "ListBuckets", ""},
		{"PUT", "/b1b/k?uploadId=u", "localhost", "", "b1b", "k", "UploadPart", ""},
		{"GET", "/b1b/k?acl", "localhost", "", "b1b", "k", "", "NotImplemented"},
		{"GET", "/b1b/k?versionId=null", "localhost", "", "b1b", "k", "GetObject", ""},
		{"DELETE", "/b1b/k", "localhost", "", "b1b", "k", "DeleteObject", ""},
		{"POST", "/b1b/k?uploads&uploadId=u", "localhost", "", "b1b", "k", "CreateMultipartUpload", ""},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		r.Host = tc.host
		if tc.copySource != "" {
			r.Header.Set("x-amz-copy-source", tc.copySource)
		}
		c := &call{r: r, q: r.URL.Query()}
		if err := c.target(); err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.target, err)
		}
		rt, err := c.route()
		got := ""
		if rt != nil {
			got = rt.Name
		}
		if c.bucket != tc.bucket || c.key != tc.key {
			t.Errorf("%s %s host %s: bucket %q key %q, want %q %q", tc.method, tc.target, tc.host, c.bucket, c.key, tc.bucket, tc.key)
		}
		if tc.wantErr != "" {
			if ae := awserr.From(err); err == nil || ae.Code != tc.wantErr {
				t.Errorf("%s %s: %q %v, want %s", tc.method, tc.target, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %s: %q %v, want %s", tc.method, tc.target, got, err, tc.want)
		}
		if !rt.Bound() {
			t.Errorf("%s has no handler", got)
		}
	}
}

func TestEveryOperationHasAHandler(t *testing.T) {
	seen := map[string]bool{}
	for i := range routes {
		rt := &routes[i]
		if !rt.Bound() {
			t.Errorf("%s has no handler", rt.Name)
		}
		if seen[rt.Name] {
			t.Errorf("%s has two routes", rt.Name)
		}
		seen[rt.Name] = true
	}
	if n := len(OperationTable()); n != 43 {
		t.Errorf("%d operations, want 43", n)
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		h           string
		size        int64
		start, n    int64
		ok, invalid bool
	}{
		{"bytes=0-9", 100, 0, 10, true, false},
		{"bytes=90-", 100, 90, 10, true, false},
		{"bytes=90-200", 100, 90, 10, true, false},
		{"bytes=-10", 100, 90, 10, true, false},
		{"bytes=-200", 100, 0, 100, true, false},
		{"bytes=100-", 100, 0, 0, false, true},
		{"bytes=-0", 100, 0, 0, false, true},
		{"bytes=-5", 0, 0, 0, false, true},
		{"bytes=5-2", 100, 0, 0, false, false},
		{"bytes=0-1,4-5", 100, 0, 0, false, false},
		{"items=0-1", 100, 0, 0, false, false},
		{"bytes=x-1", 100, 0, 0, false, false},
		{"bytes=0", 100, 0, 0, false, false},
	} {
		start, n, ok, err := parseRange(tc.h, tc.size)
		if (err != nil) != tc.invalid || ok != tc.ok || ok && (start != tc.start || n != tc.n) {
			t.Errorf("parseRange(%q, %d) = %d, %d, %v, %v", tc.h, tc.size, start, n, ok, err)
		}
	}
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my.bucket-1": true, "ab": false, "ABC": false, "a_b": false, "-ab": false, "ab-": false,
		"a..b": false, "a.-b": false, "192.168.5.4": false, "xn--abc": false, "abc-s3alias": false,
		"sthree-x": false, "amzn-s3-demo-x": false, "x--x-s3": false,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa":  true,
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": false,
	} {
		if got := validBucketName(name); got != want {
			t.Errorf("validBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}
