package avp

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Policy types, as in AVP's PolicyType enum.
const (
	PolicyTypeStatic         = "STATIC"
	PolicyTypeTemplateLinked = "TEMPLATE_LINKED"
)

// More resource types of AVP's ResourceType enum.
const (
	ResourcePolicy         = "POLICY"
	ResourcePolicyTemplate = "POLICY_TEMPLATE"
	ResourceSchema         = "SCHEMA"
)

// NamePrefix starts every policy and policy template name, and marks a
// policyId or policyTemplateId that names one.
const NamePrefix = "name/"

// ErrNameTaken is returned when the policy or template name is already used
// in the store.
var ErrNameTaken = errors.New("name is taken")

// Policy is a stored policy. A static policy has Statement (and maybe
// Description); a template-linked one has PolicyTemplateID and the entities
// it links (LinkPrincipal, LinkResource). Effect, Principal, Resource and
// Actions are what AVP's answers show: for a static policy they are read
// from its statement when it is written; for a linked policy they come from
// its template when it is read (Resolve), so that an updated template's
// linked policies follow it at once.
type Policy struct {
	PolicyStoreID    string
	PolicyID         string
	Name             string // "" for none
	PolicyType       string
	Effect           string
	Principal        *EntityIdentifier
	Resource         *EntityIdentifier
	Actions          []ActionIdentifier
	Statement        string
	Description      *string
	PolicyTemplateID string
	LinkPrincipal    *EntityIdentifier
	LinkResource     *EntityIdentifier
	CreatedDate      Timestamp
	LastUpdatedDate  Timestamp
}

// Resolve fills a template-linked policy's effect, principal, resource and
// actions from its template t.
func (p *Policy) Resolve(t PolicyTemplate) {
	p.Effect, p.Actions = t.Effect, t.Actions
	p.Principal, p.Resource = t.Principal, t.Resource
	if p.LinkPrincipal != nil {
		p.Principal = p.LinkPrincipal
	}
	if p.LinkResource != nil {
		p.Resource = p.LinkResource
	}
}

// CedarSnapshot is what decisions read of a policy store, at one version:
// its policies (linked ones resolved, none whose template is gone),
// templates, schema (the cedarJson as put, nil if none), validation mode
// and identity source (nil if none). The version counts every write of
// any of these, identity-source writes included.
type CedarSnapshot struct {
	Version        int64
	Policies       []Policy
	Templates      []PolicyTemplate
	Schema         *string
	ValidationMode string
	IdentitySource *IdentitySource
}

// Policies keeps the Cedar half of policy stores: policies, templates and
// the schema. Every write also increments the store's Cedar version, and
// fails with a *Error ResourceNotFoundException (POLICY_STORE) when the
// store does not exist or is being deleted. Names are unique per store and
// kind: a write that takes a used one fails with ErrNameTaken.
type Policies interface {
	// CreatePolicy writes p, and rec when not nil, atomically; a linked
	// policy on the condition that its template exists (else a
	// ResourceNotFoundException for it), and every policy on the condition
	// that its resource's policies stay within MaxPolicyBytesPerResource
	// (PolicyWeight; else ErrQuotaExceeded). Errors: *TokenUsedError,
	// ErrNameTaken, ErrQuotaExceeded, *Error, ErrConflict,
	// ErrThrottled/ErrUnavailable.
	CreatePolicy(ctx context.Context, account string, p Policy, rec *IdempotencyRecord) error
	// GetPolicy reads a policy by id or by name (NamePrefix...), linked
	// ones unresolved; a linked policy whose template is gone is absent.
	// Errors: ErrNotFound.
	GetPolicy(ctx context.Context, account, policyStoreID, policyID string) (Policy, error)
	// ListPolicies pages through the store's policies by id, keeping those
	// keep accepts (linked ones are resolved with templates first), until
	// limit are kept. Errors: *Error (store missing).
	ListPolicies(ctx context.Context, account, policyStoreID string, templates map[string]PolicyTemplate, limit int, cursor []byte, keep func(Policy) bool) ([]Policy, []byte, error)
	// UpdatePolicy replaces the stored policy old (as read) with p, on the
	// condition that it is still as read. Errors: ErrNotFound, ErrConflict,
	// ErrNameTaken, ErrQuotaExceeded (MaxPolicyBytesPerResource), *Error.
	UpdatePolicy(ctx context.Context, account string, p, old Policy) error
	// DeletePolicy deletes a policy and its name. Errors: ErrNotFound.
	DeletePolicy(ctx context.Context, account, policyStoreID, policyID string) error

	// CreatePolicyTemplate writes t, and rec when not nil, atomically, on
	// the condition that the store has fewer than max templates (else
	// ErrQuotaExceeded).
	CreatePolicyTemplate(ctx context.Context, account string, t PolicyTemplate, max int, rec *IdempotencyRecord) error
	// GetPolicyTemplate reads a template by id or name. Errors: ErrNotFound.
	GetPolicyTemplate(ctx context.Context, account, policyStoreID, templateID string) (PolicyTemplate, error)
	// ListPolicyTemplates returns all of a store's templates by id.
	// Errors: *Error (store missing).
	ListPolicyTemplates(ctx context.Context, account, policyStoreID string) ([]PolicyTemplate, error)
	// UpdatePolicyTemplate replaces the stored template with t.
	UpdatePolicyTemplate(ctx context.Context, account string, t PolicyTemplate, oldName string) error
	// DeletePolicyTemplate deletes the template, then its linked policies
	// (which read as absent from the first step on). Deleting a template
	// that is gone still removes linked policies left behind. Errors:
	// ErrNotFound (neither template nor linked policies).
	DeletePolicyTemplate(ctx context.Context, account, policyStoreID, templateID string) error

	// PutSchema writes the schema, keeping its createdDate when it
	// replaces one, and returns it as stored.
	PutSchema(ctx context.Context, account string, sc Schema) (Schema, error)
	// GetSchema errors: ErrNotFound (no schema), *Error (no store).
	GetSchema(ctx context.Context, account, policyStoreID string) (Schema, error)

	// TagPolicyStore adds (overwriting) and removes tags of a store, on the
	// condition that it then has at most max tags (else ErrQuotaExceeded).
	// Errors: ErrNotFound.
	TagPolicyStore(ctx context.Context, account, policyStoreID string, add map[string]string, remove []string, max int) error
}

// Wire types of the policy operations.
type (
	// CreatePolicyInput is the request of CreatePolicy.
	CreatePolicyInput struct {
		ClientToken   *string           `json:"clientToken,omitempty"`
		PolicyStoreID string            `json:"policyStoreId"`
		Definition    *PolicyDefinition `json:"definition"`
		Name          *string           `json:"name,omitempty"`
	}
	// StaticPolicyDefinition is a static policy's statement and description.
	StaticPolicyDefinition struct {
		Statement   string  `json:"statement"`
		Description *string `json:"description,omitempty"`
	}
	// TemplateLinkedPolicyDefinition links a template to entities.
	TemplateLinkedPolicyDefinition struct {
		PolicyTemplateID string            `json:"policyTemplateId"`
		Principal        *EntityIdentifier `json:"principal,omitempty"`
		Resource         *EntityIdentifier `json:"resource,omitempty"`
	}
	// CreatePolicyOutput is the response of CreatePolicy and UpdatePolicy.
	CreatePolicyOutput struct {
		PolicyStoreID   string             `json:"policyStoreId"`
		PolicyID        string             `json:"policyId"`
		PolicyType      string             `json:"policyType"`
		Principal       *EntityIdentifier  `json:"principal,omitempty"`
		Resource        *EntityIdentifier  `json:"resource,omitempty"`
		Actions         []ActionIdentifier `json:"actions,omitempty"`
		CreatedDate     Timestamp          `json:"createdDate"`
		LastUpdatedDate Timestamp          `json:"lastUpdatedDate"`
		Effect          string             `json:"effect,omitempty"`
	}
	// GetPolicyInput is the request of GetPolicy and DeletePolicy.
	GetPolicyInput struct {
		PolicyStoreID string `json:"policyStoreId"`
		PolicyID      string `json:"policyId"`
	}
	// GetPolicyOutput is the response of GetPolicy.
	GetPolicyOutput struct {
		PolicyStoreID   string                 `json:"policyStoreId"`
		PolicyID        string                 `json:"policyId"`
		PolicyType      string                 `json:"policyType"`
		Principal       *EntityIdentifier      `json:"principal,omitempty"`
		Resource        *EntityIdentifier      `json:"resource,omitempty"`
		Actions         []ActionIdentifier     `json:"actions,omitempty"`
		Definition      PolicyDefinitionDetail `json:"definition"`
		CreatedDate     Timestamp              `json:"createdDate"`
		LastUpdatedDate Timestamp              `json:"lastUpdatedDate"`
		Effect          string                 `json:"effect,omitempty"`
		Name            *string                `json:"name,omitempty"`
	}
	// PolicyDefinitionDetail is a policy's definition in GetPolicy and
	// BatchGetPolicy: a union of static and templateLinked.
	PolicyDefinitionDetail struct {
		Static         *StaticPolicyDefinition         `json:"static,omitempty"`
		TemplateLinked *TemplateLinkedPolicyDefinition `json:"templateLinked,omitempty"`
	}
	// PolicyDefinitionItem is a policy's definition in ListPolicies: a
	// static policy shows only its description.
	PolicyDefinitionItem struct {
		Static         *StaticPolicyDefinitionItem     `json:"static,omitempty"`
		TemplateLinked *TemplateLinkedPolicyDefinition `json:"templateLinked,omitempty"`
	}
	// StaticPolicyDefinitionItem is a static policy in a list.
	StaticPolicyDefinitionItem struct {
		Description *string `json:"description,omitempty"`
	}
	// ListPoliciesInput is the request of ListPolicies.
	ListPoliciesInput struct {
		PolicyStoreID string        `json:"policyStoreId"`
		NextToken     *string       `json:"nextToken,omitempty"`
		MaxResults    *int          `json:"maxResults,omitempty"`
		Filter        *PolicyFilter `json:"filter,omitempty"`
	}
	// PolicyFilter narrows ListPolicies; every member given must match.
	PolicyFilter struct {
		Principal        *EntityReference `json:"principal,omitempty"`
		Resource         *EntityReference `json:"resource,omitempty"`
		PolicyType       *string          `json:"policyType,omitempty"`
		PolicyTemplateID *string          `json:"policyTemplateId,omitempty"`
	}
	// ListPoliciesOutput is the response of ListPolicies.
	ListPoliciesOutput struct {
		NextToken *string      `json:"nextToken,omitempty"`
		Policies  []PolicyItem `json:"policies"`
	}
	// PolicyItem is one policy in a list.
	PolicyItem struct {
		PolicyStoreID   string               `json:"policyStoreId"`
		PolicyID        string               `json:"policyId"`
		PolicyType      string               `json:"policyType"`
		Principal       *EntityIdentifier    `json:"principal,omitempty"`
		Resource        *EntityIdentifier    `json:"resource,omitempty"`
		Actions         []ActionIdentifier   `json:"actions,omitempty"`
		Definition      PolicyDefinitionItem `json:"definition"`
		CreatedDate     Timestamp            `json:"createdDate"`
		LastUpdatedDate Timestamp            `json:"lastUpdatedDate"`
		Effect          string               `json:"effect,omitempty"`
		Name            *string              `json:"name,omitempty"`
	}
	// UpdatePolicyInput is the request of UpdatePolicy.
	UpdatePolicyInput struct {
		PolicyStoreID string                  `json:"policyStoreId"`
		PolicyID      string                  `json:"policyId"`
		Definition    *UpdatePolicyDefinition `json:"definition,omitempty"`
		Name          *string                 `json:"name,omitempty"`
	}
	// BatchGetPolicyInput is the request of BatchGetPolicy.
	BatchGetPolicyInput struct {
		Requests []GetPolicyInput `json:"requests"`
	}
	// BatchGetPolicyOutput is the response of BatchGetPolicy.
	BatchGetPolicyOutput struct {
		Results []BatchGetPolicyOutputItem `json:"results"`
		Errors  []BatchGetPolicyErrorItem  `json:"errors"`
	}
	// BatchGetPolicyOutputItem is one policy found by BatchGetPolicy.
	BatchGetPolicyOutputItem struct {
		PolicyStoreID   string                 `json:"policyStoreId"`
		PolicyID        string                 `json:"policyId"`
		PolicyType      string                 `json:"policyType"`
		Definition      PolicyDefinitionDetail `json:"definition"`
		CreatedDate     Timestamp              `json:"createdDate"`
		LastUpdatedDate Timestamp              `json:"lastUpdatedDate"`
		Name            *string                `json:"name,omitempty"`
	}
	// BatchGetPolicyErrorItem is one item BatchGetPolicy could not read.
	BatchGetPolicyErrorItem struct {
		Code          string `json:"code"`
		PolicyStoreID string `json:"policyStoreId"`
		PolicyID      string `json:"policyId"`
		Message       string `json:"message"`
	}
)

// Error codes of BatchGetPolicy's items.
const (
	BatchPolicyStoreNotFound      = "POLICY_STORE_NOT_FOUND"
	BatchPolicyNotFound           = "POLICY_NOT_FOUND"
	BatchPolicyStoreAliasNotFound = "POLICY_STORE_ALIAS_NOT_FOUND"
)

// PolicyDefinition is CreatePolicy's definition: a union of static and
// templateLinked.
type PolicyDefinition struct {
	Static         *StaticPolicyDefinition         `json:"static,omitempty"`
	TemplateLinked *TemplateLinkedPolicyDefinition `json:"templateLinked,omitempty"`

	union unionState
}

// UnmarshalJSON records every member sent; see Configuration.UnmarshalJSON.
func (d *PolicyDefinition) UnmarshalJSON(b []byte) error {
	*d = PolicyDefinition{}
	st, err := decodeUnion(b, map[string]any{"static": &d.Static, "templateLinked": &d.TemplateLinked})
	d.union = st
	return err
}

// UpdatePolicyDefinition is UpdatePolicy's definition: a union whose only
// member is static.
type UpdatePolicyDefinition struct {
	Static *StaticPolicyDefinition `json:"static,omitempty"`

	union unionState
}

// UnmarshalJSON records every member sent.
func (d *UpdatePolicyDefinition) UnmarshalJSON(b []byte) error {
	*d = UpdatePolicyDefinition{}
	st, err := decodeUnion(b, map[string]any{"static": &d.Static})
	d.union = st
	return err
}

// EntityReference is a ListPolicies filter's principal or resource: a
// union of unspecified (true: the policy names none) and identifier.
type EntityReference struct {
	Unspecified *bool             `json:"unspecified,omitempty"`
	Identifier  *EntityIdentifier `json:"identifier,omitempty"`

	union unionState
}

// UnmarshalJSON records every member sent.
func (r *EntityReference) UnmarshalJSON(b []byte) error {
	*r = EntityReference{}
	st, err := decodeUnion(b, map[string]any{"unspecified": &r.Unspecified, "identifier": &r.Identifier})
	r.union = st
	return err
}

// matches reports whether the entity a policy names (nil: none) passes r.
func (r *EntityReference) matches(e *EntityIdentifier) bool {
	switch {
	case r == nil:
		return true
	case r.Identifier != nil:
		return e != nil && *e == *r.Identifier
	case r.Unspecified != nil:
		return (e == nil) == *r.Unspecified
	}
	return true
}

// CreatePolicy creates a static or template-linked policy. Errors:
// ValidationException (bad input, a statement that does not parse or
// validate), ResourceNotFoundException (store, template),
// ConflictException (name taken, clientToken reused with other
// parameters), ServiceQuotaExceededException (policy size).
func (s *Service) CreatePolicy(ctx context.Context, account string, in *CreatePolicyInput) (*CreatePolicyOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	now := NewTimestamp(s.now())
	p := Policy{PolicyStoreID: psID, PolicyID: s.newID(), CreatedDate: now, LastUpdatedDate: now}
	if in.Name != nil {
		p.Name = *in.Name
	}
	if st := in.Definition.Static; st != nil {
		p.PolicyType, p.Statement, p.Description = PolicyTypeStatic, st.Statement, st.Description
		info, err := s.checkStatement(ctx, account, psID, "definition.static.statement", st.Statement, false)
		if err != nil {
			return nil, err
		}
		p.Effect, p.Principal, p.Resource, p.Actions = info.Effect, info.Principal, info.Resource, info.Actions
	} else {
		tl := in.Definition.TemplateLinked
		p.PolicyType, p.LinkPrincipal, p.LinkResource = PolicyTypeTemplateLinked, tl.Principal, tl.Resource
		t, err := s.getTemplate(ctx, account, psID, tl.PolicyTemplateID)
		if err != nil {
			return nil, err
		}
		if _, err := s.cedar.Link(t.Statement, tl.Principal, tl.Resource); err != nil {
			return nil, Validation(Field{Path: "definition.templateLinked", Message: "The policy template " + t.PolicyTemplateID + " cannot be linked: " + err.Error()})
		}
		p.PolicyTemplateID = t.PolicyTemplateID
		p.Resolve(t)
	}
	out := policyOutput(p)
	params := struct {
		PolicyStoreID string            `json:"policyStoreId"`
		Definition    *PolicyDefinition `json:"definition"`
		Name          *string           `json:"name"`
	}{psID, in.Definition, in.Name}
	err = idempotent(s, account, OpCreatePolicy, in.ClientToken, params, out,
		func(o *CreatePolicyOutput) []ResourceRef {
			return []ResourceRef{{ResourceID: o.PolicyID, ResourceType: ResourcePolicy}}
		},
		func(rec *IdempotencyRecord) error { return s.policies.CreatePolicy(ctx, account, p, rec) })
	if errors.Is(err, ErrNameTaken) {
		return nil, nameConflict(ResourcePolicy, p.Name, psID)
	}
	if errors.Is(err, ErrQuotaExceeded) {
		return nil, resourceQuota(p)
	}
	if err != nil {
		return nil, s.storeError(err, "creating the policy", ResourcePolicy, p.PolicyID)
	}
	return out, nil
}

// resourceQuota is the answer when p would take its resource's policies
// past MaxPolicyBytesPerResource.
func resourceQuota(p Policy) *Error {
	res, n := PolicyWeight(p)
	return &Error{Code: CodeServiceQuotaExceeded, ResourceType: ResourcePolicy, ResourceID: p.PolicyID, ServiceCode: "verifiedpermissions", Message: fmt.Sprintf(
		"The policies of resource %s would take more than %d bytes with this policy's %d; delete or shorten some of them first", res, MaxPolicyBytesPerResource, n)}
}

func nameConflict(resourceType, name, psID string) *Error {
	return Conflict(fmt.Sprintf("The name %s is already used by another %s in policy store %s; choose another name", name, strings.ToLower(resourceNoun(resourceType)), psID),
		ResourceRef{ResourceID: name, ResourceType: resourceType})
}

// checkStatement parses a statement (a template when template is true),
// checks its size, and validates it against the schema when the store is
// STRICT. path is the request member holding it.
func (s *Service) checkStatement(ctx context.Context, account, psID, path, statement string, template bool) (CedarPolicy, error) {
	resourceType := ResourcePolicy
	if template {
		resourceType = ResourcePolicyTemplate
	}
	if len(statement) > MaxPolicySize {
		return CedarPolicy{}, &Error{Code: CodeServiceQuotaExceeded, ResourceType: resourceType, ServiceCode: "verifiedpermissions", Message: fmt.Sprintf(
			"The statement is %d bytes; a policy or policy template may have at most %d bytes", len(statement), MaxPolicySize)}
	}
	parse := s.cedar.ParsePolicy
	if template {
		parse = s.cedar.ParseTemplate
	}
	info, err := parse(statement)
	if err != nil {
		return CedarPolicy{}, Validation(Field{Path: path, Message: "The statement is not a valid Cedar " + kindWord(template) + ": " + err.Error()})
	}
	ps, err := s.policyStores.GetPolicyStore(ctx, account, psID)
	if err != nil {
		return CedarPolicy{}, s.storeError(err, "reading the policy store", ResourcePolicyStore, psID)
	}
	if ps.ValidationMode != ValidationModeStrict {
		return info, nil
	}
	sc, err := s.policies.GetSchema(ctx, account, psID)
	if errors.Is(err, ErrNotFound) {
		return CedarPolicy{}, Validation(Field{Path: path, Message: fmt.Sprintf(
			"Policy store %s validates policies in STRICT mode but has no schema: put a schema with PutSchema, or set the validation mode to OFF", psID)})
	}
	if err != nil {
		return CedarPolicy{}, s.storeError(err, "reading the schema", ResourcePolicyStore, psID)
	}
	schema, err := s.cedar.ParseSchema(sc.Schema)
	if err != nil {
		return CedarPolicy{}, fmt.Errorf("parse the stored schema of %s: %w", psID, err)
	}
	validate := schema.ValidatePolicy
	if template {
		validate = schema.ValidateTemplate
	}
	if vs := validate(statement); len(vs) > 0 {
		fields := make([]Field, len(vs))
		for i, v := range vs {
			fields[i] = Field{Path: path, Message: v.Reason + ": " + v.Message}
		}
		return CedarPolicy{}, Validation(fields...)
	}
	return info, nil
}

func kindWord(template bool) string {
	if template {
		return "policy template"
	}
	return "policy"
}

func policyOutput(p Policy) *CreatePolicyOutput {
	return &CreatePolicyOutput{
		PolicyStoreID: p.PolicyStoreID, PolicyID: p.PolicyID, PolicyType: p.PolicyType,
		Principal: p.Principal, Resource: p.Resource, Actions: p.Actions,
		CreatedDate: p.CreatedDate, LastUpdatedDate: p.LastUpdatedDate, Effect: p.Effect,
	}
}

func (p Policy) detail() PolicyDefinitionDetail {
	if p.PolicyType == PolicyTypeStatic {
		return PolicyDefinitionDetail{Static: &StaticPolicyDefinition{Statement: p.Statement, Description: p.Description}}
	}
	return PolicyDefinitionDetail{TemplateLinked: &TemplateLinkedPolicyDefinition{PolicyTemplateID: p.PolicyTemplateID, Principal: p.LinkPrincipal, Resource: p.LinkResource}}
}

func optName(n string) *string {
	if n == "" {
		return nil
	}
	return &n
}

// getPolicy reads a policy by id or name, linked ones resolved.
func (s *Service) getPolicy(ctx context.Context, account, psID, ref string) (Policy, error) {
	p, err := s.policies.GetPolicy(ctx, account, psID, ref)
	if err != nil {
		return p, s.storeError(err, "reading the policy", ResourcePolicy, ref)
	}
	if p.PolicyType == PolicyTypeTemplateLinked {
		t, err := s.policies.GetPolicyTemplate(ctx, account, psID, p.PolicyTemplateID)
		if err != nil {
			// The template is being deleted with its linked policies.
			return p, s.storeError(err, "reading the policy", ResourcePolicy, ref)
		}
		p.Resolve(t)
	}
	return p, nil
}

// GetPolicy returns a policy, by id or by name. Errors: ValidationException,
// ResourceNotFoundException.
func (s *Service) GetPolicy(ctx context.Context, account string, in *GetPolicyInput) (*GetPolicyOutput, error) {
	if err := in.validate(""); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	p, err := s.getPolicy(ctx, account, psID, in.PolicyID)
	if err != nil {
		return nil, s.missingStore(ctx, account, psID, err)
	}
	return &GetPolicyOutput{
		PolicyStoreID: p.PolicyStoreID, PolicyID: p.PolicyID, PolicyType: p.PolicyType,
		Principal: p.Principal, Resource: p.Resource, Actions: p.Actions, Definition: p.detail(),
		CreatedDate: p.CreatedDate, LastUpdatedDate: p.LastUpdatedDate, Effect: p.Effect, Name: optName(p.Name),
	}, nil
}

// missingStore turns a policy's or template's ResourceNotFoundException
// into the store's when the store itself is missing.
func (s *Service) missingStore(ctx context.Context, account, psID string, err error) error {
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeResourceNotFound || e.ResourceType == ResourcePolicyStore {
		return err
	}
	if _, gerr := s.policyStores.GetPolicyStore(ctx, account, psID); errors.Is(gerr, ErrNotFound) {
		return NotFound(ResourcePolicyStore, psID)
	}
	return err
}

// ListPolicies lists a store's policies by id, filtered. Errors:
// ValidationException, ResourceNotFoundException (store).
func (s *Service) ListPolicies(ctx context.Context, account string, in *ListPoliciesInput) (*ListPoliciesOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	scope := pageScope(OpListPolicies, account, in.PolicyStoreID, policyFilterScope(in.Filter))
	cursor, err := s.decodePage(ctx, scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	ts, err := s.policies.ListPolicyTemplates(ctx, account, psID)
	if err != nil {
		return nil, s.storeError(err, "listing policies", ResourcePolicyStore, psID)
	}
	templates := make(map[string]PolicyTemplate, len(ts))
	for _, t := range ts {
		templates[t.PolicyTemplateID] = t
	}
	f := in.Filter
	keep := func(p Policy) bool {
		if f == nil {
			return true
		}
		return f.Principal.matches(p.Principal) && f.Resource.matches(p.Resource) &&
			(f.PolicyType == nil || *f.PolicyType == p.PolicyType) &&
			(f.PolicyTemplateID == nil || *f.PolicyTemplateID == p.PolicyTemplateID)
	}
	ps, next, err := s.policies.ListPolicies(ctx, account, psID, templates, pageLimit(in.MaxResults, DefaultPageSize), cursor, keep)
	if err != nil {
		return nil, s.storeError(err, "listing policies", ResourcePolicyStore, psID)
	}
	out := &ListPoliciesOutput{Policies: make([]PolicyItem, 0, len(ps))}
	for _, p := range ps {
		it := PolicyItem{
			PolicyStoreID: p.PolicyStoreID, PolicyID: p.PolicyID, PolicyType: p.PolicyType,
			Principal: p.Principal, Resource: p.Resource, Actions: p.Actions,
			CreatedDate: p.CreatedDate, LastUpdatedDate: p.LastUpdatedDate, Effect: p.Effect, Name: optName(p.Name),
		}
		if p.PolicyType == PolicyTypeStatic {
			it.Definition.Static = &StaticPolicyDefinitionItem{Description: p.Description}
		} else {
			it.Definition.TemplateLinked = p.detail().TemplateLinked
		}
		out.Policies = append(out.Policies, it)
	}
	if out.NextToken, err = s.encodePage(ctx, scope, next); err != nil {
		return nil, err
	}
	return out, nil
}

func policyFilterScope(f *PolicyFilter) string {
	if f == nil {
		return ""
	}
	ref := func(r *EntityReference) string {
		switch {
		case r == nil:
			return "-"
		case r.Identifier != nil:
			return fmt.Sprintf("%q/%q", r.Identifier.EntityType, r.Identifier.EntityID)
		case r.Unspecified != nil:
			return fmt.Sprint(*r.Unspecified)
		}
		return "?"
	}
	opt := func(s *string) string {
		if s == nil {
			return "-"
		}
		return fmt.Sprintf("%q", *s)
	}
	return pageScope(ref(f.Principal), ref(f.Resource), opt(f.PolicyType), opt(f.PolicyTemplateID))
}

// UpdatePolicy changes a static policy's statement (only its action scope
// and conditions may change), description and name. Errors:
// ValidationException (a change AVP refuses, a template-linked policy, a
// statement that does not parse or validate), ResourceNotFoundException,
// ConflictException (name taken), ServiceQuotaExceededException.
func (s *Service) UpdatePolicy(ctx context.Context, account string, in *UpdatePolicyInput) (*CreatePolicyOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	p, err := s.getPolicy(ctx, account, psID, in.PolicyID)
	if err != nil {
		return nil, s.missingStore(ctx, account, psID, err)
	}
	old := p
	if in.Definition != nil {
		if p.PolicyType == PolicyTypeTemplateLinked {
			return nil, Validation(Field{Path: "definition", Message: fmt.Sprintf(
				"Policy %s is linked to policy template %s: a template-linked policy cannot be updated; update the template, or delete the policy and create another", p.PolicyID, p.PolicyTemplateID)})
		}
		st := in.Definition.Static
		if err := s.cedar.SameScope(p.Statement, st.Statement, false); err != nil {
			if _, perr := s.cedar.ParsePolicy(st.Statement); perr == nil {
				return nil, Validation(Field{Path: "definition.static.statement", Message: "An update may change only the policy's action scope and conditions: " + err.Error()})
			}
		}
		info, err := s.checkStatement(ctx, account, psID, "definition.static.statement", st.Statement, false)
		if err != nil {
			return nil, err
		}
		p.Statement = st.Statement
		if st.Description != nil { // omitted: kept
			p.Description = st.Description
		}
		p.Effect, p.Principal, p.Resource, p.Actions = info.Effect, info.Principal, info.Resource, info.Actions
	}
	if in.Name != nil {
		p.Name = *in.Name
	}
	p.LastUpdatedDate = NewTimestamp(s.now())
	err = s.policies.UpdatePolicy(ctx, account, p, old)
	if errors.Is(err, ErrNameTaken) {
		return nil, nameConflict(ResourcePolicy, p.Name, psID)
	}
	if errors.Is(err, ErrQuotaExceeded) {
		return nil, resourceQuota(p)
	}
	if err != nil {
		return nil, s.storeError(err, "updating the policy", ResourcePolicy, p.PolicyID)
	}
	return policyOutput(p), nil
}

// DeletePolicy deletes a policy; deleting one that does not exist succeeds.
// Errors: ValidationException, ResourceNotFoundException (store).
func (s *Service) DeletePolicy(ctx context.Context, account string, in *GetPolicyInput) (*Empty, error) {
	if err := in.validate(""); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	if _, err := s.policyStores.GetPolicyStore(ctx, account, psID); err != nil {
		return nil, s.storeError(err, "reading the policy store", ResourcePolicyStore, psID)
	}
	p, err := s.policies.GetPolicy(ctx, account, psID, in.PolicyID)
	switch {
	case errors.Is(err, ErrNotFound):
		return &Empty{}, nil
	case err != nil:
		return nil, s.storeError(err, "reading the policy", ResourcePolicy, in.PolicyID)
	}
	if err := s.policies.DeletePolicy(ctx, account, psID, p.PolicyID); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, s.storeError(err, "deleting the policy", ResourcePolicy, p.PolicyID)
	}
	return &Empty{}, nil
}

// BatchGetPolicy reads up to 100 policies of any of the account's stores;
// what it cannot read is reported per item. Errors: ValidationException.
func (s *Service) BatchGetPolicy(ctx context.Context, account string, in *BatchGetPolicyInput) (*BatchGetPolicyOutput, error) {
	var v validator
	if v.listLen("requests", len(in.Requests), 1, MaxBatchGetPolicy) {
		for i, r := range in.Requests {
			p := indexPath("requests", i)
			v.reqStr(p+".policyStoreId", r.PolicyStoreID, rulePolicyStoreID)
			v.reqStr(p+".policyId", r.PolicyID, rulePolicyID)
		}
	}
	if in.Requests == nil {
		v = validator{}
		v.missing("requests")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	out := &BatchGetPolicyOutput{Results: []BatchGetPolicyOutputItem{}, Errors: []BatchGetPolicyErrorItem{}}
	stores := map[string]error{} // resolved store id -> nil when it exists
	for _, r := range in.Requests {
		fail := func(code, msg string) {
			out.Errors = append(out.Errors, BatchGetPolicyErrorItem{Code: code, PolicyStoreID: r.PolicyStoreID, PolicyID: r.PolicyID, Message: msg})
		}
		psID, err := s.resolveStore(ctx, account, r.PolicyStoreID)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == CodeResourceNotFound {
				fail(BatchPolicyStoreAliasNotFound, e.Message)
				continue
			}
			return nil, err
		}
		serr, seen := stores[psID]
		if !seen {
			_, serr = s.policyStores.GetPolicyStore(ctx, account, psID)
			if serr != nil && !errors.Is(serr, ErrNotFound) {
				return nil, s.storeError(serr, "reading the policy store", ResourcePolicyStore, psID)
			}
			stores[psID] = serr
		}
		if serr != nil {
			fail(BatchPolicyStoreNotFound, NotFound(ResourcePolicyStore, psID).Message)
			continue
		}
		p, err := s.getPolicy(ctx, account, psID, r.PolicyID)
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.Code == CodeResourceNotFound {
				fail(BatchPolicyNotFound, NotFound(ResourcePolicy, r.PolicyID).Message)
				continue
			}
			return nil, err
		}
		out.Results = append(out.Results, BatchGetPolicyOutputItem{
			PolicyStoreID: p.PolicyStoreID, PolicyID: p.PolicyID, PolicyType: p.PolicyType, Definition: p.detail(),
			CreatedDate: p.CreatedDate, LastUpdatedDate: p.LastUpdatedDate, Name: optName(p.Name),
		})
	}
	return out, nil
}
