package authz_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// verifier accepts the token "good.id.token" as dave of group readers.
type verifier struct{}

func (verifier) VerifyTokens(_ context.Context, src avp.IdentitySource, idToken, _ string) (avp.TokenIdentity, error) {
	if idToken != "good.id.token" {
		return avp.TokenIdentity{}, &avp.TokenError{Check: "signature", Message: "the identityToken's signature does not verify"}
	}
	dave := types.NewEntityUID(types.EntityType(src.PrincipalEntityType), "pool|dave")
	return avp.TokenIdentity{
		Principal: avp.EntityIdentifier{EntityType: src.PrincipalEntityType, EntityID: "pool|dave"},
		Entities: []types.Entity{{UID: dave, Parents: types.NewEntityUIDSet(types.NewEntityUID("Group", "pool|readers")),
			Attributes: types.NewRecord(types.RecordMap{"dept": types.String("eng")})}},
		Context: types.NewRecord(types.RecordMap{"token": types.NewRecord(types.RecordMap{"client_id": types.String("app")})}),
	}, nil
}

// tokenSchema puts read and list in the group readOnly; write is in none.
var tokenSchema = `{"": {"entityTypes": {}, "actions": {
	"read": {"memberOf": [{"id": "readOnly"}]}, "list": {"memberOf": [{"id": "readOnly"}]},
	"write": {}, "readOnly": {}}}}`

func TestWithToken(t *testing.T) {
	t.Parallel()
	snap := avp.CedarSnapshot{Version: 1, Policies: []avp.Policy{
		static("readers", `permit(principal in Group::"pool|readers", action == Action::"read", resource) when { principal.dept == "eng" && context.token.client_id == "app" };`),
		static("listers", `permit(principal in Group::"pool|readers", action in Action::"readOnly", resource is Folder);`),
	}, Schema: &tokenSchema}
	withSource := snap
	withSource.IdentitySource = &avp.IdentitySource{PolicyStoreID: "ps1", PrincipalEntityType: "User"}
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps1": withSource, "bare": snap}}
	table := entry.NewTable(avp.NewService(avp.Deps{
		PolicySets: authz.NewCache(snaps),
		Tokens:     verifier{},
	}))
	call := func(op, body string) (any, error) {
		return table.Call(context.Background(), op, "111122223333", []byte(body))
	}
	out, err := call(avp.OpIsAuthorizedWithToken, `{"policyStoreId":"ps1","identityToken":"good.id.token","action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d"}}`)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"decision":"ALLOW","determiningPolicies":[{"policyId":"readers"}],"errors":[],"principal":{"entityType":"User","entityId":"pool|dave"}}`, out)

	out, err = call(avp.OpBatchIsAuthorizedWithToken, `{"policyStoreId":"ps1","identityToken":"good.id.token","requests":[
		{"action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d"}},
		{"action":{"actionType":"Action","actionId":"write"},"resource":{"entityType":"Doc","entityId":"d"}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"principal":{"entityType":"User","entityId":"pool|dave"},"results":[
		{"request":{"action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d"}},"decision":"ALLOW","determiningPolicies":[{"policyId":"readers"}],"errors":[]},
		{"request":{"action":{"actionType":"Action","actionId":"write"},"resource":{"entityType":"Doc","entityId":"d"}},"decision":"DENY","determiningPolicies":[],"errors":[]}]}`, out)

	// The schema's action groups hold for the token's principal too.
	out, err = call(avp.OpBatchIsAuthorizedWithToken, `{"policyStoreId":"ps1","identityToken":"good.id.token","requests":[
		{"action":{"actionType":"Action","actionId":"list"},"resource":{"entityType":"Folder","entityId":"f"}},
		{"action":{"actionType":"Action","actionId":"write"},"resource":{"entityType":"Folder","entityId":"f"}}],
		"entities":{"entityList":[{"identifier":{"entityType":"Action","entityId":"write"},"parents":[{"entityType":"Action","entityId":"readOnly"}]}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"principal":{"entityType":"User","entityId":"pool|dave"},"results":[
		{"request":{"action":{"actionType":"Action","actionId":"list"},"resource":{"entityType":"Folder","entityId":"f"}},"decision":"ALLOW","determiningPolicies":[{"policyId":"listers"}],"errors":[]},
		{"request":{"action":{"actionType":"Action","actionId":"write"},"resource":{"entityType":"Folder","entityId":"f"}},"decision":"DENY","determiningPolicies":[],"errors":[]}]}`, out)
	out, err = call(avp.OpIsAuthorizedWithToken, `{"policyStoreId":"ps1","identityToken":"good.id.token","action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Folder","entityId":"f"}}`)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"decision":"ALLOW","determiningPolicies":[{"policyId":"listers"},{"policyId":"readers"}],"errors":[],"principal":{"entityType":"User","entityId":"pool|dave"}}`, out)

	for _, tt := range []struct{ name, op, body, code, contains string }{
		{"a bad token", avp.OpIsAuthorizedWithToken, `{"policyStoreId":"ps1","identityToken":"bad.id.token"}`, avp.CodeValidation, "signature check"},
		{"no token", avp.OpIsAuthorizedWithToken, `{"policyStoreId":"ps1"}`, avp.CodeValidation, "identityToken, an accessToken or both"},
		{"a token that is not a JWT", avp.OpIsAuthorizedWithToken, `{"policyStoreId":"ps1","identityToken":"x"}`, avp.CodeValidation, "identityToken"},
		{"a store without identity source", avp.OpIsAuthorizedWithToken, `{"policyStoreId":"bare","identityToken":"good.id.token"}`, avp.CodeValidation, "has no identity source"},
		{"entities describing the principal's type", avp.OpIsAuthorizedWithToken,
			`{"policyStoreId":"ps1","identityToken":"good.id.token","entities":{"entityList":[{"identifier":{"entityType":"User","entityId":"x"}}]}}`, avp.CodeValidation, "come from the token"},
		{"entities describing a group", avp.OpBatchIsAuthorizedWithToken,
			`{"policyStoreId":"ps1","identityToken":"good.id.token","requests":[{}],"entities":{"entityList":[{"identifier":{"entityType":"Group","entityId":"x"}}]}}`, avp.CodeValidation, "come from the token"},
		{"31 requests", avp.OpBatchIsAuthorizedWithToken,
			`{"policyStoreId":"ps1","identityToken":"good.id.token","requests":[` + strings.TrimSuffix(strings.Repeat("{},", 31), ",") + `]}`, avp.CodeValidation, "30"},
	} {
		_, err := call(tt.op, tt.body)
		e, ok := err.(*avp.Error)
		if !ok || e.Code != tt.code || !strings.Contains(fmt.Sprint(e.Message, e.FieldList), tt.contains) {
			t.Errorf("%s: error %v, want %s containing %q", tt.name, err, tt.code, tt.contains)
		}
	}
}

// TestDecisionOnStaleCachedSet: the answer worked out on the cached set
// while the freshness check runs is dropped when the check finds the store
// written since: the next decision is the new version's, identity source
// included, and a store deleted since is not found.
func TestDecisionOnStaleCachedSet(t *testing.T) {
	t.Parallel()
	permit := static("readers", `permit(principal in Group::"pool|readers", action == Action::"read", resource);`)
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps1": {Version: 1, Policies: []avp.Policy{permit},
		IdentitySource: &avp.IdentitySource{PolicyStoreID: "ps1", PrincipalEntityType: "User"}}}}
	table := entry.NewTable(avp.NewService(avp.Deps{PolicySets: authz.NewCache(snaps), Tokens: verifier{}}))
	const body = `{"policyStoreId":"ps1","identityToken":"good.id.token","action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d"}}`
	call := func() (any, error) {
		return table.Call(context.Background(), avp.OpIsAuthorizedWithToken, "111122223333", []byte(body))
	}
	out, err := call()
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"decision":"ALLOW","determiningPolicies":[{"policyId":"readers"}],"errors":[],"principal":{"entityType":"User","entityId":"pool|dave"}}`, out)

	snaps.set("ps1", avp.CedarSnapshot{Version: 2, IdentitySource: &avp.IdentitySource{PolicyStoreID: "ps1", PrincipalEntityType: "Employee"}})
	if out, err = call(); err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"decision":"DENY","determiningPolicies":[],"errors":[],"principal":{"entityType":"Employee","entityId":"pool|dave"}}`, out)

	snaps.mu.Lock()
	delete(snaps.stores, "ps1")
	snaps.mu.Unlock()
	_, err = call()
	if e, ok := err.(*avp.Error); !ok || e.Code != avp.CodeResourceNotFound {
		t.Errorf("after the store is gone: %v, want a ResourceNotFoundException", err)
	}
}

// groupsVerifier makes the token's principal a member of n groups.
type groupsVerifier struct{ n int }

func (g groupsVerifier) VerifyTokens(_ context.Context, src avp.IdentitySource, _, _ string) (avp.TokenIdentity, error) {
	uid := types.NewEntityUID(types.EntityType(src.PrincipalEntityType), "pool|dave")
	var groups []types.EntityUID
	ents := []types.Entity{{}}
	for i := range g.n {
		gid := types.NewEntityUID("Group", types.String(fmt.Sprintf("pool|g%d", i)))
		groups = append(groups, gid)
		ents = append(ents, types.Entity{UID: gid})
	}
	ents[0] = types.Entity{UID: uid, Parents: types.NewEntityUIDSet(groups...)}
	return avp.TokenIdentity{Principal: avp.EntityIdentifier{EntityType: src.PrincipalEntityType, EntityID: "pool|dave"}, Entities: ents}, nil
}

// TestTokenPrincipalParents: a token's principal in more than 100 groups
// exceeds AVP's quota of parents; 100 pass.
func TestTokenPrincipalParents(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps1": {Version: 1,
		IdentitySource: &avp.IdentitySource{PolicyStoreID: "ps1", PrincipalEntityType: "User"}}}}
	const body = `{"policyStoreId":"ps1","accessToken":"a.b.c","action":{"actionType":"Action","actionId":"read"}}`
	for _, n := range []int{avp.MaxParents, avp.MaxParents + 1} {
		table := entry.NewTable(avp.NewService(avp.Deps{PolicySets: authz.NewCache(snaps), Tokens: groupsVerifier{n}}))
		_, err := table.Call(context.Background(), avp.OpIsAuthorizedWithToken, "111122223333", []byte(body))
		e, _ := err.(*avp.Error)
		switch {
		case n <= avp.MaxParents && err != nil:
			t.Errorf("%d groups: %v", n, err)
		case n > avp.MaxParents && (e == nil || e.Code != avp.CodeValidation || !strings.Contains(fmt.Sprint(e.FieldList), "accessToken")):
			t.Errorf("%d groups: %v, want a ValidationException on accessToken", n, err)
		}
	}
}
