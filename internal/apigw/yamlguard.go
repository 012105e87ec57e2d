package apigw

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"github.com/oasdiff/yaml"
	yaml3 "github.com/oasdiff/yaml3"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// yamlKeyBudget bounds Σ k² over the mappings a YAML document decodes (k
// the number of keys of one mapping, counted again for every alias that
// repeats it): the YAML decoder checks duplicate keys pairwise, so one
// mapping of a million one-line keys (6 MB) would cost 5·10¹¹ string
// comparisons. 1<<27 is a mapping of about 11,500 keys, well above any
// API's quota of resources, and a few tenths of a second of comparisons.
const yamlKeyBudget = 1 << 27

var errYAMLTooComplex = awserr.BadRequestException.New("Invalid OpenAPI input: the YAML document has too many keys in its mappings")

// definitionJSON returns the definition as JSON. JSON input (a JSON
// object) is used as is: decoding it as YAML would cost the YAML decoder's
// quadratic duplicate-key check for nothing. YAML input is decoded after
// its mappings have been measured against yamlKeyBudget.
func definitionJSON(body []byte) ([]byte, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '{' && json.Valid(body) {
		return body, nil
	}
	if err := checkYAMLCost(body); err != nil {
		return nil, err
	}
	return yaml.YAMLToJSON(body)
}

// checkYAMLCost parses body into a node tree (linear; aliases are not
// expanded there) and adds up the duplicate-key work decoding it would do.
func checkYAMLCost(body []byte) error {
	var doc yaml3.Node
	if err := yaml3.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return awserr.BadRequestException.Errorf("Invalid OpenAPI input: %s", firstLine(err.Error()))
	}
	memo := map[*yaml3.Node]int{}
	if _, ok := yamlCost(&doc, memo); !ok {
		return errYAMLTooComplex
	}
	return nil
}

// inProgress marks a node being measured: an alias back to it is a cycle,
// which the decoder refuses too ("value contains itself").
const inProgress = -1

// yamlCost returns the duplicate-key work of decoding n, or false once it
// exceeds yamlKeyBudget or n contains itself. Each node is measured once;
// an alias costs what its target costs, every time it is used.
func yamlCost(n *yaml3.Node, memo map[*yaml3.Node]int) (int, bool) {
	if n == nil {
		return 0, true
	}
	if c, ok := memo[n]; ok {
		return c, c != inProgress
	}
	memo[n] = inProgress
	cost := 0
	if n.Kind == yaml3.MappingNode {
		k := len(n.Content) / 2
		cost = k * k
	}
	if n.Kind == yaml3.AliasNode {
		c, ok := yamlCost(n.Alias, memo)
		if !ok {
			return 0, false
		}
		cost = c
	}
	for _, ch := range n.Content {
		c, ok := yamlCost(ch, memo)
		if !ok {
			return 0, false
		}
		cost += c
		if cost > yamlKeyBudget {
			return 0, false
		}
	}
	if cost > yamlKeyBudget {
		return 0, false
	}
	memo[n] = cost
	return cost, true
}
