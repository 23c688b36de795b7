package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/bus"
)

// TestStack checks the stack with default props: one synth, many checks.
func TestStack(t *testing.T) {
	s := synth(t, nil)
	doc, tmpl := s.doc, s.tmpl
	tableID, _ := only(t, doc, "AWS::DynamoDB::Table")
	table := getAtt(tableID, "Arn")
	stream := getAtt(tableID, "StreamArn")

	fnIDs := map[string]string{}
	fnProps := map[string]map[string]any{}
	for _, name := range FunctionNames {
		fnIDs[name], fnProps[name] = byConstruct(t, doc, "AWS::Lambda::Function", name)
	}
	queueID := func(construct string) string {
		id, _ := byConstruct(t, doc, "AWS::SQS::Queue", construct)
		return id
	}
	provisioningQueue, provisioningDLQ, streamDLQ := queueID("ProvisioningQueue"), queueID("ProvisioningDLQ"), queueID("StreamDLQ")
	directQueue, customResourceDLQ := queueID("DirectProvisioningQueue"), queueID("CustomResourceDLQ")

	t.Run("nag: no AwsSolutions errors or warnings", func(t *testing.T) {
		errs, warnings := nagFindings(t, s.stack)
		for _, e := range errs {
			t.Errorf("error: %s", e)
		}
		for _, w := range warnings {
			t.Errorf("warning: %s", w)
		}
	})

	t.Run("table", func(t *testing.T) {
		key := func(hash, rng string) []map[string]any {
			return []map[string]any{
				{"AttributeName": hash, "KeyType": "HASH"},
				{"AttributeName": rng, "KeyType": "RANGE"},
			}
		}
		str := func(name string) map[string]any {
			return map[string]any{"AttributeName": name, "AttributeType": "S"}
		}
		must(t, func() {
			tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
				"DeletionPolicy":      "Retain",
				"UpdateReplacePolicy": "Retain",
				"Properties": map[string]any{
					"KeySchema": key(storeAttrPK, storeAttrSK),
					"AttributeDefinitions": []map[string]any{
						str(storeAttrPK), str(storeAttrSK), str(storeAttrGSI1PK), str(storeAttrGSI1SK),
					},
					"GlobalSecondaryIndexes": []map[string]any{{
						"IndexName":  storeIndexGSI1,
						"KeySchema":  key(storeAttrGSI1PK, storeAttrGSI1SK),
						"Projection": map[string]any{"ProjectionType": "ALL"},
					}},
					"BillingMode": "PAY_PER_REQUEST",
					"PointInTimeRecoverySpecification": map[string]any{
						"PointInTimeRecoveryEnabled": true,
					},
					"TimeToLiveSpecification": map[string]any{
						"AttributeName": storeAttrExpiresAt,
						"Enabled":       true,
					},
					"SSESpecification": map[string]any{"SSEEnabled": true},
					// Retain and deletion protection both.
					"DeletionProtectionEnabled": true,
					"StreamSpecification":       map[string]any{"StreamViewType": "NEW_AND_OLD_IMAGES"},
				},
			})
		})
	})

	t.Run("functions", func(t *testing.T) {
		if n := len(resources(doc, "AWS::Lambda::Function")); n != len(FunctionNames) {
			t.Errorf("%d functions, want %d (no log-retention or custom-resource helpers)", n, len(FunctionNames))
		}
		tableName := ref(tableID)
		wantEnv := map[string]map[string]any{
			fnAPI: {"TABLE_NAME": tableName, "LOG_LEVEL": "INFO"},
			fnProvisioner: {
				"TABLE_NAME": tableName, "LOG_LEVEL": "INFO", "EVENT_BUS_NAME": "default",
				// The trust settings: by default, events of the deployment's own
				// account and no direct sender.
				"PROVISIONING_EVENT_QUEUE_ARN":  getAtt(provisioningQueue, "Arn"),
				"PROVISIONING_EVENT_ACCOUNTS":   ref("AWS::AccountId"),
				"PROVISIONING_DIRECT_QUEUE_ARN": getAtt(directQueue, "Arn"),
				"PROVISIONING_SENDERS":          "{}",
			},
			fnPublisher:   {"LOG_LEVEL": "INFO", "EVENT_BUS_NAME": "default"},
			fnCfnResource: {"TABLE_NAME": tableName, "LOG_LEVEL": "INFO"},
			fnDrift:       {"TABLE_NAME": tableName, "LOG_LEVEL": "INFO", "EVENT_BUS_NAME": "default"},
		}
		// Sized from the default throttling (100 requests/s, burst 200):
		// burst + rate × 1 s, 2 × rate/20, rate/100 (at least 2); one drift run
		// at a time; the custom resource follows CloudFormation's pace.
		wantReserved := map[string]any{fnAPI: 300.0, fnProvisioner: 10.0, fnPublisher: 2.0, fnDrift: 1.0, fnCfnResource: nil}
		wantTimeout := map[string]float64{fnAPI: 10, fnProvisioner: 30, fnPublisher: 60, fnCfnResource: 60, fnDrift: 900}
		roles := map[string]string{}
		logGroups := map[string]string{}
		for _, name := range FunctionNames {
			fn := fnProps[name]
			got := map[string]any{
				"Runtime":       fn["Runtime"],
				"Architectures": fn["Architectures"],
				"Handler":       fn["Handler"],
				"MemorySize":    fn["MemorySize"],
				"Timeout":       fn["Timeout"],
				"Environment":   fn["Environment"],
				"LoggingFormat": js(fn["LoggingConfig"].(map[string]any)["LogFormat"]),
				"LogLevels": []any{
					fn["LoggingConfig"].(map[string]any)["ApplicationLogLevel"],
					fn["LoggingConfig"].(map[string]any)["SystemLogLevel"],
				},
				"Tracing":  fn["TracingConfig"],
				"Reserved": fn["ReservedConcurrentExecutions"],
			}
			want := map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    256.0,
				"Timeout":       wantTimeout[name],
				"Environment":   map[string]any{"Variables": wantEnv[name]},
				"LoggingFormat": `"JSON"`,
				"LogLevels":     []any{"INFO", "INFO"},
				"Tracing":       map[string]any{"Mode": "Active"},
				"Reserved":      wantReserved[name],
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s function (-want +got):\n%s", name, diff)
			}

			// Its own log group, kept 30 days, and its own role.
			lg, _ := fn["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)
			lgID, _ := lg["Ref"].(string)
			lgProps := props(resources(doc, "AWS::Logs::LogGroup")[lgID])
			if lgProps == nil || lgProps["RetentionInDays"] != 30.0 {
				t.Errorf("%s: log group %s = %v, want one kept 30 days", name, lgID, lgProps)
			}
			role, _ := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)
			if len(role) != 2 || role[1] != "Arn" {
				t.Fatalf("%s: role %v", name, fn["Role"])
			}
			roles[role[0].(string)] = name
			logGroups[lgID] = name
		}
		if len(roles) != len(FunctionNames) || len(logGroups) != len(FunctionNames) {
			t.Errorf("roles %v, log groups %v: want one of each per function", roles, logGroups)
		}
		must(t, func() {
			tmpl.ResourceCountIs(jsii.String("AWS::Lambda::EventInvokeConfig"), jsii.Number(2))
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
				"FunctionName":         ref(fnIDs[fnDrift]),
				"MaximumRetryAttempts": 0,
			})
			// The custom resource's failed asynchronous invocations are kept.
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]any{
				"FunctionName": ref(fnIDs[fnCfnResource]),
				"DestinationConfig": map[string]any{"OnFailure": map[string]any{
					"Destination": getAtt(customResourceDLQ, "Arn"),
				}},
			})
		})
	})

	t.Run("least privilege", func(t *testing.T) {
		cognito := join("arn:", ref("AWS::Partition"), ":cognito-idp:*:", ref("AWS::AccountId"), ":userpool/*")
		eventBus := join("arn:", ref("AWS::Partition"), ":events:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":event-bus/default")
		index := join(table, "/index/gsi1")
		streams := join(table, "/stream/*")

		type perms map[string][]string // action -> resources (JSON), sorted
		grant := func(p perms, actions []string, res ...any) {
			for _, a := range actions {
				for _, r := range res {
					p[a] = append(p[a], js(r))
				}
				slices.Sort(p[a])
			}
		}
		want := map[string]perms{}
		for _, name := range FunctionNames {
			p := perms{}
			lg := fnProps[name]["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
			grant(p, []string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(lg, "Arn"))
			want[name] = p
		}
		service := []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"}
		describe := []string{"cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient", "cognito-idp:ListUserPoolClients"}
		for _, name := range []string{fnAPI, fnProvisioner, fnCfnResource} {
			grant(want[name], service, table, index)
			grant(want[name], describe, cognito)
		}
		grant(want[fnDrift], []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"}, table, index)
		grant(want[fnDrift], describe, cognito)
		grant(want[fnAPI], []string{"kms:DescribeKey"}, join("arn:", ref("AWS::Partition"), ":kms:*:*:key/*"))
		for _, name := range []string{fnProvisioner, fnPublisher, fnDrift} {
			grant(want[name], []string{"events:PutEvents"}, eventBus)
		}
		grant(want[fnProvisioner], []string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
			getAtt(provisioningQueue, "Arn"), getAtt(directQueue, "Arn"))
		grant(want[fnCfnResource], []string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, getAtt(customResourceDLQ, "Arn"))
		for _, name := range FunctionNames {
			// Active tracing; these two actions take no resource.
			grant(want[name], []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"}, "*")
		}
		grant(want[fnPublisher], []string{"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}, stream)
		grant(want[fnPublisher], []string{"dynamodb:ListStreams"}, streams)
		grant(want[fnPublisher], []string{"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}, getAtt(streamDLQ, "Arn"))

		roles := resources(doc, "AWS::IAM::Role")
		if len(roles) != len(FunctionNames) {
			t.Errorf("%d roles, want %d (one per function, and no API Gateway account role)", len(roles), len(FunctionNames))
		}
		for _, name := range FunctionNames {
			roleID := fnProps[name]["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			role := props(roles[roleID])
			if role["ManagedPolicyArns"] != nil || role["Policies"] != nil {
				t.Errorf("%s role: managed %v, inline %v; want neither", name, role["ManagedPolicyArns"], role["Policies"])
			}
			if got := js(role["AssumeRolePolicyDocument"]); !strings.Contains(got, `"Service":"lambda.amazonaws.com"`) || strings.Count(got, `"Action"`) != 1 {
				t.Errorf("%s role trust policy %s, want lambda.amazonaws.com only", name, got)
			}
			got := perms{}
			for _, pol := range resources(doc, "AWS::IAM::Policy") {
				pp := props(pol)
				if !slices.ContainsFunc(asList(pp["Roles"]), func(r any) bool { return js(r) == js(ref(roleID)) }) {
					continue
				}
				for _, st := range asList(pp["PolicyDocument"].(map[string]any)["Statement"]) {
					st := st.(map[string]any)
					if st["Effect"] != "Allow" || st["Condition"] != nil || st["NotAction"] != nil || st["NotResource"] != nil {
						t.Errorf("%s: unexpected statement %s", name, js(st))
						continue
					}
					var actions []string
					for _, a := range asList(st["Action"]) {
						actions = append(actions, a.(string))
					}
					grant(got, actions, asList(st["Resource"])...)
				}
			}
			if diff := cmp.Diff(want[name], got); diff != "" {
				t.Errorf("%s permissions (-want +got):\n%s", name, diff)
			}
		}
	})

	t.Run("no wildcard actions, no * resources", func(t *testing.T) {
		allowedWildcardResources := []string{
			js(join("arn:", ref("AWS::Partition"), ":cognito-idp:*:", ref("AWS::AccountId"), ":userpool/*")),
			js(join(table, "/stream/*")),
			// kms:DescribeKey on the keys callers name (api only).
			js(join("arn:", ref("AWS::Partition"), ":kms:*:*:key/*")),
		}
		for id, r := range doc["Resources"].(map[string]any) {
			r := r.(map[string]any)
			p := props(r)
			var docs []any
			for _, k := range []string{"PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"} {
				if p[k] != nil {
					docs = append(docs, p[k])
				}
			}
			for _, d := range docs {
				for _, st := range asList(d.(map[string]any)["Statement"]) {
					st := st.(map[string]any)
					if st["Effect"] != "Allow" {
						continue // e.g. the deny of plain HTTP, "sqs:*" for everyone
					}
					keyAdmin := r["Type"] == "AWS::KMS::Key" && strings.HasSuffix(js(st["Principal"]), `":root"]]}}`)
					for _, a := range asList(st["Action"]) {
						if strings.Contains(a.(string), "*") && (!keyAdmin || a != "kms:*") {
							t.Errorf("%s allows wildcard action %q", id, a)
						}
					}
					for _, res := range asList(st["Resource"]) {
						if r["Type"] == "AWS::KMS::Key" {
							continue // in a key policy, "*" is the key itself
						}
						xray := slices.Equal(asList(st["Action"]), []any{"xray:PutTelemetryRecords", "xray:PutTraceSegments"})
						if res == "*" && xray {
							continue // active tracing: no resource-level permissions exist
						}
						if res == "*" {
							t.Errorf("%s: statement %v allows every resource", id, st["Action"])
						}
						if s := js(res); strings.Contains(s, "*") && !slices.Contains(allowedWildcardResources, s) {
							t.Errorf("%s: wildcard resource %s", id, s)
						}
					}
				}
			}
		}
	})

	t.Run("API: AWS_IAM on every method, X-Amz-Target required", func(t *testing.T) {
		methods := resources(doc, "AWS::ApiGateway::Method")
		// POST on the root resource is the whole API: AWS JSON 1.0 routes on
		// X-Amz-Target, not on the path.
		if len(methods) != 1 {
			t.Errorf("%d methods, want 1 (POST /)", len(methods))
		}
		for id, m := range methods {
			if got := props(m)["AuthorizationType"]; got != "AWS_IAM" {
				t.Errorf("method %s: AuthorizationType = %v, want AWS_IAM", id, got)
			}
		}
		if n := len(resources(doc, "AWS::ApiGateway::Resource")); n != 0 {
			t.Errorf("%d API resources besides the root, want 0", n)
		}
		apiID, _ := only(t, doc, "AWS::ApiGateway::RestApi")
		validatorID, _ := only(t, doc, "AWS::ApiGateway::RequestValidator")
		must(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
				"HttpMethod":         "POST",
				"AuthorizationType":  "AWS_IAM",
				"ResourceId":         getAtt(apiID, "RootResourceId"),
				"RequestValidatorId": ref(validatorID),
				"RequestParameters":  map[string]any{"method.request.header.X-Amz-Target": true},
				"Integration": assertions.Match_ObjectLike(&map[string]any{
					"Type":                  "AWS_PROXY",
					"IntegrationHttpMethod": "POST",
				}),
			})
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RequestValidator"), map[string]any{
				"RestApiId":                 ref(apiID),
				"ValidateRequestParameters": true,
				"ValidateRequestBody":       false,
			})
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
				"ResponseType": "BAD_REQUEST_PARAMETERS",
				"StatusCode":   "400",
				"ResponseParameters": map[string]any{
					"gatewayresponse.header.Content-Type":     "'application/x-amz-json-1.0'",
					"gatewayresponse.header.X-Amzn-ErrorType": "'UnknownOperationException'",
				},
			})
		})
		_, gr := only(t, doc, "AWS::ApiGateway::GatewayResponse")
		var body map[string]string
		if err := json.Unmarshal([]byte(gr["ResponseTemplates"].(map[string]any)["application/json"].(string)), &body); err != nil || body["__type"] != "UnknownOperationException" {
			t.Errorf("missing-target body %v (%v), want an UnknownOperationException", body, err)
		}
		// The stack must not take over the region's API Gateway account settings.
		if n := len(resources(doc, "AWS::ApiGateway::Account")); n != 0 {
			t.Errorf("%d AWS::ApiGateway::Account resources, want 0", n)
		}
		// API Gateway may invoke the function only through this API's stage.
		must(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
				"FunctionName": getAtt(fnIDs[fnAPI], "Arn"),
				"Principal":    "apigateway.amazonaws.com",
				"SourceArn":    assertions.Match_AnyValue(),
			})
		})
	})

	t.Run("API stage: access logs, execution logs, metrics, throttling", func(t *testing.T) {
		stageID, stage := only(t, doc, "AWS::ApiGateway::Stage")
		if stage["StageName"] != DefaultStageName {
			t.Errorf("stage %s name %v, want %s", stageID, stage["StageName"], DefaultStageName)
		}
		wantSettings := []any{map[string]any{
			"HttpMethod":           "*",
			"ResourcePath":         "/*",
			"LoggingLevel":         "ERROR",
			"DataTraceEnabled":     false,
			"MetricsEnabled":       true,
			"ThrottlingRateLimit":  100.0,
			"ThrottlingBurstLimit": 200.0,
		}}
		if stage["TracingEnabled"] != true {
			t.Errorf("stage TracingEnabled = %v, want X-Ray tracing", stage["TracingEnabled"])
		}
		if diff := cmp.Diff(wantSettings, stage["MethodSettings"]); diff != "" {
			t.Errorf("method settings (-want +got):\n%s", diff)
		}
		als, _ := stage["AccessLogSetting"].(map[string]any)
		// The log group's ARN without the ":*" suffix, which API Gateway rejects.
		lgID, _ := byConstruct(t, doc, "AWS::Logs::LogGroup", "APIAccessLogs")
		wantDest := join("arn:", ref("AWS::Partition"), ":logs:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":log-group:", ref(lgID))
		if diff := cmp.Diff(js(wantDest), js(als["DestinationArn"])); diff != "" {
			t.Errorf("access log destination (-want +got):\n%s", diff)
		}
		if lg := props(resources(doc, "AWS::Logs::LogGroup")[lgID]); lg["RetentionInDays"] != 30.0 {
			t.Errorf("access log group %v = %v, want one kept 30 days", lgID, lg)
		}
		var format map[string]string
		if err := json.Unmarshal([]byte(als["Format"].(string)), &format); err != nil {
			t.Fatalf("access log format %q is not JSON: %v", als["Format"], err)
		}
		for field, variable := range map[string]string{
			"requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
			"caller": "$context.identity.caller", "user": "$context.identity.user",
			"requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
			"resourcePath": "$context.resourcePath", "status": "$context.status",
			"protocol": "$context.protocol", "responseLength": "$context.responseLength",
			"errorType": "$context.error.responseType",
		} {
			if format[field] != variable {
				t.Errorf("access log %s = %q, want %q", field, format[field], variable)
			}
		}
	})

	t.Run("provisioning queue, DLQ and rule", func(t *testing.T) {
		provisionerTimeout := fnProps[fnProvisioner]["Timeout"].(float64)
		q := props(resources(doc, "AWS::SQS::Queue")[provisioningQueue])
		if v := q["VisibilityTimeout"].(float64); v < 6*provisionerTimeout {
			t.Errorf("visibility timeout %v s, want at least 6 × the provisioner's %v s", v, provisionerTimeout)
		}
		if diff := cmp.Diff(map[string]any{"deadLetterTargetArn": getAtt(provisioningDLQ, "Arn"), "maxReceiveCount": 5.0}, q["RedrivePolicy"]); diff != "" {
			t.Errorf("redrive policy (-want +got):\n%s", diff)
		}
		for _, id := range []string{provisioningQueue, directQueue, provisioningDLQ, streamDLQ, customResourceDLQ} {
			p := props(resources(doc, "AWS::SQS::Queue")[id])
			if p["SqsManagedSseEnabled"] != true {
				t.Errorf("queue %s: SqsManagedSseEnabled = %v, want true", id, p["SqsManagedSseEnabled"])
			}
			if id != provisioningQueue && id != directQueue && p["MessageRetentionPeriod"] != 14*24*3600.0 {
				t.Errorf("DLQ %s keeps messages %v s, want 14 days", id, p["MessageRetentionPeriod"])
			}
			// TLS only: a queue policy denies requests without it.
			must(t, func() {
				tmpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
					"Queues": []any{ref(id)},
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
						"Action":    "sqs:*",
						"Effect":    "Deny",
						"Principal": map[string]any{"AWS": "*"},
						"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
						"Resource":  getAtt(id, "Arn"),
					}})},
				})
			})
		}

		if provisioningSource != bus.ProvisioningSource || provisioningDetailType != bus.ProvisioningDetailType {
			t.Fatalf("rule matches %q / %q, internal/bus names %q / %q", provisioningSource, provisioningDetailType, bus.ProvisioningSource, bus.ProvisioningDetailType)
		}
		ruleID, rule := byConstruct(t, doc, "AWS::Events::Rule", "ProvisioningRule")
		got := map[string]any{"EventBusName": rule["EventBusName"], "EventPattern": rule["EventPattern"], "Targets": rule["Targets"]}
		want := map[string]any{
			"EventBusName": nil, // the default bus
			// Only the events of the allowed accounts: by default, the deployment's own.
			"EventPattern": map[string]any{"source": []any{bus.ProvisioningSource}, "detail-type": []any{bus.ProvisioningDetailType},
				"account": []any{ref("AWS::AccountId")}},
			"Targets": []any{map[string]any{
				"Id":               "Target0",
				"Arn":              getAtt(provisioningQueue, "Arn"),
				"DeadLetterConfig": map[string]any{"Arn": getAtt(provisioningDLQ, "Arn")},
			}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("provisioning rule (-want +got):\n%s", diff)
		}
		// EventBridge may send to the queue (and its DLQ) only for this rule.
		for _, q := range []string{provisioningQueue, provisioningDLQ} {
			for id, pol := range resources(doc, "AWS::SQS::QueuePolicy") {
				p := props(pol)
				if js(p["Queues"]) != js([]any{ref(q)}) {
					continue
				}
				var allows int
				for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
					st := st.(map[string]any)
					if st["Effect"] != "Allow" {
						continue
					}
					allows++
					if js(st["Principal"]) != `{"Service":"events.amazonaws.com"}` ||
						js(st["Condition"]) != js(map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": getAtt(ruleID, "Arn")}}) {
						t.Errorf("%s: statement %s, want events.amazonaws.com from the rule only", id, js(st))
					}
				}
				if allows != 1 {
					t.Errorf("%s: %d allow statements, want 1", id, allows)
				}
			}
		}
		// Nobody else may send to the event queue, this account's principals
		// included: the envelope's account is EventBridge's word only if
		// EventBridge alone delivers there.
		checkQueueStatements(t, doc, provisioningQueue, map[string]any{
			"Sid": "OnlyTheProvisioningRuleSends", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
			"Action": "sqs:SendMessage", "Resource": getAtt(provisioningQueue, "Arn"),
			"Condition": map[string]any{"ArnNotEquals": map[string]any{"aws:SourceArn": getAtt(ruleID, "Arn")}},
		})
		// No provisioner is configured: nobody may send to the direct queue.
		checkQueueStatements(t, doc, directQueue, map[string]any{
			"Sid": "NoProvisionerIsConfigured", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
			"Action": "sqs:SendMessage", "Resource": getAtt(directQueue, "Arn"),
		})

		for _, q := range []string{provisioningQueue, directQueue} {
			must(t, func() {
				tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
					"FunctionName":          ref(fnIDs[fnProvisioner]),
					"EventSourceArn":        getAtt(q, "Arn"),
					"BatchSize":             10,
					"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
					// The two mappings share the reserved concurrency (10).
					"ScalingConfig": map[string]any{"MaximumConcurrency": 5},
				})
			})
		}
	})

	t.Run("publisher stream mapping", func(t *testing.T) {
		must(t, func() {
			tmpl.ResourceCountIs(jsii.String("AWS::Lambda::EventSourceMapping"), jsii.Number(3))
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
				"FunctionName":               ref(fnIDs[fnPublisher]),
				"EventSourceArn":             stream,
				"StartingPosition":           "TRIM_HORIZON",
				"BatchSize":                  100,
				"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
				"BisectBatchOnFunctionError": true,
				"MaximumRetryAttempts":       10,
				"MaximumRecordAgeInSeconds":  86400,
				"DestinationConfig": map[string]any{"OnFailure": map[string]any{
					"Destination": getAtt(streamDLQ, "Arn"),
				}},
			})
		})
	})

	t.Run("invoke permissions: only where they must be", func(t *testing.T) {
		// A direct invocation skips API Gateway's SigV4 check and the queues'
		// policies (DESIGN.md, "Direct invocation"), so the functions' resource
		// policies let exactly two services invoke, each from one source:
		// API Gateway the api function, through POST / of this API's stage
		// (no test invoke), and EventBridge the drift function, from its
		// schedule rule. The provisioner and the publisher are invoked by
		// their event source mappings, and the custom resource by
		// CloudFormation with the deploying principal's own permissions;
		// none of them needs a resource policy.
		apiID, _ := only(t, doc, "AWS::ApiGateway::RestApi")
		stageID, _ := only(t, doc, "AWS::ApiGateway::Stage")
		driftRule, _ := byConstruct(t, doc, "AWS::Events::Rule", "DriftSchedule")
		want := []string{
			js(map[string]any{
				"Action": "lambda:InvokeFunction", "FunctionName": getAtt(fnIDs[fnAPI], "Arn"), "Principal": "apigateway.amazonaws.com",
				"SourceArn": join("arn:", ref("AWS::Partition"), ":execute-api:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":",
					ref(apiID), "/", ref(stageID), "/POST/"),
			}),
			js(map[string]any{
				"Action": "lambda:InvokeFunction", "FunctionName": getAtt(fnIDs[fnDrift], "Arn"), "Principal": "events.amazonaws.com",
				"SourceArn": getAtt(driftRule, "Arn"),
			}),
		}
		var got []string
		for _, r := range resources(doc, "AWS::Lambda::Permission") {
			got = append(got, js(props(r)))
		}
		slices.Sort(want)
		slices.Sort(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("invoke permissions (-want +got):\n%s", diff)
		}
		if n := len(resources(doc, "AWS::Lambda::Url")); n != 0 {
			t.Errorf("%d function URLs, want none", n)
		}
	})

	t.Run("drift schedule", func(t *testing.T) {
		ruleID, rule := byConstruct(t, doc, "AWS::Events::Rule", "DriftSchedule")
		if rule["ScheduleExpression"] != "rate(1 hour)" {
			t.Errorf("drift schedule %v, want rate(1 hour)", rule["ScheduleExpression"])
		}
		if diff := cmp.Diff([]any{map[string]any{"Id": "Target0", "Arn": getAtt(fnIDs[fnDrift], "Arn")}}, rule["Targets"]); diff != "" {
			t.Errorf("drift targets (-want +got):\n%s", diff)
		}
		must(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
				"FunctionName": getAtt(fnIDs[fnDrift], "Arn"),
				"Principal":    "events.amazonaws.com",
				"SourceArn":    getAtt(ruleID, "Arn"),
			})
		})
	})

	t.Run("outputs and the custom resource export", func(t *testing.T) {
		outputs, _ := doc["Outputs"].(map[string]any)
		keys := slices.Sorted(maps.Keys(outputs))
		if diff := cmp.Diff([]string{"APIURL", "AlarmTopicARN", "FunctionName", "IdentitySourceProvider", "ProvisioningQueueURL", "TableName"}, keys); diff != "" {
			t.Errorf("outputs (-want +got):\n%s", diff)
		}
		must(t, func() {
			tmpl.HasOutput(jsii.String("IdentitySourceProvider"), map[string]any{
				"Value":  getAtt(fnIDs[fnCfnResource], "Arn"),
				"Export": map[string]any{"Name": "vpid-IdentitySourceProvider"},
			})
			tmpl.HasOutput(jsii.String("TableName"), map[string]any{"Value": ref(tableID)})
		})
		for k, o := range outputs {
			if k != "IdentitySourceProvider" && o.(map[string]any)["Export"] != nil {
				t.Errorf("output %s is exported; only the custom resource's ServiceToken is", k)
			}
		}
	})

	t.Run("alarm topic", func(t *testing.T) {
		keyID, key := only(t, doc, "AWS::KMS::Key")
		if key["EnableKeyRotation"] != true {
			t.Error("alarm topic key rotation is off")
		}
		if !strings.Contains(js(key["KeyPolicy"]), `"Principal":{"Service":"cloudwatch.amazonaws.com"}`) {
			t.Errorf("key policy %s does not let CloudWatch use the key", js(key["KeyPolicy"]))
		}
		topicID, topic := only(t, doc, "AWS::SNS::Topic")
		if js(topic["KmsMasterKeyId"]) != js(getAtt(keyID, "Arn")) {
			t.Errorf("topic key %v, want the stack's key", topic["KmsMasterKeyId"])
		}
		_, pol := only(t, doc, "AWS::SNS::TopicPolicy")
		sts := js(pol["PolicyDocument"])
		for _, want := range []string{`"aws:SecureTransport":"false"`, `"Effect":"Deny"`, `"Principal":{"Service":"cloudwatch.amazonaws.com"}`} {
			if !strings.Contains(sts, want) {
				t.Errorf("topic policy %s lacks %s", sts, want)
			}
		}
		if n := len(resources(doc, "AWS::SNS::Subscription")); n != 0 {
			t.Errorf("%d subscriptions without an AlarmEmail, want 0", n)
		}
		checkAlarms(t, doc, ref(topicID), fnIDs, provisioningDLQ, streamDLQ)
	})
}

// checkAlarms checks the stack's alarms: what they watch, and that each
// notifies topic.
func checkAlarms(t *testing.T, doc map[string]any, topic any, fnIDs map[string]string, provisioningDLQ, streamDLQ string) {
	t.Helper()
	type metric struct{ Namespace, Name, Statistic, Dimensions string }
	dims := func(kv ...any) string {
		var d []any
		for i := 0; i < len(kv); i += 2 {
			d = append(d, map[string]any{"Name": kv[i], "Value": kv[i+1]})
		}
		return js(d)
	}
	stageID, _ := only(t, doc, "AWS::ApiGateway::Stage")
	customResourceDLQ, _ := byConstruct(t, doc, "AWS::SQS::Queue", "CustomResourceDLQ")
	want := []metric{
		{"AWS/ApiGateway", "5XXError", "Sum", dims("ApiName", "vpid", "Stage", ref(stageID))},
		{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dims("QueueName", getAtt(provisioningDLQ, "QueueName"))},
		{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dims("QueueName", getAtt(streamDLQ, "QueueName"))},
		{"AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", dims("QueueName", getAtt(customResourceDLQ, "QueueName"))},
		{"vpid", "DriftedIdentitySources", "Maximum", "null"},
	}
	for _, name := range FunctionNames {
		want = append(want,
			metric{"AWS/Lambda", "Errors", "Sum", dims("FunctionName", ref(fnIDs[name]))},
			metric{"AWS/Lambda", "Throttles", "Sum", dims("FunctionName", ref(fnIDs[name]))})
	}
	var got []metric
	for id, a := range resources(doc, "AWS::CloudWatch::Alarm") {
		p := props(a)
		got = append(got, metric{
			Namespace: p["Namespace"].(string), Name: p["MetricName"].(string),
			Statistic: p["Statistic"].(string), Dimensions: js(p["Dimensions"]),
		})
		rule := map[string]any{
			"ComparisonOperator": p["ComparisonOperator"], "Threshold": p["Threshold"],
			"EvaluationPeriods": p["EvaluationPeriods"], "Period": p["Period"],
			"TreatMissingData": p["TreatMissingData"], "AlarmActions": p["AlarmActions"],
		}
		wantRule := map[string]any{
			"ComparisonOperator": "GreaterThanThreshold", "Threshold": 0.0,
			"EvaluationPeriods": 1.0, "Period": 300.0,
			"TreatMissingData": "notBreaching", "AlarmActions": []any{topic},
		}
		if diff := cmp.Diff(wantRule, rule); diff != "" {
			t.Errorf("alarm %s (-want +got):\n%s", id, diff)
		}
	}
	less := func(a, b metric) int { return strings.Compare(js(a), js(b)) }
	slices.SortFunc(want, less)
	slices.SortFunc(got, less)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("alarm metrics (-want +got):\n%s", diff)
	}
}

// checkQueueStatements fails unless queue's policy holds each statement.
func checkQueueStatements(t *testing.T, doc map[string]any, queue string, statements ...map[string]any) {
	t.Helper()
	var got []string
	for _, pol := range resources(doc, "AWS::SQS::QueuePolicy") {
		p := props(pol)
		if js(p["Queues"]) != js([]any{ref(queue)}) {
			continue
		}
		for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
			got = append(got, js(st))
		}
	}
	for _, want := range statements {
		if !slices.Contains(got, js(want)) {
			t.Errorf("queue %s: no statement %s among\n%s", queue, js(want), strings.Join(got, "\n"))
		}
	}
}
