package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/store"
)

// Floor makes the downstream calls of one CreateIdentitySource directly with
// the AWS SDK, as a bare program would: the policy store's GetItem (a create
// the store's state refuses asks Cognito nothing), then DescribeUserPool and
// the app clients' lookup (one DescribeUserPoolClient for one id, one page
// of ListUserPoolClients for several) at once, then the one
// TransactWriteItems (claim the store's slot, put the identity source, put
// the idempotency record) with the items the service writes, through the
// store (internal/store owns the items' layout). Its latency is the floor
// under the service's.
type Floor struct {
	DynamoDB *dynamodb.Client
	Cognito  *cip.Client
	Table    string
}

// CreateIdentitySource does what the service does for a Cognito create with
// a clientToken, and returns the new identity source's id.
func (f *Floor) CreateIdentitySource(ctx context.Context, account, storeID, poolARN string, clientIDs []string, principal string) (string, error) {
	arn, ok := avp.ParseUserPoolARN(poolARN)
	if !ok {
		return "", fmt.Errorf("not a user pool ARN: %s", poolARN)
	}
	ps, err := store.New(f.DynamoDB, f.Table).GetPolicyStore(ctx, account, storeID)
	if err != nil {
		return "", err
	}
	if ps.IdentitySourceID != "" {
		return "", fmt.Errorf("policy store %s has an identity source", storeID)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() {
		out, err := f.Cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(arn.PoolID)})
		if err == nil && aws.ToString(out.UserPool.Arn) != poolARN {
			err = fmt.Errorf("pool %s has ARN %s", arn.PoolID, aws.ToString(out.UserPool.Arn))
		}
		errs[0] = err
	})
	switch len(clientIDs) {
	case 0:
	case 1:
		wg.Go(func() {
			id := clientIDs[0]
			out, err := f.Cognito.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(arn.PoolID), ClientId: aws.String(id)})
			if err == nil && aws.ToString(out.UserPoolClient.UserPoolId) != arn.PoolID {
				err = fmt.Errorf("client %s is of pool %s", id, aws.ToString(out.UserPoolClient.UserPoolId))
			}
			errs[1] = err
		})
	default:
		wg.Go(func() {
			out, err := f.Cognito.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(arn.PoolID), MaxResults: aws.Int32(60)})
			if err != nil {
				errs[1] = err
				return
			}
			seen := map[string]bool{}
			for _, c := range out.UserPoolClients {
				seen[aws.ToString(c.ClientId)] = true
			}
			for _, id := range clientIDs {
				if !seen[id] {
					errs[1] = errors.Join(errs[1], fmt.Errorf("client %s is not in the first page of pool %s", id, arn.PoolID))
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}

	cfg := avp.ConfigurationUnion{CognitoUserPoolConfiguration: &avp.CognitoUserPoolConfiguration{UserPoolARN: poolARN, ClientIDs: clientIDs}}
	params, _ := json.Marshal(struct {
		PolicyStoreID       string                 `json:"policyStoreId"`
		Configuration       avp.ConfigurationUnion `json:"configuration"`
		PrincipalEntityType string                 `json:"principalEntityType"`
	}{storeID, cfg, principal})
	hash := sha256.Sum256(params)

	now := time.Now()
	ts := avp.NewTimestamp(now)
	id, token := avp.NewID(), avp.NewID()
	resp, _ := json.Marshal(map[string]string{"createdDate": ts.String(), "identitySourceId": id, "lastUpdatedDate": ts.String(), "policyStoreId": storeID})
	// The store's own write: one TransactWriteItems that claims the store's
	// slot, puts the identity source and puts the idempotency record.
	err = store.New(f.DynamoDB, f.Table).CreateIdentitySource(ctx, account, avp.IdentitySource{
		PolicyStoreID: storeID, IdentitySourceID: id, PrincipalEntityType: principal, Configuration: cfg.Configuration(),
		CreatedDate: ts, LastUpdatedDate: ts,
	}, &avp.IdempotencyRecord{
		Operation: avp.OpCreateIdentitySource, Token: token, ParamsHash: hex.EncodeToString(hash[:]), Response: resp,
		ExpiresAt: now.Add(avp.IdempotencyTTL), IssuedAt: now,
	})
	if err != nil {
		return "", err
	}
	return id, nil
}
