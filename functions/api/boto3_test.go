package main

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
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 with boto3 is required for the conformance tests: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(python, "testdata/boto3_conformance.py")
	cmd.Env = append(clientEnv(dir), "VPID_ENDPOINT="+s.URL)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("boto3 script: %v\n%s", err, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
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
