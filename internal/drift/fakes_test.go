package drift_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/drift"
)

const testAccount = "123456789012"

// entry is one identity source of fakeSources.
type entry struct {
	account string
	is      avp.IdentitySource
}

// fakeSources serves identity sources from memory; item i belongs to
// segment i mod total, as DynamoDB spreads items over segments.
type fakeSources struct {
	entries []entry
	mu      sync.Mutex
	scans   int
}

func (f *fakeSources) ScanSegment(ctx context.Context, segment, total int, fn func(string, avp.IdentitySource) error) error {
	f.mu.Lock()
	f.scans++
	f.mu.Unlock()
	for i, e := range f.entries {
		if total > 1 && i%total != segment {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e.account, e.is); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeSources) add(e ...entry) { f.entries = append(f.entries, e...) }

func poolARN(region, pool string) string {
	return "arn:aws:cognito-idp:" + region + ":" + testAccount + ":userpool/" + pool
}

// cognitoSource is an identity source on a pool of testAccount.
func cognitoSource(id, region, pool string, clients ...string) entry {
	return entry{testAccount, avp.IdentitySource{
		PolicyStoreID: "PS" + id, IdentitySourceID: "IS" + id, PrincipalEntityType: "User",
		Configuration: &avp.CognitoUserPoolConfiguration{
			UserPoolARN: poolARN(region, pool), ClientIDs: clients,
		},
	}}
}

func oidcSource(id, issuer string) entry {
	return entry{testAccount, avp.IdentitySource{
		PolicyStoreID: "PS" + id, IdentitySourceID: "IS" + id, PrincipalEntityType: "User",
		Configuration: &avp.OpenIDConnectConfiguration{Issuer: issuer},
	}}
}

// call is one request to fakeCognito.
type call struct {
	at                 time.Time
	region, op, pool   string
	client             string
	throttledByCognito bool
}

func (c call) category() string {
	if c.op == "DescribeUserPool" {
		return "UserPoolRead"
	}
	return "UserPoolClientRead"
}

// world is a fake Cognito: pools by Region and id, with their app clients.
// With quotas on, it throttles as Cognito does past 15 calls per second
// per Region and category or 5 per second on one pool.
type world struct {
	mu       sync.Mutex
	pools    map[string]map[string]bool // region/pool → client ids
	calls    []call
	quotas   bool
	latency  time.Duration
	failWith func(c call) error // injected failures; nil: none
	opts     [][]func(*cip.Options)
}

func newWorld() *world { return &world{pools: map[string]map[string]bool{}} }

func (w *world) addPool(region, pool string, clients ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	set := w.pools[region+"/"+pool]
	if set == nil {
		set = map[string]bool{}
		w.pools[region+"/"+pool] = set
	}
	for _, c := range clients {
		set[c] = true
	}
}

func (w *world) api(region string) cognito.API { return &fakeCognito{w: w, region: region} }

// record logs a call and says whether Cognito's quotas throttle it.
func (w *world) record(c call, opts []func(*cip.Options)) (throttled bool, injected error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c.at = time.Now()
	if w.quotas {
		inCategory, onPool := 0, 0
		for _, p := range w.calls {
			if c.at.Sub(p.at) >= time.Second || p.region != c.region || p.category() != c.category() {
				continue
			}
			inCategory++
			if p.pool == c.pool {
				onPool++
			}
		}
		c.throttledByCognito = inCategory >= 15 || onPool >= 5
	}
	w.calls = append(w.calls, c)
	w.opts = append(w.opts, opts)
	if w.failWith != nil {
		injected = w.failWith(c)
	}
	return c.throttledByCognito, injected
}

func (w *world) snapshot() []call {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

func (w *world) count(op string) int {
	n := 0
	for _, c := range w.snapshot() {
		if c.op == op {
			n++
		}
	}
	return n
}

type fakeCognito struct {
	w      *world
	region string
}

func (f *fakeCognito) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, opts ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	pool := aws.ToString(in.UserPoolId)
	throttled, err := f.w.record(call{region: f.region, op: "DescribeUserPool", pool: pool}, opts)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	switch {
	case throttled:
		return nil, &ciptypes.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	case err != nil:
		return nil, err
	}
	f.w.mu.Lock()
	_, ok := f.w.pools[f.region+"/"+pool]
	f.w.mu.Unlock()
	if !ok {
		return nil, &ciptypes.ResourceNotFoundException{Message: aws.String("User pool " + pool + " does not exist.")}
	}
	return &cip.DescribeUserPoolOutput{UserPool: &ciptypes.UserPoolType{Id: aws.String(pool), Arn: aws.String(poolARN(f.region, pool))}}, nil
}

func (f *fakeCognito) DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, opts ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error) {
	pool, client := aws.ToString(in.UserPoolId), aws.ToString(in.ClientId)
	throttled, err := f.w.record(call{region: f.region, op: "DescribeUserPoolClient", pool: pool, client: client}, opts)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	switch {
	case throttled:
		return nil, &ciptypes.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	case err != nil:
		return nil, err
	}
	f.w.mu.Lock()
	ok := f.w.pools[f.region+"/"+pool][client]
	f.w.mu.Unlock()
	if !ok {
		return nil, &ciptypes.ResourceNotFoundException{Message: aws.String("User pool client " + client + " does not exist.")}
	}
	return &cip.DescribeUserPoolClientOutput{UserPoolClient: &ciptypes.UserPoolClientType{UserPoolId: aws.String(pool), ClientId: aws.String(client)}}, nil
}

// ListUserPoolClients pages the pool's clients in id order, MaxResults a
// page; the next token is the last id of the page.
func (f *fakeCognito) ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, opts ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error) {
	pool := aws.ToString(in.UserPoolId)
	throttled, err := f.w.record(call{region: f.region, op: "ListUserPoolClients", pool: pool}, opts)
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	switch {
	case throttled:
		return nil, &ciptypes.TooManyRequestsException{Message: aws.String("Rate exceeded")}
	case err != nil:
		return nil, err
	}
	f.w.mu.Lock()
	clients, ok := f.w.pools[f.region+"/"+pool]
	var ids []string
	for id, live := range clients {
		if live {
			ids = append(ids, id)
		}
	}
	f.w.mu.Unlock()
	if !ok {
		return nil, &ciptypes.ResourceNotFoundException{Message: aws.String("User pool " + pool + " does not exist.")}
	}
	slices.Sort(ids)
	after, size := aws.ToString(in.NextToken), int(aws.ToInt32(in.MaxResults))
	out := &cip.ListUserPoolClientsOutput{}
	for _, id := range ids {
		if id <= after {
			continue
		}
		if len(out.UserPoolClients) == size {
			out.NextToken = out.UserPoolClients[size-1].ClientId
			break
		}
		out.UserPoolClients = append(out.UserPoolClients, ciptypes.UserPoolClientDescription{ClientId: aws.String(id), UserPoolId: aws.String(pool)})
	}
	return out, nil
}

func (f *fakeCognito) wait(ctx context.Context) error {
	if f.w.latency == 0 {
		return nil
	}
	t := time.NewTimer(f.w.latency)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fakeIssuers answers issuer checks from a map (nil: fine) after latency,
// and records how many run at once.
type fakeIssuers struct {
	verdicts map[string]error
	latency  time.Duration

	mu             sync.Mutex
	calls          map[string]int
	inFlight, peak int
}

func (f *fakeIssuers) VerifyIssuer(ctx context.Context, issuer string) error {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[issuer]++
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.latency > 0 {
		select {
		case <-time.After(f.latency):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return f.verdicts[issuer]
}

// fakeEventBridge records PutEvents entries and accepts them all.
type fakeEventBridge struct {
	mu      sync.Mutex
	entries []ebtypes.PutEventsRequestEntry
	calls   int
}

func (f *fakeEventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.entries = append(f.entries, in.Entries...)
	return &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}, nil
}

// details decodes the published events' details, by identity source id.
func (f *fakeEventBridge) details(t *testing.T) map[string]drift.Detail {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]drift.Detail{}
	for _, e := range f.entries {
		if aws.ToString(e.Source) != "vpid" || aws.ToString(e.DetailType) != "IdentitySource Drifted" {
			t.Errorf("event source %q detail-type %q", aws.ToString(e.Source), aws.ToString(e.DetailType))
		}
		var d drift.Detail
		if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &d); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[d.IdentitySourceID]; dup {
			t.Errorf("two events for %s", d.IdentitySourceID)
		}
		out[d.IdentitySourceID] = d
	}
	return out
}

// windowMax is the most calls of cs in any half-open window of length w,
// grouped by key.
func windowMax(cs []call, w time.Duration, key func(call) string) map[string]int {
	by := map[string][]time.Time{}
	for _, c := range cs {
		by[key(c)] = append(by[key(c)], c.at)
	}
	out := map[string]int{}
	for k, at := range by {
		slices.SortFunc(at, time.Time.Compare)
		most, lo := 0, 0
		for hi := range at {
			for at[hi].Sub(at[lo]) >= w {
				lo++
			}
			most = max(most, hi-lo+1)
		}
		out[k] = most
	}
	return out
}

func byCategory(c call) string { return c.region + " " + c.category() }
func byPool(c call) string     { return c.region + " " + c.category() + " " + c.pool }

func assertWithin(t *testing.T, what string, got map[string]int, limit int) {
	t.Helper()
	for k, n := range got {
		if n > limit {
			t.Errorf("%s %s: %d calls in one second, limit %d", what, k, n, limit)
		}
	}
}

func id(i int) string { return fmt.Sprintf("%05d", i) }
