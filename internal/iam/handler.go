package iam

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/awsproto"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/reqbody"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// iamRegion is the region of every IAM request (aws:RequestedRegion).
const iamRegion = "us-east-1"

// call is one IAM API request in progress.
type call struct {
	s      *Service
	ctx    context.Context
	r      *http.Request
	p      *authn.Principal
	snap   *Snapshot
	op     *pipeline.Operation
	action string
	region string // the credential scope's region: aws:RequestedRegion
	// opKeys are the condition keys the operation's input adds to the
	// authorization of iam:<action> (operationKeys).
	opKeys func(*policy.Context)
}

// operationIndex is the table by name, for the frame's dispatch.
var operationIndex = sync.OnceValue(operations.Index)

// Operations returns the names of the IAM operations gatehouse serves,
// sorted: the closed set of operation labels of the iam surface's metrics.
func Operations() []string { return Table().Names() }

// Handler returns the IAM Query API handler.
func (s *Service) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// BodyError renders a failure of authn.ReadRequest (or of reading a Query
// body anonymously) for the Query surfaces, IAM and STS.
func BodyError(err error) error {
	switch {
	case errors.Is(err, reqbody.ErrTooLarge):
		return awserr.ValidationError.New("Request body too large.")
	case reqbody.IsReadError(err):
		return awserr.InvalidParameterValue.New("The request body could not be read.").WithCause(err)
	}
	return authn.QueryError(err)
}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { awsproto.WriteQueryError(w, r, awsproto.IAMNamespace, err) }
	// The head is authenticated before the body is read (issue #12 item 8).
	p, _, b, err := s.auth.ReadRequest(w, r, "iam", awsproto.MaxQueryBody)
	if err != nil {
		fail(BodyError(err))
		return
	}
	defer b.Release()
	params, err := awsproto.ParseQuery(r, b.Bytes())
	if err != nil {
		fail(err)
		return
	}
	action := params.Get("Action")
	h := operationIndex()[action]
	if h != nil {
		// Only a known operation names the request in logs and metrics:
		// Action is client input, and every distinct metric label is held
		// for the life of the process.
		awsproto.SetOperation(r.Context(), action)
	}
	awsproto.MetaFrom(r.Context()).Principal = p.ARN
	if p.Session != nil && p.Session.FromSessionToken && !p.Session.MFA {
		// GetSessionToken credentials without MFA cannot call IAM.
		fail(awserr.InvalidClientTokenID.New(""))
		return
	}
	if action == "" {
		fail(awserr.MissingAction.New(""))
		return
	}
	if h == nil {
		fail(awserr.InvalidAction.Errorf("Could not find operation %s for version %s", action, params.Get("Version")))
		return
	}
	if p.Kind == authn.FederatedUser {
		// GetFederationToken credentials cannot call IAM at all (AWS's
		// GetFederationToken reference). Checked after the operation is
		// known, so that the message names only a real operation, never
		// client input.
		fail(awserr.AccessDenied.Errorf("Cannot call %s with session credentials", action))
		return
	}
	// IAM is a global service: AWS documents that every IAM request is made
	// to us-east-1, so aws:RequestedRegion is us-east-1 whatever region a
	// client signed with (doc/spec/iam-api.md; test/condkeys).
	c := &call{s: s, ctx: r.Context(), r: r, p: p, snap: s.view.Load(), op: &h.Operation, action: action, region: iamRegion}
	res, err := c.serve(h, params)
	if err != nil {
		var e *awserr.Error
		if !errors.As(err, &e) {
			s.log.Error("iam operation failed", "operation", action, "err", err)
		}
		fail(err)
		return
	}
	if _, none := res.(*noOutput); none {
		res = nil
	}
	awsproto.WriteQuery(w, r, awsproto.IAMNamespace, action, res)
}

// serve runs c's operation h on the request's parameters: decode the
// input (which gives the operation's input keys), run the handler.
func (c *call) serve(h *pipeline.Handler[*call], params url.Values) (any, error) {
	v := &pipeline.Invocation{Request: c.r, Op: &h.Operation, Caller: c.p, Region: c.region, Surface: &c.s.surface,
		Decode: func(in any) error {
			// An error is a table declaration bug: logged, InternalFailure.
			if err := awsproto.DecodeQuery(params, in); err != nil {
				return err
			}
			c.opKeys = inputKeys(in)
			return nil
		}}
	return h.Serve(v, c)
}

// authorize checks iam:<action> (or the given action) on resource in the
// caller's account through the shared pipeline (the request's global
// condition keys, then fill's action-specific ones).
func (c *call) authorize(action, resource string, fill func(*policy.Context)) error {
	if c.opKeys != nil && action == "iam:"+c.action {
		op, own := c.opKeys, fill
		fill = func(pc *policy.Context) {
			op(pc)
			if own != nil {
				own(pc)
			}
		}
	}
	fill = resourceTags(c.snap.entityTags(resource), fill)
	_, err := c.s.surface.Authorize(&pipeline.Call{Request: c.r, Region: c.region, Caller: c.p,
		AuthzRequest: AuthzRequest{Action: action, Resource: resource}, Keys: fill, Op: c.op})
	return err
}

// inputKeys returns the condition keys an operation's input adds to the
// authorization of iam:<operation>, the same for every IAM operation of a
// kind: the input of Tag* and of the Create*/Upload* operations whose AWS
// input has Tags carries them (requestTagsIn), which add
// aws:RequestTag/<key> and aws:TagKeys; the input of Untag* carries
// TagKeys (untagIn), which add aws:TagKeys.
// Invalid tags add nothing: the operation refuses them itself.
func inputKeys(in any) func(*policy.Context) {
	if k, ok := in.(interface{ requestKeys() func(*policy.Context) }); ok {
		return k.requestKeys()
	}
	return nil
}

// requestTagsIn is the Tags member of the inputs AWS gives one (botocore
// iam-2010-05-08: Tag*, CreateInstanceProfile, CreateOpenIDConnectProvider,
// CreatePolicy, CreateRole, CreateSAMLProvider, CreateUser,
// CreateVirtualMFADevice, UploadServerCertificate). Other Create* inputs
// do not read Tags: those operations store none, and a Tags parameter
// sent to them must not satisfy a condition on aws:TagKeys or
// aws:RequestTag (e.g. a policy that requires tags on creation), as it
// cannot in AWS, where the key is absent.
type requestTagsIn struct {
	Tags []map[string]string
}

func (in *requestTagsIn) requestKeys() func(*policy.Context) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil
	}
	return tagContext(tags)
}

// untagIn is the TagKeys member of the Untag* inputs.
type untagIn struct {
	TagKeys []string
}

func (in *untagIn) requestKeys() func(*policy.Context) {
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil || len(keys) == 0 {
		return nil
	}
	return func(pc *policy.Context) { pipeline.TagKeys(pc, keys) }
}

// allow is authorize for iam:<current operation>.
func (c *call) allow(resource string, fill func(*policy.Context)) error {
	return c.authorize("iam:"+c.action, resource, fill)
}

func (c *call) account() string { return c.p.AccountID }

// update runs fn in a store transaction.
func (c *call) update(fn func(tx store.Tx) error) error {
	_, err := c.s.store.Update(c.ctx, fn)
	return err
}

func getJSON[T any](r store.Reader, kind, key string) (*T, error) {
	rec, err := r.Get(kind, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(rec.Value, v); err != nil {
		return nil, err
	}
	return v, nil
}

func putJSON(tx store.Tx, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(kind, key, b)
}

func createJSON(tx store.Tx, kind, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Create(kind, key, b)
}

// isoTime formats t as IAM does.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// members is a Query list: <member>…</member>*.
type members[T any] struct {
	Member []T `xml:"member"`
}

func list[T any](v []T) *members[T] { return &members[T]{Member: v} }

type xmlTag struct {
	Key   string
	Value string
}

func xmlTags(tags []authn.Tag) *members[xmlTag] {
	if len(tags) == 0 {
		return nil
	}
	out := make([]xmlTag, len(tags))
	for i, t := range tags {
		out[i] = xmlTag{Key: t.Key, Value: t.Value}
	}
	return list(out)
}

// page applies Marker/MaxItems to items already sorted by key.
// listInPath serves the List{Users,Roles,...} pattern: it authorizes the
// listing on arn:aws:iam::ACCOUNT:KIND/PATHPREFIX, then returns one page of
// the account's entities under the request's PathPrefix, sorted by name
// case-insensitively as IAM lists them. ident gives an entity's account,
// path and name.
func listInPath[E any](c *call, pathPrefix, marker, maxItems string, kind string, all iter.Seq2[string, *E], ident func(*E) (account, path, name string)) ([]*E, string, bool, error) {
	prefix, res, err := listResource(c, pathPrefix, kind)
	if err != nil {
		return nil, "", false, err
	}
	if err := c.allow(res, nil); err != nil {
		return nil, "", false, err
	}
	l := sortedOf(c.snap, kind, c.account(), all, func(e *E) (string, string) { a, _, n := ident(e); return a, n })
	return pageSorted(marker, maxItems, l, func(e *E) bool { _, path, _ := ident(e); return strings.HasPrefix(path, prefix) })
}

func page[T any](marker, maxItems string, items []T, key func(T) string) ([]T, string, bool, error) {
	max, after, err := pageParams(marker, maxItems)
	if err != nil {
		return nil, "", false, err
	}
	start := 0
	if marker != "" {
		start = sort.Search(len(items), func(i int) bool { return key(items[i]) > after })
	}
	end := start + max
	if end >= len(items) {
		return items[start:], "", false, nil
	}
	return items[start:end], encodeMarker(key(items[end-1])), true, nil
}

func encodeMarker(after string) string {
	return "gh1." + strings.TrimRight(base64URL(after), "=")
}

func decodeMarker(m string) (string, bool) {
	s, ok := strings.CutPrefix(m, "gh1.")
	if !ok {
		return "", false
	}
	return unbase64URL(s)
}

// noOutput is the output of an operation that answers with no Result
// element (DeleteUser): the frame renders it as AWS does, without one.
type noOutput struct{}

// done is the answer of an operation without output: err, or none.
func done(err error) (*noOutput, error) {
	if err != nil {
		return nil, err
	}
	return &noOutput{}, nil
}

// str is the value of an optional string input ("" when absent).
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
