package authz_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/avp"
)

func decide(t *testing.T, c *authz.Cache, store string) avp.Decision {
	t.Helper()
	set, err := c.PolicySet(context.Background(), "acct", store)
	if err != nil {
		t.Fatal(err)
	}
	return set.Decide(types.EntityMap{}, avp.CedarRequest{
		Principal: types.NewEntityUID("User", "alice"), Action: types.NewEntityUID("Action", "read"), Resource: types.NewEntityUID("Doc", "d")})
}

// TestCacheFollowsWrites: every decision sees the last write (a new
// version), and an unchanged store is read again only by its version. The
// first decision, with nothing held, reads the snapshot alone.
func TestCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps": {Version: 1}}}
	c := authz.NewCache(snaps)
	if d := decide(t, c, "ps"); d.Decision != avp.DecisionDeny {
		t.Fatalf("empty store: %+v", d)
	}
	snaps.set("ps", avp.CedarSnapshot{Version: 2, Policies: []avp.Policy{static("p", `permit(principal, action, resource);`)}})
	if d := decide(t, c, "ps"); d.Decision != avp.DecisionAllow {
		t.Fatalf("after a write: %+v", d)
	}
	for range 10 {
		decide(t, c, "ps")
	}
	if snaps.reads != 2 || snaps.versions != 11 {
		t.Errorf("%d snapshot reads and %d version reads, want 2 and 11", snaps.reads, snaps.versions)
	}
	snaps.set("ps", avp.CedarSnapshot{Version: 3, Policies: []avp.Policy{static("f", `forbid(principal, action, resource);`)}})
	if d := decide(t, c, "ps"); d.Decision != avp.DecisionDeny || d.Determining[0] != "f" {
		t.Fatalf("after a second write: %+v", d)
	}
}

func TestCacheStaleness(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps": {Version: 1}}}
	c := authz.NewCache(snaps, authz.WithMaxStaleness(time.Second), authz.WithCacheClock(clock))
	decide(t, c, "ps")
	snaps.set("ps", avp.CedarSnapshot{Version: 2, Policies: []avp.Policy{static("p", `permit(principal, action, resource);`)}})
	if d := decide(t, c, "ps"); d.Decision != avp.DecisionDeny {
		t.Fatalf("within the window the cached set answers: %+v", d)
	}
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	if d := decide(t, c, "ps"); d.Decision != avp.DecisionAllow {
		t.Fatalf("after the window the write shows: %+v", d)
	}
}

func TestCacheBounds(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{}}
	for i := range 10 {
		ps := make([]avp.Policy, i+1)
		for j := range ps {
			ps[j] = static(fmt.Sprint(j), `permit(principal, action, resource);`)
		}
		snaps.set(fmt.Sprint("ps", i), avp.CedarSnapshot{Version: 1, Policies: ps})
	}
	c := authz.NewCache(snaps, authz.WithMaxStores(4), authz.WithMaxPolicies(20))
	for i := range 10 {
		decide(t, c, fmt.Sprint("ps", i))
		stores, policies := c.Stats()
		if stores > 4 || policies > 20 {
			t.Fatalf("after store %d the cache holds %d stores, %d policies", i, stores, policies)
		}
	}
	// ps9 (10 policies) and ps8 (9) fit; ps7 would make 27.
	if stores, policies := c.Stats(); stores != 2 || policies != 19 {
		t.Errorf("cache holds %d stores, %d policies; want 2, 19", stores, policies)
	}
	// A store larger than the budget answers but is not kept.
	big := make([]avp.Policy, 25)
	for j := range big {
		big[j] = static(fmt.Sprint(j), `permit(principal, action, resource);`)
	}
	snaps.set("big", avp.CedarSnapshot{Version: 1, Policies: big})
	if d := decide(t, c, "big"); len(d.Determining) != 25 {
		t.Fatalf("big store: %+v", d)
	}
	if _, policies := c.Stats(); policies > 20 {
		t.Errorf("the big store was kept: %d policies", policies)
	}
}

func TestCacheMissingStore(t *testing.T) {
	t.Parallel()
	c := authz.NewCache(&snapshots{stores: map[string]avp.CedarSnapshot{}})
	if _, err := c.PolicySet(context.Background(), "acct", "nope"); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("error %v, want ErrNotFound", err)
	}
}

func TestCacheConcurrent(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps": {Version: 1, Policies: []avp.Policy{static("p", `permit(principal, action, resource);`)}}}}
	c := authz.NewCache(snaps)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				if i == 0 && j%10 == 0 {
					snaps.set("ps", avp.CedarSnapshot{Version: int64(2 + j), Policies: []avp.Policy{static("p", `permit(principal, action, resource);`)}})
				}
				if _, err := c.PolicySet(context.Background(), "acct", "ps"); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
