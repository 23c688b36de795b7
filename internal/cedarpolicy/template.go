package cedarpolicy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/ast"
	"github.com/cedar-policy/cedar-go/types"
)

// Template is a Cedar policy template: a policy whose principal and/or
// resource scope holds a slot (?principal, ?resource) that each linked
// policy fills. Cedar is nil; Principal.Slot and Resource.Slot say which
// slots it has; Text prints the slots as ?principal and ?resource.
type Template struct {
	Policy
	// widened is the template as a static policy with each slot scope
	// widened to what some link could match (see Widened).
	widened *cedar.Policy
}

// The slots are parsed by putting, in their place, an entity literal of the
// same length, so that cedar-go's positions stay those of the statement.
// Type "_" is a valid Cedar identifier; a template that names an entity of
// type "_" itself is refused.
const (
	slotPrincipal = "?principal"
	slotResource  = "?resource"
	slotType      = "_"
	phPrincipal   = `_::"?princ"` // len("?principal")
	phResource    = `_::"?reso"`  // len("?resource")
)

// ParseTemplate reads statement as exactly one Cedar policy template. Slots
// may appear only as the target of the principal or resource scope:
// `principal == ?principal`, `principal in ?principal`,
// `principal is T in ?principal`, and the same for ?resource in the
// resource scope. A slot anywhere else (the action scope, the other
// variable's scope, a condition) is refused, and so is a template without
// any slot: AVP defines a template as a policy with placeholders for the
// principal, the resource or both. Slots inside string literals and comments
// are text like any other. Errors are *SyntaxError (those about slots also
// match ErrSlot).
func ParseTemplate(statement string) (*Template, error) {
	toks, _ := lex(statement)
	if err := checkPlaceholders(toks); err != nil {
		return nil, err
	}
	var slots []token
	for _, t := range toks {
		if t.kind != tokSlot {
			continue
		}
		if t.text != slotPrincipal && t.text != slotResource {
			return nil, newSlotError(t, "unknown slot %s: a template's slots are ?principal and ?resource", t.text)
		}
		slots = append(slots, t)
	}
	if len(slots) == 0 {
		return nil, &slotError{SyntaxError{Line: 1, Column: 1, Message: "a policy template needs at least one slot: write principal == ?principal, principal in ?principal, resource == ?resource or resource in ?resource in its scope (a policy without slots is a static policy)"}}
	}
	src := substitute(statement, slots, func(t token) string {
		if t.text == slotPrincipal {
			return phPrincipal
		}
		return phResource
	})
	cp, err := parseOne(src, toks, "policy template")
	if err != nil {
		return nil, err
	}
	open, closing, ok := scopeBounds(toks)
	if !ok {
		// cedar-go parsed a policy this package cannot find the scope of;
		// refuse rather than let a slot pass unchecked.
		return nil, &SyntaxError{Line: 1, Column: 1, Message: "cannot find the policy's scope: write @annotations, then permit or forbid, then (principal, action, resource)"}
	}
	for _, t := range slots {
		if t.off < toks[open].off || t.off > toks[closing].off {
			return nil, newSlotError(t, "%s may appear only in the policy's scope, after principal == or in (?principal) or resource == or in (?resource), not in a condition", t.text)
		}
	}
	s, err := readScope(cp)
	if err != nil {
		return nil, err
	}
	if err := checkSlotPlaces(s, slots); err != nil {
		return nil, err
	}
	t := &Template{Policy: Policy{
		Effect:    s.effect(),
		Principal: s.Principal.scope(slotType),
		Resource:  s.Resource.scope(slotType),
	}}
	t.ActionOp, t.Actions = s.Action.actions()
	text := string(cp.MarshalCedar())
	text = strings.ReplaceAll(text, phPrincipal, slotPrincipal)
	text = strings.ReplaceAll(text, phResource, slotResource)
	t.Text = text
	t.widened = widen(cp, t.Principal, t.Resource)
	return t, nil
}

// checkPlaceholders refuses a template that writes an entity of type "_"
// itself (however its id is spelled, escapes included), so that every such
// entity the parser sees stands for a slot.
func checkPlaceholders(toks []token) error {
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].kind == tokIdent && toks[i].text == slotType && toks[i+1].text == "::" && toks[i+2].kind == tokString &&
			(i == 0 || toks[i-1].text != "::") {
			return &SyntaxError{Line: toks[i].line, Column: toks[i].column, Message: fmt.Sprintf("entity type %s is reserved in policy templates for their slots", slotType)}
		}
	}
	return nil
}

// checkSlotPlaces makes sure each slot ended up as the target of its own
// variable's scope, once (the parse succeeded and the slots lie inside the
// scope, so a slot is in the principal, the action or the resource part).
func checkSlotPlaces(s *scopeJSON, slots []token) error {
	type slot struct{ name, variable, id string }
	for _, sl := range []slot{{slotPrincipal, "principal", "?princ"}, {slotResource, "resource", "?reso"}} {
		var toks []token
		for _, t := range slots {
			if t.text == sl.name {
				toks = append(toks, t)
			}
		}
		if len(toks) == 0 {
			continue
		}
		own := s.Principal
		if sl.variable == "resource" {
			own = s.Resource
		}
		ownHolds := false
		if e := own.target(); e != nil && e.Type == slotType && e.ID == sl.id {
			ownHolds = true
		}
		other, otherHolds := "resource", false
		otherScope := s.Resource
		if sl.variable == "resource" {
			other, otherScope = "principal", s.Principal
		}
		if e := otherScope.target(); e != nil && e.Type == slotType && e.ID == sl.id {
			otherHolds = true
		}
		// The principal part comes first in a scope and the resource part
		// last: blame the first slot not in its own part.
		blame := toks[0]
		if sl.variable == "principal" && ownHolds && len(toks) > 1 {
			blame = toks[1]
		}
		switch {
		case otherHolds:
			return newSlotError(blame, "%s may appear only in the %s scope, not in the %s scope (use ?%s there)", sl.name, sl.variable, other, other)
		case !ownHolds || len(toks) > 1:
			return newSlotError(blame, "%s may appear only in the %s scope (%s == %s, %s in %s or %s is T in %s), not in the action scope", sl.name, sl.variable, sl.variable, sl.name, sl.variable, sl.name, sl.variable, sl.name)
		}
	}
	return nil
}

// substitute returns src with each token of toks replaced by repl(token).
func substitute(src string, toks []token, repl func(token) string) string {
	var b strings.Builder
	last := 0
	for _, t := range toks {
		b.WriteString(src[last:t.off])
		b.WriteString(repl(t))
		last = t.off + len(t.text)
	}
	b.WriteString(src[last:])
	return b.String()
}

// widen returns the template as a static policy whose slot scopes accept
// every entity a link could name: `== ?slot` and `in ?slot` become the
// unconstrained scope, `is T in ?slot` becomes `is T`. This is how Cedar's
// validator treats slots (a slot may be linked to an entity of any type the
// schema allows there), so validating the widened policy validates the
// template for every link.
func widen(cp *cedar.Policy, principal, resource Scope) *cedar.Policy {
	w := *cp.AST()
	all := ast.Permit()
	if principal.Slot {
		if principal.Op == IsIn {
			w.PrincipalIs(types.EntityType(principal.Type))
		} else {
			w.Principal = all.Principal
		}
	}
	if resource.Slot {
		if resource.Op == IsIn {
			w.ResourceIs(types.EntityType(resource.Type))
		} else {
			w.Resource = all.Resource
		}
	}
	return cedar.NewPolicyFromAST(&w)
}

// Widened returns the template as a compiled static policy whose slot scopes
// are widened to any entity a link could name (principal == ?principal and
// principal in ?principal become principal; principal is T in ?principal
// becomes principal is T; the same for resource). Schema validation of a
// template validates this policy. Do not evaluate it as a grant.
func (t *Template) Widened() *cedar.Policy { return t.widened }

// Link fills the template's slots with principal and resource and returns
// the linked policy, which prints and evaluates exactly like the static
// policy written with those entities. A slot left unfilled, or an entity
// given for a slot the template lacks, is an error (ErrLink), as is an
// entity whose type is not a Cedar entity type.
func (t *Template) Link(principal, resource *Ref) (*Policy, error) {
	if t.Principal.Slot && principal == nil {
		return nil, fmt.Errorf("%w: the template has ?principal, so the linked policy needs a principal", ErrLink)
	}
	if !t.Principal.Slot && principal != nil {
		return nil, fmt.Errorf("%w: the template has no ?principal, so the linked policy takes no principal", ErrLink)
	}
	if t.Resource.Slot && resource == nil {
		return nil, fmt.Errorf("%w: the template has ?resource, so the linked policy needs a resource", ErrLink)
	}
	if !t.Resource.Slot && resource != nil {
		return nil, fmt.Errorf("%w: the template has no ?resource, so the linked policy takes no resource", ErrLink)
	}
	for _, r := range []struct {
		what string
		ref  *Ref
	}{{"principal", principal}, {"resource", resource}} {
		if r.ref != nil && !validEntityType(r.ref.Type) {
			return nil, fmt.Errorf("%w: the %s's entity type %q is not a Cedar entity type (names such as User or PhotoApp::User, joined by ::)", ErrLink, r.what, r.ref.Type)
		}
	}
	toks, _ := lex(t.Text)
	var slots []token
	for _, tok := range toks {
		if tok.kind == tokSlot {
			slots = append(slots, tok)
		}
	}
	text := substitute(t.Text, slots, func(tok token) string {
		if tok.text == slotPrincipal {
			return principal.String()
		}
		return resource.String()
	})
	p, err := Parse(text)
	if err != nil {
		// The template parsed and the types were checked: this is a bug.
		return nil, fmt.Errorf("cedarpolicy: link %q: %w", t.Text, err)
	}
	return p, nil
}

// ErrLink is wrapped by the errors of Link about the entities given.
var ErrLink = errors.New("the entities given do not fit the template")

// reserved are Cedar's reserved identifiers, which no path may use.
var reserved = map[string]bool{
	"true": true, "false": true, "if": true, "then": true, "else": true,
	"in": true, "is": true, "like": true, "has": true, "__cedar": true,
}

// validEntityType reports whether s is a Cedar path: identifiers joined by
// "::", none of them reserved.
func validEntityType(s string) bool {
	if s == "" {
		return false
	}
	for part := range strings.SplitSeq(s, "::") {
		if part == "" || reserved[part] || !isIdentStart(part[0]) {
			return false
		}
		for i := 1; i < len(part); i++ {
			if !isIdentPart(part[i]) {
				return false
			}
		}
	}
	return true
}
