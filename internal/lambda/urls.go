package lambda

import (
	"crypto/rand"
	"regexp"
	"sort"
	"strconv"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// Function URL configurations: CreateFunctionUrlConfig,
// GetFunctionUrlConfig, UpdateFunctionUrlConfig, DeleteFunctionUrlConfig,
// ListFunctionUrlConfigs (API version 2021-10-31). A function has at
// most one URL for itself and one per alias; each lives in the
// function's record, so deleting the function or the alias deletes it.
// The data plane that serves the URLs is urlserve.go.

// urlConfig is a stored function URL. Cors uses the API's member names,
// so it is stored, read and answered as one shape.
type urlConfig struct {
	Qualifier  string      `json:"qualifier,omitempty"` // an alias, or "" for the function
	ID         string      `json:"id"`                  // the URL's host label
	AuthType   string      `json:"authType"`
	Cors       *corsConfig `json:"cors,omitempty"`
	InvokeMode string      `json:"invokeMode"`
	Created    string      `json:"created"`
	Modified   string      `json:"modified"`
}

// corsConfig is the Cors shape.
type corsConfig struct {
	AllowCredentials *bool    `json:"AllowCredentials,omitempty"`
	AllowHeaders     []string `json:"AllowHeaders,omitempty"`
	AllowMethods     []string `json:"AllowMethods,omitempty"`
	AllowOrigins     []string `json:"AllowOrigins,omitempty"`
	ExposeHeaders    []string `json:"ExposeHeaders,omitempty"`
	MaxAge           *int     `json:"MaxAge,omitempty"`
}

type urlInput struct {
	AuthType   *string     `json:"AuthType"`
	Cors       *corsConfig `json:"Cors"`
	InvokeMode *string     `json:"InvokeMode"`
}

// urlQualifierRE is FunctionUrlQualifier's pattern ((?!^\d+$)^[0-9a-zA-Z-_]+$)
// without the lookahead, which isVersionNumber checks: a URL is the
// function's or an alias's, never a version's.
var urlQualifierRE = regexp.MustCompile(`^[0-9a-zA-Z-_]{1,128}$`)

// urlIDAlphabet is the URL id's alphabet: AWS's ids are 32 characters of
// lowercase letters and digits (one DNS label).
const urlIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func newURLID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	for k := range b {
		b[k] = urlIDAlphabet[int(b[k])%len(urlIDAlphabet)]
	}
	return string(b)
}

// functionURL is the URL AWS gives a function URL. gatehouse serves it
// by its Host header, and at /_lambda_url/<id>/ for clients that cannot
// set one (doc/lambda.md).
func functionURL(id, region, domain string) string {
	return "https://" + id + ".lambda-url." + region + "." + domain + "/"
}

// urlOut is the answer of the Create/Get/Update operations and an item
// of ListFunctionUrlConfigs.
func (u *urlConfig) out(res resolved, withModified bool, domain string) *urlConfigOut {
	res.qualifier = u.Qualifier
	o := &urlConfigOut{FunctionUrl: functionURL(u.ID, res.region, domain), FunctionArn: res.arn(), AuthType: u.AuthType,
		CreationTime: u.Created, InvokeMode: u.InvokeMode, Cors: u.Cors}
	if withModified {
		o.LastModifiedTime = &u.Modified
	}
	return o
}

// urlConfigOut is the FunctionUrlConfig shape (Create's answer has no
// LastModifiedTime). Members in the order the answer has always had:
// sorted.
type urlConfigOut struct {
	AuthType         string      `json:"AuthType"`
	Cors             *corsConfig `json:"Cors,omitempty"`
	CreationTime     string      `json:"CreationTime"`
	FunctionArn      string      `json:"FunctionArn"`
	FunctionUrl      string      `json:"FunctionUrl"`
	InvokeMode       string      `json:"InvokeMode"`
	LastModifiedTime *string     `json:"LastModifiedTime,omitempty"`
}

// checkURLInput validates the members Create and Update share.
func checkURLInput(in *urlInput, create bool) error {
	var v validation
	if in.AuthType == nil && create {
		v.nullAt("authType")
	}
	if in.AuthType != nil && *in.AuthType != "NONE" && *in.AuthType != "AWS_IAM" {
		v.add(*in.AuthType, "authType", "Member must satisfy enum value set: [NONE, AWS_IAM]")
	}
	if in.InvokeMode != nil && *in.InvokeMode != "BUFFERED" && *in.InvokeMode != "RESPONSE_STREAM" {
		v.add(*in.InvokeMode, "invokeMode", "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")
	}
	if c := in.Cors; c != nil {
		list := func(vals []string, member string, maxN, maxLen, minLen int) {
			if len(vals) > maxN {
				v.add("["+joinComma(vals)+"]", "cors."+member, "Member must have length less than or equal to "+strconv.Itoa(maxN))
				return
			}
			for _, s := range vals {
				if len(s) > maxLen || len(s) < minLen {
					c := "Member must have length less than or equal to " + strconv.Itoa(maxLen)
					if len(s) < minLen {
						c = "Member must have length greater than or equal to " + strconv.Itoa(minLen)
					}
					v.add("["+joinComma(vals)+"]", "cors."+member, "Member must satisfy constraint: ["+c+"]")
					return
				}
			}
		}
		list(c.AllowHeaders, "allowHeaders", 100, 1024, 0)
		list(c.ExposeHeaders, "exposeHeaders", 100, 1024, 0)
		list(c.AllowMethods, "allowMethods", 6, 6, 0)
		list(c.AllowOrigins, "allowOrigins", 100, 253, 1)
		if c.MaxAge != nil && (*c.MaxAge < 0 || *c.MaxAge > 86400) {
			con := "Member must have value less than or equal to 86400"
			if *c.MaxAge < 0 {
				con = "Member must have value greater than or equal to 0"
			}
			v.add(strconv.Itoa(*c.MaxAge), "cors.maxAge", con)
		}
	}
	return v.err()
}

func joinComma(s []string) string {
	out := ""
	for k, x := range s {
		if k > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// resolveURL resolves the function (and Qualifier) a URL operation names
// and authorizes action on it, qualified by the alias when there is one.
// authType, when known, is the lambda:FunctionUrlAuthType condition key.
func (s *Service) resolveURL(q *request, raw, action, authType string) (resolved, *entry, error) {
	res, err := s.resolveName(q, raw, true)
	if err != nil {
		return res, nil, err
	}
	if res.qualifier != "" && (!urlQualifierRE.MatchString(res.qualifier) || isVersionNumber(res.qualifier)) {
		return res, nil, awserr.ValidationException.Errorf("1 validation error detected: Value '%s' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)", res.qualifier)
	}
	if authType != "" {
		q.addKeys(action, func(c *policy.Context) { c.Set("lambda:FunctionUrlAuthType", authType) })
	}
	if err := s.authorizeNamed(q, action, res, s.named(res)); err != nil {
		return res, nil, err
	}
	e, err := s.lookup(res)
	return res, e, err
}

// errNoURL is the answer for a function or alias without a URL.
func errNoURL() error {
	return awserr.ResourceNotFoundException.New("The resource you requested does not exist.")
}

func (f *function) url(qualifier string) *urlConfig {
	for _, u := range f.URLs {
		if u.Qualifier == qualifier {
			return u
		}
	}
	return nil
}

func (s *Service) createURL(q *request, in *createURLInput) (*CreateFunctionUrlConfigOutput, error) {
	raw := in.FunctionName
	if err := checkURLInput(&in.urlInput, true); err != nil {
		return nil, err
	}
	res, _, err := s.resolveURL(q, raw, "lambda:CreateFunctionUrlConfig", *in.AuthType)
	if err != nil {
		return nil, err
	}
	now := timestamp(s.now())
	u := &urlConfig{Qualifier: res.qualifier, ID: newURLID(), AuthType: *in.AuthType, Cors: in.Cors, InvokeMode: "BUFFERED", Created: now, Modified: now}
	if in.InvokeMode != nil {
		u.InvokeMode = *in.InvokeMode
	}
	_, err = s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		if res.qualifier != "" && f.alias(res.qualifier) == nil {
			return awserr.ResourceNotFoundException.New("Function not found: " + res.arn())
		}
		if f.url(res.qualifier) != nil {
			return awserr.ResourceConflictException.Errorf("Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function", res.arn())
		}
		f.URLs = append(f.URLs, u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*CreateFunctionUrlConfigOutput)(u.out(res, false, s.urlDomain())), nil
}

func (s *Service) getURL(q *request, in *getURLInput) (*GetFunctionUrlConfigOutput, error) {
	raw := in.FunctionName
	res, e, err := s.resolveURL(q, raw, "lambda:GetFunctionUrlConfig", "")
	if err != nil {
		return nil, err
	}
	u := e.base.fn.url(res.qualifier)
	if u == nil {
		return nil, errNoURL()
	}
	return (*GetFunctionUrlConfigOutput)(u.out(res, true, s.urlDomain())), nil
}

func (s *Service) updateURL(q *request, in *updateURLInput) (*UpdateFunctionUrlConfigOutput, error) {
	raw := in.FunctionName
	if err := checkURLInput(&in.urlInput, false); err != nil {
		return nil, err
	}
	authType := ""
	if in.AuthType != nil {
		authType = *in.AuthType
	}
	res, _, err := s.resolveURL(q, raw, "lambda:UpdateFunctionUrlConfig", authType)
	if err != nil {
		return nil, err
	}
	var out urlConfig
	_, err = s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		u := f.url(res.qualifier)
		if u == nil {
			return errNoURL()
		}
		if in.AuthType != nil {
			u.AuthType = *in.AuthType
		}
		if in.Cors != nil {
			u.Cors = in.Cors
			if isEmptyCors(in.Cors) {
				u.Cors = nil
			}
		}
		if in.InvokeMode != nil {
			u.InvokeMode = *in.InvokeMode
		}
		u.Modified = timestamp(s.now())
		out = *u
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*UpdateFunctionUrlConfigOutput)(out.out(res, true, s.urlDomain())), nil
}

func isEmptyCors(c *corsConfig) bool {
	return c.AllowCredentials == nil && c.MaxAge == nil && len(c.AllowHeaders)+len(c.AllowMethods)+len(c.AllowOrigins)+len(c.ExposeHeaders) == 0
}

func (s *Service) deleteURL(q *request, in *deleteURLInput) (*DeleteFunctionUrlConfigOutput, error) {
	raw := in.FunctionName
	res, _, err := s.resolveURL(q, raw, "lambda:DeleteFunctionUrlConfig", "")
	if err != nil {
		return nil, err
	}
	_, err = s.modify(q.r.Context(), resolved{account: res.account, region: res.region, name: res.name}, "", func(f *function) error {
		for k, u := range f.URLs {
			if u.Qualifier == res.qualifier {
				f.URLs = append(f.URLs[:k:k], f.URLs[k+1:]...)
				return nil
			}
		}
		return errNoURL()
	})
	if err != nil {
		return nil, err
	}
	return &DeleteFunctionUrlConfigOutput{}, nil
}

func (s *Service) listURLs(q *request, in *listURLsInput) (*ListFunctionUrlConfigsOutput, error) {
	raw := in.FunctionName
	pg, err := parsePage(in.pageInput)
	if err != nil {
		return nil, err
	}
	res, e, err := s.findLatest(q, raw, "lambda:ListFunctionUrlConfigs")
	if err != nil {
		return nil, err
	}
	all := append([]*urlConfig(nil), e.fn.URLs...)
	sort.Slice(all, func(i, j int) bool { return all[i].Qualifier < all[j].Qualifier })
	items := []*urlConfigOut{}
	var out ListFunctionUrlConfigsOutput
	last := ""
	for _, u := range all {
		key := "q:" + u.Qualifier // never empty, so a marker always decodes
		if pg.set && key <= pg.after {
			continue
		}
		if len(items) == pg.max {
			out.NextMarker = marker(last)
			break
		}
		items = append(items, u.out(res, true, s.urlDomain()))
		last = key
	}
	out.FunctionUrlConfigs = items
	return &out, nil
}

// createURLInput is the input of createURL.
type createURLInput struct {
	fnInput
	urlInput
}

// getURLInput is the input of getURL.
type getURLInput struct {
	fnInput
}

// updateURLInput is the input of updateURL.
type updateURLInput struct {
	fnInput
	urlInput
}

// deleteURLInput is the input of deleteURL.
type deleteURLInput struct {
	fnInput
}

// listURLsInput is the input of listURLs.
type listURLsInput struct {
	pageInput
	fnInput
}
