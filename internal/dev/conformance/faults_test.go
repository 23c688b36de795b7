package conformance

// Faults: the whole API function, with its DynamoDB and Cognito clients
// going through fault-injecting proxies (internal/dev/faultproxy) to DynamoDB
// Local and cognito-local. For every fault class on every dependency call
// of CreateIdentitySource and CreatePolicyStore, the caller must get a
// retryable error (ThrottlingException or InternalServerException), never a
// false validation, not-found, conflict or quota answer; the table must hold
// all of the request's writes or none; and the same request with the same
// clientToken, once the fault clears, must succeed exactly once.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"

	"github.com/vpid-dev/vpid/internal/app"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/dev/apigw"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/faultproxy"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/entry"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

// faultTimeouts are the per-attempt timeouts of a fault stack's SDK clients
// and its request deadline (0: the production wiring, app.NewAPIHandler, with
// awsjson.DefaultTimeout).
type faultTimeouts struct{ dynamo, cognito, request time.Duration }

// productionTimeouts are the API function's own: config's defaults and the
// handler's default deadline.
func productionTimeouts(t *testing.T) faultTimeouts {
	t.Helper()
	cfg, err := config.LoadAPI(func(k string) string {
		if k == config.EnvTableName {
			return "any"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return faultTimeouts{dynamo: cfg.DynamoDBTimeout, cognito: cfg.CognitoTimeout}
}

// fastTimeouts keep the fault matrix quick: a hung call costs three
// attempts of 1 s instead of 3 s. The retry budget (app.RetryMaxAttempts,
// app.RetryMaxBackoff) and the request deadline are production's.
var fastTimeouts = faultTimeouts{dynamo: time.Second, cognito: time.Second, request: awsjson.DefaultTimeout}

// faultStack is the API function's object graph over a fresh table, like
// newStack's, but with its DynamoDB and Cognito clients (built with the
// production options of app.DynamoDBOptions and app.CognitoOptions) going
// through fault proxies.
type faultStack struct {
	URL     string
	Table   string
	DDB     *dynamodb.Client // straight to DynamoDB Local: setup and inspection
	Dynamo  *faultproxy.Proxy
	Cognito *faultproxy.Proxy
}

func newFaultStack(t *testing.T, tm faultTimeouts) *faultStack {
	t.Helper()
	ddbEndpoint, cognitoEndpoint := emulatortest.Endpoints(t)
	direct := emulatortest.NewDynamoDBClient(ddbEndpoint)
	table := emulatortest.NewTable(t, direct)
	if err := localtable.SeedPolicyStore(context.Background(), direct, table, emulatortest.SeedAccount, SeedPolicyStoreID, time.Now()); err != nil {
		t.Fatal(err)
	}
	dp := faultproxy.Start(ddbEndpoint)
	cp := faultproxy.Start(cognitoEndpoint)
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	ddb := dynamodb.New(dynamodb.Options{
		Region:                          emulatortest.ClientRegion,
		Credentials:                     creds,
		BaseEndpoint:                    aws.String(dp.URL()),
		DisableValidateResponseChecksum: true, // DynamoDB Local's error answers fail it
	}, app.DynamoDBOptions(tm.dynamo))
	idp := cip.New(cip.Options{
		Region:       emulatortest.ClientRegion,
		Credentials:  creds,
		BaseEndpoint: aws.String(cp.URL()),
	}, app.CognitoOptions(tm.cognito))
	deps := app.Deps{Table: table, DynamoDB: ddb, Cognito: func(string) cognito.API { return idp }, Issuers: issuer.verifier()}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := app.NewAPIHandler(deps.Service(), logger)
	if tm.request != 0 {
		h = awsjson.New(entry.NewTable(deps.Service()), logger, awsjson.WithTimeout(tm.request))
	}
	srv := httptest.NewServer(apigw.Handler(h.Handle, logger))
	// Cleanups run last-registered first: the proxies close (resetting any
	// request they still hold) before the server waits for its requests.
	t.Cleanup(srv.Close)
	t.Cleanup(dp.Close)
	t.Cleanup(cp.Close)
	return &faultStack{URL: srv.URL, Table: table, DDB: direct, Dynamo: dp, Cognito: cp}
}

// client is the Go SDK's client of the stack, making one attempt per call:
// with the fault on, the SDK's retries would only repeat the same faulted
// request (and stretch the hung cases past what we measure); the tests play
// the caller's retry themselves, after the fault clears, with the same
// clientToken, which is what the SDK's retry would send.
func (s *faultStack) client() *vp.Client {
	return vp.New(vp.Options{
		BaseEndpoint:     aws.String(s.URL),
		Region:           "us-west-2",
		Credentials:      credentials.NewStaticCredentialsProvider("local", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// clear ends every fault and waits until the proxies hold no request, so
// that no late write lands while the test inspects the table.
func (s *faultStack) clear(t *testing.T) {
	t.Helper()
	s.Dynamo.Clear()
	s.Cognito.Clear()
	deadline := time.Now().Add(15 * time.Second)
	for s.Dynamo.InFlight()+s.Cognito.InFlight() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the proxies still hold %d requests", s.Dynamo.InFlight()+s.Cognito.InFlight())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// tableState is what the table holds, read with a consistent scan.
type tableState struct {
	// sourceOf maps each policy store to its identitySourceId slot ("" when free).
	sourceOf map[string]string
	// sources maps each policy store to the identity sources in its partition.
	sources map[string][]string
	// tokens are the idempotency records: operation and decoded response.
	tokens []tokenRecord
}

type tokenRecord struct {
	Operation string
	Token     string
	Response  map[string]any
}

// state scans the table and fails the test on any half-written state: an
// identity source its store's slot does not point at, a slot pointing at no
// identity source, two identity sources in a store, or an idempotency record
// whose resource does not exist.
func (s *faultStack) state(t *testing.T) tableState {
	t.Helper()
	st := tableState{sourceOf: map[string]string{}, sources: map[string][]string{}}
	for _, raw := range storetest.Scan(t, s.DDB, s.Table) {
		it, err := store.DecodeItem(raw)
		if err != nil && it.Kind != store.KindPageKey {
			t.Errorf("item %s: %v", store.DescribeKey(raw), err)
			continue
		}
		switch it.Kind {
		case store.KindPolicyStore:
			st.sourceOf[it.PolicyStore.PolicyStoreID] = it.PolicyStore.IdentitySourceID
		case store.KindIdentitySource:
			ps := it.IdentitySource.PolicyStoreID
			st.sources[ps] = append(st.sources[ps], it.IdentitySource.IdentitySourceID)
		case store.KindToken:
			rec := tokenRecord{Operation: it.Token.Operation, Token: it.Token.Token}
			if err := json.Unmarshal(it.Token.Response, &rec.Response); err != nil {
				t.Errorf("idempotency record %s: response %q: %v", rec.Token, it.Token.Response, err)
			}
			st.tokens = append(st.tokens, rec)
		}
	}
	for ps, ids := range st.sources {
		slot, ok := st.sourceOf[ps]
		switch {
		case !ok:
			t.Errorf("half-written: identity sources %v of policy store %s, which does not exist", ids, ps)
		case len(ids) > 1:
			t.Errorf("policy store %s has %d identity sources: %v", ps, len(ids), ids)
		case slot != ids[0]:
			t.Errorf("half-written: identity source %s in policy store %s, whose slot holds %q", ids[0], ps, slot)
		}
	}
	for ps, slot := range st.sourceOf {
		if slot != "" && !slices.Contains(st.sources[ps], slot) {
			t.Errorf("half-written: policy store %s's slot holds %s, which does not exist", ps, slot)
		}
	}
	for _, rec := range st.tokens {
		ps, _ := rec.Response["policyStoreId"].(string)
		switch rec.Operation {
		case avp.OpCreateIdentitySource:
			id, _ := rec.Response["identitySourceId"].(string)
			if !slices.Contains(st.sources[ps], id) {
				t.Errorf("half-written: the record of token %s names identity source %s of %s, which does not exist", rec.Token, id, ps)
			}
		case avp.OpCreatePolicyStore:
			if _, ok := st.sourceOf[ps]; !ok {
				t.Errorf("half-written: the record of token %s names policy store %s, which does not exist", rec.Token, ps)
			}
		}
	}
	return st
}

// newStores are the policy stores other than the seed.
func (st tableState) newStores() []string {
	var out []string
	for ps := range st.sourceOf {
		if ps != SeedPolicyStoreID {
			out = append(out, ps)
		}
	}
	return out
}

// checkRetryable fails unless err is the retryable answer want (a
// *types.ThrottlingException or *types.InternalServerException target);
// a validation, not-found, conflict or quota answer is reported as the false
// answer it is.
func checkRetryable(t *testing.T, err error, want any) {
	t.Helper()
	if err == nil {
		t.Fatal("the request succeeded under the fault")
	}
	var (
		validation *types.ValidationException
		notFound   *types.ResourceNotFoundException
		conflict   *types.ConflictException
		quota      *types.ServiceQuotaExceededException
		throttling *types.ThrottlingException
		internal   *types.InternalServerException
	)
	switch {
	case errors.As(err, &validation), errors.As(err, &notFound), errors.As(err, &conflict), errors.As(err, &quota):
		t.Fatalf("FALSE ANSWER under a dependency fault: %v", err)
	case !errors.As(err, &throttling) && !errors.As(err, &internal):
		t.Fatalf("not a retryable AVP error: %T %v", err, err)
	case !errors.As(err, want):
		t.Errorf("got %v, want %T", err, want)
	}
}

// The requests under test. Each carries a clientToken; the Go SDK would fill
// one in anyway.
func createIdentitySource(c *vp.Client, policyStoreID, token string) (*vp.CreateIdentitySourceOutput, error) {
	return c.CreateIdentitySource(context.Background(), &vp.CreateIdentitySourceInput{
		PolicyStoreId:       aws.String(policyStoreID),
		ClientToken:         aws.String(token),
		PrincipalEntityType: aws.String("MyCorp::User"),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
			UserPoolArn: aws.String(emulatortest.SeedPoolARN),
			ClientIds:   []string{emulatortest.SeedClientID},
		}},
	})
}

func createPolicyStore(c *vp.Client, token string) (*vp.CreatePolicyStoreOutput, error) {
	return c.CreatePolicyStore(context.Background(), &vp.CreatePolicyStoreInput{
		ClientToken:        aws.String(token),
		ValidationSettings: &types.ValidationSettings{Mode: types.ValidationModeOff},
		Description:        aws.String("faults"),
	})
}

// request is one operation under test: run sends it with a token; applied
// reads from the table whether the request's write is there and under
// which id.
type request struct {
	name    string
	setup   func(t *testing.T, s *faultStack)
	run     func(c *vp.Client, token string) (id string, err error)
	applied func(st tableState) (id string, ok bool)
	// total is how many of the request's resources the table holds.
	total func(st tableState) int
}

const faultAlias = "policy-store-alias/faults"

var (
	reqCreateIdentitySource = request{
		name: "CreateIdentitySource",
		run: func(c *vp.Client, token string) (string, error) {
			out, err := createIdentitySource(c, SeedPolicyStoreID, token)
			if err != nil {
				return "", err
			}
			return aws.ToString(out.IdentitySourceId), nil
		},
		applied: seedSource,
		total:   func(st tableState) int { return len(st.sources[SeedPolicyStoreID]) },
	}
	// reqCreateIdentitySourceByAlias names the store by an alias, so its
	// first DynamoDB call is a GetItem (the alias).
	reqCreateIdentitySourceByAlias = request{
		name: "CreateIdentitySourceByAlias",
		setup: func(t *testing.T, s *faultStack) {
			if _, err := s.client().CreatePolicyStoreAlias(context.Background(), &vp.CreatePolicyStoreAliasInput{
				AliasName: aws.String(faultAlias), PolicyStoreId: aws.String(SeedPolicyStoreID),
			}); err != nil {
				t.Fatal(err)
			}
		},
		run: func(c *vp.Client, token string) (string, error) {
			out, err := createIdentitySource(c, faultAlias, token)
			if err != nil {
				return "", err
			}
			if ps := aws.ToString(out.PolicyStoreId); ps != SeedPolicyStoreID {
				return "", errors.New("answered policy store " + ps)
			}
			return aws.ToString(out.IdentitySourceId), nil
		},
		applied: seedSource,
		total:   func(st tableState) int { return len(st.sources[SeedPolicyStoreID]) },
	}
	reqCreatePolicyStore = request{
		name: "CreatePolicyStore",
		run: func(c *vp.Client, token string) (string, error) {
			out, err := createPolicyStore(c, token)
			if err != nil {
				return "", err
			}
			return aws.ToString(out.PolicyStoreId), nil
		},
		applied: func(st tableState) (string, bool) {
			if ids := st.newStores(); len(ids) == 1 {
				return ids[0], true
			}
			return "", false
		},
		total: func(st tableState) int { return len(st.newStores()) },
	}
)

func seedSource(st tableState) (string, bool) {
	if ids := st.sources[SeedPolicyStoreID]; len(ids) == 1 {
		return ids[0], true
	}
	return "", false
}

// faultClass is one kind of fault and the answer it must produce.
type faultClass struct {
	name  string
	fault faultproxy.Fault
	// throttle: ThrottlingException is the answer; else InternalServerException.
	throttle bool
	// applies: the dependency applies the write although the call fails
	// (forwarded before the fault acts); only meaningful for writes.
	applies bool
	// dynamoOnly: the fault exists only at DynamoDB; txOnly: only for
	// transactions.
	dynamoOnly, txOnly bool
}

func faultClasses(tm faultTimeouts) []faultClass {
	slow := 2 * max(tm.dynamo, tm.cognito) // beyond every attempt's timeout
	return []faultClass{
		{name: "latency", fault: faultproxy.Latency(slow)},
		{name: "reset", fault: faultproxy.Reset()},
		{name: "reset-after-forward", fault: faultproxy.ResetAfterForward(), applies: true},
		{name: "hang", fault: faultproxy.Hang()},
		{name: "hang-after-forward", fault: faultproxy.HangAfterForward(), applies: true},
		{name: "http-500", fault: faultproxy.InternalError()},
		{name: "throttle", fault: faultproxy.Throttle(), throttle: true},
		{name: "throughput-exceeded", fault: faultproxy.ThroughputExceeded(), throttle: true, dynamoOnly: true},
		{name: "request-limit-exceeded", fault: faultproxy.RequestLimitExceeded(), throttle: true, dynamoOnly: true},
		{name: "transaction-throttled", fault: faultproxy.TransactionThrottled(), throttle: true, dynamoOnly: true, txOnly: true},
		{name: "transaction-in-progress", fault: faultproxy.TransactionInProgress(), dynamoOnly: true, txOnly: true},
	}
}

// dependencyCall is a call of the service to a dependency that a fault is
// scoped to, and the requests that make it.
type dependencyCall struct {
	dynamo   bool
	op       string
	tx       bool
	requests []request
}

var dependencyCalls = []dependencyCall{
	{dynamo: true, op: "TransactWriteItems", tx: true, requests: []request{reqCreateIdentitySource, reqCreatePolicyStore}},
	{dynamo: true, op: "GetItem", requests: []request{reqCreateIdentitySourceByAlias}},
	{op: "DescribeUserPool", requests: []request{reqCreateIdentitySource}},
	{op: "DescribeUserPoolClient", requests: []request{reqCreateIdentitySource}},
}

// TestFaultMatrix runs every fault class against every dependency call of
// CreateIdentitySource and CreatePolicyStore (see the file comment).
func TestFaultMatrix(t *testing.T) {
	for _, call := range dependencyCalls {
		for _, fc := range faultClasses(fastTimeouts) {
			if (fc.dynamoOnly && !call.dynamo) || (fc.txOnly && !call.tx) {
				continue
			}
			for _, req := range call.requests {
				t.Run(call.op+"/"+fc.name+"/"+req.name, func(t *testing.T) {
					t.Parallel()
					runFault(t, newFaultStack(t, fastTimeouts), call, fc, req, true)
				})
			}
		}
	}
}

// runFault drives req into fc on call, then checks the table and the
// caller's retries. With replayUnderFault, a Cognito fault is put back for
// the last retry, which must still be answered from the idempotency record.
func runFault(t *testing.T, s *faultStack, call dependencyCall, fc faultClass, req request, replayUnderFault bool) (elapsed time.Duration) {
	t.Helper()
	if req.setup != nil {
		req.setup(t, s)
	}
	proxy := s.Cognito
	if call.dynamo {
		proxy = s.Dynamo
	}
	const token = "fault-token-1"
	c := s.client()

	proxy.Set(fc.fault.On(call.op))
	start := time.Now()
	_, err := req.run(c, token)
	elapsed = time.Since(start)
	var want any = new(*types.InternalServerException)
	if fc.throttle {
		want = new(*types.ThrottlingException)
	}
	checkRetryable(t, err, want)
	if proxy.Injected(call.op) == 0 {
		t.Fatalf("the fault never acted (requests seen: %v)", proxy.Targets())
	}
	t.Logf("%s: %v after %v; %s saw %v", fc.fault.On(call.op), errorCode(err), elapsed.Round(time.Millisecond), call.op, proxy.Targets())

	s.clear(t)
	during := s.state(t)
	appliedID, applied := req.applied(during)
	if n := req.total(during); n > 1 {
		t.Fatalf("the faulted request created %d resources", n)
	}
	if fc.applies && call.tx && !applied {
		t.Errorf("the write forwarded before the fault is not in the table")
	}
	if !call.tx && applied {
		t.Errorf("the request wrote although %s failed", call.op)
	}

	// The caller's retry: same request, same token, fault gone.
	id, err := req.run(c, token)
	if err != nil {
		t.Fatalf("the retry after the fault cleared: %v", err)
	}
	if applied && id != appliedID {
		t.Errorf("the retry answered %s, but the faulted request had created %s: not an idempotent replay", id, appliedID)
	}
	after := s.state(t)
	if got, ok := req.applied(after); !ok || got != id || req.total(after) != 1 {
		t.Errorf("after the retry the table holds %d (%s), want exactly %s", req.total(after), got, id)
	}
	// And again: still the one resource. A Cognito fault is put back first:
	// the replay must not depend on Cognito (the record is consulted when
	// the check fails).
	if replayUnderFault && !call.dynamo {
		proxy.Set(fc.fault.On(call.op))
	}
	if again, err := req.run(c, token); err != nil || again != id {
		t.Errorf("a second retry: %s, %v; want %s", again, err, id)
	}
	s.clear(t)
	if n := req.total(s.state(t)); n != 1 {
		t.Errorf("after a second retry the table holds %d", n)
	}
	return elapsed
}

func errorCode(err error) string {
	var e interface{ ErrorCode() string }
	if errors.As(err, &e) {
		return e.ErrorCode()
	}
	return "?"
}

// TestFaultHangBound: with the production timeouts and retry budget, a hung
// dependency ends the request with InternalServerException well inside the
// Lambda's 10 s timeout. DESIGN.md ("Timeouts and retries") has the numbers.
func TestFaultHangBound(t *testing.T) {
	const bound = 9 * time.Second // the Lambda timeout is 10 s
	tm := productionTimeouts(t)
	cases := []struct {
		name string
		call dependencyCall
		req  request
	}{
		{"DescribeUserPool", dependencyCalls[2], reqCreateIdentitySource},
		{"TransactWriteItems", dependencyCalls[0], reqCreateIdentitySource},
		{"GetItem", dependencyCalls[1], reqCreateIdentitySourceByAlias},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			elapsed := runFault(t, newFaultStack(t, tm), c.call, faultClass{name: "hang", fault: faultproxy.Hang()}, c.req, false)
			t.Logf("hung %s: answered after %v (bound %v)", c.name, elapsed.Round(time.Millisecond), bound)
			if elapsed >= bound {
				t.Errorf("a hung %s took %v, want < %v", c.name, elapsed, bound)
			}
		})
	}
	// A retry of a create that succeeded, while Cognito hangs: the record
	// is read only after the Cognito check fails, and the check leaves a
	// second of the request's deadline for that read, so the retry still
	// gets its original answer.
	t.Run("replay while Cognito hangs", func(t *testing.T) {
		t.Parallel()
		s := newFaultStack(t, tm)
		first, err := createIdentitySource(s.client(), SeedPolicyStoreID, "replay-hang")
		if err != nil {
			t.Fatal(err)
		}
		s.Cognito.Set(faultproxy.Hang())
		start := time.Now()
		again, err := createIdentitySource(s.client(), SeedPolicyStoreID, "replay-hang")
		elapsed := time.Since(start)
		if err != nil || aws.ToString(again.IdentitySourceId) != aws.ToString(first.IdentitySourceId) {
			t.Fatalf("the retry of a create that succeeded got %v, %v; want its original %s", again, err, aws.ToString(first.IdentitySourceId))
		}
		t.Logf("replayed after %v", elapsed.Round(time.Millisecond))
		if elapsed >= bound {
			t.Errorf("took %v, want < %v", elapsed, bound)
		}
	})
	t.Run("everything", func(t *testing.T) {
		t.Parallel()
		s := newFaultStack(t, tm)
		s.Dynamo.Set(faultproxy.Hang())
		s.Cognito.Set(faultproxy.Hang())
		start := time.Now()
		_, err := createIdentitySource(s.client(), SeedPolicyStoreID, "hang-everything")
		elapsed := time.Since(start)
		checkRetryable(t, err, new(*types.InternalServerException))
		t.Logf("every dependency hung: answered after %v (bound %v)", elapsed.Round(time.Millisecond), bound)
		if elapsed >= bound {
			t.Errorf("took %v, want < %v", elapsed, bound)
		}
		if elapsed < awsjson.DefaultTimeout-time.Second {
			t.Errorf("answered after %v: sooner than the request deadline (%v) could end it", elapsed, awsjson.DefaultTimeout)
		}
		s.clear(t)
		if st := s.state(t); len(st.sources[SeedPolicyStoreID]) != 0 {
			t.Errorf("written while everything hung: %v", st.sources)
		}
		if _, err := createIdentitySource(s.client(), SeedPolicyStoreID, "hang-everything"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFaultLatencyWithinBudget is the control: latency under the
// per-attempt timeouts changes nothing.
func TestFaultLatencyWithinBudget(t *testing.T) {
	s := newFaultStack(t, fastTimeouts)
	s.Dynamo.Set(faultproxy.Latency(100 * time.Millisecond))
	s.Cognito.Set(faultproxy.Latency(100 * time.Millisecond))
	out, err := createIdentitySource(s.client(), SeedPolicyStoreID, "slow")
	if err != nil {
		t.Fatal(err)
	}
	if s.Dynamo.Injected() == 0 || s.Cognito.Injected() == 0 {
		t.Fatal("no latency was added")
	}
	s.clear(t)
	if id, ok := seedSource(s.state(t)); !ok || id != aws.ToString(out.IdentitySourceId) {
		t.Errorf("table holds %s, answered %s", id, aws.ToString(out.IdentitySourceId))
	}
}

// TestFaultOneShot: a fault that hits only the first attempt of a call is
// absorbed by the SDK's retry inside the same request. The nasty one is a
// reset after DynamoDB applied the transaction: the retried attempt must
// come back as the same success, not as "the store already has an identity
// source".
func TestFaultOneShot(t *testing.T) {
	for _, f := range []faultproxy.Fault{
		faultproxy.ResetAfterForward(), faultproxy.HangAfterForward(), faultproxy.Reset(),
		faultproxy.InternalError(), faultproxy.Throttle(),
	} {
		for _, req := range []request{reqCreateIdentitySource, reqCreatePolicyStore} {
			t.Run(f.String()+"/"+req.name, func(t *testing.T) {
				t.Parallel()
				s := newFaultStack(t, fastTimeouts)
				s.Dynamo.Set(f.On("TransactWriteItems").Times(1))
				id, err := req.run(s.client(), "one-shot")
				if err != nil {
					t.Fatalf("%s on the first attempt: %v", f, err)
				}
				if s.Dynamo.Seen("TransactWriteItems") < 2 {
					t.Errorf("no retry was needed? %v", s.Dynamo.Targets())
				}
				s.clear(t)
				st := s.state(t)
				if got, ok := req.applied(st); !ok || got != id || req.total(st) != 1 {
					t.Errorf("the table holds %d (%s), answered %s", req.total(st), got, id)
				}
			})
		}
	}
}

// TestFaultCallerSDKRetry: a caller using the Go SDK as it comes (its
// default retryer, and the clientToken it fills in itself) never sees a
// fault that outlasts vpid's own retries once: the SDK retries the
// InternalServerException with the same clientToken, and gets the identity
// source that the faulted attempt had created.
func TestFaultCallerSDKRetry(t *testing.T) {
	s := newFaultStack(t, fastTimeouts)
	// All three of vpid's attempts at the transaction are applied-then-reset
	// (DynamoDB's own token makes the 2nd and 3rd no-ops).
	s.Dynamo.Set(faultproxy.ResetAfterForward().On("TransactWriteItems").Times(app.RetryMaxAttempts))
	c := vp.New(vp.Options{
		BaseEndpoint: aws.String(s.URL),
		Region:       "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "secret", ""),
	})
	out, err := c.CreateIdentitySource(context.Background(), &vp.CreateIdentitySourceInput{
		PolicyStoreId: aws.String(SeedPolicyStoreID),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{
			UserPoolArn: aws.String(emulatortest.SeedPoolARN),
			ClientIds:   []string{emulatortest.SeedClientID},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Dynamo.Injected("TransactWriteItems"); n != app.RetryMaxAttempts {
		t.Fatalf("injected %d faults, want %d", n, app.RetryMaxAttempts)
	}
	s.clear(t)
	st := s.state(t)
	if id, ok := seedSource(st); !ok || id != aws.ToString(out.IdentitySourceId) {
		t.Errorf("the table holds %v, the caller got %s", st.sources, aws.ToString(out.IdentitySourceId))
	}
	if len(st.tokens) != 1 {
		t.Errorf("%d idempotency records, want the SDK's one token", len(st.tokens))
	}
}

// TestFaultOneShotWithoutToken is the same reset-after-forward without a
// clientToken, sent raw (the SDKs always fill one in). Only DynamoDB's own
// idempotency (the SDK's ClientRequestToken on TransactWriteItems, reused by
// its retries) can tell the retried attempt that the write was its own.
func TestFaultOneShotWithoutToken(t *testing.T) {
	s := newFaultStack(t, fastTimeouts)
	s.Dynamo.Set(faultproxy.ResetAfterForward().On("TransactWriteItems").Times(1))
	body := `{"policyStoreId":"` + SeedPolicyStoreID + `","principalEntityType":"User","configuration":{"cognitoUserPoolConfiguration":{` +
		`"userPoolArn":"` + emulatortest.SeedPoolARN + `","clientIds":["` + emulatortest.SeedClientID + `"]}}}`
	req, _ := http.NewRequest(http.MethodPost, s.URL, strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "VerifiedPermissions.CreateIdentitySource")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	s.clear(t)
	st := s.state(t)
	id, applied := seedSource(st)
	t.Logf("answer %d %s; table: %v", res.StatusCode, b, st.sources)
	if !applied {
		t.Fatal("the forwarded write is not in the table")
	}
	var out struct {
		IdentitySourceID string `json:"identitySourceId"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.IdentitySourceID != id {
		t.Errorf("FALSE ANSWER: the create succeeded (identity source %s) but the caller was told %d %s", id, res.StatusCode, b)
	}
}

// TestFaultDeadlineIsUnavailable: when the request's deadline ends a
// dependency call, the store and the verifier report it as retryable
// (avp.ErrUnavailable), never as "not found" or "does not exist".
func TestFaultDeadlineIsUnavailable(t *testing.T) {
	ddbEndpoint, cognitoEndpoint := emulatortest.Endpoints(t)
	direct := emulatortest.NewDynamoDBClient(ddbEndpoint)
	table := emulatortest.NewTable(t, direct)
	dp := faultproxy.Start(ddbEndpoint)
	t.Cleanup(dp.Close)
	cp := faultproxy.Start(cognitoEndpoint)
	t.Cleanup(cp.Close)
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	ddb := dynamodb.New(dynamodb.Options{Region: emulatortest.ClientRegion, Credentials: creds, BaseEndpoint: aws.String(dp.URL()),
		DisableValidateResponseChecksum: true}, app.DynamoDBOptions(3*time.Second))
	idp := cip.New(cip.Options{Region: emulatortest.ClientRegion, Credentials: creds, BaseEndpoint: aws.String(cp.URL())},
		app.CognitoOptions(3*time.Second))
	st := store.New(ddb, table)
	verifier := cognito.New(func(string) cognito.API { return idp })
	pool, ok := avp.ParseUserPoolARN(emulatortest.SeedPoolARN)
	if !ok {
		t.Fatal("the seed pool's ARN does not parse")
	}
	dp.Set(faultproxy.Hang())
	cp.Set(faultproxy.Hang())

	calls := map[string]func(ctx context.Context) error{
		"GetPolicyStore": func(ctx context.Context) error {
			_, err := st.GetPolicyStore(ctx, emulatortest.SeedAccount, "nosuchstore")
			return err
		},
		"GetAlias": func(ctx context.Context) error {
			_, err := st.GetAlias(ctx, emulatortest.SeedAccount, faultAlias)
			return err
		},
		"GetIdempotencyRecord": func(ctx context.Context) error {
			_, err := st.GetIdempotencyRecord(ctx, emulatortest.SeedAccount, avp.OpCreateIdentitySource, "t")
			return err
		},
		"CreateIdentitySource": func(ctx context.Context) error {
			return st.CreateIdentitySource(ctx, emulatortest.SeedAccount, avp.IdentitySource{
				PolicyStoreID: "nosuchstore", IdentitySourceID: avp.NewID(), PrincipalEntityType: "User",
				Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: emulatortest.SeedPoolARN},
				CreatedDate:   avp.NewTimestamp(time.Now()), LastUpdatedDate: avp.NewTimestamp(time.Now()),
			}, nil)
		},
		"VerifyUserPool": func(ctx context.Context) error {
			found, err := verifier.VerifyUserPool(ctx, pool, []string{emulatortest.SeedClientID, "nosuchclient"})
			if found.PoolMissing || len(found.MissingClients) > 0 {
				t.Errorf("VerifyUserPool under a deadline reported findings %+v", found)
			}
			return err
		},
	}
	for name, call := range calls {
		for _, timeout := range []time.Duration{200 * time.Millisecond, 0} {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			err := call(ctx)
			cancel()
			switch {
			case err == nil:
				t.Errorf("%s (deadline %v): no error", name, timeout)
			case errors.Is(err, avp.ErrNotFound):
				t.Errorf("%s (deadline %v): FALSE not found: %v", name, timeout, err)
			case !errors.Is(err, avp.ErrUnavailable):
				t.Errorf("%s (deadline %v): %v is not avp.ErrUnavailable", name, timeout, err)
			}
		}
	}
}
