package avp

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// AliasPrefix starts every policy store alias name, and marks a
// policyStoreId that names an alias.
const AliasPrefix = "policy-store-alias/"

// Alias states, as in AVP's AliasState enum.
const AliasStateActive = "Active"

// PolicyStoreAlias is a stored alias.
type PolicyStoreAlias struct {
	AliasName     string
	PolicyStoreID string
	ARN           string
	CreatedAt     Timestamp
}

// CreatePolicyStoreAliasInput is the request of CreatePolicyStoreAlias.
type CreatePolicyStoreAliasInput struct {
	AliasName     string `json:"aliasName"`
	PolicyStoreID string `json:"policyStoreId"`
}

// PolicyStoreAliasOutput is the response of Create/GetPolicyStoreAlias and
// an item of ListPolicyStoreAliases; State is omitted on create.
type PolicyStoreAliasOutput struct {
	AliasARN      string    `json:"aliasArn"`
	AliasName     string    `json:"aliasName"`
	CreatedAt     Timestamp `json:"createdAt"`
	PolicyStoreID string    `json:"policyStoreId"`
	State         string    `json:"state,omitempty"`
}

// AliasNameInput is the request of Get/DeletePolicyStoreAlias.
type AliasNameInput struct {
	AliasName string `json:"aliasName"`
}

// ListPolicyStoreAliasesInput is the request of ListPolicyStoreAliases.
type ListPolicyStoreAliasesInput struct {
	MaxResults *int                    `json:"maxResults,omitempty"`
	NextToken  *string                 `json:"nextToken,omitempty"`
	Filter     *PolicyStoreAliasFilter `json:"filter,omitempty"`
}

// PolicyStoreAliasFilter narrows ListPolicyStoreAliases to one store.
type PolicyStoreAliasFilter struct {
	PolicyStoreID *string `json:"policyStoreId,omitempty"`
}

// ListPolicyStoreAliasesOutput is the response of ListPolicyStoreAliases.
type ListPolicyStoreAliasesOutput struct {
	PolicyStoreAliases []PolicyStoreAliasOutput `json:"policyStoreAliases"`
	NextToken          *string                  `json:"nextToken,omitempty"`
}

// Aliases keeps policy store aliases.
type Aliases interface {
	// CreateAlias writes the alias on the condition that its name is free
	// and its store exists. Errors: ErrAliasExists, ErrNotFound (store),
	// ErrThrottled/ErrUnavailable.
	CreateAlias(ctx context.Context, account string, a PolicyStoreAlias) error
	// GetAlias errors: ErrNotFound, ErrThrottled/ErrUnavailable.
	GetAlias(ctx context.Context, account, aliasName string) (PolicyStoreAlias, error)
	// ListAliases pages through the account's aliases by name; a
	// non-empty policyStoreID keeps only that store's.
	ListAliases(ctx context.Context, account, policyStoreID string, limit int, cursor []byte) ([]PolicyStoreAlias, []byte, error)
	// DeleteAlias errors: ErrNotFound, ErrConflict, ErrThrottled/ErrUnavailable.
	DeleteAlias(ctx context.Context, account, aliasName string) error
}

func (v *validator) aliasName(path, name string) {
	v.reqStr(path, name, ruleAliasName)
	if name != "" && (!strings.HasPrefix(name, AliasPrefix) || len(name) == len(AliasPrefix)) {
		v.violation(path, name, false, "Member must start with %s followed by the alias's name", AliasPrefix)
	}
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
	err := s.aliases.CreateAlias(ctx, account, a)
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
	a, err := s.aliases.GetAlias(ctx, account, in.AliasName)
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
	aliases, next, err := s.aliases.ListAliases(ctx, account, store, pageLimit(in.MaxResults, DefaultAliasPageSize), cursor)
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
	if err := s.aliases.DeleteAlias(ctx, account, in.AliasName); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, s.storeError(err, "deleting the policy store alias", ResourcePolicyStoreAlias, in.AliasName)
	}
	return &Empty{}, nil
}

func aliasOutput(a PolicyStoreAlias, state string) *PolicyStoreAliasOutput {
	return &PolicyStoreAliasOutput{AliasARN: a.ARN, AliasName: a.AliasName, CreatedAt: a.CreatedAt, PolicyStoreID: a.PolicyStoreID, State: state}
}
