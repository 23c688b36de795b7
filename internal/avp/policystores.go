package avp

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Operation names of the policy-store and alias API beyond create and get.
const (
	OpListPolicyStores       = "ListPolicyStores"
	OpUpdatePolicyStore      = "UpdatePolicyStore"
	OpDeletePolicyStore      = "DeletePolicyStore"
	OpCreatePolicyStoreAlias = "CreatePolicyStoreAlias"
	OpGetPolicyStoreAlias    = "GetPolicyStoreAlias"
	OpListPolicyStoreAliases = "ListPolicyStoreAliases"
	OpDeletePolicyStoreAlias = "DeletePolicyStoreAlias"
)

var (
	rePolicyStoreIDOnly = regexp.MustCompile(`^[a-zA-Z0-9-]*$`)
	ruleStoreIDOnly     = strRule{min: 1, max: 200, pattern: rePolicyStoreIDOnly}
	ruleAliasName       = strRule{min: 1, max: 150, pattern: rePolicyStoreID}
)

// storeIDOnly checks a policyStoreId member that must be an id, not an alias.
func (v *validator) storeIDOnly(path, id string) {
	if strings.HasPrefix(id, AliasPrefix) {
		v.violation(path, id, false, "Member must be a policy store id, not an alias; this operation does not accept aliases")
		return
	}
	v.reqStr(path, id, ruleStoreIDOnly)
}

func (v *validator) aliasName(path, name string) {
	v.reqStr(path, name, ruleAliasName)
	if name != "" && (!strings.HasPrefix(name, AliasPrefix) || len(name) == len(AliasPrefix)) {
		v.violation(path, name, false, "Member must start with %s followed by the alias's name", AliasPrefix)
	}
}

// ListPolicyStores lists the account's policy stores, oldest first.
// Errors: ValidationException.
func (s *Service) ListPolicyStores(ctx context.Context, account string, in *ListPolicyStoresInput) (*ListPolicyStoresOutput, error) {
	var v validator
	v.pageSize(in.MaxResults)
	v.str("nextToken", in.NextToken, ruleNextToken)
	if err := v.err(); err != nil {
		return nil, err
	}
	scope := pageScope(OpListPolicyStores, account)
	cursor, err := s.decodePage(ctx, scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	stores, next, err := s.store.ListPolicyStores(ctx, account, pageLimit(in.MaxResults, DefaultPageSize), cursor)
	if err != nil {
		return nil, s.storeError(err, "listing policy stores", "", "")
	}
	out := &ListPolicyStoresOutput{PolicyStores: make([]PolicyStoreItem, 0, len(stores))}
	for _, ps := range stores {
		out.PolicyStores = append(out.PolicyStores, PolicyStoreItem{
			ARN: ps.ARN, CreatedDate: ps.CreatedDate, Description: ps.Description,
			LastUpdatedDate: ps.LastUpdatedDate, PolicyStoreID: ps.PolicyStoreID,
		})
	}
	if out.NextToken, err = s.encodePage(ctx, scope, next); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdatePolicyStore changes a store's validation settings and, when sent,
// its deletion protection and description (an empty description clears
// it). Errors: ValidationException, ResourceNotFoundException.
func (s *Service) UpdatePolicyStore(ctx context.Context, account string, in *UpdatePolicyStoreInput) (*UpdatePolicyStoreOutput, error) {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	if in.ValidationSettings == nil {
		v.missing("validationSettings")
	} else {
		v.enum("validationSettings.mode", nilIfEmpty(in.ValidationSettings.Mode), true, enumModes)
	}
	v.enum("deletionProtection", in.DeletionProtection, false, enumProt)
	v.str("description", in.Description, ruleDesc)
	if err := v.err(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.UpdatePolicyStore(ctx, account, psID, PolicyStoreUpdate{
		ValidationMode:     in.ValidationSettings.Mode,
		DeletionProtection: in.DeletionProtection,
		Description:        in.Description,
		LastUpdatedDate:    NewTimestamp(s.now()),
	})
	if err != nil {
		return nil, s.storeError(err, "updating the policy store", ResourcePolicyStore, psID)
	}
	return &UpdatePolicyStoreOutput{ARN: ps.ARN, CreatedDate: ps.CreatedDate, LastUpdatedDate: ps.LastUpdatedDate, PolicyStoreID: ps.PolicyStoreID}, nil
}

// DeletePolicyStore deletes a store, its identity source and its aliases.
// Deleting a store that does not exist succeeds, as in AVP. Errors:
// ValidationException (an alias instead of an id), InvalidStateException
// (deletion protection is on), ConflictException (a concurrent change).
func (s *Service) DeletePolicyStore(ctx context.Context, account string, in *DeletePolicyStoreInput) (*Empty, error) {
	var v validator
	v.storeIDOnly("policyStoreId", in.PolicyStoreID)
	if err := v.err(); err != nil {
		return nil, err
	}
	err := s.store.DeletePolicyStore(ctx, account, in.PolicyStoreID)
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return &Empty{}, nil
	case errors.Is(err, ErrDeletionProtected):
		return nil, &Error{Code: CodeInvalidState, Message: fmt.Sprintf(
			"Policy store %s has deletion protection enabled; disable it with UpdatePolicyStore before deleting the store", in.PolicyStoreID)}
	}
	return nil, s.storeError(err, "deleting the policy store", ResourcePolicyStore, in.PolicyStoreID)
}

// MaxAliasesPerStore is how many aliases one policy store may have.
const MaxAliasesPerStore = 20

// CreatePolicyStoreAlias names a policy store with an alias, unique in the
// account. Errors: ValidationException, ResourceNotFoundException (store),
// ConflictException (the name is taken), ServiceQuotaExceededException (the
// store has MaxAliasesPerStore aliases).
func (s *Service) CreatePolicyStoreAlias(ctx context.Context, account string, in *CreatePolicyStoreAliasInput) (*PolicyStoreAliasOutput, error) {
	var v validator
	v.aliasName("aliasName", in.AliasName)
	v.storeIDOnly("policyStoreId", in.PolicyStoreID)
	if err := v.err(); err != nil {
		return nil, err
	}
	a := PolicyStoreAlias{
		AliasName:     in.AliasName,
		PolicyStoreID: in.PolicyStoreID,
		ARN:           fmt.Sprintf("arn:%s:verifiedpermissions::%s:%s", s.partition, account, in.AliasName),
		CreatedAt:     NewTimestamp(s.now()),
	}
	err := s.store.CreateAlias(ctx, account, a)
	switch {
	case err == nil:
		return aliasOutput(a, ""), nil
	case errors.Is(err, ErrQuotaExceeded):
		return nil, &Error{Code: CodeServiceQuotaExceeded, ResourceType: ResourcePolicyStoreAlias, ServiceCode: "verifiedpermissions", Message: fmt.Sprintf(
			"Policy store %s already has %d aliases, the most it can have; delete one first", in.PolicyStoreID, MaxAliasesPerStore)}
	case errors.Is(err, ErrAliasExists):
		return nil, Conflict(fmt.Sprintf("The alias %s already exists in this account; delete it first or choose another name", in.AliasName),
			ResourceRef{ResourceID: in.AliasName, ResourceType: ResourcePolicyStoreAlias})
	}
	return nil, s.storeError(err, "creating the policy store alias", ResourcePolicyStore, in.PolicyStoreID)
}

// GetPolicyStoreAlias returns an alias. Errors: ValidationException,
// ResourceNotFoundException.
func (s *Service) GetPolicyStoreAlias(ctx context.Context, account string, in *AliasNameInput) (*PolicyStoreAliasOutput, error) {
	var v validator
	v.aliasName("aliasName", in.AliasName)
	if err := v.err(); err != nil {
		return nil, err
	}
	a, err := s.store.GetAlias(ctx, account, in.AliasName)
	if err != nil {
		return nil, s.storeError(err, "reading the policy store alias", ResourcePolicyStoreAlias, in.AliasName)
	}
	return aliasOutput(a, AliasStateActive), nil
}

// ListPolicyStoreAliases lists the account's aliases by name, optionally of
// one store. Errors: ValidationException.
func (s *Service) ListPolicyStoreAliases(ctx context.Context, account string, in *ListPolicyStoreAliasesInput) (*ListPolicyStoreAliasesOutput, error) {
	var v validator
	v.pageSize(in.MaxResults)
	v.str("nextToken", in.NextToken, ruleNextToken)
	var store string
	if in.Filter != nil && in.Filter.PolicyStoreID != nil {
		store = *in.Filter.PolicyStoreID
		v.storeIDOnly("filter.policyStoreId", store)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	scope := pageScope(OpListPolicyStoreAliases, account, store)
	cursor, err := s.decodePage(ctx, scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	aliases, next, err := s.store.ListAliases(ctx, account, store, pageLimit(in.MaxResults, DefaultAliasPageSize), cursor)
	if err != nil {
		return nil, s.storeError(err, "listing policy store aliases", "", "")
	}
	out := &ListPolicyStoreAliasesOutput{PolicyStoreAliases: make([]PolicyStoreAliasOutput, 0, len(aliases))}
	for _, a := range aliases {
		out.PolicyStoreAliases = append(out.PolicyStoreAliases, *aliasOutput(a, AliasStateActive))
	}
	if out.NextToken, err = s.encodePage(ctx, scope, next); err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePolicyStoreAlias deletes an alias at once (AVP keeps it
// PendingDeletion for a while; vpid frees the name immediately). Deleting
// one that does not exist succeeds. Errors: ValidationException.
func (s *Service) DeletePolicyStoreAlias(ctx context.Context, account string, in *AliasNameInput) (*Empty, error) {
	var v validator
	v.aliasName("aliasName", in.AliasName)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.store.DeleteAlias(ctx, account, in.AliasName); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, s.storeError(err, "deleting the policy store alias", ResourcePolicyStoreAlias, in.AliasName)
	}
	return &Empty{}, nil
}

func aliasOutput(a PolicyStoreAlias, state string) *PolicyStoreAliasOutput {
	return &PolicyStoreAliasOutput{AliasARN: a.ARN, AliasName: a.AliasName, CreatedAt: a.CreatedAt, PolicyStoreID: a.PolicyStoreID, State: state}
}
