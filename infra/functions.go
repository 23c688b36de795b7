package main

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
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

	s.newFunction(fnSpec{
		name:        fnAPI,
		description: "vpid: Verified Permissions identity-source API (AWS JSON 1.0)",
		// 256 MB buys enough CPU for TLS handshakes to DynamoDB and Cognito on a
		// cold start; the binary itself needs far less memory.
		memoryMB: 256,
		// Each AWS call is bounded by the function's own timeouts (3 s by
		// default); 10 s leaves room for a retry and stays under API Gateway's
		// 29 s integration limit.
		timeout: awscdk.Duration_Seconds(jsii.Number(10)),
		env:     map[string]*string{config.EnvTableName: table},
	})
	s.newFunction(fnSpec{
		name:        fnProvisioner,
		description: "vpid: carries out identity-source provisioning requests from SQS",
		memoryMB:    256,
		// Up to 10 requests a batch, each bounded like an API call.
		timeout: provisionerTimeout,
		env:     map[string]*string{config.EnvTableName: table, config.EnvEventBusName: bus},
	})
	s.newFunction(fnSpec{
		name:        fnPublisher,
		description: "vpid: publishes the table's changes to EventBridge",
		memoryMB:    256,
		// Up to 100 records: at most 10 PutEvents calls of 5 s per attempt.
		timeout: awscdk.Duration_Seconds(jsii.Number(60)),
		env:     map[string]*string{config.EnvEventBusName: bus},
	})
	s.newFunction(fnSpec{
		name:        fnCfnResource,
		description: "vpid: Custom::VerifiedPermissionsIdentitySource provider",
		memoryMB:    256,
		// Retries of throttled calls stay within this budget, less the time
		// to send CloudFormation the response.
		timeout: awscdk.Duration_Seconds(jsii.Number(60)),
		env:     map[string]*string{config.EnvTableName: table},
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
