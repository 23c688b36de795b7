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

// clients builds the AWS SDK clients once per cold start, each attempt
// bounded by the configured timeout.
func clients(cfg config.API, awsCfg aws.Config) (*dynamodb.Client, func(region string) cognito.API) {
	ddb := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		o.HTTPClient = httpClient(cfg.DynamoDBTimeout)
	})
	idp := cognito.ClientsByRegion(awsCfg, func(o *cip.Options) {
		o.HTTPClient = httpClient(cfg.CognitoTimeout)
	})
	return ddb, idp
}

// newHandler builds the object graph over the given clients: the store, the
// verifier, the service and the protocol handler. Tests call it with clients
// of the local emulators and deterministic service options.
func newHandler(cfg config.API, logger *slog.Logger, ddb store.API, idp func(region string) cognito.API, issuers avp.IssuerVerifier, opts ...avp.Option) *awsjson.Handler {
	svc := avp.NewService(store.New(ddb, cfg.TableName), cognito.NewVerifier(idp), issuers, opts...)
	return awsjson.NewHandler(logger, operations(svc))
}

// operations is the X-Amz-Target table.
func operations(svc *avp.Service) map[string]awsjson.Operation {
	return map[string]awsjson.Operation{
		avp.OpCreatePolicyStore:    awsjson.Op(svc.CreatePolicyStore),
		avp.OpGetPolicyStore:       awsjson.Op(svc.GetPolicyStore),
		avp.OpCreateIdentitySource: awsjson.Op(svc.CreateIdentitySource),
		avp.OpGetIdentitySource:    awsjson.Op(svc.GetIdentitySource),
		avp.OpListIdentitySources:  awsjson.Op(svc.ListIdentitySources),
		avp.OpUpdateIdentitySource: awsjson.Op(svc.UpdateIdentitySource),
		avp.OpDeleteIdentitySource: awsjson.Op(svc.DeleteIdentitySource),

		avp.OpListPolicyStores:  awsjson.Op(svc.ListPolicyStores),
		avp.OpUpdatePolicyStore: awsjson.Op(svc.UpdatePolicyStore),
		avp.OpDeletePolicyStore: awsjson.Op(svc.DeletePolicyStore),

		avp.OpCreatePolicyStoreAlias: awsjson.Op(svc.CreatePolicyStoreAlias),
		avp.OpGetPolicyStoreAlias:    awsjson.Op(svc.GetPolicyStoreAlias),
		avp.OpListPolicyStoreAliases: awsjson.Op(svc.ListPolicyStoreAliases),
		avp.OpDeletePolicyStoreAlias: awsjson.Op(svc.DeletePolicyStoreAlias),
	}
}

// httpClient bounds each attempt of an SDK call, so that a hung dependency
// fails the request long before the Lambda timeout.
func httpClient(timeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTimeout(timeout)
}
