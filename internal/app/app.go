// Package app builds vpid's object graph once per cold start: the AWS SDK
// clients, with bounded timeouts, and the avp.Service over them. Every
// function's main uses it, so that the API, the provisioner and the other
// functions run the very same service code.
package app

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cedaradapter"
	"github.com/vpid-dev/vpid/internal/cognito"
	"github.com/vpid-dev/vpid/internal/config"
	"github.com/vpid-dev/vpid/internal/kmskey"
	"github.com/vpid-dev/vpid/internal/oidc"
	"github.com/vpid-dev/vpid/internal/store"
	"github.com/vpid-dev/vpid/internal/token"
)

// Deps are the service's dependencies. Tests fill them with clients of the
// local emulators.
type Deps struct {
	Table     string
	Partition string // AWS partition of ARNs vpid makes; "" is "aws"
	Region    string // region of the ARNs that carry one (aliases); "" is us-east-1
	DynamoDB  DynamoDB
	Cognito   func(region string) cognito.API
	Issuers   avp.IssuerVerifier
	// Keys resolves the KMS keys of policy stores to key ARNs; nil is
	// avp.LocalKeys (no KMS: the local stack and tests).
	Keys avp.KeyResolver
	// Tokens verifies the tokens of IsAuthorizedWithToken; nil is a
	// token.Verifier with its defaults (keys from Cognito's public URLs and
	// through d.Issuers' guarded client when that is an *oidc.Verifier),
	// but Cognito's keys from CognitoEndpoint when that is set.
	Tokens *token.Verifier
	// CognitoEndpoint is the Cognito endpoint the configuration points the
	// Cognito client at instead of AWS's (a local Cognito such as
	// cognito-local), "" for AWS's. When set, user pools' key sets are read
	// from <CognitoEndpoint>/<poolId>/.well-known/jwks.json, and a token's
	// iss passes with any host when its path is the pool's (such an emulator
	// names its own host in iss).
	CognitoEndpoint string
	// CacheOptions configure the per-store cache of compiled policies.
	CacheOptions []authz.CacheOption
}

// DynamoDB is the part of the DynamoDB client the functions use: the
// store's reads and writes, and the drift check's read-only scan. A
// *dynamodb.Client is one.
type DynamoDB interface {
	store.API
	store.ScanAPI
}

// FromConfig builds Deps from the functions' configuration and the AWS SDK's.
func FromConfig(cfg config.API, awsCfg aws.Config) Deps {
	return Deps{
		Table:     cfg.TableName,
		Partition: PartitionOf(awsCfg.Region),
		Region:    awsCfg.Region,
		DynamoDB:  dynamodb.NewFromConfig(awsCfg, DynamoDBOptions(cfg.DynamoDBTimeout)),
		Cognito: perRegion(func(region string) cognito.API {
			return cip.NewFromConfig(awsCfg, CognitoOptions(cfg.CognitoTimeout), func(o *cip.Options) { o.Region = region })
		}),
		Issuers:         oidc.New(oidc.Config{Timeout: cfg.OIDCTimeout}),
		CognitoEndpoint: CognitoEndpoint(awsCfg),
		Keys: kmskey.Resolver{ClientFor: perRegion(func(region string) kmskey.API {
			if region == "" { // the function's own region
				return kms.NewFromConfig(awsCfg, KMSOptions(cfg.CognitoTimeout))
			}
			return kms.NewFromConfig(awsCfg, KMSOptions(cfg.CognitoTimeout), func(o *kms.Options) { o.Region = region })
		})},
	}
}

// Service builds the avp.Service over d.
func (d Deps) Service(opts ...avp.Option) *avp.Service {
	if d.Partition != "" {
		opts = append([]avp.Option{avp.WithPartition(d.Partition)}, opts...)
	}
	if d.Region != "" {
		opts = append([]avp.Option{avp.WithRegion(d.Region)}, opts...)
	}
	if d.Keys != nil {
		opts = append([]avp.Option{avp.WithKeys(d.Keys)}, opts...)
	}
	st := store.New(d.DynamoDB, d.Table)
	tv := d.Tokens
	if tv == nil {
		tv = d.tokenVerifier()
	}
	return avp.NewService(avp.Deps{
		PolicyStores:    st,
		Aliases:         st,
		IdentitySources: st,
		Idempotency:     st,
		PageKeys:        st,
		UserPools:       cognito.New(d.Cognito),
		Issuers:         d.Issuers,
		Policies:        st,
		Cedar:           cedaradapter.Cedar{},
		PolicySets:      authz.NewCache(st, d.CacheOptions...),
		Tokens:          tokens{tv},
	}, opts...)
}

// tokenVerifier is the token.Verifier d describes when it gives none: OpenID
// Connect key sets through d.Issuers' client when that is an
// *oidc.Verifier, Cognito's from d.CognitoEndpoint when that is set.
func (d Deps) tokenVerifier() *token.Verifier {
	var opts []token.Option
	if o, ok := d.Issuers.(*oidc.Verifier); ok {
		opts = append(opts, token.WithOIDC(o))
	}
	if d.CognitoEndpoint != "" {
		opts = append(opts, token.WithCognitoEndpoint(d.CognitoEndpoint, nil))
	}
	return token.NewVerifier(opts...)
}

// CognitoEndpoint returns the endpoint a Cognito user pools client built
// from awsCfg calls when the configuration overrides AWS's
// (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER, AWS_ENDPOINT_URL, or the
// shared config's services section, as the SDK resolves them), "" when it
// calls AWS's own. make run points it at cognito-local.
func CognitoEndpoint(awsCfg aws.Config) string {
	return aws.ToString(cip.NewFromConfig(awsCfg).Options().BaseEndpoint)
}

// The SDK clients' retry budget (DESIGN.md, "Timeouts and retries"): with
// the per-attempt timeouts (COGNITO_TIMEOUT, DYNAMODB_TIMEOUT) it bounds one
// SDK call, and the API handler's deadline (awsjson.DefaultTimeout) bounds
// the whole request under the Lambda timeout.
const (
	// RetryMaxAttempts is the attempts of one SDK call, the first included.
	// It is fixed here, whatever AWS_MAX_ATTEMPTS or AWS_RETRY_MODE say.
	RetryMaxAttempts = 3
	// RetryMaxBackoff caps the random wait before a retry. The SDK's own
	// cap (20 s) would let two throttled retries outlast the Lambda.
	RetryMaxBackoff = 500 * time.Millisecond
	// dynamoDBBaseDelay is the SDK's base backoff for DynamoDB's transient
	// errors (other services: 50 ms; throttles: 1 s, then capped).
	dynamoDBBaseDelay = 25 * time.Millisecond
)

// DynamoDBOptions gives a DynamoDB client vpid's per-attempt timeout and
// retry budget. Tests apply it to clients of their own endpoints.
func DynamoDBOptions(timeout time.Duration) func(*dynamodb.Options) {
	return func(o *dynamodb.Options) {
		o.HTTPClient = httpClient(timeout)
		o.Retryer = retryer(dynamoDBBaseDelay)
		o.RetryMaxAttempts = 0 // no override of the retryer's attempts
	}
}

// CognitoOptions gives a Cognito user pools client vpid's per-attempt
// timeout and retry budget.
func CognitoOptions(timeout time.Duration) func(*cip.Options) {
	return func(o *cip.Options) {
		o.HTTPClient = httpClient(timeout)
		o.Retryer = retryer(0)
		o.RetryMaxAttempts = 0
	}
}

// KMSOptions gives a KMS client vpid's per-attempt timeout (the Cognito
// one: both are describe calls of the create path) and retry budget.
func KMSOptions(timeout time.Duration) func(*kms.Options) {
	return func(o *kms.Options) {
		o.HTTPClient = httpClient(timeout)
		o.Retryer = retryer(0)
		o.RetryMaxAttempts = 0
	}
}

// retryer is the SDK's standard retryer (retries throttles, 5xx, timeouts and
// connection failures, with full-jitter exponential backoff and a
// per-client retry quota) held to RetryMaxAttempts and RetryMaxBackoff.
// Each client gets its own, so one dependency's outage cannot spend the
// other's retry quota.
func retryer(baseDelay time.Duration) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = RetryMaxAttempts
		o.MaxBackoff = RetryMaxBackoff
		o.BaseDelay = baseDelay
	})
}

// httpClient bounds each attempt of an SDK call, so that a hung dependency
// fails the attempt, and the retryer tries again, long before the Lambda
// timeout.
func httpClient(timeout time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTimeout(timeout)
}

// PartitionOf returns the AWS partition of a region: the one whose Regions
// list it (avp.PartitionOfRegion); else, by its prefix, aws-cn for China,
// aws-us-gov for GovCloud, aws otherwise.
func PartitionOf(region string) string {
	if p, ok := avp.PartitionOfRegion(region); ok {
		return p
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
