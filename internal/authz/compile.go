package authz

import (
	"fmt"

	"github.com/vpid-dev/vpid/internal/avp"
	"github.com/vpid-dev/vpid/internal/cedarpolicy"
	"github.com/vpid-dev/vpid/internal/cedarschema"
)

// Compile builds the Set of a store's snapshot: every static policy parsed,
// every template-linked policy its template linked to its principal and
// resource (each template parsed once). A stored policy that no longer
// compiles is an internal error: writes validate every statement. The
// schema, if the store has one, gives the set its action entities and
// their groups (WithActions); a stored schema that no longer parses is an
// internal error too. The set carries the snapshot's identity source.
func Compile(snap avp.CedarSnapshot, opts ...Option) (*Set, error) {
	opts = append([]Option{WithIdentitySource(snap.IdentitySource)}, opts...)
	if snap.Schema != nil {
		sch, err := cedarschema.Parse(*snap.Schema)
		if err != nil {
			return nil, fmt.Errorf("authz: schema: %w", err)
		}
		opts = append([]Option{WithActions(sch.ActionEntities())}, opts...)
	}
	templates := make(map[string]string, len(snap.Templates))
	for _, t := range snap.Templates {
		templates[t.PolicyTemplateID] = t.Statement
	}
	parsed := map[string]*cedarpolicy.Template{}
	entries := make([]Entry, 0, len(snap.Policies))
	for _, p := range snap.Policies {
		var cp *cedarpolicy.Policy
		var err error
		switch p.PolicyType {
		case avp.PolicyTypeTemplateLinked:
			t, ok := parsed[p.PolicyTemplateID]
			if !ok {
				stmt, found := templates[p.PolicyTemplateID]
				if !found {
					continue // its template is gone: so is the policy
				}
				if t, err = cedarpolicy.ParseTemplate(stmt); err != nil {
					return nil, fmt.Errorf("authz: template %s: %w", p.PolicyTemplateID, err)
				}
				parsed[p.PolicyTemplateID] = t
			}
			cp, err = t.Link(ref(p.LinkPrincipal), ref(p.LinkResource))
		default:
			cp, err = cedarpolicy.Parse(p.Statement)
		}
		if err != nil {
			return nil, fmt.Errorf("authz: policy %s: %w", p.PolicyID, err)
		}
		entries = append(entries, Entry{ID: p.PolicyID, Policy: cp.Cedar})
	}
	return NewSet(entries, opts...), nil
}

func ref(e *avp.EntityIdentifier) *cedarpolicy.Ref {
	if e == nil {
		return nil
	}
	return &cedarpolicy.Ref{Type: e.EntityType, ID: e.EntityID}
}
