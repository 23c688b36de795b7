package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// NagChecks returns the cdk-nag rule pack the app applies
// (awscdk.Aspects_Of(app).Add): AWS Solutions. Its errors fail the synth;
// the stack suppresses, with a reason, only the findings below.
func NagChecks() cdknag.AwsSolutionsChecks {
	return cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
}

// Finding IDs of the IAM5 (wildcard permission) findings the stack accepts.
const (
	// cognitoUserPoolsFinding: DescribeUserPool, DescribeUserPoolClient
	// and ListUserPoolClients on the account's user pools, in any region.
	cognitoUserPoolsFinding = "Resource::arn:<AWS::Partition>:cognito-idp:*:<AWS::AccountId>:userpool/*"
	// kmsKeysFinding: the api function's kms:DescribeKey on any key.
	kmsKeysFinding = "Resource::arn:<AWS::Partition>:kms:*:*:key/*"
)

// tableStreamsFinding matches the publisher's dynamodb:ListStreams on the
// table's streams; the table's logical ID carries a hash, hence a regex.
const tableStreamsFinding = `/^Resource::<Table[0-9A-F]{8}\.Arn>\/stream\/\*$/`

func suppression(id, reason string, appliesTo ...any) *cdknag.NagPackSuppression {
	s := &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		s.AppliesTo = &appliesTo
	}
	return s
}

// suppressNagFindings records, on the resources concerned, why each
// remaining AwsSolutions finding does not apply.
func (s *vpidStack) suppressNagFindings() {
	add := func(construct any, ss ...*cdknag.NagPackSuppression) {
		cdknag.NagSuppressions_AddResourceSuppressions(construct, &ss, jsii.Bool(true))
	}

	cognito := suppression("AwsSolutions-IAM5",
		"Identity sources name Cognito user pools chosen by the API's callers, in any region of this account, so "+
			"cognito-idp:DescribeUserPool, DescribeUserPoolClient and ListUserPoolClients (read-only) cannot name the pools in advance; "+
			"the account is fixed and no other cognito-idp action is allowed.",
		cognitoUserPoolsFinding)
	for _, fn := range []string{fnAPI, fnProvisioner, fnCfnResource, fnDrift} {
		add(s.roles[fn], cognito)
	}
	xray := suppression("AwsSolutions-IAM5",
		"Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords take no resource-level "+
			"permissions, so the CDK grants them on \"*\" (as the AWSXRayDaemonWriteAccess policy does); they only "+
			"write the function's own trace data.",
		"Resource::*")
	for _, fn := range FunctionNames {
		add(s.roles[fn], xray)
	}
	add(s.roles[fnAPI], suppression("AwsSolutions-IAM5",
		"CreatePolicyStore resolves the KMS key its caller names (in the caller's account, any region) to the key's "+
			"ARN with kms:DescribeKey, as Verified Permissions does; the keys cannot be named in advance, and "+
			"DescribeKey reads metadata only (no cryptographic or administrative action is allowed).",
		kmsKeysFinding))
	add(s.roles[fnPublisher], suppression("AwsSolutions-IAM5",
		"dynamodb:ListStreams on <table ARN>/stream/* is the form AWS documents for a Lambda function reading a "+
			"table's stream; it lists this table's streams only (the read actions name the stream itself).",
		&cdknag.RegexAppliesTo{Regex: jsii.String(tableStreamsFinding)}))

	add(s.api, suppression("AwsSolutions-COG4",
		"The API authorizes every method with AWS_IAM (SigV4), as Verified Permissions' own API does; its callers "+
			"are AWS principals, not Cognito users, so a Cognito authorizer does not apply."))
	add(s.api, suppression("AwsSolutions-APIG2",
		"The API's request validator validates request parameters (the method requires X-Amz-Target) but not "+
			"bodies: each operation has its own shape behind the one POST method, and the function validates the body "+
			"and reports every violation at once as Verified Permissions' own ValidationException or "+
			"SerializationException, which a JSON-schema model in API Gateway could not do."))
	add(s.api.DeploymentStage(), suppression("AwsSolutions-APIG3",
		"Every method requires a valid SigV4 signature, which API Gateway checks before any integration runs, and "+
			"the stage is throttled; associate a WAF web ACL with the stage where account policy requires one."))

	add(s.queues.streamDLQ, suppression("AwsSolutions-SQS3",
		"This queue is itself a dead-letter queue: the on-failure destination of the publisher's DynamoDB stream "+
			"event source mapping, which cdk-nag does not recognize as a redrive policy."))
	add(s.queues.customResourceDLQ, suppression("AwsSolutions-SQS3",
		"This queue is itself a dead-letter queue: the on-failure destination of the custom resource function's "+
			"asynchronous invocations, which cdk-nag does not recognize as a redrive policy."))

	if s.props.ManageAPIGatewayAccountRole {
		if role := s.api.Node().TryFindChild(jsii.String("CloudWatchRole")); role != nil {
			add(role, suppression("AwsSolutions-IAM4",
				"AmazonAPIGatewayPushToCloudWatchLogs is the AWS managed policy for the account-wide role API Gateway "+
					"uses to write execution logs for every API of the region, not only this stack's.",
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"))
		}
	}
}
