// Command testsummary reads `go test -json` on stdin and prints what a
// person needs from a whole-suite run: one line per package as it finishes
// (ok/FAIL, time, counts), the complete output of every failed test, every
// skipped test with the reason it gave, and a final
//
//	N passed, M failed, K skipped
//
// line. It exits 1 when anything failed (a test, a package without a
// failing test — a panic, a timeout, a failed build — or a line of input
// that was not test2json), so `go test -json ./... | testsummary` can stand
// in for `go test ./...` in a Makefile with pipefail.
//
// Counts are of tests and subtests alike: a subtest is a check a person
// wrote and may be the one that skipped. A parent test whose subtests all
// skip counts as passed, as go test reports it.
//
// With -log FILE it also writes the plain go test output of every package
// there (what `go test -v` would have printed), for failures that need
// more context than the failing test's own output.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of test2json output (go doc test2json).
type event struct {
	Time        time.Time
	Action      string
	Package     string
	ImportPath  string // build-output, build-fail
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string
}

type test struct {
	name   string
	output []string
	done   bool
}

type pkg struct {
	name                  string
	tests                 map[string]*test
	order                 []string // test names in the order they started
	output                []string // lines not attributed to a test
	passed, failed, skips int
	failedTests           []string
	skipped               []skip
	done                  bool
}

type skip struct {
	pkg, test, reason string
}

type summary struct {
	prefix   string // module path, trimmed from package names
	out      io.Writer
	log      io.Writer
	pkgs     map[string]*pkg
	order    []string
	builds   map[string][]string // build output by import path
	failed   bool
	noTests  int
	stray    []string // input lines that were not JSON
	skipped  []skip
	failures []string // rendered failure reports, printed at the end again
}

func main() {
	logPath := flag.String("log", "", "also write the plain test output to `FILE`")
	prefix := flag.String("trim", "github.com/gatehouse-dev/gatehouse/", "package path `prefix` to leave out of names")
	flag.Parse()
	s := &summary{prefix: *prefix, out: os.Stdout, log: io.Discard, pkgs: map[string]*pkg{}, builds: map[string][]string{}}
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsummary:", err)
			os.Exit(2)
		}
		defer f.Close()
		s.log = f
	}
	if err := s.read(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if !s.finish() {
		os.Exit(1)
	}
}

func (s *summary) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		var e event
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
			// go test writes some failures (a package that does not
			// build, with an older toolchain) as plain text on stderr.
			s.stray = append(s.stray, line)
			fmt.Fprintln(s.log, line)
			continue
		}
		s.event(e)
	}
	return sc.Err()
}

func (s *summary) short(p string) string {
	if t := strings.TrimPrefix(p, s.prefix); t != "" {
		return t
	}
	return p
}

func (s *summary) pkg(name string) *pkg {
	p := s.pkgs[name]
	if p == nil {
		p = &pkg{name: name, tests: map[string]*test{}}
		s.pkgs[name] = p
		s.order = append(s.order, name)
	}
	return p
}

func (s *summary) event(e event) {
	switch e.Action {
	case "build-output":
		s.builds[e.ImportPath] = append(s.builds[e.ImportPath], e.Output)
		fmt.Fprint(s.log, e.Output)
		return
	case "build-fail":
		s.failed = true
		return
	}
	if e.Package == "" {
		return
	}
	p := s.pkg(e.Package)
	if e.Action == "output" {
		fmt.Fprint(s.log, e.Output)
	}
	if e.Test == "" {
		switch e.Action {
		case "output":
			p.output = append(p.output, e.Output)
		case "pass", "fail", "skip":
			p.done = true
			s.packageDone(p, e)
		}
		return
	}
	t := p.tests[e.Test]
	if t == nil {
		t = &test{name: e.Test}
		p.tests[e.Test] = t
		p.order = append(p.order, e.Test)
	}
	switch e.Action {
	case "output":
		t.output = append(t.output, e.Output)
	case "pass":
		t.done = true
		p.passed++
	case "fail":
		t.done = true
		p.failed++
		p.failedTests = append(p.failedTests, e.Test)
	case "skip":
		t.done = true
		p.skips++
		p.skipped = append(p.skipped, skip{pkg: s.short(p.name), test: e.Test, reason: skipReason(t.output)})
	}
}

// skipReason is what the test printed before it skipped (its t.Skip
// message and any t.Log before it), without go test's framing lines.
func skipReason(output []string) string {
	var lines []string
	for _, l := range output {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		// "file_test.go:12: message" → "message (file_test.go:12)"
		if i := strings.Index(t, ".go:"); i > 0 && !strings.ContainsAny(t[:i], " \t") {
			if j := strings.Index(t[i+4:], ": "); j >= 0 {
				t = t[i+4+j+2:] + " (" + t[:i+4+j] + ")"
			}
		}
		lines = append(lines, t)
	}
	if len(lines) == 0 {
		return "(no reason given)"
	}
	return strings.Join(lines, " / ")
}

func (s *summary) packageDone(p *pkg, e event) {
	name := s.short(p.name)
	counts := fmt.Sprintf("%d passed, %d failed, %d skipped", p.passed, p.failed, p.skips)
	switch {
	case e.Action == "skip" || (e.Action == "pass" && len(p.tests) == 0 && noTestFiles(p.output)):
		s.noTests++
		return
	case e.Action == "pass":
		fmt.Fprintf(s.out, "ok    %-44s %7.1fs  %s\n", name, e.Elapsed, counts)
	default:
		s.failed = true
		s.reportFailure(p)
		counts = fmt.Sprintf("%d passed, %d failed, %d skipped", p.passed, p.failed, p.skips)
		fmt.Fprintf(s.out, "FAIL  %-44s %7.1fs  %s\n", name, e.Elapsed, counts)
		io.WriteString(s.out, indent(s.failures[len(s.failures)-1]))
	}
	s.skipped = append(s.skipped, p.skipped...)
}

func noTestFiles(out []string) bool {
	for _, l := range out {
		if strings.Contains(l, "[no test files]") {
			return true
		}
	}
	return false
}

// reportFailure prints, right away and again at the end, the output of
// every failed test of p; and when no test failed (a panic, a timeout, a
// build failure) or a test never finished, everything the package printed.
func (s *summary) reportFailure(p *pkg) {
	var b strings.Builder
	name := s.short(p.name)
	for _, tn := range p.failedTests {
		// A failed parent repeats nothing its failed subtests said; print
		// the leaves and the parents' own lines alike, the way go test does.
		fmt.Fprintf(&b, "=== FAIL %s %s\n", name, tn)
		for _, l := range p.tests[tn].output {
			b.WriteString(l)
		}
	}
	var unfinished []string
	for _, tn := range p.order {
		if !p.tests[tn].done {
			unfinished = append(unfinished, tn)
		}
	}
	// A test that never finished (the package timed out or crashed in
	// it) failed: count it so the final line does not say "0 failed".
	p.failed += len(unfinished)
	for _, tn := range unfinished {
		fmt.Fprintf(&b, "=== DID NOT FINISH %s %s\n", name, tn)
		for _, l := range p.tests[tn].output {
			b.WriteString(l)
		}
	}
	if len(p.failedTests) == 0 || len(unfinished) > 0 {
		fmt.Fprintf(&b, "=== package %s output\n", name)
		for _, l := range p.output {
			b.WriteString(l)
		}
		for _, l := range s.builds[p.name] {
			b.WriteString(l)
		}
	}
	s.failures = append(s.failures, b.String())
}

func indent(s string) string {
	if s == "" {
		return ""
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString("    | " + l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// finish prints the skips, the failures again (so they are at the end of a
// long log, next to the verdict) and the final line; it reports success.
func (s *summary) finish() bool {
	passed, failed, skipped := 0, 0, 0
	for _, name := range s.order {
		p := s.pkgs[name]
		if !p.done {
			// go test stopped before the package did (killed, or the
			// input was cut off): that is not a pass.
			s.failed = true
			s.reportFailure(p)
			fmt.Fprintf(s.out, "FAIL  %-44s (no result: go test stopped before it finished)\n", s.short(name))
			io.WriteString(s.out, indent(s.failures[len(s.failures)-1]))
		}
		passed += p.passed
		failed += p.failed
		skipped += p.skips
	}
	for path, lines := range s.builds {
		if _, ok := s.pkgs[path]; !ok && len(lines) > 0 {
			s.failed = true
			s.failures = append(s.failures, "=== build output "+s.short(path)+"\n"+strings.Join(lines, ""))
		}
	}
	if len(s.stray) > 0 {
		s.failed = true
		s.failures = append(s.failures, "=== go test output that was not a test event\n"+strings.Join(s.stray, "\n")+"\n")
	}

	if len(s.skipped) > 0 {
		fmt.Fprintf(s.out, "\nSKIPPED (%d): these checks did not run\n", len(s.skipped))
		for _, g := range groupSkips(s.skipped) {
			fmt.Fprintf(s.out, "  %s\n", g)
		}
	}
	if len(s.failures) > 0 {
		fmt.Fprintf(s.out, "\nFAILURES\n")
		for _, f := range s.failures {
			io.WriteString(s.out, indent(f))
		}
	}
	fmt.Fprintf(s.out, "\n%d passed, %d failed, %d skipped (%d packages, %d without tests)\n",
		passed, failed, skipped, len(s.order)-s.noTests, s.noTests)
	return !s.failed && failed == 0
}

// groupSkips renders one line per (package, reason): table tests often
// skip many cases for one reason, and the reason is what a reader needs.
func groupSkips(skips []skip) []string {
	type key struct{ pkg, reason string }
	groups := map[key][]string{}
	var keys []key
	for _, sk := range skips {
		k := key{sk.pkg, sk.reason}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], sk.test)
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].pkg < keys[j].pkg })
	var out []string
	for _, k := range keys {
		tests := groups[k]
		names := strings.Join(tests, ", ")
		if len(tests) > 3 {
			names = strings.Join(tests[:3], ", ") + fmt.Sprintf(" and %d more", len(tests)-3)
		}
		out = append(out, fmt.Sprintf("%s %s: %s", k.pkg, names, k.reason))
	}
	return out
}
