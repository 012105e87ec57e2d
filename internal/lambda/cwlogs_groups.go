package lambda

// CloudWatch Logs log groups as records: CreateLogGroup, DeleteLogGroup,
// PutRetentionPolicy and DeleteRetentionPolicy, the calls infrastructure
// tools make (the CDK's Custom::LogRetention provider, Terraform's
// aws_cloudwatch_log_group, CloudFormation's AWS::Logs::LogGroup). A
// created group is a record in the store (shared by every node), keyed by
// account, region and name; a function's /aws/lambda/FUNCTION group also
// exists, without a record, once the function has logged (as on AWS,
// where the function's first log line creates it). Retention is
// recorded and reported (DescribeLogGroups' retentionInDays); events are
// not expired by it.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// kindLogGroup is the store kind of created log groups.
const kindLogGroup = "logs/group"

// groupRecord is a created log group.
type groupRecord struct {
	Created   int64             `json:"created"` // Unix milliseconds
	Retention int               `json:"retentionInDays,omitempty"`
	KMSKeyID  string            `json:"kmsKeyId,omitempty"`
	Tags      map[string]string `json:"tags,omitempty"`
}

func groupKey(account, region, name string) string { return account + "/" + region + "/" + name }

// retentionDays are the values PutRetentionPolicy takes.
var retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// groupRecordOf reads g's record; nil when it has none.
func (l *Logs) groupRecordOf(ctx context.Context, g logGroup) (*groupRecord, error) {
	rec, err := l.s.store.Get(ctx, kindLogGroup, groupKey(g.account, g.region, g.name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, awserr.ServiceUnavailable.New("").WithCause(err)
	}
	var gr groupRecord
	if err := json.Unmarshal(rec.Value, &gr); err != nil {
		return nil, awserr.ServiceUnavailable.New("").WithCause(err)
	}
	return &gr, nil
}

// hasEvents reports whether g is a function's group with a log on disk.
func (l *Logs) hasEvents(g logGroup) bool {
	if g.function == "" {
		return false
	}
	for _, p := range []string{g.path(l.s.dataDir), g.path(l.s.dataDir) + ".1"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// groupNamed resolves logGroupName (these operations take no identifier)
// and authorizes action on the group.
func (l *Logs) groupNamed(q *request, action string, name *string) (logGroup, error) {
	if name == nil {
		return logGroup{}, awserr.LogsInvalidParameter.New("1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: Member must not be null")
	}
	g, err := resolveGroup(q, name, nil)
	if err != nil {
		return g, err
	}
	return g, l.authorize(q, action, g.resourceARN(""), g.account)
}

var errGroupMissing = awserr.LogsResourceNotFound.New("The specified log group does not exist.")

func (l *Logs) createLogGroup(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName  *string           `json:"logGroupName"`
		KmsKeyID      *string           `json:"kmsKeyId"`
		Tags          map[string]string `json:"tags"`
		LogGroupClass *string           `json:"logGroupClass"`
		DeletionProt  *bool             `json:"deletionProtectionEnabled"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, err := l.groupNamed(q, "CreateLogGroup", in.LogGroupName)
	if err != nil {
		return nil, err
	}
	if in.LogGroupClass != nil && *in.LogGroupClass != "STANDARD" {
		return nil, awserr.LogsInvalidParameter.New("Only the STANDARD log group class exists here")
	}
	if in.DeletionProt != nil && *in.DeletionProt {
		return nil, awserr.LogsInvalidParameter.New("gatehouse does not support deletion protection of log groups")
	}
	if len(in.Tags) > 50 {
		return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for k, v := range in.Tags {
		if k == "" || len(k) > 128 || len(v) > 256 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, awserr.LogsValidation.New("1 validation error detected: Value at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
		}
	}
	exists := awserr.LogsResourceAlreadyExists.New("The specified log group already exists")
	if l.hasEvents(g) {
		return nil, exists
	}
	rec := groupRecord{Created: l.now().UnixMilli(), Tags: in.Tags}
	if in.KmsKeyID != nil {
		rec.KMSKeyID = *in.KmsKeyID
	}
	b, _ := json.Marshal(rec)
	_, err = l.s.store.Update(q.r.Context(), func(tx store.Tx) error {
		return tx.Create(kindLogGroup, groupKey(g.account, g.region, g.name), b)
	})
	if errors.Is(err, store.ErrExists) {
		return nil, exists
	}
	if err != nil {
		return nil, awserr.ServiceUnavailable.New("").WithCause(err)
	}
	return struct{}{}, nil
}

func (l *Logs) deleteLogGroup(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName *string `json:"logGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, err := l.groupNamed(q, "DeleteLogGroup", in.LogGroupName)
	if err != nil {
		return nil, err
	}
	_, err = l.s.store.Update(q.r.Context(), func(tx store.Tx) error {
		return tx.Delete(kindLogGroup, groupKey(g.account, g.region, g.name))
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		// A function's group that exists by its events only: they stay
		// with the function (doc/logs.md); the call succeeds as on AWS.
		if !l.hasEvents(g) {
			return nil, errGroupMissing
		}
	case err != nil:
		return nil, awserr.ServiceUnavailable.New("").WithCause(err)
	}
	return struct{}{}, nil
}

// setRetention writes days (0: never expire) into g's record, creating the
// record of a function's group that exists by its events.
func (l *Logs) setRetention(q *request, g logGroup, days int) error {
	key := groupKey(g.account, g.region, g.name)
	events := l.hasEvents(g)
	now := l.now().UnixMilli()
	_, err := l.s.store.Update(q.r.Context(), func(tx store.Tx) error {
		var rec groupRecord
		old, err := tx.Get(kindLogGroup, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if !events {
				return errGroupMissing
			}
			rec.Created = now
		case err != nil:
			return err
		default:
			if err := json.Unmarshal(old.Value, &rec); err != nil {
				return err
			}
		}
		rec.Retention = days
		b, _ := json.Marshal(rec)
		return tx.Put(kindLogGroup, key, b)
	})
	var ae *awserr.Error
	if err != nil && !errors.As(err, &ae) {
		return awserr.ServiceUnavailable.New("").WithCause(err)
	}
	return err
}

func (l *Logs) putRetentionPolicy(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName    *string `json:"logGroupName"`
		RetentionInDays *int    `json:"retentionInDays"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.RetentionInDays == nil {
		return nil, awserr.LogsInvalidParameter.New("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	ok := false
	for _, d := range retentionDays {
		ok = ok || d == *in.RetentionInDays
	}
	if !ok {
		set := make([]string, len(retentionDays))
		for i, d := range retentionDays {
			set[i] = strconv.Itoa(d)
		}
		return nil, awserr.LogsInvalidParameter.Errorf("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
			*in.RetentionInDays, strings.Join(set, ", "))
	}
	g, err := l.groupNamed(q, "PutRetentionPolicy", in.LogGroupName)
	if err != nil {
		return nil, err
	}
	return struct{}{}, l.setRetention(q, g, *in.RetentionInDays)
}

func (l *Logs) deleteRetentionPolicy(q *request, body []byte) (any, error) {
	var in struct {
		LogGroupName *string `json:"logGroupName"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	g, err := l.groupNamed(q, "DeleteRetentionPolicy", in.LogGroupName)
	if err != nil {
		return nil, err
	}
	return struct{}{}, l.setRetention(q, g, 0)
}

// createdGroups are the names and records of the created groups of an
// account and region.
func (l *Logs) createdGroups(ctx context.Context, account, region string) (map[string]*groupRecord, error) {
	prefix := groupKey(account, region, "")
	recs, err := l.s.store.List(ctx, kindLogGroup, prefix)
	if err != nil {
		return nil, awserr.ServiceUnavailable.New("").WithCause(err)
	}
	out := make(map[string]*groupRecord, len(recs))
	for _, r := range recs {
		var gr groupRecord
		if json.Unmarshal(r.Value, &gr) == nil {
			out[strings.TrimPrefix(r.Key, prefix)] = &gr
		}
	}
	return out, nil
}

func (l *Logs) now() time.Time {
	if l.s.cfg.Now != nil {
		return l.s.cfg.Now()
	}
	return time.Now()
}
