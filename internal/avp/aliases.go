package avp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// AliasPrefix starts every policy store alias name, and marks a
// policyStoreId that names an alias.
const AliasPrefix = "policy-store-alias/"

// Alias states, as in AVP's AliasState enum.
const (
	AliasStateActive          = "Active"
	AliasStatePendingDeletion = "PendingDeletion"
)

// Deletion modes of DeletePolicyStoreAlias, as in AVP's DeletionMode enum.
const (
	DeletionModeSoftDelete = "SoftDelete"
	DeletionModeHardDelete = "HardDelete"
)

// AliasPendingDeletion is how long a soft-deleted alias keeps its name
// (AVP user guide, "Deleting policy store aliases": 24 hours).
const AliasPendingDeletion = 24 * time.Hour

// PolicyStoreAlias is a stored alias.
type PolicyStoreAlias struct {
	AliasName     string
	PolicyStoreID string
	ARN           string
	CreatedAt     Timestamp
	// PendingUntil is zero for an active alias; for a soft-deleted one it
	// is when the name becomes free. An alias whose PendingUntil has passed
	// is absent, whether or not DynamoDB's TTL has removed it yet.
	PendingUntil time.Time
}

// state is the alias's AliasState.
func (a PolicyStoreAlias) state() string {
	if a.PendingUntil.IsZero() {
		return AliasStateActive
	}
	return AliasStatePendingDeletion
}

// expired reports whether a soft-deleted alias is past its pending period,
// and therefore absent.
func (a PolicyStoreAlias) expired(now time.Time) bool {
	return !a.PendingUntil.IsZero() && !now.Before(a.PendingUntil)
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

// AliasNameInput is the request of GetPolicyStoreAlias.
type AliasNameInput struct {
	AliasName string `json:"aliasName"`
}

// DeletePolicyStoreAliasInput is the request of DeletePolicyStoreAlias.
// DeletionMode is absent from older SDK models; AVP's current model has it.
type DeletePolicyStoreAliasInput struct {
	AliasName    string  `json:"aliasName"`
	DeletionMode *string `json:"deletionMode,omitempty"`
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
	// (no alias, or a soft-deleted one whose PendingUntil is not after
	// a.CreatedAt) and its store exists. Errors: ErrAliasExists,
	// ErrNotFound (store), ErrQuotaExceeded, ErrThrottled/ErrUnavailable.
	CreateAlias(ctx context.Context, account string, a PolicyStoreAlias) error
	// GetAlias returns the alias, soft-deleted ones included, expired or
	// not. Errors: ErrNotFound, ErrThrottled/ErrUnavailable.
	GetAlias(ctx context.Context, account, aliasName string) (PolicyStoreAlias, error)
	// ListAliases pages through the account's aliases by name, soft-deleted
	// ones included; a non-empty policyStoreID keeps only that store's. It
	// answers at most limit aliases, and fewer only at the end of the list
	// (nil cursor) or when it reached its bound on the reads of one call.
	ListAliases(ctx context.Context, account, policyStoreID string, limit int, cursor []byte) ([]PolicyStoreAlias, []byte, error)
	// DeleteAlias removes the alias from its store; with a zero
	// pendingUntil it deletes the alias item, otherwise it keeps it,
	// soft-deleted until pendingUntil (a no-op on an alias already
	// soft-deleted). Errors: ErrNotFound, ErrConflict,
	// ErrThrottled/ErrUnavailable.
	DeleteAlias(ctx context.Context, account, aliasName string, pendingUntil time.Time) error
}

func (v *validator) aliasName(path, name string) {
	v.reqStr(path, name, ruleAliasName)
	if name != "" && (!strings.HasPrefix(name, AliasPrefix) || len(name) == len(AliasPrefix)) {
		v.violation(path, name, false, "Member must start with %s followed by the alias's name", AliasPrefix)
	}
}

// MaxAliasesPerStore is how many aliases one policy store may have: AVP's
// default quota (user guide, "Quotas for Amazon Verified Permissions":
// aliases per policy store, 10). Soft-deleted aliases do not count.
const MaxAliasesPerStore = 10

// CreatePolicyStoreAlias names a policy store with an alias, unique in the
// account. Creating an alias that exists with the same name and store
// succeeds and returns it, as AVP documents (user guide, "Creating policy
// store aliases"). Errors: ValidationException, ResourceNotFoundException
// (store), ConflictException (the name is taken by another store, or is
// pending deletion), ServiceQuotaExceededException (the store has
// MaxAliasesPerStore aliases).
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
		ARN:           PolicyStoreAliasARN(s.partition, s.region, account, in.AliasName),
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
		if old, gerr := s.aliases.GetAlias(ctx, account, in.AliasName); gerr == nil && old.PolicyStoreID == in.PolicyStoreID && old.PendingUntil.IsZero() {
			return aliasOutput(old, ""), nil
		}
		return nil, Conflict(fmt.Sprintf("The alias %s already exists in this account for another policy store, or is pending deletion; choose another name", in.AliasName),
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
	a, err := s.getAlias(ctx, account, in.AliasName)
	if err != nil {
		return nil, err
	}
	return aliasOutput(a, a.state()), nil
}

// maxExpiredAliasRounds bounds the reads of one ListPolicyStoreAliases that
// replace expired aliases TTL has not removed yet.
const maxExpiredAliasRounds = 3

// ListPolicyStoreAliases lists the account's aliases by name, optionally of
// one store. A page is full (maxResults aliases) unless the list has ended
// or the store's bound on the reads of one request was reached (then it
// still carries a nextToken). Errors: ValidationException.
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
	limit := pageLimit(in.MaxResults, DefaultAliasPageSize)
	out := &ListPolicyStoreAliasesOutput{PolicyStoreAliases: make([]PolicyStoreAliasOutput, 0, limit)}
	now := s.now()
	// The store fills the page; an alias past its pending period that
	// DynamoDB's TTL has not removed yet is dropped here, and its place
	// taken by reading on, a bounded number of times.
	for round := 1; ; round++ {
		aliases, next, err := s.aliases.ListAliases(ctx, account, store, limit-len(out.PolicyStoreAliases), cursor)
		if err != nil {
			return nil, s.storeError(err, "listing policy store aliases", "", "")
		}
		dropped := 0
		for _, a := range aliases {
			if a.expired(now) {
				dropped++
				continue
			}
			out.PolicyStoreAliases = append(out.PolicyStoreAliases, *aliasOutput(a, a.state()))
		}
		cursor = next
		if dropped == 0 || next == nil || round == maxExpiredAliasRounds {
			break
		}
	}
	if out.NextToken, err = s.encodePage(ctx, scope, cursor); err != nil {
		return nil, err
	}
	return out, nil
}

// DeletePolicyStoreAlias deletes an alias as AVP documents (API reference
// DeletePolicyStoreAlias; user guide, "Deleting policy store aliases"):
// SoftDelete, the default, keeps it for AliasPendingDeletion in state
// PendingDeletion, during which its name cannot be reused and it names no
// store; HardDelete removes it at once, also one already pending. Deleting
// one that does not exist succeeds. Errors: ValidationException.
func (s *Service) DeletePolicyStoreAlias(ctx context.Context, account string, in *DeletePolicyStoreAliasInput) (*Empty, error) {
	var v validator
	v.aliasName("aliasName", in.AliasName)
	mode := DeletionModeSoftDelete
	if in.DeletionMode != nil {
		mode = *in.DeletionMode
		if mode != DeletionModeSoftDelete && mode != DeletionModeHardDelete {
			v.violation("deletionMode", mode, false, "Member must satisfy enum value set: [%s, %s]", DeletionModeSoftDelete, DeletionModeHardDelete)
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	var until time.Time
	if mode == DeletionModeSoftDelete {
		until = s.now().Add(AliasPendingDeletion).Truncate(time.Second)
	}
	if _, err := s.getAlias(ctx, account, in.AliasName); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Code == CodeResourceNotFound {
			return &Empty{}, nil
		}
		return nil, err
	}
	if err := s.aliases.DeleteAlias(ctx, account, in.AliasName, until); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, s.storeError(err, "deleting the policy store alias", ResourcePolicyStoreAlias, in.AliasName)
	}
	return &Empty{}, nil
}

// getAlias reads an alias; one past its pending deletion is absent.
func (s *Service) getAlias(ctx context.Context, account, aliasName string) (PolicyStoreAlias, error) {
	a, err := s.aliases.GetAlias(ctx, account, aliasName)
	if err == nil && a.expired(s.now()) {
		err = ErrNotFound
	}
	if err != nil {
		return a, s.storeError(err, "reading the policy store alias", ResourcePolicyStoreAlias, aliasName)
	}
	return a, nil
}

func aliasOutput(a PolicyStoreAlias, state string) *PolicyStoreAliasOutput {
	return &PolicyStoreAliasOutput{AliasARN: a.ARN, AliasName: a.AliasName, CreatedAt: a.CreatedAt, PolicyStoreID: a.PolicyStoreID, State: state}
}
