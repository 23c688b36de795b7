package cedarpolicy

import (
	"errors"
	"fmt"
	"strings"
)

// ErrScopeChanged is wrapped by SameScope's errors.
var ErrScopeChanged = errors.New("only the action scope and the conditions may change")

// SameScope reports whether updated may replace old under AVP's rule for
// UpdatePolicy and UpdatePolicyTemplate: only the action scope and the
// when/unless conditions may change. It returns nil, or an error wrapping
// ErrScopeChanged that names each of the effect, the principal scope and the
// resource scope that changed, old and new.
func SameScope(old, updated *Policy) error {
	var changes []string
	if old.Effect != updated.Effect {
		changes = append(changes, fmt.Sprintf("the effect (%s to %s)", old.Effect, updated.Effect))
	}
	if !old.Principal.equal(updated.Principal) {
		changes = append(changes, fmt.Sprintf("the principal scope (%s to %s)", old.Principal.String("principal"), updated.Principal.String("principal")))
	}
	if !old.Resource.equal(updated.Resource) {
		changes = append(changes, fmt.Sprintf("the resource scope (%s to %s)", old.Resource.String("resource"), updated.Resource.String("resource")))
	}
	if len(changes) == 0 {
		return nil
	}
	return fmt.Errorf("%w; this update changes %s: create a new policy instead", ErrScopeChanged, strings.Join(changes, " and "))
}
