package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
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

// synthesized is a stack and its CloudFormation template.
type synthesized struct {
	stack awscdk.Stack
	tmpl  assertions.Template
	doc   map[string]any
}

// writeCode writes a dummy bootstrap for every function under a temp
// folder and returns the folder, so the tests do not need `make build`.
func writeCode(tb testing.TB) string {
	tb.Helper()
	root := tb.TempDir()
	for _, fn := range FunctionNames {
		if err := os.MkdirAll(filepath.Join(root, fn), 0o755); err != nil {
			tb.Fatal(err)
		}
		// Distinct contents give each function its own asset, as real code does.
		if err := os.WriteFile(filepath.Join(root, fn, "bootstrap"), []byte("#!/bin/sh\n# "+fn+"\n"), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// newApp returns an app as the CDK CLI runs it: with cdk.json's context (so
// feature flags match `make synth`) and the cdk-nag checks main applies.
func newApp(tb testing.TB) awscdk.App {
	tb.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: cdkJSONContext(tb),
		Outdir:  jsii.String(tb.TempDir()),
	})
	awscdk.Aspects_Of(app).Add(NagChecks(), nil)
	return app
}

// synth synthesizes the stack and returns it with its template.
func synth(tb testing.TB, props *StackProps) synthesized {
	tb.Helper()
	if props == nil {
		props = &StackProps{}
	}
	props.CodeRoot = writeCode(tb)
	stack := NewStack(newApp(tb), StackID, props)

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
	return synthesized{stack, tmpl, doc}
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

// props returns a resource's Properties.
func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// only returns the logical ID and properties of the single resource of type typ.
func only(tb testing.TB, doc map[string]any, typ string) (string, map[string]any) {
	tb.Helper()
	rs := resources(doc, typ)
	if len(rs) != 1 {
		tb.Fatalf("%d resources of type %s, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, props(r)
	}
	panic("unreachable")
}

// byConstruct returns the logical ID and properties of the resource of type
// typ defined by the top-level construct with the given ID (its logical ID
// is the ID and an 8-digit hash).
func byConstruct(tb testing.TB, doc map[string]any, typ, construct string) (string, map[string]any) {
	tb.Helper()
	re := regexp.MustCompile(`^` + regexp.QuoteMeta(construct) + `[0-9A-F]{8}$`)
	var found []string
	for id := range resources(doc, typ) {
		if re.MatchString(id) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("%s resources of construct %s: %v, want one", typ, construct, found)
	}
	return found[0], props(resources(doc, typ)[found[0]])
}

// asList turns an IAM Action or Resource value (a string or a list) into a list.
func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// js renders a template value as compact JSON, for comparisons.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Template values.
func ref(id string) map[string]any { return map[string]any{"Ref": id} }
func getAtt(id, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id, attr}}
}
func join(parts ...any) map[string]any {
	return map[string]any{"Fn::Join": []any{"", parts}}
}

// nagFindings returns the AwsSolutions errors and warnings that cdk-nag
// left (suppressed findings are not annotations).
func nagFindings(tb testing.TB, stack awscdk.Stack) (errs, warnings []string) {
	tb.Helper()
	must(tb, func() {
		ann := assertions.Annotations_FromStack(stack)
		match := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		for _, m := range *ann.FindError(jsii.String("*"), match) {
			errs = append(errs, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
		}
		for _, m := range *ann.FindWarning(jsii.String("*"), match) {
			warnings = append(warnings, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
		}
	})
	return errs, warnings
}

// stackErrors returns the error annotations of the stack itself.
func stackErrors(stack awscdk.Stack) []string {
	var errs []string
	for _, md := range *stack.Node().Metadata() {
		if *md.Type == "aws:cdk:error" {
			errs = append(errs, fmt.Sprint(md.Data))
		}
	}
	return errs
}
