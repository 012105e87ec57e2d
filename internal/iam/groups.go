package iam

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

type xmlGroup struct {
	Path       string
	GroupName  string
	GroupId    string
	Arn        string
	CreateDate string
}

func groupXML(g *Group) xmlGroup {
	return xmlGroup{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: g.ARN(), CreateDate: isoTime(g.Created)}
}

func opCreateGroup(c *call, in *createGroupIn) (*createGroupOut, error) {
	name := in.GroupName
	if err := checkName(name, "groupName", 128); err != nil {
		return nil, err
	}
	path, err := checkPath(in.Path, "path", pathRE)
	if err != nil {
		return nil, err
	}
	if err := c.allow(groupARN(c.account(), path, name), nil); err != nil {
		return nil, err
	}
	g := &Group{Account: c.account(), Name: name, Path: path, ID: NewID("AGPA", c.account(), 21), Created: c.s.now().UTC()}
	err = c.update(func(tx store.Tx) error {
		if err := createJSON(tx, kindGroup, entityKey(g.Account, name), g); err == store.ErrExists {
			return awserr.EntityAlreadyExists.Errorf("Group with name %s already exists.", name)
		} else {
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return &createGroupOut{groupXML(g)}, nil
}

func opGetGroup(c *call, in *getGroupIn) (*getGroupOut, error) {
	name, err := c.entity(etGroup, in.GroupName, nil)
	if err != nil {
		return nil, err
	}
	gk := entityKey(c.account(), name)
	g := c.snap.groups.get(gk)
	us := append([]*UserEntry(nil), c.snap.groupMembers(gk)...)
	sort.Slice(us, func(i, j int) bool { return strings.ToLower(us[i].Name) < strings.ToLower(us[j].Name) })
	pg, marker, trunc, err := page(in.Marker, in.MaxItems, us, func(u *UserEntry) string { return strings.ToLower(u.Name) })
	if err != nil {
		return nil, err
	}
	out := make([]xmlUser, len(pg))
	for i, u := range pg {
		out[i] = userXML(&u.User, false)
	}
	return &getGroupOut{groupXML(&g.Group), list(out), trunc, marker}, nil
}

func opListGroups(c *call, in *listGroupsIn) (*groupListOut, error) {
	prefix, res, err := listResource(c, in.PathPrefix, "group")
	if err != nil {
		return nil, err
	}
	if err := c.allow(res, nil); err != nil {
		return nil, err
	}
	var gs []*GroupEntry
	for _, g := range c.snap.groups.all() {
		if g.Account == c.account() && strings.HasPrefix(g.Path, prefix) {
			gs = append(gs, g)
		}
	}
	return groupList(c, in.Marker, in.MaxItems, gs)
}

func groupList(c *call, marker, maxItems string, gs []*GroupEntry) (*groupListOut, error) {
	sort.Slice(gs, func(i, j int) bool { return strings.ToLower(gs[i].Name) < strings.ToLower(gs[j].Name) })
	pg, marker, trunc, err := page(marker, maxItems, gs, func(g *GroupEntry) string { return strings.ToLower(g.Name) })
	if err != nil {
		return nil, err
	}
	out := make([]xmlGroup, len(pg))
	for i, g := range pg {
		out[i] = groupXML(&g.Group)
	}
	return &groupListOut{list(out), trunc, marker}, nil
}

func opListGroupsForUser(c *call, in *listGroupsForUserIn) (*groupListOut, error) {
	u, err := c.userTarget(in.UserName, true, nil)
	if err != nil {
		return nil, err
	}
	var gs []*GroupEntry
	for _, gn := range u.Groups {
		if g := c.snap.groups.get(entityKey(u.Account, gn)); g != nil {
			gs = append(gs, g)
		}
	}
	return groupList(c, in.Marker, in.MaxItems, gs)
}

func (c *call) membership(userName, groupName string, add bool) (*noOutput, error) {
	uname := userName
	gname, err := c.entity(etGroup, groupName, nil)
	if err != nil {
		// Authorized, but neither exists: AWS names the user first.
		var ae *awserr.Error
		if uname != "" && errors.As(err, &ae) && ae.Code == awserr.NoSuchEntity.Name && c.snap.User(c.account(), uname) == nil {
			return done(etUser.noSuch(uname))
		}
		return done(err)
	}
	if uname == "" {
		return done(validation("", "userName", "Member must not be null"))
	}
	lg := strings.ToLower(gname)
	return done(c.modifyUser(uname, func(tx store.Tx, u *User) error {
		if g, err := getJSON[Group](tx, kindGroup, entityKey(c.account(), gname)); err != nil || g == nil {
			return firstErr(err, etGroup.noSuch(gname))
		}
		idx := -1
		for i, g := range u.Groups {
			if g == lg {
				idx = i
			}
		}
		if add {
			if idx < 0 {
				if len(u.Groups) >= 10 {
					return awserr.LimitExceeded.New("Cannot exceed quota for GroupsPerUser: 10")
				}
				u.Groups = append(u.Groups, lg)
			}
			return nil
		}
		if idx < 0 {
			return awserr.NoSuchEntity.Errorf("The user with name %s cannot be found in group %s.", uname, gname)
		}
		u.Groups = append(u.Groups[:idx], u.Groups[idx+1:]...)
		return nil
	}))
}

func opAddUserToGroup(c *call, in *addUserToGroupIn) (*noOutput, error) {
	return c.membership(in.UserName, in.GroupName, true)
}
func opRemoveUserFromGroup(c *call, in *removeUserFromGroupIn) (*noOutput, error) {
	return c.membership(in.UserName, in.GroupName, false)
}

func opDeleteGroup(c *call, in *deleteGroupIn) (*noOutput, error) {
	name, err := c.entity(etGroup, in.GroupName, nil)
	if err != nil {
		return done(err)
	}
	gk := entityKey(c.account(), name)
	if len(c.snap.groupMembers(gk)) > 0 {
		return done(awserr.DeleteConflict.New("Cannot delete entity, must remove users from group first."))
	}
	return done(c.update(func(tx store.Tx) error {
		g, err := getJSON[Group](tx, kindGroup, gk)
		if err != nil || g == nil {
			return firstErr(err, etGroup.noSuch(name))
		}
		if len(g.Inline) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must delete policies first.")
		}
		if len(g.Attached) > 0 {
			return awserr.DeleteConflict.New("Cannot delete entity, must detach all policies first.")
		}
		users, err := listJSON[User](tx, kindUser)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Account != c.account() {
				continue
			}
			for _, gn := range u.Groups {
				if gn == strings.ToLower(name) {
					return awserr.DeleteConflict.New("Cannot delete entity, must remove users from group first.")
				}
			}
		}
		return tx.Delete(kindGroup, gk)
	}))
}

// opUpdateGroup renames a group or moves it to another path. Users name
// their groups (lower-cased) in their records, so a rename rewrites the
// members' records in the same transaction.
func opUpdateGroup(c *call, in *updateGroupIn) (*noOutput, error) {
	newName, newPath := str(in.NewGroupName), str(in.NewPath)
	if in.NewGroupName != nil {
		if err := checkName(newName, "newGroupName", 128); err != nil {
			return done(err)
		}
	}
	if in.NewPath != nil {
		if _, err := checkPath(newPath, "newPath", pathRE); err != nil {
			return done(err)
		}
	}
	name, err := c.entity(etGroup, in.GroupName, nil)
	if err != nil {
		return done(err)
	}
	return done(c.update(func(tx store.Tx) error {
		key := entityKey(c.account(), name)
		g, err := getJSON[Group](tx, kindGroup, key)
		if err != nil || g == nil {
			return firstErr(err, etGroup.noSuch(name))
		}
		if newPath != "" {
			g.Path = newPath
		}
		if newName == "" || newName == g.Name {
			return putJSON(tx, kindGroup, key, g)
		}
		nk := entityKey(c.account(), newName)
		if nk != key {
			if ex, err := getJSON[Group](tx, kindGroup, nk); err != nil {
				return err
			} else if ex != nil {
				return awserr.EntityAlreadyExists.Errorf("Group with name %s already exists.", newName)
			}
			if err := tx.Delete(kindGroup, key); err != nil {
				return err
			}
			recs, err := tx.List(kindUser, c.account()+"/")
			if err != nil {
				return err
			}
			oldLower, newLower := strings.ToLower(g.Name), strings.ToLower(newName)
			for _, rec := range recs {
				u := new(User)
				if err := json.Unmarshal(rec.Value, u); err != nil {
					return err
				}
				if i := slices.Index(u.Groups, oldLower); i >= 0 {
					u.Groups[i] = newLower
					if err := putJSON(tx, kindUser, rec.Key, u); err != nil {
						return err
					}
				}
			}
		}
		g.Name = newName
		return putJSON(tx, kindGroup, nk, g)
	}))
}

type createGroupOut struct {
	Group xmlGroup
}

type createGroupIn struct {
	GroupName string
	Path      string
}

type getGroupOut struct {
	Group       xmlGroup
	Users       *members[xmlUser]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type getGroupIn struct {
	Marker    string
	MaxItems  string
	GroupName string
}

type listGroupsIn struct {
	Marker     string
	MaxItems   string
	PathPrefix string
}

type groupListOut struct {
	Groups      *members[xmlGroup]
	IsTruncated bool
	Marker      string "xml:\",omitempty\""
}

type listGroupsForUserIn struct {
	Marker   string
	MaxItems string
	UserName string
}

type addUserToGroupIn struct {
	UserName  string
	GroupName string
}

type removeUserFromGroupIn struct {
	UserName  string
	GroupName string
}

type deleteGroupIn struct {
	GroupName string
}

type updateGroupIn struct {
	NewGroupName *string
	NewPath      *string
	GroupName    string
}
