package iam

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
)

// rowInputs are records as json.Marshal writes them plus near misses that
// must go to encoding/json (or fail as it fails).
func rowInputs() (users, policies []string) {
	created := time.Date(2026, 12, 5, 12, 0, 0, 123456789, time.UTC)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*\n\t"}]}`
	for _, u := range []User{
		{Account: "000000000000", Name: "alice", Path: "/", ID: "AIDAAAA", Created: created},
		{Account: "000000000000", Name: "bob", Path: "/team/", ID: "AIDAB", Created: created.Truncate(time.Second),
			Inline:   []InlinePolicy{{Name: "p1", Document: doc}, {Name: "p2", Document: `{"a":"\\\/"}`}},
			Attached: []string{"arn:aws:iam::000000000000:policy/x", "arn:aws:iam::aws:policy/y"}, Boundary: "arn:aws:iam::000000000000:policy/b",
			Tags: []authn.Tag{{Key: "team", Value: "é"}, {Key: "", Value: ""}}, Groups: []string{"admins"}},
		{Account: "1", Name: "a<b>&c", Path: "/", ID: "x", Created: created.In(time.FixedZone("x", 3600)), Extra: map[string]string{"a": "b"}},
		{Account: "1", Name: "ctl\x01", Path: "/", ID: "x", Created: created, Groups: []string{"\u2028"}},
	} {
		b, _ := json.Marshal(u)
		users = append(users, string(b))
	}
	for _, m := range []ManagedPolicy{
		{Account: "000000000000", Name: "p", Path: "/", ID: "ANPA1", Created: created, Updated: created, DefaultVersion: "v1", NextVersion: 2,
			Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: created}}},
		{Account: "000000000000", Name: "p", Path: "/x/", ID: "ANPA2", Description: "d\"q", Created: created, Updated: created.Add(time.Hour),
			DefaultVersion: "v2", NextVersion: -3, Versions: []PolicyVersion{{ID: "v1", Document: doc}, {ID: "v2", Document: "{}", Created: created}},
			Tags: []authn.Tag{{Key: "k", Value: "v"}}},
		{Account: "1", Name: "n", Path: "/", ID: "i"},
	} {
		b, _ := json.Marshal(m)
		policies = append(policies, string(b))
	}
	const u0 = `{"account":"1","name":"n","path":"/","id":"i","created":"2026-12-05T12:00:00Z"`
	users = append(users,
		u0+`}`, u0+`} `, u0+`,"extra":{}}`, u0+`,"inline":[]}`, u0+`,"groups":null}`, u0+`,"groups":["a",]}`,
		u0+`,"tags":[{"k":"a","v":"b","x":1}]}`, u0+`,"Groups":["a"]}`, u0+`,"groups":["a"],"groups":["b"]}`,
		u0+`,"groups":["\u0041"]}`, u0+`,"groups":["\x"]}`, u0+`,"groups":["a\"]}`, u0+`,"boundary":"\ud800"}`,
		`{"account":"1","name":"n","path":"/","id":"i","created":"2026-12-05T12:00:00,5Z"}`,
		`{"account":"1","name":"n","path":"/","id":"i","created":"2026-12-05T24:00:00Z"}`,
		`{"account":"1","name":"n","path":"/","id":"i","created":"2026-12-05T12:00:00+01:00"}`,
		`{"account":"1","name":"n","path":"/","id":"i","created":"bad"}`,
		`{"account":"1","name":"n","path":"/","id":"i","created":"2026-12-05T12:00:00Z"`,
		"{\"account\":\"1\",\"name\":\"\xff\",\"path\":\"/\",\"id\":\"i\",\"created\":\"2026-12-05T12:00:00Z\"}",
	)
	const p0 = `{"account":"1","name":"n","path":"/","id":"i","created":"2026-12-05T12:00:00Z","updated":"2026-12-05T12:00:00Z","default":"v1","next":`
	policies = append(policies,
		p0+`1,"versions":null}`, p0+`01,"versions":null}`, p0+`-0,"versions":null}`, p0+`1e2,"versions":null}`,
		p0+`1.0,"versions":null}`, p0+`99999999999999999999,"versions":null}`, p0+`-,"versions":null}`,
		p0+`1,"versions":[]}`, p0+`1,"versions":[{"id":"v1","doc":"{}","created":"2026-12-05T12:00:00Z"}]}`,
		p0+`1,"versions":[{"id":"v1","doc":"{}"}]}`, p0+`1,"versions":null,"tags":[{"k":"a","v":"b"}]}`,
		p0+`1}`,
	)
	return users, policies
}

// TestRowDecoderMatchesEncodingJSON: the hand-written path gives what
// encoding/json gives, record for record, error for error.
func TestRowDecoderMatchesEncodingJSON(t *testing.T) {
	users, policies := rowInputs()
	fast := 0
	for _, in := range users {
		checkUserDecode(t, []byte(in))
		var d rowDecoder
		if _, ok := d.fastUser([]byte(in)); ok {
			fast++
		}
	}
	for _, in := range policies {
		checkPolicyDecode(t, []byte(in))
		var d rowDecoder
		if _, ok := d.fastPolicy([]byte(in)); ok {
			fast++
		}
	}
	// The canonical records (all but the one with Extra and the
	// one with a control character) take the fast path.
	if fast < 9 {
		t.Errorf("only %d records took the fast path", fast)
	}
}

func checkUserDecode(t *testing.T, in []byte) {
	t.Helper()
	var want User
	wantErr := json.Unmarshal(in, &want)
	var d rowDecoder
	got, err := d.user(in)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("user(%q) err = %v, encoding/json %v", in, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(*got, want) {
		t.Fatalf("user(%q) = %s, encoding/json %s", in, fmt.Sprintf("%+v", *got), fmt.Sprintf("%+v", want))
	}
}

func checkPolicyDecode(t *testing.T, in []byte) {
	t.Helper()
	var want ManagedPolicy
	wantErr := json.Unmarshal(in, &want)
	var d rowDecoder
	got, err := d.policy(in)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("policy(%q) err = %v, encoding/json %v", in, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(*got, want) {
		t.Fatalf("policy(%q) = %s, encoding/json %s", in, fmt.Sprintf("%+v", *got), fmt.Sprintf("%+v", want))
	}
}

// FuzzRowDecoder: for any input, the user and policy decoders agree with
// encoding/json.
func FuzzRowDecoder(f *testing.F) {
	users, policies := rowInputs()
	for _, s := range append(users, policies...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkUserDecode(t, in)
		checkPolicyDecode(t, in)
	})
}
