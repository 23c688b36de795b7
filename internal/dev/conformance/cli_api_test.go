package conformance

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	vp "github.com/aws/aws-sdk-go-v2/service/verifiedpermissions"
	"github.com/aws/aws-sdk-go-v2/service/verifiedpermissions/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/dev/emulator/emulatortest"
)

// cliAPIAvp runs `aws verifiedpermissions <args>` against the stack.
func (s *stack) cliAPIAvp(t *testing.T, dir, keyID string, args ...string) cliResult {
	t.Helper()
	return s.cli(t, dir, keyID, append([]string{"verifiedpermissions"}, args...)...)
}

// cliAPIStoreIDs reads the policyStoreId of every item of a
// list-policy-stores output.
func cliAPIStoreIDs(t *testing.T, out map[string]any) []string {
	t.Helper()
	items, ok := out["policyStores"].([]any)
	if !ok {
		t.Fatalf("no policyStores list in %v", out)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.(map[string]any)["policyStoreId"].(string))
	}
	return ids
}

// cliAPIHasAliasCommands reports whether this AWS CLI knows the alias
// commands (botocore models them since early 2026).
func cliAPIHasAliasCommands(t *testing.T, dir string) bool {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		t.Fatalf("the AWS CLI is required for the conformance tests: %v", err)
	}
	cmd := exec.Command(path, "verifiedpermissions", "help")
	cmd.Dir = dir
	cmd.Env = append(clientEnv(dir), "AWS_PAGER=", "PAGER=cat", "MANPAGER=cat")
	out, _ := cmd.Output()
	return strings.Contains(string(out), "create-policy-store-alias") && strings.Contains(string(out), "list-policy-store-aliases")
}

// TestCLIAPIListPolicyStores checks the CLI's own pagination of
// list-policy-stores: --page-size, --max-items, NextToken and
// --starting-token, and walking all pages, plus --query on the result.
func TestCLIAPIListPolicyStores(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	const acct = "444444444444"
	c := s.client(acct)
	var want []string
	for range 7 {
		want = append(want, apiStore(t, c, nil))
	}

	// --max-items 3 --page-size 2: three stores, then a NextToken to go on.
	var got []string
	var starting string
	for round := 0; ; round++ {
		args := []string{"list-policy-stores", "--max-items", "3", "--page-size", "2"}
		if starting != "" {
			args = append(args, "--starting-token", starting)
		}
		out := s.cliAPIAvp(t, dir, acct, args...).json(t)
		ids := cliAPIStoreIDs(t, out)
		if len(ids) > 3 {
			t.Errorf("round %d: %d items with --max-items 3", round, len(ids))
		}
		got = append(got, ids...)
		next, ok := out["NextToken"].(string)
		if !ok {
			if len(got) < len(want) {
				t.Fatalf("round %d: no NextToken after %d of %d stores: %v", round, len(got), len(want), out)
			}
			break
		}
		if _, raw := out["nextToken"]; raw {
			t.Errorf("round %d: the service's nextToken leaked into the CLI output", round)
		}
		starting = next
		if round > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("--max-items/--starting-token (-want +got):\n%s", diff)
	}

	// Without --max-items the CLI walks every page.
	for _, args := range [][]string{{"list-policy-stores", "--page-size", "2"}, {"list-policy-stores"}} {
		out := s.cliAPIAvp(t, dir, acct, args...).json(t)
		if diff := cmp.Diff(want, cliAPIStoreIDs(t, out)); diff != "" {
			t.Errorf("%v (-want +got):\n%s", args, diff)
		}
		if _, ok := out["NextToken"]; ok {
			t.Errorf("%v printed a NextToken after the last page", args)
		}
	}

	// --query over the merged pages.
	q := s.cliAPIAvp(t, dir, acct, "list-policy-stores", "--page-size", "2", "--query", "policyStores[].policyStoreId")
	var ids []string
	if err := json.Unmarshal([]byte(q.stdout), &ids); err != nil || q.code != 0 {
		t.Fatalf("--query printed %q (%s): %v", q.stdout, q.stderr, err)
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("--query ids (-want +got):\n%s", diff)
	}
	arn := s.cliAPIAvp(t, dir, acct, "list-policy-stores", "--query", "policyStores[?policyStoreId=='"+want[2]+"'].arn | [0]")
	if strings.TrimSpace(arn.stdout) != `"arn:aws:verifiedpermissions::`+acct+`:policy-store/`+want[2]+`"` {
		t.Errorf("--query filter printed %q (%s)", arn.stdout, arn.stderr)
	}
}

// TestCLIAPIIdentitySources drives create (--cli-input-json), get (--query),
// list, update and delete of an identity source through the CLI.
func TestCLIAPIIdentitySources(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	const key = "AKIDEXAMPLE"
	ps := s.cliAPIAvp(t, dir, key, "create-policy-store", "--validation-settings", "mode=OFF").json(t)["policyStoreId"].(string)

	input := map[string]any{
		"policyStoreId":       ps,
		"principalEntityType": "MyCorp::User",
		"clientToken":         "cli-input-json-token",
		"configuration": map[string]any{"cognitoUserPoolConfiguration": map[string]any{
			"userPoolArn":        emulatortest.SeedPoolARN,
			"clientIds":          []string{emulatortest.SeedClientID},
			"groupConfiguration": map[string]any{"groupEntityType": "MyCorp::UserGroup"},
		}},
	}
	b, _ := json.Marshal(input)
	if err := os.WriteFile(filepath.Join(dir, "input.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	created := s.cliAPIAvp(t, dir, key, "create-identity-source", "--cli-input-json", "file://input.json").json(t)
	id, _ := created["identitySourceId"].(string)
	if !reID.MatchString(id) || created["policyStoreId"] != ps || !cliDate.MatchString(created["createdDate"].(string)) {
		t.Fatalf("created %v", created)
	}
	// The same input again replays the same identity source (clientToken).
	again := s.cliAPIAvp(t, dir, key, "create-identity-source", "--cli-input-json", "file://input.json").json(t)
	if again["identitySourceId"] != id || again["createdDate"] != created["createdDate"] {
		t.Errorf("replay answered %v", again)
	}

	get := func(args ...string) cliResult {
		return s.cliAPIAvp(t, dir, key, append([]string{"get-identity-source", "--policy-store-id", ps, "--identity-source-id", id}, args...)...)
	}
	for query, want := range map[string]string{
		"principalEntityType": `"MyCorp::User"`,
		"configuration.cognitoUserPoolConfiguration.groupConfiguration.groupEntityType": `"MyCorp::UserGroup"`,
		"details.openIdIssuer": `"COGNITO"`,
		"configuration.cognitoUserPoolConfiguration.clientIds[0]": `"` + emulatortest.SeedClientID + `"`,
	} {
		if q := get("--query", query); strings.TrimSpace(q.stdout) != want {
			t.Errorf("--query %s printed %q (%s); want %s", query, q.stdout, q.stderr, want)
		}
	}

	list := func(args ...string) []any {
		t.Helper()
		out := s.cliAPIAvp(t, dir, key, append([]string{"list-identity-sources", "--policy-store-id", ps}, args...)...).json(t)
		items, ok := out["identitySources"].([]any)
		if !ok {
			t.Fatalf("no identitySources in %v", out)
		}
		return items
	}
	if items := list(); len(items) != 1 || items[0].(map[string]any)["identitySourceId"] != id {
		t.Errorf("list: %v", items)
	}
	if items := list("--filters", "principalEntityType=Other", "principalEntityType=MyCorp::User"); len(items) != 1 {
		t.Errorf("list with ORed filters: %v", items)
	}
	if items := list("--filters", "principalEntityType=Other"); len(items) != 0 {
		t.Errorf("list with a filter matching nothing: %v", items)
	}
	if items := list("--page-size", "1"); len(items) != 1 {
		t.Errorf("list --page-size 1: %v", items)
	}

	// Update to OpenID Connect; principalEntityType omitted is kept.
	iss := issuer.URL("")
	oidcCfg := `{"openIdConnectConfiguration":{"issuer":"` + iss + `","entityIdPrefix":"MyOIDCProvider",` +
		`"tokenSelection":{"accessTokenOnly":{"audiences":["https://api.example.com"],"principalIdClaim":"sub"}},` +
		`"groupConfiguration":{"groupClaim":"groups","groupEntityType":"MyCorp::UserGroup"}}}`
	updated := s.cliAPIAvp(t, dir, key, "update-identity-source", "--policy-store-id", ps, "--identity-source-id", id, "--update-configuration", oidcCfg).json(t)
	if diff := cmp.Diff([]string{"createdDate", "identitySourceId", "lastUpdatedDate", "policyStoreId"}, keys(updated)); diff != "" {
		t.Errorf("update fields (-want +got):\n%s", diff)
	}
	if updated["createdDate"] != created["createdDate"] || updated["lastUpdatedDate"] == created["lastUpdatedDate"] || !cliDate.MatchString(updated["lastUpdatedDate"].(string)) {
		t.Errorf("update dates %v", updated)
	}
	got := get().json(t)
	var wantCfg map[string]any
	if err := json.Unmarshal([]byte(oidcCfg), &wantCfg); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantCfg, got["configuration"]); diff != "" {
		t.Errorf("configuration after update (-want +got):\n%s", diff)
	}
	if _, ok := got["details"]; ok || got["principalEntityType"] != "MyCorp::User" || got["lastUpdatedDate"] != updated["lastUpdatedDate"] {
		t.Errorf("after update: %v", got)
	}
	if q := get("--query", "configuration.openIdConnectConfiguration.tokenSelection.accessTokenOnly.audiences[0]"); strings.TrimSpace(q.stdout) != `"https://api.example.com"` {
		t.Errorf("--query after update printed %q (%s)", q.stdout, q.stderr)
	}

	// Delete: exit 0 and no output, then it is gone, and a second delete fails.
	del := s.cliAPIAvp(t, dir, key, "delete-identity-source", "--policy-store-id", ps, "--identity-source-id", id)
	if del.code != 0 || strings.TrimSpace(del.stdout) != "" {
		t.Fatalf("delete: exit %d, stdout %q, stderr %q", del.code, del.stdout, del.stderr)
	}
	if items := list(); len(items) != 0 {
		t.Errorf("list after delete: %v", items)
	}
	for _, res := range []cliResult{get(), s.cliAPIAvp(t, dir, key, "delete-identity-source", "--policy-store-id", ps, "--identity-source-id", id)} {
		if res.code == 0 || !strings.Contains(res.stderr, "(ResourceNotFoundException)") || !strings.Contains(res.stderr, id) {
			t.Errorf("after delete: exit %d, stderr %q", res.code, res.stderr)
		}
	}
}

// TestCLIAPIAliases drives the alias commands and an alias as
// --policy-store-id through the CLI.
func TestCLIAPIAliases(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	if !cliAPIHasAliasCommands(t, dir) {
		t.Fatal("this AWS CLI has no policy store alias commands; vpid's tests need an AWS CLI whose botocore knows them (1.45 or later)")
	}
	const key = "AKIDEXAMPLE"
	ps := s.cliAPIAvp(t, dir, key, "create-policy-store", "--validation-settings", "mode=OFF", "--description", "orders").json(t)["policyStoreId"].(string)
	other := s.cliAPIAvp(t, dir, key, "create-policy-store", "--validation-settings", "mode=OFF").json(t)["policyStoreId"].(string)
	const name = "policy-store-alias/orders"

	created := s.cliAPIAvp(t, dir, key, "create-policy-store-alias", "--alias-name", name, "--policy-store-id", ps).json(t)
	if diff := cmp.Diff([]string{"aliasArn", "aliasName", "createdAt", "policyStoreId"}, keys(created)); diff != "" {
		t.Errorf("create fields (-want +got):\n%s", diff)
	}
	if created["aliasArn"] != "arn:aws:verifiedpermissions:us-west-2:123456789012:"+name || created["policyStoreId"] != ps || !cliDate.MatchString(created["createdAt"].(string)) {
		t.Errorf("created %v", created)
	}
	got := s.cliAPIAvp(t, dir, key, "get-policy-store-alias", "--alias-name", name).json(t)
	if got["state"] != "Active" || got["policyStoreId"] != ps || got["createdAt"] != created["createdAt"] || got["aliasArn"] != created["aliasArn"] {
		t.Errorf("get %v", got)
	}
	if _, err := s.client(key).CreatePolicyStoreAlias(context.Background(), &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/other"), PolicyStoreId: aws.String(other)}); err != nil {
		t.Fatal(err)
	}

	aliasNames := func(out map[string]any) []string {
		var names []string
		for _, it := range out["policyStoreAliases"].([]any) {
			names = append(names, it.(map[string]any)["aliasName"].(string))
		}
		return names
	}
	all := s.cliAPIAvp(t, dir, key, "list-policy-store-aliases", "--page-size", "1").json(t)
	if diff := cmp.Diff([]string{name, "policy-store-alias/other"}, aliasNames(all)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	filtered := s.cliAPIAvp(t, dir, key, "list-policy-store-aliases", "--filter", "policyStoreId="+other).json(t)
	if diff := cmp.Diff([]string{"policy-store-alias/other"}, aliasNames(filtered)); diff != "" {
		t.Errorf("list --filter (-want +got):\n%s", diff)
	}

	// The alias as --policy-store-id.
	if q := s.cliAPIAvp(t, dir, key, "get-policy-store", "--policy-store-id", name, "--query", "[policyStoreId, description]"); strings.Join(strings.Fields(q.stdout), "") != `["`+ps+`","orders"]` {
		t.Errorf("get-policy-store by alias printed %q (%s)", q.stdout, q.stderr)
	}
	cfg := `{"cognitoUserPoolConfiguration":{"userPoolArn":"` + emulatortest.SeedPoolARN + `"}}`
	is := s.cliAPIAvp(t, dir, key, "create-identity-source", "--policy-store-id", name, "--configuration", cfg).json(t)
	if is["policyStoreId"] != ps {
		t.Errorf("create-identity-source by alias answered %v", is)
	}
	if q := s.cliAPIAvp(t, dir, key, "list-identity-sources", "--policy-store-id", name, "--query", "identitySources[0].policyStoreId"); strings.TrimSpace(q.stdout) != `"`+ps+`"` {
		t.Errorf("list-identity-sources by alias printed %q (%s)", q.stdout, q.stderr)
	}

	// A script that runs again: the same alias for the same store succeeds
	// and answers the existing alias (AVP user guide, "Creating policy
	// store aliases").
	rerun := s.cliAPIAvp(t, dir, key, "create-policy-store-alias", "--alias-name", name, "--policy-store-id", ps).json(t)
	if diff := cmp.Diff(created, rerun); diff != "" {
		t.Errorf("re-run create (-first +second):\n%s", diff)
	}
	if res := s.cliAPIAvp(t, dir, key, "create-policy-store-alias", "--alias-name", name, "--policy-store-id", other); res.code == 0 || !strings.Contains(res.stderr, "(ConflictException)") {
		t.Errorf("the name for another store: exit %d, stderr %q", res.code, res.stderr)
	}

	// This CLI has no --deletion-mode: the default, SoftDelete, keeps the
	// alias PendingDeletion (AVP API reference, DeletePolicyStoreAlias).
	del := s.cliAPIAvp(t, dir, key, "delete-policy-store-alias", "--alias-name", name)
	if del.code != 0 || strings.TrimSpace(del.stdout) != "" {
		t.Fatalf("delete: exit %d, stdout %q, stderr %q", del.code, del.stdout, del.stderr)
	}
	if pending := s.cliAPIAvp(t, dir, key, "get-policy-store-alias", "--alias-name", name).json(t); pending["state"] != "PendingDeletion" || pending["policyStoreId"] != ps {
		t.Errorf("get after delete: %v", pending)
	}
	if res := s.cliAPIAvp(t, dir, key, "get-policy-store", "--policy-store-id", name); res.code == 0 || !strings.Contains(res.stderr, "(ResourceNotFoundException)") || !strings.Contains(res.stderr, name) {
		t.Errorf("a pending alias as policy store id: exit %d, stderr %q", res.code, res.stderr)
	}
	if res := s.cliAPIAvp(t, dir, key, "create-policy-store-alias", "--alias-name", name, "--policy-store-id", ps); res.code == 0 || !strings.Contains(res.stderr, "(ConflictException)") {
		t.Errorf("reusing a pending name: exit %d, stderr %q", res.code, res.stderr)
	}
	if again := s.cliAPIAvp(t, dir, key, "delete-policy-store-alias", "--alias-name", name); again.code != 0 {
		t.Errorf("deleting a missing alias: exit %d, stderr %q", again.code, again.stderr)
	}
}

// TestCLIAPIErrors checks that the CLI names the AVP error of each
// operation beyond create/get identity source.
func TestCLIAPIErrors(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	dir := t.TempDir()
	const key = "AKIDEXAMPLE"
	c := s.client(key)
	ctx := context.Background()
	protected := apiStore(t, c, &vp.CreatePolicyStoreInput{DeletionProtection: types.DeletionProtectionEnabled})
	if _, err := c.CreatePolicyStoreAlias(ctx, &vp.CreatePolicyStoreAliasInput{AliasName: aws.String("policy-store-alias/taken"), PolicyStoreId: aws.String(protected)}); err != nil {
		t.Fatal(err)
	}
	if !cliAPIHasAliasCommands(t, dir) {
		t.Fatal("this AWS CLI has no policy store alias commands; vpid's tests need an AWS CLI whose botocore knows them (1.45 or later)")
	}
	const missing = "PSdoesnotexist00000000"
	cognito := `{"cognitoUserPoolConfiguration":{"userPoolArn":"` + emulatortest.SeedPoolARN + `"}}`
	// An identity source to update: an update of one that does not exist
	// is refused before its issuer is asked.
	source, err := c.CreateIdentitySource(ctx, &vp.CreateIdentitySourceInput{PolicyStoreId: aws.String(protected),
		Configuration: &types.ConfigurationMemberCognitoUserPoolConfiguration{Value: types.CognitoUserPoolConfiguration{UserPoolArn: aws.String(emulatortest.SeedPoolARN)}}})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		op, code, msg string
		args          []string
	}{
		{"ListIdentitySources", "ResourceNotFoundException", missing,
			[]string{"list-identity-sources", "--policy-store-id", missing}},
		{"ListIdentitySources", "ValidationException", "maxResults",
			[]string{"list-identity-sources", "--policy-store-id", protected, "--page-size", "51"}},
		{"UpdateIdentitySource", "ResourceNotFoundException", "ISdoesnotexist00000000",
			[]string{"update-identity-source", "--policy-store-id", protected, "--identity-source-id", "ISdoesnotexist00000000", "--update-configuration", cognito}},
		{"UpdateIdentitySource", "ValidationException", "/missing cannot be used",
			[]string{"update-identity-source", "--policy-store-id", protected, "--identity-source-id", aws.ToString(source.IdentitySourceId), "--update-configuration",
				`{"openIdConnectConfiguration":{"issuer":"` + issuer.URL("/missing") + `","tokenSelection":{"identityTokenOnly":{}}}}`}},
		{"DeleteIdentitySource", "ResourceNotFoundException", "ISdoesnotexist00000000",
			[]string{"delete-identity-source", "--policy-store-id", protected, "--identity-source-id", "ISdoesnotexist00000000"}},
		{"ListPolicyStores", "ValidationException", "maxResults",
			[]string{"list-policy-stores", "--page-size", "51"}},
		{"UpdatePolicyStore", "ResourceNotFoundException", missing,
			[]string{"update-policy-store", "--policy-store-id", missing, "--validation-settings", "mode=OFF"}},
		{"DeletePolicyStore", "InvalidStateException", protected,
			[]string{"delete-policy-store", "--policy-store-id", protected}},
		{"DeletePolicyStore", "ValidationException", "policyStoreId",
			[]string{"delete-policy-store", "--policy-store-id", "policy-store-alias/taken"}},
		{"GetPolicyStore", "ResourceNotFoundException", "policy-store-alias/unknown",
			[]string{"get-policy-store", "--policy-store-id", "policy-store-alias/unknown"}},
		{"CreatePolicyStoreAlias", "ConflictException", "policy-store-alias/taken",
			[]string{"create-policy-store-alias", "--alias-name", "policy-store-alias/taken", "--policy-store-id", apiStore(t, c, nil)}},
		{"CreatePolicyStoreAlias", "ResourceNotFoundException", missing,
			[]string{"create-policy-store-alias", "--alias-name", "policy-store-alias/new", "--policy-store-id", missing}},
		{"GetPolicyStoreAlias", "ResourceNotFoundException", "policy-store-alias/unknown",
			[]string{"get-policy-store-alias", "--alias-name", "policy-store-alias/unknown"}},
		{"ListPolicyStoreAliases", "ValidationException", "maxResults",
			[]string{"list-policy-store-aliases", "--page-size", "51"}},
		{"DeletePolicyStoreAlias", "ValidationException", "aliasName",
			[]string{"delete-policy-store-alias", "--alias-name", "taken"}},
	}
	for _, tc := range tests {
		res := s.cliAPIAvp(t, dir, key, tc.args...)
		want := "An error occurred (" + tc.code + ") when calling the " + tc.op + " operation"
		if res.code == 0 || !strings.Contains(res.stderr, want) || !strings.Contains(res.stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %q and %q", tc.args, res.code, res.stderr, want, tc.msg)
		}
	}
	// The refused delete left the store.
	if _, err := c.GetPolicyStore(ctx, &vp.GetPolicyStoreInput{PolicyStoreId: aws.String(protected)}); err != nil {
		t.Errorf("protected store: %v", err)
	}
}

// TestCLIAPITimestampDigits pins the clock to instants whose microseconds
// end in zeros: the wire form keeps all six digits (DESIGN.md), so the CLI
// prints them (v1 as sent; v2 reformatted with +00:00).
func TestCLIAPITimestampDigits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 18, 29, 41, 654430000, time.UTC), "2026-11-25T18:29:41.654430"},
		{time.Date(2026, 11, 25, 18, 29, 41, 0, time.UTC), "2026-11-25T18:29:41.000000"},
	} {
		s := newStack(t, avp.WithClock(func() time.Time { return tc.at }))
		dir := t.TempDir()
		out := s.cliAPIAvp(t, dir, "AKIDEXAMPLE", "create-policy-store", "--validation-settings", "mode=OFF").json(t)
		for _, k := range []string{"createdDate", "lastUpdatedDate"} {
			if got, _ := out[k].(string); got != tc.want+"Z" && got != tc.want+"+00:00" {
				t.Errorf("%s printed %q, want %sZ (CLI v1) or %s+00:00 (CLI v2)", k, got, tc.want, tc.want)
			}
		}
	}
}
