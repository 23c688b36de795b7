package cedaradapter

import (
	"strings"
	"testing"

	"github.com/vpid-dev/vpid/internal/avp"
)

const schemaJSON = `{"App": {"entityTypes": {"User": {}, "Doc": {}},
  "actions": {"read": {"appliesTo": {"principalTypes": ["User"], "resourceTypes": ["Doc"]}}}}}`

func TestTranslations(t *testing.T) {
	var c Cedar
	p, err := c.ParsePolicy(`forbid(principal == App::User::"bob", action in [App::Action::"read"], resource);`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Effect != "Forbid" || *p.Principal != (avp.EntityIdentifier{EntityType: "App::User", EntityID: "bob"}) || p.Resource != nil ||
		len(p.Actions) != 1 || p.Actions[0] != (avp.ActionIdentifier{ActionType: "App::Action", ActionID: "read"}) || p.PrincipalSlot {
		t.Fatalf("ParsePolicy = %+v", p)
	}
	if _, err := c.ParsePolicy(`permit(principal, action, resource); permit(principal, action, resource);`); err == nil {
		t.Fatal("two policies parsed as one")
	}
	tmpl := `permit(principal == ?principal, action == App::Action::"read", resource in ?resource);`
	tp, err := c.ParseTemplate(tmpl)
	if err != nil || !tp.PrincipalSlot || !tp.ResourceSlot || tp.Principal != nil {
		t.Fatalf("ParseTemplate = %+v %v", tp, err)
	}
	alice := &avp.EntityIdentifier{EntityType: "App::User", EntityID: "alice"}
	doc := &avp.EntityIdentifier{EntityType: "App::Doc", EntityID: "d"}
	l, err := c.Link(tmpl, alice, doc)
	if err != nil || *l.Principal != *alice || *l.Resource != *doc {
		t.Fatalf("Link = %+v %v", l, err)
	}
	if _, err := c.Link(tmpl, alice, nil); err == nil {
		t.Fatal("a link with an unfilled slot")
	}
	if err := c.SameScope(tmpl, strings.Replace(tmpl, `"read"`, `"write"`, 1), true); err != nil {
		t.Fatalf("an action change: %v", err)
	}
	if err := c.SameScope(tmpl, strings.Replace(tmpl, "permit", "forbid", 1), true); err == nil {
		t.Fatal("an effect change passed")
	}
	sc, err := c.ParseSchema(schemaJSON)
	if err != nil {
		t.Fatal(err)
	}
	if ns := sc.Namespaces(); len(ns) != 1 || ns[0] != "App" {
		t.Fatalf("Namespaces = %v", ns)
	}
	if vs := sc.ValidatePolicy(`permit(principal == App::User::"a", action == App::Action::"read", resource == App::Doc::"d");`); len(vs) != 0 {
		t.Fatalf("a valid policy: %+v", vs)
	}
	vs := sc.ValidatePolicy(`permit(principal == App::Nobody::"a", action, resource);`)
	if len(vs) == 0 || vs[0].Reason == "" || vs[0].Message == "" {
		t.Fatalf("an unknown type: %+v", vs)
	}
	if vs := sc.ValidateTemplate(tmpl); len(vs) != 0 {
		t.Fatalf("a valid template: %+v", vs)
	}
	if _, err := c.ParseSchema(`[]`); err == nil {
		t.Fatal("a JSON array parsed as a schema")
	}
}
