package apigw

import (
	"encoding/json"
	"net/http"
	"net/url"
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
	paramPartRE = regexp.MustCompile(`^\{[A-Za-z0-9._:\-]+\+?\}$`)
)

// validatePathPart checks one segment under parent.
func validatePathPart(parent *Resource, part string) error {
	if !pathPartRE.MatchString(part) && !paramPartRE.MatchString(part) {
		return awserr.BadRequestException.New("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
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

// tree indexes an API's resources by parent, built once per operation in
// linear time so that finding or adding a child is constant time: an
// import of n paths is O(n), not O(n²) (issue #12 item 13).
type tree struct {
	a    *APIRecord
	max  int
	kids map[string]map[string]*Resource // parent ID → path part → child
	// vars holds, per parent, its {name} and {name+} children (at most one
	// of each, as AWS allows).
	vars map[string]*[2]*Resource
}

func newTree(a *APIRecord, max int) *tree {
	t := &tree{a: a, max: max, kids: make(map[string]map[string]*Resource, len(a.Resources)),
		vars: map[string]*[2]*Resource{}}
	for _, r := range a.Resources {
		if r.ParentID != "" {
			t.index(r)
		}
	}
	return t
}

func (t *tree) index(r *Resource) {
	m := t.kids[r.ParentID]
	if m == nil {
		m = map[string]*Resource{}
		t.kids[r.ParentID] = m
	}
	m[r.PathPart] = r
	if strings.HasPrefix(r.PathPart, "{") {
		v := t.vars[r.ParentID]
		if v == nil {
			v = &[2]*Resource{}
			t.vars[r.ParentID] = v
		}
		v[greedyIndex(r.PathPart)] = r
	}
}

func (t *tree) unindex(r *Resource) {
	delete(t.kids[r.ParentID], r.PathPart)
	if v := t.vars[r.ParentID]; v != nil && v[greedyIndex(r.PathPart)] == r {
		v[greedyIndex(r.PathPart)] = nil
	}
}

func greedyIndex(part string) int {
	if strings.HasSuffix(part, "+}") {
		return 1
	}
	return 0
}

// errTooManyResources is AWS's answer when an API would exceed its quota
// of resources (seen from ImportRestApi and PutRestApi).
var errTooManyResources = awserr.LimitExceededException.New("Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources.")

// checkPart checks that part may be a child of parent next to its siblings
// (self excluded, for renames).
func (t *tree) checkPart(parent *Resource, part string, self *Resource) error {
	if err := validatePathPart(parent, part); err != nil {
		return err
	}
	if r := t.kids[parent.ID][part]; r != nil && r != self {
		return awserr.ConflictException.Errorf("Another resource with the same parent already has this name: %s", part)
	}
	if strings.HasPrefix(part, "{") {
		if v := t.vars[parent.ID]; v != nil {
			if r := v[greedyIndex(part)]; r != nil && r != self {
				return awserr.BadRequestException.Errorf("A sibling (%s) of this resource already has a variable path part -- only one is allowed", r.PathPart)
			}
		}
	}
	return nil
}

// add creates part under parent.
func (t *tree) add(parent *Resource, part string) (*Resource, error) {
	if err := t.checkPart(parent, part, nil); err != nil {
		return nil, err
	}
	if len(t.a.Resources) >= t.max {
		return nil, errTooManyResources
	}
	id := newID(6)
	for t.a.Resources[id] != nil {
		id = newID(6)
	}
	r := &Resource{ID: id, ParentID: parent.ID, PathPart: part, Path: childPath(parent, part)}
	t.a.Resources[r.ID] = r
	t.index(r)
	return r, nil
}

// ensurePath creates every missing resource of path and returns the leaf.
func (t *tree) ensurePath(path string) (*Resource, error) {
	cur := t.a.Resources[t.a.API.RootResourceID]
	if cur == nil {
		return nil, awserr.InternalFailure.New("")
	}
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		next := t.kids[cur.ID][part]
		if next == nil {
			var err error
			if next, err = t.add(cur, part); err != nil {
				return nil, err
			}
		}
		cur = next
	}
	return cur, nil
}

// embedIn is a Get* operation's ?embed= values.
type embedIn struct{ Embed []string }

func (in *embedIn) decodeFrom(q url.Values, _ http.Header, _ []byte) error {
	in.Embed = q["embed"]
	return nil
}

// embeds reports whether ?embed= names v.
func (in *embedIn) embeds(v string) bool {
	for _, e := range in.Embed {
		if e == v {
			return true
		}
	}
	return false
}

// getResourcesIn is GetResources' input.
type getResourcesIn struct {
	pageIn
	embedIn
}

func (in *getResourcesIn) decodeFrom(q url.Values, h http.Header, b []byte) error {
	_ = in.pageIn.decodeFrom(q, h, b)
	return in.embedIn.decodeFrom(q, h, b)
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

func (s *Service) getResources(c *call, in *getResourcesIn) (*GetResourcesOutput, error) {
	var items []*Resource
	var pos string
	embed := in.embeds("methods")
	err := s.viewAPI(c, func(a *APIRecord) error {
		page, p, err := paging(&in.pageIn, sortedResources(a))
		if err != nil {
			return err
		}
		// Only the page is rendered: O(n log n) for the sort, O(page)
		// for the copies.
		items, pos = make([]*Resource, len(page)), p
		for i, r := range page {
			items[i] = wireResource(r, embed)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetResourcesOutput{listOut[*Resource]{Item: items, Position: pos}}, nil
}

func (s *Service) getResource(c *call, in *embedIn) (*GetResourceOutput, error) {
	var out *Resource
	err := s.viewAPI(c, func(a *APIRecord) error {
		r := a.Resources[c.path.Resource]
		if r == nil {
			return errResource
		}
		out = wireResource(r, in.embeds("methods"))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetResourceOutput{out}, nil
}

// createResourceBody is the JSON body of createResource.
type createResourceBody struct {
	PathPart string `json:"pathPart"`
}

func (s *Service) createResource(c *call, req *jsonIn[createResourceBody]) (*CreateResourceOutput, error) {
	in := req.Body
	var out *Resource
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		parent := a.Resources[c.path.Resource]
		if parent == nil {
			return errResource
		}
		r, err := newTree(a, s.maxResources).add(parent, in.PathPart)
		out = r
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateResourceOutput{wireResource(out, false)}, nil
}

func (s *Service) updateResource(c *call, in *patchIn) (*UpdateResourceOutput, error) {
	ops := in.Ops
	var err error
	var out *Resource
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		r := a.Resources[c.path.Resource]
		if r == nil || r.Path == "/" {
			return errResource
		}
		t := newTree(a, s.maxResources)
		for _, op := range ops {
			if op.Path != "/pathPart" || !isSet(op) {
				return badPatch(op)
			}
			parent := a.Resources[r.ParentID]
			if parent == nil {
				return errResource
			}
			// The new name must not collide with a sibling's: two
			// resources with one path would be one route with two
			// meanings.
			if err := t.checkPart(parent, op.Value, r); err != nil {
				return err
			}
			if strings.HasSuffix(op.Value, "+}") && len(t.kids[r.ID]) > 0 {
				return awserr.BadRequestException.Errorf("Cannot create a child of a resource with a greedy path variable: %s", childPath(parent, op.Value))
			}
			old := r.Path
			t.unindex(r)
			r.PathPart = op.Value
			r.Path = childPath(parent, op.Value)
			t.index(r)
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
		return nil, err
	}
	return &UpdateResourceOutput{out}, nil
}

func (s *Service) deleteResource(c *call, _ *noIn) (*DeleteResourceOutput, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		r := a.Resources[c.path.Resource]
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
		return nil, err
	}
	return &DeleteResourceOutput{}, nil
}
