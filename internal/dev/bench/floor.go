package bench

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Floor makes the downstream calls of one CreateIdentitySource directly with
// the AWS SDK, as a bare program would: DescribeUserPool and one
// DescribeUserPoolClient per client id, all at once, then the one
// TransactWriteItems (claim the store's slot, put the identity source, put
// the idempotency record) with the items the service writes. Its latency is
// the floor under the service's.
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
	errs := make([]error, 1+len(clientIDs))
	var wg sync.WaitGroup
	wg.Go(func() {
		out, err := f.Cognito.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(arn.PoolID)})
		if err == nil && aws.ToString(out.UserPool.Arn) != poolARN {
			err = fmt.Errorf("pool %s has ARN %s", arn.PoolID, aws.ToString(out.UserPool.Arn))
		}
		errs[0] = err
	})
	for i, id := range clientIDs {
		wg.Go(func() {
			out, err := f.Cognito.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(arn.PoolID), ClientId: aws.String(id)})
			if err == nil && aws.ToString(out.UserPoolClient.UserPoolId) != arn.PoolID {
				err = fmt.Errorf("client %s is of pool %s", id, aws.ToString(out.UserPoolClient.UserPoolId))
			}
			errs[1+i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}

	type cognitoConfig struct {
		UserPoolARN string   `json:"userPoolArn"`
		ClientIDs   []string `json:"clientIds"`
	}
	type configuration struct {
		Cognito cognitoConfig `json:"cognitoUserPoolConfiguration"`
	}
	cfg := configuration{Cognito: cognitoConfig{UserPoolARN: poolARN, ClientIDs: clientIDs}}
	cfgJSON, _ := json.Marshal(cfg)
	params, _ := json.Marshal(struct {
		PolicyStoreID       string        `json:"policyStoreId"`
		Configuration       configuration `json:"configuration"`
		PrincipalEntityType string        `json:"principalEntityType"`
	}{storeID, cfg, principal})
	hash := sha256.Sum256(params)

	now := time.Now()
	ts := now.UTC().Format(avp.TimeFormat)
	id, token := avp.NewID(), avp.NewID()
	resp, _ := json.Marshal(map[string]string{"createdDate": ts, "identitySourceId": id, "lastUpdatedDate": ts, "policyStoreId": storeID})
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	pk := "A#" + account + "#PS#" + storeID
	tokenPK := "A#" + account + "#TOKEN#" + avp.OpCreateIdentitySource + "#" + token
	_, err := f.DynamoDB.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                           aws.String(f.Table),
			Key:                                 map[string]types.AttributeValue{"pk": s(pk), "sk": s("STORE")},
			ConditionExpression:                 aws.String("attribute_exists(pk) AND attribute_not_exists(identitySourceId)"),
			UpdateExpression:                    aws.String("SET identitySourceId = :id"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":id": s(id)},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
		{Put: &types.Put{
			TableName: aws.String(f.Table),
			Item: map[string]types.AttributeValue{
				"pk": s(pk), "sk": s("IS#" + id), "type": s("IdentitySource"), "account": s(account),
				"policyStoreId": s(storeID), "identitySourceId": s(id), "principalEntityType": s(principal),
				"configuration": s(string(cfgJSON)), "createdDate": s(ts), "lastUpdatedDate": s(ts),
			},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		{Put: &types.Put{
			TableName: aws.String(f.Table),
			Item: map[string]types.AttributeValue{
				"pk": s(tokenPK), "sk": s("TOKEN"), "type": s("IdempotencyToken"), "operation": s(avp.OpCreateIdentitySource),
				"token": s(token), "paramsHash": s(hex.EncodeToString(hash[:])), "response": s(string(resp)),
				"expiresAt": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(avp.IdempotencyTTL).Unix(), 10)},
			},
			ConditionExpression:                 aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}},
	}})
	if err != nil {
		return "", err
	}
	return id, nil
}
