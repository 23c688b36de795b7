package loadtest

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
)

// acctState is what the workers of one account believe it has. Workers
// change the account concurrently, so the belief is only a good guess of
// what to ask for; the answers themselves are checked, not the guess.
type acctState struct {
	Account
	client *vp.Client

	// flips are the account's decision stores, set before the run, whose
	// flip principal is User::flipID; flipToken (an ID token of that
	// principal) and flipSource (the stores' identity source) are set with
	// Config.Tokens.
	flips      []*flipStore
	flipID     string
	flipToken  string
	flipSource types.Configuration

	mu     sync.Mutex
	stores []*storeRef
	psRecs []psRecord
	isRecs []isRecord
}

type storeRef struct {
	id        string
	isID      string
	aliases   []string
	protected bool
}

// psRecord is the first successful answer to a CreatePolicyStore token.
type psRecord struct {
	in  vp.CreatePolicyStoreInput
	out created
}

// isRecord is the first successful answer to a CreateIdentitySource token;
// in names the store by id.
type isRecord struct {
	in  vp.CreateIdentitySourceInput
	out created
}

// created is what a create answers that a replay must repeat exactly.
type created struct {
	id, policyStoreID, arn string
	createdDate, updated   time.Time
}

func (c created) equal(o created) bool {
	return c.id == o.id && c.policyStoreID == o.policyStoreID && c.arn == o.arn &&
		c.createdDate.Equal(o.createdDate) && c.updated.Equal(o.updated)
}

// maxRecords bounds the remembered answers per account and kind.
const maxRecords = 4096

// snapshot is a copy of a storeRef.
type snapshot struct {
	id, isID  string
	aliases   []string
	protected bool
}

func (a *acctState) numStores() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.stores)
}

// pick returns a random store, preferring those for which want is true
// (when want is not nil and some match).
func (a *acctState) pick(rng *rand.Rand, want func(*storeRef) bool) (snapshot, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.stores) == 0 {
		return snapshot{}, false
	}
	s := a.stores[rng.IntN(len(a.stores))]
	if want != nil && !want(s) {
		var match []*storeRef
		for _, c := range a.stores {
			if want(c) {
				match = append(match, c)
			}
		}
		if len(match) > 0 {
			s = match[rng.IntN(len(match))]
		}
	}
	return snapshot{id: s.id, isID: s.isID, aliases: slices.Clone(s.aliases), protected: s.protected}, true
}

func (a *acctState) find(id string) *storeRef {
	for _, s := range a.stores {
		if s.id == id {
			return s
		}
	}
	return nil
}

func (a *acctState) update(id string, f func(*storeRef)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.find(id); s != nil {
		f(s)
	}
}

func (a *acctState) addStore(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.find(id) == nil {
		a.stores = append(a.stores, &storeRef{id: id})
	}
}

func (a *acctState) removeStore(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stores = slices.DeleteFunc(a.stores, func(s *storeRef) bool { return s.id == id })
}

func (a *acctState) forgetAlias(name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, s := range a.stores {
		s.aliases = slices.DeleteFunc(s.aliases, func(n string) bool { return n == name })
	}
}

func (a *acctState) addPSRecord(r psRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.psRecs) < maxRecords {
		a.psRecs = append(a.psRecs, r)
	}
}

func (a *acctState) addISRecord(r isRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.isRecs) < maxRecords {
		a.isRecs = append(a.isRecs, r)
	}
}

func (a *acctState) randomPSRecord(rng *rand.Rand) (psRecord, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.psRecs) == 0 {
		return psRecord{}, false
	}
	return a.psRecs[rng.IntN(len(a.psRecs))], true
}

func (a *acctState) randomISRecord(rng *rand.Rand) (isRecord, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.isRecs) == 0 {
		return isRecord{}, false
	}
	return a.isRecs[rng.IntN(len(a.isRecs))], true
}
