package iam

import (
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
)

var pathPrefixRE = regexp.MustCompile("^/[\x21-\x7f]*$")

// listResource returns the PathPrefix of a List* call (default "/") and the
// resource the listing is authorized on: arn:aws:iam::ACCOUNT:KIND and the
// prefix cut after its last '/'. A prefix matches paths as a string ("/s"
// lists /s/ and /secret/), so the resource is the directory the listing
// starts from: never a partial name that an Allow on KIND/s* covers and a
// Deny on KIND/secret/* does not (issue #12 item 4). AWS documents the
// path-prefix ARN, not what it does with a prefix without its final '/'.
func listResource(c *call, pathPrefix, kind string) (prefix, resource string, err error) {
	prefix = pathPrefix
	if prefix == "" {
		prefix = "/"
	}
	dir, err := prefixDir(prefix)
	if err != nil {
		return "", "", err
	}
	return prefix, arn.IAM(c.account(), kind+dir), nil
}

// prefixDir checks a PathPrefix against AWS's pattern and returns it cut
// after its last '/'.
func prefixDir(prefix string) (string, error) {
	if len(prefix) > 512 {
		return "", validation(prefix, "pathPrefix", "Member must have length less than or equal to 512")
	}
	if !pathPrefixRE.MatchString(prefix) {
		return "", validation(prefix, "pathPrefix", `Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return prefix[:strings.LastIndexByte(prefix, '/')+1], nil
}
