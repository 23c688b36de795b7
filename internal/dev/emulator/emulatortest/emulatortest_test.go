package emulatortest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
	"github.com/vpid-dev/vpid/internal/store"
)

func TestMain(m *testing.M) { emulatortest.Main(m) }

func TestPoolConstants(t *testing.T) {
	arns := map[string]string{
		emulatortest.SeedPoolID:    emulatortest.SeedPoolARN,
		emulatortest.OtherPoolID:   emulatortest.OtherPoolARN,
		emulatortest.AcctOnePoolID: emulatortest.AcctOnePoolARN,
		emulatortest.AcctTwoPoolID: emulatortest.AcctTwoPoolARN,
	}
	pools := emulatortest.TestPools()
	if len(pools) != len(arns) {
		t.Fatalf("%d pools, want %d", len(pools), len(arns))
	}
	for _, p := range pools {
		if got := p.ARN(); got != arns[p.ID] {
			t.Errorf("pool %s: ARN %s, want %s", p.ID, got, arns[p.ID])
		}
	}
}

func TestSeededPools(t *testing.T) {
	c := emulatortest.Cognito(t)
	ctx := t.Context()
	for _, p := range emulatortest.TestPools() {
		out, err := c.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(p.ID)})
		if err != nil {
			t.Errorf("DescribeUserPool %s: %v", p.ID, err)
			continue
		}
		if got := aws.ToString(out.UserPool.Arn); got != p.ARN() {
			t.Errorf("pool %s: ARN %s, want %s", p.ID, got, p.ARN())
		}
		for _, cl := range p.Clients {
			out, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
				UserPoolId: aws.String(p.ID), ClientId: aws.String(cl.ID),
			})
			if err != nil {
				t.Errorf("DescribeUserPoolClient %s/%s: %v", p.ID, cl.ID, err)
				continue
			}
			if got := aws.ToString(out.UserPoolClient.UserPoolId); got != p.ID {
				t.Errorf("client %s: pool %s, want %s", cl.ID, got, p.ID)
			}
		}
	}
	// A client of another pool is not found, as in Cognito.
	_, err := c.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(emulatortest.SeedPoolID), ClientId: aws.String(emulatortest.OtherClientID),
	})
	var nf *ciptypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("client of another pool: %v, want ResourceNotFoundException", err)
	}
}

func TestNewClient(t *testing.T) {
	id := emulatortest.NewClient(t, emulatortest.SeedPoolID, "extra")
	out, err := emulatortest.Cognito(t).DescribeUserPoolClient(t.Context(), &cip.DescribeUserPoolClientInput{
		UserPoolId: aws.String(emulatortest.SeedPoolID), ClientId: aws.String(id),
	})
	if err != nil {
		t.Fatalf("DescribeUserPoolClient: %v", err)
	}
	if got := aws.ToString(out.UserPoolClient.ClientName); got != "extra" {
		t.Errorf("client name %q, want extra", got)
	}
}

func TestNewTable(t *testing.T) {
	client := emulatortest.DynamoDB(t)
	var name string
	t.Run("sub/test", func(t *testing.T) {
		name = emulatortest.NewTable(t, client)
		out, err := client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		if len(out.Table.GlobalSecondaryIndexes) != 1 || aws.ToString(out.Table.GlobalSecondaryIndexes[0].IndexName) != store.IndexGSI1 {
			t.Errorf("indexes = %+v", out.Table.GlobalSecondaryIndexes)
		}
	})
	_, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err == nil {
		t.Errorf("table %s still there after its test", name)
	}
}
