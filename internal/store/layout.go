package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/vpid-dev/vpid/internal/avp"
)

// Kind is the kind of an item of the table: the value of its type attribute.
type Kind string

// The kinds of items the store writes.
const (
	KindPolicyStore    Kind = typePolicyStore
	KindIdentitySource Kind = typeIdentitySource
	KindAlias          Kind = typeAlias
	KindToken          Kind = typeToken
	// KindPageKey is the one item that holds the page token key; it belongs
	// to no account.
	KindPageKey Kind = typePageKey
	// The Cedar half of a policy store: policies, templates, the schema,
	// and the items that reserve policy and template names.
	KindPolicy             Kind = typePolicy
	KindPolicyTemplate     Kind = typeTemplate
	KindSchema             Kind = typeSchema
	KindPolicyName         Kind = typePolicyName
	KindPolicyTemplateName Kind = typeTemplateName
	// KindResourceSize holds the bytes of a store's policies that name one
	// resource (or none), for the policy-size-per-resource quota.
	KindResourceSize Kind = typeResourceSize
)

const typePageKey = "PageTokenKey"

// Errors of CheckItem.
var (
	// ErrMalformed: the item is none the store writes (an unknown type, a
	// key off the documented layout or attributes that do not decode).
	ErrMalformed = errors.New("malformed item")
	// ErrCrossAccount: the item's keys and its account attribute do not all
	// name the same account.
	ErrCrossAccount = errors.New("item's keys and account attribute name different accounts")
)

// Item is one item of the table as a reader sees it: its kind, the account
// that owns it, and its domain value (the field of its kind; all nil for the
// page token key).
type Item struct {
	Kind    Kind
	Account string

	PolicyStore *avp.PolicyStore
	// Aliases are the alias names a policy store lists.
	Aliases        []string
	IdentitySource *avp.IdentitySource
	Alias          *avp.PolicyStoreAlias
	Token          *avp.IdempotencyRecord
	// Configuration is an identity source's configuration as stored: a JSON
	// object, for readers that pass it on as it is.
	Configuration json.RawMessage

	Policy         *avp.Policy
	PolicyTemplate *avp.PolicyTemplate
	Schema         *avp.Schema
	// Name is a policy or template name item (KindPolicyName,
	// KindPolicyTemplateName), or, for KindResourceSize, the resource
	// (Name) whose policy total the item holds.
	Name *NameRef
}

// KindOf returns the kind an item names in its type attribute; "" when it
// has none. The kind may be one the store does not write.
func KindOf(raw map[string]types.AttributeValue) (Kind, error) {
	t, _, err := attrs(raw).opt(attrType)
	return Kind(t), err
}

// KindOfKey returns the kind of the item a primary key addresses ("" for
// one the store does not write), for readers that have only the key (a
// KEYS_ONLY stream record).
func KindOfKey(key map[string]types.AttributeValue) Kind {
	sk, _, _ := attrs(key).opt(AttrSK)
	pk, _, _ := attrs(key).opt(AttrPK)
	switch {
	case sk == skStore:
		return KindPolicyStore
	case strings.HasPrefix(sk, prefixIS):
		return KindIdentitySource
	case sk == skToken:
		return KindToken
	case sk == skAlias:
		return KindAlias
	case strings.HasPrefix(sk, prefixPolicy):
		return KindPolicy
	case strings.HasPrefix(sk, prefixTemplate):
		return KindPolicyTemplate
	case strings.HasPrefix(sk, prefixPolicyName):
		return KindPolicyName
	case strings.HasPrefix(sk, prefixTemplateName):
		return KindPolicyTemplateName
	case sk == skSchema:
		return KindSchema
	case strings.HasPrefix(sk, prefixResourceSize):
		return KindResourceSize
	case pk == pkPageKey && sk == skPageKey:
		return KindPageKey
	}
	return ""
}

// DescribeKey names the item a primary key addresses, for errors and logs.
func DescribeKey(key map[string]types.AttributeValue) string {
	pk, _, _ := attrs(key).opt(AttrPK)
	sk, _, _ := attrs(key).opt(AttrSK)
	return fmt.Sprintf("pk=%q sk=%q", pk, sk)
}

// DecodeItem decodes an item by the kind its type attribute names. It reads
// the attributes only, not the keys: an image of a change is decoded even
// when its keys were left out. Every missing or malformed attribute is
// reported ("attribute X is missing", "attribute X is not a string", ...).
func DecodeItem(raw map[string]types.AttributeValue) (Item, error) {
	kind, err := KindOf(raw)
	if err != nil {
		return Item{}, err
	}
	it := Item{Kind: kind}
	a := attrs(raw)
	switch kind {
	case KindPolicyStore:
		if err := a.check([]string{attrAccount, "policyStoreId", "arn", "validationMode", "deletionProtection"},
			[]string{"description"}, "createdDate", "lastUpdatedDate"); err != nil {
			return it, err
		}
		ps, err := decodeItem[avp.PolicyStore, policyStoreItem](raw)
		it.Account, it.PolicyStore = a.str(attrAccount), &ps
		if ss, ok := raw[attrAliases].(*types.AttributeValueMemberSS); ok {
			it.Aliases = ss.Value
		}
		return it, err
	case KindIdentitySource:
		err := a.check([]string{attrAccount, "policyStoreId", "identitySourceId", "principalEntityType", "configuration"},
			nil, "createdDate", "lastUpdatedDate")
		if cfg := a.str("configuration"); cfg != "" {
			obj, cerr := jsonObject(cfg)
			if cerr != nil {
				err = errors.Join(err, fmt.Errorf("attribute configuration: %w", cerr))
			}
			it.Configuration = obj
		}
		if err != nil {
			return it, err
		}
		is, err := decodeItem[avp.IdentitySource, identitySourceItem](raw)
		it.Account, it.IdentitySource = a.str(attrAccount), &is
		return it, err
	case KindAlias:
		if err := a.check([]string{attrAccount, "aliasName", "policyStoreId", "arn"}, nil, "createdAt"); err != nil {
			return it, err
		}
		al, err := decodeItem[avp.PolicyStoreAlias, aliasItem](raw)
		it.Account, it.Alias = a.str(attrAccount), &al
		return it, err
	case KindToken:
		var ti tokenItem
		if err := attributevalue.UnmarshalMap(raw, &ti); err != nil {
			return it, fmt.Errorf("decode item: %w", err)
		}
		rec := ti.domain()
		it.Account, it.Token = accountOfKey(ti.PK), &rec
		return it, nil
	case KindPageKey:
		return it, nil
	case KindPolicy:
		if err := a.check([]string{attrAccount, "policyStoreId", "policyId", "policyType"}, []string{"name", "statement", "policyTemplateId"}, "createdDate", "lastUpdatedDate"); err != nil {
			return it, err
		}
		p, err := decodeItem[avp.Policy, policyItem](raw)
		it.Account, it.Policy = a.str(attrAccount), &p
		return it, err
	case KindPolicyTemplate:
		if err := a.check([]string{attrAccount, "policyStoreId", "policyTemplateId", "statement"}, []string{"name"}, "createdDate", "lastUpdatedDate"); err != nil {
			return it, err
		}
		t, err := decodeItem[avp.PolicyTemplate, templateItem](raw)
		it.Account, it.PolicyTemplate = a.str(attrAccount), &t
		return it, err
	case KindSchema:
		if err := a.check([]string{attrAccount, "policyStoreId", "schema"}, nil, "createdDate", "lastUpdatedDate"); err != nil {
			return it, err
		}
		sc, err := decodeItem[avp.Schema, schemaItem](raw)
		it.Account, it.Schema = a.str(attrAccount), &sc
		return it, err
	case KindResourceSize:
		if err := a.check([]string{attrAccount, "policyStoreId", "resource"}, nil); err != nil {
			return it, err
		}
		if _, ok := raw["bytes"].(*types.AttributeValueMemberN); !ok {
			return it, errors.New("attribute bytes is missing or not a number")
		}
		it.Account = a.str(attrAccount)
		it.Name = &NameRef{PolicyStoreID: a.str("policyStoreId"), Name: a.str("resource")}
		return it, nil
	case KindPolicyName, KindPolicyTemplateName:
		if err := a.check([]string{attrAccount, "policyStoreId", "name", "targetId"}, nil); err != nil {
			return it, err
		}
		it.Account = a.str(attrAccount)
		it.Name = &NameRef{PolicyStoreID: a.str("policyStoreId"), Name: a.str("name"), TargetID: a.str("targetId")}
		return it, nil
	}
	return it, fmt.Errorf("%w: unknown type %q", ErrMalformed, kind)
}

// CheckItem decodes an item of a scan of the table (DecodeItem) and checks
// it against the documented layout: its key names the owning account and
// the ids its attributes hold, and its gsi1 key is the one its kind has.
// An error wraps ErrMalformed or ErrCrossAccount; with ErrCrossAccount the
// returned Item is still decoded, its Account the one its primary key names.
func CheckItem(raw map[string]types.AttributeValue) (Item, error) {
	a := attrs(raw)
	pk, sk := a.str(AttrPK), a.str(AttrSK)
	if pk == pkPageKey {
		kind, _ := KindOf(raw)
		if sk != skPageKey || kind != KindPageKey {
			return Item{Kind: kind}, fmt.Errorf("%w: page token key item: sk %q type %q", ErrMalformed, sk, kind)
		}
		return Item{Kind: KindPageKey}, nil
	}
	it, err := DecodeItem(raw)
	if err != nil {
		if !errors.Is(err, ErrMalformed) {
			err = fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		return it, err
	}
	acct := accountOfKey(pk)
	if acct == "" {
		return it, fmt.Errorf("%w: the key does not start with %s<account>#", ErrMalformed, prefixAccount)
	}
	var wantPK, wantSK, wantGSI1PK string
	switch it.Kind {
	case KindPolicyStore:
		wantPK, wantSK, wantGSI1PK = storePK(acct, it.PolicyStore.PolicyStoreID), skStore, storesGSI1PK(acct)
		if _, deleting := raw["deleting"]; deleting {
			wantGSI1PK = "" // a store being deleted has left the list
		}
	case KindPolicy:
		wantPK, wantSK = storePK(acct, it.Policy.PolicyStoreID), policySK(it.Policy.PolicyID)
	case KindPolicyTemplate:
		wantPK, wantSK = storePK(acct, it.PolicyTemplate.PolicyStoreID), templateSK(it.PolicyTemplate.PolicyTemplateID)
	case KindSchema:
		wantPK, wantSK = storePK(acct, it.Schema.PolicyStoreID), skSchema
	case KindPolicyName:
		wantPK, wantSK = storePK(acct, it.Name.PolicyStoreID), policyNameSK(it.Name.Name)
	case KindPolicyTemplateName:
		wantPK, wantSK = storePK(acct, it.Name.PolicyStoreID), templateNameSK(it.Name.Name)
	case KindResourceSize:
		wantPK, wantSK = storePK(acct, it.Name.PolicyStoreID), resourceSizeSK(it.Name.Name)
	case KindIdentitySource:
		wantPK, wantSK = storePK(acct, it.IdentitySource.PolicyStoreID), identitySourceSK(it.IdentitySource.IdentitySourceID)
	case KindAlias:
		wantPK, wantSK, wantGSI1PK = aliasPK(acct, it.Alias.AliasName), skAlias, aliasesGSI1PK(acct)
	case KindToken:
		wantPK, wantSK = tokenPK(acct, it.Token.Operation, it.Token.Token), skToken
	}
	if pk != wantPK || sk != wantSK {
		return it, fmt.Errorf("%w: %s item pk=%q sk=%q: the key does not match its attributes (want pk=%q sk=%q)", ErrMalformed, it.Kind, pk, sk, wantPK, wantSK)
	}
	var errs []error
	if it.Kind != KindToken && it.Account != acct {
		errs = append(errs, fmt.Errorf("%w: %s item pk=%q has account %q", ErrCrossAccount, it.Kind, pk, it.Account))
	}
	if got := a.str(AttrGSI1PK); got != wantGSI1PK {
		errs = append(errs, fmt.Errorf("%w: %s item pk=%q has gsi1pk %q", ErrCrossAccount, it.Kind, pk, got))
	}
	it.Account = acct
	return it, errors.Join(errs...)
}

// EncodeItem returns the item the store writes for v, a value of account:
// an avp.PolicyStore, avp.IdentitySource, avp.PolicyStoreAlias,
// avp.IdempotencyRecord, avp.Policy, avp.PolicyTemplate or avp.Schema. It is for tools and tests that write the table
// around the store (internal/store/storetest).
func EncodeItem(account string, v any) (map[string]types.AttributeValue, error) {
	var it any
	switch v := v.(type) {
	case avp.PolicyStore:
		ps, err := toPolicyStoreItem(account, v)
		if err != nil {
			return nil, err
		}
		it = ps
	case avp.IdentitySource:
		is, err := toIdentitySourceItem(account, v)
		if err != nil {
			return nil, err
		}
		it = is
	case avp.PolicyStoreAlias:
		it = toAliasItem(account, v)
	case avp.IdempotencyRecord:
		it = toTokenItem(account, v)
	case avp.Policy:
		it = toPolicyItem(account, v)
	case avp.PolicyTemplate:
		it = toTemplateItem(account, v)
	case avp.Schema:
		it = toSchemaItem(account, v)
	default:
		return nil, fmt.Errorf("store: no item for %T", v)
	}
	raw, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("store: encode item: %w", err)
	}
	return raw, nil
}

// accountOfKey returns the account a partition key starts with ("" for
// none).
func accountOfKey(pk string) string {
	rest, ok := strings.CutPrefix(pk, prefixAccount)
	if !ok {
		return ""
	}
	acct, _, ok := strings.Cut(rest, "#")
	if !ok {
		return ""
	}
	return acct
}

// FromStreamImage converts an item image of a DynamoDB stream record, as
// Lambda delivers it, into the form DecodeItem, KindOf and KindOfKey read.
func FromStreamImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	if img == nil {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		c, err := fromStreamValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = c
	}
	return out, nil
}

func fromStreamValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		l := make([]types.AttributeValue, 0, len(v.List()))
		for i, e := range v.List() {
			c, err := fromStreamValue(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l = append(l, c)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m, err := FromStreamImage(v.Map())
		if err != nil {
			return nil, err
		}
		if m == nil {
			m = map[string]types.AttributeValue{}
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unsupported attribute value of data type %d", v.DataType())
}

const (
	attrType    = "type"
	attrAccount = "account"
	attrAliases = "aliases"
)

// attrs reads the attributes of a raw item strictly, naming the attribute
// in every error.
type attrs map[string]types.AttributeValue

// opt returns a string attribute; present is false when it is absent or
// NULL.
func (a attrs) opt(name string) (s string, present bool, err error) {
	switch v := a[name].(type) {
	case nil, *types.AttributeValueMemberNULL:
		return "", false, nil
	case *types.AttributeValueMemberS:
		return v.Value, true, nil
	}
	return "", false, fmt.Errorf("attribute %s is not a string", name)
}

// str returns a string attribute, "" when it is absent or not a string.
func (a attrs) str(name string) string {
	s, _, _ := a.opt(name)
	return s
}

// check reports every required string attribute that is missing (or
// empty), every string attribute that is not a string, and every time
// attribute that is not an RFC 3339 time.
func (a attrs) check(required, optional []string, times ...string) error {
	var errs []error
	for _, name := range append(required, times...) {
		s, _, err := a.opt(name)
		switch {
		case err != nil:
			errs = append(errs, err)
		case s == "":
			errs = append(errs, fmt.Errorf("attribute %s is missing", name))
		}
	}
	for _, name := range optional {
		if _, _, err := a.opt(name); err != nil {
			errs = append(errs, err)
		}
	}
	for _, name := range times {
		if s := a.str(name); s != "" {
			var t avp.Timestamp
			if err := t.UnmarshalText([]byte(s)); err != nil {
				errs = append(errs, fmt.Errorf("attribute %s %q: %w", name, s, err))
			}
		}
	}
	return errors.Join(errs...)
}

// jsonObject checks that s is one JSON object and returns it compacted.
func jsonObject(s string) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	return buf.Bytes(), nil
}
