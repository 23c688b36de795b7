package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// ScanAPI is the part of the DynamoDB client that ScanIdentitySources uses.
// It is deliberately read-only: a holder of a ScanAPI cannot change the table.
type ScanAPI interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// ScanOptions narrows a scan of identity sources.
type ScanOptions struct {
	// Segment and TotalSegments select one segment of a parallel scan
	// (DynamoDB's Segment/TotalSegments); TotalSegments <= 1 scans the whole
	// table.
	Segment, TotalSegments int
	// PageSize bounds the items DynamoDB evaluates per Scan request (its
	// Limit, counted before the filter); 0 leaves DynamoDB's 1 MB pages.
	PageSize int32
}

// identitySourceProjection names the attributes an identity source is
// decoded from; keys and other items' attributes are not read.
var identitySourceProjection = map[string]string{
	"#t":  "type",
	"#a":  "account",
	"#ps": "policyStoreId",
	"#id": "identitySourceId",
	"#pe": "principalEntityType",
	"#c":  "configuration",
	"#cd": "createdDate",
	"#ud": "lastUpdatedDate",
}

// ScanIdentitySources calls fn with every identity source of every account
// in the table, page by page, in no particular order. It is for background
// jobs (the drift check), not for requests: it reads the whole table with
// eventually consistent reads.
//
// It stops at the first error: fn's error is returned as it is (so callers
// can stop a scan early with a sentinel), a DynamoDB failure is wrapped as
// avp.ErrThrottled or avp.ErrUnavailable when it is retryable.
func ScanIdentitySources(ctx context.Context, api ScanAPI, table string, fn func(account string, is avp.IdentitySource) error) error {
	return ScanIdentitySourcesWith(ctx, api, table, ScanOptions{}, fn)
}

// ScanIdentitySourcesWith is ScanIdentitySources over one segment of a
// parallel scan, or with a page size.
func ScanIdentitySourcesWith(ctx context.Context, api ScanAPI, table string, opts ScanOptions, fn func(account string, is avp.IdentitySource) error) error {
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(table),
		FilterExpression:          aws.String("#t = :is"),
		ProjectionExpression:      aws.String("#t, #a, #ps, #id, #pe, #c, #cd, #ud"),
		ExpressionAttributeNames:  identitySourceProjection,
		ExpressionAttributeValues: map[string]types.AttributeValue{":is": &types.AttributeValueMemberS{Value: typeIdentitySource}},
		ConsistentRead:            aws.Bool(false),
	}
	if opts.TotalSegments > 1 {
		if opts.Segment < 0 || opts.Segment >= opts.TotalSegments {
			return fmt.Errorf("store: scan segment %d of %d: out of range", opts.Segment, opts.TotalSegments)
		}
		in.Segment = aws.Int32(int32(opts.Segment))
		in.TotalSegments = aws.Int32(int32(opts.TotalSegments))
	}
	if opts.PageSize > 0 {
		in.Limit = aws.Int32(opts.PageSize)
	}
	p := dynamodb.NewScanPaginator(api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("store: scan identity sources: %w", classify(err))
		}
		for _, raw := range page.Items {
			var it identitySourceItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return fmt.Errorf("store: decode identity source item: %w", err)
			}
			is, err := it.domain()
			if err != nil {
				return fmt.Errorf("store: account %s: %w", it.Account, err)
			}
			if err := fn(it.Account, is); err != nil {
				return err
			}
		}
	}
	return nil
}
