package authz

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cedar-policy/cedar-go/types"
	"golang.org/x/sync/singleflight"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Bounds of a Cache's memory.
const (
	DefaultMaxStores   = 256
	DefaultMaxPolicies = 50_000
)

// Decide makes a Set an avp.PolicySet.
func (s *Set) Decide(entities types.EntityGetter, req avp.CedarRequest) avp.Decision {
	return avp.Decision(s.Authorize(entities, Request(req)))
}

var (
	_ avp.PolicySet  = (*Set)(nil)
	_ avp.PolicySets = (*Cache)(nil)
)

// Cache keeps the compiled Sets of recently used stores in a warm process
// and hands out one that is current: each call reads the store's Cedar
// version (one small strongly consistent read) and reuses the cached Set
// when it is at least that version, else reads and compiles the store
// again (once, however many calls wait for it). So a decision never uses
// policies older than the last write acknowledged before it began. With
// WithMaxStaleness, a Set checked less than that long ago is reused without
// the read. At most DefaultMaxStores stores and DefaultMaxPolicies
// policies in all are kept; the least recently used go first, and a store
// larger than the whole budget is compiled for each call, never kept.
type Cache struct {
	src         avp.CedarSnapshots
	maxStores   int
	maxPolicies int
	staleness   time.Duration
	now         func() time.Time
	setOpts     []Option

	mu      sync.Mutex
	lru     *list.List // of *cached, most recent first
	byKey   map[cacheKey]*list.Element
	total   int
	loading singleflight.Group
}

type cacheKey struct{ account, store string }

type cached struct {
	key     cacheKey
	version int64
	checked time.Time
	set     *Set
}

// CacheOption configures a Cache.
type CacheOption func(*Cache)

// WithMaxStores bounds the number of stores kept.
func WithMaxStores(n int) CacheOption { return func(c *Cache) { c.maxStores = n } }

// WithMaxPolicies bounds the policies kept over all stores.
func WithMaxPolicies(n int) CacheOption { return func(c *Cache) { c.maxPolicies = n } }

// WithMaxStaleness lets a Set checked within d be used without reading the
// store's version (default 0: every call reads it).
func WithMaxStaleness(d time.Duration) CacheOption { return func(c *Cache) { c.staleness = d } }

// WithCacheClock sets the clock (tests).
func WithCacheClock(now func() time.Time) CacheOption { return func(c *Cache) { c.now = now } }

// WithSetOptions passes options to every Set the cache compiles.
func WithSetOptions(opts ...Option) CacheOption { return func(c *Cache) { c.setOpts = opts } }

// NewCache returns a Cache over src.
func NewCache(src avp.CedarSnapshots, opts ...CacheOption) *Cache {
	c := &Cache{src: src, maxStores: DefaultMaxStores, maxPolicies: DefaultMaxPolicies, now: time.Now,
		lru: list.New(), byKey: map[cacheKey]*list.Element{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// PolicySet returns the store's current compiled policies. Errors: those
// of the snapshots (ErrNotFound, ErrThrottled/ErrUnavailable), and internal
// ones for a stored policy that does not compile.
func (c *Cache) PolicySet(ctx context.Context, account, policyStoreID string) (avp.PolicySet, error) {
	k := cacheKey{account, policyStoreID}
	held := c.lookup(k)
	if held != nil && c.staleness > 0 && c.now().Sub(held.checked) < c.staleness {
		return held.set, nil
	}
	checked := c.now()
	if held == nil {
		// Nothing held: one read of the snapshot, which carries its
		// version, rather than the version and then the snapshot. Not
		// shared with a load in flight, which may have read the store
		// before a write this call must see.
		e, err := c.load(ctx, k, checked)
		if err != nil {
			return nil, err
		}
		return e.set, nil
	}
	v, err := c.src.CedarVersion(ctx, account, policyStoreID)
	if err != nil {
		return nil, err
	}
	// The set held before the version read is current if it is that
	// recent; one kept since the read is found below.
	if held.version >= v {
		c.touch(k, checked)
		return held.set, nil
	}
	// A load already in flight may have read the store before the write
	// this call must see: take its set only if it is recent enough, else
	// load again (a load begun after the version read sees it: the reads
	// are strongly consistent; a few attempts bound the loop all the same).
	for attempt := 1; ; attempt++ {
		res, err, _ := c.loading.Do(account+"\x00"+policyStoreID, func() (any, error) {
			if e := c.lookup(k); e != nil && e.version >= v {
				return e, nil
			}
			return c.load(ctx, k, checked)
		})
		if err != nil {
			return nil, err
		}
		e := res.(*cached)
		if e.version >= v {
			return e.set, nil
		}
		if attempt == 3 {
			return nil, fmt.Errorf("authz: store %s read at version %d, below its version %d: %w", policyStoreID, e.version, v, avp.ErrUnavailable)
		}
	}
}

// load reads and compiles the store's snapshot and keeps it (when it is not
// older than the one held).
func (c *Cache) load(ctx context.Context, k cacheKey, checked time.Time) (*cached, error) {
	snap, err := c.src.ReadCedar(ctx, k.account, k.store)
	if err != nil {
		return nil, err
	}
	set, err := Compile(snap, c.setOpts...)
	if err != nil {
		return nil, err
	}
	e := &cached{key: k, version: snap.Version, checked: checked, set: set}
	c.put(e)
	return e, nil
}

// Cached returns the set held for the store, current or not (nil when
// none), without reading anything.
func (c *Cache) Cached(account, policyStoreID string) avp.PolicySet {
	if e := c.lookup(cacheKey{account, policyStoreID}); e != nil {
		return e.set
	}
	return nil
}

func (c *Cache) lookup(k cacheKey) *cached {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok {
		c.lru.MoveToFront(el)
		e := *el.Value.(*cached)
		return &e
	}
	return nil
}

func (c *Cache) touch(k cacheKey, checked time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[k]; ok && el.Value.(*cached).checked.Before(checked) {
		el.Value.(*cached).checked = checked
	}
}

func (c *Cache) put(e *cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		old := el.Value.(*cached)
		if old.version > e.version {
			return // a newer one is in already
		}
		c.total -= old.set.Len()
		c.lru.Remove(el)
		delete(c.byKey, e.key)
	}
	if e.set.Len() > c.maxPolicies {
		return
	}
	c.byKey[e.key] = c.lru.PushFront(e)
	c.total += e.set.Len()
	for c.lru.Len() > c.maxStores || c.total > c.maxPolicies {
		last := c.lru.Back()
		old := last.Value.(*cached)
		c.total -= old.set.Len()
		c.lru.Remove(last)
		delete(c.byKey, old.key)
	}
}

// Stats reports what the cache holds: stores and policies.
func (c *Cache) Stats() (stores, policies int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.total
}
