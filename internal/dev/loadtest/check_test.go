package loadtest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

const (
	acctA = "111111111111"
	acctB = "222222222222"
	poolA = "arn:aws:cognito-idp:us-east-1:111111111111:userpool/us-east-1_AcctOne11"
	poolB = "arn:aws:cognito-idp:us-east-1:222222222222:userpool/us-east-1_AcctTwo22"
)

type item map[string]any

func mkStore(acct, id, slot string, aliases ...string) item {
	it := item{"pk": "A#" + acct + "#PS#" + id, "sk": "STORE", "type": "PolicyStore", "account": acct, "policyStoreId": id,
		"gsi1pk": "A#" + acct + "#PS", "gsi1sk": "2026-01-01T00:00:00.000000Z#" + id, "arn": psARN(acct, id)}
	if slot != "" {
		it["identitySourceId"] = slot
	}
	if len(aliases) > 0 {
		it["aliases"] = &types.AttributeValueMemberSS{Value: aliases}
	}
	return it
}

func mkSource(acct, store, id, pool string) item {
	cfg, _ := json.Marshal(map[string]any{"cognitoUserPoolConfiguration": map[string]any{"userPoolArn": pool, "clientIds": []string{}}})
	return item{"pk": "A#" + acct + "#PS#" + store, "sk": "IS#" + id, "type": "IdentitySource", "account": acct,
		"policyStoreId": store, "identitySourceId": id, "configuration": string(cfg)}
}

func mkAlias(acct, name, store string) item {
	return item{"pk": "A#" + acct + "#ALIAS#" + name, "sk": "ALIAS", "type": "PolicyStoreAlias", "account": acct, "aliasName": name,
		"policyStoreId": store, "gsi1pk": "A#" + acct + "#ALIAS", "gsi1sk": name, "arn": "arn:aws:verifiedpermissions::" + acct + ":" + name}
}

func mkToken(acct, token, store string) item {
	resp, _ := json.Marshal(map[string]string{"policyStoreId": store, "identitySourceId": "IS1"})
	return item{"pk": "A#" + acct + "#TOKEN#CreateIdentitySource#" + token, "sk": "TOKEN", "type": "IdempotencyToken",
		"operation": "CreateIdentitySource", "token": token, "response": string(resp)}
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
		{"pk": "SYSTEM#PAGE_TOKEN_KEY", "sk": "KEY", "type": "PageTokenKey"},
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
			bad := mkStore(acctA, "PS7", "")
			bad["account"] = acctB
			return append(it, bad)
		}, []string{InvAccountKeys}},
		{"pool of another account", func(it []item) []item { it[1] = mkSource(acctA, "PS1", "IS1", poolB); return it }, []string{InvPoolAccount}},
		{"token answering another account's store", func(it []item) []item { return append(it, mkToken(acctB, "t2", "PS1")) }, []string{InvTokens}},
		{"unknown item", func(it []item) []item {
			return append(it, item{"pk": "A#" + acctA + "#X", "sk": "Y", "type": "Mystery", "account": acctA})
		}, []string{InvItemLayout}},
		{"key outside any account", func(it []item) []item { return append(it, item{"pk": "PS#1", "sk": "STORE", "type": "PolicyStore"}) }, []string{InvItemLayout}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			table := emulatortest.NewTable(t, ddb)
			ctx := context.Background()
			for _, it := range tc.change(healthy()) {
				av, err := attributevalue.MarshalMap(map[string]any(it))
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range it {
					if ss, ok := v.(*types.AttributeValueMemberSS); ok {
						av[k] = ss
					}
				}
				if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: av}); err != nil {
					t.Fatal(err)
				}
			}
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
