package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

func (f *fixture) identitySource(t *testing.T, psID string) string {
	t.Helper()
	out, err := f.svc.CreateIdentitySource(context.Background(), acct, createIn(psID, ""))
	if err != nil {
		t.Fatal(err)
	}
	return out.IdentitySourceID
}

// cedarVersion is the store's Cedar version, which every identity-source
// write increments too.
func (f *fixture) cedarVersion(t *testing.T, account, psID string) int64 {
	t.Helper()
	v, err := f.store.CedarVersion(context.Background(), account, psID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDeletePolicyStoreLeavesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	f.identitySource(t, psID)
	for i := range 3 {
		a := avp.PolicyStoreAlias{AliasName: fmt.Sprintf("policy-store-alias/a%d", i), PolicyStoreID: psID, ARN: "arn", CreatedAt: avp.NewTimestamp(time.Now())}
		if err := f.store.CreateAlias(ctx, acct, a); err != nil {
			t.Fatal(err)
		}
	}
	keep := f.policyStore(t, acct) // another store, untouched
	if err := f.store.DeletePolicyStore(ctx, acct, psID); err != nil {
		t.Fatal(err)
	}
	items := f.items(t)
	for typ, list := range items {
		for _, it := range list {
			if it["policyStoreId"] == psID {
				t.Errorf("left behind a %s: %v", typ, it)
			}
		}
	}
	if len(items["PolicyStore"]) != 1 || items["PolicyStore"][0]["policyStoreId"] != keep {
		t.Errorf("stores after delete: %v", items["PolicyStore"])
	}
	if err := f.store.DeletePolicyStore(ctx, acct, psID); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestDeletePolicyStoreProtected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	on := avp.DeletionProtectionEnabled
	if _, err := f.store.UpdatePolicyStore(ctx, acct, psID, avp.PolicyStoreUpdate{ValidationMode: "OFF", DeletionProtection: &on}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeletePolicyStore(ctx, acct, psID); !errors.Is(err, avp.ErrDeletionProtected) {
		t.Fatalf("protected delete: %v", err)
	}
	if _, err := f.store.GetPolicyStore(ctx, acct, psID); err != nil {
		t.Errorf("store gone: %v", err)
	}
}

// TestDeleteRacesCreate runs DeletePolicyStore against CreateIdentitySource
// on the same store: whichever wins, no identity source outlives its store.
func TestDeleteRacesCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for range 10 {
		psID := f.policyStore(t, acct)
		var wg sync.WaitGroup
		var createErr, deleteErr error
		wg.Go(func() { _, createErr = f.svc.CreateIdentitySource(ctx, acct, createIn(psID, "")) })
		wg.Go(func() { deleteErr = f.store.DeletePolicyStore(ctx, acct, psID) })
		wg.Wait()
		if deleteErr != nil {
			t.Fatalf("delete: %v", deleteErr)
		}
		if createErr != nil && codeOf(createErr) != avp.CodeResourceNotFound {
			t.Fatalf("create: %v", createErr)
		}
	}
	items := f.items(t)
	if len(items["PolicyStore"]) != 0 || len(items["IdentitySource"]) != 0 {
		t.Errorf("left %d stores and %d identity sources", len(items["PolicyStore"]), len(items["IdentitySource"]))
	}
}

func TestListPolicyStoresPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var want []string
	for range 7 {
		want = append(want, f.policyStore(t, emulatortest.AcctOneAccount))
	}
	f.policyStore(t, acct) // another account's store never shows
	var got []string
	var cursor []byte
	for pages := 0; ; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		page, next, err := f.store.ListPolicyStores(ctx, emulatortest.AcctOneAccount, 3, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, ps := range page {
			got = append(got, ps.PolicyStoreID)
		}
		if next == nil {
			break
		}
		cursor = next
	}
	// Oldest first; stores created within one microsecond tie on the date
	// and fall back to id order, so compare as sets and check the dates.
	if diff := cmp.Diff(sorted(want), sorted(got)); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if _, _, err := f.store.ListPolicyStores(ctx, acct, 3, []byte(`{"gsi1pk":"A#111111111111#PS","gsi1sk":"x","pk":"x","sk":"x"}`)); codeOf(err) != avp.CodeValidation {
		t.Errorf("a cursor of another account's partition was accepted: %v", err)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestAliases(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	a := avp.PolicyStoreAlias{AliasName: "policy-store-alias/orders", PolicyStoreID: psID, ARN: "arn", CreatedAt: avp.NewTimestamp(time.Now())}
	if err := f.store.CreateAlias(ctx, acct, a); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateAlias(ctx, acct, a); !errors.Is(err, avp.ErrAliasExists) {
		t.Errorf("duplicate: %v", err)
	}
	missing := a
	missing.AliasName, missing.PolicyStoreID = "policy-store-alias/x", "PSnone"
	if err := f.store.CreateAlias(ctx, acct, missing); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("alias of a missing store: %v", err)
	}
	got, err := f.store.GetAlias(ctx, acct, a.AliasName)
	if err != nil || got.PolicyStoreID != psID {
		t.Errorf("get: %+v %v", got, err)
	}
	if _, err := f.store.GetAlias(ctx, emulatortest.AcctOneAccount, a.AliasName); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("another account reads the alias: %v", err)
	}
	list, _, err := f.store.ListAliases(ctx, acct, psID, 5, nil)
	if err != nil || len(list) != 1 {
		t.Errorf("list: %+v %v", list, err)
	}
	// Soft delete: the item stays, PendingDeletion until its expiry; the
	// name is taken until then and free from then on, TTL or not.
	until := a.CreatedAt.Add(24 * time.Hour).Truncate(time.Second)
	if err := f.store.DeleteAlias(ctx, acct, a.AliasName, until); err != nil {
		t.Fatal(err)
	}
	if got, err := f.store.GetAlias(ctx, acct, a.AliasName); err != nil || !got.PendingUntil.Equal(until) {
		t.Errorf("soft-deleted: %+v %v", got, err)
	}
	if err := f.store.DeleteAlias(ctx, acct, a.AliasName, until.Add(time.Hour)); err != nil {
		t.Errorf("soft delete of a pending alias: %v", err)
	}
	if err := f.store.CreateAlias(ctx, acct, a); !errors.Is(err, avp.ErrAliasExists) {
		t.Errorf("name of a pending alias: %v", err)
	}
	later := a
	later.CreatedAt = avp.NewTimestamp(until)
	if err := f.store.CreateAlias(ctx, acct, later); err != nil {
		t.Fatalf("name of an expired alias: %v", err)
	}
	if got, err := f.store.GetAlias(ctx, acct, a.AliasName); err != nil || !got.PendingUntil.IsZero() {
		t.Errorf("re-created: %+v %v", got, err)
	}
	if err := f.store.DeleteAlias(ctx, acct, a.AliasName, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteAlias(ctx, acct, a.AliasName, time.Time{}); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	ps, err := f.store.GetPolicyStore(ctx, acct, psID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeletePolicyStore(ctx, acct, psID); err != nil {
		t.Errorf("delete after alias removal: %v (store %+v)", err, ps)
	}
}

func TestAliasQuota(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	const max = avp.MaxAliasesPerStore
	for i := range max + 1 {
		err := f.store.CreateAlias(ctx, acct, avp.PolicyStoreAlias{AliasName: fmt.Sprintf("policy-store-alias/q%02d", i), PolicyStoreID: psID, ARN: "arn"})
		switch {
		case i < max && err != nil:
			t.Fatalf("alias %d: %v", i, err)
		case i == max && !errors.Is(err, avp.ErrQuotaExceeded):
			t.Fatalf("alias %d: %v", i+1, err)
		}
	}
	if err := f.store.DeletePolicyStore(ctx, acct, psID); err != nil {
		t.Fatalf("delete a store with %d aliases: %v", max, err)
	}
	if n := len(f.items(t)["PolicyStoreAlias"]); n != 0 {
		t.Errorf("%d aliases left", n)
	}
}

func TestUpdateAndDeleteIdentitySource(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	empty := f.cedarVersion(t, acct, psID)
	isID := f.identitySource(t, psID)
	before, err := f.store.GetIdentitySource(ctx, acct, psID, isID)
	if err != nil {
		t.Fatal(err)
	}
	later := avp.NewTimestamp(time.Now().Add(time.Hour))
	v0 := f.cedarVersion(t, acct, psID)
	if v0 != empty+1 {
		t.Errorf("cedar version after the create: %d, want %d", v0, empty+1)
	}
	if err := f.store.UpdateIdentitySource(ctx, acct, avp.IdentitySourceUpdate{
		PolicyStoreID: psID, IdentitySourceID: isID, LastUpdatedDate: later,
		Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: arn},
	}); err != nil {
		t.Fatal(err)
	}
	if v := f.cedarVersion(t, acct, psID); v != v0+1 {
		t.Errorf("cedar version after the update: %d, want %d", v, v0+1)
	}
	got, err := f.store.GetIdentitySource(ctx, acct, psID, isID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedDate.Equal(before.CreatedDate.Time) || !got.LastUpdatedDate.Equal(later.Time) || got.PrincipalEntityType != before.PrincipalEntityType {
		t.Errorf("after update: %+v", got)
	}
	if err := f.store.UpdateIdentitySource(ctx, acct, avp.IdentitySourceUpdate{PolicyStoreID: psID, IdentitySourceID: "nope"}); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("update of a missing one: %v", err)
	}
	if v := f.cedarVersion(t, acct, psID); v != v0+1 {
		t.Errorf("cedar version after a failed update: %d, want %d", v, v0+1)
	}
	if err := f.store.DeleteIdentitySource(ctx, acct, psID, isID); err != nil {
		t.Fatal(err)
	}
	if v := f.cedarVersion(t, acct, psID); v != v0+2 {
		t.Errorf("cedar version after the delete: %d, want %d", v, v0+2)
	}
	if err := f.store.DeleteIdentitySource(ctx, acct, psID, isID); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	list, err := f.store.ListIdentitySources(ctx, acct, psID)
	if err != nil || len(list) != 0 {
		t.Errorf("list after delete: %v %v", list, err)
	}
	f.identitySource(t, psID) // the slot is free again
	if _, err := f.store.ListIdentitySources(ctx, acct, "PSnone"); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("list of a missing store: %v", err)
	}
}

// pageKeysOfInstances reads the page token keys from n fresh instances at
// once, at time now.
func pageKeysOfInstances(t *testing.T, f *fixture, n int, now time.Time) []avp.PageKeyRing {
	t.Helper()
	var wg sync.WaitGroup
	rings := make([]avp.PageKeyRing, n)
	for i := range rings {
		wg.Go(func() {
			st := store.New(f.ddb, f.table)
			store.SetClock(st, func() time.Time { return now })
			r, err := st.PageTokenKeys(context.Background(), false)
			if err != nil {
				t.Error(err)
			}
			rings[i] = r
		})
	}
	wg.Wait()
	for i, r := range rings {
		if diff := cmp.Diff(rings[0], r); diff != "" || len(r.Current.Secret) != 32 {
			t.Fatalf("instance %d has other keys (-first +it):\n%s", i, diff)
		}
	}
	return rings
}

func TestPageTokenKeysAreSharedAndRotateOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	now := time.Now()
	first := pageKeysOfInstances(t, f, 8, now)[0]
	if first.Current.ID != 1 || first.Previous != nil {
		t.Fatalf("first keys: id %d, previous %v", first.Current.ID, first.Previous)
	}
	if again := pageKeysOfInstances(t, f, 2, now.Add(store.PageKeyRotation-time.Minute))[0]; !cmp.Equal(first, again) {
		t.Fatalf("the keys changed before they were due: %+v", again)
	}
	// Due: eight instances rotate at once and agree on one new key.
	second := pageKeysOfInstances(t, f, 8, now.Add(store.PageKeyRotation+time.Minute))[0]
	if second.Current.ID != 2 || second.Previous == nil || !cmp.Equal(*second.Previous, first.Current) || bytes.Equal(second.Current.Secret, first.Current.Secret) {
		t.Fatalf("after one rotation: %+v, want key 2 with key 1 as previous", second)
	}
	third := pageKeysOfInstances(t, f, 2, now.Add(2*store.PageKeyRotation+2*time.Minute))[0]
	if third.Current.ID != 3 || !cmp.Equal(*third.Previous, second.Current) {
		t.Fatalf("after two rotations: %+v", third)
	}
}

// TestPageTokensLiveThroughOneRotation: a token sealed before a rotation
// opens after it, also on an instance that has not seen the new key yet
// and meets a token of it; after a second rotation it is refused.
func TestPageTokensLiveThroughOneRotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for range 3 {
		f.policyStore(t, acct)
	}
	t0 := time.Now()
	clockAt := func(at *time.Time) *avp.Service {
		st := store.New(f.ddb, f.table)
		store.SetClock(st, func() time.Time { return *at })
		return avp.NewService(avp.Deps{PolicyStores: st, PageKeys: st})
	}
	one := 1
	firstPage := func(svc *avp.Service) string {
		t.Helper()
		out, err := svc.ListPolicyStores(ctx, acct, &avp.ListPolicyStoresInput{MaxResults: &one})
		if err != nil || out.NextToken == nil {
			t.Fatalf("first page: %+v %v", out, err)
		}
		return *out.NextToken
	}
	next := func(svc *avp.Service, tok string) error {
		_, err := svc.ListPolicyStores(ctx, acct, &avp.ListPolicyStoresInput{MaxResults: &one, NextToken: &tok})
		return err
	}
	atA, atB := t0, t0
	a, b := clockAt(&atA), clockAt(&atB)
	old := firstPage(a) // sealed with key 1
	atB = t0.Add(store.PageKeyRotation + time.Minute)
	fresh := firstPage(b) // b rotated: key 2
	if err := next(b, old); err != nil {
		t.Errorf("a token of the previous key: %v", err)
	}
	if err := next(a, fresh); err != nil { // a still caches key 1 alone
		t.Errorf("a token of a key this instance has not seen yet: %v", err)
	}
	atB = t0.Add(2*store.PageKeyRotation + 2*time.Minute)
	atA = atB
	firstPage(b) // key 3
	if err := next(b, fresh); err != nil {
		t.Errorf("a token of the previous key, after the second rotation: %v", err)
	}
	for _, svc := range []*avp.Service{a, b} {
		if err := next(svc, old); codeOf(err) != avp.CodeValidation {
			t.Errorf("a token of a key rotated out twice: %v", err)
		}
	}
}

// TestListAliasesFilteredPagesAreFull: one store's aliases among many of
// other stores come in full pages, not pages cut by DynamoDB's Limit before
// its filter; and a filter that matches too little for the cap answers a
// short page with a nextToken that reads on.
func TestListAliasesFilteredPagesAreFull(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mine, others := f.policyStore(t, acct), []string{f.policyStore(t, acct), f.policyStore(t, acct)}
	var want []string
	for i := range 25 {
		ps := others[i%2]
		if i%5 == 4 { // a04, a09, a14, a19, a24; 10 for each other store
			ps = mine
			want = append(want, fmt.Sprintf("policy-store-alias/a%02d", i))
		}
		a := avp.PolicyStoreAlias{AliasName: fmt.Sprintf("policy-store-alias/a%02d", i), PolicyStoreID: ps, ARN: "arn", CreatedAt: avp.NewTimestamp(time.Now())}
		if err := f.store.CreateAlias(ctx, acct, a); err != nil {
			t.Fatal(err)
		}
	}
	list := func(st *store.Store, limit int) (pages [][]string) {
		t.Helper()
		var cursor []byte
		for {
			page, next, err := st.ListAliases(ctx, acct, mine, limit, cursor)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range page {
				names = append(names, a.AliasName)
			}
			pages = append(pages, names)
			if next == nil || len(pages) > 40 {
				return pages
			}
			cursor = next
		}
	}
	before := f.api.snapshot()["Query"]
	pages := list(f.store, 2)
	if diff := cmp.Diff([][]string{want[0:2], want[2:4], want[4:5]}, pages); diff != "" {
		t.Errorf("pages of 2 (-want +got):\n%s", diff)
	}
	if n := f.api.snapshot()["Query"] - before; n != 3 {
		t.Errorf("%d Query calls for 3 pages, want 3", n)
	}

	// A batch of 3 items and a cap of 2 Query calls a request: 6 items read
	// per call, so pages are short but the list is whole and in order.
	capped := store.New(f.api, f.table)
	store.SetAliasPaging(capped, 3, 2)
	before = f.api.snapshot()["Query"]
	pages = list(capped, 2)
	var got []string
	for _, p := range pages {
		if len(p) > 2 {
			t.Errorf("page %v has more than maxResults", p)
		}
		got = append(got, p...)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("capped listing (-want +got):\n%s", diff)
	}
	if n := f.api.snapshot()["Query"] - before; n > 2*len(pages) {
		t.Errorf("%d Query calls for %d requests: the cap of 2 a request was exceeded", n, len(pages))
	}
	if len(pages) < 5 {
		t.Errorf("%d pages: the cap did not cut any", len(pages))
	}
}

// TestPageTokenKeysOfAnEarlierItem: an item written before keys had ids
// and dates (its key alone) is rotated on first read, its key kept as the
// previous one.
func TestPageTokenKeysOfAnEarlierItem(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	old := bytes.Repeat([]byte{7}, 32)
	legacy := storetest.PageKeyItem()
	for k := range legacy {
		if k != store.AttrPK && k != store.AttrSK && k != "type" {
			delete(legacy, k)
		}
	}
	legacy["key"] = &types.AttributeValueMemberB{Value: old}
	if _, err := f.ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(f.table), Item: legacy}); err != nil {
		t.Fatal(err)
	}
	ring := pageKeysOfInstances(t, f, 4, time.Now())[0]
	if ring.Current.ID != 1 || bytes.Equal(ring.Current.Secret, old) || ring.Previous == nil || ring.Previous.ID != 0 || !bytes.Equal(ring.Previous.Secret, old) {
		t.Errorf("keys after an earlier item: %+v", ring)
	}
}

// queryItems counts the items Query calls return.
type queryItems struct {
	store.API
	items atomic.Int64
}

func (q *queryItems) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := q.API.Query(ctx, in, o...)
	if err == nil {
		q.items.Add(int64(len(out.Items)))
	}
	return out, err
}

// TestListIdentitySourcesReadsOnlyTheirs checks that listing a store's
// identity sources, which every IsAuthorizedWithToken does, reads neither
// its policies nor their names, however many there are, and still tells a
// missing store from one without identity sources.
func TestListIdentitySourcesReadsOnlyTheirs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	q := &queryItems{API: f.ddb}
	st := store.New(q, f.table)
	empty := f.policyStore(t, acct)
	psID := f.policyStore(t, acct)
	isID := f.identitySource(t, psID)
	for i := range 20 {
		if err := f.store.CreatePolicy(ctx, acct, staticPolicy(psID, fmt.Sprintf("P%02d", i), fmt.Sprintf("name/%d", i), nil), nil); err != nil {
			t.Fatal(err)
		}
	}
	list, err := st.ListIdentitySources(ctx, acct, psID)
	if err != nil || len(list) != 1 || list[0].IdentitySourceID != isID {
		t.Fatalf("listed %+v, %v; want %s", list, err, isID)
	}
	if n := q.items.Load(); n != 1 {
		t.Errorf("the listing's queries returned %d items, want the identity source alone", n)
	}
	if list, err := st.ListIdentitySources(ctx, acct, empty); err != nil || len(list) != 0 {
		t.Errorf("store without identity sources: %+v, %v", list, err)
	}
	if _, err := st.ListIdentitySources(ctx, acct, "PSnone"); !errors.Is(err, avp.ErrNotFound) {
		t.Errorf("missing store: %v", err)
	}
}
