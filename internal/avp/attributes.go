package avp

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cedar-policy/cedar-go/types"
)

// MaxValueDepth bounds how deeply sets and records may nest in an attribute,
// context or tag value (one level: a value that is not a set or record), so
// that decoding and converting a request costs at most its size times this
// depth. AVP documents no bound; Cedar's own JSON examples nest a few levels.
const MaxValueDepth = 32

// Union member names of AttributeValue (and CedarTagValue).
var attributeMembers = []string{"boolean", "entityIdentifier", "long", "string", "set", "record", "ipaddr", "decimal", "datetime", "duration"}

// AttributeValue is AVP's attribute value union: exactly one member is set.
// Set and Record count as set when non-nil (an empty set is a set).
type AttributeValue struct {
	Boolean          *bool                     `json:"boolean,omitempty"`
	EntityIdentifier *EntityIdentifier         `json:"entityIdentifier,omitempty"`
	Long             *int64                    `json:"long,omitempty"`
	String           *string                   `json:"string,omitempty"`
	Set              []AttributeValue          `json:"set,omitempty"`
	Record           map[string]AttributeValue `json:"record,omitempty"`
	IPAddr           *string                   `json:"ipaddr,omitempty"`
	Decimal          *string                   `json:"decimal,omitempty"`
	Datetime         *string                   `json:"datetime,omitempty"`
	Duration         *string                   `json:"duration,omitempty"`

	union unionState
}

// CedarTagValue is the value of an entity tag; AVP models it with the
// members of AttributeValue.
type CedarTagValue = AttributeValue

var _ json.Unmarshaler = (*AttributeValue)(nil)

// UnmarshalJSON decodes the union, refusing values nested deeper than
// MaxValueDepth before decoding them.
func (a *AttributeValue) UnmarshalJSON(b []byte) error {
	if d := jsonDepth(b); d > 2*MaxValueDepth {
		return fmt.Errorf("an attribute value nests sets and records more than %d deep", MaxValueDepth)
	}
	*a = AttributeValue{}
	st, err := decodeUnion(b, map[string]any{
		"boolean": &a.Boolean, "entityIdentifier": &a.EntityIdentifier, "long": &a.Long, "string": &a.String,
		"set": &a.Set, "record": &a.Record, "ipaddr": &a.IPAddr, "decimal": &a.Decimal,
		"datetime": &a.Datetime, "duration": &a.Duration,
	})
	a.union = st
	if err == nil && a.Set == nil && containsMember(st.members, "set") {
		a.Set = []AttributeValue{}
	}
	if err == nil && a.Record == nil && containsMember(st.members, "record") {
		a.Record = map[string]AttributeValue{}
	}
	return err
}

// MarshalJSON writes the one member set (an empty set or record included).
func (a AttributeValue) MarshalJSON() ([]byte, error) {
	var member string
	var v any
	switch {
	case a.Boolean != nil:
		member, v = "boolean", *a.Boolean
	case a.EntityIdentifier != nil:
		member, v = "entityIdentifier", a.EntityIdentifier
	case a.Long != nil:
		member, v = "long", *a.Long
	case a.String != nil:
		member, v = "string", *a.String
	case a.Set != nil:
		member, v = "set", a.Set
	case a.Record != nil:
		member, v = "record", a.Record
	case a.IPAddr != nil:
		member, v = "ipaddr", *a.IPAddr
	case a.Decimal != nil:
		member, v = "decimal", *a.Decimal
	case a.Datetime != nil:
		member, v = "datetime", *a.Datetime
	case a.Duration != nil:
		member, v = "duration", *a.Duration
	default:
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]any{member: v})
}

func containsMember(ms []string, m string) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

// jsonDepth is the deepest nesting of objects and arrays in b (strings
// skipped); b need not be valid JSON.
func jsonDepth(b []byte) int {
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

// Patterns and lengths of the model's extension-value members.
var (
	reIPAddr    = newPattern(`^[0-9a-fA-F.:/]*$`)
	reDecimal   = newPattern(`^-?\d{1,15}\.\d{1,4}$`)
	reDatetime  = newPattern(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{4}))?$`)
	reDuration  = newPattern(`^-?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$`)
	reActionTyp = newPattern(`Action$|^.+::Action`)

	ruleIPAddr     = strRule{min: 1, max: 44, pattern: reIPAddr, sensitive: true}
	ruleDecimal    = strRule{min: 3, max: 23, pattern: reDecimal, sensitive: true}
	ruleDatetime   = strRule{min: 10, max: 28, pattern: reDatetime, sensitive: true}
	ruleDuration   = strRule{min: 2, max: 100, pattern: reDuration, sensitive: true}
	ruleActionType = strRule{min: 1, max: 200, pattern: reActionTyp, sensitive: true}
	ruleActionID   = strRule{min: 1, max: 512, pattern: reAnyLine, sensitive: true}

	ruleStringAttribute = strRule{max: MaxRequestDocumentLength, sensitive: true}
	ruleAttributeName   = strRule{max: MaxAttributeNameLength, sensitive: true}
	ruleCedarJSON       = strRule{max: MaxRequestDocumentLength, sensitive: true}
)

// entityUID checks an EntityIdentifier and converts it.
func (v *validator) entityUID(path string, e *EntityIdentifier) types.EntityUID {
	if e == nil {
		v.missing(path)
		return types.EntityUID{}
	}
	v.reqStr(path+".entityType", e.EntityType, ruleEntityType)
	v.reqStr(path+".entityId", e.EntityID, ruleEntityID)
	return types.NewEntityUID(types.EntityType(e.EntityType), types.String(e.EntityID))
}

// value checks an AttributeValue and converts it to a Cedar value; nil when
// it is invalid (the violation is recorded).
func (v *validator) value(path string, a *AttributeValue, depth int) types.Value {
	n := len(v.fields)
	a.union.validate(v, path, attributeMembers,
		a.Boolean != nil, a.EntityIdentifier != nil, a.Long != nil, a.String != nil, a.Set != nil,
		a.Record != nil, a.IPAddr != nil, a.Decimal != nil, a.Datetime != nil, a.Duration != nil)
	if len(v.fields) > n {
		return nil
	}
	if depth > MaxValueDepth {
		v.add(path, "Value at '%s' nests sets and records more than %d deep", path, MaxValueDepth)
		return nil
	}
	ext := func(member string, s *string, r strRule, parse func(string) (types.Value, error)) types.Value {
		p := path + "." + member
		v.str(p, s, r)
		if len(v.fields) > n {
			return nil
		}
		val, err := parse(*s)
		if err != nil {
			v.add(p, "Value at '%s' is not a valid %s: %v", p, member, err)
			return nil
		}
		return val
	}
	switch {
	case a.Boolean != nil:
		return types.Boolean(*a.Boolean)
	case a.EntityIdentifier != nil:
		return v.entityUID(path+".entityIdentifier", a.EntityIdentifier)
	case a.Long != nil:
		return types.Long(*a.Long)
	case a.String != nil:
		// The path is built only for a string that may be too long: every
		// decision checks every value.
		if len(*a.String) > MaxRequestDocumentLength {
			if v.str(path+".string", a.String, ruleStringAttribute); len(v.fields) > n {
				return nil
			}
		}
		return types.String(*a.String)
	case a.Set != nil:
		if len(a.Set) > MaxSetItems {
			v.listLen(path+".set", len(a.Set), 0, MaxSetItems)
			return nil
		}
		vals := make([]types.Value, 0, len(a.Set))
		for i := range a.Set {
			if x := v.value(indexPath(path+".set", i), &a.Set[i], depth+1); x != nil {
				vals = append(vals, x)
			}
		}
		return types.NewSet(vals...)
	case a.Record != nil:
		return v.record(path+".record", a.Record, depth+1)
	case a.IPAddr != nil:
		return ext("ipaddr", a.IPAddr, ruleIPAddr, func(s string) (types.Value, error) { return types.ParseIPAddr(s) })
	case a.Decimal != nil:
		return ext("decimal", a.Decimal, ruleDecimal, func(s string) (types.Value, error) { return types.ParseDecimal(s) })
	case a.Datetime != nil:
		return ext("datetime", a.Datetime, ruleDatetime, func(s string) (types.Value, error) { return types.ParseDatetime(s) })
	case a.Duration != nil:
		return ext("duration", a.Duration, ruleDuration, func(s string) (types.Value, error) { return types.ParseDuration(s) })
	}
	return nil
}

// record converts a map of attribute values to a Cedar record. A member's
// paths are those of the repository's maps: path["name"].key for its name,
// path["name"].value for its value.
func (v *validator) record(path string, m map[string]AttributeValue, depth int) types.Record {
	if len(m) > MaxRecordEntries {
		v.add(path, "Value at '%s' failed to satisfy constraint: Member must have at most %d entries, but has %d", path, MaxRecordEntries, len(m))
		return types.Record{}
	}
	rm := make(types.RecordMap, len(m))
	first := len(v.fields)
	for k, a := range m {
		if len(k) > MaxAttributeNameLength {
			n := len(v.fields)
			if v.str(mapPath(path, k, "key"), &k, ruleAttributeName); len(v.fields) > n {
				continue
			}
		}
		if x := v.value(mapPath(path, k, "value"), &a, depth); x != nil {
			rm[types.String(k)] = x
		}
	}
	// Map order is random: the violations are listed by path.
	slices.SortStableFunc(v.fields[first:], func(a, b Field) int { return strings.Compare(a.Path, b.Path) })
	return types.NewRecord(rm)
}

// mapPath is the path of a map entry's key or value, path["key"].member,
// with the key quoted as Go's %q does, in one allocation when the key
// needs no escape.
func mapPath(path, key, member string) string {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return path + "[" + strconv.Quote(key) + "]." + member
		}
	}
	return path + "[\"" + key + "\"]." + member
}
