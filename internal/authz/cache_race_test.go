package authz_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/avp"
)

// slowSnapshots is a store whose first ReadCedar reads the snapshot at
// once and answers only when release is closed, as a slow Query does.
type slowSnapshots struct {
	snapshots
	once    sync.Once
	release chan struct{}
}

func (s *slowSnapshots) ReadCedar(ctx context.Context, account, id string) (avp.CedarSnapshot, error) {
	snap, err := s.snapshots.ReadCedar(ctx, account, id)
	first := false
	s.once.Do(func() { first = true })
	if first {
		<-s.release
	}
	return snap, err
}

// TestCacheNoStaleJoin: a decision that begins after a write, while another
// decision is still loading the store as it was before the write, must not
// take that older load's set.
func TestCacheNoStaleJoin(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		snaps := &slowSnapshots{snapshots: snapshots{stores: map[string]avp.CedarSnapshot{"ps": {Version: 1}}}, release: make(chan struct{})}
		c := authz.NewCache(snaps)
		results := make(chan avp.Decision, 2)
		go func() { results <- decide(t, c, "ps") }() // loads version 1, slowly
		synctest.Wait()
		snaps.set("ps", avp.CedarSnapshot{Version: 2, Policies: []avp.Policy{static("p", `permit(principal, action, resource);`)}})
		after := make(chan avp.Decision, 1)
		go func() { after <- decide(t, c, "ps") }() // begins after the write
		synctest.Wait()
		close(snaps.release)
		if d := <-results; d.Decision != avp.DecisionDeny {
			t.Errorf("the decision begun before the write: %+v", d)
		}
		if d := <-after; d.Decision != avp.DecisionAllow {
			t.Errorf("the decision begun after the write used the set of version 1: %+v", d)
		}
	})
}

// behindSnapshots answers a version its reads never reach.
type behindSnapshots struct{ snapshots }

func (b *behindSnapshots) CedarVersion(ctx context.Context, account, id string) (int64, error) {
	v, err := b.snapshots.CedarVersion(ctx, account, id)
	return v + 1, err
}

// TestCacheReadBehind: a store whose reads stay below its version is
// unavailable (retryable), never answered from the older read. (The first
// call, with nothing held, reads the snapshot alone and takes its version.)
func TestCacheReadBehind(t *testing.T) {
	t.Parallel()
	snaps := &behindSnapshots{snapshots{stores: map[string]avp.CedarSnapshot{"ps": {Version: 1}}}}
	c := authz.NewCache(snaps)
	if _, err := c.PolicySet(context.Background(), "acct", "ps"); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := c.PolicySet(context.Background(), "acct", "ps")
	if !errors.Is(err, avp.ErrUnavailable) {
		t.Fatalf("error %v, want ErrUnavailable", err)
	}
	if snaps.reads != 1+3 {
		t.Errorf("%d reads, want 1 and then 3", snaps.reads)
	}
}
