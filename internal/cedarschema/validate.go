package cedarschema

import (
	"cmp"
	"slices"
	"strings"

	"github.com/cedar-policy/cedar-go"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"

	"github.com/vpid-dev/vpid/internal/cedarpolicy"
)

// Violation is one reason a policy or template fails validation: Reason is
// the name AVP puts in a ValidationException's fieldList
// (UnrecognizedEntityType, ...), Message the validator's explanation.
type Violation struct{ Reason, Message string }

// The reasons AVP names for Cedar validation failures (the ValidationException
// documentation of AVP's API reference).
const (
	UnrecognizedEntityType          = "UnrecognizedEntityType"
	UnrecognizedActionID            = "UnrecognizedActionId"
	InvalidActionApplication        = "InvalidActionApplication"
	UnexpectedType                  = "UnexpectedType"
	IncompatibleTypes               = "IncompatibleTypes"
	MissingAttribute                = "MissingAttribute"
	UnsafeOptionalAttributeAccess   = "UnsafeOptionalAttributeAccess"
	ImpossiblePolicy                = "ImpossiblePolicy"
	WrongNumberArguments            = "WrongNumberArguments"
	FunctionArgumentValidationError = "FunctionArgumentValidationError"
)

// Validate checks a static or template-linked policy against the schema in
// strict mode and returns its violations, none when it passes: each
// distinct problem once, sorted by reason and then message.
func (s *Schema) Validate(p *cedarpolicy.Policy) []Violation {
	return s.validate(p.Cedar)
}

// ValidateTemplate checks a template against the schema. Each slot may be
// linked to any entity the schema allows there, so the template is
// validated with its slot scopes widened accordingly
// (cedarpolicy.Template.Widened): a template passes when its scope and
// conditions are valid for some link, as Cedar's validator treats slots.
func (s *Schema) ValidateTemplate(t *cedarpolicy.Template) []Violation {
	return s.validate(t.Widened())
}

func (s *Schema) validate(p *cedar.Policy) []Violation {
	pol := (*xast.Policy)(p.AST())
	if err := s.validator.Policy("", pol); err != nil {
		var out []Violation
		for _, e := range flatten(err) {
			msg := e.Error()
			out = append(out, Violation{Reason: reason(msg), Message: msg})
		}
		// cedar-go's order follows map iteration and it repeats a problem
		// once per request type it meets it in: sort and drop repeats.
		slices.SortFunc(out, func(a, b Violation) int {
			return cmp.Or(strings.Compare(a.Reason, b.Reason), strings.Compare(a.Message, b.Message))
		})
		return slices.Compact(out)
	}
	if s.impossible(pol) {
		return []Violation{{Reason: ImpossiblePolicy, Message: "policy is impossible: the policy expression evaluates to false for all valid requests"}}
	}
	return nil
}

// impossible reports whether a valid policy applies to no request the
// schema allows: its conditions are false for every request, or no request
// fits its scope at all. cedar-go's validator computes this (the type
// False; no request environment) but does not report it, unlike Cedar's,
// which warns "impossiblePolicy"; AVP refuses such a policy. The probe asks
// the validator about `when { C && 1 }`, C being the conjunction of the
// conditions (true when there are none): Cedar's typechecker skips the
// right operand of && when the left one has type False, and typechecks
// nothing when no request fits, so the probe passes exactly when the policy
// is impossible; otherwise it complains that 1 is not a Bool.
func (s *Schema) impossible(p *xast.Policy) bool {
	c := xast.True()
	for i, cond := range p.Conditions {
		n := xast.NewNode(cond.Body)
		if cond.Condition == xast.ConditionUnless {
			n = xast.Not(n)
		}
		if i == 0 {
			c = n
		} else {
			c = c.And(n)
		}
	}
	probe := *p
	probe.Conditions = []xast.ConditionType{{Condition: xast.ConditionWhen, Body: c.And(xast.Long(1)).AsIsNode()}}
	return s.validator.Policy("", &probe) == nil
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// reasonPatterns maps cedar-go's validation messages (which copy Cedar's)
// to AVP's reasons, first match wins.
var reasonPatterns = []struct{ contains, reason string }{
	{"unrecognized entity type", UnrecognizedEntityType},
	{"unrecognized action", UnrecognizedActionID},
	{"unable to find an applicable action", InvalidActionApplication},
	{"unable to guarantee safety of access to optional attribute", UnsafeOptionalAttributeAccess},
	// A tag, like an optional attribute, is present only on some entities.
	{"unable to guarantee safety of access to tag", UnsafeOptionalAttributeAccess},
	{"not found", MissingAttribute}, // attribute `a` on entity type `T` not found
	{"wrong number of arguments", WrongNumberArguments},
	{"extension function argument validation", FunctionArgumentValidationError},
	{"extension constructors may not be called with non-literal", FunctionArgumentValidationError},
	{"are not compatible", IncompatibleTypes},
	{"incompatible", IncompatibleTypes}, // least upper bound, strict-mode entity types
	{"record types have different attributes", IncompatibleTypes},
	{"record attributes have different optionality", IncompatibleTypes},
	// An empty set has no element type to agree on.
	{"empty set literals are forbidden", IncompatibleTypes},
	{"unexpected type", UnexpectedType},
}

// fallbackReason is the reason of a message no pattern knows: the
// validator found an operand it cannot accept.
const fallbackReason = UnexpectedType

func reason(msg string) string {
	for _, p := range reasonPatterns {
		if strings.Contains(msg, p.contains) {
			return p.reason
		}
	}
	return fallbackReason
}
