// Package localtable creates vpid's table in DynamoDB Local and writes the
// seed data of local runs and tests: the policy store of the AWS CLI
// reference's example. In AWS the CDK stack owns the table and nothing is
// seeded; nothing that ships imports this package.
package localtable

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/store"
)

// TableAPI is the part of the DynamoDB client that EnsureTable uses.
type TableAPI interface {
	CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTimeToLive(context.Context, *dynamodb.UpdateTimeToLiveInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

// EnsureTable creates the table (store.CreateTableInput, with TTL on
// store.AttrExpiresAt) unless it exists.
func EnsureTable(ctx context.Context, api TableAPI, name string) error {
	_, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil {
		return nil
	}
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return fmt.Errorf("localtable: describe table %s: %w", name, err)
	}
	if _, err := api.CreateTable(ctx, store.CreateTableInput(name)); err != nil {
		var inUse *types.ResourceInUseException
		if errors.As(err, &inUse) {
			return nil
		}
		return fmt.Errorf("localtable: create table %s: %w", name, err)
	}
	if _, err := api.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(store.AttrExpiresAt), Enabled: aws.Bool(true),
		},
	}); err != nil {
		return fmt.Errorf("localtable: enable TTL on %s: %w", name, err)
	}
	return nil
}

// SeedPolicyStore writes a policy store with a chosen id (the API always
// picks a random one) created at created, through the store, so that it is
// exactly what CreatePolicyStore would have written. An existing store with
// that id is left as it is.
func SeedPolicyStore(ctx context.Context, api store.API, table, account, policyStoreID string, created time.Time) error {
	now := avp.NewTimestamp(created)
	err := store.New(api, table).CreatePolicyStore(ctx, account, avp.PolicyStore{
		PolicyStoreID:      policyStoreID,
		ARN:                avp.PolicyStoreARN("aws", account, policyStoreID),
		ValidationMode:     avp.ValidationModeOff,
		DeletionProtection: avp.DeletionProtectionDisabled,
		Encryption:         avp.EncryptionState{Default: &struct{}{}},
		CreatedDate:        now,
		LastUpdatedDate:    now,
	}, nil)
	if err != nil && !errors.Is(err, avp.ErrConflict) {
		return fmt.Errorf("localtable: seed policy store %s: %w", policyStoreID, err)
	}
	return nil
}
