package arn

import (
	"errors"
	"strings"
)

// ARN is a parsed Amazon Resource Name. Resource holds everything after the
// fifth colon, including any further colons and slashes.
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	Resource  string
}

// Errors returned by Parse. They are sentinel values so callers can map them
// to their own wire errors with errors.Is.
var (
	ErrNotARN      = errors.New("arn: missing \"arn:\" prefix")
	ErrSegments    = errors.New("arn: not enough sections")
	ErrEmptyPart   = errors.New("arn: empty partition, service or resource")
	ErrInvalidChar = errors.New("arn: invalid character")
)

// Parse splits s into its components. It requires the "arn:" prefix, six
// colon-separated sections and a non-empty partition, service and resource;
// region and account may be empty (IAM and S3 ARNs have neither). Parse does
// not check that the partition or service exist.
func Parse(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, ErrNotARN
	}
	var idx [5]int
	if !colons(s, &idx) {
		return ARN{}, ErrSegments
	}
	a := ARN{
		Partition: s[idx[0]+1 : idx[1]],
		Service:   s[idx[1]+1 : idx[2]],
		Region:    s[idx[2]+1 : idx[3]],
		AccountID: s[idx[3]+1 : idx[4]],
		Resource:  s[idx[4]+1:],
	}
	if a.Partition == "" || a.Service == "" || a.Resource == "" {
		return ARN{}, ErrEmptyPart
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return ARN{}, ErrInvalidChar
		}
	}
	return a, nil
}

// String formats a as arn:partition:service:region:account-id:resource.
func (a ARN) String() string {
	var b strings.Builder
	b.Grow(8 + len(a.Partition) + len(a.Service) + len(a.Region) + len(a.AccountID) + len(a.Resource))
	b.WriteString("arn:")
	b.WriteString(a.Partition)
	b.WriteByte(':')
	b.WriteString(a.Service)
	b.WriteByte(':')
	b.WriteString(a.Region)
	b.WriteByte(':')
	b.WriteString(a.AccountID)
	b.WriteByte(':')
	b.WriteString(a.Resource)
	return b.String()
}

// colons stores the byte offsets of the first five colons of s and reports
// whether there are at least five.
func colons(s string, idx *[5]int) bool {
	off := 0
	for n := 0; n < 5; n++ {
		i := strings.IndexByte(s[off:], ':')
		if i < 0 {
			return false
		}
		idx[n] = off + i
		off += i + 1
	}
	return true
}

// Split returns the six sections of s without validating them; ok is false
// when s has fewer than five colons.
func Split(s string) (sections [6]string, ok bool) {
	var idx [5]int
	if !colons(s, &idx) {
		return sections, false
	}
	prev := 0
	for i, c := range idx {
		sections[i] = s[prev:c]
		prev = c + 1
	}
	sections[5] = s[prev:]
	return sections, true
}

// Match reports whether value matches pattern with IAM ARN semantics:
// "*" alone matches everything; when the pattern has six sections, the
// value must too and each pattern section is matched against the same
// value section with Glob, so wildcards never cross the first five colons.
// A pattern without six sections ("*", a resource of an action without a
// resource type) is compared with the value as a whole. The pattern may
// hold Escape sequences (policy variables' values substituted into it):
// package policy matches every Resource and Arn* condition with Match.
func Match(pattern, value string) bool {
	if pattern == "*" {
		return true
	}
	var pi, vi [5]int
	pok, vok := colons(pattern, &pi), colons(value, &vi)
	if !pok || !vok {
		if pok {
			return false
		}
		return Glob(pattern, value)
	}
	pp, vp := 0, 0
	for i := 0; i < 5; i++ {
		if !Glob(pattern[pp:pi[i]], value[vp:vi[i]]) {
			return false
		}
		pp, vp = pi[i]+1, vi[i]+1
	}
	return Glob(pattern[pp:], value[vp:])
}

// Glob reports whether value matches pattern, where "*" matches any run of
// characters (including none) and "?" exactly one character. The
// comparison is case-sensitive.
func Glob(pattern, value string) bool {
	return glob(pattern, value, false)
}

// GlobFold is Glob with ASCII case folding, as IAM uses for action names.
func GlobFold(pattern, value string) bool {
	return glob(pattern, value, true)
}

// Escape in an escaped pattern makes the byte after it literal, so that
// text substituted into a pattern (a policy variable's value) can never act
// as a wildcard. Patterns from JSON documents cannot contain it unescaped.
const Escape = 0

// GlobEscaped matches like Glob (GlobFold when fold is set) a pattern in
// which Escape+c stands for the literal byte c.
func GlobEscaped(pattern, value string, fold bool) bool {
	return glob(pattern, value, fold)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// runeLen is the length of the UTF-8 sequence starting at s[i], so that "?"
// consumes one character rather than one byte.
func runeLen(s string, i int) int {
	c := s[i]
	n := 1
	switch {
	case c >= 0xf0:
		n = 4
	case c >= 0xe0:
		n = 3
	case c >= 0xc0:
		n = 2
	}
	if i+n > len(s) {
		return 1
	}
	for k := 1; k < n; k++ {
		if s[i+k]&0xc0 != 0x80 {
			return 1
		}
	}
	return n
}

// glob matches v against an encoded pattern p: '*' any run, '?' one
// character, NUL-Escapeaped bytes literal. Linear backtracking to the last '*'
// is complete for this pattern language.
func glob(p, v string, fold bool) bool {
	// Fast paths (vectorised searches): no wildcard at all, or only one
	// trailing "*".
	if star := strings.IndexByte(p, '*'); strings.IndexByte(p, '?') < 0 && strings.IndexByte(p, Escape) < 0 && (star < 0 || star == len(p)-1) {
		if star >= 0 {
			if len(v) < star {
				return false
			}
			p, v = p[:star], v[:star]
		} else if len(p) != len(v) {
			return false
		}
		if fold {
			return strings.EqualFold(p, v)
		}
		return p == v
	}
	px, vx := 0, 0
	starP, starV := -1, 0
	for vx < len(v) {
		if px < len(p) {
			c := p[px]
			switch {
			case c == '*':
				if px == len(p)-1 {
					return true // a trailing "*" matches the rest
				}
				starP, starV = px, vx
				px++
				continue
			case c == '?':
				px++
				vx += runeLen(v, vx)
				continue
			case c == Escape && px+1 < len(p):
				if d := p[px+1]; d == v[vx] || fold && lower(d) == lower(v[vx]) {
					px += 2
					vx++
					continue
				}
			case c == v[vx] || fold && lower(c) == lower(v[vx]):
				px++
				vx++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		px = starP + 1
		starV += runeLen(v, starV)
		vx = starV
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// MaskAccount hides all but the last four digits of an account id behind
// eight asterisks, the form API Gateway uses in denial messages
// ("********2543"). Ids of four characters or fewer are returned unchanged.
func MaskAccount(account string) string {
	if len(account) <= 4 {
		return account
	}
	return "********" + account[len(account)-4:]
}

// MaskARN returns s with its account section masked by MaskAccount. Strings
// that are not ARNs are returned unchanged.
func MaskARN(s string) string {
	var idx [5]int
	if !strings.HasPrefix(s, "arn:") || !colons(s, &idx) {
		return s
	}
	acct := s[idx[3]+1 : idx[4]]
	if len(acct) <= 4 {
		return s
	}
	return s[:idx[3]+1] + MaskAccount(acct) + s[idx[4]:]
}
