// Package storetest gives tests and development tools raw access to vpid's
// table without knowing its item layout: it builds, corrupts, writes and
// scans raw items through what internal/store exports. It is for tests and
// tools only; the service itself uses store.Store.
package storetest

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/store"
)

// Raw is one raw item of the table.
type Raw = map[string]types.AttributeValue

// Item is the item the store writes for v, a value of account (an
// avp.PolicyStore, avp.IdentitySource, avp.PolicyStoreAlias or
// avp.IdempotencyRecord); it fails t when v has none.
func Item(t testing.TB, account string, v any) Raw {
	t.Helper()
	raw, err := store.EncodeItem(account, v)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// MustItem is Item for tools without a testing.TB: it panics on error.
func MustItem(account string, v any) Raw {
	raw, err := store.EncodeItem(account, v)
	if err != nil {
		panic(err)
	}
	return raw
}

// Key returns the primary key of an item.
func Key(item Raw) Raw {
	return Raw{store.AttrPK: item[store.AttrPK], store.AttrSK: item[store.AttrSK]}
}

// PolicyStoreKey is the primary key of a policy store of account.
func PolicyStoreKey(account, policyStoreID string) Raw {
	return Key(MustItem(account, avp.PolicyStore{PolicyStoreID: policyStoreID}))
}

// IdentitySourceKey is the primary key of an identity source of account.
func IdentitySourceKey(account, policyStoreID, identitySourceID string) Raw {
	return Key(MustItem(account, avp.IdentitySource{PolicyStoreID: policyStoreID, IdentitySourceID: identitySourceID}))
}

// PartitionQuery queries, with strong consistency, the partition that holds
// the item of key (a policy store's partition also holds its identity
// sources).
func PartitionQuery(table string, key Raw) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": store.AttrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": key[store.AttrPK]},
		ConsistentRead:            aws.Bool(true),
	}
}

// PolicyStoresQuery queries the index that lists an account's policy
// stores, for its first limit stores.
func PolicyStoresQuery(table, account string, limit int32) *dynamodb.QueryInput {
	ps := MustItem(account, avp.PolicyStore{PolicyStoreID: "X"})
	return &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		IndexName:                 aws.String(store.IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": store.AttrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": ps[store.AttrGSI1PK]},
		Limit:                     aws.Int32(limit),
	}
}

// PartitionOf is the partition key value of an item (a policy store's
// partition also holds its identity sources).
func PartitionOf(item Raw) string { return str(item, store.AttrPK) }

// ListPartitionOf is the gsi1 partition key value of an item (an account's
// policy stores, or its aliases); "" for items outside the index.
func ListPartitionOf(item Raw) string { return str(item, store.AttrGSI1PK) }

// SortKeyOf orders items by their primary key, as a scan's results are
// compared.
func SortKeyOf(item Raw) string {
	return str(item, store.AttrPK) + "\x00" + str(item, store.AttrSK)
}

// WithAliases returns a copy of a policy store item that lists the aliases.
func WithAliases(item Raw, aliases ...string) Raw {
	out := maps.Clone(item)
	out["aliases"] = &types.AttributeValueMemberSS{Value: aliases}
	return out
}

// WithAccount returns a copy of an item whose account attribute names
// another account than its keys: a cross-account item.
func WithAccount(item Raw, account string) Raw {
	out := maps.Clone(item)
	out["account"] = &types.AttributeValueMemberS{Value: account}
	return out
}

// UnknownItem is an item of account of a type the store does not write.
func UnknownItem(account string) Raw {
	ps := MustItem(account, avp.PolicyStore{PolicyStoreID: "X"})
	return Raw{
		store.AttrPK: ps[store.AttrPK], store.AttrSK: &types.AttributeValueMemberS{Value: "Y"},
		"type": &types.AttributeValueMemberS{Value: "Mystery"}, "account": &types.AttributeValueMemberS{Value: account},
	}
}

// Unscoped returns a copy of an item whose partition key does not start
// with an account.
func Unscoped(item Raw) Raw {
	out := maps.Clone(item)
	pk := str(item, store.AttrPK)
	_, rest, _ := cutAccount(pk)
	out[store.AttrPK] = &types.AttributeValueMemberS{Value: rest}
	return out
}

// PageKeyItem is the item that holds the page token key.
// It has the store create the key in table, and reads it back.
func PageKeyItem(t testing.TB, api ReadWriteAPI, table string) Raw {
	t.Helper()
	if _, err := store.New(api, table).PageTokenKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, it := range Scan(t, api, table) {
		if k, _ := store.KindOf(it); k == store.KindPageKey {
			return it
		}
	}
	t.Fatal("no page token key item")
	return nil
}

// Put writes items into table as they are.
func Put(t testing.TB, api store.API, table string, items ...Raw) {
	t.Helper()
	for _, it := range items {
		if _, err := api.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

// ReadWriteAPI is a DynamoDB client that serves the Store and scans.
type ReadWriteAPI interface {
	store.API
	ScanAPI
}

// ScanAPI is what Scan needs of a DynamoDB client.
type ScanAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Scan returns every item of table, read with strong consistency.
func Scan(t testing.TB, api ScanAPI, table string) []Raw {
	t.Helper()
	items, err := ScanAll(context.Background(), api, table)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// ScanAll is Scan for tools without a testing.TB.
func ScanAll(ctx context.Context, api ScanAPI, table string) ([]Raw, error) {
	var out []Raw
	p := dynamodb.NewScanPaginator(api, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("storetest: scan %s: %w", table, err)
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

func str(item Raw, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// cutAccount splits "A#<account>#rest".
func cutAccount(pk string) (account, rest string, ok bool) {
	for i, n := 0, 0; i < len(pk); i++ {
		if pk[i] == '#' {
			n++
			if n == 2 {
				return pk[:i], pk[i+1:], true
			}
		}
	}
	return "", pk, false
}
