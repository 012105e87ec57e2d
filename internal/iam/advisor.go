package iam

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Access advisor: when each user and role last used each service, taken
// from the requests gatehouse actually allowed (Authorize records every
// allowed decision for a user, a role session or a federated user's
// user), and the IAM operations that report it. The record is kept in
// memory by each node: a node reports what it authorized since it
// started. Generating a report computes it at once and stores the result,
// so that any node answers GetServiceLastAccessedDetails for the job.

type accessLog struct{ m sync.Map } // entity ARN -> *entityAccess

type entityAccess struct {
	mu  sync.RWMutex
	svc map[string]*svcAccess // service namespace -> last access
}

type svcAccess struct {
	last   atomic.Int64 // unix seconds
	region atomic.Pointer[string]
}

// record notes an allowed request. The common case (an entity and service
// seen before) takes a read lock and two atomic stores, without
// allocating.
func (l *accessLog) record(entity, action, region string, now time.Time) {
	ns, _, ok := strings.Cut(action, ":")
	if !ok || entity == "" {
		return
	}
	v, _ := l.m.Load(entity)
	if v == nil {
		v, _ = l.m.LoadOrStore(entity, &entityAccess{svc: map[string]*svcAccess{}})
	}
	ea := v.(*entityAccess)
	ea.mu.RLock()
	sa := ea.svc[ns]
	ea.mu.RUnlock()
	if sa == nil {
		ea.mu.Lock()
		if sa = ea.svc[ns]; sa == nil {
			sa = &svcAccess{}
			ea.svc[strings.Clone(ns)] = sa
		}
		ea.mu.Unlock()
	}
	sa.last.Store(now.Unix())
	if r := sa.region.Load(); r == nil || *r != region {
		rc := strings.Clone(region)
		sa.region.Store(&rc)
	}
}

// lastAccess returns when entity last used service ns (zero if never).
func (l *accessLog) lastAccess(entity, ns string) (time.Time, string) {
	v, ok := l.m.Load(entity)
	if !ok {
		return time.Time{}, ""
	}
	ea := v.(*entityAccess)
	ea.mu.RLock()
	sa := ea.svc[ns]
	ea.mu.RUnlock()
	if sa == nil || sa.last.Load() == 0 {
		return time.Time{}, ""
	}
	region := ""
	if r := sa.region.Load(); r != nil {
		region = *r
	}
	return time.Unix(sa.last.Load(), 0).UTC(), region
}

// accessEntity is the ARN access advisor files a principal's requests
// under: the user, or the role of a role session.
func accessEntity(p *authn.Principal) string {
	switch p.Kind {
	case authn.User:
		return p.ARN
	case authn.AssumedRole:
		return p.RoleARN
	case authn.FederatedUser:
		if p.UserName != "" {
			return p.RoleARN // the federating user
		}
	}
	return ""
}

// serviceNames are the services gatehouse serves, by namespace, with the
// names access advisor shows; "*" in a policy stands for these.
var serviceNames = map[string]string{
	"iam": "AWS Identity and Access Management", "sts": "AWS Security Token Service", "execute-api": "Amazon API Gateway",
	"apigateway": "Amazon API Gateway", "lambda": "AWS Lambda", "logs": "Amazon CloudWatch Logs", "s3": "Amazon S3",
}

// policyServices returns the service namespaces a policy document's Allow
// statements name.
func policyServices(doc string, into map[string]bool) {
	var d struct{ Statement json.RawMessage }
	if json.Unmarshal([]byte(doc), &d) != nil {
		return
	}
	var stmts []map[string]json.RawMessage
	if json.Unmarshal(d.Statement, &stmts) != nil {
		var one map[string]json.RawMessage
		if json.Unmarshal(d.Statement, &one) != nil {
			return
		}
		stmts = []map[string]json.RawMessage{one}
	}
	for _, st := range stmts {
		var effect string
		_ = json.Unmarshal(st["Effect"], &effect)
		if effect != "Allow" {
			continue
		}
		if st["NotAction"] != nil {
			for ns := range serviceNames {
				into[ns] = true
			}
			continue
		}
		for _, a := range stringsOf(st["Action"]) {
			ns, _, ok := strings.Cut(strings.ToLower(a), ":")
			switch {
			case a == "*":
				for ns := range serviceNames {
					into[ns] = true
				}
			case ok && !strings.ContainsAny(ns, "*?"):
				into[ns] = true
			case ok:
				for known := range serviceNames {
					if arnLikeMatch(ns, known) {
						into[known] = true
					}
				}
			}
		}
	}
}

// arnLikeMatch matches a namespace pattern with * and ?.
func arnLikeMatch(pat, s string) bool {
	if pat == "" {
		return s == ""
	}
	switch pat[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if arnLikeMatch(pat[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && arnLikeMatch(pat[1:], s[1:])
	}
	return s != "" && s[0] == pat[0] && arnLikeMatch(pat[1:], s[1:])
}

// advisorTarget is what a report covers: the entities whose use counts
// and the policy documents (with where they come from) that grant.
type advisorTarget struct {
	entities []advisorEntity
	policies []grantingPolicy
}

type advisorEntity struct {
	ARN, Name, Type, ID, Path string
}

type grantingPolicy struct {
	Name, Type, ARN, EntityType, EntityName string
	doc                                     string
}

func (c *call) managedGrant(arn, etype, ename string) grantingPolicy {
	g := grantingPolicy{Type: "MANAGED", ARN: arn, EntityType: etype, EntityName: ename}
	if pe := c.snap.Policy(arn); pe != nil {
		g.Name = pe.Name
		if v := pe.Version(pe.DefaultVersion); v != nil {
			g.doc = v.Document
		}
	}
	return g
}

func (c *call) userGrants(u *UserEntry) []grantingPolicy {
	var out []grantingPolicy
	for _, ip := range u.Inline {
		out = append(out, grantingPolicy{Name: ip.Name, Type: "INLINE", EntityType: "USER", EntityName: u.Name, doc: ip.Document})
	}
	for _, a := range u.Attached {
		out = append(out, c.managedGrant(a, "USER", u.Name))
	}
	for _, gn := range u.Groups {
		if g := c.snap.groups.get(entityKey(u.Account, gn)); g != nil {
			out = append(out, c.groupGrants(g)...)
		}
	}
	return out
}

func (c *call) groupGrants(g *GroupEntry) []grantingPolicy {
	var out []grantingPolicy
	for _, ip := range g.Inline {
		out = append(out, grantingPolicy{Name: ip.Name, Type: "INLINE", EntityType: "GROUP", EntityName: g.Name, doc: ip.Document})
	}
	for _, a := range g.Attached {
		out = append(out, c.managedGrant(a, "GROUP", g.Name))
	}
	return out
}

func (c *call) roleGrants(r *RoleEntry) []grantingPolicy {
	var out []grantingPolicy
	for _, ip := range r.Inline {
		out = append(out, grantingPolicy{Name: ip.Name, Type: "INLINE", EntityType: "ROLE", EntityName: r.Name, doc: ip.Document})
	}
	for _, a := range r.Attached {
		out = append(out, c.managedGrant(a, "ROLE", r.Name))
	}
	return out
}

// resolveAdvisorTarget resolves Arn: a user, group, role or managed
// policy of the caller's account.
func (c *call) resolveAdvisorTarget(arn string) (*advisorTarget, error) {
	acct, res, ok := splitIAMARN(arn)
	notFound := awserr.NoSuchEntity.Errorf("The entity %s cannot be found.", arn)
	if !ok {
		return nil, awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
	}
	t := &advisorTarget{}
	switch {
	case strings.HasPrefix(res, "user/"):
		u := c.snap.User(acct, nameOf(res))
		if u == nil || u.arn != arn {
			return nil, notFound
		}
		t.entities = []advisorEntity{{u.arn, u.Name, "USER", u.ID, u.Path}}
		t.policies = c.userGrants(u)
	case strings.HasPrefix(res, "role/"):
		r := c.snap.RoleByARN(arn)
		if r == nil {
			return nil, notFound
		}
		t.entities = []advisorEntity{{r.arn, r.Name, "ROLE", r.ID, r.Path}}
		t.policies = c.roleGrants(r)
	case strings.HasPrefix(res, "group/"):
		g := c.snap.groups.get(entityKey(acct, nameOf(res)))
		if g == nil || g.arn != arn {
			return nil, notFound
		}
		t.policies = c.groupGrants(g)
		for _, u := range c.snap.groupMembers(entityKey(acct, g.Name)) {
			t.entities = append(t.entities, advisorEntity{u.arn, u.Name, "USER", u.ID, u.Path})
		}
	case strings.HasPrefix(res, "policy/") || acct == awsAccount:
		pe := c.snap.Policy(arn)
		if pe == nil || pe.Account != c.account() && pe.Account != awsAccount {
			return nil, notFound
		}
		t.policies = []grantingPolicy{c.managedGrant(arn, "", "")}
		has := func(l []string) bool {
			for _, a := range l {
				if a == arn {
					return true
				}
			}
			return false
		}
		for _, u := range c.snap.users.all() {
			if u.Account == c.account() && has(u.Attached) {
				t.entities = append(t.entities, advisorEntity{u.arn, u.Name, "USER", u.ID, u.Path})
			}
		}
		for _, r := range c.snap.roles.all() {
			if r.Account == c.account() && has(r.Attached) {
				t.entities = append(t.entities, advisorEntity{r.arn, r.Name, "ROLE", r.ID, r.Path})
			}
		}
	default:
		return nil, notFound
	}
	if acct != c.account() && acct != awsAccount {
		return nil, notFound
	}
	return t, nil
}

func nameOf(res string) string {
	i := strings.LastIndexByte(res, '/')
	return res[i+1:]
}

const kindAccessJob = "iam/accessjob"

type accessJob struct {
	Account   string           `json:"account"`
	ID        string           `json:"id"`
	Created   time.Time        `json:"created"`
	Type      string           `json:"type"`
	Services  []jobService     `json:"services"`
	ByService map[string][]hit `json:"by_service,omitempty"`
}

type jobService struct {
	Name, Namespace string
	Last            time.Time `json:",omitzero"`
	Entity, Region  string
	Total           int
}

type hit struct {
	Entity advisorEntity
	Last   time.Time
}

func opGenerateServiceLastAccessedDetails(c *call, in *generateServiceLastAccessedDetailsIn) (*generateServiceLastAccessedDetailsOut, error) {
	arn := in.Arn
	if len(arn) < 20 || len(arn) > 2048 {
		return nil, validation(arn, "arn", "Member must have length between 20 and 2048")
	}
	gran := in.Granularity
	if gran == "" {
		gran = "SERVICE_LEVEL"
	}
	if gran != "SERVICE_LEVEL" && gran != "ACTION_LEVEL" {
		return nil, validation(gran, "granularity", "Member must satisfy enum value set: [SERVICE_LEVEL, ACTION_LEVEL]")
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	t, err := c.resolveAdvisorTarget(arn)
	if err != nil {
		return nil, err
	}
	nss := map[string]bool{}
	for _, g := range t.policies {
		policyServices(g.doc, nss)
	}
	job := &accessJob{Account: c.account(), ID: newUUID(), Created: c.s.now().UTC(), Type: gran, ByService: map[string][]hit{}}
	for ns := range nss {
		js := jobService{Name: serviceNames[ns], Namespace: ns}
		if js.Name == "" {
			js.Name = ns
		}
		for _, e := range t.entities {
			last, region := c.s.access.lastAccess(e.ARN, ns)
			job.ByService[ns] = append(job.ByService[ns], hit{e, last})
			if last.IsZero() {
				continue
			}
			js.Total++
			if last.After(js.Last) {
				js.Last, js.Entity, js.Region = last, e.ARN, region
			}
		}
		job.Services = append(job.Services, js)
	}
	sort.Slice(job.Services, func(i, j int) bool { return job.Services[i].Namespace < job.Services[j].Namespace })
	if err := c.update(func(tx store.Tx) error { return putJSON(tx, kindAccessJob, c.account()+"/"+job.ID, job) }); err != nil {
		return nil, err
	}
	return &generateServiceLastAccessedDetailsOut{job.ID}, nil
}

func (c *call) accessJob(jobID string) (*accessJob, error) {
	id := jobID
	if len(id) != 36 {
		return nil, validation(id, "jobId", "Member must have length between 36 and 36")
	}
	if err := c.allow("*", nil); err != nil {
		return nil, err
	}
	var job *accessJob
	if err := c.view(func(r store.Reader) (err error) {
		job, err = getJSON[accessJob](r, kindAccessJob, c.account()+"/"+id)
		return err
	}); err != nil {
		return nil, err
	}
	if job == nil {
		return nil, awserr.NoSuchEntity.Errorf("Job %s cannot be found.", id)
	}
	return job, nil
}

func opGetServiceLastAccessedDetails(c *call, in *getServiceLastAccessedDetailsIn) (*getServiceLastAccessedDetailsOut, error) {
	job, err := c.accessJob(in.JobId)
	if err != nil {
		return nil, err
	}
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, job.Services, func(s jobService) string { return s.Namespace })
	if err != nil {
		return nil, err
	}
	out := make([]xmlServiceLastAccessed, len(pg))
	for i, s := range pg {
		out[i] = xmlServiceLastAccessed{ServiceName: s.Name, ServiceNamespace: s.Namespace, LastAuthenticatedEntity: s.Entity, LastAuthenticatedRegion: s.Region,
			TotalAuthenticatedEntities: s.Total}
		if !s.Last.IsZero() {
			out[i].LastAuthenticated = isoTime(s.Last)
		}
	}
	return &getServiceLastAccessedDetailsOut{"COMPLETED", job.Type, isoTime(job.Created), list(out), isoTime(job.Created), trunc, marker}, nil
}

func opGetServiceLastAccessedDetailsWithEntities(c *call, in *getServiceLastAccessedDetailsWithEntitiesIn) (*getServiceLastAccessedDetailsWithEntitiesOut, error) {
	ns := in.ServiceNamespace
	if ns == "" || len(ns) > 64 {
		return nil, validation(ns, "serviceNamespace", "Member must have length between 1 and 64")
	}
	job, err := c.accessJob(in.JobId)
	if err != nil {
		return nil, err
	}
	hits := job.ByService[ns]
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, hits, func(h hit) string { return h.Entity.ARN })
	if err != nil {
		return nil, err
	}
	out := make([]xmlEntityDetails, len(pg))
	for i, h := range pg {
		out[i].EntityInfo.Arn, out[i].EntityInfo.Name, out[i].EntityInfo.Type, out[i].EntityInfo.Id, out[i].EntityInfo.Path =
			h.Entity.ARN, h.Entity.Name, h.Entity.Type, h.Entity.ID, h.Entity.Path
		if !h.Last.IsZero() {
			out[i].LastAuthenticated = isoTime(h.Last)
		}
	}
	return &getServiceLastAccessedDetailsWithEntitiesOut{"COMPLETED", isoTime(job.Created), isoTime(job.Created), list(out), trunc, marker}, nil
}

func opListPoliciesGrantingServiceAccess(c *call, in *listPoliciesGrantingServiceAccessIn) (*listPoliciesGrantingServiceAccessOut, error) {
	arn := in.Arn
	if len(arn) < 20 || len(arn) > 2048 {
		return nil, validation(arn, "arn", "Member must have length between 20 and 2048")
	}
	nss := in.ServiceNamespaces
	if len(nss) < 1 || len(nss) > 200 {
		return nil, validation("", "serviceNamespaces", "Member must have length between 1 and 200")
	}
	if err := c.allow(arn, nil); err != nil {
		return nil, err
	}
	t, err := c.resolveAdvisorTarget(arn)
	if err != nil {
		return nil, err
	}
	var out []xmlGrantingPolicy
	for _, ns := range nss {
		g := xmlGrantingPolicy{ServiceNamespace: ns}
		ps := []xmlGrantingPolicyDetail{}
		for _, p := range t.policies {
			have := map[string]bool{}
			policyServices(p.doc, have)
			if have[ns] {
				x := xmlGrantingPolicyDetail{PolicyName: p.Name, PolicyType: p.Type, PolicyArn: p.ARN}
				if p.Type == "INLINE" {
					x.EntityType, x.EntityName = p.EntityType, p.EntityName
				}
				ps = append(ps, x)
			}
		}
		g.Policies = list(ps)
		out = append(out, g)
	}
	return &listPoliciesGrantingServiceAccessOut{list(out), false}, nil
}

type generateServiceLastAccessedDetailsOut struct {
	JobId string
}

type generateServiceLastAccessedDetailsIn struct {
	Arn         string
	Granularity string
}

type getServiceLastAccessedDetailsOut struct {
	JobStatus            string
	JobType              string
	JobCreationDate      string
	ServicesLastAccessed *members[xmlServiceLastAccessed]
	JobCompletionDate    string
	IsTruncated          bool
	Marker               string "xml:\",omitempty\""
}

type getServiceLastAccessedDetailsIn struct {
	JobId    string
	Marker   string
	MaxItems string
}

type getServiceLastAccessedDetailsWithEntitiesOut struct {
	JobStatus         string
	JobCreationDate   string
	JobCompletionDate string
	EntityDetailsList *members[xmlEntityDetails]
	IsTruncated       bool
	Marker            string "xml:\",omitempty\""
}

type getServiceLastAccessedDetailsWithEntitiesIn struct {
	JobId            string
	Marker           string
	MaxItems         string
	ServiceNamespace string
}

type listPoliciesGrantingServiceAccessOut struct {
	PoliciesGrantingServiceAccess *members[xmlGrantingPolicy]
	IsTruncated                   bool
}

type listPoliciesGrantingServiceAccessIn struct {
	Arn               string
	ServiceNamespaces []string
}

type xmlGrantingPolicy struct {
	ServiceNamespace string
	Policies         *members[xmlGrantingPolicyDetail]
}

type xmlGrantingPolicyDetail struct {
	PolicyName string
	PolicyType string
	PolicyArn  string `xml:",omitempty"`
	EntityType string `xml:",omitempty"`
	EntityName string `xml:",omitempty"`
}

type xmlEntityDetails struct {
	EntityInfo struct {
		Arn, Name, Type, Id string
		Path                string `xml:",omitempty"`
	}
	LastAuthenticated string `xml:",omitempty"`
}

type xmlServiceLastAccessed struct {
	ServiceName                string
	LastAuthenticated          string `xml:",omitempty"`
	ServiceNamespace           string
	LastAuthenticatedEntity    string `xml:",omitempty"`
	LastAuthenticatedRegion    string `xml:",omitempty"`
	TotalAuthenticatedEntities int
}
