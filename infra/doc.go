// Command infra is the AWS CDK app that deploys vpid. [NewStack] defines the
// stack: the DynamoDB table (with a stream), five Lambda functions
// (provided.al2023, arm64; api, provisioner, publisher, cfnresource, drift),
// an IAM-authorized API Gateway REST API in front of api, the provisioning
// queue and EventBridge rule, the stream and drift wiring, and alarms to an
// SNS topic. The app applies the cdk-nag AwsSolutions checks; the stack
// suppresses, each with its written reason, the findings that do not apply
// (see nag.go).
//
// The CDK CLI runs it through cdk.json ("go run ./infra"); `go run ./infra`
// alone also synthesizes (set CDK_OUTDIR to choose the output folder), but
// then it does not see the feature flags in cdk.json. The function code is
// the folders bin/<function>, each holding the bootstrap executable that
// `make build` produces, so build before you synth: the app stops with a
// message naming any that is missing.
//
// # Settings
//
// Each setting is read from the CDK context first (cdk synth -c key=value,
// or cdk.json, where numbers and booleans may be JSON values), then from
// the environment, then falls back to its default:
//
//	context key                        env var                               default       meaning
//	vpid:stageName                     VPID_STAGE_NAME                       v1            API Gateway stage name
//	vpid:logLevel                      VPID_LOG_LEVEL                        INFO          every function's LOG_LEVEL (DEBUG, INFO, WARN, ERROR)
//	vpid:tableRemovalPolicy            VPID_TABLE_REMOVAL_POLICY             retain        what happens to the table when it leaves the stack (retain, destroy)
//	vpid:logRetentionDays              VPID_LOG_RETENTION_DAYS               30            retention of every log group, in days (a period CloudWatch Logs accepts)
//	vpid:throttlingRateLimit           VPID_THROTTLING_RATE_LIMIT            100           stage throttling: steady requests per second
//	vpid:throttlingBurstLimit          VPID_THROTTLING_BURST_LIMIT           200           stage throttling: burst
//	vpid:apiLoggingLevel               VPID_API_LOGGING_LEVEL                ERROR         API Gateway execution logging (ERROR, INFO)
//	vpid:manageApiGatewayAccountRole   VPID_MANAGE_API_GATEWAY_ACCOUNT_ROLE  false         create and set the region's API Gateway CloudWatch role
//	vpid:alarmTopicArn                 VPID_ALARM_TOPIC_ARN                  (new topic)   existing SNS topic for the alarms
//	vpid:alarmEmail                    VPID_ALARM_EMAIL                      (none)        email subscribed to the new alarm topic
//	vpid:driftSchedule                 VPID_DRIFT_SCHEDULE                   rate(1 hour)  schedule expression or Go duration (30m, 2h)
//
// The stack is environment-agnostic: it names no account or region, so
// synthesizing it needs no AWS credentials and makes no AWS calls. The
// deploying credentials choose the account and region.
//
// This package may import only internal/config (for the environment
// variable names the functions read) from vpid; the table's attribute
// names and the provisioning event's source and detail-type are repeated
// here, and the tests pin them to internal/store's and internal/bus's.
//
// See https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_CreateIdentitySource.html
// for the API the stack serves.
package main
