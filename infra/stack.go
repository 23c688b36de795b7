package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Defaults used by [NewStack] for zero-valued [StackProps] fields.
const (
	DefaultCodeRoot             = "bin"
	DefaultStageName            = "v1"
	DefaultLogLevel             = "INFO"
	DefaultAPILoggingLevel      = "ERROR"
	DefaultLogRetentionDays     = 30
	DefaultThrottlingRateLimit  = 100
	DefaultThrottlingBurstLimit = 200
	DefaultDriftSchedule        = "rate(1 hour)"
)

// The Lambda functions of the stack. Each one's code is the folder
// <CodeRoot>/<name> holding the executable bootstrap that `make build`
// builds from functions/<name>.
const (
	fnAPI         = "api"
	fnProvisioner = "provisioner"
	fnPublisher   = "publisher"
	fnCfnResource = "cfnresource"
	fnDrift       = "drift"
)

// FunctionNames lists every function the stack deploys.
var FunctionNames = []string{fnAPI, fnProvisioner, fnPublisher, fnCfnResource, fnDrift}

// IdentitySourceProviderExportSuffix ends the name of the export holding
// the custom resource function's ARN: a stack named "vpid" exports
// "vpid-IdentitySourceProvider", which other stacks use as
// ServiceToken: !ImportValue vpid-IdentitySourceProvider.
const IdentitySourceProviderExportSuffix = "-IdentitySourceProvider"

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

// Provisioning requests: the EventBridge source and detail-type that the
// provisioning rule routes to the queue. They must equal
// bus.ProvisioningSource and bus.ProvisioningDetailType (the tests pin
// them).
const (
	provisioningSource     = "vpid.provisioning"
	provisioningDetailType = "Provision Identity Source"
)

// The drift function's metric (CloudWatch embedded metric format), which
// the drift alarm watches. It has no dimensions.
const (
	metricNamespace      = "vpid"
	metricDriftedSources = "DriftedIdentitySources"
)

// logLevels maps the LOG_LEVEL values the functions accept to Lambda's
// application log level, so that Lambda's JSON log filter and the functions'
// own slog level agree.
var logLevels = map[string]awslambda.ApplicationLogLevel{
	"DEBUG": awslambda.ApplicationLogLevel_DEBUG,
	"INFO":  awslambda.ApplicationLogLevel_INFO,
	"WARN":  awslambda.ApplicationLogLevel_WARN,
	"ERROR": awslambda.ApplicationLogLevel_ERROR,
}

// apiLoggingLevels are the API Gateway execution logging levels a stage may
// use. OFF is not one: execution logging is part of the stack's baseline.
var apiLoggingLevels = map[string]awsapigateway.MethodLoggingLevel{
	"ERROR": awsapigateway.MethodLoggingLevel_ERROR,
	"INFO":  awsapigateway.MethodLoggingLevel_INFO,
}

// retentionDays maps the retention periods CloudWatch Logs accepts, in days,
// to the CDK's names for them.
var retentionDays = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS,
	5: awslogs.RetentionDays_FIVE_DAYS, 7: awslogs.RetentionDays_ONE_WEEK,
	14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS,
	120: awslogs.RetentionDays_FOUR_MONTHS, 150: awslogs.RetentionDays_FIVE_MONTHS,
	180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS,
	731: awslogs.RetentionDays_TWO_YEARS, 1096: awslogs.RetentionDays_THREE_YEARS,
	1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS,
	3288: awslogs.RetentionDays_NINE_YEARS, 3653: awslogs.RetentionDays_TEN_YEARS,
}

// StackProps configures [NewStack]. Zero-valued fields take the defaults
// documented on each field. A value out of range does not panic: it adds an
// error annotation to the stack, which fails the synth with a message that
// names the field.
type StackProps struct {
	awscdk.StackProps

	// CodeRoot is the folder holding one folder per function (api,
	// provisioner, publisher, cfnresource, drift), each with the
	// linux/arm64 executable named bootstrap that `make build` produces.
	// Default [DefaultCodeRoot], relative to the working directory of the
	// synth.
	CodeRoot string
	// StageName is the API Gateway stage the API is deployed to. Default
	// [DefaultStageName].
	StageName string
	// LogLevel is every function's LOG_LEVEL: DEBUG, INFO, WARN or ERROR
	// (case-insensitive). Default [DefaultLogLevel].
	LogLevel string
	// TableRemovalPolicy applies to the DynamoDB table when it leaves the
	// stack. Default awscdk.RemovalPolicy_RETAIN.
	TableRemovalPolicy awscdk.RemovalPolicy
	// LogRetentionDays is how long every log group (the functions' and the
	// API's access log) keeps events: one of the periods CloudWatch Logs
	// accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545,
	// 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653). Default
	// [DefaultLogRetentionDays].
	LogRetentionDays int
	// ThrottlingRateLimit (requests per second, steady state) and
	// ThrottlingBurstLimit (requests) throttle every method of the stage;
	// API Gateway answers 429 beyond them. Defaults
	// [DefaultThrottlingRateLimit] and [DefaultThrottlingBurstLimit].
	ThrottlingRateLimit  float64
	ThrottlingBurstLimit int
	// APILoggingLevel is the stage's execution logging level, ERROR or INFO
	// (case-insensitive). Default [DefaultAPILoggingLevel]. Request and
	// response bodies are never logged.
	APILoggingLevel string
	// ManageAPIGatewayAccountRole makes the stack create the IAM role that
	// API Gateway uses to write execution logs and set it as the region's
	// API Gateway account setting (AWS::ApiGateway::Account). There is one
	// such setting per account and region, so by default (false) the stack
	// leaves it alone and the setting must already name a role: without
	// one, deploying the stage fails with "CloudWatch Logs role ARN must be
	// set in account settings to enable logging". When true, the role and
	// the setting are retained when the stack is deleted, so that other
	// APIs of the region keep logging.
	ManageAPIGatewayAccountRole bool
	// AlarmTopicARN names an existing SNS topic for the alarms. Empty, the
	// stack creates a topic encrypted with its own KMS key. An existing
	// topic must allow cloudwatch.amazonaws.com to publish (and, if it is
	// encrypted, its key must let CloudWatch use it).
	AlarmTopicARN string
	// AlarmEmail, when set, subscribes this address to the topic the stack
	// creates. It cannot be combined with AlarmTopicARN.
	AlarmEmail string
	// DriftSchedule is when the drift check runs: an EventBridge schedule
	// expression ("rate(1 hour)", "cron(0 6 * * ? *)") or a Go duration of
	// whole minutes ("30m", "2h"). Default [DefaultDriftSchedule].
	DriftSchedule string
	// ProvisioningAccounts are the accounts whose "Provision Identity
	// Source" events (from EventBridge, whose account field is the account
	// that put the event) are carried out, each for its own account. Default:
	// the deployment's own account only. Events from another account reach
	// the default bus only if the bus's resource policy lets them in.
	ProvisioningAccounts []string
	// Provisioners may send requests straight to the direct provisioning
	// queue: the unique id of an IAM role (AROA...) or user (AIDA...), as
	// `aws iam get-role --query Role.RoleId` shows it and SQS reports it in
	// SenderId, mapped to the accounts it may provision for. Default none:
	// the direct queue refuses every sender.
	Provisioners map[string][]string
}

// NewStack defines the vpid service:
//
//   - the DynamoDB table (with a stream of new and old images);
//   - the "api" function behind an IAM-authorized REST API whose only
//     method is POST on the root resource (AWS JSON 1.0 clients post to "/"
//     and route on X-Amz-Target);
//   - provisioning: an EventBridge rule on the default bus routes the
//     "Provision Identity Source" events of the allowed accounts to an SQS
//     queue only that rule may send to, and configured provisioners send
//     requests to a second, direct queue only they may send to; the
//     "provisioner" function consumes both (one dead-letter queue);
//   - the "publisher" function, which turns the table's stream into change
//     events on the default bus;
//   - the "cfnresource" function behind the custom resource
//     Custom::VerifiedPermissionsIdentitySource, whose ARN is exported;
//   - the "drift" function, run on a schedule;
//   - CloudWatch alarms on all of it, to an SNS topic;
//   - cdk-nag suppressions, each with its reason, for the AwsSolutions
//     checks that the app applies.
//
// Every function has its own role and log group; a role holds exactly the
// permissions its function uses, and no managed policy.
func NewStack(scope constructs.Construct, id string, props *StackProps) awscdk.Stack {
	var p StackProps
	if props != nil {
		p = *props
	}
	p.setDefaults()

	stack := awscdk.NewStack(scope, &id, &p.StackProps)
	s := &vpidStack{stack: stack, props: p}
	s.validate()

	s.table = s.newTable()
	s.functions()
	s.api = s.newAPI()
	s.provisioning()
	s.publisher()
	s.driftSchedule()
	s.alarms()
	s.suppressNagFindings()
	s.outputs()
	return stack
}

func (p *StackProps) setDefaults() {
	if p.CodeRoot == "" {
		p.CodeRoot = DefaultCodeRoot
	}
	if p.StageName == "" {
		p.StageName = DefaultStageName
	}
	if p.LogLevel == "" {
		p.LogLevel = DefaultLogLevel
	}
	p.LogLevel = strings.ToUpper(p.LogLevel)
	if p.TableRemovalPolicy == "" {
		p.TableRemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = DefaultLogRetentionDays
	}
	if p.ThrottlingRateLimit == 0 {
		p.ThrottlingRateLimit = DefaultThrottlingRateLimit
	}
	if p.ThrottlingBurstLimit == 0 {
		p.ThrottlingBurstLimit = DefaultThrottlingBurstLimit
	}
	if p.APILoggingLevel == "" {
		p.APILoggingLevel = DefaultAPILoggingLevel
	}
	p.APILoggingLevel = strings.ToUpper(p.APILoggingLevel)
	if p.DriftSchedule == "" {
		p.DriftSchedule = DefaultDriftSchedule
	}
}

// vpidStack holds what the parts of [NewStack] share while they are built.
type vpidStack struct {
	stack awscdk.Stack
	props StackProps

	appLogLevel awslambda.ApplicationLogLevel
	retention   awslogs.RetentionDays
	apiLogging  awsapigateway.MethodLoggingLevel
	drift       awsevents.Schedule
	table       awsdynamodb.Table
	fns         map[string]awslambda.Function
	roles       map[string]awsiam.Role
	api         awsapigateway.RestApi
	queues      queues
	topic       awssns.ITopic
	concurrency concurrency
}

// errorf adds an error annotation to the stack, which fails the synth.
func (s *vpidStack) errorf(format string, args ...any) {
	awscdk.Annotations_Of(s.stack).AddError(jsii.String(fmt.Sprintf(format, args...)))
}

// validate checks the props and resolves the ones that map to CDK values,
// falling back to the defaults (after an error annotation) so that the rest
// of the stack can still be built.
func (s *vpidStack) validate() {
	p := s.props
	var ok bool
	if s.appLogLevel, ok = logLevels[p.LogLevel]; !ok {
		s.errorf("LogLevel %q: want DEBUG, INFO, WARN or ERROR", p.LogLevel)
		s.appLogLevel = awslambda.ApplicationLogLevel_INFO
	}
	if s.apiLogging, ok = apiLoggingLevels[p.APILoggingLevel]; !ok {
		s.errorf("APILoggingLevel %q: want ERROR or INFO", p.APILoggingLevel)
		s.apiLogging = awsapigateway.MethodLoggingLevel_ERROR
	}
	if s.retention, ok = retentionDays[p.LogRetentionDays]; !ok {
		s.errorf("LogRetentionDays %d: want one of the periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)", p.LogRetentionDays)
		s.retention = awslogs.RetentionDays_ONE_MONTH
	}
	if p.ThrottlingRateLimit < 0 || p.ThrottlingBurstLimit < 0 {
		s.errorf("ThrottlingRateLimit %v, ThrottlingBurstLimit %d: want positive numbers", p.ThrottlingRateLimit, p.ThrottlingBurstLimit)
	}
	var err error
	if s.drift, err = parseSchedule(p.DriftSchedule); err != nil {
		s.errorf("DriftSchedule: %v", err)
		s.drift = awsevents.Schedule_Expression(jsii.String(DefaultDriftSchedule))
	}
	if p.AlarmTopicARN != "" {
		if parts := strings.Split(p.AlarmTopicARN, ":"); len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5] == "" {
			s.errorf("AlarmTopicARN %q: want the ARN of an SNS topic (arn:aws:sns:<region>:<account>:<name>)", p.AlarmTopicARN)
			s.props.AlarmTopicARN = "" // build the rest with a topic of the stack's own
		}
		if p.AlarmEmail != "" {
			s.errorf("AlarmEmail is only for the topic the stack creates; subscribe %s to %s yourself", p.AlarmEmail, p.AlarmTopicARN)
		}
	}
	for _, a := range p.ProvisioningAccounts {
		if !reAccountID.MatchString(a) {
			s.errorf("ProvisioningAccounts: %q is not a 12-digit account id", a)
		}
	}
	for id, accounts := range p.Provisioners {
		if !reUniqueID.MatchString(id) {
			s.errorf("Provisioners: %q is not the unique id of an IAM role or user (AROA..., AIDA...)", id)
		}
		if len(accounts) == 0 {
			s.errorf("Provisioners: %s is allowed no account", id)
		}
		for _, a := range accounts {
			if !reAccountID.MatchString(a) {
				s.errorf("Provisioners: %s: %q is not a 12-digit account id", id, a)
			}
		}
	}
	if p.AlarmEmail != "" && !strings.Contains(p.AlarmEmail, "@") {
		s.errorf("AlarmEmail %q: want an email address", p.AlarmEmail)
	}
}

var (
	reAccountID = regexp.MustCompile(`^[0-9]{12}$`)
	// reUniqueID is the form of an IAM user's or role's unique id.
	reUniqueID = regexp.MustCompile(`^A[A-Z0-9]{15,127}$`)
)

// parseSchedule turns a DriftSchedule into an EventBridge schedule.
func parseSchedule(v string) (awsevents.Schedule, error) {
	if strings.HasPrefix(v, "rate(") || strings.HasPrefix(v, "cron(") {
		if !strings.HasSuffix(v, ")") {
			return nil, fmt.Errorf("%q: an expression must end with \")\"", v)
		}
		return awsevents.Schedule_Expression(jsii.String(v)), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute || d%time.Minute != 0 {
		return nil, fmt.Errorf("%q: want rate(...), cron(...) or a Go duration of whole minutes such as 30m or 2h", v)
	}
	return awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(d.Minutes()))), nil
}

func (s *vpidStack) newTable() awsdynamodb.Table {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	table := awsdynamodb.NewTable(s.stack, jsii.String("Table"), &awsdynamodb.TableProps{
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
		Encryption: awsdynamodb.TableEncryption_AWS_MANAGED,
		// The publisher turns every change into an event; deletes need the
		// old image, updates both.
		Stream:        awsdynamodb.StreamViewType_NEW_AND_OLD_IMAGES,
		RemovalPolicy: s.props.TableRemovalPolicy,
		// Retain keeps the table when it leaves the stack; deletion
		// protection also refuses a DeleteTable from anyone, until it is
		// turned off on purpose.
		DeletionProtection: jsii.Bool(true),
	})
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(indexGSI1),
		PartitionKey:   str(attrGSI1PK),
		SortKey:        str(attrGSI1SK),
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

func (s *vpidStack) outputs() {
	stack := s.stack
	awscdk.NewCfnOutput(stack, jsii.String("APIURL"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the stage; use it as the SDK's endpoint"),
		Value:       s.api.Url(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Description: jsii.String("DynamoDB table holding identity sources"),
		Value:       s.table.TableName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("FunctionName"), &awscdk.CfnOutputProps{
		Description: jsii.String("The api Lambda function"),
		Value:       s.fns[fnAPI].FunctionName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("IdentitySourceProvider"), &awscdk.CfnOutputProps{
		Description: jsii.String("ServiceToken of Custom::VerifiedPermissionsIdentitySource (the cfnresource function's ARN)"),
		Value:       s.fns[fnCfnResource].FunctionArn(),
		ExportName:  jsii.String(*stack.StackName() + IdentitySourceProviderExportSuffix),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ProvisioningQueueURL"), &awscdk.CfnOutputProps{
		Description: jsii.String("SQS queue for provisioning requests sent directly by the configured provisioners"),
		Value:       s.queues.direct.QueueUrl(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicARN"), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic the alarms notify"),
		Value:       s.topic.TopicArn(),
	})
}
