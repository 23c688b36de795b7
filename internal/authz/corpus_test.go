package authz_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vpid-dev/vpid/internal/authz"
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/entry"
)

// snapshots is an in-memory avp.CedarSnapshots that counts its reads.
type snapshots struct {
	mu       sync.Mutex
	stores   map[string]avp.CedarSnapshot
	versions int
	reads    int
}

func (f *snapshots) ReadCedar(_ context.Context, _, id string) (avp.CedarSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	s, ok := f.stores[id]
	if !ok {
		return avp.CedarSnapshot{}, fmt.Errorf("fake: %w", avp.ErrNotFound)
	}
	return s, nil
}

func (f *snapshots) CedarVersion(_ context.Context, _, id string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions++
	s, ok := f.stores[id]
	if !ok {
		return 0, fmt.Errorf("fake: %w", avp.ErrNotFound)
	}
	return s.Version, nil
}

func (f *snapshots) set(id string, s avp.CedarSnapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stores[id] = s
}

func static(id, stmt string) avp.Policy {
	return avp.Policy{PolicyID: id, PolicyType: avp.PolicyTypeStatic, Statement: stmt}
}

// corpusStore is the store every corpus request is decided against.
func corpusStore() avp.CedarSnapshot {
	return avp.CedarSnapshot{
		Version: 1,
		Policies: append(slices.Clone(groupPolicies),
			static("alice-reads", `permit(principal == User::"alice", action == Action::"read", resource);`),
			static("admins-all", `permit(principal in Group::"admins", action, resource);`),
			static("no-bob", `forbid(principal == User::"bob", action, resource);`),
			static("owner-edits", `permit(principal, action == Action::"edit", resource is Doc) when { resource.owner == principal };`),
			static("attrs", `permit(principal, action == Action::"attrs", resource) when {
				principal.name == "carol" && principal.level >= 3 && principal.active &&
				principal.roles.contains("dev") && principal.address.city == "Paris" };`),
			static("extensions", `permit(principal, action == Action::"ext", resource) when {
				context.ip.isInRange(ip("10.0.0.0/8")) && context.amount.lessThan(decimal("100.5")) &&
				context.at > datetime("2024-01-01") && context.ttl < duration("2h") };`),
			static("tags", `permit(principal, action == Action::"tagged", resource) when {
				resource.hasTag("stage") && resource.getTag("stage") == "prod" };`),
			static("broken", `permit(principal, action == Action::"broken", resource) when { principal.missing == 1 };`),
			static("token-scope", `permit(principal, action == Action::"write", resource) when {
				context has token && context.token.scope.contains("api/write") };`),
			avp.Policy{PolicyID: "linked-dave", PolicyType: avp.PolicyTypeTemplateLinked, PolicyTemplateID: "tpl-viewer",
				LinkPrincipal: &avp.EntityIdentifier{EntityType: "User", EntityID: "dave"},
				LinkResource:  &avp.EntityIdentifier{EntityType: "Doc", EntityID: "plan"}},
		),
		Templates: []avp.PolicyTemplate{{PolicyTemplateID: "tpl-viewer",
			Statement: `permit(principal == ?principal, action == Action::"view", resource in ?resource);`}},
		Schema: &corpusSchema,
	}
}

// corpusSchema declares action groups: read and list are readOnly, which
// with edit is all; Photo::Action::"view" is in Photo::Action::"viewAny"
// and in the root namespace's all. The corpus's other actions are not
// declared (requests are not validated against the schema).
var corpusSchema = `{
	"": {"entityTypes": {}, "actions": {
		"read": {"memberOf": [{"id": "readOnly"}]},
		"list": {"memberOf": [{"id": "readOnly"}]},
		"edit": {"memberOf": [{"id": "all"}]},
		"readOnly": {"memberOf": [{"id": "all"}]},
		"all": {}}},
	"Photo": {"entityTypes": {}, "actions": {
		"view": {"memberOf": [{"id": "viewAny"}, {"id": "all", "type": "Action"}]},
		"viewAny": {}}}}`

// groupPolicies use the schema's action groups; their principals appear in
// no other policy.
var groupPolicies = []avp.Policy{
	static("fay-reads", `permit(principal == User::"fay", action in Action::"readOnly", resource);`),
	static("gus-all", `permit(principal == User::"gus", action in Action::"all", resource);`),
	static("gus-no-list", `forbid(principal == User::"gus", action in [Action::"list", Photo::Action::"viewAny"], resource);`),
	static("hal-views", `permit(principal == User::"hal", action in Photo::Action::"viewAny", resource is Doc);`),
}

func newService(t *testing.T, snaps *snapshots) entry.Table {
	t.Helper()
	return entry.NewTable(avp.NewService(avp.Deps{PolicySets: authz.NewCache(snaps)}))
}

// TestCorpus runs requests with known answers (decision, determining
// policies, errors) through the service, from the wire form on.
func TestCorpus(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps1": corpusStore()}}
	table := newService(t, snaps)
	req := func(principal, action, resource, rest string) string {
		s := `{"policyStoreId":"ps1"`
		if principal != "" {
			s += `,"principal":{"entityType":"User","entityId":"` + principal + `"}`
		}
		actionType := "Action"
		if ns, id, ok := strings.Cut(action, "::"); ok {
			actionType, action = ns+"::Action", id
		}
		s += `,"action":{"actionType":"` + actionType + `","actionId":"` + action + `"}`
		if resource != "" {
			s += `,"resource":` + resource
		}
		if rest != "" {
			s += "," + rest
		}
		return s + "}"
	}
	doc := func(id string) string { return `{"entityType":"Doc","entityId":"` + id + `"}` }
	folder := `{"entityType":"Folder","entityId":"f1"}`
	allow := func(ids ...string) string {
		return `{"decision":"ALLOW","determiningPolicies":[` + policies(ids) + `],"errors":[]}`
	}
	deny := func(ids ...string) string {
		return `{"decision":"DENY","determiningPolicies":[` + policies(ids) + `],"errors":[]}`
	}
	carol := `{"identifier":{"entityType":"User","entityId":"carol"},"attributes":{
		"name":{"string":"carol"},"level":{"long":3},"active":{"boolean":true},
		"roles":{"set":[{"string":"dev"},{"string":"ops"}]},
		"address":{"record":{"city":{"string":"Paris"}}}}}`
	tests := []struct{ name, body, want string }{
		{"equality permit", req("alice", "read", doc("d1"), ""), allow("alice-reads")},
		{"no policy applies; one fails on the missing resource", req("alice", "edit", doc("d1"), ""),
			`{"decision":"DENY","determiningPolicies":[],"errors":[{"errorDescription":"while evaluating policy ` + "`owner-edits`" + `: entity ` + "`Doc::\\\"d1\\\"`" + ` does not exist"}]}`},
		{"group membership from entityList parents",
			req("erin", "anything", doc("d1"), `"entities":{"entityList":[{"identifier":{"entityType":"User","entityId":"erin"},"parents":[{"entityType":"Group","entityId":"admins"}]}]}`),
			allow("admins-all")},
		{"group membership from cedarJson entities",
			req("erin", "anything", doc("d1"), `"entities":{"cedarJson":"[{\"uid\":{\"type\":\"User\",\"id\":\"erin\"},\"parents\":[{\"type\":\"Group\",\"id\":\"admins\"}],\"attrs\":{}}]"}`),
			allow("admins-all")},
		{"forbid wins over a permit",
			req("bob", "read", doc("d1"), `"entities":{"entityList":[{"identifier":{"entityType":"User","entityId":"bob"},"parents":[{"entityType":"Group","entityId":"admins"}]}]}`),
			deny("no-bob")},
		{"entity identifier attribute",
			req("alice", "edit", doc("d1"), `"entities":{"entityList":[{"identifier":`+doc("d1")+`,"attributes":{"owner":{"entityIdentifier":{"entityType":"User","entityId":"alice"}}}}]}`),
			allow("owner-edits")},
		{"boolean, long, string, set and record attributes",
			req("carol", "attrs", doc("d1"), `"entities":{"entityList":[`+carol+`]}`), allow("attrs")},
		{"ipaddr, decimal, datetime and duration in a contextMap",
			req("alice", "ext", doc("d1"), `"context":{"contextMap":{"ip":{"ipaddr":"10.1.2.3"},"amount":{"decimal":"99.25"},"at":{"datetime":"2025-06-01T10:00:00Z"},"ttl":{"duration":"1h30m"}}}`),
			allow("extensions")},
		{"the same in a cedarJson context",
			req("alice", "ext", doc("d1"), `"context":{"cedarJson":"{\"ip\":{\"__extn\":{\"fn\":\"ip\",\"arg\":\"10.1.2.3\"}},\"amount\":{\"__extn\":{\"fn\":\"decimal\",\"arg\":\"99.25\"}},\"at\":{\"__extn\":{\"fn\":\"datetime\",\"arg\":\"2025-06-01\"}},\"ttl\":{\"__extn\":{\"fn\":\"duration\",\"arg\":\"90m\"}}}"}`),
			allow("extensions")},
		{"an extension value out of range denies",
			req("alice", "ext", doc("d1"), `"context":{"contextMap":{"ip":{"ipaddr":"192.168.0.1"},"amount":{"decimal":"99.25"},"at":{"datetime":"2025-06-01"},"ttl":{"duration":"1h"}}}`),
			deny()},
		{"entity tags",
			req("alice", "tagged", doc("d1"), `"entities":{"entityList":[{"identifier":`+doc("d1")+`,"tags":{"stage":{"string":"prod"}}}]}`),
			allow("tags")},
		{"a failing policy is reported, not satisfied", req("alice", "broken", doc("d1"), ""),
			`{"decision":"DENY","determiningPolicies":[],"errors":[{"errorDescription":"while evaluating policy ` + "`broken`" + `: entity ` + "`User::\\\"alice\\\"`" + ` does not exist"}]}`},
		{"a template-linked policy", req("dave", "view", doc("plan"), ""), allow("linked-dave")},
		{"a template-linked policy through the resource hierarchy",
			req("dave", "view", doc("page"), `"entities":{"entityList":[{"identifier":`+doc("page")+`,"parents":[`+doc("plan")+`]}]}`),
			allow("linked-dave")},
		{"the link does not reach other principals", req("erin", "view", doc("plan"), ""), deny()},
		{"a token scope in context",
			req("alice", "write", doc("d1"), `"context":{"contextMap":{"token":{"record":{"scope":{"set":[{"string":"api/write"}]}}}}}`),
			allow("token-scope")},
		{"an action in a schema group", req("fay", "read", doc("d1"), ""), allow("fay-reads")},
		{"another action of the group", req("fay", "list", doc("d1"), ""), allow("fay-reads")},
		{"an action outside the group", req("fay", "edit", folder, ""), deny()},
		{"an undeclared action is in no group", req("fay", "anything", doc("d1"), ""), deny()},
		{"the group itself is in the group", req("fay", "readOnly", doc("d1"), ""), allow("fay-reads")},
		{"a group of a group (read in readOnly in all)", req("gus", "read", doc("d1"), ""), allow("gus-all")},
		{"a forbid through an action group in a set", req("gus", "list", doc("d1"), ""), deny("gus-no-list")},
		{"a namespaced action in its group and in a root group", req("gus", "Photo::view", doc("d1"), ""), deny("gus-no-list")},
		{"a namespaced action group", req("hal", "Photo::view", doc("d1"), ""), allow("hal-views")},
		{"the group's namespace counts", req("hal", "view", doc("d1"), ""), deny()},
		{"the request's entities cannot put an action in a group",
			req("fay", "edit", folder, `"entities":{"entityList":[{"identifier":{"entityType":"Action","entityId":"edit"},"parents":[{"entityType":"Action","entityId":"readOnly"}]}]}`),
			deny()},
		{"nor take one out of its group",
			req("fay", "read", doc("d1"), `"entities":{"entityList":[{"identifier":{"entityType":"Action","entityId":"read"}}]}`),
			allow("fay-reads")},
		{"an undeclared action's groups come from the request",
			req("fay", "anything", doc("d1"), `"entities":{"entityList":[{"identifier":{"entityType":"Action","entityId":"anything"},"parents":[{"entityType":"Action","entityId":"readOnly"}]}]}`),
			allow("fay-reads")},
		{"no principal: only unconstrained scopes apply", req("", "write", doc("d1"), `"context":{"contextMap":{"token":{"record":{"scope":{"set":[{"string":"api/write"}]}}}}}`),
			allow("token-scope")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := table.Call(context.Background(), avp.OpIsAuthorized, "111122223333", []byte(tt.body))
			if err != nil {
				t.Fatalf("IsAuthorized: %v", err)
			}
			assertJSON(t, tt.want, out)
		})
	}
}

func policies(ids []string) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, `{"policyId":"`+id+`"}`)
	}
	return strings.Join(parts, ",")
}

func assertJSON(t *testing.T, want string, got any) {
	t.Helper()
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps1": corpusStore()}}
	table := newService(t, snaps)
	body := `{"policyStoreId":"ps1","requests":[
		{"principal":{"entityType":"User","entityId":"alice"},"action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d1"}},
		{"principal":{"entityType":"User","entityId":"alice"},"action":{"actionType":"Action","actionId":"edit"},"resource":{"entityType":"Doc","entityId":"d2"},"context":{"contextMap":{}}}]}`
	out, err := table.Call(context.Background(), avp.OpBatchIsAuthorized, "111122223333", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, `{"results":[
		{"request":{"principal":{"entityType":"User","entityId":"alice"},"action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"d1"}},
		 "decision":"ALLOW","determiningPolicies":[{"policyId":"alice-reads"}],"errors":[]},
		{"request":{"principal":{"entityType":"User","entityId":"alice"},"action":{"actionType":"Action","actionId":"edit"},"resource":{"entityType":"Doc","entityId":"d2"},"context":{"contextMap":{}}},
		 "decision":"DENY","determiningPolicies":[],"errors":[{"errorDescription":"while evaluating policy `+"`owner-edits`: entity `Doc::\\\"d2\\\"` does not exist"+`"}]}]}`, out)
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	snaps := &snapshots{stores: map[string]avp.CedarSnapshot{"ps1": corpusStore()}}
	table := newService(t, snaps)
	item := func(p, r string) string {
		return `{"principal":{"entityType":"User","entityId":"` + p + `"},"action":{"actionType":"Action","actionId":"read"},"resource":{"entityType":"Doc","entityId":"` + r + `"}}`
	}
	many := make([]string, 31)
	for i := range many {
		many[i] = item("alice", fmt.Sprint(i))
	}
	deep := strings.Repeat(`{"set":[`, avp.MaxValueDepth+2) + `{"long":1}` + strings.Repeat(`]}`, avp.MaxValueDepth+2)
	tests := []struct{ name, op, body, code, contains string }{
		{"two context members", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{},"cedarJson":"{}"}}`, avp.CodeValidation, "exactly one member"},
		{"an empty context union", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{}}`, avp.CodeValidation, "has none"},
		{"an attribute value with two members", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{"a":{"long":1,"string":"x"}}}}`, avp.CodeValidation, `context.contextMap["a"].value`},
		{"a bad decimal", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{"a":{"decimal":"1.23456"}}}}`, avp.CodeValidation, `context.contextMap["a"].value.decimal`},
		{"a bad ipaddr", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{"a":{"ipaddr":"1.2.3.999"}}}}`, avp.CodeValidation, "not a valid ipaddr"},
		{"a bad datetime", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{"a":{"datetime":"2024-13-01"}}}}`, avp.CodeValidation, "datetime"},
		{"a bad duration", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{"a":{"duration":"1x"}}}}`, avp.CodeValidation, "duration"},
		{"a context cedarJson that is not a record", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"cedarJson":"[1]"}}`, avp.CodeValidation, "not a Cedar JSON record"},
		{"entities cedarJson that is not entities", avp.OpIsAuthorized, `{"policyStoreId":"ps1","entities":{"cedarJson":"{}"}}`, avp.CodeValidation, "not a Cedar JSON entities array"},
		{"an entity without identifier", avp.OpIsAuthorized, `{"policyStoreId":"ps1","entities":{"entityList":[{}]}}`, avp.CodeValidation, "entities.entityList[0].identifier"},
		{"an action type that is not an action", avp.OpIsAuthorized, `{"policyStoreId":"ps1","action":{"actionType":"User","actionId":"x"}}`, avp.CodeValidation, "action.actionType"},
		{"values nested too deep", avp.OpIsAuthorized, `{"policyStoreId":"ps1","context":{"contextMap":{"a":` + deep + `}}}`, "SerializationException", "deep"},
		{"an unknown store", avp.OpIsAuthorized, `{"policyStoreId":"nope"}`, avp.CodeResourceNotFound, "nope"},
		{"31 requests", avp.OpBatchIsAuthorized, `{"policyStoreId":"ps1","requests":[` + strings.Join(many, ",") + `]}`, avp.CodeValidation, "less than or equal to 30"},
		{"no requests", avp.OpBatchIsAuthorized, `{"policyStoreId":"ps1","requests":[]}`, avp.CodeValidation, "greater than or equal to 1"},
		{"neither the same principal nor the same resource", avp.OpBatchIsAuthorized,
			`{"policyStoreId":"ps1","requests":[` + item("alice", "d1") + "," + item("bob", "d2") + `]}`, avp.CodeValidation, "same principal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := table.Call(context.Background(), tt.op, "111122223333", []byte(tt.body))
			e, ok := err.(*avp.Error)
			if !ok {
				t.Fatalf("error %v (%T), want *avp.Error %s", err, err, tt.code)
			}
			text := e.Message
			for _, f := range e.FieldList {
				text += " " + f.Path
			}
			if e.Code != tt.code || !strings.Contains(text, tt.contains) {
				t.Errorf("error %s: %s; want %s containing %q", e.Code, e.Message, tt.code, tt.contains)
			}
		})
	}
	// Same principal, different resources, and the reverse, are both fine.
	for _, body := range []string{
		`{"policyStoreId":"ps1","requests":[` + item("alice", "d1") + "," + item("alice", "d2") + `]}`,
		`{"policyStoreId":"ps1","requests":[` + item("alice", "d1") + "," + item("bob", "d1") + `]}`,
	} {
		if _, err := table.Call(context.Background(), avp.OpBatchIsAuthorized, "111122223333", []byte(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}
