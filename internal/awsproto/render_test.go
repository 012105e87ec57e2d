package awsproto

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/golden"
)

func testRequest() *http.Request {
	r := httptest.NewRequest("POST", "/", nil)
	return r.WithContext(WithMeta(r.Context(), &Meta{RequestID: "00000000-0000-4000-8000-000000000000"}))
}

// render writes one response and returns it as text: status, the headers
// that matter to clients, and the body.
func render(write func(w http.ResponseWriter, r *http.Request)) string {
	rec := httptest.NewRecorder()
	write(rec, testRequest())
	var keys []string
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", rec.Code)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, rec.Header().Get(k))
	}
	b.WriteString(rec.Body.String())
	b.WriteString("\n")
	return b.String()
}

// TestCatalogueGolden renders every catalogue entry in every wire format and
// compares with testdata/catalogue.golden (refresh with -update).
func TestCatalogueGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range awserr.Catalogue() {
		e := c.New("message for " + c.Name)
		fmt.Fprintf(&b, "=== %s (%d) query/iam\n%s", c.Name, c.Status, render(func(w http.ResponseWriter, r *http.Request) { WriteQueryError(w, r, IAMNamespace, e) }))
		fmt.Fprintf(&b, "=== %s (%d) rest-json\n%s", c.Name, c.Status, render(func(w http.ResponseWriter, r *http.Request) { WriteJSONError(w, r, e) }))
		fmt.Fprintf(&b, "=== %s (%d) execute-api\n%s", c.Name, c.Status, render(func(w http.ResponseWriter, r *http.Request) { WriteGatewayError(w, r, e) }))
	}
	golden.Check(t, filepath.Join("testdata", "catalogue.golden"), b.String())
}

func TestQueryErrorShape(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteQueryError(rec, testRequest(), STSNamespace, awserr.AccessDenied.New(`User: arn:aws:iam::000000000000:user/a&b is not authorized`))
	var doc struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
		Error   struct {
			Type, Code, Message string
		}
		RequestID string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("unmarshal: %v\n%s", err, rec.Body)
	}
	if rec.Code != 403 || doc.Error.Type != "Sender" || doc.Error.Code != "AccessDenied" ||
		doc.Error.Message != "User: arn:aws:iam::000000000000:user/a&b is not authorized" || doc.RequestID != "00000000-0000-4000-8000-000000000000" {
		t.Errorf("got %d %+v", rec.Code, doc)
	}
	if got := rec.Header().Get("x-amzn-RequestId"); got != doc.RequestID {
		t.Errorf("x-amzn-RequestId = %q", got)
	}
}

func TestInternalErrorsNeverLeak(t *testing.T) {
	secret := fmt.Errorf("open /var/lib/secret.db: permission denied")
	for name, write := range map[string]func(http.ResponseWriter, *http.Request){
		"query":   func(w http.ResponseWriter, r *http.Request) { WriteQueryError(w, r, IAMNamespace, secret) },
		"json":    func(w http.ResponseWriter, r *http.Request) { WriteJSONError(w, r, secret) },
		"gateway": func(w http.ResponseWriter, r *http.Request) { WriteGatewayError(w, r, secret) },
	} {
		out := render(write)
		if strings.Contains(out, "secret.db") || !strings.HasPrefix(out, "500\n") {
			t.Errorf("%s: internal error rendered as:\n%s", name, out)
		}
	}
}

func TestWriteQuerySuccess(t *testing.T) {
	type user struct {
		UserName string
		Arn      string
	}
	out := render(func(w http.ResponseWriter, r *http.Request) {
		WriteQuery(w, r, IAMNamespace, "GetUser", struct {
			User user
		}{user{"bob", "arn:aws:iam::000000000000:user/bob"}})
	})
	want := `<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><UserName>bob</UserName><Arn>arn:aws:iam::000000000000:user/bob</Arn></User></GetUserResult><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ResponseMetadata></GetUserResponse>`
	if !strings.Contains(out, want) || !strings.HasPrefix(out, "200\n") {
		t.Errorf("got\n%s\nwant body containing\n%s", out, want)
	}
}

func TestMembers(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("Action=X&ActionNames.member.1=a&ActionNames.member.2=b&ActionNames.member.4=d&Tags.member.1.Key=k&Tags.member.1.Value=v"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	body := []byte("Action=X&ActionNames.member.1=a&ActionNames.member.2=b&ActionNames.member.4=d&Tags.member.1.Key=k&Tags.member.1.Value=v")
	v, err := ParseQuery(r, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := Members(v, "ActionNames"); fmt.Sprint(got) != "[a b]" {
		t.Errorf("Members = %v, want [a b] (stop at the gap)", got)
	}
	if got := MemberStructs(v, "Tags"); len(got) != 1 || got[0]["Key"] != "k" || got[0]["Value"] != "v" {
		t.Errorf("MemberStructs = %v", got)
	}
}

func TestRequestIDShape(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := NewRequestID()
		if len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 || seen[id] {
			t.Fatalf("bad or repeated request id %q", id)
		}
		seen[id] = true
	}
}

// TestMemberLists: Query lists stop at the first gap, members are
// numbered canonically, and nested lists stay readable with Members.
func TestMemberLists(t *testing.T) {
	v := url.Values{
		"L.member.1": {"a"}, "L.member.2": {"b"}, "L.member.4": {"d"},
		"T.member.1.Key": {"k1"}, "T.member.1.Value": {"v1"},
		"T.member.2.Key":  {"k2"},
		"T.member.01.Key": {"not member 1"}, "T.member.x.Key": {"x"},
		"T.member.4.Key":             {"after a gap"},
		"C.member.1.Name":            {"n"},
		"C.member.1.Values.member.1": {"x"}, "C.member.1.Values.member.2": {"y"},
	}
	if got := Members(v, "L"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Members = %q", got)
	}
	want := []map[string]string{{"Key": "k1", "Value": "v1"}, {"Key": "k2"}}
	if got := MemberStructs(v, "T"); !reflect.DeepEqual(got, want) {
		t.Errorf("MemberStructs = %q", got)
	}
	c := MemberStructs(v, "C")
	if len(c) != 1 || c[0]["Name"] != "n" || !reflect.DeepEqual(Members(v, "C.member.1.Values"), []string{"x", "y"}) {
		t.Errorf("nested = %q", c)
	}
	if got := MemberStructs(v, "Missing"); got != nil {
		t.Errorf("MemberStructs(Missing) = %q", got)
	}
}

// FuzzMemberStructs compares the one-pass MemberStructs with the
// straightforward reading it replaced (scan every parameter for member 1,
// then 2, ... until one has no field).
func FuzzMemberStructs(f *testing.F) {
	for _, s := range []string{"T.member.1.Key=k&T.member.1.Value=v&T.member.2.Key=x", "T.member.01.Key=a&T.member.1.=b", "T.member.2.Key=a", "T.member.1.A.member.1=x&T.member.1.A.member.2=y", "T.member.1.K=&T.member.1.K=z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var want []map[string]string
		for i := 1; ; i++ {
			p := "T.member." + strconv.Itoa(i) + "."
			m := map[string]string{}
			for k, vs := range v {
				if strings.HasPrefix(k, p) && len(vs) > 0 {
					m[k[len(p):]] = vs[0]
				}
			}
			if len(m) == 0 {
				break
			}
			want = append(want, m)
		}
		if got := MemberStructs(v, "T"); !reflect.DeepEqual(got, want) {
			t.Fatalf("MemberStructs(%q) = %q, reference %q", q, got, want)
		}
	})
}
