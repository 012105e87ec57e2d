package iam

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

func base64URL(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func unbase64URL(s string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err == nil
}

// validation renders AWS's constraint violation message.
// listConstraint is the constraint text of a list whose members violate
// theirs: "Member must satisfy constraint: [A, B]".
func listConstraint(member ...string) string {
	return "Member must satisfy constraint: [" + strings.Join(member, ", ") + "]"
}

// violation is one failed model constraint of a request.
type violation struct{ value, member, constraint string }

// validations is AWS's answer to several failed constraints at once:
// "N validation errors detected: Value '…' at '…' failed to satisfy
// constraint: …; Value …". It is nil for none.
func validations(vs []violation) *awserr.Error {
	switch len(vs) {
	case 0:
		return nil
	case 1:
		return validation(vs[0].value, vs[0].member, vs[0].constraint)
	}
	// Several at once are quoted with double quotes (moto's tests of
	// CreateOpenIDConnectProvider and UpdateAccountPasswordPolicy record
	// AWS's answers so; one alone keeps single quotes).
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("Value \"%s\" at \"%s\" failed to satisfy constraint: %s", v.value, v.member, v.constraint)
	}
	return awserr.ValidationError.Errorf("%d validation errors detected: %s", len(vs), strings.Join(parts, "; "))
}

func validation(value, member, constraint string) *awserr.Error {
	return awserr.ValidationError.Errorf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, member, constraint)
}

var (
	nameRE       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathRE       = regexp.MustCompile("^(/|/[\x21-\x7e]+/)$")
	policyPathRE = regexp.MustCompile(`^((/[A-Za-z0-9\.,\+@=_-]+)*)/$`)
)

// checkName validates an entity name parameter (member e.g. "userName").
func checkName(v, member string, max int) error {
	if v == "" {
		return validation(v, member, "Member must not be null")
	}
	if utf8.RuneCountInString(v) > max {
		return validation(v, member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
	if !nameRE.MatchString(v) {
		return validation(v, member, `Member must satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

// checkPath validates and defaults a Path parameter.
func checkPath(v, member string, re *regexp.Regexp) (string, error) {
	if v == "" {
		return "/", nil
	}
	if len(v) > 512 {
		return "", validation(v, member, "Member must have length less than or equal to 512")
	}
	if re == pathRE {
		if !entityPath(v) {
			return "", errBadPath
		}
		return v, nil
	}
	if !re.MatchString(v) {
		return "", validation(v, member, `Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)`)
	}
	return v, nil
}

// errBadPath is IAM's own answer for an entity path (user, group, role,
// instance profile, virtual MFA device) that does not begin and end with
// "/" or holds an empty segment: quoted from AWS in cfn-lint#722 (a role
// Path "test/") and in moto's CreateVirtualMFADevice tests ("test",
// "/test//test/").
var errBadPath = awserr.ValidationError.New("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")

// entityPath reports a valid entity path: the model's pattern and no "//".
func entityPath(v string) bool {
	return pathRE.MatchString(v) && !strings.Contains(v, "//")
}

// encodeDoc URL-encodes a policy document as IAM returns it (RFC 3986,
// %20 for spaces).
func encodeDoc(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// parseDoc validates a policy document parameter.
func parseDoc(doc string, t policy.Type, managed bool, maxSize int) (*policy.Policy, error) {
	if doc == "" {
		return nil, validation(doc, "policyDocument", "Member must not be null")
	}
	p, err := policy.Parse([]byte(doc), policy.ParseOptions{Type: t, Managed: managed, MaxSize: maxSize})
	if err != nil {
		switch e := err.(type) {
		case *policy.SyntaxError:
			return nil, awserr.MalformedPolicyDocument.New(e.Msg)
		case *policy.SizeError:
			return nil, awserr.LimitExceeded.New(e.Error())
		}
		return nil, awserr.MalformedPolicyDocument.New("Syntax errors in policy.")
	}
	return p, nil
}
