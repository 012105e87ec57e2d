package awsproto

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

type decodePage struct{ Marker, MaxItems string }

type decodeIn struct {
	decodePage
	UserName    string
	Description *string
	Renamed     string `query:"NewUserName"`
	Skipped     string `query:"-"`
	TagKeys     []string
	Tags        []map[string]string
	Permissions bool   `query:"Permissions.,prefix"`
	internal    string //lint:ignore U1000 an unexported field is never decoded
}

func TestDecodeQuery(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want decodeIn
	}{
		{"", decodeIn{}},
		{"UserName=a&UserName=b&Marker=m&MaxItems=5&NewUserName=n&Skipped=x&internal=y",
			decodeIn{decodePage: decodePage{"m", "5"}, UserName: "a", Renamed: "n"}},
		{"Description=", decodeIn{Description: new(string)}},
		{"TagKeys.member.1=a&TagKeys.member.2=b&TagKeys.member.4=d", decodeIn{TagKeys: []string{"a", "b"}}},
		{"Tags.member.1.Key=k&Tags.member.2.Value=v", decodeIn{Tags: []map[string]string{{"Key": "k"}, {"Value": "v"}}}},
		{"Permissions.PolicyArn=x", decodeIn{Permissions: true}},
		{"PermissionsX=x", decodeIn{}},
	} {
		v, err := url.ParseQuery(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		var got decodeIn
		if err := DecodeQuery(v, &got); err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("DecodeQuery(%q) = %+v, want %+v", tc.q, got, tc.want)
		}
	}
}

func TestDecodeQueryRejectsUnknownFieldTypes(t *testing.T) {
	var bad struct{ N int }
	if err := DecodeQuery(url.Values{"N": {"1"}}, &bad); err == nil || !strings.Contains(err.Error(), "cannot be int") {
		t.Errorf("int field: err = %v", err)
	}
	var flag struct {
		B bool `query:"X"`
	}
	if err := DecodeQuery(nil, &flag); err == nil {
		t.Error("bool field without prefix: no error")
	}
	if err := DecodeQuery(nil, decodeIn{}); err == nil {
		t.Error("non-pointer: no error")
	}
}

// FuzzDecodeQuery: decoding any parameters reads each field as its
// reference reading does (Get, presence, Members, MemberStructs, a prefix
// scan) and never panics.
func FuzzDecodeQuery(f *testing.F) {
	for _, s := range []string{"UserName=a&Description=&TagKeys.member.1=k", "Tags.member.1.Key=k&Tags.member.1.Value=v&Marker=%00", "Permissions.=&MaxItems=1&MaxItems=2", "TagKeys.member.2=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var got decodeIn
		if err := DecodeQuery(v, &got); err != nil {
			t.Fatal(err)
		}
		want := decodeIn{decodePage: decodePage{v.Get("Marker"), v.Get("MaxItems")}, UserName: v.Get("UserName"),
			Renamed: v.Get("NewUserName"), TagKeys: Members(v, "TagKeys"), Tags: MemberStructs(v, "Tags")}
		if vs, ok := v["Description"]; ok {
			want.Description = &vs[0]
		}
		for k := range v {
			want.Permissions = want.Permissions || strings.HasPrefix(k, "Permissions.")
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeQuery(%q) = %+v, reference %+v", q, got, want)
		}
	})
}
