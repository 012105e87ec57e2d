package awsproto

import (
	"bytes"
	"encoding/xml"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// XML namespaces of the Query services.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// MaxQueryBody bounds a Query request body. IAM's largest inputs (policy
// documents, simulations) are far below it.
const MaxQueryBody = 1 << 20

// ParseQuery returns a Query request's parameters: the URL query merged with
// a form-encoded body. body is the already-read request body (the server
// reads it once, since SigV4 needs it too).
func ParseQuery(r *http.Request, body []byte) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, awserr.MalformedQueryString.New("The query string is malformed.").WithCause(err)
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "" || ct == "application/x-www-form-urlencoded" {
			bv, err := url.ParseQuery(string(body))
			if err != nil {
				return nil, awserr.MalformedQueryString.New("The request body is not a valid form.").WithCause(err)
			}
			for k, vs := range bv {
				v[k] = append(v[k], vs...)
			}
		}
	}
	return v, nil
}

// Members returns the list parameter prefix.member.1, prefix.member.2, ... in
// order, stopping at the first gap as AWS does.
func Members(v url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		s, ok := v[prefix+".member."+strconv.Itoa(i)]
		if !ok || len(s) == 0 {
			return out
		}
		out = append(out, s[0])
	}
}

// MemberStructs returns the list of structures prefix.member.N.field for
// N = 1, 2, ... as maps from field name to value, stopping at the first N
// with no field at all.
func MemberStructs(v url.Values, prefix string) []map[string]string {
	var out []map[string]string
	for i := 1; ; i++ {
		p := prefix + ".member." + strconv.Itoa(i) + "."
		m := map[string]string{}
		for k, vs := range v {
			if strings.HasPrefix(k, p) && len(vs) > 0 {
				m[k[len(p):]] = vs[0]
			}
		}
		if len(m) == 0 {
			return out
		}
		out = append(out, m)
	}
}

// WriteQuery writes a Query success response:
//
//	<{op}Response xmlns=ns><{op}Result>result</{op}Result><ResponseMetadata>...
//
// result is marshalled with encoding/xml as the content of {op}Result; a nil
// result writes no Result element (operations without output).
func WriteQuery(w http.ResponseWriter, r *http.Request, ns, op string, result any) {
	m := MetaFrom(r.Context())
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString("<" + op + `Response xmlns="` + ns + `">`)
	if result != nil {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
			WriteQueryError(w, r, ns, awserr.From(err))
			return
		}
		_ = enc.Flush()
	}
	buf.WriteString("<ResponseMetadata><RequestId>" + m.RequestID + "</RequestId></ResponseMetadata>")
	buf.WriteString("</" + op + "Response>")
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// WriteQueryError writes err as a Query ErrorResponse in namespace ns.
// Errors that are not *awserr.Error render as InternalFailure.
func WriteQueryError(w http.ResponseWriter, r *http.Request, ns string, err error) {
	e := errorOf(r, err)
	m := MetaFrom(r.Context())
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString(`<ErrorResponse xmlns="` + ns + `"><Error><Type>` + e.Fault.String() + "</Type><Code>")
	xmlEscape(&buf, e.Code)
	buf.WriteString("</Code><Message>")
	xmlEscape(&buf, e.Message)
	buf.WriteString("</Message></Error><RequestId>" + m.RequestID + "</RequestId></ErrorResponse>")
	h := w.Header()
	for _, k := range sortedKeys(e.Header) {
		h.Set(k, e.Header[k])
	}
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf.Bytes())
}

func xmlEscape(w io.Writer, s string) { _ = xml.EscapeText(w, []byte(s)) }

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
