package sigv4

import (
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted (§1: SigV4a is not).
const Algorithm = "AWS4-HMAC-SHA256"

// Authorization is a parsed Authorization header (§2).
type Authorization struct {
	Algorithm     string
	Credential    string
	SignedHeaders string
	Signature     string

	hasCredential, hasSignedHeaders, hasSignature bool
}

// ParseAuthorization parses an Authorization header value by the rules of
// §2 steps 1–6. It does not check for a date header (Verify does, as part of
// the same §2.5 message). The returned error is an *Error of Kind
// IncompleteSignature.
func ParseAuthorization(value string) (Authorization, error) {
	a, err := parseAuthorization(value, true)
	if err != nil {
		return a, err
	}
	return a, nil
}

// parseAuthorization returns *Error rather than error so that the hot path
// does not convert a nil pointer into a non-nil interface by mistake.
func parseAuthorization(value string, hasDate bool) (Authorization, *Error) {
	var a Authorization
	v := strings.TrimSpace(value)
	rest := ""
	if i := strings.IndexByte(v, ' '); i >= 0 {
		a.Algorithm, rest = v[:i], v[i+1:]
	} else {
		a.Algorithm = v
	}
	// §2.2: commas and whitespace both separate pieces.
	for len(rest) > 0 {
		i := 0
		for i < len(rest) && isAuthSep(rest[i]) {
			i++
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && !isAuthSep(rest[j]) {
			j++
		}
		piece := rest[:j]
		rest = rest[j:]
		if piece == "" {
			continue
		}
		eq := strings.IndexByte(piece, '=')
		if eq < 0 {
			return a, newError(IncompleteSignature, "'"+piece+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+v+"'.")
		}
		// §2.4: the last duplicate wins.
		switch key, val := piece[:eq], piece[eq+1:]; key {
		case "Credential":
			a.Credential, a.hasCredential = val, true
		case "SignedHeaders":
			a.SignedHeaders, a.hasSignedHeaders = val, true
		case "Signature":
			a.Signature, a.hasSignature = val, true
		}
	}
	if !a.hasCredential || !a.hasSignature || !a.hasSignedHeaders || !hasDate {
		var b strings.Builder
		if !a.hasCredential {
			b.WriteString("Authorization header requires 'Credential' parameter. ")
		}
		if !a.hasSignature {
			b.WriteString("Authorization header requires 'Signature' parameter. ")
		}
		if !a.hasSignedHeaders {
			b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
		}
		if !hasDate {
			b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
		}
		b.WriteString("Authorization=")
		b.WriteString(v)
		return a, newError(IncompleteSignature, b.String())
	}
	if a.Algorithm != Algorithm {
		return a, unsupportedAlgorithm(a.Algorithm)
	}
	return a, nil
}

func isAuthSep(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

// unsupportedAlgorithm is §2.6 (DynamoDB wording, trailing space included).
func unsupportedAlgorithm(alg string) *Error {
	return newError(IncompleteSignature, "Unsupported AWS 'algorithm': '"+alg+"' (only AWS4-HMAC-SHA256 for now). ")
}

// Credential is a parsed credential scope,
// AccessKeyID/Date/Region/Service/Terminator (§5).
type Credential struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
	Terminator  string
}

// ParseCredential splits a Credential value into its 5 elements (§5.1).
// Trailing slashes are ignored. The error is an *Error of Kind
// IncompleteSignature. It does not validate the elements' contents.
func ParseCredential(s string) (Credential, error) {
	c, ok := parseCredential(s)
	if !ok {
		return c, credentialCountError(s)
	}
	return c, nil
}

func credentialCountError(s string) *Error {
	return newError(IncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+s+"'")
}

func parseCredential(s string) (Credential, bool) {
	var c Credential
	s = strings.TrimRight(s, "/")
	var parts [5]string
	for n := 0; n < 5; n++ {
		i := strings.IndexByte(s, '/')
		if n == 4 {
			if i >= 0 {
				return c, false
			}
			parts[n] = s
			break
		}
		if i < 0 {
			return c, false
		}
		parts[n], s = s[:i], s[i+1:]
	}
	c = Credential{parts[0], parts[1], parts[2], parts[3], parts[4]}
	return c, true
}

// parseDate accepts ISO 8601 basic (the SigV4 form), ISO 8601 extended and
// the HTTP date forms botocore writes into a Date header (§4.1). The result
// is UTC, whole seconds.
func parseDate(s string) (time.Time, bool) {
	if t, ok := parseBasic(s); ok {
		return t, true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Second), true
		}
	}
	return time.Time{}, false
}

var dateLayouts = []string{
	"2006-01-02T15:04:05Z",
	"2006-01-02T15:04:05Z07:00",
	time.RFC1123,
	time.RFC1123Z,
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	time.RFC850,
	time.ANSIC,
}

// parseBasic parses YYYYMMDDTHHMMSSZ without allocating.
func parseBasic(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	var n [14]int
	k := 0
	for i := 0; i < 15; i++ {
		if i == 8 {
			continue
		}
		c := s[i]
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
		n[k] = int(c - '0')
		k++
	}
	year := n[0]*1000 + n[1]*100 + n[2]*10 + n[3]
	month := n[4]*10 + n[5]
	day := n[6]*10 + n[7]
	hour := n[8]*10 + n[9]
	minute := n[10]*10 + n[11]
	sec := n[12]*10 + n[13]
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 20150231 and the like
		return time.Time{}, false
	}
	return t, true
}

// appendBasic appends t (UTC) as YYYYMMDDTHHMMSSZ.
func appendBasic(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append4(dst, y)
	dst = append2(dst, int(mo))
	dst = append2(dst, d)
	dst = append(dst, 'T')
	dst = append2(dst, h)
	dst = append2(dst, mi)
	dst = append2(dst, s)
	return append(dst, 'Z')
}

func formatBasic(t time.Time) string {
	var b [16]byte
	return string(appendBasic(b[:0], t))
}

func append4(dst []byte, v int) []byte {
	if v < 0 || v > 9999 {
		v = 0
	}
	return append(dst, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }
