package avp

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// PolicyStore is a stored policy store.
type PolicyStore struct {
	PolicyStoreID      string
	ARN                string
	ValidationMode     string
	Description        *string
	DeletionProtection string
	Encryption         EncryptionState
	Tags               map[string]string
	CreatedDate        Timestamp
	LastUpdatedDate    Timestamp
	// IdentitySourceID is the store's identity source, "" while it has none.
	IdentitySourceID string
}

// Enumerations of the policy-store API.
const (
	ValidationModeOff          = "OFF"
	ValidationModeStrict       = "STRICT"
	DeletionProtectionEnabled  = "ENABLED"
	DeletionProtectionDisabled = "DISABLED"
	CedarVersion4              = "CEDAR_4"
)

// ValidationSettings says whether policies are validated against the schema.
type ValidationSettings struct {
	Mode string `json:"mode"`
}

// EncryptionSettings is a union: AWS-owned keys (default) or a KMS key.
type EncryptionSettings struct {
	Default               *struct{}              `json:"default,omitempty"`
	KMSEncryptionSettings *KMSEncryptionSettings `json:"kmsEncryptionSettings,omitempty"`

	union unionState
}

// UnmarshalJSON records every member sent; see Configuration.UnmarshalJSON.
func (e *EncryptionSettings) UnmarshalJSON(b []byte) error {
	*e = EncryptionSettings{}
	st, err := decodeUnion(b, map[string]any{
		"default":               &e.Default,
		"kmsEncryptionSettings": &e.KMSEncryptionSettings,
	})
	e.union = st
	return err
}

// KMSEncryptionSettings names a customer managed KMS key.
type KMSEncryptionSettings struct {
	Key               string            `json:"key"`
	EncryptionContext map[string]string `json:"encryptionContext,omitempty"`
}

// EncryptionState is the output form of EncryptionSettings.
type EncryptionState struct {
	Default            *struct{}           `json:"default,omitempty"`
	KMSEncryptionState *KMSEncryptionState `json:"kmsEncryptionState,omitempty"`
}

// KMSEncryptionState reports the KMS key of a policy store.
type KMSEncryptionState struct {
	Key               string            `json:"key"`
	EncryptionContext map[string]string `json:"encryptionContext"`
}

// CreatePolicyStoreInput is the request of CreatePolicyStore.
type CreatePolicyStoreInput struct {
	ClientToken        *string             `json:"clientToken,omitempty"`
	ValidationSettings *ValidationSettings `json:"validationSettings"`
	Description        *string             `json:"description,omitempty"`
	DeletionProtection *string             `json:"deletionProtection,omitempty"`
	EncryptionSettings *EncryptionSettings `json:"encryptionSettings,omitempty"`
	Tags               map[string]string   `json:"tags,omitempty"`
}

// CreatePolicyStoreOutput is the response of CreatePolicyStore.
type CreatePolicyStoreOutput struct {
	ARN             string    `json:"arn"`
	CreatedDate     Timestamp `json:"createdDate"`
	LastUpdatedDate Timestamp `json:"lastUpdatedDate"`
	PolicyStoreID   string    `json:"policyStoreId"`
}

// GetPolicyStoreInput is the request of GetPolicyStore.
type GetPolicyStoreInput struct {
	PolicyStoreID string `json:"policyStoreId"`
	Tags          *bool  `json:"tags,omitempty"`
}

// GetPolicyStoreOutput is the response of GetPolicyStore.
type GetPolicyStoreOutput struct {
	ARN                string             `json:"arn"`
	CedarVersion       string             `json:"cedarVersion"`
	CreatedDate        Timestamp          `json:"createdDate"`
	DeletionProtection string             `json:"deletionProtection"`
	Description        *string            `json:"description,omitempty"`
	EncryptionState    *EncryptionState   `json:"encryptionState,omitempty"`
	LastUpdatedDate    Timestamp          `json:"lastUpdatedDate"`
	PolicyStoreID      string             `json:"policyStoreId"`
	Tags               map[string]string  `json:"tags,omitempty"`
	ValidationSettings ValidationSettings `json:"validationSettings"`
}

// MaxTags is the number of tags a policy store may carry.
const MaxTags = 50

var (
	reKMSKey  = newPattern(`^[a-zA-Z0-9:/_-]+$`)
	ruleDesc  = strRule{min: 0, max: 150, sensitive: true}
	ruleTagK  = strRule{min: 1, max: 128}
	ruleTagV  = strRule{min: 0, max: 256, sensitive: true}
	ruleKMS   = strRule{min: 1, max: 2048, pattern: reKMSKey}
	enumModes = []string{ValidationModeOff, ValidationModeStrict}
	enumProt  = []string{DeletionProtectionEnabled, DeletionProtectionDisabled}
)

func (v *validator) enum(path string, s *string, required bool, values []string) {
	if s == nil {
		if required {
			v.missing(path)
		}
		return
	}
	for _, ok := range values {
		if *s == ok {
			return
		}
	}
	v.violation(path, *s, false, "Member must satisfy enum value set: [%s]", strings.Join(values, ", "))
}

func (in *CreatePolicyStoreInput) validate() *Error {
	var v validator
	v.str("clientToken", in.ClientToken, ruleClientToken)
	if in.ValidationSettings == nil {
		v.missing("validationSettings")
	} else {
		v.enum("validationSettings.mode", nilIfEmpty(in.ValidationSettings.Mode), true, enumModes)
	}
	v.str("description", in.Description, ruleDesc)
	v.enum("deletionProtection", in.DeletionProtection, false, enumProt)
	if e := in.EncryptionSettings; e != nil {
		e.union.validate(&v, "encryptionSettings", []string{"default", "kmsEncryptionSettings"}, e.Default != nil, e.KMSEncryptionSettings != nil)
		if k := e.KMSEncryptionSettings; k != nil {
			v.reqStr("encryptionSettings.kmsEncryptionSettings.key", k.Key, ruleKMS)
			validateEncryptionContext(&v, "encryptionSettings.kmsEncryptionSettings.encryptionContext", k.EncryptionContext)
		}
	}
	validateTags(&v, "tags", in.Tags)
	return v.err()
}

func validateTags(v *validator, path string, tags map[string]string) {
	v.stringMap(path, tags, MaxTags, ruleTagK, ruleTagV, func(p, k string) {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			v.add(p+".key", "Tag keys starting with \"aws:\" are reserved for AWS")
		}
	})
}

func (in *GetPolicyStoreInput) validate() *Error {
	var v validator
	v.reqStr("policyStoreId", in.PolicyStoreID, rulePolicyStoreID)
	return v.err()
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ListPolicyStoresInput is the request of ListPolicyStores.
type ListPolicyStoresInput struct {
	MaxResults *int    `json:"maxResults,omitempty"`
	NextToken  *string `json:"nextToken,omitempty"`
}

// ListPolicyStoresOutput is the response of ListPolicyStores.
type ListPolicyStoresOutput struct {
	PolicyStores []PolicyStoreItem `json:"policyStores"`
	NextToken    *string           `json:"nextToken,omitempty"`
}

// PolicyStoreItem is one policy store in a list.
type PolicyStoreItem struct {
	ARN             string    `json:"arn"`
	CreatedDate     Timestamp `json:"createdDate"`
	Description     *string   `json:"description,omitempty"`
	LastUpdatedDate Timestamp `json:"lastUpdatedDate"`
	PolicyStoreID   string    `json:"policyStoreId"`
}

// UpdatePolicyStoreInput is the request of UpdatePolicyStore.
type UpdatePolicyStoreInput struct {
	PolicyStoreID      string              `json:"policyStoreId"`
	ValidationSettings *ValidationSettings `json:"validationSettings"`
	DeletionProtection *string             `json:"deletionProtection,omitempty"`
	Description        *string             `json:"description,omitempty"`
}

// UpdatePolicyStoreOutput is the response of UpdatePolicyStore.
type UpdatePolicyStoreOutput = CreatePolicyStoreOutput

// PolicyStoreUpdate is what UpdatePolicyStore changes; nil members keep the
// stored value.
type PolicyStoreUpdate struct {
	ValidationMode     string
	DeletionProtection *string
	Description        *string
	LastUpdatedDate    Timestamp
}

// DeletePolicyStoreInput is the request of DeletePolicyStore.
type DeletePolicyStoreInput struct {
	PolicyStoreID string `json:"policyStoreId"`
}

// PolicyStores keeps policy stores. Every method is scoped to account: an
// item of another account is never returned, changed or reported.
type PolicyStores interface {
	// CreatePolicyStore writes ps, and rec when not nil, atomically; rec
	// replaces a record of its token that expired by rec.IssuedAt. Errors:
	// *TokenUsedError, ErrConflict, ErrThrottled/ErrUnavailable.
	CreatePolicyStore(ctx context.Context, account string, ps PolicyStore, rec *IdempotencyRecord) error
	// GetPolicyStore errors: ErrNotFound, ErrThrottled/ErrUnavailable.
	GetPolicyStore(ctx context.Context, account, policyStoreID string) (PolicyStore, error)
	// ListPolicyStores returns up to limit stores, oldest first, after the
	// position cursor (nil: the start), and the cursor of the next page (nil
	// at the end). A cursor is opaque and unsigned: the Service signs it.
	ListPolicyStores(ctx context.Context, account string, limit int, cursor []byte) ([]PolicyStore, []byte, error)
	// UpdatePolicyStore applies upd and returns the updated store. Errors:
	// ErrNotFound, ErrThrottled/ErrUnavailable.
	UpdatePolicyStore(ctx context.Context, account, policyStoreID string, upd PolicyStoreUpdate) (PolicyStore, error)
	// DeletePolicyStore deletes the store with its identity source and its
	// aliases, atomically. Errors: ErrNotFound, ErrDeletionProtected,
	// ErrConflict, ErrThrottled/ErrUnavailable.
	DeletePolicyStore(ctx context.Context, account, policyStoreID string) error
}

// CreatePolicyStore creates a policy store. Errors: ValidationException,
// ConflictException (clientToken reused with other parameters).
func (s *Service) CreatePolicyStore(ctx context.Context, account string, in *CreatePolicyStoreInput) (*CreatePolicyStoreOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	now := NewTimestamp(s.now())
	ps := PolicyStore{
		PolicyStoreID:      s.newID(),
		ValidationMode:     in.ValidationSettings.Mode,
		Description:        in.Description,
		DeletionProtection: DeletionProtectionDisabled,
		Tags:               in.Tags,
		CreatedDate:        now,
		LastUpdatedDate:    now,
		Encryption:         EncryptionState{Default: &struct{}{}},
	}
	ps.ARN = PolicyStoreARN(s.partition, account, ps.PolicyStoreID)
	if in.DeletionProtection != nil {
		ps.DeletionProtection = *in.DeletionProtection
	}
	if k := in.EncryptionSettings; k != nil && k.KMSEncryptionSettings != nil {
		encCtx := k.KMSEncryptionSettings.EncryptionContext
		if encCtx == nil {
			encCtx = map[string]string{}
		}
		arn, err := s.keys.KeyARN(ctx, account, k.KMSEncryptionSettings.Key)
		var ke *KeyError
		switch {
		case errors.As(err, &ke):
			return nil, Validation(Field{Path: "encryptionSettings.kmsEncryptionSettings.key", Message: "The KMS key " + k.KMSEncryptionSettings.Key + " cannot be used: " + ke.Reason})
		case err != nil:
			if e, ok := dependencyError(err, "describing the KMS key"); ok {
				return nil, e
			}
			return nil, fmt.Errorf("resolve KMS key %s: %w", k.KMSEncryptionSettings.Key, err)
		}
		ps.Encryption = EncryptionState{KMSEncryptionState: &KMSEncryptionState{Key: arn, EncryptionContext: encCtx}}
	}
	out := &CreatePolicyStoreOutput{ARN: ps.ARN, CreatedDate: now, LastUpdatedDate: now, PolicyStoreID: ps.PolicyStoreID}
	params := *in
	params.ClientToken = nil
	err := idempotent(s, account, OpCreatePolicyStore, in.ClientToken, params, out,
		func(o *CreatePolicyStoreOutput) []ResourceRef {
			return []ResourceRef{{ResourceID: o.PolicyStoreID, ResourceType: ResourcePolicyStore}}
		},
		func(rec *IdempotencyRecord) error { return s.policyStores.CreatePolicyStore(ctx, account, ps, rec) })
	if err != nil {
		return nil, s.storeError(err, "creating the policy store", ResourcePolicyStore, ps.PolicyStoreID)
	}
	return out, nil
}

// GetPolicyStore returns a policy store. Errors: ValidationException,
// ResourceNotFoundException.
func (s *Service) GetPolicyStore(ctx context.Context, account string, in *GetPolicyStoreInput) (*GetPolicyStoreOutput, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	psID, err := s.resolveStore(ctx, account, in.PolicyStoreID)
	if err != nil {
		return nil, err
	}
	ps, err := s.policyStores.GetPolicyStore(ctx, account, psID)
	if err != nil {
		return nil, s.storeError(err, "reading the policy store", ResourcePolicyStore, psID)
	}
	enc := ps.Encryption
	out := &GetPolicyStoreOutput{
		ARN:                ps.ARN,
		CedarVersion:       CedarVersion4,
		CreatedDate:        ps.CreatedDate,
		DeletionProtection: ps.DeletionProtection,
		Description:        ps.Description,
		EncryptionState:    &enc,
		LastUpdatedDate:    ps.LastUpdatedDate,
		PolicyStoreID:      ps.PolicyStoreID,
		ValidationSettings: ValidationSettings{Mode: ps.ValidationMode},
	}
	if in.Tags != nil && *in.Tags && len(ps.Tags) > 0 {
		out.Tags = ps.Tags
	}
	return out, nil
}

var (
	rePolicyStoreIDOnly = newPattern(`^[a-zA-Z0-9-]*$`)
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
	stores, next, err := s.policyStores.ListPolicyStores(ctx, account, pageLimit(in.MaxResults, DefaultPageSize), cursor)
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
	ps, err := s.policyStores.UpdatePolicyStore(ctx, account, psID, PolicyStoreUpdate{
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
	err := s.policyStores.DeletePolicyStore(ctx, account, in.PolicyStoreID)
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		return &Empty{}, nil
	case errors.Is(err, ErrDeletionProtected):
		return nil, &Error{Code: CodeInvalidState, Message: fmt.Sprintf(
			"Policy store %s has deletion protection enabled; disable it with UpdatePolicyStore before deleting the store", in.PolicyStoreID)}
	}
	return nil, s.storeError(err, "deleting the policy store", ResourcePolicyStore, in.PolicyStoreID)
}
