// Command infra is the AWS CDK app that deploys vpid: one DynamoDB table, the
// "api" Lambda function (provided.al2023, arm64) and an IAM-authorized API
// Gateway REST API in front of it. [NewAPIStack] defines the stack.
//
// The CDK CLI runs it through cdk.json ("go run ./infra"); `go run ./infra`
// alone also synthesizes (set CDK_OUTDIR to choose the output folder), but
// then it does not see the feature flags in cdk.json. The function code is
// the folder bin/api, holding the bootstrap executable that `make build`
// produces, so build before you synth.
//
// # Settings
//
// Each setting is read from the CDK context first (cdk synth -c key=value),
// then from the environment, then falls back to its default:
//
//	context key              env var                    default  meaning
//	vpid:stageName           VPID_STAGE_NAME            v1       API Gateway stage name
//	vpid:logLevel            VPID_LOG_LEVEL             INFO     the function's LOG_LEVEL (DEBUG, INFO, WARN, ERROR)
//	vpid:tableRemovalPolicy  VPID_TABLE_REMOVAL_POLICY  retain   what happens to the table when it leaves the stack (retain, destroy)
//
// The stack is environment-agnostic: it names no account or region, so
// synthesizing it needs no AWS credentials and makes no AWS calls. The
// deploying credentials choose the account and region.
//
// This package may import only internal/config (for the environment
// variable names the function reads) from vpid; the table's attribute names
// are repeated here and must match internal/store.
//
// See https://docs.aws.amazon.com/verifiedpermissions/latest/apireference/API_CreateIdentitySource.html
// for the API the stack serves.
package main
