package awsproto

import (
	"encoding/xml"
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
// N = 1, 2, ... as maps from field name to value (the first value of a
// repeated parameter), stopping at the first N with no field at all, as
// Members does. N must be written canonically ("01" is not member 1). A
// field may itself be a list: its entries keep their names
// ("Values.member.1"), and Members(v, prefix+".member.N.Values") reads it.
// One pass over the parameters, however many members there are.
func MemberStructs(v url.Values, prefix string) []map[string]string {
	p := prefix + ".member."
	var byN map[int]map[string]string
	for k, vs := range v {
		rest, ok := strings.CutPrefix(k, p)
		if !ok || len(vs) == 0 {
			continue
		}
		dot := strings.IndexByte(rest, '.')
		if dot <= 0 || dot > 4 || rest[0] == '0' {
			continue // members are numbered 1..; more than 9999 never reach a limit check
		}
		n, err := strconv.Atoi(rest[:dot])
		if err != nil || n < 1 {
			continue
		}
		if byN == nil {
			byN = map[int]map[string]string{}
		}
		m := byN[n]
		if m == nil {
			m = map[string]string{}
			byN[n] = m
		}
		m[rest[dot+1:]] = vs[0]
	}
	var out []map[string]string
	for i := 1; byN[i] != nil; i++ {
		out = append(out, byN[i])
	}
	return out
}

// WriteQuery writes a Query success response:
//
//	<{op}Response xmlns=ns><{op}Result>result</{op}Result><ResponseMetadata>...
//
// A result that implements XMLResult writes its own elements; any other
// result is marshalled with encoding/xml as the content of {op}Result. A
// nil result writes no Result element (operations without output).
func WriteQuery(w http.ResponseWriter, r *http.Request, ns, op string, result any) {
	m := MetaFrom(r.Context())
	x := getXMLWriter()
	defer putXMLWriter(x)
	x.buf.WriteString(xmlDecl)
	x.openOp(op, "Response", ns)
	if result != nil {
		if xr, ok := result.(XMLResult); ok {
			x.tag(false, op, "Result")
			xr.WriteXML(x)
			x.tag(true, op, "Result")
		} else {
			enc := xml.NewEncoder(&x.buf)
			if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
				WriteQueryError(w, r, ns, awserr.From(err))
				return
			}
			_ = enc.Flush()
		}
	}
	x.Start("ResponseMetadata")
	x.Element("RequestId", m.RequestID)
	x.End("ResponseMetadata")
	x.tag(true, op, "Response")
	if x.err != nil {
		WriteQueryError(w, r, ns, awserr.From(x.err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("Content-Length", strconv.Itoa(x.buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(x.buf.Bytes())
}

// WriteQueryError writes err as a Query ErrorResponse in namespace ns.
// Errors that are not *awserr.Error render as InternalFailure.
func WriteQueryError(w http.ResponseWriter, r *http.Request, ns string, err error) {
	e := errorOf(r, err)
	m := MetaFrom(r.Context())
	x := getXMLWriter()
	defer putXMLWriter(x)
	x.buf.WriteString(xmlDecl)
	x.open("ErrorResponse", ns)
	x.Start("Error")
	x.Element("Type", e.Fault.String())
	x.Element("Code", e.Code)
	x.Element("Message", e.Message)
	x.End("Error")
	x.Element("RequestId", m.RequestID)
	x.End("ErrorResponse")
	h := w.Header()
	for _, k := range sortedKeys(e.Header) {
		h.Set(k, e.Header[k])
	}
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", m.RequestID)
	h.Set("Content-Length", strconv.Itoa(x.buf.Len()))
	w.WriteHeader(e.Status)
	_, _ = w.Write(x.buf.Bytes())
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
