package apigw

import (
	"encoding/json"

	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// taggingOps are the operations whose input carries "tags": their
// authorization sees aws:RequestTag/<key> and aws:TagKeys, as AWS's
// service authorization reference lists for CreateRestApi, CreateStage and
// CreateDomainName (apigateway:POST on the collection).
var taggingOps = map[string]bool{"CreateRestApi": true, "CreateStage": true, "CreateDomainName": true}

// operationKeys returns the condition keys operation op adds, read from
// its body; nil when it adds none. A body that is not the operation's JSON
// adds none: the operation itself then refuses it, after authorization,
// with its own validation error, as AWS does.
func operationKeys(op string, body []byte) func(*policy.Context) {
	if !taggingOps[op] || len(body) == 0 {
		return nil
	}
	var in struct {
		Tags map[string]string `json:"tags"`
	}
	if json.Unmarshal(body, &in) != nil || len(in.Tags) == 0 {
		return nil
	}
	tags := pipeline.TagsFromMap(in.Tags)
	return func(c *policy.Context) { pipeline.RequestTags(c, tags) }
}
