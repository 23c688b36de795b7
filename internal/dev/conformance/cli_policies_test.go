package conformance

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func cliJSONArg(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCLIAPIPolicies walks the policy, template, schema and tag commands of
// the AWS CLI, with the CLI's own pagination, and each command's errors.
func TestCLIAPIPolicies(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	const key = "AKIDEXAMPLE"
	run := func(args ...string) map[string]any {
		t.Helper()
		res := s.cliAPIAvp(t, dir, key, args...)
		if res.code != 0 {
			t.Fatalf("aws verifiedpermissions %v: exit %d: %s", args, res.code, res.stderr)
		}
		if strings.TrimSpace(res.stdout) == "" {
			return nil
		}
		return res.json(t)
	}
	fails := func(op, code, msg string, args ...string) {
		t.Helper()
		res := s.cliAPIAvp(t, dir, key, args...)
		want := "An error occurred (" + code + ") when calling the " + op + " operation"
		if res.code == 0 || !strings.Contains(res.stderr, want) || !strings.Contains(res.stderr, msg) {
			t.Errorf("%v: exit %d, stderr %q; want %q and %q", args, res.code, res.stderr, want, msg)
		}
	}
	ps := run("create-policy-store", "--validation-settings", "mode=STRICT")
	psID := ps["policyStoreId"].(string)
	arn := ps["arn"].(string)

	fails("CreatePolicy", "ValidationException", "no schema",
		"create-policy", "--policy-store-id", psID, "--definition", cliJSONArg(t, map[string]any{"static": map[string]any{"statement": photoStatic}}))
	put := run("put-schema", "--policy-store-id", psID, "--definition", cliJSONArg(t, map[string]any{"cedarJson": photoSchema}))
	if ns := put["namespaces"].([]any); len(ns) != 1 || ns[0] != "PhotoApp" {
		t.Fatalf("put-schema = %v", put)
	}
	if gs := run("get-schema", "--policy-store-id", psID); gs["schema"] != photoSchema {
		t.Fatalf("get-schema = %v", gs)
	}
	tmpl := run("create-policy-template", "--policy-store-id", psID, "--statement", photoTemplate, "--description", "viewers", "--name", "name/viewers")
	tmplID := tmpl["policyTemplateId"].(string)
	linked := run("create-policy", "--policy-store-id", psID, "--definition", cliJSONArg(t, map[string]any{"templateLinked": map[string]any{
		"policyTemplateId": tmplID,
		"principal":        map[string]string{"entityType": "PhotoApp::User", "entityId": "bob"},
		"resource":         map[string]string{"entityType": "PhotoApp::Photo", "entityId": "p1"},
	}}))
	if linked["policyType"] != "TEMPLATE_LINKED" || linked["effect"] != "Permit" {
		t.Fatalf("linked = %v", linked)
	}
	static := run("create-policy", "--policy-store-id", psID, "--name", "name/alice", "--definition", cliJSONArg(t, map[string]any{"static": map[string]any{"statement": photoStatic, "description": "alice views p1"}}))
	for i := range 3 {
		run("create-policy", "--policy-store-id", psID, "--definition", cliJSONArg(t, map[string]any{"static": map[string]any{
			"statement": strings.Replace(photoStatic, "alice", "user"+string(rune('a'+i)), 1)}}))
	}
	gp := run("get-policy", "--policy-store-id", psID, "--policy-id", "name/alice")
	if gp["policyId"] != static["policyId"] || gp["definition"].(map[string]any)["static"].(map[string]any)["statement"] != photoStatic {
		t.Fatalf("get-policy = %v", gp)
	}

	// The CLI pages by itself (--page-size), and by hand (--max-items).
	all := run("list-policies", "--policy-store-id", psID, "--page-size", "2")
	if n := len(all["policies"].([]any)); n != 5 {
		t.Fatalf("list-policies: %d policies", n)
	}
	first := run("list-policies", "--policy-store-id", psID, "--max-items", "3")
	tok, _ := first["NextToken"].(string)
	if len(first["policies"].([]any)) != 3 || tok == "" {
		t.Fatalf("first page = %v", first)
	}
	rest := run("list-policies", "--policy-store-id", psID, "--max-items", "3", "--starting-token", tok)
	if len(rest["policies"].([]any)) != 2 {
		t.Fatalf("second page = %v", rest)
	}
	only := run("list-policies", "--policy-store-id", psID, "--filter", `{"policyType":"TEMPLATE_LINKED","principal":{"identifier":{"entityType":"PhotoApp::User","entityId":"bob"}}}`)
	if items := only["policies"].([]any); len(items) != 1 || items[0].(map[string]any)["policyId"] != linked["policyId"] {
		t.Fatalf("filtered = %v", only)
	}
	lt := run("list-policy-templates", "--policy-store-id", psID)
	if items := lt["policyTemplates"].([]any); len(items) != 1 || items[0].(map[string]any)["name"] != "name/viewers" {
		t.Fatalf("list-policy-templates = %v", lt)
	}
	run("update-policy-template", "--policy-store-id", psID, "--policy-template-id", tmplID, "--statement", strings.Replace(photoTemplate, `"view"`, `"edit"`, 1))
	gl := run("get-policy", "--policy-store-id", psID, "--policy-id", linked["policyId"].(string))
	if a := gl["actions"].([]any)[0].(map[string]any); a["actionId"] != "edit" {
		t.Fatalf("linked after update = %v", gl)
	}
	run("update-policy", "--policy-store-id", psID, "--policy-id", static["policyId"].(string), "--definition",
		cliJSONArg(t, map[string]any{"static": map[string]any{"statement": strings.Replace(photoStatic, `"view"`, `"edit"`, 1)}}))
	bg := run("batch-get-policy", "--requests", cliJSONArg(t, []map[string]string{
		{"policyStoreId": psID, "policyId": static["policyId"].(string)},
		{"policyStoreId": psID, "policyId": "nope"},
	}))
	if len(bg["results"].([]any)) != 1 || bg["errors"].([]any)[0].(map[string]any)["code"] != "POLICY_NOT_FOUND" {
		t.Fatalf("batch-get-policy = %v", bg)
	}

	// Tags.
	run("tag-resource", "--resource-arn", arn, "--tags", "team=photos,env=dev")
	run("untag-resource", "--resource-arn", arn, "--tag-keys", "env")
	tags := run("list-tags-for-resource", "--resource-arn", arn)
	if got := keys(tags["tags"].(map[string]any)); !slices.Equal(got, []string{"team"}) {
		t.Fatalf("tags = %v", tags)
	}

	// Errors.
	fails("CreatePolicy", "ValidationException", "line 1, column 35",
		"create-policy", "--policy-store-id", psID, "--definition", `{"static":{"statement":"permit(principal, action, resource"}}`)
	fails("CreatePolicy", "ConflictException", "name/alice",
		"create-policy", "--policy-store-id", psID, "--name", "name/alice", "--definition", cliJSONArg(t, map[string]any{"static": map[string]any{"statement": photoStatic}}))
	fails("CreatePolicy", "ServiceQuotaExceededException", "10000",
		"create-policy", "--policy-store-id", psID, "--definition", cliJSONArg(t, map[string]any{"static": map[string]any{"statement": photoStatic + " // " + strings.Repeat("é", 5000)}}))
	fails("GetPolicy", "ResourceNotFoundException", "nope", "get-policy", "--policy-store-id", psID, "--policy-id", "nope")
	fails("UpdatePolicy", "ValidationException", "principal",
		"update-policy", "--policy-store-id", psID, "--policy-id", static["policyId"].(string), "--definition",
		cliJSONArg(t, map[string]any{"static": map[string]any{"statement": strings.Replace(photoStatic, "alice", "bob", 1)}}))
	fails("CreatePolicyTemplate", "ValidationException", "statement", "create-policy-template", "--policy-store-id", psID, "--statement", "permit(principal, action, resource);")
	fails("GetPolicyTemplate", "ResourceNotFoundException", "nope", "get-policy-template", "--policy-store-id", psID, "--policy-template-id", "nope")
	fails("PutSchema", "ValidationException", "cedarJson", "put-schema", "--policy-store-id", psID, "--definition", `{"cedarJson":"[]"}`)
	fails("GetSchema", "ResourceNotFoundException", "PSmissing", "get-schema", "--policy-store-id", "PSmissing")
	fails("TagResource", "ValidationException", "aws:", "tag-resource", "--resource-arn", arn, "--tags", "aws:x=1")
	fails("ListTagsForResource", "ResourceNotFoundException", "210987654321",
		"list-tags-for-resource", "--resource-arn", strings.Replace(arn, "123456789012", "210987654321", 1))

	// Deleting the template takes its linked policy with it.
	run("delete-policy-template", "--policy-store-id", psID, "--policy-template-id", tmplID)
	fails("GetPolicy", "ResourceNotFoundException", linked["policyId"].(string), "get-policy", "--policy-store-id", psID, "--policy-id", linked["policyId"].(string))
	run("delete-policy", "--policy-store-id", psID, "--policy-id", static["policyId"].(string))
	run("delete-policy", "--policy-store-id", psID, "--policy-id", static["policyId"].(string))
}
