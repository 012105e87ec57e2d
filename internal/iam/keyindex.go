package iam

import (
	"context"
	"errors"

	"github.com/gatehouse-dev/gatehouse/internal/store"
)

// The key-owner index lets a write transaction find the access keys of one
// user (the AccessKeysPerUser quota, DeleteUser's conflict check, a rename)
// without reading every access key of every account, which made each
// CreateAccessKey cost O(keys in the store) under the writers' lock
// (issue #17). One empty record per key, keyed owner + "/" + key id, is
// written and deleted in the same transaction as the key.
const (
	kindKeyOwner = "iam/keyowner"
	kindIAMMeta  = "iam/meta"
	// metaKeyOwnerIndex marks a store whose index covers every key; New
	// builds it once for stores written by an older gatehouse.
	metaKeyOwnerIndex = "keyowner-index"
)

// keyIndexKey is the index record of k: its owner (keyOwner: account/user,
// or account/ for the root; names never contain "/") and its id.
func keyIndexKey(k *AccessKey) string { return keyOwner(k) + "/" + k.ID }

// createKey stores a new access key and its index record.
func createKey(tx store.Tx, k *AccessKey) error {
	if err := createJSON(tx, kindAccessKey, k.ID, k); err != nil {
		return err
	}
	return tx.Put(kindKeyOwner, keyIndexKey(k), nil)
}

// putKey stores an access key whose owner may have changed from old's (nil
// for a new key).
func putKey(tx store.Tx, k, old *AccessKey) error {
	if err := putJSON(tx, kindAccessKey, k.ID, k); err != nil {
		return err
	}
	if old != nil && keyIndexKey(old) != keyIndexKey(k) {
		if err := ignoreNotFound(tx.Delete(kindKeyOwner, keyIndexKey(old))); err != nil {
			return err
		}
	}
	return tx.Put(kindKeyOwner, keyIndexKey(k), nil)
}

// deleteKey deletes an access key and its index record.
func deleteKey(tx store.Tx, k *AccessKey) error {
	if err := tx.Delete(kindAccessKey, k.ID); err != nil {
		return err
	}
	return ignoreNotFound(tx.Delete(kindKeyOwner, keyIndexKey(k)))
}

// ownedKeys returns the access keys of a user (lower-case name; "" for the
// account's root), reading only that owner's index records.
func ownedKeys(r store.Reader, account, user string) ([]*AccessKey, error) {
	owner := keyOwner(&AccessKey{Account: account, User: user})
	recs, err := r.List(kindKeyOwner, owner+"/")
	if err != nil {
		return nil, err
	}
	var out []*AccessKey
	for _, rec := range recs {
		id := rec.Key[len(owner)+1:]
		k, err := getJSON[AccessKey](r, kindAccessKey, id)
		if err != nil {
			return nil, err
		}
		// An index record without its key (deleted by an older gatehouse
		// sharing the database) or pointing at a key that moved is skipped.
		if k != nil && keyOwner(k) == owner {
			out = append(out, k)
		}
	}
	return out, nil
}

// ensureKeyIndex builds the key-owner index once, for a store whose keys
// were written before it existed.
func (s *Service) ensureKeyIndex(ctx context.Context) error {
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(kindIAMMeta, metaKeyOwnerIndex); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		keys, err := listJSON[AccessKey](tx, kindAccessKey)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Put(kindKeyOwner, keyIndexKey(k), nil); err != nil {
				return err
			}
		}
		return tx.Put(kindIAMMeta, metaKeyOwnerIndex, []byte("1"))
	})
	return err
}
