package store

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// policyStoreItem is a policy store as stored.
type policyStoreItem struct {
	PK                 string            `dynamodbav:"pk"`
	SK                 string            `dynamodbav:"sk"`
	GSI1PK             string            `dynamodbav:"gsi1pk"`
	GSI1SK             string            `dynamodbav:"gsi1sk"`
	Type               string            `dynamodbav:"type"`
	Account            string            `dynamodbav:"account"`
	PolicyStoreID      string            `dynamodbav:"policyStoreId"`
	ARN                string            `dynamodbav:"arn"`
	ValidationMode     string            `dynamodbav:"validationMode"`
	Description        *string           `dynamodbav:"description,omitempty"`
	DeletionProtection string            `dynamodbav:"deletionProtection"`
	Encryption         string            `dynamodbav:"encryption"` // JSON of avp.EncryptionState
	Tags               map[string]string `dynamodbav:"tags,omitempty"`
	CreatedDate        string            `dynamodbav:"createdDate"`
	LastUpdatedDate    string            `dynamodbav:"lastUpdatedDate"`
	IdentitySourceID   string            `dynamodbav:"identitySourceId,omitempty"`
	Aliases            []string          `dynamodbav:"aliases,stringset,omitempty"`
	// CedarVersion counts the writes of the store's policies, templates
	// and schema; TemplateCount its templates. Deleting marks a store whose
	// deletion has begun: it reads as missing from then on.
	CedarVersion  int64 `dynamodbav:"cedarVersion,omitempty"`
	TemplateCount int64 `dynamodbav:"templateCount,omitempty"`
	Deleting      bool  `dynamodbav:"deleting,omitempty"`
}

// identitySourceItem is an identity source as stored.
type identitySourceItem struct {
	PK                  string `dynamodbav:"pk"`
	SK                  string `dynamodbav:"sk"`
	Type                string `dynamodbav:"type"`
	Account             string `dynamodbav:"account"`
	PolicyStoreID       string `dynamodbav:"policyStoreId"`
	IdentitySourceID    string `dynamodbav:"identitySourceId"`
	PrincipalEntityType string `dynamodbav:"principalEntityType"`
	Configuration       string `dynamodbav:"configuration"` // JSON of avp.ConfigurationUnion
	CreatedDate         string `dynamodbav:"createdDate"`
	LastUpdatedDate     string `dynamodbav:"lastUpdatedDate"`
}

// tokenItem is an idempotency record.
type tokenItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	Operation  string `dynamodbav:"operation"`
	Token      string `dynamodbav:"token"`
	ParamsHash string `dynamodbav:"paramsHash"`
	Response   string `dynamodbav:"response"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"`
}

// aliasItem is a policy store alias.
type aliasItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	GSI1PK        string `dynamodbav:"gsi1pk"`
	GSI1SK        string `dynamodbav:"gsi1sk"`
	Type          string `dynamodbav:"type"`
	Account       string `dynamodbav:"account"`
	AliasName     string `dynamodbav:"aliasName"`
	PolicyStoreID string `dynamodbav:"policyStoreId"`
	ARN           string `dynamodbav:"arn"`
	CreatedAt     string `dynamodbav:"createdAt"`
	// State is set (PendingDeletion) on a soft-deleted alias only, with
	// ExpiresAt (epoch seconds) when its name becomes free: the table's TTL
	// removes it some time after that, and readers treat it as absent from
	// then on.
	State     string `dynamodbav:"state,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
}

func toAliasItem(account string, a avp.PolicyStoreAlias) aliasItem {
	return aliasItem{
		PK: aliasPK(account, a.AliasName), SK: skAlias,
		GSI1PK: aliasesGSI1PK(account), GSI1SK: a.AliasName,
		Type: typeAlias, Account: account, AliasName: a.AliasName,
		PolicyStoreID: a.PolicyStoreID, ARN: a.ARN, CreatedAt: a.CreatedAt.String(),
	}
}

func (it aliasItem) domain() (avp.PolicyStoreAlias, error) {
	a := avp.PolicyStoreAlias{AliasName: it.AliasName, PolicyStoreID: it.PolicyStoreID, ARN: it.ARN}
	if it.State == avp.AliasStatePendingDeletion {
		a.PendingUntil = time.Unix(it.ExpiresAt, 0)
	}
	if err := a.CreatedAt.UnmarshalText([]byte(it.CreatedAt)); err != nil {
		return a, fmt.Errorf("alias %s createdAt %q: %w", it.AliasName, it.CreatedAt, err)
	}
	return a, nil
}

// Item types, in the "type" attribute, for readers of the raw table.
const (
	typePolicyStore    = "PolicyStore"
	typeIdentitySource = "IdentitySource"
	typeToken          = "IdempotencyToken"
	typeAlias          = "PolicyStoreAlias"
)

func toPolicyStoreItem(account string, ps avp.PolicyStore) (policyStoreItem, error) {
	enc, err := json.Marshal(ps.Encryption)
	if err != nil {
		return policyStoreItem{}, fmt.Errorf("encode encryption state: %w", err)
	}
	created := ps.CreatedDate.String()
	return policyStoreItem{
		PK:                 storePK(account, ps.PolicyStoreID),
		SK:                 skStore,
		GSI1PK:             storesGSI1PK(account),
		GSI1SK:             storesGSI1SK(created, ps.PolicyStoreID),
		Type:               typePolicyStore,
		Account:            account,
		PolicyStoreID:      ps.PolicyStoreID,
		ARN:                ps.ARN,
		ValidationMode:     ps.ValidationMode,
		Description:        ps.Description,
		DeletionProtection: ps.DeletionProtection,
		Encryption:         string(enc),
		Tags:               ps.Tags,
		CreatedDate:        created,
		LastUpdatedDate:    ps.LastUpdatedDate.String(),
		IdentitySourceID:   ps.IdentitySourceID,
	}, nil
}

func (it policyStoreItem) domain() (avp.PolicyStore, error) {
	ps := avp.PolicyStore{
		PolicyStoreID:      it.PolicyStoreID,
		ARN:                it.ARN,
		ValidationMode:     it.ValidationMode,
		Description:        it.Description,
		DeletionProtection: it.DeletionProtection,
		Tags:               it.Tags,
		IdentitySourceID:   it.IdentitySourceID,
	}
	if err := json.Unmarshal([]byte(it.Encryption), &ps.Encryption); err != nil {
		return ps, fmt.Errorf("decode encryption state of %s: %w", it.PolicyStoreID, err)
	}
	if err := parseTimes(&ps.CreatedDate, it.CreatedDate, &ps.LastUpdatedDate, it.LastUpdatedDate); err != nil {
		return ps, fmt.Errorf("policy store %s: %w", it.PolicyStoreID, err)
	}
	return ps, nil
}

func toIdentitySourceItem(account string, is avp.IdentitySource) (identitySourceItem, error) {
	cfg, err := json.Marshal(avp.WireConfiguration(is.Configuration))
	if err != nil {
		return identitySourceItem{}, fmt.Errorf("encode configuration: %w", err)
	}
	return identitySourceItem{
		PK:                  storePK(account, is.PolicyStoreID),
		SK:                  identitySourceSK(is.IdentitySourceID),
		Type:                typeIdentitySource,
		Account:             account,
		PolicyStoreID:       is.PolicyStoreID,
		IdentitySourceID:    is.IdentitySourceID,
		PrincipalEntityType: is.PrincipalEntityType,
		Configuration:       string(cfg),
		CreatedDate:         is.CreatedDate.String(),
		LastUpdatedDate:     is.LastUpdatedDate.String(),
	}, nil
}

func (it identitySourceItem) domain() (avp.IdentitySource, error) {
	is := avp.IdentitySource{
		PolicyStoreID:       it.PolicyStoreID,
		IdentitySourceID:    it.IdentitySourceID,
		PrincipalEntityType: it.PrincipalEntityType,
	}
	cfg, err := configs.decode(it.Configuration)
	if err != nil {
		return is, fmt.Errorf("decode configuration of %s: %w", it.IdentitySourceID, err)
	}
	is.Configuration = cfg
	if err := parseTimes(&is.CreatedDate, it.CreatedDate, &is.LastUpdatedDate, it.LastUpdatedDate); err != nil {
		return is, fmt.Errorf("identity source %s: %w", it.IdentitySourceID, err)
	}
	return is, nil
}

func toTokenItem(account string, rec avp.IdempotencyRecord) tokenItem {
	return tokenItem{
		PK:         tokenPK(account, rec.Operation, rec.Token),
		SK:         skToken,
		Type:       typeToken,
		Operation:  rec.Operation,
		Token:      rec.Token,
		ParamsHash: rec.ParamsHash,
		Response:   string(rec.Response),
		ExpiresAt:  rec.ExpiresAt.Unix(),
	}
}

func (it tokenItem) domain() avp.IdempotencyRecord {
	return avp.IdempotencyRecord{
		Operation:  it.Operation,
		Token:      it.Token,
		ParamsHash: it.ParamsHash,
		Response:   []byte(it.Response),
		ExpiresAt:  time.Unix(it.ExpiresAt, 0),
	}
}

func parseTimes(created *avp.Timestamp, c string, updated *avp.Timestamp, u string) error {
	if err := created.UnmarshalText([]byte(c)); err != nil {
		return fmt.Errorf("createdDate %q: %w", c, err)
	}
	if err := updated.UnmarshalText([]byte(u)); err != nil {
		return fmt.Errorf("lastUpdatedDate %q: %w", u, err)
	}
	return nil
}

func epoch(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// item is a stored item type that maps to a domain value D.
type item[D any] interface {
	policyStoreItem | identitySourceItem | aliasItem | policyItem | templateItem | schemaItem
	domain() (D, error)
}

// decodeItem decodes one raw item of type I into its domain value.
func decodeItem[D any, I item[D]](raw map[string]types.AttributeValue) (D, error) {
	var it I
	if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
		var zero D
		return zero, fmt.Errorf("store: decode item: %w", err)
	}
	return it.domain()
}

// decodeAll decodes raw items of type I into their domain values.
func decodeAll[D any, I item[D]](raws []map[string]types.AttributeValue) ([]D, error) {
	out := make([]D, 0, len(raws))
	for _, raw := range raws {
		d, err := decodeItem[D, I](raw)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
