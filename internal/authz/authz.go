package authz

import (
	"iter"
	"slices"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Decisions, as AVP's Decision enum spells them.
const (
	Allow = "ALLOW"
	Deny  = "DENY"
)

// DefaultIndexThreshold is the number of policies from which Authorize uses
// the scope index: below it, evaluating every policy costs less than
// finding the few that apply (BenchmarkDecision in internal/dev/bench).
const DefaultIndexThreshold = 16

// Request is one authorization request in Cedar terms.
type Request struct {
	Principal, Action, Resource types.EntityUID
	Context                     types.Record
}

// Result is AVP's answer to one request. Determining holds the ids of the
// satisfied forbid policies if any, else of the satisfied permit policies
// (empty when nothing is satisfied, which is a DENY); Errors holds one
// errorDescription per policy whose evaluation failed, in the form
// "while evaluating policy `<id>`: <what failed>". Both are sorted by
// policy id.
type Result struct {
	Decision    string
	Determining []string
	Errors      []string
}

// Entry is one policy of a Set: the id answers name it by and its compiled
// form.
type Entry struct {
	ID     string
	Policy *cedar.Policy
}

// Set is a policy store's compiled policies with an index of their scopes.
// It is immutable and safe for concurrent use.
type Set struct {
	entries   []Entry
	scopes    []scope
	index     index
	threshold int
	actions   map[types.EntityUID]types.Entity
	source    *avp.IdentitySource
}

// Option configures a Set.
type Option func(*Set)

// WithIndexThreshold sets from how many policies Authorize uses the index
// (default DefaultIndexThreshold; 0: always).
func WithIndexThreshold(n int) Option { return func(s *Set) { s.threshold = n } }

// WithActions gives the set the action entities of the store's schema: a
// decision sees them in place of any entity of the same uid the request
// carries, so `action in Action::"group"` follows the schema's memberOf.
func WithActions(actions []types.Entity) Option {
	return func(s *Set) {
		if len(actions) == 0 {
			s.actions = nil
			return
		}
		s.actions = make(map[types.EntityUID]types.Entity, len(actions))
		for _, a := range actions {
			s.actions[a.UID] = a
		}
	}
}

// WithIdentitySource gives the set its store's identity source (nil: none),
// read at the same version as its policies.
func WithIdentitySource(is *avp.IdentitySource) Option {
	return func(s *Set) { s.source = is }
}

// IdentitySource is the store's identity source as of the set's version;
// false when the store had none.
func (s *Set) IdentitySource() (avp.IdentitySource, bool) {
	if s.source == nil {
		return avp.IdentitySource{}, false
	}
	return *s.source, true
}

// NewSet builds a Set of entries, which must have distinct ids.
func NewSet(entries []Entry, opts ...Option) *Set {
	s := &Set{entries: slices.Clone(entries), threshold: DefaultIndexThreshold}
	for _, o := range opts {
		o(s)
	}
	s.scopes = make([]scope, len(s.entries))
	for i, e := range s.entries {
		s.scopes[i] = scopeOf(e.Policy)
	}
	s.index = newIndex(s.scopes)
	return s
}

// Len is the number of policies in the set.
func (s *Set) Len() int { return len(s.entries) }

// Authorize decides req against the set, with the entities the request
// carries. It uses the index when the set holds at least the threshold's
// number of policies; the answer is the same either way.
func (s *Set) Authorize(entities types.EntityGetter, req Request) Result {
	entities = s.withActions(entities)
	if len(s.entries) >= s.threshold {
		return s.authorizeIndexed(entities, req)
	}
	return s.authorizeAll(entities, req)
}

// AuthorizeAll decides req by evaluating every policy of the set.
func (s *Set) AuthorizeAll(entities types.EntityGetter, req Request) Result {
	return s.authorizeAll(s.withActions(entities), req)
}

// AuthorizeIndexed decides req by evaluating only the policies whose scope
// can apply to it.
func (s *Set) AuthorizeIndexed(entities types.EntityGetter, req Request) Result {
	return s.authorizeIndexed(s.withActions(entities), req)
}

// withActions puts the schema's action entities over the request's.
func (s *Set) withActions(entities types.EntityGetter) types.EntityGetter {
	if entities == nil {
		entities = types.EntityMap{}
	}
	if s.actions == nil {
		return entities
	}
	return actionEntities{schema: s.actions, request: entities}
}

// actionEntities answers an action the schema declares from the schema,
// anything else from the request.
type actionEntities struct {
	schema  map[types.EntityUID]types.Entity
	request types.EntityGetter
}

func (a actionEntities) Get(uid types.EntityUID) (types.Entity, bool) {
	if e, ok := a.schema[uid]; ok {
		return e, true
	}
	return a.request.Get(uid)
}

func (s *Set) authorizeAll(entities types.EntityGetter, req Request) Result {
	return s.decide(allPolicies(s.entries), entities, req)
}

func (s *Set) authorizeIndexed(entities types.EntityGetter, req Request) Result {
	picked := s.index.candidates(s.scopes, entities, req)
	return s.decide(somePolicies{s.entries, picked}, entities, req)
}

func (s *Set) decide(it cedar.PolicyIterator, entities types.EntityGetter, req Request) Result {
	decision, diag := cedar.Authorize(it, entities, cedar.Request{
		Principal: req.Principal,
		Action:    req.Action,
		Resource:  req.Resource,
		Context:   req.Context,
	})
	r := Result{Decision: Deny, Determining: []string{}, Errors: []string{}}
	if decision == cedar.Allow {
		r.Decision = Allow
	}
	for _, reason := range diag.Reasons {
		r.Determining = append(r.Determining, string(reason.PolicyID))
	}
	for _, e := range diag.Errors {
		r.Errors = append(r.Errors, ErrorDescription(string(e.PolicyID), e.Message))
	}
	slices.Sort(r.Determining)
	slices.Sort(r.Errors)
	return r
}

// ErrorDescription is the errorDescription of a policy whose evaluation
// failed with message: Cedar's own form, "while evaluating policy `id`: …".
func ErrorDescription(policyID, message string) string {
	return "while evaluating policy `" + policyID + "`: " + message
}

type allPolicies []Entry

func (a allPolicies) All() iter.Seq2[cedar.PolicyID, *cedar.Policy] {
	return func(yield func(cedar.PolicyID, *cedar.Policy) bool) {
		for _, e := range a {
			if !yield(cedar.PolicyID(e.ID), e.Policy) {
				return
			}
		}
	}
}

// somePolicies yields the entries at the picked positions.
type somePolicies struct {
	entries []Entry
	picked  []int32
}

func (p somePolicies) All() iter.Seq2[cedar.PolicyID, *cedar.Policy] {
	return func(yield func(cedar.PolicyID, *cedar.Policy) bool) {
		for _, i := range p.picked {
			e := p.entries[i]
			if !yield(cedar.PolicyID(e.ID), e.Policy) {
				return
			}
		}
	}
}
