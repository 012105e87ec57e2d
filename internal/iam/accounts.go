package iam

import (
	"context"
	"crypto/rand"
	"math/big"
	"regexp"
	"sort"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// Bootstrap makes sure account exists and that accessKeyID/secret is an
// active root access key of it. It is idempotent: run it at every start.
func (s *Service) Bootstrap(ctx context.Context, account, name, accessKeyID, secret string) error {
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		a, err := getJSON[Account](tx, kindAccount, account)
		if err != nil {
			return err
		}
		if a == nil {
			if err := createJSON(tx, kindAccount, account, &Account{ID: account, Name: name, Created: s.now().UTC()}); err != nil {
				return err
			}
		}
		if accessKeyID == "" {
			return nil
		}
		// A previously configured root key that is no longer the
		// configured one stops working.
		// Only the root's keys, through the owner index: reading every
		// key made each start O(keys) (issue #17).
		all, err := ownedKeys(tx, account, "")
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Bootstrap && o.Account == account && o.ID != accessKeyID {
				if err := deleteKey(tx, o); err != nil {
					return err
				}
			}
		}
		k, err := getJSON[AccessKey](tx, kindAccessKey, accessKeyID)
		if err != nil {
			return err
		}
		if k != nil {
			if k.Account != account || k.User != "" {
				return errBootstrapKey
			}
			if old, err := s.box.Open(k.Secret, k.ID); err == nil && old == secret && k.Status == "Active" && k.Bootstrap {
				return nil
			}
		} else {
			k = &AccessKey{ID: accessKeyID, Account: account, Created: s.now().UTC()}
		}
		k.Secret = s.box.Seal(secret, accessKeyID)
		k.Status = "Active"
		k.Bootstrap = true
		return putKey(tx, k, nil)
	})
	return err
}

var errBootstrapKey = awserr.InvalidInput.New("the configured root access key id belongs to another principal")

// NewAccount is the result of CreateAccount.
type NewAccount struct {
	AccountID       string `xml:"AccountId" json:"AccountId"`
	AccessKeyID     string `xml:"AccessKeyId" json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

// CreateAccount creates an account (random id when id is empty) and a root
// access key for it.
func (s *Service) CreateAccount(ctx context.Context, id, name string) (*NewAccount, error) {
	if id != "" && !accountIDRE.MatchString(id) {
		return nil, validation(id, "accountId", "Member must satisfy regular expression pattern: [0-9]{12}")
	}
	out := &NewAccount{}
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		acct := id
		for tries := 0; acct == ""; tries++ {
			n, err := rand.Int(rand.Reader, big.NewInt(899999999999))
			if err != nil {
				return err
			}
			cand := n.Add(n, big.NewInt(100000000000)).String()
			if a, err := getJSON[Account](tx, kindAccount, cand); err != nil {
				return err
			} else if a == nil {
				acct = cand
			}
		}
		if a, err := getJSON[Account](tx, kindAccount, acct); err != nil {
			return err
		} else if a != nil {
			return awserr.EntityAlreadyExists.Errorf("Account %s already exists.", acct)
		}
		if err := createJSON(tx, kindAccount, acct, &Account{ID: acct, Name: name, Created: s.now().UTC()}); err != nil {
			return err
		}
		secret := NewSecret()
		k := &AccessKey{Account: acct, Status: "Active", Created: s.now().UTC()}
		s.drawKeyID(s.Snapshot(), k, secret)
		if err := s.createFreshKey(tx, s.Snapshot(), k, secret); err != nil {
			return err
		}
		*out = NewAccount{AccountID: acct, AccessKeyID: k.ID, SecretAccessKey: secret}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type xmlAccount struct {
	AccountId  string
	Name       string `xml:",omitempty"`
	CreateDate string
}

// opCreateAccount is gatehouse's own action: only principals of the
// default account may call it, and they need gatehouse:CreateAccount (its
// root always has it).
func opCreateAccount(c *call, in *createAccountIn) (*NewAccount, error) {
	if err := c.accountsAllowed("gatehouse:CreateAccount"); err != nil {
		return nil, err
	}
	na, err := c.s.CreateAccount(c.ctx, in.AccountId, in.Name)
	if err != nil {
		return nil, err
	}
	return na, nil
}

func opListAccounts(c *call, in *listAccountsIn) (*listAccountsOut, error) {
	if err := c.accountsAllowed("gatehouse:ListAccounts"); err != nil {
		return nil, err
	}
	var out []xmlAccount
	for _, a := range c.snap.accounts.all() {
		out = append(out, xmlAccount{AccountId: a.ID, Name: a.Name, CreateDate: isoTime(a.Created)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccountId < out[j].AccountId })
	return &listAccountsOut{list(out)}, nil
}

func (c *call) accountsAllowed(action string) error {
	res := arn.Root(c.s.cfg.DefaultAccount)
	if c.p.AccountID != c.s.cfg.DefaultAccount {
		// Only the default account administers accounts: no policy can
		// allow it from another.
		return c.s.Denied(c.p, AuthzRequest{Action: action, Resource: res}, policy.Decision{Effect: policy.ImplicitDeny, Type: policy.TypeIdentity, Statement: -1})
	}
	return c.authorize(action, res, nil)
}

type createAccountIn struct {
	AccountId string
	Name      string
}

type listAccountsOut struct {
	Accounts *members[xmlAccount]
}

type listAccountsIn struct{}
