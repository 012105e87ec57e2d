package apigw

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Record kinds of API keys ("{id}"), usage plans ("{id}") and usage plan
// keys ("{planId}/{keyId}"). They are regional resources of an account,
// like APIs, and are read live by the data plane.
const (
	KindAPIKey       = "apigw/apikey"
	KindUsagePlan    = "apigw/usageplan"
	KindUsagePlanKey = "apigw/usageplankey"
)

// APIKey is the wire shape of an API key.
type APIKey struct {
	ID              string            `json:"id"`
	Value           string            `json:"value,omitempty"`
	Name            string            `json:"name,omitempty"`
	CustomerID      string            `json:"customerId,omitempty"`
	Description     string            `json:"description,omitempty"`
	Enabled         bool              `json:"enabled"`
	CreatedDate     int64             `json:"createdDate"`
	LastUpdatedDate int64             `json:"lastUpdatedDate"`
	StageKeys       []string          `json:"stageKeys"`
	Tags            map[string]string `json:"tags,omitempty"`
}

// APIKeyRecord is a stored API key.
type APIKeyRecord struct {
	Key     APIKey `json:"key"`
	Account string `json:"account"`
	Region  string `json:"region"`
}

// ThrottleSettings is a rate (requests per second) and burst.
type ThrottleSettings struct {
	BurstLimit int     `json:"burstLimit"`
	RateLimit  float64 `json:"rateLimit"`
}

// QuotaSettings is a usage plan's request quota per period.
type QuotaSettings struct {
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Period string `json:"period"`
}

// APIStage is one API stage of a usage plan; Throttle is keyed
// "/resource/path/VERB".
type APIStage struct {
	APIID    string                      `json:"apiId"`
	Stage    string                      `json:"stage"`
	Throttle map[string]ThrottleSettings `json:"throttle,omitempty"`
}

// UsagePlan is the wire shape of a usage plan.
type UsagePlan struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	APIStages   []APIStage        `json:"apiStages"`
	Throttle    *ThrottleSettings `json:"throttle,omitempty"`
	Quota       *QuotaSettings    `json:"quota,omitempty"`
	ProductCode string            `json:"productCode,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// UsagePlanRecord is a stored usage plan.
type UsagePlanRecord struct {
	Plan    UsagePlan `json:"plan"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
}

// UsagePlanKeyRecord attaches an API key to a usage plan.
type UsagePlanKeyRecord struct {
	PlanID  string `json:"planId"`
	KeyID   string `json:"keyId"`
	Account string `json:"account"`
	Region  string `json:"region"`
}

// UsagePlanKey is the wire shape of a usage plan key.
type UsagePlanKey struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
	Name  string `json:"name,omitempty"`
}

// UsageCounter is the data plane's per-node request count, installed by
// internal/app: GetUsage reads it, UpdateUsage sets what remains.
type UsageCounter interface {
	// Usage returns the requests counted per UTC day ("2006-01-02") for a
	// key of a plan, and the quota remaining in the current period (-1
	// when the plan has no quota).
	Usage(planID, keyID string) (days map[string]int64, remaining int64)
	// SetRemaining sets the requests remaining in the current period.
	SetRemaining(planID, keyID string, remaining int64)
}

// SetUsageCounter installs the data plane's usage counter.
func (s *Service) SetUsageCounter(u UsageCounter) { s.ext().usage.Store(&u) }

var (
	errAPIKey    = awserr.NotFoundException.New("Invalid API Key identifier specified")
	errUsagePlan = awserr.NotFoundException.New("Invalid Usage Plan ID specified")
	apiKeyValRE  = regexp.MustCompile(`^[\x21-\x7e]{20,128}$`)
	stageKeyRE   = regexp.MustCompile(`^[a-z0-9]{1,32}/[A-Za-z0-9_\-]{1,128}$`)
)

// newKeyValue returns a 40-character random API key value, as AWS
// generates.
func newKeyValue() string {
	b := []byte(newID(40))
	for i := range b {
		if i%3 == 0 && b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A' // mixed case, from the same random bytes
		}
	}
	return string(b)
}

func regionalGet[T any](r store.Reader, c *call, kind, key string, notFound error, acct func(*T) (string, string)) (*T, error) {
	rec, err := r.Get(kind, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(rec.Value, &v); err != nil {
		return nil, err
	}
	if a, reg := acct(&v); a != c.caller.Account || reg != c.caller.Region {
		return nil, notFound
	}
	return &v, nil
}

func loadKey(r store.Reader, c *call, id string) (*APIKeyRecord, error) {
	return regionalGet(r, c, KindAPIKey, id, errAPIKey, func(k *APIKeyRecord) (string, string) { return k.Account, k.Region })
}

func loadPlan(r store.Reader, c *call, id string) (*UsagePlanRecord, error) {
	return regionalGet(r, c, KindUsagePlan, id, errUsagePlan, func(p *UsagePlanRecord) (string, string) { return p.Account, p.Region })
}

// listRegional lists the records of kind owned by the caller's account and
// region.
func listRegional[T any](r store.Reader, c *call, kind, prefix string, acct func(*T) (string, string)) ([]*T, error) {
	recs, err := r.List(kind, prefix)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, rec := range recs {
		var v T
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			return nil, err
		}
		if a, reg := acct(&v); a == c.caller.Account && reg == c.caller.Region {
			out = append(out, &v)
		}
	}
	return out, nil
}

func keyAcct(k *APIKeyRecord) (string, string)           { return k.Account, k.Region }
func planAcct(p *UsagePlanRecord) (string, string)       { return p.Account, p.Region }
func planKeyAcct(p *UsagePlanKeyRecord) (string, string) { return p.Account, p.Region }

type createAPIKeyIn struct {
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	Enabled            bool              `json:"enabled"`
	GenerateDistinctID bool              `json:"generateDistinctId"`
	Value              string            `json:"value"`
	StageKeys          []stageKeyIn      `json:"stageKeys"`
	CustomerID         string            `json:"customerId"`
	Tags               map[string]string `json:"tags"`
}

type stageKeyIn struct {
	RestAPIID string `json:"restApiId"`
	StageName string `json:"stageName"`
}

// createKey stores a new key; the value must be unique in the region (the
// data plane finds keys by value).
func (s *Service) createKey(tx store.Tx, c *call, k APIKey) error {
	if k.Value != "" && !apiKeyValRE.MatchString(k.Value) {
		return awserr.BadRequestException.New("API Key value should be at least 20 characters")
	}
	keys, err := listRegional(tx, c, KindAPIKey, "", keyAcct)
	if err != nil {
		return err
	}
	for _, o := range keys {
		if o.Key.Value == k.Value {
			return awserr.ConflictException.New("API Key already exists")
		}
	}
	return createJSON(tx, KindAPIKey, k.ID, APIKeyRecord{Key: k, Account: c.caller.Account, Region: c.caller.Region})
}

func (s *Service) createAPIKey(c *call, req *jsonIn[createAPIKeyIn]) (*CreateApiKeyOutput, error) {
	in := req.Body
	now := s.now().Unix()
	k := APIKey{ID: newID(10), Value: in.Value, Name: in.Name, CustomerID: in.CustomerID, Description: in.Description,
		Enabled: in.Enabled, CreatedDate: now, LastUpdatedDate: now, StageKeys: []string{}, Tags: in.Tags}
	if k.Value == "" {
		k.Value = newKeyValue()
	}
	if k.Name == "" {
		k.Name = k.ID
	}
	for _, sk := range in.StageKeys {
		v := sk.RestAPIID + "/" + sk.StageName
		if !stageKeyRE.MatchString(v) {
			return nil, awserr.BadRequestException.Errorf("Invalid stage key: %s", echo(v))
		}
		k.StageKeys = append(k.StageKeys, v)
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error { return s.createKey(tx, c, k) })
	if err != nil {
		return nil, err
	}
	return &CreateApiKeyOutput{k}, nil
}

// getAPIKeysIn is GetApiKeys' input.
type getAPIKeysIn struct {
	pageIn
	Name          string // ?name=
	CustomerID    string // ?customerId=
	IncludeValues string // ?includeValues=
}

func (in *getAPIKeysIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	_ = in.pageIn.decodeFrom(q, nil, b)
	in.Name = q.Get("name")
	in.CustomerID = q.Get("customerId")
	in.IncludeValues = q.Get("includeValues")
	return nil
}

func (s *Service) getAPIKeys(c *call, in *getAPIKeysIn) (*GetApiKeysOutput, error) {
	var keys []*APIKeyRecord
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		keys, err = listRegional(r, c, KindAPIKey, "", keyAcct)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []APIKey{}
	for _, k := range keys {
		if n := in.Name; n != "" && !strings.HasPrefix(k.Key.Name, n) {
			continue
		}
		if cid := in.CustomerID; cid != "" && k.Key.CustomerID != cid {
			continue
		}
		v := k.Key
		if in.IncludeValues != "true" {
			v.Value = ""
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	page, pos, err := paging(&in.pageIn, out)
	if err != nil {
		return nil, err
	}
	return &GetApiKeysOutput{listOut[APIKey]{Item: page, Position: pos}}, nil
}

// getAPIKeyIn is GetApiKey's input.
type getAPIKeyIn struct {
	IncludeValue string // ?includeValue=
}

func (in *getAPIKeyIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.IncludeValue = q.Get("includeValue")
	return nil
}

func (s *Service) getAPIKey(c *call, in *getAPIKeyIn) (*GetApiKeyOutput, error) {
	var k *APIKeyRecord
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		k, err = loadKey(r, c, c.path.APIKey)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := k.Key
	if in.IncludeValue != "true" {
		out.Value = ""
	}
	return &GetApiKeyOutput{out}, nil
}

func (s *Service) updateAPIKey(c *call, in *patchIn) (*UpdateApiKeyOutput, error) {
	ops := in.Ops
	var err error
	var out APIKey
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		k, err := loadKey(tx, c, c.path.APIKey)
		if err != nil {
			return err
		}
		for _, op := range ops {
			switch {
			case op.Path == "/name" && op.Op == "replace":
				k.Key.Name = op.Value
			case op.Path == "/description" && op.Op == "replace":
				k.Key.Description = op.Value
			case op.Path == "/customerId" && op.Op == "replace":
				k.Key.CustomerID = op.Value
			case op.Path == "/enabled" && op.Op == "replace":
				b, err := strconv.ParseBool(op.Value)
				if err != nil {
					return awserr.BadRequestException.Errorf("Invalid value for enabled: %s", echo(op.Value))
				}
				k.Key.Enabled = b
			case op.Path == "/stages" && op.Op == "add":
				if !stageKeyRE.MatchString(op.Value) {
					return awserr.BadRequestException.Errorf("Invalid stage key: %s", echo(op.Value))
				}
				k.Key.StageKeys = append(k.Key.StageKeys, op.Value)
			case op.Path == "/stages" && op.Op == "remove":
				kept := k.Key.StageKeys[:0]
				for _, sk := range k.Key.StageKeys {
					if sk != op.Value {
						kept = append(kept, sk)
					}
				}
				k.Key.StageKeys = kept
			default:
				return badPatch(op)
			}
		}
		k.Key.LastUpdatedDate = s.now().Unix()
		out = k.Key
		return putJSON(tx, KindAPIKey, k.Key.ID, k)
	})
	if err != nil {
		return nil, err
	}
	out.Value = ""
	return &UpdateApiKeyOutput{out}, nil
}

func (s *Service) deleteAPIKey(c *call, _ *noIn) (*DeleteApiKeyOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadKey(tx, c, c.path.APIKey); err != nil {
			return err
		}
		// The key leaves every usage plan with it.
		pks, err := listRegional(tx, c, KindUsagePlanKey, "", planKeyAcct)
		if err != nil {
			return err
		}
		for _, pk := range pks {
			if pk.KeyID == c.path.APIKey {
				if err := tx.Delete(KindUsagePlanKey, pk.PlanID+"/"+pk.KeyID); err != nil {
					return err
				}
			}
		}
		return tx.Delete(KindAPIKey, c.path.APIKey)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteApiKeyOutput{}, nil
}

// importAPIKeys reads AWS's API key CSV (a header row naming the columns
// Name, Key, Description, Enabled, UsagePlanIds, any order, Key required).
// importAPIKeysIn is ImportApiKeys' input: the CSV file and its query.
type importAPIKeysIn struct {
	Format         string // ?format=
	FailOnWarnings string // ?failonwarnings=
	Body           []byte // the API key file
}

func (in *importAPIKeysIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.Format, in.FailOnWarnings, in.Body = q.Get("format"), q.Get("failonwarnings"), b
	return nil
}

func (s *Service) importAPIKeys(c *call, in *importAPIKeysIn) (*ImportApiKeysOutput, error) {
	if f := in.Format; f != "csv" {
		return nil, awserr.BadRequestException.Errorf("Invalid format specified: %s. Only csv is supported", echo(f))
	}
	failOnWarnings := in.FailOnWarnings == "true"
	rd := csv.NewReader(strings.NewReader(string(in.Body)))
	rd.FieldsPerRecord = -1
	rd.TrimLeadingSpace = true
	header, err := rd.Read()
	if err != nil {
		return nil, awserr.BadRequestException.New("Invalid API key file: missing header row")
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["key"]; !ok {
		return nil, awserr.BadRequestException.New("Invalid API key file: the header row must contain a Key column")
	}
	get := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	var warnings []string
	type imported struct {
		k     APIKey
		plans []string
	}
	var keys []imported
	now := s.now().Unix()
	for line := 2; ; line++ {
		row, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, awserr.BadRequestException.Errorf("Invalid API key file: line %d: malformed CSV", line)
		}
		k := APIKey{ID: newID(10), Value: get(row, "key"), Name: get(row, "name"), Description: get(row, "description"),
			Enabled: true, CreatedDate: now, LastUpdatedDate: now, StageKeys: []string{}}
		if v := get(row, "enabled"); v != "" {
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				warnings = append(warnings, "line "+strconv.Itoa(line)+": invalid Enabled value")
				continue
			}
			k.Enabled = b
		}
		if !apiKeyValRE.MatchString(k.Value) {
			warnings = append(warnings, "line "+strconv.Itoa(line)+": API Key value should be at least 20 characters")
			continue
		}
		if k.Name == "" {
			k.Name = k.ID
		}
		var plans []string
		if v := get(row, "usageplanids"); v != "" {
			plans = strings.Split(v, ",")
		}
		keys = append(keys, imported{k, plans})
	}
	if failOnWarnings && len(warnings) > 0 {
		return nil, awserr.BadRequestException.New("Import failed: " + strings.Join(warnings, "; "))
	}
	ids := []string{}
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		for _, im := range keys {
			if err := s.createKey(tx, c, im.k); err != nil {
				return err
			}
			for _, p := range im.plans {
				if _, err := s.attachKey(tx, c, strings.TrimSpace(p), im.k.ID); err != nil {
					return err
				}
			}
			ids = append(ids, im.k.ID)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &ImportApiKeysOutput{IDs: ids, Warnings: warnings}, nil
}

// ---- usage plans ----

var validPeriods = map[string]bool{"DAY": true, "WEEK": true, "MONTH": true}

func validatePlan(p *UsagePlan) error {
	if strings.TrimSpace(p.Name) == "" {
		return awserr.BadRequestException.New("Usage plan name is required")
	}
	if t := p.Throttle; t != nil && (t.RateLimit < 0 || t.BurstLimit < 0) {
		return awserr.BadRequestException.New("Throttle rate and burst limits must be non-negative")
	}
	if q := p.Quota; q != nil {
		if !validPeriods[q.Period] {
			return awserr.BadRequestException.Errorf("Invalid quota period specified: %s. Valid options are DAY,WEEK,MONTH", echo(q.Period))
		}
		if q.Limit < 0 || q.Offset < 0 {
			return awserr.BadRequestException.New("Quota limit and offset must be non-negative")
		}
	}
	for _, st := range p.APIStages {
		for k, t := range st.Throttle {
			i := strings.LastIndexByte(k, '/')
			if !strings.HasPrefix(k, "/") || i <= 0 || !validVerbs[k[i+1:]] || t.RateLimit < 0 || t.BurstLimit < 0 {
				return awserr.BadRequestException.Errorf("Invalid method throttle key: %s. Expected /resource/path/METHOD", echo(k))
			}
		}
	}
	return nil
}

// checkStages verifies that every API stage of a plan exists in the
// caller's account and region.
func checkStages(r store.Reader, c *call, p *UsagePlan) error {
	for _, st := range p.APIStages {
		if _, err := loadAPI(r, c, st.APIID); err != nil {
			return awserr.BadRequestException.Errorf("Invalid API identifier specified %s:%s", c.caller.Account, echo(st.APIID))
		}
		rec, err := r.Get(KindStage, st.APIID+"/"+st.Stage)
		if errors.Is(err, store.ErrNotFound) {
			return awserr.BadRequestException.Errorf("Invalid stage identifier specified")
		}
		if err != nil {
			return err
		}
		_ = rec
	}
	return nil
}

func (s *Service) createUsagePlan(c *call, req *jsonIn[UsagePlan]) (*CreateUsagePlanOutput, error) {
	in := req.Body
	in.ID = newID(6)
	if in.APIStages == nil {
		in.APIStages = []APIStage{}
	}
	if err := validatePlan(&in); err != nil {
		return nil, err
	}
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if err := checkStages(tx, c, &in); err != nil {
			return err
		}
		return createJSON(tx, KindUsagePlan, in.ID, UsagePlanRecord{Plan: in, Account: c.caller.Account, Region: c.caller.Region})
	})
	if err != nil {
		return nil, err
	}
	return &CreateUsagePlanOutput{in}, nil
}

// getUsagePlansIn is GetUsagePlans' input.
type getUsagePlansIn struct {
	pageIn
	KeyID string // ?keyId=
}

func (in *getUsagePlansIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	_ = in.pageIn.decodeFrom(q, nil, b)
	in.KeyID = q.Get("keyId")
	return nil
}

func (s *Service) getUsagePlans(c *call, in *getUsagePlansIn) (*GetUsagePlansOutput, error) {
	keyID := in.KeyID
	var plans []*UsagePlanRecord
	member := map[string]bool{}
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		if plans, err = listRegional(r, c, KindUsagePlan, "", planAcct); err != nil {
			return err
		}
		if keyID != "" {
			pks, err := listRegional(r, c, KindUsagePlanKey, "", planKeyAcct)
			if err != nil {
				return err
			}
			for _, pk := range pks {
				if pk.KeyID == keyID {
					member[pk.PlanID] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := []UsagePlan{}
	for _, p := range plans {
		if keyID == "" || member[p.Plan.ID] {
			out = append(out, p.Plan)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	page, pos, err := paging(&in.pageIn, out)
	if err != nil {
		return nil, err
	}
	return &GetUsagePlansOutput{listOut[UsagePlan]{Item: page, Position: pos}}, nil
}

func (s *Service) getUsagePlan(c *call, _ *noIn) (*GetUsagePlanOutput, error) {
	var p *UsagePlanRecord
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		p, err = loadPlan(r, c, c.path.UsagePlan)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &GetUsagePlanOutput{p.Plan}, nil
}

// parseFloat and parseInt read patch values strictly.
func parseFloat(op PatchOp) (float64, error) {
	f, err := strconv.ParseFloat(op.Value, 64)
	if err != nil || f < 0 {
		return 0, awserr.BadRequestException.Errorf("Invalid value for %s: %s", op.Path, echo(op.Value))
	}
	return f, nil
}

func parseInt(op PatchOp) (int, error) {
	n, err := strconv.Atoi(op.Value)
	if err != nil || n < 0 {
		return 0, awserr.BadRequestException.Errorf("Invalid value for %s: %s", op.Path, echo(op.Value))
	}
	return n, nil
}

// patchPlan applies one UpdateUsagePlan operation.
func patchPlan(p *UsagePlan, op PatchOp) error {
	thr := func() *ThrottleSettings {
		if p.Throttle == nil {
			p.Throttle = &ThrottleSettings{}
		}
		return p.Throttle
	}
	quo := func() *QuotaSettings {
		if p.Quota == nil {
			p.Quota = &QuotaSettings{Period: "DAY"}
		}
		return p.Quota
	}
	var err error
	// AWS takes "add" like "replace" for the plan's scalar settings.
	set := op.Op == "replace" || op.Op == "add"
	switch {
	case (op.Path == "/productCode" || op.Path == "/description") && op.Op == "remove":
		if op.Path == "/productCode" {
			p.ProductCode = ""
		} else {
			p.Description = ""
		}
	case op.Path == "/name" && set:
		p.Name = op.Value
	case op.Path == "/description" && set:
		p.Description = op.Value
	case op.Path == "/productCode" && set:
		p.ProductCode = op.Value
	case op.Path == "/throttle" && op.Op == "remove":
		p.Throttle = nil
	case op.Path == "/quota" && op.Op == "remove":
		p.Quota = nil
	case op.Path == "/throttle/rateLimit" && set:
		thr().RateLimit, err = parseFloat(op)
	case op.Path == "/throttle/burstLimit" && set:
		thr().BurstLimit, err = parseInt(op)
	case op.Path == "/quota/limit" && set:
		quo().Limit, err = parseInt(op)
	case op.Path == "/quota/offset" && set:
		quo().Offset, err = parseInt(op)
	case op.Path == "/quota/period" && set:
		quo().Period = op.Value
	case op.Path == "/apiStages" && op.Op == "add":
		api, stage, ok := strings.Cut(op.Value, ":")
		if !ok {
			return awserr.BadRequestException.Errorf("Invalid API stage: %s. Expected apiId:stageName", echo(op.Value))
		}
		for _, st := range p.APIStages {
			if st.APIID == api && st.Stage == stage {
				return awserr.ConflictException.New("API stage already in the usage plan")
			}
		}
		p.APIStages = append(p.APIStages, APIStage{APIID: api, Stage: stage})
	case op.Path == "/apiStages" && op.Op == "remove":
		api, stage, _ := strings.Cut(op.Value, ":")
		kept := p.APIStages[:0]
		found := false
		for _, st := range p.APIStages {
			if st.APIID == api && st.Stage == stage {
				found = true
				continue
			}
			kept = append(kept, st)
		}
		if !found {
			return awserr.NotFoundException.New("Invalid API stage specified")
		}
		p.APIStages = kept
	case strings.HasPrefix(op.Path, "/apiStages/"):
		// /apiStages/{apiId:stage}/throttle[/{~1path~1VERB}[/rateLimit|/burstLimit]]
		rest := op.Path[len("/apiStages/"):]
		id, rest, _ := strings.Cut(rest, "/")
		api, stage, _ := strings.Cut(id, ":")
		var st *APIStage
		for i := range p.APIStages {
			if p.APIStages[i].APIID == api && p.APIStages[i].Stage == stage {
				st = &p.APIStages[i]
			}
		}
		if st == nil {
			return awserr.NotFoundException.New("Invalid API stage specified")
		}
		rest, ok := strings.CutPrefix(rest, "throttle")
		if !ok {
			return badPatch(op)
		}
		if rest == "" {
			if op.Op == "remove" {
				st.Throttle = nil
				return nil
			}
			return badPatch(op)
		}
		parts := strings.Split(strings.TrimPrefix(rest, "/"), "/")
		method := unescapePointer(parts[0])
		if st.Throttle == nil {
			st.Throttle = map[string]ThrottleSettings{}
		}
		switch {
		case len(parts) == 1 && op.Op == "remove":
			delete(st.Throttle, method)
		case len(parts) == 1 && (op.Op == "add" || op.Op == "replace"):
			// value is {"rateLimit":..,"burstLimit":..} on AWS's console path.
			var t ThrottleSettings
			if json.Unmarshal([]byte(op.Value), &t) != nil {
				return awserr.BadRequestException.Errorf("Invalid throttle value: %s", echo(op.Value))
			}
			st.Throttle[method] = t
		case len(parts) == 2 && op.Op == "replace" && parts[1] == "rateLimit":
			t := st.Throttle[method]
			t.RateLimit, err = parseFloat(op)
			st.Throttle[method] = t
		case len(parts) == 2 && op.Op == "replace" && parts[1] == "burstLimit":
			t := st.Throttle[method]
			t.BurstLimit, err = parseInt(op)
			st.Throttle[method] = t
		default:
			return badPatch(op)
		}
	default:
		return badPatch(op)
	}
	return err
}

func (s *Service) updateUsagePlan(c *call, in *patchIn) (*UpdateUsagePlanOutput, error) {
	ops := in.Ops
	var err error
	var out UsagePlan
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		p, err := loadPlan(tx, c, c.path.UsagePlan)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if err := patchPlan(&p.Plan, op); err != nil {
				return err
			}
		}
		if err := validatePlan(&p.Plan); err != nil {
			return err
		}
		if err := checkStages(tx, c, &p.Plan); err != nil {
			return err
		}
		out = p.Plan
		return putJSON(tx, KindUsagePlan, p.Plan.ID, p)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateUsagePlanOutput{out}, nil
}

func (s *Service) deleteUsagePlan(c *call, _ *noIn) (*DeleteUsagePlanOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadPlan(tx, c, c.path.UsagePlan); err != nil {
			return err
		}
		pks, err := tx.List(KindUsagePlanKey, c.path.UsagePlan+"/")
		if err != nil {
			return err
		}
		for _, pk := range pks {
			if err := tx.Delete(KindUsagePlanKey, pk.Key); err != nil {
				return err
			}
		}
		return tx.Delete(KindUsagePlan, c.path.UsagePlan)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteUsagePlanOutput{}, nil
}

// attachKey adds key keyID to plan planID, refusing a key that another of
// its plans already attaches to one of this plan's API stages (AWS: a key
// may reference one usage plan per API stage).
func (s *Service) attachKey(tx store.Tx, c *call, planID, keyID string) (UsagePlanKey, error) {
	p, err := loadPlan(tx, c, planID)
	if err != nil {
		return UsagePlanKey{}, err
	}
	k, err := loadKey(tx, c, keyID)
	if err != nil {
		return UsagePlanKey{}, err
	}
	pks, err := listRegional(tx, c, KindUsagePlanKey, "", planKeyAcct)
	if err != nil {
		return UsagePlanKey{}, err
	}
	mine := map[string]bool{}
	for _, st := range p.Plan.APIStages {
		mine[st.APIID+"/"+st.Stage] = true
	}
	for _, pk := range pks {
		if pk.KeyID != keyID || pk.PlanID == planID {
			continue
		}
		other, err := loadPlan(tx, c, pk.PlanID)
		if err != nil {
			continue
		}
		for _, st := range other.Plan.APIStages {
			if mine[st.APIID+"/"+st.Stage] {
				return UsagePlanKey{}, awserr.ConflictException.Errorf("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:%s", planID, keyID, st.APIID, st.Stage)
			}
		}
	}
	if err := createJSON(tx, KindUsagePlanKey, planID+"/"+keyID,
		UsagePlanKeyRecord{PlanID: planID, KeyID: keyID, Account: c.caller.Account, Region: c.caller.Region}); err != nil {
		return UsagePlanKey{}, err
	}
	return UsagePlanKey{ID: keyID, Type: "API_KEY", Value: k.Key.Value, Name: k.Key.Name}, nil
}

// createUsagePlanKeyBody is the JSON body of createUsagePlanKey.
type createUsagePlanKeyBody struct {
	KeyID   string `json:"keyId"`
	KeyType string `json:"keyType"`
}

func (s *Service) createUsagePlanKey(c *call, req *jsonIn[createUsagePlanKeyBody]) (*CreateUsagePlanKeyOutput, error) {
	in := req.Body
	if in.KeyType != "API_KEY" {
		return nil, awserr.BadRequestException.Errorf("Invalid key type specified: %s. Valid options are API_KEY", echo(in.KeyType))
	}
	if !idRE.MatchString(in.KeyID) {
		return nil, errAPIKey
	}
	var out UsagePlanKey
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		var err error
		out, err = s.attachKey(tx, c, c.path.UsagePlan, in.KeyID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &CreateUsagePlanKeyOutput{out}, nil
}

func (s *Service) planKeys(r store.Reader, c *call) ([]UsagePlanKey, error) {
	if _, err := loadPlan(r, c, c.path.UsagePlan); err != nil {
		return nil, err
	}
	pks, err := listRegional(r, c, KindUsagePlanKey, c.path.UsagePlan+"/", planKeyAcct)
	if err != nil {
		return nil, err
	}
	out := []UsagePlanKey{}
	for _, pk := range pks {
		k, err := loadKey(r, c, pk.KeyID)
		if err != nil {
			continue
		}
		out = append(out, UsagePlanKey{ID: k.Key.ID, Type: "API_KEY", Value: k.Key.Value, Name: k.Key.Name})
	}
	return out, nil
}

// getUsagePlanKeysIn is GetUsagePlanKeys' input.
type getUsagePlanKeysIn struct {
	pageIn
	Name string // ?name=
}

func (in *getUsagePlanKeysIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	_ = in.pageIn.decodeFrom(q, nil, b)
	in.Name = q.Get("name")
	return nil
}

func (s *Service) getUsagePlanKeys(c *call, in *getUsagePlanKeysIn) (*GetUsagePlanKeysOutput, error) {
	var keys []UsagePlanKey
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		keys, err = s.planKeys(r, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []UsagePlanKey{}
	for _, k := range keys {
		if n := in.Name; n == "" || strings.HasPrefix(k.Name, n) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	page, pos, err := paging(&in.pageIn, out)
	if err != nil {
		return nil, err
	}
	return &GetUsagePlanKeysOutput{listOut[UsagePlanKey]{Item: page, Position: pos}}, nil
}

func (s *Service) getUsagePlanKey(c *call, _ *noIn) (*GetUsagePlanKeyOutput, error) {
	var keys []UsagePlanKey
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		keys, err = s.planKeys(r, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == c.path.APIKey {
			return &GetUsagePlanKeyOutput{k}, nil
		}
	}
	return nil, awserr.NotFoundException.New("Invalid Usage Plan Key identifier specified")
}

func (s *Service) deleteUsagePlanKey(c *call, _ *noIn) (*DeleteUsagePlanKeyOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadPlan(tx, c, c.path.UsagePlan); err != nil {
			return err
		}
		err := tx.Delete(KindUsagePlanKey, c.path.UsagePlan+"/"+c.path.APIKey)
		if errors.Is(err, store.ErrNotFound) {
			return awserr.NotFoundException.New("Invalid Usage Plan Key identifier specified")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DeleteUsagePlanKeyOutput{}, nil
}

// Usage is GetUsage's answer: per key, one [used, remaining] pair per day.
type Usage struct {
	UsagePlanID string             `json:"usagePlanId"`
	StartDate   string             `json:"startDate"`
	EndDate     string             `json:"endDate"`
	Position    string             `json:"position,omitempty"`
	Items       map[string][][]int `json:"values"`
}

func (s *Service) usage(c *call, keyFilter, start, end string) (*Usage, error) {
	from, err1 := time.Parse("2006-01-02", start)
	to, err2 := time.Parse("2006-01-02", end)
	if err1 != nil || err2 != nil || to.Before(from) {
		return nil, awserr.BadRequestException.New("Invalid start date or end date: expected yyyy-MM-dd, start not after end")
	}
	if to.Sub(from) > 90*24*time.Hour {
		return nil, awserr.BadRequestException.New("The usage data period cannot exceed 90 days")
	}
	var keys []UsagePlanKey
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		keys, err = s.planKeys(r, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &Usage{UsagePlanID: c.path.UsagePlan, StartDate: start, EndDate: end, Items: map[string][][]int{}}
	var uc UsageCounter
	if p := s.ext().usage.Load(); p != nil {
		uc = *p
	}
	for _, k := range keys {
		if keyFilter != "" && k.ID != keyFilter {
			continue
		}
		days, remaining := map[string]int64{}, int64(-1)
		if uc != nil {
			days, remaining = uc.Usage(c.path.UsagePlan, k.ID)
		}
		var rows [][]int
		for d := from; !d.After(to); d = d.Add(24 * time.Hour) {
			rows = append(rows, []int{int(days[d.Format("2006-01-02")]), int(max(remaining, 0))})
		}
		out.Items[k.ID] = rows
	}
	return out, nil
}

// getUsageIn is GetUsage's input.
type getUsageIn struct {
	KeyID     string // ?keyId=
	StartDate string // ?startDate=
	EndDate   string // ?endDate=
}

func (in *getUsageIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.KeyID = q.Get("keyId")
	in.StartDate = q.Get("startDate")
	in.EndDate = q.Get("endDate")
	return nil
}

func (s *Service) getUsage(c *call, in *getUsageIn) (*GetUsageOutput, error) {
	u, err := s.usage(c, in.KeyID, in.StartDate, in.EndDate)
	if err != nil {
		return nil, err
	}
	return &GetUsageOutput{u}, nil
}

// updateUsage grants a key more (or fewer) requests in the current quota
// period: {"op":"replace","path":"/remaining","value":"N"}.
func (s *Service) updateUsage(c *call, in *patchIn) (*UpdateUsageOutput, error) {
	ops := in.Ops
	var err error
	var plan *UsagePlanRecord
	_, err = s.st.View(c.ctx, func(r store.Reader) error {
		var err error
		if plan, err = loadPlan(r, c, c.path.UsagePlan); err != nil {
			return err
		}
		if _, err := r.Get(KindUsagePlanKey, c.path.UsagePlan+"/"+c.path.APIKey); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return awserr.NotFoundException.New("Invalid Usage Plan Key identifier specified")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if plan.Plan.Quota == nil {
		return nil, awserr.BadRequestException.New("Usage plan has no quota")
	}
	for _, op := range ops {
		if op.Path != "/remaining" || op.Op != "replace" {
			return nil, badPatch(op)
		}
		n, err := parseInt(op)
		if err != nil {
			return nil, err
		}
		if p := s.ext().usage.Load(); p != nil {
			(*p).SetRemaining(c.path.UsagePlan, c.path.APIKey, int64(n))
		}
	}
	today := s.now().UTC().Format("2006-01-02")
	u, err := s.usage(c, c.path.APIKey, today, today)
	if err != nil {
		return nil, err
	}
	return &UpdateUsageOutput{u}, nil
}
