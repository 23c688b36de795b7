package avp

import "strings"

// Limits of the policy operations (AVP user guide, "Quotas for Amazon
// Verified Permissions", and the model).
const (
	// MaxPolicySize is the largest statement of a policy or template, in bytes.
	MaxPolicySize = 10000
	// MaxSchemaSize is the largest schema, in bytes.
	MaxSchemaSize = 100000
	// MaxSchemaNamespaces is how many namespaces a schema may declare.
	MaxSchemaNamespaces = 100
	// MaxTemplatesPerStore is how many policy templates a store may have.
	MaxTemplatesPerStore = 40
	// MaxBatchGetPolicy is how many policies one BatchGetPolicy reads.
	MaxBatchGetPolicy = 100
)

var (
	rulePolicyID     = strRule{min: 1, max: 200, pattern: rePolicyStoreID}
	ruleName         = strRule{min: 0, max: 150, pattern: rePolicyStoreID}
	ruleStatement    = strRule{min: 1, max: MaxPolicySize, sensitive: true}
	ruleDescription  = strRule{min: 0, max: 150, sensitive: true}
	ruleEntityType   = strRule{min: 1, max: 200, pattern: reAnyLine, sensitive: true}
	ruleEntityID     = strRule{min: 1, max: 612, pattern: reAnyLine, sensitive: true}
	ruleSchemaJSON   = strRule{min: 1, max: MaxSchemaSize, sensitive: true}
	enumPolicyTypes  = []string{PolicyTypeStatic, PolicyTypeTemplateLinked}
	ruleResourceARN  = strRule{min: 1, max: 2048}
	namesDescription = "Member must be empty or start with " + NamePrefix + " followed by the name"
)

// name checks a policy or template name: empty (none, or on update:
// remove), or name/ and at least one more character.
func (v *validator) name(path string, s *string) {
	v.str(path, s, ruleName)
	if s != nil && *s != "" && (!strings.HasPrefix(*s, NamePrefix) || len(*s) == len(NamePrefix)) {
		v.violation(path, *s, false, "%s", namesDescription)
	}
}

func (v *validator) entity(path string, e *EntityIdentifier) {
	if e == nil {
		return
	}
	v.reqStr(path+".entityType", e.EntityType, ruleEntityType)
	v.reqStr(path+".entityId", e.EntityID, ruleEntityID)
}

func (v *validator) static(path string, st *StaticPolicyDefinition) {
	v.reqStr(path+".statement", st.Statement, ruleStatement)
	v.str(path+".description", st.Description, ruleDescription)
}

func (in *CreatePolicyInput) validate() *Error {
	var v validator
	v.str("clientToken", in.ClientToken, ruleClientToken)
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.name("name", in.Name)
	if d := in.Definition; d == nil {
		v.missing("definition")
	} else {
		d.union.validate(&v, "definition", []string{"static", "templateLinked"}, d.Static != nil, d.TemplateLinked != nil)
		if d.Static != nil {
			v.static("definition.static", d.Static)
		}
		if tl := d.TemplateLinked; tl != nil {
			v.reqStr("definition.templateLinked.policyTemplateId", tl.PolicyTemplateID, rulePolicyID)
			v.entity("definition.templateLinked.principal", tl.Principal)
			v.entity("definition.templateLinked.resource", tl.Resource)
		}
	}
	return v.err()
}

// validate checks a request naming a policy (idMember "" is policyId) or a
// template.
func (in *GetPolicyInput) validate(idMember string) *Error {
	if idMember == "" {
		idMember = "policyId"
	}
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.reqStr(idMember, in.PolicyID, rulePolicyID)
	return v.err()
}

func (in *ListPoliciesInput) validate() *Error {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.pageSize(in.MaxResults)
	v.str("nextToken", in.NextToken, ruleNextToken)
	if f := in.Filter; f != nil {
		for _, r := range []struct {
			path string
			ref  *EntityReference
		}{{"filter.principal", f.Principal}, {"filter.resource", f.Resource}} {
			if r.ref == nil {
				continue
			}
			r.ref.union.validate(&v, r.path, []string{"unspecified", "identifier"}, r.ref.Unspecified != nil, r.ref.Identifier != nil)
			v.entity(r.path+".identifier", r.ref.Identifier)
		}
		v.enum("filter.policyType", f.PolicyType, false, enumPolicyTypes)
		v.str("filter.policyTemplateId", f.PolicyTemplateID, rulePolicyID)
	}
	return v.err()
}

func (in *UpdatePolicyInput) validate() *Error {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.reqStr("policyId", in.PolicyID, rulePolicyID)
	v.name("name", in.Name)
	if d := in.Definition; d != nil {
		d.union.validate(&v, "definition", []string{"static"}, d.Static != nil)
		if d.Static != nil {
			v.static("definition.static", d.Static)
		}
	}
	return v.err()
}

// MaxPolicyBytesPerResource bounds the policies that name one resource (or
// none: they share one "unspecified" total), AVP's "policy size per
// resource" quota: a static policy counts its statement's bytes, a
// template-linked one the bytes of the entities it links.
const MaxPolicyBytesPerResource = 200000

// UnspecifiedResource is the PolicyWeight key of policies without a
// resource.
const UnspecifiedResource = "unspecified"

// PolicyWeight is what a policy counts against MaxPolicyBytesPerResource,
// and the resource it counts against: `Type::"id"` of the resource the
// policy names (p.Resource, resolved for a linked policy), or
// UnspecifiedResource.
func PolicyWeight(p Policy) (resource string, bytes int) {
	resource = UnspecifiedResource
	if p.Resource != nil {
		resource = p.Resource.EntityType + `::"` + p.Resource.EntityID + `"`
	}
	if p.PolicyType == PolicyTypeStatic {
		return resource, len(p.Statement)
	}
	for _, e := range []*EntityIdentifier{p.LinkPrincipal, p.LinkResource} {
		if e != nil {
			bytes += len(e.EntityType) + len(e.EntityID)
		}
	}
	return resource, bytes
}
