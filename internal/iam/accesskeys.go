package iam

import (
	"errors"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// keyOwner resolves whose keys an access-key operation manages: the named
// user, the calling user, or (root caller, no name) the root itself.
// It authorizes the operation. user is "" for root keys.
func (c *call) keyOwner(userName string) (user, display string, err error) {
	name := userName
	if name == "" {
		switch c.p.Kind {
		case authn.Root:
			if err := c.allow(c.p.ARN, nil); err != nil {
				return "", "", err
			}
			return "", "", nil
		case authn.User:
			name = c.p.UserName
		default:
			return "", "", awserr.ValidationError.New("Must specify userName when calling with non-User credentials")
		}
	}
	// The caller's own name is implied when the input names no user.
	u, err := c.userTarget(name, true, nil)
	if err != nil {
		return "", "", err
	}
	return strings.ToLower(u.Name), u.Name, nil
}

type xmlAccessKey struct {
	UserName        string `xml:",omitempty"`
	AccessKeyId     string
	Status          string
	SecretAccessKey string `xml:",omitempty"`
	CreateDate      string
}

func opCreateAccessKey(c *call, in *createAccessKeyIn) (*createAccessKeyOut, error) {
	user, display, err := c.keyOwner(in.UserName)
	if err != nil {
		return nil, err
	}
	secret := NewSecret()
	k := &AccessKey{Account: c.account(), User: user, Status: "Active", Created: c.s.now().UTC()}
	c.s.drawKeyID(c.snap, k, secret)
	err = c.update(func(tx store.Tx) error {
		if user != "" {
			if u, err := getJSON[User](tx, kindUser, entityKey(c.account(), user)); err != nil || u == nil {
				return firstErr(err, noSuchUser(display))
			}
		}
		keys, err := ownedKeys(tx, k.Account, user)
		if err != nil {
			return err
		}
		if len(keys) >= 2 {
			return awserr.LimitExceeded.New("Cannot exceed quota for AccessKeysPerUser: 2")
		}
		return c.s.createFreshKey(tx, c.snap, k, secret)
	})
	if err != nil {
		return nil, err
	}
	return &createAccessKeyOut{xmlAccessKey{UserName: display, AccessKeyId: k.ID, Status: "Active",
		SecretAccessKey: secret, CreateDate: isoTime(k.Created)}}, nil
}

// Access key ids are AWS-shaped (AKIA, the account as AWS encodes it, so
// that GetAccessKeyInfo answers from the id alone, then random base32: 20
// characters), which leaves 39 random bits: among a million keys a new id
// collides with one in use about once in 500,000 draws, so an id is never
// trusted to be unique by chance. It is drawn again while the snapshot has
// it, and again inside the write transaction while the store has it (the
// store's create is the authority: another node may have taken it since
// the snapshot), so CreateAccessKey never acknowledges a key whose id
// belongs to another. newAccessKeyID is replaced by tests to force
// collisions.
var newAccessKeyID = func(account string) string { return NewID("AKIA", account, 20) }

// maxKeyIDDraws bounds the draws of one id; at 39 bits, running out means
// the random source is broken, and the write fails rather than loop.
const maxKeyIDDraws = 16

// drawKeyID gives k a fresh id (not in snap) and seals secret for it.
func (s *Service) drawKeyID(snap *Snapshot, k *AccessKey, secret string) {
	for range maxKeyIDDraws {
		k.ID = newAccessKeyID(k.Account)
		if snap == nil || snap.keys.get(k.ID) == nil {
			break
		}
	}
	k.Secret = s.box.Seal(secret, k.ID) // the id is the sealed secret's associated data
}

// createFreshKey stores k (see createKey), drawing another id while the
// store already has one.
func (s *Service) createFreshKey(tx store.Tx, snap *Snapshot, k *AccessKey, secret string) error {
	for range maxKeyIDDraws {
		err := createKey(tx, k)
		if err != store.ErrExists {
			return err
		}
		s.drawKeyID(snap, k, secret)
	}
	return errors.New("iam: no free access key id after repeated draws")
}

func (c *call) ownerKeyList(user string) []*KeyEntry {
	owner := c.account() + "/"
	if user != "" {
		owner = entityKey(c.account(), user)
	}
	ks := append([]*KeyEntry(nil), c.snap.ownerKeyList(owner)...)
	sort.Slice(ks, func(i, j int) bool { return ks[i].ID < ks[j].ID })
	return ks
}

func opListAccessKeys(c *call, in *listAccessKeysIn) (*listAccessKeysOut, error) {
	user, display, err := c.keyOwner(in.UserName)
	if err != nil {
		return nil, err
	}
	ks := c.ownerKeyList(user)
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, ks, func(k *KeyEntry) string { return k.ID })
	if err != nil {
		return nil, err
	}
	out := make([]xmlAccessKey, len(pg))
	for i, k := range pg {
		out[i] = xmlAccessKey{UserName: display, AccessKeyId: k.ID, Status: k.Status, CreateDate: isoTime(k.Created)}
	}
	return &listAccessKeysOut{list(out), trunc, marker}, nil
}

func (c *call) modifyKey(accessKeyID, user string, fn func(tx store.Tx, k *AccessKey) error) error {
	id := accessKeyID
	if id == "" {
		return validation("", "accessKeyId", "Member must not be null")
	}
	return c.update(func(tx store.Tx) error {
		k, err := getJSON[AccessKey](tx, kindAccessKey, id)
		if err != nil {
			return err
		}
		if k == nil || k.Account != c.account() || k.User != user {
			return awserr.NoSuchEntity.Errorf("The Access Key with id %s cannot be found.", id)
		}
		return fn(tx, k)
	})
}

func opUpdateAccessKey(c *call, in *updateAccessKeyIn) (*noOutput, error) {
	user, _, err := c.keyOwner(in.UserName)
	if err != nil {
		return done(err)
	}
	st := in.Status
	if st != "Active" && st != "Inactive" {
		return done(validation(st, "status", "Member must satisfy enum value set: [Active, Inactive, Expired]"))
	}
	return done(c.modifyKey(in.AccessKeyId, user, func(tx store.Tx, k *AccessKey) error {
		k.Status = st
		return putJSON(tx, kindAccessKey, k.ID, k)
	}))
}

func opDeleteAccessKey(c *call, in *deleteAccessKeyIn) (*noOutput, error) {
	user, _, err := c.keyOwner(in.UserName)
	if err != nil {
		return done(err)
	}
	return done(c.modifyKey(in.AccessKeyId, user, func(tx store.Tx, k *AccessKey) error {
		return deleteKey(tx, k)
	}))
}

func opGetAccessKeyLastUsed(c *call, in *getAccessKeyLastUsedIn) (*getAccessKeyLastUsedOut, error) {
	id := in.AccessKeyId
	k := c.snap.keys.get(id)
	if k == nil || k.Account != c.account() {
		if err := c.allow(arn.IAM(c.account(), "user/*"), nil); err != nil {
			return nil, err
		}
		return nil, awserr.NoSuchEntity.Errorf("The Access Key with id %s cannot be found.", id)
	}
	res := c.p.ARN
	if k.User != "" {
		res = c.snap.users.get(entityKey(k.Account, k.User)).arn
	}
	if err := c.allow(res, nil); err != nil {
		return nil, err
	}
	return &getAccessKeyLastUsedOut{k.ownerName(), xmlLastUsed{"N/A", "N/A"}}, nil
}

// ownerName is the original-case name of the key's user, "" for the root.
func (k *KeyEntry) ownerName() string {
	if k.User == "" || k.owner == nil {
		return ""
	}
	return k.owner.UserName
}

type createAccessKeyOut struct {
	AccessKey xmlAccessKey
}

type createAccessKeyIn struct {
	UserName string
}

type listAccessKeysOut struct {
	AccessKeyMetadata *members[xmlAccessKey]
	IsTruncated       bool
	Marker            string "xml:\",omitempty\""
}

type listAccessKeysIn struct {
	Marker   string
	MaxItems string
	UserName string
}

type updateAccessKeyIn struct {
	AccessKeyId string
	Status      string
	UserName    string
}

type deleteAccessKeyIn struct {
	AccessKeyId string
	UserName    string
}

type getAccessKeyLastUsedOut struct {
	UserName          string "xml:\",omitempty\""
	AccessKeyLastUsed xmlLastUsed
}

type getAccessKeyLastUsedIn struct {
	AccessKeyId string
}

type xmlLastUsed struct{ ServiceName, Region string }
