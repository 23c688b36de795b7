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

	"github.com/aws/aws-lambda-go/events"
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

// PageKeyItem is an item that holds a page token key, as the store writes
// it the first time it needs one.
func PageKeyItem() Raw {
	var w pageKeyWriter
	if _, err := store.New(&w, "table").PageTokenKeys(context.Background(), false); err != nil {
		panic(err)
	}
	return w.item
}

// pageKeyWriter is a table without items that keeps the one item put.
type pageKeyWriter struct {
	store.API
	item Raw
}

func (*pageKeyWriter) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, nil
}

func (w *pageKeyWriter) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	w.item = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

// StreamImage is an item as a DynamoDB stream record delivered by Lambda
// shows it (the inverse of store.FromStreamImage).
func StreamImage(item Raw) map[string]events.DynamoDBAttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = streamValue(v)
	}
	return out
}

func streamValue(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, 0, len(v.Value))
		for _, e := range v.Value {
			l = append(l, streamValue(e))
		}
		return events.NewListAttribute(l)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(StreamImage(v.Value))
	}
	return events.NewNullAttribute()
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
