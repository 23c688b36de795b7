package avp

import "github.com/cedar-policy/cedar-go/types"

// withinParents checks AVP's quota of MaxParents parents, direct and
// transitive, of the entity uid names (the principal, action or resource
// of a request at path), as ents describe them. An unspecified entity, or
// one ents do not hold, has none.
func (v *validator) withinParents(path string, ents types.EntityGetter, uid types.EntityUID) {
	if n := ancestors(ents, uid, MaxParents+1); n > MaxParents {
		v.add(path, "Value at '%s' names an entity with more than %d parents, direct and transitive, in the request's entities; Verified Permissions allows at most %d", path, MaxParents, MaxParents)
	}
}

// ancestors counts the distinct ancestors of uid in ents (uid itself not
// among them, whatever cycles ents hold), stopping at limit: the walk
// costs at most limit lookups' worth of parents.
func ancestors(ents types.EntityGetter, uid types.EntityUID, limit int) int {
	first, ok := ents.Get(uid)
	if !ok || first.Parents.Len() == 0 {
		return 0
	}
	seen := map[types.EntityUID]struct{}{uid: {}}
	queue := []types.Entity{first}
	n := 0
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		for p := range e.Parents.All() {
			if _, dup := seen[p]; dup {
				continue
			}
			seen[p] = struct{}{}
			if n++; n >= limit {
				return n
			}
			if pe, ok := ents.Get(p); ok {
				queue = append(queue, pe)
			}
		}
	}
	return n
}

// requestParents checks the quota for the principal, action and resource
// of req, at prefix ("" or "requests[i]."). Callers check it only of a
// request otherwise valid: with a violation, the entities may be partial.
func (v *validator) requestParents(prefix string, ents types.EntityGetter, req CedarRequest) {
	v.withinParents(prefix+"principal", ents, req.Principal)
	v.withinParents(prefix+"action", ents, req.Action)
	v.withinParents(prefix+"resource", ents, req.Resource)
}
