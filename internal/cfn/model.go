package cfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// Store kinds. A stack record holds the stack, its resources and
// outputs; events and change sets are records of their own, so that a
// long event history is not rewritten on every status change.
const (
	kindStack     = "cfn.stack"     // ACCOUNT/REGION/STACK-UUID
	kindEvent     = "cfn.event"     // ACCOUNT/REGION/STACK-UUID/NANOS-SEQ
	kindChangeSet = "cfn.changeset" // ACCOUNT/REGION/CHANGESET-UUID
)

// Stack is one stack, as stored.
type Stack struct {
	ID, Name, UUID        string
	Account, Region       string
	Status, StatusReason  string
	Description           string
	Created               time.Time
	Updated, Deleted      time.Time `json:",omitzero"`
	Parameters            []Parameter
	Capabilities          []string
	RoleARN               string
	Tags                  []Tag
	DisableRollback       bool
	TerminationProtection bool
	TimeoutInMinutes      int
	NotificationARNs      []string
	Outputs               []Output
	Template              string // the original template body
	Processed             string // after transforms, JSON
	Resources             map[string]*resourceState
	ChangeSetID           string
	ClientRequestToken    string
	LastOperation         string
	Review                bool // created by a CREATE change set not yet executed (REVIEW_IN_PROGRESS)
	PreviousTemplate      string
	PreviousProcessed     string
	PreviousParameters    []Parameter
	EventSeq              int64
}

// Parameter is a stack parameter's value.
type Parameter struct {
	Key, Value    string
	ResolvedValue string `json:",omitempty"`
	NoEcho        bool
	UsePrevious   bool `json:"-"`
}

// Tag is a stack tag.
type Tag struct{ Key, Value string }

// Output is a stack output.
type Output struct {
	Key, Value, Description, ExportName string
}

// resourceState is one resource of a stack.
type resourceState struct {
	LogicalID, Type, PhysicalID string
	Status, StatusReason        string
	Updated                     time.Time
	Attributes                  map[string]any
	Properties                  map[string]any // resolved, as last applied
	DeletionPolicy              string
	Metadata                    any `json:",omitempty"`
}

// Event is one stack event.
type Event struct {
	StackID, EventID, StackName string
	LogicalID, PhysicalID, Type string
	Timestamp                   time.Time
	Status, Reason              string
	Properties                  string `json:",omitempty"`
	ClientRequestToken          string `json:",omitempty"`
}

// ChangeSet is a stored change set.
type ChangeSet struct {
	ID, Name, UUID       string
	StackID, StackName   string
	Account, Region      string
	Type                 string // CREATE or UPDATE
	Status, StatusReason string
	ExecutionStatus      string
	Created              time.Time
	Description          string
	Parameters           []Parameter
	Capabilities         []string
	RoleARN              string
	Tags                 []Tag
	Template, Processed  string
	Changes              []Change
	ClientToken          string
}

// Change is one resource change of a change set.
type Change struct {
	Action, LogicalID, PhysicalID, Type, Replacement string
	Scope                                            []string
}

func stackKey(account, region, uuid string) string { return account + "/" + region + "/" + uuid }

func (s *Service) putStack(ctx context.Context, st *Stack) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	_, err = s.store.Update(ctx, func(tx store.Tx) error {
		return tx.Put(kindStack, stackKey(st.Account, st.Region, st.UUID), b)
	})
	return err
}

func decodeStack(r store.Record) (*Stack, error) {
	var st Stack
	if err := json.Unmarshal(r.Value, &st); err != nil {
		return nil, fmt.Errorf("cfn: stack record %s: %w", r.Key, err)
	}
	if st.Resources == nil {
		st.Resources = map[string]*resourceState{}
	}
	return &st, nil
}

// stacks lists the region's stacks, deleted ones included, oldest first.
func (s *Service) stacks(ctx context.Context, account, region string) ([]*Stack, error) {
	recs, err := s.store.List(ctx, kindStack, account+"/"+region+"/")
	if err != nil {
		return nil, err
	}
	var out []*Stack
	for _, r := range recs {
		st, err := decodeStack(r)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// findStack finds a stack by name (live stacks only) or by id (deleted
// ones too), as AWS resolves StackName.
func (s *Service) findStack(ctx context.Context, account, region, nameOrID string) (*Stack, error) {
	all, err := s.stacks(ctx, account, region)
	if err != nil {
		return nil, err
	}
	for _, st := range all {
		if st.ID == nameOrID {
			return st, nil
		}
		if st.Name == nameOrID && st.Status != "DELETE_COMPLETE" {
			return st, nil
		}
	}
	return nil, nil
}

func (s *Service) addEvents(ctx context.Context, st *Stack, evs ...Event) error {
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, e := range evs {
			st.EventSeq++
			key := fmt.Sprintf("%s/%020d-%08d", stackKey(st.Account, st.Region, st.UUID), e.Timestamp.UnixNano(), st.EventSeq)
			b, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if err := tx.Put(kindEvent, key, b); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// events returns a stack's events, newest first (DescribeStackEvents'
// order).
func (s *Service) events(ctx context.Context, st *Stack) ([]Event, error) {
	recs, err := s.store.List(ctx, kindEvent, stackKey(st.Account, st.Region, st.UUID)+"/")
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		var e Event
		if err := json.Unmarshal(recs[i].Value, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (s *Service) putChangeSet(ctx context.Context, cs *ChangeSet) error {
	b, err := json.Marshal(cs)
	if err != nil {
		return err
	}
	_, err = s.store.Update(ctx, func(tx store.Tx) error {
		return tx.Put(kindChangeSet, stackKey(cs.Account, cs.Region, cs.UUID), b)
	})
	return err
}

func (s *Service) deleteChangeSets(ctx context.Context, account, region string, match func(*ChangeSet) bool) error {
	sets, err := s.changeSets(ctx, account, region)
	if err != nil {
		return err
	}
	_, err = s.store.Update(ctx, func(tx store.Tx) error {
		for _, cs := range sets {
			if match(cs) {
				if err := tx.Delete(kindChangeSet, stackKey(cs.Account, cs.Region, cs.UUID)); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
		}
		return nil
	})
	return err
}

func (s *Service) changeSets(ctx context.Context, account, region string) ([]*ChangeSet, error) {
	recs, err := s.store.List(ctx, kindChangeSet, account+"/"+region+"/")
	if err != nil {
		return nil, err
	}
	var out []*ChangeSet
	for _, r := range recs {
		var cs ChangeSet
		if err := json.Unmarshal(r.Value, &cs); err != nil {
			return nil, err
		}
		out = append(out, &cs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// findChangeSet resolves ChangeSetName (an ARN, or a name with StackName).
func (s *Service) findChangeSet(ctx context.Context, account, region, name, stack string) (*ChangeSet, error) {
	sets, err := s.changeSets(ctx, account, region)
	if err != nil {
		return nil, err
	}
	for _, cs := range sets {
		if cs.ID == name {
			return cs, nil
		}
		if cs.Name == name && (cs.StackName == stack || cs.StackID == stack) {
			return cs, nil
		}
	}
	return nil, nil
}
