package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/google/uuid"
)

// InvVerify is checked on every create and update answered OK or
// ValidationException.
const InvVerify = "Cognito checks hold under load (an unknown app client is refused; existing pools and clients are accepted)"

var reID = regexp.MustCompile(`^[A-Za-z0-9]{22}$`)

// aliasNames is the namespace aliases are drawn from: small, and the same
// for every account, so that names collide within an account (the second
// create must fail) and repeat across accounts (each must see its own).
const aliasNames = 48

type worker struct {
	r    *runner
	acct *acctState
	rng  *rand.Rand
}

type opEntry struct {
	name   string
	weight func(w *worker, stores int) float64
	run    func(w *worker)
}

func fixed(x float64) func(*worker, int) float64 { return func(*worker, int) float64 { return x } }

// withDecisions weighs an operation on the account's decision stores: 0
// when it has none.
func withDecisions(x float64) func(*worker, int) float64 {
	return func(w *worker, _ int) float64 {
		if len(w.acct.flips) == 0 {
			return 0
		}
		return x
	}
}

// ops is the mix: relative weights, some depending on how many stores the
// account has (about StoresPerAccount are kept, with churn).
var ops = []opEntry{
	{"CreatePolicyStore", func(w *worker, n int) float64 {
		if n < w.r.cfg.StoresPerAccount {
			return 8
		}
		return 1
	}, (*worker).createStore},
	{"GetPolicyStore", fixed(8), (*worker).getStore},
	{"ListPolicyStores", fixed(4), (*worker).listStores},
	{"UpdatePolicyStore", fixed(4), (*worker).updateStore},
	{"DeletePolicyStore", func(w *worker, n int) float64 {
		if n > w.r.cfg.StoresPerAccount/2 {
			return 2
		}
		return 0.2
	}, (*worker).deleteStore},
	{"CreateIdentitySource", fixed(10), (*worker).createIS},
	{"GetIdentitySource", fixed(8), (*worker).getIS},
	{"ListIdentitySources", fixed(5), (*worker).listISOp},
	{"UpdateIdentitySource", fixed(5), (*worker).updateIS},
	{"DeleteIdentitySource", fixed(6), (*worker).deleteIS},
	{"CreatePolicyStoreAlias", fixed(4), (*worker).createAlias},
	{"GetPolicyStoreAlias", fixed(3), (*worker).getAlias},
	{"ListPolicyStoreAliases", fixed(2), (*worker).listAliases},
	{"DeletePolicyStoreAlias", fixed(3), (*worker).deleteAlias},
	{"replay CreatePolicyStore", fixed(2), (*worker).replayStore},
	{"replay CreateIdentitySource", fixed(4), (*worker).replayIS},
	{"reuse token with other parameters", fixed(1.5), (*worker).conflictReplay},
	{"burst CreateIdentitySource", fixed(2), (*worker).burstIS},
	{"probe another account", fixed(4), (*worker).probeOther},
	{"IsAuthorized", withDecisions(40), (*worker).decide},
	{"BatchIsAuthorized", withDecisions(6), (*worker).decideBatch},
	{"IsAuthorizedWithToken", func(w *worker, n int) float64 {
		if w.acct.flipToken == "" {
			return 0
		}
		return withDecisions(15)(w, n)
	}, (*worker).decideWithToken},
	{"policy write (filler)", withDecisions(6), (*worker).fillerWrite},
}

func (r *runner) running() bool {
	return !r.stopped.Load() && r.ctx.Err() == nil && time.Now().Before(r.deadline)
}

func (w *worker) loop() {
	weights := make([]float64, len(ops))
	for w.r.running() {
		n := w.acct.numStores()
		total := 0.0
		for i, o := range ops {
			weights[i] = 0
			if len(w.r.cfg.Mix) == 0 || slices.Contains(w.r.cfg.Mix, o.name) {
				weights[i] = o.weight(w, n)
			}
			total += weights[i]
		}
		if total == 0 {
			return
		}
		x := w.rng.Float64() * total
		i := 0
		for ; i < len(ops)-1 && x >= weights[i]; i++ {
			x -= weights[i]
		}
		ops[i].run(w)
	}
}

// call sends one request through f, timing it and classifying its answer.
// It returns "" when the run is over and nothing was sent.
func (w *worker) call(op string, f func(ctx context.Context) error) (string, error) {
	if !w.r.take(1) {
		return "", nil
	}
	ctx, cancel := context.WithTimeout(w.r.ctx, w.r.cfg.RequestTimeout)
	defer cancel()
	start := time.Now()
	err := f(ctx)
	d := time.Since(start)
	code, ok := Classify(err)
	w.r.rec.add(op, code, d)
	w.r.inv.check(InvWellFormed, ok, func() string { return fmt.Sprintf("%s (account %s): %s: %v", op, w.acct.ID, code, err) })
	return code, err
}

// shape fails InvWellFormed when a successful answer lacks what it must have.
func (w *worker) shape(op string, ok bool, what func() string) {
	if !ok {
		w.r.inv.fail(InvWellFormed, fmt.Sprintf("%s (account %s): %s", op, w.acct.ID, what()))
	}
}

func (w *worker) chance(p float64) bool { return w.rng.Float64() < p }

// ref names s by id, or now and then by one of its aliases.
func (w *worker) ref(s snapshot) string {
	if len(s.aliases) > 0 && w.chance(0.3) {
		return s.aliases[w.rng.IntN(len(s.aliases))]
	}
	return s.id
}

func isAlias(ref string) bool { return strings.HasPrefix(ref, "policy-store-alias/") }

func (w *worker) mode() types.ValidationMode {
	if w.chance(0.5) {
		return types.ValidationModeOff
	}
	return types.ValidationModeStrict
}

func (w *worker) principal() *string {
	switch w.rng.IntN(3) {
	case 0:
		return aws.String("User")
	case 1:
		return aws.String("MyCorp::User")
	}
	return nil // AWS::Cognito
}

func (w *worker) aliasName() string {
	return fmt.Sprintf("policy-store-alias/load-%02d", w.rng.IntN(aliasNames))
}

func (w *worker) pool() Pool { return w.acct.Pools[w.rng.IntN(len(w.acct.Pools))] }

func cognitoConfig(p Pool, clients []string) *types.ConfigurationMemberCognitoUserPoolConfiguration {
	return &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
		UserPoolArn: aws.String(p.ARN), ClientIds: clients,
	}}
}

// arnAccount returns the account field of an ARN.
func arnAccount(arn string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) < 6 {
		return ""
	}
	return f[4]
}

// aliasARN tells whether arn is the ARN of account's alias name: with a
// region, as AWS's alias ARNs have.
func aliasARN(arn, account, name string) bool {
	f := strings.SplitN(arn, ":", 6)
	return len(f) == 6 && f[0] == "arn" && f[2] == "verifiedpermissions" && f[3] != "" && f[4] == account && f[5] == name
}

func psARN(account, id string) string {
	return "arn:aws:verifiedpermissions::" + account + ":policy-store/" + id
}

func conflictNames(err error, id string) bool {
	var c *types.ConflictException
	if !errors.As(err, &c) {
		return false
	}
	for _, r := range c.Resources {
		if aws.ToString(r.ResourceId) == id {
			return true
		}
	}
	return false
}

func backoff(attempt int) {
	time.Sleep(time.Duration(5+rand.IntN(20<<attempt)) * time.Millisecond)
}

// ---------------------------------------------------------------------------
// policy stores

func createdOfPS(o *vp.CreatePolicyStoreOutput) created {
	return created{id: aws.ToString(o.PolicyStoreId), policyStoreID: aws.ToString(o.PolicyStoreId), arn: aws.ToString(o.Arn),
		createdDate: aws.ToTime(o.CreatedDate), updated: aws.ToTime(o.LastUpdatedDate)}
}

func (w *worker) createStore() {
	a := w.acct
	in := vp.CreatePolicyStoreInput{
		ClientToken:        aws.String(uuid.NewString()),
		ValidationSettings: &types.ValidationSettings{Mode: w.mode()},
	}
	if w.chance(0.5) {
		in.Description = aws.String(fmt.Sprintf("load test store %d", w.rng.IntN(1000)))
	}
	var out *vp.CreatePolicyStoreOutput
	code, _ := w.call("CreatePolicyStore", func(ctx context.Context) (err error) {
		in := in
		out, err = a.client.CreatePolicyStore(ctx, &in)
		return err
	})
	if code != CodeOK {
		return
	}
	c := createdOfPS(out)
	w.shape("CreatePolicyStore", reID.MatchString(c.id) && c.arn == psARN(a.ID, c.id) && !c.createdDate.IsZero() && c.createdDate.Equal(c.updated),
		func() string { return fmt.Sprintf("answer %+v", c) })
	a.addStore(c.id)
	a.addPSRecord(psRecord{in: in, out: c})
}

func (w *worker) getStore() {
	a := w.acct
	s, ok := a.pick(w.rng, nil)
	if !ok {
		return
	}
	ref := w.ref(s)
	var out *vp.GetPolicyStoreOutput
	code, _ := w.call("GetPolicyStore", func(ctx context.Context) (err error) {
		out, err = a.client.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(ref), Tags: w.chance(0.2)})
		return err
	})
	switch code {
	case CodeOK:
		id := aws.ToString(out.PolicyStoreId)
		w.r.inv.check(InvIsolation, aws.ToString(out.Arn) == psARN(a.ID, id), func() string {
			return fmt.Sprintf("GetPolicyStore %s as %s answered %s", ref, a.ID, aws.ToString(out.Arn))
		})
		w.shape("GetPolicyStore", (isAlias(ref) || id == s.id) && out.ValidationSettings != nil && out.CreatedDate != nil && out.LastUpdatedDate != nil,
			func() string { return fmt.Sprintf("asked %s, answered id %s", ref, id) })
	case "ResourceNotFoundException":
		if !isAlias(ref) {
			a.removeStore(s.id)
		}
	}
}

func (w *worker) listStores() {
	a := w.acct
	in := vp.ListPolicyStoresInput{MaxResults: aws.Int32(int32(1 + w.rng.IntN(25)))}
	for page := 0; page < 3; page++ {
		var out *vp.ListPolicyStoresOutput
		code, _ := w.call("ListPolicyStores", func(ctx context.Context) (err error) {
			in := in
			out, err = a.client.ListPolicyStores(ctx, &in)
			return err
		})
		if code != CodeOK {
			return
		}
		for _, it := range out.PolicyStores {
			id := aws.ToString(it.PolicyStoreId)
			w.r.inv.check(InvIsolation, aws.ToString(it.Arn) == psARN(a.ID, id), func() string {
				return fmt.Sprintf("ListPolicyStores as %s listed %s", a.ID, aws.ToString(it.Arn))
			})
			w.shape("ListPolicyStores", reID.MatchString(id) && it.CreatedDate != nil, func() string { return fmt.Sprintf("item %s", id) })
		}
		if out.NextToken == nil {
			return
		}
		in.NextToken = out.NextToken
	}
}

func (w *worker) updateStore() {
	a := w.acct
	s, ok := a.pick(w.rng, nil)
	if !ok {
		return
	}
	ref := w.ref(s)
	protect := types.DeletionProtectionDisabled
	if w.chance(0.08) {
		protect = types.DeletionProtectionEnabled
	}
	in := vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(ref), ValidationSettings: &types.ValidationSettings{Mode: w.mode()}, DeletionProtection: protect}
	if w.chance(0.3) {
		in.Description = aws.String(fmt.Sprintf("updated %d", w.rng.IntN(1000)))
	}
	var out *vp.UpdatePolicyStoreOutput
	code, _ := w.call("UpdatePolicyStore", func(ctx context.Context) (err error) {
		out, err = a.client.UpdatePolicyStore(ctx, &in)
		return err
	})
	switch code {
	case CodeOK:
		id := aws.ToString(out.PolicyStoreId)
		w.shape("UpdatePolicyStore", (isAlias(ref) || id == s.id) && aws.ToString(out.Arn) == psARN(a.ID, id) && out.LastUpdatedDate != nil,
			func() string { return fmt.Sprintf("asked %s, answered %s %s", ref, id, aws.ToString(out.Arn)) })
		a.update(id, func(r *storeRef) { r.protected = protect == types.DeletionProtectionEnabled })
	case "ResourceNotFoundException":
		if !isAlias(ref) {
			a.removeStore(s.id)
		}
	}
}

func (w *worker) deleteStore() {
	a := w.acct
	s, ok := a.pick(w.rng, func(r *storeRef) bool { return !r.protected })
	if !ok {
		return
	}
	code, _ := w.call("DeletePolicyStore", func(ctx context.Context) error {
		_, err := a.client.DeletePolicyStore(ctx, &vp.DeletePolicyStoreInput{PolicyStoreId: aws.String(s.id)})
		return err
	})
	switch code {
	case CodeOK:
		a.removeStore(s.id)
	case "InvalidStateException":
		a.update(s.id, func(r *storeRef) { r.protected = true })
	}
}

// ---------------------------------------------------------------------------
// identity sources

func createdOfIS(o *vp.CreateIdentitySourceOutput) created {
	return created{id: aws.ToString(o.IdentitySourceId), policyStoreID: aws.ToString(o.PolicyStoreId),
		createdDate: aws.ToTime(o.CreatedDate), updated: aws.ToTime(o.LastUpdatedDate)}
}

// unknownIS marks a store that has an identity source of unknown id.
const unknownIS = "?"

func knownIS(r *storeRef) bool { return r.isID != "" && r.isID != unknownIS }

func (w *worker) createIS() {
	a := w.acct
	s, ok := a.pick(w.rng, func(r *storeRef) bool { return r.isID == "" })
	if !ok {
		return
	}
	ref := w.ref(s)
	pool := w.pool()
	clients := append([]string(nil), pool.ClientIDs...)
	bogus := w.chance(0.04)
	if bogus {
		clients = append(clients, fmt.Sprintf("nosuchclient%08x", w.rng.Uint32()))
	}
	in := vp.CreateIdentitySourceInput{
		ClientToken:         aws.String(uuid.NewString()),
		PolicyStoreId:       aws.String(ref),
		PrincipalEntityType: w.principal(),
		Configuration:       cognitoConfig(pool, clients),
	}
	op := "CreateIdentitySource"
	if bogus {
		op = "CreateIdentitySource (unknown app client)"
	}
	var out *vp.CreateIdentitySourceOutput
	code, err := w.call(op, func(ctx context.Context) (err error) {
		in := in
		out, err = a.client.CreateIdentitySource(ctx, &in)
		return err
	})
	if bogus && code != "" {
		w.r.inv.check(InvVerify, code != CodeOK, func() string { return fmt.Sprintf("%s in %s answered OK", op, ref) })
	} else if code == CodeOK {
		w.r.inv.pass(InvVerify)
	}
	switch code {
	case CodeOK:
		c := createdOfIS(out)
		w.shape(op, reID.MatchString(c.id) && (isAlias(ref) || c.policyStoreID == s.id) && !c.createdDate.IsZero() && c.createdDate.Equal(c.updated),
			func() string { return fmt.Sprintf("asked %s, answered %+v", ref, c) })
		a.update(c.policyStoreID, func(r *storeRef) { r.isID = c.id })
		in.PolicyStoreId = aws.String(c.policyStoreID)
		a.addISRecord(isRecord{in: in, out: c})
	case "ServiceQuotaExceededException":
		a.update(s.id, func(r *storeRef) {
			if r.isID == "" {
				r.isID = unknownIS
			}
		})
	case "ResourceNotFoundException":
		if !isAlias(ref) {
			a.removeStore(s.id)
		}
	case "ValidationException":
		if !bogus {
			w.r.inv.fail(InvVerify, fmt.Sprintf("a valid create in %s as %s was refused: %v", ref, a.ID, err))
		}
	}
}

func (w *worker) getIS() {
	a := w.acct
	s, ok := a.pick(w.rng, knownIS)
	if !ok {
		return
	}
	if s.isID == "" || s.isID == unknownIS {
		w.listIS(s)
		return
	}
	ref := w.ref(s)
	var out *vp.GetIdentitySourceOutput
	code, _ := w.call("GetIdentitySource", func(ctx context.Context) (err error) {
		out, err = a.client.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(ref), IdentitySourceId: aws.String(s.isID)})
		return err
	})
	switch code {
	case CodeOK:
		w.checkSource("GetIdentitySource", ref, s, aws.ToString(out.PolicyStoreId), aws.ToString(out.IdentitySourceId), out.Configuration,
			out.PrincipalEntityType != nil && out.CreatedDate != nil && out.LastUpdatedDate != nil)
		if id := aws.ToString(out.IdentitySourceId); id != s.isID {
			w.shape("GetIdentitySource", false, func() string { return fmt.Sprintf("asked %s, answered %s", s.isID, id) })
		}
	case "ResourceNotFoundException":
		if !isAlias(ref) {
			a.update(s.id, func(r *storeRef) {
				if r.isID == s.isID {
					r.isID = ""
				}
			})
		}
	}
}

// poolOf returns the user pool ARN of a Cognito configuration in a Get or
// List answer, and whether it has its issuer.
func poolOf(cfg any) (arn string, issuer, ok bool) {
	switch c := cfg.(type) {
	case *types.ConfigurationDetailMemberCognitoUserPoolConfiguration:
		return aws.ToString(c.Value.UserPoolArn), c.Value.Issuer != nil, true
	case *types.ConfigurationItemMemberCognitoUserPoolConfiguration:
		return aws.ToString(c.Value.UserPoolArn), c.Value.Issuer != nil, true
	}
	return "", false, false
}

// checkSource checks an identity source the API returned for the store s
// (asked for as ref): its store, and that its pool is the caller's.
func (w *worker) checkSource(op, ref string, s snapshot, psID, isID string, cfg any, complete bool) {
	a := w.acct
	arn, issuer, ok := poolOf(cfg)
	w.shape(op, ok && complete && issuer && reID.MatchString(isID) && (isAlias(ref) || psID == s.id),
		func() string {
			return fmt.Sprintf("asked %s, answered store %s source %s configuration %T", ref, psID, isID, cfg)
		})
	if ok {
		w.r.inv.check(InvIsolation, arnAccount(arn) == a.ID, func() string {
			return fmt.Sprintf("%s as %s answered a source with pool %s", op, a.ID, arn)
		})
	}
}

func (w *worker) listISOp() {
	s, ok := w.acct.pick(w.rng, nil)
	if ok {
		w.listIS(s)
	}
}

func (w *worker) listIS(s snapshot) {
	a := w.acct
	ref := w.ref(s)
	in := vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(ref)}
	filtered := w.chance(0.3)
	if filtered {
		in.Filters = []types.IdentitySourceFilter{{PrincipalEntityType: aws.String("User")}}
	}
	var out *vp.ListIdentitySourcesOutput
	code, _ := w.call("ListIdentitySources", func(ctx context.Context) (err error) {
		out, err = a.client.ListIdentitySources(ctx, &in)
		return err
	})
	switch code {
	case CodeOK:
		w.shape("ListIdentitySources", len(out.IdentitySources) <= 1, func() string {
			return fmt.Sprintf("store %s lists %d identity sources", ref, len(out.IdentitySources))
		})
		for _, it := range out.IdentitySources {
			w.checkSource("ListIdentitySources", ref, s, aws.ToString(it.PolicyStoreId), aws.ToString(it.IdentitySourceId), it.Configuration,
				it.PrincipalEntityType != nil && it.CreatedDate != nil)
		}
		if filtered || isAlias(ref) {
			return
		}
		id := ""
		if len(out.IdentitySources) == 1 {
			id = aws.ToString(out.IdentitySources[0].IdentitySourceId)
		}
		a.update(s.id, func(r *storeRef) { r.isID = id })
	case "ResourceNotFoundException":
		if !isAlias(ref) {
			a.removeStore(s.id)
		}
	}
}

func (w *worker) updateIS() {
	a := w.acct
	s, ok := a.pick(w.rng, knownIS)
	if !ok || !knownIS(&storeRef{isID: s.isID}) {
		return
	}
	ref := w.ref(s)
	pool := w.pool()
	in := vp.UpdateIdentitySourceInput{
		PolicyStoreId:    aws.String(ref),
		IdentitySourceId: aws.String(s.isID),
		UpdateConfiguration: &types.UpdateConfigurationMemberCognitoUserPoolConfiguration{Value: types.UpdateCognitoUserPoolConfiguration{
			UserPoolArn: aws.String(pool.ARN), ClientIds: pool.ClientIDs,
		}},
	}
	if w.chance(0.5) {
		in.PrincipalEntityType = w.principal()
	}
	var out *vp.UpdateIdentitySourceOutput
	code, err := w.call("UpdateIdentitySource", func(ctx context.Context) (err error) {
		out, err = a.client.UpdateIdentitySource(ctx, &in)
		return err
	})
	switch code {
	case CodeOK:
		w.shape("UpdateIdentitySource", aws.ToString(out.IdentitySourceId) == s.isID && (isAlias(ref) || aws.ToString(out.PolicyStoreId) == s.id) &&
			out.CreatedDate != nil && out.LastUpdatedDate != nil && !out.LastUpdatedDate.Before(*out.CreatedDate),
			func() string { return fmt.Sprintf("asked %s/%s, answered %+v", ref, s.isID, out) })
	case "ResourceNotFoundException":
		if !isAlias(ref) {
			a.update(s.id, func(r *storeRef) {
				if r.isID == s.isID {
					r.isID = ""
				}
			})
		}
	case "ValidationException":
		w.r.inv.fail(InvVerify, fmt.Sprintf("a valid update of %s as %s was refused: %v", s.isID, a.ID, err))
	}
}

func (w *worker) deleteIS() {
	a := w.acct
	s, ok := a.pick(w.rng, knownIS)
	if !ok || s.isID == "" || s.isID == unknownIS {
		return
	}
	ref := w.ref(s)
	code, _ := w.call("DeleteIdentitySource", func(ctx context.Context) error {
		_, err := a.client.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(ref), IdentitySourceId: aws.String(s.isID)})
		return err
	})
	if code == CodeOK || (code == "ResourceNotFoundException" && !isAlias(ref)) {
		a.update(s.id, func(r *storeRef) {
			if r.isID == s.isID {
				r.isID = ""
			}
		})
	}
}

// ---------------------------------------------------------------------------
// aliases

func (w *worker) createAlias() {
	a := w.acct
	s, ok := a.pick(w.rng, func(r *storeRef) bool { return len(r.aliases) < 3 })
	if !ok {
		return
	}
	name := w.aliasName()
	var out *vp.CreatePolicyStoreAliasOutput
	code, _ := w.call("CreatePolicyStoreAlias", func(ctx context.Context) (err error) {
		out, err = a.client.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(s.id)})
		return err
	})
	switch code {
	case CodeOK:
		w.shape("CreatePolicyStoreAlias", aws.ToString(out.PolicyStoreId) == s.id && aws.ToString(out.AliasName) == name &&
			aliasARN(aws.ToString(out.AliasArn), a.ID, name),
			func() string { return fmt.Sprintf("alias %s of %s answered %+v", name, s.id, out) })
		a.forgetAlias(name)
		a.update(s.id, func(r *storeRef) { r.aliases = append(r.aliases, name) })
	case "ResourceNotFoundException":
		a.removeStore(s.id)
	}
}

// knownOrRandomAlias returns an alias the account believes it has, or a
// random name.
func (w *worker) knownOrRandomAlias() string {
	if w.chance(0.7) {
		if s, ok := w.acct.pick(w.rng, func(r *storeRef) bool { return len(r.aliases) > 0 }); ok && len(s.aliases) > 0 {
			return s.aliases[w.rng.IntN(len(s.aliases))]
		}
	}
	return w.aliasName()
}

func (w *worker) getAlias() {
	a := w.acct
	name := w.knownOrRandomAlias()
	var out *vp.GetPolicyStoreAliasOutput
	code, _ := w.call("GetPolicyStoreAlias", func(ctx context.Context) (err error) {
		out, err = a.client.GetPolicyStoreAlias(ctx, &vp.GetPolicyStoreAliasInput{AliasName: aws.String(name)})
		return err
	})
	switch code {
	case CodeOK:
		arn := aws.ToString(out.AliasArn)
		w.r.inv.check(InvIsolation, arnAccount(arn) == a.ID, func() string {
			return fmt.Sprintf("GetPolicyStoreAlias %s as %s answered %s", name, a.ID, arn)
		})
		w.shape("GetPolicyStoreAlias", aws.ToString(out.AliasName) == name && reID.MatchString(aws.ToString(out.PolicyStoreId)) && out.CreatedAt != nil,
			func() string { return fmt.Sprintf("asked %s, answered %+v", name, out) })
	case "ResourceNotFoundException":
		a.forgetAlias(name)
	}
}

func (w *worker) listAliases() {
	a := w.acct
	in := vp.ListPolicyStoreAliasesInput{MaxResults: aws.Int32(int32(1 + w.rng.IntN(10)))}
	if s, ok := a.pick(w.rng, nil); ok && w.chance(0.5) {
		in.Filter = &types.PolicyStoreAliasFilter{PolicyStoreId: aws.String(s.id)}
	}
	for page := 0; page < 2; page++ {
		var out *vp.ListPolicyStoreAliasesOutput
		code, _ := w.call("ListPolicyStoreAliases", func(ctx context.Context) (err error) {
			in := in
			out, err = a.client.ListPolicyStoreAliases(ctx, &in)
			return err
		})
		if code != CodeOK {
			return
		}
		for _, it := range out.PolicyStoreAliases {
			arn := aws.ToString(it.AliasArn)
			w.r.inv.check(InvIsolation, arnAccount(arn) == a.ID, func() string {
				return fmt.Sprintf("ListPolicyStoreAliases as %s listed %s", a.ID, arn)
			})
			if in.Filter != nil {
				w.shape("ListPolicyStoreAliases", aws.ToString(it.PolicyStoreId) == aws.ToString(in.Filter.PolicyStoreId),
					func() string {
						return fmt.Sprintf("filter %s listed %s", aws.ToString(in.Filter.PolicyStoreId), aws.ToString(it.PolicyStoreId))
					})
			}
		}
		if out.NextToken == nil {
			return
		}
		in.NextToken = out.NextToken
	}
}

func (w *worker) deleteAlias() {
	a := w.acct
	name := w.knownOrRandomAlias()
	code, _ := w.call("DeletePolicyStoreAlias", func(ctx context.Context) error {
		_, err := a.client.DeletePolicyStoreAlias(ctx, &vp.DeletePolicyStoreAliasInput{AliasName: aws.String(name)})
		return err
	})
	if code == CodeOK {
		a.forgetAlias(name)
	}
}

// ---------------------------------------------------------------------------
// idempotency

// final sends f until it gets an answer that is not retryable (at most 4
// times), as an SDK with retries would. It returns "" if the run ended.
func (w *worker) final(op, keepID string, f func(ctx context.Context) (created, error)) (string, created, error) {
	for attempt := range 4 {
		var got created
		code, err := w.call(op, func(ctx context.Context) (err error) {
			got, err = f(ctx)
			return err
		})
		if code == "" || !retryable(code) || conflictNames(err, keepID) {
			return code, got, err
		}
		backoff(attempt)
	}
	return codeGaveUp, created{}, nil
}

// codeGaveUp is final's answer when every attempt was a retryable error.
const codeGaveUp = "retryable errors 4 times"

func (w *worker) replayStore() {
	a := w.acct
	rec, ok := a.randomPSRecord(w.rng)
	if !ok {
		return
	}
	op := "CreatePolicyStore (replay)"
	code, got, err := w.final(op, rec.out.id, func(ctx context.Context) (created, error) {
		in := rec.in
		out, err := a.client.CreatePolicyStore(ctx, &in)
		if err != nil {
			return created{}, err
		}
		return createdOfPS(out), nil
	})
	w.judgeReplay(op, rec.out, code, got, err)
}

func (w *worker) replayIS() {
	a := w.acct
	rec, ok := a.randomISRecord(w.rng)
	if !ok {
		return
	}
	op := "CreateIdentitySource (replay)"
	code, got, err := w.final(op, rec.out.id, func(ctx context.Context) (created, error) {
		in := rec.in
		out, err := a.client.CreateIdentitySource(ctx, &in)
		if err != nil {
			return created{}, err
		}
		return createdOfIS(out), nil
	})
	w.judgeReplay(op, rec.out, code, got, err)
}

func (w *worker) judgeReplay(op string, want created, code string, got created, err error) {
	switch code {
	case "":
	case CodeOK:
		w.r.inv.check(InvReplay, got.equal(want), func() string {
			return fmt.Sprintf("%s as %s: first answer %+v, replay %+v", op, w.acct.ID, want, got)
		})
	default:
		w.r.inv.fail(InvReplay, fmt.Sprintf("%s of %s as %s: %s: %v", op, want.id, w.acct.ID, code, err))
	}
}

// conflictReplay reuses a token with other parameters: the answer must be
// a ConflictException naming what the token created.
func (w *worker) conflictReplay() {
	a := w.acct
	var (
		id string
		f  func(ctx context.Context) (created, error)
		op string
	)
	if w.chance(0.5) {
		rec, ok := a.randomPSRecord(w.rng)
		if !ok {
			return
		}
		in := rec.in
		vs := types.ValidationSettings{Mode: types.ValidationModeOff}
		if in.ValidationSettings.Mode == types.ValidationModeOff {
			vs.Mode = types.ValidationModeStrict
		}
		in.ValidationSettings = &vs
		id, op = rec.out.id, "CreatePolicyStore (token reused, other parameters)"
		f = func(ctx context.Context) (created, error) {
			in := in
			_, err := a.client.CreatePolicyStore(ctx, &in)
			return created{}, err
		}
	} else {
		rec, ok := a.randomISRecord(w.rng)
		if !ok {
			return
		}
		in := rec.in
		if aws.ToString(in.PrincipalEntityType) == "Other::Principal" {
			in.PrincipalEntityType = aws.String("Another::Principal")
		} else {
			in.PrincipalEntityType = aws.String("Other::Principal")
		}
		id, op = rec.out.id, "CreateIdentitySource (token reused, other parameters)"
		f = func(ctx context.Context) (created, error) {
			in := in
			_, err := a.client.CreateIdentitySource(ctx, &in)
			return created{}, err
		}
	}
	code, _, err := w.final(op, id, f)
	if code == "" {
		return
	}
	w.r.inv.check(InvReplay, code == "ConflictException" && conflictNames(err, id), func() string {
		return fmt.Sprintf("%s of %s as %s: want ConflictException naming it, got %s: %v", op, id, a.ID, code, err)
	})
}

// burstIS sends the same new create three times at once. In a store of
// its own, which no other client touches, every answer must be the same
// success. In a shared store other clients may change the store between
// the three (a failed create records nothing, so a later one may succeed),
// but no two of them may succeed with different identity sources.
func (w *worker) burstIS() {
	a := w.acct
	private := w.chance(0.5)
	var storeID string
	if private {
		var out *vp.CreatePolicyStoreOutput
		code, _ := w.call("CreatePolicyStore", func(ctx context.Context) (err error) {
			out, err = a.client.CreatePolicyStore(ctx, &vp.CreatePolicyStoreInput{ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}})
			return err
		})
		if code != CodeOK {
			return
		}
		storeID = aws.ToString(out.PolicyStoreId)
	} else {
		s, ok := a.pick(w.rng, func(r *storeRef) bool { return r.isID == "" })
		if !ok {
			return
		}
		storeID = s.id
	}
	op := "CreateIdentitySource (burst of 3, shared store)"
	if private {
		op = "CreateIdentitySource (burst of 3, own store)"
	}
	pool := w.pool()
	in := vp.CreateIdentitySourceInput{
		ClientToken:         aws.String(uuid.NewString()),
		PolicyStoreId:       aws.String(storeID),
		PrincipalEntityType: w.principal(),
		Configuration:       cognitoConfig(pool, pool.ClientIDs),
	}
	const n = 3
	type answer struct {
		code string
		got  created
		err  error
	}
	answers := make([]answer, n)
	start := make(chan struct{})
	done := make(chan int, n)
	for i := range n {
		go func() {
			<-start
			code, got, err := w.final(op, "", func(ctx context.Context) (created, error) {
				in := in
				out, err := a.client.CreateIdentitySource(ctx, &in)
				if err != nil {
					return created{}, err
				}
				return createdOfIS(out), nil
			})
			answers[i] = answer{code, got, err}
			done <- i
		}()
	}
	close(start)
	for range n {
		<-done
	}
	var first *created
	ok := true
	for _, x := range answers {
		switch {
		case x.code == "":
			return // the run ended midway
		case x.code == CodeOK && first == nil:
			first = &x.got
		case x.code == CodeOK:
			ok = ok && x.got.equal(*first)
		case private:
			ok = false
		}
	}
	w.r.inv.check(InvReplay, ok, func() string {
		var b strings.Builder
		fmt.Fprintf(&b, "3 identical creates at once in store %s (%s) as %s answered differently:", storeID, op, a.ID)
		for _, x := range answers {
			if x.code == CodeOK {
				fmt.Fprintf(&b, " [OK %s %s]", x.got.id, x.got.createdDate.Format(time.RFC3339Nano))
			} else {
				fmt.Fprintf(&b, " [%s: %v]", x.code, x.err)
			}
		}
		return b.String()
	})
	if private {
		a.addStore(storeID)
	}
	if first != nil {
		c := *first
		a.update(storeID, func(r *storeRef) { r.isID = c.id })
		a.addISRecord(isRecord{in: in, out: c})
	}
}

// ---------------------------------------------------------------------------
// other accounts

// probeOther uses another account's store, identity source, alias or pool:
// the answer must be what a missing resource (or a foreign pool) gets.
func (w *worker) probeOther() {
	a := w.acct
	o := w.r.other(a, w.rng)
	if o == nil {
		return
	}
	theirs, ok := o.pick(w.rng, nil)
	if !ok {
		return
	}
	ours, haveOurs := a.pick(w.rng, nil)
	c := a.client
	var (
		op     string
		expect = []string{"ResourceNotFoundException"}
		f      func(ctx context.Context) error
		after  func(err error) (bool, string)
	)
	switch k := w.rng.IntN(9); {
	case k == 0:
		op = "GetPolicyStore (other account's store)"
		f = func(ctx context.Context) error {
			_, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(theirs.id)})
			return err
		}
	case k == 1 && knownIS(&storeRef{isID: theirs.isID}):
		op = "GetIdentitySource (other account's source)"
		f = func(ctx context.Context) error {
			_, err := c.GetIdentitySource(ctx, &vp.GetIdentitySourceInput{PolicyStoreId: aws.String(theirs.id), IdentitySourceId: aws.String(theirs.isID)})
			return err
		}
	case k == 2:
		op = "ListIdentitySources (other account's store)"
		f = func(ctx context.Context) error {
			_, err := c.ListIdentitySources(ctx, &vp.ListIdentitySourcesInput{PolicyStoreId: aws.String(theirs.id)})
			return err
		}
	case k == 3:
		op = "UpdatePolicyStore (other account's store)"
		f = func(ctx context.Context) error {
			_, err := c.UpdatePolicyStore(ctx, &vp.UpdatePolicyStoreInput{PolicyStoreId: aws.String(theirs.id),
				ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff}, DeletionProtection: types.DeletionProtectionEnabled})
			return err
		}
	case k == 4 && knownIS(&storeRef{isID: theirs.isID}):
		op = "DeleteIdentitySource (other account's source)"
		f = func(ctx context.Context) error {
			_, err := c.DeleteIdentitySource(ctx, &vp.DeleteIdentitySourceInput{PolicyStoreId: aws.String(theirs.id), IdentitySourceId: aws.String(theirs.isID)})
			return err
		}
	case k == 5:
		op = "CreatePolicyStoreAlias (other account's store)"
		expect = append(expect, "ConflictException") // the name is taken in our account
		name := w.aliasName()
		f = func(ctx context.Context) error {
			_, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String(name), PolicyStoreId: aws.String(theirs.id)})
			return err
		}
	case k == 6 && haveOurs:
		op = "CreateIdentitySource (other account's pool)"
		expect = []string{"ValidationException"}
		pool := o.Pools[w.rng.IntN(len(o.Pools))]
		f = func(ctx context.Context) error {
			_, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(ours.id), Configuration: cognitoConfig(pool, pool.ClientIDs)})
			return err
		}
	case k == 7 && haveOurs && knownIS(&storeRef{isID: ours.isID}):
		op = "UpdateIdentitySource (other account's pool)"
		expect = []string{"ValidationException"}
		pool := o.Pools[w.rng.IntN(len(o.Pools))]
		f = func(ctx context.Context) error {
			_, err := c.UpdateIdentitySource(ctx, &vp.UpdateIdentitySourceInput{PolicyStoreId: aws.String(ours.id), IdentitySourceId: aws.String(ours.isID),
				UpdateConfiguration: &types.UpdateConfigurationMemberCognitoUserPoolConfiguration{Value: types.UpdateCognitoUserPoolConfiguration{UserPoolArn: aws.String(pool.ARN)}}})
			return err
		}
	case k == 8 && len(theirs.aliases) > 0:
		// The same name may be an alias of ours: then it must name our store.
		op = "GetPolicyStore (other account's alias name)"
		name := theirs.aliases[w.rng.IntN(len(theirs.aliases))]
		var out *vp.GetPolicyStoreOutput
		f = func(ctx context.Context) (err error) {
			out, err = c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(name)})
			return err
		}
		after = func(err error) (bool, string) {
			if err != nil {
				return true, ""
			}
			return aws.ToString(out.PolicyStoreId) != theirs.id && arnAccount(aws.ToString(out.Arn)) == a.ID,
				fmt.Sprintf("alias %s as %s answered %s's store %s", name, a.ID, o.ID, aws.ToString(out.Arn))
		}
		expect = append(expect, CodeOK)
	default:
		return
	}
	code, err := w.call(op, f)
	if code == "" || (code != CodeOK && retryable(code) && code != "ConflictException") {
		return
	}
	ok = false
	for _, e := range expect {
		ok = ok || code == e
	}
	detail := fmt.Sprintf("%s as %s (theirs: %s, store %s): want %v, got %s: %v", op, a.ID, o.ID, theirs.id, expect, code, err)
	if ok && after != nil {
		ok, detail = after(err)
	}
	w.r.inv.check(InvIsolation, ok, func() string { return detail })
}
