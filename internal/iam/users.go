package iam

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	arnpkg "github.com/gatehouse-dev/gatehouse/internal/arn"
	"github.com/gatehouse-dev/gatehouse/internal/authn"
	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/pipeline"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

type xmlBoundary struct {
	PermissionsBoundaryType string
	PermissionsBoundaryArn  string
}

func boundaryXML(arn string) *xmlBoundary {
	if arn == "" {
		return nil
	}
	return &xmlBoundary{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: arn}
}

type xmlUser struct {
	Path                string
	UserName            string
	UserId              string
	Arn                 string
	CreateDate          string
	PermissionsBoundary *xmlBoundary     `xml:",omitempty"`
	Tags                *members[xmlTag] `xml:",omitempty"`
}

func userXML(u *User, full bool) xmlUser {
	x := xmlUser{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN(), CreateDate: isoTime(u.Created)}
	if full {
		x.PermissionsBoundary = boundaryXML(u.Boundary)
		x.Tags = xmlTags(u.Tags)
	}
	return x
}

// Tag patterns of IAM's model (tagKeyType, tagValueType): letters,
// separators (spaces), numbers and _ . : / = + - @.
var (
	tagKeyRE   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValueRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// maxTags is IAM's tags per resource (tagListType's max): a request
// listing more is a ValidationError; TagX that would take a resource past
// it is LimitExceeded.
const maxTags = 50

// parseTags reads Tags.member.N.Key/Value and validates them as IAM's
// model constrains them, reporting the first violation with AWS's member
// path ("tags.3.member.key"; lengths count characters).
func parseTags(ms []map[string]string) ([]authn.Tag, error) {
	if len(ms) > maxTags {
		return nil, validation(fmt.Sprintf("[%d tags]", len(ms)), "tags", "Member must have length less than or equal to 50")
	}
	var out []authn.Tag
	seen := map[string]bool{}
	for i, m := range ms {
		k, v := m["Key"], m["Value"]
		at := "tags." + strconv.Itoa(i+1) + ".member."
		if _, ok := m["Key"]; !ok {
			return nil, validation("", at+"key", "Member must not be null")
		}
		if _, ok := m["Value"]; !ok {
			return nil, validation("", at+"value", "Member must not be null")
		}
		switch n := utf8.RuneCountInString(k); {
		case n < 1:
			return nil, validation(k, at+"key", "Member must have length greater than or equal to 1")
		case n > 128:
			return nil, validation(k, at+"key", "Member must have length less than or equal to 128")
		case !tagKeyRE.MatchString(k):
			return nil, validation(k, at+"key", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
		}
		if utf8.RuneCountInString(v) > 256 {
			return nil, validation(v, at+"value", "Member must have length less than or equal to 256")
		}
		if !tagValueRE.MatchString(v) {
			return nil, validation(v, at+"value", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, awserr.InvalidInput.New("User-defined tag keys can't start with 'aws:'.")
		}
		lk := strings.ToLower(k)
		if seen[lk] {
			return nil, awserr.InvalidInput.New("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lk] = true
		out = append(out, authn.Tag{Key: k, Value: v})
	}
	return out, nil
}

// tooManyTags is the error of a TagX call that would leave a resource
// with more than maxTags tags.
// tagKeys reads the TagKeys of the Untag* operations: at most 50 keys of
// 1 to 128 characters (the model's constraints, answered as AWS's
// ValidationError).
func checkTagKeys(keys []string) ([]string, error) {
	if len(keys) > maxTags {
		return nil, validation("["+strconv.Itoa(len(keys))+" tag keys]", "tagKeys", "Member must have length less than or equal to 50")
	}
	for i, k := range keys {
		if k == "" || utf8.RuneCountInString(k) > 128 {
			return nil, validation(k, "tagKeys."+strconv.Itoa(i+1)+".member", "Member must have length less than or equal to 128")
		}
	}
	return keys, nil
}

func tooManyTags(tags []authn.Tag) error {
	if len(tags) > maxTags {
		return awserr.LimitExceeded.New("The number of tags has reached the maximum limit.")
	}
	return nil
}

// mergeTags applies add to tags (case-insensitive keys, new values win).
func mergeTags(tags, add []authn.Tag) []authn.Tag {
	out := append([]authn.Tag(nil), tags...)
	for _, t := range add {
		found := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				found = true
			}
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

func removeTags(tags []authn.Tag, keys []string) []authn.Tag {
	var out []authn.Tag
	for _, t := range tags {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

// tagContext adds aws:RequestTag/<key> and aws:TagKeys for an operation
// that attaches tags (the pipeline's keys).
func tagContext(tags []authn.Tag) func(*policy.Context) {
	if len(tags) == 0 {
		return nil
	}
	return func(pc *policy.Context) { pipeline.RequestTags(pc, pipelineTags(tags)) }
}

func pipelineTags(tags []authn.Tag) []pipeline.Tag {
	out := make([]pipeline.Tag, len(tags))
	for i, t := range tags {
		out[i] = pipeline.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

// resourceTags adds the tags of the user or role being acted on: IAM
// documents both aws:ResourceTag/<key> and iam:ResourceTag/<key> for them.
// It composes with the operation's fill (which runs after it).
func resourceTags(tags []authn.Tag, fill func(*policy.Context)) func(*policy.Context) {
	if len(tags) == 0 {
		return fill
	}
	return func(pc *policy.Context) {
		for _, t := range tags {
			pc.Set("aws:ResourceTag/"+t.Key, t.Value)
			pc.Set("iam:ResourceTag/"+t.Key, t.Value)
		}
		if fill != nil {
			fill(pc)
		}
	}
}

func noSuchUser(name string) error {
	return awserr.NoSuchEntity.Errorf("The user with name %s cannot be found.", name)
}

// checkBoundaryARN makes sure a boundary policy exists.
func (c *call) checkPolicyExists(arn string) error {
	if arn == "" {
		return nil
	}
	if c.snap.Policy(arn) == nil {
		if _, _, ok := arnpkg.ParseIAM(arn); !ok {
			return awserr.InvalidInput.Errorf("ARN %s is not valid.", arn)
		}
		return awserr.NoSuchEntity.Errorf("Policy %s does not exist or is not attachable.", arn)
	}
	return nil
}

func opCreateUser(c *call, in *createUserIn) (*createUserOut, error) {
	name := in.UserName
	if err := checkName(name, "userName", 64); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path", pathRE)
	if err != nil {
		return nil, err
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return nil, err
	}
	pb := in.PermissionsBoundary
	fill := tagContext(tags)
	if pb != "" {
		prev := fill
		fill = func(pc *policy.Context) {
			if prev != nil {
				prev(pc)
			}
			pc.Set("iam:PermissionsBoundary", pb)
		}
	}
	if err := c.allow(userARN(c.account(), path, name), fill); err != nil {
		return nil, err
	}
	if err := c.checkPolicyExists(pb); err != nil {
		return nil, err
	}
	u := &User{Account: c.account(), Name: name, Path: path, ID: NewID("AIDA", c.account(), 21),
		Created: c.s.now().UTC(), Boundary: pb, Tags: tags}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindUser, entityKey(u.Account, name), u); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("User with name %s already exists.", name)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &createUserOut{userXML(u, true)}, nil
}

func opGetUser(c *call, in *getUserIn) (*getUserOut, error) {
	name := in.UserName
	if name == "" {
		switch c.p.Kind {
		case authn.User:
			name = c.p.UserName
		case authn.Root:
			if err := c.allow(c.p.ARN, nil); err != nil {
				return nil, err
			}
			a := c.snap.accounts.get(c.account())
			x := xmlUser{Path: "", UserId: c.account(), Arn: c.p.ARN}
			if a != nil {
				x.CreateDate = isoTime(a.Created)
			}
			return &getUserOut{x}, nil
		default:
			return nil, awserr.ValidationError.New("Must specify userName when calling with non-User credentials")
		}
	}
	u := c.snap.User(c.account(), name)
	res := userARN(c.account(), "/", name)
	if u != nil {
		res = u.arn
	}
	if err := c.allow(res, nil); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, noSuchUser(name)
	}
	return &getUserOut{userXML(&u.User, true)}, nil
}

func opListUsers(c *call, in *listUsersIn) (*listUsersOut, error) {
	pg, marker, trunc, err := listInPath(c, in.PathPrefix, in.Marker, in.MaxItems, "user", c.snap.users.all(), func(u *UserEntry) (string, string, string) { return u.Account, u.Path, u.Name })
	if err != nil {
		return nil, err
	}
	out := make([]xmlUser, len(pg))
	for i, u := range pg {
		out[i] = userXML(&u.User, false)
	}
	return &listUsersOut{list(out), trunc, marker}, nil
}

// userTarget resolves the UserName parameter for user-scoped operations,
// defaulting to the caller; it authorizes the operation on the user.
func (c *call) userTarget(name string, required bool, fill func(*policy.Context)) (*UserEntry, error) {
	if name == "" {
		if required {
			return nil, validation("", "userName", "Member must not be null")
		}
		if c.p.Kind == authn.User {
			name = c.p.UserName
		} else {
			return nil, awserr.ValidationError.New("Must specify userName when calling with non-User credentials")
		}
	}
	u := c.snap.User(c.account(), name)
	res := userARN(c.account(), "/", name)
	if u != nil {
		res = u.arn
	}
	if err := c.allow(res, fill); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, noSuchUser(name)
	}
	return u, nil
}

// modifyUser loads the user record in tx, applies fn and saves it.
func (c *call) modifyUser(name string, fn func(tx store.Tx, u *User) error) error {
	return modifyRecord(c, kindUser, name, noSuchUser, fn)
}

// modifyRecord loads the account's record of kind named name in one
// transaction, applies fn and saves it; a missing record is notFound(name).
func modifyRecord[T any](c *call, kind, name string, notFound func(string) error, fn func(tx store.Tx, v *T) error) error {
	return c.update(func(tx store.Tx) error {
		key := entityKey(c.account(), name)
		v, err := getJSON[T](tx, kind, key)
		if err != nil {
			return err
		}
		if v == nil {
			return notFound(name)
		}
		if err := fn(tx, v); err != nil {
			return err
		}
		return putJSON(tx, kind, key, v)
	})
}

func opDeleteUser(c *call, in *deleteUserIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return done(err)
	}
	err = c.update(func(tx store.Tx) error {
		key := entityKey(u.Account, u.Name)
		cur, err := getJSON[User](tx, kindUser, key)
		if err != nil {
			return err
		}
		if cur == nil {
			return noSuchUser(u.Name)
		}
		keys, err := ownedKeys(tx, u.Account, strings.ToLower(u.Name))
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must delete access keys first.")
		}
		if len(cur.Inline) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must delete policies first.")
		}
		if len(cur.Attached) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must detach all policies first.")
		}
		if len(cur.Groups) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must remove users from group first.")
		}
		if err := userDependents(tx, cur); err != nil {
			return err
		}
		return tx.Delete(kindUser, key)
	})
	return done(err)
}

func opUpdateUser(c *call, in *updateUserIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return done(err)
	}
	newName, newPath := in.NewUserName, in.NewPath
	if newName != "" {
		if err := checkName(newName, "newUserName", 64); err != nil {
			return done(err)
		}
	}
	if newPath != "" {
		if _, err := checkPath(newPath, "newPath", pathRE); err != nil {
			return done(err)
		}
	}
	err = c.update(func(tx store.Tx) error {
		key := entityKey(u.Account, u.Name)
		cur, err := getJSON[User](tx, kindUser, key)
		if err != nil || cur == nil {
			return firstErr(err, noSuchUser(u.Name))
		}
		if newPath != "" {
			cur.Path = newPath
		}
		if newName != "" && newName != cur.Name {
			nk := entityKey(u.Account, newName)
			if nk != key {
				if ex, err := getJSON[User](tx, kindUser, nk); err != nil {
					return err
				} else if ex != nil {
					return awserr.EntityAlreadyExists.Errorf("User with name %s already exists.", newName)
				}
				if err := tx.Delete(kindUser, key); err != nil {
					return err
				}
				// Access keys refer to their user by name.
				keys, err := ownedKeys(tx, u.Account, strings.ToLower(cur.Name))
				if err != nil {
					return err
				}
				for _, k := range keys {
					old := *k
					k.User = strings.ToLower(newName)
					if err := putKey(tx, k, &old); err != nil {
						return err
					}
				}
			}
			if err := renameDependents(tx, cur, newName); err != nil {
				return err
			}
			cur.Name = newName
			key = nk
		}
		return putJSON(tx, kindUser, key, cur)
	})
	return done(err)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func opTagUser(c *call, in *tagUserIn) (*noOutput, error) {
	tags, err := parseTags(in.Tags)
	if err != nil {
		return done(err)
	}
	u, err := c.userTarget(in.UserName, true, tagContext(tags))
	if err != nil {
		return done(err)
	}
	return done(c.modifyUser(u.Name, func(_ store.Tx, cur *User) error {
		cur.Tags = mergeTags(cur.Tags, tags)
		return tooManyTags(cur.Tags)
	}))
}

func opUntagUser(c *call, in *untagUserIn) (*noOutput, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return done(err)
	}
	keys, err := checkTagKeys(in.TagKeys)
	if err != nil {
		return done(err)
	}
	return done(c.modifyUser(u.Name, func(_ store.Tx, cur *User) error {
		cur.Tags = removeTags(cur.Tags, keys)
		return nil
	}))
}

func opListUserTags(c *call, in *listUserTagsIn) (*listUserTagsOut, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return nil, err
	}
	t := xmlTags(u.Tags)
	if t == nil {
		t = list[xmlTag](nil)
	}
	return &listUserTagsOut{t, false}, nil
}

// members reads the Query list prefix.member.N.

type createUserOut struct {
	User xmlUser
}

type createUserIn struct {
	requestTagsIn
	Path                string
	PermissionsBoundary string
	UserName            string
}

type getUserOut struct {
	User xmlUser
}

type getUserIn struct {
	UserName string
}

type listUsersOut struct {
	Users       *members[xmlUser]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type listUsersIn struct {
	Marker     string
	MaxItems   string
	PathPrefix string
}

type deleteUserIn struct {
	UserName string
}

type updateUserIn struct {
	NewPath     string
	NewUserName string
	UserName    string
}

type tagUserIn struct {
	requestTagsIn
	UserName string
}

type untagUserIn struct {
	untagIn
	UserName string
}

type listUserTagsOut struct {
	Tags        *members[xmlTag]
	IsTruncated bool
}

type listUserTagsIn struct {
	UserName string
}
