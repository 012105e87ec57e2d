package iam

import (
	"iter"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse-dev/gatehouse/internal/awserr"
)

// Listing (ListUsers, ListRoles, ListPolicies, ListGroups) pages through
// one account's entities in lower-case name order. Sorting them for every
// page made listing n entities in pages cost O(n² log n / page) (issue
// #17); instead each snapshot sorts an account's entities of a kind once,
// the first time they are listed, and a page is a binary search for the
// marker and a walk of at most the page (plus the entries its filter
// skips). A write makes a new snapshot, which sorts again when listed.

// listCache holds a snapshot's sorted lists; a snapshot is immutable, so
// they never go stale.
type listCache struct {
	mu sync.Mutex
	m  map[string]any
}

type sortedList[E any] struct {
	keys  []string // lower-case names, ascending
	items []*E
}

// sortedOf returns the entities of all that belong to account, sorted by
// lower-case name, cached under kind in s.
func sortedOf[E any](s *Snapshot, kind, account string, all iter.Seq2[string, *E], ident func(*E) (acct, name string)) *sortedList[E] {
	build := func() *sortedList[E] {
		l := &sortedList[E]{}
		for _, e := range all {
			if a, _ := ident(e); a == account {
				l.items = append(l.items, e)
			}
		}
		l.keys = make([]string, len(l.items))
		for i, e := range l.items {
			_, n := ident(e)
			l.keys[i] = strings.ToLower(n)
		}
		sort.Sort(byKey[E]{l})
		return l
	}
	if s.lists == nil {
		return build()
	}
	k := kind + "\x00" + account
	s.lists.mu.Lock()
	defer s.lists.mu.Unlock()
	if v, ok := s.lists.m[k]; ok {
		return v.(*sortedList[E])
	}
	l := build()
	if s.lists.m == nil {
		s.lists.m = map[string]any{}
	}
	s.lists.m[k] = l
	return l
}

type byKey[E any] struct{ l *sortedList[E] }

func (b byKey[E]) Len() int           { return len(b.l.keys) }
func (b byKey[E]) Less(i, j int) bool { return b.l.keys[i] < b.l.keys[j] }
func (b byKey[E]) Swap(i, j int) {
	b.l.keys[i], b.l.keys[j] = b.l.keys[j], b.l.keys[i]
	b.l.items[i], b.l.items[j] = b.l.items[j], b.l.items[i]
}

// pageParams reads MaxItems (default 100) and Marker.
func pageParams(marker, maxItems string) (max int, after string, err error) {
	max = 100
	if v := maxItems; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, "", validation(v, "maxItems", "Member must have value between 1 and 1000")
		}
		max = n
	}
	if m := marker; m != "" {
		a, ok := decodeMarker(m)
		if !ok {
			return 0, "", awserr.ValidationError.New("Invalid Marker.")
		}
		after = a
	}
	return max, after, nil
}

// pageSorted returns the page of l after the request's Marker of the
// entries keep accepts, the marker of the next page and whether there is
// one: the same answer as page over the filtered list.
func pageSorted[E any](marker, maxItems string, l *sortedList[E], keep func(*E) bool) ([]*E, string, bool, error) {
	max, after, err := pageParams(marker, maxItems)
	if err != nil {
		return nil, "", false, err
	}
	i := 0
	if marker != "" {
		i = sort.SearchStrings(l.keys, after)
		for i < len(l.keys) && l.keys[i] <= after {
			i++
		}
	}
	var out []*E
	last := ""
	for ; i < len(l.items); i++ {
		if !keep(l.items[i]) {
			continue
		}
		if len(out) == max {
			return out, encodeMarker(last), true, nil
		}
		out = append(out, l.items[i])
		last = l.keys[i]
	}
	return out, "", false, nil
}
