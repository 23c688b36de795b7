package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/dev/localtable"
	"github.com/vpid-dev/vpid/internal/store"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

// counting wraps the DynamoDB client and counts requests by operation.
type counting struct {
	store.API
	mu sync.Mutex
	n  map[string]int
}

func (c *counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
}

func (c *counting) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.API.GetItem(ctx, in, o...)
}

func (c *counting) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.count("TransactWriteItems")
	return c.API.TransactWriteItems(ctx, in, o...)
}

type okVerifier struct{}

func (okVerifier) VerifyIssuer(context.Context, string) error { return nil }

func (okVerifier) VerifyUserPool(context.Context, avp.UserPoolARN, []string) (avp.UserPoolFindings, error) {
	return avp.UserPoolFindings{}, nil
}

const (
	acct = emulatortest.SeedAccount
	arn  = emulatortest.SeedPoolARN
)

type fixture struct {
	ddb   *dynamodb.Client
	table string
	api   *counting
	store *store.Store
	svc   *avp.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ddb := emulatortest.DynamoDB(t)
	table := emulatortest.NewTable(t, ddb)
	api := &counting{API: ddb}
	st := store.New(api, table)
	return &fixture{ddb: ddb, table: table, api: api, store: st, svc: avp.NewService(avp.Deps{
		PolicyStores: st, Aliases: st, IdentitySources: st, Idempotency: st, PageKeys: st,
		UserPools: okVerifier{}, Issuers: okVerifier{},
	})}
}

func (f *fixture) policyStore(t *testing.T, account string) string {
	t.Helper()
	out, err := f.svc.CreatePolicyStore(context.Background(), account, &avp.CreatePolicyStoreInput{ValidationSettings: &avp.ValidationSettings{Mode: "OFF"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.PolicyStoreID
}

// items returns every item of the table, by type.
func (f *fixture) items(t *testing.T) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	p := dynamodb.NewScanPaginator(f.ddb, &dynamodb.ScanInput{TableName: aws.String(f.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatal(err)
			}
			out[m["type"].(string)] = append(out[m["type"].(string)], m)
		}
	}
	return out
}

func createIn(psID string, token string) *avp.CreateIdentitySourceInput {
	in := &avp.CreateIdentitySourceInput{
		PolicyStoreID: psID,
		Configuration: &avp.ConfigurationUnion{CognitoUserPoolConfiguration: &avp.CognitoUserPoolConfiguration{UserPoolARN: arn, ClientIDs: []string{emulatortest.SeedClientID}}},
	}
	if token != "" {
		in.ClientToken = &token
	}
	return in
}

func codeOf(err error) string {
	var e *avp.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "internal: " + err.Error()
	}
	return ""
}

func TestPolicyStoreRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	desc := "d"
	now := avp.NewTimestamp(time.Now())
	ps := avp.PolicyStore{
		PolicyStoreID: avp.NewID(), ARN: "arn:x", ValidationMode: "STRICT", Description: &desc,
		DeletionProtection: "ENABLED", Tags: map[string]string{"k": "v"}, CreatedDate: now, LastUpdatedDate: now,
		Encryption: avp.EncryptionState{KMSEncryptionState: &avp.KMSEncryptionState{Key: "k", EncryptionContext: map[string]string{}}},
	}
	if err := f.store.CreatePolicyStore(ctx, acct, ps, nil); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetPolicyStore(ctx, acct, ps.PolicyStoreID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ps, got); diff != "" {
		t.Error(diff)
	}
	if _, err := f.store.GetPolicyStore(ctx, emulatortest.AcctOneAccount, ps.PolicyStoreID); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("another account reads the store: %v", err)
	}
}

// TestCreateIdentitySourceIsOneWrite: a create reads the policy store once
// (so that a store's state that refuses it costs no Cognito call) and writes
// in one transaction; its replay, the store being full, reads the store and
// the token's record and writes nothing.
func TestCreateIdentitySourceIsOneWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	before := f.api.snapshot()
	out, err := f.svc.CreateIdentitySource(ctx, acct, createIn(psID, "one-request"))
	if err != nil {
		t.Fatal(err)
	}
	after := f.api.snapshot()
	if got := after["TransactWriteItems"] - before["TransactWriteItems"]; got != 1 {
		t.Errorf("TransactWriteItems = %d, want 1", got)
	}
	if got := after["GetItem"] - before["GetItem"]; got != 1 {
		t.Errorf("GetItem = %d, want 1", got)
	}
	replay, err := f.svc.CreateIdentitySource(ctx, acct, createIn(psID, "one-request"))
	if err != nil {
		t.Fatal(err)
	}
	again := f.api.snapshot()
	if got := again["TransactWriteItems"] - after["TransactWriteItems"]; got != 0 {
		t.Errorf("the replay sent %d TransactWriteItems, want 0", got)
	}
	if got := again["GetItem"] - after["GetItem"]; got != 2 {
		t.Errorf("the replay sent %d GetItem, want 2 (store, token)", got)
	}
	if diff := cmp.Diff(out, replay); diff != "" {
		t.Error(diff)
	}
	if n := len(f.items(t)["IdentitySource"]); n != 1 {
		t.Errorf("%d identity sources after a replay", n)
	}
	got, err := f.store.GetIdentitySource(ctx, acct, psID, out.IdentitySourceID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PrincipalEntityType != "AWS::Cognito" || got.Configuration.(*avp.CognitoUserPoolConfiguration).UserPoolARN != arn || !got.CreatedDate.Equal(out.CreatedDate.Time) {
		t.Errorf("stored %+v", got)
	}
	ps, err := f.store.GetPolicyStore(ctx, acct, psID)
	if err != nil || ps.IdentitySourceID != out.IdentitySourceID {
		t.Errorf("store slot = %q, %v", ps.IdentitySourceID, err)
	}
}

func TestConcurrentCreatesOneToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	psID := f.policyStore(t, acct)
	const n = 50
	outs := make([]*avp.CreateIdentitySourceOutput, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			outs[i], errs[i] = f.svc.CreateIdentitySource(context.Background(), acct, createIn(psID, "shared-token"))
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if diff := cmp.Diff(outs[0], outs[i]); diff != "" {
			t.Fatalf("response %d differs:\n%s", i, diff)
		}
	}
	items := f.items(t)
	if len(items["IdentitySource"]) != 1 || len(items["IdempotencyToken"]) != 1 {
		t.Errorf("items: %d identity sources, %d tokens", len(items["IdentitySource"]), len(items["IdempotencyToken"]))
	}
}

func TestConcurrentCreatesManyTokens(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	psID := f.policyStore(t, acct)
	const n = 50
	var ok, quota atomic.Int32
	other := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, err := f.svc.CreateIdentitySource(context.Background(), acct, createIn(psID, fmt.Sprintf("token-%d", i)))
			switch c := codeOf(err); c {
			case "":
				ok.Add(1)
			case avp.CodeServiceQuotaExceeded:
				quota.Add(1)
			default:
				other <- c
			}
		})
	}
	wg.Wait()
	close(other)
	for c := range other {
		t.Errorf("unexpected outcome %s", c)
	}
	if ok.Load() != 1 || quota.Load() != n-1 {
		t.Errorf("%d successes and %d quota errors, want 1 and %d", ok.Load(), quota.Load(), n-1)
	}
	// Nothing half-written: the losers left no token and no identity source.
	items := f.items(t)
	if len(items["IdentitySource"]) != 1 || len(items["IdempotencyToken"]) != 1 || len(items["PolicyStore"]) != 1 {
		t.Errorf("items: %d identity sources, %d tokens, %d stores", len(items["IdentitySource"]), len(items["IdempotencyToken"]), len(items["PolicyStore"]))
	}
	if got := items["PolicyStore"][0]["identitySourceId"]; got != items["IdentitySource"][0]["identitySourceId"] {
		t.Errorf("store slot %v, identity source %v", got, items["IdentitySource"][0]["identitySourceId"])
	}
}

func TestCreateIdentitySourceFailuresWriteNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.CreateIdentitySource(ctx, acct, createIn("PSmissing", "t-missing")); codeOf(err) != avp.CodeResourceNotFound {
		t.Fatalf("missing store: %v", err)
	}
	psID := f.policyStore(t, emulatortest.AcctOneAccount)
	if _, err := f.svc.CreateIdentitySource(ctx, acct, createIn(psID, "t-foreign")); codeOf(err) != avp.CodeResourceNotFound {
		t.Fatalf("another account's store: %v", err)
	}
	items := f.items(t)
	if len(items["IdentitySource"]) != 0 || len(items["IdempotencyToken"]) != 0 {
		t.Errorf("failures wrote %d identity sources and %d tokens", len(items["IdentitySource"]), len(items["IdempotencyToken"]))
	}
}

func TestIdempotencyRecordsExpire(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now()
	rec := avp.IdempotencyRecord{Operation: "CreatePolicyStore", Token: "old", ParamsHash: "h1", Response: []byte(`{}`),
		IssuedAt: now.Add(-avp.IdempotencyTTL), ExpiresAt: now.Add(-time.Minute)}
	ps := avp.PolicyStore{PolicyStoreID: avp.NewID(), Encryption: avp.EncryptionState{Default: &struct{}{}}}
	if err := f.store.CreatePolicyStore(ctx, acct, ps, &rec); err != nil {
		t.Fatal(err)
	}
	// TTL deletion lags: the expired record is still there, and says so.
	got, err := f.store.GetIdempotencyRecord(ctx, acct, rec.Operation, rec.Token)
	if err != nil || got.Live(now) {
		t.Errorf("expired record: %+v, %v", got, err)
	}
	// A record issued after the expiry replaces it rather than replaying it.
	rec2 := rec
	rec2.ParamsHash, rec2.IssuedAt, rec2.ExpiresAt = "h2", now, now.Add(avp.IdempotencyTTL)
	ps.PolicyStoreID = avp.NewID()
	if err := f.store.CreatePolicyStore(ctx, acct, ps, &rec2); err != nil {
		t.Fatalf("reuse of an expired token: %v", err)
	}
	got, err = f.store.GetIdempotencyRecord(ctx, acct, rec.Operation, rec.Token)
	if err != nil || got.ParamsHash != "h2" || !got.Live(now) {
		t.Errorf("record = %+v, %v", got, err)
	}
	// A live one is reported with its content.
	rec3 := rec2
	rec3.ParamsHash = "h3"
	ps.PolicyStoreID = avp.NewID()
	var used *avp.TokenUsedError
	if err := f.store.CreatePolicyStore(ctx, acct, ps, &rec3); !errors.As(err, &used) || used.Record.ParamsHash != "h2" {
		t.Errorf("want TokenUsedError with h2, got %v", err)
	}
}

func TestEnsureTableIsIdempotent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := localtable.EnsureTable(context.Background(), f.ddb, f.table); err != nil {
		t.Fatal(err)
	}
}

func TestSeedPolicyStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for range 2 {
		if err := localtable.SeedPolicyStore(ctx, f.ddb, f.table, acct, "PSEXAMPLEabcdefg111111", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := f.store.GetPolicyStore(ctx, acct, "PSEXAMPLEabcdefg111111")
	if err != nil || ps.ARN != "arn:aws:verifiedpermissions::123456789012:policy-store/PSEXAMPLEabcdefg111111" {
		t.Errorf("seeded %+v, %v", ps, err)
	}
}

func (c *counting) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.count("Query")
	return c.API.Query(ctx, in, o...)
}
