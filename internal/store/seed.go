package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// SeedAPI is the part of the DynamoDB client SeedPolicyStore uses.
type SeedAPI interface {
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// SeedPolicyStore writes a policy store with a chosen id (the API always
// picks a random one) created at created, for local runs and examples. An
// existing store with that id is left as it is.
func SeedPolicyStore(ctx context.Context, api SeedAPI, table, account, policyStoreID string, created time.Time) error {
	now := avp.NewTimestamp(created)
	item, err := toPolicyStoreItem(account, avp.PolicyStore{
		PolicyStoreID:      policyStoreID,
		ARN:                avp.PolicyStoreARN("aws", account, policyStoreID),
		ValidationMode:     avp.ValidationModeOff,
		DeletionProtection: avp.DeletionProtectionDisabled,
		Encryption:         avp.EncryptionState{Default: &struct{}{}},
		CreatedDate:        now,
		LastUpdatedDate:    now,
	})
	if err != nil {
		return err
	}
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return fmt.Errorf("store: encode seed: %w", err)
	}
	_, err = api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(table), Item: av, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("store: seed policy store %s: %w", policyStoreID, err)
	}
	return nil
}
