package loadtest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store/storetest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	acctA = "111111111111"
	acctB = "222222222222"
	poolA = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_AcctOne11"
	poolB = "arn:aws:cognito-idp:us-east-1:222222222222:userpool/us-east-1_AcctTwo22"
)

type item = storetest.Raw

var itemTime = avp.NewTimestamp(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

func mkStore(acct, id, slot string, aliases ...string) item {
	it := storetest.MustItem(acct, avp.PolicyStore{PolicyStoreID: id, ARN: psARN(acct, id), ValidationMode: "OFF", DeletionProtection: "DISABLED",
		IdentitySourceID: slot, CreatedDate: itemTime, LastUpdatedDate: itemTime})
	if len(aliases) > 0 {
		it = storetest.WithAliases(it, aliases...)
	}
	return it
}

func mkSource(acct, store, id, pool string) item {
	return storetest.MustItem(acct, avp.IdentitySource{PolicyStoreID: store, IdentitySourceID: id, PrincipalEntityType: "User",
		Configuration: &avp.CognitoUserPoolConfiguration{UserPoolARN: pool, ClientIDs: []string{}},
		CreatedDate:   itemTime, LastUpdatedDate: itemTime})
}

func mkAlias(acct, name, store string) item {
	return storetest.MustItem(acct, avp.PolicyStoreAlias{AliasName: name, PolicyStoreID: store,
		ARN: "arn:aws:verifiedpermissions::" + acct + ":" + name, CreatedAt: itemTime})
}

func mkToken(acct, token, store string) item {
	resp, _ := json.Marshal(map[string]string{"policyStoreId": store, "identitySourceId": "IS1"})
	return storetest.MustItem(acct, avp.IdempotencyRecord{Operation: avp.OpCreateIdentitySource, Token: token, Response: resp,
		ExpiresAt: time.Now().Add(time.Hour)})
}

// healthy is a consistent table: a store with its identity source, an
// alias and an idempotency record; and an empty store of another account.
func healthy() []item {
	return []item{
		mkStore(acctA, "PS1", "IS1", "policy-store-alias/a"),
		mkSource(acctA, "PS1", "IS1", poolA),
		mkAlias(acctA, "policy-store-alias/a", "PS1"),
		mkToken(acctA, "t1", "PS1"),
		mkStore(acctB, "PS2", ""),
		storetest.PageKeyItem(),
	}
}

// TestCheck writes healthy and broken tables and checks that exactly the
// broken invariant fails.
func TestCheck(t *testing.T) {
	t.Parallel()
	ddb := emulatortest.DynamoDB(t)
	cases := []struct {
		name   string
		change func([]item) []item
		want   []string // the invariants that must fail
	}{
		{"healthy", func(it []item) []item { return it }, nil},
		{"two identity sources", func(it []item) []item { return append(it, mkSource(acctA, "PS1", "IS9", poolA)) }, []string{InvOneSource, InvSlot}},
		{"empty slot with a source", func(it []item) []item { it[0] = mkStore(acctA, "PS1", "", "policy-store-alias/a"); return it }, []string{InvSlot}},
		{"slot without a source", func(it []item) []item { return append(it, mkStore(acctA, "PS3", "IS3")) }, []string{InvSlot}},
		{"orphan source", func(it []item) []item { return append(it, mkSource(acctA, "PS4", "IS4", poolA)) }, []string{InvOrphanSource}},
		{"alias of a missing store", func(it []item) []item { return append(it, mkAlias(acctA, "policy-store-alias/b", "PS5")) }, []string{InvOrphanAlias}},
		{"alias of another account's store", func(it []item) []item { return append(it, mkAlias(acctA, "policy-store-alias/c", "PS2")) }, []string{InvOrphanAlias}},
		{"store lists a missing alias", func(it []item) []item { return append(it, mkStore(acctB, "PS6", "", "policy-store-alias/z")) }, []string{InvOrphanAlias}},
		{"item of another account", func(it []item) []item {
			return append(it, storetest.WithAccount(mkStore(acctA, "PS7", ""), acctB))
		}, []string{InvAccountKeys}},
		{"pool of another account", func(it []item) []item { it[1] = mkSource(acctA, "PS1", "IS1", poolB); return it }, []string{InvPoolAccount}},
		{"token answering another account's store", func(it []item) []item { return append(it, mkToken(acctB, "t2", "PS1")) }, []string{InvTokens}},
		{"unknown item", func(it []item) []item {
			return append(it, storetest.UnknownItem(acctA))
		}, []string{InvItemLayout}},
		{"key outside any account", func(it []item) []item { return append(it, storetest.Unscoped(mkStore(acctA, "PS8", ""))) }, []string{InvItemLayout}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			table := emulatortest.NewTable(t, ddb)
			ctx := context.Background()
			storetest.Put(t, ddb, table, tc.change(healthy())...)
			rep, err := Check(ctx, ddb, table)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Checks {
				if wantFail := slices.Contains(tc.want, c.Name); wantFail == c.OK() {
					t.Errorf("%s: failed %d of %d (want failing: %v): %v", c.Name, c.Failed, c.Checked, wantFail, c.Examples)
				}
				if c.Name == InvOneSource && c.Checked == 0 {
					t.Errorf("%s checked nothing", c.Name)
				}
			}
		})
	}
}
