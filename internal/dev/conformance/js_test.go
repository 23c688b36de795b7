package conformance

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSPolicies drives the policy, template, schema and tag operations
// with the AWS SDK for JavaScript v3 (pinned in .tools/package.json).
func TestJSPolicies(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required for the conformance tests: %v", err)
	}
	modules, err := filepath.Abs("../../../.tools/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "testdata/js_policies.cjs")
	cmd.Env = append(clientEnv(t.TempDir()), "VPID_ENDPOINT="+s.URL, "NODE_PATH="+modules,
		"PHOTO_SCHEMA="+photoSchema, "PHOTO_STATIC="+photoStatic, "PHOTO_TEMPLATE="+photoTemplate)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("js_policies.cjs: %v\n%s\n(install the tools with make tools)", err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	e := func(name string, status int, resourceType any, paths ...any) map[string]any {
		if paths == nil {
			paths = []any{}
		}
		return map[string]any{"name": name, "status": float64(status), "resourceType": resourceType, "fieldPaths": paths}
	}
	want := map[string]any{
		"namespaces":        []any{"PhotoApp"},
		"createdDateIsDate": true,
		"linked":            map[string]any{"policyType": "TEMPLATE_LINKED", "effect": "Permit", "principal": map[string]any{"entityType": "PhotoApp::User", "entityId": "bob"}},
		"getStatement":      photoStatic,
		"sameId":            true,
		"listed":            float64(2),
		"templates":         []any{"name/viewers"},
		"updatedAction":     "edit",
		"batch":             map[string]any{"results": float64(1), "errors": []any{"POLICY_NOT_FOUND"}},
		"tags":              map[string]any{"team": "photos"},
		"schemaAsPut":       true,
		"errors": map[string]any{
			"badStatement":    e("ValidationException", 400, nil, "definition.static.statement"),
			"nameTaken":       e("ConflictException", 409, nil),
			"tooLarge":        e("ServiceQuotaExceededException", 402, "POLICY"),
			"missingPolicy":   e("ResourceNotFoundException", 404, "POLICY"),
			"missingTemplate": e("ResourceNotFoundException", 404, "POLICY_TEMPLATE"),
			"scopeChange":     e("ValidationException", 400, nil, "definition.static.statement"),
			"tooManyTags":     e("TooManyTagsException", 400, nil),
		},
		"linkedAfterTemplateDeleted": e("ResourceNotFoundException", 404, "POLICY"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the JavaScript SDK saw (-want +got):\n%s", diff)
	}
}
