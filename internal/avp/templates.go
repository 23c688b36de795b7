package avp

import (
	"context"
	"errors"
	"fmt"
)

// PolicyTemplate is a stored policy template, with what its statement says
// of its scope (Effect, Principal, Resource, Actions), which its linked
// policies show.
type PolicyTemplate struct {
	PolicyStoreID    string
	PolicyTemplateID string
	Name             string
	Statement        string
	Description      *string
	Effect           string
	Principal        *EntityIdentifier
	Resource         *EntityIdentifier
	Actions          []ActionIdentifier
	CreatedDate      Timestamp
	LastUpdatedDate  Timestamp
}

// Wire types of the policy template operations.
type (
	// CreatePolicyTemplateInput is the request of CreatePolicyTemplate.
	CreatePolicyTemplateInput struct {
		ClientToken   *string `json:"clientToken,omitempty"`
		PolicyStoreID string  `json:"policyStoreId"`
		Description   *string `json:"description,omitempty"`
		Statement     string  `json:"statement"`
		Name          *string `json:"name,omitempty"`
	}
	// PolicyTemplateOutput is the response of CreatePolicyTemplate and
	// UpdatePolicyTemplate.
	PolicyTemplateOutput struct {
		PolicyStoreID    string    `json:"policyStoreId"`
		PolicyTemplateID string    `json:"policyTemplateId"`
		CreatedDate      Timestamp `json:"createdDate"`
		LastUpdatedDate  Timestamp `json:"lastUpdatedDate"`
	}
	// PolicyTemplateInput is the request of GetPolicyTemplate and
	// DeletePolicyTemplate.
	PolicyTemplateInput struct {
		PolicyStoreID    string `json:"policyStoreId"`
		PolicyTemplateID string `json:"policyTemplateId"`
	}
	// GetPolicyTemplateOutput is the response of GetPolicyTemplate.
	GetPolicyTemplateOutput struct {
		PolicyStoreID    string    `json:"policyStoreId"`
		PolicyTemplateID string    `json:"policyTemplateId"`
		Description      *string   `json:"description,omitempty"`
		Statement        string    `json:"statement"`
		CreatedDate      Timestamp `json:"createdDate"`
		LastUpdatedDate  Timestamp `json:"lastUpdatedDate"`
		Name             *string   `json:"name,omitempty"`
	}
	// ListPolicyTemplatesInput is the request of ListPolicyTemplates.
	ListPolicyTemplatesInput struct {
		PolicyStoreID string  `json:"policyStoreId"`
		NextToken     *string `json:"nextToken,omitempty"`
		MaxResults    *int    `json:"maxResults,omitempty"`
	}
	// ListPolicyTemplatesOutput is the response of ListPolicyTemplates.
	ListPolicyTemplatesOutput struct {
		NextToken       *string              `json:"nextToken,omitempty"`
		PolicyTemplates []PolicyTemplateItem `json:"policyTemplates"`
	}
	// PolicyTemplateItem is one template in a list.
	PolicyTemplateItem struct {
		PolicyStoreID    string    `json:"policyStoreId"`
		PolicyTemplateID string    `json:"policyTemplateId"`
		Description      *string   `json:"description,omitempty"`
		CreatedDate      Timestamp `json:"createdDate"`
		LastUpdatedDate  Timestamp `json:"lastUpdatedDate"`
		Name             *string   `json:"name,omitempty"`
	}
	// UpdatePolicyTemplateInput is the request of UpdatePolicyTemplate.
	UpdatePolicyTemplateInput struct {
		PolicyStoreID    string  `json:"policyStoreId"`
		PolicyTemplateID string  `json:"policyTemplateId"`
		Description      *string `json:"description,omitempty"`
		Statement        string  `json:"statement"`
		Name             *string `json:"name,omitempty"`
	}
)

func (in *CreatePolicyTemplateInput) validate() *Error {
	var v validator
	v.str("clientToken", in.ClientToken, ruleClientToken)
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.str("description", in.Description, ruleDescription)
	v.reqStr("statement", in.Statement, ruleStatement)
	v.name("name", in.Name)
	return v.err()
}

func (in *PolicyTemplateInput) validate() *Error {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.reqStr("policyTemplateId", in.PolicyTemplateID, rulePolicyID)
	return v.err()
}

func (in *UpdatePolicyTemplateInput) validate() *Error {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.reqStr("policyTemplateId", in.PolicyTemplateID, rulePolicyID)
	v.str("description", in.Description, ruleDescription)
	v.reqStr("statement", in.Statement, ruleStatement)
	v.name("name", in.Name)
	return v.err()
}

// CreatePolicyTemplate creates a policy template. Errors:
// ValidationException, ResourceNotFoundException (store),
// ConflictException (name taken, clientToken reused),
// ServiceQuotaExceededException (statement size, MaxTemplatesPerStore).
func (s *Service) CreatePolicyTemplate(ctx context.Context, account string, in *CreatePolicyTemplateInput) (*PolicyTemplateOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	info, err := s.checkStatement(ctx, account, psID, "statement", in.Statement, true)
	if err != nil {
		return nil, err
	}
	now := NewTimestamp(s.now())
	t := PolicyTemplate{
		PolicyStoreID: psID, PolicyTemplateID: s.newID(), Statement: in.Statement, Description: in.Description,
		Effect: info.Effect, Principal: info.Principal, Resource: info.Resource, Actions: info.Actions,
		CreatedDate: now, LastUpdatedDate: now,
	}
	if in.Name != nil {
		t.Name = *in.Name
	}
	out := &PolicyTemplateOutput{PolicyStoreID: psID, PolicyTemplateID: t.PolicyTemplateID, CreatedDate: now, LastUpdatedDate: now}
	params := *in
	params.ClientToken, params.PolicyStoreID = nil, psID
	err = idempotent(s, account, OpCreatePolicyTemplate, in.ClientToken, params, out,
		func(o *PolicyTemplateOutput) []ResourceRef {
			return []ResourceRef{{ResourceID: o.PolicyTemplateID, ResourceType: ResourcePolicyTemplate}}
		},
		func(rec *IdempotencyRecord) error {
			return s.policies.CreatePolicyTemplate(ctx, account, t, MaxTemplatesPerStore, rec)
		})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrNameTaken):
		return nil, nameConflict(ResourcePolicyTemplate, t.Name, psID)
	case errors.Is(err, ErrQuotaExceeded):
		return nil, &Error{Code: CodeServiceQuotaExceeded, ResourceType: ResourcePolicyTemplate, ServiceCode: "verifiedpermissions", Message: fmt.Sprintf(
			"Policy store %s already has %d policy templates, the most it can have; delete one first", psID, MaxTemplatesPerStore)}
	}
	return nil, s.storeError(err, "creating the policy template", ResourcePolicyTemplate, t.PolicyTemplateID)
}

// getTemplate reads a template by id or name.
func (s *Service) getTemplate(ctx context.Context, account, psID, ref string) (PolicyTemplate, error) {
	t, err := s.policies.GetPolicyTemplate(ctx, account, psID, ref)
	if err != nil {
		return t, s.missingStore(ctx, account, psID, s.storeError(err, "reading the policy template", ResourcePolicyTemplate, ref))
	}
	return t, nil
}

// GetPolicyTemplate returns a template, by id or by name. Errors:
// ValidationException, ResourceNotFoundException.
func (s *Service) GetPolicyTemplate(ctx context.Context, account string, in *PolicyTemplateInput) (*GetPolicyTemplateOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	t, err := s.getTemplate(ctx, account, psID, in.PolicyTemplateID)
	if err != nil {
		return nil, err
	}
	return &GetPolicyTemplateOutput{
		PolicyStoreID: t.PolicyStoreID, PolicyTemplateID: t.PolicyTemplateID, Description: t.Description, Statement: t.Statement,
		CreatedDate: t.CreatedDate, LastUpdatedDate: t.LastUpdatedDate, Name: optName(t.Name),
	}, nil
}

// ListPolicyTemplates lists a store's templates by id. Errors:
// ValidationException, ResourceNotFoundException (store).
func (s *Service) ListPolicyTemplates(ctx context.Context, account string, in *ListPolicyTemplatesInput) (*ListPolicyTemplatesOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	v.pageSize(in.MaxResults)
	v.str("nextToken", in.NextToken, ruleNextToken)
	if err := v.err(); err != nil {
		return nil, err
	}
	scope := pageScope(OpListPolicyTemplates, account, in.PolicyStoreID)
	cursor, err := s.decodePage(ctx, scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	all, err := s.policies.ListPolicyTemplates(ctx, account, psID)
	if err != nil {
		return nil, s.storeError(err, "listing policy templates", ResourcePolicyStore, psID)
	}
	// Templates are few (MaxTemplatesPerStore): the page is cut here, the
	// cursor is the id of the last one returned.
	after, limit := string(cursor), pageLimit(in.MaxResults, DefaultPageSize)
	out := &ListPolicyTemplatesOutput{PolicyTemplates: []PolicyTemplateItem{}}
	var next []byte
	for _, t := range all {
		if t.PolicyTemplateID <= after {
			continue
		}
		if len(out.PolicyTemplates) == limit {
			next = []byte(out.PolicyTemplates[limit-1].PolicyTemplateID)
			break
		}
		out.PolicyTemplates = append(out.PolicyTemplates, PolicyTemplateItem{
			PolicyStoreID: t.PolicyStoreID, PolicyTemplateID: t.PolicyTemplateID, Description: t.Description,
			CreatedDate: t.CreatedDate, LastUpdatedDate: t.LastUpdatedDate, Name: optName(t.Name),
		})
	}
	if out.NextToken, err = s.encodePage(ctx, scope, next); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdatePolicyTemplate changes a template's statement (only its action
// scope and conditions may change), description and name; its linked
// policies follow at once. Errors: ValidationException,
// ResourceNotFoundException, ConflictException (name taken).
func (s *Service) UpdatePolicyTemplate(ctx context.Context, account string, in *UpdatePolicyTemplateInput) (*PolicyTemplateOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	t, err := s.getTemplate(ctx, account, psID, in.PolicyTemplateID)
	if err != nil {
		return nil, err
	}
	if err := s.cedar.SameScope(t.Statement, in.Statement, true); err != nil {
		if _, perr := s.cedar.ParseTemplate(in.Statement); perr == nil {
			return nil, Validation(Field{Path: "statement", Message: "An update may change only the template's action scope and conditions: " + err.Error()})
		}
	}
	info, err := s.checkStatement(ctx, account, psID, "statement", in.Statement, true)
	if err != nil {
		return nil, err
	}
	oldName := t.Name
	t.Statement = in.Statement
	if in.Description != nil { // omitted: kept
		t.Description = in.Description
	}
	t.Effect, t.Principal, t.Resource, t.Actions = info.Effect, info.Principal, info.Resource, info.Actions
	if in.Name != nil {
		t.Name = *in.Name
	}
	t.LastUpdatedDate = NewTimestamp(s.now())
	err = s.policies.UpdatePolicyTemplate(ctx, account, t, oldName)
	if errors.Is(err, ErrNameTaken) {
		return nil, nameConflict(ResourcePolicyTemplate, t.Name, psID)
	}
	if err != nil {
		return nil, s.storeError(err, "updating the policy template", ResourcePolicyTemplate, t.PolicyTemplateID)
	}
	return &PolicyTemplateOutput{PolicyStoreID: psID, PolicyTemplateID: t.PolicyTemplateID, CreatedDate: t.CreatedDate, LastUpdatedDate: t.LastUpdatedDate}, nil
}

// DeletePolicyTemplate deletes a template and every policy linked to it;
// deleting one that does not exist succeeds. Errors: ValidationException,
// ResourceNotFoundException (store).
func (s *Service) DeletePolicyTemplate(ctx context.Context, account string, in *PolicyTemplateInput) (*Empty, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	if _, err := s.policyStores.GetPolicyStore(ctx, account, psID); err != nil {
		return nil, s.storeError(err, "reading the policy store", ResourcePolicyStore, psID)
	}
	id := in.PolicyTemplateID
	if t, err := s.policies.GetPolicyTemplate(ctx, account, psID, id); err == nil {
		id = t.PolicyTemplateID
	} else if !errors.Is(err, ErrNotFound) {
		return nil, s.storeError(err, "reading the policy template", ResourcePolicyTemplate, id)
	}
	if err := s.policies.DeletePolicyTemplate(ctx, account, psID, id); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, s.storeError(err, "deleting the policy template", ResourcePolicyTemplate, id)
	}
	return &Empty{}, nil
}
