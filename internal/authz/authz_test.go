package authz

import (
	"testing"

	"github.com/cedar-policy/cedar-go/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/avp"
)

func TestResult(t *testing.T) {
	t.Parallel()
	alice := types.NewEntityUID("User", "alice")
	read := types.NewEntityUID("Action", "read")
	doc := types.NewEntityUID("Doc", "d")
	entities := types.EntityMap{alice: {UID: alice, Attributes: types.NewRecord(types.RecordMap{"level": types.Long(3)})}}
	tests := []struct {
		name     string
		policies []string
		want     Result
	}{
		{"no policy: DENY, nothing determining", nil,
			Result{Decision: Deny, Determining: []string{}, Errors: []string{}}},
		{"satisfied permits determine an ALLOW", []string{
			`permit(principal == User::"alice", action, resource);`,
			`permit(principal, action == Action::"read", resource);`,
			`permit(principal == User::"bob", action, resource);`},
			Result{Decision: Allow, Determining: []string{"p000", "p001"}, Errors: []string{}}},
		{"satisfied forbids determine a DENY, permits are not named", []string{
			`permit(principal, action, resource);`,
			`forbid(principal, action, resource) when { principal.level > 2 };`,
			`forbid(principal, action, resource) unless { context has x };`},
			Result{Decision: Deny, Determining: []string{"p001", "p002"}, Errors: []string{}}},
		{"a failing policy is skipped and reported", []string{
			`permit(principal, action, resource);`,
			`forbid(principal, action, resource) when { resource.secret };`},
			Result{Decision: Allow, Determining: []string{"p000"}, Errors: []string{
				"while evaluating policy `p001`: entity `Doc::\"d\"` does not exist"}}},
		{"a failing forbid does not deny", []string{
			`forbid(principal, action, resource) when { principal.missing == 1 };`},
			Result{Decision: Deny, Determining: []string{}, Errors: []string{
				"while evaluating policy `p000`: `User::\"alice\"` does not have the attribute `missing`"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustSet(t, tt.policies)
			req := Request{Principal: alice, Action: read, Resource: doc, Context: types.Record{}}
			for name, got := range map[string]Result{"all": s.AuthorizeAll(entities, req), "indexed": s.AuthorizeIndexed(entities, req)} {
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func TestCompileSchema(t *testing.T) {
	t.Parallel()
	bad := "{not json"
	if _, err := Compile(avp.CedarSnapshot{Schema: &bad}); err == nil {
		t.Error("Compile accepted a stored schema that does not parse")
	}
	good := `{"": {"entityTypes": {}, "actions": {"read": {"memberOf": [{"id": "readOnly"}]}, "readOnly": {}}}}`
	s, err := Compile(avp.CedarSnapshot{Schema: &good, Policies: []avp.Policy{
		{PolicyID: "p", PolicyType: avp.PolicyTypeStatic, Statement: `permit(principal, action in Action::"readOnly", resource);`}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Authorize(nil, Request{Action: types.NewEntityUID("Action", "read")}); got.Decision != Allow {
		t.Errorf("read in readOnly: %+v", got)
	}
}
