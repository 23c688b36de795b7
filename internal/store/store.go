package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/vpid-dev/vpid/internal/avp"
)

// API is the part of the DynamoDB client the Store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store keeps all of the avp Service's storage (avp.Deps) on one DynamoDB table.
type Store struct {
	api   API
	table string
	// conflictRetries bounds the re-runs of a transaction that another
	// transaction on the same items cancelled (TransactionConflict), and of
	// read-then-write sequences whose read went stale.
	conflictRetries int
	// aliasFilterBatch and aliasQueryPages bound a filtered alias list
	// (AliasFilterBatch, AliasQueryPages; smaller in tests).
	aliasFilterBatch, aliasQueryPages int

	now func() time.Time

	pageKeyMu     sync.Mutex
	pageKeys      avp.PageKeyRing
	pageKeysRead  time.Time // when pageKeys was read; zero: never
	pageKeysFresh time.Time // when a refresh last read them
}

var (
	_ avp.PolicyStores       = (*Store)(nil)
	_ avp.Aliases            = (*Store)(nil)
	_ avp.IdentitySources    = (*Store)(nil)
	_ avp.IdempotencyRecords = (*Store)(nil)
	_ avp.PageKeys           = (*Store)(nil)
)

// New returns a Store on the named table.
func New(api API, table string) *Store {
	return &Store{api: api, table: table, conflictRetries: 8, aliasFilterBatch: AliasFilterBatch, aliasQueryPages: AliasQueryPages, now: time.Now}
}

// CreatePolicyStore implements avp.PolicyStores.
func (s *Store) CreatePolicyStore(ctx context.Context, account string, ps avp.PolicyStore, rec *avp.IdempotencyRecord) error {
	item, err := toPolicyStoreItem(account, ps)
	if err != nil {
		return err
	}
	put, err := s.put(item, "attribute_not_exists(pk)")
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: put}}
	tokenAt := -1
	if rec != nil {
		tp, err := s.tokenPut(account, *rec)
		if err != nil {
			return err
		}
		tokenAt = len(items)
		items = append(items, types.TransactWriteItem{Put: tp})
	}
	reasons, err := s.transact(ctx, items)
	if err != nil {
		return fmt.Errorf("store: create policy store %s: %w", ps.PolicyStoreID, err)
	}
	if reasons == nil {
		return nil
	}
	if tokenAt >= 0 && failed(reasons[tokenAt]) {
		return s.tokenUsed(ctx, account, *rec, reasons[tokenAt])
	}
	// The id is random: a collision is as unlikely as it is harmless to retry.
	return fmt.Errorf("store: create policy store %s: %w", ps.PolicyStoreID, avp.ErrConflict)
}

// GetPolicyStore implements avp.PolicyStores.
func (s *Store) GetPolicyStore(ctx context.Context, account, policyStoreID string) (avp.PolicyStore, error) {
	var it policyStoreItem
	err := s.get(ctx, storePK(account, policyStoreID), skStore, &it)
	if err == nil && it.Deleting {
		err = avp.ErrNotFound // its deletion has begun
	}
	if err != nil {
		return avp.PolicyStore{}, fmt.Errorf("store: get policy store %s: %w", policyStoreID, err)
	}
	return it.domain()
}

// CreateIdentitySource implements avp.IdentitySources with one
// TransactWriteItems: claim the store's identity-source slot (and increment
// its Cedar version: a decision's cached view of the store includes its
// identity source), put the identity source, and put the idempotency
// record.
func (s *Store) CreateIdentitySource(ctx context.Context, account string, is avp.IdentitySource, rec *avp.IdempotencyRecord) error {
	item, err := toIdentitySourceItem(account, is)
	if err != nil {
		return err
	}
	key, err := attributevalue.MarshalMap(map[string]string{AttrPK: storePK(account, is.PolicyStoreID), AttrSK: skStore})
	if err != nil {
		return fmt.Errorf("store: encode key: %w", err)
	}
	put, err := s.put(item, "attribute_not_exists(pk)")
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                           aws.String(s.table),
			Key:                                 key,
			ConditionExpression:                 aws.String(storeLive + " AND attribute_not_exists(identitySourceId)"),
			UpdateExpression:                    aws.String("SET identitySourceId = :id ADD cedarVersion :one"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":id": str(is.IdentitySourceID), ":one": num(1)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		{Put: put},
	}
	if rec != nil {
		tp, err := s.tokenPut(account, *rec)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: tp})
	}
	reasons, err := s.transact(ctx, items)
	if err != nil {
		return fmt.Errorf("store: create identity source in %s: %w", is.PolicyStoreID, err)
	}
	switch {
	case reasons == nil:
		return nil
	case rec != nil && failed(reasons[2]):
		return s.tokenUsed(ctx, account, *rec, reasons[2])
	case failed(reasons[0]) && !live(reasons[0].Item):
		return fmt.Errorf("store: policy store %s: %w", is.PolicyStoreID, avp.ErrNotFound)
	case failed(reasons[0]):
		return fmt.Errorf("store: policy store %s: %w", is.PolicyStoreID, avp.ErrQuotaExceeded)
	}
	return fmt.Errorf("store: create identity source %s: %w", is.IdentitySourceID, avp.ErrConflict)
}

// GetIdentitySource implements avp.IdentitySources.
func (s *Store) GetIdentitySource(ctx context.Context, account, policyStoreID, identitySourceID string) (avp.IdentitySource, error) {
	var it identitySourceItem
	if err := s.get(ctx, storePK(account, policyStoreID), identitySourceSK(identitySourceID), &it); err != nil {
		return avp.IdentitySource{}, fmt.Errorf("store: get identity source %s: %w", identitySourceID, err)
	}
	return it.domain()
}

// GetIdempotencyRecord implements avp.IdempotencyRecords.
func (s *Store) GetIdempotencyRecord(ctx context.Context, account, operation, token string) (avp.IdempotencyRecord, error) {
	var it tokenItem
	if err := s.get(ctx, tokenPK(account, operation, token), skToken, &it); err != nil {
		return avp.IdempotencyRecord{}, fmt.Errorf("store: get token: %w", err)
	}
	return it.domain(), nil
}

func (s *Store) put(item any, condition string) (*types.Put, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, fmt.Errorf("store: encode item: %w", err)
	}
	return &types.Put{TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String(condition)}, nil
}

// tokenPut writes an idempotency record unless an unexpired one exists.
// A record that expired by rec.IssuedAt counts as absent, because TTL
// deletion lags.
func (s *Store) tokenPut(account string, rec avp.IdempotencyRecord) (*types.Put, error) {
	put, err := s.put(toTokenItem(account, rec), "attribute_not_exists(pk) OR expiresAt <= :now")
	if err != nil {
		return nil, err
	}
	put.ExpressionAttributeValues = map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: epoch(rec.IssuedAt)}}
	put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	return put, nil
}

// tokenUsed builds the TokenUsedError from the record the failed condition
// returned, reading it only if DynamoDB did not return it.
func (s *Store) tokenUsed(ctx context.Context, account string, rec avp.IdempotencyRecord, r types.CancellationReason) error {
	var it tokenItem
	if r.Item != nil {
		if err := attributevalue.UnmarshalMap(r.Item, &it); err != nil {
			return fmt.Errorf("store: decode token record: %w", err)
		}
		return &avp.TokenUsedError{Record: it.domain()}
	}
	stored, err := s.GetIdempotencyRecord(ctx, account, rec.Operation, rec.Token)
	if err != nil {
		return err
	}
	return &avp.TokenUsedError{Record: stored}
}

func (s *Store) get(ctx context.Context, pk, sk string, out any) error {
	res, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{AttrPK: &types.AttributeValueMemberS{Value: pk}, AttrSK: &types.AttributeValueMemberS{Value: sk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return classify(err)
	}
	if res.Item == nil {
		return avp.ErrNotFound
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return fmt.Errorf("decode item: %w", err)
	}
	return nil
}

// transact runs a write transaction. It returns nil reasons on success, the
// cancellation reasons when a condition failed, and re-runs the transaction
// (with jittered backoff) while only TransactionConflict cancelled it.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) ([]types.CancellationReason, error) {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	for attempt := 0; ; attempt++ {
		// A cancelled transaction wrote nothing: each re-run is a new
		// transaction, not a retry of the old one, so it must not carry the
		// idempotency token the SDK filled in for the previous run.
		in.ClientRequestToken = nil
		_, err := s.api.TransactWriteItems(ctx, in)
		if err == nil {
			return nil, nil
		}
		var tc *types.TransactionCanceledException
		if !errors.As(err, &tc) {
			return nil, classify(err)
		}
		reasons := tc.CancellationReasons
		if len(reasons) != len(items) {
			return nil, fmt.Errorf("transaction cancelled with %d reasons for %d items: %w", len(reasons), len(items), avp.ErrUnavailable)
		}
		if anyCode(reasons, "ConditionalCheckFailed") {
			return reasons, nil
		}
		if anyCode(reasons, "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded") {
			return nil, fmt.Errorf("transaction throttled: %w", avp.ErrThrottled)
		}
		if !anyCode(reasons, "TransactionConflict") {
			return nil, fmt.Errorf("transaction cancelled (%s): %w", codes(reasons), avp.ErrUnavailable)
		}
		if attempt >= s.conflictRetries {
			return nil, avp.ErrConflict
		}
		// Conflicting transactions finish in milliseconds; back off with
		// jitter so that concurrent retries spread out.
		backoff := time.Duration(rand.IntN(10<<attempt)+5) * time.Millisecond
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("transaction: %w: %w", ctx.Err(), avp.ErrUnavailable)
		case <-time.After(min(backoff, 500*time.Millisecond)):
		}
	}
}

func failed(r types.CancellationReason) bool {
	return aws.ToString(r.Code) == "ConditionalCheckFailed"
}

func anyCode(reasons []types.CancellationReason, want ...string) bool {
	for _, r := range reasons {
		for _, w := range want {
			if aws.ToString(r.Code) == w {
				return true
			}
		}
	}
	return false
}

func codes(reasons []types.CancellationReason) string {
	s := ""
	for i, r := range reasons {
		if i > 0 {
			s += ","
		}
		s += aws.ToString(r.Code)
	}
	return s
}

// classify wraps a DynamoDB error as avp.ErrThrottled (throttles),
// avp.ErrUnavailable (timeouts, connection failures, 5xx), or leaves it as an
// internal error (a request DynamoDB rejected: a bug of ours).
func classify(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "LimitExceededException":
			return fmt.Errorf("%w: %w", avp.ErrThrottled, err)
		case "TransactionInProgressException":
			// An earlier attempt of this very transaction is still running
			// (its attempt timed out): the outcome is not known yet.
			return fmt.Errorf("%w: %w", avp.ErrUnavailable, err)
		}
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() < http.StatusInternalServerError {
			return fmt.Errorf("dynamodb rejected the request: %w", err)
		}
	}
	return fmt.Errorf("%w: %w", avp.ErrUnavailable, err)
}
