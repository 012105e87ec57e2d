package lambda

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Layers (store kind "lambda/layer", one record per layer with its
// versions, key account/region/name). A version's zip is kept in the code
// store like a function's; a function names up to five layer versions,
// which are extracted in order into one directory mounted read-only at
// /opt of its sandbox, a later layer's files replacing an earlier one's,
// as AWS does. A function keeps its layers' content after the layer
// version is deleted, as on AWS.

const kindLayer = "lambda/layer"

type layerRec struct {
	Account     string          `json:"account"`
	Region      string          `json:"region"`
	Name        string          `json:"name"`
	LastVersion int64           `json:"lastVersion"`
	Versions    []*layerVersion `json:"versions"`
}

type layerVersion struct {
	Version                 int64             `json:"version"`
	Description             string            `json:"description"`
	CreatedDate             string            `json:"createdDate"`
	LicenseInfo             string            `json:"licenseInfo,omitempty"`
	CompatibleRuntimes      []string          `json:"compatibleRuntimes,omitempty"`
	CompatibleArchitectures []string          `json:"compatibleArchitectures,omitempty"`
	CodeSha256              string            `json:"codeSha256"`
	CodeSize                int64             `json:"codeSize"`
	Zip                     string            `json:"zip"`
	Policy                  []json.RawMessage `json:"policy,omitempty"`
	RevisionID              string            `json:"revisionId"`
}

// fnLayer is a layer version a function uses: its ARN, size and the
// stored zip, copied when the function is configured.
type fnLayer struct {
	Arn      string `json:"arn"`
	CodeSize int64  `json:"codeSize"`
	Zip      string `json:"zip"`
}

var (
	layerNameRE     = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,140}$`)
	layerARNNameRE  = regexp.MustCompile(`^arn:aws:lambda:([a-z]{2}(-gov)?-[a-z]+-\d):(\d{12}):layer:([a-zA-Z0-9-_]+)$`)
	layerVersionRE  = regexp.MustCompile(`^arn:aws:lambda:([a-z]{2}(-gov)?-[a-z]+-\d):(\d{12}):layer:([a-zA-Z0-9-_]+):([0-9]+)$`)
	layerVersionPat = `arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+`
)

// layerRef is a layer (version) named in a request.
type layerRef struct {
	account, region, name string
	version               int64 // 0 when none
}

func (r layerRef) key() string { return r.account + "/" + r.region + "/" + r.name }
func (r layerRef) arn() string { return arn.Layer(r.region, r.account, r.name) }
func (r layerRef) versionARN() string {
	return arn.LayerVersion(r.region, r.account, r.name, r.version)
}

// parseLayerName reads a LayerName path parameter: a name (the caller's
// account and region) or a layer ARN.
func parseLayerName(q *request, raw string) (layerRef, error) {
	ref := layerRef{account: q.caller.AccountID, region: q.region, name: raw}
	if m := layerARNNameRE.FindStringSubmatch(raw); m != nil {
		ref.region, ref.account, ref.name = m[1], m[3], m[4]
		if ref.region != q.region {
			return ref, awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
		}
		return ref, nil
	}
	if len(raw) > 140 || !layerNameRE.MatchString(raw) {
		return ref, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+", raw)
	}
	return ref, nil
}

func parseLayerVersion(q *request, rawName, rawVersion string) (layerRef, error) {
	ref, err := parseLayerName(q, rawName)
	if err != nil {
		return ref, err
	}
	n, perr := strconv.ParseInt(rawVersion, 10, 64)
	if perr != nil || n < 1 {
		return ref, awserr.InvalidParameterValueException.Errorf("Invalid value for VersionNumber: %s", rawVersion)
	}
	ref.version = n
	return ref, nil
}

func errNoLayerVersion() error {
	return awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
}

func (s *Service) loadLayer(ctx context.Context, ref layerRef) (*layerRec, error) {
	rec, err := s.store.Get(ctx, kindLayer, ref.key())
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var l layerRec
	if err := json.Unmarshal(rec.Value, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

func (l *layerRec) version(n int64) *layerVersion {
	for _, v := range l.Versions {
		if v.Version == n {
			return v
		}
	}
	return nil
}

// layerPolicy parses a layer version's policy (nil when none; one that
// does not parse allows nothing).
func layerPolicy(v *layerVersion) *policy.Policy {
	if v == nil {
		return nil
	}
	return parsePolicy(v.Policy)
}

// authorizeLayer decides action on a layer (version) ARN with the layer
// version's policy, which is what lets other accounts use it.
func (s *Service) authorizeLayer(q *request, action, resource string, ref layerRef, v *layerVersion) error {
	req := pipeline.AuthzRequest{Action: action, Resource: resource, ResourceAccount: ref.account}
	if p := layerPolicy(v); p != nil {
		req.ResourcePolicy, req.ResourcePolicyName = p, "layer version policy"
	}
	_, err := s.surface.Authorize(&pipeline.Call{Request: q.r, Region: q.region, Caller: q.caller, AuthzRequest: req, Op: q.op})
	return err
}

func (v *layerVersion) out(ref layerRef, content bool) *layerVersionOut {
	ref.version = v.Version
	o := &layerVersionOut{LayerVersionArn: ref.versionARN(), Version: v.Version, CreatedDate: v.CreatedDate,
		CompatibleRuntimes: v.CompatibleRuntimes, CompatibleArchitectures: v.CompatibleArchitectures, LicenseInfo: v.LicenseInfo}
	// A list item (LayerVersionsListItem) carries no Description when the
	// version has none: moto's aws_verified test_list_lambda_layers records
	// AWS's ListLayerVersions items as Version, LayerVersionArn,
	// CompatibleRuntimes, LicenseInfo (and CreatedDate) only.
	if content || v.Description != "" {
		o.Description = &v.Description
	}
	if content {
		o.LayerArn = ref.arn()
		o.Content = &layerContentOut{CodeSha256: v.CodeSha256, CodeSize: v.CodeSize}
	}
	return o
}

// layerVersionOut is the GetLayerVersion / PublishLayerVersion answer, and
// without content (Content, LayerArn) a LayerVersionsListItem. Members in
// the order the answer has always had: sorted; the empty lists and
// license are left out.
type layerVersionOut struct {
	CompatibleArchitectures []string         `json:"CompatibleArchitectures,omitempty"`
	CompatibleRuntimes      []string         `json:"CompatibleRuntimes,omitempty"`
	Content                 *layerContentOut `json:"Content,omitempty"`
	CreatedDate             string           `json:"CreatedDate"`
	Description             *string          `json:"Description,omitempty"`
	LayerArn                string           `json:"LayerArn,omitempty"`
	LayerVersionArn         string           `json:"LayerVersionArn"`
	LicenseInfo             string           `json:"LicenseInfo,omitempty"`
	Version                 int64            `json:"Version"`
}

// layerContentOut is the LayerVersionContentOutput shape gatehouse fills.
type layerContentOut struct {
	CodeSha256 string `json:"CodeSha256"`
	CodeSize   int64  `json:"CodeSize"`
}

type publishLayerBody struct {
	Description             *string    `json:"Description"`
	Content                 *codeInput `json:"Content"`
	CompatibleRuntimes      []string   `json:"CompatibleRuntimes"`
	LicenseInfo             *string    `json:"LicenseInfo"`
	CompatibleArchitectures []string   `json:"CompatibleArchitectures"`
}

func (s *Service) publishLayer(q *request, in *publishLayerInput) (*PublishLayerVersionOutput, error) {
	rawName := in.LayerName
	ref, err := parseLayerName(q, rawName)
	if err != nil {
		return nil, err
	}
	var v validation
	if in.Content == nil {
		v.nullAt("content")
	}
	if in.Description != nil && len(*in.Description) > 256 {
		v.add(*in.Description, "description", "Member must have length less than or equal to 256")
	}
	if in.LicenseInfo != nil && len(*in.LicenseInfo) > 512 {
		v.add(*in.LicenseInfo, "licenseInfo", "Member must have length less than or equal to 512")
	}
	if len(in.CompatibleRuntimes) > 15 {
		v.add("["+joinComma(in.CompatibleRuntimes)+"]", "compatibleRuntimes", "Member must have length less than or equal to 15")
	}
	if len(in.CompatibleArchitectures) > 2 {
		v.add("["+joinComma(in.CompatibleArchitectures)+"]", "compatibleArchitectures", "Member must have length less than or equal to 2")
	}
	for _, a := range in.CompatibleArchitectures {
		if a != "x86_64" && a != "arm64" {
			v.add("["+joinComma(in.CompatibleArchitectures)+"]", "compatibleArchitectures", "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]")
			break
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if ref.account != q.caller.AccountID {
		// A layer is published in the caller's own account.
		return nil, awserr.LambdaAccessDeniedException.Errorf("User: %s is not authorized to perform: lambda:PublishLayerVersion on resource: %s", q.caller.ARN, ref.arn())
	}
	if err := s.authorizeLayer(q, "lambda:PublishLayerVersion", ref.arn(), ref, nil); err != nil {
		return nil, err
	}
	var ci *codeInfo
	switch c := in.Content; {
	case len(c.ZipFile) > 0:
		if ci, err = s.storeZip(c.ZipFile); err != nil {
			return nil, err
		}
	case c.S3Bucket != "" || c.S3Key != "":
		// The layer's zip read from gatehouse's S3 as the caller.
		b, err := s.readS3(q, c.S3Bucket, c.S3Key, c.S3ObjectVersion)
		if err != nil {
			return nil, err
		}
		if ci, err = s.storeZipMax(b, maxUnzipped); err != nil {
			return nil, err
		}
	default:
		return nil, awserr.InvalidParameterValueException.New("Please provide a source for publishing the layer.")
	}
	lv := &layerVersion{CreatedDate: timestamp(s.now()), CompatibleRuntimes: in.CompatibleRuntimes, CompatibleArchitectures: in.CompatibleArchitectures,
		CodeSha256: ci.sha256, CodeSize: ci.size, Zip: ci.zip, RevisionID: newRevision()}
	if in.Description != nil {
		lv.Description = *in.Description
	}
	if in.LicenseInfo != nil {
		lv.LicenseInfo = *in.LicenseInfo
	}
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error {
		l := &layerRec{Account: ref.account, Region: ref.region, Name: ref.name}
		rec, err := tx.Get(kindLayer, ref.key())
		switch {
		case err == nil:
			if err := json.Unmarshal(rec.Value, l); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		l.LastVersion++
		lv.Version = l.LastVersion
		l.Versions = append(l.Versions, lv)
		b, err := json.Marshal(l)
		if err != nil {
			return err
		}
		return tx.Put(kindLayer, ref.key(), b)
	})
	if err != nil {
		return nil, err
	}
	return (*PublishLayerVersionOutput)(lv.out(ref, true)), nil
}

// layerVersionFor loads and authorizes a layer version: 404 when absent.
func (s *Service) layerVersionFor(q *request, ref layerRef, action string) (*layerRec, *layerVersion, error) {
	l, err := s.loadLayer(q.r.Context(), ref)
	if err != nil {
		return nil, nil, err
	}
	var v *layerVersion
	if l != nil {
		v = l.version(ref.version)
	}
	if err := s.authorizeLayer(q, action, ref.versionARN(), ref, v); err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, nil, errNoLayerVersion()
	}
	return l, v, nil
}

func (s *Service) getLayerVersion(q *request, in *getLayerVersionInput) (*GetLayerVersionOutput, error) {
	rawName := in.LayerName
	rawVersion := in.VersionNumber
	ref, err := parseLayerVersion(q, rawName, rawVersion)
	if err != nil {
		return nil, err
	}
	_, v, err := s.layerVersionFor(q, ref, "lambda:GetLayerVersion")
	if err != nil {
		return nil, err
	}
	return (*GetLayerVersionOutput)(v.out(ref, true)), nil
}

// layerByArnInput is the input of GetLayerVersionByArn.
type layerByArnInput struct {
	Arn string `query:"Arn" json:"-"`
}

func (s *Service) getLayerVersionByArn(q *request, in *layerByArnInput) (*GetLayerVersionByArnOutput, error) {
	a := in.Arn
	m := layerVersionRE.FindStringSubmatch(a)
	if m == nil || len(a) > 140 {
		return nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", a, layerVersionPat)
	}
	out, err := s.getLayerVersion(q, &getLayerVersionInput{LayerName: arn.Layer(m[1], m[3], m[4]), VersionNumber: m[5]})
	if err != nil {
		return nil, err
	}
	return (*GetLayerVersionByArnOutput)(out), nil
}

func (s *Service) deleteLayerVersion(q *request, in *deleteLayerVersionInput) (*DeleteLayerVersionOutput, error) {
	rawName := in.LayerName
	rawVersion := in.VersionNumber
	ref, err := parseLayerVersion(q, rawName, rawVersion)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeLayer(q, "lambda:DeleteLayerVersion", ref.versionARN(), ref, nil); err != nil {
		return nil, err
	}
	// Deleting a version that does not exist succeeds (the model has no
	// ResourceNotFoundException for DeleteLayerVersion).
	_, err = s.store.Update(q.r.Context(), func(tx store.Tx) error {
		rec, err := tx.Get(kindLayer, ref.key())
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var l layerRec
		if err := json.Unmarshal(rec.Value, &l); err != nil {
			return err
		}
		for k, v := range l.Versions {
			if v.Version == ref.version {
				l.Versions = append(l.Versions[:k:k], l.Versions[k+1:]...)
				b, err := json.Marshal(&l)
				if err != nil {
					return err
				}
				return tx.Put(kindLayer, ref.key(), b)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &DeleteLayerVersionOutput{}, nil
}

// matches reports whether v fits ListLayers' filters.
func (v *layerVersion) matches(runtime, arch string) bool {
	ok := func(list []string, x string) bool {
		if x == "" {
			return true
		}
		for _, y := range list {
			if y == x {
				return true
			}
		}
		return false
	}
	return ok(v.CompatibleRuntimes, runtime) && ok(v.CompatibleArchitectures, arch)
}

// listLayersInput is the input of ListLayers and, with
// ListLayerVersions's LayerName, of ListLayerVersions.
type listLayersInput struct {
	pageInput
	CompatibleRuntime      string `query:"CompatibleRuntime" json:"-"`
	CompatibleArchitecture string `query:"CompatibleArchitecture" json:"-"`
}

func (s *Service) listLayers(q *request, in *listLayersInput) (*ListLayersOutput, error) {
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeLayer(q, "lambda:ListLayers", "*", layerRef{account: q.caller.AccountID}, nil); err != nil {
		return nil, err
	}
	recs, err := s.store.List(q.r.Context(), kindLayer, q.caller.AccountID+"/"+q.region+"/")
	if err != nil {
		return nil, err
	}
	items := []*layersListItem{}
	var out ListLayersOutput
	last := ""
	for _, rec := range recs {
		var l layerRec
		if json.Unmarshal(rec.Value, &l) != nil {
			continue
		}
		ref := layerRef{account: l.Account, region: l.Region, name: l.Name}
		var latest *layerVersion
		for _, v := range l.Versions {
			if v.matches(in.CompatibleRuntime, in.CompatibleArchitecture) && (latest == nil || v.Version > latest.Version) {
				latest = v
			}
		}
		if latest == nil || pg.set && l.Name <= pg.after {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(last)
			break
		}
		items = append(items, &layersListItem{LayerName: l.Name, LayerArn: ref.arn(), LatestMatchingVersion: latest.out(ref, false)})
		last = l.Name
	}
	out.Layers = items
	return &out, nil
}

func (s *Service) listLayerVersions(q *request, in *listLayerVersionsInput) (*ListLayerVersionsOutput, error) {
	rawName := in.LayerName
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	ref, err := parseLayerName(q, rawName)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeLayer(q, "lambda:ListLayerVersions", "*", ref, nil); err != nil {
		return nil, err
	}
	l, err := s.loadLayer(q.r.Context(), ref)
	if err != nil {
		return nil, err
	}
	items := []*layerVersionOut{}
	var out ListLayerVersionsOutput
	if l != nil {
		vs := append([]*layerVersion(nil), l.Versions...)
		sort.Slice(vs, func(i, j int) bool { return vs[i].Version > vs[j].Version }) // newest first
		last := ""
		for _, v := range vs {
			key := strconv.FormatInt(1<<40-v.Version, 10) // descending order as an ascending marker
			if !v.matches(in.CompatibleRuntime, in.CompatibleArchitecture) || pg.set && key <= pg.after {
				continue
			}
			if len(items) == pg.max {
				out.NextMarker = marker(last)
				break
			}
			items = append(items, v.out(ref, false))
			last = key
		}
	}
	out.LayerVersions = items
	return &out, nil
}

// --- layer version permissions ------------------------------------------------

var (
	layerPrincipalRE = regexp.MustCompile(`^(\d{12}|\*|arn:aws:iam::\d{12}:root)$`)
	orgIDRE          = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
)

// modifyLayerVersion changes one version of a stored layer.
func (s *Service) modifyLayerVersion(ctx context.Context, ref layerRef, fn func(v *layerVersion) error) error {
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		rec, err := tx.Get(kindLayer, ref.key())
		if errors.Is(err, store.ErrNotFound) {
			return errNoLayerVersion()
		}
		if err != nil {
			return err
		}
		var l layerRec
		if err := json.Unmarshal(rec.Value, &l); err != nil {
			return err
		}
		v := l.version(ref.version)
		if v == nil {
			return errNoLayerVersion()
		}
		if err := fn(v); err != nil {
			return err
		}
		v.RevisionID = newRevision()
		b, err := json.Marshal(&l)
		if err != nil {
			return err
		}
		return tx.Put(kindLayer, ref.key(), b)
	})
	return err
}

func errLayerRevision() error {
	return awserr.PreconditionFailedException.New("The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id")
}

func (s *Service) addLayerPermission(q *request, in *addLayerPermissionInput) (*AddLayerVersionPermissionOutput, error) {
	rawName := in.LayerName
	rawVersion := in.VersionNumber
	ref, err := parseLayerVersion(q, rawName, rawVersion)
	if err != nil {
		return nil, err
	}
	var v validation
	if in.StatementId == "" || len(in.StatementId) > 100 || !sidRE.MatchString(in.StatementId) {
		v.add(in.StatementId, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)")
	}
	if in.Action != "lambda:GetLayerVersion" {
		v.add(in.Action, "action", "Member must satisfy regular expression pattern: lambda:GetLayerVersion")
	}
	if !layerPrincipalRE.MatchString(in.Principal) {
		v.add(in.Principal, "principal", `Member must satisfy regular expression pattern: \d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root`)
	}
	if in.OrganizationId != "" && !orgIDRE.MatchString(in.OrganizationId) {
		v.add(in.OrganizationId, "organizationId", "Member must satisfy regular expression pattern: o-[a-z0-9]{10,32}")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.authorizeLayer(q, "lambda:AddLayerVersionPermission", ref.versionARN(), ref, nil); err != nil {
		return nil, err
	}
	var principal json.RawMessage
	switch {
	case in.Principal == "*":
		principal = json.RawMessage(`"*"`)
	case accountRE.MatchString(in.Principal):
		principal = compact(map[string]string{"AWS": arn.Root(in.Principal)})
	default:
		principal = compact(map[string]string{"AWS": in.Principal})
	}
	st := statement{Sid: in.StatementId, Effect: "Allow", Principal: principal, Action: in.Action, Resource: ref.versionARN()}
	if in.OrganizationId != "" {
		st.Condition = &condition{StringEquals: map[string]string{"aws:PrincipalOrgID": in.OrganizationId}}
	}
	stJSON := compact(st)
	revision := in.RevisionId
	var newRev string
	err = s.modifyLayerVersion(q.r.Context(), ref, func(lv *layerVersion) error {
		if revision != "" && revision != lv.RevisionID {
			return errLayerRevision()
		}
		for _, old := range lv.Policy {
			var o struct{ Sid string }
			_ = json.Unmarshal(old, &o)
			if o.Sid == in.StatementId {
				return awserr.ResourceConflictException.Errorf("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", in.StatementId)
			}
		}
		lv.Policy = append(lv.Policy, stJSON)
		if n := len(policyDocument(lv.Policy)); n > maxPolicy {
			return awserr.PolicyLengthExceededException.Errorf("The final policy size (%d) is bigger than the limit (%d).", n, maxPolicy)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if l, _ := s.loadLayer(q.r.Context(), ref); l != nil && l.version(ref.version) != nil {
		newRev = l.version(ref.version).RevisionID
	}
	return &AddLayerVersionPermissionOutput{RevisionId: newRev, Statement: string(stJSON)}, nil
}

func (s *Service) getLayerPolicy(q *request, in *getLayerPolicyInput) (*GetLayerVersionPolicyOutput, error) {
	rawName := in.LayerName
	rawVersion := in.VersionNumber
	ref, err := parseLayerVersion(q, rawName, rawVersion)
	if err != nil {
		return nil, err
	}
	_, v, err := s.layerVersionFor(q, ref, "lambda:GetLayerVersionPolicy")
	if err != nil {
		return nil, err
	}
	if len(v.Policy) == 0 {
		// As GetPolicy of a function without one: AWS answers "The
		// resource you requested does not exist." (AWS CLI output in the
		// EventBridge troubleshooting guide and after remove-permission;
		// moto's test_remove_layer_version_permission for a layer version
		// whose last statement was removed). RemoveLayerVersionPermission
		// keeps "No policy is associated…", as RemovePermission does.
		return nil, awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
	}
	return &GetLayerVersionPolicyOutput{Policy: string(policyDocument(v.Policy)), RevisionId: v.RevisionID}, nil
}

func (s *Service) removeLayerPermission(q *request, in *removeLayerPermissionInput) (*RemoveLayerVersionPermissionOutput, error) {
	rawName := in.LayerName
	rawVersion := in.VersionNumber
	sid := in.StatementId
	ref, err := parseLayerVersion(q, rawName, rawVersion)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeLayer(q, "lambda:RemoveLayerVersionPermission", ref.versionARN(), ref, nil); err != nil {
		return nil, err
	}
	revision := in.RevisionId
	err = s.modifyLayerVersion(q.r.Context(), ref, func(lv *layerVersion) error {
		if revision != "" && revision != lv.RevisionID {
			return errLayerRevision()
		}
		for k, old := range lv.Policy {
			var o struct{ Sid string }
			_ = json.Unmarshal(old, &o)
			if o.Sid == sid {
				lv.Policy = append(lv.Policy[:k:k], lv.Policy[k+1:]...)
				return nil
			}
		}
		return awserr.ResourceNotFoundException.Errorf("Statement %s is not found in resource policy.", sid)
	})
	if err != nil {
		return nil, err
	}
	return &RemoveLayerVersionPermissionOutput{}, nil
}

// --- functions' layers --------------------------------------------------------

// resolveLayers checks a function's Layers parameter: at most five layer
// version ARNs, one version per layer, each existing and usable by the
// caller (lambda:GetLayerVersion, with the layer version's policy for
// another account's layer).
func (s *Service) resolveLayers(q *request, arns []string) ([]*fnLayer, error) {
	var v validation
	if len(arns) > 5 {
		v.add("["+joinComma(arns)+"]", "layers", "Member must have length less than or equal to 5")
	}
	for _, a := range arns {
		if len(a) > 140 || !layerVersionRE.MatchString(a) {
			v.add("["+joinComma(arns)+"]", "layers", "Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: "+layerVersionPat+", Member must not be null]")
			break
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	out := make([]*fnLayer, 0, len(arns))
	seen := map[string]string{}
	for _, a := range arns {
		m := layerVersionRE.FindStringSubmatch(a)
		n, _ := strconv.ParseInt(m[5], 10, 64)
		ref := layerRef{region: m[1], account: m[3], name: m[4], version: n}
		if prev, ok := seen[ref.arn()]; ok {
			return nil, awserr.InvalidParameterValueException.Errorf("Two different versions of the same layer are not allowed to be referenced in the same function. %s and %s are versions of the same layer.", prev, a)
		}
		seen[ref.arn()] = a
		if ref.region != q.region {
			return nil, awserr.InvalidParameterValueException.Errorf("Layers are not supported in a different region than the function: %s", a)
		}
		l, err := s.loadLayer(q.r.Context(), ref)
		if err != nil {
			return nil, err
		}
		var lv *layerVersion
		if l != nil {
			lv = l.version(n)
		}
		if err := s.authorizeLayer(q, "lambda:GetLayerVersion", ref.versionARN(), ref, lv); err != nil {
			return nil, err
		}
		if lv == nil {
			return nil, awserr.InvalidParameterValueException.Errorf("Layer version %s does not exist.", a)
		}
		out = append(out, &fnLayer{Arn: a, CodeSize: lv.CodeSize, Zip: lv.Zip})
	}
	return out, nil
}

// optDir returns the host directory of layers merged in order (a later
// layer's file wins), content-addressed by the layers' zips, extracting
// it on first use; "" when there are no layers.
func (s *Service) optDir(layers []*fnLayer) (string, error) {
	if len(layers) == 0 {
		return "", nil
	}
	h := sha256.New()
	for _, l := range layers {
		h.Write([]byte(filepath.Base(l.Zip)))
		h.Write([]byte{0})
	}
	base := filepath.Join(s.dataDir, "lambda", "opt")
	dir := filepath.Join(base, hex.EncodeToString(h.Sum(nil)))
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, nil
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(base, "merge-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // the sandbox user reads /opt
		os.RemoveAll(tmp)
		return "", err
	}
	// extract keeps the first copy of a path, so the layers go in last
	// to first: the later layer's file is the one kept.
	for k := len(layers) - 1; k >= 0; k-- {
		zr, err := zip.OpenReader(layers[k].Zip)
		if err != nil {
			os.RemoveAll(tmp)
			return "", awserr.ServiceException.Errorf("The content of layer %s is missing from the data dir.", layers[k].Arn).WithCause(err)
		}
		err = extract(&zr.Reader, tmp)
		zr.Close()
		if err != nil {
			os.RemoveAll(tmp)
			return "", err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if st, serr := os.Stat(dir); serr == nil && st.IsDir() {
			return dir, nil // merged concurrently
		}
		return "", err
	}
	return dir, nil
}

// layerZipsInUse lists the stored zips of every layer version (for
// collectCode).
func (s *Service) layerZipsInUse(ctx context.Context) map[string]bool {
	used := map[string]bool{}
	recs, err := s.store.List(ctx, kindLayer, "")
	if err != nil {
		return nil // unknown: collectCode then keeps everything
	}
	for _, rec := range recs {
		var l layerRec
		if json.Unmarshal(rec.Value, &l) != nil {
			return nil
		}
		for _, v := range l.Versions {
			used[strings.TrimSuffix(filepath.Base(v.Zip), ".zip")] = true
		}
	}
	return used
}

// publishLayerInput is the input of publishLayer.
type publishLayerInput struct {
	LayerName string `uri:"LayerName" json:"-"`
	publishLayerBody
}

// getLayerVersionInput is the input of getLayerVersion.
type getLayerVersionInput struct {
	LayerName     string `uri:"LayerName" json:"-"`
	VersionNumber string `uri:"VersionNumber" json:"-"`
}

// deleteLayerVersionInput is the input of deleteLayerVersion.
type deleteLayerVersionInput struct {
	LayerName     string `uri:"LayerName" json:"-"`
	VersionNumber string `uri:"VersionNumber" json:"-"`
}

// listLayerVersionsInput is the input of listLayerVersions.
type listLayerVersionsInput struct {
	listLayersInput
	LayerName string `uri:"LayerName" json:"-"`
}

// addLayerPermissionInput is the input of addLayerPermission.
type addLayerPermissionInput struct {
	RevisionId     string `query:"RevisionId" json:"-"`
	LayerName      string `uri:"LayerName" json:"-"`
	VersionNumber  string `uri:"VersionNumber" json:"-"`
	StatementId    string `json:"StatementId"`
	Action         string `json:"Action"`
	Principal      string `json:"Principal"`
	OrganizationId string `json:"OrganizationId"`
}

// getLayerPolicyInput is the input of getLayerPolicy.
type getLayerPolicyInput struct {
	LayerName     string `uri:"LayerName" json:"-"`
	VersionNumber string `uri:"VersionNumber" json:"-"`
}

// removeLayerPermissionInput is the input of removeLayerPermission.
type removeLayerPermissionInput struct {
	RevisionId    string `query:"RevisionId" json:"-"`
	LayerName     string `uri:"LayerName" json:"-"`
	VersionNumber string `uri:"VersionNumber" json:"-"`
	StatementId   string `uri:"StatementId" json:"-"`
}

// layersListItem is the LayersListItem shape. Members in the order the
// answer has always had: sorted.
type layersListItem struct {
	LatestMatchingVersion *layerVersionOut `json:"LatestMatchingVersion"`
	LayerArn              string           `json:"LayerArn"`
	LayerName             string           `json:"LayerName"`
}
