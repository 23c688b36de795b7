// Package app builds vpid's object graph once per cold start: the AWS SDK
// clients, with bounded timeouts, and the avp.Service over them. Every
// function's main uses it, so that the API, the provisioner and the other
// functions run the very same service code.
package app

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/oidc"
	"github.com/vpid-dev/vpid/internal/store"
)

// Deps are the service's dependencies. Tests fill them with clients of the
// local emulators.
type Deps struct {
	Table     string
	Partition string // AWS partition of ARNs vpid makes; "" is "aws"
	DynamoDB  store.API
	Cognito   func(region string) cognito.API
	Issuers   avp.IssuerVerifier
}

// FromConfig builds Deps from the functions' configuration and the AWS SDK's.
func FromConfig(cfg config.API, awsCfg aws.Config) Deps {
	return Deps{
		Table:     cfg.TableName,
		Partition: PartitionOf(awsCfg.Region),
		DynamoDB: dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
			o.HTTPClient = httpClient(cfg.DynamoDBTimeout)
		}),
		Cognito: cognito.ClientsByRegion(awsCfg, func(o *cip.Options) {
			o.HTTPClient = httpClient(cfg.CognitoTimeout)
		}),
		Issuers: oidc.New(oidc.Config{Timeout: cfg.OIDCTimeout}),
	}
}

// Service builds the avp.Service over d.
func (d Deps) Service(opts ...avp.Option) *avp.Service {
	if d.Partition != "" {
		opts = append([]avp.Option{avp.WithPartition(d.Partition)}, opts...)
	}
	return avp.NewService(store.New(d.DynamoDB, d.Table), cognito.NewVerifier(d.Cognito), d.Issuers, opts...)
}

// httpClient bounds each attempt of an SDK call, so that a hung dependency
// fails the request long before the Lambda timeout.
func httpClient(timeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTimeout(timeout)
}

// PartitionOf returns the AWS partition of a region: aws-cn for China,
// aws-us-gov for GovCloud, aws otherwise.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
