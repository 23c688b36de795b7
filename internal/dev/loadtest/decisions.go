package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"golang.org/x/sync/errgroup"
)

// InvFresh is checked on every decision about a flip principal, after the
// run, against the history of the writes that change its answer.
const InvFresh = "every decision reflects every policy write answered before it began, and none sent after it was answered (read-your-writes)"

// InvActionGroups is checked on every batch: an action the schema puts in
// no group is never allowed by the policies that name a group.
const InvActionGroups = "action groups come from the schema (an action in no group is never allowed through one)"

// Decision stores: each account gets a few stores of its own (not in the
// churn of the other operations) with a schema of action groups, a few
// dozen filler policies that other clients create and delete, and one flip
// policy that a single writer per store creates, updates (its condition
// true or false) and deletes, pausing between writes. Decisions ask whether
// the flip principal may read a document: only the flip policy can allow
// it, through the schema's action group, so every answer tells which state
// of the flip policy it saw.
const (
	// flipPrincipal is the flip principal's entity id (type User) when the
	// run has no Config.Tokens; with them it is FlipIdentity.PrincipalID.
	flipPrincipal = "flip"
	// minFillers and maxFillers bound the filler policies of a decision
	// store (from 16 policies on, decisions use the scope index).
	minFillers = 16
	maxFillers = 32
	// The writer pauses between two writes for about as long as the last
	// write took (between half and twice that, within these bounds), so that
	// about half of the decisions run with no write in flight: those have
	// exactly one right answer, where a stale decision shows.
	minFlipPause = 5 * time.Millisecond
	maxFlipPause = 2 * time.Second
)

// decisionSchema puts read and list in the group readOnly; the flip policy
// names the group, the decisions the member.
const decisionSchema = `{"": {"entityTypes": {"User": {}, "Group": {}, "Doc": {}}, "actions": {
	"read": {"memberOf": [{"id": "readOnly"}]},
	"list": {"memberOf": [{"id": "readOnly"}]},
	"write": {},
	"readOnly": {}}}}`

func flipStatement(principal string, allow bool) string {
	return fmt.Sprintf(`permit(principal == User::%q, action in Action::"readOnly", resource) when { %t };`, principal, allow)
}

// fillerStatement is a policy that never applies to the flip principal.
func fillerStatement(n int) string {
	switch n % 4 {
	case 0:
		return fmt.Sprintf(`permit(principal == User::"filler-%d", action == Action::"read", resource);`, n)
	case 1:
		return fmt.Sprintf(`forbid(principal in Group::"g%d", action, resource) when { context has x && context.x == %d };`, n, n)
	case 2:
		return fmt.Sprintf(`permit(principal == User::"filler-%d", action in Action::"readOnly", resource == Doc::"d%d");`, n, n)
	}
	return fmt.Sprintf(`permit(principal is Group, action == Action::"write", resource == Doc::"d%d");`, n)
}

// FlipIdentity is the flip principal of one account's decision stores as
// an identity source knows it: every decision store of the account gets
// Source as its identity source (principal type User), the flip policy,
// IsAuthorized and BatchIsAuthorized name User::PrincipalID, and
// IsAuthorizedWithToken sends IDToken, whose user the identity source maps
// to that very principal. So decisions with and without the token see the
// same policy, and the freshness check covers both.
type FlipIdentity struct {
	Source types.Configuration
	// PrincipalID is the entity id the identity source gives IDToken's
	// user: <userPoolId>|<sub> for a Cognito user pool.
	PrincipalID string
	// IDToken is valid for the whole run.
	IDToken string
}

// FlipIdentities gives the flip identity of an account (see Config.Tokens).
type FlipIdentities func(ctx context.Context, a Account) (*FlipIdentity, error)

// DecisionMix is the part of the mix that works in the decision stores
// (for Config.Mix): decisions and filler policy writes.
var DecisionMix = []string{"IsAuthorized", "BatchIsAuthorized", "IsAuthorizedWithToken", "policy write (filler)"}

// flipWrite is one acknowledged write of the flip policy: when it was sent
// and answered, and the state after it: whether the policy exists, its id,
// and whether it allows (exists with the condition true).
type flipWrite struct {
	sent, acked   time.Time
	exists, allow bool
	policyID      string
	op            string
}

// determining is what a decision in the state after w names.
func (w flipWrite) determining() []string {
	if w.allow {
		return []string{w.policyID}
	}
	return []string{}
}

// decisionObs is one decision about the flip principal.
type decisionObs struct {
	start, end  time.Time
	allow       bool
	determining []string
	op          string
}

// flipStore is one decision store and what happened to it.
type flipStore struct {
	acct *acctState
	id   string

	mu     sync.Mutex
	writes []flipWrite // in order; writes[0] is the state before the run
	obs    []decisionObs
	// uncertainFrom is when a write was sent whose outcome is unknown (no
	// answer, an internal error): no decision begun later is checked.
	uncertainFrom time.Time
	fillers       []string
	nextFiller    int
}

func (f *flipStore) addWrite(w flipWrite) {
	f.mu.Lock()
	f.writes = append(f.writes, w)
	f.mu.Unlock()
}

func (f *flipStore) addObs(o ...decisionObs) {
	f.mu.Lock()
	f.obs = append(f.obs, o...)
	f.mu.Unlock()
}

// setupDecisionStores creates n decision stores in every account, all at
// once.
func (r *runner) setupDecisionStores(ctx context.Context, n int) error {
	g, ctx := errgroup.WithContext(ctx)
	stores := make([][]*flipStore, len(r.accts))
	for _, a := range r.accts {
		a.flipID = flipPrincipal
		if r.cfg.Tokens == nil {
			continue
		}
		id, err := r.cfg.Tokens(ctx, a.Account)
		if err != nil {
			return fmt.Errorf("loadtest: the flip principal of %s: %w", a.ID, err)
		}
		a.flipID, a.flipToken, a.flipSource = id.PrincipalID, id.IDToken, id.Source
	}
	for i, a := range r.accts {
		stores[i] = make([]*flipStore, n)
		for j := range n {
			g.Go(func() (err error) {
				stores[i][j], err = setupFlipStore(ctx, a)
				if err != nil {
					return fmt.Errorf("loadtest: a decision store of %s: %w", a.ID, err)
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, a := range r.accts {
		a.flips = stores[i]
		r.flips = append(r.flips, stores[i]...)
	}
	return nil
}

func setupFlipStore(ctx context.Context, a *acctState) (*flipStore, error) {
	ps, err := a.client.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{
		ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
		Description:        aws.String("load test decisions"),
	})
	if err != nil {
		return nil, err
	}
	f := &flipStore{acct: a, id: aws.ToString(ps.PolicyStoreId)}
	if _, err := a.client.PutSchema(ctx, &vp.PutSchemaInput{PolicyStoreId: aws.String(f.id),
		Definition: &types.SchemaDefinitionMemberCedarJson{Value: decisionSchema}}); err != nil {
		return nil, err
	}
	if a.flipSource != nil {
		if _, err := a.client.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(f.id),
			PrincipalEntityType: aws.String("User"), Configuration: a.flipSource}); err != nil {
			return nil, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	fillers := make([]string, (minFillers+maxFillers)/2)
	for i := range fillers {
		g.Go(func() (err error) {
			fillers[i], err = f.createFiller(gctx)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	f.fillers = fillers
	sent := time.Now()
	p, err := createPolicy(ctx, a.client, f.id, flipStatement(a.flipID, true))
	if err != nil {
		return nil, err
	}
	f.writes = []flipWrite{{sent: sent, acked: time.Now(), exists: true, allow: true, policyID: aws.ToString(p.PolicyId), op: "setup"}}
	return f, nil
}

func createPolicy(ctx context.Context, c *vp.Client, store, statement string) (*vp.CreatePolicyOutput, error) {
	return c.CreatePolicy(ctx, &vp.CreatePolicyInput{PolicyStoreId: aws.String(store),
		Definition: &types.PolicyDefinitionMemberStatic{Value: types.StaticPolicyDefinition{Statement: aws.String(statement)}}})
}

func (f *flipStore) createFiller(ctx context.Context) (string, error) {
	f.mu.Lock()
	n := f.nextFiller
	f.nextFiller++
	f.mu.Unlock()
	p, err := createPolicy(ctx, f.acct.client, f.id, fillerStatement(n))
	if err != nil {
		return "", err
	}
	return aws.ToString(p.PolicyId), nil
}

// flipWriter is the single writer of f's flip policy.
func (r *runner) flipWriter(f *flipStore, rng *rand.Rand) {
	cur := f.writes[0]
	c := f.acct.client
	for r.running() {
		var next flipWrite
		var call func(ctx context.Context) error
		switch {
		case !cur.exists:
			next = flipWrite{op: "CreatePolicy (flip)", exists: true, allow: rng.IntN(4) > 0}
			call = func(ctx context.Context) error {
				p, err := createPolicy(ctx, c, f.id, flipStatement(f.acct.flipID, next.allow))
				if err == nil {
					next.policyID = aws.ToString(p.PolicyId)
				}
				return err
			}
		case rng.IntN(3) < 2:
			next = flipWrite{op: "UpdatePolicy (flip)", exists: true, allow: !cur.allow, policyID: cur.policyID}
			call = func(ctx context.Context) error {
				_, err := c.UpdatePolicy(ctx, &vp.UpdatePolicyInput{PolicyStoreId: aws.String(f.id), PolicyId: aws.String(cur.policyID),
					Definition: &types.UpdatePolicyDefinitionMemberStatic{Value: types.UpdateStaticPolicyDefinition{Statement: aws.String(flipStatement(f.acct.flipID, next.allow))}}})
				return err
			}
		default:
			next = flipWrite{op: "DeletePolicy (flip)"}
			call = func(ctx context.Context) error {
				_, err := c.DeletePolicy(ctx, &vp.DeletePolicyInput{PolicyStoreId: aws.String(f.id), PolicyId: aws.String(cur.policyID)})
				return err
			}
		}
		if !r.take(1) {
			return
		}
		ctx, cancel := context.WithTimeout(r.ctx, r.cfg.RequestTimeout)
		next.sent = time.Now()
		err := call(ctx)
		next.acked = time.Now()
		cancel()
		code, ok := Classify(err)
		r.rec.add(next.op, code, next.acked.Sub(next.sent))
		r.inv.check(InvWellFormed, ok, func() string { return fmt.Sprintf("%s (account %s): %s: %v", next.op, f.acct.ID, code, err) })
		switch code {
		case CodeOK:
			f.addWrite(next)
			cur = next
		case "ThrottlingException", "ValidationException", "ResourceNotFoundException", "ConflictException":
			// Refused: nothing was written; try again.
		default:
			// Maybe written, maybe not: stop writing and checking here.
			f.mu.Lock()
			f.uncertainFrom = next.sent
			f.mu.Unlock()
			return
		}
		took := next.acked.Sub(next.sent)
		pause := took/2 + time.Duration(rng.Int64N(int64(took*3/2)+1))
		time.Sleep(min(max(pause, minFlipPause), maxFlipPause))
	}
}

// decide asks one IsAuthorized of a decision store of the account.
func (w *worker) decide() {
	a := w.acct
	if len(a.flips) == 0 {
		return
	}
	f := a.flips[w.rng.IntN(len(a.flips))]
	in := vp.IsAuthorizedInput{
		PolicyStoreId: aws.String(f.id),
		Principal:     &types.EntityIdentifier{EntityType: aws.String("User"), EntityId: aws.String(a.flipID)},
		Action:        &types.ActionIdentifier{ActionType: aws.String("Action"), ActionId: aws.String("read")},
		Resource:      &types.EntityIdentifier{EntityType: aws.String("Doc"), EntityId: aws.String(fmt.Sprintf("d%d", w.rng.IntN(100)))},
	}
	var out *vp.IsAuthorizedOutput
	var obs decisionObs
	code, _ := w.call("IsAuthorized", func(ctx context.Context) (err error) {
		obs.start = time.Now()
		out, err = a.client.IsAuthorized(ctx, &in)
		obs.end = time.Now()
		return err
	})
	if code != CodeOK {
		return
	}
	obs.op, obs.allow, obs.determining = "IsAuthorized", out.Decision == types.DecisionAllow, determiningIDs(out.DeterminingPolicies)
	w.shape("IsAuthorized", out.Decision == types.DecisionAllow || out.Decision == types.DecisionDeny,
		func() string { return fmt.Sprintf("decision %q", out.Decision) })
	f.addObs(obs)
}

// decideWithToken asks one IsAuthorizedWithToken of a decision store with
// the flip principal's ID token.
func (w *worker) decideWithToken() {
	a := w.acct
	if len(a.flips) == 0 || a.flipToken == "" {
		return
	}
	f := a.flips[w.rng.IntN(len(a.flips))]
	in := vp.IsAuthorizedWithTokenInput{
		PolicyStoreId: aws.String(f.id),
		IdentityToken: aws.String(a.flipToken),
		Action:        &types.ActionIdentifier{ActionType: aws.String("Action"), ActionId: aws.String([]string{"read", "list"}[w.rng.IntN(2)])},
		Resource:      &types.EntityIdentifier{EntityType: aws.String("Doc"), EntityId: aws.String(fmt.Sprintf("d%d", w.rng.IntN(100)))},
	}
	var out *vp.IsAuthorizedWithTokenOutput
	var obs decisionObs
	code, _ := w.call("IsAuthorizedWithToken", func(ctx context.Context) (err error) {
		obs.start = time.Now()
		out, err = a.client.IsAuthorizedWithToken(ctx, &in)
		obs.end = time.Now()
		return err
	})
	if code != CodeOK {
		return
	}
	w.shape("IsAuthorizedWithToken", out.Principal != nil && aws.ToString(out.Principal.EntityType) == "User" && aws.ToString(out.Principal.EntityId) == a.flipID,
		func() string { return fmt.Sprintf("principal %+v", out.Principal) })
	obs.op, obs.allow, obs.determining = "IsAuthorizedWithToken", out.Decision == types.DecisionAllow, determiningIDs(out.DeterminingPolicies)
	f.addObs(obs)
}

// decideBatch asks one BatchIsAuthorized of the flip principal over a few
// documents, actions of the group and one outside it.
func (w *worker) decideBatch() {
	a := w.acct
	if len(a.flips) == 0 {
		return
	}
	f := a.flips[w.rng.IntN(len(a.flips))]
	principal := &types.EntityIdentifier{EntityType: aws.String("User"), EntityId: aws.String(a.flipID)}
	n := 2 + w.rng.IntN(4)
	in := vp.BatchIsAuthorizedInput{PolicyStoreId: aws.String(f.id)}
	for i := range n {
		action := []string{"read", "list"}[i%2]
		if i == n-1 {
			action = "write"
		}
		in.Requests = append(in.Requests, types.BatchIsAuthorizedInputItem{Principal: principal,
			Action:   &types.ActionIdentifier{ActionType: aws.String("Action"), ActionId: aws.String(action)},
			Resource: &types.EntityIdentifier{EntityType: aws.String("Doc"), EntityId: aws.String(fmt.Sprintf("d%d", w.rng.IntN(100)))}})
	}
	var out *vp.BatchIsAuthorizedOutput
	var start, end time.Time
	code, _ := w.call("BatchIsAuthorized", func(ctx context.Context) (err error) {
		start = time.Now()
		out, err = a.client.BatchIsAuthorized(ctx, &in)
		end = time.Now()
		return err
	})
	if code != CodeOK {
		return
	}
	if len(out.Results) != n {
		w.shape("BatchIsAuthorized", false, func() string { return fmt.Sprintf("%d results for %d requests", len(out.Results), n) })
		return
	}
	var obs []decisionObs
	for i, res := range out.Results {
		allow := res.Decision == types.DecisionAllow
		if i == n-1 {
			// write is in no group: no policy of the store allows it.
			w.r.inv.check(InvActionGroups, !allow, func() string {
				return fmt.Sprintf("BatchIsAuthorized in %s allowed write, which no policy allows", f.id)
			})
			continue
		}
		obs = append(obs, decisionObs{start: start, end: end, allow: allow, determining: determiningIDs(res.DeterminingPolicies), op: "BatchIsAuthorized"})
	}
	f.addObs(obs...)
}

func determiningIDs(items []types.DeterminingPolicyItem) []string {
	ids := make([]string, 0, len(items))
	for _, it := range items {
		ids = append(ids, aws.ToString(it.PolicyId))
	}
	slices.Sort(ids)
	return ids
}

// fillerWrite creates or deletes a filler policy of a decision store.
func (w *worker) fillerWrite() {
	a := w.acct
	if len(a.flips) == 0 {
		return
	}
	f := a.flips[w.rng.IntN(len(a.flips))]
	f.mu.Lock()
	n := len(f.fillers)
	var victim string
	create := n < minFillers || (n < maxFillers && w.chance(0.5))
	if !create {
		i := w.rng.IntN(n)
		victim = f.fillers[i]
		f.fillers = slices.Delete(f.fillers, i, i+1)
	}
	f.mu.Unlock()
	if create {
		var id string
		code, _ := w.call("CreatePolicy (filler)", func(ctx context.Context) (err error) {
			id, err = f.createFiller(ctx)
			return err
		})
		if code == CodeOK {
			f.mu.Lock()
			f.fillers = append(f.fillers, id)
			f.mu.Unlock()
		}
		return
	}
	w.call("DeletePolicy (filler)", func(ctx context.Context) error {
		_, err := a.client.DeletePolicy(ctx, &vp.DeletePolicyInput{PolicyStoreId: aws.String(f.id), PolicyId: aws.String(victim)})
		return err
	})
}

// FreshnessReport is what the decisions about flip principals showed.
type FreshnessReport struct {
	Stores, Writes int
	// Checked counts the decisions checked; Exact those with exactly one
	// right answer (no write in flight, or only writes that keep the answer).
	Checked, Exact, Violations int
	// Unchecked counts decisions begun after a write of unknown outcome.
	Unchecked int
	// ByOp counts the decisions checked by operation, StaleByOp the
	// violations.
	ByOp, StaleByOp map[string]int
	Examples        []string
}

// checkFreshness checks decisions against the writes of one flip policy:
// a decision begun after write k was answered must see write k or a later
// one, and it cannot see a write sent after it was answered. So its answer
// must be the state after one of the writes K..M, K the last write answered
// before it began and M the last one sent before it ended (an ALLOW naming
// exactly the flip policy of that state).
func checkFreshness(writes []flipWrite, obs []decisionObs, uncertainFrom time.Time, rep *FreshnessReport) {
	rep.Writes += len(writes) - 1
	for _, o := range obs {
		if !uncertainFrom.IsZero() && !o.start.Before(uncertainFrom) {
			rep.Unchecked++
			continue
		}
		k := sort.Search(len(writes), func(i int) bool { return !writes[i].acked.Before(o.start) }) - 1
		m := sort.Search(len(writes), func(i int) bool { return !writes[i].sent.Before(o.end) }) - 1
		if k < 0 {
			k = 0 // writes[0] precedes the run
		}
		m = max(m, k)
		rep.Checked++
		if rep.ByOp == nil {
			rep.ByOp = map[string]int{}
		}
		rep.ByOp[o.op]++
		answers := map[string]bool{}
		for _, w := range writes[k : m+1] {
			answers[fmt.Sprint(w.allow, w.determining())] = true
		}
		if len(answers) == 1 {
			rep.Exact++
		}
		fits := false
		for _, w := range writes[k : m+1] {
			if w.allow == o.allow && slices.Equal(o.determining, w.determining()) {
				fits = true
				break
			}
		}
		if !fits {
			rep.Violations++
			if rep.StaleByOp == nil {
				rep.StaleByOp = map[string]int{}
			}
			rep.StaleByOp[o.op]++
			if len(rep.Examples) < maxExamples {
				var seen []string
				for _, w := range writes[k : m+1] {
					seen = append(seen, fmt.Sprintf("%s→%v %s (sent %s, answered %s)", w.op, w.allow, w.policyID,
						w.sent.Format("15:04:05.000"), w.acked.Format("15:04:05.000")))
				}
				rep.Examples = append(rep.Examples, fmt.Sprintf("%s from %s to %s answered allow=%v %v; possible states: %s",
					o.op, o.start.Format("15:04:05.000"), o.end.Format("15:04:05.000"), o.allow, o.determining, strings.Join(seen, "; ")))
			}
		}
	}
}

// freshness checks every decision store after the run.
func (r *runner) freshness() *FreshnessReport {
	rep := &FreshnessReport{Stores: len(r.flips)}
	for _, f := range r.flips {
		f.mu.Lock()
		checkFreshness(f.writes, f.obs, f.uncertainFrom, rep)
		f.mu.Unlock()
	}
	r.inv.record(InvFresh, int64(rep.Checked), int64(rep.Violations), rep.Examples)
	return rep
}
