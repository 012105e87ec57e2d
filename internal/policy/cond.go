package policy

import (
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
)

type valueType uint8

const (
	tString valueType = iota
	tNumeric
	tDate
	tBool
	tBinary
	tIP
	tARN
	tNull
)

type cmpKind uint8

const (
	cEq cmpKind = iota
	cEqFold
	cLike
	cLT
	cLE
	cGT
	cGE
)

// baseOp is a condition operator without set prefix or IfExists suffix.
type baseOp struct {
	t   valueType
	cmp cmpKind
	neg bool
}

func (b baseOp) typ() valueType { return b.t }

var baseOps = map[string]baseOp{
	"stringequals":              {tString, cEq, false},
	"stringnotequals":           {tString, cEq, true},
	"stringequalsignorecase":    {tString, cEqFold, false},
	"stringnotequalsignorecase": {tString, cEqFold, true},
	"stringlike":                {tString, cLike, false},
	"stringnotlike":             {tString, cLike, true},
	"numericequals":             {tNumeric, cEq, false},
	"numericnotequals":          {tNumeric, cEq, true},
	"numericlessthan":           {tNumeric, cLT, false},
	"numericlessthanequals":     {tNumeric, cLE, false},
	"numericgreaterthan":        {tNumeric, cGT, false},
	"numericgreaterthanequals":  {tNumeric, cGE, false},
	"dateequals":                {tDate, cEq, false},
	"datenotequals":             {tDate, cEq, true},
	"datelessthan":              {tDate, cLT, false},
	"datelessthanequals":        {tDate, cLE, false},
	"dategreaterthan":           {tDate, cGT, false},
	"dategreaterthanequals":     {tDate, cGE, false},
	"bool":                      {tBool, cEq, false},
	"binaryequals":              {tBinary, cEq, false},
	"ipaddress":                 {tIP, cEq, false},
	"notipaddress":              {tIP, cEq, true},
	"arnequals":                 {tARN, cLike, false},
	"arnlike":                   {tARN, cLike, false},
	"arnnotequals":              {tARN, cLike, true},
	"arnnotlike":                {tARN, cLike, true},
	"null":                      {tNull, cEq, false},
}

type setKind uint8

const (
	setNone setKind = iota
	setAny
	setAll
)

type operator struct {
	name     string
	base     baseOp
	set      setKind
	ifExists bool
}

// parseOperator accepts the documented spellings; like iam-simulate it
// ignores case (AWS's own rule is unconfirmed, see spec §1.10.2).
func parseOperator(name string) (operator, bool) {
	op := operator{name: name}
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "foranyvalue:"):
		op.set, n = setAny, n[len("foranyvalue:"):]
	case strings.HasPrefix(n, "forallvalues:"):
		op.set, n = setAll, n[len("forallvalues:"):]
	}
	if strings.HasSuffix(n, "ifexists") {
		op.ifExists, n = true, strings.TrimSuffix(n, "ifexists")
	}
	b, ok := baseOps[n]
	if !ok || b.t == tNull && (op.ifExists || op.set != setNone) {
		return op, false
	}
	op.base = b
	return op, true
}

// condition is one (operator, key) pair with its compiled values.
type condition struct {
	op     operator
	key    string
	values []cvalue
}

// cvalue is one compiled condition value.
type cvalue struct {
	raw    string    // text (string, binary, bool); ARN/glob patterns encoded
	tmpl   *template // policy variables (string, ARN, Bool)
	pat    pattern   // StringLike / Arn* without variables
	num    float64
	ts     int64 // Date: Unix nanoseconds
	prefix netip.Prefix
	valid  bool // false: a value that can never match (bad number, CIDR)
}

func compileCondValue(op operator, s string, vars bool) cvalue {
	cv := cvalue{raw: s, valid: true}
	switch op.base.t {
	case tString, tARN, tBool:
		glob := op.base.cmp == cLike
		if vars {
			if t := parseTemplate(s); t != nil {
				cv.tmpl = t
				return cv
			}
		}
		if glob {
			cv.raw = escapeLiteralText(s, vars)
			cv.pat = newPattern(cv.raw, nil, false)
		} else if vars {
			cv.raw = unescapeVars(s)
		}
	case tNumeric:
		f, err := strconv.ParseFloat(s, 64)
		cv.num, cv.valid = f, err == nil
	case tDate:
		cv.ts, cv.valid = policyDate(s)
	case tIP:
		cv.prefix, cv.valid = parseCIDR(s)
	case tBinary:
		_, err := base64.StdEncoding.DecodeString(s)
		cv.valid = err == nil
	case tNull:
		cv.valid = strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
	}
	return cv
}

func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return p, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// parseTemplate returns nil when s has no policy variables.
func parseTemplate(s string) *template {
	if !strings.Contains(s, "${") {
		return nil
	}
	t := &template{}
	hasVar := false
	text := ""
	flush := func() {
		if text != "" {
			t.parts = append(t.parts, tpart{enc: text})
			text = ""
		}
	}
	for len(s) > 0 {
		i := strings.Index(s, "${")
		if i < 0 {
			text += s
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			text += s
			break
		}
		text += s[:i]
		inner := s[i+2 : i+j]
		s = s[i+j+1:]
		switch inner {
		case "*", "?", "$":
			flush()
			t.parts = append(t.parts, tpart{enc: inner, escChar: true})
			continue
		}
		flush()
		p := tpart{isVar: true, key: inner}
		if k := strings.Index(inner, ", '"); k >= 0 && strings.HasSuffix(inner, "'") && len(inner) >= k+4 {
			p.key, p.def, p.hasDef = inner[:k], inner[k+3:len(inner)-1], true
		}
		p.key = strings.TrimSpace(p.key)
		t.parts = append(t.parts, p)
		hasVar = true
	}
	flush()
	if !hasVar {
		return nil
	}
	return t
}

// escapeLiteralText turns policy text into an encoded pattern, turning
// ${*} ${?} ${$} into literal characters when variables are enabled.
func escapeLiteralText(s string, vars bool) string {
	if !vars || !strings.Contains(s, "${") {
		return s
	}
	r := strings.NewReplacer("${*}", "\x00*", "${?}", "\x00?", "${$}", "$")
	return r.Replace(s)
}

func unescapeVars(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return strings.NewReplacer("${*}", "*", "${?}", "?", "${$}", "$").Replace(s)
}

// policyDate reads a Date operator's value in a policy: the documented
// formats (parseDate) or, failing those, the looser forms IAM's legacy
// parser also stores (legacyDate).
func policyDate(s string) (int64, bool) {
	if ts, ok := parseDate(s); ok {
		return ts, true
	}
	return legacyDate(s)
}

// legacyDate accepts what AWS's legacy policy parser takes as a date, as
// recorded against AWS in moto's policy-validation cases: a value with a
// "t" or "-" is [-]Y[-M[-D]][t[h[:m[:s[.f]][z|+hh[:mm]]]]] with a signed
// year of -292275054..292278993, single-digit fields allowed and at most 9
// fraction digits ("01T", "2016-12-13t2:00:00.593194+23", "-292275054");
// any other value is epoch seconds up to 2^63-1. The result saturates at
// the int64 range of Unix nanoseconds.
func legacyDate(s string) (int64, bool) {
	if !strings.ContainsAny(s, "tT-") {
		if s == "" {
			return 0, false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false
		}
		return saturatingNanos(n, 0), true
	}
	// digits reads a run of 1..max digits at the start of s.
	digits := func(s string, max int) (int64, string, bool) {
		i := 0
		var v int64
		for i < len(s) && i < max && '0' <= s[i] && s[i] <= '9' {
			v = v*10 + int64(s[i]-'0')
			i++
		}
		return v, s[i:], i > 0
	}
	date, clock := s, ""
	if i := strings.IndexAny(s, "tT"); i >= 0 {
		date, clock = s[:i], s[i+1:]
	}
	neg := strings.HasPrefix(date, "-")
	if neg {
		date = date[1:]
	}
	y, rest, ok := digits(date, 10)
	if !ok {
		return 0, false
	}
	if neg {
		y = -y
	}
	month, day := int64(1), int64(1)
	if rest != "" {
		if rest[0] != '-' {
			return 0, false
		}
		if month, rest, ok = digits(rest[1:], 10); !ok {
			return 0, false
		}
		if rest != "" {
			if rest[0] != '-' {
				return 0, false
			}
			if day, rest, ok = digits(rest[1:], 10); !ok || rest != "" {
				return 0, false
			}
		}
	}
	if y < -292275054 || y > 292278993 || month < 1 || month > 12 || day < 1 || day > 31 {
		return 0, false
	}
	var hour, min, sec, nanos, offset int64
	if clock != "" {
		if hour, rest, ok = digits(clock, 10); !ok || hour > 23 {
			return 0, false
		}
		if rest != "" {
			if rest[0] != ':' {
				return 0, false
			}
			if min, rest, ok = digits(rest[1:], 10); !ok || min > 59 {
				return 0, false
			}
		}
		if rest != "" {
			if rest[0] != ':' {
				return 0, false
			}
			if sec, rest, ok = digits(rest[1:], 10); !ok || sec > 59 {
				return 0, false
			}
			if rest != "" && rest[0] == '.' {
				var frac int64
				n0 := len(rest) - 1
				if frac, rest, ok = digits(rest[1:], 9); !ok || rest != "" && '0' <= rest[0] && rest[0] <= '9' {
					return 0, false
				}
				for i := n0 - len(rest); i < 9; i++ {
					frac *= 10
				}
				nanos = frac
			}
			switch {
			case rest == "" || rest == "z" || rest == "Z":
			case rest[0] == '+':
				var oh, om int64
				if len(rest) != 3 && len(rest) != 6 {
					return 0, false
				}
				var left string
				if oh, left, ok = digits(rest[1:3], 2); !ok || left != "" || oh > 23 {
					return 0, false
				}
				if len(rest) == 6 {
					if rest[3] != ':' {
						return 0, false
					}
					if om, left, ok = digits(rest[4:], 2); !ok || left != "" || om > 59 {
						return 0, false
					}
				}
				offset = (oh*60 + om) * 60
			default:
				return 0, false
			}
		}
	}
	days := daysFromCivil(int(y), int(month), int(day))
	return saturatingNanos(days*86400+hour*3600+min*60+sec-offset, nanos), true
}

// saturatingNanos converts seconds (and a fraction in nanoseconds) to Unix
// nanoseconds, clamped to the int64 range.
func saturatingNanos(secs, nanos int64) int64 {
	const max = math.MaxInt64 / 1_000_000_000
	switch {
	case secs > max:
		return math.MaxInt64
	case secs < -max:
		return math.MinInt64
	}
	return secs*1e9 + nanos
}

// parseDate accepts the W3C profiles of ISO 8601 that IAM documents
// (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss[.s+]](Z|±hh:mm)) and
// epoch seconds, returning Unix nanoseconds. It does not allocate.
func parseDate(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	allDigits := true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			allDigits = false
			break
		}
	}
	if allDigits && len(s) != 4 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > 1<<33 {
			return 0, false
		}
		return n * 1e9, true
	}
	num := func(s string, n int) (int, bool) {
		if len(s) < n {
			return 0, false
		}
		v := 0
		for i := 0; i < n; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok := num(s, 4)
	if !ok {
		return 0, false
	}
	month, day, hour, min, sec, nanos := 1, 1, 0, 0, 0, 0
	rest := s[4:]
	if len(rest) > 0 {
		if rest[0] != '-' {
			return 0, false
		}
		if month, ok = num(rest[1:], 2); !ok {
			return 0, false
		}
		rest = rest[3:]
		if len(rest) > 0 {
			if rest[0] != '-' {
				return 0, false
			}
			if day, ok = num(rest[1:], 2); !ok {
				return 0, false
			}
			rest = rest[3:]
		}
	}
	offset := 0
	if len(rest) > 0 {
		if rest[0] != 'T' && rest[0] != 't' || len(rest) < 6 {
			return 0, false
		}
		if hour, ok = num(rest[1:], 2); !ok || rest[3] != ':' {
			return 0, false
		}
		if min, ok = num(rest[4:], 2); !ok {
			return 0, false
		}
		rest = rest[6:]
		if len(rest) > 0 && rest[0] == ':' {
			if sec, ok = num(rest[1:], 2); !ok {
				return 0, false
			}
			rest = rest[3:]
			if len(rest) > 0 && rest[0] == '.' {
				i := 1
				scale := 100000000
				for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
					nanos += int(rest[i]-'0') * scale
					scale /= 10
					i++
				}
				if i == 1 {
					return 0, false
				}
				rest = rest[i:]
			}
		}
		switch {
		case rest == "Z" || rest == "z":
		case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
			oh, ok1 := num(rest[1:], 2)
			om, ok2 := num(rest[4:], 2)
			if !ok1 || !ok2 || oh > 23 || om > 59 {
				return 0, false
			}
			offset = (oh*60 + om) * 60
			if rest[0] == '-' {
				offset = -offset
			}
		case rest == "":
			// Local time without a zone: IAM treats it as UTC.
		default:
			return 0, false
		}
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || min > 59 || sec > 60 {
		return 0, false
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + int64(hour*3600+min*60+sec) - int64(offset)
	return secs*1e9 + int64(nanos), true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's algorithm: days since 1970-01-01.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
