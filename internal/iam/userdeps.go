package iam

import (
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// userDependents refuses to delete a user who still has what IAM makes
// one remove first (besides keys, policies and groups): MFA devices.
func userDependents(tx store.Tx, u *User) error {
	n, err := countUserMFA(tx, u.Account, u.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		return awserr.DeleteConflict.New("Cannot delete entity, must delete MFA device first.")
	}
	for _, k := range []struct{ kind, what string }{
		{kindSSHKey, "SSH public keys"}, {kindSigningCert, "signing certificates"}, {kindSvcCred, "service specific credentials"},
	} {
		have, err := userCreds(tx, k.kind, u)
		if err != nil {
			return err
		}
		if len(have) > 0 {
			return awserr.DeleteConflict.Errorf("Cannot delete entity, must delete %s first.", k.what)
		}
	}
	if _, err := tx.Get(kindLoginProfile, u.Account+"/"+u.ID); err == nil {
		return awserr.DeleteConflict.New("Cannot delete entity, must delete login profile first.")
	} else if err != store.ErrNotFound {
		return err
	}
	return nil
}

// renameDependents rewrites the records that name a user when it is
// renamed.
func renameDependents(tx store.Tx, u *User, newName string) error {
	ds, err := accountMFA(tx, u.Account)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if d.UserID == u.ID {
			d.User = strings.ToLower(newName)
			if err := putJSON(tx, kindMFA, mfaKey(d.Account, d.Path, d.Name), d); err != nil {
				return err
			}
		}
	}
	return nil
}
