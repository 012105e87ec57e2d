package lambda

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// isVersionNumber reports whether q names a published version: Lambda's
// Version pattern is (\$LATEST|[0-9]+), and an alias name may not be all
// digits ((?!^[0-9]+$)([a-zA-Z0-9-_]+)), so digits always mean a version.
func isVersionNumber(q string) bool {
	if q == "" {
		return false
	}
	for i := 0; i < len(q); i++ {
		if q[i] < '0' || q[i] > '9' {
			return false
		}
	}
	return true
}

// page is a list operation's Marker/MaxItems: MaxItems is an integer of 1
// to 10000 (the model's MaxListItems) and Lambda returns at most 50 items
// a page whatever is asked; Marker is the opaque NextMarker of the
// previous page (here the last item's key, base64url-encoded).
type page struct {
	max   int
	after string // the last key of the previous page; "" for the first
	set   bool   // a Marker was given
}

func parsePage(in pageInput) (page, error) {
	p := page{max: 50}
	if vs := in.MaxItems; vs != nil {
		v := vs[0]
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return p, awserr.InvalidParameterValueException.Errorf("Invalid value for MaxItems: %s", v)
		case n > 10000:
			return p, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000", v)
		case n < 1:
			return p, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", v)
		}
		p.max = min(n, 50)
	}
	if m := in.Marker; m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil || len(b) == 0 {
			return p, awserr.InvalidParameterValueException.New("Invalid marker")
		}
		p.after, p.set = string(b), true
	}
	return p, nil
}

func marker(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// listVersions serves ListVersionsByFunction: $LATEST, then the published
// versions in ascending order, each with its qualified ARN.
func (s *Service) listVersions(q *request, in *listVersionsInput) (*ListVersionsByFunctionOutput, error) {
	raw := in.FunctionName
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	_, e, err := s.findLatest(q, raw, "lambda:ListVersionsByFunction")
	if err != nil {
		return nil, err
	}
	all := append([]*function{e.fn}, e.fn.Versions...)
	start := 0
	if pg.set {
		start = -1
		for k, f := range all {
			if orDefault(f.Version, "$LATEST") == pg.after {
				start = k + 1
			}
		}
		if start < 0 {
			return nil, awserr.InvalidParameterValueException.New("Invalid marker")
		}
	}
	items := []*configuration{}
	var out ListVersionsByFunctionOutput
	for k := start; k < len(all); k++ {
		if len(items) == pg.max {
			out.NextMarker = marker(orDefault(all[k-1].Version, "$LATEST"))
			break
		}
		c := all[k].configuration(viewList)
		if all[k].Version == "" {
			c.FunctionArn = e.fn.latestARN() // versions are listed qualified
		}
		items = append(items, c)
	}
	out.Versions = items
	return &out, nil
}

type publishInput struct {
	CodeSha256  *string `json:"CodeSha256"`
	Description *string `json:"Description"`
	RevisionId  string  `json:"RevisionId"`
}

// publishVersion serves PublishVersion: $LATEST's configuration and code
// become an immutable numbered version. Unchanged since the last publish,
// $LATEST is not published again: the answer is that version (AWS:
// "Lambda doesn't publish a version if the function's configuration and
// code haven't changed since the last version").
func (s *Service) publishVersion(q *request, in *publishVersionInput) (*PublishVersionOutput, error) {
	raw := in.FunctionName
	if in.Description != nil && len(*in.Description) > 256 {
		return nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256", *in.Description)
	}
	res, _, err := s.findLatest(q, raw, "lambda:PublishVersion")
	if err != nil {
		return nil, err
	}
	var out *function
	_, err = s.modify(q.r.Context(), res, in.RevisionId, func(f *function) error {
		if in.CodeSha256 != nil && *in.CodeSha256 != "" && *in.CodeSha256 != f.CodeSha256 {
			return awserr.InvalidParameterValueException.Errorf("CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please try again with the CodeSHA256 in $LATEST.", *in.CodeSha256, f.CodeSha256)
		}
		if n := len(f.Versions); n > 0 && f.Versions[n-1].Version == strconv.Itoa(f.LastVersion) && f.Versions[n-1].sameCode(f) {
			out = f.Versions[n-1]
			return errUnchanged
		}
		out = f.publish(in.Description, time.Now())
		return nil
	})
	if err != nil && !isUnchanged(err) {
		return nil, err
	}
	return (*PublishVersionOutput)(out.configuration(viewRead)), nil
}

// errUnchanged ends a modify that changes nothing.
var errUnchanged = errors.New("unchanged")

func isUnchanged(err error) bool { return errors.Is(err, errUnchanged) }

// deleteVersion serves DeleteFunction with a version Qualifier. A version
// an alias points to (as its version or its additional one) stays.
func (s *Service) deleteVersion(q *request, res resolved) error {
	var gone *function
	_, err := s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		var refs []string
		for _, a := range f.Aliases {
			if _, ok := a.Weights[res.qualifier]; ok || a.FunctionVersion == res.qualifier {
				refs = append(refs, a.Name)
			}
		}
		if len(refs) > 0 {
			return awserr.ResourceConflictException.Errorf("Unable to delete version because the following aliases reference it: [%s]", strings.Join(refs, ", "))
		}
		for k, v := range f.Versions {
			if v.Version == res.qualifier {
				gone = v
				f.Versions = append(f.Versions[:k:k], f.Versions[k+1:]...)
				return nil
			}
		}
		return awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
	})
	if err != nil {
		return err
	}
	s.mgr.Stop(gone.poolKey())
	return nil
}

// listVersionsInput is the input of listVersions.
type listVersionsInput struct {
	pageInput
	fnInput
}

// publishVersionInput is the input of publishVersion.
type publishVersionInput struct {
	fnInput
	publishInput
}
