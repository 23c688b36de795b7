package main

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/vpid-dev/vpid/internal/config"
)

// Event source settings.
const (
	// provisioningMaxReceives is how often a provisioning message is tried
	// before it moves to the dead-letter queue (internal/provision counts on
	// 5).
	provisioningMaxReceives = 5
	provisioningBatchSize   = 10
	// visibilityPerTimeout: AWS advises a queue visibility timeout of at
	// least six times the consuming function's timeout, so that Lambda's
	// retries of a throttled batch do not make messages visible again.
	visibilityPerTimeout = 6

	streamBatchSize     = 100
	streamRetryAttempts = 10
)

// The DynamoDB stream keeps records for 24 hours; a record still failing
// by then goes to the stream's dead-letter queue, not lost.
var streamMaxRecordAge = awscdk.Duration_Hours(jsii.Number(24))

// queues are the stack's SQS queues.
type queues struct {
	// provisioning holds the provisioning events the rule routes from
	// EventBridge (no one else may send to it); direct holds the requests
	// the configured provisioners send; provisioningDLQ receives what failed
	// 5 times on either, and the events EventBridge could not deliver.
	provisioning, direct, provisioningDLQ awssqs.Queue
	// customResourceDLQ receives the custom resource's asynchronous
	// invocations that failed every attempt.
	customResourceDLQ awssqs.Queue
	// streamDLQ receives, from the publisher's event source mapping, a
	// description of each stream batch that could not be published.
	streamDLQ awssqs.Queue
}

// newDLQ defines a dead-letter queue: encrypted, TLS only, and keeping
// messages for the 14 days SQS allows at most.
func (s *vpidStack) newDLQ(id string) awssqs.Queue {
	return awssqs.NewQueue(s.stack, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
}

// provisioning defines the two provisioning queues, their dead-letter
// queue, the rule that routes provisioning events, the queue policies that
// say who may send, and the provisioner's event sources and trust settings.
func (s *vpidStack) provisioning() {
	s.queues.provisioningDLQ = s.newDLQ("ProvisioningDLQ")
	newQueue := func(id string) awssqs.Queue {
		return awssqs.NewQueue(s.stack, jsii.String(id), &awssqs.QueueProps{
			Encryption: awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL: jsii.Bool(true),
			VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(
				visibilityPerTimeout * *provisionerTimeout.ToSeconds(nil))),
			DeadLetterQueue: &awssqs.DeadLetterQueue{
				Queue:           s.queues.provisioningDLQ,
				MaxReceiveCount: jsii.Number(provisioningMaxReceives),
			},
		})
	}
	s.queues.provisioning = newQueue("ProvisioningQueue")
	s.queues.direct = newQueue("DirectProvisioningQueue")

	accounts := jsii.Strings(s.props.ProvisioningAccounts...)
	if len(s.props.ProvisioningAccounts) == 0 {
		accounts = &[]*string{s.stack.Account()}
	}
	// SQS-managed encryption needs no key policy for EventBridge. The
	// target adds a queue policy statement that lets events.amazonaws.com
	// send only on behalf of this rule (aws:SourceArn).
	rule := awsevents.NewRule(s.stack, jsii.String("ProvisioningRule"), &awsevents.RuleProps{
		Description: jsii.String("vpid: routes the Provision Identity Source events of the allowed accounts to the provisioning queue"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(provisioningSource),
			DetailType: jsii.Strings(provisioningDetailType),
			// EventBridge sets account to the account that put the event; the
			// event provisions for that account only.
			Account: accounts,
		},
		Targets: &[]awsevents.IRuleTarget{
			awseventstargets.NewSqsQueue(s.queues.provisioning, &awseventstargets.SqsQueueProps{
				// An event that cannot be delivered lands beside the failed
				// messages; its body is the same event, so a redrive to the
				// queue works for both.
				DeadLetterQueue: s.queues.provisioningDLQ,
			}),
		},
	})
	// Nobody but the rule may send to the event queue, not even principals
	// of this account whose IAM policies allow sqs:SendMessage: an explicit
	// deny wins over any allow.
	s.queues.provisioning.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("OnlyTheProvisioningRuleSends"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  &[]*string{s.queues.provisioning.QueueArn()},
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:SourceArn": rule.RuleArn()}},
	}))
	s.directQueuePolicy()

	fn := s.fns[fnProvisioner]
	senders := map[string][]string{}
	for id, a := range s.props.Provisioners {
		senders[id] = a
	}
	fn.AddEnvironment(jsii.String(config.EnvProvisioningEventQueueARN), s.queues.provisioning.QueueArn(), nil)
	fn.AddEnvironment(jsii.String(config.EnvProvisioningEventAccounts), awscdk.Fn_Join(jsii.String(","), accounts), nil)
	fn.AddEnvironment(jsii.String(config.EnvProvisioningDirectQueueARN), s.queues.direct.QueueArn(), nil)
	fn.AddEnvironment(jsii.String(config.EnvProvisioningSenders), s.stack.ToJsonString(senders, nil), nil)
	for _, q := range []awssqs.Queue{s.queues.provisioning, s.queues.direct} {
		fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(q, &awslambdaeventsources.SqsEventSourceProps{
			BatchSize: jsii.Number(provisioningBatchSize),
			// The provisioner reports each failed message, so one failure does
			// not redeliver the whole batch.
			ReportBatchItemFailures: jsii.Bool(true),
			// Polling stops within the function's reserved concurrency (half
			// of it per queue) instead of being throttled, which would count
			// receives towards the DLQ.
			MaxConcurrency: jsii.Number(s.concurrency.perQueue),
		}))
	}
}

// directQueuePolicy lets the configured provisioners, named by unique id
// (aws:userid is "<role id>:<session>" for a role, the user id for a user),
// send to the direct queue, and denies everyone else, this account's
// principals included. With no provisioner, nobody may send.
func (s *vpidStack) directQueuePolicy() {
	q := s.queues.direct
	send := func(sid string, effect awsiam.Effect, cond *map[string]any) {
		q.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Effect:     effect,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("sqs:SendMessage"),
			Resources:  &[]*string{q.QueueArn()},
			Conditions: cond,
		}))
	}
	ids := slices.Sorted(maps.Keys(s.props.Provisioners))
	if len(ids) == 0 {
		send("NoProvisionerIsConfigured", awsiam.Effect_DENY, nil)
		return
	}
	var userIDs []string
	for _, id := range ids {
		userIDs = append(userIDs, id, id+":*")
	}
	send("ProvisionersSend", awsiam.Effect_ALLOW, &map[string]any{"StringLike": map[string]any{"aws:userid": userIDs}})
	send("OnlyProvisionersSend", awsiam.Effect_DENY, &map[string]any{"StringNotLike": map[string]any{"aws:userid": userIDs}})
}

// publisher attaches the table's stream to the publisher function.
//
// The mapping is built directly rather than with DynamoEventSource, whose
// grant includes dynamodb:ListStreams on every resource ("*"); here the
// read actions name the stream, and ListStreams names this table's streams.
func (s *vpidStack) publisher() {
	s.queues.streamDLQ = s.newDLQ("StreamDLQ")
	fn := s.fns[fnPublisher]
	role := s.roles[fnPublisher]
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
		Resources: &[]*string{s.table.TableStreamArn()},
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("ListTableStreams"),
		Effect:  awsiam.Effect_ALLOW,
		Actions: jsii.Strings("dynamodb:ListStreams"),
		// The form AWS documents for a Lambda function reading a table's
		// stream: the table's streams, whatever their label.
		Resources: jsii.Strings(*s.table.TableArn() + "/stream/*"),
	}))
	fn.AddEventSourceMapping(jsii.String("TableStream"), &awslambda.EventSourceMappingOptions{
		EventSourceArn:   s.table.TableStreamArn(),
		StartingPosition: awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:        jsii.Number(streamBatchSize),
		// The publisher reports the first record it could not publish;
		// Lambda retries from there, so order per item is kept.
		ReportBatchItemFailures: jsii.Bool(true),
		BisectBatchOnError:      jsii.Bool(true),
		RetryAttempts:           jsii.Number(streamRetryAttempts),
		MaxRecordAge:            streamMaxRecordAge,
		// Grants the function sqs:SendMessage on the queue.
		OnFailure: awslambdaeventsources.NewSqsDlq(s.queues.streamDLQ),
	})
}

// driftSchedule runs the drift function on the schedule from the props.
func (s *vpidStack) driftSchedule() {
	awsevents.NewRule(s.stack, jsii.String("DriftSchedule"), &awsevents.RuleProps{
		Description: jsii.String("vpid: runs the drift check of identity sources"),
		Schedule:    s.drift,
		Targets: &[]awsevents.IRuleTarget{
			awseventstargets.NewLambdaFunction(s.fns[fnDrift], nil),
		},
	})
}
