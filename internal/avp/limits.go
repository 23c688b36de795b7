package avp

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Limits vpid sets where AVP's model sets none, or where the model's bound
// would let an accepted resource outgrow where it is kept (one DynamoDB item
// of 400 KB) or announced (one EventBridge entry of 256 KB).
const (
	// MaxClaimLength bounds a token claim name (principalIdClaim,
	// groupClaim), which the model leaves unbounded: 255, the model's own
	// bound for the other token-borne strings of the same structures
	// (client ids and audiences).
	MaxClaimLength = 255
	// MaxConfigurationBytes bounds the JSON encoding of an identity
	// source's configuration, as stored and as sent in its change events.
	// The model's member bounds allow about a megabyte (1,000 client ids
	// of 255 four-byte characters); an update event carries the old and
	// the new configuration, and must fit EventBridge's 256 KB entry.
	MaxConfigurationBytes = 100 << 10
	// MaxEncryptionContextPairs, MaxEncryptionContextKeyLength and
	// MaxEncryptionContextValueLength bound a KMS encryption context, which
	// the model bounds only at 8,192 pairs of unbounded strings: the bounds
	// AWS sets on a resource's tags (50 pairs, keys of 128, values of 256).
	MaxEncryptionContextPairs       = 50
	MaxEncryptionContextKeyLength   = 128
	MaxEncryptionContextValueLength = 256
	// IdentitySourceEventBudget is the most an identity source's change
	// event detail may take: an update carries two configurations at
	// their limit, two principal entity types of 200 characters escaped
	// to six bytes each, ids and dates.
	IdentitySourceEventBudget = 2*MaxConfigurationBytes + 8<<10
	// MaxRequestDocumentLength bounds a cedarJson (context or entities) and
	// a string attribute: AVP's authorization request size quota, 1 MB,
	// within the 1 MiB vpid takes for a whole request body.
	MaxRequestDocumentLength = 1000000
	// MaxAttributeNameLength bounds the name of an attribute, a context or
	// record member or a tag of an entity (the model's String key).
	MaxAttributeNameLength = 1024
	// MaxRecordEntries bounds the members of an entity's attributes or
	// tags, a context and a record; MaxSetItems the items of a set.
	MaxRecordEntries = 1000
	MaxSetItems      = 1000
	// MaxParents is AVP's quota on the parents, direct and transitive, of
	// a request's principal, action and resource (100, not adjustable); it
	// bounds every entity's direct parents too.
	MaxParents = 100
)

// Limit is one row of the limits table (DESIGN.md, "Limits"): a shape of
// AVP's model, the bound the model gives it (0: none), vpid's bound, and why.
type Limit struct {
	Shape string // the model's shape name
	Bound string // "length" (characters), "items", "bytes" or "value"
	Model int
	VPID  int
	Why   string
}

// Limits lists every bound vpid enforces that is not the model's own.
func Limits() []Limit {
	return []Limit{
		{"Claim", "length", 0, MaxClaimLength, "the model's bound for client ids and audiences, the other token-borne strings"},
		{"KmsKey", "length", 0, 2048, "KMS's own bound on a key id, ARN or alias (KeyId)"},
		{"EncryptionContext", "items", 8192, MaxEncryptionContextPairs, "AWS's bound on a resource's tags"},
		{"EncryptionContextKey", "length", 0, MaxEncryptionContextKeyLength, "AWS's bound on a tag key"},
		{"EncryptionContextValue", "length", 0, MaxEncryptionContextValueLength, "AWS's bound on a tag value"},
		{"TagMap", "items", 200, MaxTags, "AWS's tagging quota: 50 tags per resource"},
		{"MaxResults", "value", 0, MaxPageSize, "AVP's documented page size (1-50)"},
		{"ListIdentitySourcesMaxResults", "value", 0, MaxPageSize, "AVP's documented page size (1-50)"},
		{"Configuration", "bytes", 0, MaxConfigurationBytes, "one item, and two of them in one 256 KB change event"},
		{"UpdateConfiguration", "bytes", 0, MaxConfigurationBytes, "as Configuration"},
		{"PolicyStatement", "length", 0, MaxPolicySize, "AVP's policy size quota (10,000 bytes): a longer statement never fits it"},
		{"SchemaJson", "length", 0, MaxSchemaSize, "AVP's schema size quota (100,000 bytes): a longer schema never fits it"},
		{"CedarJson", "length", 0, MaxRequestDocumentLength, "AVP's authorization request size quota, 1 MB"},
		{"StringAttribute", "length", 0, MaxRequestDocumentLength, "AVP's authorization request size quota, 1 MB"},
		{"String", "length", 0, MaxAttributeNameLength, "an attribute, context, record or tag name; the request's cost stays bounded"},
		{"EntityList", "items", 0, MaxEntities, "the request's cost stays bounded; AVP documents 100 principals and 100 resources"},
		{"ParentList", "items", 0, MaxParents, "AVP's quota of 100 transitive parents per entity"},
		{"EntityAttributes", "items", 0, MaxRecordEntries, "the request's cost stays bounded"},
		{"EntityCedarTags", "items", 0, MaxRecordEntries, "as EntityAttributes"},
		{"ContextMap", "items", 0, MaxRecordEntries, "as EntityAttributes"},
		{"RecordAttribute", "items", 0, MaxRecordEntries, "as EntityAttributes"},
		{"CedarTagRecordAttribute", "items", 0, MaxRecordEntries, "as EntityAttributes"},
		{"SetAttribute", "items", 0, MaxSetItems, "as EntityAttributes"},
		{"CedarTagSetAttribute", "items", 0, MaxSetItems, "as EntityAttributes"},
		{"BatchIsAuthorizedInputList", "items", 0, MaxBatchRequests, "AVP's documented batch of 30 requests"},
		{"BatchIsAuthorizedWithTokenInputList", "items", 0, MaxBatchRequests, "AVP's documented batch of 30 requests"},
	}
}

// configurationSize reports a configuration whose JSON encoding (what is
// stored and announced) is over MaxConfigurationBytes.
func configurationSize(v *validator, path string, c Configuration) {
	if c == nil {
		return
	}
	b, err := json.Marshal(WireConfiguration(c))
	if err != nil || len(b) <= MaxConfigurationBytes {
		return
	}
	v.add(path, "Value at '%s' failed to satisfy constraint: Member must have an encoded size less than or equal to %d bytes, but has %d bytes", path, MaxConfigurationBytes, len(b))
}

func validateEncryptionContext(v *validator, path string, m map[string]string) {
	v.stringMap(path, m, MaxEncryptionContextPairs, ruleContextKey, ruleContextValue, nil)
}

// stringMap checks a map of strings: at most max entries (else nothing
// more is checked), each key and value by its rule at
// path["key"].key / .value, in key order; also gives each entry's path
// and key to check, when not nil.
func (v *validator) stringMap(path string, m map[string]string, max int, key, value strRule, check func(p, k string)) {
	if len(m) > max {
		v.add(path, "Value at '%s' failed to satisfy constraint: Member must have at most %d entries, but has %d", path, max, len(m))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		val := m[k]
		p := fmt.Sprintf("%s[%q]", path, k)
		v.str(p+".key", &k, key)
		v.str(p+".value", &val, value)
		if check != nil {
			check(p, k)
		}
	}
}

var (
	ruleContextKey   = strRule{min: 1, max: MaxEncryptionContextKeyLength}
	ruleContextValue = strRule{min: 1, max: MaxEncryptionContextValueLength}
)
