package conformance

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3Policies drives the policy, template, schema and tag operations
// with boto3, including its paginators.
func TestBoto3Policies(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 with boto3 is required for the conformance tests: %v", err)
	}
	cmd := exec.Command(python, "testdata/boto3_policies.py")
	cmd.Env = append(clientEnv(t.TempDir()), "VPID_ENDPOINT="+s.URL,
		"PHOTO_SCHEMA="+photoSchema, "PHOTO_STATIC="+photoStatic, "PHOTO_TEMPLATE="+photoTemplate)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3_policies.py: %v\n%s", err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	errs := func(code string, status int, resourceType any, paths ...any) map[string]any {
		if paths == nil {
			paths = []any{}
		}
		return map[string]any{"code": code, "status": float64(status), "fieldPaths": paths, "resourceType": resourceType}
	}
	want := map[string]any{
		"namespaces":      []any{"PhotoApp"},
		"linkedType":      "TEMPLATE_LINKED",
		"staticActions":   []any{map[string]any{"actionType": "PhotoApp::Action", "actionId": "view"}},
		"createdDateType": "datetime",
		"getDefinition":   map[string]any{"static": map[string]any{"statement": photoStatic, "description": "d"}},
		"listed":          []any{"STATIC", "TEMPLATE_LINKED"},
		"staticListItem":  map[string]any{"static": map[string]any{"description": "d"}},
		"templates":       []any{"viewers"},
		"batch":           map[string]any{"results": float64(1), "errors": []any{"POLICY_STORE_NOT_FOUND"}},
		"tags":            map[string]any{"team": "photos"},
		"errors": map[string]any{
			"strictReason":       errs("ValidationException", 400, nil, "definition.static.statement"),
			"missingSchemaStore": errs("ResourceNotFoundException", 404, "POLICY_STORE"),
			"templateScope":      errs("ValidationException", 400, nil, "statement"),
			"linkedUpdate":       errs("ValidationException", 400, nil, "definition"),
		},
		"afterTemplateDelete": []any{"STATIC"},
		"storeGone":           errs("ResourceNotFoundException", 404, "POLICY_STORE"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boto3 saw (-want +got):\n%s", diff)
	}
}
