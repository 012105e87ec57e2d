package apigw

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// pathPartRE is AWS's path segment charset (spec §1), with {name} and
// {name+} as whole segments.
var (
	pathPartRE  = regexp.MustCompile(`^[A-Za-z0-9._:,\-]+$`)
	paramPartRE = regexp.MustCompile(`^\{[A-Za-z0-9._\-]+\+?\}$`)
)

// validatePathPart checks one segment under parent.
func validatePathPart(parent *Resource, part string) error {
	if !pathPartRE.MatchString(part) && !paramPartRE.MatchString(part) {
		return awserr.BadRequestException.New("Resource's path part only allow a-zA-Z0-9._-: and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
	}
	if parent != nil && strings.HasSuffix(parent.PathPart, "+}") {
		return awserr.BadRequestException.Errorf("Cannot create a child of a resource with a greedy path variable: %s", parent.Path)
	}
	return nil
}

func childPath(parent *Resource, part string) string {
	if parent.Path == "/" {
		return "/" + part
	}
	return parent.Path + "/" + part
}

// addResource creates part under parent, checking for siblings.
func addResource(a *APIRecord, parent *Resource, part string) (*Resource, error) {
	if err := validatePathPart(parent, part); err != nil {
		return nil, err
	}
	p := childPath(parent, part)
	isVar := strings.HasPrefix(part, "{")
	for _, r := range a.Resources {
		if r.ParentID != parent.ID {
			continue
		}
		if r.PathPart == part {
			return nil, awserr.ConflictException.Errorf("Another resource with the same parent already has this name: %s", part)
		}
		if isVar && strings.HasPrefix(r.PathPart, "{") && strings.HasSuffix(r.PathPart, "+}") == strings.HasSuffix(part, "+}") {
			return nil, awserr.BadRequestException.Errorf("A sibling (%s) of this resource already has a variable path part -- only one is allowed", r.PathPart)
		}
	}
	r := &Resource{ID: newID(6), ParentID: parent.ID, PathPart: part, Path: p}
	a.Resources[r.ID] = r
	return r, nil
}

// ensurePath creates every missing resource of path and returns the leaf.
func ensurePath(a *APIRecord, path string) (*Resource, error) {
	cur := a.Resources[a.API.RootResourceID]
	if cur == nil {
		return nil, awserr.InternalFailure.New("")
	}
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		var next *Resource
		for _, r := range a.Resources {
			if r.ParentID == cur.ID && r.PathPart == part {
				next = r
				break
			}
		}
		if next == nil {
			var err error
			if next, err = addResource(a, cur, part); err != nil {
				return nil, err
			}
		}
		cur = next
	}
	return cur, nil
}

func embedMethods(c *call) bool {
	for _, e := range c.r.URL.Query()["embed"] {
		if e == "methods" {
			return true
		}
	}
	return false
}

// wireResource strips integrations unless embedded.
func wireResource(r *Resource, embed bool) *Resource {
	out := *r
	if len(r.ResourceMethods) == 0 {
		out.ResourceMethods = nil
		return &out
	}
	out.ResourceMethods = make(map[string]*Method, len(r.ResourceMethods))
	for k, m := range r.ResourceMethods {
		if embed {
			out.ResourceMethods[k] = m
		} else {
			out.ResourceMethods[k] = &Method{}
		}
	}
	return &out
}

// resourceJSON renders non-embedded methods as {} like AWS.
func (r *Resource) MarshalJSON() ([]byte, error) {
	type plain Resource
	if len(r.ResourceMethods) > 0 {
		empty := true
		for _, m := range r.ResourceMethods {
			if m.HTTPMethod != "" {
				empty = false
			}
		}
		if empty {
			var b strings.Builder
			b.WriteString(`{"id":` + strconv.Quote(r.ID))
			if r.ParentID != "" {
				b.WriteString(`,"parentId":` + strconv.Quote(r.ParentID))
			}
			if r.PathPart != "" {
				pp, _ := json.Marshal(r.PathPart)
				b.WriteString(`,"pathPart":` + string(pp))
			}
			pp, _ := json.Marshal(r.Path)
			b.WriteString(`,"path":` + string(pp) + `,"resourceMethods":{`)
			first := true
			for _, k := range sortedKeys(r.ResourceMethods) {
				if !first {
					b.WriteByte(',')
				}
				first = false
				b.WriteString(strconv.Quote(k) + `:{}`)
			}
			b.WriteString("}}")
			return []byte(b.String()), nil
		}
	}
	return json.Marshal((*plain)(r))
}

func (s *Service) getResources(c *call) (int, any, error) {
	var all []*Resource
	err := s.viewAPI(c, func(a *APIRecord) error {
		for _, r := range sortedResources(a) {
			all = append(all, wireResource(r, embedMethods(c)))
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	items, pos, err := paging(c, all)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, listOut[*Resource]{Item: items, Position: pos}, nil
}

func (s *Service) getResource(c *call) (int, any, error) {
	var out *Resource
	err := s.viewAPI(c, func(a *APIRecord) error {
		r := a.Resources[c.seg[3]]
		if r == nil {
			return errResource
		}
		out = wireResource(r, embedMethods(c))
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Service) createResource(c *call) (int, any, error) {
	var in struct {
		PathPart string `json:"pathPart"`
	}
	if err := decode(c, &in); err != nil {
		return 0, nil, err
	}
	var out *Resource
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		parent := a.Resources[c.seg[3]]
		if parent == nil {
			return errResource
		}
		r, err := addResource(a, parent, in.PathPart)
		out = r
		return err
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, wireResource(out, false), nil
}

func (s *Service) updateResource(c *call) (int, any, error) {
	ops, err := patchOps(c)
	if err != nil {
		return 0, nil, err
	}
	var out *Resource
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		r := a.Resources[c.seg[3]]
		if r == nil || r.Path == "/" {
			return errResource
		}
		for _, op := range ops {
			if op.Path != "/pathPart" || !isSet(op) {
				return badPatch(op)
			}
			parent := a.Resources[r.ParentID]
			if err := validatePathPart(parent, op.Value); err != nil {
				return err
			}
			old := r.Path
			r.PathPart = op.Value
			r.Path = childPath(parent, op.Value)
			for _, d := range a.Resources {
				if strings.HasPrefix(d.Path, old+"/") {
					d.Path = r.Path + strings.TrimPrefix(d.Path, old)
				}
			}
		}
		out = wireResource(r, false)
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

func (s *Service) deleteResource(c *call) (int, any, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		r := a.Resources[c.seg[3]]
		if r == nil {
			return errResource
		}
		if r.Path == "/" {
			return awserr.BadRequestException.New("Cannot delete root resource")
		}
		for id, d := range a.Resources {
			if d.ID == r.ID || strings.HasPrefix(d.Path, r.Path+"/") {
				delete(a.Resources, id)
			}
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, nil, nil
}
