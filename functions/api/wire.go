package main

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/awsjson"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/store"
)

// newHandler builds the whole object graph from configuration: SDK clients
// with bounded timeouts, the store, the verifier, the service and the
// protocol handler.
func newHandler(cfg config.API, logger *slog.Logger, awsCfg aws.Config) *awsjson.Handler {
	ddb := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.HTTPClient = httpClient(cfg.DynamoDBTimeout)
	})
	idp := cognito.ClientsByRegion(awsCfg, func(o *cip.Options) {
		o.HTTPClient = httpClient(cfg.CognitoTimeout)
	})
	svc := avp.NewService(store.New(ddb, cfg.TableName), cognito.NewVerifier(idp))
	return awsjson.NewHandler(logger, operations(svc))
}

// operations is the X-Amz-Target table.
func operations(svc *avp.Service) map[string]awsjson.Operation {
	return map[string]awsjson.Operation{
		avp.OpCreatePolicyStore:    awsjson.Op(svc.CreatePolicyStore),
		avp.OpGetPolicyStore:       awsjson.Op(svc.GetPolicyStore),
		avp.OpCreateIdentitySource: awsjson.Op(svc.CreateIdentitySource),
		avp.OpGetIdentitySource:    awsjson.Op(svc.GetIdentitySource),
	}
}

// httpClient bounds each attempt of an SDK call, so that a hung dependency
// fails the request long before the Lambda timeout.
func httpClient(timeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTimeout(timeout)
}
