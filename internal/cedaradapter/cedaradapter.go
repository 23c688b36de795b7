// Package cedaradapter implements avp.Cedar, the Cedar the policy
// operations need, over internal/cedarpolicy (statements, templates,
// linking, the update rule) and internal/cedarschema (schemas and STRICT
// validation). It only translates between their types and avp's.
package cedaradapter

import (
	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cedarpolicy"
	"github.com/vpid-dev/vpid/internal/cedarschema"
)

// Cedar implements avp.Cedar. The zero value is ready; it holds no state.
type Cedar struct{}

var _ avp.Cedar = Cedar{}

func entity(r *cedarpolicy.Ref) *avp.EntityIdentifier {
	if r == nil {
		return nil
	}
	return &avp.EntityIdentifier{EntityType: r.Type, EntityID: r.ID}
}

func ref(e *avp.EntityIdentifier) *cedarpolicy.Ref {
	if e == nil {
		return nil
	}
	return &cedarpolicy.Ref{Type: e.EntityType, ID: e.EntityID}
}

func info(p *cedarpolicy.Policy) avp.CedarPolicy {
	out := avp.CedarPolicy{
		Effect:        p.Effect,
		Principal:     entity(p.Principal.Entity),
		Resource:      entity(p.Resource.Entity),
		PrincipalSlot: p.Principal.Slot,
		ResourceSlot:  p.Resource.Slot,
	}
	for _, a := range p.Actions {
		out.Actions = append(out.Actions, avp.ActionIdentifier{ActionType: a.Type, ActionID: a.ID})
	}
	return out
}

// ParsePolicy implements avp.Cedar.
func (Cedar) ParsePolicy(statement string) (avp.CedarPolicy, error) {
	p, err := cedarpolicy.Parse(statement)
	if err != nil {
		return avp.CedarPolicy{}, err
	}
	return info(p), nil
}

// ParseTemplate implements avp.Cedar.
func (Cedar) ParseTemplate(statement string) (avp.CedarPolicy, error) {
	t, err := cedarpolicy.ParseTemplate(statement)
	if err != nil {
		return avp.CedarPolicy{}, err
	}
	return info(&t.Policy), nil
}

// Link implements avp.Cedar.
func (Cedar) Link(template string, principal, resource *avp.EntityIdentifier) (avp.CedarPolicy, error) {
	t, err := cedarpolicy.ParseTemplate(template)
	if err != nil {
		return avp.CedarPolicy{}, err
	}
	p, err := t.Link(ref(principal), ref(resource))
	if err != nil {
		return avp.CedarPolicy{}, err
	}
	return info(p), nil
}

// SameScope implements avp.Cedar.
func (Cedar) SameScope(oldStatement, newStatement string, template bool) error {
	parse := func(s string) (*cedarpolicy.Policy, error) {
		if !template {
			return cedarpolicy.Parse(s)
		}
		t, err := cedarpolicy.ParseTemplate(s)
		if err != nil {
			return nil, err
		}
		return &t.Policy, nil
	}
	a, err := parse(oldStatement)
	if err != nil {
		return err
	}
	b, err := parse(newStatement)
	if err != nil {
		return err
	}
	return cedarpolicy.SameScope(a, b)
}

// ParseSchema implements avp.Cedar.
func (Cedar) ParseSchema(cedarJSON string) (avp.CedarSchema, error) {
	s, err := cedarschema.Parse(cedarJSON)
	if err != nil {
		return nil, err
	}
	return schema{s}, nil
}

type schema struct{ s *cedarschema.Schema }

func (s schema) Namespaces() []string { return s.s.Namespaces() }

func violations(vs []cedarschema.Violation) []avp.CedarViolation {
	out := make([]avp.CedarViolation, len(vs))
	for i, v := range vs {
		out[i] = avp.CedarViolation{Reason: v.Reason, Message: v.Message}
	}
	return out
}

// ValidatePolicy validates a statement that ParsePolicy accepted; one that
// does not parse has nothing to validate.
func (s schema) ValidatePolicy(statement string) []avp.CedarViolation {
	p, err := cedarpolicy.Parse(statement)
	if err != nil {
		return nil
	}
	return violations(s.s.Validate(p))
}

// ValidateTemplate is ValidatePolicy for templates.
func (s schema) ValidateTemplate(statement string) []avp.CedarViolation {
	t, err := cedarpolicy.ParseTemplate(statement)
	if err != nil {
		return nil
	}
	return violations(s.s.ValidateTemplate(t))
}
