package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

// Every item the store writes through its API checks out against the
// layout, and decodes to what the API reads back.
func TestCheckItemOfStoreWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	psID := f.policyStore(t, acct)
	f.identitySource(t, psID)
	if _, err := f.store.PageTokenKeys(ctx, false); err != nil {
		t.Fatal(err)
	}
	kinds := map[store.Kind]int{}
	for _, raw := range storetest.Scan(t, f.ddb, f.table) {
		it, err := store.CheckItem(raw)
		if err != nil {
			t.Errorf("%s: %v", store.DescribeKey(raw), err)
			continue
		}
		kinds[it.Kind]++
		switch it.Kind {
		case store.KindPolicyStore:
			want, err := f.store.GetPolicyStore(ctx, acct, psID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, *it.PolicyStore); diff != "" || it.Account != acct {
				t.Errorf("policy store of %s (-want +got):\n%s", it.Account, diff)
			}
		case store.KindIdentitySource:
			if it.Account != acct || it.IdentitySource.PolicyStoreID != psID || len(it.Configuration) == 0 {
				t.Errorf("identity source %+v of %s", it.IdentitySource, it.Account)
			}
		case store.KindToken:
			if it.Account != acct || it.Token.Token == "" {
				t.Errorf("token %+v of %s", it.Token, it.Account)
			}
		}
	}
	if kinds[store.KindPolicyStore] != 1 || kinds[store.KindIdentitySource] != 1 || kinds[store.KindPageKey] != 1 {
		t.Errorf("kinds %v", kinds)
	}
}

func TestCheckItemFindsBrokenItems(t *testing.T) {
	t.Parallel()
	now := avp.NewTimestamp(time.Now())
	ps := storetest.MustItem(acct, avp.PolicyStore{PolicyStoreID: "PS1", ARN: "arn", ValidationMode: "OFF", DeletionProtection: "DISABLED", CreatedDate: now, LastUpdatedDate: now})
	if _, err := store.CheckItem(ps); err != nil {
		t.Fatalf("healthy item: %v", err)
	}
	for name, tc := range map[string]struct {
		raw  storetest.Raw
		want error
	}{
		"another account": {storetest.WithAccount(ps, "999999999999"), store.ErrCrossAccount},
		"unscoped key":    {storetest.Unscoped(ps), store.ErrMalformed},
		"unknown type":    {storetest.UnknownItem(acct), store.ErrMalformed},
	} {
		if _, err := store.CheckItem(tc.raw); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func TestFromStreamImage(t *testing.T) {
	t.Parallel()
	img := map[string]events.DynamoDBAttributeValue{
		"s": events.NewStringAttribute("x"), "n": events.NewNumberAttribute("1"), "b": events.NewBooleanAttribute(true),
		"null": events.NewNullAttribute(), "ss": events.NewStringSetAttribute([]string{"a"}),
		"l": events.NewListAttribute([]events.DynamoDBAttributeValue{events.NewStringAttribute("y")}),
		"m": events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"k": events.NewNumberAttribute("2")}),
	}
	got, err := store.FromStreamImage(img)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]types.AttributeValue{
		"s": &types.AttributeValueMemberS{Value: "x"}, "n": &types.AttributeValueMemberN{Value: "1"}, "b": &types.AttributeValueMemberBOOL{Value: true},
		"null": &types.AttributeValueMemberNULL{Value: true}, "ss": &types.AttributeValueMemberSS{Value: []string{"a"}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "y"}}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberN{Value: "2"}}},
	}
	if diff := cmp.Diff(want, got, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if k := store.KindOfKey(storetest.Key(storetest.MustItem(acct, avp.IdentitySource{PolicyStoreID: "PS", IdentitySourceID: "IS"}))); k != store.KindIdentitySource {
		t.Errorf("KindOfKey = %q", k)
	}
}
