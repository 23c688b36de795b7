package cedarpolicy

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	"github.com/google/go-cmp/cmp"
)

func TestParseErrorsAreSyntaxErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, statement string
		line, column    int
		slot            bool
	}{
		{"empty", "", 1, 1, false},
		{"two", "permit(principal, action, resource);\n  forbid(principal, action, resource);", 2, 3, false},
		{"garbage", "permit(principal, action, resource);\n\tx", 2, 2, false},
		{"slot", "permit(\n  principal in ?principal, action, resource);", 2, 16, true},
		{"NUL first", "\x00permit(principal, action, resource);", 1, 1, false},
		// cedar-go places a bad byte two columns early; its place is kept.
		{"invalid UTF-8", "permit(principal, action, resource) when { \xff };", 1, 42, false},
		{"unicode before the error", `permit(principal == U::"é", action, resource) when { + };`, 1, 54, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.statement)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse: %v (%T), want *SyntaxError", err, err)
			}
			if se.Line != tc.line || se.Column != tc.column {
				t.Errorf("at %d:%d, want %d:%d (%v)", se.Line, se.Column, tc.line, tc.column, err)
			}
			if errors.Is(err, ErrSlot) != tc.slot {
				t.Errorf("errors.Is(ErrSlot) = %v, want %v", !tc.slot, tc.slot)
			}
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Errorf("message %q does not start with its position", err)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	t.Parallel()
	_, err := ParseTemplate(`permit(principal, action, resource) when { principal in ?principal };`)
	var se *SyntaxError
	if !errors.As(err, &se) || !errors.Is(err, ErrSlot) {
		t.Fatalf("slot in a condition: %v, want a *SyntaxError matching ErrSlot", err)
	}
	if se.Line != 1 || se.Column != 57 {
		t.Errorf("at %d:%d, want 1:57", se.Line, se.Column)
	}
}

// TestLinkedEvaluatesLikeStatic links templates and checks that each linked
// policy prints like the static policy written by hand and that cedar-go
// reaches the same decision with both on every request of a grid.
func TestLinkedEvaluatesLikeStatic(t *testing.T) {
	t.Parallel()
	alice := types.NewEntityUID("User", "alice")
	bob := types.NewEntityUID("User", "bob")
	admins := types.NewEntityUID("Group", "admins")
	photo := types.NewEntityUID("Photo", "p1")
	other := types.NewEntityUID("Photo", "p2")
	album := types.NewEntityUID("Album", "a")
	doc := types.NewEntityUID("Doc", "d")
	view := types.NewEntityUID("Action", "view")
	edit := types.NewEntityUID("Action", "edit")
	entities := types.EntityMap{
		alice: {UID: alice, Parents: types.NewEntityUIDSet(admins), Attributes: types.NewRecord(types.RecordMap{"level": types.Long(3)})},
		bob:   {UID: bob, Attributes: types.NewRecord(types.RecordMap{"level": types.Long(1)})},
		photo: {UID: photo, Parents: types.NewEntityUIDSet(album), Attributes: types.NewRecord(types.RecordMap{"owner": alice})},
		other: {UID: other, Attributes: types.NewRecord(types.RecordMap{"owner": bob})},
		doc:   {UID: doc, Parents: types.NewEntityUIDSet(album)},
	}
	for _, tc := range []struct {
		template            string
		principal, resource *Ref
		static              string
	}{
		{
			`permit(principal == ?principal, action == Action::"view", resource);`,
			&Ref{"User", "alice"}, nil,
			`permit(principal == User::"alice", action == Action::"view", resource);`,
		},
		{
			`permit(principal in ?principal, action in [Action::"view", Action::"edit"], resource in ?resource) when { principal.level > 2 };`,
			&Ref{"Group", "admins"}, &Ref{"Album", "a"},
			`permit(principal in Group::"admins", action in [Action::"view", Action::"edit"], resource in Album::"a") when { principal.level > 2 };`,
		},
		{
			`forbid(principal is User in ?principal, action, resource is Photo in ?resource) unless { resource.owner == principal };`,
			&Ref{"Group", "admins"}, &Ref{"Album", "a"},
			`forbid(principal is User in Group::"admins", action, resource is Photo in Album::"a") unless { resource.owner == principal };`,
		},
		{
			`permit(principal, action, resource == ?resource) when { context.note == "?resource" };`,
			nil, &Ref{"Photo", "p2"},
			`permit(principal, action, resource == Photo::"p2") when { context.note == "?resource" };`,
		},
	} {
		tp, err := ParseTemplate(tc.template)
		if err != nil {
			t.Fatalf("ParseTemplate(%s): %v", tc.template, err)
		}
		linked, err := tp.Link(tc.principal, tc.resource)
		if err != nil {
			t.Fatalf("Link: %v", err)
		}
		static, err := Parse(tc.static)
		if err != nil {
			t.Fatalf("Parse(%s): %v", tc.static, err)
		}
		if diff := cmp.Diff(static, linked, cmp.Comparer(func(a, b *cedar.Policy) bool { return (a == nil) == (b == nil) })); diff != "" {
			t.Errorf("linked differs from static (-static +linked):\n%s", diff)
		}
		decisions := 0
		for _, p := range []types.EntityUID{alice, bob, admins} {
			for _, a := range []types.EntityUID{view, edit} {
				for _, r := range []types.EntityUID{photo, other, doc, album} {
					for _, note := range []string{"?resource", "x"} {
						req := cedar.Request{Principal: p, Action: a, Resource: r, Context: types.NewRecord(types.RecordMap{"note": types.String(note)})}
						ls := cedar.PolicyMap{"p": linked.Cedar}
						ss := cedar.PolicyMap{"p": static.Cedar}
						// A forbid alone never allows; pair each with a permit-all
						// so that its effect shows.
						if linked.Effect == "Forbid" {
							all, _ := Parse(`permit(principal, action, resource);`)
							ls["all"], ss["all"] = all.Cedar, all.Cedar
						}
						ld, ldiag := cedar.Authorize(ls, entities, req)
						sd, sdiag := cedar.Authorize(ss, entities, req)
						if ld != sd || len(ldiag.Reasons) != len(sdiag.Reasons) || len(ldiag.Errors) != len(sdiag.Errors) {
							t.Errorf("%s: %v: linked %v %+v, static %v %+v", tc.template, req, ld, ldiag, sd, sdiag)
						}
						if ld == cedar.Allow {
							decisions++
						}
					}
				}
			}
		}
		if decisions == 0 {
			t.Errorf("%s: no request was allowed; the grid does not exercise the policy", tc.template)
		}
	}
}

func TestLinkEntityIDsRoundTrip(t *testing.T) {
	t.Parallel()
	tp, err := ParseTemplate(`permit(principal == ?principal, action, resource);`)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "plain", `q"uote`, `back\slash`, "new\nline", "tab\t", "nul\x00", "bell\x07", "é中🙂", "?principal", `\u{41}`, "*"} {
		p, err := tp.Link(&Ref{"NS::User", id}, nil)
		if err != nil {
			t.Fatalf("Link(%q): %v", id, err)
		}
		if got := p.Principal.Entity; got == nil || *got != (Ref{"NS::User", id}) {
			t.Errorf("Link(%q): principal %+v", id, got)
		}
		if !strings.Contains(p.Text, "principal == NS::User::") {
			t.Errorf("Link(%q): text %s", id, p.Text)
		}
	}
}

func TestLinkRefusesBadTypes(t *testing.T) {
	t.Parallel()
	tp, err := ParseTemplate(`permit(principal == ?principal, action, resource);`)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"", "a b", "A::", "::A", "1A", "A::if", "A:B", `A"`, "A::__cedar"} {
		if _, err := tp.Link(&Ref{typ, "x"}, nil); !errors.Is(err, ErrLink) {
			t.Errorf("Link(type %q): %v, want ErrLink", typ, err)
		}
	}
	if _, err := tp.Link(&Ref{"A_1::b2::C", "x"}, nil); err != nil {
		t.Errorf("Link(A_1::b2::C): %v", err)
	}
}

func TestWidened(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ template, want string }{
		{`permit(principal == ?principal, action, resource in ?resource) when { true };`,
			"permit ( principal, action, resource )\nwhen { true };"},
		{`forbid(principal is User in ?principal, action == Action::"a", resource is Photo in ?resource);`,
			"forbid (\n    principal is User,\n    action == Action::\"a\",\n    resource is Photo\n);"},
		{`permit(principal == ?principal, action, resource == Photo::"p");`,
			"permit (\n    principal,\n    action,\n    resource == Photo::\"p\"\n);"},
	} {
		tp, err := ParseTemplate(tc.template)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(tp.Widened().MarshalCedar()); got != tc.want {
			t.Errorf("Widened(%s) =\n%s\nwant\n%s", tc.template, got, tc.want)
		}
		// Widening works on a copy: the template's own text keeps its slots.
		if !strings.Contains(tp.Text, "?principal") {
			t.Errorf("template text lost its slot: %s", tp.Text)
		}
	}
}

func TestSameScope(t *testing.T) {
	t.Parallel()
	mustParse := func(s string) *Policy {
		t.Helper()
		p, err := Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mustTemplate := func(s string) *Policy {
		t.Helper()
		p, err := ParseTemplate(s)
		if err != nil {
			t.Fatal(err)
		}
		return &p.Policy
	}
	base := mustParse(`permit(principal == User::"a", action == Action::"view", resource in Album::"x");`)
	for _, tc := range []struct {
		name    string
		old, up *Policy
		want    []string // words the error must hold; nil = allowed
	}{
		{"action and conditions change", base, mustParse(`permit(principal == User::"a", action in [Action::"edit"], resource in Album::"x") when { context.ok };`), nil},
		{"same", base, base, nil},
		{"effect", base, mustParse(`forbid(principal == User::"a", action == Action::"view", resource in Album::"x");`), []string{"effect (Permit to Forbid)"}},
		{"principal entity", base, mustParse(`permit(principal == User::"b", action == Action::"view", resource in Album::"x");`), []string{`principal scope (principal == User::"a" to principal == User::"b")`}},
		{"principal op", base, mustParse(`permit(principal in User::"a", action == Action::"view", resource in Album::"x");`), []string{"principal scope"}},
		{"resource", base, mustParse(`permit(principal == User::"a", action == Action::"view", resource);`), []string{`resource scope (resource in Album::"x" to resource)`}},
		{"all three", base, mustParse(`forbid(principal, action, resource is Photo);`), []string{"effect", "principal scope", "resource scope"}},
		{"template slot kept", mustTemplate(`permit(principal == ?principal, action, resource);`), mustTemplate(`permit(principal == ?principal, action == Action::"a", resource) when { true };`), nil},
		{"template slot op", mustTemplate(`permit(principal == ?principal, action, resource);`), mustTemplate(`permit(principal in ?principal, action, resource);`), []string{"principal scope (principal == ?principal to principal in ?principal)"}},
		{"template is type", mustTemplate(`permit(principal is A in ?principal, action, resource);`), mustTemplate(`permit(principal is B in ?principal, action, resource);`), []string{"principal scope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := SameScope(tc.old, tc.up)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("SameScope: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrScopeChanged) {
				t.Fatalf("SameScope: %v, want ErrScopeChanged", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	t.Parallel()
	p, err := Parse(`forbid(principal is User in Group::"g", action in [NS::Action::"a", NS::Action::"b"], resource is Photo);`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Effect != "Forbid" || p.ActionOp != In {
		t.Errorf("effect %s, action op %v", p.Effect, p.ActionOp)
	}
	if got := p.PrincipalEntity(); got == nil || *got != (Ref{"Group", "g"}) {
		t.Errorf("principal entity %+v, want Group::\"g\"", got)
	}
	if got := p.ResourceEntity(); got != nil {
		t.Errorf("resource entity %+v, want none (is Photo names no entity)", got)
	}
	if diff := cmp.Diff([]Ref{{"NS::Action", "a"}, {"NS::Action", "b"}}, p.Actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	tp, err := ParseTemplate(`permit(principal == ?principal, action, resource == Photo::"p");`)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Cedar != nil || !tp.Principal.Slot || tp.PrincipalEntity() != nil || tp.ResourceEntity() == nil || tp.Resource.Slot {
		t.Errorf("template metadata %+v", tp.Policy)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`permit(principal, action, resource);`,
		`permit(principal == ?principal, action, resource in ?resource) when { "?principal" == "" };`,
		`@id("x") forbid(principal is A in ?principal, action, resource) /* ?resource */;`,
		`permit(principal, action, resource); x`,
		`permit(principal, action, resource) when { "\u{41}" };`,
		`permit(principal == ?principal, action, resource == ?principal);`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, err := Parse(s); err == nil {
			// The canonical text is itself one policy that prints the same.
			again, err := Parse(p.Text)
			if err != nil || again.Text != p.Text {
				t.Fatalf("Parse(%q).Text = %q does not parse back the same: %v", s, p.Text, err)
			}
		} else {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %v is not a *SyntaxError", s, err)
			}
		}
		if tp, err := ParseTemplate(s); err == nil {
			again, err := ParseTemplate(tp.Text)
			if err != nil || again.Text != tp.Text {
				t.Fatalf("ParseTemplate(%q).Text = %q does not parse back the same: %v", s, tp.Text, err)
			}
			// Each slot of the text is one slot scope, and the reverse.
			toks, _ := lex(tp.Text)
			n := 0
			for _, tok := range toks {
				if tok.kind == tokSlot {
					n++
				}
			}
			want := 0
			for _, sc := range []Scope{tp.Principal, tp.Resource} {
				if sc.Slot {
					want++
				}
			}
			if n != want {
				t.Fatalf("ParseTemplate(%q): %d slots in %q, %d slot scopes", s, n, tp.Text, want)
			}
		}
	})
}

// FuzzLink links arbitrary entities: a valid entity type always links, and
// the linked policy names exactly the entity given.
func FuzzLink(f *testing.F) {
	f.Add("User", "alice")
	f.Add("NS::User", "a\"b\\c\n")
	f.Add("in", "x")
	f.Fuzz(func(t *testing.T, typ, id string) {
		if !utf8.ValidString(id) {
			return // ids arrive as JSON strings, always valid UTF-8
		}
		tp, err := ParseTemplate(`permit(principal in ?principal, action, resource == ?resource);`)
		if err != nil {
			t.Fatal(err)
		}
		ref := &Ref{typ, id}
		p, err := tp.Link(ref, &Ref{"R", id})
		if !validEntityType(typ) {
			if !errors.Is(err, ErrLink) {
				t.Fatalf("Link(%q): %v, want ErrLink", typ, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Link(%q, %q): %v", typ, id, err)
		}
		if got := p.PrincipalEntity(); got == nil || *got != *ref {
			t.Fatalf("Link(%q, %q): principal %+v", typ, id, got)
		}
		if got := p.ResourceEntity(); got == nil || *got != (Ref{"R", id}) {
			t.Fatalf("Link(%q, %q): resource %+v", typ, id, got)
		}
	})
}
