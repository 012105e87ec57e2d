package apigw

import (
	"strconv"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// CanarySettings is Stage.canarySettings: a share of the stage's traffic
// served by another deployment, with its own stage variable overrides
// ("Set up an API Gateway canary release deployment", developer guide).
type CanarySettings struct {
	PercentTraffic         float64           `json:"percentTraffic"`
	DeploymentID           string            `json:"deploymentId,omitempty"`
	StageVariableOverrides map[string]string `json:"stageVariableOverrides,omitempty"`
	UseStageCache          bool              `json:"useStageCache"`
}

// deploymentCanaryIn is CreateDeployment's canarySettings
// (DeploymentCanarySettings): the deployment being created is the canary.
type deploymentCanaryIn struct {
	PercentTraffic         float64           `json:"percentTraffic"`
	StageVariableOverrides map[string]string `json:"stageVariableOverrides"`
	UseStageCache          bool              `json:"useStageCache"`
}

func (c *deploymentCanaryIn) validate(stage string) error {
	if c == nil {
		return nil
	}
	if stage == "" {
		// AWS: a canary is deployed onto an existing stage only.
		return awserr.BadRequestException.New("Canary settings require a stage name")
	}
	if err := validPercent(c.PercentTraffic); err != nil {
		return err
	}
	return validateVariables(c.StageVariableOverrides)
}

func (c *deploymentCanaryIn) settings(deploymentID string) *CanarySettings {
	return &CanarySettings{PercentTraffic: c.PercentTraffic, DeploymentID: deploymentID,
		StageVariableOverrides: c.StageVariableOverrides, UseStageCache: c.UseStageCache}
}

func validPercent(p float64) error {
	if p < 0 || p > 100 || p != p {
		return awserr.BadRequestException.New("Canary traffic percentage must be between 0.0 and 100.0")
	}
	return nil
}

// applyCanaryPatch applies the /canarySettings patch paths of UpdateStage
// and the two copy operations AWS documents for promoting a canary
// ("Promote a canary release", developer guide):
//
//	copy from /canarySettings/deploymentId to /deploymentId
//	copy from /canarySettings/stageVariableOverrides to /variables
//
// together with replace /canarySettings/percentTraffic 0.0. Promoting does
// not remove the canary; remove /canarySettings does.
func applyCanaryPatch(tx store.Tx, st *StageRecord, op PatchOp) error {
	if op.Op == "copy" {
		cs := st.Stage.CanarySettings
		switch {
		case op.From == "/canarySettings/deploymentId" && op.Path == "/deploymentId":
			if cs == nil || cs.DeploymentID == "" {
				return awserr.BadRequestException.New("Stage has no canary settings to copy from")
			}
			st.Stage.DeploymentID = cs.DeploymentID
		case op.From == "/canarySettings/stageVariableOverrides" && op.Path == "/variables":
			if cs == nil {
				return awserr.BadRequestException.New("Stage has no canary settings to copy from")
			}
			if len(cs.StageVariableOverrides) > 0 && st.Stage.Variables == nil {
				st.Stage.Variables = map[string]string{}
			}
			for k, v := range cs.StageVariableOverrides {
				st.Stage.Variables[k] = v
			}
			return validateVariables(st.Stage.Variables)
		default:
			return badPatch(op)
		}
		return nil
	}
	if op.Path == "/canarySettings" {
		if op.Op != "remove" {
			return badPatch(op)
		}
		st.Stage.CanarySettings = nil
		return nil
	}
	if op.Op != "replace" && op.Op != "add" && op.Op != "remove" {
		return badPatch(op)
	}
	cs := st.Stage.CanarySettings
	if cs == nil {
		if op.Op == "remove" {
			return nil
		}
		// Canary settings added by an update start on the stage's own
		// deployment until deploymentId is set.
		cs = &CanarySettings{DeploymentID: st.Stage.DeploymentID}
	}
	v := valueOrEmpty(op)
	switch p := strings.TrimPrefix(op.Path, "/canarySettings/"); {
	case p == "percentTraffic":
		f := 0.0
		if v != "" {
			var err error
			if f, err = strconv.ParseFloat(v, 64); err != nil {
				return awserr.BadRequestException.Errorf("Invalid percent traffic specified: %s", echo(v))
			}
		}
		if err := validPercent(f); err != nil {
			return err
		}
		cs.PercentTraffic = f
	case p == "deploymentId":
		if op.Op == "remove" {
			return badPatch(op)
		}
		if _, err := loadDeployment(tx, st.APIID, v); err != nil {
			return err
		}
		cs.DeploymentID = v
	case p == "useStageCache":
		cs.UseStageCache = v == "true"
	case strings.HasPrefix(p, "stageVariableOverrides/"):
		k := unescapePointer(strings.TrimPrefix(p, "stageVariableOverrides/"))
		if op.Op == "remove" {
			delete(cs.StageVariableOverrides, k)
			break
		}
		if cs.StageVariableOverrides == nil {
			cs.StageVariableOverrides = map[string]string{}
		}
		cs.StageVariableOverrides[k] = v
		if err := validateVariables(cs.StageVariableOverrides); err != nil {
			return err
		}
	default:
		return badPatch(op)
	}
	st.Stage.CanarySettings = cs
	return nil
}

// validCacheSize checks a cacheClusterSize (GB) against AWS's sizes.
func validCacheSize(v string) error {
	switch v {
	case "", "0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237":
		return nil
	}
	return awserr.BadRequestException.Errorf("Invalid cache cluster size specified: %s", echo(v))
}

// fixCacheStatus derives cacheClusterStatus from cacheClusterEnabled: the
// cache is in-process, so it is AVAILABLE at once (AWS passes through
// CREATE_IN_PROGRESS for minutes); a cache enabled without a size gets
// AWS's smallest, 0.5 GB.
func (s *Stage) fixCacheStatus() {
	if s.CacheClusterEnabled {
		if s.CacheClusterSize == "" {
			s.CacheClusterSize = "0.5"
		}
		s.CacheClusterStatus = "AVAILABLE"
		return
	}
	s.CacheClusterStatus = "NOT_AVAILABLE"
}
