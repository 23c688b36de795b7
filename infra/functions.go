package main

import (
	"math"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/vpid-dev/vpid/internal/config"
)

// defaultEventBus is the bus vpid publishes to and the provisioning rule
// listens on.
const defaultEventBus = "default"

// Table actions, exactly the calls internal/store makes. The service
// (api, provisioner, cfnresource) reads and writes items, in
// TransactWriteItems too (which needs the per-item action of each write);
// the drift check only reads.
var (
	serviceTableActions = []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"}
	driftTableActions   = []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}
	cognitoActions      = []string{"cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:ListUserPoolClients"}
)

// fnSpec describes one function.
type fnSpec struct {
	// name is the construct ID and the folder under CodeRoot.
	name        string
	description string
	memoryMB    float64
	timeout     awscdk.Duration
	// env holds the variables besides LOG_LEVEL, which every function gets.
	env map[string]*string
	// reserved is the reserved concurrency (nil: none).
	reserved *float64
	// asyncRetries bounds Lambda's retries of asynchronous invocations
	// (nil: Lambda's default of 2).
	asyncRetries *float64
	// onFailure receives the asynchronous invocations that failed every
	// attempt (nil: none).
	onFailure awslambda.IDestination
}

// apiCallSeconds is the average duration of an API call that the API's
// reserved concurrency is sized for: a call takes tens of milliseconds
// when its dependencies are well (BENCHMARKS.md), so 1 s on average only
// happens when they are not, and then API Gateway's own 429 (before the
// function's throttle) is the right answer.
const apiCallSeconds = 1

// concurrency is the reserved concurrency of the functions that take
// traffic, sized from the API's throttling (DESIGN.md, "The stack").
type concurrency struct {
	api, provisioner, publisher float64
	// perQueue bounds each of the provisioner's two SQS mappings (their
	// maximum concurrency); together they fill its reservation.
	perQueue float64
}

// sizeConcurrency sizes the reserved concurrency from the stage's
// throttling: rate requests per second, burst at once.
//
//   - api: API Gateway lets at most burst requests in at once and rate per
//     second after that; by Little's law they need burst + rate ×
//     apiCallSeconds executions at once. More would only let a caller use
//     the account's concurrency beyond what the stage admits.
//   - provisioner: provisioning requests run the same operations as the API;
//     they get a tenth of its rate, at one batch of up to 10 messages per
//     execution: rate/10 executions, shared by its two queues' mappings, each
//     bounded to half (at least 2, the least an SQS mapping's maximum
//     concurrency takes), so that together they never exceed the
//     reservation and get throttled.
//   - publisher: one execution per stream shard at a time (parallelization
//     factor 1). A shard follows a table partition, which takes up to 1,000
//     writes per second; every API write is at most a few items, so rate/100
//     covers the shards the API's writes can need, with room for splits; at
//     least 2. Fewer executions than shards delays events, never loses them
//     (the stream keeps records 24 hours; the iterator age shows the lag).
func sizeConcurrency(rate float64, burst int) concurrency {
	return concurrency{
		api:         float64(burst) + math.Ceil(rate*apiCallSeconds),
		provisioner: 2 * max(2, math.Ceil(rate/20)),
		perQueue:    max(2, math.Ceil(rate/20)),
		publisher:   max(2, math.Ceil(rate/100)),
	}
}

// Timeouts that other settings derive from.
var provisionerTimeout = awscdk.Duration_Seconds(jsii.Number(30))

// functions defines the five functions and grants each what it calls.
// Event sources are attached where their sources are defined.
func (s *vpidStack) functions() {
	s.fns = map[string]awslambda.Function{}
	s.roles = map[string]awsiam.Role{}
	table := s.table.TableName()
	bus := jsii.String(defaultEventBus)
	s.concurrency = sizeConcurrency(s.props.ThrottlingRateLimit, s.props.ThrottlingBurstLimit)
	// The custom resource is invoked asynchronously by CloudFormation; a
	// request that failed every attempt lands here instead of vanishing.
	s.queues.customResourceDLQ = s.newDLQ("CustomResourceDLQ")

	s.newFunction(fnSpec{
		name:        fnAPI,
		description: "vpid: Verified Permissions identity-source API (AWS JSON 1.0)",
		// 256 MB buys enough CPU for TLS handshakes to DynamoDB and Cognito on a
		// cold start; the binary itself needs far less memory.
		memoryMB: 256,
		// Each AWS call is bounded by the function's own timeouts (3 s by
		// default); 10 s leaves room for a retry and stays under API Gateway's
		// 29 s integration limit.
		timeout:  awscdk.Duration_Seconds(jsii.Number(10)),
		env:      map[string]*string{config.EnvTableName: table},
		reserved: jsii.Number(s.concurrency.api),
	})
	s.newFunction(fnSpec{
		name:        fnProvisioner,
		description: "vpid: carries out identity-source provisioning requests from SQS",
		memoryMB:    256,
		// Up to 10 requests a batch, each bounded like an API call.
		timeout:  provisionerTimeout,
		env:      map[string]*string{config.EnvTableName: table, config.EnvEventBusName: bus},
		reserved: jsii.Number(s.concurrency.provisioner),
	})
	s.newFunction(fnSpec{
		name:        fnPublisher,
		description: "vpid: publishes the table's changes to EventBridge",
		memoryMB:    256,
		// Up to 100 records: at most 10 PutEvents calls of 5 s per attempt.
		timeout:  awscdk.Duration_Seconds(jsii.Number(60)),
		env:      map[string]*string{config.EnvEventBusName: bus},
		reserved: jsii.Number(s.concurrency.publisher),
	})
	s.newFunction(fnSpec{
		name:        fnCfnResource,
		description: "vpid: Custom::VerifiedPermissionsIdentitySource provider",
		memoryMB:    256,
		// Retries of throttled calls stay within this budget, less the time
		// to send CloudFormation the response.
		timeout:   awscdk.Duration_Seconds(jsii.Number(60)),
		env:       map[string]*string{config.EnvTableName: table},
		onFailure: awslambdadestinations.NewSqsDestination(s.queues.customResourceDLQ),
	})
	s.newFunction(fnSpec{
		name:        fnDrift,
		description: "vpid: checks identity sources against Cognito and their issuers",
		memoryMB:    256,
		// Lambda's maximum: a run paces Cognito calls (DESIGN.md, Drift
		// check), so 10,000 sources take several runs of the full 15 minutes.
		timeout: awscdk.Duration_Minutes(jsii.Number(15)),
		env:     map[string]*string{config.EnvTableName: table, config.EnvEventBusName: bus},
		// One run at a time: overlapping runs would double the Cognito rate
		// and report every drift twice.
		reserved: jsii.Number(1),
		// A failed run is not repeated: the next scheduled run checks again,
		// and the Errors alarm reports the failure.
		asyncRetries: jsii.Number(0),
	})

	for _, fn := range []string{fnAPI, fnProvisioner, fnCfnResource} {
		s.grantTable(fn, serviceTableActions)
		s.grantCognito(fn)
	}
	s.grantTable(fnDrift, driftTableActions)
	s.grantCognito(fnDrift)
	s.grantDescribeKey(fnAPI)

	defaultBus := awsevents.EventBus_FromEventBusName(s.stack, jsii.String("DefaultBus"), bus)
	for _, fn := range []string{fnProvisioner, fnPublisher, fnDrift} {
		defaultBus.GrantPutEventsTo(s.fns[fn], nil)
	}
}

// newFunction defines a function with its own role and log group: the role
// has no managed policy, only the right to write to that log group, and
// what the function's grants add.
func (s *vpidStack) newFunction(spec fnSpec) awslambda.Function {
	logGroup := awslogs.NewLogGroup(s.stack, jsii.String(spec.name+"Logs"), &awslogs.LogGroupProps{
		Retention: s.retention,
	})
	role := awsiam.NewRole(s.stack, jsii.String(spec.name+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("vpid " + spec.name + " function"),
	})
	// logs:CreateLogStream and logs:PutLogEvents on this log group only; the
	// group exists, so no logs:CreateLogGroup.
	logGroup.GrantWrite(role)

	env := map[string]*string{config.EnvLogLevel: jsii.String(s.props.LogLevel)}
	for k, v := range spec.env {
		env[k] = v
	}
	fn := awslambda.NewFunction(s.stack, jsii.String(spec.name), &awslambda.FunctionProps{
		Description:                  jsii.String(spec.description),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(filepath.Join(s.props.CodeRoot, spec.name)), nil),
		MemorySize:                   jsii.Number(spec.memoryMB),
		Timeout:                      spec.timeout,
		Environment:                  &env,
		Role:                         role,
		LogGroup:                     logGroup,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        s.appLogLevel,
		SystemLogLevelV2:             awslambda.SystemLogLevel_INFO,
		ReservedConcurrentExecutions: spec.reserved,
		RetryAttempts:                spec.asyncRetries,
		OnFailure:                    spec.onFailure,
		// X-Ray traces every invocation (and, for the api, continues API
		// Gateway's trace).
		Tracing: awslambda.Tracing_ACTIVE,
	})
	s.fns[spec.name] = fn
	s.roles[spec.name] = role
	return fn
}

// grantTable allows actions on the table and its index, naming both: no
// "index/*" wildcard.
func (s *vpidStack) grantTable(fn string, actions []string) {
	s.roles[fn].AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:  awsiam.Effect_ALLOW,
		Actions: jsii.Strings(actions...),
		Resources: jsii.Strings(
			*s.table.TableArn(),
			*s.table.TableArn()+"/index/"+indexGSI1,
		),
	}))
}

// grantCognito allows the two describe calls that verify a user pool and
// its app clients.
func (s *vpidStack) grantCognito(fn string) {
	s.roles[fn].AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("DescribeCognitoUserPools"),
		Effect:  awsiam.Effect_ALLOW,
		Actions: jsii.Strings(cognitoActions...),
		// Identity sources may name a user pool in any region, but only in
		// this account; which pools is the callers' data, unknown here.
		Resources: &[]*string{s.stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("cognito-idp"),
			Region:       jsii.String("*"),
			Resource:     jsii.String("userpool"),
			ResourceName: jsii.String("*"),
		})},
	}))
}

// grantDescribeKey allows kms:DescribeKey, with which CreatePolicyStore maps
// the KMS key of encryptionSettings to its full key ARN and refuses keys
// that do not exist (AVP API reference, KmsEncryptionSettings). Only the
// api function creates policy stores.
func (s *vpidStack) grantDescribeKey(fn string) {
	s.roles[fn].AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("DescribePolicyStoreKeys"),
		Effect:  awsiam.Effect_ALLOW,
		Actions: jsii.Strings("kms:DescribeKey"),
		// The keys are the callers' choice, in their own accounts (named by
		// key ARN) and any region; DescribeKey reads metadata only.
		Resources: &[]*string{s.stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("kms"),
			Region:       jsii.String("*"),
			Account:      jsii.String("*"),
			Resource:     jsii.String("key"),
			ResourceName: jsii.String("*"),
		})},
	}))
}
