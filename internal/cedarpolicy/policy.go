package cedarpolicy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cedar-policy/cedar-go"
)

// Ref is an entity reference: its type (a Cedar path such as
// PhotoApp::User) and its id.
type Ref struct{ Type, ID string }

// String prints r as a Cedar entity literal, such as PhotoApp::User::"alice".
func (r Ref) String() string { return r.Type + "::" + quote(r.ID) }

// ScopeOp is the operator of a principal or resource scope.
type ScopeOp int

// The scope operators, as in Cedar: `principal`, `principal == E`,
// `principal in E`, `principal is T` and `principal is T in E`.
const (
	All ScopeOp = iota
	Eq
	In
	Is
	IsIn
)

func (o ScopeOp) String() string {
	switch o {
	case All:
		return "All"
	case Eq:
		return "Eq"
	case In:
		return "In"
	case Is:
		return "Is"
	case IsIn:
		return "IsIn"
	}
	return fmt.Sprintf("ScopeOp(%d)", int(o))
}

// Scope is the principal or the resource part of a policy's scope.
type Scope struct {
	Op     ScopeOp
	Type   string // entity type for Is / IsIn
	Entity *Ref   // for Eq / In / IsIn, nil when Slot
	Slot   bool   // ?principal / ?resource (templates only)
}

// String prints s as Cedar writes the scope of variable v (principal or
// resource), slots as ?principal and ?resource.
func (s Scope) String(v string) string {
	target := func() string {
		if s.Slot {
			return "?" + v
		}
		if s.Entity == nil {
			return "?"
		}
		return s.Entity.String()
	}
	switch s.Op {
	case Eq:
		return v + " == " + target()
	case In:
		return v + " in " + target()
	case Is:
		return v + " is " + s.Type
	case IsIn:
		return v + " is " + s.Type + " in " + target()
	default:
		return v
	}
}

func (s Scope) equal(o Scope) bool {
	if s.Op != o.Op || s.Type != o.Type || s.Slot != o.Slot || (s.Entity == nil) != (o.Entity == nil) {
		return false
	}
	return s.Entity == nil || *s.Entity == *o.Entity
}

// Policy is one static (or template-linked) Cedar policy, compiled, with the
// facts AVP's answers carry about it.
type Policy struct {
	Effect              string // "Permit" | "Forbid"
	Principal, Resource Scope
	// ActionOp is All, Eq (action == A) or In (action in A, action in [A, B]).
	ActionOp ScopeOp
	// Actions are the entities named by the action scope (empty = all actions).
	Actions []Ref
	// Cedar is the compiled policy, ready to evaluate (nil for a template).
	Cedar *cedar.Policy
	// Text is the canonical statement: the policy as cedar-go prints it,
	// comments dropped, annotations kept.
	Text string
}

// PrincipalEntity returns the entity the principal scope names (== E, in E,
// is T in E), as AVP's CreatePolicy, GetPolicy and ListPolicies answers
// carry it in `principal`; nil when the scope names none.
func (p *Policy) PrincipalEntity() *Ref { return p.Principal.Entity }

// ResourceEntity is PrincipalEntity for the resource scope.
func (p *Policy) ResourceEntity() *Ref { return p.Resource.Entity }

// Parse reads statement as exactly one static Cedar policy. A statement with
// no policy, with more than one, or with anything after the policy is
// refused, as is a slot (?principal, ?resource): slots belong in templates.
// Errors are *SyntaxError (those about slots also match ErrSlot).
func Parse(statement string) (*Policy, error) {
	toks, _ := lex(statement)
	for _, t := range toks {
		if t.kind == tokSlot {
			return nil, newSlotError(t, "%s is a slot of policy templates; a static policy names its principal and resource itself (for example principal == User::\"alice\")", t.text)
		}
	}
	cp, err := parseOne(statement, toks, "policy")
	if err != nil {
		return nil, err
	}
	s, err := readScope(cp)
	if err != nil {
		return nil, err
	}
	p := &Policy{
		Effect:    s.effect(),
		Principal: s.Principal.scope(""),
		Resource:  s.Resource.scope(""),
		Cedar:     cp,
		Text:      string(cp.MarshalCedar()),
	}
	p.ActionOp, p.Actions = s.Action.actions()
	return p, nil
}

// parseOne parses src (lexed as toks) and requires exactly one policy; what
// names the thing expected in the messages ("policy" or "policy template").
func parseOne(src string, toks []token, what string) (*cedar.Policy, error) {
	list, err := cedar.NewPolicyListFromBytes("", []byte(src))
	if err != nil {
		return nil, syntaxError(err, toks)
	}
	switch len(list) {
	case 1:
		return list[0], nil
	case 0:
		return nil, &SyntaxError{Line: 1, Column: 1, Message: fmt.Sprintf("the statement holds no %s: write one permit (...) or forbid (...) statement ending with ;", what)}
	default:
		pos := list[1].Position()
		return nil, &SyntaxError{Line: pos.Line, Column: pos.Column, Message: fmt.Sprintf("the statement holds %d policies; it must hold exactly one %s, so create each separately", len(list), what)}
	}
}

// scopeJSON is the scope half of Cedar's JSON policy format, which is how
// this package reads a compiled policy's scope without cedar-go's
// experimental AST packages.
type scopeJSON struct {
	Effect    string        `json:"effect"`
	Principal scopeNodeJSON `json:"principal"`
	Action    scopeNodeJSON `json:"action"`
	Resource  scopeNodeJSON `json:"resource"`
}

type entityJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type scopeNodeJSON struct {
	Op         string       `json:"op"`
	Entity     *entityJSON  `json:"entity"`
	Entities   []entityJSON `json:"entities"`
	EntityType string       `json:"entity_type"`
	In         *struct {
		Entity *entityJSON `json:"entity"`
	} `json:"in"`
}

func readScope(cp *cedar.Policy) (*scopeJSON, error) {
	scopeOnly := *cp.AST()
	scopeOnly.Conditions = nil
	scopeOnly.Annotations = nil
	b, err := scopeOnly.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("cedarpolicy: print scope: %w", err)
	}
	var s scopeJSON
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("cedarpolicy: read scope: %w", err)
	}
	return &s, nil
}

func (s *scopeJSON) effect() string {
	if s.Effect == "forbid" {
		return "Forbid"
	}
	return "Permit"
}

// target is the entity a principal or resource scope names, if any.
func (n scopeNodeJSON) target() *entityJSON {
	if n.Entity != nil {
		return n.Entity
	}
	if n.In != nil {
		return n.In.Entity
	}
	return nil
}

// scope converts n; an entity whose type is slotType is the slot's
// placeholder ("" when there are no slots).
func (n scopeNodeJSON) scope(slotType string) Scope {
	var s Scope
	switch n.Op {
	case "==":
		s.Op = Eq
	case "in":
		s.Op = In
	case "is":
		s.Op, s.Type = Is, n.EntityType
		if n.In != nil {
			s.Op = IsIn
		}
	default:
		return Scope{}
	}
	if e := n.target(); e != nil {
		if slotType != "" && e.Type == slotType {
			s.Slot = true
		} else {
			s.Entity = &Ref{Type: e.Type, ID: e.ID}
		}
	}
	return s
}

func (n scopeNodeJSON) actions() (ScopeOp, []Ref) {
	var refs []Ref
	for _, e := range n.Entities {
		refs = append(refs, Ref(e))
	}
	if n.Entity != nil {
		refs = append(refs, Ref{Type: n.Entity.Type, ID: n.Entity.ID})
	}
	switch n.Op {
	case "==":
		return Eq, refs
	case "in":
		return In, refs
	default:
		return All, nil
	}
}

// quote prints s as a Cedar string literal. Cedar's escapes are those of
// Rust: \n \r \t \\ \0 \' \" and \u{hex}; anything else printable is
// written as it is.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case 0:
			b.WriteString(`\0`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u{%x}`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
