package apigw

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,128}$`)

// snapshot freezes the API into a deployment record.
func snapshot(a *APIRecord, d Deployment) *DeploymentRecord {
	rec := &DeploymentRecord{Deployment: d, APIID: a.API.ID, Account: a.Account, Region: a.Region,
		Policy: a.API.Policy, APIKeySource: a.API.APIKeySource, BinaryMediaTypes: a.API.BinaryMediaTypes,
		DisableDefault: a.API.DisableExecuteAPIEndpoint, Resources: cloneResources(a.Resources)}
	rec.Models, rec.Validators = cloneModels(a)
	sum := map[string]map[string]MethodSnapshotSum{}
	for _, r := range a.Resources {
		for verb, m := range r.ResourceMethods {
			if sum[r.Path] == nil {
				sum[r.Path] = map[string]MethodSnapshotSum{}
			}
			sum[r.Path][verb] = MethodSnapshotSum{AuthorizationType: m.AuthorizationType, APIKeyRequired: m.APIKeyRequired}
		}
	}
	rec.Deployment.APISummary = sum
	return rec
}

type createDeploymentIn struct {
	StageName        string            `json:"stageName"`
	StageDescription string            `json:"stageDescription"`
	Description      string            `json:"description"`
	Variables        map[string]string `json:"variables"`
	TracingEnabled   bool              `json:"tracingEnabled"`
	// CanarySettings deploys the new deployment as the canary of an
	// existing stage instead of replacing the stage's deployment.
	CanarySettings *deploymentCanaryIn `json:"canarySettings"`
	// CacheClusterEnabled and CacheClusterSize set the stage's cache.
	CacheClusterEnabled *bool  `json:"cacheClusterEnabled"`
	CacheClusterSize    string `json:"cacheClusterSize"`
}

func (s *Service) createDeployment(c *call, req *jsonIn[createDeploymentIn]) (*CreateDeploymentOutput, error) {
	in := req.Body
	if in.StageName != "" && !stageNameRE.MatchString(in.StageName) {
		return nil, awserr.BadRequestException.New("Stage name only allows a-zA-Z0-9_-")
	}
	if err := validateVariables(in.Variables); err != nil {
		return nil, err
	}
	if err := in.CanarySettings.validate(in.StageName); err != nil {
		return nil, err
	}
	if err := validCacheSize(in.CacheClusterSize); err != nil {
		return nil, err
	}
	var out Deployment
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		if !hasMethods(a) {
			return awserr.BadRequestException.New("The REST API doesn't contain any methods")
		}
		if err := checkIntegrations(a); err != nil {
			return err
		}
		d := Deployment{ID: newID(6), Description: in.Description, CreatedDate: s.now().Unix()}
		rec := snapshot(a, d)
		if err := createJSON(tx, KindDeployment, a.API.ID+"/"+d.ID, rec); err != nil {
			return err
		}
		out = rec.Deployment
		if in.StageName == "" {
			return nil
		}
		st, err := loadStage(tx, a.API.ID, in.StageName)
		now := s.now().Unix()
		if in.CanarySettings != nil {
			// A canary deployment needs the stage to exist; the stage
			// keeps its deployment and variables (create-canary-deployment).
			if err != nil {
				return err
			}
			st.Stage.CanarySettings = in.CanarySettings.settings(d.ID)
			st.Stage.LastUpdatedDate = now
			return putJSON(tx, KindStage, a.API.ID+"/"+in.StageName, st)
		}
		switch {
		case errors.Is(err, errStage):
			st = &StageRecord{Stage: Stage{StageName: in.StageName, Description: in.StageDescription,
				MethodSettings: map[string]MethodSetting{}, CreatedDate: now, TracingEnabled: in.TracingEnabled},
				APIID: a.API.ID, Account: a.Account, Region: a.Region}
		case err != nil:
			return err
		}
		st.Stage.DeploymentID = d.ID
		st.Stage.LastUpdatedDate = now
		if in.CacheClusterEnabled != nil {
			st.Stage.CacheClusterEnabled = *in.CacheClusterEnabled
		}
		if in.CacheClusterSize != "" {
			st.Stage.CacheClusterSize = in.CacheClusterSize
		}
		st.Stage.fixCacheStatus()
		if in.Variables != nil {
			if st.Stage.Variables == nil {
				st.Stage.Variables = map[string]string{}
			}
			for k, v := range in.Variables {
				st.Stage.Variables[k] = v
			}
		}
		return putJSON(tx, KindStage, a.API.ID+"/"+in.StageName, st)
	})
	if err != nil {
		return nil, err
	}
	return &CreateDeploymentOutput{out}, nil
}

func hasMethods(a *APIRecord) bool {
	for _, r := range a.Resources {
		if len(r.ResourceMethods) > 0 {
			return true
		}
	}
	return false
}

// checkIntegrations refuses deployments with methods lacking an
// integration, as AWS does.
func checkIntegrations(a *APIRecord) error {
	for _, r := range sortedResources(a) {
		for _, verb := range sortedKeys(r.ResourceMethods) {
			if r.ResourceMethods[verb].MethodIntegration == nil {
				return awserr.BadRequestException.New("No integration defined for method")
			}
		}
	}
	return nil
}

func validateVariables(v map[string]string) error {
	if len(v) > 100 {
		return awserr.BadRequestException.New("A stage can have at most 100 variables")
	}
	for k, val := range v {
		if len(k) == 0 || len(k) > 64 || !regexp.MustCompile(`^[A-Za-z0-9_]+$`).MatchString(k) {
			return awserr.BadRequestException.New("Stage variable names must contain only alphanumeric characters or underscores and be at most 64 characters")
		}
		if len(val) > 512 {
			return awserr.BadRequestException.New("Stage variable values must be at most 512 characters")
		}
	}
	return nil
}

func (s *Service) getDeployments(c *call, in *pageIn) (*GetDeploymentsOutput, error) {
	var all []Deployment
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		recs, err := r.List(KindDeployment, c.path.API+"/")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var d DeploymentRecord
			if err := json.Unmarshal(rec.Value, &d); err != nil {
				return err
			}
			d.Deployment.APISummary = nil
			all = append(all, d.Deployment)
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
		items = []Deployment{}
	}
	return &GetDeploymentsOutput{listOut[Deployment]{Item: items, Position: pos}}, nil
}

func loadDeployment(r store.Reader, apiID, id string) (*DeploymentRecord, error) {
	rec, err := r.Get(KindDeployment, apiID+"/"+id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errDeployment
	}
	if err != nil {
		return nil, err
	}
	var d DeploymentRecord
	return &d, json.Unmarshal(rec.Value, &d)
}

func (s *Service) getDeployment(c *call, in *embedIn) (*GetDeploymentOutput, error) {
	var out Deployment
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		d, err := loadDeployment(r, c.path.API, c.path.Deployment)
		if err != nil {
			return err
		}
		out = d.Deployment
		if !in.embeds("apisummary") {
			out.APISummary = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetDeploymentOutput{out}, nil
}

func (s *Service) deleteDeployment(c *call, _ *noIn) (*DeleteDeploymentOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		if _, err := loadDeployment(tx, c.path.API, c.path.Deployment); err != nil {
			return err
		}
		stages, err := tx.List(KindStage, c.path.API+"/")
		if err != nil {
			return err
		}
		for _, rec := range stages {
			var st StageRecord
			if err := json.Unmarshal(rec.Value, &st); err == nil && (st.Stage.DeploymentID == c.path.Deployment ||
				st.Stage.CanarySettings != nil && st.Stage.CanarySettings.DeploymentID == c.path.Deployment) {
				return awserr.BadRequestException.Errorf("Active stages pointing to this deployment must be moved or deleted")
			}
		}
		return tx.Delete(KindDeployment, c.path.API+"/"+c.path.Deployment)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteDeploymentOutput{}, nil
}

func loadStage(r store.Reader, apiID, name string) (*StageRecord, error) {
	rec, err := r.Get(KindStage, apiID+"/"+name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errStage
	}
	if err != nil {
		return nil, err
	}
	var st StageRecord
	return &st, json.Unmarshal(rec.Value, &st)
}

type createStageIn struct {
	StageName      string            `json:"stageName"`
	DeploymentID   string            `json:"deploymentId"`
	Description    string            `json:"description"`
	Variables      map[string]string `json:"variables"`
	Tags           map[string]string `json:"tags"`
	TracingEnabled bool              `json:"tracingEnabled"`
	CanarySettings *CanarySettings   `json:"canarySettings"`
	// CacheClusterEnabled and CacheClusterSize set the stage's cache.
	CacheClusterEnabled bool   `json:"cacheClusterEnabled"`
	CacheClusterSize    string `json:"cacheClusterSize"`
}

func (s *Service) createStage(c *call, req *jsonIn[createStageIn]) (*CreateStageOutput, error) {
	in := req.Body
	if !stageNameRE.MatchString(in.StageName) {
		return nil, awserr.BadRequestException.New("Stage name only allows a-zA-Z0-9_-")
	}
	if err := validateVariables(in.Variables); err != nil {
		return nil, err
	}
	if err := validCacheSize(in.CacheClusterSize); err != nil {
		return nil, err
	}
	if cs := in.CanarySettings; cs != nil {
		if err := validPercent(cs.PercentTraffic); err != nil {
			return nil, err
		}
		if err := validateVariables(cs.StageVariableOverrides); err != nil {
			return nil, err
		}
		if cs.DeploymentID == "" {
			cs.DeploymentID = in.DeploymentID
		}
	}
	now := s.now().Unix()
	st := &StageRecord{Stage: Stage{StageName: in.StageName, DeploymentID: in.DeploymentID, Description: in.Description,
		Variables: in.Variables, Tags: in.Tags, TracingEnabled: in.TracingEnabled, MethodSettings: map[string]MethodSetting{},
		CanarySettings: in.CanarySettings, CacheClusterEnabled: in.CacheClusterEnabled, CacheClusterSize: in.CacheClusterSize,
		CreatedDate: now, LastUpdatedDate: now}}
	st.Stage.fixCacheStatus()
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		a, err := loadAPI(tx, c, c.path.API)
		if err != nil {
			return err
		}
		if _, err := loadDeployment(tx, a.API.ID, in.DeploymentID); err != nil {
			return err
		}
		if cs := in.CanarySettings; cs != nil {
			if _, err := loadDeployment(tx, a.API.ID, cs.DeploymentID); err != nil {
				return err
			}
		}
		st.APIID, st.Account, st.Region = a.API.ID, a.Account, a.Region
		if err := createJSON(tx, KindStage, a.API.ID+"/"+in.StageName, st); err != nil {
			if awserr.ConflictException.Is(err) {
				return awserr.ConflictException.New("Stage already exists")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &CreateStageOutput{st.Stage}, nil
}

// getStagesIn is GetStages' input.
type getStagesIn struct {
	DeploymentID string // ?deploymentId=
}

func (in *getStagesIn) decodeFrom(q url.Values, _ http.Header, b []byte) error {
	in.DeploymentID = q.Get("deploymentId")
	return nil
}

func (s *Service) getStages(c *call, in *getStagesIn) (*GetStagesOutput, error) {
	all := []Stage{}
	dep := in.DeploymentID
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		recs, err := r.List(KindStage, c.path.API+"/")
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var st StageRecord
			if err := json.Unmarshal(rec.Value, &st); err != nil {
				return err
			}
			if dep == "" || st.Stage.DeploymentID == dep {
				all = append(all, st.Stage)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetStagesOutput{listOut[Stage]{Item: all}}, nil
}

func (s *Service) getStage(c *call, _ *noIn) (*GetStageOutput, error) {
	var out Stage
	_, err := s.st.View(c.ctx, func(r store.Reader) error {
		if _, err := loadAPI(r, c, c.path.API); err != nil {
			return err
		}
		st, err := loadStage(r, c.path.API, c.path.Stage)
		if err != nil {
			return err
		}
		out = st.Stage
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &GetStageOutput{out}, nil
}

func (s *Service) deleteStage(c *call, _ *noIn) (*DeleteStageOutput, error) {
	_, err := s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		if _, err := loadStage(tx, c.path.API, c.path.Stage); err != nil {
			return err
		}
		return tx.Delete(KindStage, c.path.API+"/"+c.path.Stage)
	})
	if err != nil {
		return nil, err
	}
	return &DeleteStageOutput{}, nil
}

func (s *Service) updateStage(c *call, in *patchIn) (*UpdateStageOutput, error) {
	ops := in.Ops
	var err error
	var out Stage
	_, err = s.st.Update(c.ctx, func(tx store.Tx) error {
		if _, err := loadAPI(tx, c, c.path.API); err != nil {
			return err
		}
		st, err := loadStage(tx, c.path.API, c.path.Stage)
		if err != nil {
			return err
		}
		for _, op := range ops {
			if err := applyStagePatch(tx, st, op); err != nil {
				return err
			}
		}
		st.Stage.fixCacheStatus()
		st.Stage.LastUpdatedDate = s.now().Unix()
		out = st.Stage
		return putJSON(tx, KindStage, c.path.API+"/"+c.path.Stage, st)
	})
	if err != nil {
		return nil, err
	}
	return &UpdateStageOutput{out}, nil
}

func applyStagePatch(tx store.Tx, st *StageRecord, op PatchOp) error {
	switch {
	case op.Path == "/deploymentId" && isSet(op):
		if _, err := loadDeployment(tx, st.APIID, op.Value); err != nil {
			return err
		}
		st.Stage.DeploymentID = op.Value
	case op.Path == "/description":
		st.Stage.Description = valueOrEmpty(op)
	case op.Path == "/tracingEnabled":
		st.Stage.TracingEnabled = op.Value == "true"
	case op.Path == "/cacheClusterEnabled":
		st.Stage.CacheClusterEnabled = op.Value == "true"
	case op.Path == "/canarySettings" || strings.HasPrefix(op.Path, "/canarySettings/") || op.Op == "copy":
		return applyCanaryPatch(tx, st, op)
	case op.Path == "/cacheClusterSize", op.Path == "/clientCertificateId", op.Path == "/documentationVersion",
		strings.HasPrefix(op.Path, "/accessLogSettings"):
		return applyStageSettingPatch(tx, st, op)
	case strings.HasPrefix(op.Path, "/variables/"):
		k := unescapePointer(strings.TrimPrefix(op.Path, "/variables/"))
		if op.Op == "remove" {
			delete(st.Stage.Variables, k)
			return nil
		}
		if st.Stage.Variables == nil {
			st.Stage.Variables = map[string]string{}
		}
		st.Stage.Variables[k] = op.Value
		return validateVariables(st.Stage.Variables)
	default:
		return applyMethodSettingPatch(st, op)
	}
	return nil
}

// AWS's default account-level throttle (spec §10.3).
const (
	DefaultRateLimit  = 10000
	DefaultBurstLimit = 5000
)
