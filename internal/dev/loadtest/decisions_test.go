package loadtest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
)

// TestCheckFreshness runs the freshness check on a made-up history: a
// decision may see any write in flight while it ran, must see every write
// answered before it began, and cannot see one sent after it ended.
func TestCheckFreshness(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	writes := []flipWrite{
		{sent: at(0), acked: at(1), exists: true, allow: true, policyID: "p1", op: "setup"},
		{sent: at(10), acked: at(20), exists: true, allow: false, policyID: "p1", op: "UpdatePolicy (flip)"},
		{sent: at(30), acked: at(40), op: "DeletePolicy (flip)"},
		{sent: at(50), acked: at(60), exists: true, allow: true, policyID: "p2", op: "CreatePolicy (flip)"},
	}
	allow := func(id string) ([]string, bool) { return []string{id}, true }
	deny := func() ([]string, bool) { return []string{}, false }
	tests := []struct {
		name       string
		start, end int
		answer     func() ([]string, bool)
		violation  bool
		exact      bool
	}{
		{"before any write", 2, 5, func() ([]string, bool) { return allow("p1") }, false, true},
		{"while the update is in flight: the old state", 12, 15, func() ([]string, bool) { return allow("p1") }, false, false},
		{"while the update is in flight: the new state", 12, 15, deny, false, false},
		{"after the update was answered: the old state is stale", 21, 25, func() ([]string, bool) { return allow("p1") }, true, true},
		{"after the update was answered: the new state", 21, 25, deny, false, true},
		{"a state from two writes back", 41, 45, func() ([]string, bool) { return allow("p1") }, true, true},
		{"the future: a policy not yet created", 41, 45, func() ([]string, bool) { return allow("p2") }, true, true},
		{"spanning two writes", 15, 55, func() ([]string, bool) { return allow("p2") }, false, false},
		{"the right decision naming the wrong policy", 61, 65, func() ([]string, bool) { return allow("p1") }, true, true},
		{"the last state", 61, 65, func() ([]string, bool) { return allow("p2") }, false, true},
		{"a deny after the last create", 61, 65, deny, true, true},
	}
	for _, tt := range tests {
		det, allowed := tt.answer()
		var rep FreshnessReport
		checkFreshness(writes, []decisionObs{{start: at(tt.start), end: at(tt.end), allow: allowed, determining: det, op: "IsAuthorized"}}, time.Time{}, &rep)
		if got := rep.Violations == 1; got != tt.violation {
			t.Errorf("%s: violation %v, want %v (%v)", tt.name, got, tt.violation, rep.Examples)
		}
		if got := rep.Exact == 1; got != tt.exact {
			t.Errorf("%s: exact %v, want %v", tt.name, got, tt.exact)
		}
		if rep.Checked != 1 || rep.Writes != 3 {
			t.Errorf("%s: checked %d writes %d", tt.name, rep.Checked, rep.Writes)
		}
		if tt.violation && (len(rep.Examples) != 1 || !strings.Contains(rep.Examples[0], "possible states")) {
			t.Errorf("%s: examples %v", tt.name, rep.Examples)
		}
	}

	// After a write of unknown outcome nothing is checked.
	var rep FreshnessReport
	checkFreshness(writes, []decisionObs{
		{start: at(41), end: at(45), allow: true, determining: []string{"p1"}},
		{start: at(70), end: at(75), allow: true, determining: []string{"p9"}},
	}, at(65), &rep)
	if rep.Checked != 1 || rep.Violations != 1 || rep.Unchecked != 1 {
		t.Errorf("with an uncertain write: %+v", rep)
	}
}

// TestFlipStatements decides the requests the load test sends about the
// flip principal (as the test names it, and as a Cognito identity source
// does) against the filler policies (none may apply) and the flip policy in
// both states, with the schema's action groups as entities.
func TestFlipStatements(t *testing.T) {
	t.Parallel()
	for _, principal := range []string{flipPrincipal, "us-east-1_AcctOne11|6f1b2c3d-0a9e-4e21-9d55-2b8f0c7a1e44"} {
		t.Run(principal, func(t *testing.T) { t.Parallel(); testFlipStatements(t, principal) })
	}
}

func testFlipStatements(t *testing.T, principal string) {
	flip := types.NewEntityUID("User", types.String(principal))
	readOnly := types.NewEntityUID("Action", "readOnly")
	groups := types.EntityMap{}
	for _, a := range []string{"read", "list"} {
		uid := types.NewEntityUID("Action", types.String(a))
		groups[uid] = types.Entity{UID: uid, Parents: types.NewEntityUIDSet(readOnly)}
	}
	decide := func(statement string, action string, doc int) bool {
		ps, err := cedar.NewPolicySetFromBytes("", []byte(statement))
		if err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
		d, _ := cedar.Authorize(ps, groups, cedar.Request{Principal: flip, Action: types.NewEntityUID("Action", types.String(action)),
			Resource: types.NewEntityUID("Doc", types.String(fmt.Sprintf("d%d", doc))), Context: types.NewRecord(types.RecordMap{"x": types.Long(doc)})})
		return d == cedar.Allow
	}
	for n := range 40 {
		for _, action := range []string{"read", "list", "write"} {
			for doc := range 100 {
				if decide(fillerStatement(n), action, doc) {
					t.Fatalf("filler %d allows the flip principal %s on d%d: %s", n, action, doc, fillerStatement(n))
				}
				if action != "write" && !decide(flipStatement(principal, true)+"\n"+fillerStatement(n), action, doc) {
					t.Fatalf("filler %d forbids what the flip policy allows: %s", n, fillerStatement(n))
				}
			}
		}
	}
	for _, action := range []string{"read", "list"} {
		if !decide(flipStatement(principal, true), action, 1) || decide(flipStatement(principal, false), action, 1) {
			t.Errorf("the flip policy on %s: true must allow, false must not", action)
		}
	}
	if decide(flipStatement(principal, true), "write", 1) {
		t.Error("the flip policy allows write, which is in no group")
	}
}
