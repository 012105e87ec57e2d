// Command awspolicies writes internal/iam/awspolicies.json, the AWS managed
// policies every gatehouse account has (arn:aws:iam::aws:policy/...), from
// a published dump of AWS's own answers.
//
//	go run ./internal/tools/awspolicies -in aws_managed_policies.py
//
// The source is moto's moto/iam/aws_managed_policies.py (Apache-2.0,
// https://github.com/getmoto/moto), whose JSON moto's maintainers produce
// with scripts/update_managed_policies.py: ListPolicies Scope=AWS and
// GetPolicyVersion of each default version, run against real AWS. The
// committed file was generated from moto commit
// 62aee391075aca2d6e8ba1ecede2f67ba9eb9dbc ("chore: update IAM Managed
// Policies (#10080)", 2026-07-01): 1515 policies. Only AWS's data is taken
// (name, path, default version id, dates, document), not moto's code.
//
// The output has one policy per line, sorted by name, so that an update
// reads as a diff of the policies AWS changed. AWS does not publish the
// policies' ids through that dump; gatehouse derives a stable ANPA id from
// the ARN (internal/iam, awsPolicyID).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Policy is one line of the output.
type Policy struct {
	Name     string          `json:"name"`
	Path     string          `json:"path"`
	Version  string          `json:"version"`
	Created  string          `json:"created"`
	Updated  string          `json:"updated"`
	Document json.RawMessage `json:"document"` // compact JSON, as GetPolicyVersion returns it (URL-decoded)
}

type source struct {
	Path             string          `json:"Path"`
	DefaultVersionId string          `json:"DefaultVersionId"`
	CreateDate       string          `json:"CreateDate"`
	UpdateDate       string          `json:"UpdateDate"`
	Document         json.RawMessage `json:"Document"`
}

func main() {
	in := flag.String("in", "", "moto's moto/iam/aws_managed_policies.py")
	out := flag.String("out", "internal/iam/awspolicies.json", "output file")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "awspolicies:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	if in == "" {
		return errors.New("-in is required")
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	ps, err := Extract(raw)
	if err != nil {
		return err
	}
	return os.WriteFile(out, Render(ps), 0o644)
}

// Extract reads the JSON object between the first and the last """ of
// moto's Python module.
func Extract(py []byte) ([]Policy, error) {
	const q = `"""`
	i, j := bytes.Index(py, []byte(q)), bytes.LastIndex(py, []byte(q))
	if i < 0 || j <= i {
		return nil, errors.New(`no """-quoted JSON in the input`)
	}
	var m map[string]source
	if err := json.Unmarshal(py[i+len(q):j], &m); err != nil {
		return nil, err
	}
	ps := make([]Policy, 0, len(m))
	for name, s := range m {
		if !strings.HasPrefix(s.Path, "/") || !strings.HasSuffix(s.Path, "/") || s.DefaultVersionId == "" {
			return nil, fmt.Errorf("policy %s: bad path %q or version %q", name, s.Path, s.DefaultVersionId)
		}
		var doc bytes.Buffer
		if err := json.Compact(&doc, s.Document); err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		ps = append(ps, Policy{Name: name, Path: s.Path, Version: s.DefaultVersionId, Created: s.CreateDate,
			Updated: s.UpdateDate, Document: doc.Bytes()})
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].Name < ps[b].Name })
	return ps, nil
}

// Render writes a JSON array with one policy per line.
func Render(ps []Policy) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, p := range ps {
		line, _ := json.Marshal(p) // strings and compacted JSON: cannot fail
		b.Write(line)
		if i < len(ps)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}
