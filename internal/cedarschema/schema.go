package cedarschema

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cedar-policy/cedar-go/types"
	"github.com/cedar-policy/cedar-go/x/exp/schema"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"
)

// ErrInvalid is wrapped by Parse's errors: the text is not a Cedar JSON
// schema, or one whose declarations do not fit together.
var ErrInvalid = errors.New("the schema is not a valid Cedar JSON schema")

// Schema is a parsed and resolved Cedar schema with its strict validator.
// It is safe for concurrent use.
type Schema struct {
	namespaces []string
	validator  *validate.Validator
	actions    []types.Entity
}

// Parse reads cedarJSON, a schema in Cedar's JSON format (what PutSchema's
// definition.cedarJson holds), and resolves it: every type it names must be
// declared. The error wraps ErrInvalid and says what is wrong.
func Parse(cedarJSON string) (*Schema, error) {
	if strings.TrimSpace(cedarJSON) == "" {
		return nil, fmt.Errorf("%w: it is empty; write a JSON object of namespaces", ErrInvalid)
	}
	if trimmed := strings.TrimSpace(cedarJSON); trimmed[0] != '{' {
		return nil, fmt.Errorf("%w: it must be a JSON object whose keys are namespaces (\"\" for none)", ErrInvalid)
	}
	var s schema.Schema
	if err := s.UnmarshalJSON([]byte(cedarJSON)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	res, err := s.Resolve()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var names []string
	for ns := range s.AST().Namespaces {
		if ns != "" {
			names = append(names, string(ns))
		}
	}
	slices.Sort(names)
	actions := make([]types.Entity, 0, len(res.Actions))
	for _, a := range res.Actions {
		actions = append(actions, types.Entity{UID: a.Entity.UID, Parents: a.Entity.Parents})
	}
	slices.SortFunc(actions, func(a, b types.Entity) int { return strings.Compare(a.UID.String(), b.UID.String()) })
	return &Schema{namespaces: names, validator: validate.New(res, validate.WithStrict()), actions: actions}, nil
}

// Namespaces returns the schema's namespaces, sorted, as PutSchema and
// GetSchema answer them. Declarations outside any namespace (the JSON key
// "") add none: AVP's model gives a namespace a length of at least 1.
func (s *Schema) Namespaces() []string { return slices.Clone(s.namespaces) }

// ActionEntities returns one entity per action the schema declares, its
// uid fully qualified (NS::Action::"id") and its parents the action groups
// its memberOf names (direct ones; Cedar's `in` follows them further), sorted
// by uid. These are the action entities a decision uses, as AVP builds them
// from the schema.
func (s *Schema) ActionEntities() []types.Entity { return slices.Clone(s.actions) }
