package avp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// memStore keeps policy stores, aliases, identity sources and idempotency
// records in memory, with the semantics the Service relies on; the DynamoDB
// store is tested against DynamoDB Local in package store. Lists return
// everything in one page.
type memStore struct {
	mu      sync.Mutex
	stores  map[string]PolicyStore // account/id
	sources map[string]IdentitySource
	aliases map[string]PolicyStoreAlias // account/name
	tokens  map[string]IdempotencyRecord
	writes  int
}

var (
	_ PolicyStores       = (*memStore)(nil)
	_ Aliases            = (*memStore)(nil)
	_ IdentitySources    = (*memStore)(nil)
	_ IdempotencyRecords = (*memStore)(nil)
)

func newMemStore() *memStore {
	return &memStore{stores: map[string]PolicyStore{}, sources: map[string]IdentitySource{}, aliases: map[string]PolicyStoreAlias{}, tokens: map[string]IdempotencyRecord{}}
}

// deps is the Service's view of m.
func (m *memStore) deps(v *fakeVerifier) Deps {
	return Deps{PolicyStores: m, Aliases: m, IdentitySources: m, Idempotency: m, UserPools: v, Issuers: v}
}

func (m *memStore) claimToken(account string, rec *IdempotencyRecord) error {
	if rec == nil {
		return nil
	}
	k := account + "/" + rec.Operation + "/" + rec.Token
	if old, ok := m.tokens[k]; ok {
		return &TokenUsedError{Record: old}
	}
	m.tokens[k] = *rec
	return nil
}

func (m *memStore) CreatePolicyStore(_ context.Context, account string, ps PolicyStore, rec *IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.claimToken(account, rec); err != nil {
		return err
	}
	m.writes++
	m.stores[account+"/"+ps.PolicyStoreID] = ps
	return nil
}

func (m *memStore) GetPolicyStore(_ context.Context, account, id string) (PolicyStore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ps, ok := m.stores[account+"/"+id]
	if !ok {
		return ps, ErrNotFound
	}
	return ps, nil
}

func (m *memStore) ListPolicyStores(_ context.Context, account string, _ int, _ []byte) ([]PolicyStore, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PolicyStore
	for k, ps := range m.stores {
		if strings.HasPrefix(k, account+"/") {
			out = append(out, ps)
		}
	}
	slices.SortFunc(out, func(a, b PolicyStore) int { return strings.Compare(a.PolicyStoreID, b.PolicyStoreID) })
	return out, nil, nil
}

func (m *memStore) UpdatePolicyStore(_ context.Context, account, id string, upd PolicyStoreUpdate) (PolicyStore, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ps, ok := m.stores[account+"/"+id]
	if !ok {
		return ps, ErrNotFound
	}
	ps.ValidationMode, ps.LastUpdatedDate = upd.ValidationMode, upd.LastUpdatedDate
	if upd.DeletionProtection != nil {
		ps.DeletionProtection = *upd.DeletionProtection
	}
	if upd.Description != nil {
		ps.Description = upd.Description
	}
	m.stores[account+"/"+id] = ps
	m.writes++
	return ps, nil
}

func (m *memStore) DeletePolicyStore(_ context.Context, account, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ps, ok := m.stores[account+"/"+id]
	switch {
	case !ok:
		return ErrNotFound
	case ps.DeletionProtection == DeletionProtectionEnabled:
		return ErrDeletionProtected
	}
	delete(m.stores, account+"/"+id)
	delete(m.sources, account+"/"+id+"/"+ps.IdentitySourceID)
	for k, a := range m.aliases {
		if strings.HasPrefix(k, account+"/") && a.PolicyStoreID == id {
			delete(m.aliases, k)
		}
	}
	m.writes++
	return nil
}

func (m *memStore) CreateAlias(_ context.Context, account string, a PolicyStoreAlias) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.aliases[account+"/"+a.AliasName]; ok && (old.PendingUntil.IsZero() || old.PendingUntil.After(a.CreatedAt.Time)) {
		return ErrAliasExists
	}
	if _, ok := m.stores[account+"/"+a.PolicyStoreID]; !ok {
		return ErrNotFound
	}
	m.aliases[account+"/"+a.AliasName] = a
	m.writes++
	return nil
}

func (m *memStore) GetAlias(_ context.Context, account, name string) (PolicyStoreAlias, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.aliases[account+"/"+name]
	if !ok {
		return a, ErrNotFound
	}
	return a, nil
}

func (m *memStore) ListAliases(_ context.Context, account, policyStoreID string, _ int, _ []byte) ([]PolicyStoreAlias, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []PolicyStoreAlias
	for k, a := range m.aliases {
		if strings.HasPrefix(k, account+"/") && (policyStoreID == "" || a.PolicyStoreID == policyStoreID) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b PolicyStoreAlias) int { return strings.Compare(a.AliasName, b.AliasName) })
	return out, nil, nil
}

func (m *memStore) DeleteAlias(_ context.Context, account, name string, pendingUntil time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.aliases[account+"/"+name]
	if !ok {
		return ErrNotFound
	}
	switch {
	case pendingUntil.IsZero():
		delete(m.aliases, account+"/"+name)
	case a.PendingUntil.IsZero():
		a.PendingUntil = pendingUntil
		m.aliases[account+"/"+name] = a
	}
	m.writes++
	return nil
}

func (m *memStore) CreateIdentitySource(_ context.Context, account string, is IdentitySource, rec *IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rec != nil {
		if old, ok := m.tokens[account+"/"+rec.Operation+"/"+rec.Token]; ok {
			return &TokenUsedError{Record: old}
		}
	}
	ps, ok := m.stores[account+"/"+is.PolicyStoreID]
	switch {
	case !ok:
		return fmt.Errorf("mem: %w", ErrNotFound)
	case ps.IdentitySourceID != "":
		return fmt.Errorf("mem: %w", ErrQuotaExceeded)
	}
	_ = m.claimToken(account, rec)
	ps.IdentitySourceID = is.IdentitySourceID
	m.stores[account+"/"+is.PolicyStoreID] = ps
	m.sources[account+"/"+is.PolicyStoreID+"/"+is.IdentitySourceID] = is
	m.writes++
	return nil
}

func (m *memStore) GetIdentitySource(_ context.Context, account, psID, isID string) (IdentitySource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	is, ok := m.sources[account+"/"+psID+"/"+isID]
	if !ok {
		return is, ErrNotFound
	}
	return is, nil
}

func (m *memStore) ListIdentitySources(_ context.Context, account, psID string) ([]IdentitySource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ps, ok := m.stores[account+"/"+psID]
	if !ok {
		return nil, ErrNotFound
	}
	if is, ok := m.sources[account+"/"+psID+"/"+ps.IdentitySourceID]; ok {
		return []IdentitySource{is}, nil
	}
	return nil, nil
}

func (m *memStore) UpdateIdentitySource(_ context.Context, account string, upd IdentitySourceUpdate) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := account + "/" + upd.PolicyStoreID + "/" + upd.IdentitySourceID
	is, ok := m.sources[k]
	if !ok {
		return ErrNotFound
	}
	is.Configuration, is.LastUpdatedDate = upd.Configuration, upd.LastUpdatedDate
	if upd.PrincipalEntityType != nil {
		is.PrincipalEntityType = *upd.PrincipalEntityType
	}
	m.sources[k] = is
	m.writes++
	return nil
}

func (m *memStore) DeleteIdentitySource(_ context.Context, account, psID, isID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := account + "/" + psID + "/" + isID
	if _, ok := m.sources[k]; !ok {
		return ErrNotFound
	}
	delete(m.sources, k)
	ps := m.stores[account+"/"+psID]
	ps.IdentitySourceID = ""
	m.stores[account+"/"+psID] = ps
	m.writes++
	return nil
}

func (m *memStore) GetIdempotencyRecord(_ context.Context, account, op, token string) (IdempotencyRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.tokens[account+"/"+op+"/"+token]
	if !ok {
		return rec, ErrNotFound
	}
	return rec, nil
}

// fakeVerifier answers with VerifyFn and IssuerFn.
type fakeVerifier struct {
	VerifyFn func(UserPoolARN, []string) (UserPoolFindings, error)
	IssuerFn func(string) error
	calls    int
}

func (f *fakeVerifier) VerifyIssuer(_ context.Context, issuer string) error {
	f.calls++
	if f.IssuerFn == nil {
		return nil
	}
	return f.IssuerFn(issuer)
}

func (f *fakeVerifier) VerifyUserPool(_ context.Context, pool UserPoolARN, ids []string) (UserPoolFindings, error) {
	f.calls++
	if f.VerifyFn == nil {
		return UserPoolFindings{}, nil
	}
	return f.VerifyFn(pool, ids)
}

const acct = "123456789012"

var fixedNow = time.Date(2026, 11, 25, 18, 0, 0, 123456789, time.UTC)

func newTestService(t *testing.T) (*Service, *memStore, *fakeVerifier) {
	t.Helper()
	st, ver := newMemStore(), &fakeVerifier{}
	n := 0
	svc := NewService(st.deps(ver), WithClock(func() time.Time { return fixedNow }), WithIDs(func() string {
		n++
		return fmt.Sprintf("ID%020d", n)
	}))
	st.stores[acct+"/PS1"] = PolicyStore{PolicyStoreID: "PS1"}
	return svc, st, ver
}

func createInput(t *testing.T, body string) *CreateIdentitySourceInput {
	t.Helper()
	var in CreateIdentitySourceInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	return &in
}

func wantCode(t *testing.T, err error, code string) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	return e
}

const seedBody = `{"policyStoreId":"PS1","principalEntityType":"User","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `","clientIds":["a1b2c3d4e5f6g7h8i9j0kalbmc"]}}}`

func TestCreateAndGetIdentitySource(t *testing.T) {
	t.Parallel()
	svc, _, _ := newTestService(t)
	ctx := context.Background()
	out, err := svc.CreateIdentitySource(ctx, acct, createInput(t, seedBody))
	if err != nil {
		t.Fatal(err)
	}
	ts := NewTimestamp(fixedNow)
	if diff := cmp.Diff(&CreateIdentitySourceOutput{CreatedDate: ts, IdentitySourceID: "ID00000000000000000001", LastUpdatedDate: ts, PolicyStoreID: "PS1"}, out); diff != "" {
		t.Fatal(diff)
	}
	got, err := svc.GetIdentitySource(ctx, acct, &GetIdentitySourceInput{PolicyStoreID: "PS1", IdentitySourceID: out.IdentitySourceID})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	want := `{"createdDate":"2026-11-25T18:00:00.123456Z","details":{"clientIds":["a1b2c3d4e5f6g7h8i9j0kalbmc"],"discoveryUrl":"https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5","openIdIssuer":"COGNITO","userPoolArn":"` + okARN + `"},"identitySourceId":"ID00000000000000000001","lastUpdatedDate":"2026-11-25T18:00:00.123456Z","policyStoreId":"PS1","principalEntityType":"User","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `","clientIds":["a1b2c3d4e5f6g7h8i9j0kalbmc"],"issuer":"https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5"}}}`
	if string(b) != want {
		t.Errorf("GetIdentitySource =\n%s\nwant\n%s", b, want)
	}
}

func TestCreateIdentitySourceDefaultsPrincipalType(t *testing.T) {
	t.Parallel()
	svc, _, _ := newTestService(t)
	out, err := svc.CreateIdentitySource(context.Background(), acct, createInput(t, `{"policyStoreId":"PS1","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"`+okARN+`"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetIdentitySource(context.Background(), acct, &GetIdentitySourceInput{PolicyStoreID: "PS1", IdentitySourceID: out.IdentitySourceID})
	if err != nil {
		t.Fatal(err)
	}
	if got.PrincipalEntityType != "AWS::Cognito" {
		t.Errorf("principalEntityType = %q", got.PrincipalEntityType)
	}
	if c := got.Configuration.CognitoUserPoolConfiguration; c.ClientIDs == nil || len(c.ClientIDs) != 0 {
		t.Errorf("clientIds = %#v, want []", c.ClientIDs)
	}
}

func TestCreateIdentitySourceIdempotency(t *testing.T) {
	t.Parallel()
	svc, st, ver := newTestService(t)
	ctx := context.Background()
	withToken := `{"clientToken":"tok-1",` + seedBody[1:]
	first, err := svc.CreateIdentitySource(ctx, acct, createInput(t, withToken))
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.CreateIdentitySource(ctx, acct, createInput(t, withToken))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("replay differs:\n%s", diff)
	}
	if st.writes != 1 {
		t.Errorf("writes = %d, want 1", st.writes)
	}

	// Same token, other parameters.
	other := `{"clientToken":"tok-1","policyStoreId":"PS1","principalEntityType":"Other","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"` + okARN + `"}}}`
	e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, other))), CodeConflict)
	if diff := cmp.Diff([]ResourceRef{{ResourceID: first.IdentitySourceID, ResourceType: ResourceIdentitySource}}, e.Resources); diff != "" {
		t.Errorf("resources: %s", diff)
	}

	// Another token: the store has its identity source.
	e = wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, `{"clientToken":"tok-2",`+seedBody[1:]))), CodeServiceQuotaExceeded)
	if e.ResourceType != ResourceIdentitySource {
		t.Errorf("resourceType = %s", e.ResourceType)
	}

	// The pool disappeared after the first create: the replay still answers.
	ver.VerifyFn = func(UserPoolARN, []string) (UserPoolFindings, error) { return UserPoolFindings{PoolMissing: true}, nil }
	replay, err := svc.CreateIdentitySource(ctx, acct, createInput(t, withToken))
	if err != nil {
		t.Fatalf("replay after the pool vanished: %v", err)
	}
	if diff := cmp.Diff(first, replay); diff != "" {
		t.Error(diff)
	}
}

func mustFail[T any](_ T, err error) error { return err }

func TestCreateIdentitySourceErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("missing store", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, `{"policyStoreId":"NOPE",`+seedBody[len(`{"policyStoreId":"PS1",`):]))), CodeResourceNotFound)
		if e.ResourceType != ResourcePolicyStore || e.ResourceID != "NOPE" {
			t.Errorf("got %+v", e)
		}
	})
	t.Run("store of another account", func(t *testing.T) {
		svc, _, _ := newTestService(t)
		in := createInput(t, `{"policyStoreId":"PS1","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:111111111111:userpool/us-west-2_1a2b3c4d5"}}}`)
		wantCode(t, mustFail(svc.CreateIdentitySource(ctx, "111111111111", in)), CodeResourceNotFound)
	})
	t.Run("pool of another account", func(t *testing.T) {
		svc, _, ver := newTestService(t)
		in := createInput(t, `{"policyStoreId":"PS1","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws:cognito-idp:us-west-2:111111111111:userpool/us-west-2_1a2b3c4d5"}}}`)
		e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, in)), CodeValidation)
		if e.FieldList[0].Path != cognitoP+".userPoolArn" || ver.calls != 0 {
			t.Errorf("got %+v after %d Cognito calls", e, ver.calls)
		}
	})
	t.Run("missing pool", func(t *testing.T) {
		svc, _, ver := newTestService(t)
		ver.VerifyFn = func(UserPoolARN, []string) (UserPoolFindings, error) { return UserPoolFindings{PoolMissing: true}, nil }
		e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, seedBody))), CodeValidation)
		if diff := cmp.Diff([]Field{{Path: cognitoP + ".userPoolArn", Message: "User pool us-west-2_1a2b3c4d5 does not exist in Amazon Cognito in us-west-2"}}, e.FieldList); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("missing clients", func(t *testing.T) {
		svc, _, ver := newTestService(t)
		ver.VerifyFn = func(_ UserPoolARN, ids []string) (UserPoolFindings, error) {
			return UserPoolFindings{MissingClients: []int{1, 3}}, nil
		}
		in := createInput(t, `{"policyStoreId":"PS1","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"`+okARN+`","clientIds":["a","b","c","d"]}}}`)
		e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, in)), CodeValidation)
		var paths []string
		for _, f := range e.FieldList {
			paths = append(paths, f.Path)
		}
		if diff := cmp.Diff([]string{cognitoP + ".clientIds[1]", cognitoP + ".clientIds[3]"}, paths); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("pool ARN differs", func(t *testing.T) {
		svc, _, ver := newTestService(t)
		ver.VerifyFn = func(UserPoolARN, []string) (UserPoolFindings, error) {
			return UserPoolFindings{ActualARN: "arn:aws:cognito-idp:us-west-2:123456789012:userpool/other"}, nil
		}
		wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, seedBody))), CodeValidation)
	})
	for _, tc := range []struct {
		err  error
		code string
	}{
		{fmt.Errorf("x: %w", ErrThrottled), CodeThrottling},
		{fmt.Errorf("x: %w", ErrUnavailable), CodeInternalServer},
	} {
		t.Run("cognito "+tc.code, func(t *testing.T) {
			svc, st, ver := newTestService(t)
			ver.VerifyFn = func(UserPoolARN, []string) (UserPoolFindings, error) { return UserPoolFindings{}, tc.err }
			e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, seedBody))), tc.code)
			if !e.Retryable() || st.writes != 0 {
				t.Errorf("retryable=%v writes=%d", e.Retryable(), st.writes)
			}
		})
	}
	t.Run("cognito internal failure stays internal", func(t *testing.T) {
		svc, _, ver := newTestService(t)
		ver.VerifyFn = func(UserPoolARN, []string) (UserPoolFindings, error) {
			return UserPoolFindings{}, errors.New("access denied to cognito")
		}
		err := mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, seedBody)))
		var e *Error
		if err == nil || errors.As(err, &e) {
			t.Fatalf("want a plain internal error, got %v", err)
		}
	})
	t.Run("oidc issuer does not qualify", func(t *testing.T) {
		svc, st, ver := newTestService(t)
		ver.IssuerFn = func(string) error { return &IssuerError{Reason: "the discovery document answered HTTP 404"} }
		in := createInput(t, `{"policyStoreId":"PS1","principalEntityType":"U","configuration":{"openIdConnectConfiguration":{"issuer":"https://a","tokenSelection":{"accessTokenOnly":{}}}}}`)
		e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, in)), CodeValidation)
		if e.FieldList[0].Path != "configuration.openIdConnectConfiguration.issuer" || !strings.Contains(e.Message, "HTTP 404") || st.writes != 0 {
			t.Errorf("got %+v", e)
		}
	})
}

func TestGetIdentitySourceNotFound(t *testing.T) {
	t.Parallel()
	svc, _, _ := newTestService(t)
	e := wantCode(t, mustFail(svc.GetIdentitySource(context.Background(), acct, &GetIdentitySourceInput{PolicyStoreID: "PS1", IdentitySourceID: "nope"})), CodeResourceNotFound)
	if e.ResourceType != ResourceIdentitySource || e.ResourceID != "nope" {
		t.Errorf("got %+v", e)
	}
}

func TestPolicyStoreIdempotency(t *testing.T) {
	t.Parallel()
	svc, _, _ := newTestService(t)
	ctx := context.Background()
	tok := "t1"
	in := &CreatePolicyStoreInput{ClientToken: &tok, ValidationSettings: &ValidationSettings{Mode: "OFF"}}
	a, err := svc.CreatePolicyStore(ctx, acct, in)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreatePolicyStore(ctx, acct, in)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Error(diff)
	}
	if a.ARN != "arn:aws:verifiedpermissions::123456789012:policy-store/"+a.PolicyStoreID {
		t.Errorf("arn = %s", a.ARN)
	}
	in2 := &CreatePolicyStoreInput{ClientToken: &tok, ValidationSettings: &ValidationSettings{Mode: "STRICT"}}
	wantCode(t, mustFail(svc.CreatePolicyStore(ctx, acct, in2)), CodeConflict)
	// Tokens are per account.
	if _, err := svc.CreatePolicyStore(ctx, "111111111111", in2); err != nil {
		t.Errorf("same token in another account: %v", err)
	}
	got, err := svc.GetPolicyStore(ctx, acct, &GetPolicyStoreInput{PolicyStoreID: a.PolicyStoreID})
	if err != nil {
		t.Fatal(err)
	}
	if got.ValidationSettings.Mode != "OFF" || got.DeletionProtection != "DISABLED" || got.EncryptionState.Default == nil {
		t.Errorf("got %+v", got)
	}
	wantCode(t, mustFail(svc.GetPolicyStore(ctx, "111111111111", &GetPolicyStoreInput{PolicyStoreID: a.PolicyStoreID})), CodeResourceNotFound)
}

// An alias in policyStoreId is resolved for the call only: the caller's
// input keeps the alias.
func TestAliasLeavesInputUnchanged(t *testing.T) {
	t.Parallel()
	svc, _, _ := newTestService(t)
	ctx := context.Background()
	const alias = AliasPrefix + "prod"
	if _, err := svc.CreatePolicyStoreAlias(ctx, acct, &CreatePolicyStoreAliasInput{AliasName: alias, PolicyStoreID: "PS1"}); err != nil {
		t.Fatal(err)
	}
	in := createInput(t, `{"policyStoreId":"`+alias+`",`+seedBody[len(`{"policyStoreId":"PS1",`):])
	before := createInput(t, `{"policyStoreId":"`+alias+`",`+seedBody[len(`{"policyStoreId":"PS1",`):])
	out, err := svc.CreateIdentitySource(ctx, acct, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.PolicyStoreID != "PS1" {
		t.Errorf("output policyStoreId = %q, want PS1", out.PolicyStoreID)
	}
	if diff := cmp.Diff(before, in, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		t.Errorf("CreateIdentitySource changed its input:\n%s", diff)
	}
	get := &GetIdentitySourceInput{PolicyStoreID: alias, IdentitySourceID: out.IdentitySourceID}
	if _, err := svc.GetIdentitySource(ctx, acct, get); err != nil {
		t.Fatal(err)
	}
	if get.PolicyStoreID != alias {
		t.Errorf("GetIdentitySource changed its input's policyStoreId to %q", get.PolicyStoreID)
	}
}

// TestStoreStateCostsNoVerification: a create or update that cannot succeed
// because of the store's state asks no identity provider, and nothing is
// written; a retried create still gets its answer (or its conflict) from
// its token's record without one.
func TestStoreStateCostsNoVerification(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	oidcBody := `{"policyStoreId":"PS1","configuration":{"openIdConnectConfiguration":{"issuer":"https://issuer.example.com","tokenSelection":{"identityTokenOnly":{}}}}}`
	for name, body := range map[string]string{"cognito": seedBody, "oidc": oidcBody} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svc, st, ver := newTestService(t)
			missing := strings.Replace(body, `"PS1"`, `"PSnope"`, 1)
			wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, missing))), CodeResourceNotFound)
			if ver.calls != 0 || st.writes != 0 {
				t.Fatalf("missing store: %d verifications, %d writes", ver.calls, st.writes)
			}

			withToken := `{"clientToken":"tok-1",` + body[1:]
			first, err := svc.CreateIdentitySource(ctx, acct, createInput(t, withToken))
			if err != nil || ver.calls != 1 {
				t.Fatalf("create: %v, %d verifications", err, ver.calls)
			}
			wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, body))), CodeServiceQuotaExceeded)
			replay, err := svc.CreateIdentitySource(ctx, acct, createInput(t, withToken))
			if err != nil || *replay != *first {
				t.Errorf("replay: %+v %v, want %+v", replay, err, first)
			}
			other := `{"clientToken":"tok-1","principalEntityType":"Other",` + strings.Replace(body[1:], `"principalEntityType":"User",`, "", 1)
			wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, createInput(t, other))), CodeConflict)
			if ver.calls != 1 || st.writes != 1 {
				t.Errorf("full store: %d verifications, %d writes; want 1 and 1 (the first create)", ver.calls, st.writes)
			}

			// The store is deleted: the retry still gets its answer.
			st.mu.Lock()
			delete(st.stores, acct+"/PS1")
			st.mu.Unlock()
			if replay, err := svc.CreateIdentitySource(ctx, acct, createInput(t, withToken)); err != nil || *replay != *first {
				t.Errorf("replay after the store's deletion: %+v %v", replay, err)
			}

			upd := &UpdateIdentitySourceInput{PolicyStoreID: "PS1", IdentitySourceID: "ISnope", UpdateConfiguration: createInput(t, body).Configuration}
			wantCode(t, mustFail(svc.UpdateIdentitySource(ctx, acct, upd)), CodeResourceNotFound)
			if ver.calls != 1 || st.writes != 1 {
				t.Errorf("update of a missing source: %d verifications, %d writes", ver.calls, st.writes)
			}
		})
	}
}

// TestUserPoolLocation: a pool of another partition, of a Region that is
// not one of the partition's, or of another account is refused before any
// read or call, with the member and the Region named.
func TestUserPoolLocation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, arn, phrase string
	}{
		{"made-up Region", "arn:aws:cognito-idp:us-madeup-1:" + acct + ":userpool/us-madeup-1_abc", "Region us-madeup-1, which is not a Region of partition aws"},
		{"Region of another partition", "arn:aws:cognito-idp:cn-north-1:" + acct + ":userpool/cn-north-1_abc", "Region cn-north-1, which is not a Region of partition aws"},
		{"another partition", "arn:aws-cn:cognito-idp:cn-north-1:" + acct + ":userpool/cn-north-1_abc", "partition aws-cn"},
		{"another account", "arn:aws:cognito-idp:us-west-2:999999999999:userpool/us-west-2_abc", "account 999999999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, st, ver := newTestService(t)
			conf := `{"cognitoUserPoolConfiguration":{"userPoolArn":"` + tc.arn + `"}}`
			// A store that does not exist: the refusal comes first.
			in := createInput(t, `{"policyStoreId":"PSnope","configuration":`+conf+`}`)
			e := wantCode(t, mustFail(svc.CreateIdentitySource(ctx, acct, in)), CodeValidation)
			if len(e.FieldList) != 1 || e.FieldList[0].Path != "configuration.cognitoUserPoolConfiguration.userPoolArn" || !strings.Contains(e.Message, tc.phrase) {
				t.Errorf("create: %+v", e)
			}
			upd := &UpdateIdentitySourceInput{PolicyStoreID: "PSnope", IdentitySourceID: "ISnope", UpdateConfiguration: in.Configuration}
			e = wantCode(t, mustFail(svc.UpdateIdentitySource(ctx, acct, upd)), CodeValidation)
			if len(e.FieldList) != 1 || e.FieldList[0].Path != "updateConfiguration.cognitoUserPoolConfiguration.userPoolArn" || !strings.Contains(e.Message, tc.phrase) {
				t.Errorf("update: %+v", e)
			}
			if ver.calls != 0 || st.writes != 0 {
				t.Errorf("%d verifications, %d writes", ver.calls, st.writes)
			}
		})
	}
	// In aws-cn, a China Region is the one that works.
	st, ver := newMemStore(), &fakeVerifier{}
	st.stores[acct+"/PS1"] = PolicyStore{PolicyStoreID: "PS1"}
	svc := NewService(st.deps(ver), WithPartition("aws-cn"))
	in := createInput(t, `{"policyStoreId":"PS1","configuration":{"cognitoUserPoolConfiguration":{"userPoolArn":"arn:aws-cn:cognito-idp:cn-north-1:`+acct+`:userpool/cn-north-1_abc"}}}`)
	if _, err := svc.CreateIdentitySource(ctx, acct, in); err != nil || ver.calls != 1 {
		t.Errorf("aws-cn: %v, %d verifications", err, ver.calls)
	}
}
