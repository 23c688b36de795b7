package conformance

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3 drives the stack with boto3 (testdata/boto3_conformance.py) and
// checks what boto3 parsed: botocore reads error codes from the body's
// __type only, so this proves the body form, as the Go SDK proves the header.
func TestBoto3(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	got := runBoto3(t, s, "testdata/boto3_conformance.py")
	errs := func(code string, status int, paths []any, resourceType any) map[string]any {
		if paths == nil {
			paths = []any{}
		}
		return map[string]any{"code": code, "status": float64(status), "requestId": true, "fieldPaths": paths, "resourceType": resourceType}
	}
	want := map[string]any{
		"policyStoreArn":  got["policyStoreArn"],
		"createdKeys":     []any{"createdDate", "identitySourceId", "lastUpdatedDate", "policyStoreId"},
		"createdDateType": "datetime",
		"issuer":          "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_1a2b3c4d5",
		"sameCreatedDate": true,
		"errors": map[string]any{
			"quota":                 errs("ServiceQuotaExceededException", 402, nil, "IDENTITY_SOURCE"),
			"missingStore":          errs("ResourceNotFoundException", 404, nil, "POLICY_STORE"),
			"badArn":                errs("ValidationException", 400, []any{"configuration.cognitoUserPoolConfiguration.userPoolArn"}, nil),
			"missingIdentitySource": errs("ResourceNotFoundException", 404, nil, "IDENTITY_SOURCE"),
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boto3 saw (-want +got):\n%s", diff)
	}
}

// runBoto3 runs a Python script that drives the stack with boto3 and prints
// what it saw as one JSON object, and returns that object.
func runBoto3(t *testing.T, s *stack, script string) map[string]any {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 with boto3 is required for the conformance tests: %v", err)
	}
	cmd := exec.Command(python, script)
	cmd.Env = append(clientEnv(t.TempDir()), "VPID_ENDPOINT="+s.URL)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3 script %s: %v\n%s", script, err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	return got
}
