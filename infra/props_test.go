package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
)

func TestStackProps(t *testing.T) {
	s := synth(t, &StackProps{
		StageName:            "test",
		LogLevel:             "debug",
		TableRemovalPolicy:   awscdk.RemovalPolicy_DESTROY,
		LogRetentionDays:     90,
		ThrottlingRateLimit:  5,
		ThrottlingBurstLimit: 10,
		APILoggingLevel:      "info",
		AlarmEmail:           "ops@example.com",
		DriftSchedule:        "30m",
		ProvisioningAccounts: []string{"111122223333", "444455556666"},
		Provisioners: map[string][]string{
			"AROAEXAMPLEROLEID0001": {"111122223333"},
			"AIDAEXAMPLEUSERID0002": {"111122223333", "444455556666"},
		},
	})
	doc, tmpl := s.doc, s.tmpl
	checkProvisioningProps(t, doc)
	must(t, func() {
		// Destroy lets the stack delete the table, yet deletion protection
		// stays until someone turns it off.
		tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Delete",
			"Properties":     map[string]any{"DeletionProtectionEnabled": true},
		})
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
			"StageName": "test",
			"MethodSettings": []any{assertions.Match_ObjectLike(&map[string]any{
				"LoggingLevel":         "INFO",
				"ThrottlingRateLimit":  5,
				"ThrottlingBurstLimit": 10,
			})},
		})
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email",
			"Endpoint": "ops@example.com",
		})
	})
	for id, fn := range resources(doc, "AWS::Lambda::Function") {
		p := props(fn)
		if got := p["Environment"].(map[string]any)["Variables"].(map[string]any)["LOG_LEVEL"]; got != "DEBUG" {
			t.Errorf("%s LOG_LEVEL = %v, want DEBUG", id, got)
		}
		if got := p["LoggingConfig"].(map[string]any)["ApplicationLogLevel"]; got != "DEBUG" {
			t.Errorf("%s ApplicationLogLevel = %v, want DEBUG", id, got)
		}
	}
	logGroups := resources(doc, "AWS::Logs::LogGroup")
	if len(logGroups) != len(FunctionNames)+1 {
		t.Errorf("%d log groups, want one per function and the access log", len(logGroups))
	}
	for id, lg := range logGroups {
		if got := props(lg)["RetentionInDays"]; got != 90.0 {
			t.Errorf("log group %s keeps %v days, want 90", id, got)
		}
	}
	if _, rule := byConstruct(t, doc, "AWS::Events::Rule", "DriftSchedule"); rule["ScheduleExpression"] != "rate(30 minutes)" {
		t.Errorf("drift schedule %v, want rate(30 minutes)", rule["ScheduleExpression"])
	}
	if errs, _ := nagFindings(t, s.stack); len(errs) != 0 {
		t.Errorf("cdk-nag errors: %q", errs)
	}
}

// TestStackExistingTopicAndAccountRole covers the two settings that change
// which resources exist: an existing alarm topic, and a stack that manages
// the region's API Gateway CloudWatch role.
func TestStackExistingTopicAndAccountRole(t *testing.T) {
	const topicARN = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
	s := synth(t, &StackProps{AlarmTopicARN: topicARN, ManageAPIGatewayAccountRole: true})
	doc, tmpl := s.doc, s.tmpl

	for _, typ := range []string{"AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "AWS::KMS::Key", "AWS::SNS::Subscription"} {
		if n := len(resources(doc, typ)); n != 0 {
			t.Errorf("%d %s with an existing topic, want 0", n, typ)
		}
	}
	fnIDs := map[string]string{}
	for _, name := range FunctionNames {
		fnIDs[name], _ = byConstruct(t, doc, "AWS::Lambda::Function", name)
	}
	provisioningDLQ, _ := byConstruct(t, doc, "AWS::SQS::Queue", "ProvisioningDLQ")
	streamDLQ, _ := byConstruct(t, doc, "AWS::SQS::Queue", "StreamDLQ")
	checkAlarms(t, doc, topicARN, fnIDs, provisioningDLQ, streamDLQ)
	must(t, func() {
		tmpl.HasOutput(jsii.String("AlarmTopicARN"), map[string]any{"Value": topicARN})
	})

	// The account setting and its role survive the stack: other APIs of the
	// region log through them.
	accountID, account := only(t, doc, "AWS::ApiGateway::Account")
	roleRef, _ := account["CloudWatchRoleArn"].(map[string]any)["Fn::GetAtt"].([]any)
	if len(roleRef) != 2 {
		t.Fatalf("account CloudWatchRoleArn = %v", account["CloudWatchRoleArn"])
	}
	all := doc["Resources"].(map[string]any)
	for _, id := range []string{accountID, roleRef[0].(string)} {
		if got := all[id].(map[string]any)["DeletionPolicy"]; got != "Retain" {
			t.Errorf("%s DeletionPolicy = %v, want Retain", id, got)
		}
	}
	// The stage's execution logging needs the setting in place first.
	must(t, func() {
		tmpl.HasResource(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
			"DependsOn": assertions.Match_ArrayWith(&[]any{accountID}),
		})
	})

	errs, warnings := nagFindings(t, s.stack)
	if len(errs) != 0 || len(warnings) != 0 {
		t.Errorf("cdk-nag errors %q, warnings %q; want none", errs, warnings)
	}
}

func TestStackBadProps(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: cdkJSONContext(t),
		Outdir:  jsii.String(t.TempDir()),
	})
	stack := NewStack(app, StackID, &StackProps{
		CodeRoot:             writeCode(t),
		LogLevel:             "verbose",
		APILoggingLevel:      "off",
		LogRetentionDays:     31,
		DriftSchedule:        "soon",
		AlarmTopicARN:        "ops-alarms",
		AlarmEmail:           "ops@example.com",
		ProvisioningAccounts: []string{"12345"},
		Provisioners:         map[string][]string{"arn:aws:iam::111122223333:role/p": {"111122223333"}, "AROAEXAMPLEROLEID0001": nil, "AIDAEXAMPLEUSERID0002": {"1"}},
	})
	errs := stackErrors(stack)
	for _, want := range []string{
		`LogLevel "VERBOSE": want DEBUG, INFO, WARN or ERROR`,
		`APILoggingLevel "OFF": want ERROR or INFO`,
		`LogRetentionDays 31: want one of the periods`,
		`DriftSchedule: "soon": want rate(...), cron(...) or a Go duration`,
		`AlarmTopicARN "ops-alarms": want the ARN of an SNS topic`,
		`AlarmEmail is only for the topic the stack creates`,
		`ProvisioningAccounts: "12345" is not a 12-digit account id`,
		`Provisioners: "arn:aws:iam::111122223333:role/p" is not the unique id of an IAM role or user`,
		`Provisioners: AROAEXAMPLEROLEID0001 is allowed no account`,
		`Provisioners: AIDAEXAMPLEUSERID0002: "1" is not a 12-digit account id`,
	} {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, want) }) {
			t.Errorf("stack errors %q lack %q", errs, want)
		}
	}

	// An error annotation must stop the synth.
	defer func() {
		if recover() == nil {
			t.Error("synth succeeded, want it to fail on the error annotations")
		}
	}()
	assertions.Template_FromStack(stack, nil)
}

func TestParseSchedule(t *testing.T) {
	for in, want := range map[string]string{
		"rate(1 hour)":      "rate(1 hour)",
		"cron(0 6 * * ? *)": "cron(0 6 * * ? *)",
		"1h":                "rate(1 hour)",
		"30m":               "rate(30 minutes)",
		"90m":               "rate(90 minutes)",
		"24h":               "rate(1 day)",
		"30s":               "",
		"90s":               "",
		"hourly":            "",
		"rate(1 hour":       "",
		"":                  "",
	} {
		got, err := parseSchedule(in)
		if want == "" {
			if err == nil {
				t.Errorf("parseSchedule(%q) = %s, want an error", in, *got.ExpressionString())
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSchedule(%q): %v", in, err)
			continue
		}
		if *got.ExpressionString() != want {
			t.Errorf("parseSchedule(%q) = %s, want %s", in, *got.ExpressionString(), want)
		}
	}
}

func TestMissingCode(t *testing.T) {
	root := writeCode(t)
	if got := missingCode(root); len(got) != 0 {
		t.Errorf("missingCode = %q, want none", got)
	}
	if err := os.Remove(filepath.Join(root, fnDrift, "bootstrap")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{filepath.Join(root, fnDrift, "bootstrap")}, missingCode(root)); diff != "" {
		t.Errorf("missingCode (-want +got):\n%s", diff)
	}
}

func TestPropsFrom(t *testing.T) {
	t.Parallel()
	// settings are the props propsFrom sets (StackProps holds jsii pointers).
	type settings struct {
		StageName, LogLevel, TableRemovalPolicy, APILoggingLevel string
		LogRetentionDays, ThrottlingBurstLimit                   int
		ThrottlingRateLimit                                      float64
		ManageAPIGatewayAccountRole                              bool
		AlarmTopicARN, AlarmEmail, DriftSchedule                 string
		ProvisioningAccounts                                     []string
		Provisioners                                             map[string][]string
	}
	pick := func(p *StackProps) settings {
		return settings{
			p.StageName, p.LogLevel, string(p.TableRemovalPolicy), p.APILoggingLevel,
			p.LogRetentionDays, p.ThrottlingBurstLimit, p.ThrottlingRateLimit,
			p.ManageAPIGatewayAccountRole, p.AlarmTopicARN, p.AlarmEmail, p.DriftSchedule,
			p.ProvisioningAccounts, p.Provisioners,
		}
	}
	tests := []struct {
		name    string
		context map[string]any
		env     map[string]string
		want    settings
		wantErr []string
	}{{
		name: "defaults",
		want: settings{TableRemovalPolicy: "RETAIN"},
	}, {
		name: "env",
		env: map[string]string{
			"VPID_STAGE_NAME":                      "dev",
			"VPID_LOG_LEVEL":                       "DEBUG",
			"VPID_TABLE_REMOVAL_POLICY":            "Destroy",
			"VPID_LOG_RETENTION_DAYS":              "14",
			"VPID_THROTTLING_RATE_LIMIT":           "12.5",
			"VPID_THROTTLING_BURST_LIMIT":          "25",
			"VPID_API_LOGGING_LEVEL":               "INFO",
			"VPID_MANAGE_API_GATEWAY_ACCOUNT_ROLE": "true",
			"VPID_ALARM_TOPIC_ARN":                 "arn:aws:sns:eu-west-1:123456789012:ops",
			"VPID_ALARM_EMAIL":                     " ops@example.com ",
			"VPID_DRIFT_SCHEDULE":                  "cron(0 6 * * ? *)",
			"VPID_PROVISIONING_ACCOUNTS":           "111122223333, 444455556666",
			"VPID_PROVISIONERS":                    `{"AROAEXAMPLEROLEID0001":["111122223333"]}`,
		},
		want: settings{
			StageName: "dev", LogLevel: "DEBUG", TableRemovalPolicy: "DESTROY", APILoggingLevel: "INFO",
			LogRetentionDays: 14, ThrottlingBurstLimit: 25, ThrottlingRateLimit: 12.5,
			ManageAPIGatewayAccountRole: true, AlarmTopicARN: "arn:aws:sns:eu-west-1:123456789012:ops",
			AlarmEmail: "ops@example.com", DriftSchedule: "cron(0 6 * * ? *)",
			ProvisioningAccounts: []string{"111122223333", "444455556666"},
			Provisioners:         map[string][]string{"AROAEXAMPLEROLEID0001": {"111122223333"}},
		},
	}, {
		name: "context wins over env; cdk.json may hold numbers and booleans",
		context: map[string]any{
			"vpid:stageName":                   "prod",
			"vpid:tableRemovalPolicy":          "retain",
			"vpid:logRetentionDays":            365.0,
			"vpid:throttlingRateLimit":         50.0,
			"vpid:throttlingBurstLimit":        "75",
			"vpid:manageApiGatewayAccountRole": false,
			"vpid:driftSchedule":               "2h",
		},
		env: map[string]string{
			"VPID_STAGE_NAME":                      "dev",
			"VPID_TABLE_REMOVAL_POLICY":            "destroy",
			"VPID_LOG_RETENTION_DAYS":              "7",
			"VPID_MANAGE_API_GATEWAY_ACCOUNT_ROLE": "true",
		},
		want: settings{
			StageName: "prod", TableRemovalPolicy: "RETAIN", LogRetentionDays: 365,
			ThrottlingRateLimit: 50, ThrottlingBurstLimit: 75, DriftSchedule: "2h",
		},
	}, {
		name: "every bad value is reported",
		env: map[string]string{
			"VPID_TABLE_REMOVAL_POLICY":            "snapshot",
			"VPID_LOG_RETENTION_DAYS":              "a month",
			"VPID_THROTTLING_RATE_LIMIT":           "-1",
			"VPID_THROTTLING_BURST_LIMIT":          "1.5",
			"VPID_MANAGE_API_GATEWAY_ACCOUNT_ROLE": "yes please",
			"VPID_PROVISIONERS":                    `["AROAEXAMPLEROLEID0001"]`,
		},
		wantErr: []string{
			`"snapshot": want retain or destroy`,
			`vpid:logRetentionDays / VPID_LOG_RETENTION_DAYS = "a month"`,
			`VPID_THROTTLING_RATE_LIMIT = "-1"`,
			`VPID_THROTTLING_BURST_LIMIT = "1.5"`,
			`VPID_MANAGE_API_GATEWAY_ACCOUNT_ROLE = "yes please": want true or false`,
			`vpid:provisioners / VPID_PROVISIONERS: want a JSON object`,
		},
	}, {
		name:    "non-string context",
		context: map[string]any{"vpid:logLevel": 3.0, "vpid:alarmEmail": true},
		wantErr: []string{"context vpid:logLevel: want a string", "context vpid:alarmEmail: want a string"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			getContext := func(k *string) any { return tc.context[*k] }
			getenv := func(k string) string { return tc.env[k] }
			got, err := propsFrom(getContext, getenv)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("err = nil, want %q", tc.wantErr)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("err = %v, want it to contain %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, pick(got)); diff != "" {
				t.Errorf("props (-want +got):\n%s", diff)
			}
		})
	}
}

// checkProvisioningProps checks the stack TestStackProps builds: two
// provisioning accounts, two provisioners, and throttling of 5 requests per
// second with a burst of 10.
func checkProvisioningProps(t *testing.T, doc map[string]any) {
	t.Helper()
	_, rule := byConstruct(t, doc, "AWS::Events::Rule", "ProvisioningRule")
	if got := js(rule["EventPattern"].(map[string]any)["account"]); got != `["111122223333","444455556666"]` {
		t.Errorf("the rule matches accounts %s, want the two configured", got)
	}
	directQueue, _ := byConstruct(t, doc, "AWS::SQS::Queue", "DirectProvisioningQueue")
	fnID, fn := byConstruct(t, doc, "AWS::Lambda::Function", fnProvisioner)
	env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got := js(env["PROVISIONING_EVENT_ACCOUNTS"]); got != `"111122223333,444455556666"` {
		t.Errorf("%s PROVISIONING_EVENT_ACCOUNTS = %s", fnID, got)
	}
	var senders map[string][]string
	if err := json.Unmarshal([]byte(env["PROVISIONING_SENDERS"].(string)), &senders); err != nil ||
		!cmp.Equal(senders, map[string][]string{"AROAEXAMPLEROLEID0001": {"111122223333"}, "AIDAEXAMPLEUSERID0002": {"111122223333", "444455556666"}}) {
		t.Errorf("%s PROVISIONING_SENDERS = %v (%v)", fnID, env["PROVISIONING_SENDERS"], err)
	}
	// The provisioners may send to the direct queue (a role from any of its
	// sessions); everyone else is denied, this account's principals included.
	ids := []any{"AIDAEXAMPLEUSERID0002", "AIDAEXAMPLEUSERID0002:*", "AROAEXAMPLEROLEID0001", "AROAEXAMPLEROLEID0001:*"}
	statement := func(sid, effect, op string) map[string]any {
		return map[string]any{
			"Sid": sid, "Effect": effect, "Principal": map[string]any{"AWS": "*"}, "Action": "sqs:SendMessage",
			"Resource": getAtt(directQueue, "Arn"), "Condition": map[string]any{op: map[string]any{"aws:userid": ids}},
		}
	}
	checkQueueStatements(t, doc, directQueue,
		statement("ProvisionersSend", "Allow", "StringLike"),
		statement("OnlyProvisionersSend", "Deny", "StringNotLike"))

	// Reserved concurrency follows the throttling: 10 + 5 × 1 s, and the
	// floors of 2 (per provisioning queue).
	for name, want := range map[string]float64{fnAPI: 15, fnProvisioner: 4, fnPublisher: 2} {
		_, p := byConstruct(t, doc, "AWS::Lambda::Function", name)
		if got := p["ReservedConcurrentExecutions"]; got != want {
			t.Errorf("%s reserved concurrency %v, want %v", name, got, want)
		}
	}
}

func TestSizeConcurrency(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
		want  concurrency
	}{
		{100, 200, concurrency{api: 300, provisioner: 10, perQueue: 5, publisher: 2}},
		{5, 10, concurrency{api: 15, provisioner: 4, perQueue: 2, publisher: 2}},
		{1000, 2000, concurrency{api: 3000, provisioner: 100, perQueue: 50, publisher: 10}},
		{0.5, 1, concurrency{api: 2, provisioner: 4, perQueue: 2, publisher: 2}},
	} {
		if got := sizeConcurrency(tc.rate, tc.burst); got != tc.want {
			t.Errorf("sizeConcurrency(%v, %d) = %+v, want %+v", tc.rate, tc.burst, got, tc.want)
		}
	}
}
