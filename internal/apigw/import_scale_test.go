package apigw

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bigDefinition is an OpenAPI document of n paths, each /gN/rN/{id} with
// a GET method on a MOCK integration: three resources per path, shared
// prefixes included, as real APIs have.
func bigDefinition(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.0.1","info":{"title":"big","version":"1"},"paths":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"/g%d/r%d/{id}":{"get":{"x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}}}`, i%50, i)
	}
	b.WriteString(`}}`)
	return []byte(b.String())
}

// importOnce parses and applies a definition of n paths into a fresh API.
func importOnce(ctx context.Context, body []byte, max int) (*APIRecord, error) {
	im, err := parseDefinition(ctx, body, max)
	if err != nil {
		return nil, err
	}
	root := &Resource{ID: "root", Path: "/"}
	a := &APIRecord{API: RestAPI{ID: "api", RootResourceID: root.ID}, Resources: map[string]*Resource{root.ID: root}}
	return a, im.apply(ctx, a, true, max)
}

func BenchmarkImport(b *testing.B) {
	for _, n := range []int{1000, 2000, 4000, 8000} {
		body := bigDefinition(n)
		b.Run(fmt.Sprintf("paths=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := importOnce(context.Background(), body, 1<<20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestImportScalesLinearly is issue #12 item 13: importing n paths costs
// O(n). It times imports of 1,000 to 8,000 paths (three resources each)
// and checks that 8 times the paths costs under 24 times the time (linear:
// 8, a little more with the garbage collector's larger heap; the quadratic
// import this replaces: about 64). The best of three runs is kept against
// the noise of a shared machine.
func TestImportScalesLinearly(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("times imports of up to 8,000 paths")
	}
	best := map[int]time.Duration{}
	for _, n := range []int{1000, 2000, 4000, 8000} {
		body := bigDefinition(n)
		for range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			start := time.Now()
			a, err := importOnce(ctx, body, 1<<20)
			d := time.Since(start)
			cancel()
			if err != nil {
				t.Fatalf("%d paths: %v", n, err)
			}
			if got := len(a.Resources); got != 1+50+2*n {
				t.Fatalf("%d paths: got %d resources, want %d", n, got, 1+50+2*n)
			}
			if b, ok := best[n]; !ok || d < b {
				best[n] = d
			}
		}
		t.Logf("%5d paths: %v (%v per path)", n, best[n], best[n]/time.Duration(n))
	}
	if r := float64(best[8000]) / float64(best[1000]); r > 24 {
		t.Errorf("8,000 paths took %.1f times as long as 1,000, want about 8 (linear)", r)
	}
}

// TestImportStopsWhenCancelled: an import whose request context ends stops
// at its next checkpoint, in translation and in application alike.
func TestImportStopsWhenCancelled(t *testing.T) {
	body := bigDefinition(2000)
	im, err := parseDefinition(context.Background(), body, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{"translate", "apply"} {
		t.Run(phase, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var calls []int
			defer SetImportProgress(func(_ context.Context, done int) {
				calls = append(calls, done)
				if done == progressEvery {
					cancel()
				}
			})()
			if phase == "translate" {
				_, err = parseDefinition(ctx, body, 1<<20)
			} else {
				root := &Resource{ID: "root", Path: "/"}
				a := &APIRecord{API: RestAPI{ID: "api", RootResourceID: root.ID}, Resources: map[string]*Resource{root.ID: root}}
				err = im.apply(ctx, a, true, 1<<20)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if want := []int{0, progressEvery}; fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("checkpoints %v, want %v: the import went on after its context ended", calls, want)
			}
		})
	}
}

// TestYAMLKeyWorkBounded: YAML whose mappings would cost the decoder's
// pairwise duplicate-key check more than yamlKeyBudget is refused before
// it is decoded, aliases counted for every use (issue #12 item 13).
func TestYAMLKeyWorkBounded(t *testing.T) {
	keys := func(n int, indent string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "%sk%d: 1\n", indent, i)
		}
		return b.String()
	}
	aliases := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "  a%d: *big\n", i)
		}
		return b.String()
	}
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"one mapping of 20,000 keys", "openapi: 3.0.1\npaths:\n" + keys(20000, "  "), false},
		{"3,000 keys used 100 times", "openapi: 3.0.1\nx-big: &big\n" + keys(3000, "  ") + "x-uses:\n" + aliases(100), false},
		{"3,000 keys used twice", "openapi: 3.0.1\nx-big: &big\n" + keys(3000, "  ") + "x-uses:\n" + aliases(2), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkYAMLCost([]byte(tc.doc))
			if tc.ok != (err == nil) {
				t.Fatalf("got %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok && !errors.Is(err, errYAMLTooComplex) {
				t.Fatalf("got %v, want %v", err, errYAMLTooComplex)
			}
		})
	}
}
