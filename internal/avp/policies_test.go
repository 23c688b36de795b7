package avp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCedar understands just enough of Cedar for the Service's tests: the
// effect, `principal == T::"id"` / `principal == ?principal` (and the same
// for resource), `action == T::"id"`. A statement that does not start with
// permit( or forbid( or holds "garbage" does not parse. A schema is any
// JSON object; its keys are its namespaces; a statement naming Unknown::
// fails validation.
type fakeCedar struct{}

var (
	reFakeScope  = regexp.MustCompile(`(principal|resource) == (\?principal|\?resource|([A-Za-z:]+)::"([^"]*)")`)
	reFakeAction = regexp.MustCompile(`action == ([A-Za-z:]+)::"([^"]*)"`)
)

func (fakeCedar) parse(st string, template bool) (CedarPolicy, error) {
	var p CedarPolicy
	switch {
	case strings.Contains(st, "garbage"):
		return p, errors.New("line 1, column 1: unexpected garbage")
	case strings.HasPrefix(st, "permit("):
		p.Effect = "Permit"
	case strings.HasPrefix(st, "forbid("):
		p.Effect = "Forbid"
	default:
		return p, errors.New("line 1, column 1: expected permit or forbid")
	}
	for _, m := range reFakeScope.FindAllStringSubmatch(st, -1) {
		var e *EntityIdentifier
		if !strings.HasPrefix(m[2], "?") {
			e = &EntityIdentifier{EntityType: m[3], EntityID: m[4]}
		} else if !template {
			return p, errors.New("line 1, column 1: a static policy has no slots")
		}
		if m[1] == "principal" {
			p.Principal, p.PrincipalSlot = e, e == nil
		} else {
			p.Resource, p.ResourceSlot = e, e == nil
		}
	}
	for _, m := range reFakeAction.FindAllStringSubmatch(st, -1) {
		p.Actions = append(p.Actions, ActionIdentifier{ActionType: m[1], ActionID: m[2]})
	}
	return p, nil
}

func (c fakeCedar) ParsePolicy(st string) (CedarPolicy, error)   { return c.parse(st, false) }
func (c fakeCedar) ParseTemplate(st string) (CedarPolicy, error) { return c.parse(st, true) }

func (c fakeCedar) Link(st string, principal, resource *EntityIdentifier) (CedarPolicy, error) {
	p, err := c.parse(st, true)
	if err != nil {
		return p, err
	}
	if p.PrincipalSlot != (principal != nil) || p.ResourceSlot != (resource != nil) {
		return p, errors.New("the entities given do not match the template's slots")
	}
	if principal != nil {
		p.Principal = principal
	}
	if resource != nil {
		p.Resource = resource
	}
	return p, nil
}

func (c fakeCedar) SameScope(old, updated string, template bool) error {
	a, err1 := c.parse(old, template)
	b, err2 := c.parse(updated, template)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	switch {
	case a.Effect != b.Effect:
		return errors.New("the effect may not change")
	case fmt.Sprint(a.Principal, a.PrincipalSlot) != fmt.Sprint(b.Principal, b.PrincipalSlot):
		return errors.New("the principal scope may not change")
	case fmt.Sprint(a.Resource, a.ResourceSlot) != fmt.Sprint(b.Resource, b.ResourceSlot):
		return errors.New("the resource scope may not change")
	}
	return nil
}

type fakeSchema struct{ ns []string }

func (fakeCedar) ParseSchema(s string) (CedarSchema, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	return fakeSchema{slices.Sorted(maps.Keys(m))}, nil
}

func (s fakeSchema) Namespaces() []string { return s.ns }

func (s fakeSchema) ValidatePolicy(st string) []CedarViolation {
	if strings.Contains(st, "Unknown::") {
		return []CedarViolation{{Reason: "UnrecognizedEntityType", Message: "unrecognized entity type Unknown"}}
	}
	return nil
}

func (s fakeSchema) ValidateTemplate(st string) []CedarViolation { return s.ValidatePolicy(st) }

// memPolicies keeps policies, templates, schemas and tags in memory, over
// the memStore's policy stores.
type memPolicies struct {
	mu        sync.Mutex
	stores    *memStore
	policies  map[string]Policy // account/store/id
	templates map[string]PolicyTemplate
	schemas   map[string]Schema
}

var _ Policies = (*memPolicies)(nil)

func (m *memPolicies) k(account, ps, id string) string { return account + "/" + ps + "/" + id }

func (m *memPolicies) live(account, ps string) error {
	if _, ok := m.stores.stores[account+"/"+ps]; !ok {
		return NotFound(ResourcePolicyStore, ps)
	}
	return nil
}

func (m *memPolicies) nameTaken(account, ps, name, except string, templates bool) bool {
	if name == "" {
		return false
	}
	if templates {
		for k, t := range m.templates {
			if strings.HasPrefix(k, account+"/"+ps+"/") && t.Name == name && t.PolicyTemplateID != except {
				return true
			}
		}
		return false
	}
	for k, p := range m.policies {
		if strings.HasPrefix(k, account+"/"+ps+"/") && p.Name == name && p.PolicyID != except {
			return true
		}
	}
	return false
}

func (m *memPolicies) CreatePolicy(_ context.Context, account string, p Policy, rec *IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.stores.claimToken(account, rec); err != nil {
		return err
	}
	if err := m.live(account, p.PolicyStoreID); err != nil {
		return err
	}
	if p.PolicyTemplateID != "" {
		if _, ok := m.templates[m.k(account, p.PolicyStoreID, p.PolicyTemplateID)]; !ok {
			return NotFound(ResourcePolicyTemplate, p.PolicyTemplateID)
		}
	}
	if m.nameTaken(account, p.PolicyStoreID, p.Name, "", false) {
		return ErrNameTaken
	}
	m.policies[m.k(account, p.PolicyStoreID, p.PolicyID)] = p
	return nil
}

func (m *memPolicies) GetPolicy(_ context.Context, account, ps, ref string) (Policy, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, p := range m.policies {
		if strings.HasPrefix(k, account+"/"+ps+"/") && (p.PolicyID == ref || p.Name == ref) {
			return p, nil
		}
	}
	return Policy{}, ErrNotFound
}

func (m *memPolicies) ListPolicies(_ context.Context, account, ps string, templates map[string]PolicyTemplate, limit int, cursor []byte, keep func(Policy) bool) ([]Policy, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.live(account, ps); err != nil {
		return nil, nil, err
	}
	var out []Policy
	for _, k := range slices.Sorted(maps.Keys(m.policies)) {
		p := m.policies[k]
		if !strings.HasPrefix(k, account+"/"+ps+"/") || p.PolicyID <= string(cursor) {
			continue
		}
		if p.PolicyType == PolicyTypeTemplateLinked {
			t, ok := templates[p.PolicyTemplateID]
			if !ok {
				continue
			}
			p.Resolve(t)
		}
		if !keep(p) {
			continue
		}
		if len(out) == limit {
			return out, []byte(out[limit-1].PolicyID), nil
		}
		out = append(out, p)
	}
	return out, nil, nil
}

func (m *memPolicies) UpdatePolicy(_ context.Context, account string, p, _ Policy) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nameTaken(account, p.PolicyStoreID, p.Name, p.PolicyID, false) {
		return ErrNameTaken
	}
	m.policies[m.k(account, p.PolicyStoreID, p.PolicyID)] = p
	return nil
}

func (m *memPolicies) DeletePolicy(_ context.Context, account, ps, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.policies, m.k(account, ps, id))
	return nil
}

func (m *memPolicies) CreatePolicyTemplate(_ context.Context, account string, t PolicyTemplate, limit int, rec *IdempotencyRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.stores.claimToken(account, rec); err != nil {
		return err
	}
	if err := m.live(account, t.PolicyStoreID); err != nil {
		return err
	}
	n := 0
	for k := range m.templates {
		if strings.HasPrefix(k, account+"/"+t.PolicyStoreID+"/") {
			n++
		}
	}
	if n >= limit {
		return ErrQuotaExceeded
	}
	if m.nameTaken(account, t.PolicyStoreID, t.Name, "", true) {
		return ErrNameTaken
	}
	m.templates[m.k(account, t.PolicyStoreID, t.PolicyTemplateID)] = t
	return nil
}

func (m *memPolicies) GetPolicyTemplate(_ context.Context, account, ps, ref string) (PolicyTemplate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, t := range m.templates {
		if strings.HasPrefix(k, account+"/"+ps+"/") && (t.PolicyTemplateID == ref || t.Name == ref) {
			return t, nil
		}
	}
	return PolicyTemplate{}, ErrNotFound
}

func (m *memPolicies) ListPolicyTemplates(_ context.Context, account, ps string) ([]PolicyTemplate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.live(account, ps); err != nil {
		return nil, err
	}
	var out []PolicyTemplate
	for _, k := range slices.Sorted(maps.Keys(m.templates)) {
		if strings.HasPrefix(k, account+"/"+ps+"/") {
			out = append(out, m.templates[k])
		}
	}
	return out, nil
}

func (m *memPolicies) UpdatePolicyTemplate(_ context.Context, account string, t PolicyTemplate, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nameTaken(account, t.PolicyStoreID, t.Name, t.PolicyTemplateID, true) {
		return ErrNameTaken
	}
	m.templates[m.k(account, t.PolicyStoreID, t.PolicyTemplateID)] = t
	return nil
}

func (m *memPolicies) DeletePolicyTemplate(_ context.Context, account, ps, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.templates, m.k(account, ps, id))
	for k, p := range m.policies {
		if strings.HasPrefix(k, account+"/"+ps+"/") && p.PolicyTemplateID == id {
			delete(m.policies, k)
		}
	}
	return nil
}

func (m *memPolicies) PutSchema(_ context.Context, account string, sc Schema) (Schema, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.live(account, sc.PolicyStoreID); err != nil {
		return sc, err
	}
	if old, ok := m.schemas[account+"/"+sc.PolicyStoreID]; ok {
		sc.CreatedDate = old.CreatedDate
	}
	m.schemas[account+"/"+sc.PolicyStoreID] = sc
	return sc, nil
}

func (m *memPolicies) GetSchema(_ context.Context, account, ps string) (Schema, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sc, ok := m.schemas[account+"/"+ps]
	if !ok {
		return sc, ErrNotFound
	}
	return sc, nil
}

func (m *memPolicies) TagPolicyStore(_ context.Context, account, ps string, add map[string]string, remove []string, limit int) error {
	m.stores.mu.Lock()
	defer m.stores.mu.Unlock()
	s, ok := m.stores.stores[account+"/"+ps]
	if !ok {
		return ErrNotFound
	}
	tags := maps.Clone(s.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	maps.Copy(tags, add)
	for _, k := range remove {
		delete(tags, k)
	}
	if len(tags) > limit {
		return ErrQuotaExceeded
	}
	s.Tags = tags
	m.stores.stores[account+"/"+ps] = s
	return nil
}

func newPolicyService(t *testing.T) (*Service, *memStore) {
	t.Helper()
	st, ver := newMemStore(), &fakeVerifier{}
	d := st.deps(ver)
	d.Policies = &memPolicies{stores: st, policies: map[string]Policy{}, templates: map[string]PolicyTemplate{}, schemas: map[string]Schema{}}
	d.Cedar, d.PageKeys = fakeCedar{}, fixedPageKeys{fzPageKeys}
	n := 0
	svc := NewService(d, WithClock(func() time.Time { return fixedNow }), WithIDs(func() string {
		n++
		return fmt.Sprintf("ID%020d", n)
	}))
	st.stores[acct+"/PS1"] = PolicyStore{PolicyStoreID: "PS1", ValidationMode: ValidationModeOff}
	return svc, st
}

func decodeInto[T any](t *testing.T, body string) *T {
	t.Helper()
	in := new(T)
	if err := json.Unmarshal([]byte(body), in); err != nil {
		t.Fatal(err)
	}
	return in
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const staticDoc = `permit(principal == User::"alice", action == Action::"view", resource == Doc::"1");`

func TestCreateAndGetStaticPolicy(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	out, err := svc.CreatePolicy(ctx, acct, decodeInto[CreatePolicyInput](t, `{"policyStoreId":"PS1","name":"name/alice-view","definition":{"static":{"statement":`+mustJSON(t, staticDoc)+`,"description":"d"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"policyStoreId":"PS1","policyId":"ID00000000000000000001","policyType":"STATIC","principal":{"entityType":"User","entityId":"alice"},"resource":{"entityType":"Doc","entityId":"1"},"actions":[{"actionType":"Action","actionId":"view"}],"createdDate":"2026-11-25T18:00:00.123456Z","lastUpdatedDate":"2026-11-25T18:00:00.123456Z","effect":"Permit"}`
	if got := mustJSON(t, out); got != want {
		t.Fatalf("CreatePolicy =\n%s\nwant\n%s", got, want)
	}
	for _, ref := range []string{out.PolicyID, "name/alice-view"} {
		got, err := svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS1", PolicyID: ref})
		if err != nil {
			t.Fatal(err)
		}
		if got.Definition.Static.Statement != staticDoc || *got.Name != "name/alice-view" || *got.Definition.Static.Description != "d" {
			t.Fatalf("GetPolicy(%s) = %+v", ref, got)
		}
	}
	_, err = svc.CreatePolicy(ctx, acct, decodeInto[CreatePolicyInput](t, `{"policyStoreId":"PS1","name":"name/alice-view","definition":{"static":{"statement":"permit(principal, action, resource);"}}}`))
	if e := wantCode(t, err, CodeConflict); e.Resources[0].ResourceType != ResourcePolicy {
		t.Fatalf("name conflict: %+v", e)
	}
	_, err = svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS1", PolicyID: "nope"})
	if e := wantCode(t, err, CodeResourceNotFound); e.ResourceType != ResourcePolicy {
		t.Fatalf("missing policy: %+v", e)
	}
	_, err = svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS9", PolicyID: "nope"})
	if e := wantCode(t, err, CodeResourceNotFound); e.ResourceType != ResourcePolicyStore {
		t.Fatalf("missing store: %+v", e)
	}
}

func TestCreatePolicyRefusals(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	for name, tc := range map[string]struct{ body, code, path string }{
		"garbage":      {`{"policyStoreId":"PS1","definition":{"static":{"statement":"permit(principal, action, resource); garbage"}}}`, CodeValidation, "definition.static.statement"},
		"two members":  {`{"policyStoreId":"PS1","definition":{"static":{"statement":"x"},"templateLinked":{"policyTemplateId":"T"}}}`, CodeValidation, "definition"},
		"no member":    {`{"policyStoreId":"PS1","definition":{}}`, CodeValidation, "definition"},
		"bad name":     {`{"policyStoreId":"PS1","name":"nope","definition":{"static":{"statement":"permit(principal, action, resource);"}}}`, CodeValidation, "name"},
		"no statement": {`{"policyStoreId":"PS1","definition":{"static":{}}}`, CodeValidation, "definition.static.statement"},
		// Over the quota's bytes within its characters: the quota's error.
		"too large": {`{"policyStoreId":"PS1","definition":{"static":{"statement":"permit(principal, action, resource); // ` + strings.Repeat("é", MaxPolicySize/2) + `"}}}`, CodeServiceQuotaExceeded, ""},
		// Over its characters: it never fits the quota, a ValidationException.
		"too long":    {`{"policyStoreId":"PS1","definition":{"static":{"statement":"permit(principal, action, resource);` + strings.Repeat(" ", MaxPolicySize) + `"}}}`, CodeValidation, "definition.static.statement"},
		"no store":    {`{"policyStoreId":"PS9","definition":{"static":{"statement":"permit(principal, action, resource);"}}}`, CodeResourceNotFound, ""},
		"no template": {`{"policyStoreId":"PS1","definition":{"templateLinked":{"policyTemplateId":"T9"}}}`, CodeResourceNotFound, ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := svc.CreatePolicy(ctx, acct, decodeInto[CreatePolicyInput](t, tc.body))
			e := wantCode(t, err, tc.code)
			if tc.path != "" && (len(e.FieldList) == 0 || e.FieldList[0].Path != tc.path) {
				t.Fatalf("fieldList = %+v, want path %s", e.FieldList, tc.path)
			}
			if tc.code == CodeServiceQuotaExceeded && e.ResourceType != ResourcePolicy {
				t.Fatalf("quota resource type = %s", e.ResourceType)
			}
		})
	}
}

func TestCreatePolicyIdempotent(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	body := `{"clientToken":"tok-1","policyStoreId":"PS1","definition":{"static":{"statement":"permit(principal, action, resource);"}}}`
	a, err := svc.CreatePolicy(ctx, acct, decodeInto[CreatePolicyInput](t, body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreatePolicy(ctx, acct, decodeInto[CreatePolicyInput](t, body))
	if err != nil || b.PolicyID != a.PolicyID {
		t.Fatalf("replay = %+v %v, want %s", b, err, a.PolicyID)
	}
	_, err = svc.CreatePolicy(ctx, acct, decodeInto[CreatePolicyInput](t, strings.Replace(body, "permit", "forbid", 1)))
	wantCode(t, err, CodeConflict)
}

func TestStrictValidation(t *testing.T) {
	svc, st := newPolicyService(t)
	ctx := context.Background()
	st.stores[acct+"/PS1"] = PolicyStore{PolicyStoreID: "PS1", ValidationMode: ValidationModeStrict}
	create := func(statement string) error {
		_, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{Static: &StaticPolicyDefinition{Statement: statement}}})
		return err
	}
	e := wantCode(t, create(staticDoc), CodeValidation)
	if !strings.Contains(e.Message, "no schema") {
		t.Fatalf("STRICT without schema: %s", e.Message)
	}
	_, err := svc.CreatePolicyTemplate(ctx, acct, &CreatePolicyTemplateInput{PolicyStoreID: "PS1", Statement: `permit(principal == ?principal, action, resource);`})
	wantCode(t, err, CodeValidation)
	if _, err := svc.PutSchema(ctx, acct, decodeInto[PutSchemaInput](t, `{"policyStoreId":"PS1","definition":{"cedarJson":"{\"B\":{},\"A\":{}}"}}`)); err != nil {
		t.Fatal(err)
	}
	if err := create(staticDoc); err != nil {
		t.Fatal(err)
	}
	e = wantCode(t, create(`permit(principal == Unknown::"x", action, resource);`), CodeValidation)
	if e.FieldList[0].Path != "definition.static.statement" || !strings.HasPrefix(e.FieldList[0].Message, "UnrecognizedEntityType: ") {
		t.Fatalf("fieldList = %+v", e.FieldList)
	}
	st.stores[acct+"/PS1"] = PolicyStore{PolicyStoreID: "PS1", ValidationMode: ValidationModeOff}
	if err := create(`permit(principal == Unknown::"x", action, resource);`); err != nil {
		t.Fatalf("OFF validates: %v", err)
	}
}

func TestUpdatePolicyRules(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	p, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{Static: &StaticPolicyDefinition{Statement: staticDoc}}})
	if err != nil {
		t.Fatal(err)
	}
	update := func(statement string, name *string) (*CreatePolicyOutput, error) {
		return svc.UpdatePolicy(ctx, acct, &UpdatePolicyInput{PolicyStoreID: "PS1", PolicyID: p.PolicyID, Name: name,
			Definition: &UpdatePolicyDefinition{Static: &StaticPolicyDefinition{Statement: statement}}})
	}
	for _, bad := range []string{
		strings.Replace(staticDoc, "permit", "forbid", 1),
		strings.Replace(staticDoc, "alice", "bob", 1),
		strings.Replace(staticDoc, `Doc::"1"`, `Doc::"2"`, 1),
	} {
		e := wantCode(t, func() error { _, err := update(bad, nil); return err }(), CodeValidation)
		if !strings.Contains(e.Message, "may change only") {
			t.Fatalf("%s: %s", bad, e.Message)
		}
	}
	name := "name/renamed"
	out, err := update(strings.Replace(staticDoc, "view", "edit", 1), &name)
	if err != nil || out.Actions[0].ActionID != "edit" {
		t.Fatalf("update = %+v %v", out, err)
	}
	got, err := svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS1", PolicyID: name})
	if err != nil || got.PolicyID != p.PolicyID {
		t.Fatalf("by new name: %+v %v", got, err)
	}
	_, err = svc.UpdatePolicy(ctx, acct, &UpdatePolicyInput{PolicyStoreID: "PS1", PolicyID: "nope", Definition: &UpdatePolicyDefinition{Static: &StaticPolicyDefinition{Statement: staticDoc}}})
	wantCode(t, err, CodeResourceNotFound)
}

func TestTemplatesAndLinkedPolicies(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	tmpl := `permit(principal == ?principal, action == Action::"view", resource == ?resource);`
	tout, err := svc.CreatePolicyTemplate(ctx, acct, &CreatePolicyTemplateInput{PolicyStoreID: "PS1", Statement: tmpl, Name: ptr("name/viewers")})
	if err != nil {
		t.Fatal(err)
	}
	alice := &EntityIdentifier{EntityType: "User", EntityID: "alice"}
	doc := &EntityIdentifier{EntityType: "Doc", EntityID: "1"}
	link, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{
		TemplateLinked: &TemplateLinkedPolicyDefinition{PolicyTemplateID: "name/viewers", Principal: alice, Resource: doc}}})
	if err != nil {
		t.Fatal(err)
	}
	if link.PolicyType != PolicyTypeTemplateLinked || *link.Principal != *alice || *link.Resource != *doc || link.Effect != "Permit" {
		t.Fatalf("linked = %+v", link)
	}
	_, err = svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{
		TemplateLinked: &TemplateLinkedPolicyDefinition{PolicyTemplateID: tout.PolicyTemplateID, Principal: alice}}})
	wantCode(t, err, CodeValidation) // the resource slot is unfilled
	_, err = svc.UpdatePolicy(ctx, acct, &UpdatePolicyInput{PolicyStoreID: "PS1", PolicyID: link.PolicyID, Definition: &UpdatePolicyDefinition{Static: &StaticPolicyDefinition{Statement: staticDoc}}})
	if e := wantCode(t, err, CodeValidation); !strings.Contains(e.Message, "template-linked") {
		t.Fatal(e.Message)
	}
	// The linked policy follows its template at once.
	if _, err := svc.UpdatePolicyTemplate(ctx, acct, &UpdatePolicyTemplateInput{PolicyStoreID: "PS1", PolicyTemplateID: tout.PolicyTemplateID, Statement: strings.Replace(tmpl, "view", "edit", 1)}); err != nil {
		t.Fatal(err)
	}
	got, err := svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS1", PolicyID: link.PolicyID})
	if err != nil || got.Actions[0].ActionID != "edit" || got.Definition.TemplateLinked.PolicyTemplateID != tout.PolicyTemplateID {
		t.Fatalf("linked after update = %+v %v", got, err)
	}
	_, err = svc.UpdatePolicyTemplate(ctx, acct, &UpdatePolicyTemplateInput{PolicyStoreID: "PS1", PolicyTemplateID: tout.PolicyTemplateID, Statement: strings.Replace(tmpl, "permit", "forbid", 1)})
	wantCode(t, err, CodeValidation)
	gt, err := svc.GetPolicyTemplate(ctx, acct, &PolicyTemplateInput{PolicyStoreID: "PS1", PolicyTemplateID: "name/viewers"})
	if err != nil || !strings.Contains(gt.Statement, "edit") {
		t.Fatalf("template = %+v %v", gt, err)
	}
	if _, err := svc.DeletePolicyTemplate(ctx, acct, &PolicyTemplateInput{PolicyStoreID: "PS1", PolicyTemplateID: tout.PolicyTemplateID}); err != nil {
		t.Fatal(err)
	}
	_, err = svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS1", PolicyID: link.PolicyID})
	wantCode(t, err, CodeResourceNotFound)
	if _, err := svc.DeletePolicyTemplate(ctx, acct, &PolicyTemplateInput{PolicyStoreID: "PS1", PolicyTemplateID: tout.PolicyTemplateID}); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
}

func TestTemplateQuotaAndList(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	for i := range MaxTemplatesPerStore {
		if _, err := svc.CreatePolicyTemplate(ctx, acct, &CreatePolicyTemplateInput{PolicyStoreID: "PS1", Statement: fmt.Sprintf(`permit(principal == ?principal, action == Action::"a%d", resource);`, i)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.CreatePolicyTemplate(ctx, acct, &CreatePolicyTemplateInput{PolicyStoreID: "PS1", Statement: `permit(principal == ?principal, action, resource);`})
	if e := wantCode(t, err, CodeServiceQuotaExceeded); e.ResourceType != ResourcePolicyTemplate {
		t.Fatalf("quota: %+v", e)
	}
	var n int
	in := &ListPolicyTemplatesInput{PolicyStoreID: "PS1", MaxResults: ptr(15)}
	for pages := 1; ; pages++ {
		out, err := svc.ListPolicyTemplates(ctx, acct, in)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.PolicyTemplates)
		if out.NextToken == nil {
			if pages != 3 {
				t.Fatalf("pages = %d", pages)
			}
			break
		}
		in.NextToken = out.NextToken
	}
	if n != MaxTemplatesPerStore {
		t.Fatalf("listed %d", n)
	}
}

func ptr[T any](v T) *T { return &v }

func TestListPoliciesFilters(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	statements := []string{
		staticDoc,
		`permit(principal, action, resource == Doc::"1");`,
		`forbid(principal == User::"bob", action, resource);`,
	}
	for _, st := range statements {
		if _, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{Static: &StaticPolicyDefinition{Statement: st}}}); err != nil {
			t.Fatal(err)
		}
	}
	tout, err := svc.CreatePolicyTemplate(ctx, acct, &CreatePolicyTemplateInput{PolicyStoreID: "PS1", Statement: `permit(principal == ?principal, action, resource);`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{TemplateLinked: &TemplateLinkedPolicyDefinition{
		PolicyTemplateID: tout.PolicyTemplateID, Principal: &EntityIdentifier{EntityType: "User", EntityID: "alice"}}}}); err != nil {
		t.Fatal(err)
	}
	count := func(filter string) int {
		in := decodeInto[ListPoliciesInput](t, `{"policyStoreId":"PS1","filter":`+filter+`}`)
		out, err := svc.ListPolicies(ctx, acct, in)
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Policies)
	}
	for filter, want := range map[string]int{
		`{}`: 4,
		`{"principal":{"identifier":{"entityType":"User","entityId":"alice"}}}`: 2,
		`{"principal":{"unspecified":true}}`:                                    1,
		`{"resource":{"identifier":{"entityType":"Doc","entityId":"1"}}}`:       2,
		`{"resource":{"unspecified":true},"policyType":"STATIC"}`:               1,
		`{"policyType":"TEMPLATE_LINKED"}`:                                      1,
		`{"policyTemplateId":"` + tout.PolicyTemplateID + `"}`:                  1,
	} {
		if got := count(filter); got != want {
			t.Errorf("filter %s: %d policies, want %d", filter, got, want)
		}
	}
	_, err = svc.ListPolicies(ctx, acct, decodeInto[ListPoliciesInput](t, `{"policyStoreId":"PS1","filter":{"policyType":"OTHER"}}`))
	wantCode(t, err, CodeValidation)
	// Pages, and a token is good for its own filter only.
	out, err := svc.ListPolicies(ctx, acct, &ListPoliciesInput{PolicyStoreID: "PS1", MaxResults: ptr(3)})
	if err != nil || len(out.Policies) != 3 || out.NextToken == nil {
		t.Fatalf("first page: %+v %v", out, err)
	}
	if out.Policies[0].Definition.Static == nil || mustJSON(t, out.Policies[0].Definition) != `{"static":{}}` {
		t.Fatalf("a list item shows the statement: %s", mustJSON(t, out.Policies[0].Definition))
	}
	_, err = svc.ListPolicies(ctx, acct, &ListPoliciesInput{PolicyStoreID: "PS1", NextToken: out.NextToken, Filter: &PolicyFilter{PolicyType: ptr(PolicyTypeStatic)}})
	wantCode(t, err, CodeValidation)
	rest, err := svc.ListPolicies(ctx, acct, &ListPoliciesInput{PolicyStoreID: "PS1", MaxResults: ptr(3), NextToken: out.NextToken})
	if err != nil || len(rest.Policies) != 1 || rest.NextToken != nil {
		t.Fatalf("second page: %+v %v", rest, err)
	}
}

func TestBatchGetPolicy(t *testing.T) {
	svc, st := newPolicyService(t)
	ctx := context.Background()
	p, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "PS1", Definition: &PolicyDefinition{Static: &StaticPolicyDefinition{Statement: staticDoc}}})
	if err != nil {
		t.Fatal(err)
	}
	st.aliases[acct+"/policy-store-alias/gone"] = PolicyStoreAlias{AliasName: "policy-store-alias/gone", PolicyStoreID: "PS1", PendingUntil: fixedNow.Add(time.Hour)}
	out, err := svc.BatchGetPolicy(ctx, acct, decodeInto[BatchGetPolicyInput](t, `{"requests":[
		{"policyStoreId":"PS1","policyId":"`+p.PolicyID+`"},
		{"policyStoreId":"PS1","policyId":"nope"},
		{"policyStoreId":"PS9","policyId":"x"},
		{"policyStoreId":"policy-store-alias/none","policyId":"x"},
		{"policyStoreId":"policy-store-alias/gone","policyId":"x"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != 1 || out.Results[0].Definition.Static.Statement != staticDoc {
		t.Fatalf("results = %+v", out.Results)
	}
	var codes []string
	for _, e := range out.Errors {
		codes = append(codes, e.Code)
	}
	if got := strings.Join(codes, ","); got != "POLICY_NOT_FOUND,POLICY_STORE_NOT_FOUND,POLICY_STORE_ALIAS_NOT_FOUND,POLICY_STORE_ALIAS_NOT_FOUND" {
		t.Fatalf("codes = %s", got)
	}
	_, err = svc.BatchGetPolicy(ctx, acct, &BatchGetPolicyInput{Requests: []GetPolicyInput{}})
	wantCode(t, err, CodeValidation)
	_, err = svc.BatchGetPolicy(ctx, acct, &BatchGetPolicyInput{Requests: make([]GetPolicyInput, MaxBatchGetPolicy+1)})
	wantCode(t, err, CodeValidation)
}

func TestSchema(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	_, err := svc.GetSchema(ctx, acct, &GetSchemaInput{PolicyStoreID: "PS1"})
	if e := wantCode(t, err, CodeResourceNotFound); e.ResourceType != ResourceSchema {
		t.Fatalf("no schema: %+v", e)
	}
	schema := `{"MyApp": {"entityTypes": {}, "actions": {}}, "": {"entityTypes": {}, "actions": {}}}`
	put, err := svc.PutSchema(ctx, acct, &PutSchemaInput{PolicyStoreID: "PS1", Definition: &SchemaDefinition{CedarJSON: &schema}})
	if err != nil || strings.Join(put.Namespaces, ",") != ",MyApp" {
		t.Fatalf("put = %+v %v", put, err)
	}
	got, err := svc.GetSchema(ctx, acct, &GetSchemaInput{PolicyStoreID: "PS1"})
	if err != nil || got.Schema != schema {
		t.Fatalf("get = %+v %v", got, err)
	}
	bad := "not json"
	_, err = svc.PutSchema(ctx, acct, &PutSchemaInput{PolicyStoreID: "PS1", Definition: &SchemaDefinition{CedarJSON: &bad}})
	wantCode(t, err, CodeValidation)
	// Over the quota's bytes within its characters: the quota's error;
	// over its characters: a ValidationException on the member.
	big := `{"A":"` + strings.Repeat("é", MaxSchemaSize/2) + `"}`
	_, err = svc.PutSchema(ctx, acct, &PutSchemaInput{PolicyStoreID: "PS1", Definition: &SchemaDefinition{CedarJSON: &big}})
	if e := wantCode(t, err, CodeServiceQuotaExceeded); e.ResourceType != ResourceSchema {
		t.Fatalf("size: %+v", e)
	}
	long := `{"A":"` + strings.Repeat("x", MaxSchemaSize) + `"}`
	_, err = svc.PutSchema(ctx, acct, &PutSchemaInput{PolicyStoreID: "PS1", Definition: &SchemaDefinition{CedarJSON: &long}})
	if e := wantCode(t, err, CodeValidation); len(e.FieldList) != 1 || e.FieldList[0].Path != "definition.cedarJson" {
		t.Fatalf("length: %+v", e)
	}
	var b strings.Builder
	b.WriteString("{")
	for i := range MaxSchemaNamespaces + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"N%d":{}`, i)
	}
	b.WriteString("}")
	many := b.String()
	_, err = svc.PutSchema(ctx, acct, &PutSchemaInput{PolicyStoreID: "PS1", Definition: &SchemaDefinition{CedarJSON: &many}})
	wantCode(t, err, CodeServiceQuotaExceeded)
	_, err = svc.GetSchema(ctx, acct, &GetSchemaInput{PolicyStoreID: "PS9"})
	if e := wantCode(t, err, CodeResourceNotFound); e.ResourceType != ResourcePolicyStore {
		t.Fatalf("no store: %+v", e)
	}
}

func TestTagResource(t *testing.T) {
	svc, _ := newPolicyService(t)
	ctx := context.Background()
	arn := PolicyStoreARN("aws", acct, "PS1")
	if _, err := svc.TagResource(ctx, acct, &TagResourceInput{ResourceARN: arn, Tags: map[string]string{"team": "a", "env": ""}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UntagResource(ctx, acct, &UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	out, err := svc.ListTagsForResource(ctx, acct, &ListTagsForResourceInput{ResourceARN: arn})
	if err != nil || mustJSON(t, out) != `{"tags":{"team":"a"}}` {
		t.Fatalf("tags = %+v %v", out, err)
	}
	_, err = svc.ListTagsForResource(ctx, acct, &ListTagsForResourceInput{ResourceARN: PolicyStoreARN("aws", "210987654321", "PS1")})
	wantCode(t, err, CodeResourceNotFound)
	_, err = svc.ListTagsForResource(ctx, acct, &ListTagsForResourceInput{ResourceARN: "arn:aws:s3:::bucket"})
	wantCode(t, err, CodeValidation)
	_, err = svc.TagResource(ctx, acct, &TagResourceInput{ResourceARN: arn, Tags: map[string]string{"aws:x": "1"}})
	wantCode(t, err, CodeValidation)
	many := map[string]string{}
	for i := range MaxTags {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = svc.TagResource(ctx, acct, &TagResourceInput{ResourceARN: arn, Tags: many})
	if e := wantCode(t, err, CodeTooManyTags); e.ResourceName != arn {
		t.Fatalf("too many: %+v", e)
	}
	_, err = svc.UntagResource(ctx, acct, &UntagResourceInput{ResourceARN: arn, TagKeys: []string{}})
	wantCode(t, err, CodeValidation)
}

func TestPolicyOperationsTakeAliases(t *testing.T) {
	svc, st := newPolicyService(t)
	ctx := context.Background()
	st.aliases[acct+"/policy-store-alias/main"] = PolicyStoreAlias{AliasName: "policy-store-alias/main", PolicyStoreID: "PS1"}
	p, err := svc.CreatePolicy(ctx, acct, &CreatePolicyInput{PolicyStoreID: "policy-store-alias/main", Definition: &PolicyDefinition{Static: &StaticPolicyDefinition{Statement: staticDoc}}})
	if err != nil || p.PolicyStoreID != "PS1" {
		t.Fatalf("create = %+v %v", p, err)
	}
	if _, err := svc.GetPolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "policy-store-alias/main", PolicyID: p.PolicyID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeletePolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "policy-store-alias/main", PolicyID: p.PolicyID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeletePolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS1", PolicyID: p.PolicyID}); err != nil {
		t.Fatalf("deleting again: %v", err)
	}
	_, err = svc.DeletePolicy(ctx, acct, &GetPolicyInput{PolicyStoreID: "PS9", PolicyID: p.PolicyID})
	wantCode(t, err, CodeResourceNotFound)
}
