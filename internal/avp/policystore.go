package avp

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
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
	reKMSKey  = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)
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
		}
	}
	validateTags(&v, "tags", in.Tags)
	return v.err()
}

func validateTags(v *validator, path string, tags map[string]string) {
	if len(tags) > MaxTags {
		v.add(path, "Value at '%s' failed to satisfy constraint: Member must have at most %d entries, but has %d", path, MaxTags, len(tags))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		val := tags[k]
		p := fmt.Sprintf("%s[%q]", path, k)
		v.str(p+".key", &k, ruleTagK)
		v.str(p+".value", &val, ruleTagV)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			v.add(p+".key", "Tag keys starting with \"aws:\" are reserved for AWS")
		}
	}
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
