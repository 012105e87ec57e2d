package iam

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestKeyDecoderMatchesEncodingJSON checks that the hand-written path
// reads what json.Marshal writes exactly as encoding/json does, and that
// every other input is left to encoding/json.
func TestKeyDecoderMatchesEncodingJSON(t *testing.T) {
	created := time.Date(2026, 12, 5, 12, 0, 0, 123456789, time.UTC)
	keys := []AccessKey{
		{ID: "AKIAAAAAAAAAAAAAAAAA", Account: "000000000000", User: "alice", Secret: "v1:abc+/=", Status: "Active", Created: created},
		{ID: "AKIAROOT", Account: "000000000000", Secret: "v1:x", Status: "Inactive", Created: created.Truncate(time.Second), Bootstrap: true},
		{ID: "AKIAODD", Account: "1", User: "a<b>&c", Secret: "v1:é", Status: "Active", Created: created.In(time.FixedZone("x", 3600))},
	}
	var inputs []string
	for _, k := range keys {
		b, _ := json.Marshal(k)
		inputs = append(inputs, string(b))
	}
	inputs = append(inputs,
		`{"id":"A","account":"1","secret":"s","status":"Active","created":"2026-12-05T12:00:00Z","extra":1}`,
		`{"id":"A","account":"1","secret":"s","status":"Active","created":"2026-12-05T12:00:00Z"} `,
		`{"account":"1","id":"A","secret":"s","status":"Active","created":"2026-12-05T12:00:00Z"}`,
		`{"id":"A\u0041","account":"1","secret":"s","status":"Active","created":"2026-12-05T12:00:00Z"}`,
		`{"id":"A","account":"1","secret":"s","status":"Active","created":"not a time"}`,
		`{"id":"A","account":"1","secret":"s","status":"Active","created":"2026-12-05T12:00:00Z"`,
	)
	for _, in := range inputs {
		var want AccessKey
		wantErr := json.Unmarshal([]byte(in), &want)
		var d keyDecoder
		got, err := d.decode([]byte(in))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("decode(%s) err = %v, encoding/json %v", in, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(*got, want) {
			t.Errorf("decode(%s) = %s, encoding/json %s", in, got.debug(), want.debug())
		}
	}
}

func (k *AccessKey) debug() string { return fmt.Sprintf("%+v", *k) }
