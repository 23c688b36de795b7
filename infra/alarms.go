package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"
)

// alarmPeriod is the period of every alarm's metric.
var alarmPeriod = awscdk.Duration_Minutes(jsii.Number(5))

// alarmTopic returns the topic from the props, or defines one.
//
// A topic the stack defines is encrypted with a key of its own, not with
// the AWS managed key alias/aws/sns: CloudWatch can publish to an encrypted
// topic only if the key policy lets cloudwatch.amazonaws.com use the key,
// and the managed key's policy cannot be changed, so alarms to a topic
// encrypted with it are silently never delivered.
func (s *vpidStack) alarmTopic() awssns.ITopic {
	if arn := s.props.AlarmTopicARN; arn != "" {
		return awssns.Topic_FromTopicArn(s.stack, jsii.String("AlarmTopic"), jsii.String(arn))
	}
	account := s.stack.Account()
	key := awskms.NewKey(s.stack, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("vpid: encrypts the alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		// The key protects only notifications in flight; nothing encrypted
		// with it outlives the stack.
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		PendingWindow: awscdk.Duration_Days(jsii.Number(7)),
	})
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarms"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": account},
		},
	}), nil)
	topic := awssns.NewTopic(s.stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("vpid alarms"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	// The topic policy that EnforceSSL creates replaces SNS's default one,
	// so CloudWatch is allowed explicitly, for this account's alarms only.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarms"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": account},
			"ArnLike": map[string]any{"aws:SourceArn": s.stack.FormatArn(&awscdk.ArnComponents{
				Service:      jsii.String("cloudwatch"),
				Resource:     jsii.String("alarm"),
				ResourceName: jsii.String("*"),
				ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
			})},
		},
	}))
	if email := s.props.AlarmEmail; email != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return topic
}

// alarms defines the alarms, each notifying the topic when it goes into
// ALARM. Missing data is not breaching: no requests, no errors.
func (s *vpidStack) alarms() {
	s.topic = s.alarmTopic()
	action := awscloudwatchactions.NewSnsAction(s.topic)
	sum := &awscloudwatch.MetricOptions{Period: alarmPeriod, Statistic: jsii.String("Sum")}
	max := &awscloudwatch.MetricOptions{Period: alarmPeriod, Statistic: jsii.String("Maximum")}
	alarm := func(id, description string, metric awscloudwatch.IMetric) {
		a := awscloudwatch.NewAlarm(s.stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("vpid: " + description),
			Metric:             metric,
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
	}

	alarm("API5xxAlarm", "the API answered 5xx (function errors, timeouts or integration failures)",
		s.api.DeploymentStage().MetricServerError(sum))
	for _, name := range FunctionNames {
		fn := s.fns[name]
		alarm(name+"ErrorsAlarm", "the "+name+" function failed", fn.MetricErrors(sum))
		alarm(name+"ThrottlesAlarm", "the "+name+" function was throttled", fn.MetricThrottles(sum))
	}
	alarm("ProvisioningDLQAlarm", "provisioning requests failed 5 times, or EventBridge could not deliver them; they wait in the dead-letter queue",
		s.queues.provisioningDLQ.MetricApproximateNumberOfMessagesVisible(max))
	alarm("CustomResourceDLQAlarm", "CloudFormation requests to the custom resource failed every attempt; they wait in the dead-letter queue",
		s.queues.customResourceDLQ.MetricApproximateNumberOfMessagesVisible(max))
	alarm("StreamDLQAlarm", "table changes could not be published as events; their stream positions wait in the dead-letter queue",
		s.queues.streamDLQ.MetricApproximateNumberOfMessagesVisible(max))
	// A run that finds drift notifies; the alarm returns to OK without data
	// until the next run, which notifies again while the drift lasts.
	alarm("DriftAlarm", "identity sources no longer match their user pool or issuer",
		awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String(metricNamespace),
			MetricName: jsii.String(metricDriftedSources),
			Period:     alarmPeriod,
			Statistic:  jsii.String("Maximum"),
		}))
}
