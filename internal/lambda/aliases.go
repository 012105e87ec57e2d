package lambda

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// Alias operations: CreateAlias, GetAlias, ListAliases, UpdateAlias,
// DeleteAlias. They act on the function, so they are authorized on its
// unqualified ARN, as the other operations on the function are.

// aliasNameRE is the Alias shape's pattern (?!^[0-9]+$)([a-zA-Z0-9-_]+)
// without the lookahead, which isVersionNumber checks: a name of digits
// only would be a version.
var aliasNameRE = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

type routingInput struct {
	AdditionalVersionWeights map[string]float64 `json:"AdditionalVersionWeights"`
}

type aliasInput struct {
	Name            *string       `json:"Name"`
	FunctionVersion *string       `json:"FunctionVersion"`
	Description     *string       `json:"Description"`
	RoutingConfig   *routingInput `json:"RoutingConfig"`
	RevisionId      string        `json:"RevisionId"`
}

// aliasOut is the AliasConfiguration shape.
type aliasOut struct {
	AliasArn        string         `json:"AliasArn"`
	Name            string         `json:"Name"`
	FunctionVersion string         `json:"FunctionVersion"`
	Description     string         `json:"Description"`
	RoutingConfig   map[string]any `json:"RoutingConfig,omitempty"`
	RevisionId      string         `json:"RevisionId"`
}

func (a *alias) out(res resolved) *aliasOut {
	res.qualifier = a.Name
	o := &aliasOut{AliasArn: res.arn(), Name: a.Name, FunctionVersion: a.FunctionVersion, Description: a.Description, RevisionId: a.RevisionID}
	if len(a.Weights) > 0 {
		o.RoutingConfig = map[string]any{"AdditionalVersionWeights": a.Weights}
	}
	return o
}

// checkAliasName validates the Alias shape: 1 to 128 characters of
// [a-zA-Z0-9-_], not all digits.
func checkAliasName(name string) error {
	if len(name) < 1 || len(name) > 128 || !aliasNameRE.MatchString(name) || isVersionNumber(name) {
		return awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)", name)
	}
	return nil
}

// checkAliasInput validates what create and update share: the version
// pattern, the description's length and the routing configuration's
// shape (weights of 0.0 to 1.0).
func checkAliasInput(in *aliasInput) error {
	var v validation
	if in.FunctionVersion != nil {
		fv := *in.FunctionVersion
		if fv != "$LATEST" && !isVersionNumber(fv) || len(fv) > 1024 {
			v.add(fv, "functionVersion", `Member must satisfy regular expression pattern: (\$LATEST|[0-9]+)`)
		}
	}
	if in.Description != nil && len(*in.Description) > 256 {
		v.add(*in.Description, "description", "Member must have length less than or equal to 256")
	}
	if in.RoutingConfig != nil {
		for k, w := range in.RoutingConfig.AdditionalVersionWeights {
			if w < 0 || w > 1 {
				v.add(fmt.Sprint(in.RoutingConfig.AdditionalVersionWeights), "routingConfig.additionalVersionWeights", "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]")
				break
			}
			if !isVersionNumber(k) || len(k) > 1024 {
				v.add(fmt.Sprint(in.RoutingConfig.AdditionalVersionWeights), "routingConfig.additionalVersionWeights", "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]")
				break
			}
		}
	}
	return v.err()
}

// checkRouting checks an alias's versions against the function f: its
// version exists, and an additional version is a single other published
// version, which $LATEST cannot share invocations with.
func checkRouting(f *function, res resolved, version string, weights map[string]float64) error {
	if version != "$LATEST" && f.version(version) == nil {
		res.qualifier = version
		return awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
	}
	if len(weights) == 0 {
		return nil
	}
	if len(weights) > 1 {
		return awserr.InvalidParameterValueException.New("Number of items in AdditionalVersionWeights cannot be greater than 1")
	}
	if version == "$LATEST" {
		return awserr.InvalidParameterValueException.New("$LATEST is not supported for an alias pointing to more than 1 version")
	}
	for k := range weights {
		if k == version {
			return awserr.InvalidParameterValueException.Errorf("Invalid function version %s. Function version %s is already included in routing configuration.", k, k)
		}
		if f.version(k) == nil {
			res.qualifier = k
			return awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
		}
	}
	return nil
}

func (s *Service) createAlias(q *request, in *createAliasInput) (*CreateAliasOutput, error) {
	raw := in.FunctionName
	var v validation
	if in.Name == nil {
		v.nullAt("name")
	}
	if in.FunctionVersion == nil {
		v.nullAt("functionVersion")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkAliasName(*in.Name); err != nil {
		return nil, err
	}
	if err := checkAliasInput(&in.aliasInput); err != nil {
		return nil, err
	}
	res, _, err := s.findLatest(q, raw, "lambda:CreateAlias")
	if err != nil {
		return nil, err
	}
	var out *alias
	_, err = s.modify(q.r.Context(), res, "", func(f *function) error {
		if f.alias(*in.Name) != nil {
			r := res
			r.qualifier = *in.Name
			return awserr.ResourceConflictException.New("Alias already exists: " + r.arn())
		}
		var weights map[string]float64
		if in.RoutingConfig != nil {
			weights = in.RoutingConfig.AdditionalVersionWeights
		}
		if err := checkRouting(f, res, *in.FunctionVersion, weights); err != nil {
			return err
		}
		out = &alias{Name: *in.Name, FunctionVersion: *in.FunctionVersion, Weights: weights, RevisionID: newRevision()}
		if in.Description != nil {
			out.Description = *in.Description
		}
		f.Aliases = append(f.Aliases, out)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*CreateAliasOutput)(out.out(res)), nil
}

// errNoAlias is GetAlias's and UpdateAlias's answer for a missing alias.
func errNoAlias(res resolved, name string) error {
	res.qualifier = name
	return awserr.ResourceNotFoundException.New("Cannot find alias arn: " + res.arn())
}

func (s *Service) getAlias(q *request, in *getAliasInput) (*GetAliasOutput, error) {
	raw := in.FunctionName
	name := in.AliasName
	if err := checkAliasName(name); err != nil {
		return nil, err
	}
	res, e, err := s.findLatest(q, raw, "lambda:GetAlias")
	if err != nil {
		return nil, err
	}
	a := e.fn.alias(name)
	if a == nil {
		return nil, errNoAlias(res, name)
	}
	return (*GetAliasOutput)(a.out(res)), nil
}

func (s *Service) listAliases(q *request, in *listAliasesInput) (*ListAliasesOutput, error) {
	raw := in.FunctionName
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	fv, filter := in.FunctionVersion, in.FunctionVersion != nil
	if filter && (len(fv) != 1 || fv[0] != "$LATEST" && !isVersionNumber(fv[0])) {
		return nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)", fv[0])
	}
	res, e, err := s.findLatest(q, raw, "lambda:ListAliases")
	if err != nil {
		return nil, err
	}
	all := append([]*alias(nil), e.fn.Aliases...)
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	items := []*aliasOut{}
	var out ListAliasesOutput
	for _, a := range all {
		if pg.set && a.Name <= pg.after || filter && a.FunctionVersion != fv[0] {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(items[len(items)-1].Name)
			break
		}
		items = append(items, a.out(res))
	}
	out.Aliases = items
	return &out, nil
}

func (s *Service) updateAlias(q *request, in *updateAliasInput) (*UpdateAliasOutput, error) {
	raw := in.FunctionName
	name := in.AliasName
	if err := checkAliasName(name); err != nil {
		return nil, err
	}
	if err := checkAliasInput(&in.aliasInput); err != nil {
		return nil, err
	}
	res, _, err := s.findLatest(q, raw, "lambda:UpdateAlias")
	if err != nil {
		return nil, err
	}
	var out *alias
	_, err = s.modify(q.r.Context(), res, "", func(f *function) error {
		a := f.alias(name)
		if a == nil {
			return errNoAlias(res, name)
		}
		if in.RevisionId != "" && in.RevisionId != a.RevisionID {
			return awserr.PreconditionFailedException.New("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
		}
		version, weights := a.FunctionVersion, a.Weights
		if in.FunctionVersion != nil {
			version = *in.FunctionVersion
		}
		if in.RoutingConfig != nil {
			weights = in.RoutingConfig.AdditionalVersionWeights // replaces; {} clears
		}
		if err := checkRouting(f, res, version, weights); err != nil {
			return err
		}
		a.FunctionVersion, a.Weights = version, weights
		if len(a.Weights) == 0 {
			a.Weights = nil
		}
		if in.Description != nil {
			a.Description = *in.Description
		}
		a.RevisionID = newRevision()
		out = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*UpdateAliasOutput)(out.out(res)), nil
}

// deleteAlias removes an alias and its resource policy. Deleting an
// alias that does not exist succeeds: DeleteAlias has no
// ResourceNotFoundException in Lambda's model.
func (s *Service) deleteAlias(q *request, in *deleteAliasInput) (*DeleteAliasOutput, error) {
	raw := in.FunctionName
	name := in.AliasName
	if err := checkAliasName(name); err != nil {
		return nil, err
	}
	res, _, err := s.findLatest(q, raw, "lambda:DeleteAlias")
	if err != nil {
		return nil, err
	}
	_, err = s.modify(q.r.Context(), res, "", func(f *function) error {
		for k, a := range f.Aliases {
			if a.Name == name {
				f.Aliases = append(f.Aliases[:k:k], f.Aliases[k+1:]...)
				// The alias's function URL goes with it.
				for j, u := range f.URLs {
					if u.Qualifier == name {
						f.URLs = append(f.URLs[:j:j], f.URLs[j+1:]...)
						break
					}
				}
				return nil
			}
		}
		return errUnchanged
	})
	if err != nil && !isUnchanged(err) {
		return nil, err
	}
	return &DeleteAliasOutput{}, nil
}

// createAliasInput is the input of createAlias.
type createAliasInput struct {
	fnInput
	aliasInput
}

// getAliasInput is the input of getAlias.
type getAliasInput struct {
	fnInput
	AliasName string `uri:"Name" json:"-"`
}

// listAliasesInput is the input of listAliases.
type listAliasesInput struct {
	fnInput
	pageInput
	FunctionVersion []string `query:"FunctionVersion" json:"-"`
}

// updateAliasInput is the input of updateAlias.
type updateAliasInput struct {
	fnInput
	AliasName string `uri:"Name" json:"-"`
	aliasInput
}

// deleteAliasInput is the input of deleteAlias.
type deleteAliasInput struct {
	fnInput
	AliasName string `uri:"Name" json:"-"`
}
