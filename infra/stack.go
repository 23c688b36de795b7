package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/vpid-dev/vpid/internal/config"
)

// Defaults used by [NewAPIStack] for zero-valued [APIStackProps] fields.
const (
	DefaultCodePath  = "bin/api"
	DefaultStageName = "v1"
	DefaultLogLevel  = "INFO"
)

// Table attribute names. They must equal the constants in internal/store
// (schema.go); infra does not import that package, so the stack tests pin
// the same literals.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrGSI1PK    = "gsi1pk"
	attrGSI1SK    = "gsi1sk"
	attrExpiresAt = "expiresAt"
	indexGSI1     = "gsi1"
)

// logLevels maps the LOG_LEVEL values the function accepts to Lambda's
// application log level, so that Lambda's JSON log filter and the function's
// own slog level agree.
var logLevels = map[string]awslambda.ApplicationLogLevel{
	"DEBUG": awslambda.ApplicationLogLevel_DEBUG,
	"INFO":  awslambda.ApplicationLogLevel_INFO,
	"WARN":  awslambda.ApplicationLogLevel_WARN,
	"ERROR": awslambda.ApplicationLogLevel_ERROR,
}

// APIStackProps configures [NewAPIStack]. Zero-valued fields take the
// defaults documented on each field.
type APIStackProps struct {
	awscdk.StackProps

	// CodePath is the folder holding the linux/arm64 executable named
	// bootstrap (built by `make build`). Default [DefaultCodePath],
	// relative to the working directory of the synth.
	CodePath string
	// StageName is the API Gateway stage the API is deployed to. Default
	// [DefaultStageName].
	StageName string
	// LogLevel is the function's LOG_LEVEL: DEBUG, INFO, WARN or ERROR
	// (case-insensitive). Default [DefaultLogLevel]. Any other value fails
	// the synth with an error annotation.
	LogLevel string
	// TableRemovalPolicy applies to the DynamoDB table when it leaves the
	// stack. Default awscdk.RemovalPolicy_RETAIN.
	TableRemovalPolicy awscdk.RemovalPolicy
}

// NewAPIStack defines the vpid service: one DynamoDB table, the "api" Lambda
// function that serves every Verified Permissions identity-source operation,
// and an IAM-authorized REST API whose only method is POST on the root
// resource (AWS JSON 1.0 clients post to "/" and route on X-Amz-Target).
//
// The function may read and write the table's data and call
// cognito-idp:DescribeUserPool and cognito-idp:DescribeUserPoolClient on the
// account's user pools, and nothing else.
func NewAPIStack(scope constructs.Construct, id string, props *APIStackProps) awscdk.Stack {
	var p APIStackProps
	if props != nil {
		p = *props
	}
	if p.CodePath == "" {
		p.CodePath = DefaultCodePath
	}
	if p.StageName == "" {
		p.StageName = DefaultStageName
	}
	if p.LogLevel == "" {
		p.LogLevel = DefaultLogLevel
	}
	if p.TableRemovalPolicy == "" {
		p.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	p.LogLevel = strings.ToUpper(p.LogLevel)

	stack := awscdk.NewStack(scope, &id, &p.StackProps)

	appLogLevel, ok := logLevels[p.LogLevel]
	if !ok {
		awscdk.Annotations_Of(stack).AddError(jsii.String(fmt.Sprintf(
			"LogLevel %q: want DEBUG, INFO, WARN or ERROR", p.LogLevel)))
		appLogLevel = awslambda.ApplicationLogLevel_INFO
	}

	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: str(attrPK),
		SortKey:      str(attrSK),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(attrExpiresAt),
		// The AWS managed key (aws/dynamodb) is KMS encryption that needs no key
		// policy of our own; switch to CUSTOMER_MANAGED if key control or
		// cross-account access is ever required.
		Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy: p.TableRemovalPolicy,
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(indexGSI1),
		PartitionKey:   str(attrGSI1PK),
		SortKey:        str(attrGSI1SK),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})

	logGroup := awslogs.NewLogGroup(stack, jsii.String("APILogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_MONTH,
	})

	fn := awslambda.NewFunction(stack, jsii.String("api"), &awslambda.FunctionProps{
		Description:  jsii.String("vpid: Verified Permissions identity-source API (AWS JSON 1.0)"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(p.CodePath), nil),
		// 256 MB buys enough CPU for TLS handshakes to DynamoDB and Cognito on a
		// cold start; the binary itself needs far less memory.
		MemorySize: jsii.Number(256),
		// Each AWS call is bounded by the function's own timeouts (3 s by
		// default); 10 s leaves room for a retry and stays under API Gateway's
		// 29 s integration limit.
		Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
		Environment: &map[string]*string{
			config.EnvTableName: table.TableName(),
			config.EnvLogLevel:  jsii.String(p.LogLevel),
		},
		LogGroup:              logGroup,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: appLogLevel,
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
	})

	table.GrantReadWriteData(fn)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("DescribeCognitoUserPools"),
		Effect:  awsiam.Effect_ALLOW,
		Actions: jsii.Strings("cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient"),
		// Identity sources may name a user pool in any region, but only in
		// this account.
		Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("cognito-idp"),
			Region:       jsii.String("*"),
			Resource:     jsii.String("userpool"),
			ResourceName: jsii.String("*"),
		})},
	}))

	api := awsapigateway.NewRestApi(stack, jsii.String("API"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String("vpid"),
		Description: jsii.String("vpid: Verified Permissions identity-source API (AWS JSON 1.0, SigV4)"),
		EndpointConfiguration: &awsapigateway.EndpointConfiguration{
			Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		},
		// The API Gateway account's CloudWatch role is one per region; a stack
		// that owns it would break other APIs when deleted.
		CloudWatchRole: jsii.Bool(false),
		// Every method, including any added later, requires SigV4.
		DefaultMethodOptions: &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_IAM,
		},
		Deploy: jsii.Bool(true),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:      jsii.String(p.StageName),
			MetricsEnabled: jsii.Bool(true),
		},
	})
	api.Root().AddMethod(jsii.String("POST"), awsapigateway.NewLambdaIntegration(fn, &awsapigateway.LambdaIntegrationOptions{
		Proxy:           jsii.Bool(true),
		AllowTestInvoke: jsii.Bool(false),
	}), nil)

	// RestApi adds its own URL output under a hashed name; replace it with
	// one that scripts can find by a fixed key.
	api.Node().TryRemoveChild(jsii.String("Endpoint"))
	awscdk.NewCfnOutput(stack, jsii.String("APIURL"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the stage; use it as the SDK's endpoint"),
		Value:       api.Url(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Description: jsii.String("DynamoDB table holding identity sources"),
		Value:       table.TableName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("FunctionName"), &awscdk.CfnOutputProps{
		Description: jsii.String("The api Lambda function"),
		Value:       fn.FunctionName(),
	})

	return stack
}
