// Package ecr serves the Amazon ECR repository registry (JSON 1.1,
// X-Amz-Target AmazonEC2ContainerRegistry_V20150921.*): CreateRepository,
// DescribeRepositories and DeleteRepository, in the caller's account and
// signing region, each authorized as its ecr:* action on the repository's
// ARN through the pipeline. It is what deployment tools need of ECR (the
// CDK's bootstrap creates its container-assets repository through
// CloudFormation; `serverless remove` describes its repository): there is
// no image registry behind it, so a repository never holds images.
package ecr

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Config configures the service.
type Config struct {
	Store *store.Store
	Authn *authn.Authenticator
	// Authz decides ecr:* actions (the IAM service); nil denies everything.
	Authz              pipeline.Authorizer
	Log                *slog.Logger
	Now                func() time.Time
	LegacyDenyMessages bool
}

// Service is the repository registry.
type Service struct {
	cfg     Config
	surface pipeline.Surface
	frame   *pipeline.JSON11[*request]
}

const (
	targetPrefix = "AmazonEC2ContainerRegistry_V20150921."
	kindRepo     = "ecr/repository" // key: ACCOUNT/REGION/NAME
	// maxRequest bounds a request body (a repository name, 50 tags and
	// the describe filters fit many times over).
	maxRequest = 64 << 10
	// maxDescribe is DescribeRepositories' page size and its cap on
	// repositoryNames (the model's maxResults range is 1-1000, names 1-100).
	maxDescribe = 1000
	maxNames    = 100
)

// New returns the service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Service{cfg: cfg}
	s.surface = pipeline.Surface{Authz: cfg.Authz, Now: cfg.Now, Denied: awserr.ECRAccessDenied, Legacy: cfg.LegacyDenyMessages}
	s.frame = &pipeline.JSON11[*request]{TargetPrefix: targetPrefix, SigningName: "ecr", MaxRequest: maxRequest, Ops: operations,
		Unknown: awserr.ECRUnknownOperation, UnknownText: "gatehouse serves ECR's repository registry only", Serialization: awserr.ECRSerialization, Internal: awserr.ECRServer,
		Authn: cfg.Authn, Log: cfg.Log, Surface: &s.surface, NewCall: s.newRequest}
	return s
}

// operations are the ECR operations served, with their IAM actions
// (Service Authorization Reference, "Actions defined by Amazon Elastic
// Container Registry") and their typed handlers. CreateRepository's
// resource and keys are its input's, so the pipeline authorizes it before
// the handler runs; the others see the repository's stored tags.
var operations = pipeline.Handlers[*request]{
	pipeline.HandleAuthorized(pipeline.Operation{Name: "CreateRepository", Actions: []string{"ecr:CreateRepository"}, Keys: pipeline.TaggingKeys},
		(*request).createTarget, (*request).createRepository),
	pipeline.Handle(pipeline.Operation{Name: "DescribeRepositories", Actions: []string{"ecr:DescribeRepositories"}, Keys: pipeline.ResourceTagKeys},
		(*request).describeRepositories),
	pipeline.Handle(pipeline.Operation{Name: "DeleteRepository", Actions: []string{"ecr:DeleteRepository"}, Keys: pipeline.ResourceTagKeys},
		(*request).deleteRepository),
}

// Operations returns the names of the operations served (metrics labels,
// doc/operations.md).
func Operations() []string { return operations.Names() }

// OperationTable returns the operations with their IAM actions.
func OperationTable() pipeline.Table { return operations.Table() }

// request is one authenticated call.
type request struct {
	s      *Service
	v      *pipeline.Invocation
	r      *http.Request
	caller *authn.Principal
	region string
}

func (s *Service) newRequest(v *pipeline.Invocation) *request {
	return &request{s: s, v: v, r: v.Request, caller: v.Caller, region: v.Region}
}

func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.frame.ServeHTTP(w, r) }

// Tag is a repository tag.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// repo is a stored repository.
type repo struct {
	Name       string  `json:"name"`
	Created    float64 `json:"created"`
	Mutability string  `json:"mutability"`
	ScanOnPush bool    `json:"scanOnPush"`
	Tags       []Tag   `json:"tags,omitempty"`
}

// Repository is the wire shape of a repository.
type Repository struct {
	RepositoryArn              string           `json:"repositoryArn"`
	RegistryID                 string           `json:"registryId"`
	RepositoryName             string           `json:"repositoryName"`
	RepositoryURI              string           `json:"repositoryUri"`
	CreatedAt                  float64          `json:"createdAt"`
	ImageTagMutability         string           `json:"imageTagMutability"`
	ImageScanningConfiguration scanConfig       `json:"imageScanningConfiguration"`
	EncryptionConfiguration    encryptionConfig `json:"encryptionConfiguration"`
}

type scanConfig struct {
	ScanOnPush bool `json:"scanOnPush"`
}

type encryptionConfig struct {
	EncryptionType string `json:"encryptionType"`
	KmsKey         string `json:"kmsKey,omitempty"`
}

func (q *request) wire(account string, r *repo) Repository {
	return Repository{RepositoryArn: arn.ECRRepository(q.region, account, r.Name), RegistryID: account,
		RepositoryName: r.Name, RepositoryURI: account + ".dkr.ecr." + q.region + ".amazonaws.com/" + r.Name,
		CreatedAt: r.Created, ImageTagMutability: r.Mutability, ImageScanningConfiguration: scanConfig{r.ScanOnPush},
		EncryptionConfiguration: encryptionConfig{EncryptionType: "AES256"}}
}

// repoNameRE is the model's repositoryName pattern (2-256 characters).
var repoNameRE = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

func checkName(field, name string) error {
	if len(name) < 2 || len(name) > 256 || !repoNameRE.MatchString(name) {
		return awserr.ECRInvalidParameter.Errorf("Invalid parameter at '%s' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''", field)
	}
	return nil
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

// registry is the account a call names: registryId, or the caller's.
func (q *request) registry(id *string) (string, error) {
	if id == nil {
		return q.caller.AccountID, nil
	}
	if !accountRE.MatchString(*id) {
		return "", awserr.ECRInvalidParameter.New("Invalid parameter at 'registryId' failed to satisfy constraint: 'must satisfy regular expression '[0-9]{12}''")
	}
	return *id, nil
}

func key(account, region, name string) string { return account + "/" + region + "/" + name }

// authorize asks whether the caller may perform action on repository name
// of account's registry.
func (q *request) authorize(action, account, name string, keys func(*policy.Context)) error {
	return q.v.Authorize(action, arn.ECRRepository(q.region, account, name), keys)
}

func notFound(name, account string) error {
	return awserr.ECRRepositoryNotFound.Errorf("The repository with name '%s' does not exist in the registry with id '%s'", name, account)
}

type createIn struct {
	RegistryID                 *string     `json:"registryId"`
	RepositoryName             string      `json:"repositoryName"`
	Tags                       []Tag       `json:"tags"`
	ImageTagMutability         *string     `json:"imageTagMutability"`
	ImageScanningConfiguration *scanConfig `json:"imageScanningConfiguration"`
	EncryptionConfiguration    *struct {
		EncryptionType string `json:"encryptionType"`
		KmsKey         string `json:"kmsKey"`
	} `json:"encryptionConfiguration"`
}

type repositoryOut struct {
	Repository Repository `json:"repository"`
}

// check validates the input as AWS does before authorizing; it returns
// the registry's account and the tags by key.
func (q *request) check(in *createIn) (string, map[string]string, error) {
	account, err := q.registry(in.RegistryID)
	if err != nil {
		return "", nil, err
	}
	if err := checkName("repositoryName", in.RepositoryName); err != nil {
		return "", nil, err
	}
	if in.ImageTagMutability != nil && *in.ImageTagMutability != "MUTABLE" && *in.ImageTagMutability != "IMMUTABLE" {
		return "", nil, awserr.ECRInvalidParameter.New("Invalid parameter at 'imageTagMutability' failed to satisfy constraint: 'Member must satisfy enum value set: [IMMUTABLE, MUTABLE]'")
	}
	if e := in.EncryptionConfiguration; e != nil && e.EncryptionType != "AES256" {
		// KMS encryption needs customer keys, which gatehouse does not keep.
		return "", nil, awserr.ECRInvalidParameter.Errorf("gatehouse supports encryptionType AES256 only (got %q)", e.EncryptionType)
	}
	if len(in.Tags) > 50 {
		return "", nil, awserr.ECRInvalidParameter.New("Invalid parameter at 'tags' failed to satisfy constraint: 'Member must have length less than or equal to 50'")
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return "", nil, awserr.ECRInvalidParameter.New("Invalid parameter at 'tags' failed to satisfy constraint: 'tag keys are 1-128 characters, values at most 256'")
		}
		tags[t.Key] = t.Value
	}
	return account, tags, nil
}

// createTarget: CreateRepository on the new repository's ARN, with the
// request's tags.
func (q *request) createTarget(in *createIn) (pipeline.Target, error) {
	account, tags, err := q.check(in)
	if err != nil {
		return pipeline.Target{}, err
	}
	return pipeline.Target{Resources: []string{arn.ECRRepository(q.region, account, in.RepositoryName)},
		Keys: func(c *policy.Context) { pipeline.RequestTags(c, pipeline.TagsFromMap(tags)) }}, nil
}

func (q *request) createRepository(in *createIn) (*repositoryOut, error) {
	s := q.s
	account, _, err := q.check(in)
	if err != nil {
		return nil, err
	}
	r := &repo{Name: in.RepositoryName, Mutability: "MUTABLE", Created: float64(s.cfg.Now().UnixMilli()) / 1000, Tags: in.Tags}
	if in.ImageTagMutability != nil {
		r.Mutability = *in.ImageTagMutability
	}
	if in.ImageScanningConfiguration != nil {
		r.ScanOnPush = in.ImageScanningConfiguration.ScanOnPush
	}
	if account != q.caller.AccountID {
		// Only the registry's own account creates in it.
		return nil, awserr.ECRInvalidParameter.Errorf("Invalid parameter at 'registryId': a repository is created in the caller's registry %s", q.caller.AccountID)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	_, err = s.cfg.Store.Update(q.r.Context(), func(tx store.Tx) error {
		k := key(account, q.region, r.Name)
		if _, err := tx.Get(kindRepo, k); err == nil {
			return awserr.ECRRepositoryAlreadyExists.Errorf("The repository with name '%s' already exists in the registry with id '%s'", r.Name, account)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return tx.Put(kindRepo, k, b)
	})
	if err != nil {
		return nil, err
	}
	return &repositoryOut{q.wire(account, r)}, nil
}

func (s *Service) load(ctx context.Context, account, region, name string) (*repo, error) {
	rec, err := s.cfg.Store.Get(ctx, kindRepo, key(account, region, name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r repo
	if err := json.Unmarshal(rec.Value, &r); err != nil {
		return nil, awserr.ECRServer.New("").WithCause(err)
	}
	return &r, nil
}

func tagKeys(r *repo) func(*policy.Context) {
	tags := map[string]string{}
	for _, t := range r.Tags {
		tags[t.Key] = t.Value
	}
	return func(c *policy.Context) { pipeline.ResourceTags(c, pipeline.TagsFromMap(tags)) }
}

type describeIn struct {
	RegistryID      *string  `json:"registryId"`
	RepositoryNames []string `json:"repositoryNames"`
	NextToken       *string  `json:"nextToken"`
	MaxResults      *int     `json:"maxResults"`
}

type describeOut struct {
	Repositories []Repository `json:"repositories"`
	NextToken    string       `json:"nextToken,omitempty"`
}

func (q *request) describeRepositories(in *describeIn) (*describeOut, error) {
	s := q.s
	account, err := q.registry(in.RegistryID)
	if err != nil {
		return nil, err
	}
	if in.RepositoryNames != nil {
		if in.NextToken != nil || in.MaxResults != nil {
			return nil, awserr.ECRInvalidParameter.New("Invalid parameter: nextToken and maxResults cannot be used with repositoryNames")
		}
		if len(in.RepositoryNames) == 0 || len(in.RepositoryNames) > maxNames {
			return nil, awserr.ECRInvalidParameter.New("Invalid parameter at 'repositoryNames' failed to satisfy constraint: 'Member must have length between 1 and 100'")
		}
		res := &describeOut{Repositories: []Repository{}}
		for _, n := range in.RepositoryNames {
			if err := checkName("repositoryNames", n); err != nil {
				return nil, err
			}
			r, err := s.load(q.r.Context(), account, q.region, n)
			if err != nil {
				return nil, err
			}
			keys := func(*policy.Context) {}
			if r != nil {
				keys = tagKeys(r)
			}
			// Authorized before the answer, so a caller without the
			// permission learns nothing of which names exist.
			if err := q.authorize("ecr:DescribeRepositories", account, n, keys); err != nil {
				return nil, err
			}
			if r == nil {
				return nil, notFound(n, account)
			}
			res.Repositories = append(res.Repositories, q.wire(account, r))
		}
		return res, nil
	}
	limit := maxDescribe
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxDescribe {
			return nil, awserr.ECRInvalidParameter.New("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'")
		}
		limit = *in.MaxResults
	}
	after := ""
	if in.NextToken != nil {
		after = *in.NextToken
		if checkName("nextToken", after) != nil {
			return nil, awserr.ECRInvalidParameter.New("Invalid parameter at 'nextToken': the token is not valid")
		}
	}
	if err := q.authorize("ecr:DescribeRepositories", account, "*", nil); err != nil {
		return nil, err
	}
	recs, err := s.cfg.Store.List(q.r.Context(), kindRepo, key(account, q.region, ""))
	if err != nil {
		return nil, err
	}
	var all []*repo
	for _, rec := range recs {
		var r repo
		if err := json.Unmarshal(rec.Value, &r); err != nil {
			return nil, awserr.ECRServer.New("").WithCause(err)
		}
		if r.Name > after {
			all = append(all, &r)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	res := &describeOut{Repositories: []Repository{}}
	for i, r := range all {
		if i == limit {
			res.NextToken = all[i-1].Name
			break
		}
		res.Repositories = append(res.Repositories, q.wire(account, r))
	}
	return res, nil
}

type deleteIn struct {
	RegistryID     *string `json:"registryId"`
	RepositoryName string  `json:"repositoryName"`
	Force          bool    `json:"force"`
}

func (q *request) deleteRepository(in *deleteIn) (*repositoryOut, error) {
	s := q.s
	account, err := q.registry(in.RegistryID)
	if err != nil {
		return nil, err
	}
	if err := checkName("repositoryName", in.RepositoryName); err != nil {
		return nil, err
	}
	r, err := s.load(q.r.Context(), account, q.region, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	keys := func(*policy.Context) {}
	if r != nil {
		keys = tagKeys(r)
	}
	if err := q.authorize("ecr:DeleteRepository", account, in.RepositoryName, keys); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, notFound(in.RepositoryName, account)
	}
	// A repository never holds images here, so force changes nothing.
	_, err = s.cfg.Store.Update(q.r.Context(), func(tx store.Tx) error {
		err := tx.Delete(kindRepo, key(account, q.region, in.RepositoryName))
		if errors.Is(err, store.ErrNotFound) {
			return notFound(in.RepositoryName, account)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &repositoryOut{q.wire(account, r)}, nil
}
