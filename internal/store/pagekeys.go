package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Page token keys (DESIGN.md, "Lists and page tokens").
const (
	// PageKeyRotation is the age at which the current page token key is
	// replaced. The key it replaces still opens its tokens until the next
	// rotation, so a token keeps working for at least this long.
	PageKeyRotation = 7 * 24 * time.Hour
	// pageKeyCache is how long an instance uses the keys it read before it
	// reads them again (and so notices that they are due for rotation).
	pageKeyCache = 5 * time.Minute
	// pageKeyRefresh bounds the reads that tokens of an unknown key id
	// cause: at most one per instance in this time.
	pageKeyRefresh = time.Second
)

// pageKeyItem is the one item that holds the page token keys.
type pageKeyItem struct {
	PK   string `dynamodbav:"pk"`
	SK   string `dynamodbav:"sk"`
	Type string `dynamodbav:"type"`
	// Key is the current key; KeyID its id (0 in an item written before
	// keys had ids), KeyCreatedAt when it became current (epoch seconds;
	// 0: unknown, due for rotation).
	Key          []byte `dynamodbav:"key"`
	KeyID        uint32 `dynamodbav:"keyId,omitempty"`
	KeyCreatedAt int64  `dynamodbav:"keyCreatedAt,omitempty"`
	// PreviousKey is the key Key replaced, absent before the first rotation.
	PreviousKey   []byte `dynamodbav:"previousKey,omitempty"`
	PreviousKeyID uint32 `dynamodbav:"previousKeyId,omitempty"`
}

func (it pageKeyItem) ring() (avp.PageKeyRing, error) {
	if len(it.Key) != 32 || (it.PreviousKey != nil && len(it.PreviousKey) != 32) {
		return avp.PageKeyRing{}, fmt.Errorf("store: page token key item: keys of %d and %d bytes, want 32", len(it.Key), len(it.PreviousKey))
	}
	r := avp.PageKeyRing{Current: avp.PageKey{ID: it.KeyID, Secret: it.Key}}
	if it.PreviousKey != nil {
		r.Previous = &avp.PageKey{ID: it.PreviousKeyID, Secret: it.PreviousKey}
	}
	return r, nil
}

func newPageKey() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
}

// PageTokenKeys implements avp.PageKeys: random 256-bit keys kept in one
// item of the table, created by whichever instance needs them first, read
// again every few minutes, and rotated by whichever instance first reads a
// current key older than PageKeyRotation, with a write conditioned on the
// key it read, so that concurrent instances agree on one new key.
func (s *Store) PageTokenKeys(ctx context.Context, refresh bool) (avp.PageKeyRing, error) {
	s.pageKeyMu.Lock()
	defer s.pageKeyMu.Unlock()
	now := s.now()
	stale := s.pageKeysRead.IsZero() || now.Sub(s.pageKeysRead) >= pageKeyCache
	if refresh && now.Sub(s.pageKeysFresh) >= pageKeyRefresh {
		stale, s.pageKeysFresh = true, now
	}
	if !stale {
		return s.pageKeys, nil
	}
	ring, err := s.loadPageKeys(ctx, now)
	if err != nil {
		return avp.PageKeyRing{}, fmt.Errorf("store: page token keys: %w", err)
	}
	s.pageKeys, s.pageKeysRead = ring, now
	return ring, nil
}

func (s *Store) loadPageKeys(ctx context.Context, now time.Time) (avp.PageKeyRing, error) {
	var it pageKeyItem
	err := s.get(ctx, pkPageKey, skPageKey, &it)
	if errors.Is(err, avp.ErrNotFound) {
		it = pageKeyItem{PK: pkPageKey, SK: skPageKey, Type: typePageKey, Key: newPageKey(), KeyID: 1, KeyCreatedAt: now.Unix()}
		av, merr := attributevalue.MarshalMap(it)
		if merr != nil {
			return avp.PageKeyRing{}, fmt.Errorf("encode: %w", merr)
		}
		_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av, ConditionExpression: aws.String("attribute_not_exists(pk)")})
		if isConditionFailed(err) { // another instance made it first
			err = s.get(ctx, pkPageKey, skPageKey, &it)
		} else if err != nil {
			err = classify(err)
		}
	}
	if err != nil {
		return avp.PageKeyRing{}, err
	}
	if now.Sub(time.Unix(it.KeyCreatedAt, 0)) < PageKeyRotation {
		return it.ring()
	}
	return s.rotatePageKeys(ctx, now, it)
}

// rotatePageKeys makes a new current key of old's, on the condition that
// the current key is still old's; when another instance rotated first, its
// keys are the ones used.
func (s *Store) rotatePageKeys(ctx context.Context, now time.Time, old pageKeyItem) (avp.PageKeyRing, error) {
	res, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(pkPageKey, skPageKey),
		ConditionExpression:      aws.String("#key = :old"),
		UpdateExpression:         aws.String("SET previousKey = :old, previousKeyId = :oldId, #key = :new, keyId = :newId, keyCreatedAt = :now"),
		ExpressionAttributeNames: map[string]string{"#key": "key"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":old":   &types.AttributeValueMemberB{Value: old.Key},
			":oldId": &types.AttributeValueMemberN{Value: strconv.FormatUint(uint64(old.KeyID), 10)},
			":new":   &types.AttributeValueMemberB{Value: newPageKey()},
			":newId": &types.AttributeValueMemberN{Value: strconv.FormatUint(uint64(old.KeyID)+1, 10)},
			":now":   &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	var it pageKeyItem
	switch {
	case isConditionFailed(err):
		if err := s.get(ctx, pkPageKey, skPageKey, &it); err != nil {
			return avp.PageKeyRing{}, err
		}
	case err != nil:
		return avp.PageKeyRing{}, classify(err)
	default:
		if err := attributevalue.UnmarshalMap(res.Attributes, &it); err != nil {
			return avp.PageKeyRing{}, fmt.Errorf("decode: %w", err)
		}
	}
	return it.ring()
}
