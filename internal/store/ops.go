package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// maxAliasesPerStore bounds a store's aliases, so that deleting the store
// (one transaction of at most 100 items) always fits.
const maxAliasesPerStore = avp.MaxAliasesPerStore

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: &types.AttributeValueMemberS{Value: pk}, AttrSK: &types.AttributeValueMemberS{Value: sk}}
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// ListIdentitySources implements avp.IdentitySources with two consistent
// reads made at once: the store's item (so that a missing store is told
// apart from an empty one) and a Query of the identity sources' range of the
// store's partition. The partition also holds the store's policies,
// templates and schema; querying only the identity sources' range keeps
// this read, which every IsAuthorizedWithToken makes, as cheap in a store of
// a thousand policies as in an empty one.
func (s *Store) ListIdentitySources(ctx context.Context, account, policyStoreID string) ([]avp.IdentitySource, error) {
	var (
		found    bool
		storeErr error
		out      []avp.IdentitySource
		wg       sync.WaitGroup
	)
	wg.Go(func() {
		res, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(s.table), Key: key(storePK(account, policyStoreID), skStore),
			ConsistentRead:       aws.Bool(true),
			ProjectionExpression: aws.String("pk, deleting"),
		})
		if err != nil {
			storeErr = fmt.Errorf("store: list identity sources of %s: %w", policyStoreID, classify(err))
			return
		}
		found = live(res.Item)
	})
	queryErr := func() error {
		p := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
			TableName:              aws.String(s.table),
			KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :is)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(storePK(account, policyStoreID)), ":is": str(prefixIS),
			},
			ConsistentRead: aws.Bool(true),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("store: list identity sources of %s: %w", policyStoreID, classify(err))
			}
			for _, raw := range page.Items {
				var it identitySourceItem
				if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
					return fmt.Errorf("store: decode item: %w", err)
				}
				if it.Type != typeIdentitySource {
					continue
				}
				is, err := it.domain()
				if err != nil {
					return err
				}
				out = append(out, is)
			}
		}
		return nil
	}()
	wg.Wait()
	if storeErr != nil {
		return nil, storeErr
	}
	if queryErr != nil {
		return nil, queryErr
	}
	if !found {
		return nil, fmt.Errorf("store: policy store %s: %w", policyStoreID, avp.ErrNotFound)
	}
	return out, nil // sorted by id: the sort key is IS#<id>
}

// UpdateIdentitySource implements avp.IdentitySources with one
// TransactWriteItems: update the identity source on the condition that it
// exists, and increment the store's Cedar version on the condition that
// the store is live, so that a decision's cached view of the store (which
// includes its identity source) is never older than the update.
func (s *Store) UpdateIdentitySource(ctx context.Context, account string, upd avp.IdentitySourceUpdate) error {
	cfg, err := json.Marshal(avp.WireConfiguration(upd.Configuration))
	if err != nil {
		return fmt.Errorf("store: encode configuration: %w", err)
	}
	expr := "SET configuration = :c, lastUpdatedDate = :u"
	vals := map[string]types.AttributeValue{":c": str(string(cfg)), ":u": str(upd.LastUpdatedDate.String())}
	if upd.PrincipalEntityType != nil {
		expr += ", principalEntityType = :p"
		vals[":p"] = str(*upd.PrincipalEntityType)
	}
	reasons, err := s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       key(storePK(account, upd.PolicyStoreID), identitySourceSK(upd.IdentitySourceID)),
			ConditionExpression:       aws.String("attribute_exists(pk)"),
			UpdateExpression:          aws.String(expr),
			ExpressionAttributeValues: vals,
		}},
		s.bump(account, upd.PolicyStoreID, "", nil),
	})
	switch {
	case err != nil:
		return fmt.Errorf("store: update identity source %s: %w", upd.IdentitySourceID, err)
	case reasons == nil:
		return nil
	case failed(reasons[1]):
		return storeMissing(upd.PolicyStoreID)
	case failed(reasons[0]):
		return fmt.Errorf("store: update identity source %s: %w", upd.IdentitySourceID, avp.ErrNotFound)
	}
	return fmt.Errorf("store: update identity source %s: %w", upd.IdentitySourceID, avp.ErrConflict)
}

// DeleteIdentitySource implements avp.IdentitySources: one transaction
// deletes the identity source, frees the store's slot and increments its
// Cedar version.
func (s *Store) DeleteIdentitySource(ctx context.Context, account, policyStoreID, identitySourceID string) error {
	pk := storePK(account, policyStoreID)
	reasons, err := s.transact(ctx, []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(pk, identitySourceSK(identitySourceID)),
			ConditionExpression: aws.String("attribute_exists(pk)"),
		}},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(pk, skStore),
			ConditionExpression:       aws.String("identitySourceId = :id"),
			UpdateExpression:          aws.String("REMOVE identitySourceId ADD cedarVersion :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(identitySourceID), ":one": num(1)},
		}},
	})
	switch {
	case err != nil:
		return fmt.Errorf("store: delete identity source %s: %w", identitySourceID, err)
	case reasons == nil:
		return nil
	case failed(reasons[0]):
		return fmt.Errorf("store: delete identity source %s: %w", identitySourceID, avp.ErrNotFound)
	}
	return fmt.Errorf("store: delete identity source %s: store slot changed: %w", identitySourceID, avp.ErrConflict)
}

// cursor is the position a list page ended at: DynamoDB's LastEvaluatedKey
// of a gsi1 query, whose attributes are all strings.
type cursor map[string]string

func encodeCursor(lek map[string]types.AttributeValue) ([]byte, error) {
	if len(lek) == 0 {
		return nil, nil
	}
	c := cursor{}
	if err := attributevalue.UnmarshalMap(lek, &c); err != nil {
		return nil, fmt.Errorf("store: encode cursor: %w", err)
	}
	return json.Marshal(c)
}

// decodeCursor turns a cursor back into an ExclusiveStartKey, refusing one
// outside the expected gsi1 partition (the Service signs cursors, so this
// is defence in depth).
func decodeCursor(b []byte, gsi1pk string) (map[string]types.AttributeValue, error) {
	if b == nil {
		return nil, nil
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c[AttrGSI1PK] != gsi1pk || len(c) != 4 {
		return nil, avp.Validation(avp.Field{Path: "nextToken", Message: "Value at 'nextToken' failed to satisfy constraint: Member must be the nextToken of the previous page of this same request, unchanged"})
	}
	return attributevalue.MarshalMap(map[string]string(c))
}

// gsi1Query is a Query of the gsi1 partition gsi1pk from the position
// the cursor after names (nil: the start).
func (s *Store) gsi1Query(gsi1pk string, after []byte) (*dynamodb.QueryInput, error) {
	start, err := decodeCursor(after, gsi1pk)
	if err != nil {
		return nil, err
	}
	return &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(gsi1pk)},
		ExclusiveStartKey:         start,
	}, nil
}

// queryGSI1 reads one page of a gsi1 partition.
func (s *Store) queryGSI1(ctx context.Context, gsi1pk string, limit int, after []byte) ([]map[string]types.AttributeValue, []byte, error) {
	in, err := s.gsi1Query(gsi1pk, after)
	if err != nil {
		return nil, nil, err
	}
	in.Limit = aws.Int32(int32(limit))
	res, err := s.api.Query(ctx, in)
	if err != nil {
		return nil, nil, classify(err)
	}
	next, err := encodeCursor(res.LastEvaluatedKey)
	return res.Items, next, err
}

// ListPolicyStores implements avp.PolicyStores with one Query of gsi1.
func (s *Store) ListPolicyStores(ctx context.Context, account string, limit int, after []byte) ([]avp.PolicyStore, []byte, error) {
	items, next, err := s.queryGSI1(ctx, storesGSI1PK(account), limit, after)
	if err != nil {
		return nil, nil, fmt.Errorf("store: list policy stores: %w", err)
	}
	out, err := decodeAll[avp.PolicyStore, policyStoreItem](items)
	return out, next, err
}

// UpdatePolicyStore implements avp.PolicyStores with one conditional
// UpdateItem.
func (s *Store) UpdatePolicyStore(ctx context.Context, account, policyStoreID string, upd avp.PolicyStoreUpdate) (avp.PolicyStore, error) {
	set := "SET validationMode = :m, lastUpdatedDate = :u"
	remove := ""
	vals := map[string]types.AttributeValue{":m": str(upd.ValidationMode), ":u": str(upd.LastUpdatedDate.String())}
	if upd.DeletionProtection != nil {
		set += ", deletionProtection = :d"
		vals[":d"] = str(*upd.DeletionProtection)
	}
	switch {
	case upd.Description == nil:
	case *upd.Description == "":
		remove = " REMOVE description"
	default:
		set += ", description = :desc"
		vals[":desc"] = str(*upd.Description)
	}
	res, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(storePK(account, policyStoreID), skStore),
		ConditionExpression:       aws.String(storeLive),
		UpdateExpression:          aws.String(set + remove),
		ExpressionAttributeValues: vals,
		ReturnValues:              types.ReturnValueAllNew,
	})
	switch {
	case isConditionFailed(err):
		return avp.PolicyStore{}, fmt.Errorf("store: update policy store %s: %w", policyStoreID, avp.ErrNotFound)
	case err != nil:
		return avp.PolicyStore{}, fmt.Errorf("store: update policy store %s: %w", policyStoreID, classify(err))
	}
	return decodeItem[avp.PolicyStore, policyStoreItem](res.Attributes)
}

// DeletePolicyStore implements avp.PolicyStores: it reads the store, then
// deletes it, its identity source and its aliases in one transaction
// conditioned on what it read, re-reading when a concurrent change got in.
func (s *Store) DeletePolicyStore(ctx context.Context, account, policyStoreID string) error {
	pk := storePK(account, policyStoreID)
	for range s.conflictRetries + 1 {
		var it policyStoreItem
		if err := s.get(ctx, pk, skStore, &it); err != nil {
			return fmt.Errorf("store: delete policy store %s: %w", policyStoreID, err)
		}
		if it.DeletionProtection == avp.DeletionProtectionEnabled && !it.Deleting {
			return fmt.Errorf("store: delete policy store %s: %w", policyStoreID, avp.ErrDeletionProtected)
		}
		if !it.Deleting {
			if err := s.markDeleting(ctx, account, policyStoreID); err != nil {
				if errors.Is(err, errStale) {
					continue
				}
				return err
			}
		}
		if err := s.sweepCedar(ctx, account, policyStoreID); err != nil {
			return fmt.Errorf("store: delete policy store %s: %w", policyStoreID, err)
		}
		cond := "deletionProtection = :off"
		vals := map[string]types.AttributeValue{":off": str(avp.DeletionProtectionDisabled)}
		items := []types.TransactWriteItem{{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(pk, skStore)}}}
		if it.IdentitySourceID == "" {
			cond += " AND attribute_not_exists(identitySourceId)"
		} else {
			cond += " AND identitySourceId = :is"
			vals[":is"] = str(it.IdentitySourceID)
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(pk, identitySourceSK(it.IdentitySourceID))}})
		}
		if len(it.Aliases) == 0 {
			cond += " AND attribute_not_exists(aliases)"
		} else {
			cond += " AND aliases = :aliases"
			vals[":aliases"] = &types.AttributeValueMemberSS{Value: it.Aliases}
			for _, a := range it.Aliases {
				items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(aliasPK(account, a), skAlias)}})
			}
		}
		items[0].Delete.ConditionExpression = aws.String(cond)
		items[0].Delete.ExpressionAttributeValues = vals
		reasons, err := s.transact(ctx, items)
		if err != nil {
			return fmt.Errorf("store: delete policy store %s: %w", policyStoreID, err)
		}
		if reasons == nil {
			return nil
		}
		// The store changed between the read and the write: read again.
	}
	return fmt.Errorf("store: delete policy store %s: %w", policyStoreID, avp.ErrConflict)
}

// CreateAlias implements avp.Aliases: one transaction puts the alias and
// records it on its store.
func (s *Store) CreateAlias(ctx context.Context, account string, a avp.PolicyStoreAlias) error {
	// A soft-deleted alias past its pending period is absent, whether or
	// not the table's TTL has removed it yet.
	put, err := s.put(toAliasItem(account, a), "attribute_not_exists(pk) OR expiresAt <= :now")
	if err != nil {
		return err
	}
	put.ExpressionAttributeValues = map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: epoch(a.CreatedAt.Time)}}
	put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureNone
	reasons, err := s.transact(ctx, []types.TransactWriteItem{
		{Put: put},
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(storePK(account, a.PolicyStoreID), skStore),
			ConditionExpression:                 aws.String(storeLive + " AND (attribute_not_exists(aliases) OR size(aliases) < :max)"),
			UpdateExpression:                    aws.String("ADD aliases :a"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":a": &types.AttributeValueMemberSS{Value: []string{a.AliasName}}, ":max": &types.AttributeValueMemberN{Value: fmt.Sprint(maxAliasesPerStore)}},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
	})
	switch {
	case err != nil:
		return fmt.Errorf("store: create alias %s: %w", a.AliasName, err)
	case reasons == nil:
		return nil
	case failed(reasons[0]):
		return fmt.Errorf("store: create alias %s: %w", a.AliasName, avp.ErrAliasExists)
	case !live(reasons[1].Item):
		return fmt.Errorf("store: create alias %s: policy store %s: %w", a.AliasName, a.PolicyStoreID, avp.ErrNotFound)
	}
	return fmt.Errorf("store: create alias %s: %d aliases: %w", a.AliasName, maxAliasesPerStore, avp.ErrQuotaExceeded)
}

// GetAlias implements avp.Aliases.
func (s *Store) GetAlias(ctx context.Context, account, aliasName string) (avp.PolicyStoreAlias, error) {
	var it aliasItem
	if err := s.get(ctx, aliasPK(account, aliasName), skAlias, &it); err != nil {
		return avp.PolicyStoreAlias{}, fmt.Errorf("store: get alias %s: %w", aliasName, err)
	}
	return it.domain()
}

// Paging of a filtered alias list. DynamoDB applies a Query's Limit before
// its filter, so a page of one store's aliases reads the account's alias
// index in batches of AliasFilterBatch items until the page is full or the
// index ends, reading at most AliasQueryPages batches a request: past that
// it answers what it found with a cursor where it stopped (a short page
// that is not the last). At most 1,000 small items are read per request.
const (
	AliasFilterBatch = 100
	AliasQueryPages  = 10
)

// ListAliases implements avp.Aliases. It answers at most limit aliases; the
// page is full unless the list has ended, or, with a store filter,
// AliasQueryPages DynamoDB pages were read.
func (s *Store) ListAliases(ctx context.Context, account, policyStoreID string, limit int, after []byte) ([]avp.PolicyStoreAlias, []byte, error) {
	items, next, err := s.queryAliases(ctx, aliasesGSI1PK(account), policyStoreID, limit, after)
	if err != nil {
		return nil, nil, fmt.Errorf("store: list aliases: %w", err)
	}
	out, err := decodeAll[avp.PolicyStoreAlias, aliasItem](items)
	return out, next, err
}

func (s *Store) queryAliases(ctx context.Context, gsi1pk, policyStoreID string, limit int, after []byte) ([]map[string]types.AttributeValue, []byte, error) {
	in, err := s.gsi1Query(gsi1pk, after)
	if err != nil {
		return nil, nil, err
	}
	start := in.ExclusiveStartKey
	batch := s.aliasFilterBatch
	if policyStoreID != "" {
		in.FilterExpression = aws.String("policyStoreId = :f")
		in.ExpressionAttributeValues[":f"] = str(policyStoreID)
	}
	var out []map[string]types.AttributeValue
	for page := 1; ; page++ {
		if policyStoreID == "" {
			batch = limit - len(out) // every item read is answered
		}
		in.Limit, in.ExclusiveStartKey = aws.Int32(int32(batch)), start
		res, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, nil, classify(err)
		}
		for i, it := range res.Items {
			out = append(out, it)
			if len(out) == limit && i < len(res.Items)-1 {
				// Full within the batch: the next page starts after this item.
				next, err := encodeCursor(gsi1Key(it))
				return out, next, err
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil, nil
		}
		if len(out) == limit || page == s.aliasQueryPages {
			next, err := encodeCursor(res.LastEvaluatedKey)
			return out, next, err
		}
		start = res.LastEvaluatedKey
	}
}

// gsi1Key is the key of an item in gsi1, as a LastEvaluatedKey names it.
func gsi1Key(it map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrGSI1PK: it[AttrGSI1PK], AttrGSI1SK: it[AttrGSI1SK], AttrPK: it[AttrPK], AttrSK: it[AttrSK]}
}

// DeleteAlias implements avp.Aliases: read the alias, then, in one
// transaction, drop it from its store and delete it (or, with a non-zero
// pendingUntil, mark it PendingDeletion with expiresAt for the table's TTL).
// An alias already pending is no longer its store's: a hard delete only
// deletes its item, a soft one leaves it as it is.
func (s *Store) DeleteAlias(ctx context.Context, account, aliasName string, pendingUntil time.Time) error {
	k := key(aliasPK(account, aliasName), skAlias)
	for range s.conflictRetries + 1 {
		var it aliasItem
		if err := s.get(ctx, aliasPK(account, aliasName), skAlias, &it); err != nil {
			return fmt.Errorf("store: delete alias %s: %w", aliasName, err)
		}
		var items []types.TransactWriteItem
		switch {
		case it.State == avp.AliasStatePendingDeletion && !pendingUntil.IsZero():
			return nil
		case it.State == avp.AliasStatePendingDeletion:
			items = []types.TransactWriteItem{{Delete: &types.Delete{
				TableName: aws.String(s.table), Key: k,
				ConditionExpression:       aws.String("#st = :pending AND expiresAt = :exp"),
				ExpressionAttributeNames:  map[string]string{"#st": "state"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":pending": str(avp.AliasStatePendingDeletion), ":exp": &types.AttributeValueMemberN{Value: fmt.Sprint(it.ExpiresAt)}},
			}}}
		default:
			active := map[string]types.AttributeValue{":ps": str(it.PolicyStoreID)}
			if pendingUntil.IsZero() {
				items = []types.TransactWriteItem{{Delete: &types.Delete{
					TableName: aws.String(s.table), Key: k,
					ConditionExpression:       aws.String("policyStoreId = :ps AND attribute_not_exists(#st)"),
					ExpressionAttributeNames:  map[string]string{"#st": "state"},
					ExpressionAttributeValues: active,
				}}}
			} else {
				active[":pending"] = str(avp.AliasStatePendingDeletion)
				active[":exp"] = &types.AttributeValueMemberN{Value: epoch(pendingUntil)}
				items = []types.TransactWriteItem{{Update: &types.Update{
					TableName: aws.String(s.table), Key: k,
					ConditionExpression:       aws.String("policyStoreId = :ps AND attribute_not_exists(#st)"),
					UpdateExpression:          aws.String("SET #st = :pending, expiresAt = :exp"),
					ExpressionAttributeNames:  map[string]string{"#st": "state"},
					ExpressionAttributeValues: active,
				}}}
			}
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(s.table), Key: key(storePK(account, it.PolicyStoreID), skStore),
				ConditionExpression:       aws.String("contains(aliases, :n)"),
				UpdateExpression:          aws.String("DELETE aliases :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":n": str(aliasName), ":a": &types.AttributeValueMemberSS{Value: []string{aliasName}}},
			}})
		}
		reasons, err := s.transact(ctx, items)
		if err != nil {
			return fmt.Errorf("store: delete alias %s: %w", aliasName, err)
		}
		if reasons == nil {
			return nil
		}
	}
	return fmt.Errorf("store: delete alias %s: %w", aliasName, avp.ErrConflict)
}
