package main

import (
	"encoding/json"
	"fmt"
	"maps"
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

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// Table attribute names as internal/store/schema.go defines them. They are
// repeated, not imported, because infra must not depend on internal/store.
const (
	storeAttrPK        = "pk"
	storeAttrSK        = "sk"
	storeAttrGSI1PK    = "gsi1pk"
	storeAttrGSI1SK    = "gsi1sk"
	storeAttrExpiresAt = "expiresAt"
	storeIndexGSI1     = "gsi1"
)

// synth synthesizes the stack the way the CDK CLI does (with cdk.json's
// context, so feature flags match `make synth`) and returns it with its
// template. The function code is a dummy bootstrap in a temp folder, so the
// test does not need `make build`.
func synth(tb testing.TB, props *APIStackProps) (awscdk.Stack, assertions.Template, map[string]any) {
	tb.Helper()
	code := tb.TempDir()
	if err := os.WriteFile(filepath.Join(code, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if props == nil {
		props = &APIStackProps{}
	}
	props.CodePath = code

	app := awscdk.NewApp(&awscdk.AppProps{
		Context: cdkJSONContext(tb),
		Outdir:  jsii.String(tb.TempDir()),
	})
	stack := NewAPIStack(app, StackID, props)

	var tmpl assertions.Template
	must(tb, func() { tmpl = assertions.Template_FromStack(stack, nil) })
	raw, err := json.Marshal(tmpl.ToJSON())
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	return stack, tmpl, doc
}

// cdkJSONContext returns the "context" object of the repository's cdk.json.
func cdkJSONContext(tb testing.TB) *map[string]any {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var cfg struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		tb.Fatalf("cdk.json: %v", err)
	}
	return &cfg.Context
}

// must runs an assertions call, turning its panic into a test failure.
func must(tb testing.TB, f func()) {
	tb.Helper()
	defer func() {
		if r := recover(); r != nil {
			tb.Fatalf("%v", r)
		}
	}()
	f()
}

// resources returns the template's resources of type typ, by logical ID.
func resources(doc map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	all, _ := doc["Resources"].(map[string]any)
	for id, r := range all {
		res, _ := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// only returns the logical ID and properties of the single resource of type typ.
func only(tb testing.TB, doc map[string]any, typ string) (string, map[string]any) {
	tb.Helper()
	rs := resources(doc, typ)
	if len(rs) != 1 {
		tb.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		props, _ := r["Properties"].(map[string]any)
		return id, props
	}
	panic("unreachable")
}

// asList turns an IAM Action or Resource value (a string or a list) into a list.
func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestAPIStack(t *testing.T) {
	_, tmpl, doc := synth(t, nil)
	tableID, _ := only(t, doc, "AWS::DynamoDB::Table")

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
				},
			})
		})
	})

	t.Run("function", func(t *testing.T) {
		// No other functions: no log-retention or custom-resource handlers.
		_, fn := only(t, doc, "AWS::Lambda::Function")
		got := map[string]any{
			"Runtime":       fn["Runtime"],
			"Architectures": fn["Architectures"],
			"Handler":       fn["Handler"],
			"MemorySize":    fn["MemorySize"],
			"Timeout":       fn["Timeout"],
			"Environment":   fn["Environment"],
		}
		want := map[string]any{
			"Runtime":       "provided.al2023",
			"Architectures": []any{"arm64"},
			"Handler":       "bootstrap",
			"MemorySize":    256.0,
			"Timeout":       10.0,
			"Environment": map[string]any{"Variables": map[string]any{
				"TABLE_NAME": map[string]any{"Ref": tableID},
				"LOG_LEVEL":  "INFO",
			}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("function properties (-want +got):\n%s", diff)
		}
		must(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{
				"RetentionInDays": 30,
			})
		})
	})

	t.Run("every method requires IAM auth", func(t *testing.T) {
		methods := resources(doc, "AWS::ApiGateway::Method")
		// POST on the root resource is the whole API: AWS JSON 1.0 routes on
		// X-Amz-Target, not on the path.
		if len(methods) != 1 {
			t.Errorf("%d methods, want 1 (POST /)", len(methods))
		}
		for id, m := range methods {
			p, _ := m["Properties"].(map[string]any)
			if got := p["AuthorizationType"]; got != "AWS_IAM" {
				t.Errorf("method %s: AuthorizationType = %v, want AWS_IAM", id, got)
			}
		}
		if n := len(resources(doc, "AWS::ApiGateway::Resource")); n != 0 {
			t.Errorf("%d API resources besides the root, want 0", n)
		}
		apiID, _ := only(t, doc, "AWS::ApiGateway::RestApi")
		must(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
				"HttpMethod":        "POST",
				"AuthorizationType": "AWS_IAM",
				"ResourceId":        map[string]any{"Fn::GetAtt": []any{apiID, "RootResourceId"}},
				"Integration": assertions.Match_ObjectLike(&map[string]any{
					"Type":                  "AWS_PROXY",
					"IntegrationHttpMethod": "POST",
				}),
			})
			tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
				"StageName": DefaultStageName,
			})
		})
		// The stack must not take over the region's API Gateway account settings.
		if n := len(resources(doc, "AWS::ApiGateway::Account")); n != 0 {
			t.Errorf("%d AWS::ApiGateway::Account resources, want 0", n)
		}
	})

	t.Run("least privilege", func(t *testing.T) {
		_, role := only(t, doc, "AWS::IAM::Role")
		managed, _ := json.Marshal(role["ManagedPolicyArns"])
		if !strings.Contains(string(managed), "service-role/AWSLambdaBasicExecutionRole") ||
			len(asList(role["ManagedPolicyArns"])) != 1 {
			t.Errorf("role managed policies = %s, want only AWSLambdaBasicExecutionRole", managed)
		}

		var cognito []string
		for id, pol := range resources(doc, "AWS::IAM::Policy") {
			p, _ := pol["Properties"].(map[string]any)
			pd, _ := p["PolicyDocument"].(map[string]any)
			for _, s := range asList(pd["Statement"]) {
				st, _ := s.(map[string]any)
				if st["Effect"] != "Allow" {
					continue
				}
				var hasCognito bool
				for _, a := range asList(st["Action"]) {
					a, _ := a.(string)
					if strings.Contains(a, "*") {
						t.Errorf("policy %s allows wildcard action %q", id, a)
					}
					if strings.HasPrefix(a, "cognito-idp:") {
						cognito = append(cognito, a)
						hasCognito = true
					}
				}
				for _, r := range asList(st["Resource"]) {
					if r == "*" {
						t.Errorf("policy %s: statement %v allows every resource", id, st["Action"])
					}
				}
				if hasCognito {
					res, _ := json.Marshal(st["Resource"])
					for _, part := range []string{`"arn:"`, `"AWS::Partition"`, `":cognito-idp:*:"`, `"AWS::AccountId"`, `":userpool/*"`} {
						if !strings.Contains(string(res), part) {
							t.Errorf("cognito statement resource %s lacks %s", res, part)
						}
					}
				}
			}
		}
		slices.Sort(cognito)
		want := []string{"cognito-idp:DescribeUserPool", "cognito-idp:DescribeUserPoolClient"}
		if diff := cmp.Diff(want, cognito); diff != "" {
			t.Errorf("cognito-idp actions (-want +got):\n%s", diff)
		}
		must(t, func() {
			tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
				"PolicyDocument": map[string]any{
					"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Action": assertions.Match_ArrayWith(&[]any{
								// in the sorted order the CDK renders
								"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
							}),
							"Resource": assertions.Match_ArrayWith(&[]any{map[string]any{"Fn::GetAtt": []any{tableID, "Arn"}}}),
						}),
					}),
				},
			})
		})
	})

	t.Run("outputs", func(t *testing.T) {
		outputs, _ := doc["Outputs"].(map[string]any)
		keys := slices.Sorted(maps.Keys(outputs))
		if diff := cmp.Diff([]string{"APIURL", "FunctionName", "TableName"}, keys); diff != "" {
			t.Errorf("outputs (-want +got):\n%s", diff)
		}
		must(t, func() {
			tmpl.HasOutput(jsii.String("APIURL"), map[string]any{})
			tmpl.HasOutput(jsii.String("TableName"), map[string]any{
				"Value": map[string]any{"Ref": tableID},
			})
		})
	})
}

func TestAPIStackProps(t *testing.T) {
	_, tmpl, doc := synth(t, &APIStackProps{
		StageName:          "test",
		LogLevel:           "debug",
		TableRemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	must(t, func() {
		tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"DeletionPolicy": "Delete",
		})
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
			"StageName": "test",
		})
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
				"LOG_LEVEL": "DEBUG",
			})},
			"LoggingConfig": assertions.Match_ObjectLike(&map[string]any{
				"ApplicationLogLevel": "DEBUG",
			}),
		})
	})
	if n := len(resources(doc, "AWS::ApiGateway::Method")); n != 1 {
		t.Errorf("%d methods, want 1", n)
	}
}

func TestAPIStackBadLogLevel(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: cdkJSONContext(t),
		Outdir:  jsii.String(t.TempDir()),
	})
	stack := NewAPIStack(app, StackID, &APIStackProps{CodePath: t.TempDir(), LogLevel: "verbose"})

	var errs []string
	for _, md := range *stack.Node().Metadata() {
		if *md.Type == "aws:cdk:error" {
			errs = append(errs, fmt.Sprint(md.Data))
		}
	}
	if want := `LogLevel "VERBOSE": want DEBUG, INFO, WARN or ERROR`; !slices.Contains(errs, want) {
		t.Errorf("stack errors = %q, want %q", errs, want)
	}

	// An error annotation must stop the synth.
	defer func() {
		if recover() == nil {
			t.Error("synth succeeded, want it to fail on the error annotation")
		}
	}()
	assertions.Template_FromStack(stack, nil)
}

func TestPropsFrom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		context map[string]any
		env     map[string]string
		want    APIStackProps
		wantErr string
	}{{
		name: "defaults",
		want: APIStackProps{TableRemovalPolicy: awscdk.RemovalPolicy_RETAIN},
	}, {
		name: "env",
		env: map[string]string{
			"VPID_STAGE_NAME":           "dev",
			"VPID_LOG_LEVEL":            "DEBUG",
			"VPID_TABLE_REMOVAL_POLICY": "Destroy",
		},
		want: APIStackProps{StageName: "dev", LogLevel: "DEBUG", TableRemovalPolicy: awscdk.RemovalPolicy_DESTROY},
	}, {
		name:    "context wins over env",
		context: map[string]any{"vpid:stageName": "prod", "vpid:tableRemovalPolicy": "retain"},
		env:     map[string]string{"VPID_STAGE_NAME": "dev", "VPID_TABLE_REMOVAL_POLICY": "destroy"},
		want:    APIStackProps{StageName: "prod", TableRemovalPolicy: awscdk.RemovalPolicy_RETAIN},
	}, {
		name:    "bad removal policy",
		env:     map[string]string{"VPID_TABLE_REMOVAL_POLICY": "snapshot"},
		wantErr: `"snapshot": want retain or destroy`,
	}, {
		name:    "non-string context",
		context: map[string]any{"vpid:logLevel": 3.0},
		wantErr: "context vpid:logLevel: want a string",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			getContext := func(k *string) any { return tc.context[*k] }
			getenv := func(k string) string { return tc.env[k] }
			got, err := propsFrom(getContext, getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// StackProps holds jsii pointers; compare only our settings.
			type settings struct{ StageName, LogLevel, TableRemovalPolicy string }
			pick := func(p APIStackProps) settings {
				return settings{p.StageName, p.LogLevel, string(p.TableRemovalPolicy)}
			}
			if diff := cmp.Diff(pick(tc.want), pick(*got)); diff != "" {
				t.Errorf("props (-want +got):\n%s", diff)
			}
		})
	}
}
