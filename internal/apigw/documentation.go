package apigw

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// KindDocVersion is a documentation version: a snapshot of the API's
// documentation parts. Key "{apiId}/{version}".
const KindDocVersion = "apigw/docversion"

// apiScopedKinds are record kinds keyed "{apiId}/..." that DeleteRestApi
// deletes with the API, besides deployments and stages.
var apiScopedKinds = []string{KindDocVersion}

// DocumentationPartLocation says what a documentation part documents.
type DocumentationPartLocation struct {
	Type       string `json:"type"`
	Path       string `json:"path,omitempty"`
	Method     string `json:"method,omitempty"`
	StatusCode string `json:"statusCode,omitempty"`
	Name       string `json:"name,omitempty"`
}

// DocumentationPart is the wire shape of a documentation part.
type DocumentationPart struct {
	ID         string                    `json:"id"`
	Location   DocumentationPartLocation `json:"location"`
	Properties string                    `json:"properties"`
}

// DocumentationVersion is the wire shape of a documentation version.
type DocumentationVersion struct {
	Version     string `json:"version"`
	CreatedDate int64  `json:"createdDate"`
	Description string `json:"description,omitempty"`
}

// DocVersionRecord is a stored documentation version.
type DocVersionRecord struct {
	Version DocumentationVersion          `json:"version"`
	Parts   map[string]*DocumentationPart `json:"parts,omitempty"`
}

// docLocationFields says, per location type, which location fields
// apply (AWS's "Location of a documentation part" table): path, method,
// statusCode, name. A field that does not apply is refused when set.
var docLocationFields = map[string][4]bool{
	"API":             {false, false, false, false},
	"AUTHORIZER":      {false, false, false, true},
	"MODEL":           {false, false, false, true},
	"RESOURCE":        {true, false, false, false},
	"METHOD":          {true, true, false, false},
	"PATH_PARAMETER":  {true, true, false, true},
	"QUERY_PARAMETER": {true, true, false, true},
	"REQUEST_HEADER":  {true, true, false, true},
	"REQUEST_BODY":    {true, true, false, false},
	"RESPONSE":        {true, true, true, false},
	"RESPONSE_HEADER": {true, true, true, true},
	"RESPONSE_BODY":   {true, true, true, false},
}

const docTypes = "[API, AUTHORIZER, MODEL, RESOURCE, METHOD, PATH_PARAMETER, QUERY_PARAMETER, REQUEST_HEADER, REQUEST_BODY, RESPONSE, RESPONSE_HEADER, RESPONSE_BODY]"

// normalizeLocation validates a location and fills AWS's defaults: path
// "/" and method and statusCode "*" where they apply.
func normalizeLocation(l *DocumentationPartLocation) error {
	f, ok := docLocationFields[l.Type]
	if !ok {
		return validationEnum("createDocumentationPartInput.location.type", l.Type, docTypes)
	}
	if f[0] && l.Path == "" {
		l.Path = "/"
	}
	if f[1] && l.Method == "" {
		l.Method = "*"
	}
	if f[2] && l.StatusCode == "" {
		l.StatusCode = "*"
	}
	if !f[0] && l.Path != "" || !f[1] && l.Method != "" || !f[2] && l.StatusCode != "" || !f[3] && l.Name != "" {
		return awserr.BadRequestException.Errorf("Invalid location for documentation part of type %s", l.Type)
	}
	if f[3] && l.Name == "" {
		return awserr.BadRequestException.Errorf("Name must be specified for documentation part of type %s", l.Type)
	}
	if f[0] && !strings.HasPrefix(l.Path, "/") {
		return awserr.BadRequestException.New("Invalid documentation part path specified")
	}
	if f[1] && l.Method != "*" && !validVerbs[l.Method] {
		return awserr.BadRequestException.New("Invalid documentation part method specified")
	}
	if f[2] && l.StatusCode != "*" && validStatus(l.StatusCode) != nil {
		return awserr.BadRequestException.New("Invalid documentation part status code specified")
	}
	return nil
}

// validProperties: a part's properties are a JSON object.
func validProperties(p string) error {
	var m map[string]any
	if json.Unmarshal([]byte(p), &m) != nil || m == nil {
		return awserr.BadRequestException.New("Documentation part properties must be a valid JSON object")
	}
	return nil
}

func addDocPart(a *APIRecord, loc DocumentationPartLocation, props string) (*DocumentationPart, error) {
	if err := normalizeLocation(&loc); err != nil {
		return nil, err
	}
	if err := validProperties(props); err != nil {
		return nil, err
	}
	for _, p := range a.DocParts {
		if p.Location == loc {
			return nil, awserr.ConflictException.New("Documentation part already exists for the specified location")
		}
	}
	p := &DocumentationPart{ID: newID(6), Location: loc, Properties: props}
	if a.DocParts == nil {
		a.DocParts = map[string]*DocumentationPart{}
	}
	a.DocParts[p.ID] = p
	return p, nil
}

// createDocPartBody is the JSON body of createDocPart.
type createDocPartBody struct {
	Location   *DocumentationPartLocation `json:"location"`
	Properties *string                    `json:"properties"`
}

func (s *Service) createDocPart(c *call, req *jsonIn[createDocPartBody]) (*CreateDocumentationPartOutput, error) {
	in := req.Body
	if in.Location == nil || in.Properties == nil {
		return nil, awserr.BadRequestException.New("Location and properties must be specified")
	}
	var out *DocumentationPart
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		p, err := addDocPart(a, *in.Location, *in.Properties)
		out = p
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateDocumentationPartOutput{out}, nil
}

// getDocPartsIn is GetDocumentationParts' input.
type getDocPartsIn struct {
	pageIn
	Type           string // ?type=
	Path           string // ?path=
	Name           string // ?name=
	LocationStatus string // ?locationStatus=
}

func (in *getDocPartsIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	_ = in.pageIn.decodeFrom(q, nil, b)
	in.Type = q.Get("type")
	in.Path = q.Get("path")
	in.Name = q.Get("name")
	in.LocationStatus = q.Get("locationStatus")
	return nil
}

func (s *Service) getDocParts(c *call, in *getDocPartsIn) (*GetDocumentationPartsOutput, error) {
	typ, path, nameQ, status := in.Type, in.Path, in.Name, in.LocationStatus
	if typ != "" {
		if _, ok := docLocationFields[typ]; !ok {
			return nil, validationEnum("getDocumentationPartsInput.type", typ, docTypes)
		}
	}
	if status != "" && status != "DOCUMENTED" && status != "UNDOCUMENTED" {
		return nil, validationEnum("getDocumentationPartsInput.locationStatus", status, "[DOCUMENTED, UNDOCUMENTED]")
	}
	var all []*DocumentationPart
	err := s.viewAPI(c, func(a *APIRecord) error {
		if status == "UNDOCUMENTED" {
			// Documentation parts exist only for documented locations.
			return nil
		}
		for _, p := range a.DocParts {
			if typ != "" && p.Location.Type != typ || path != "" && p.Location.Path != path ||
				nameQ != "" && !strings.Contains(p.Location.Name, nameQ) {
				continue
			}
			all = append(all, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	items, pos, err := paging(&in.pageIn, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []*DocumentationPart{}
	}
	return &GetDocumentationPartsOutput{listOut[*DocumentationPart]{Item: items, Position: pos}}, nil
}

func (s *Service) getDocPart(c *call, _ *noIn) (*GetDocumentationPartOutput, error) {
	var out *DocumentationPart
	err := s.viewAPI(c, func(a *APIRecord) error {
		if out = a.DocParts[c.path.DocPart]; out == nil {
			return errDocPart
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetDocumentationPartOutput{out}, nil
}

func (s *Service) updateDocPart(c *call, in *patchIn) (*UpdateDocumentationPartOutput, error) {
	ops := in.Ops
	var err error
	var out *DocumentationPart
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		p := a.DocParts[c.path.DocPart]
		if p == nil {
			return errDocPart
		}
		for _, op := range ops {
			if op.Path != "/properties" || op.Op != "replace" {
				return badPatch(op)
			}
			if err := validProperties(op.Value); err != nil {
				return err
			}
			p.Properties = op.Value
		}
		out = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &UpdateDocumentationPartOutput{out}, nil
}

func (s *Service) deleteDocPart(c *call, _ *noIn) (*DeleteDocumentationPartOutput, error) {
	err := s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if a.DocParts[c.path.DocPart] == nil {
			return errDocPart
		}
		delete(a.DocParts, c.path.DocPart)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteDocumentationPartOutput{}, nil
}

// importDocParts reads the x-amazon-apigateway-documentation extension of
// an OpenAPI document: mode=overwrite replaces every part, merge (the
// default) adds the new locations and replaces the properties of known
// ones.
// importDocPartsIn is ImportDocumentationParts' input: the document and
// the import mode.
type importDocPartsIn struct {
	Mode string // ?mode=
	Body []byte // the OpenAPI document
}

func (in *importDocPartsIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.Mode, in.Body = q.Get("mode"), b
	return nil
}

func (s *Service) importDocParts(c *call, req *importDocPartsIn) (*ImportDocumentationPartsOutput, error) {
	mode := req.Mode
	if mode == "" {
		mode = "merge"
	}
	if mode != "merge" && mode != "overwrite" {
		return nil, validationEnum("importDocumentationPartsInput.mode", mode, "[merge, overwrite]")
	}
	js, err := definitionJSON(req.Body)
	if err != nil {
		return nil, errParse("the body is not a JSON or YAML document")
	}
	var doc struct {
		Doc *struct {
			Parts []struct {
				Location   DocumentationPartLocation `json:"location"`
				Properties json.RawMessage           `json:"properties"`
			} `json:"documentationParts"`
		} `json:"x-amazon-apigateway-documentation"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		return nil, errParse("invalid x-amazon-apigateway-documentation")
	}
	ids := []string{}
	err = s.updateAPI(c, func(tx store.Tx, a *APIRecord) error {
		if mode == "overwrite" {
			a.DocParts = nil
		}
		if doc.Doc == nil {
			return nil
		}
		for _, in := range doc.Doc.Parts {
			props := string(in.Properties)
			// Properties arrive as an object in the document; a string
			// holding the object is accepted too.
			var str string
			if json.Unmarshal(in.Properties, &str) == nil {
				props = str
			}
			loc := in.Location
			if err := normalizeLocation(&loc); err != nil {
				return err
			}
			var existing *DocumentationPart
			for _, p := range a.DocParts {
				if p.Location == loc {
					existing = p
				}
			}
			if existing != nil {
				if err := validProperties(props); err != nil {
					return err
				}
				existing.Properties = props
				ids = append(ids, existing.ID)
				continue
			}
			p, err := addDocPart(a, loc, props)
			if err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Every part either imports or fails the call: there are no warnings.
	return &ImportDocumentationPartsOutput{ids}, nil
}

// ---- versions ----

func loadDocVersion(r store.Reader, apiID, v string) (*DocVersionRecord, error) {
	rec, err := r.Get(KindDocVersion, apiID+"/"+v)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDocVersion
	}
	if err != nil {
		return nil, err
	}
	var d DocVersionRecord
	return &d, json.Unmarshal(rec.Value, &d)
}

// createDocVersionBody is the JSON body of createDocVersion.
type createDocVersionBody struct {
	DocumentationVersion string `json:"documentationVersion"`
	StageName            string `json:"stageName"`
	Description          string `json:"description"`
}

func (s *Service) createDocVersion(c *call, req *jsonIn[createDocVersionBody]) (*CreateDocumentationVersionOutput, error) {
	in := req.Body
	if !docVersionRE.MatchString(in.DocumentationVersion) {
		return nil, awserr.BadRequestException.New("Invalid documentation version specified")
	}
	out := DocumentationVersion{Version: in.DocumentationVersion, CreatedDate: s.now().Unix(), Description: in.Description}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		rec := DocVersionRecord{Version: out, Parts: a.DocParts}
		if err := createJSON(tx, KindDocVersion, a.API.ID+"/"+out.Version, rec); err != nil {
			if awserr.ConflictException.Is(err) {
				return awserr.ConflictException.New("Documentation version already exists")
			}
			return err
		}
		if in.StageName == "" {
			return nil
		}
		st, err := loadStage(tx, a.API.ID, in.StageName)
		if err != nil {
			return err
		}
		st.Stage.DocumentationVersion = out.Version
		return putJSON(tx, KindStage, a.API.ID+"/"+in.StageName, st)
	})
	if err != nil {
		return nil, err
	}
	return &CreateDocumentationVersionOutput{out}, nil
}

func (s *Service) getDocVersions(c *call, in *pageIn) (*GetDocumentationVersionsOutput, error) {
	var all []DocumentationVersion
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		recs, err := r.List(KindDocVersion, c.path.API+"/")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var d DocVersionRecord
			if err := json.Unmarshal(rec.Value, &d); err != nil {
				return err
			}
			all = append(all, d.Version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].CreatedDate < all[j].CreatedDate })
	items, pos, err := paging(in, all)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []DocumentationVersion{}
	}
	return &GetDocumentationVersionsOutput{listOut[DocumentationVersion]{Item: items, Position: pos}}, nil
}

func (s *Service) getDocVersion(c *call, _ *noIn) (*GetDocumentationVersionOutput, error) {
	var out DocumentationVersion
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		d, err := loadDocVersion(r, c.path.API, c.path.DocVersion)
		if err == nil {
			out = d.Version
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetDocumentationVersionOutput{out}, nil
}

func (s *Service) updateDocVersion(c *call, in *patchIn) (*UpdateDocumentationVersionOutput, error) {
	ops := in.Ops
	var err error
	var out DocumentationVersion
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		d, err := loadDocVersion(tx, c.path.API, c.path.DocVersion)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if op.Path != "/description" {
				return badPatch(op)
			}
			d.Version.Description = valueOrEmpty(op)
		}
		out = d.Version
		return putJSON(tx, KindDocVersion, c.path.API+"/"+c.path.DocVersion, d)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateDocumentationVersionOutput{out}, nil
}

func (s *Service) deleteDocVersion(c *call, _ *noIn) (*DeleteDocumentationVersionOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		if _, err := loadDocVersion(tx, c.path.API, c.path.DocVersion); err != nil {
			return err
		}
		return tx.Delete(KindDocVersion, c.path.API+"/"+c.path.DocVersion)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteDocumentationVersionOutput{}, nil
}
