package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"

	"github.com/vpid-dev/vpid/internal/dev/emulator"
)

// Config says how hard and how long to drive the API.
type Config struct {
	// Endpoint is the API's base URL (a loopback address).
	Endpoint string
	// Duration bounds the run; no request starts after it.
	Duration time.Duration
	// MaxRequests bounds the requests of the run.
	MaxRequests int64
	// Workers is the number of concurrent clients, spread over the accounts.
	Workers int
	// StoresPerAccount is about how many policy stores each account keeps.
	StoresPerAccount int
	// Seed makes the mix of operations repeatable (not their interleaving).
	Seed uint64
	// RequestTimeout bounds each request.
	RequestTimeout time.Duration
	// Accounts are the calling accounts and their user pools.
	Accounts []Account
	// Mix, when not empty, restricts the operation mix to these entries
	// (names as in the mix, e.g. "IsAuthorized"); the flip writers run
	// whenever there are decision stores.
	Mix []string
	// Tokens, when not nil, gives each account's flip principal an identity
	// source and an ID token (called once per account before the run), and
	// adds IsAuthorizedWithToken with that token to the decision traffic.
	Tokens FlipIdentities
	// DecisionStores is how many decision stores each account gets
	// (default 2; negative: none, and no decision traffic).
	DecisionStores int
	// Progress, when not nil, gets a line every few seconds.
	Progress io.Writer
}

// Account is a calling account (its number is the SigV4 access key id) and
// the Cognito user pools it owns.
type Account struct {
	ID    string
	Pools []Pool
}

// Pool is a user pool and its app clients.
type Pool struct {
	ARN       string
	ClientIDs []string
}

// AccountsOf groups pools by their account, in account order.
func AccountsOf(pools []emulator.Pool) []Account {
	by := map[string]*Account{}
	var ids []string
	for _, p := range pools {
		a := by[p.Account]
		if a == nil {
			a = &Account{ID: p.Account}
			by[p.Account] = a
			ids = append(ids, p.Account)
		}
		var clients []string
		for _, c := range p.Clients {
			clients = append(clients, c.ID)
		}
		a.Pools = append(a.Pools, Pool{ARN: p.ARN(), ClientIDs: clients})
	}
	sort.Strings(ids)
	out := make([]Account, 0, len(ids))
	for _, id := range ids {
		out = append(out, *by[id])
	}
	return out
}

// Client-side invariants, checked on every answer during the run.
const (
	InvWellFormed = "every answer well formed (decoded by the SDK; a modeled error type; required members set)"
	InvReplay     = "every idempotent replay answered like the first answer (same ids and dates)"
	InvIsolation  = "another account's resources and pools are unreachable through the API"
)

// Result is what a run did and saw.
type Result struct {
	Requests int64
	Elapsed  time.Duration
	Workers  int
	// Ops are per operation; replays, bursts and probes of other accounts
	// are listed apart, e.g. "CreateIdentitySource (replay)".
	Ops []*OpStats
	// Codes counts all answers by kind ("OK" or the error type).
	Codes map[string]int64
	// Checks are the client-side invariants.
	Checks []*CheckResult
	// Freshness is what the decisions about flip principals showed.
	Freshness *FreshnessReport
}

// Run drives the API at cfg.Endpoint until cfg.Duration has passed,
// cfg.MaxRequests were sent or ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Endpoint == "" || len(cfg.Accounts) == 0 {
		return nil, errors.New("loadtest: no endpoint or no accounts")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 32
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 20 * time.Second
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = 1 << 40
	}
	if cfg.StoresPerAccount <= 0 {
		cfg.StoresPerAccount = 40
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.DecisionStores == 0 {
		cfg.DecisionStores = 2
	}
	r := &runner{cfg: cfg, ctx: ctx, rec: newRecorder(), inv: newInvariants(InvWellFormed, InvReplay, InvIsolation, InvVerify, InvFresh, InvActionGroups)}
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 4 * cfg.Workers
		t.MaxIdleConnsPerHost = 4 * cfg.Workers
	})
	for _, a := range cfg.Accounts {
		r.accts = append(r.accts, &acctState{Account: a, client: NewClient(cfg.Endpoint, a.ID, hc)})
	}

	if cfg.DecisionStores > 0 {
		setup, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := r.setupDecisionStores(setup, cfg.DecisionStores)
		cancel()
		if err != nil {
			return nil, err
		}
	}

	start := time.Now()
	r.deadline = start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i := range cfg.Workers {
		w := &worker{r: r, acct: r.accts[i%len(r.accts)], rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
		wg.Go(w.loop)
	}
	for i, f := range r.flips {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(1<<32+i)))
		wg.Go(func() { r.flipWriter(f, rng) })
	}
	stopProgress := make(chan struct{})
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		if cfg.Progress == nil {
			return
		}
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				n := r.requests.Load()
				el := time.Since(start)
				fmt.Fprintf(cfg.Progress, "load: %5.1fs  %7d requests  %6.0f/s\n", el.Seconds(), n, float64(n)/el.Seconds())
			}
		}
	}()
	wg.Wait()
	close(stopProgress)
	<-progressDone

	elapsed := time.Since(start)
	fresh := r.freshness()
	res := &Result{Elapsed: elapsed, Workers: cfg.Workers, Ops: r.rec.stats(), Codes: map[string]int64{}, Checks: r.inv.results(), Freshness: fresh}
	for _, o := range res.Ops {
		for code, n := range o.Codes {
			res.Codes[code] += n
			res.Requests += n
		}
	}
	return res, ctx.Err()
}

// NewClient is the Go SDK's Verified Permissions client for endpoint,
// signing with account as the access key id (which the local server takes
// as the caller's account), without retries so that every answer is seen.
func NewClient(endpoint, account string, hc aws.HTTPClient) *vp.Client {
	return vp.New(vp.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(account, "secret", ""),
		HTTPClient:   hc,
		Retryer:      aws.NopRetryer{},
	})
}

type runner struct {
	cfg      Config
	ctx      context.Context
	accts    []*acctState
	rec      *recorder
	inv      *invariants
	flips    []*flipStore
	requests atomic.Int64
	deadline time.Time
	stopped  atomic.Bool
}

// take reserves n requests; false means the run is over.
func (r *runner) take(n int64) bool {
	if r.stopped.Load() || r.ctx.Err() != nil || time.Now().After(r.deadline) {
		return false
	}
	if r.requests.Add(n) > r.cfg.MaxRequests {
		r.requests.Add(-n)
		r.stopped.Store(true)
		return false
	}
	return true
}

// other returns a random account other than a (nil if there is none).
func (r *runner) other(a *acctState, rng *rand.Rand) *acctState {
	if len(r.accts) < 2 {
		return nil
	}
	for {
		o := r.accts[rng.IntN(len(r.accts))]
		if o != a {
			return o
		}
	}
}
