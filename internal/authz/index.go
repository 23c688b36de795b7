package authz

import (
	"encoding/json"
	"slices"

	"github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
)

// scopeOp is the form of one of a policy's three scope constraints.
type scopeOp uint8

const (
	opAll   scopeOp = iota // no constraint (or one this package does not know: evaluated always)
	opEq                   // == entity
	opIn                   // in entity
	opInSet                // in [entities] (action only)
	opIs                   // is type
	opIsIn                 // is type in entity
)

// constraint is one scope constraint of a policy.
type constraint struct {
	op     scopeOp
	typ    types.EntityType  // opIs, opIsIn
	entity types.EntityUID   // opEq, opIn, opIsIn
	set    []types.EntityUID // opInSet
}

// scope is a policy's principal, action and resource constraints.
type scope struct{ principal, action, resource constraint }

// Cedar's JSON policy format (the scope part), which cedar-go writes for
// every policy: the one public view of a compiled policy's scope that needs
// none of cedar-go's experimental packages.
type jsonUID struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type jsonConstraint struct {
	Op         string    `json:"op"`
	Entity     *jsonUID  `json:"entity"`
	Entities   []jsonUID `json:"entities"`
	EntityType string    `json:"entity_type"`
	In         *struct {
		Entity *jsonUID `json:"entity"`
	} `json:"in"`
}

type jsonScope struct {
	Principal jsonConstraint `json:"principal"`
	Action    jsonConstraint `json:"action"`
	Resource  jsonConstraint `json:"resource"`
}

// scopeOf reads a compiled policy's scope. A form it cannot read counts as
// unconstrained, which only costs an evaluation.
func scopeOf(p *cedar.Policy) scope {
	b, err := p.MarshalJSON()
	if err != nil {
		return scope{}
	}
	var js jsonScope
	if err := json.Unmarshal(b, &js); err != nil {
		return scope{}
	}
	return scope{principal: js.Principal.constraint(), action: js.Action.constraint(), resource: js.Resource.constraint()}
}

func (u *jsonUID) uid() types.EntityUID {
	return types.EntityUID{Type: types.EntityType(u.Type), ID: types.String(u.ID)}
}

func (j jsonConstraint) constraint() constraint {
	switch j.Op {
	case "==":
		if j.Entity != nil {
			return constraint{op: opEq, entity: j.Entity.uid()}
		}
	case "in":
		if j.Entity != nil {
			return constraint{op: opIn, entity: j.Entity.uid()}
		}
		if j.Entities != nil {
			set := make([]types.EntityUID, len(j.Entities))
			for i := range j.Entities {
				set[i] = j.Entities[i].uid()
			}
			return constraint{op: opInSet, set: set}
		}
	case "is":
		if j.In == nil {
			return constraint{op: opIs, typ: types.EntityType(j.EntityType)}
		}
		if j.In.Entity != nil {
			return constraint{op: opIsIn, typ: types.EntityType(j.EntityType), entity: j.In.Entity.uid()}
		}
	}
	return constraint{}
}

// lineage is an entity of the request and, computed on first use, its
// ancestors in the request's entities.
type lineage struct {
	uid       types.EntityUID
	entities  types.EntityGetter
	walked    bool
	ancestors []types.EntityUID
}

// walk collects every ancestor: the parents of the entity, their parents,
// and so on, as Cedar's `in` follows them. An entity missing from the
// entities has no parents; cycles end the walk.
func (l *lineage) walk() []types.EntityUID {
	if l.walked {
		return l.ancestors
	}
	l.walked = true
	todo := []types.EntityUID{l.uid}
	for len(todo) > 0 {
		u := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		e, ok := l.entities.Get(u)
		if !ok {
			continue
		}
		for p := range e.Parents.All() {
			if p == l.uid || slices.Contains(l.ancestors, p) {
				continue
			}
			l.ancestors = append(l.ancestors, p)
			todo = append(todo, p)
		}
	}
	return l.ancestors
}

// in reports whether the entity is target or one of its descendants.
func (l *lineage) in(target types.EntityUID) bool {
	return l.uid == target || slices.Contains(l.walk(), target)
}

// admits reports whether the constraint can hold for the entity. It must
// never answer false where Cedar's scope would hold.
func (c *constraint) admits(l *lineage) bool {
	switch c.op {
	case opEq:
		return l.uid == c.entity
	case opIn:
		return l.in(c.entity)
	case opInSet:
		for _, t := range c.set {
			if l.in(t) {
				return true
			}
		}
		return false
	case opIs:
		return l.uid.Type == c.typ
	case opIsIn:
		return l.uid.Type == c.typ && l.in(c.entity)
	}
	return true
}

// bucket holds the policies keyed on one constraint of one part of the scope.
type bucket struct {
	eq     map[types.EntityUID][]int32  // == entity
	in     map[types.EntityUID][]int32  // in / is-in / in-set entity
	byType map[types.EntityType][]int32 // is type
}

func (b *bucket) add(c constraint, i int32) {
	switch c.op {
	case opEq:
		b.eq[c.entity] = append(b.eq[c.entity], i)
	case opIn, opIsIn:
		b.in[c.entity] = append(b.in[c.entity], i)
	case opInSet:
		for _, t := range c.set {
			b.in[t] = append(b.in[t], i)
		}
	case opIs:
		b.byType[c.typ] = append(b.byType[c.typ], i)
	}
}

func (b *bucket) collect(l *lineage, out []int32) []int32 {
	out = append(out, b.eq[l.uid]...)
	out = append(out, b.byType[l.uid.Type]...)
	if len(b.in) > 0 {
		out = append(out, b.in[l.uid]...)
		for _, a := range l.walk() {
			out = append(out, b.in[a]...)
		}
	}
	return out
}

func newBucket() bucket {
	return bucket{eq: map[types.EntityUID][]int32{}, in: map[types.EntityUID][]int32{}, byType: map[types.EntityType][]int32{}}
}

// index files each policy under the most selective constrained part of
// its scope (an equality before an `in`, an `in` before an `is`; the
// principal's before the resource's before the action's), and keeps the
// policies that constrain none of them apart.
type index struct {
	principal, resource, action bucket
	always                      []int32
}

// selectivity ranks a constraint for filing: higher narrows more.
func (c constraint) selectivity() int {
	switch c.op {
	case opEq:
		return 3
	case opIn, opIsIn:
		return 2
	case opInSet:
		if len(c.set) > 0 {
			return 2
		}
	case opIs:
		return 1
	}
	return 0
}

func newIndex(scopes []scope) index {
	x := index{principal: newBucket(), resource: newBucket(), action: newBucket()}
	for i, s := range scopes {
		var best *bucket
		var filed constraint
		for _, part := range []struct {
			b *bucket
			c constraint
		}{{&x.principal, s.principal}, {&x.resource, s.resource}, {&x.action, s.action}} {
			if part.c.selectivity() > filed.selectivity() {
				best, filed = part.b, part.c
			}
		}
		if best == nil {
			x.always = append(x.always, int32(i))
			continue
		}
		best.add(filed, int32(i))
	}
	return x
}

// candidates lists, in set order, the policies whose scope admits req.
func (x *index) candidates(scopes []scope, entities types.EntityGetter, req Request) []int32 {
	p := &lineage{uid: req.Principal, entities: entities}
	a := &lineage{uid: req.Action, entities: entities}
	r := &lineage{uid: req.Resource, entities: entities}
	picked := slices.Clone(x.always)
	picked = x.principal.collect(p, picked)
	picked = x.resource.collect(r, picked)
	picked = x.action.collect(a, picked)
	slices.Sort(picked)
	picked = slices.Compact(picked)
	out := picked[:0]
	for _, i := range picked {
		s := &scopes[i]
		if s.principal.admits(p) && s.action.admits(a) && s.resource.admits(r) {
			out = append(out, i)
		}
	}
	return out
}
