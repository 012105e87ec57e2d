package iam

import (
	"context"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// SeedSpec is a synthetic population of one account, written straight to
// the store for scale measurements (bench/scale -seed): the million-key
// start-up of issue #17 would take hours to create through the API.
type SeedSpec struct {
	Account         string
	Prefix          string // entity names are Prefix + a number
	Users           int    // each with one inline policy and one attached managed policy
	KeysPerUser     int
	Roles           int // each with a trust policy, one inline and one attached managed policy
	ManagedPolicies int // attached round-robin
	Batch           int // entities per transaction (default 1000)
}

// SeedKey is the credentials of one seeded access key.
type SeedKey struct{ ID, Secret, User string }

// Seed writes spec's entities in transactions of spec.Batch, through the
// same record formats and key index as the API, and returns the last
// user's first key. progress, if set, is called after each transaction.
// It does not check quotas or names: it is for empty test stores.
func (s *Service) Seed(ctx context.Context, spec SeedSpec, progress func(kind string, done int)) (SeedKey, error) {
	if spec.Batch <= 0 {
		spec.Batch = 1000
	}
	acct := spec.Account
	now := s.now().UTC()
	selfDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","execute-api:Invoke"],"Resource":"*"}]}`
	managed := make([]string, spec.ManagedPolicies)
	for lo := 0; lo < spec.ManagedPolicies; lo += spec.Batch {
		hi := min(lo+spec.Batch, spec.ManagedPolicies)
		_, err := s.store.Update(ctx, func(tx store.Tx) error {
			for i := lo; i < hi; i++ {
				name := fmt.Sprintf("%s-policy-%07d", spec.Prefix, i)
				res := string(arn.NewExecuteAPIStage("*", acct, fmt.Sprintf("api%d", i), "*")) + "*"
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"` + res + `"}]}`
				p := &ManagedPolicy{Account: acct, Name: name, Path: "/", ID: NewID("ANPA", acct, 21), Created: now, Updated: now,
					DefaultVersion: "v1", NextVersion: 2, Versions: []PolicyVersion{{ID: "v1", Document: doc, Created: now}}}
				managed[i] = p.ARN()
				if err := createJSON(tx, kindPolicy, entityKey(acct, name), p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return SeedKey{}, err
		}
		if progress != nil {
			progress("managed policies", hi)
		}
	}
	attach := func(i int) []string {
		if len(managed) == 0 {
			return nil
		}
		return []string{managed[i%len(managed)]}
	}
	var last SeedKey
	// Key ids carry 39 random bits: among a million, some collide, and a
	// seed must not fail on one.
	issued := map[string]bool{}
	for lo := 0; lo < spec.Users; lo += spec.Batch {
		hi := min(lo+spec.Batch, spec.Users)
		// Sealing is the slow part: do it before the transaction.
		type key struct {
			k      *AccessKey
			secret string
		}
		keys := make([]key, 0, (hi-lo)*spec.KeysPerUser)
		for i := lo; i < hi; i++ {
			name := fmt.Sprintf("%s-user-%07d", spec.Prefix, i)
			for j := 0; j < spec.KeysPerUser; j++ {
				id, secret := NewID("AKIA", acct, 20), NewSecret()
				for issued[id] {
					id = NewID("AKIA", acct, 20)
				}
				issued[id] = true
				keys = append(keys, key{&AccessKey{ID: id, Account: acct, User: strings.ToLower(name), Secret: s.box.Seal(secret, id), Status: "Active", Created: now}, secret})
			}
		}
		_, err := s.store.Update(ctx, func(tx store.Tx) error {
			for i := lo; i < hi; i++ {
				name := fmt.Sprintf("%s-user-%07d", spec.Prefix, i)
				u := &User{Account: acct, Name: name, Path: "/", ID: NewID("AIDA", acct, 21), Created: now,
					Inline: []InlinePolicy{{Name: "self", Document: selfDoc}}, Attached: attach(i)}
				if err := createJSON(tx, kindUser, entityKey(acct, name), u); err != nil {
					return err
				}
			}
			for _, k := range keys {
				if err := createKey(tx, k.k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return SeedKey{}, err
		}
		if len(keys) > 0 {
			k := keys[len(keys)-spec.KeysPerUser]
			last = SeedKey{ID: k.k.ID, Secret: k.secret, User: fmt.Sprintf("%s-user-%07d", spec.Prefix, hi-1)}
		}
		if progress != nil {
			progress("users", hi)
		}
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + arn.Root(acct) + `"},"Action":"sts:AssumeRole"}]}`
	for lo := 0; lo < spec.Roles; lo += spec.Batch {
		hi := min(lo+spec.Batch, spec.Roles)
		_, err := s.store.Update(ctx, func(tx store.Tx) error {
			for i := lo; i < hi; i++ {
				name := fmt.Sprintf("%s-role-%07d", spec.Prefix, i)
				r := &Role{Account: acct, Name: name, Path: "/", ID: NewID("AROA", acct, 21), Created: now, TrustPolicy: trust,
					MaxSessionDuration: 3600, Inline: []InlinePolicy{{Name: "self", Document: selfDoc}}, Attached: attach(i)}
				if err := createJSON(tx, kindRole, entityKey(acct, name), r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return SeedKey{}, err
		}
		if progress != nil {
			progress("roles", hi)
		}
	}
	return last, nil
}
