package authz

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/cedarschema"
)

// A small universe, so that random scopes, hierarchies and requests meet.
var (
	universeTypes = map[string][]string{
		"User":   {"alice", "bob", "carol"},
		"Group":  {"admins", "staff", "all"},
		"Doc":    {"d1", "d2", "d3"},
		"Folder": {"f1", "f2", "root"},
		"Action": {"read", "write", "manage", "any"},
	}
	principalTypes = []string{"User", "Group"}
	resourceTypes  = []string{"Doc", "Folder"}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func randUID(r *rand.Rand, typeNames []string) types.EntityUID {
	t := pick(r, typeNames)
	return types.NewEntityUID(types.EntityType(t), types.String(pick(r, universeTypes[t])))
}

func lit(u types.EntityUID) string { return string(u.MarshalCedar()) }

func randConstraint(r *rand.Rand, v string, typeNames []string) string {
	switch r.IntN(7) {
	case 0, 1:
		return v
	case 2:
		return v + " == " + lit(randUID(r, typeNames))
	case 3:
		return v + " in " + lit(randUID(r, typeNames))
	case 4:
		return v + " is " + pick(r, typeNames)
	case 5:
		return v + " is " + pick(r, typeNames) + " in " + lit(randUID(r, typeNames))
	}
	return v + " == " + lit(randUID(r, typeNames))
}

func randAction(r *rand.Rand) string {
	a := func() string { return lit(randUID(r, []string{"Action"})) }
	switch r.IntN(6) {
	case 0, 1:
		return "action"
	case 2:
		return "action == " + a()
	case 3:
		return "action in " + a()
	case 4:
		return "action in [" + a() + ", " + a() + "]"
	}
	return "action in []"
}

var conditions = []string{
	"",
	"when { context.flag }",
	"when { context has flag && context.flag }",
	"when { principal.level > 2 }", // fails on entities without level
	"unless { resource has owner && resource.owner == principal }",
	"when { resource.owner == principal }", // fails without owner
	"when { principal in resource.viewers }",
	"when { 1 + context.n > 0 }", // fails when n is not a Long or is absent
}

func randPolicy(r *rand.Rand) string {
	effect := "permit"
	if r.IntN(4) == 0 {
		effect = "forbid"
	}
	return fmt.Sprintf("%s(%s, %s, %s) %s;", effect,
		randConstraint(r, "principal", principalTypes), randAction(r),
		randConstraint(r, "resource", resourceTypes), pick(r, conditions))
}

func randEntities(r *rand.Rand) types.EntityMap {
	m := types.EntityMap{}
	for t, ids := range universeTypes {
		for _, id := range ids {
			if r.IntN(5) == 0 {
				continue // missing entities have no parents and no attributes
			}
			uid := types.NewEntityUID(types.EntityType(t), types.String(id))
			var parents []types.EntityUID
			for range r.IntN(3) {
				// Any type may be a parent; cycles happen.
				parents = append(parents, randUID(r, []string{t, pick(r, []string{"Group", "Folder", "Action", t})}))
			}
			attrs := types.RecordMap{}
			if r.IntN(2) == 0 {
				attrs["level"] = types.Long(r.IntN(5))
			}
			if r.IntN(2) == 0 {
				attrs["owner"] = randUID(r, []string{"User"})
			}
			if r.IntN(2) == 0 {
				attrs["viewers"] = types.NewSet(randUID(r, principalTypes), randUID(r, principalTypes))
			}
			m[uid] = types.Entity{UID: uid, Parents: types.NewEntityUIDSet(parents...), Attributes: types.NewRecord(attrs)}
		}
	}
	return m
}

func randContext(r *rand.Rand) types.Record {
	m := types.RecordMap{}
	if r.IntN(3) > 0 {
		m["flag"] = types.Boolean(r.IntN(2) == 0)
	}
	switch r.IntN(3) {
	case 0:
		m["n"] = types.Long(r.IntN(3))
	case 1:
		m["n"] = types.String("x")
	}
	return types.NewRecord(m)
}

func mustSet(tb testing.TB, texts []string, opts ...Option) *Set {
	tb.Helper()
	list, err := cedar.NewPolicyListFromBytes("", []byte(strings.Join(texts, "\n")))
	if err != nil {
		tb.Fatal(err)
	}
	if len(list) != len(texts) {
		tb.Fatalf("parsed %d policies from %d texts", len(list), len(texts))
	}
	entries := make([]Entry, len(list))
	for i, p := range list {
		entries[i] = Entry{ID: fmt.Sprintf("p%03d", i), Policy: p}
	}
	return NewSet(entries, opts...)
}

// TestIndexMatchesAll is the index's proof: on random stores, hierarchies
// (with missing entities and cycles), contexts and requests, the indexed
// decision equals the one evaluating every policy: decision, determining
// policies and errors.
func TestIndexMatchesAll(t *testing.T) {
	t.Parallel()
	pruned, evaluated, grouped := 0, 0, 0
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 11))
		n := 1 + r.IntN(60)
		texts := make([]string, n)
		for i := range texts {
			texts[i] = randPolicy(r)
		}
		// Half the stores have a schema whose action groups override the
		// request's action entities.
		var actions []types.Entity
		if seed%2 == 1 {
			actions = randActionGroups(t, r)
		}
		s := mustSet(t, texts, WithIndexThreshold(0), WithActions(actions))
		plain := mustSet(t, texts, WithIndexThreshold(0))
		for range 40 {
			entities := randEntities(r)
			req := Request{
				Principal: randUID(r, principalTypes),
				Action:    randUID(r, []string{"Action"}),
				Resource:  randUID(r, resourceTypes),
				Context:   randContext(r),
			}
			all := s.AuthorizeAll(entities, req)
			idx := s.AuthorizeIndexed(entities, req)
			if diff := cmp.Diff(all, idx); diff != "" {
				t.Fatalf("seed %d: request %v: indexed answer differs (-all +indexed):\n%s\npolicies:\n%s", seed, req, diff, strings.Join(texts, "\n"))
			}
			if got := s.Authorize(entities, req); !cmp.Equal(got, all) {
				t.Fatalf("seed %d: Authorize differs from AuthorizeAll", seed)
			}
			// The schema's actions are the request's entities with the
			// declared actions replaced.
			merged := maps.Clone(entities)
			for _, a := range actions {
				merged[a.UID] = a
			}
			if ref := plain.AuthorizeAll(merged, req); !cmp.Equal(ref, all) {
				t.Fatalf("seed %d: request %v: with the schema's actions %v the answer differs from the merged entities' (-merged +schema):\n%s", seed, req, actions, cmp.Diff(ref, all))
			}
			if len(actions) > 0 && !cmp.Equal(plain.AuthorizeAll(entities, req), all) {
				grouped++
			}
			c := len(s.index.candidates(s.scopes, entities, req))
			evaluated += c
			pruned += n - c
		}
	}
	// The index must leave most policies out on this mix, or it is no index.
	if pruned < evaluated {
		t.Errorf("the index evaluated %d policies and left out only %d", evaluated, pruned)
	}
	// The schemas' groups must change some answers, or they are not tested.
	if grouped < 100 {
		t.Errorf("the schemas' action groups changed only %d answers", grouped)
	}
	t.Logf("evaluated %d, left out %d; %d answers changed by the schemas' action groups", evaluated, pruned, grouped)
}

// randActionGroups declares a random subset of the universe's actions in a
// schema, each a member of some later ones (so no cycle), and returns the
// schema's action entities.
func randActionGroups(t *testing.T, r *rand.Rand) []types.Entity {
	t.Helper()
	names := universeTypes["Action"]
	member := map[string][]string{}
	for i, a := range names {
		if r.IntN(5) == 0 {
			continue
		}
		member[a] = []string{}
		for _, g := range names[i+1:] {
			if r.IntN(2) == 0 {
				member[a] = append(member[a], g)
			}
		}
	}
	decl := map[string]any{}
	for a, groups := range member {
		var refs []map[string]string
		for _, g := range groups {
			refs = append(refs, map[string]string{"id": g})
			if _, ok := member[g]; !ok {
				decl[g] = map[string]any{} // a group named by memberOf must be declared
			}
		}
		decl[a] = map[string]any{"memberOf": refs}
	}
	b, err := json.Marshal(map[string]any{"": map[string]any{"entityTypes": map[string]any{}, "actions": decl}})
	if err != nil {
		t.Fatal(err)
	}
	sch, err := cedarschema.Parse(string(b))
	if err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return sch.ActionEntities()
}

func TestScopeOf(t *testing.T) {
	t.Parallel()
	u := func(typ, id string) types.EntityUID {
		return types.NewEntityUID(types.EntityType(typ), types.String(id))
	}
	tests := []struct {
		text string
		want scope
	}{
		{`permit(principal, action, resource);`, scope{}},
		{`permit(principal == User::"a", action == Action::"r", resource == Doc::"d");`,
			scope{constraint{op: opEq, entity: u("User", "a")}, constraint{op: opEq, entity: u("Action", "r")}, constraint{op: opEq, entity: u("Doc", "d")}}},
		{`forbid(principal in Group::"g", action in Action::"all", resource in Folder::"f") when { true };`,
			scope{constraint{op: opIn, entity: u("Group", "g")}, constraint{op: opIn, entity: u("Action", "all")}, constraint{op: opIn, entity: u("Folder", "f")}}},
		{`permit(principal is User, action in [Action::"r", Action::"w"], resource is Doc in Folder::"f");`,
			scope{constraint{op: opIs, typ: "User"}, constraint{op: opInSet, set: []types.EntityUID{u("Action", "r"), u("Action", "w")}}, constraint{op: opIsIn, typ: "Doc", entity: u("Folder", "f")}}},
		{`permit(principal is NS::User in NS::Group::"x y", action, resource);`,
			scope{principal: constraint{op: opIsIn, typ: "NS::User", entity: u("NS::Group", "x y")}}},
	}
	for _, tt := range tests {
		var p cedar.Policy
		if err := p.UnmarshalCedar([]byte(tt.text)); err != nil {
			t.Fatal(err)
		}
		got := scopeOf(&p)
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(scope{}, constraint{})); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestIndexPrunes(t *testing.T) {
	t.Parallel()
	var texts []string
	for i := range 100 {
		texts = append(texts, fmt.Sprintf(`permit(principal == User::"u%d", action, resource);`, i))
	}
	texts = append(texts, `permit(principal in Group::"g", action, resource);`, `permit(principal, action, resource is Doc);`)
	s := mustSet(t, texts)
	entities := types.EntityMap{
		types.NewEntityUID("User", "u7"): {UID: types.NewEntityUID("User", "u7"), Parents: types.NewEntityUIDSet(types.NewEntityUID("Group", "g"))},
	}
	req := Request{Principal: types.NewEntityUID("User", "u7"), Action: types.NewEntityUID("Action", "read"), Resource: types.NewEntityUID("Doc", "d")}
	got := s.index.candidates(s.scopes, entities, req)
	if want := []int32{7, 100, 101}; !cmp.Equal(got, want) {
		t.Errorf("candidates = %v, want %v", got, want)
	}
	res := s.Authorize(entities, req)
	if want := (Result{Decision: Allow, Determining: []string{"p007", "p100", "p101"}, Errors: []string{}}); !cmp.Equal(res, want) {
		t.Errorf("Authorize = %+v, want %+v", res, want)
	}
}
