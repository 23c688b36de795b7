package token

import (
	"github.com/cedar-policy/cedar-go/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// mapping is what a source kind decided about verified tokens; build turns
// it into an Identity.
type mapping struct {
	principalID string
	groupType   string
	groupPrefix string   // put before each group name in its entity id
	groups      []string // group names
	groupClaim  string   // left out of attributes and context
	nest        bool     // prefix:name claims also as prefix.name (Cognito)
	id, acc     *jwt     // verified tokens; either may be nil
}

// build makes the principal entity (attributes from the ID token, parents
// from the groups), one entity per group and the access token's context.
func build(src avp.IdentitySource, m mapping) (Identity, error) {
	ptype := src.PrincipalEntityType
	if ptype == "" {
		ptype = avp.DefaultCognitoPrincipalEntityType
	}
	pt, err := types.NewEntityType(ptype)
	if err != nil {
		return Identity{}, &Error{Check: CheckIdentitySource, Message: "the identity source's principal entity type is not a Cedar entity type"}
	}
	var gt types.EntityType
	if len(m.groups) > 0 {
		if gt, err = types.NewEntityType(m.groupType); err != nil {
			return Identity{}, &Error{Check: CheckIdentitySource, Message: "the identity source's group entity type is not a Cedar entity type"}
		}
	}

	entities := make([]types.Entity, 1, 1+len(m.groups))
	parents := make([]types.EntityUID, 0, len(m.groups))
	seen := make(map[string]bool, len(m.groups))
	for _, g := range m.groups {
		if seen[g] {
			continue
		}
		seen[g] = true
		uid := types.NewEntityUID(gt, types.String(m.groupPrefix+g))
		parents = append(parents, uid)
		entities = append(entities, types.Entity{UID: uid})
	}
	attrs := types.Record{}
	if m.id != nil {
		attrs = m.id.record(m.groupClaim, false, m.nest)
	}
	entities[0] = types.Entity{
		UID:        types.NewEntityUID(pt, types.String(m.principalID)),
		Parents:    types.NewEntityUIDSet(parents...),
		Attributes: attrs,
	}
	ctx := types.Record{}
	if m.acc != nil {
		ctx = types.NewRecord(types.RecordMap{"token": m.acc.record(m.groupClaim, true, false)})
	}
	return Identity{
		Principal: avp.EntityIdentifier{EntityType: ptype, EntityID: m.principalID},
		Entities:  entities,
		Context:   ctx,
	}, nil
}
